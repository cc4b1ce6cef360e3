package signdoc

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/jades"
	"github.com/qesproject/qes/pades"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/xades"
)

// Signature formats of CSC signDoc (signature_format).
const (
	FormatCAdES = "C"
	FormatPAdES = "P"
	FormatXAdES = "X"
)

// SignedProps are the PDF signature dictionary entries a client may set
// through CSC signed_props (attribute_value is base64 UTF-8 text).
type SignedProps struct {
	Name, Reason, Location, ContactInfo string
}

// PDFDocument is one entry of signDoc's documents[]: a PDF to sign as
// PAdES, or any file (a PDF too) to sign as CAdES.
type PDFDocument struct {
	// Content is the document. It is read, never modified, and the signed
	// result refers to it: the caller keeps it unchanged while using the
	// result.
	Content []byte
	Format  string // signature_format: "P" (PAdES, PDFs only), "C" (CAdES) or "J" (JAdES, JSON only)
	Level   string // conformance_level; "" means AdES-B-B
	// EnvelopeProperty is signed_envelope_property: for PAdES "",
	// Certification or Revision; for CAdES "" or Attached (the content
	// inside the signature, a .p7m), Detached (a .p7s), Parallel (the
	// document is a .p7m that gets a further signer) or, a qes extension,
	// Countersignature (the .p7m's one signer gets countersigned).
	EnvelopeProperty string
	SignAlgo         string
	SignAlgoParams   string
	Props            SignedProps
	// Appearance makes the signature visible (qes extension); nil: invisible.
	Appearance *pades.Appearance
	// DocumentName is the file's base name (qes extension, CSC passes
	// none): a detached XAdES signature's data reference names the file
	// by it, so it is required there. When given it must be a base name
	// (xades.ValidDocumentName), whatever the format.
	DocumentName string
}

// DigestSet is one entry of signDoc's documentDigests[]: hashes of detached
// documents, each to get its own CAdES signature.
type DigestSet struct {
	Hashes           []string // base64 (std or url) digests
	HashAlgorithm    string   // hashAlgorithmOID; may be implied by SignAlgo or the digest length
	Format           string   // signature_format: must be "C"
	Level            string
	EnvelopeProperty string // "" or Detached
	SignAlgo         string
	SignAlgoParams   string
}

// documentPlan is a validated documents[] entry: PAdES (opts) or CAdES
// (cades set).
type documentPlan struct {
	index   int
	content []byte
	opts    pades.Options
	sign    crypto.SignerOpts
	// cades is set for signature_format "C"; attached tells a .p7m from
	// a .p7s.
	cades    *pades.CAdESOptions
	attached bool
	parallel bool // the content is a .p7m to add a signer to
	counter  bool // ... or to countersign the one signer of
	// jades is set for signature_format "J" (see jades.go).
	jades      *jades.Options
	jadesLevel pades.Level
	// xades is set for signature_format "X" (a signature enveloped in an
	// XML document, enveloping it, or detached from any file); xlevel is
	// its level in pades' terms.
	xades  *xades.Options
	xlevel pades.Level
}

// level is the plan's conformance level, whichever the format.
func (p *documentPlan) level() pades.Level {
	switch {
	case p.cades != nil:
		return p.cades.Level
	case p.xades != nil:
		return p.xlevel
	}
	if p.jades != nil {
		return p.jadesLevel
	}
	return p.opts.Level
}

// looksLikePDF tells a PDF by its header, which readers accept within the
// first 1024 bytes (ISO 32000-2 7.5.2 and common practice); the PDF parser
// still decides whether it is a usable one.
func looksLikePDF(b []byte) bool {
	return bytes.Contains(b[:min(len(b), 1024)], []byte("%PDF-"))
}

// attachedFor maps signed_envelope_property for CAdES on a document. The
// default is Attached, CSC's default for CAdES and what a holder in Italy
// expects (the .p7m that carries the signed file). Parallel takes a .p7m
// and answers it with one more signer; Countersignature (not a CSC value)
// takes a .p7m of one signer and countersigns it.
func attachedFor(field, s string) (attached, parallel, counter bool, err error) {
	switch strings.ToLower(s) {
	case "", "attached", "enveloping":
		return true, false, false, nil
	case "detached":
		return false, false, false, nil
	case "parallel":
		return true, true, false, nil
	case "countersignature":
		return true, true, true, nil
	}
	return false, false, false, errs.M(errs.InvalidRequest, msg.EnvelopeCAdES, field, s)
}

