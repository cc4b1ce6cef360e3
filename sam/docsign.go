package sam

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// ErrDocNotAuthorized refuses a signDoc whose documents or digests the SAD
// does not cover.
var ErrDocNotAuthorized = errs.M(errs.HashNotAuthorized, msg.DocumentsNotAuthorized)

// DocSigning is the activation module's side of one signatures/signDoc:
// package signdoc parses and prepares the documents, this checks the
// credential and the SAD, uses the SAD, and signs the digests signdoc
// hands over. The module never sees a PDF and signdoc never holds the key.
// The steps run in order: Certificate, Scope, Sign, Finished.
type DocSigning struct {
	s      *Service
	p      *authn.Principal
	c      *storage.Credential
	sadKey []byte
	result audit.Event // the outcome record, completed by Sign or Finished
	count  int         // signatures Sign made, for the signing history
}

// StartDocSigning picks the SAD (from the request or a credential-scope
// token) and the holder's credential.
func (s *Service) StartDocSigning(ctx context.Context, p *authn.Principal, credentialID, sad string) (*DocSigning, error) {
	sadKey, err := s.resolveSAD(p, sad)
	if err != nil {
		return nil, err
	}
	c, err := s.owned(ctx, p.HolderID, credentialID)
	if err != nil {
		return nil, err
	}
	return &DocSigning{s: s, p: p, c: c, sadKey: sadKey}, nil
}

// Multisign is the most signatures one SAD of the credential may cover.
func (d *DocSigning) Multisign() int { return d.c.Multisign }

// Certificate checks the credential can sign now and returns its chain,
// signer first.
func (d *DocSigning) Certificate(ctx context.Context) ([]*x509.Certificate, error) {
	v, err := d.s.view(ctx, d.c)
	if err != nil {
		return nil, err
	}
	if err := usable(d.c, v); err != nil {
		return nil, err
	}
	return v.Chain, nil
}

// SADScope is what a SAD authorizes, read without using it.
type SADScope struct {
	HashAlgorithm string   // OID
	Hashes        []string // standard base64; empty when bound to none
	Remaining     int      // signatures left
}

// errPeeked rolls back the read-only transaction of Scope.
var errPeeked = errors.New("peeked")

