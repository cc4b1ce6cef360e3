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
	b.open("/portal/sign/lifecycle")
	b.expectText("#state", "valid")
	b.expectText("#actions", "Renew")
	b.shot("lifecycle")

	// Suspend: a wrong password changes nothing.
	b.submit("#choose-suspend")
	b.expectText("#consequence", "cannot sign")
	b.submit("#send-code")
	b.fill("#note", "phone lost", "#password", "Not-The-Pass1!", "#otp", s.LastCode(t, h.Phone))
	b.step("tick", chromedp.Click(chromedp.CSS("#confirm")))
	b.submit("#apply")
	b.expectText("#error", "The password is wrong: nothing was changed")
	b.shot("suspend-wrong-password")
	if state() != sam.CertValid {
		t.Fatal("a wrong password suspended the certificate")
	}
	s.Clock.Advance(21 * time.Second)
	b.submit("#send-code")
	b.fill("#note", "phone lost", "#password", h.Password, "#otp", s.LastCode(t, h.Phone))
	b.step("tick", chromedp.Click(chromedp.CSS("#confirm")))
	b.submit("#apply")
	b.expectText("#notice", "Your certificate is suspended")
	b.expectText("#state", "suspended")
	b.shot("suspended")
	if state() != sam.CertSuspended {
		t.Fatalf("state %s after suspending", state())
	}

	// The home page shows the suspension and offers reactivation.
	b.open("/portal/sign")
	b.expectText("#status-"+id, "suspended")
	b.submit("#reactivate-" + id)
	b.expectText("#h-action", "Reactivate")
	b.submit("#send-code")
	b.fill("#password", h.Password, "#otp", s.LastCode(t, h.Phone))
	b.step("tick", chromedp.Click(chromedp.CSS("#confirm")))
	b.submit("#apply")
	b.expectText("#notice", "active again")
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
	b.open("/portal/sign/lifecycle?action=renew")
	b.expectText("#expiry", before.NotAfter.UTC().Format("2 Jan 2006"))
	b.submit("#send-code")
	b.fill("#password", h.Password, "#otp", s.LastCode(t, h.Phone))
	b.step("tick", chromedp.Click(chromedp.CSS("#confirm")))
	b.shot("renew")
	b.submit("#apply")
	b.expectText("#notice", "renewed")
	after, _ := s.App.Lifecycle.Status(ctx, h.ID, id)
	if after.Serial.Cmp(before.Serial) == 0 || after.State != sam.CertValid {
		t.Fatalf("renewal kept serial %x (state %s)", after.Serial, after.State)
	}
	if got := after.Chain[0].EmailAddresses; len(got) != 1 || got[0] != newEmail {
		t.Fatalf("renewed certificate's e-mail %v, want %s", got, newEmail)
	}
	b.open("/portal/sign")
	b.expectText("#certemail-"+id, newEmail)
	if b.has("#email-pending") {
		t.Fatal("after renewal the e-mail is still shown as pending")
	}

	// Revoke with a reason: final, no action left.
	b.open("/portal/sign/lifecycle?action=revoke")
	b.expectText("#consequence", "final")
	b.submit("#send-code")
	b.fill("#reason", "keyCompromise", "#password", h.Password, "#otp", s.LastCode(t, h.Phone))
	b.step("tick", chromedp.Click(chromedp.CSS("#confirm")))
	b.shot("revoke")
	b.submit("#apply")
	b.expectText("#notice", "cannot be undone")
	b.expectText("#state", "revoked")
	b.expectText("#no-actions", "new certificate")
	b.shot("revoked")
	st, _ := s.App.Lifecycle.Status(ctx, h.ID, id)
	if st.State != sam.CertRevoked || st.Reason.String() != "keyCompromise" {
		t.Fatalf("after revoking: %s %s", st.State, st.Reason)
	}
	b.open("/portal/sign")
	if got := b.text("#status-" + id); !strings.Contains(got, "revoked") {
		t.Fatalf("home shows %q", got)
	}
}
