// Package jades makes JAdES signatures (ETSI TS 119 182-1) over JSON
// documents: a JWS whose protected header carries alg, typ, cty,
// x5t#S256, x5c, the claimed signing time sigT and crit naming sigT; B-T
// adds a signature time-stamp (sigTst) in the unprotected header etsiU,
// which only the JSON serialisation has. Like pades, it prepares the value
// to sign, lets a remote key sign its digest, and finishes with that
// signature value, so the key never meets the document.
package jades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"time"

	"github.com/qesproject/qes/internal/cms"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Timestamper issues RFC 3161 time-stamp tokens (pades.Timestamper has
// the same method, so the service's TSA serves both).
type Timestamper interface {
	Timestamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error)
}

// Options controls one JAdES signature.
type Options struct {
	// Timestamp makes a B-T signature (sigTst by Timestamper); false: B-B.
	Timestamp   bool
	Timestamper Timestamper
	// JSON selects the flattened JWS JSON serialisation; false: compact.
	// B-T needs JSON: the compact form has no unprotected header.
	JSON bool
	// Hash is the JWS algorithm's hash (SHA-256/384/512); PSS selects
	// PS256.. over RS256.. for RSA keys.
	Hash crypto.Hash
	PSS  bool
	// Time is the claimed signing time (sigT); default time.Now().
	Time time.Time
}

// Prepared waits for the signature value over Digest.
type Prepared struct {
	opts   Options
	signer *x509.Certificate
	// input is the JWS Signing Input, ASCII(BASE64URL(protected) || '.'
	// || BASE64URL(payload)) (RFC 7515 5.1), of which the compact form
	// is a prefix.
	input  []byte
	dot    int // index of the '.' in input
	digest []byte
}

// protectedHeader is written in a fixed order; the JSON encoder escapes
// nothing that matters here, and the exact bytes are what is signed.
type protectedHeader struct {
	Alg     string   `json:"alg"`
	Typ     string   `json:"typ"`
	Cty     string   `json:"cty"`
	X5tS256 string   `json:"x5t#S256"`
	X5c     []string `json:"x5c"`
	SigT    string   `json:"sigT"`
	Crit    []string `json:"crit"`
}

// Algorithm is the JWS alg (RFC 7518 3.1) for the key, hash and scheme;
// ok false when JWS has none (e.g. a P-256 key with SHA-384).
func Algorithm(pub crypto.PublicKey, h crypto.Hash, pss bool) (string, bool) {
	bits := map[crypto.Hash]string{crypto.SHA256: "256", crypto.SHA384: "384", crypto.SHA512: "512"}[h]
	if bits == "" {
		return "", false
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		curve := map[crypto.Hash]elliptic.Curve{crypto.SHA256: elliptic.P256(), crypto.SHA384: elliptic.P384(), crypto.SHA512: elliptic.P521()}[h]
		if pss || k.Curve != curve {
			return "", false
		}
		return "ES" + bits, true
	case *rsa.PublicKey:
		if pss {
			return "PS" + bits, true
		}
		return "RS" + bits, true
	}
	return "", false
}

// Prepare builds the protected header and the signing input over payload
// (the JSON document, signed as it is: JWS base64url-encodes it, so no
// canonicalisation is involved). The caller checks that payload is JSON.
func Prepare(chain []*x509.Certificate, payload []byte, opts Options) (*Prepared, error) {
	if len(chain) == 0 || chain[0] == nil {
		return nil, errs.M(errs.InvalidRequest, msg.JAdESNoSigner)
	}
	if opts.Hash == 0 {
		opts.Hash = crypto.SHA256
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now()
	}
	alg, ok := Algorithm(chain[0].PublicKey, opts.Hash, opts.PSS)
	if !ok {
		return nil, errs.M(errs.InvalidRequest, msg.JAdESAlgorithm, "the request", opts.Hash)
	}
	if opts.Timestamp && !opts.JSON {
		return nil, errs.M(errs.InvalidRequest, msg.JAdESCompactBT, "the request")
	}
	thumb := sha256.Sum256(chain[0].Raw)
	hdr := protectedHeader{
		Alg: alg,
		// TS 119 182-1 5.1.9: "jose" for the compact serialisation,
		// "jose+json" for the JSON one.
		Typ: "jose",
		// The payload is a JSON document (RFC 7515 4.1.10 allows
		// omitting "application/").
		Cty:     "json",
		X5tS256: base64.RawURLEncoding.EncodeToString(thumb[:]),
		SigT:    opts.Time.UTC().Format("2006-01-02T15:04:05Z"),
		// sigT is a JAdES header parameter: TS 119 182-1 5.1.1 requires
		// it to be listed in crit.
		Crit: []string{"sigT"},
	}
	if opts.JSON {
		hdr.Typ = "jose+json"
	}
	for _, c := range chain {
		hdr.X5c = append(hdr.X5c, base64.StdEncoding.EncodeToString(c.Raw))
	}
	raw, err := json.Marshal(hdr)
	if err != nil {
		return nil, errs.Internalf(err, "encode the JWS protected header")
	}
	enc := base64.RawURLEncoding
	input := make([]byte, 0, enc.EncodedLen(len(raw))+1+enc.EncodedLen(len(payload)))
	input = enc.AppendEncode(input, raw)
	dot := len(input)
	input = append(input, '.')
	input = enc.AppendEncode(input, payload)
	h := opts.Hash.New()
	h.Write(input)
	return &Prepared{opts: opts, signer: chain[0], input: input, dot: dot, digest: h.Sum(nil)}, nil
}

