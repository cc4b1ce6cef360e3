package ca

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/qesproject/qes/internal/errs"
)

var t0 = time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)

func TestLifecycleTransitions(t *testing.T) {
	lc := Lifecycle{}
	notAfter := t0.AddDate(3, 0, 0)
	active := NewCertStatus(notAfter, t0)
	suspended, err := lc.Suspend(active, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := lc.Revoke(active, ReasonKeyCompromise, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	expired := lc.Tick(active, notAfter.Add(time.Second))

	tests := []struct {
		name       string
		from       CertStatus
		ev         Event
		wantStatus State
		wantReason RevocationReason
		wantRevAt  time.Time
		wantKind   errs.Kind // -1: no error expected
		detail     string
	}{
		{"suspend active", active, Event{EventSuspend, ReasonCertificateHold, t0.Add(time.Hour)}, StateSuspended, ReasonCertificateHold, t0.Add(time.Hour), -1, ""},
		{"suspend with unspecified reads as hold", active, Event{EventSuspend, ReasonUnspecified, t0.Add(time.Hour)}, StateSuspended, ReasonCertificateHold, t0.Add(time.Hour), -1, ""},
		{"suspend with keyCompromise", active, Event{EventSuspend, ReasonKeyCompromise, t0.Add(time.Hour)}, StateValid, 0, time.Time{}, errs.InvalidRequest, "certificateHold"},
		{"suspend suspended", suspended, Event{EventSuspend, ReasonCertificateHold, t0.Add(2 * time.Hour)}, StateSuspended, ReasonCertificateHold, t0.Add(time.Hour), errs.Conflict, "cannot suspend a certificate that is suspended"},
		{"suspend revoked", revoked, Event{EventSuspend, ReasonCertificateHold, t0.Add(2 * time.Hour)}, StateRevoked, ReasonKeyCompromise, t0.Add(time.Hour), errs.Conflict, "cannot suspend a certificate that is revoked"},
		{"suspend expired", expired, Event{EventSuspend, ReasonCertificateHold, notAfter.Add(time.Hour)}, StateExpired, 0, time.Time{}, errs.Conflict, "cannot suspend a certificate that is expired"},
		{"reactivate suspended", suspended, Event{EventReactivate, 0, t0.Add(2 * time.Hour)}, StateValid, 0, time.Time{}, -1, ""},
		{"reactivate active", active, Event{EventReactivate, 0, t0.Add(2 * time.Hour)}, StateValid, 0, time.Time{}, errs.Conflict, "only a suspended one"},
		{"reactivate revoked", revoked, Event{EventReactivate, 0, t0.Add(2 * time.Hour)}, StateRevoked, ReasonKeyCompromise, t0.Add(time.Hour), errs.Conflict, "revoked"},
		{"reactivate after the maximum", suspended, Event{EventReactivate, 0, t0.Add(time.Hour + DefaultMaxSuspension)}, StateRevoked, ReasonUnspecified, t0.Add(time.Hour), errs.Conflict, "maximum period"},
		{"reactivate just before the maximum", suspended, Event{EventReactivate, 0, t0.Add(time.Hour + DefaultMaxSuspension - time.Second)}, StateValid, 0, time.Time{}, -1, ""},
		{"revoke active", active, Event{EventRevoke, ReasonSuperseded, t0.Add(3 * time.Hour)}, StateRevoked, ReasonSuperseded, t0.Add(3 * time.Hour), -1, ""},
		{"revoke suspended keeps hold date", suspended, Event{EventRevoke, ReasonKeyCompromise, t0.Add(3 * time.Hour)}, StateRevoked, ReasonKeyCompromise, t0.Add(time.Hour), -1, ""},
		{"revoke revoked", revoked, Event{EventRevoke, ReasonSuperseded, t0.Add(3 * time.Hour)}, StateRevoked, ReasonKeyCompromise, t0.Add(time.Hour), errs.Conflict, "cannot revoke a certificate that is revoked"},
		{"revoke expired", expired, Event{EventRevoke, ReasonKeyCompromise, notAfter.Add(time.Hour)}, StateExpired, 0, time.Time{}, errs.Conflict, "cannot revoke a certificate that is expired"},
		{"revoke with hold", active, Event{EventRevoke, ReasonCertificateHold, t0.Add(time.Hour)}, StateValid, 0, time.Time{}, errs.InvalidRequest, "not a revocation reason"},
		{"revoke with cACompromise", active, Event{EventRevoke, ReasonCACompromise, t0.Add(time.Hour)}, StateValid, 0, time.Time{}, errs.InvalidRequest, "not a revocation reason"},
		{"event before last change", suspended, Event{EventReactivate, 0, t0}, StateSuspended, ReasonCertificateHold, t0.Add(time.Hour), errs.InvalidRequest, "precedes"},
		{"event without time", active, Event{Kind: EventSuspend}, StateValid, 0, time.Time{}, errs.InvalidRequest, "no time"},
		{"unknown event", active, Event{Kind: 99, At: t0.Add(time.Hour)}, StateValid, 0, time.Time{}, errs.InvalidRequest, "unknown"},
		{"tick past notAfter", active, Event{EventTick, 0, notAfter.Add(time.Second)}, StateExpired, 0, time.Time{}, -1, ""},
		{"tick at notAfter still active", active, Event{EventTick, 0, notAfter}, StateValid, 0, time.Time{}, -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lc.Apply(tt.from, tt.ev)
			if tt.wantKind == -1 {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
			} else if errs.KindOf(err) != tt.wantKind || !strings.Contains(errs.DetailOf(err), tt.detail) {
				t.Fatalf("err = %v (kind %v), want %v containing %q", err, errs.KindOf(err), tt.wantKind, tt.detail)
			}
			if got.Status != tt.wantStatus || got.Reason != tt.wantReason || !got.RevokedAt.Equal(tt.wantRevAt) {
				t.Fatalf("got %v/%v revokedAt %v, want %v/%v %v", got.Status, got.Reason, got.RevokedAt, tt.wantStatus, tt.wantReason, tt.wantRevAt)
			}
		})
	}
}

func TestZeroStatusIsRejected(t *testing.T) {
	if _, err := (Lifecycle{}).Apply(CertStatus{}, Event{EventTick, 0, t0}); err == nil {
		t.Fatal("a zero CertStatus must not be accepted")
	}
}

func TestSuspendedCertificateReachingNotAfterIsRevoked(t *testing.T) {
	lc := Lifecycle{}
	notAfter := t0.Add(10 * 24 * time.Hour)
	s, err := lc.Suspend(NewCertStatus(notAfter, t0), t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got := lc.Tick(s, notAfter.Add(time.Second))
	if got.Status != StateRevoked || got.Reason != ReasonUnspecified || !got.RevokedAt.Equal(t0.Add(24*time.Hour)) || !got.ChangedAt.Equal(notAfter) {
		t.Fatalf("got %+v", got)
	}
}

func TestSuspensionDeadline(t *testing.T) {
	lc := Lifecycle{MaxSuspension: 72 * time.Hour}
	active := NewCertStatus(t0.AddDate(1, 0, 0), t0)
	if !lc.SuspensionDeadline(active).IsZero() {
		t.Fatal("no deadline for an active certificate")
	}
	s, _ := lc.Suspend(active, t0.Add(time.Hour))
	if got := lc.SuspensionDeadline(s); !got.Equal(t0.Add(73 * time.Hour)) {
		t.Fatalf("deadline %v", got)
	}
	if got := lc.Tick(s, t0.Add(73*time.Hour)); got.Status != StateRevoked || !got.ChangedAt.Equal(t0.Add(73*time.Hour)) {
		t.Fatalf("at the deadline: %+v", got)
	}
}

// Property tests over random event sequences.

type step struct {
	ev  Event
	out CertStatus
	err error
}

func genRun(t *rapid.T) (Lifecycle, CertStatus, []step) {
	lc := Lifecycle{MaxSuspension: time.Duration(rapid.IntRange(1, 60).Draw(t, "maxSuspensionDays")) * 24 * time.Hour}
	notAfter := t0.Add(time.Duration(rapid.IntRange(1, 400).Draw(t, "validityDays")) * 24 * time.Hour)
	st := NewCertStatus(notAfter, t0)
	now := t0
	var steps []step
	for range rapid.IntRange(1, 40).Draw(t, "events") {
		now = now.Add(time.Duration(rapid.Int64Range(0, int64(20*24*time.Hour)).Draw(t, "gap")))
		ev := Event{
			Kind:   EventKind(rapid.IntRange(1, 4).Draw(t, "kind")),
			Reason: RevocationReason(rapid.SampledFrom([]int{0, 1, 2, 3, 4, 5, 6, 8, 9, 10}).Draw(t, "reason")),
			At:     now,
		}
		out, err := lc.Apply(st, ev)
		steps = append(steps, step{ev, out, err})
		st = out
	}
	return lc, NewCertStatus(notAfter, t0), steps
}

func TestPropertyRevokedIsTerminal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		_, _, steps := genRun(t)
		var revoked *CertStatus
		for k, s := range steps {
			if revoked != nil {
				if s.out.Status != StateRevoked || s.out.Reason != revoked.Reason || !s.out.RevokedAt.Equal(revoked.RevokedAt) {
					t.Fatalf("step %d (%v) left Revoked: %+v -> %+v", k, s.ev.Kind, *revoked, s.out)
				}
				if s.ev.Kind != EventTick && s.err == nil {
					t.Fatalf("step %d: %v on a revoked certificate succeeded", k, s.ev.Kind)
				}
				continue
			}
			if s.out.Status == StateRevoked {
				r := s.out
				revoked = &r
			}
		}
	})
}

