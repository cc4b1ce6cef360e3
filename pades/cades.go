package pades

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// CAdESOptions controls a detached CAdES signature over a precomputed
// digest (CSC signDoc with documentDigests and signature_format "C").
type CAdESOptions struct {
	// Level: B-B (default), B-T or B-LT. B-LTA needs archive time-stamps
	// and is not implemented.
	Level Level
	// Hash is the algorithm the document digest was computed with; it also
	// digests the signed attributes. Default SHA-256.
	Hash   crypto.Hash
	Scheme SignatureScheme
	// Time is the signing-time attribute, which CAdES baseline requires
	// (unlike PAdES). Defaults to time.Now().
	Time              time.Time
	Timestamper       Timestamper
	Revocation        RevocationSource
	ExtraCertificates []*x509.Certificate
}

// PreparedCAdES waits for the signature value over Digest.
type PreparedCAdES struct {
	opts      CAdESOptions
	alg       algorithm
	chain     []*x509.Certificate
	attrs     signedAttrs
	tbsDigest []byte
	signerVI  ValidationInfo
}

// PrepareCAdES builds the signed attributes (content-type, message-digest,
// signing-certificate-v2, signing-time) for a detached CMS over digest.
func PrepareCAdES(ctx context.Context, chain []*x509.Certificate, digest []byte, opts CAdESOptions) (*PreparedCAdES, error) {
	if len(chain) == 0 || chain[0] == nil {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESSignerCertificateMissing)
	}
	if opts.Level == 0 {
		opts.Level = LevelBB
	}
	if opts.Level == LevelBLTA {
		return nil, errs.M(errs.NotImplemented, msg.PAdESCAdESLTAUnsupported)
	}
	if opts.Level < LevelBB || opts.Level > LevelBLTA {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESUnknownConformanceLevel)
	}
	if opts.Level >= LevelBT && opts.Timestamper == nil {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESLevelNeedsTimestamper, opts.Level)
	}
	if opts.Level >= LevelBLT && opts.Revocation == nil {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESLevelNeedsRevocation, opts.Level)
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now()
	}
	alg, err := newAlgorithm(chain[0].PublicKey, opts.Hash, opts.Scheme)
	if err != nil {
		return nil, err
	}
	if len(digest) != alg.hash.Size() {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESDigestLength, len(digest), alg.hash.Size(), alg.hash)
	}
	p := &PreparedCAdES{opts: opts, alg: alg, chain: chain}
	if opts.Level >= LevelBLT {
		if p.signerVI, err = collectValidationInfo(ctx, opts.Revocation, chain, opts.ExtraCertificates); err != nil {
			return nil, err
		}
	}
	if p.attrs, err = buildSignedAttrs(chain[0], digest, &opts.Time); err != nil {
		return nil, errs.Internalf(err, "encode signed attributes")
	}
	h := alg.hash.New()
	h.Write(p.attrs.ToBeSigned())
	p.tbsDigest = h.Sum(nil)
	return p, nil
}

// Digest is the value to sign (hash of the DER signed attributes).
func (p *PreparedCAdES) Digest() []byte { return append([]byte(nil), p.tbsDigest...) }

// Finish assembles the DER CMS ContentInfo around the signature value. From
// B-LT on, the validation data also goes into the SignedData certificates
// and crls fields (OCSP responses as RFC 5940 other revocation info).
func (p *PreparedCAdES) Finish(ctx context.Context, signature []byte) ([]byte, ValidationInfo, error) {
	signature = p.alg.normalizeECDSA(signature)
	if err := p.alg.verify(p.tbsDigest, signature); err != nil {
		return nil, ValidationInfo{}, errs.M(errs.InvalidRequest, msg.PAdESSignatureDoesNotVerify)
	}
	parts := cmsParts{alg: p.alg, signer: p.chain[0], certs: p.chain, attrs: p.attrs, signature: signature}
	var vi ValidationInfo
	if p.opts.Level >= LevelBT {
		h := p.alg.hash.New()
		h.Write(signature)
		der, tok, err := fetchTimestamp(ctx, p.opts.Timestamper, p.alg.hash, h.Sum(nil))
		if err != nil {
			return nil, vi, err
		}
		parts.tsToken = der
		if p.opts.Level >= LevelBLT {
			vi = p.signerVI
			pool := append(append(append([]*x509.Certificate(nil), tok.certs...), p.opts.ExtraCertificates...), p.chain...)
			tsaVI, err := collectValidationInfo(ctx, p.opts.Revocation, tok.certs, pool)
			if err != nil {
				return nil, vi, err
			}
			vi.merge(tsaVI)
			for _, raw := range vi.Certificates {
				c, err := x509.ParseCertificate(raw)
				if err != nil {
					return nil, vi, errs.Internalf(err, "reparse certificate")
				}
				parts.certs = append(parts.certs, c)
			}
			parts.crls, parts.ocsps = vi.CRLs, vi.OCSPs
		}
	}
	der, err := parts.encode()
	if err != nil {
		return nil, vi, err
	}
	return der, vi, nil
}

// SignDigest is the one-shot CAdES variant for a local crypto.Signer.
func SignDigest(ctx context.Context, signer crypto.Signer, chain []*x509.Certificate, digest []byte, opts CAdESOptions) ([]byte, ValidationInfo, error) {
	if signer == nil {
		return nil, ValidationInfo{}, errs.M(errs.InvalidRequest, msg.PAdESNoSignerGiven)
	}
	if len(chain) > 0 && chain[0] != nil && !samePublicKey(signer.Public(), chain[0].PublicKey) {
		return nil, ValidationInfo{}, errs.M(errs.InvalidRequest, msg.PAdESSignerKeyMismatch)
	}
	p, err := PrepareCAdES(ctx, chain, digest, opts)
	if err != nil {
		return nil, ValidationInfo{}, err
	}
	sig, err := signer.Sign(rand.Reader, p.tbsDigest, p.alg.signerOpts())
	if err != nil {
		return nil, ValidationInfo{}, errs.Internalf(err, "sign the CAdES signed attributes")
	}
	return p.Finish(ctx, sig)
}
