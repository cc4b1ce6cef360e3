package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/xades"
)

// This file checks XAdES signatures (EN 319 132-1 B-B and B-T) in an XML
// document: enveloped (the ds:Signature inside the signed document),
// enveloping (the signed element in a ds:Object) or detached (a reference
// by relative URI to a file given beside it, digested as raw bytes). The document is read by
// xades.ParseDocument, the same safety checks qes makes before signing
// (no DTD, bounded depth and element count); the references, the
// signature value and the properties are checked here. Canonical forms
// come from xades.WriteExcC14N, the same exclusive canonicaliser the
// signer uses: goxmldsig's departs from the specification (it writes
// xmlns="" where no default namespace was declared and sorts prefixed
// attributes by local name), so it refused conforming signatures, qes's
// and other tools' alike. What qes signs is checked by xmlsec1 in the
// tests.

// ErrNotXAdES is an XML input that holds no XAdES signature this package
// reads, or is not a well-formed, DTD-free XML document.
var ErrNotXAdES = errors.New("not a signed XML document (XAdES)")

const nsDS, nsXAdES = xades.NSDS, xades.NSXAdES

var xmlDigests = map[string]crypto.Hash{
	"http://www.w3.org/2001/04/xmlenc#sha256":       crypto.SHA256,
	"http://www.w3.org/2001/04/xmldsig-more#sha384": crypto.SHA384,
	"http://www.w3.org/2001/04/xmlenc#sha512":       crypto.SHA512,
}

// xmlSigMethods: RFC 6931 2.3.2 and 2.3.6; "rsa" or "ecdsa" and the hash.
var xmlSigMethods = map[string]struct {
	key  string
	hash crypto.Hash
}{
	"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256":   {"rsa", crypto.SHA256},
	"http://www.w3.org/2001/04/xmldsig-more#rsa-sha384":   {"rsa", crypto.SHA384},
	"http://www.w3.org/2001/04/xmldsig-more#rsa-sha512":   {"rsa", crypto.SHA512},
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": {"ecdsa", crypto.SHA256},
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": {"ecdsa", crypto.SHA384},
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": {"ecdsa", crypto.SHA512},
}

