package lifecycle

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/storage"
)

// Register is the CA's certificate register as the lifecycle drives it
// (ca.Service). Every method commits before it returns and publishes the
// change (OCSP, CRL) through the CA's observers.
type Register interface {
	Status(ctx context.Context, serial *big.Int) (ca.CertStatus, error)
	Suspend(ctx context.Context, serial *big.Int) (ca.Transition, error)
	Reactivate(ctx context.Context, serial *big.Int) (ca.Transition, error)
	Revoke(ctx context.Context, serial *big.Int, reason ca.RevocationReason) (ca.Transition, error)
	Sweep(ctx context.Context) ([]ca.Transition, error)
	CertificatesOf(ctx context.Context, credentialID string) ([]*storage.Certificate, error)
	Lifecycle() ca.Lifecycle
}

// SAM is the signature activation module as the lifecycle uses it
// (sam.Service): the ownership rule and the holder's factors.
type SAM interface {
	// Owned returns the holder's credential, or NotFound for a credential
	// that does not exist or is someone else's.
	Owned(ctx context.Context, holderID, credentialID string) (*storage.Credential, error)
	// VerifyHolderOTP checks a one-time code sent under key.
	VerifyHolderOTP(ctx context.Context, holderID, key, code string) error
	// HoldSigning keeps the credential from signing until release: a change
	// commits while no signature of it is in flight.
	HoldSigning(credentialID string) (release func())
	// AuthenticatePassword checks the holder's password, counting failures.
	AuthenticatePassword(ctx context.Context, userID, password string) (*storage.Holder, error)
	// DummyVerify spends what checking a secret costs, so a refusal takes
	// as long when there was nothing to check it against.
	DummyVerify(secret string)
}

// Keys makes and destroys credential keys in the HSM (hsm.Manager).
type Keys interface {
	Generate(ctx context.Context, kt hsm.KeyType, label string) (hsm.KeyRef, crypto.PublicKey, error)
	Destroy(ctx context.Context, ref hsm.KeyRef) error
}

// Issuer issues the certificate of a renewed key (ca.Service).
type Issuer interface {
	IssueHolderCertificate(ctx context.Context, h *storage.Holder, credentialID string, pub crypto.PublicKey) ([]*x509.Certificate, error)
}

// Auditor records what happened (audit.Log).
type Auditor interface {
	Append(ctx context.Context, ev audit.Event) (uint64, error)
}

// Deps are the lifecycle's collaborators.
type Deps struct {
	SAM      SAM
	Store    storage.Store
	Keys     Keys
	Issuer   Issuer
	OTP      *otp.Service
	Audit    Auditor
	Register Register
	// Notify delivers e-mail notices to holders (the dev outbox by default).
	Notify otp.Sender
	Log    *slog.Logger
	Now    func() time.Time
}

// Config tunes the lifecycle; zero values take the defaults.
type Config struct {
	// MaxERCFailures wrong emergency codes block the emergency route of an
	// account (default 10).
	MaxERCFailures int
	// EmergencyFloor is the least time a refused emergency request takes,
	// so that timing tells apart neither unknown users from wrong codes
	// nor accounts with one credential from those with several
	// (default 300 ms).
	EmergencyFloor time.Duration
	// ReconcileEvery is how often Sweep retries key destructions and
	// revokes orphaned certificates (default 1 hour).
	ReconcileEvery time.Duration
	// OrphanGrace is how old an active certificate no credential uses must
	// be before it is revoked: issuance and renewal attach theirs within
	// seconds (default 10 minutes).
	OrphanGrace time.Duration
}

func (c *Config) defaults() {
	if c.MaxERCFailures <= 0 {
		c.MaxERCFailures = 10
	}
	if c.EmergencyFloor <= 0 {
		c.EmergencyFloor = 300 * time.Millisecond
	}
	if c.ReconcileEvery <= 0 {
		c.ReconcileEvery = time.Hour
	}
	if c.OrphanGrace <= 0 {
		c.OrphanGrace = 10 * time.Minute
	}
}

