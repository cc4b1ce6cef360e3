package enrol_test

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/bolt"
)

func TestPrice(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                          string
		net                           int64
		coupon                        *storage.Coupon
		vat                           int
		discount, taxable, tax, gross int64
	}{
		{"no coupon, IT 22%", 7900, nil, 2200, 0, 7900, 1738, 9638},
		{"10% coupon", 7900, &storage.Coupon{Code: "TEN", PercentBP: 1000}, 2200, 790, 7110, 1564, 8674},
		{"amount coupon", 7900, &storage.Coupon{Code: "TENEUR", AmountCents: 1000}, 2200, 1000, 6900, 1518, 8418},
		{"amount above the price", 7900, &storage.Coupon{Code: "ALL", AmountCents: 10000}, 2200, 7900, 0, 0, 0},
		{"100% coupon", 7900, &storage.Coupon{Code: "FREE", PercentBP: 10000}, 2200, 7900, 0, 0, 0},
		{"VAT rounds half up", 25, nil, 2200, 0, 25, 6, 31},      // 5.5 -> 6
		{"VAT rounds down below half", 5, nil, 2200, 0, 5, 1, 6}, // 1.1 -> 1
		{"discount rounds half up", 7950, &storage.Coupon{Code: "P", PercentBP: 1000}, 0, 795, 7155, 0, 7155},
		{"discount half cent", 5, &storage.Coupon{Code: "P", PercentBP: 1000}, 0, 1, 4, 0, 4}, // 0.5 -> 1
		{"no VAT", 7900, nil, 0, 0, 7900, 0, 7900},
	}
	for _, c := range cases {
		q := enrol.Price(c.net, c.coupon, c.vat)
		if q.DiscountCents != c.discount || q.TaxableCents != c.taxable || q.VATCents != c.tax || q.GrossCents != c.gross {
			t.Errorf("%s: %+v, want discount %d taxable %d VAT %d gross %d", c.name, q, c.discount, c.taxable, c.tax, c.gross)
		}
	}
}

func TestFormatCents(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		cents int64
		lang  string
		want  string
	}{{9638, "en", "96.38"}, {9638, "it", "96,38"}, {5, "en", "0.05"}, {0, "it", "0,00"}, {-790, "en", "-7.90"}} {
		if got := enrol.FormatCents(c.cents, c.lang); got != c.want {
			t.Errorf("FormatCents(%d, %s) = %q, want %q", c.cents, c.lang, got, c.want)
		}
	}
}

func TestFormatPercent(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		bp         int
		lang, want string
	}{{2200, "en", "22%"}, {1000, "en", "10%"}, {1050, "it", "10,5%"}, {5, "en", "0.05%"}, {10000, "en", "100%"}} {
		if got := enrol.FormatPercent(c.bp, c.lang); got != c.want {
			t.Errorf("FormatPercent(%d, %s) = %q, want %q", c.bp, c.lang, got, c.want)
		}
	}
}