func TestPropertyExpiredIsTerminal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		_, _, steps := genRun(t)
		expired := false
		for k, s := range steps {
			if expired && s.out.Status != StateExpired {
				t.Fatalf("step %d left Expired for %v", k, s.out.Status)
			}
			expired = expired || s.out.Status == StateExpired
		}
	})
}

func TestPropertyIllegalTransitionsAreConflicts(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		_, _, steps := genRun(t)
		for k, s := range steps {
			if s.err == nil {
				continue
			}
			if kind := errs.KindOf(s.err); kind != errs.Conflict && kind != errs.InvalidRequest {
				t.Fatalf("step %d: error kind %v (%v)", k, kind, s.err)
			}
			if errs.DetailOf(s.err) == "" {
				t.Fatalf("step %d: error without a message", k)
			}
		}
	})
}

func TestPropertyHoldReactivateIsActive(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lc := Lifecycle{MaxSuspension: time.Duration(rapid.IntRange(1, 60).Draw(t, "days")) * 24 * time.Hour}
		st := NewCertStatus(t0.AddDate(3, 0, 0), t0)
		at := t0.Add(time.Duration(rapid.Int64Range(0, int64(365*24*time.Hour)).Draw(t, "suspendAfter")))
		held, err := lc.Suspend(st, at)
		if err != nil {
			t.Fatal(err)
		}
		within := time.Duration(rapid.Int64Range(0, int64(lc.MaxSuspension)-1).Draw(t, "within"))
		back, err := lc.Reactivate(held, at.Add(within))
		if err != nil || back.Status != StateValid {
			t.Fatalf("reactivate within the maximum: %+v, %v", back, err)
		}
		if _, listed := back.CRLEntry(big.NewInt(1)); listed {
			t.Fatal("a reactivated certificate must not be on the CRL")
		}
	})
}

