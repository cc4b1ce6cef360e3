package xades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/beevik/etree"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/cms"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Namespaces and algorithm identifiers (XML-DSig 1.1, RFC 6931, EN 319 132-1).
const (
	NSDS    = "http://www.w3.org/2000/09/xmldsig#"
	NSXAdES = "http://uri.etsi.org/01903/v1.3.2#"

	// ExcC14N is exclusive XML canonicalisation without comments, used for
	// every canonicalisation here: its output of an element does not depend
	// on the namespaces its ancestors declare, so what is signed does not
	// change when the signature sits inside the invoice's root element.
	ExcC14N           = "http://www.w3.org/2001/10/xml-exc-c14n#"
	EnvelopedSig      = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
	TypeSignedProps   = "http://uri.etsi.org/01903#SignedProperties"
	signedPropsSuffix = "-signedprops"
)

// Level is the XAdES baseline level (EN 319 132-1 clause 6).
type Level int

// Levels this package makes.
const (
	LevelBB Level = iota + 1 // XAdES-B-B
	LevelBT                  // XAdES-B-T: a SignatureTimeStamp over ds:SignatureValue
)

// Timestamper obtains an RFC 3161 time-stamp token (DER TimeStampToken)
// over a digest; pades' time-stamp client satisfies it.
type Timestamper interface {
	Timestamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error)
}

// Envelope is where the signature and the signed document sit.
type Envelope int

// Envelopes this package makes.
const (
	// Enveloped: the ds:Signature inside the document, as the root
	// element's last child (FatturaPA's form).
	Enveloped Envelope = iota
	// Enveloping: the document's root element inside a ds:Object of the
	// ds:Signature, which is the new document's root. What lies outside
	// the root (processing instructions, comments) is not carried.
	Enveloping
	// Detached: the signature is a document of its own (ds:Signature
	// root) and its data reference names the signed file, of any type,
	// by Options.DocumentName, a relative URI resolved beside the
	// signature. The digest is over the file's raw bytes, with no
	// transform, XML or not: see Prepare.
	Detached
)

// Options controls a XAdES signature.
type Options struct {
	Level    Level // default LevelBB
	Envelope Envelope
	// Hash digests the references and the SignedInfo; default SHA-256.
	Hash crypto.Hash
	// Time is the SigningTime property; default time.Now().
	Time        time.Time
	Timestamper Timestamper // required for LevelBT
	// DocumentName is the signed file's base name, required for Detached
	// (ValidDocumentName) and ignored otherwise: the data reference's URI
	// is DocumentURI(DocumentName).
	DocumentName string
}

// Prepared is a signature waiting for its signature value over Digest().
type Prepared struct {
	opts    Options
	chain   []*x509.Certificate
	content []byte
	endAt   int
	// emptyRoot is the root's name when it was written <a/> (see document).
	emptyRoot string
	root      [2]int // the root element's bytes, for Enveloping
	id        string
	sig       *etree.Element // ds:Signature, SignatureValue still empty
	sigVal    *etree.Element
	tbs       []byte // hash of the canonical ds:SignedInfo
}

// xmlDecl opens a signature that is a document of its own (enveloping,
// detached).
const xmlDecl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

// Signed is the signed document as the concatenation of Parts. Detached:
// one part, the signature document. Enveloped:
// the original bytes up to the root element's end tag, the ds:Signature
// element, the rest of the original. Enveloping: the ds:Signature up to
// its ds:Object's content, the original root element, the rest of the
// signature. The original's parts are slices of the caller's content,
// never copies.
type Signed struct {
	Parts [][]byte
}

// Bytes joins the parts (a copy; for tests and small documents).
func (s Signed) Bytes() []byte {
	return bytes.Join(s.Parts, nil)
}

var digestURI = map[crypto.Hash]string{
	crypto.SHA256: "http://www.w3.org/2001/04/xmlenc#sha256",
	crypto.SHA384: "http://www.w3.org/2001/04/xmldsig-more#sha384",
	crypto.SHA512: "http://www.w3.org/2001/04/xmlenc#sha512",
}

var hashName = map[crypto.Hash]string{crypto.SHA256: "sha256", crypto.SHA384: "sha384", crypto.SHA512: "sha512"}

