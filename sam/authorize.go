package sam

import (
	"context"
	"crypto"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

func signOTPKey(holderID, credentialID string) string {
	return holderID + "/sign/" + credentialID
}

// SendOTP sends a signing OTP by SMS for the credential (CSC v1
// credentials/sendOTP, v2 credentials/getChallenge).
func (s *Service) SendOTP(ctx context.Context, holderID, credentialID string) error {
	c, err := s.owned(ctx, holderID, credentialID)
	if err != nil {
		return err
	}
	h, err := s.store.Holder(ctx, holderID)
	if err != nil {
		return err
	}
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "otp.send", Holder: holderID, Credential: c.ID, Detail: map[string]string{"channel": "sms"}}); err != nil {
		return err
	}
	err = s.otp.Send(ctx, otp.Request{
		Key: signOTPKey(holderID, c.ID), Channel: "sms", To: h.Phone, Purpose: "sign",
		Text: func(code string, ttl time.Duration) string { return signOTPText(h.Lang, code, ttl) },
	})
	if err != nil {
		s.record(ctx, audit.Event{Type: "otp.send", Holder: holderID, Credential: c.ID, Outcome: "error", Detail: map[string]string{"channel": "sms"}})
	}
	return err
}

func signOTPText(lang, code string, ttl time.Duration) string {
	return msg.Text(lang, "sms.sign-code", code, int(ttl.Minutes()))
}

// Authorization asks for a SAD.
type Authorization struct {
	HolderID      string
	CredentialID  string
	NumSignatures int
	Hashes        []string // base64 (std or url) raw digests
	HashAlgorithm string   // OID; may be empty (v1): inferred from digest length
	PIN           string
	OTP           string
	ClientID      string
	Description   string
}

// Granted is an issued SAD.
type Granted struct {
	SAD       string
	ExpiresIn int
}

// normalizeHashes decodes base64 or base64url digests (CSC mixes both),
// checks they all have the hash's length and returns them in standard base64.
func normalizeHashes(in []string, hashOID string) ([]string, string, error) {
	if len(in) == 0 {
		return nil, "", errs.M(errs.InvalidRequest, msg.MissingParam, "array", "hash")
	}
	var h crypto.Hash
	if hashOID != "" {
		var ok bool
		if h, ok = HashFromOID(hashOID); !ok {
			return nil, "", errs.M(errs.InvalidRequest, msg.InvalidParam, "hashAlgorithmOID")
		}
	}
	out := make([]string, len(in))
	for i, s := range in {
		raw, err := decodeDigest(s)
		if err != nil {
			return nil, "", errs.M(errs.InvalidRequest, msg.InvalidBase64, "hash")
		}
		if h == 0 {
			var ok bool
			if h, ok = hashFromLength(len(raw)); !ok {
				return nil, "", errs.M(errs.InvalidRequest, msg.InvalidDigestLength)
			}
		}
		if len(raw) != h.Size() {
			return nil, "", errs.M(errs.InvalidRequest, msg.InvalidDigestLength)
		}
		out[i] = base64.StdEncoding.EncodeToString(raw)
	}
	return out, HashOID(h), nil
}