func TestPropertyHoldPastMaximumIsRevoked(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lc := Lifecycle{MaxSuspension: time.Duration(rapid.IntRange(1, 60).Draw(t, "days")) * 24 * time.Hour}
		st := NewCertStatus(t0.AddDate(3, 0, 0), t0)
		at := t0.Add(time.Duration(rapid.Int64Range(0, int64(365*24*time.Hour)).Draw(t, "suspendAfter")))
		held, err := lc.Suspend(st, at)
		if err != nil {
			t.Fatal(err)
		}
		late := at.Add(lc.MaxSuspension + time.Duration(rapid.Int64Range(0, int64(400*24*time.Hour)).Draw(t, "late")))
		got := lc.Tick(held, late)
		if got.Status != StateRevoked || !got.RevokedAt.Equal(at) || got.Reason != ReasonUnspecified {
			t.Fatalf("hold past the maximum: %+v", got)
		}
		if e, listed := got.CRLEntry(big.NewInt(1)); !listed || !e.RevokedAt.Equal(at) {
			t.Fatal("a lapsed hold must stay listed from the hold start")
		}
	})
}

func TestPropertyTimeNeverSuspends(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lc := Lifecycle{}
		st := NewCertStatus(t0.Add(time.Duration(rapid.Int64Range(0, int64(1000*24*time.Hour)).Draw(t, "validity"))), t0)
		now := t0
		for range rapid.IntRange(1, 20).Draw(t, "ticks") {
			now = now.Add(time.Duration(rapid.Int64Range(0, int64(200*24*time.Hour)).Draw(t, "gap")))
			next, err := lc.Apply(st, Event{Kind: EventTick, At: now})
			if err != nil {
				t.Fatal(err)
			}
			if next.Status != StateValid && next.Status != StateExpired {
				t.Fatalf("time alone made an active certificate %v", next.Status)
			}
			if next.Status == StateExpired && !now.After(st.NotAfter) {
				t.Fatalf("expired before notAfter")
			}
			st = next
		}
	})
}