// signatureURI names the signature method for the signer's key (RFC 6931
// 2.3.2 rsa-shaN, 2.3.6 ecdsa-shaN).
func signatureURI(pub crypto.PublicKey, h crypto.Hash) (string, error) {
	name, ok := hashName[h]
	if !ok {
		return "", errs.M(errs.InvalidRequest, msg.XAdESAlgorithm, "document")
	}
	switch pub.(type) {
	case *rsa.PublicKey:
		return "http://www.w3.org/2001/04/xmldsig-more#rsa-" + name, nil
	case *ecdsa.PublicKey:
		return "http://www.w3.org/2001/04/xmldsig-more#ecdsa-" + name, nil
	}
	return "", errs.M(errs.InvalidRequest, msg.XAdESAlgorithm, "document")
}

// Prepare parses content (a whole XML document), computes the digest of
// the document as the enveloped-signature and exclusive canonicalisation
// transforms leave it (Detached: of content's raw bytes, which need not be
// XML and are not parsed), builds the SignedProperties (SigningTime,
// SigningCertificateV2, DataObjectFormat) and the SignedInfo, and returns
// what the holder's key must sign. content is kept, not copied: the
// caller leaves it unchanged while it uses the result.
func Prepare(ctx context.Context, chain []*x509.Certificate, content []byte, opts Options) (*Prepared, error) {
	if len(chain) == 0 || chain[0] == nil {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESSignerCertificateMissing)
	}
	if opts.Level == 0 {
		opts.Level = LevelBB
	}
	if opts.Level != LevelBB && opts.Level != LevelBT {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESUnknownConformanceLevel)
	}
	if opts.Level == LevelBT && opts.Timestamper == nil {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESLevelNeedsTimestamper, "B-T")
	}
	if opts.Hash == 0 {
		opts.Hash = crypto.SHA256
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now()
	}
	sigURI, err := signatureURI(chain[0].PublicKey, opts.Hash)
	if err != nil {
		return nil, err
	}
	if opts.Envelope == Detached && !ValidDocumentName(opts.DocumentName) {
		if opts.DocumentName == "" {
			return nil, errs.M(errs.InvalidRequest, msg.XAdESDocumentNameMissing, "document_name")
		}
		return nil, errs.M(errs.InvalidRequest, msg.XAdESDocumentNameInvalid, "document_name")
	}
	doc := &document{}
	if opts.Envelope != Detached {
		if doc, err = parse(content); err != nil {
			return nil, err
		}
	}
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, errs.Internalf(err, "draw the signature id")
	}
	id := "qes-sig-" + hex.EncodeToString(rnd[:])
	p := &Prepared{opts: opts, chain: chain, content: content, endAt: doc.endAt, emptyRoot: doc.emptyRoot, root: doc.root, id: id}

	// The data object: the whole document (URI="", enveloped-signature
	// transform), enveloping, the ds:Object holding the root element, or,
	// detached, the file's bytes as they are. A detached XML file is not
	// canonicalised either: the signature covers the exact bytes the
	// holder authorised (the SAD binds the raw file's hash) and keeps, a
	// file that is not well-formed XML (or has a DTD) is signed like any
	// other, and a verifier needs no XML parser to check the reference.
	var object *etree.Element
	var docDigest []byte
	switch opts.Envelope {
	case Detached:
		h := opts.Hash.New()
		h.Write(content)
		docDigest = h.Sum(nil)
	case Enveloping:
		object = etree.NewElement("ds:Object")
		object.CreateAttr("xmlns:ds", NSDS)
		object.CreateAttr("Id", id+"-object")
		object.AddChild(doc.tree.Root())
		docDigest, err = digestC14N(object, opts.Hash)
		// Written out as a placeholder that Finish replaces by the
		// original root element's bytes.
		object.RemoveChildAt(0)
		object.SetText(id + "-content")
	default:
		docDigest, err = documentDigest(doc.tree, opts.Hash)
	}
	if err != nil {
		return nil, err
	}
	doc.tree = nil // the tree is no longer needed: let it go before signing

	signedProps, err := p.signedProperties()
	if err != nil {
		return nil, err
	}
	spDigest, err := digestC14N(signedProps, opts.Hash)
	if err != nil {
		return nil, err
	}

	sig := etree.NewElement("ds:Signature")
	sig.CreateAttr("xmlns:ds", NSDS)
	sig.CreateAttr("Id", id)
	si := sig.CreateElement("ds:SignedInfo")
	// Declared again on each element canonicalised on its own, so that
	// its canonical form needs nothing from its ancestors.
	si.CreateAttr("xmlns:ds", NSDS)
	si.CreateElement("ds:CanonicalizationMethod").CreateAttr("Algorithm", ExcC14N)
	si.CreateElement("ds:SignatureMethod").CreateAttr("Algorithm", sigURI)
	ref := si.CreateElement("ds:Reference")
	ref.CreateAttr("Id", id+"-ref0")
	switch {
	case opts.Envelope == Detached:
		// No ds:Transforms: the digest is over the octets the URI
		// dereferences to (XML-DSig 4.4.3.2).
		ref.CreateAttr("URI", DocumentURI(opts.DocumentName))
	case object != nil:
		ref.CreateAttr("URI", "#"+id+"-object")
		ref.CreateElement("ds:Transforms").CreateElement("ds:Transform").CreateAttr("Algorithm", ExcC14N)
	default:
		ref.CreateAttr("URI", "")
		tr := ref.CreateElement("ds:Transforms")
		tr.CreateElement("ds:Transform").CreateAttr("Algorithm", EnvelopedSig)
		tr.CreateElement("ds:Transform").CreateAttr("Algorithm", ExcC14N)
	}
	ref.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", digestURI[opts.Hash])
	ref.CreateElement("ds:DigestValue").SetText(base64.StdEncoding.EncodeToString(docDigest))
	spRef := si.CreateElement("ds:Reference")
	spRef.CreateAttr("Type", TypeSignedProps)
	spRef.CreateAttr("URI", "#"+id+signedPropsSuffix)
	spRef.CreateElement("ds:Transforms").CreateElement("ds:Transform").CreateAttr("Algorithm", ExcC14N)
	spRef.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", digestURI[opts.Hash])
	spRef.CreateElement("ds:DigestValue").SetText(base64.StdEncoding.EncodeToString(spDigest))

	p.sigVal = sig.CreateElement("ds:SignatureValue")
	p.sigVal.CreateAttr("xmlns:ds", NSDS)
	p.sigVal.CreateAttr("Id", id+"-value")
	x509Data := sig.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data")
	for _, c := range chain {
		x509Data.CreateElement("ds:X509Certificate").SetText(base64.StdEncoding.EncodeToString(c.Raw))
	}
	qp := sig.CreateElement("ds:Object").CreateElement("xades:QualifyingProperties")
	qp.CreateAttr("xmlns:xades", NSXAdES)
	qp.CreateAttr("Target", "#"+id)
	qp.AddChild(signedProps)
	if object != nil {
		sig.AddChild(object)
	}

	if p.tbs, err = digestC14N(si, opts.Hash); err != nil {
		return nil, err
	}
	p.sig = sig
	return p, ctx.Err()
}

