package pades

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"time"

	"github.com/qesproject/qes/internal/ber"
	"github.com/qesproject/qes/internal/cms"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/oids"
)

// CAdESOptions controls a CAdES signature (ETSI EN 319 122-1 baseline):
// detached over a precomputed digest (CSC signDoc documentDigests), or
// over a whole document, detached (.p7s) or enveloping it (attached,
// the .p7m of Italian practice).
type CAdESOptions struct {
	// Level: B-B (default), B-T, B-LT or B-LTA (an archive-time-stamp-v3
	// with its ATSHashIndexV3 over the B-LT signature).
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
	// contentDigest is the message-digest value, which the archive
	// time-stamp covers again.
	contentDigest []byte
	// content is the encapsulated content of an attached signature (the
	// caller's slice, never copied), nil for a detached one.
	content []byte
	// parallel is the signed file a parallel signature joins, or whose
	// one signer a countersignature countersigns.
	parallel    *cms.Enveloping
	countersign bool
}

// PrepareCAdESCountersignature prepares a countersignature (RFC 5652
// 11.4, EN 319 122-1 5.2.7) of the one signer of a signed file (a .p7m):
// a SignerInfo over that signer's signature value, carried in its
// unsigned attributes, which its own signature does not cover, so it
// stays valid. The signed attributes are message-digest, signing-time and
// signing-certificate-v2, without content-type as RFC 5652 requires.
// Levels B-B to B-LT: the signature time-stamp goes into the
// countersignature's own unsigned attributes, validation data into the
// SignedData.
func PrepareCAdESCountersignature(ctx context.Context, chain []*x509.Certificate, p7m []byte, opts CAdESOptions) (*PreparedCAdES, error) {
	if opts.Level >= LevelBLTA {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESCountersignLevel)
	}
	env, err := parseEnveloping(p7m)
	if err != nil {
		return nil, err
	}
	target, err := env.CountersignTarget()
	if err != nil {
		return nil, err
	}
	h := opts.Hash
	if h == 0 {
		h = crypto.SHA256
	}
	if _, err := hashOID(h); err != nil {
		return nil, err
	}
	hh := h.New()
	hh.Write(target)
	p, err := prepareCAdES(ctx, chain, hh.Sum(nil), opts, false)
	if err != nil {
		return nil, err
	}
	p.content, p.parallel, p.countersign = env.Content, env, true
	return p, nil
}

// PrepareCAdESParallel prepares a parallel signature on a signed file
// (a .p7m): a further SignerInfo over the same content, which the file's
// signers keep theirs beside, unchanged and valid. p7m is kept, not
// copied (the result refers to its content). Only .p7m files with their
// content inside are taken; a BER one is made DER first (parseEnveloping).
func PrepareCAdESParallel(ctx context.Context, chain []*x509.Certificate, p7m []byte, opts CAdESOptions) (*PreparedCAdES, error) {
	env, err := parseEnveloping(p7m)
	if err != nil {
		return nil, err
	}
	p, err := PrepareCAdESContent(ctx, chain, env.Content, true, opts)
	if err != nil {
		return nil, err
	}
	p.parallel = env
	return p, nil
}

// maxP7m bounds a BER .p7m's DER form: signDoc's documents are bounded
// far below it before they get here.
const maxP7m = 1 << 30

// parseEnveloping reads a .p7m to add a signer to. A BER one (indefinite
// lengths, the content in segments: older Italian tools, openssl cms
// -stream) is made DER first, so the file qes writes is DER as AgID
// requires. The signers already there stay valid: each signed the DER of
// its signed attributes (RFC 5652 5.4), which ber.ToDER does not reorder,
// and a content whose segments are joined has the same octets.
func parseEnveloping(p7m []byte) (*cms.Enveloping, error) {
	der, _, err := ber.ToDER(p7m, maxP7m)
	if err != nil {
		return nil, errs.WrapM(err, errs.InvalidRequest, msg.CMSNotEnveloping)
	}
	return cms.ParseEnveloping(der)
}