func TestCheckCoupon(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		c    storage.Coupon
		want string // substring of the refusal, "" = valid
	}{
		{"open", storage.Coupon{Code: "A"}, ""},
		{"inside the window", storage.Coupon{Code: "A", ValidFrom: now.Add(-time.Hour), ValidUntil: now.Add(time.Hour)}, ""},
		{"not yet", storage.Coupon{Code: "A", ValidFrom: now.Add(time.Second)}, "not valid yet"},
		{"expired", storage.Coupon{Code: "A", ValidUntil: now}, "expired"},
		{"used up", storage.Coupon{Code: "A", MaxUses: 2, Uses: 2}, "used up"},
		{"one use left", storage.Coupon{Code: "A", MaxUses: 2, Uses: 1}, ""},
	}
	for _, c := range cases {
		err := enrol.CheckCoupon(&c.c, now)
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestStateMachine(t *testing.T) {
	t.Parallel()
	states := []enrol.State{enrol.Registered, enrol.Ordered, enrol.Paid, enrol.DetailsSubmitted}
	for i, from := range states {
		for j, to := range states {
			if got, want := enrol.CanMove(from, to), j == i+1; got != want {
				t.Errorf("CanMove(%s, %s) = %v, want %v", from, to, got, want)
			}
		}
	}
}

// The enrolment 3/3 part of the machine: the request comes between
// identification and review, issuance after approval.
func TestStateMachineIssuance(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		from, to enrol.State
		ok       bool
	}{
		{enrol.Identified, enrol.Requested, true},
		{enrol.Identified, enrol.Approved, false},
		{enrol.Requested, enrol.Approved, true},
		{enrol.Requested, enrol.Rejected, true},
		{enrol.Requested, enrol.RetryRequired, true},
		{enrol.Requested, enrol.Issued, false},
		{enrol.Approved, enrol.Issued, true},
		{enrol.Rejected, enrol.Issued, false},
		{enrol.Issued, enrol.Active, true},
		{enrol.Issued, enrol.Expired, true},
		{enrol.Active, enrol.Expired, false},
	} {
		if got := enrol.CanMove(c.from, c.to); got != c.ok {
			t.Errorf("CanMove(%s, %s) = %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}

// Every state has a name in the catalogue, in both languages.
func TestStateNames(t *testing.T) {
	t.Parallel()
	names := []string{"unconfirmed", string(enrol.Registered)}
	for _, s := range enrol.OrderStates {
		names = append(names, string(s))
	}
	for _, s := range names {
		if !msg.Has(enrol.StateName(s)) {
			t.Errorf("state %s has no name in the catalogue", s)
		}
		if s != "unconfirmed" && s != string(enrol.Registered) && !msg.Has(msg.ID("shop.state."+s)) {
			t.Errorf("state %s has no shop.state name", s)
		}
	}
	err := errs.M(errs.Conflict, msg.ShopTransition, enrol.StateName("paid"), enrol.StateName("ordered"))
	if got := msg.Text("it", msg.ShopTransition, enrol.StateName("paid"), enrol.StateName("ordered")); got != "Questo ordine è pagato: non può passare a in attesa di pagamento" {
		t.Errorf("Italian: %q", got)
	}
	if err.Error() != "This order is paid: it cannot move to awaiting payment" {
		t.Errorf("English: %q", err.Error())
	}
}

func TestCheckDetails(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	it := enrol.DetailsForm{Citizenship: "it", TaxCode: "RSSMRA80A01H501U", Mobile: "+393331234567", DocCountry: "IT"}
	other := enrol.DetailsForm{Citizenship: "other", GivenName: "Anna", Surname: "Schmidt", BirthDate: "1985-03-04", Mobile: "+4915112345678", DocCountry: "DE"}
	with := func(f enrol.DetailsForm, change func(*enrol.DetailsForm)) enrol.DetailsForm { change(&f); return f }
	cases := []struct {
		name string
		f    enrol.DetailsForm
		want string
	}{
		{"italian", it, ""},
		{"italian, omocodia", with(it, func(f *enrol.DetailsForm) { f.TaxCode = "RSSMRA80A01H50MM" }), ""},
		{"italian, lower case", with(it, func(f *enrol.DetailsForm) { f.TaxCode = "rssmra80a01h501u" }), ""},
		{"italian, wrong check character", with(it, func(f *enrol.DetailsForm) { f.TaxCode = "RSSMRA80A01H501X" }), "check character"},
		{"italian, numeric code refused", with(it, func(f *enrol.DetailsForm) { f.TaxCode = "12345678903" }), "16 characters"},
		{"italian, bad mobile", with(it, func(f *enrol.DetailsForm) { f.Mobile = "3331234567" }), "international format"},
		{"foreign", other, ""},
		{"foreign, no surname", with(other, func(f *enrol.DetailsForm) { f.Surname = " " }), "name and surname"},
		{"foreign, bad date", with(other, func(f *enrol.DetailsForm) { f.BirthDate = "1985-13-04" }), "date of birth"},
		{"foreign, minor", with(other, func(f *enrol.DetailsForm) { f.BirthDate = "2015-01-01" }), "date of birth"},
		{"foreign, no document country", with(other, func(f *enrol.DetailsForm) { f.DocCountry = "" }), "identity document"},
		{"no citizenship", with(other, func(f *enrol.DetailsForm) { f.Citizenship = "" }), "Italian citizen"},
	}
	for _, c := range cases {
		d, err := enrol.CheckDetails(c.f, now)
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if err == nil && c.f.Citizenship == "it" && d.TaxCode != strings.ToUpper(c.f.TaxCode) {
			t.Errorf("%s: tax code stored as %q", c.name, d.TaxCode)
		}
	}
}

func TestCheckTaxID(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		country, id, want string
		ok                bool
	}{
		{"IT", "RSSMRA80A01H501U", "RSSMRA80A01H501U", true},
		{"IT", "IT12345678903", "12345678903", true},
		{"IT", "12345678903", "12345678903", true},
		{"IT", "RSSMRA80A01H501X", "", false},
		{"IT", "12345678901", "", false},
		{"DE", "DE123456789", "DE123456789", true},
		{"DE", "x", "", false},
	} {
		got, err := enrol.CheckTaxID(c.country, c.id)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("CheckTaxID(%s, %s) = %q, %v", c.country, c.id, got, err)
		}
	}
}

// hmacKey is a real HMAC-SHA256 under a test key, in place of the HSM's.
type hmacKey []byte

func (k hmacKey) Sum(parts ...[]byte) ([]byte, error) {
	m := hmac.New(sha256.New, k)
	for _, p := range parts {
		m.Write([]byte{byte(len(p) >> 8), byte(len(p))})
		m.Write(p)
	}
	return m.Sum(nil), nil
}

type env struct {
	svc    *enrol.Service
	store  *bolt.DB
	dev    *enrol.DevProvider
	outbox string
	audit  string
	now    time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: db, outbox: filepath.Join(dir, "outbox.jsonl"), audit: filepath.Join(dir, "audit.jsonl"),
		now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return e.now }
	log, err := audit.Open(e.audit, db, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = log.Close(); _ = db.Close() })
	mac := hmacKey("test key")
	box := otp.NewOutbox(e.outbox)
	codes := otp.New(db, mac, box, clock, otp.Config{ResendAfter: -1})
	e.dev = enrol.NewDevProvider(filepath.Join(dir, "payments.jsonl"), mac, clock)
	e.svc = enrol.New(enrol.Deps{Store: db, OTP: codes, Notify: box, MAC: mac, Audit: log, Payments: e.dev, Now: clock},
		enrol.Config{Argon: secret.Fast, PublicURL: "http://shop.test"})
	return e
}

