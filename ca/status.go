package ca

import (
	"fmt"
	"math/big"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// DefaultMaxSuspension is how long a certificate may stay on hold before the
// hold becomes a permanent revocation.
const DefaultMaxSuspension = 30 * 24 * time.Hour

// State is the one status of an issued certificate in qes: the register's
// lifecycle (valid, suspended, revoked, expired) plus notyetvalid, which
// only the passage of time yields (CertificateState). Its values are the
// words the CSC API and the portal show; the edges that speak another
// vocabulary map it in one place each (storage's persisted "active" in
// status/setStatus, OCSP's good/revoked in ca/ocsp.RegisterSource).
type State string

// The zero State is invalid so that a forgotten initialisation is caught.
const (
	StateValid       State = "valid"       // usable for signing
	StateSuspended   State = "suspended"   // on hold (certificateHold); reversible until the deadline
	StateRevoked     State = "revoked"     // permanently revoked; terminal
	StateExpired     State = "expired"     // past notAfter without revocation; terminal
	StateNotYetValid State = "notyetvalid" // before notBefore; never stored
)

// lifecycleState reports whether s is a state the register's lifecycle
// moves between.
func (s State) lifecycleState() bool {
	switch s {
	case StateValid, StateSuspended, StateRevoked, StateExpired:
		return true
	}
	return false
}

// CertStatus is the stored status of one certificate. Values are immutable:
// transitions return a new CertStatus.
type CertStatus struct {
	Status   State
	NotAfter time.Time // the certificate's notAfter
	// Reason is ReasonCertificateHold while suspended and the revocation
	// reason once revoked.
	Reason RevocationReason
	// SuspendedAt is when the current hold began (kept after a hold turns
	// into a revocation, for the audit trail).
	SuspendedAt time.Time
	// RevokedAt is the revocationDate published on the CRL and by OCSP: the
	// start of the hold for a suspended certificate and for one revoked while
	// on hold, the revocation instant otherwise.
	RevokedAt time.Time
	// ChangedAt is when the status last changed; events must not precede it.
	ChangedAt time.Time
}

// NewCertStatus is the status of a certificate issued at issuedAt.
func NewCertStatus(notAfter, issuedAt time.Time) CertStatus {
	return CertStatus{Status: StateValid, NotAfter: notAfter, ChangedAt: issuedAt}
}

// EventKind names what happens to a certificate.
type EventKind int

// Events of the lifecycle.
const (
	EventTick       EventKind = iota + 1 // time passes: expiry and hold deadline
	EventSuspend                         // put on hold
	EventReactivate                      // release from hold
	EventRevoke                          // revoke permanently
)

func (k EventKind) String() string {
	switch k {
	case EventTick:
		return "tick"
	case EventSuspend:
		return "suspend"
	case EventReactivate:
		return "reactivate"
	case EventRevoke:
		return "revoke"
	}
	return fmt.Sprintf("event(%d)", int(k))
}

// Event is one lifecycle event at a point in time.
type Event struct {
	Kind EventKind
	// Reason: for Suspend, ReasonCertificateHold (or ReasonUnspecified, read
	// as hold); for Revoke, an end-entity revocation reason.
	Reason RevocationReason
	At     time.Time
}

// Lifecycle holds the policy of the state machine.
type Lifecycle struct {
	// MaxSuspension is the longest hold; zero means DefaultMaxSuspension.
	MaxSuspension time.Duration
}

func (l Lifecycle) maxSuspension() time.Duration {
	if l.MaxSuspension <= 0 {
		return DefaultMaxSuspension
	}
	return l.MaxSuspension
}

// SuspensionDeadline is when a suspended certificate's hold becomes a
// revocation if not lifted before; the zero time if s is not suspended.
// The lifecycle service schedules a Tick for it.
func (l Lifecycle) SuspensionDeadline(s CertStatus) time.Time {
	if s.Status != StateSuspended {
		return time.Time{}
	}
	return s.SuspendedAt.Add(l.maxSuspension())
}

// Tick advances s to now: an active certificate past notAfter expires; a
// suspended certificate whose hold reached the maximum, or which reaches
// notAfter while on hold, becomes revoked.
//
// A lapsed hold is revoked with reason unspecified (no reasonCode on the
// CRL): certificateHold means "temporary" to relying parties and must not
// stay on a permanent entry, and the service does not know a better reason.
// The revocationDate stays the start of the hold, so a relying party never
// sees the hold period as valid. A suspended certificate that reaches
// notAfter is revoked rather than expired for the same reason: its hold must
// remain visible to long-term validation.
func (l Lifecycle) Tick(s CertStatus, now time.Time) CertStatus {
	switch s.Status {
	case StateValid:
		if now.After(s.NotAfter) {
			s.Status = StateExpired
			s.ChangedAt = latest(s.ChangedAt, s.NotAfter)
		}
	case StateSuspended:
		deadline := l.SuspensionDeadline(s)
		end := deadline
		if s.NotAfter.Before(end) {
			end = s.NotAfter
		}
		if !now.Before(deadline) || now.After(s.NotAfter) {
			s.Status = StateRevoked
			s.Reason = ReasonUnspecified
			s.ChangedAt = latest(s.ChangedAt, end)
		}
	}
	return s
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Apply applies e to s. It first advances s to e.At with Tick, so a late
// Reactivate finds the certificate revoked. The returned status is the new
// one; on error it is s advanced by Tick (store it if it changed). Illegal
// transitions are errs.Conflict; malformed events errs.InvalidRequest.
func (l Lifecycle) Apply(s CertStatus, e Event) (CertStatus, error) {
	if !s.Status.lifecycleState() {
		return s, errs.Ef(errs.Internal, "certificate status %q is not a lifecycle state", s.Status)
	}
	if e.At.IsZero() {
		return s, errs.M(errs.InvalidRequest, msg.CAEventNoTime)
	}
	if e.At.Before(s.ChangedAt) {
		return s, errs.M(errs.InvalidRequest, msg.CAEventBeforeLastChange,
			e.Kind, e.At.UTC().Format(time.RFC3339), s.ChangedAt.UTC().Format(time.RFC3339))
	}
	s = l.Tick(s, e.At)
	switch e.Kind {
	case EventTick:
		return s, nil
	case EventSuspend:
		return l.suspend(s, e)
	case EventReactivate:
		return l.reactivate(s, e)
	case EventRevoke:
		return l.revoke(s, e)
	}
	return s, errs.M(errs.InvalidRequest, msg.CAUnknownLifecycleEvent, e.Kind)
}

func (l Lifecycle) suspend(s CertStatus, e Event) (CertStatus, error) {
	if e.Reason != ReasonCertificateHold && e.Reason != ReasonUnspecified {
		return s, errs.M(errs.InvalidRequest, msg.CASuspensionReasonCertificateHold, e.Reason)
	}
	if s.Status != StateValid {
		return s, errs.M(errs.Conflict, msg.CACannotSuspendCertificate, s.Status)
	}
	s.Status = StateSuspended
	s.Reason = ReasonCertificateHold
	s.SuspendedAt = e.At
	s.RevokedAt = e.At
	s.ChangedAt = e.At
	return s, nil
}

func (l Lifecycle) reactivate(s CertStatus, e Event) (CertStatus, error) {
	if s.Status == StateRevoked {
		return s, errs.M(errs.Conflict, msg.CACannotReactivateRevoked)
	}
	if s.Status != StateSuspended {
		return s, errs.M(errs.Conflict, msg.CACannotReactivate, s.Status)
	}
	s.Status = StateValid
	s.Reason = ReasonUnspecified
	s.SuspendedAt = time.Time{}
	s.RevokedAt = time.Time{}
	s.ChangedAt = e.At
	return s, nil
}

func (l Lifecycle) revoke(s CertStatus, e Event) (CertStatus, error) {
	if !endEntityRevocationReason(e.Reason) {
		return s, errs.M(errs.InvalidRequest, msg.CANotASigningRevocationReason, e.Reason)
	}
	switch s.Status {
	case StateValid:
		s.RevokedAt = e.At
	case StateSuspended:
		// RevokedAt stays the start of the hold: the certificate was not
		// trusted since then and must not look valid in between.
	default:
		return s, errs.M(errs.Conflict, msg.CACannotRevokeCertificate, s.Status)
	}
	s.Status = StateRevoked
	s.Reason = e.Reason
	s.ChangedAt = e.At
	return s, nil
}

// Suspend puts an active certificate on hold at now.
func (l Lifecycle) Suspend(s CertStatus, now time.Time) (CertStatus, error) {
	return l.Apply(s, Event{Kind: EventSuspend, Reason: ReasonCertificateHold, At: now})
}

// Reactivate releases a suspended certificate at now.
func (l Lifecycle) Reactivate(s CertStatus, now time.Time) (CertStatus, error) {
	return l.Apply(s, Event{Kind: EventReactivate, At: now})
}

// Revoke revokes an active or suspended certificate at now.
func (l Lifecycle) Revoke(s CertStatus, reason RevocationReason, now time.Time) (CertStatus, error) {
	return l.Apply(s, Event{Kind: EventRevoke, Reason: reason, At: now})
}

// CRLEntry returns the CRL entry for a certificate in status s, and false
// when it must not be listed (active or expired). A certificate released from
// hold is active again and so leaves the next CRL. Call Tick first.
func (s CertStatus) CRLEntry(serial *big.Int) (CRLEntry, bool) {
	switch s.Status {
	case StateSuspended, StateRevoked:
		return CRLEntry{Serial: serial, RevokedAt: s.RevokedAt, Reason: s.Reason}, true
	}
	return CRLEntry{}, false
}
