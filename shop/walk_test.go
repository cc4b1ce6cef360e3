package shop_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/storage"
)

const password = "Secret-Pass1!"

// click clicks an element that does not leave the page (a radio button).
func (b *tab) click(sel string) {
	b.t.Helper()
	b.step("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// expectError fails unless the page shows an error containing want, and
// saves a screenshot of it.
func (b *tab) expectError(name, want string) {
	b.t.Helper()
	b.shot(name)
	if !b.has("#error") {
		b.t.Fatalf("%s: no error on the page; it says %s", name, b.text("main"))
	}
	b.expectText("#error", want)
}

// register walks the register page and the e-mail code to the checkout.
func (b *tab) register(email, country string) {
	b.t.Helper()
	b.open("/shop/register")
	b.shot("register")
	b.fill("#email", email, "#password", password, "#password2", password, "#country", country)
	b.click("#privacy")
	b.click("#marketing-no")
	b.click("#partners-yes")
	b.submit("#submit")
	b.expectPath("/shop/verify")
	b.shot("verify")
	b.fill("#code", b.s.LastCode(b.t, email))
	b.submit("#submit")
	b.expectPath("/shop/checkout")
}

// pay goes from the pay page through the dev provider's page and back to
// the shop; it returns the signed callback the provider gave the browser.
func (b *tab) pay(approve bool) url.Values {
	b.t.Helper()
	b.submit("#pay")
	if !strings.HasPrefix(b.path(), "/dev/pay/") {
		b.t.Fatalf("pay led to %s, want the dev provider's page", b.path())
	}
	b.shot("dev-provider")
	if approve {
		b.submit("#approve")
	} else {
		b.submit("#decline")
	}
	b.shot("dev-provider-outcome")
	raw := b.eval(`JSON.stringify(Object.fromEntries(new FormData(document.getElementById("callback"))))`)
	var fields map[string]string
	if err := json.Unmarshal([]byte(raw), &fields); err != nil {
		b.t.Fatalf("callback form %s: %v", raw, err)
	}
	v := url.Values{}
	for k, x := range fields {
		v.Set(k, x)
	}
	b.submit("#return")
	return v
}

func order(t *testing.T, s *testutil.Server, number string) *storage.Order {
	t.Helper()
	o, err := s.App.Store.Order(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

var orderNumberRE = regexp.MustCompile(`55-[0-9]{5}-[0-9]{10}`)

// postCallback sends a callback as the provider would, through the
// contract check (openapi.yaml), without following the redirect.
func postCallback(t *testing.T, s *testutil.Server, v url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/shop/payments/callback", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	saved := http.DefaultClient.CheckRedirect
	http.DefaultClient.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	defer func() { http.DefaultClient.CheckRedirect = saved }()
	resp, _ := testutil.DoRaw(t, req)
	return resp
}

// An Italian citizen, in Italian: bad input on every form first, then a
// 10% coupon (8674), a declined payment, an approved one (replayed: no
// change; forged: 400), the details with the tax code, and the customer
// area with the order number and the UserID.
func TestShopWalkItalianCitizen(t *testing.T) {
	s := testutil.StartServer(t)
	ctx := context.Background()
	if _, err := s.App.Enrol.CreateCoupon(ctx, enrol.CouponSpec{Code: "TEN", PercentBP: 1000, MaxUses: 1}); err != nil {
		t.Fatal(err)
	}
	b := newTab(t, s)
	const email = "mario.rossi@example.org"

	// Register: a weak password is refused with the rule it breaks.
	b.open("/shop/register?lang=it")
	b.fill("#email", email, "#password", "password", "#password2", "password", "#country", "IT")
	b.click("#privacy")
	b.click("#marketing-no")
	b.click("#partners-no")
	b.submit("#submit")
	b.expectError("register-weak-password", "una lettera maiuscola")
	if _, err := s.App.Store.CustomerByEmail(ctx, email); err == nil {
		t.Fatal("a refused registration stored a customer")
	}
	// The answers given are kept; only the password is typed again.
	if b.eval(`document.getElementById("privacy").checked && document.getElementById("partners-no").checked`) != "true" {
		t.Fatal("the refused form lost the consents given")
	}
	b.fill("#password", password, "#password2", password)
	b.submit("#submit")
	b.expectPath("/shop/verify")
	b.shot("verify")
	// A wrong code: refused, still unconfirmed.
	b.fill("#code", "000000")
	b.submit("#submit")
	b.expectError("verify-wrong-code", "Il codice è errato o scaduto")
	b.fill("#code", s.LastCode(t, email))
	b.submit("#submit")
	b.expectPath("/shop/checkout")
	b.shot("checkout")
	b.expectText("#total", "96,38")
	b.expectText("#vat", "17,38")

	// Checkout: a wrong check character, then an unknown coupon.
	b.fill("#name", "Mario Rossi", "#taxid", "RSSMRA80A01H501U", "#address", "Via Roma 1, 00100 Roma", "#reason", "Firma digitale")
	b.click("#consent-biometric")
	b.submit("#submit")
	b.expectError("checkout-missing-consent", "entrambi i consensi")
	b.click("#consent-automated")
	b.fill("#taxid", "RSSMRA80A01H501X")
	b.submit("#submit")
	b.expectError("checkout-wrong-tax-code", "carattere di controllo")
	b.fill("#taxid", "RSSMRA80A01H501U", "#coupon", "NOPE")
	b.submit("#submit")
	b.expectError("checkout-unknown-coupon", "non esiste")
	if os, _ := s.App.Store.OrdersOf(ctx, mustCustomer(t, s, email).ID); len(os) != 0 {
		t.Fatalf("refused checkouts left %d orders", len(os))
	}
	b.fill("#coupon", "ten")
	b.submit("#submit")
	number := strings.TrimPrefix(b.path(), "/shop/pay/")
	if !enrol.ValidOrderNumber(number) {
		t.Fatalf("checkout led to %s", b.path())
	}
	b.shot("pay-summary")
	b.expectText("#discount", "7,90")
	b.expectText("#vat", "15,64")
	b.expectText("#total", "86,74")

	// Declined: back on the pay page, the order unpaid.
	b.pay(false)
	b.expectPath("/shop/pay/" + number)
	b.expectError("pay-declined", "rifiutato")
	if o := order(t, s, number); o.State != "ordered" || o.Declines != 1 {
		t.Fatalf("after a decline the order is %+v", o)
	}

	// Approved: the customer area says so and offers the details form.
	paid := b.pay(true)
	b.expectPath("/shop/orders")
	b.shot("orders-paid")
	b.expectText("#notice", number)
	link := b.eval(`document.querySelector(".details-link").value`)
	if !strings.Contains(link, "/shop/orders/"+number+"/details?t=") {
		t.Fatalf("copyable link = %q", link)
	}
	o := order(t, s, number)
	if o.State != "paid" || o.GrossCents != 8674 || o.PaymentRef == "" {
		t.Fatalf("paid order = %+v", o)
	}

	// The provider's notice replayed: the same answer, nothing changes.
	resp := postCallback(t, s, paid)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("replayed callback: %d", resp.StatusCode)
	}
	// Forged (the amount changed after signing): 400, nothing changes.
	forged := url.Values{}
	for k, v := range paid {
		forged[k] = v
	}
	forged.Set("amount", "1")
	if resp := postCallback(t, s, forged); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged callback: %d", resp.StatusCode)
	}
	if again := order(t, s, number); again.State != "paid" || len(again.Transitions) != len(o.Transitions) || again.PaymentRef != o.PaymentRef {
		t.Fatalf("replay or forgery changed the order: %+v", again)
	}

	// Details: a wrong check character, then the right code.
	b.submit(".complete")
	b.expectPath("/shop/orders/" + number + "/details")
	b.shot("details")
	b.click("#cit-it")
	b.fill("#taxcode", "RSSMRA80A01H501X", "#mobile", "+393331234567", "#doccountry", "IT")
	b.submit("#submit")
	b.expectError("details-wrong-tax-code", "carattere di controllo")
	if order(t, s, number).Details != nil {
		t.Fatal("refused details were stored")
	}
	b.fill("#taxcode", "RSSMRA80A01H501U")
	b.submit("#submit")
	b.expectPath("/shop/orders")
	b.shot("customer-area")
	o = order(t, s, number)
	if o.State != "details_submitted" || !enrol.ValidUserID(o.UserID) || o.Details.TaxCode != "RSSMRA80A01H501U" {
		t.Fatalf("order after details = %+v", o)
	}
	b.expectText("#service .order-number", number)
	b.expectText("#service .userid", o.UserID)

	// The "continue the activation" e-mail.
	var cont bool
	for _, m := range s.Outbox(t) {
		cont = cont || m.To == email && m.Purpose == "shop-continue" && strings.Contains(m.Text, o.UserID) && strings.Contains(m.Text, s.URL+"/shop/orders")
	}
	if !cont {
		t.Fatal("no \"continue the activation\" e-mail with the UserID and the link")
	}

	// The coupon had one use: a second customer is told it is used up.
	c := newTab(t, s)
	c.register("anna.verdi@example.org", "IT")
	c.fill("#name", "Anna Verdi", "#taxid", "12345678903", "#address", "Via Po 2, Torino", "#coupon", "TEN")
	c.click("#consent-biometric")
	c.click("#consent-automated")
	c.submit("#submit")
	c.expectError("checkout-coupon-used-up", "used up")
}

func mustCustomer(t *testing.T, s *testutil.Server, email string) *storage.Customer {
	t.Helper()
	c, err := s.App.Store.CustomerByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A foreign citizen, in English, no coupon (9638); the details are filled
// by someone else through the copyable link, in a browser of their own.
func TestShopWalkForeignCitizen(t *testing.T) {
	s := testutil.StartServer(t)
	b := newTab(t, s)
	const email = "anna.schmidt@example.org"
	b.register(email, "DE")
	b.shot("checkout")
	b.expectText("#total", "96.38")
	b.fill("#name", "Anna Schmidt", "#taxid", "DE123456789", "#address", "Hauptstr. 1, 10115 Berlin")
	b.click("#consent-biometric")
	b.click("#consent-automated")
	b.submit("#submit")
	number := strings.TrimPrefix(b.path(), "/shop/pay/")
	b.expectText("#total", "96.38")
	b.pay(true)
	b.expectPath("/shop/orders")
	link := b.eval(`document.querySelector(".details-link").value`)

	// Someone else, not logged in, opens the link.
	other := newTab(t, s)
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	other.open(u.RequestURI())
	other.shot("details-by-link")
	other.click("#cit-other")
	other.fill("#given", "Anna", "#surname", "Schmidt", "#birth", "2015-03-04", "#mobile", "+4915112345678", "#doccountry", "DE")
	other.submit("#submit")
	other.expectError("details-minor", "date of birth")
	other.fill("#birth", "1985-03-04", "#mobile", "01511234")
	other.submit("#submit")
	other.expectError("details-bad-mobile", "international format")
	other.fill("#mobile", "+4915112345678")
	other.submit("#submit")
	other.shot("details-done")
	other.expectText("#notice", number)
	// A tampered link opens nothing.
	other.open("/shop/orders/" + number + "/details?t=AAAA")
	other.expectError("details-bad-link", "not valid")

	b.open("/shop/orders")
	b.shot("customer-area")
	o := order(t, s, number)
	if o.State != "details_submitted" || o.Details.Italian || o.Details.Surname != "Schmidt" || o.Details.BirthDate != "1985-03-04" || o.Details.DocCountry != "DE" {
		t.Fatalf("order after details = %+v", o)
	}
	b.expectText("#service .order-number", number)
	b.expectText("#service .userid", o.UserID)
	if !orderNumberRE.MatchString(b.text("#orders")) {
		t.Fatal("orders and invoices list no order number")
	}
}

// Forgot password: the same answer for an unknown address, a wrong code
// and a weak password refused, then the reset ends the other session.
func TestShopForgotPassword(t *testing.T) {
	s := testutil.StartServer(t)
	b := newTab(t, s)
	const email = "luca.bianchi@example.org"
	b.register(email, "IT")
	// A second browser logged in to the same account.
	other := newTab(t, s)
	other.open("/shop/login")
	other.fill("#email", email, "#password", password)
	other.submit("#submit")
	other.expectPath("/shop/orders")

	b.open("/shop/forgot")
	b.shot("forgot")
	b.fill("#email", "nobody@example.org")
	b.submit("#submit")
	unknown := b.text("#notice")
	b.open("/shop/forgot")
	b.fill("#email", email)
	b.submit("#submit")
	b.shot("forgot-sent")
	if known := b.text("#notice"); known != unknown {
		t.Fatalf("known address answered %q, unknown %q", known, unknown)
	}
	b.fill("#code", "000000", "#password", "Newer-Pass2?", "#password2", "Newer-Pass2?")
	b.submit("#submit")
	b.expectError("forgot-wrong-code", "wrong or has expired")
	b.fill("#code", s.LastCode(t, email), "#password", "short", "#password2", "short")
	b.submit("#submit")
	b.expectError("forgot-weak-password", "password")
	b.fill("#code", s.LastCode(t, email), "#password", "Newer-Pass2?", "#password2", "Newer-Pass2?")
	b.submit("#submit")
	b.expectPath("/shop/login")
	b.shot("forgot-done")
	b.expectText("#notice", "every session ended")

	// The other browser's session has ended.
	other.open("/shop/orders")
	other.expectPath("/shop/login")
	// The old password no longer works; the new one does.
	b.fill("#email", email, "#password", password)
	b.submit("#submit")
	b.expectError("login-old-password", "Wrong e-mail or password")
	b.fill("#email", email, "#password", "Newer-Pass2?")
	b.submit("#submit")
	b.expectPath("/shop/orders")
	b.shot("logged-in")
}
