package ocsp

import (
	"testing"
	"time"

	"github.com/qesproject/qes/ca"
)

func TestFromRegister(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	notAfter := t0.AddDate(1, 0, 0)
	lc := ca.Lifecycle{MaxSuspension: 24 * time.Hour}
	for _, tc := range []struct {
		name string
		st   ca.CertStatus
		want Status
	}{
		{"valid is good", ca.CertStatus{Status: ca.StateValid, NotAfter: notAfter}, Status{State: Good}},
		{"expired is still good", ca.CertStatus{Status: ca.StateExpired, NotAfter: notAfter}, Status{State: Good}},
		{"revoked keeps its reason", ca.CertStatus{Status: ca.StateRevoked, NotAfter: notAfter, Reason: ca.ReasonKeyCompromise, RevokedAt: t0},
			Status{State: Revoked, RevokedAt: t0, Reason: ReasonKeyCompromise}},
		{"a hold lasts until its deadline", ca.CertStatus{Status: ca.StateSuspended, NotAfter: notAfter, Reason: ca.ReasonCertificateHold, SuspendedAt: t0, RevokedAt: t0},
			Status{State: Revoked, RevokedAt: t0, Reason: ReasonCertificateHold, Until: t0.Add(24 * time.Hour)}},
		{"a hold near notAfter lasts until just after it", ca.CertStatus{Status: ca.StateSuspended, NotAfter: t0.Add(time.Hour), Reason: ca.ReasonCertificateHold, SuspendedAt: t0, RevokedAt: t0},
			Status{State: Revoked, RevokedAt: t0, Reason: ReasonCertificateHold, Until: t0.Add(time.Hour + time.Nanosecond)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fromRegister(tc.st, lc); got != tc.want {
				t.Fatalf("fromRegister = %+v, want %+v", got, tc.want)
			}
		})
	}
}