// signedProperties builds xades:SignedProperties (EN 319 132-1 5.2):
// SigningTime, SigningCertificateV2 with the certificate's SHA-256 digest
// and IssuerSerialV2, and the DataObjectFormat of the document reference,
// which the baseline requires.
func (p *Prepared) signedProperties() (*etree.Element, error) {
	leaf := p.chain[0]
	sp := etree.NewElement("xades:SignedProperties")
	sp.CreateAttr("xmlns:ds", NSDS)
	sp.CreateAttr("xmlns:xades", NSXAdES)
	sp.CreateAttr("Id", p.id+signedPropsSuffix)
	ssp := sp.CreateElement("xades:SignedSignatureProperties")
	ssp.CreateElement("xades:SigningTime").SetText(p.opts.Time.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z"))
	cert := ssp.CreateElement("xades:SigningCertificateV2").CreateElement("xades:Cert")
	cd := cert.CreateElement("xades:CertDigest")
	cd.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", digestURI[crypto.SHA256])
	sum := sha256.Sum256(leaf.Raw)
	cd.CreateElement("ds:DigestValue").SetText(base64.StdEncoding.EncodeToString(sum[:]))
	is, err := issuerSerial(leaf)
	if err != nil {
		return nil, errs.Internalf(err, "encode IssuerSerialV2")
	}
	cert.CreateElement("xades:IssuerSerialV2").SetText(base64.StdEncoding.EncodeToString(is))
	dof := sp.CreateElement("xades:SignedDataObjectProperties").CreateElement("xades:DataObjectFormat")
	dof.CreateAttr("ObjectReference", "#"+p.id+"-ref0")
	mime := "text/xml"
	if p.opts.Envelope == Detached {
		mime = MimeType(p.opts.DocumentName)
	}
	dof.CreateElement("xades:MimeType").SetText(mime)
	return sp, nil
}

// issuerSerial is the DER IssuerSerial of RFC 5035 that IssuerSerialV2
// carries: the issuer as a directoryName GeneralName and the serial number.
func issuerSerial(c *x509.Certificate) ([]byte, error) {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddBytes(c.RawIssuer) })
		})
		b.AddASN1BigInt(c.SerialNumber)
	})
	return b.Bytes()
}

