package csc_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/sam"
)

// jwsParts splits a compact or flattened JSON JWS into its base64url
// protected header, payload and signature.
func jwsParts(t *testing.T, raw []byte) (protected, payload, signature string) {
	t.Helper()
	if raw[0] == '{' {
		var f struct{ Protected, Payload, Signature string }
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatal(err)
		}
		return f.Protected, f.Payload, f.Signature
	}
	p := strings.Split(string(raw), ".")
	if len(p) != 3 {
		t.Fatalf("compact JWS of %d parts", len(p))
	}
	return p[0], p[1], p[2]
}

// TestSignDocJAdES signs JSON documents as JAdES and checks them with
// go-jose as an independent parser: the algorithm, the x5c chain (to the
// root), x5t#S256, sigT, crit, typ and cty, the payload, and the signature
// over the JWS Signing Input with the public key go-jose extracted. The
// B-T time-stamp is verified by openssl over the base64url JWS Signature
// Value, the message imprint TS 119 182-1 5.3.4.1 defines.
func TestSignDocJAdES(t *testing.T) {
	t.Parallel()
	testutil.NeedTool(t, "openssl")
	s := testutil.StartServer(t)
	auth := s.App.Authorities
	doc := []byte(`{"fattura":{"numero":42,"importo":"100.00","note":"caffè <&> \u00e8"},"righe":[1,2,3]}`)
	pssParams, err := sam.PSSParams(crypto.SHA256, 32)
	if err != nil {
		t.Fatal(err)
	}
	holders := map[string]testutil.Holder{}
	for _, k := range []string{"ec-p256", "ec-p384", "rsa-2048"} {
		holders[k] = s.NewHolder(t, k)
	}
	tests := []struct {
		name, key, signAlgo, params, level, envelope string
		alg                                          jose.SignatureAlgorithm
		json, timestamp                              bool
	}{
		{"ES256 B-B compact by default", "ec-p256", ecdsaSHA256, "", "Ades-B-B", "", jose.ES256, false, false},
		{"ES256 B-B JSON", "ec-p256", ecdsaSHA256, "", "", "JSON", jose.ES256, true, false},
		{"ES256 B-T JSON by default", "ec-p256", ecdsaSHA256, "", "Ades-B-T", "Attached", jose.ES256, true, true},
		{"ES384 B-T", "ec-p384", "1.2.840.10045.4.3.3", "", "Ades-B-T", "", jose.ES384, true, true},
		{"RS256 B-B compact", "rsa-2048", "1.2.840.113549.1.1.11", "", "", "Compact", jose.RS256, false, false},
		{"PS256 B-T", "rsa-2048", oidRSAPSS, pssParams, "Ades-B-T", "", jose.PS256, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := holders[tt.key]
			tok := s.Login(t, "v2", h.ID, h.Password)
			before := s.Clock.Now().Add(-time.Second)
			sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(doc))
			entry := map[string]any{"document": std64(doc), "signature_format": "J", "signAlgo": tt.signAlgo}
			for k, v := range map[string]string{"conformance_level": tt.level, "signed_envelope_property": tt.envelope, "signAlgoParams": tt.params} {
				if v != "" {
					entry[k] = v
				}
			}
			st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{entry}})
			if st != http.StatusOK {
				t.Fatalf("signDoc: %d %v", st, body)
			}
			docs := decodeDocs(t, body, "DocumentWithSignature")
			if len(docs) != 1 || body["SignatureObject"] != nil {
				t.Fatalf("a JAdES signature comes back as one DocumentWithSignature: %v", body)
			}
			raw := docs[0]
			if (raw[0] == '{') != tt.json {
				t.Fatalf("JSON serialisation = %v, want %v: %.80s", raw[0] == '{', tt.json, raw)
			}
			jws, err := jose.ParseSigned(string(raw), []jose.SignatureAlgorithm{tt.alg})
			if err != nil {
				t.Fatalf("go-jose: %v\n%s", err, raw)
			}
			if len(jws.Signatures) != 1 {
				t.Fatalf("%d signatures", len(jws.Signatures))
			}
			sig := jws.Signatures[0]
			hdr := sig.Protected
			if hdr.Algorithm != string(tt.alg) {
				t.Fatalf("alg %q, want %s", hdr.Algorithm, tt.alg)
			}
			chains, err := hdr.Certificates(x509.VerifyOptions{Roots: rootPool(auth.Root), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
			if err != nil {
				t.Fatalf("x5c does not chain to the root: %v", err)
			}
			signer := chains[0][0]
			thumb := sha256.Sum256(signer.Raw)
			wantTyp := "jose"
			if tt.json {
				wantTyp = "jose+json"
			}
			sigT, _ := hdr.ExtraHeaders["sigT"].(string)
			at, err := time.Parse("2006-01-02T15:04:05Z", sigT)
			if err != nil || at.Before(before) || at.After(s.Clock.Now().Add(time.Second)) {
				t.Fatalf("sigT %q: %v", sigT, err)
			}
			crit, _ := hdr.ExtraHeaders["crit"].([]any)
			if hdr.ExtraHeaders["x5t#S256"] != base64.RawURLEncoding.EncodeToString(thumb[:]) || len(crit) != 1 || crit[0] != "sigT" ||
				hdr.ExtraHeaders[jose.HeaderType] != wantTyp || hdr.ExtraHeaders[jose.HeaderContentType] != "json" {
				t.Fatalf("protected header: %+v", hdr.ExtraHeaders)
			}
			if got := jws.UnsafePayloadWithoutVerification(); string(got) != string(doc) {
				t.Fatalf("payload %q", got)
			}
			// go-jose refuses, as RFC 7515 4.1.11 asks of a verifier, a
			// critical header parameter it does not know (sigT): the
			// signature value is checked here with the key it extracted.
			if _, err := jws.Verify(signer.PublicKey); !errors.Is(err, jose.ErrUnsupportedCriticalHeader) {
				t.Fatalf("go-jose Verify: %v, want ErrUnsupportedCriticalHeader for crit sigT", err)
			}
			protected, payload, sigB64 := jwsParts(t, raw)
			if !verifyJWS(signer.PublicKey, tt.alg, []byte(protected+"."+payload), sig.Signature) {
				t.Fatal("the JWS signature does not verify over the signing input")
			}
			if verifyJWS(signer.PublicKey, tt.alg, []byte(protected+"."+payload+"x"), sig.Signature) {
				t.Fatal("the check accepts another signing input")
			}

			etsiU, _ := sig.Unprotected.ExtraHeaders["etsiU"].([]any)
			if (len(etsiU) > 0) != tt.timestamp {
				t.Fatalf("etsiU present = %v, want %v", len(etsiU) > 0, tt.timestamp)
			}
			if tt.timestamp {
				enc, _ := etsiU[0].(string)
				attr, err := base64.RawURLEncoding.DecodeString(enc)
				if err != nil {
					t.Fatalf("etsiU[0] is not base64url: %v", err)
				}
				var tst struct {
					SigTst struct {
						TstTokens []struct{ Val string } `json:"tstTokens"`
					} `json:"sigTst"`
				}
				if err := json.Unmarshal(attr, &tst); err != nil || len(tst.SigTst.TstTokens) != 1 {
					t.Fatalf("etsiU[0]: %s %v", attr, err)
				}
				token, err := base64.StdEncoding.DecodeString(tst.SigTst.TstTokens[0].Val)
				if err != nil {
					t.Fatal(err)
				}
				if ok, out := testutil.OpensslTSVerify(t, token, []byte(sigB64), "", auth.Root, auth.IssuingChain...); !ok {
					t.Fatalf("openssl ts -verify of sigTst over the base64url JWS Signature Value:\n%s", out)
				}
				if ok, _ := testutil.OpensslTSVerify(t, token, []byte(sigB64+"A"), "", auth.Root, auth.IssuingChain...); ok {
					t.Fatal("the time-stamp verifies over other data")
				}
			}
		})
	}
}