// looksXML says whether signed is meant as XML: its first non-blank byte
// (after a byte order mark) is "<". A DER .p7m starts with 0x30.
func looksXML(signed []byte) bool {
	t := bytes.TrimLeft(bytes.TrimPrefix(signed, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(t) > 0 && t[0] == '<'
}

// MissingContentError is a detached XAdES signature given without the
// file it signs: no report says "valid" over content it has not seen. It
// is ErrNoContent (errors.Is); URI is the data reference's, Name the file
// name it decodes to when that is a plain base name (xades.ValidDocumentName),
// else "", so that a caller may look for the file beside the signature.
type MissingContentError struct {
	URI, Name string
}

func (e *MissingContentError) Error() string {
	return fmt.Sprintf("a detached XAdES signature of %q: content not given (the signed file must be given with it)", e.URI)
}

// Is makes a MissingContentError an ErrNoContent.
func (e *MissingContentError) Is(target error) bool { return target == ErrNoContent }

// verifyXML is Verify for an XML document with XAdES signatures:
// enveloped, enveloping, or detached from detached (the file a reference
// names by a relative URI).
func verifyXML(ctx context.Context, signed, detached []byte, o Options) (*Report, error) {
	r := &Report{}
	v := &verifier{ctx: ctx, o: o, r: r}
	if err := v.verifyXAdES(signed, detached); err != nil {
		return nil, err
	}
	return r, nil
}

// externalURI is the one external data reference (a URI neither "" nor
// "#id") of the signatures, "" when they have none. qes checks one
// detached file: references to two different files are refused.
func externalURI(sigs []*etree.Element) (string, error) {
	uri := ""
	for _, sig := range sigs {
		for _, ref := range children(child(sig, nsDS, "SignedInfo"), nsDS, "Reference") {
			u := attr(ref, "URI")
			if u == "" || strings.HasPrefix(u, "#") {
				continue
			}
			if uri != "" && u != uri {
				return "", fmt.Errorf("%w: the signatures reference more than one external file (%q, %q); one is checked", ErrNotXAdES, uri, u)
			}
			uri = u
		}
	}
	return uri, nil
}

// verifyXAdES checks every ds:Signature of an XML document; detached is
// the file a detached signature's reference names.
func (v *verifier) verifyXAdES(signed, detached []byte) error {
	tree, err := xades.ParseDocument(signed)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotXAdES, err)
	}
	var sigs []*etree.Element
	walk(tree.Root(), func(e *etree.Element) bool {
		if is(e, nsDS, "Signature") {
			sigs = append(sigs, e)
			return false // a signature's own content is not searched
		}
		return true
	})
	if len(sigs) == 0 {
		return fmt.Errorf("%w: no ds:Signature element", ErrNotXAdES)
	}
	ext, err := externalURI(sigs)
	if err != nil {
		return err
	}
	switch {
	case ext != "" && detached == nil:
		e := &MissingContentError{URI: ext}
		if name, err := url.PathUnescape(ext); err == nil && xades.ValidDocumentName(name) {
			e.Name = name
		}
		return e
	case ext == "" && detached != nil:
		return fmt.Errorf("%w: the XML document carries what it signs: no other content goes with it", ErrNotXAdES)
	}
	v.content = detached
	enveloped := tree.Root() != sigs[0]
	switch {
	case ext != "":
		v.r.Detached = true
		v.printf(1, "XAdES detached signature of %q, over the given content (%d bytes)", ext, len(detached))
	case enveloped:
		v.printf(1, "XAdES signature enveloped in the XML document (%d bytes)", len(signed))
	default:
		v.printf(1, "XAdES enveloping signature (%d bytes)", len(signed))
	}
	ids, dup := idIndex(tree.Root())
	for i, sig := range sigs {
		label := fmt.Sprintf("signer %d of %d", i+1, len(sigs))
		if err := v.xmlSigner(tree, sig, ids, dup, label); err != nil {
			v.r.Problems = append(v.r.Problems, fmt.Sprintf("signer %d: %v", i+1, err))
		}
	}
	v.r.Valid = len(v.r.Problems) == 0
	if v.r.Valid && enveloped && ext == "" {
		// The document with its signatures is what the holder keeps and
		// what SdI takes: it is the content.
		v.r.Content = signed
	}
	return nil
}