// Digest is what the holder's key signs: the hash of the canonical
// ds:SignedInfo.
func (p *Prepared) Digest() []byte { return append([]byte(nil), p.tbs...) }

// Finish puts the signature value in, adds the SignatureTimeStamp for
// B-T, and returns the signed document in parts. An ECDSA value may come
// as DER or as r||s; XML-DSig wants r||s.
func (p *Prepared) Finish(ctx context.Context, signature []byte) (Signed, error) {
	value, err := p.checkValue(signature)
	if err != nil {
		return Signed{}, err
	}
	p.sigVal.SetText(base64.StdEncoding.EncodeToString(value))
	if p.opts.Level >= LevelBT {
		h := p.opts.Hash.New()
		if err := writeC14N(h, p.sigVal); err != nil {
			return Signed{}, err
		}
		imprint := h.Sum(nil)
		token, err := p.opts.Timestamper.Timestamp(ctx, p.opts.Hash, imprint)
		if err != nil {
			return Signed{}, errs.WrapM(err, errs.Unavailable, msg.PAdESTimestampFailed)
		}
		tok, err := cms.ParseTimestampToken(token)
		if err != nil {
			return Signed{}, errs.Internalf(err, "time-stamp authority returned an unusable token")
		}
		if tok.Info.Hash != p.opts.Hash || !bytes.Equal(tok.Info.Digest, imprint) {
			return Signed{}, errs.Internalf(errs.E(errs.Internal, "message imprint mismatch"), "time-stamp token covers a different digest")
		}
		qp := p.sig.FindElement("ds:Object/xades:QualifyingProperties")
		ts := qp.CreateElement("xades:UnsignedProperties").CreateElement("xades:UnsignedSignatureProperties").CreateElement("xades:SignatureTimeStamp")
		ts.CreateAttr("Id", p.id+"-ts")
		ts.CreateElement("ds:CanonicalizationMethod").CreateAttr("Algorithm", ExcC14N)
		ts.CreateElement("xades:EncapsulatedTimeStamp").SetText(base64.StdEncoding.EncodeToString(token))
	}
	out := etree.NewDocument()
	out.SetRoot(p.sig)
	var buf bytes.Buffer
	if _, err := out.WriteTo(&buf); err != nil {
		return Signed{}, errs.Internalf(err, "write the signature element")
	}
	sigXML := buf.Bytes()
	if p.opts.Envelope == Detached {
		return Signed{Parts: [][]byte{append([]byte(xmlDecl), sigXML...)}}, nil
	}
	if p.opts.Envelope == Enveloping {
		placeholder := []byte(">" + p.id + "-content<")
		i := bytes.Index(sigXML, placeholder)
		if i < 0 {
			return Signed{}, errs.Internalf(errs.E(errs.Internal, "no placeholder"), "write the enveloping signature")
		}
		head := append([]byte(xmlDecl), sigXML[:i+1]...)
		return Signed{Parts: [][]byte{head, p.content[p.root[0]:p.root[1]], sigXML[i+len(placeholder)-1:]}}, nil
	}
	if p.emptyRoot != "" {
		// <a/> becomes <a>signature</a>: the same element, with content.
		return Signed{Parts: [][]byte{p.content[:p.endAt], append(append([]byte(">"), sigXML...), "</"+p.emptyRoot+">"...),
			p.content[p.endAt+2:]}}, nil
	}
	return Signed{Parts: [][]byte{p.content[:p.endAt], sigXML, p.content[p.endAt:]}}, nil
}

