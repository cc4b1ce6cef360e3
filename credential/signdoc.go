package credential

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/pades"
	"github.com/qesproject/qes/storage"
)

// DocSignerConfig is what signDoc needs beyond the activation module.
type DocSignerConfig struct {
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

// DocSigner is CSC signatures/signDoc: AdES signatures made by the service
// (PAdES on whole PDFs, CAdES detached on digests) with the same activation
// rules as signHash. It is safe for concurrent use.
type DocSigner struct {
	svc *Service
	cfg DocSignerConfig
}

// NewDocSigner wires signDoc to the activation module.
func NewDocSigner(svc *Service, cfg DocSignerConfig) *DocSigner {
	return &DocSigner{svc: svc, cfg: cfg}
}

// Levels are the conformance levels this signer can produce.
func (d *DocSigner) Levels() []pades.Level {
	switch {
	case d.cfg.Timestamper == nil:
		return []pades.Level{pades.LevelBB}
	case d.cfg.Revocation == nil:
		return []pades.Level{pades.LevelBB, pades.LevelBT}
	}
	return []pades.Level{pades.LevelBB, pades.LevelBT, pades.LevelBLT, pades.LevelBLTA}
}

// DocRequest is a signatures/signDoc call.
type DocRequest struct {
	Principal            *Principal
	CredentialID         string
	SAD                  string // empty when the access token has credential scope
	Documents            []PDFDocument
	DocumentDigests      []DigestSet
	ReturnValidationInfo bool
}

// SignedPDF is a signed document: Original (the caller's input, untouched)
// followed by Appended (the incremental updates holding the signature and,
// by level, the DSS and the document time-stamp). Keeping them apart lets a
// 50 MB document be answered without a second copy of it.
type SignedPDF struct {
	Original []byte
	Appended []byte
}

// DocResult is signDoc's answer, in request order.
type DocResult struct {
	Documents []SignedPDF
	// Signatures are DER CMS SignedData (CAdES detached), one per hash of
	// every documentDigests entry, in order.
	Signatures [][]byte
	// ValidationInfo is set when the request asked for it.
	ValidationInfo *pades.ValidationInfo
}

// SignDoc checks the request, proves that the SAD authorized every document
// (its digest with the SAD's hash algorithm) and every document digest, and
// signs them. Every document is parsed and prepared before the SAD is used,
// so a malformed PDF costs the holder nothing; as in SignHash, the intent is
// in the audit log and the SAD's use committed before the HSM signs.
func (d *DocSigner) SignDoc(ctx context.Context, r DocRequest) (*DocResult, error) {
	s := d.svc
	p := r.Principal
	sadKey, err := s.resolveSAD(p, r.SAD)
	if err != nil {
		return nil, err
	}
	c, err := s.owned(ctx, p.HolderID, r.CredentialID)
	if err != nil {
		return nil, err
	}
	switch {
	case len(r.Documents) == 0 && len(r.DocumentDigests) == 0:
		return nil, errs.M(errs.InvalidRequest, msg.NoDigestsNorDocuments)
	case len(r.Documents) > 0 && len(r.DocumentDigests) > 0:
		return nil, errs.M(errs.InvalidRequest, msg.DigestsAndDocuments)
	}
	v, err := s.view(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := usable(c, v); err != nil {
		return nil, err
	}
	docs, digests, err := d.plan(r, v.Chain, c.Multisign)
	if err != nil {
		return nil, err
	}

	// Check the authorization before the expensive work, then prepare.
	sad, err := s.peekSAD(ctx, sadKey, p.HolderID, c.ID)
	if err != nil {
		return nil, err
	}
	authHashes, err := authorizationHashes(sad, docs, digests)
	if err != nil {
		return nil, err
	}
	prepared, err := d.prepare(ctx, docs, digests, v.Chain, s.now())
	if err != nil {
		return nil, err
	}
	var vi *pades.ValidationInfo
	if r.ReturnValidationInfo {
		if vi, err = d.validationInfo(ctx, v.Chain, prepared); err != nil {
			return nil, err
		}
	}

	result, err := s.useSAD(ctx, p, c.ID, sadKey, sad.HashAlgorithm, authHashes)
	if err != nil {
		return nil, err
	}
	res, err := prepared.finish(ctx, s.keys, hsm.KeyRef(c.KeyRef))
	if err != nil {
		result.Outcome = "error"
		result.Detail = map[string]string{"method": "signDoc", "reason": errs.KindOf(err).String()}
		s.record(ctx, result)
		return nil, err
	}
	// The intent is on record; the result need not hold the answer back.
	result.Outcome = "ok"
	s.recordSoon(ctx, result)
	res.ValidationInfo = vi
	return res, nil
}

var errNotAuthorizedBySAD = errs.M(errs.HashNotAuthorized, msg.DocumentsNotAuthorized)

// useSAD puts the intent in the audit log and takes hashes off the SAD,
// concurrently as SignHash does: the HSM may sign only when both are on
// disk. It returns the result event to complete once the signing is done.
func (s *Service) useSAD(ctx context.Context, p *Principal, credentialID string, sadKey []byte, hashOID string, hashes []string) (audit.Event, error) {
	raw := make([][]byte, len(hashes))
	for i, h := range hashes {
		raw[i], _ = base64.StdEncoding.DecodeString(h)
	}
	intent := audit.Event{Type: "signature.intent", Holder: p.HolderID, Credential: credentialID, Client: p.ClientID,
		Detail: map[string]string{"method": "signDoc", "count": fmt.Sprint(len(hashes)), "hashes": hashesFingerprint(raw)}}
	result := audit.Event{Type: "signature.result", Holder: p.HolderID, Credential: credentialID, Client: p.ClientID, Detail: intent.Detail}
	intentDone := make(chan error, 1)
	go func() {
		_, err := s.audit.Append(ctx, intent)
		intentDone <- err
	}()
	sadErr := s.consumeSAD(ctx, sadKey, p.HolderID, credentialID, hashOID, hashes)
	if err := <-intentDone; err != nil {
		return result, errs.WrapM(err, errs.Unavailable, msg.SignatureNotAudited)
	}
	if sadErr != nil {
		if errs.Is(sadErr, errs.HashNotAuthorized) {
			sadErr = errNotAuthorizedBySAD
		}
		result.Outcome = "denied"
		result.Detail = map[string]string{"method": "signDoc", "reason": errs.KindOf(sadErr).String()}
		s.record(ctx, result)
		return result, sadErr
	}
	return result, nil
}

// plan validates every entry; nothing is parsed or signed yet.
func (d *DocSigner) plan(r DocRequest, chain []*x509.Certificate, multisign int) ([]*documentPlan, []*digestPlan, error) {
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

// errPeeked rolls back the read-only transaction of peekSAD.
var errPeeked = errors.New("peeked")

// peekSAD reads the SAD without using it: signDoc needs its hash algorithm
// to digest the documents before it can say which hashes it consumes.
func (s *Service) peekSAD(ctx context.Context, key []byte, holderID, credentialID string) (*storage.SAD, error) {
	var out storage.SAD
	now := s.now()
	err := s.store.UpdateSAD(ctx, key, func(sad *storage.SAD) error {
		if err := checkSADOwner(sad, holderID, credentialID, now); err != nil {
			return err
		}
		out = *sad
		out.Hashes = append([]string(nil), sad.Hashes...)
		return errPeeked
	})
	switch {
	case errors.Is(err, errPeeked):
		return &out, nil
	case errs.Is(err, errs.NotFound):
		return nil, errs.M(errs.InvalidSAD, msg.InvalidParam, "SAD")
	}
	return nil, err
}

// authorizationHashes lists, in standard base64, what the SAD must cover:
// the digest of each document with the SAD's hash algorithm, then every
// document digest. It refuses early anything the SAD does not cover (the
// authoritative check is consumeSAD's, in one transaction).
func authorizationHashes(sad *storage.SAD, docs []*documentPlan, digests []*digestPlan) ([]string, error) {
	h, ok := HashFromOID(sad.HashAlgorithm)
	if !ok {
		return nil, errNotAuthorizedBySAD
	}
	var out []string
	for _, doc := range docs {
		hh := h.New()
		hh.Write(doc.content)
		out = append(out, base64.StdEncoding.EncodeToString(hh.Sum(nil)))
	}
	for _, dg := range digests {
		if dg.hashOID != sad.HashAlgorithm {
			return nil, errNotAuthorizedBySAD
		}
		out = append(out, dg.hashB64)
	}
	if len(out) > sad.Remaining {
		return nil, errNotAuthorizedBySAD
	}
	left := append([]string(nil), sad.Hashes...)
	for _, x := range out {
		i := indexOf(left, x)
		if i < 0 {
			return nil, errNotAuthorizedBySAD
		}
		left = append(left[:i], left[i+1:]...)
	}
	return out, nil
}
