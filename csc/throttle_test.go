package csc_test

import (
	"crypto"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// The password throttle of issue 17, attacked as a stranger would: over
// real HTTP, from more than one loopback address (127.0.0.0/8 is all
// local on Linux; the server sees the TCP peer, it trusts no
// X-Forwarded-For).

// from is an HTTP client whose connections leave from ip.
func from(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

type answer struct {
	status     int
	retryAfter string
	body       string
}

// loginFrom posts auth/login with HTTP Basic from client c and checks the
// answer against openapi.yaml.
func loginFrom(t *testing.T, s *testutil.Server, c *http.Client, user, password string) answer {
	t.Helper()
	const body = `{}`
	req := loginReq(s, "v2", body, func(r *http.Request) { r.SetBasicAuth(user, password) })
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	check := loginReq(s, "v2", body, func(r *http.Request) { r.SetBasicAuth(user, password) })
	if err := testutil.CheckContract(check, []byte(body), resp, raw); err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header.Get("Retry-After"), string(raw)}
}

func TestLoginSprayingIsThrottled(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	c := from(t, "127.0.0.1")
	const perAddress = 20 // account.ThrottleConfig.AddressFailures
	for i := range 42 {
		a := loginFrom(t, s, c, fmt.Sprintf("sprayed%02d", i), "Summer2026!")
		want := http.StatusBadRequest
		if i >= perAddress {
			want = http.StatusTooManyRequests
		}
		if a.status != want {
			t.Fatalf("attempt %d: %d %s, want %d", i+1, a.status, a.body, want)
		}
		if want == http.StatusTooManyRequests && (a.retryAfter != "900" ||
			a.body != `{"error":"temporarily_unavailable","error_description":"Too many failed logins from your network: wait a few minutes and try again"}`+"\n") {
			t.Fatalf("attempt %d: Retry-After %q, body %s", i+1, a.retryAfter, a.body)
		}
	}
	// The holder behind the same address waits for the window too: the
	// address, not the account, is what is throttled here.
	if a := loginFrom(t, s, c, h.ID, h.Password); a.status != http.StatusTooManyRequests {
		t.Fatalf("right password from the spraying address: %d", a.status)
	}
	s.Clock.Advance(s.App.Accounts.Config().Throttle.Window)
	if a := loginFrom(t, s, c, h.ID, h.Password); a.status != http.StatusOK {
		t.Fatalf("after the window: %d %s", a.status, a.body)
	}
}

func TestLoginUnknownUserAnswersLikeKnown(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	// The known user ID from one address, an unknown one from another,
	// step by step: the same status, Retry-After and bytes each time,
	// through the failures, the delays (even the right password is
	// refused while delayed) and after them.
	known, unknown := from(t, "127.0.0.2"), from(t, "127.0.0.3")
	steps := []struct {
		name    string
		advance bool // move the clock past the current delay first
		right   bool // the known holder's right password (the unknown ID has none)
		status  int
	}{
		{"failure 1", false, false, 400},
		{"failure 2", false, false, 400},
		{"failure 3", false, false, 400},
		{"failure 4", false, false, 400},
		{"failure 5 starts the delay", false, false, 400},
		{"delayed", false, false, 429},
		{"delayed, right password", false, true, 429},
		{"after the delay", true, false, 400},
		{"delay doubled", false, false, 429},
	}
	for _, st := range steps {
		if st.advance {
			s.Clock.Advance(s.App.Accounts.Config().Throttle.PairDelay)
		}
		pw := "Wrong-Pass1!"
		if st.right {
			pw = h.Password
		}
		k := loginFrom(t, s, known, h.ID, pw)
		u := loginFrom(t, s, unknown, "nobody-here", pw)
		if k != u {
			t.Fatalf("%s: known %+v, unknown %+v", st.name, k, u)
		}
		if k.status != st.status {
			t.Fatalf("%s: %d %s, want %d", st.name, k.status, k.body, st.status)
		}
	}
	// The doubled delay is two minutes.
	if k := loginFrom(t, s, known, h.ID, h.Password); k.retryAfter != "120" {
		t.Fatalf("doubled delay: Retry-After %q", k.retryAfter)
	}
}

func TestStrangerCannotStopHolder(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	victim := h.ID + "@example.org"
	attacks := func() int {
		n := 0
		for _, m := range s.Outbox(t) {
			if m.Purpose == "notice-login-attack" && m.To == victim {
				n++
			}
		}
		return n
	}
	// Strangers guess the holder's password from three addresses until
	// each is delayed: 15 failures put the account under attack (10).
	strangers := []*http.Client{from(t, "127.0.0.2"), from(t, "127.0.0.3"), from(t, "127.0.0.4")}
	for _, c := range strangers {
		for range 7 {
			loginFrom(t, s, c, h.ID, "Guess-Pass1!")
		}
	}
	if n := attacks(); n != 1 {
		t.Fatalf("attack e-mails after the first wave: %d, want 1", n)
	}
	// A second wave in the same window: no second e-mail.
	s.Clock.Advance(s.App.Accounts.Config().Throttle.PairDelay)
	for _, c := range strangers {
		if a := loginFrom(t, s, c, h.ID, "Guess-Pass1!"); a.status != http.StatusBadRequest {
			t.Fatalf("a stranger after the delay: %d %s", a.status, a.body)
		}
		if a := loginFrom(t, s, c, h.ID, h.Password); a.status != http.StatusTooManyRequests {
			t.Fatalf("under attack, one failure delays an address: %d %s", a.status, a.body)
		}
	}
	if n := attacks(); n != 1 {
		t.Fatalf("attack e-mails after the second wave: %d, want 1", n)
	}
	for _, m := range s.Outbox(t) {
		if m.Purpose == "notice-login-attack" && !strings.Contains(m.Text, "wrong passwords were tried on your account") {
			t.Fatalf("attack e-mail text: %q", m.Text)
		}
	}

	// The holder, from their own address, logs in and signs.
	a := loginFrom(t, s, from(t, "127.0.0.1"), h.ID, h.Password)
	if a.status != http.StatusOK {
		t.Fatalf("the holder's login during the attack: %d %s", a.status, a.body)
	}
	token := strings.TrimSuffix(strings.SplitN(strings.SplitN(a.body, `"access_token":"`, 2)[1], `"`, 2)[0], "\n")
	hashes, _ := randomHashes(t, crypto.SHA256, 1)
	sad := s.Authorize(t, token, h, 1, hashes...)
	st, body := s.Post(t, "/csc/v2/signatures/signHash", token, map[string]any{
		"credentialID": h.CredentialID, "SAD": sad, "hashes": hashes, "signAlgo": "1.2.840.10045.4.3.2",
	})
	if st != http.StatusOK {
		t.Fatalf("the holder's signHash during the attack: %d %v", st, body)
	}
	if sigs, _ := body["signatures"].([]any); len(sigs) != 1 {
		t.Fatalf("signatures: %v", body)
	}
}

// TestOAuthLoginSprayingIsThrottled: the OAuth login page shares the
// throttle: from one address, after 20 wrong passwords for different user
// IDs, the login form comes back with 429 and Retry-After.
func TestOAuthLoginSprayingIsThrottled(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	clientID, _, err := s.App.OAuth.RegisterClient(t.Context(), "Signer App", []string{redirectURI}, false)
	if err != nil {
		t.Fatal(err)
	}
	_, challenge := pkce(t)
	b := newBrowser(t)
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI}, "scope": {"service"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "state": {"s1"}}
	_, page, _ := b.get(s.URL + "/oauth2/authorize?" + q.Encode())
	txn := txnRE.FindStringSubmatch(page)[1]
	for i := range 42 {
		form := url.Values{"txn": {txn}, "step": {"login"}, "user": {fmt.Sprintf("sprayed%02d", i)}, "password": {"Summer2026!"}}
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/oauth2/authorize", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want, text := http.StatusOK, "wrong"
		if i >= 20 {
			want, text = http.StatusTooManyRequests, "Too many failed logins from your network"
		}
		if resp.StatusCode != want || !strings.Contains(string(body), text) || !strings.Contains(string(body), `name="password"`) {
			t.Fatalf("attempt %d: %d, want %d with %q: %s", i+1, resp.StatusCode, want, text, body)
		}
		if want == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "900" {
			t.Fatalf("attempt %d: Retry-After %q", i+1, resp.Header.Get("Retry-After"))
		}
	}
}
