package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// hidden masks what differs between two answers by design: the random
// ticket and anti-forgery token.
var hidden = regexp.MustCompile(`name="(csrf|ticket)" value="[^"]*"`)

// The recovery pages answer a user ID or address that exists exactly as
// one that does not: the same status and the same page.
func TestRecoveryAnswersTheSameForEveryAccount(t *testing.T) {
	s := testutil.StartServer(t)
	ctx := context.Background()
	withContact := s.NewHolder(t, "ec-p256")
	addr := "rec." + withContact.ID + "@example.net"
	if err := s.App.Accounts.StartRecoveryEmail(ctx, withContact.ID, addr); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Accounts.ConfirmRecoveryEmail(ctx, withContact.ID, addr, s.LastCode(t, addr)); err != nil {
		t.Fatal(err)
	}
	without := s.NewHolder(t, "ec-p256")

	answer := func(path string, form url.Values) (int, string) {
		w := newWeb(t, s)
		w.get("/portal/recover/password")
		resp, body := w.post(path, form)
		return resp.StatusCode, hidden.ReplaceAllString(body, `name="$1" value=""`)
	}
	type reply struct {
		status int
		body   string
	}
	var first *reply
	for _, user := range []string{withContact.ID, without.ID, "no-such-user"} {
		for _, channel := range []string{"email", "sms"} {
			st, body := answer("/portal/recover/password/send", url.Values{"user": {user}, "channel": {channel}})
			// The page repeats the user ID as typed; compare the rest.
			body = regexp.MustCompile(regexp.QuoteMeta(user)).ReplaceAllString(body, "USER")
			r := &reply{st, body}
			if first == nil {
				first = r
				if st != http.StatusOK {
					t.Fatalf("%s by %s: %d", user, channel, st)
				}
				continue
			}
			if *r != *first {
				t.Fatalf("%s by %s answers differently (%d) from the first (%d):\n%s\n---\n%s", user, channel, st, first.status, body, first.body)
			}
		}
	}
	st1, b1 := answer("/portal/recover/userid", url.Values{"email": {addr}})
	st2, b2 := answer("/portal/recover/userid", url.Values{"email": {"nobody@example.net"}})
	if st1 != http.StatusOK || st1 != st2 || b1 != b2 {
		t.Fatalf("user ID reminder: %d and %d, pages differ: %v", st1, st2, b1 != b2)
	}
}

// The recovery pages speak Italian and English, switched like the login page.
func TestRecoveryPagesInBothLanguages(t *testing.T) {
	s := testutil.StartServer(t)
	w := newWeb(t, s)
	for _, c := range []struct{ path, want string }{
		{"/portal/login?lang=it", "Password dimenticata?"},
		{"/portal/recover/password", "Password dimenticata?"},
		{"/portal/recover/userid?lang=en", "Forgot your user ID?"},
		{"/portal/recover/userid?lang=it", "Inserisci l&#39;indirizzo e-mail di recupero"},
		{"/portal/recover/password", `href="/portal/recover/password?lang=en"`},
	} {
		if resp, body := w.get(c.path); resp.StatusCode != http.StatusOK || !strings.Contains(body, c.want) {
			t.Fatalf("%s: %d, missing %q", c.path, resp.StatusCode, c.want)
		}
	}
	resp, body := w.post("/portal/recover/password/send", url.Values{"user": {"someone"}, "channel": {"sms"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Se il nome utente esiste e ha quel contatto di recupero") {
		t.Fatalf("the code step in Italian: %d", resp.StatusCode)
	}
	resp, body = w.post("/portal/recover/password", url.Values{"user": {"someone"}, "ticket": {"x"}, "otp": {"123456"}, "new": {"debole"}, "confirm": {"debole"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Alla password manca") {
		t.Fatalf("a weak password in Italian: %d", resp.StatusCode)
	}
}

// A recovery form without its anti-forgery token does nothing; too many
// requests get 429 with Retry-After, never a 500.
func TestRecoveryFormsRefuseForgeryAndFloods(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	w := newWeb(t, s)
	w.get("/portal/recover/password")
	sent := len(s.Outbox(t))
	resp, body := w.post("/portal/recover/password/send", url.Values{"user": {h.ID}, "channel": {"sms"}, "csrf": {"forged"}})
	if resp.StatusCode != http.StatusForbidden || !regexp.MustCompile(`nothing was changed`).MatchString(body) {
		t.Fatalf("forged form: %d", resp.StatusCode)
	}
	resp, _ = w.post("/portal/recover/userid", url.Values{"email": {"a@example.net"}, "csrf": {"forged"}})
	if resp.StatusCode != http.StatusForbidden || len(s.Outbox(t)) != sent {
		t.Fatalf("forged reminder form: %d", resp.StatusCode)
	}
	// Bad input: no channel, no user ID, garbage code.
	w.get("/portal/recover/password")
	for _, form := range []url.Values{
		{"user": {h.ID}, "channel": {"fax"}},
		{"user": {""}, "channel": {"email"}},
	} {
		if resp, _ := w.post("/portal/recover/password/send", form); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%v: %d, want 400", form, resp.StatusCode)
		}
	}
	if resp, _ := w.post("/portal/recover/password", url.Values{"user": {h.ID}, "ticket": {"x"}, "otp": {"abc"}, "new": {"Good-Pass12!"}, "confirm": {"Good-Pass12!"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("garbage code: %d, want 400", resp.StatusCode)
	}
	limit := s.App.Accounts.RecoveryConfig().SendsPerSubject
	for i := 0; i <= limit; i++ {
		resp, _ = w.post("/portal/recover/password/send", url.Values{"user": {h.ID}, "channel": {"email"}})
	}
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("request %d: %d, Retry-After %q", limit+1, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}