// Scope reads the SAD without using it: signDoc needs its hash algorithm to
// digest the documents before it can say which hashes it consumes.
func (d *DocSigning) Scope(ctx context.Context) (*SADScope, error) {
	var out SADScope
	now := d.s.now()
	err := d.s.store.UpdateSAD(ctx, d.sadKey, func(sad *storage.SAD) error {
		if err := checkSADOwner(sad, d.p.HolderID, d.c.ID, now); err != nil {
			return err
		}
		out = SADScope{HashAlgorithm: sad.HashAlgorithm, Hashes: append([]string(nil), sad.Hashes...), Remaining: sad.Remaining}
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

// Digest is one value to sign with the credential's key.
type Digest struct {
	Digest []byte
	Opts   crypto.SignerOpts
}

// Sign takes authorized (standard base64 hashes with algorithm hashOID)
// off the SAD and writes the intent in the same commit, as SignHash does;
// only then does the HSM sign each digest.
// A refusal or an HSM failure is on record when Sign returns.
func (d *DocSigning) Sign(ctx context.Context, hashOID string, authorized []string, digests []Digest) ([][]byte, error) {
	s, p := d.s, d.p
	// Certificate checked usability before the documents were prepared; it
	// is checked again under the gate, which no suspension or revocation can
	// pass until the HSM has answered (see signingGate).
	release := s.gate.hold(d.c.ID, false)
	defer release()
	chain, err := d.Certificate(ctx)
	if err != nil {
		return nil, err
	}
	raw := make([][]byte, len(authorized))
	for i, h := range authorized {
		raw[i], _ = base64.StdEncoding.DecodeString(h)
	}
	intent := audit.Event{Type: "signature.intent", Holder: p.HolderID, Credential: d.c.ID, Client: p.ClientID,
		Detail: map[string]string{"method": "signDoc", "count": fmt.Sprint(len(authorized)), "hashes": hashesFingerprint(raw)}}
	d.result = audit.Event{Type: "signature.result", Holder: p.HolderID, Credential: d.c.ID, Client: p.ClientID, Detail: intent.Detail}
	if err := s.useSAD(ctx, d.sadKey, p.HolderID, d.c, chain[0], hashOID, authorized, intent); err != nil {
		if errs.Is(err, errs.HashNotAuthorized) {
			err = ErrDocNotAuthorized
		}
		d.result.Outcome = "denied"
		d.result.Detail = map[string]string{"method": "signDoc", "reason": errs.KindOf(err).String()}
		s.record(ctx, d.result)
		return nil, err
	}
	signer, err := s.keys.Signer(ctx, hsm.KeyRef(d.c.KeyRef))
	if err != nil {
		d.Finished(ctx, err)
		return nil, err
	}
	d.count = len(digests)
	sigs := make([][]byte, len(digests))
	for i, dg := range digests {
		if sigs[i], err = signer.Sign(rand.Reader, dg.Digest, dg.Opts); err != nil {
			err = errs.WrapM(err, errs.Unavailable, msg.HSMCouldNotSign)
			d.Finished(ctx, err)
			return nil, err
		}
	}
	return sigs, nil
}

// Finished records the outcome of completing the signatures (time-stamps,
// DSS) after Sign: an error at once, success with the next audit fsync and
// in the holder's signing history with the batch's signature formats.
func (d *DocSigning) Finished(ctx context.Context, err error, formats ...string) {
	if err != nil {
		d.result.Outcome = "error"
		d.result.Detail = map[string]string{"method": "signDoc", "reason": errs.KindOf(err).String()}
		d.s.record(ctx, d.result)
		return
	}
	d.result.Outcome = "ok"
	d.s.audit.AppendRelayed(d.result, nil) // in order after the relayed intent
	if d.s.history != nil {
		d.s.history.Signed(context.WithoutCancel(ctx), d.p.HolderID, d.c.ID, d.p.ClientID, d.count, formats, d.s.now())
	}
}

// NormalizeHashes decodes base64 or base64url digests (CSC mixes both),
// checks they all have the hash's length (hashOID, or implied by the
// length when empty) and returns them in standard base64 with the hash's
// OID.
func NormalizeHashes(in []string, hashOID string) ([]string, string, error) {
	return normalizeHashes(in, hashOID)
}

// ImpliedHash is the hash a signAlgo OID fixes (0 when it leaves the hash
// to hashAlgorithmOID), whether it is RSASSA-PSS, and whether the OID is
// known at all.
func ImpliedHash(signAlgo string) (h crypto.Hash, pss, known bool) {
	a, known := signAlgos[signAlgo]
	return a.hash, a.pss, known
}

// MaxRefusedDocuments is how many documents signDoc may refuse under one
// SAD before the SAD dies: a SAD not bound to hashes would otherwise let
// its holder's signing application send malformed PDFs to the decoder
// without limit, and bad documents under a bound SAD are a sign of a broken
// or hostile client.
const MaxRefusedDocuments = 3

// Refused counts a document signDoc refused (it would not decode or
// prepare) against the SAD, in the SAD's record so that a restart does not
// reset it; the MaxRefusedDocuments-th refusal deletes the SAD. The caller
// answers with the refusal, not with this method's error, which only says
// the count could not be kept.
func (d *DocSigning) Refused(ctx context.Context) error {
	now := d.s.now()
	err := d.s.store.UpdateSAD(ctx, d.sadKey, func(sad *storage.SAD) error {
		if err := checkSADOwner(sad, d.p.HolderID, d.c.ID, now); err != nil {
			return err
		}
		sad.Refused++
		if sad.Refused >= MaxRefusedDocuments {
			sad.Remaining = 0 // UpdateSAD deletes a SAD with nothing left
		}
		return nil
	})
	if err != nil && !errs.Is(err, errs.NotFound) {
		return fmt.Errorf("count a refused document against the SAD: %w", err)
	}
	return nil
}
