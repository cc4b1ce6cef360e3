package portal_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/sam"
)

// TestBrowserRenewSuspendRevoke drives the certificate lifecycle from the
// portal: each change takes the password and a one-time code; a wrong
// password changes nothing; a suspended certificate offers reactivation;
// renewal issues a certificate with the e-mail address on record; revocation
// is final.
func TestBrowserRenewSuspendRevoke(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	ctx := context.Background()
	id := h.CredentialID
	state := func() sam.CertState {
		st, err := s.App.Lifecycle.Status(ctx, h.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		return st.State
	}
	b := newTab(t, s)
	b.login(h.ID, h.Password)
	b.Open("/portal/sign/lifecycle")
	b.ExpectText("#state", "valid")
	b.ExpectText("#actions", "Renew")
	b.Shot("lifecycle")

	// Suspend: a wrong password changes nothing.
	b.Submit("#choose-suspend")
	b.ExpectText("#consequence", "cannot sign")
	b.Submit("#send-code")
	b.Fill("#note", "phone lost", "#password", "Not-The-Pass1!", "#otp", s.LastCode(t, h.Phone))
	b.Step("tick", chromedp.Click(chromedp.CSS("#confirm")))
	b.Submit("#apply")
	b.ExpectText("#error", "The password is wrong: nothing was changed")
	b.Shot("suspend-wrong-password")
	if state() != sam.CertValid {
		t.Fatal("a wrong password suspended the certificate")
	}
	s.Clock.Advance(21 * time.Second)
	b.Submit("#send-code")
	b.Fill("#note", "phone lost", "#password", h.Password, "#otp", s.LastCode(t, h.Phone))
	b.Step("tick", chromedp.Click(chromedp.CSS("#confirm")))
	b.Submit("#apply")
	b.ExpectText("#notice", "Your certificate is suspended")
	b.ExpectText("#state", "suspended")
	b.Shot("suspended")
	if state() != sam.CertSuspended {
		t.Fatalf("state %s after suspending", state())
	}

	// The home page shows the suspension and offers reactivation.
	b.Open("/portal/sign")
	b.ExpectText("#status-"+id, "suspended")
	b.Submit("#reactivate-" + id)
	b.ExpectText("#h-action", "Reactivate")
	b.Submit("#send-code")
	b.Fill("#password", h.Password, "#otp", s.LastCode(t, h.Phone))
	b.Step("tick", chromedp.Click(chromedp.CSS("#confirm")))
	b.Submit("#apply")
	b.ExpectText("#notice", "active again")
	if state() != sam.CertValid {
		t.Fatalf("state %s after reactivating", state())
	}

	// Renew, after recording a new e-mail address: the new certificate
	// carries it, the credential ID stays.
	newEmail := "mario@renewed.example"
	if err := s.App.Accounts.StartCertificateEmail(ctx, h.ID, newEmail); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Accounts.ConfirmCertificateEmail(ctx, h.ID, newEmail, s.LastCode(t, h.Phone)); err != nil {
		t.Fatal(err)
	}
	before, _ := s.App.Lifecycle.Status(ctx, h.ID, id)
	b.Open("/portal/sign/lifecycle?action=renew")
	b.ExpectText("#expiry", before.NotAfter.UTC().Format("2 Jan 2006"))
	b.Submit("#send-code")
	b.Fill("#password", h.Password, "#otp", s.LastCode(t, h.Phone))
	b.Step("tick", chromedp.Click(chromedp.CSS("#confirm")))
	b.Shot("renew")
	b.Submit("#apply")
	b.ExpectText("#notice", "renewed")
	after, _ := s.App.Lifecycle.Status(ctx, h.ID, id)
	if after.Serial.Cmp(before.Serial) == 0 || after.State != sam.CertValid {
		t.Fatalf("renewal kept serial %x (state %s)", after.Serial, after.State)
	}
	if got := after.Chain[0].EmailAddresses; len(got) != 1 || got[0] != newEmail {
		t.Fatalf("renewed certificate's e-mail %v, want %s", got, newEmail)
	}
	b.Open("/portal/sign")
	b.ExpectText("#certemail-"+id, newEmail)
	if b.Has("#email-pending") {
		t.Fatal("after renewal the e-mail is still shown as pending")
	}

	// Revoke with a reason: final, no action left.
	b.Open("/portal/sign/lifecycle?action=revoke")
	b.ExpectText("#consequence", "final")
	b.Submit("#send-code")
	b.Fill("#reason", "keyCompromise", "#password", h.Password, "#otp", s.LastCode(t, h.Phone))
	b.Step("tick", chromedp.Click(chromedp.CSS("#confirm")))
	b.Shot("revoke")
	b.Submit("#apply")
	b.ExpectText("#notice", "cannot be undone")
	b.ExpectText("#state", "revoked")
	b.ExpectText("#no-actions", "new certificate")
	b.Shot("revoked")
	st, _ := s.App.Lifecycle.Status(ctx, h.ID, id)
	if st.State != sam.CertRevoked || st.Reason.String() != "keyCompromise" {
		t.Fatalf("after revoking: %s %s", st.State, st.Reason)
	}
	b.Open("/portal/sign")
	if got := b.Text("#status-" + id); !strings.Contains(got, "revoked") {
		t.Fatalf("home shows %q", got)
	}
}