// Service changes the status of holders' certificates - suspend,
// reactivate, revoke, renew - keeping the credential (key, SADs), the
// register, the audit log and the holder's inbox in step. Rules live here;
// the CSC management edge and qesctl only call it.
type Service struct {
	sam    SAM
	store  storage.Store
	keys   Keys
	issuer Issuer
	otp    *otp.Service
	audit  Auditor
	reg    Register
	notify otp.Sender
	cfg    Config
	log    *slog.Logger
	now    func() time.Time

	mu            sync.Mutex // guards lastReconcile
	lastReconcile time.Time
}

// New wires the lifecycle.
func New(d Deps, cfg Config) *Service {
	cfg.defaults()
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{sam: d.SAM, store: d.Store, keys: d.Keys, issuer: d.Issuer, otp: d.OTP, audit: d.Audit,
		reg: d.Register, notify: d.Notify, cfg: cfg, log: d.Log, now: d.Now}
}

// record writes an audit event whose failure the caller may tolerate;
// failures are logged, never silent.
// recordOrRefuse writes an audit event that must exist before what it
// records happens (a code sent to the holder): when the log cannot take
// it, the action is refused with Unavailable.
func (l *Service) recordOrRefuse(ctx context.Context, ev audit.Event) error {
	return audit.Require(ctx, l.audit, l.log, ev)
}

func (l *Service) record(ctx context.Context, ev audit.Event) {
	audit.BestEffort(ctx, l.audit, l.log, ev)
}

// Action is a lifecycle operation.
type Action string

// The lifecycle operations.
const (
	ActionSuspend    Action = "suspend"
	ActionReactivate Action = "reactivate"
	ActionRevoke     Action = "revoke"
	ActionRenew      Action = "renew"
)

// ParseAction accepts the operation names.
func ParseAction(s string) (Action, error) {
	switch a := Action(s); a {
	case ActionSuspend, ActionReactivate, ActionRevoke, ActionRenew:
		return a, nil
	}
	return "", errs.M(errs.InvalidRequest, msg.ActionUnknown, s)
}

// Who may ask for a change; it goes into the audit log.
const (
	ActorHolder    = "holder"    // authenticated holder, re-authenticated
	ActorOperator  = "operator"  // qesctl through the admin socket
	ActorEmergency = "emergency" // user ID + emergency code
	ActorSystem    = "system"    // the lifecycle job (lapsed holds, expiry)
)

// Actor is who asks for a change.
type Actor struct {
	Kind   string
	ID     string // holder ID, operator name; empty for the system
	Client string // OAuth client / IP, for the audit log
}

// Change is one lifecycle operation on a credential's current certificate.
type Change struct {
	Action       Action
	HolderID     string
	CredentialID string
	// Reason is the revocation reason (revoke only; default unspecified).
	Reason ca.RevocationReason
	// Note is a short free text for the audit log (why), never a secret.
	Note string
}

// maxNote bounds the free-text note.
const maxNote = 200

func checkNote(note string) error {
	if len([]rune(note)) > maxNote {
		return errs.M(errs.InvalidRequest, msg.NoteTooLong, maxNote)
	}
	for _, r := range note {
		if !unicode.IsPrint(r) {
			return errs.M(errs.InvalidRequest, msg.NotePrintable)
		}
	}
	return nil
}

// holderReasons are the revocation reasons a holder may state; superseded
// belongs to renewal and privilegeWithdrawn to the TSP.
var holderReasons = map[ca.RevocationReason]bool{
	ca.ReasonUnspecified: true, ca.ReasonKeyCompromise: true, ca.ReasonAffiliationChanged: true,
	ca.ReasonCessationOfOperation: true,
}

func (ch Change) validate(actor Actor) error {
	if _, err := ParseAction(string(ch.Action)); err != nil {
		return err
	}
	if ch.CredentialID == "" || len(ch.CredentialID) > 128 {
		return errs.M(errs.InvalidRequest, msg.MissingParam, "string", "credentialID")
	}
	if err := checkNote(ch.Note); err != nil {
		return err
	}
	if ch.Action != ActionRevoke && ch.Reason != ca.ReasonUnspecified {
		return errs.M(errs.InvalidRequest, msg.ReasonOnlyRevocation)
	}
	if ch.Action == ActionRevoke {
		if !ca.EndEntityRevocationReason(ch.Reason) {
			return errs.M(errs.InvalidRequest, msg.ReasonNotForSigning, ch.Reason)
		}
		if actor.Kind != ActorOperator && !holderReasons[ch.Reason] {
			return errs.M(errs.InvalidRequest, msg.ReasonNotForHolder, ch.Reason)
		}
	}
	return nil
}

