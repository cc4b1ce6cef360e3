package shop_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/testutil"
)

// client is the shop's customer over plain HTTP (testutil.WebClient),
// for checks below the browser (headers, refusals, the callback API).
type client struct {
	*testutil.WebClient
	t *testing.T
	s *testutil.Server
}

func newClient(t *testing.T, s *testutil.Server) *client {
	return &client{WebClient: testutil.NewWebClient(t, s), t: t, s: s}
}

func (c *client) do(method, path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	return c.Do(method, path, form)
}

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	return testutil.CSRF(t, page)
}

func TestPagesCarryThePortalsHeaders(t *testing.T) {
	s := testutil.StartServer(t)
	c := newClient(t, s)
	for _, path := range []string{"/shop/register", "/shop/login", "/shop/forgot", "/shop/verify", "/shop/nope"} {
		resp, body := c.do(http.MethodGet, path, nil)
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: headers %v", path, resp.Header)
		}
		if !strings.Contains(body, "<footer>") {
			t.Errorf("%s: not a page: %s", path, body)
		}
	}
	// A form without its token changes nothing.
	resp, _ := c.do(http.MethodPost, "/shop/register", url.Values{"email": {"x@example.org"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("register without CSRF: %d", resp.StatusCode)
	}
	// Pages behind the login send there.
	resp, _ = c.do(http.MethodGet, "/shop/orders", nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/shop/login") {
		t.Fatalf("orders without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// registerHTTP registers and confirms a customer with plain HTTP; the
// client then holds the session.
func (c *client) registerHTTP(email string) {
	c.t.Helper()
	_, page := c.do(http.MethodGet, "/shop/register", nil)
	form := url.Values{"csrf": {csrfOf(c.t, page)}, "email": {email}, "password": {password}, "password2": {password},
		"country": {"IT"}, "privacy": {"yes"}, "marketing": {"no"}, "marketing_partners": {"no"}}
	if resp, body := c.do(http.MethodPost, "/shop/register", form); resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	_, page = c.do(http.MethodGet, "/shop/verify?email="+url.QueryEscape(email), nil)
	form = url.Values{"csrf": {csrfOf(c.t, page)}, "email": {email}, "code": {c.s.LastCode(c.t, email)}}
	if resp, body := c.do(http.MethodPost, "/shop/verify", form); resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("verify: %d %s", resp.StatusCode, body)
	}
}

func TestRefusalsChangeNothing(t *testing.T) {
	s := testutil.StartServer(t)
	c := newClient(t, s)
	c.registerHTTP("zoe@example.org")
	_, page := c.do(http.MethodGet, "/shop/checkout", nil)
	csrf := csrfOf(t, page)
	checkout := url.Values{"csrf": {csrf}, "name": {"Zoe Neri"}, "taxid": {"RSSMRA80A01H501U"}, "address": {"Via Roma 1"}, "method": {"card"},
		"biometric": {"yes"}, "automated": {"yes"}}

	// A session form with a wrong CSRF token: 403, no order.
	forged := url.Values{}
	for k, v := range checkout {
		forged[k] = v
	}
	forged.Set("csrf", "x"+csrf[1:])
	if resp, _ := c.do(http.MethodPost, "/shop/checkout", forged); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("checkout with a forged token: %d", resp.StatusCode)
	}
	cust, err := s.App.Store.CustomerByEmail(context.Background(), "zoe@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if os, _ := s.App.Store.OrdersOf(context.Background(), cust.ID); len(os) != 0 {
		t.Fatal("a forged form placed an order")
	}
	resp, _ := c.do(http.MethodPost, "/shop/checkout", checkout)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("checkout: %d", resp.StatusCode)
	}
	number := strings.TrimPrefix(resp.Header.Get("Location"), "/shop/pay/")

	// The details form of an unpaid order: an illegal transition is a
	// 409 page with a message, never a 500.
	resp, body := c.do(http.MethodGet, "/shop/orders/"+number+"/details", nil)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "This order is awaiting payment: it cannot move to complete (details submitted)") {
		t.Fatalf("details of an unpaid order: %d %s", resp.StatusCode, body)
	}
	resp, body = c.do(http.MethodPost, "/shop/orders/"+number+"/details", url.Values{"csrf": {csrf}, "citizenship": {"it"},
		"taxcode": {"RSSMRA80A01H501U"}, "mobile": {"+393331234567"}, "doccountry": {"IT"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "This order is awaiting payment: it cannot move to complete (details submitted)") {
		t.Fatalf("details posted for an unpaid order: %d %s", resp.StatusCode, body)
	}
	// Someone else's order is not found.
	other := newClient(t, s)
	other.registerHTTP("yuri@example.org")
	if resp, _ := other.do(http.MethodGet, "/shop/pay/"+number, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("someone else's order: %d", resp.StatusCode)
	}

	// Callbacks that do not verify: 400 in the documented JSON shape.
	for _, v := range []url.Values{
		{"order": {number}, "status": {"paid"}, "amount": {"9638"}, "currency": {"EUR"}, "ref": {"x"}, "sig": {"00"}},
		{"order": {number}, "status": {"paid"}},
		{},
	} {
		resp := postCallback(t, s, v)
		if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("unsigned callback %v: %d %s", v, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	if o := order(t, s, number); o.State != "ordered" {
		t.Fatalf("bad callbacks changed the order: %+v", o)
	}
	// A signed notice with the wrong amount (signed by the provider, so
	// it verifies) is a conflict and changes nothing.
	wrong, err := s.App.DevPayments.Sign(enrol.Result{IntentID: "i", Order: number, Status: enrol.PaymentPaid, AmountCents: 1, Currency: "EUR", Ref: "dev-x"})
	if err != nil {
		t.Fatal(err)
	}
	if resp := postCallback(t, s, wrong); resp.StatusCode != http.StatusConflict {
		t.Fatalf("wrong amount: %d", resp.StatusCode)
	}
	if o := order(t, s, number); o.State != "ordered" {
		t.Fatalf("a mismatched notice changed the order: %+v", o)
	}

	// Logout ends the session: the same cookie no longer opens the area.
	_, page = c.do(http.MethodGet, "/shop/orders", nil)
	if resp, _ := c.do(http.MethodPost, "/shop/logout", url.Values{"csrf": {csrfOf(t, page)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if resp, _ := c.do(http.MethodGet, "/shop/orders", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("orders after logout: %d", resp.StatusCode)
	}
}
