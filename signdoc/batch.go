package signdoc

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/jades"
	"github.com/qesproject/qes/pades"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/xades"
)

// preparedBatch holds every signature of a request between Prepare and
// Finish.
type preparedBatch struct {
	docs []*documentPlan
	// pdfs[i], docCAdES[i] or docXAdES[i] is set for docs[i], by its
	// format.
	pdfs     []*pades.Prepared
	docCAdES []*pades.PreparedCAdES
	// docJAdES[i] is set for a JAdES docs[i] (pdfs[i] and docCAdES[i]
	// are then nil).
	docJAdES []*jades.Prepared
	// docXAdES[i] is set for an XAdES docs[i].
	docXAdES []*xades.Prepared
	digests  []*digestPlan
	cades    []*pades.PreparedCAdES
}

// prepare parses every PDF and builds every signed-attribute set: all that
// can fail because of the input fails here, before the SAD is used.
func (d *Signer) prepare(ctx context.Context, docs []*documentPlan, digests []*digestPlan, chain []*x509.Certificate, now time.Time) (*preparedBatch, error) {
	b := &preparedBatch{docs: docs, digests: digests}
	for _, doc := range docs {
		if doc.jades != nil {
			opts := *doc.jades
			opts.Time = now
			p, err := prepareJAdES(doc, chain, opts)
			if err != nil {
				return nil, err
			}
			b.pdfs, b.docCAdES, b.docJAdES, b.docXAdES = append(b.pdfs, nil), append(b.docCAdES, nil), append(b.docJAdES, p), append(b.docXAdES, nil)
			continue
		}
		if doc.xades != nil {
			opts := *doc.xades
			opts.Time = now
			p, err := xades.Prepare(ctx, chain, doc.content, opts)
			if err != nil {
				return nil, inField(fmt.Sprintf("documents[%d]", doc.index), err)
			}
			b.pdfs = append(b.pdfs, nil)
			b.docCAdES = append(b.docCAdES, nil)
			b.docXAdES = append(b.docXAdES, p)
			b.docJAdES = append(b.docJAdES, nil)
			continue
		}
		if doc.cades != nil {
			opts := *doc.cades
			opts.Time = now
			var p *pades.PreparedCAdES
			var err error
			switch {
			case doc.counter:
				p, err = pades.PrepareCAdESCountersignature(ctx, chain, doc.content, opts)
			case doc.parallel:
				p, err = pades.PrepareCAdESParallel(ctx, chain, doc.content, opts)
			default:
				p, err = pades.PrepareCAdESContent(ctx, chain, doc.content, doc.attached, opts)
			}
			if err != nil {
				return nil, inField(fmt.Sprintf("documents[%d]", doc.index), err)
			}
			b.pdfs = append(b.pdfs, nil)
			b.docCAdES = append(b.docCAdES, p)
			b.docJAdES = append(b.docJAdES, nil)
			b.docXAdES = append(b.docXAdES, nil)
			continue
		}
		// Checked here, not in plan: a refused document counts against
		// the SAD (see SignDoc), whichever check refuses it.
		if !looksLikePDF(doc.content) {
			return nil, errs.M(errs.InvalidRequest, msg.FormatPAdESNotPDF, fmt.Sprintf("documents[%d]", doc.index))
		}
		opts := doc.opts
		opts.Time = now
		p, err := pades.Prepare(ctx, bytes.NewReader(doc.content), int64(len(doc.content)), chain, opts)
		if err != nil {
			return nil, inField(fmt.Sprintf("documents[%d]", doc.index), err)
		}
		b.pdfs = append(b.pdfs, p)
		b.docCAdES = append(b.docCAdES, nil)
		b.docJAdES = append(b.docJAdES, nil)
		b.docXAdES = append(b.docXAdES, nil)
	}
	for _, dg := range digests {
		opts := dg.opts
		opts.Time = now
		p, err := pades.PrepareCAdES(ctx, chain, dg.digest, opts)
		if err != nil {
			return nil, inField(fmt.Sprintf("documentDigests[%d].hashes[%d]", dg.set, dg.index), err)
		}
		b.cades = append(b.cades, p)
	}
	return b, nil
}

// inField names the request entry in a caller-facing error.
func inField(field string, err error) error {
	switch k := errs.KindOf(err); k {
	case errs.InvalidRequest, errs.Unavailable, errs.NotImplemented:
		return errs.WrapM(err, k, msg.SignDocFieldPrefix, field, errs.Quoted(err))
	}
	return err
}

// toSign lists what the holder's key must sign, PDFs first, in the
// order finish expects the signatures.
func (b *preparedBatch) toSign() []sam.Digest {
	out := make([]sam.Digest, 0, len(b.pdfs)+len(b.cades))
	for i, p := range b.pdfs {
		var d func() []byte
		switch {
		case p != nil:
			d = p.Digest
		case b.docJAdES[i] != nil:
			d = b.docJAdES[i].Digest
		case b.docXAdES[i] != nil:
			d = b.docXAdES[i].Digest
		default:
			d = b.docCAdES[i].Digest
		}
		out = append(out, sam.Digest{Digest: d(), Opts: b.docs[i].sign})
	}
	for i, p := range b.cades {
		out = append(out, sam.Digest{Digest: p.Digest(), Opts: b.digests[i].sign})
	}
	return out
}