// CertificateStatus is a credential's current certificate as the lifecycle
// reports it after a change.
type CertificateStatus struct {
	CredentialID string
	HolderID     string
	Serial       *big.Int
	State        sam.CertState // valid | expired | revoked | suspended | notyetvalid
	// Reason is the CRL reason while suspended (certificateHold) or once
	// revoked.
	Reason ca.RevocationReason
	// SuspendedAt and SuspensionEnds bound a hold: at SuspensionEnds the
	// certificate is revoked unless reactivated before.
	SuspendedAt    time.Time
	SuspensionEnds time.Time
	RevokedAt      time.Time
	NotBefore      time.Time
	NotAfter       time.Time
	KeyEnabled     bool
	Chain          []*x509.Certificate
}

// Status reports the current certificate of one of the holder's
// credentials, with time applied.
func (l *Service) Status(ctx context.Context, holderID, credentialID string) (*CertificateStatus, error) {
	c, err := l.sam.Owned(ctx, holderID, credentialID)
	if err != nil {
		return nil, err
	}
	return l.status(ctx, c)
}

func (l *Service) status(ctx context.Context, c *storage.Credential) (*CertificateStatus, error) {
	chain, err := sam.ChainOf(c)
	if err != nil {
		return nil, err
	}
	leaf := chain[0]
	st, err := l.reg.Status(ctx, leaf.SerialNumber)
	if errs.Is(err, errs.NotFound) {
		st = ca.CertStatus{Status: ca.StateRevoked} // never signs: see ca.Service.CertificateState
	} else if err != nil {
		return nil, err
	}
	out := &CertificateStatus{
		CredentialID: c.ID, HolderID: c.HolderID, Serial: leaf.SerialNumber, Reason: st.Reason,
		SuspendedAt: st.SuspendedAt, RevokedAt: st.RevokedAt, NotBefore: leaf.NotBefore, NotAfter: leaf.NotAfter,
		KeyEnabled: c.KeyEnabled, Chain: chain,
	}
	out.State = sam.CertState(st.Status) // the same strings: sam keeps its own word, free of ca
	if st.Status == ca.StateSuspended {
		out.SuspensionEnds = l.reg.Lifecycle().SuspensionDeadline(st)
	}
	if out.State == sam.CertValid && l.now().Before(leaf.NotBefore) {
		out.State = sam.CertNotYetValid
	}
	return out, nil
}

