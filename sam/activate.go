package sam

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"strings"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/storage"
)

// An enrolment issues a credential whose key is disabled: the holder proves
// the envelope's PUK at first access and the envelope's PIN at activation,
// chooses a new PIN and signs the contract with the key; only that first
// signature may use a disabled key, and only then is the key enabled. The
// steps below are the module's part of it; package activation drives them.

// activationClient names the activation in SADs and audit records.
const activationClient = "activation"

// CheckPUK verifies the envelope's PUK of a credential at the holder's
// first access. A wrong PUK counts against the PUK limit exactly as at
// unblock (MaxPUKFailures blocks it for good); a right one clears the
// count. The failure is committed before the refusal is returned.
func (s *Service) CheckPUK(ctx context.Context, holderID, credentialID, puk string) error {
	c, err := s.owned(ctx, holderID, credentialID)
	if err != nil {
		return err
	}
	if c.PUKBlocked {
		return errs.M(errs.Locked, msg.SAMPUKBlocked)
	}
	ok, err := secret.Verify(strings.TrimSpace(puk), c.PUKHash)
	if err != nil {
		return err
	}
	var outcome error
	err = s.store.UpdateCredential(ctx, c.ID, func(c *storage.Credential) error {
		outcome = nil
		switch {
		case c.PUKBlocked:
			outcome = errs.M(errs.Locked, msg.SAMPUKBlocked)
		case ok:
			c.PUKFailures = 0
		default:
			pukGate.fail(c, s.cfg)
			outcome = errs.M(errs.InvalidPIN, msg.SAMPUKInvalid)
		}
		return nil
	})
	if err != nil {
		return err
	}
	result := "ok"
	if outcome != nil {
		result = "denied"
	}
	s.record(ctx, audit.Event{Type: "credential.puk-check", Holder: holderID, Credential: c.ID, Outcome: result, Detail: map[string]string{"purpose": "first-access"}})
	return outcome
}

// SendActivationOTP sends the SMS code that confirms the activation: the
// signing code of the credential, so that the activation's authorization
// checks it like any other.
func (s *Service) SendActivationOTP(ctx context.Context, holderID, credentialID string) error {
	return s.SendOTP(ctx, holderID, credentialID)
}

// ActivationAuthorization asks for the one SAD of an activation.
type ActivationAuthorization struct {
	HolderID     string
	CredentialID string
	EnvelopePIN  string // the PIN the key was created with
	NewPIN       string // the holder's own PIN (PINPolicy)
	OTP          string
	// HashAlgorithm (OID) and Hash (raw digest) are what the SAD covers:
	// the signed attributes of the contract's signature.
	HashAlgorithm string
	Hash          []byte
}

// AuthorizeActivation checks the OTP and the envelope PIN of a credential
// awaiting activation (each counted like at authorize), sets the new PIN,
// and issues a SAD for one signature of the given hash. The new PIN is set
// before the first signature: the envelope's PIN never signs anything.
func (s *Service) AuthorizeActivation(ctx context.Context, a ActivationAuthorization) (string, error) {
	c, err := s.owned(ctx, a.HolderID, a.CredentialID)
	if err != nil {
		return "", err
	}
	if c.KeyEnabled || !c.KeyDestroyedAt.IsZero() {
		return "", errs.M(errs.Conflict, msg.ActivationNotPending)
	}
	v, err := s.view(ctx, c)
	if err != nil {
		return "", err
	}
	if v.CertState != CertValid {
		enabled := *c
		enabled.KeyEnabled = true // the certificate's state is what refuses
		return "", usable(&enabled, v)
	}
	if err := CheckPIN(a.NewPIN); err != nil {
		return "", err
	}
	hashes, hashOID, err := normalizeHashes([]string{base64.StdEncoding.EncodeToString(a.Hash)}, a.HashAlgorithm)
	if err != nil {
		return "", err
	}
	if err := s.checkFactors(ctx, c, a.EnvelopePIN, a.OTP, activationClient); err != nil {
		return "", err
	}
	pinHash, err := secret.Hash(a.NewPIN, s.cfg.Argon)
	if err != nil {
		return "", err
	}
	// A change of signing factor: on record before it happens.
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "credential.change-pin", Holder: a.HolderID, Credential: c.ID, Client: activationClient}); err != nil {
		return "", err
	}
	if err := s.store.UpdateCredential(ctx, c.ID, func(c *storage.Credential) error {
		c.PINHash, c.PINFailures = pinHash, 0
		return nil
	}); err != nil {
		return "", err
	}
	s.record(ctx, audit.Event{Type: "credential.change-pin", Holder: a.HolderID, Credential: c.ID, Client: activationClient, Outcome: "ok"})
	tx, err := secret.NewID()
	if err != nil {
		return "", err
	}
	g, err := s.grantSAD(ctx, &storage.SAD{
		HolderID: a.HolderID, CredentialID: c.ID, HashAlgorithm: hashOID, Hashes: hashes,
		Remaining: 1, Transaction: tx, ClientID: activationClient,
	})
	if err != nil {
		return "", err
	}
	if _, err := s.audit.Append(ctx, audit.Event{Type: "credential.authorize", Holder: a.HolderID, Credential: c.ID, Client: activationClient, Outcome: "ok",
		Detail: map[string]string{"numSignatures": "1", "hashes": "1", "transaction": tx, "purpose": "activation"}}); err != nil {
		_ = s.store.DeleteSAD(ctx, g.key)
		return "", err
	}
	return g.sad, nil
}