// xmlSigner checks one ds:Signature and records it as a Signer.
func (v *verifier) xmlSigner(tree *etree.Document, sig *etree.Element, ids map[string]*etree.Element, dup map[string]bool, label string) (err error) {
	rec := Signer{Layer: 1, Label: label, Chain: "not checked", Status: CertStatus{Status: StatusNotChecked}}
	defer func() {
		if err != nil {
			rec.Problem = err.Error()
		}
		v.r.Signers = append(v.r.Signers, rec)
	}()
	si := child(sig, nsDS, "SignedInfo")
	sigVal := child(sig, nsDS, "SignatureValue")
	if si == nil || sigVal == nil {
		v.printf(1, "%s: no ds:SignedInfo or ds:SignatureValue", label)
		return errors.New("ds:Signature without ds:SignedInfo or ds:SignatureValue")
	}
	var certs []*x509.Certificate
	if kd := child(child(sig, nsDS, "KeyInfo"), nsDS, "X509Data"); kd != nil {
		for _, c := range children(kd, nsDS, "X509Certificate") {
			der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text(c)), ""))
			if err != nil {
				return errors.New("a ds:X509Certificate is not base64")
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return fmt.Errorf("a ds:X509Certificate does not parse: %w", err)
			}
			certs = append(certs, cert)
		}
	}
	sp := qualifying(sig)
	ssp := child(sp, nsXAdES, "SignedSignatureProperties")
	// The signer's certificate: the one SigningCertificateV2 names, else
	// the first in KeyInfo.
	certRef := child(child(ssp, nsXAdES, "SigningCertificateV2"), nsXAdES, "Cert")
	var cert *x509.Certificate
	for _, c := range certs {
		if certDigestMatches(certRef, c) {
			cert = c
			break
		}
	}
	certMatch := cert != nil
	if cert == nil && len(certs) > 0 {
		cert = certs[0]
	}
	if cert == nil {
		v.printf(1, "%s: the signer's certificate is not in ds:KeyInfo", label)
		return errors.New("the signer's certificate is not in ds:KeyInfo")
	}
	rec.Subject, rec.CommonName, rec.TaxCode = Who(cert.Subject), cert.Subject.CommonName, cert.Subject.SerialNumber
	rec.Issuer, rec.Serial = Who(cert.Issuer), fmt.Sprintf("%X", cert.SerialNumber)
	v.printf(1, "%s: %s", label, rec.Subject)
	v.printf(2, "issued by %s, serial %X, valid %s to %s", rec.Issuer, cert.SerialNumber,
		cert.NotBefore.UTC().Format(time.DateOnly), cert.NotAfter.UTC().Format(time.DateOnly))
	var signingTime time.Time
	if st := child(ssp, nsXAdES, "SigningTime"); st != nil {
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(text(st)))
		if err != nil {
			return fmt.Errorf("xades:SigningTime %q is not a time", text(st))
		}
		signingTime, rec.SigningTime = t, t.UTC()
		v.printf(2, "signing time (claimed by the signer): %s", rec.SigningTime.Format(time.RFC3339))
	}

	if err := v.references(tree, sig, si, sp, ids, dup); err != nil {
		v.printf(2, "content: CHANGED (%v)", err)
		return err
	}
	rec.ContentIntact = true
	v.printf(2, "content: intact")

	if err := checkXMLSignature(si, sigVal, cert); err != nil {
		v.printf(2, "signature: INVALID (%v)", err)
		return err
	}
	rec.SignatureValid = true
	v.printf(2, "signature: valid")

	level := ""
	if certMatch && !signingTime.IsZero() {
		level = "B-B"
	} else {
		v.printf(2, "SigningCertificateV2 or SigningTime missing or not this certificate: not a XAdES baseline signature")
	}
	at := v.o.Now
	if !signingTime.IsZero() {
		at = signingTime
	}
	stamps := children(child(child(sp.Parent(), nsXAdES, "UnsignedProperties"), nsXAdES, "UnsignedSignatureProperties"), nsXAdES, "SignatureTimeStamp")
	for _, ts := range stamps {
		if cm := child(ts, nsDS, "CanonicalizationMethod"); cm == nil || attr(cm, "Algorithm") != xades.ExcC14N {
			return errors.New("signature time-stamp: only exclusive canonicalisation is supported")
		}
		enc := child(ts, nsXAdES, "EncapsulatedTimeStamp")
		if enc == nil {
			return errors.New("signature time-stamp: no xades:EncapsulatedTimeStamp")
		}
		token, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text(enc)), ""))
		if err != nil {
			return errors.New("signature time-stamp: not base64")
		}
		over, err := c14n(sigVal)
		if err != nil {
			return err
		}
		genTime, err := v.timestamp(token, over, 2, "signature time-stamp")
		if err != nil {
			return err
		}
		at = genTime
		rec.TimeStamp, rec.TimeStampChecked = genTime.UTC(), true
	}
	if len(stamps) > 0 && level != "" {
		level = "B-T"
	}
	if err := v.chain(cert, certs, at, 2, "certificate"); err != nil {
		rec.Chain = "not trusted"
		return err
	}
	if v.o.Roots != nil {
		rec.Chain = "trusted"
	}
	// XAdES B-B and B-T carry no revocation values: the register answers.
	st, err := v.status(&p7{certs: certs}, cert, at)
	rec.Status = st
	if err != nil {
		return err
	}
	v.printf(2, "certificate status at %s: %s", at.UTC().Format(time.RFC3339), describeStatus(st))
	if err := statusProblem(st); err != nil {
		return err
	}
	rec.Level = level
	if level == "" {
		level = "none (not XAdES baseline)"
	}
	v.printf(2, "level: %s", level)
	return nil
}