// Apply performs a change on behalf of actor. Authentication of the actor
// is the caller's (ByHolder, EmergencySuspend, the admin socket).
func (l *Service) Apply(ctx context.Context, actor Actor, ch Change) (*CertificateStatus, error) {
	if err := ch.validate(actor); err != nil {
		return nil, err
	}
	// Once started, a change runs to the end even if the client goes away:
	// a revocation committed to the register must also disable and destroy
	// the key, and every step is short.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	c, err := l.sam.Owned(ctx, ch.HolderID, ch.CredentialID)
	if err != nil {
		return nil, err
	}
	chain, err := sam.ChainOf(c)
	if err != nil {
		return nil, err
	}
	op := &operation{l: l, actor: actor, ch: ch, cred: c, serial: chain[0].SerialNumber}
	// Signatures in flight finish before the change commits, and none
	// starts until it has: none completes after a suspension or revocation.
	release := l.sam.HoldSigning(c.ID)
	defer release()
	switch ch.Action {
	case ActionSuspend:
		err = op.suspend(ctx)
	case ActionReactivate:
		err = op.reactivate(ctx)
	case ActionRevoke:
		err = op.revoke(ctx)
	case ActionRenew:
		err = op.renew(ctx)
	}
	if err != nil {
		return nil, err
	}
	fresh, err := l.store.Credential(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	return l.status(ctx, fresh)
}

// operation is one change in progress.
type operation struct {
	l      *Service
	actor  Actor
	ch     Change
	cred   *storage.Credential
	serial *big.Int
}

func (op *operation) event(outcome string, extra map[string]string) audit.Event {
	d := map[string]string{"actor": op.actor.Kind, "serial": op.serial.Text(16)}
	if op.actor.ID != "" && op.actor.Kind != ActorHolder {
		d["actorID"] = op.actor.ID
	}
	if op.ch.Note != "" {
		d["note"] = op.ch.Note
	}
	if op.ch.Action == ActionRevoke {
		d["reason"] = op.ch.Reason.String()
	}
	for k, v := range extra {
		d[k] = v
	}
	return audit.Event{Type: "certificate." + string(op.ch.Action), Holder: op.cred.HolderID, Credential: op.cred.ID,
		Client: op.actor.Client, Outcome: outcome, Detail: d}
}

// intent records the operation before it acts; if the audit log cannot
// take it nothing happens.
func (op *operation) intent(ctx context.Context) error {
	if _, err := op.l.audit.Append(ctx, op.event("", nil)); err != nil {
		return errs.WrapM(err, errs.Unavailable, msg.ChangeNotAudited)
	}
	return nil
}

// done records the outcome; a failure to record is logged (the change is
// already committed and published).
func (op *operation) done(ctx context.Context, err error, extra map[string]string) {
	outcome := "ok"
	if err != nil {
		outcome = "denied"
		if k := errs.KindOf(err); k == errs.Internal || k == errs.Unavailable {
			outcome = "error"
		}
		if extra == nil {
			extra = map[string]string{}
		}
		extra["error"] = errs.KindOf(err).String()
	}
	op.l.record(ctx, op.event(outcome, extra))
}

// registerRefused handles a refused register call: a hold that lapsed on
// the way is acted upon (key retired, holder told) before the refusal goes
// back.
func (op *operation) registerRefused(ctx context.Context, tr ca.Transition, err error) error {
	if tr.To != "" {
		op.l.handleTransitions(ctx, []ca.Transition{tr})
	}
	op.done(ctx, err, nil)
	return err
}

func (op *operation) suspend(ctx context.Context) error {
	if err := op.intent(ctx); err != nil {
		return err
	}
	tr, err := op.l.reg.Suspend(ctx, op.serial)
	if err != nil {
		return op.registerRefused(ctx, tr, err)
	}
	// An authorization obtained before the hold must not survive it, even
	// if the hold is lifted within the SAD's lifetime.
	op.dropSADs(ctx)
	op.done(ctx, nil, nil)
	op.l.tell(ctx, op.cred.HolderID, noticeSuspended, op.notice(ctx))
	return nil
}

func (op *operation) reactivate(ctx context.Context) error {
	if err := op.intent(ctx); err != nil {
		return err
	}
	tr, err := op.l.reg.Reactivate(ctx, op.serial)
	if err != nil {
		return op.registerRefused(ctx, tr, err)
	}
	op.done(ctx, nil, nil)
	op.l.tell(ctx, op.cred.HolderID, noticeReactivated, op.notice(ctx))
	return nil
}

func (op *operation) revoke(ctx context.Context) error {
	if err := op.intent(ctx); err != nil {
		return err
	}
	tr, err := op.l.reg.Revoke(ctx, op.serial, op.ch.Reason)
	if err != nil {
		// A retry after a crash finds the certificate revoked: finish the
		// key's retirement before saying so.
		if st, serr := op.l.reg.Status(ctx, op.serial); serr == nil && st.Status == ca.StateRevoked {
			if rerr := op.l.retireCurrentKey(ctx, op.cred.ID, op.serial); rerr != nil {
				op.l.log.ErrorContext(ctx, "retire key of a revoked credential", "credential", op.cred.ID, "err", rerr)
			}
		}
		return op.registerRefused(ctx, tr, err)
	}
	op.dropSADs(ctx)
	if err := op.l.retireCurrentKey(ctx, op.cred.ID, op.serial); err != nil {
		// The certificate is revoked and published; the key is disabled or
		// its destruction is queued for the lifecycle job.
		op.l.log.ErrorContext(ctx, "key destruction after revocation will be retried", "credential", op.cred.ID, "err", err)
	}
	op.done(ctx, nil, nil)
	op.l.tell(ctx, op.cred.HolderID, noticeRevoked, op.notice(ctx))
	return nil
}

func (op *operation) dropSADs(ctx context.Context) {
	if _, err := op.l.store.DeleteCredentialSADs(ctx, op.cred.ID); err != nil {
		// The register already refuses signing; stale SADs are harmless
		// while the certificate is not valid and expire in minutes.
		op.l.log.WarnContext(ctx, "drop SADs after a status change", "credential", op.cred.ID, "err", err)
	}
}

func (op *operation) notice(ctx context.Context) notice {
	n := notice{CredentialID: op.cred.ID, Serial: op.serial, Reason: op.ch.Reason, Actor: op.actor.Kind}
	if st, err := op.l.reg.Status(ctx, op.serial); err == nil {
		n.Deadline = op.l.reg.Lifecycle().SuspensionDeadline(st)
		n.At = st.ChangedAt
	}
	return n
}

// handleTransitions acts on changes the passage of time made: a lapsed hold
// retires the credential's key like a revocation; holders are told.
func (l *Service) handleTransitions(ctx context.Context, trs []ca.Transition) {
	for _, tr := range trs {
		if tr.CredentialID == "" {
			continue // service certificates (OCSP, TSA)
		}
		n := notice{CredentialID: tr.CredentialID, Serial: tr.Serial, Reason: tr.Reason, At: tr.At, Actor: ActorSystem}
		switch tr.To {
		case ca.StateRevoked:
			l.record(ctx, audit.Event{Type: "certificate.revoke", Holder: tr.HolderID, Credential: tr.CredentialID, Outcome: "ok",
				Detail: map[string]string{"actor": ActorSystem, "serial": tr.Serial.Text(16), "reason": tr.Reason.String(), "why": "suspension reached its maximum period"}})
			if _, err := l.store.DeleteCredentialSADs(ctx, tr.CredentialID); err != nil {
				l.log.WarnContext(ctx, "drop SADs after a lapsed hold", "credential", tr.CredentialID, "err", err)
			}
			if err := l.retireCurrentKey(ctx, tr.CredentialID, tr.Serial); err != nil {
				l.log.ErrorContext(ctx, "key destruction after a lapsed hold will be retried", "credential", tr.CredentialID, "err", err)
			}
			l.tell(ctx, tr.HolderID, noticeHoldLapsed, n)
		case ca.StateExpired:
			l.record(ctx, audit.Event{Type: "certificate.expire", Holder: tr.HolderID, Credential: tr.CredentialID, Outcome: "ok",
				Detail: map[string]string{"actor": ActorSystem, "serial": tr.Serial.Text(16)}})
			l.tell(ctx, tr.HolderID, noticeExpired, n)
		}
	}
}

// retireCurrentKey disables the credential's key and destroys it in the
// HSM, if serial is still the credential's current certificate (a renewed
// credential's old certificate has its own, already retired, key).
func (l *Service) retireCurrentKey(ctx context.Context, credentialID string, serial *big.Int) error {
	err := l.store.UpdateCredential(ctx, credentialID, func(c *storage.Credential) error {
		chain, err := sam.ChainOf(c)
		if err != nil {
			return err
		}
		if chain[0].SerialNumber.Cmp(serial) != 0 {
			return errNotCurrent
		}
		c.KeyEnabled = false
		if c.KeyDestroyedAt.IsZero() && !containsString(c.RetiredKeys, c.KeyRef) {
			c.RetiredKeys = append(c.RetiredKeys, c.KeyRef)
		}
		return nil
	})
	if errors.Is(err, errNotCurrent) {
		return nil
	}
	if err != nil {
		return err
	}
	return l.destroyRetired(ctx, credentialID)
}

var errNotCurrent = errs.M(errs.Conflict, msg.LifecycleNotCurrentCertificate)

func containsString(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// destroyRetired destroys the credential's retired keys in the HSM, each
// after an audit intent, and clears them from the record once gone.
func (l *Service) destroyRetired(ctx context.Context, credentialID string) error {
	c, err := l.store.Credential(ctx, credentialID)
	if err != nil {
		return err
	}
	for _, ref := range c.RetiredKeys {
		ev := audit.Event{Type: "key.destroy", Holder: c.HolderID, Credential: c.ID, Detail: map[string]string{"key": ref}}
		if _, err := l.audit.Append(ctx, ev); err != nil {
			return errs.WrapM(err, errs.Unavailable, msg.LifecycleKeyDestructionNotAudited)
		}
		derr := l.keys.Destroy(ctx, hsm.KeyRef(ref))
		ev.Outcome = "ok"
		if derr != nil {
			ev.Outcome = "error"
		}
		l.record(ctx, ev)
		if derr != nil {
			return derr
		}
		now := l.now()
		err := l.store.UpdateCredential(ctx, c.ID, func(c *storage.Credential) error {
			kept := c.RetiredKeys[:0]
			for _, r := range c.RetiredKeys {
				if r != ref {
					kept = append(kept, r)
				}
			}
			c.RetiredKeys = kept
			if ref == c.KeyRef {
				c.KeyDestroyedAt = now
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Sweep runs the periodic lifecycle work: it stores what time did to the
// register (lapsed holds become revocations, expiries) and acts on it, and
// at most every ReconcileEvery retries key destructions and revokes
// orphaned certificates.
func (l *Service) Sweep(ctx context.Context) error {
	trs, err := l.reg.Sweep(ctx)
	l.handleTransitions(ctx, trs)
	if err != nil {
		return err
	}
	now := l.now()
	l.mu.Lock()
	due := l.lastReconcile.IsZero() || !now.Before(l.lastReconcile.Add(l.cfg.ReconcileEvery))
	if due {
		l.lastReconcile = now
	}
	l.mu.Unlock()
	if !due {
		return nil
	}
	return l.reconcile(ctx)
}

// reconcile finishes what a crash interrupted: keys whose destruction was
// decided, and certificates issued for a credential that never got them
// (or replaced them), which nobody could use or revoke otherwise.
func (l *Service) reconcile(ctx context.Context) error {
	holders, err := l.store.ListHolders(ctx)
	if err != nil {
		return err
	}
	var firstErr error
	keep := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	for _, h := range holders {
		creds, err := l.store.CredentialsOf(ctx, h.ID)
		if err != nil {
			return err
		}
		for _, c := range creds {
			keep(l.retireIfRevoked(ctx, c))
			if len(c.RetiredKeys) > 0 {
				keep(l.destroyRetired(ctx, c.ID))
			}
			keep(l.revokeOrphans(ctx, c))
		}
	}
	return firstErr
}

// retireIfRevoked finishes a revocation whose key retirement was cut short
// (the process stopped between the register and the credential update).
func (l *Service) retireIfRevoked(ctx context.Context, c *storage.Credential) error {
	if !c.KeyEnabled && (!c.KeyDestroyedAt.IsZero() || len(c.RetiredKeys) > 0) {
		return nil
	}
	chain, err := sam.ChainOf(c)
	if err != nil {
		return err
	}
	st, err := l.reg.Status(ctx, chain[0].SerialNumber)
	if err != nil || st.Status != ca.StateRevoked {
		return nil
	}
	return l.retireCurrentKey(ctx, c.ID, chain[0].SerialNumber)
}

func (l *Service) revokeOrphans(ctx context.Context, c *storage.Credential) error {
	chain, err := sam.ChainOf(c)
	if err != nil {
		return err
	}
	recs, err := l.reg.CertificatesOf(ctx, c.ID)
	if err != nil {
		return err
	}
	cutoff := l.now().Add(-l.cfg.OrphanGrace)
	for _, rec := range recs {
		serial, ok := new(big.Int).SetString(rec.Serial, 16)
		if !ok || serial.Cmp(chain[0].SerialNumber) == 0 || rec.ChangedAt.After(cutoff) {
			continue
		}
		if rec.Status != storage.CertActive && rec.Status != storage.CertSuspended {
			continue
		}
		if _, err := l.reg.Revoke(ctx, serial, ca.ReasonSuperseded); err != nil && !errs.Is(err, errs.Conflict) {
			return err
		}
		l.record(ctx, audit.Event{Type: "certificate.revoke", Holder: c.HolderID, Credential: c.ID, Outcome: "ok",
			Detail: map[string]string{"actor": ActorSystem, "serial": rec.Serial, "reason": ca.ReasonSuperseded.String(), "why": "not the credential's certificate (interrupted issuance or renewal)"}})
	}
	return nil
}

// normalizeDigits drops the spaces and dashes people type in long codes.
func normalizeDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
}

func serialHex(n *big.Int) string { return strings.ToUpper(n.Text(16)) }

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
