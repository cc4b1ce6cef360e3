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
	b.T.Helper()
	b.Step("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// expectError fails unless the page shows an error containing want, and
// saves a screenshot of it.
func (b *tab) expectError(name, want string) {
	b.T.Helper()
	b.Shot(name)
	if !b.Has("#error") {
		b.T.Fatalf("%s: no error on the page; it says %s", name, b.Text("main"))
	}
	b.ExpectText("#error", want)
}

// register walks the register page and the e-mail code to the checkout.
func (b *tab) register(email, country string) {
	b.T.Helper()
	b.Open("/shop/register")
	b.Shot("register")
	b.Fill("#email", email, "#password", password, "#password2", password, "#country", country)
	b.click("#privacy")
	b.click("#marketing-no")
	b.click("#partners-yes")
	b.Submit("#submit")
	b.ExpectPath("/shop/verify")
	b.Shot("verify")
	b.Fill("#code", b.S.LastCode(b.T, email))
	b.Submit("#submit")
	b.ExpectPath("/shop/checkout")
}

// pay goes from the pay page through the dev provider's page and back to
// the shop; it returns the signed callback the provider gave the browser.
func (b *tab) pay(approve bool) url.Values {
	b.T.Helper()
	b.Submit("#pay")
	if !strings.HasPrefix(b.Path(), "/dev/pay/") {
		b.T.Fatalf("pay led to %s, want the dev provider's page", b.Path())
	}
	b.Shot("dev-provider")
	if approve {
		b.Submit("#approve")
	} else {
		b.Submit("#decline")
	}
	b.Shot("dev-provider-outcome")
	raw := b.Eval(`JSON.stringify(Object.fromEntries(new FormData(document.getElementById("callback"))))`)
	var fields map[string]string
	if err := json.Unmarshal([]byte(raw), &fields); err != nil {
		b.T.Fatalf("callback form %s: %v", raw, err)
	}
	v := url.Values{}
	for k, x := range fields {
		v.Set(k, x)
	}
	b.Submit("#return")
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
	b.Open("/shop/register?lang=it")
	b.Fill("#email", email, "#password", "password", "#password2", "password", "#country", "IT")
	b.click("#privacy")
	b.click("#marketing-no")
	b.click("#partners-no")
	b.Submit("#submit")
	b.expectError("register-weak-password", "una lettera maiuscola")
	if _, err := s.App.Store.CustomerByEmail(ctx, email); err == nil {
		t.Fatal("a refused registration stored a customer")
	}
	// The answers given are kept; only the password is typed again.
	if b.Eval(`document.getElementById("privacy").checked && document.getElementById("partners-no").checked`) != "true" {
		t.Fatal("the refused form lost the consents given")
	}
	b.Fill("#password", password, "#password2", password)
	b.Submit("#submit")
	b.ExpectPath("/shop/verify")
	b.Shot("verify")
	// A wrong code: refused, still unconfirmed.
	b.Fill("#code", "000000")
	b.Submit("#submit")
	b.expectError("verify-wrong-code", "Il codice è errato o scaduto")
	b.Fill("#code", s.LastCode(t, email))
	b.Submit("#submit")
	b.ExpectPath("/shop/checkout")
	b.Shot("checkout")
	b.ExpectText("#total", "96,38")
	b.ExpectText("#vat", "17,38")

	// Checkout: a wrong check character, then an unknown coupon.
	b.Fill("#name", "Mario Rossi", "#taxid", "RSSMRA80A01H501U", "#address", "Via Roma 1, 00100 Roma", "#reason", "Firma digitale")
	b.click("#consent-biometric")
	b.Submit("#submit")
	b.expectError("checkout-missing-consent", "entrambi i consensi")
	b.click("#consent-automated")
	b.Fill("#taxid", "RSSMRA80A01H501X")
	b.Submit("#submit")
	b.expectError("checkout-wrong-tax-code", "carattere di controllo")
	b.Fill("#taxid", "RSSMRA80A01H501U", "#coupon", "NOPE")
	b.Submit("#submit")
	b.expectError("checkout-unknown-coupon", "non esiste")
	if os, _ := s.App.Store.OrdersOf(ctx, mustCustomer(t, s, email).ID); len(os) != 0 {
		t.Fatalf("refused checkouts left %d orders", len(os))
	}
	b.Fill("#coupon", "ten")
	b.Submit("#submit")
	number := strings.TrimPrefix(b.Path(), "/shop/pay/")
	if !enrol.ValidOrderNumber(number) {
		t.Fatalf("checkout led to %s", b.Path())
	}
	b.Shot("pay-summary")
	b.ExpectText("#discount", "7,90")
	b.ExpectText("#vat", "15,64")
	b.ExpectText("#total", "86,74")

	// Declined: back on the pay page, the order unpaid.
	b.pay(false)
	b.ExpectPath("/shop/pay/" + number)
	b.expectError("pay-declined", "rifiutato")
	if o := order(t, s, number); o.State != "ordered" || o.Declines != 1 {
		t.Fatalf("after a decline the order is %+v", o)
	}

	// Approved: the customer area says so and offers the details form.
	paid := b.pay(true)
	b.ExpectPath("/shop/orders")
	b.Shot("orders-paid")
	b.ExpectText("#notice", number)
	link := b.Eval(`document.querySelector(".details-link").value`)
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
	b.Submit(".complete")
	b.ExpectPath("/shop/orders/" + number + "/details")
	b.Shot("details")
	b.click("#cit-it")
	b.Fill("#taxcode", "RSSMRA80A01H501X", "#mobile", "+393331234567", "#doccountry", "IT")
	b.Submit("#submit")
	b.expectError("details-wrong-tax-code", "carattere di controllo")
	if order(t, s, number).Details != nil {
		t.Fatal("refused details were stored")
	}
	b.Fill("#taxcode", "RSSMRA80A01H501U")
	b.Submit("#submit")
	b.ExpectPath("/shop/orders")
	b.Shot("customer-area")
	o = order(t, s, number)
	if o.State != "details_submitted" || !enrol.ValidUserID(o.UserID) || o.Details.TaxCode != "RSSMRA80A01H501U" {
		t.Fatalf("order after details = %+v", o)
	}
	b.ExpectText("#service .order-number", number)
	b.ExpectText("#service .userid", o.UserID)

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
	c.Fill("#name", "Anna Verdi", "#taxid", "12345678903", "#address", "Via Po 2, Torino", "#coupon", "TEN")
	c.click("#consent-biometric")
	c.click("#consent-automated")
	c.Submit("#submit")
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
	b.Shot("checkout")
	b.ExpectText("#total", "96.38")
	b.Fill("#name", "Anna Schmidt", "#taxid", "DE123456789", "#address", "Hauptstr. 1, 10115 Berlin")
	b.click("#consent-biometric")
	b.click("#consent-automated")
	b.Submit("#submit")
	number := strings.TrimPrefix(b.Path(), "/shop/pay/")
	b.ExpectText("#total", "96.38")
	b.pay(true)
	b.ExpectPath("/shop/orders")
	link := b.Eval(`document.querySelector(".details-link").value`)

	// Someone else, not logged in, opens the link.
	other := newTab(t, s)
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	other.Open(u.RequestURI())
	other.Shot("details-by-link")
	other.click("#cit-other")
	other.Fill("#given", "Anna", "#surname", "Schmidt", "#birth", "2015-03-04", "#mobile", "+4915112345678", "#doccountry", "DE")
	other.Submit("#submit")
	other.expectError("details-minor", "date of birth")
	other.Fill("#birth", "1985-03-04", "#mobile", "01511234")
	other.Submit("#submit")
	other.expectError("details-bad-mobile", "international format")
	other.Fill("#mobile", "+4915112345678")
	other.Submit("#submit")
	other.Shot("details-done")
	other.ExpectText("#notice", number)
	// A tampered link opens nothing.
	other.Open("/shop/orders/" + number + "/details?t=AAAA")
	other.expectError("details-bad-link", "not valid")

	b.Open("/shop/orders")
	b.Shot("customer-area")
	o := order(t, s, number)
	if o.State != "details_submitted" || o.Details.Italian || o.Details.Surname != "Schmidt" || o.Details.BirthDate != "1985-03-04" || o.Details.DocCountry != "DE" {
		t.Fatalf("order after details = %+v", o)
	}
	b.ExpectText("#service .order-number", number)
	b.ExpectText("#service .userid", o.UserID)
	if !orderNumberRE.MatchString(b.Text("#orders")) {
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
	other.Open("/shop/login")
	other.Fill("#email", email, "#password", password)
	other.Submit("#submit")
	other.ExpectPath("/shop/orders")

	b.Open("/shop/forgot")
	b.Shot("forgot")
	b.Fill("#email", "nobody@example.org")
	b.Submit("#submit")
	unknown := b.Text("#notice")
	b.Open("/shop/forgot")
	b.Fill("#email", email)
	b.Submit("#submit")
	b.Shot("forgot-sent")
	if known := b.Text("#notice"); known != unknown {
		t.Fatalf("known address answered %q, unknown %q", known, unknown)
	}
	b.Fill("#code", "000000", "#password", "Newer-Pass2?", "#password2", "Newer-Pass2?")
	b.Submit("#submit")
	b.expectError("forgot-wrong-code", "wrong or has expired")
	b.Fill("#code", s.LastCode(t, email), "#password", "short", "#password2", "short")
	b.Submit("#submit")
	b.expectError("forgot-weak-password", "password")
	b.Fill("#code", s.LastCode(t, email), "#password", "Newer-Pass2?", "#password2", "Newer-Pass2?")
	b.Submit("#submit")
	b.ExpectPath("/shop/login")
	b.Shot("forgot-done")
	b.ExpectText("#notice", "every session ended")

	// The other browser's session has ended.
	other.Open("/shop/orders")
	other.ExpectPath("/shop/login")
	// The old password no longer works; the new one does.
	b.Fill("#email", email, "#password", password)
	b.Submit("#submit")
	b.expectError("login-old-password", "Wrong e-mail or password")
	b.Fill("#email", email, "#password", "Newer-Pass2?")
	b.Submit("#submit")
	b.ExpectPath("/shop/orders")
	b.Shot("logged-in")
}