// references checks each ds:Reference's digest. The document ("" with
// the enveloped-signature transform) or an element by its Id, which must
// be unique in the document (an Id written twice could make the
// reference and the reader see different elements); the SignedProperties
// reference must name this signature's own xades:SignedProperties.
func (v *verifier) references(tree *etree.Document, sig, si, sp *etree.Element, ids map[string]*etree.Element, dup map[string]bool) error {
	refs := children(si, nsDS, "Reference")
	if cm := child(si, nsDS, "CanonicalizationMethod"); cm == nil || attr(cm, "Algorithm") != xades.ExcC14N {
		return errors.New("ds:SignedInfo: only exclusive canonicalisation is supported")
	}
	if sp == nil {
		return errors.New("no xades:SignedProperties: not a XAdES signature")
	}
	// Every Id named is checked unique before any digest, so that an Id
	// written twice is reported as such, not as a changed document.
	for i, ref := range refs {
		if uri := attr(ref, "URI"); strings.HasPrefix(uri, "#") && (ids[uri[1:]] == nil || dup[uri[1:]]) {
			return fmt.Errorf("reference %d: %q names no element, or more than one", i+1, uri)
		}
	}
	sawSP, sawData := false, false
	for i, ref := range refs {
		uri := attr(ref, "URI")
		var transforms []string
		for _, t := range children(child(ref, nsDS, "Transforms"), nsDS, "Transform") {
			transforms = append(transforms, attr(t, "Algorithm"))
		}
		h, ok := xmlDigests[attr(child(ref, nsDS, "DigestMethod"), "Algorithm")]
		if child(ref, nsDS, "DigestMethod") == nil || !ok {
			return fmt.Errorf("reference %d: unsupported digest method", i+1)
		}
		want, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text(child(ref, nsDS, "DigestValue"))), ""))
		if child(ref, nsDS, "DigestValue") == nil || err != nil {
			return fmt.Errorf("reference %d: no digest value", i+1)
		}
		enveloped := false
		for _, t := range transforms {
			switch t {
			case xades.EnvelopedSig:
				enveloped = true
			case xades.ExcC14N:
			default:
				return fmt.Errorf("reference %d: unsupported transform %q", i+1, t)
			}
		}
		var got []byte
		switch {
		case uri == "":
			if !enveloped {
				return fmt.Errorf("reference %d: the whole document without the enveloped-signature transform", i+1)
			}
			got, err = documentDigest(tree, sig, h)
			sawData = true
		case strings.HasPrefix(uri, "#"):
			id := uri[1:]
			el := ids[id]
			if el == nil || dup[id] {
				return fmt.Errorf("reference %d: %q names no element, or more than one", i+1, uri)
			}
			if attr(ref, "Type") == xades.TypeSignedProps {
				if el != sp {
					return fmt.Errorf("reference %d: %q is not this signature's SignedProperties", i+1, uri)
				}
				sawSP = true
			} else {
				sawData = true
			}
			if enveloped && within(sig, el) {
				return fmt.Errorf("reference %d: enveloped-signature transform over the signature's own part", i+1)
			}
			var c []byte
			c, err = c14nWithout(el, sig, enveloped)
			if err == nil {
				d := h.New()
				d.Write(c)
				got = d.Sum(nil)
			}
		default:
			// A detached file (verifyXAdES made sure it was given): its
			// octets as they are, as qes signs them; a transform over
			// them (say, canonicalising an XML file) is not applied here.
			if len(transforms) > 0 {
				return fmt.Errorf("reference %d: transforms over the external file %q are not checked", i+1, uri)
			}
			d := h.New()
			d.Write(v.content)
			got = d.Sum(nil)
			sawData = true
		}
		if err != nil {
			return fmt.Errorf("reference %d: %w", i+1, err)
		}
		if !bytes.Equal(got, want) {
			if attr(ref, "Type") == xades.TypeSignedProps {
				return fmt.Errorf("reference %d: the signed properties (%s) were changed", i+1, uri)
			}
			if v.content != nil && uri != "" && !strings.HasPrefix(uri, "#") {
				return fmt.Errorf("reference %d: the given content is not the signed file %q (changed, or another file)", i+1, uri)
			}
			return fmt.Errorf("reference %d: the signed document (URI %q) was changed", i+1, uri)
		}
	}
	if !sawSP || !sawData {
		return errors.New("ds:SignedInfo does not reference both the document and the SignedProperties")
	}
	return nil
}