// digestPlan is one hash of a validated documentDigests[] entry.
type digestPlan struct {
	set, index int
	digest     []byte
	hashB64    string // standard base64, as the SAD stores it
	hashOID    string
	opts       pades.CAdESOptions
	sign       crypto.SignerOpts
}

// levelFor parses conformance_level and checks the service can produce it.
func (d *Signer) levelFor(field, s string) (pades.Level, error) {
	level := pades.LevelBB
	if s != "" {
		var err error
		if level, err = pades.ParseLevel(s); err != nil {
			return 0, errs.M(errs.InvalidRequest, msg.LevelUnknown, field, s)
		}
	}
	if level >= pades.LevelBT && d.cfg.Timestamper == nil {
		return 0, errs.M(errs.InvalidRequest, msg.LevelNoTSA, field)
	}
	if level >= pades.LevelBLT && d.cfg.Revocation == nil {
		return 0, errs.M(errs.InvalidRequest, msg.LevelNoRevocation, field, level)
	}
	return level, nil
}

// resolveAlgo checks signAlgo against the key and derives the hash and the
// RSA scheme pades must use. hashOID is the digest algorithm the client
// named, if any; PAdES documents default to SHA-256 when signAlgo does not
// imply a hash.
func resolveAlgo(field string, pub crypto.PublicKey, signAlgo, hashOID, params string) (crypto.Hash, pades.SignatureScheme, crypto.SignerOpts, error) {
	if signAlgo == "" {
		return 0, 0, nil, errs.M(errs.InvalidRequest, msg.MissingParamIn, "string", "signAlgo", field)
	}
	impliedHash, impliedPSS, known := sam.ImpliedHash(signAlgo)
	if known && impliedHash != 0 && hashOID != "" && sam.HashOID(impliedHash) != hashOID {
		return 0, 0, nil, errs.M(errs.InvalidRequest, msg.HashAlgoContradictsIn, field)
	}
	if known && impliedHash == 0 && !impliedPSS && hashOID == "" {
		hashOID = sam.OIDSHA256
	}
	p, err := sam.ResolveSignAlgo(pub, signAlgo, hashOID, params)
	if err != nil {
		return 0, 0, nil, errs.WrapM(err, errs.KindOf(err), msg.SignDocInField, errs.Quoted(err), field)
	}
	scheme := pades.PKCS1v15
	if pss, ok := p.Opts.(*rsa.PSSOptions); ok {
		// pades writes RSASSA-PSS-params with a salt as long as the hash;
		// a signature with another salt would not match its own CMS.
		if pss.SaltLength != p.Hash.Size() {
			return 0, 0, nil, errs.M(errs.InvalidRequest, msg.PSSAdESSalt, field, p.Hash.Size())
		}
		scheme = pades.PSS
	}
	return p.Hash, scheme, p.Opts, nil
}

// certifyFor maps signed_envelope_property for PAdES. CSC makes
// Certification the default, but qes defaults to Revision (an approval
// signature): a certification must be the first signature of a document,
// so that default would make every already signed PDF fail, and holders
// rarely mean to certify. An explicit Certification allows form filling
// and further signatures (DocMDP P=2), so co-signers can still sign.
func certifyFor(field, s string) (pades.DocMDP, error) {
	switch strings.ToLower(s) {
	case "", "revision":
		return pades.Approval, nil
	case "certification":
		return pades.CertifyFormFilling, nil
	}
	return 0, errs.M(errs.InvalidRequest, msg.EnvelopePAdES, field, s)
}

