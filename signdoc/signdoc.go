package signdoc

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"slices"
	"time"

	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/pades"
	"github.com/qesproject/qes/sam"
)

// Config is what signDoc needs beyond the activation module.
type Config struct {
	// Timestamper issues signature and document time-stamps (B-T and up);
	// nil limits signDoc to B-B.
	Timestamper pades.Timestamper
	// Revocation supplies OCSP responses and CRLs (B-LT and up, and
	// returnValidationInfo); nil limits signDoc to B-T.
	Revocation pades.RevocationSource
	// ExtraCertificates help build chains (e.g. the TSA's CA) and go into
	// the DSS of B-LT signatures.
	ExtraCertificates []*x509.Certificate
	// TimestampCertificates are the TSA certificate and its chain, whose
	// validation data returnValidationInfo adds when a signature carries a
	// time-stamp.
	TimestampCertificates []*x509.Certificate
}

// SAM is the signature activation module as signDoc uses it
// (sam.Service): it checks the credential and the SAD and signs
// digests; the documents never reach it.
type SAM interface {
	StartDocSigning(ctx context.Context, p *authn.Principal, credentialID, sad string) (*sam.DocSigning, error)
	Now() time.Time
}

// Signer is CSC signatures/signDoc: AdES signatures made by the service
// (PAdES on whole PDFs, XAdES enveloped in or enveloping XML documents or
// detached from any file, CAdES attached
// or detached on whole documents of any type, CAdES detached on digests)
// with the same activation
// rules as signHash. It is safe for concurrent use.
type Signer struct {
	sam SAM
	cfg Config
}

// New wires signDoc to the activation module.
func New(sam SAM, cfg Config) *Signer {
	return &Signer{sam: sam, cfg: cfg}
}

// Levels are the conformance levels this signer can produce.
func (d *Signer) Levels() []pades.Level {
	switch {
	case d.cfg.Timestamper == nil:
		return []pades.Level{pades.LevelBB}
	case d.cfg.Revocation == nil:
		return []pades.Level{pades.LevelBB, pades.LevelBT}
	}
	return []pades.Level{pades.LevelBB, pades.LevelBT, pades.LevelBLT, pades.LevelBLTA}
}

// Request is a signatures/signDoc call.
type Request struct {
	Principal            *authn.Principal
	CredentialID         string
	SAD                  string // empty when the access token has credential scope
	Documents            []PDFDocument
	DocumentDigests      []DigestSet
	ReturnValidationInfo bool
}

// SignedDocument is a signed document as the concatenation of Parts. For
// a PDF they are the caller's input, untouched, then the incremental
// updates (the signature and, by level, the DSS and the document
// time-stamp); for a CAdES attached signature (.p7m) the CMS up to the
// content, the caller's input, and the rest of the CMS; for an enveloped
// XAdES signature the input up to the root's end tag, the ds:Signature,
// and the rest of the input. Keeping them apart
// lets a 50 MB document be answered without a second copy of it.
type SignedDocument struct {
	Parts [][]byte
}

// Result is signDoc's answer, in request order.
type Result struct {
	// Documents are the signed PDFs and XML documents and the CAdES
	// attached signatures, in
	// the order of their documents entries.
	Documents []SignedDocument
	// Signatures are the detached signatures: DER CMS SignedData (CAdES)
	// or an XML signature document (XAdES), one per documents entry signed
	// Detached, then one per hash of every documentDigests entry, in order.
	Signatures [][]byte
	// ValidationInfo is set when the request asked for it.
	ValidationInfo *pades.ValidationInfo
}