func decodeDigest(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// Authorize checks both factors and issues a SAD bound to the holder, the
// credential, the hash algorithm and the given hashes (SCAL2).
func (s *Service) Authorize(ctx context.Context, a Authorization) (*Granted, error) {
	c, err := s.owned(ctx, a.HolderID, a.CredentialID)
	if err != nil {
		return nil, err
	}
	v, err := s.view(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := usable(c, v); err != nil {
		return nil, err
	}
	if a.NumSignatures < 1 {
		return nil, errs.M(errs.InvalidRequest, msg.InvalidNumSignatures)
	}
	if a.NumSignatures > c.Multisign {
		return nil, errs.M(errs.InvalidRequest, msg.TooManySignatures)
	}
	hashes, hashOID, err := normalizeHashes(a.Hashes, a.HashAlgorithm)
	if err != nil {
		return nil, err
	}
	if len(hashes) > a.NumSignatures {
		return nil, errs.M(errs.InvalidRequest, msg.MoreHashesThanSignatures)
	}
	if err := s.checkFactors(ctx, c, a.PIN, a.OTP, a.ClientID); err != nil {
		return nil, err
	}
	tx, err := secret.NewID()
	if err != nil {
		return nil, err
	}
	g, err := s.grantSAD(ctx, &storage.SAD{
		HolderID: a.HolderID, CredentialID: c.ID, HashAlgorithm: hashOID, Hashes: hashes,
		Remaining: a.NumSignatures, Transaction: tx, ClientID: a.ClientID,
	})
	if err != nil {
		return nil, err
	}
	if _, err := s.audit.Append(ctx, audit.Event{Type: "credential.authorize", Holder: a.HolderID, Credential: c.ID, Client: a.ClientID, Outcome: "ok",
		Detail: map[string]string{"numSignatures": fmt.Sprint(a.NumSignatures), "hashes": fmt.Sprint(len(hashes)), "transaction": tx}}); err != nil {
		// An authorization nobody can account for must not be usable.
		_ = s.store.DeleteSAD(ctx, g.key)
		return nil, err
	}
	return &Granted{SAD: g.sad, ExpiresIn: int(s.cfg.SADLifetime.Seconds())}, nil
}

type grantedSAD struct {
	sad string
	key []byte
}

func (s *Service) sadKey(sad string) ([]byte, error) {
	now := s.now()
	if key, ok := s.sadKeys.get(sad, now); ok {
		return key, nil
	}
	key, err := s.mac.Sum([]byte("sad"), []byte(sad))
	if err != nil {
		return nil, err
	}
	s.sadKeys.put(sad, key, now.Add(s.cfg.SADLifetime), now)
	return key, nil
}

func (s *Service) grantSAD(ctx context.Context, rec *storage.SAD) (*grantedSAD, error) {
	sad, err := secret.NewToken()
	if err != nil {
		return nil, err
	}
	key, err := s.sadKey(sad)
	if err != nil {
		return nil, err
	}
	now := s.now()
	rec.Key, rec.CreatedAt, rec.ExpiresAt = key, now, now.Add(s.cfg.SADLifetime)
	if err := s.store.PutSAD(ctx, rec); err != nil {
		return nil, err
	}
	return &grantedSAD{sad: sad, key: key}, nil
}

// checkFactors verifies OTP then PIN. The OTP goes first so that someone
// without the holder's phone learns nothing about the PIN. Every failure is
// counted and committed before the refusal is returned.
func (s *Service) checkFactors(ctx context.Context, c *storage.Credential, pin, code, clientID string) error {
	deny := func(reason string, err error) error {
		s.record(ctx, audit.Event{Type: "credential.authorize", Holder: c.HolderID, Credential: c.ID, Client: clientID, Outcome: "denied", Detail: map[string]string{"reason": reason}})
		return err
	}
	if c.PINBlocked {
		return deny("pin-blocked", errs.M(errs.Locked, msg.CredentialLocked))
	}
	now := s.now()
	if now.Before(c.OTPLockedUntil) {
		return deny("otp-throttled", errs.M(errs.Locked, msg.OTPThrottled, c.OTPLockedUntil.UTC().Format("15:04 MST")))
	}
	if pin == "" {
		return errs.M(errs.InvalidRequest, msg.MissingParam, "string", "PIN")
	}
	if code == "" {
		return errs.M(errs.InvalidRequest, msg.MissingParam, "string", "OTP")
	}
	if err := s.verifyOTP(ctx, c, code); err != nil {
		if !errs.Is(err, errs.InvalidOTP) {
			return err
		}
		uerr := s.store.UpdateCredential(ctx, c.ID, func(c *storage.Credential) error {
			c.OTPFailures++
			if c.OTPFailures >= s.cfg.MaxOTPFailures {
				c.OTPFailures = 0
				c.OTPLockedUntil = now.Add(s.cfg.OTPLockout)
			}
			return nil
		})
		if uerr != nil {
			return uerr
		}
		return deny("otp", err)
	}
	ok, err := secret.Verify(pin, c.PINHash)
	if err != nil {
		return err
	}
	var outcome error
	err = s.store.UpdateCredential(ctx, c.ID, func(c *storage.Credential) error {
		outcome = nil
		switch {
		case c.PINBlocked:
			outcome = errs.M(errs.Locked, msg.CredentialLocked)
		case ok:
			c.PINFailures, c.OTPFailures = 0, 0
		default:
			c.PINFailures++
			if c.PINFailures >= s.cfg.MaxPINFailures {
				c.PINBlocked = true
			}
			outcome = errs.M(errs.InvalidPIN, msg.PINInvalid)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if outcome != nil {
		return deny("pin", outcome)
	}
	return nil
}

// verifyOTP accepts the holder's authenticator-app code when one is
// enrolled, otherwise (or when that fails) the SMS code sent for this
// credential.
func (s *Service) verifyOTP(ctx context.Context, c *storage.Credential, code string) error {
	return s.VerifyHolderOTP(ctx, c.HolderID, signOTPKey(c.HolderID, c.ID), code)
}

// VerifyHolderOTP accepts the holder's authenticator-app code when one is
// enrolled, otherwise (or when that fails) the SMS code sent under smsKey.
func (s *Service) VerifyHolderOTP(ctx context.Context, holderID, smsKey, code string) error {
	h, err := s.store.Holder(ctx, holderID)
	if err != nil {
		return err
	}
	if len(h.TOTPSealed) > 0 {
		seed, err := s.sealer.Open(h.TOTPSealed, []byte(h.ID))
		if err != nil {
			return err
		}
		step, terr := otp.CheckTOTP(string(seed), code, s.now(), h.TOTPLastStep)
		if terr == nil {
			return s.store.UpdateHolder(ctx, h.ID, func(h *storage.Holder) error {
				if step <= h.TOTPLastStep {
					return errs.M(errs.InvalidOTP, msg.OTPReused)
				}
				h.TOTPLastStep = step
				return nil
			})
		}
		if h.OTPMode == "app" {
			return terr
		}
	}
	return s.otp.Verify(ctx, smsKey, code)
}

// pinGate describes a secret that authorizes setting a new PIN: the PUK
// (unblock) or the current PIN (change), with its own failure counter.
type pinGate struct {
	event         string
	hash          func(*storage.Credential) string
	blocked       func(*storage.Credential) bool
	locked, wrong msg.ID
	fail          func(*storage.Credential, Config)
	setPIN        func(c *storage.Credential, pinHash string)
}

var (
	pukGate = pinGate{
		event:   "credential.unblock",
		hash:    func(c *storage.Credential) string { return c.PUKHash },
		blocked: func(c *storage.Credential) bool { return c.PUKBlocked },
		locked:  msg.SAMPUKBlocked,
		wrong:   msg.SAMPUKInvalid,
		fail: func(c *storage.Credential, cfg Config) {
			c.PUKFailures++
			c.PUKBlocked = c.PUKFailures >= cfg.MaxPUKFailures
		},
		setPIN: func(c *storage.Credential, h string) {
			c.PINHash, c.PINFailures, c.PINBlocked, c.PUKFailures = h, 0, false, 0
		},
	}
	currentPINGate = pinGate{
		event:   "credential.change-pin",
		hash:    func(c *storage.Credential) string { return c.PINHash },
		blocked: func(c *storage.Credential) bool { return c.PINBlocked },
		locked:  msg.CredentialLocked,
		wrong:   msg.PINInvalid,
		fail: func(c *storage.Credential, cfg Config) {
			c.PINFailures++
			c.PINBlocked = c.PINFailures >= cfg.MaxPINFailures
		},
		setPIN: func(c *storage.Credential, h string) { c.PINHash, c.PINFailures = h, 0 },
	}
)

// Unblock resets a blocked PIN with the PUK, setting newPIN. Ten wrong PUKs
// block the PUK for good.
func (s *Service) Unblock(ctx context.Context, holderID, credentialID, puk, newPIN string) error {
	return s.replacePIN(ctx, holderID, credentialID, puk, newPIN, pukGate)
}

// ChangePIN replaces the PIN after checking the current one (counted like
// any PIN entry).
func (s *Service) ChangePIN(ctx context.Context, holderID, credentialID, current, next string) error {
	return s.replacePIN(ctx, holderID, credentialID, current, next, currentPINGate)
}

// replacePIN checks proof against the gate's secret (slow hash outside the
// transaction), then in one transaction either sets the new PIN or counts
// the failure; the refusal is returned after the commit.
func (s *Service) replacePIN(ctx context.Context, holderID, credentialID, proof, next string, g pinGate) error {
	c, err := s.owned(ctx, holderID, credentialID)
	if err != nil {
		return err
	}
	if err := CheckPIN(next); err != nil {
		return err
	}
	if g.blocked(c) {
		return errs.M(errs.Locked, g.locked)
	}
	ok, err := secret.Verify(proof, g.hash(c))
	if err != nil {
		return err
	}
	pinHash := ""
	if ok {
		if pinHash, err = secret.Hash(next, s.cfg.Argon); err != nil {
			return err
		}
		// A change of signing factor: on record before it happens.
		if err := s.recordOrRefuse(ctx, audit.Event{Type: g.event, Holder: holderID, Credential: c.ID}); err != nil {
			return err
		}
	}
	var outcome error
	err = s.store.UpdateCredential(ctx, c.ID, func(c *storage.Credential) error {
		outcome = nil
		switch {
		case g.blocked(c):
			outcome = errs.M(errs.Locked, g.locked)
		case ok:
			g.setPIN(c, pinHash)
		default:
			g.fail(c, s.cfg)
			outcome = errs.M(errs.InvalidPIN, g.wrong)
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
	s.record(ctx, audit.Event{Type: g.event, Holder: holderID, Credential: c.ID, Outcome: result})
	return outcome
}

// Extension asks to continue a multi-signature transaction.
type Extension struct {
	HolderID      string
	CredentialID  string
	SAD           string
	Hashes        []string
	HashAlgorithm string
	ClientID      string
}

// ExtendTransaction swaps a valid SAD for a fresh one bound to new hashes,
// carrying over the signatures still allowed (CSC credentials/extendTransaction).
func (s *Service) ExtendTransaction(ctx context.Context, e Extension) (*Granted, error) {
	c, err := s.owned(ctx, e.HolderID, e.CredentialID)
	if err != nil {
		return nil, err
	}
	hashes, hashOID, err := normalizeHashes(e.Hashes, e.HashAlgorithm)
	if err != nil {
		return nil, err
	}
	key, err := s.sadKey(e.SAD)
	if err != nil {
		return nil, err
	}
	var old storage.SAD
	now := s.now()
	err = s.store.UpdateSAD(ctx, key, func(sad *storage.SAD) error {
		if err := checkSADOwner(sad, e.HolderID, c.ID, now); err != nil {
			return err
		}
		if len(hashes) > sad.Remaining {
			return errs.M(errs.InvalidRequest, msg.TooManySignatures)
		}
		old = *sad
		sad.Remaining = 0 // the old SAD ends here
		return nil
	})
	if errs.Is(err, errs.NotFound) {
		return nil, errs.M(errs.InvalidSAD, msg.InvalidParam, "SAD")
	}
	if err != nil {
		return nil, err
	}
	g, err := s.grantSAD(ctx, &storage.SAD{
		HolderID: e.HolderID, CredentialID: c.ID, HashAlgorithm: hashOID, Hashes: hashes,
		Remaining: old.Remaining, Transaction: old.Transaction, ClientID: e.ClientID,
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, audit.Event{Type: "credential.extend", Holder: e.HolderID, Credential: c.ID, Client: e.ClientID, Outcome: "ok",
		Detail: map[string]string{"transaction": old.Transaction, "hashes": fmt.Sprint(len(hashes))}})
	return &Granted{SAD: g.sad, ExpiresIn: int(s.cfg.SADLifetime.Seconds())}, nil
}

func checkSADOwner(sad *storage.SAD, holderID, credentialID string, now time.Time) error {
	if sad.HolderID != holderID || sad.CredentialID != credentialID {
		return errs.M(errs.InvalidSAD, msg.InvalidParam, "SAD")
	}
	if !now.Before(sad.ExpiresAt) {
		return errs.M(errs.ExpiredSAD, msg.SADExpired)
	}
	return nil
}