// PrepareCAdESContent builds the signed attributes over content: attached
// (the content goes inside the SignedData) or detached. content is kept,
// not copied: the caller must leave it unchanged until Finish returns and,
// for an attached signature, while it uses the result. An empty content is
// refused: there is nothing to sign.
func PrepareCAdESContent(ctx context.Context, chain []*x509.Certificate, content []byte, attached bool, opts CAdESOptions) (*PreparedCAdES, error) {
	if len(content) == 0 {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESCAdESEmptyContent)
	}
	h := opts.Hash
	if h == 0 {
		h = crypto.SHA256
	}
	if _, err := hashOID(h); err != nil {
		return nil, err
	}
	hh := h.New()
	hh.Write(content)
	p, err := PrepareCAdES(ctx, chain, hh.Sum(nil), opts)
	if err != nil {
		return nil, err
	}
	if attached {
		p.content = content
	}
	return p, nil
}

// PrepareCAdES builds the signed attributes (content-type, message-digest,
// signing-certificate-v2, signing-time) for a detached CMS over digest.
func PrepareCAdES(ctx context.Context, chain []*x509.Certificate, digest []byte, opts CAdESOptions) (*PreparedCAdES, error) {
	return prepareCAdES(ctx, chain, digest, opts, true)
}

// prepareCAdES is PrepareCAdES; withContentType is false for a
// countersignature, whose signed attributes must not have content-type.
func prepareCAdES(ctx context.Context, chain []*x509.Certificate, digest []byte, opts CAdESOptions, withContentType bool) (*PreparedCAdES, error) {
	if len(chain) == 0 || chain[0] == nil {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESSignerCertificateMissing)
	}
	if opts.Level == 0 {
		opts.Level = LevelBB
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
	p := &PreparedCAdES{opts: opts, alg: alg, chain: chain, contentDigest: append([]byte(nil), digest...)}
	if opts.Level >= LevelBLT {
		if p.signerVI, err = collectValidationInfo(ctx, opts.Revocation, chain, opts.ExtraCertificates); err != nil {
			return nil, err
		}
	}
	build := buildSignedAttrs
	if !withContentType {
		build = buildCountersignAttrs
	}
	if p.attrs, err = build(chain[0], digest, &opts.Time); err != nil {
		return nil, errs.Internalf(err, "encode signed attributes")
	}
	h := alg.hash.New()
	h.Write(p.attrs.ToBeSigned())
	p.tbsDigest = h.Sum(nil)
	return p, nil
}

// Digest is the value to sign (hash of the DER signed attributes).
func (p *PreparedCAdES) Digest() []byte { return append([]byte(nil), p.tbsDigest...) }

// SignatureAlgorithm is the SignerInfo signatureAlgorithm and, for
// RSASSA-PSS, its DER parameters: what a signHash client passes as signAlgo
// and signAlgoParams, so the value it gets back matches the CMS.
func (p *PreparedCAdES) SignatureAlgorithm() (oid asn1.ObjectIdentifier, params []byte) {
	id := p.alg.signatureAlgID()
	if p.alg.pss {
		return id.Algorithm, p.alg.pssParamsDER()
	}
	return id.Algorithm, nil
}

// CAdESSignature is a finished CMS ContentInfo in three parts: Prefix,
// Content (the encapsulated document of an attached signature, the very
// slice given to PrepareCAdESContent; nil when detached) and Suffix. Their
// concatenation is the DER signature; keeping them apart lets a 50 MB .p7m
// be answered without another 50 MB copy.
type CAdESSignature struct {
	Prefix, Content, Suffix []byte
}

// Bytes joins the parts (a copy; for small signatures and tests).
func (s CAdESSignature) Bytes() []byte {
	out := make([]byte, 0, len(s.Prefix)+len(s.Content)+len(s.Suffix))
	return append(append(append(out, s.Prefix...), s.Content...), s.Suffix...)
}

// Finish assembles the DER CMS ContentInfo around the signature value. From
// B-LT on, the validation data also goes into the SignedData certificates
// and crls fields (OCSP responses as RFC 5940 other revocation info).
func (p *PreparedCAdES) Finish(ctx context.Context, signature []byte) ([]byte, ValidationInfo, error) {
	sig, vi, err := p.FinishParts(ctx, signature)
	if err != nil {
		return nil, vi, err
	}
	return sig.Bytes(), vi, nil
}