// SignDoc checks the request, proves that the SAD authorized every document
// (its digest with the SAD's hash algorithm) and every document digest, and
// signs them. Every document is parsed and prepared before the SAD is used,
// so a malformed PDF costs the holder no signature, only one of the
// sam.MaxRefusedDocuments refusals the SAD tolerates; as in SignHash, the intent is
// in the audit log and the SAD's use committed before the HSM signs.
func (d *Signer) SignDoc(ctx context.Context, r Request) (*Result, error) {
	ds, err := d.sam.StartDocSigning(ctx, r.Principal, r.CredentialID, r.SAD)
	if err != nil {
		return nil, err
	}
	switch {
	case len(r.Documents) == 0 && len(r.DocumentDigests) == 0:
		return nil, errs.M(errs.InvalidRequest, msg.NoDigestsNorDocuments)
	case len(r.Documents) > 0 && len(r.DocumentDigests) > 0:
		return nil, errs.M(errs.InvalidRequest, msg.DigestsAndDocuments)
	}
	chain, err := ds.Certificate(ctx)
	if err != nil {
		return nil, err
	}
	docs, digests, err := d.plan(r, chain, ds.Multisign())
	if err != nil {
		return nil, err
	}

	// Check the authorization before the expensive work, then prepare.
	sad, err := ds.Scope(ctx)
	if err != nil {
		return nil, err
	}
	authHashes, err := authorizationHashes(sad, docs, digests)
	if err != nil {
		return nil, err
	}
	prepared, err := d.prepare(ctx, docs, digests, chain, d.sam.Now())
	if err != nil {
		if errs.KindOf(err) == errs.InvalidRequest {
			// A document the SAD covers was refused: it counts against
			// the SAD (sam.MaxRefusedDocuments), so one authorization
			// cannot feed the decoder bad PDFs without limit. Failing to
			// keep the count fails the request rather than forget it.
			if rerr := ds.Refused(ctx); rerr != nil {
				return nil, rerr
			}
		}
		return nil, err
	}
	var vi *pades.ValidationInfo
	if r.ReturnValidationInfo {
		if vi, err = d.validationInfo(ctx, chain, prepared); err != nil {
			return nil, err
		}
	}

	sigs, err := ds.Sign(ctx, sad.HashAlgorithm, authHashes, prepared.toSign())
	if err != nil {
		return nil, err
	}
	res, err := prepared.finish(ctx, sigs)
	// The intent is on record; a success need not hold the answer back.
	ds.Finished(ctx, err, formats(docs, digests)...)
	if err != nil {
		return nil, err
	}
	res.ValidationInfo = vi
	return res, nil
}

// plan validates every entry; nothing is parsed or signed yet.
func (d *Signer) plan(r Request, chain []*x509.Certificate, multisign int) ([]*documentPlan, []*digestPlan, error) {
	var docs []*documentPlan
	for i, doc := range r.Documents {
		pl, err := d.planDocument(i, doc, chain)
		if err != nil {
			return nil, nil, err
		}
		docs = append(docs, pl)
	}
	var digests []*digestPlan
	for i, set := range r.DocumentDigests {
		pl, err := d.planDigests(i, set, chain)
		if err != nil {
			return nil, nil, err
		}
		digests = append(digests, pl...)
	}
	if len(docs)+len(digests) > multisign {
		return nil, nil, errs.M(errs.InvalidRequest, msg.TooManySignatures)
	}
	return docs, digests, nil
}

// authorizationHashes lists, in standard base64, what the SAD must cover:
// the digest of each document with the SAD's hash algorithm, then every
// document digest. It refuses early anything the SAD does not cover (the
// authoritative check is consumeSAD's, in one transaction).
func authorizationHashes(sad *sam.SADScope, docs []*documentPlan, digests []*digestPlan) ([]string, error) {
	h, ok := sam.HashFromOID(sad.HashAlgorithm)
	if !ok {
		return nil, sam.ErrDocNotAuthorized
	}
	var out []string
	for _, doc := range docs {
		hh := h.New()
		hh.Write(doc.content)
		out = append(out, base64.StdEncoding.EncodeToString(hh.Sum(nil)))
	}
	for _, dg := range digests {
		if dg.hashOID != sad.HashAlgorithm {
			return nil, sam.ErrDocNotAuthorized
		}
		out = append(out, dg.hashB64)
	}
	if len(out) > sad.Remaining {
		return nil, sam.ErrDocNotAuthorized
	}
	left := append([]string(nil), sad.Hashes...)
	for _, x := range out {
		i := slices.Index(left, x)
		if i < 0 {
			return nil, sam.ErrDocNotAuthorized
		}
		left = append(left[:i], left[i+1:]...)
	}
	return out, nil
}
