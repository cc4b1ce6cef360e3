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
	b.Open("/portal/sign")
	b.ExpectPath("/portal/login")
	b.Shot("login")
	b.login(h.ID, h.Password)
	b.ExpectPath("/portal/sign")
	b.Shot("home")
	id := h.CredentialID
	b.ExpectText("#status-"+id, "valid")
	b.ExpectText("#serial-"+id, strings.ToUpper(hex.EncodeToString(leaf.SerialNumber.Bytes())))
	b.ExpectText("#credential-"+id, id)
	b.ExpectText("#expiry-"+id, leaf.NotAfter.UTC().Format("2 Jan 2006"))
	b.ExpectText("#certemail-"+id, h.ID+"@example.org")

	// Certificate details and the PEM download.
	b.Submit("#details-" + id)
	b.ExpectPath("/portal/sign/certificate")
	b.ExpectText("#subject", "CN=Mario Rossi")
	b.ExpectText("#subject", "serialNumber=TINIT-RSSMRA80A01H501U")
	b.ExpectText("#issuer", "CN=")
	b.ExpectText("#policies", s.App.Cfg.CA.PolicyOID)
	b.Shot("certificate-details")
	// The session cookie as the browser keeps it: script cannot read it,
	// other sites' requests do not carry it.
	if ck := b.browserCookie("qes_portal"); ck == nil || !ck.HTTPOnly || ck.SameSite != network.CookieSameSiteStrict || ck.Path != "/portal/" {
		t.Fatalf("session cookie in the browser: %+v", ck)
	}
	if got := b.Eval(`document.cookie.includes("qes_portal=")`); got != "false" {
		t.Fatal("page script can read the session cookie")
	}
	if href := b.Eval(`document.querySelector("#pem").getAttribute("href")`); href != "/portal/sign/certificate.pem?credential="+id {
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
	b.Open("/portal/sign")
	b.Submit("#edit-email-" + id)
	b.Shot("certificate-email")
	newEmail := "mario.rossi@newmail.example"
	b.Fill("#email", newEmail)
	b.Submit("#send")
	b.ExpectText("#notice", "We sent a one-time code to")
	code := s.LastCode(t, h.Phone)
	b.Fill("#otp", otherCode(code))
	b.Submit("#confirm")
	b.ExpectText("#error", "The one-time code is wrong or has expired")
	b.Shot("certificate-email-wrong-otp")
	if got := holder().Email; got != h.ID+"@example.org" {
		t.Fatalf("a wrong code changed the e-mail to %s", got)
	}
	b.Fill("#otp", code)
	b.Submit("#confirm")
	b.ExpectText("#notice", "your next certificate will carry it")
	b.ExpectText("#record-email", newEmail)
	b.ExpectText("#current-cert-email", h.ID+"@example.org")
	if !b.Has("#renew-hint") {
		t.Fatal("the page does not say the current certificate keeps the old address")
	}
	b.Shot("certificate-email-changed")
	if got := holder().Email; got != newEmail {
		t.Fatalf("e-mail on record = %s, want %s", got, newEmail)
	}

	// OTP: test code by SMS.
	b.Open("/portal/sign/otp")
	b.Shot("otp")
	s.Clock.Advance(21 * time.Second)
	b.Submit("#send-test")
	b.Fill("#test-code", otherCode(s.LastCode(t, h.Phone)))
	b.Submit("#check-test")
	b.ExpectText("#error", "wrong")
	b.Fill("#test-code", s.LastCode(t, h.Phone))
	b.Submit("#check-test")
	b.ExpectText("#test-result", "The code is right")
	b.Shot("otp-test-ok")

	// Authenticator app: the QR code carries the otpauth URI of the key
	// shown for typing; one valid code links it and makes it the channel.
	b.Submit("#link-app")
	b.Shot("otp-app-qr")
	key := b.Text("#totp-secret")
	uri := b.Eval(`document.querySelector("#otpauth").getAttribute("href")`)
	if qr := b.qrText("#qr"); qr != uri || !strings.Contains(uri, "secret="+key) || !strings.HasPrefix(uri, "otpauth://totp/") {
		t.Fatalf("QR code %q, link %q, key %q: want one otpauth URI with the key", qr, uri, key)
	}
	b.Fill("#app-code", otherCode(totpCode(t, key, s.Clock.Now())))
	b.Submit("#confirm-app")
	b.ExpectText("#error", "")
	if holder().AppLinked {
		t.Fatal("a wrong first code linked the app")
	}
	if !b.Has("#qr") {
		t.Fatal("after a wrong first code the QR code must be shown again")
	}
	b.Fill("#app-code", totpCode(t, key, s.Clock.Now()))
	b.Submit("#confirm-app")
	b.ExpectText("#notice", "The authenticator app is linked")
	if st := holder(); !st.AppLinked || st.OTPMode != "app" {
		t.Fatalf("after linking: %+v", st)
	}
	if b.Has("#send-test") {
		t.Fatal("in app mode the page must not offer an SMS test code")
	}
	s.Clock.Advance(30 * time.Second)
	b.Fill("#test-code", totpCode(t, key, s.Clock.Now()))
	b.Submit("#check-test")
	b.ExpectText("#test-result", "The code is right")
	b.Shot("otp-app-linked")

	// Back to SMS, then unlink the app.
	b.Step("choose SMS", chromedp.Click(chromedp.CSS("#mode-sms")))
	b.Submit("#save-mode")
	b.ExpectText("#notice", "is saved")
	if holder().OTPMode != "sms" {
		t.Fatal("the mode did not change to SMS")
	}
	b.Submit("#unlink-app")
	b.ExpectText("#notice", "unlinked")
	if holder().AppLinked {
		t.Fatal("the app is still linked")
	}

	// Change the OTP mobile number: a code to the current number
	// authorises it, a code to the new one confirms it.
	newPhone := "+393471112233"
	s.Clock.Advance(21 * time.Second)
	b.Submit("#change-phone")
	b.Fill("#old-code", otherCode(s.LastCode(t, h.Phone)), "#new-phone", newPhone)
	b.Submit("#authorize-phone")
	b.ExpectText("#error", "wrong")
	if holder().Phone != h.Phone {
		t.Fatal("a wrong code changed the number")
	}
	b.Fill("#old-code", s.LastCode(t, h.Phone), "#new-phone", newPhone)
	b.Submit("#authorize-phone")
	b.Shot("otp-phone-new-code")
	b.Fill("#new-code", s.LastCode(t, newPhone))
	b.Submit("#confirm-phone")
	b.ExpectText("#notice", "Your OTP mobile number has been changed")
	if holder().Phone != newPhone {
		t.Fatalf("OTP number = %s, want %s", holder().Phone, newPhone)
	}
	if msgs := s.Outbox(t); !strings.Contains(msgs[len(msgs)-1].Text, "was changed to") || msgs[len(msgs)-1].To != h.Phone {
		t.Fatalf("the old number was not told of the change: %+v", msgs[len(msgs)-1])
	}
	h.Phone = newPhone

	// Signing report with filters, and the daily summary.
	b.Open("/portal/sign/report")
	b.ExpectText("#totals", "3 signatures in 2 requests")
	b.ExpectText("#history", "Acme Sign")
	b.ExpectText("#history", "API")
	b.Shot("report")
	today := s.Clock.Now().UTC().Format(time.DateOnly)
	tomorrow := s.Clock.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	b.Fill("#from", tomorrow, "#to", tomorrow)
	b.Submit("#filter")
	b.ExpectText("#no-rows", "No signatures in this period")
	b.Fill("#from", today, "#to", today, "#credential", id)
	b.Submit("#filter")
	b.ExpectText("#totals", "3 signatures in 2 requests")
	b.Shot("report-filtered")
	b.Submit("#daily-toggle")
	b.ExpectText("#notice", "The daily summary e-mail is on")
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
	b.Open("/portal/sign/report")
	b.Submit("#daily-toggle")
	b.ExpectText("#notice", "The daily summary e-mail is off")
	if holder().DailyReport {
		t.Fatal("the daily summary is still on")
	}

	// Change PIN: policy and warning shown; a wrong current PIN and a weak
	// new PIN change nothing.
	b.Open("/portal/sign/pin")
	b.ExpectText("#pin-warning", "cannot be recovered")
	b.ExpectText("#pin-rules", "6 to 8 digits")
	b.Shot("pin")
	pinHash := func() string {
		c, err := s.App.Store.Credential(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return c.PINHash
	}
	before := pinHash()
	b.Fill("#current", h.PIN, "#new", "123456", "#confirm", "123456", "#otp", "000000")
	b.Submit("#change-pin")
	b.ExpectText("#error", "too easy to guess")
	b.Submit("#send-code")
	b.Fill("#current", "975319", "#new", "864213", "#confirm", "864213", "#otp", s.LastCode(t, h.Phone))
	b.Submit("#change-pin")
	b.ExpectText("#error", "The PIN is invalid")
	b.Shot("pin-wrong-current")
	if pinHash() != before {
		t.Fatal("a wrong current PIN changed the PIN")
	}
	s.Clock.Advance(21 * time.Second)
	b.Submit("#send-code")
	b.Fill("#current", h.PIN, "#new", "864213", "#confirm", "864213", "#otp", s.LastCode(t, h.Phone))
	b.Submit("#change-pin")
	b.ExpectText("#notice", "Your PIN has been changed")
	if ok, _ := secret.Verify("864213", pinHash()); !ok {
		t.Fatal("the new PIN is not the credential's PIN")
	}

	// Ecological footprint, from the documented formula.
	b.Open("/portal/sign/footprint")
	f := history.FootprintOf(3)
	b.ExpectText("#sheets", "3")
	b.ExpectText("#co2", fmt.Sprintf("%.3f", f.CO2Kg))
	b.ExpectText("#water", fmt.Sprintf("%.1f", f.WaterLitres))
	b.ExpectText("#sources", "BioResources")
	b.ExpectText("#sources", "Water Resources Management")
	b.Shot("footprint")

	// Italian: pages, messages and texts sent.
	b.Fill("#lang-select", "it")
	b.Submit("#lang-save")
	b.ExpectText("h1", "Impronta ecologica")
	b.ExpectText("#co2", fmt.Sprintf("%.3f", f.CO2Kg)[:1]+",")
	b.Shot("footprint-it")
	b.Open("/portal/sign")
	b.ExpectText("h1", "Il mio certificato")
	b.ExpectText("#status-"+id, "valido")
	b.Shot("home-it")
	b.Open("/portal/sign/otp")
	s.Clock.Advance(21 * time.Second)
	b.Submit("#send-test")
	if msgs := s.Outbox(t); !strings.Contains(msgs[len(msgs)-1].Text, "il codice per provare i codici OTP") {
		t.Fatalf("SMS in Italian: %q", msgs[len(msgs)-1].Text)
	}
	b.Fill("#test-code", otherCode(s.LastCode(t, h.Phone)))
	b.Submit("#check-test")
	b.ExpectText("#error", "Il codice OTP è errato o scaduto")
	b.Shot("otp-wrong-it")

	// Log out from My Sign: the server forgets the session.
	b.Submit("#logout")
	b.ExpectPath("/portal/login")
	b.ExpectText("#notice", "Sei uscito")
	b.Shot("logout-it")
	b.Open("/portal/sign")
	b.ExpectPath("/portal/login")
}

type hstate struct {
	Email, Phone, OTPMode  string
	AppLinked, DailyReport bool
}
