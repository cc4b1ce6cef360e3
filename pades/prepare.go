package pades

import (
	"context"
	"crypto/x509"
	"encoding"
	"encoding/asn1"
	"io"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Prepared is a document with a signature placeholder, waiting for the
// signature value over Digest. It keeps src: the caller must keep it open
// and unchanged until Finish returns. A Prepared is not safe for concurrent
// use; Finish may be called again (e.g. after a write error) with the same
// signature value.
type Prepared struct {
	src       io.ReaderAt
	size      int64
	opts      Options
	alg       algorithm
	chain     []*x509.Certificate
	ed        *editor // state after the signature update
	rev       revision
	attrs     signedAttrs
	docDigest []byte
	tbsDigest []byte
	// hashState is the digest state after the original and rev.before(),
	// so the document time-stamp need not read the original again.
	hashState []byte
	signerVI  ValidationInfo // B-LT data for the signer chain, fetched early
	fieldName string
	written   bool // the original was already written (one-shot Sign)
}

// Prepare parses the PDF, appends (in memory) an incremental update with the
// signature field and a /Contents placeholder sized for the final CMS, and
// computes the digest to sign. chain[0] is the signer certificate, followed
// by its issuers. No signature is made and nothing is written.
func Prepare(ctx context.Context, src io.ReaderAt, size int64, chain []*x509.Certificate, opts Options) (*Prepared, error) {
	return prepare(ctx, src, size, chain, opts, nil)
}

// prepare does Prepare; if tee is not nil the original bytes are also
// written to it while they are hashed, so the one-shot Sign reads them once.
func prepare(ctx context.Context, src io.ReaderAt, size int64, chain []*x509.Certificate, opts Options, tee io.Writer) (*Prepared, error) {
	if len(chain) == 0 || chain[0] == nil {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESSignerCertificateMissing)
	}
	opts, err := opts.normalized()
	if err != nil {
		return nil, err
	}
	cert := chain[0]
	alg, err := newAlgorithm(cert.PublicKey, opts.Hash, opts.Scheme)
	if err != nil {
		return nil, err
	}
	doc, err := openDocument(src, size)
	if err != nil {
		return nil, err
	}
	ed := newEditor(doc)
	p := &Prepared{src: src, size: size, opts: opts, alg: alg, chain: chain, ed: ed}

	// Everything that can fail for a reason other than the signer must fail
	// now, before a (possibly single-use) signature is spent.
	if opts.Level >= LevelBLT {
		if p.signerVI, err = collectValidationInfo(ctx, opts.Revocation, chain, opts.ExtraCertificates); err != nil {
			return nil, err
		}
	}
	fi, err := ed.existingFields()
	if err != nil {
		return nil, err
	}
	if fi.docMDP == 1 {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESCertifiedNoChanges)
	}
	if opts.Certify != Approval && fi.signatures > 0 {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESCertificationNotFirst)
	}
	p.fieldName = opts.FieldName
	if p.fieldName == "" {
		p.fieldName = fi.uniqueFieldName()
	} else if fi.names[p.fieldName] {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESFieldExists, p.fieldName)
	}
	widget, err := p.widget(ed)
	if err != nil {
		return nil, err
	}
	reserve, err := p.reservedSize()
	if err != nil {
		return nil, err
	}

	u := newUpdate(&ed.ch)
	base := ed.ch.byteRangeBase()
	sigRef := u.alloc()
	widget.sigRef = sigRef
	sig := p.signatureDict(sigRef)
	var editCatalog func(*dict)
	if opts.Certify != Approval {
		editCatalog = func(c *dict) {
			perms, _ := ed.resolveDict(c.get("Perms"))
			np := newDict()
			if perms != nil {
				np = perms.clone()
			}
			c.set("Perms", np.set("DocMDP", sigRef))
		}
	}
	if err := ed.addSignatureField(u, widget, editCatalog); err != nil {
		return nil, err
	}
	// A decode refused for its bound may have been read past as a missing
	// object (the /Perms above, for one); the document is refused all the same.
	if doc.limitErr != nil {
		return nil, doc.limitErr
	}
	ph := u.putSignature(sigRef, sig, reserve)
	p.rev = revision{base: base, ph: ph}
	p.rev.data = u.finish()
	p.rev.fillByteRange()

	if err := p.hashDocument(ctx, tee); err != nil {
		return nil, err
	}
	p.written = tee != nil
	if p.attrs, err = buildSignedAttrs(cert, p.docDigest, nil); err != nil {
		return nil, errs.Internalf(err, "encode signed attributes")
	}
	h := alg.hash.New()
	h.Write(p.attrs.ToBeSigned())
	p.tbsDigest = h.Sum(nil)
	return p, nil
}

func (p *Prepared) signatureDict(self ref) *dict {
	o := p.opts
	signerName := o.Name
	if signerName == "" {
		signerName = p.chain[0].Subject.CommonName
	}
	d := newDict().
		set("Type", name("Sig")).
		set("Filter", name("Adobe.PPKLite")).
		set("SubFilter", name("ETSI.CAdES.detached"))
	if signerName != "" {
		d.set("Name", textString(signerName))
	}
	d.set("M", pdfString(pdfDate(o.Time)))
	for _, kv := range []struct {
		k name
		v string
	}{{"Reason", o.Reason}, {"Location", o.Location}, {"ContactInfo", o.ContactInfo}} {
		if kv.v != "" {
			d.set(kv.k, textString(kv.v))
		}
	}
	if o.Certify != Approval {
		params := newDict().
			set("Type", name("TransformParams")).
			set("P", int64(o.Certify)).
			set("V", name("1.2"))
		d.set("Reference", array{newDict().
			set("Type", name("SigRef")).
			set("TransformMethod", name("DocMDP")).
			set("TransformParams", params)})
	}
	return d
}