func (d *Signer) planDocument(i int, doc PDFDocument, chain []*x509.Certificate) (*documentPlan, error) {
	field := fmt.Sprintf("documents[%d]", i)
	if doc.DocumentName != "" && !xades.ValidDocumentName(doc.DocumentName) {
		return nil, errs.M(errs.InvalidRequest, msg.XAdESDocumentNameInvalid, field+".document_name")
	}
	if doc.Format == FormatJAdES {
		return d.planJAdESDocument(i, doc, chain)
	}
	switch doc.Format {
	case FormatPAdES, FormatCAdES, FormatXAdES:
	case "":
		return nil, errs.M(errs.InvalidRequest, msg.MissingParamIn, "string", "signature_format", field)
	default:
		return nil, errs.M(errs.InvalidRequest, msg.FormatPAdESForDocuments, field)
	}
	if len(doc.Content) == 0 {
		return nil, errs.M(errs.InvalidRequest, msg.DocumentEmpty, field)
	}
	lv := doc.Level
	if doc.Format == FormatXAdES && len(lv) > len("XAdES-") && strings.EqualFold(lv[:len("XAdES-")], "XAdES-") {
		// XAdES-B-T names the level as AdES-B-T does; pades' parser
		// knows only the PAdES and CAdES prefixes.
		lv = lv[1:]
	}
	level, err := d.levelFor(field, lv)
	if err != nil {
		return nil, err
	}
	switch doc.Format {
	case FormatCAdES:
		return d.planCAdESDocument(i, field, level, doc, chain)
	case FormatXAdES:
		return d.planXAdESDocument(i, field, level, doc, chain)
	}
	certify, err := certifyFor(field, doc.EnvelopeProperty)
	if err != nil {
		return nil, err
	}
	h, scheme, signOpts, err := resolveAlgo(field, chain[0].PublicKey, doc.SignAlgo, "", doc.SignAlgoParams)
	if err != nil {
		return nil, err
	}
	return &documentPlan{index: i, content: doc.Content, sign: signOpts, opts: pades.Options{
		Level: level, Hash: h, Scheme: scheme, Certify: certify, Appearance: doc.Appearance,
		Name: doc.Props.Name, Reason: doc.Props.Reason, Location: doc.Props.Location, ContactInfo: doc.Props.ContactInfo,
		Timestamper: d.cfg.Timestamper, Revocation: d.cfg.Revocation, ExtraCertificates: d.cfg.ExtraCertificates,
	}}, nil
}

// planCAdESDocument plans a CAdES signature over a whole document, of
// any type: the messageDigest is the document's hash with the signature's
// hash algorithm.
func (d *Signer) planCAdESDocument(i int, field string, level pades.Level, doc PDFDocument, chain []*x509.Certificate) (*documentPlan, error) {
	if doc.Props != (SignedProps{}) {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESOnlyParam, "signed_props", field)
	}
	if doc.Appearance != nil {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESOnlyParam, "qes_appearance", field)
	}
	attached, parallel, counter, err := attachedFor(field, doc.EnvelopeProperty)
	if err != nil {
		return nil, err
	}
	h, scheme, signOpts, err := resolveAlgo(field, chain[0].PublicKey, doc.SignAlgo, "", doc.SignAlgoParams)
	if err != nil {
		return nil, err
	}
	return &documentPlan{index: i, content: doc.Content, sign: signOpts, attached: attached, parallel: parallel, counter: counter, cades: &pades.CAdESOptions{
		Level: level, Hash: h, Scheme: scheme,
		Timestamper: d.cfg.Timestamper, Revocation: d.cfg.Revocation, ExtraCertificates: d.cfg.ExtraCertificates,
	}}, nil
}

// planXAdESDocument plans a XAdES signature of an XML document:
// enveloped in it (the default, the FatturaPA case) or enveloping it;
// or, Detached, of any file, whose document_name the signature's
// reference carries. Whether the content is XML is decided in prepare,
// where a refusal counts against the SAD like a bad PDF; a missing name
// is the request's fault, refused here before the SAD is looked at.
func (d *Signer) planXAdESDocument(i int, field string, level pades.Level, doc PDFDocument, chain []*x509.Certificate) (*documentPlan, error) {
	if doc.Props != (SignedProps{}) {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESOnlyParam, "signed_props", field)
	}
	if doc.Appearance != nil {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESOnlyParam, "qes_appearance", field)
	}
	envelope := xades.Enveloped
	switch strings.ToLower(doc.EnvelopeProperty) {
	case "", "enveloped":
	case "enveloping":
		envelope = xades.Enveloping
	case "detached":
		envelope = xades.Detached
		if doc.DocumentName == "" {
			return nil, errs.M(errs.InvalidRequest, msg.XAdESDocumentNameMissing, field+".document_name")
		}
	default:
		return nil, errs.M(errs.InvalidRequest, msg.XAdESEnvelope, field, doc.EnvelopeProperty)
	}
	xl := xades.LevelBB
	switch level {
	case pades.LevelBB:
	case pades.LevelBT:
		xl = xades.LevelBT
	default:
		return nil, errs.M(errs.InvalidRequest, msg.XAdESLevel, field, level)
	}
	h, scheme, signOpts, err := resolveAlgo(field, chain[0].PublicKey, doc.SignAlgo, "", doc.SignAlgoParams)
	if err != nil {
		return nil, err
	}
	if scheme != pades.PKCS1v15 {
		// rsa-pss in XML-DSig (RFC 9231) is not read by the validators
		// Italian recipients use; refuse rather than make a signature
		// they reject.
		return nil, errs.M(errs.InvalidRequest, msg.XAdESAlgorithm, field)
	}
	return &documentPlan{index: i, content: doc.Content, sign: signOpts, xlevel: level, xades: &xades.Options{
		Level: xl, Envelope: envelope, Hash: h, Timestamper: d.cfg.Timestamper, DocumentName: doc.DocumentName,
	}}, nil
}