// checkXMLSignature verifies ds:SignatureValue over the canonical
// ds:SignedInfo with cert's key: RSA PKCS #1 v1.5, or ECDSA as r||s.
func checkXMLSignature(si, sigVal *etree.Element, cert *x509.Certificate) error {
	sm, ok := xmlSigMethods[attr(child(si, nsDS, "SignatureMethod"), "Algorithm")]
	if child(si, nsDS, "SignatureMethod") == nil || !ok {
		return errors.New("unsupported signature method")
	}
	value, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text(sigVal)), ""))
	if err != nil {
		return errors.New("ds:SignatureValue is not base64")
	}
	c, err := c14n(si)
	if err != nil {
		return err
	}
	d := sm.hash.New()
	d.Write(c)
	digest := d.Sum(nil)
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if sm.key != "rsa" || rsa.VerifyPKCS1v15(k, sm.hash, digest, value) != nil {
			return errors.New("the signature value does not verify with the certificate's key")
		}
	case *ecdsa.PublicKey:
		n := (k.Curve.Params().BitSize + 7) / 8
		if sm.key != "ecdsa" || len(value) != 2*n ||
			!ecdsa.Verify(k, digest, new(big.Int).SetBytes(value[:n]), new(big.Int).SetBytes(value[n:])) {
			return errors.New("the signature value does not verify with the certificate's key")
		}
	default:
		return errors.New("unsupported certificate key")
	}
	return nil
}

// certDigestMatches checks a SigningCertificateV2 xades:Cert against c:
// its digest and, when present, IssuerSerialV2.
func certDigestMatches(certRef *etree.Element, c *x509.Certificate) bool {
	cd := child(certRef, nsXAdES, "CertDigest")
	h, ok := xmlDigests[attr(child(cd, nsDS, "DigestMethod"), "Algorithm")]
	if cd == nil || child(cd, nsDS, "DigestMethod") == nil || !ok || child(cd, nsDS, "DigestValue") == nil {
		return false
	}
	want, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text(child(cd, nsDS, "DigestValue"))))
	if err != nil {
		return false
	}
	d := h.New()
	d.Write(c.Raw)
	if !bytes.Equal(d.Sum(nil), want) {
		return false
	}
	is := child(certRef, nsXAdES, "IssuerSerialV2")
	if is == nil {
		return true
	}
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text(is)))
	if err != nil {
		return false
	}
	// IssuerSerial (RFC 5035): SEQUENCE { GeneralNames, INTEGER }.
	in := cryptobyte.String(der)
	var seq, names, name cryptobyte.String
	serial := new(big.Int)
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1(&names, cbasn1.SEQUENCE) ||
		!names.ReadASN1(&name, cbasn1.Tag(4).ContextSpecific().Constructed()) || !seq.ReadASN1Integer(serial) {
		return false
	}
	return bytes.Equal(name, c.RawIssuer) && serial.Cmp(c.SerialNumber) == 0
}