// widget validates the requested appearance and describes the widget.
func (p *Prepared) widget(ed *editor) (widgetSpec, error) {
	w := widgetSpec{fieldName: p.fieldName}
	a := p.opts.Appearance
	if a == nil {
		return w, nil // invisible: page 1, zero rectangle
	}
	pages, err := ed.pageCount()
	if err != nil {
		return w, err
	}
	if a.Page < 1 || int64(a.Page) > pages {
		return w, errs.M(errs.InvalidRequest, msg.PAdESNoSuchPage, a.Page, pages)
	}
	r := a.Rect
	llx, urx := min(r[0], r[2]), max(r[0], r[2])
	lly, ury := min(r[1], r[3]), max(r[1], r[3])
	if urx-llx < 1 || ury-lly < 1 {
		return w, errs.M(errs.InvalidRequest, msg.PAdESRectangleTooSmall)
	}
	w.pageIndex = int64(a.Page - 1)
	w.rect = [4]float64{llx, lly, urx, ury}
	lines := a.Lines
	if len(lines) == 0 {
		signerName := p.opts.Name
		if signerName == "" {
			signerName = p.chain[0].Subject.CommonName
		}
		lines = defaultLines(signerName, p.opts.Time.UTC().Format("2006-01-02 15:04:05 UTC"), p.opts.Reason, p.opts.Location)
	}
	w.apDict, w.apData = appearanceStream(urx-llx, ury-lly, lines)
	return w, nil
}

// cmsMargin absorbs DER length-of-length differences between the estimate
// and the real values.
const cmsMargin = 64

// reservedSize computes how many DER bytes the final CMS can take: the
// structure with the largest signature this key can make and, from B-T on,
// a time-stamp token of the allowed size.
func (p *Prepared) reservedSize() (int, error) {
	attrs, err := buildSignedAttrs(p.chain[0], make([]byte, p.alg.hash.Size()), nil)
	if err != nil {
		return 0, errs.Internalf(err, "encode signed attributes")
	}
	parts := cmsParts{alg: p.alg, signer: p.chain[0], certs: p.chain, attrs: attrs, signature: make([]byte, p.alg.maxSigLen)}
	if p.opts.Level >= LevelBT {
		parts.tsToken = tlv(0x30, make([]byte, p.opts.TimestampSize))
	}
	der, err := parts.encode()
	if err != nil {
		return 0, err
	}
	return len(der) + cmsMargin, nil
}

// hashDocument digests the byte range: the original file (streamed, and
// copied to tee if given) and the update around the /Contents placeholder.
func (p *Prepared) hashDocument(ctx context.Context, tee io.Writer) error {
	h := p.alg.hash.New()
	var dst io.Writer = h
	if tee != nil {
		dst = io.MultiWriter(h, tee)
	}
	// Bytes before the header, if any, are written out but only hashed
	// when the /ByteRange counts from byte 0 (see byteRangeFromFileStart).
	from := p.ed.ch.byteRangeOrigin()
	if from > 0 && tee != nil {
		if err := copyRange(ctx, tee, p.src, 0, from); err != nil {
			return err
		}
	}
	if err := copyRange(ctx, dst, p.src, from, p.size-from); err != nil {
		return err
	}
	h.Write(p.rev.before())
	state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return errs.Internalf(err, "save digest state")
	}
	p.hashState = state
	h.Write(p.rev.after())
	p.docDigest = h.Sum(nil)
	return nil
}

// copyBufSize is large enough that a 50 MB file takes few system calls and
// small enough not to matter for memory.
const copyBufSize = 1 << 20

// copyRange streams src[off:off+n] to w, checking ctx between chunks.
func copyRange(ctx context.Context, w io.Writer, src io.ReaderAt, off, n int64) error {
	buf := make([]byte, min(int64(copyBufSize), max(n, 1)))
	for n > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := buf[:min(int64(len(buf)), n)]
		got, err := src.ReadAt(chunk, off)
		if got > 0 {
			if _, werr := w.Write(chunk[:got]); werr != nil {
				return errs.Internalf(werr, "write document")
			}
		}
		off += int64(got)
		n -= int64(got)
		if err != nil && !(err == io.EOF && n == 0) {
			if err == io.EOF {
				return errs.M(errs.InvalidRequest, msg.PAdESDocumentTruncated)
			}
			return errs.Internalf(err, "read document")
		}
	}
	return nil
}

// Digest is what the signer must sign: the hash of the DER-encoded signed
// attributes. A CSC signHash call sends exactly this value; ECDSA signs it
// directly, RSA PKCS#1 v1.5 wraps it in a DigestInfo.
func (p *Prepared) Digest() []byte { return append([]byte(nil), p.tbsDigest...) }

// DocumentDigest is the hash of the signed byte range (the messageDigest
// signed attribute).
func (p *Prepared) DocumentDigest() []byte { return append([]byte(nil), p.docDigest...) }

// SignatureAlgorithm is the CMS signature algorithm: the OID to send as CSC
// signAlgo and, for RSA-PSS, the DER RSASSA-PSS-params for signAlgoParams.
func (p *Prepared) SignatureAlgorithm() (oid asn1.ObjectIdentifier, params []byte) {
	id := p.alg.signatureAlgID()
	if p.alg.pss {
		return id.Algorithm, p.alg.pssParamsDER()
	}
	return id.Algorithm, nil
}

// FieldName is the name of the new signature field.
func (p *Prepared) FieldName() string { return p.fieldName }

// SigningTime is the time written to /M.
func (p *Prepared) SigningTime() time.Time { return p.opts.Time }
