package operator

import (
	"context"
	"math/big"
	"testing"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/lifecycle"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/storage"
)

// recordingLifecycle keeps the change it was asked for; the real lifecycle
// is exercised end to end in internal/app's lifecycle tests.
type recordingLifecycle struct{ got *lifecycle.Change }

func (r *recordingLifecycle) Apply(_ context.Context, _ lifecycle.Actor, ch lifecycle.Change) (*lifecycle.CertificateStatus, error) {
	r.got = &ch
	return &lifecycle.CertificateStatus{HolderID: ch.HolderID, CredentialID: ch.CredentialID, Serial: big.NewInt(0xab), State: sam.CertValid, KeyEnabled: true}, nil
}

func (r *recordingLifecycle) Status(context.Context, string, string) (*lifecycle.CertificateStatus, error) {
	return nil, errs.E(errs.NotFound, "no such credential")
}

func TestCertChangeRules(t *testing.T) {
	tests := []struct {
		name       string
		action     lifecycle.Action
		req        CertRequest
		wantKind   errs.Kind // 0 with wantOK
		wantOK     bool
		wantReason ca.RevocationReason
		wantNote   string
	}{
		{name: "revoke with a CRL reason", action: lifecycle.ActionRevoke, req: CertRequest{UserID: "u", Reason: "keyCompromise"}, wantOK: true, wantReason: ca.ReasonKeyCompromise},
		{name: "revoke with an unknown reason", action: lifecycle.ActionRevoke, req: CertRequest{UserID: "u", Reason: "bored"}, wantKind: errs.InvalidRequest},
		{name: "suspend reason becomes the note", action: lifecycle.ActionSuspend, req: CertRequest{UserID: "u", Reason: "on leave"}, wantOK: true, wantNote: "on leave"},
		{name: "suspend note wins over reason", action: lifecycle.ActionSuspend, req: CertRequest{UserID: "u", Reason: "x", Note: "lost phone"}, wantOK: true, wantNote: "lost phone"},
		{name: "reactivate refuses a reason", action: lifecycle.ActionReactivate, req: CertRequest{UserID: "u", Reason: "x"}, wantKind: errs.InvalidRequest},
		{name: "renew refuses a reason", action: lifecycle.ActionRenew, req: CertRequest{UserID: "u", Reason: "x"}, wantKind: errs.InvalidRequest},
		{name: "user ID required", action: lifecycle.ActionReactivate, req: CertRequest{}, wantKind: errs.InvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lc := &recordingLifecycle{}
			s := &Service{Lifecycle: lc}
			res, err := s.CertChange(t.Context(), tc.action, tc.req)
			if !tc.wantOK {
				if !errs.Is(err, tc.wantKind) || lc.got != nil {
					t.Fatalf("err %v (applied %v), want %v and nothing applied", err, lc.got, tc.wantKind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if lc.got.Reason != tc.wantReason || lc.got.Note != tc.wantNote || lc.got.Action != tc.action {
				t.Errorf("applied %+v, want reason %v note %q", *lc.got, tc.wantReason, tc.wantNote)
			}
			if res.SerialNumber != "AB" || res.KeyStatus != "enabled" {
				t.Errorf("result %+v", res)
			}
		})
	}
}

type countingAccounts struct{ n int }

func (c *countingAccounts) CreateHolder(context.Context, account.NewHolder) (*storage.Holder, error) {
	c.n++
	return &storage.Holder{}, nil
}

// A mistyped key type is refused before the account exists, so that the
// operator can run the command again with the same user ID.
func TestCreateHolderChecksKeyTypeFirst(t *testing.T) {
	acc := &countingAccounts{}
	s := &Service{Accounts: acc}
	if _, err := s.CreateHolder(t.Context(), HolderRequest{UserID: "u", Key: "ec-p999"}); err == nil {
		t.Fatal("unknown key type accepted")
	}
	if acc.n != 0 {
		t.Fatalf("%d accounts created for a refused request", acc.n)
	}
}