// SignActivation makes the activation's one signature with the credential's
// still disabled key: the SAD from AuthorizeActivation must cover hash. As
// in SignHash the intent is on record and the SAD used before the HSM
// signs.
func (s *Service) SignActivation(ctx context.Context, holderID, credentialID, sad, hashOID string, hash []byte, opts crypto.SignerOpts) ([]byte, error) {
	if len(sad) != 43 {
		return nil, errs.M(errs.InvalidSAD, msg.InvalidParam, "SAD")
	}
	key, err := s.sadKey(sad)
	if err != nil {
		return nil, err
	}
	c, err := s.owned(ctx, holderID, credentialID)
	if err != nil {
		return nil, err
	}
	if c.KeyEnabled || !c.KeyDestroyedAt.IsZero() {
		return nil, errs.M(errs.Conflict, msg.ActivationNotPending)
	}
	release := s.gate.hold(c.ID, false)
	defer release()
	v, err := s.view(ctx, c)
	if err != nil {
		return nil, err
	}
	if v.CertState != CertValid {
		enabled := *c
		enabled.KeyEnabled = true
		return nil, usable(&enabled, v)
	}
	hashes, hashOID, err := normalizeHashes([]string{base64.StdEncoding.EncodeToString(hash)}, hashOID)
	if err != nil {
		return nil, err
	}
	intent := audit.Event{Type: "signature.intent", Holder: holderID, Credential: c.ID, Client: activationClient,
		Detail: map[string]string{"count": "1", "purpose": "activation", "hashes": hashesFingerprint([][]byte{hash})}}
	if _, err := s.audit.Append(ctx, intent); err != nil {
		return nil, errs.WrapM(err, errs.Unavailable, msg.SignatureNotAudited)
	}
	result := audit.Event{Type: "signature.result", Holder: holderID, Credential: c.ID, Client: activationClient, Detail: intent.Detail}
	if err := s.consumeSAD(ctx, key, holderID, c.ID, hashOID, hashes); err != nil {
		result.Outcome = "denied"
		s.record(ctx, result)
		return nil, err
	}
	signer, err := s.keys.Signer(ctx, hsm.KeyRef(c.KeyRef))
	if err != nil {
		result.Outcome = "error"
		s.record(ctx, result)
		return nil, err
	}
	sig, err := signer.Sign(rand.Reader, hash, opts)
	if err != nil {
		result.Outcome = "error"
		s.record(ctx, result)
		return nil, errs.WrapM(err, errs.Unavailable, msg.HSMCouldNotSign)
	}
	result.Outcome = "ok"
	s.record(ctx, result)
	return sig, nil
}

// EnableKey enables the key of a credential awaiting activation, after its
// first signature (the contract) is complete. Enabling an enabled key is a
// no-op, so that a retried activation finishes.
func (s *Service) EnableKey(ctx context.Context, holderID, credentialID string) error {
	c, err := s.owned(ctx, holderID, credentialID)
	if err != nil {
		return err
	}
	if c.KeyEnabled {
		return nil
	}
	if !c.KeyDestroyedAt.IsZero() {
		return errs.M(errs.Conflict, msg.ActivationNotPending)
	}
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "credential.enable", Holder: holderID, Credential: c.ID}); err != nil {
		return err
	}
	err = s.store.UpdateCredential(ctx, c.ID, func(c *storage.Credential) error {
		if !c.KeyDestroyedAt.IsZero() || len(c.RetiredKeys) > 0 {
			return errs.M(errs.Conflict, msg.ActivationNotPending)
		}
		c.KeyEnabled = true
		return nil
	})
	ev := audit.Event{Type: "credential.enable", Holder: holderID, Credential: c.ID, Outcome: "ok"}
	if err != nil {
		ev.Outcome, ev.Detail = "error", map[string]string{"error": errs.KindOf(err).String()}
	}
	s.record(ctx, ev)
	return err
}
