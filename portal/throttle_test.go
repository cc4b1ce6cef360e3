package portal_test

import (
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// webFrom is a browser whose connections leave from ip (any 127.0.0.0/8
// address is local on Linux): the portal throttles by TCP peer.
func webFrom(t *testing.T, s *testutil.Server, ip string) *web {
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &web{t: t, s: s, c: &http.Client{Jar: jar, Transport: tr}}
}

// TestPortalStrangerCannotLockHolder: issue 17. Wrong passwords from a
// stranger's address delay only that address; the holder logs in from
// their own; a known and an unknown user ID get the same answers.
func TestPortalStrangerCannotLockHolder(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	known, unknown := webFrom(t, s, "127.0.0.2"), webFrom(t, s, "127.0.0.3")
	steps := []struct {
		name   string
		status int
		text   string
	}{
		{"failure 1", http.StatusUnauthorized, "The user ID or password is wrong"},
		{"failure 2", http.StatusUnauthorized, "The user ID or password is wrong"},
		{"failure 3", http.StatusUnauthorized, "The user ID or password is wrong"},
		{"failure 4", http.StatusUnauthorized, "The user ID or password is wrong"},
		{"failure 5", http.StatusUnauthorized, "The user ID or password is wrong"},
		{"delayed", http.StatusTooManyRequests, "Too many failed logins for this user ID from your address: try again in 1 min"},
	}
	for _, st := range steps {
		k, kb := known.login(h.ID, "Wrong-Pass1!")
		u, ub := unknown.login("nobody-here", "Wrong-Pass1!")
		if k.StatusCode != st.status || u.StatusCode != st.status || !strings.Contains(kb, st.text) || !strings.Contains(ub, st.text) {
			t.Fatalf("%s: known %d, unknown %d, want %d %q", st.name, k.StatusCode, u.StatusCode, st.status, st.text)
		}
	}
	if resp, body := known.login(h.ID, h.Password); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "60" {
		t.Fatalf("right password from the stranger's address: %d %s", resp.StatusCode, body)
	}
	if resp, _ := webFrom(t, s, "127.0.0.1").login(h.ID, h.Password); resp.Request.URL.Path != "/portal/sign" {
		t.Fatalf("the holder from their own address: %s", resp.Request.URL.Path)
	}
}
