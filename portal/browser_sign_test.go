package portal_test

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/qesproject/qes/history"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/internal/testutil"
)

// TestBrowserMySign walks through every My Sign function in Chromium:
// certificate status and details, PEM download, certificate e-mail change,
// OTP settings (test code, authenticator app with QR code, mode, unlink,
// mobile number change), the signing report with filters and the daily
// summary, PIN change, the ecological footprint, Italian, and logout.
func TestBrowserMySign(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	ctx := context.Background()
	signViaAPI(t, s, h, 2)
	s.Clock.Advance(21 * time.Second) // one SMS code per 20 s and key
	signViaClient(t, s, h, "Acme Sign", 1)
	flushedSignatures(t, s, h.ID, 3)
	view, err := s.App.Credentials.Info(ctx, h.ID, h.CredentialID)
	if err != nil {
		t.Fatal(err)
	}
	leaf := view.Chain[0]
	holder := func() *hstate {
		rec, err := s.App.Store.Holder(ctx, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		return &hstate{Email: rec.Email, Phone: rec.Phone, OTPMode: rec.OTPMode, AppLinked: len(rec.TOTPSealed) > 0, DailyReport: rec.DailyReport}
	}
	b := newTab(t, s)

	// Login: a page behind the login sends the browser to it.
	b.open("/portal/sign")
	b.expectPath("/portal/login")
	b.shot("login")
	b.login(h.ID, h.Password)
	b.expectPath("/portal/sign")
	b.shot("home")
	id := h.CredentialID
	b.expectText("#status-"+id, "valid")
	b.expectText("#serial-"+id, strings.ToUpper(hex.EncodeToString(leaf.SerialNumber.Bytes())))
	b.expectText("#credential-"+id, id)
	b.expectText("#expiry-"+id, leaf.NotAfter.UTC().Format("2 Jan 2006"))
	b.expectText("#certemail-"+id, h.ID+"@example.org")

	// Certificate details and the PEM download.
	b.submit("#details-" + id)
	b.expectPath("/portal/sign/certificate")
	b.expectText("#subject", "CN=Mario Rossi")
	b.expectText("#subject", "serialNumber=TINIT-RSSMRA80A01H501U")
	b.expectText("#issuer", "CN=")
	b.expectText("#policies", s.App.Cfg.CA.PolicyOID)
	b.shot("certificate-details")
	// The session cookie as the browser keeps it: script cannot read it,
	// other sites' requests do not carry it.
	if ck := b.browserCookie("qes_portal"); ck == nil || !ck.HTTPOnly || ck.SameSite != network.CookieSameSiteStrict || ck.Path != "/portal/" {
		t.Fatalf("session cookie in the browser: %+v", ck)
	}
	if got := b.eval(`document.cookie.includes("qes_portal=")`); got != "false" {
		t.Fatal("page script can read the session cookie")
	}
	if href := b.eval(`document.querySelector("#pem").getAttribute("href")`); href != "/portal/sign/certificate.pem?credential="+id {
		t.Fatalf("download link %q", href)
	}
	resp, pemBytes := b.download("/portal/sign/certificate.pem?credential=" + id)
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") {
		t.Fatalf("Content-Disposition %q", cd)
	}
	pemText := string(pemBytes)
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		t.Fatalf("the PEM download is not PEM: %.60q", pemText)
	}
	if got, err := x509.ParseCertificate(block.Bytes); err != nil || !got.Equal(leaf) {
		t.Fatalf("the PEM download is not the holder's certificate (%v)", err)
	}

	// Certificate e-mail: a wrong code changes nothing; the right one
	// records the address for the next certificate.
	b.open("/portal/sign")
	b.submit("#edit-email-" + id)
	b.shot("certificate-email")
	newEmail := "mario.rossi@newmail.example"
	b.fill("#email", newEmail)
	b.submit("#send")
	b.expectText("#notice", "We sent a one-time code to")
	code := s.LastCode(t, h.Phone)
	b.fill("#otp", otherCode(code))
	b.submit("#confirm")
	b.expectText("#error", "The one-time code is wrong or has expired")
	b.shot("certificate-email-wrong-otp")
	if got := holder().Email; got != h.ID+"@example.org" {
		t.Fatalf("a wrong code changed the e-mail to %s", got)
	}
	b.fill("#otp", code)
	b.submit("#confirm")
	b.expectText("#notice", "your next certificate will carry it")
	b.expectText("#record-email", newEmail)
	b.expectText("#current-cert-email", h.ID+"@example.org")
	if !b.has("#renew-hint") {
		t.Fatal("the page does not say the current certificate keeps the old address")
	}
	b.shot("certificate-email-changed")
	if got := holder().Email; got != newEmail {
		t.Fatalf("e-mail on record = %s, want %s", got, newEmail)
	}

	// OTP: test code by SMS.
	b.open("/portal/sign/otp")
	b.shot("otp")
	s.Clock.Advance(21 * time.Second)
	b.submit("#send-test")
	b.fill("#test-code", otherCode(s.LastCode(t, h.Phone)))
	b.submit("#check-test")
	b.expectText("#error", "wrong")
	b.fill("#test-code", s.LastCode(t, h.Phone))
	b.submit("#check-test")
	b.expectText("#test-result", "The code is right")
	b.shot("otp-test-ok")

	// Authenticator app: the QR code carries the otpauth URI of the key
	// shown for typing; one valid code links it and makes it the channel.
	b.submit("#link-app")
	b.shot("otp-app-qr")
	key := b.text("#totp-secret")
	uri := b.eval(`document.querySelector("#otpauth").getAttribute("href")`)
	if qr := b.qrText("#qr"); qr != uri || !strings.Contains(uri, "secret="+key) || !strings.HasPrefix(uri, "otpauth://totp/") {
		t.Fatalf("QR code %q, link %q, key %q: want one otpauth URI with the key", qr, uri, key)
	}
	b.fill("#app-code", otherCode(totpCode(t, key, s.Clock.Now())))
	b.submit("#confirm-app")
	b.expectText("#error", "")
	if holder().AppLinked {
		t.Fatal("a wrong first code linked the app")
	}
	if !b.has("#qr") {
		t.Fatal("after a wrong first code the QR code must be shown again")
	}
	b.fill("#app-code", totpCode(t, key, s.Clock.Now()))
	b.submit("#confirm-app")
	b.expectText("#notice", "The authenticator app is linked")
	if st := holder(); !st.AppLinked || st.OTPMode != "app" {
		t.Fatalf("after linking: %+v", st)
	}
	if b.has("#send-test") {
		t.Fatal("in app mode the page must not offer an SMS test code")
	}
	s.Clock.Advance(30 * time.Second)
	b.fill("#test-code", totpCode(t, key, s.Clock.Now()))
	b.submit("#check-test")
	b.expectText("#test-result", "The code is right")
	b.shot("otp-app-linked")

	// Back to SMS, then unlink the app.
	b.step("choose SMS", chromedp.Click(chromedp.CSS("#mode-sms")))
	b.submit("#save-mode")
	b.expectText("#notice", "is saved")
	if holder().OTPMode != "sms" {
		t.Fatal("the mode did not change to SMS")
	}
	b.submit("#unlink-app")
	b.expectText("#notice", "unlinked")
	if holder().AppLinked {
		t.Fatal("the app is still linked")
	}

	// Change the OTP mobile number: a code to the current number
	// authorises it, a code to the new one confirms it.
	newPhone := "+393471112233"
	s.Clock.Advance(21 * time.Second)
	b.submit("#change-phone")
	b.fill("#old-code", otherCode(s.LastCode(t, h.Phone)), "#new-phone", newPhone)
	b.submit("#authorize-phone")
	b.expectText("#error", "wrong")
	if holder().Phone != h.Phone {
		t.Fatal("a wrong code changed the number")
	}
	b.fill("#old-code", s.LastCode(t, h.Phone), "#new-phone", newPhone)
	b.submit("#authorize-phone")
	b.shot("otp-phone-new-code")
	b.fill("#new-code", s.LastCode(t, newPhone))
	b.submit("#confirm-phone")
	b.expectText("#notice", "Your OTP mobile number has been changed")
	if holder().Phone != newPhone {
		t.Fatalf("OTP number = %s, want %s", holder().Phone, newPhone)
	}
	if msgs := s.Outbox(t); !strings.Contains(msgs[len(msgs)-1].Text, "was changed to") || msgs[len(msgs)-1].To != h.Phone {
		t.Fatalf("the old number was not told of the change: %+v", msgs[len(msgs)-1])
	}
	h.Phone = newPhone

	// Signing report with filters, and the daily summary.
	b.open("/portal/sign/report")
	b.expectText("#totals", "3 signatures in 2 requests")
	b.expectText("#history", "Acme Sign")
	b.expectText("#history", "API")
	b.shot("report")
	today := s.Clock.Now().UTC().Format(time.DateOnly)
	tomorrow := s.Clock.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	b.fill("#from", tomorrow, "#to", tomorrow)
	b.submit("#filter")
	b.expectText("#no-rows", "No signatures in this period")
	b.fill("#from", today, "#to", today, "#credential", id)
	b.submit("#filter")
	b.expectText("#totals", "3 signatures in 2 requests")
	b.shot("report-filtered")
	b.submit("#daily-toggle")
	b.expectText("#notice", "The daily summary e-mail is on")
	if !holder().DailyReport {
		t.Fatal("the daily summary is not on")
	}
	s.Clock.Advance(24 * time.Hour)
	if err := s.App.RunPortalJobs(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := s.Outbox(t)
	last := msgs[len(msgs)-1]
	if last.To != newEmail || last.Purpose != "daily-report" || !strings.Contains(last.Text, "Signatures made: 3") || !strings.Contains(last.Text, "Acme Sign: 1 signatures") {
		t.Fatalf("daily summary e-mail = %+v", last)
	}
	if err := s.App.RunPortalJobs(ctx); err != nil || len(s.Outbox(t)) != len(msgs) {
		t.Fatal("the daily summary was sent twice")
	}
	b.login(h.ID, h.Password) // the day passed: the session ended
	b.open("/portal/sign/report")
	b.submit("#daily-toggle")
	b.expectText("#notice", "The daily summary e-mail is off")
	if holder().DailyReport {
		t.Fatal("the daily summary is still on")
	}

	// Change PIN: policy and warning shown; a wrong current PIN and a weak
	// new PIN change nothing.
	b.open("/portal/sign/pin")
	b.expectText("#pin-warning", "cannot be recovered")
	b.expectText("#pin-rules", "6 to 8 digits")
	b.shot("pin")
	pinHash := func() string {
		c, err := s.App.Store.Credential(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return c.PINHash
	}
	before := pinHash()
	b.fill("#current", h.PIN, "#new", "123456", "#confirm", "123456", "#otp", "000000")
	b.submit("#change-pin")
	b.expectText("#error", "too easy to guess")
	b.submit("#send-code")
	b.fill("#current", "975319", "#new", "864213", "#confirm", "864213", "#otp", s.LastCode(t, h.Phone))
	b.submit("#change-pin")
	b.expectText("#error", "The PIN is invalid")
	b.shot("pin-wrong-current")
	if pinHash() != before {
		t.Fatal("a wrong current PIN changed the PIN")
	}
	s.Clock.Advance(21 * time.Second)
	b.submit("#send-code")
	b.fill("#current", h.PIN, "#new", "864213", "#confirm", "864213", "#otp", s.LastCode(t, h.Phone))
	b.submit("#change-pin")
	b.expectText("#notice", "Your PIN has been changed")
	if ok, _ := secret.Verify("864213", pinHash()); !ok {
		t.Fatal("the new PIN is not the credential's PIN")
	}

	// Ecological footprint, from the documented formula.
	b.open("/portal/sign/footprint")
	f := history.FootprintOf(3)
	b.expectText("#sheets", "3")
	b.expectText("#co2", fmt.Sprintf("%.3f", f.CO2Kg))
	b.expectText("#water", fmt.Sprintf("%.1f", f.WaterLitres))
	b.expectText("#sources", "BioResources")
	b.expectText("#sources", "Water Resources Management")
	b.shot("footprint")

	// Italian: pages, messages and texts sent.
	b.fill("#lang-select", "it")
	b.submit("#lang-save")
	b.expectText("h1", "Impronta ecologica")
	b.expectText("#co2", fmt.Sprintf("%.3f", f.CO2Kg)[:1]+",")
	b.shot("footprint-it")
	b.open("/portal/sign")
	b.expectText("h1", "Il mio certificato")
	b.expectText("#status-"+id, "valido")
	b.shot("home-it")
	b.open("/portal/sign/otp")
	s.Clock.Advance(21 * time.Second)
	b.submit("#send-test")
	if msgs := s.Outbox(t); !strings.Contains(msgs[len(msgs)-1].Text, "il codice per provare i codici OTP") {
		t.Fatalf("SMS in Italian: %q", msgs[len(msgs)-1].Text)
	}
	b.fill("#test-code", otherCode(s.LastCode(t, h.Phone)))
	b.submit("#check-test")
	b.expectText("#error", "Il codice OTP è errato o scaduto")
	b.shot("otp-wrong-it")

	// Log out from My Sign: the server forgets the session.
	b.submit("#logout")
	b.expectPath("/portal/login")
	b.expectText("#notice", "Sei uscito")
	b.shot("logout-it")
	b.open("/portal/sign")
	b.expectPath("/portal/login")
}

type hstate struct {
	Email, Phone, OTPMode  string
	AppLinked, DailyReport bool
}
