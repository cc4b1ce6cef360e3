package pades

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding"
	"fmt"
	"io"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Result describes a finished signature.
type Result struct {
	// Size is the number of bytes written.
	Size int64
	// FieldName is the name of the signature field.
	FieldName string
	// ValidationInfo is what the DSS received (B-LT and B-LTA), for a CSC
	// signDoc response with returnValidationInfo.
	ValidationInfo ValidationInfo
}

// countingWriter counts bytes so Result.Size needs no second pass.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// Finish embeds signature (the signer's value over Digest) and writes the
// signed document to w: the original bytes, the signature update and, as
// the level requires, the signature time-stamp (inside the CMS), the DSS
// update and the document time-stamp update. It never asks for another
// signature: if the CMS does not fit the reserved room it fails.
// On error, whatever was written to w must be discarded.
func (p *Prepared) Finish(ctx context.Context, w io.Writer, signature []byte) (*Result, error) {
	signature = p.alg.normalizeECDSA(signature)
	if err := p.alg.verify(p.tbsDigest, signature); err != nil {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESSignatureDoesNotVerify)
	}
	parts := cmsParts{alg: p.alg, signer: p.chain[0], certs: p.chain, attrs: p.attrs, signature: signature}
	var tok *timestampToken
	if p.opts.Level >= LevelBT {
		h := p.alg.hash.New()
		h.Write(signature)
		der, t, err := fetchTimestamp(ctx, p.opts.Timestamper, p.alg.hash, h.Sum(nil))
		if err != nil {
			return nil, err
		}
		parts.tsToken, tok = der, t
	}
	der, err := parts.encode()
	if err != nil {
		return nil, err
	}
	rev1, err := p.rev.embed(der)
	if err != nil {
		return nil, errs.Internalf(err, "embed CMS (raise Options.TimestampSize if the time-stamp token is large)")
	}

	cw := &countingWriter{w: w}
	if p.written {
		cw.n = p.size
	} else if err := copyRange(ctx, cw, p.src, 0, p.size); err != nil {
		return nil, err
	}
	if _, err := cw.Write(rev1); err != nil {
		return nil, errs.Internalf(err, "write signature update")
	}
	res := &Result{FieldName: p.fieldName}
	if p.opts.Level < LevelBLT {
		res.Size = cw.n
		return res, nil
	}

	ed := p.ed.clone()
	vi := p.signerVI
	// The TSA's CA is often the signer's or passed in ExtraCertificates:
	// tokens usually carry only the TSA certificate.
	pool := append(append(append([]*x509.Certificate(nil), tok.certs...), p.opts.ExtraCertificates...), p.chain...)
	tsaVI, err := collectValidationInfo(ctx, p.opts.Revocation, tok.certs, pool)
	if err != nil {
		return nil, err
	}
	vi.merge(tsaVI)
	for _, c := range p.opts.ExtraCertificates {
		vi.Certificates = appendUnique(vi.Certificates, c.Raw)
	}
	dssUpdate, err := ed.appendDSS(vi)
	if err != nil {
		return nil, err
	}
	if _, err := cw.Write(dssUpdate); err != nil {
		return nil, errs.Internalf(err, "write DSS update")
	}
	res.ValidationInfo = vi
	if p.opts.Level < LevelBLTA {
		res.Size = cw.n
		return res, nil
	}

	// The document time-stamp covers everything so far; resume the digest
	// saved in Prepare instead of reading the original again.
	docTS, err := p.documentTimestamp(ctx, ed, rev1[p.rev.ph.ltPos:], dssUpdate)
	if err != nil {
		return nil, err
	}
	if _, err := cw.Write(docTS); err != nil {
		return nil, errs.Internalf(err, "write document time-stamp update")
	}
	res.Size = cw.n
	return res, nil
}

// documentTimestamp builds the B-LTA update: a /DocTimeStamp signature whose
// /Contents is an RFC 3161 token over the byte range digest. Tokens are not
// single-use, so if the first one does not fit it retries once with exactly
// the room the token needs.
func (p *Prepared) documentTimestamp(ctx context.Context, ed *editor, rev1Tail, dssUpdate []byte) ([]byte, error) {
	reserve := p.opts.TimestampSize + cmsMargin
	for attempt := 0; attempt < 2; attempt++ {
		e := ed.clone()
		u := newUpdate(&e.ch)
		sigRef := u.alloc()
		d := newDict().
			set("Type", name("DocTimeStamp")).
			set("Filter", name("Adobe.PPKLite")).
			set("SubFilter", name("ETSI.RFC3161"))
		fi, err := e.existingFields()
		if err != nil {
			return nil, err
		}
		if err := e.addSignatureField(u, widgetSpec{fieldName: fi.uniqueFieldName(), sigRef: sigRef}, nil); err != nil {
			return nil, err
		}
		ph := u.putSignature(sigRef, d, reserve)
		rv := revision{base: e.ch.byteRangeBase(), ph: ph}
		rv.data = u.finish()
		rv.fillByteRange()

		h := p.alg.hash.New()
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(p.hashState); err != nil {
			return nil, errs.Internalf(err, "restore digest state")
		}
		h.Write(rev1Tail)
		h.Write(dssUpdate)
		h.Write(rv.before())
		h.Write(rv.after())
		token, _, err := fetchTimestamp(ctx, p.opts.Timestamper, p.alg.hash, h.Sum(nil))
		if err != nil {
			return nil, err
		}
		if len(token) > rv.capacity() {
			reserve = len(token) + cmsMargin
			continue
		}
		out, err := rv.embed(token)
		if err != nil {
			return nil, errs.Internalf(err, "embed document time-stamp")
		}
		return out, nil
	}
	return nil, errs.Internalf(fmt.Errorf("token keeps growing"), "document time-stamp does not fit")
}

// Sign is the one-shot variant for a local crypto.Signer (the server's
// signDoc): it prepares, signs the digest once and finishes, reading the
// original only once. chain[0] must be the certificate of signer's key.
// On error, whatever was written to w must be discarded.
func Sign(ctx context.Context, w io.Writer, src io.ReaderAt, size int64, signer crypto.Signer, chain []*x509.Certificate, opts Options) (*Result, error) {
	if signer == nil {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESNoSignerGiven)
	}
	if len(chain) > 0 && chain[0] != nil && !samePublicKey(signer.Public(), chain[0].PublicKey) {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESSignerKeyMismatch)
	}
	p, err := prepare(ctx, src, size, chain, opts, w)
	if err != nil {
		return nil, err
	}
	sig, err := signer.Sign(rand.Reader, p.tbsDigest, p.alg.signerOpts())
	if err != nil {
		return nil, errs.Internalf(err, "sign the PAdES signed attributes")
	}
	return p.Finish(ctx, w, sig)
}

func samePublicKey(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}