// FinishParts is Finish returning the signature in parts. The signature
// time-stamp (B-T) covers the signature value; B-LT adds the certificate
// and revocation values of the signer's and the TSA's chains to the
// SignedData; B-LTA then adds an archive-time-stamp-v3 (EN 319 122-1
// 5.5.3) whose token carries the ATSHashIndexV3 of what it covers.
func (p *PreparedCAdES) FinishParts(ctx context.Context, signature []byte) (CAdESSignature, ValidationInfo, error) {
	var vi ValidationInfo
	signature = p.alg.normalizeECDSA(signature)
	if err := p.alg.verify(p.tbsDigest, signature); err != nil {
		return CAdESSignature{}, vi, errs.M(errs.InvalidRequest, msg.PAdESSignatureDoesNotVerify)
	}
	parts := cmsParts{alg: p.alg, signer: p.chain[0], certs: p.chain, attrs: p.attrs, signature: signature, content: p.content, parallel: p.parallel, countersign: p.countersign}
	if p.opts.Level >= LevelBT {
		h := p.alg.hash.New()
		h.Write(signature)
		der, tok, err := fetchTimestamp(ctx, p.opts.Timestamper, p.alg.hash, h.Sum(nil))
		if err != nil {
			return CAdESSignature{}, vi, err
		}
		parts.tsToken = der
		if p.opts.Level >= LevelBLT {
			vi = p.signerVI
			pool := append(append(append([]*x509.Certificate(nil), tok.certs...), p.opts.ExtraCertificates...), p.chain...)
			tsaVI, err := collectValidationInfo(ctx, p.opts.Revocation, tok.certs, pool)
			if err != nil {
				return CAdESSignature{}, vi, err
			}
			vi.merge(tsaVI)
			for _, raw := range vi.Certificates {
				c, err := x509.ParseCertificate(raw)
				if err != nil {
					return CAdESSignature{}, vi, errs.Internalf(err, "reparse certificate")
				}
				parts.certs = append(parts.certs, c)
			}
			parts.crls, parts.ocsps = vi.CRLs, vi.OCSPs
		}
	}
	sd, err := parts.signedData()
	if err != nil {
		return CAdESSignature{}, vi, err
	}
	if p.opts.Level >= LevelBLTA {
		if err := p.archiveTimestamp(ctx, sd); err != nil {
			return CAdESSignature{}, vi, err
		}
	}
	prefix, suffix, err := sd.MarshalParts()
	if err != nil {
		return CAdESSignature{}, vi, errs.Internalf(err, "encode SignedData")
	}
	return CAdESSignature{Prefix: prefix, Content: p.content, Suffix: suffix}, vi, nil
}

// archiveTimestamp adds the archive-time-stamp-v3 to sd. It uses the
// signature's hash for the imprint and the index, so the content digest
// computed in Prepare serves again and the content is not read twice.
func (p *PreparedCAdES) archiveTimestamp(ctx context.Context, sd *cms.SignedData) error {
	index, imprint, err := sd.ArchiveTimestampV3(p.alg.hash, p.contentDigest)
	if err != nil {
		return errs.Internalf(err, "compute the archive time-stamp imprint")
	}
	token, _, err := fetchTimestamp(ctx, p.opts.Timestamper, p.alg.hash, imprint)
	if err != nil {
		return err
	}
	idx, err := cms.Attribute(oids.AttrATSHashIndexV3, index)
	if err != nil {
		return errs.Internalf(err, "encode ats-hash-index-v3")
	}
	if token, err = cms.AddTimestampUnsignedAttribute(token, idx); err != nil {
		return errs.Internalf(err, "add ats-hash-index-v3 to the archive time-stamp")
	}
	ats, err := cms.Attribute(oids.AttrArchiveTimeStampV3, token)
	if err != nil {
		return errs.Internalf(err, "encode archive-time-stamp-v3")
	}
	sd.UnsignedAttrs = append(sd.UnsignedAttrs, ats)
	return nil
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