func rootPool(root *x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(root)
	return p
}

// verifyJWS checks a JWS signature value (RFC 7518 3.3-3.5) with crypto/*.
func verifyJWS(pub crypto.PublicKey, alg jose.SignatureAlgorithm, input, sig []byte) bool {
	h := map[byte]crypto.Hash{'2': crypto.SHA256, '3': crypto.SHA384, '5': crypto.SHA512}[alg[2]]
	hh := h.New()
	hh.Write(input)
	d := hh.Sum(nil)
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		n := len(sig) / 2
		return ecdsa.Verify(k, d, new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:]))
	case *rsa.PublicKey:
		if alg[0] == 'P' {
			return rsa.VerifyPSS(k, h, d, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		}
		return rsa.VerifyPKCS1v15(k, h, d, sig) == nil
	}
	return false
}

func TestSignDocJAdESRefusals(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	jsonDoc := []byte(`{"a":1}`)
	tests := []struct {
		name      string
		content   []byte
		extra     map[string]any
		wantInMsg string
	}{
		{"not JSON", []byte("<xml/>"), nil, "not JSON"},
		{"JSON with trailing garbage", []byte(`{"a":1} x`), nil, "not JSON"},
		{"compact cannot carry B-T", jsonDoc, map[string]any{"conformance_level": "Ades-B-T", "signed_envelope_property": "Compact"}, "compact"},
		{"B-LT not offered", jsonDoc, map[string]any{"conformance_level": "Ades-B-LT"}, "B-B or B-T"},
		{"detached not offered", jsonDoc, map[string]any{"signed_envelope_property": "Detached"}, "signed_envelope_property"},
		{"P-256 with SHA-384", jsonDoc, map[string]any{"signAlgo": "1.2.840.10045.4.3.3"}, "ES256 needs P-256"},
		{"signed_props", jsonDoc, map[string]any{"signed_props": []any{map[string]any{"attribute_name": "Reason", "attribute_value": std64([]byte("x"))}}}, "signed_props"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(tt.content))
			entry := map[string]any{"document": std64(tt.content), "signature_format": "J", "signAlgo": ecdsaSHA256}
			for k, v := range tt.extra {
				entry[k] = v
			}
			st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{entry}})
			desc, _ := body["error_description"].(string)
			if st != http.StatusBadRequest || body["error"] != "invalid_request" || !strings.Contains(desc, tt.wantInMsg) || !strings.Contains(desc, "documents[0]") {
				t.Fatalf("%d %v, want invalid_request naming documents[0] and %q", st, body, tt.wantInMsg)
			}
		})
	}
}
