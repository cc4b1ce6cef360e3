package verify

// JAdES (ETSI TS 119 182-1): a JWS in the compact or the flattened JSON
// serialisation, as the jades package writes it, read here with this
// package's own code (not through jades, which wrote it).

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

// ErrNotJWS: the bytes look like a JWS but are not one this package reads.
var ErrNotJWS = errors.New("not a JAdES JWS (compact, or flattened JSON with protected, payload and signature)")

// jws is a parsed JWS: the base64url parts as they were signed.
type jws struct {
	protected, payload, signature string
	etsiU                         []string // the unprotected header's etsiU (JSON serialisation only)
	compact                       bool
}

// jwsHeader is the part of the protected header that verification reads.
type jwsHeader struct {
	Alg     string   `json:"alg"`
	X5tS256 string   `json:"x5t#S256"`
	X5c     []string `json:"x5c"`
	SigT    string   `json:"sigT"`
	Crit    []string `json:"crit"`
	B64     *bool    `json:"b64"`
}

// parseJWS reads a compact or flattened JSON JWS; ok is false when b is
// neither shape (then it is not a JWS at all and other formats are tried).
func parseJWS(b []byte) (j *jws, ok bool) {
	t := bytes.TrimSpace(b)
	if len(t) > 0 && t[0] == '{' {
		var f struct {
			Protected *string `json:"protected"`
			Payload   *string `json:"payload"`
			Signature *string `json:"signature"`
			Header    struct {
				EtsiU []string `json:"etsiU"`
			} `json:"header"`
		}
		if json.Unmarshal(t, &f) != nil || f.Protected == nil || f.Payload == nil || f.Signature == nil {
			return nil, false
		}
		return &jws{protected: *f.Protected, payload: *f.Payload, signature: *f.Signature, etsiU: f.Header.EtsiU}, true
	}
	parts := strings.Split(string(t), ".")
	if len(parts) != 3 || parts[0] == "" {
		return nil, false
	}
	for _, p := range parts {
		if strings.Trim(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return nil, false
		}
	}
	hdr, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || !json.Valid(hdr) {
		return nil, false
	}
	return &jws{protected: parts[0], payload: parts[1], signature: parts[2], compact: true}, true
}