// documentDigest is the digest of the document node without sig (the
// enveloped-signature transform) in exclusive canonical form
// (xades.WriteDocumentNode, with this package's canonical form of the
// root).
func documentDigest(tree *etree.Document, sig *etree.Element, h crypto.Hash) ([]byte, error) {
	d := h.New()
	err := xades.WriteDocumentNode(d, tree, func(w io.Writer, root *etree.Element) error {
		c, err := c14nWithout(root, sig, true)
		if err != nil {
			return err
		}
		_, err = w.Write(c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d.Sum(nil), nil
}

// c14nWithout is the exclusive canonical form of el, leaving out sig when
// enveloped and sig lies inside el. The tree is changed for the moment of
// the copy and put back.
func c14nWithout(el, sig *etree.Element, enveloped bool) ([]byte, error) {
	if enveloped && sig != el && within(el, sig) {
		parent, i := sig.Parent(), sig.Index()
		parent.RemoveChildAt(i)
		defer parent.InsertChildAt(i, sig)
	}
	return c14n(el)
}

// c14n is the exclusive canonical form of el (without comments), the
// namespaces it uses from its ancestors rendered on it.
func c14n(el *etree.Element) ([]byte, error) {
	var b bytes.Buffer
	if err := xades.WriteExcC14N(&b, el); err != nil {
		return nil, fmt.Errorf("canonicalisation: %w", err)
	}
	return b.Bytes(), nil
}

// qualifying finds this signature's xades:SignedProperties, in
// ds:Object/xades:QualifyingProperties whose Target names the signature.
func qualifying(sig *etree.Element) *etree.Element {
	id := attr(sig, "Id")
	for _, obj := range children(sig, nsDS, "Object") {
		for _, qp := range children(obj, nsXAdES, "QualifyingProperties") {
			if t := attr(qp, "Target"); id != "" && t == "#"+id {
				return child(qp, nsXAdES, "SignedProperties")
			}
		}
	}
	return nil
}

// idIndex maps each Id attribute's value to its element; dup marks the
// values written more than once.
func idIndex(root *etree.Element) (map[string]*etree.Element, map[string]bool) {
	ids, dup := map[string]*etree.Element{}, map[string]bool{}
	walk(root, func(e *etree.Element) bool {
		for _, a := range e.Attr {
			if a.Space == "" && a.Key == "Id" {
				if _, ok := ids[a.Value]; ok {
					dup[a.Value] = true
				}
				ids[a.Value] = e
			}
		}
		return true
	})
	return ids, dup
}

// walk visits e and its descendants, depth first, while f says to go in.
// The parser bounds the depth (xades.MaxDepth).
func walk(e *etree.Element, f func(*etree.Element) bool) {
	if e == nil || !f(e) {
		return
	}
	for _, c := range e.ChildElements() {
		walk(c, f)
	}
}

func within(outer, el *etree.Element) bool {
	for p := el; p != nil; p = p.Parent() {
		if p == outer {
			return true
		}
	}
	return false
}

func is(e *etree.Element, ns, local string) bool {
	return e != nil && e.Tag == local && e.NamespaceURI() == ns
}

// child is e's first child element ns:local; nil when e is nil or has none.
func child(e *etree.Element, ns, local string) *etree.Element {
	if cs := children(e, ns, local); len(cs) > 0 {
		return cs[0]
	}
	return nil
}

func children(e *etree.Element, ns, local string) []*etree.Element {
	if e == nil {
		return nil
	}
	var out []*etree.Element
	for _, c := range e.ChildElements() {
		if is(c, ns, local) {
			out = append(out, c)
		}
	}
	return out
}

// attr is e's attribute key, "" when e is nil or has none.
func attr(e *etree.Element, key string) string {
	if e == nil {
		return ""
	}
	return e.SelectAttrValue(key, "")
}

// text is e's text, "" when e is nil.
func text(e *etree.Element) string {
	if e == nil {
		return ""
	}
	return e.Text()
}