func (e *env) lastMessage(t *testing.T, to string) otp.Message {
	t.Helper()
	f, err := os.Open(e.outbox)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var last otp.Message
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m otp.Message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if m.To == to {
			last = m
		}
	}
	if last.To == "" {
		t.Fatalf("no message to %s", to)
	}
	return last
}

func wantKind(t *testing.T, err error, k errs.Kind) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("error %v: want kind %v", err, k)
	}
}

const goodPW = "Secret-Pass1!"

func (e *env) registered(t *testing.T, email, country string) *storage.Customer {
	t.Helper()
	ctx := context.Background()
	if err := e.svc.Register(ctx, enrol.Registration{Email: email, Password: goodPW, Password2: goodPW, Country: country,
		Privacy: true, Marketing: "yes", MarketingPartners: "no", IP: "192.0.2.1", UserAgent: "test"}); err != nil {
		t.Fatal(err)
	}
	c, err := e.svc.VerifyEmail(ctx, email, e.lastMessage(t, email).Code, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRegistrationAndReset(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	reg := enrol.Registration{Email: "Ann@Example.org", Password: goodPW, Password2: goodPW, Country: "it", Privacy: true,
		Marketing: "no", MarketingPartners: "yes", IP: "192.0.2.1", UserAgent: "Chromium"}
	bad := []struct {
		name   string
		change func(*enrol.Registration)
		want   string
	}{
		{"weak password", func(r *enrol.Registration) { r.Password, r.Password2 = "password", "password" }, "password"},
		{"repeated characters", func(r *enrol.Registration) { r.Password, r.Password2 = "Seccc-Pass1!", "Seccc-Pass1!" }, "more than twice"},
		{"passwords differ", func(r *enrol.Registration) { r.Password2 = goodPW + "x" }, "differ"},
		{"bad e-mail", func(r *enrol.Registration) { r.Email = "ann@" }, "e-mail"},
		{"no privacy", func(r *enrol.Registration) { r.Privacy = false }, "privacy"},
		{"no marketing answer", func(r *enrol.Registration) { r.Marketing = "" }, "yes or no"},
		{"bad country", func(r *enrol.Registration) { r.Country = "Italy" }, "country"},
	}
	for _, b := range bad {
		r := reg
		b.change(&r)
		err := e.svc.Register(ctx, r)
		if !errs.Is(err, errs.InvalidRequest) || !strings.Contains(strings.ToLower(err.Error()), b.want) {
			t.Errorf("%s: %v, want a refusal naming %q", b.name, err, b.want)
		}
	}
	if _, err := e.store.CustomerByEmail(ctx, "ann@example.org"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("a refused registration stored a customer: %v", err)
	}
	if err := e.svc.Register(ctx, reg); err != nil {
		t.Fatal(err)
	}
	c, err := e.store.CustomerByEmail(ctx, "ann@example.org")
	if err != nil || c.EmailVerified || c.Country != "IT" {
		t.Fatalf("customer = %+v, %v", c, err)
	}
	cons, err := e.store.ConsentsOf(ctx, c.ID)
	if err != nil || len(cons) != 3 || !cons[0].Given || cons[1].Given || !cons[2].Given || cons[0].UserAgent != "Chromium" || cons[0].TextVersion == "" ||
		len(cons[0].TextSHA256) != 64 {
		t.Fatalf("consents = %+v, %v", cons, err)
	}
	// Not confirmed yet: no login.
	_, err = e.svc.Login(ctx, "ann@example.org", goodPW, "192.0.2.1")
	wantKind(t, err, errs.AccessDenied)
	code := e.lastMessage(t, "ann@example.org").Code
	_, err = e.svc.VerifyEmail(ctx, "ann@example.org", "000000", "192.0.2.1")
	wantKind(t, err, errs.InvalidOTP)
	if _, err := e.svc.VerifyEmail(ctx, "ann@example.org", code, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	// Registering again answers the same and sends a notice, not a code.
	if err := e.svc.Register(ctx, reg); err != nil {
		t.Fatal(err)
	}
	if m := e.lastMessage(t, "ann@example.org"); m.Code != "" || !strings.Contains(m.Text, "register again") {
		t.Fatalf("second registration sent %+v", m)
	}

	_, err = e.svc.Login(ctx, "ann@example.org", "Wrong-Pass1!", "192.0.2.1")
	wantKind(t, err, errs.AuthenticationFailed)
	_, err2 := e.svc.Login(ctx, "nobody@example.org", "Wrong-Pass1!", "192.0.2.1")
	if err2 == nil || err2.Error() != err.Error() {
		t.Fatalf("unknown e-mail answered %v, wrong password %v: they must be the same", err2, err)
	}
	if _, err := e.svc.Login(ctx, "ANN@example.org", goodPW, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	tok, err := e.svc.StartSession(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := e.svc.Session(ctx, tok); err != nil || s.CustomerID != c.ID || s.CSRF == "" {
		t.Fatalf("session = %+v, %v", s, err)
	}

	// Forgot password: the same answer for an unknown address, a code for
	// a known one; the reset ends every session.
	if err := e.svc.StartReset(ctx, "nobody@example.org", "192.0.2.2"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.StartReset(ctx, "ann@example.org", "192.0.2.2"); err != nil {
		t.Fatal(err)
	}
	rcode := e.lastMessage(t, "ann@example.org").Code
	const newPW = "Other-Pass2?"
	wantKind(t, e.svc.CompleteReset(ctx, "ann@example.org", rcode, "weak", "weak", "192.0.2.2"), errs.InvalidRequest)
	wantKind(t, e.svc.CompleteReset(ctx, "ann@example.org", "000000", newPW, newPW, "192.0.2.2"), errs.InvalidOTP)
	wantKind(t, e.svc.CompleteReset(ctx, "nobody@example.org", rcode, newPW, newPW, "192.0.2.2"), errs.InvalidOTP)
	if err := e.svc.CompleteReset(ctx, "ann@example.org", rcode, newPW, newPW, "192.0.2.2"); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Session(ctx, tok)
	wantKind(t, err, errs.InvalidToken)
	_, err = e.svc.Login(ctx, "ann@example.org", goodPW, "192.0.2.3")
	wantKind(t, err, errs.AuthenticationFailed)
	if _, err := e.svc.Login(ctx, "ann@example.org", newPW, "192.0.2.3"); err != nil {
		t.Fatal(err)
	}
	wantKind(t, e.svc.CompleteReset(ctx, "ann@example.org", rcode, newPW, newPW, "192.0.2.2"), errs.InvalidOTP) // single use

	// 180 days later the password has expired.
	e.now = e.now.Add(181 * 24 * time.Hour)
	_, err = e.svc.Login(ctx, "ann@example.org", newPW, "192.0.2.3")
	wantKind(t, err, errs.AccessDenied)
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.registered(t, "bob@example.org", "IT")
	for i := 0; i < 10; i++ {
		_, err := e.svc.Login(ctx, "bob@example.org", "Wrong-Pass1!", "192.0.2.9")
		wantKind(t, err, errs.AuthenticationFailed)
	}
	_, err := e.svc.Login(ctx, "bob@example.org", goodPW, "192.0.2.9")
	wantKind(t, err, errs.RateLimited)
	// The same for an address nobody registered.
	for i := 0; i < 10; i++ {
		_ = e.svc.StartReset(ctx, "ghost@example.org", "192.0.2.10")
	}
	wantKind(t, e.svc.StartReset(ctx, "ghost@example.org", "192.0.2.10"), errs.RateLimited)
	e.now = e.now.Add(16 * time.Minute)
	if _, err := e.svc.Login(ctx, "bob@example.org", goodPW, "192.0.2.9"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// callback posts a signed callback form to the service, as the edge does.
func (e *env) callback(t *testing.T, v url.Values) (*enrol.PaymentOutcome, error) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/shop/payments/callback", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.svc.PaymentCallback(context.Background(), r)
}

func TestOrderPaymentAndDetails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	c := e.registered(t, "carla@example.org", "IT")
	checkout := enrol.Checkout{Billing: storage.Billing{Name: "Carla Bianchi", TaxID: "RSSMRA80A01H501U", Address: "Via Roma 1, Milano"}, PaymentMethod: "card",
		Biometric: true, Automated: true, Lang: "it", IP: "192.0.2.7", UserAgent: "Chromium"}

	if _, err := e.svc.CreateCoupon(ctx, enrol.CouponSpec{Code: "ten", PercentBP: 1000, MaxUses: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.CreateCoupon(ctx, enrol.CouponSpec{Code: "BOTH", PercentBP: 1000, AmountCents: 100})
	wantKind(t, err, errs.InvalidRequest)

	refusals := []struct {
		name   string
		change func(*enrol.Checkout)
		want   string
	}{
		{"wrong tax code", func(f *enrol.Checkout) { f.Billing.TaxID = "RSSMRA80A01H501X" }, "check character"},
		{"no name", func(f *enrol.Checkout) { f.Billing.Name = "" }, "name or company"},
		{"no address", func(f *enrol.Checkout) { f.Billing.Address = "" }, "address"},
		{"unknown coupon", func(f *enrol.Checkout) { f.Coupon = "NOPE" }, "does not exist"},
		{"no method", func(f *enrol.Checkout) { f.PaymentMethod = "" }, "payment method"},
		{"no biometric consent", func(f *enrol.Checkout) { f.Biometric = false }, "Both consents"},
		{"no automated-decision consent", func(f *enrol.Checkout) { f.Automated = false }, "Both consents"},
	}
	for _, r := range refusals {
		f := checkout
		r.change(&f)
		_, err := e.svc.PlaceOrder(ctx, c.ID, f)
		if !errs.Is(err, errs.InvalidRequest) || !strings.Contains(err.Error(), r.want) {
			t.Errorf("%s: %v, want %q", r.name, err, r.want)
		}
	}
	if os, _ := e.svc.Orders(ctx, c.ID); len(os) != 0 {
		t.Fatalf("refused checkouts left %d orders", len(os))
	}

	f := checkout
	f.Coupon = " ten "
	o, err := e.svc.PlaceOrder(ctx, c.ID, f)
	if err != nil {
		t.Fatal(err)
	}
	if !enrol.ValidOrderNumber(o.Number) || o.GrossCents != 8674 || o.VATCents != 1564 || o.State != "ordered" || o.Coupon != "TEN" {
		t.Fatalf("order = %+v", o)
	}
	if len(o.Consents) != 2 || o.Consents[0].Kind != enrol.ConsentBiometric || !o.Consents[1].Given || o.Consents[0].IP != "192.0.2.7" ||
		o.Consents[0].Lang != "it" || len(o.Consents[0].TextSHA256) != 64 || o.Consents[0].TextSHA256 == o.Consents[1].TextSHA256 {
		t.Fatalf("checkout consents = %+v", o.Consents)
	}
	_, err = e.svc.PlaceOrder(ctx, c.ID, f)
	if !errs.Is(err, errs.InvalidRequest) || !strings.Contains(err.Error(), "used up") {
		t.Fatalf("second use of a one-use coupon: %v", err)
	}

	// Details before payment: an illegal transition, a Conflict.
	_, err = e.svc.SubmitDetails(ctx, o.Number, enrol.DetailsForm{Citizenship: "it", TaxCode: "RSSMRA80A01H501U", Mobile: "+393331234567", DocCountry: "IT"})
	wantKind(t, err, errs.Conflict)

	// Declined: the order stays unpaid.
	redirect, err := e.svc.StartPayment(ctx, c.ID, o.Number)
	if err != nil || !strings.HasPrefix(redirect, "/dev/pay/") {
		t.Fatalf("StartPayment = %q, %v", redirect, err)
	}
	declined, err := e.dev.Decide(ctx, strings.TrimPrefix(redirect, "/dev/pay/"), false)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.callback(t, declined)
	if err != nil || out.Status != enrol.PaymentDeclined || out.Order.State != "ordered" || out.Order.Declines != 1 {
		t.Fatalf("declined callback = %+v, %v", out, err)
	}
	if out, err = e.callback(t, declined); err != nil || out.Order.Declines != 1 || out.Order.State != "ordered" {
		t.Fatalf("replayed decline = %+v, %v: it must change nothing", out, err)
	}

	// Paid, with a forged copy first: 400 and no change.
	redirect, err = e.svc.StartPayment(ctx, c.ID, o.Number)
	if err != nil {
		t.Fatal(err)
	}
	paid, err := e.dev.Decide(ctx, strings.TrimPrefix(redirect, "/dev/pay/"), true)
	if err != nil {
		t.Fatal(err)
	}
	forged := url.Values{}
	for k, v := range paid {
		forged[k] = v
	}
	forged.Set("amount", "1")
	_, err = e.callback(t, forged)
	wantKind(t, err, errs.InvalidRequest)
	forged = url.Values{}
	for k, v := range declined {
		forged[k] = v
	}
	forged.Set("status", "paid")
	_, err = e.callback(t, forged)
	wantKind(t, err, errs.InvalidRequest)
	if got, _ := e.store.Order(ctx, o.Number); got.State != "ordered" {
		t.Fatalf("a forged callback changed the order: %+v", got)
	}
	out, err = e.callback(t, paid)
	if err != nil || out.Order.State != "paid" || out.Replayed || out.Order.PaymentRef == "" {
		t.Fatalf("paid callback = %+v, %v", out, err)
	}
	out, err = e.callback(t, paid)
	if err != nil || !out.Replayed || out.Order.State != "paid" || len(out.Order.Transitions) != 2 {
		t.Fatalf("replayed callback = %+v, %v", out, err)
	}
	// The receipt carries the link to the details form.
	link, err := e.svc.DetailsLink(o.Number)
	if err != nil {
		t.Fatal(err)
	}
	if m := e.lastMessage(t, "carla@example.org"); !strings.Contains(m.Text, link) {
		t.Fatalf("receipt %q lacks the details link %s", m.Text, link)
	}
	u, _ := url.Parse(link)
	if _, err := e.svc.OrderByLink(ctx, o.Number, u.Query().Get("t")); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.OrderByLink(ctx, o.Number, "x"+u.Query().Get("t")[1:])
	wantKind(t, err, errs.NotFound)

	_, err = e.svc.SubmitDetails(ctx, o.Number, enrol.DetailsForm{Citizenship: "it", TaxCode: "RSSMRA80A01H501X", Mobile: "+393331234567", DocCountry: "IT"})
	wantKind(t, err, errs.InvalidRequest)
	got, err := e.svc.SubmitDetails(ctx, o.Number, enrol.DetailsForm{Citizenship: "it", TaxCode: "RSSMRA80A01H501U", Mobile: "+393331234567", DocCountry: "IT"})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != "details_submitted" || !enrol.ValidUserID(got.UserID) || got.Details.TaxCode != "RSSMRA80A01H501U" {
		t.Fatalf("order after details = %+v", got)
	}
	if m := e.lastMessage(t, "carla@example.org"); !strings.Contains(m.Text, got.UserID) || !strings.Contains(m.Text, "Continue the activation") {
		t.Fatalf("continue e-mail = %q", m.Text)
	}
	_, err = e.svc.SubmitDetails(ctx, o.Number, enrol.DetailsForm{Citizenship: "it", TaxCode: "RSSMRA80A01H501U", Mobile: "+393331234567", DocCountry: "IT"})
	wantKind(t, err, errs.Conflict)
	// A paid callback replayed after the details changes nothing either.
	if out, err := e.callback(t, paid); err != nil || !out.Replayed || out.Order.State != "details_submitted" {
		t.Fatalf("late replay = %+v, %v", out, err)
	}

	// Another customer cannot see or pay the order.
	d := e.registered(t, "dan@example.org", "DE")
	_, err = e.svc.Order(ctx, d.ID, o.Number)
	wantKind(t, err, errs.NotFound)
	q, err := e.svc.Quote(ctx, d.ID)
	if err != nil || q.VATCountry != "IT" || q.GrossCents != 9638 {
		t.Fatalf("a country outside the VAT table pays the home rate: %+v, %v", q, err)
	}

	// The audit trail has every transition and no secret.
	raw, err := os.ReadFile(e.audit)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"enrol.ordered"`, `"enrol.paid"`, `"enrol.details_submitted"`, `"enrol.payment-declined"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("audit log lacks %s", want)
		}
	}
	for _, secretText := range []string{goodPW, paid.Get("sig")} {
		if strings.Contains(string(raw), secretText) {
			t.Errorf("audit log contains a secret %q", secretText)
		}
	}
}

// The dev provider's ledger records every event; a refund needs a paid
// reference; a decided intent cannot be decided again.
func TestDevProviderLedger(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	o := &storage.Order{Number: "55-00001-0000000001", GrossCents: 9638, Currency: "EUR"}
	in, err := e.dev.Create(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.dev.Decide(ctx, in.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.dev.Decide(ctx, in.ID, false); !errs.Is(err, errs.Conflict) {
		t.Fatalf("deciding twice: %v", err)
	}
	_, err = e.dev.Intent(ctx, "nope")
	wantKind(t, err, errs.NotFound)
	wantKind(t, e.dev.Refund(ctx, "dev-unknown"), errs.NotFound)
	if err := e.dev.Refund(ctx, v.Get("ref")); err != nil {
		t.Fatal(err)
	}
	evs, err := e.dev.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range evs {
		kinds = append(kinds, ev.Event)
	}
	if strings.Join(kinds, ",") != "created,paid,refunded" || evs[0].AmountCents != 9638 || filepath.Base(e.dev.Path()) != "payments.jsonl" {
		t.Fatalf("ledger = %+v", evs)
	}
}

// A coupon's use limit holds when customers check out at the same time:
// the check and the count are in the order's own transaction.
func TestCouponMaxUsesUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.CreateCoupon(ctx, enrol.CouponSpec{Code: "THREE", AmountCents: 500, MaxUses: 3}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 8 {
		ids = append(ids, e.registered(t, fmt.Sprintf("c%d@example.org", i), "IT").ID)
	}
	results := make(chan error, len(ids))
	for _, id := range ids {
		go func() {
			_, err := e.svc.PlaceOrder(ctx, id, enrol.Checkout{Billing: storage.Billing{Name: "N", TaxID: "RSSMRA80A01H501U", Address: "A"},
				Coupon: "THREE", PaymentMethod: "card", Biometric: true, Automated: true})
			results <- err
		}()
	}
	ok, usedUp := 0, 0
	for range ids {
		switch err := <-results; {
		case err == nil:
			ok++
		case strings.Contains(fmt.Sprint(err), "used up"):
			usedUp++
		default:
			t.Errorf("checkout: %v", err)
		}
	}
	c, err := e.store.Coupon(ctx, "THREE")
	if err != nil {
		t.Fatal(err)
	}
	if ok != 3 || usedUp != 5 || c.Uses != 3 {
		t.Fatalf("%d orders, %d refused, coupon used %d times; want 3, 5, 3", ok, usedUp, c.Uses)
	}
}

// Shop sessions end after the idle time and at the absolute limit.
func TestSessionsEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	c := e.registered(t, "s@example.org", "IT")
	tok, err := e.svc.StartSession(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	start := e.now
	for i := 0; i < 25; i++ { // active every 29 minutes: alive up to 12 h
		e.now = e.now.Add(29 * time.Minute)
		if _, err := e.svc.Session(ctx, tok); err != nil {
			if e.now.Sub(start) < 12*time.Hour {
				t.Fatalf("session ended after %s of activity: %v", e.now.Sub(start), err)
			}
			wantKind(t, err, errs.ExpiredToken)
			break
		}
	}
	if e.now.Sub(start) < 12*time.Hour {
		t.Fatal("the session outlived its absolute limit")
	}
	tok2, err := e.svc.StartSession(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(31 * time.Minute)
	_, err = e.svc.Session(ctx, tok2)
	wantKind(t, err, errs.ExpiredToken)
	if n, err := e.svc.EndedSessions(ctx); err != nil || n != 2 {
		t.Fatalf("EndedSessions = %d, %v; want 2", n, err)
	}
	_, err = e.svc.Session(ctx, "short")
	wantKind(t, err, errs.InvalidToken)
}
