package console_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// FuzzDecision posts whatever a form can carry to the decision route of
// a logged-in officer: the answer is a page, never a server error, and
// the order moves only through a decision the rules allow.
func FuzzDecision(f *testing.F) {
	e := newEnv(f)
	number := e.identified(f, "anna@example.org", true, e.clock.Now().Add(-time.Hour))
	c := e.client(f)
	c.login("rossi", e.seed)
	tok := c.csrf("/operator/queue")
	f.Add("approve", "", "", "match", number)
	f.Add("reject", "r", "why", "", number)
	f.Add("retry", "\x00", "\xff\xfe", "maybe", "55-00000-0000000000")
	f.Add("", "", "", "", "../../etc/passwd")
	f.Fuzz(func(t *testing.T, action, review, reason, eyes, order string) {
		form := url.Values{"csrf": {tok}, "action": {action}, "review": {review}, "reason": {reason}, "f_eyes": {eyes}}
		ct := *c
		ct.t = t // helpers report to the fuzz target's t, not f
		resp, body := ct.do(http.MethodPost, "/operator/enrolments/"+url.PathEscape(order)+"/decision", form)
		if resp.StatusCode >= 500 {
			t.Fatalf("action %q review %q reason %q order %q: %d %s", action, review, reason, order, resp.StatusCode, body)
		}
	})
}