// checkValue verifies the value against the SignedInfo digest (a wrong
// value must not reach the holder as a signed invoice) and returns it in
// XML-DSig's form.
func (p *Prepared) checkValue(sig []byte) ([]byte, error) {
	bad := errs.M(errs.InvalidRequest, msg.XAdESSignatureDoesNotVerify)
	switch k := p.chain[0].PublicKey.(type) {
	case *rsa.PublicKey:
		if rsa.VerifyPKCS1v15(k, p.opts.Hash, p.tbs, sig) != nil {
			return nil, bad
		}
		return sig, nil
	case *ecdsa.PublicKey:
		n := (k.Curve.Params().BitSize + 7) / 8
		r, s := new(big.Int), new(big.Int)
		var v struct{ R, S *big.Int }
		if rest, err := asn1.Unmarshal(sig, &v); err == nil && len(rest) == 0 {
			r, s = v.R, v.S
		} else if len(sig) == 2*n {
			r.SetBytes(sig[:n])
			s.SetBytes(sig[n:])
		} else {
			return nil, bad
		}
		if r.Sign() <= 0 || s.Sign() <= 0 || !ecdsa.Verify(k, p.tbs, r, s) {
			return nil, bad
		}
		out := make([]byte, 2*n)
		r.FillBytes(out[:n])
		s.FillBytes(out[n:])
		return out, nil
	}
	return nil, errs.M(errs.InvalidRequest, msg.XAdESAlgorithm, "document")
}

// digestC14N hashes the exclusive canonical form of el, which it leaves
// as it is.
func digestC14N(el *etree.Element, h crypto.Hash) ([]byte, error) {
	hh := h.New()
	if err := writeC14N(hh, el); err != nil {
		return nil, err
	}
	return hh.Sum(nil), nil
}

// writeC14N streams the exclusive canonical form of el straight into w
// (WriteExcC14N): a large invoice is hashed, neither copied nor rewritten.
func writeC14N(w io.Writer, el *etree.Element) error {
	if err := WriteExcC14N(w, el); err != nil {
		return errs.M(errs.InvalidRequest, msg.XAdESNotXML, err.Error())
	}
	return nil
}

// documentDigest is the digest of the document node as the enveloped
// signature transform and exclusive canonicalisation without comments
// leave it (WriteDocumentNode). The signature is not yet in the tree, so
// "enveloped" removes nothing.
func documentDigest(tree *etree.Document, h crypto.Hash) ([]byte, error) {
	hh := h.New()
	if err := WriteDocumentNode(hh, tree, writeC14N); err != nil {
		return nil, err
	}
	return hh.Sum(nil), nil
}

// WriteDocumentNode writes the document node of tree as XML-DSig 6.6.4
// and Exc-C14N 3 over C14N 1.0 2.1 have it: processing instructions before
// the root element, each followed by a line feed; the root element, as
// writeRoot canonicalises it; those after it, each preceded by one. The
// XML declaration, comments and white space outside the root are not
// nodes. The signer and the verifier (package verify) both hash a whole
// document through it, each with its own canonical form of the root.
func WriteDocumentNode(w io.Writer, tree *etree.Document, writeRoot func(io.Writer, *etree.Element) error) error {
	root := tree.Root()
	after := false
	for _, tok := range tree.Child {
		switch t := tok.(type) {
		case *etree.ProcInst:
			if t.Target == "xml" {
				continue
			}
			pi := "<?" + t.Target
			if inst := strings.TrimLeft(t.Inst, " \t\r\n"); inst != "" {
				pi += " " + inst
			}
			pi += "?>"
			if after {
				pi = "\n" + pi
			} else {
				pi += "\n"
			}
			if _, err := io.WriteString(w, pi); err != nil {
				return err
			}
		case *etree.Element:
			if t != root {
				continue
			}
			if err := writeRoot(w, root); err != nil {
				return err
			}
			after = true
		}
	}
	return nil
}
