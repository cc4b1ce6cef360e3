package ca

import (
	"context"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// Transition is one committed change of a certificate's status in the
// register.
type Transition struct {
	Serial       *big.Int
	HolderID     string
	CredentialID string
	From, To     State
	// Reason is the CRL reason after the change (certificateHold while
	// suspended, the revocation reason once revoked).
	Reason RevocationReason
	At     time.Time
}

// Observer learns about committed transitions, in commit order per
// certificate; the status publication (OCSP cache, CRL) subscribes.
type Observer func(ctx context.Context, changes []Transition)

type registerHooks struct {
	mu        sync.RWMutex
	observers []Observer
}

// Observe registers fn to run after every committed status change.
// Observers run synchronously, so a change is published before the
// operation that caused it returns.
func (s *Service) Observe(fn Observer) {
	h := &s.hooks
	h.mu.Lock()
	h.observers = append(h.observers, fn)
	h.mu.Unlock()
}

func (s *Service) notify(ctx context.Context, changes []Transition) {
	if len(changes) == 0 {
		return
	}
	h := &s.hooks
	h.mu.RLock()
	obs := append([]Observer(nil), h.observers...)
	h.mu.RUnlock()
	for _, fn := range obs {
		fn(ctx, changes)
	}
}

// Lifecycle returns the status policy (maximum suspension).
func (s *Service) Lifecycle() Lifecycle { return s.lifecycle }

// Status returns the register's status of serial advanced to now (expiry, a
// hold past its maximum), without storing it. errs.NotFound if the CA never
// registered the serial.
func (s *Service) Status(ctx context.Context, serial *big.Int) (CertStatus, error) {
	rec, err := s.store.Certificate(ctx, serialKey(serial))
	if err != nil {
		return CertStatus{}, err
	}
	return s.lifecycle.Tick(status(rec), s.now()), nil
}

// PastStatus is a certificate's status at a past time, as the register's
// history tells it.
type PastStatus struct {
	// State is StateValid, StateSuspended or StateRevoked; "" when the
	// register cannot tell (its history was cut before that time).
	State State
	// Since is when the hold or revocation began.
	Since time.Time
	// Later is when the first hold or revocation after that time began,
	// if one did: what the register says now of a certificate good then.
	Later time.Time
}

// StatusAt answers serial's status at at (a signing or time-stamp time):
// on hold or revoked then, or valid, from the register's history of
// changes, so that a certificate on hold when it signed and reactivated
// later is not read as good. A record written before the history was kept
// answers from its current status (a hold, or revocation, that began by
// at). errs.NotFound if the CA never registered the serial.
func (s *Service) StatusAt(ctx context.Context, serial *big.Int, at time.Time) (PastStatus, error) {
	rec, err := s.store.Certificate(ctx, serialKey(serial))
	if err != nil {
		return PastStatus{}, err
	}
	return statusAt(rec, s.lifecycle.Tick(status(rec), s.now()), at), nil
}

func statusAt(rec *storage.Certificate, now CertStatus, at time.Time) PastStatus {
	past := pastState(rec, now, at)
	for _, ch := range rec.History {
		if ch.At.After(at) && (ch.Status == storage.CertSuspended || ch.Status == storage.CertRevoked) {
			past.Later = ch.At
			break
		}
	}
	if past.Later.IsZero() && (now.Status == StateSuspended || now.Status == StateRevoked) && now.RevokedAt.After(at) {
		past.Later = now.RevokedAt
	}
	return past
}

func pastState(rec *storage.Certificate, now CertStatus, at time.Time) PastStatus {
	// A revocation is for good from its revocationDate (for a lapsed hold,
	// the start of the hold), whatever the history says.
	if now.Status == StateRevoked && !now.RevokedAt.IsZero() && !now.RevokedAt.After(at) {
		return PastStatus{State: StateRevoked, Since: now.RevokedAt}
	}
	if len(rec.History) == 0 {
		if now.Status == StateSuspended && !now.RevokedAt.IsZero() && !now.RevokedAt.After(at) {
			return PastStatus{State: StateSuspended, Since: now.RevokedAt}
		}
		return PastStatus{State: StateValid}
	}
	if rec.HistoryTruncated && at.Before(rec.History[0].At) {
		return PastStatus{}
	}
	past := PastStatus{State: StateValid}
	for _, ch := range rec.History {
		if ch.At.After(at) {
			break
		}
		switch ch.Status {
		case storage.CertSuspended:
			past = PastStatus{State: StateSuspended, Since: ch.At}
		case storage.CertRevoked:
			if past.State != StateSuspended {
				past.Since = ch.At
			}
			past.State = StateRevoked // a hold that became a revocation dates from the hold
		case storage.CertActive:
			past = PastStatus{State: StateValid}
		}
		// Expiry changes nothing a verifier asks: the chain check refuses a
		// time past notAfter.
	}
	return past
}

// Suspend puts an active certificate on hold (certificateHold).
func (s *Service) Suspend(ctx context.Context, serial *big.Int) (Transition, error) {
	return s.apply(ctx, serial, Event{Kind: EventSuspend, Reason: ReasonCertificateHold})
}

// Reactivate lifts a hold.
func (s *Service) Reactivate(ctx context.Context, serial *big.Int) (Transition, error) {
	return s.apply(ctx, serial, Event{Kind: EventReactivate})
}

// Revoke revokes an active or suspended certificate for good.
func (s *Service) Revoke(ctx context.Context, serial *big.Int, reason RevocationReason) (Transition, error) {
	return s.apply(ctx, serial, Event{Kind: EventRevoke, Reason: reason})
}

// apply runs one event on the register entry inside one transaction and
// publishes the change once committed. When the event is refused but the
// passage of time changed the status (a hold that lapsed), the lapse is
// stored and published and the refusal returned.
func (s *Service) apply(ctx context.Context, serial *big.Int, ev Event) (Transition, error) {
	if serial == nil || serial.Sign() <= 0 {
		return Transition{}, errs.M(errs.InvalidRequest, msg.CASerialNotPositive)
	}
	ev.At = s.now()
	var tr, lapse Transition
	var refusal error
	err := s.store.UpdateCertificate(ctx, serialKey(serial), func(rec *storage.Certificate) error {
		tr, lapse, refusal = Transition{}, Transition{}, nil
		before := status(rec)
		after, err := s.lifecycle.Apply(before, ev)
		if err != nil && errs.KindOf(err) != errs.Conflict && errs.KindOf(err) != errs.InvalidRequest {
			return err
		}
		if err != nil {
			refusal = err
			if after.Status != before.Status {
				lapse = transitionOf(rec, serial, before, after)
				store(rec, after)
			}
			return nil
		}
		tr = transitionOf(rec, serial, before, after)
		store(rec, after)
		return nil
	})
	if errs.Is(err, errs.NotFound) {
		return Transition{}, errs.M(errs.NotFound, msg.CANotInRegister, serial)
	}
	if err != nil {
		return Transition{}, err
	}
	if refusal != nil {
		if lapse.To != "" {
			s.notify(ctx, []Transition{lapse})
		}
		return lapse, refusal
	}
	s.notify(ctx, []Transition{tr})
	return tr, nil
}

// Sweep stores what the passage of time did to every certificate (holds
// past their maximum become revocations, active certificates past notAfter
// expire) and publishes the changes. The OCSP source and CRL already apply
// time when they read, so a sweep only makes the register say so too and
// lets the lifecycle service act (destroy keys, notify holders).
func (s *Service) Sweep(ctx context.Context) ([]Transition, error) {
	now := s.now()
	var due []string
	collect := func(rec *storage.Certificate) error {
		st := status(rec)
		if s.lifecycle.Tick(st, now).Status != st.Status {
			due = append(due, rec.Serial)
		}
		return nil
	}
	// Time changes only active certificates past notAfter and suspended
	// ones (their hold lapses): the register's status index hands out just
	// those, so a sweep costs what is due, not the register.
	if err := s.store.CertificatesWithStatus(ctx, storage.CertActive, now, collect); err != nil {
		return nil, err
	}
	if err := s.store.CertificatesWithStatus(ctx, storage.CertSuspended, time.Time{}, collect); err != nil {
		return nil, err
	}
	slices.Sort(due) // register order, as a walk of the register gave
	var changes []Transition
	for _, key := range due {
		serial, ok := new(big.Int).SetString(key, 16)
		if !ok {
			return changes, errs.Ef(errs.Internal, "register key %q is not a hex serial", key)
		}
		// The closure may run more than once (storage's contract): it
		// decides the transition afresh each time, and only the run that
		// committed is counted.
		var change *Transition
		err := s.store.UpdateCertificate(ctx, key, func(rec *storage.Certificate) error {
			change = nil
			before := status(rec)
			after := s.lifecycle.Tick(before, now)
			if after.Status == before.Status {
				return nil // changed meanwhile by someone else
			}
			tr := transitionOf(rec, serial, before, after)
			change = &tr
			store(rec, after)
			return nil
		})
		if err == nil && change != nil {
			changes = append(changes, *change)
		}
		if err != nil {
			s.notify(ctx, changes)
			return changes, err
		}
	}
	s.notify(ctx, changes)
	return changes, nil
}

// CertificatesOf lists the register's entries for a credential, as a
// reconciliation job needs.
func (s *Service) CertificatesOf(ctx context.Context, credentialID string) ([]*storage.Certificate, error) {
	return s.store.CertificatesOfCredential(ctx, credentialID)
}

func transitionOf(rec *storage.Certificate, serial *big.Int, before, after CertStatus) Transition {
	return Transition{Serial: serial, HolderID: rec.HolderID, CredentialID: rec.CredentialID,
		From: before.Status, To: after.Status, Reason: after.Reason, At: after.ChangedAt}
}

// store writes a lifecycle status back into a register entry, and a
// change of status into its history (what StatusAt answers from).
func store(rec *storage.Certificate, st CertStatus) {
	next := storage.CertActive
	switch st.Status {
	case StateSuspended:
		next = storage.CertSuspended
	case StateRevoked:
		next = storage.CertRevoked
	case StateExpired:
		next = storage.CertExpired
	}
	if next != rec.Status {
		rec.AddStatusChange(storage.StatusChange{At: st.ChangedAt, Status: next, Reason: int(st.Reason)})
	}
	rec.Status = next
	rec.Reason = int(st.Reason)
	rec.SuspendedAt, rec.RevokedAt, rec.ChangedAt = st.SuspendedAt, st.RevokedAt, st.ChangedAt
}

// ParseRevocationReason reads a CRLReason name as RFC 5280 spells it
// (case-insensitive: "keyCompromise", "superseded", ...).
func ParseRevocationReason(name string) (RevocationReason, error) {
	for r, n := range reasonNames {
		if strings.EqualFold(n, name) {
			return r, nil
		}
	}
	return 0, errs.M(errs.InvalidRequest, msg.CAUnknownRevocationReason, name)
}

// EndEntityRevocationReason reports whether r may revoke a holder's
// certificate (not certificateHold, which is a suspension, nor the CA
// reasons).
func EndEntityRevocationReason(r RevocationReason) bool { return endEntityRevocationReason(r) }