// Digest is the value to sign: the hash of the JWS Signing Input.
func (p *Prepared) Digest() []byte { return append([]byte(nil), p.digest...) }

// Finish checks the signature value against the signer certificate and
// writes the JWS: compact, or flattened JSON with, at B-T, the sigTst in
// etsiU. An ECDSA value may come as DER (as CSC signHash returns it) or
// as JWS's fixed-length r||s.
func (p *Prepared) Finish(ctx context.Context, signature []byte) ([]byte, error) {
	sig, err := p.jwsSignature(signature)
	if err != nil {
		return nil, err
	}
	enc := base64.RawURLEncoding
	sigB64 := enc.EncodeToString(sig)
	if !p.opts.JSON {
		return append(append(append([]byte(nil), p.input...), '.'), sigB64...), nil
	}
	type flattened struct {
		Payload   string          `json:"payload"`
		Protected string          `json:"protected"`
		Header    json.RawMessage `json:"header,omitempty"`
		Signature string          `json:"signature"`
	}
	out := flattened{Protected: string(p.input[:p.dot]), Payload: string(p.input[p.dot+1:]), Signature: sigB64}
	if p.opts.Timestamp {
		if out.Header, err = p.sigTst(ctx, sigB64); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, errs.Internalf(err, "encode the JWS")
	}
	return b, nil
}

// sigTst time-stamps the signature (TS 119 182-1 5.3.4.1): the message
// imprint is computed over the base64url-encoded JWS Signature Value. The
// etsiU element is base64url-encoded JSON, the form 119 182-1 V1.1.1
// prescribes and later versions still accept; the token in val is
// standard base64 DER.
func (p *Prepared) sigTst(ctx context.Context, sigB64 string) (json.RawMessage, error) {
	if p.opts.Timestamper == nil {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESNoTimestamper)
	}
	h := p.opts.Hash.New()
	h.Write([]byte(sigB64))
	imprint := h.Sum(nil)
	der, err := p.opts.Timestamper.Timestamp(ctx, p.opts.Hash, imprint)
	if err != nil {
		return nil, errs.WrapM(err, errs.Unavailable, msg.PAdESTimestampFailed)
	}
	tok, err := cms.ParseTimestampToken(der)
	if err != nil {
		return nil, errs.Internalf(err, "time-stamp authority returned an unusable token")
	}
	if tok.Info.Hash != p.opts.Hash || !bytes.Equal(tok.Info.Digest, imprint) {
		return nil, errs.Internalf(errs.E(errs.Internal, "message imprint mismatch"), "time-stamp token covers a different digest")
	}
	type tstToken struct {
		Val string `json:"val"`
	}
	attr, err := json.Marshal(map[string]any{"sigTst": map[string]any{"tstTokens": []tstToken{{Val: base64.StdEncoding.EncodeToString(der)}}}})
	if err != nil {
		return nil, errs.Internalf(err, "encode sigTst")
	}
	hdr, err := json.Marshal(map[string]any{"etsiU": []string{base64.RawURLEncoding.EncodeToString(attr)}})
	if err != nil {
		return nil, errs.Internalf(err, "encode etsiU")
	}
	return hdr, nil
}

// jwsSignature verifies the value over the prepared digest and returns it
// in JWS form (RFC 7518 3.4: ECDSA as r||s, each as long as the order).
func (p *Prepared) jwsSignature(sig []byte) ([]byte, error) {
	bad := errs.M(errs.InvalidRequest, msg.PAdESSignatureDoesNotVerify)
	switch k := p.signer.PublicKey.(type) {
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		var r, s *big.Int
		if len(sig) == 2*size {
			r, s = new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
		} else {
			var v struct{ R, S *big.Int }
			if rest, err := asn1.Unmarshal(sig, &v); err != nil || len(rest) > 0 || v.R == nil || v.S == nil {
				return nil, bad
			}
			r, s = v.R, v.S
		}
		if r.Sign() <= 0 || s.Sign() <= 0 || !ecdsa.Verify(k, p.digest, r, s) {
			return nil, bad
		}
		out := make([]byte, 2*size)
		r.FillBytes(out[:size])
		s.FillBytes(out[size:])
		return out, nil
	case *rsa.PublicKey:
		var err error
		if p.opts.PSS {
			err = rsa.VerifyPSS(k, p.opts.Hash, p.digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: p.opts.Hash})
		} else {
			err = rsa.VerifyPKCS1v15(k, p.opts.Hash, p.digest, sig)
		}
		if err != nil {
			return nil, bad
		}
		return sig, nil
	}
	return nil, bad
}