func (d *Signer) planDigests(i int, set DigestSet, chain []*x509.Certificate) ([]*digestPlan, error) {
	field := fmt.Sprintf("documentDigests[%d]", i)
	switch set.Format {
	case FormatCAdES:
	case "":
		return nil, errs.M(errs.InvalidRequest, msg.MissingParamIn, "string", "signature_format", field)
	case FormatPAdES:
		return nil, errs.M(errs.InvalidRequest, msg.FormatPAdESNeedsPDF, field)
	default:
		return nil, errs.M(errs.InvalidRequest, msg.FormatCAdESForDigests, field)
	}
	if p := strings.ToLower(set.EnvelopeProperty); p != "" && p != "detached" {
		return nil, errs.M(errs.InvalidRequest, msg.EnvelopeDetached, field)
	}
	level, err := d.levelFor(field, set.Level)
	if err != nil {
		return nil, err
	}
	if len(set.Hashes) == 0 {
		return nil, errs.M(errs.InvalidRequest, msg.MissingParamIn, "array", "hashes", field)
	}
	hashOID := set.HashAlgorithm
	impliedHash, _, known := sam.ImpliedHash(set.SignAlgo)
	switch {
	case hashOID != "":
		if _, ok := sam.HashFromOID(hashOID); !ok {
			return nil, errs.M(errs.InvalidRequest, msg.InvalidParamIn, "hashAlgorithmOID", field)
		}
		if known && impliedHash != 0 && sam.HashOID(impliedHash) != hashOID {
			return nil, errs.M(errs.InvalidRequest, msg.HashAlgoContradictsIn, field)
		}
	case known && impliedHash != 0:
		hashOID = sam.HashOID(impliedHash)
	}
	normalized, hashOID, err := sam.NormalizeHashes(set.Hashes, hashOID)
	if err != nil {
		if id, _, _ := errs.MessageOf(err); id == msg.InvalidBase64 {
			return nil, errs.M(errs.InvalidRequest, msg.InvalidBase64In, "hashes", field)
		}
		return nil, errs.M(errs.InvalidRequest, msg.SignDocInField, errs.Quoted(err), field)
	}
	h, scheme, signOpts, err := resolveAlgo(field, chain[0].PublicKey, set.SignAlgo, hashOID, set.SignAlgoParams)
	if err != nil {
		return nil, err
	}
	if sam.HashOID(h) != hashOID {
		return nil, errs.M(errs.InvalidRequest, msg.HashAlgoContradictsIn, field)
	}
	plans := make([]*digestPlan, len(normalized))
	for k, b64 := range normalized {
		raw, _ := base64.StdEncoding.DecodeString(b64) // normalized above
		plans[k] = &digestPlan{set: i, index: k, digest: raw, hashB64: b64, hashOID: hashOID, sign: signOpts,
			opts: pades.CAdESOptions{Level: level, Hash: h, Scheme: scheme,
				Timestamper: d.cfg.Timestamper, Revocation: d.cfg.Revocation, ExtraCertificates: d.cfg.ExtraCertificates}}
	}
	return plans, nil
}

// formats names the batch's signature formats for the holder's signing
// report, each once, in the order of the request: a document's own format,
// CAdES for document digests.
func formats(docs []*documentPlan, digests []*digestPlan) []string {
	var out []string
	add := func(f string) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	for _, d := range docs {
		switch {
		case d.cades != nil:
			add("CAdES")
		case d.xades != nil:
			add("XAdES")
		case d.jades != nil:
			add("JAdES")
		default:
			add("PAdES")
		}
	}
	if len(digests) > 0 {
		add("CAdES")
	}
	return out
}