// verifyJWS checks one JAdES signature: header, signature value with
// x5c[0], chain, sigTst, level; the payload is the report's Content when
// it verifies.
func verifyJWS(v *verifier, j *jws) (*Report, error) {
	r := v.r
	rawHdr, err := base64.RawURLEncoding.DecodeString(j.protected)
	if err != nil {
		return nil, fmt.Errorf("%w: protected header: %v", ErrNotJWS, err)
	}
	var h jwsHeader
	if err := json.Unmarshal(rawHdr, &h); err != nil {
		return nil, fmt.Errorf("%w: protected header: %v", ErrNotJWS, err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(j.payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrNotJWS, err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(j.signature)
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %v", ErrNotJWS, err)
	}
	form := "flattened JSON"
	if j.compact {
		form = "compact"
	}
	v.printf(1, "JAdES signature, %s serialisation, payload %d bytes", form, len(payload))
	if err := v.jwsSigner(j, &h, payload, sig); err != nil {
		r.Problems = append(r.Problems, "signature 1 of 1: "+err.Error())
	}
	r.Valid = len(r.Problems) == 0
	if r.Valid {
		r.Content = payload
	}
	return r, nil
}

func (v *verifier) jwsSigner(j *jws, h *jwsHeader, payload, sig []byte) (err error) {
	depth, label := 1, "signature 1 of 1"
	rec := Signer{Layer: 1, Label: label, Chain: "not checked", Status: CertStatus{Status: StatusNotChecked}}
	defer func() {
		if err != nil {
			rec.Problem = err.Error()
		}
		v.r.Signers = append(v.r.Signers, rec)
	}()
	if len(h.X5c) == 0 {
		v.printf(depth, "%s: no x5c in the protected header", label)
		return errors.New("the protected header carries no signer certificate (x5c)")
	}
	var certs []*x509.Certificate
	for i, s := range h.X5c {
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return fmt.Errorf("x5c[%d]: %v", i, err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return fmt.Errorf("x5c[%d]: %v", i, err)
		}
		certs = append(certs, c)
	}
	cert := certs[0]
	rec.Subject, rec.CommonName, rec.TaxCode = Who(cert.Subject), cert.Subject.CommonName, cert.Subject.SerialNumber
	rec.Issuer, rec.Serial = Who(cert.Issuer), fmt.Sprintf("%X", cert.SerialNumber)
	v.printf(depth, "%s: %s", label, rec.Subject)
	v.printf(depth+1, "issued by %s, serial %X, valid %s to %s", rec.Issuer, cert.SerialNumber,
		cert.NotBefore.UTC().Format(time.DateOnly), cert.NotAfter.UTC().Format(time.DateOnly))
	baseline := true
	if h.SigT != "" {
		t, err := time.Parse(time.RFC3339, h.SigT)
		if err != nil {
			return fmt.Errorf("sigT %q: %v", h.SigT, err)
		}
		rec.SigningTime = t.UTC()
		v.printf(depth+1, "signing time (claimed in sigT): %s", rec.SigningTime.Format(time.RFC3339))
		if !slices.Contains(h.Crit, "sigT") {
			v.printf(depth+1, "sigT not listed in crit: not a JAdES baseline signature")
			baseline = false
		}
	} else {
		v.printf(depth+1, "no sigT: not a JAdES baseline signature")
		baseline = false
	}
	for _, c := range h.Crit {
		if c != "sigT" && c != "b64" {
			// RFC 7515 4.1.11: a critical parameter not understood fails.
			return fmt.Errorf("critical header parameter %q is not understood", c)
		}
	}
	if h.B64 != nil && !*h.B64 {
		return errors.New("unencoded payloads (b64 false) are not read")
	}
	if h.X5tS256 == "" {
		v.printf(depth+1, "no x5t#S256: not a JAdES baseline signature")
		baseline = false
	} else if sum := sha256.Sum256(cert.Raw); h.X5tS256 != base64.RawURLEncoding.EncodeToString(sum[:]) {
		v.printf(depth+1, "x5t#S256: does NOT match x5c[0]")
		return errors.New("x5t#S256 is not the digest of x5c[0]")
	}
	hash, err := jwsCheckAlg(h.Alg, cert.PublicKey)
	if err != nil {
		v.printf(depth+1, "alg %q: %v", h.Alg, err)
		return err
	}
	input := j.protected + "." + j.payload
	if err := jwsVerify(h.Alg, hash, cert.PublicKey, []byte(input), sig); err != nil {
		v.printf(depth+1, "signature: INVALID (%v)", err)
		return err
	}
	// The payload is inside the signing input: a valid value covers it.
	rec.ContentIntact, rec.SignatureValid = true, true
	v.printf(depth+1, "signature (%s): valid, payload intact", h.Alg)
	level := ""
	if baseline {
		level = "B-B"
	}
	at := v.o.Now
	if !rec.SigningTime.IsZero() {
		at = rec.SigningTime
	}
	for _, tok := range jwsSigTst(j.etsiU) {
		if tok.err != nil {
			return fmt.Errorf("sigTst: %w", tok.err)
		}
		// TS 119 182-1 5.3.4.1: the imprint is over the base64url signature value.
		genTime, err := v.timestamp(tok.der, []byte(j.signature), depth+1, "signature time-stamp")
		if err != nil {
			return err
		}
		at = genTime
		rec.TimeStamp, rec.TimeStampChecked = genTime.UTC(), true
		if baseline {
			level = "B-T"
		}
	}
	if err := v.chain(cert, certs, at, depth+1, "certificate"); err != nil {
		rec.Chain = "not trusted"
		return err
	}
	if v.o.Roots != nil {
		rec.Chain = "trusted"
	}
	st, err := v.status(&p7{certs: certs}, cert, at)
	rec.Status = st
	if err != nil {
		return err
	}
	v.printf(depth+1, "certificate status at %s: %s", at.UTC().Format(time.RFC3339), describeStatus(st))
	if err := statusProblem(st); err != nil {
		return err
	}
	rec.Level = level
	if level == "" {
		level = "none (not JAdES baseline)"
	}
	v.printf(depth+1, "level: %s", level)
	return nil
}

type jwsToken struct {
	der []byte
	err error
}

// jwsSigTst finds the sigTst tokens in etsiU; each entry is base64url
// JSON (119 182-1 V1.1.1) or, in later versions, the JSON object itself.
func jwsSigTst(etsiU []string) []jwsToken {
	var out []jwsToken
	for _, e := range etsiU {
		raw := []byte(e)
		if !json.Valid(raw) {
			d, err := base64.RawURLEncoding.DecodeString(e)
			if err != nil {
				out = append(out, jwsToken{err: fmt.Errorf("etsiU entry: %v", err)})
				continue
			}
			raw = d
		}
		var attr struct {
			SigTst *struct {
				TstTokens []struct {
					Val string `json:"val"`
				} `json:"tstTokens"`
			} `json:"sigTst"`
		}
		if err := json.Unmarshal(raw, &attr); err != nil {
			out = append(out, jwsToken{err: fmt.Errorf("etsiU entry: %v", err)})
			continue
		}
		if attr.SigTst == nil {
			continue
		}
		if len(attr.SigTst.TstTokens) == 0 {
			out = append(out, jwsToken{err: errors.New("no tstTokens")})
		}
		for _, t := range attr.SigTst.TstTokens {
			der, err := base64.StdEncoding.DecodeString(t.Val)
			if err != nil {
				out = append(out, jwsToken{err: fmt.Errorf("tstTokens val: %v", err)})
				continue
			}
			out = append(out, jwsToken{der: der})
		}
	}
	return out
}

// jwsCheckAlg checks the JWS alg against the key (RFC 7518 3.1) and
// returns its hash.
func jwsCheckAlg(alg string, pub crypto.PublicKey) (crypto.Hash, error) {
	if len(alg) != 5 {
		return 0, fmt.Errorf("alg %q is not supported", alg)
	}
	hash, ok := map[string]crypto.Hash{"256": crypto.SHA256, "384": crypto.SHA384, "512": crypto.SHA512}[alg[2:]]
	if !ok {
		return 0, fmt.Errorf("alg %q is not supported", alg)
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		want := map[crypto.Hash]elliptic.Curve{crypto.SHA256: elliptic.P256(), crypto.SHA384: elliptic.P384(), crypto.SHA512: elliptic.P521()}[hash]
		if alg[:2] != "ES" || k.Curve != want {
			return 0, fmt.Errorf("alg %q does not fit the certificate's %s key", alg, k.Curve.Params().Name)
		}
	case *rsa.PublicKey:
		if alg[:2] != "RS" && alg[:2] != "PS" {
			return 0, fmt.Errorf("alg %q does not fit the certificate's RSA key", alg)
		}
	default:
		return 0, fmt.Errorf("alg %q: the certificate's key type is not supported", alg)
	}
	return hash, nil
}

func jwsVerify(alg string, hash crypto.Hash, pub crypto.PublicKey, input, sig []byte) error {
	d := hash.New()
	d.Write(input)
	digest := d.Sum(nil)
	bad := errors.New("the signature value does not verify with x5c[0]")
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return bad
		}
		if !ecdsa.Verify(k, digest, new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])) {
			return bad
		}
	case *rsa.PublicKey:
		var err error
		if alg[:2] == "PS" {
			err = rsa.VerifyPSS(k, hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			err = rsa.VerifyPKCS1v15(k, hash, digest, sig)
		}
		if err != nil {
			return bad
		}
	}
	return nil
}