// finish completes each signature (time-stamps, DSS or CMS validation
// data, archive time-stamps) with the signature
// values the SAM made over toSign(). Nothing is signed twice: pades
// never asks for a second signature value.
func (b *preparedBatch) finish(ctx context.Context, sigs [][]byte) (*Result, error) {
	res := &Result{}
	for i, p := range b.pdfs {
		if j := b.docJAdES[i]; j != nil {
			jws, err := j.Finish(ctx, sigs[i])
			if err != nil {
				return nil, inField(fmt.Sprintf("documents[%d]", b.docs[i].index), err)
			}
			res.Documents = append(res.Documents, SignedDocument{Parts: [][]byte{jws}})
			continue
		}
		if x := b.docXAdES[i]; x != nil {
			signed, err := x.Finish(ctx, sigs[i])
			if err != nil {
				return nil, inField(fmt.Sprintf("documents[%d]", b.docs[i].index), err)
			}
			if b.docs[i].xades.Envelope == xades.Detached {
				// A signature document of its own, beside the file:
				// CSC's SignatureObject, like a CAdES .p7s.
				res.Signatures = append(res.Signatures, signed.Bytes())
				continue
			}
			res.Documents = append(res.Documents, SignedDocument{Parts: signed.Parts})
			continue
		}
		if p == nil {
			sig, _, err := b.docCAdES[i].FinishParts(ctx, sigs[i])
			if err != nil {
				return nil, inField(fmt.Sprintf("documents[%d]", b.docs[i].index), err)
			}
			if b.docs[i].attached {
				res.Documents = append(res.Documents, SignedDocument{Parts: [][]byte{sig.Prefix, sig.Content, sig.Suffix}})
			} else {
				res.Signatures = append(res.Signatures, sig.Bytes())
			}
			continue
		}
		tail := &tailWriter{original: b.docs[i].content}
		if _, err := p.Finish(ctx, tail, sigs[i]); err != nil {
			return nil, inField(fmt.Sprintf("documents[%d]", b.docs[i].index), err)
		}
		if err := tail.err(); err != nil {
			return nil, err
		}
		res.Documents = append(res.Documents, SignedDocument{Parts: [][]byte{b.docs[i].content, tail.appended}})
	}
	for i, p := range b.cades {
		der, _, err := p.Finish(ctx, sigs[len(b.pdfs)+i])
		if err != nil {
			return nil, inField(fmt.Sprintf("documentDigests[%d].hashes[%d]", b.digests[i].set, b.digests[i].index), err)
		}
		res.Signatures = append(res.Signatures, der)
	}
	return res, nil
}

// tailWriter keeps only what pades appends to the original. Finish writes
// the original bytes first (its documented order); they are checked, not
// copied, so a signed 50 MB PDF costs its updates, not another 50 MB.
type tailWriter struct {
	original []byte
	seen     int
	mismatch bool
	appended []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	n := len(p)
	if rest := len(w.original) - w.seen; rest > 0 {
		k := min(rest, len(p))
		if !bytes.Equal(p[:k], w.original[w.seen:w.seen+k]) {
			w.mismatch = true
		}
		w.seen += k
		p = p[k:]
	}
	w.appended = append(w.appended, p...)
	return n, nil
}

func (w *tailWriter) err() error {
	if w.mismatch || w.seen != len(w.original) {
		return errs.Internalf(errs.E(errs.Internal, "output does not start with the original"), "pades output order changed")
	}
	return nil
}

// validationInfo gathers what returnValidationInfo asks for: the
// certificates and revocation data of the signer chain and, when a
// signature carries a time-stamp, of the TSA - what B-LT embeds in the
// DSS. It is collected before the SAD is used, so that a revocation source
// failure cannot cost the holder a signature.
func (d *Signer) validationInfo(ctx context.Context, chain []*x509.Certificate, b *preparedBatch) (*pades.ValidationInfo, error) {
	targets := append([]*x509.Certificate(nil), chain...)
	for _, doc := range b.docs {
		if doc.level() >= pades.LevelBT {
			targets = append(targets, d.cfg.TimestampCertificates...)
			break
		}
	}
	for _, dg := range b.digests {
		if dg.opts.Level >= pades.LevelBT {
			targets = append(targets, d.cfg.TimestampCertificates...)
			break
		}
	}
	if d.cfg.Revocation == nil {
		vi := &pades.ValidationInfo{}
		for _, c := range targets {
			vi.Certificates = appendUniqueDER(vi.Certificates, c.Raw)
		}
		return vi, nil
	}
	vi, err := pades.CollectValidationInfo(ctx, d.cfg.Revocation, targets, d.cfg.ExtraCertificates)
	if err != nil {
		return nil, err
	}
	return &vi, nil
}

func appendUniqueDER(list [][]byte, item []byte) [][]byte {
	for _, l := range list {
		if bytes.Equal(l, item) {
			return list
		}
	}
	return append(list, item)
}
