package portal_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// BenchmarkPortalPages measures whole page requests of a logged-in holder
// over HTTP on 127.0.0.1: session check (two MACs in the token, one
// database read), the page's domain calls and rendering.
func BenchmarkPortalPages(b *testing.B) {
	s := testutil.StartServer(b)
	h := s.NewHolder(b, "ec-p256")
	resp := loginForBench(b, s, h)
	for _, path := range []string{"/portal/sign", "/portal/sign/report", "/portal/account"} {
		b.Run(path, func(b *testing.B) {
			req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
			req.AddCookie(resp)
			b.ReportAllocs()
			for b.Loop() {
				r, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, r.Body)
				r.Body.Close()
				if r.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", path, r.StatusCode)
				}
			}
		})
	}
}

// loginForBench logs in through the domain (the login page itself costs
// an argon2id hash) and returns the session cookie.
func loginForBench(b *testing.B, s *testutil.Server, h testutil.Holder) *http.Cookie {
	b.Helper()
	sess, err := s.App.Sessions.Login(b.Context(), h.ID, h.Password, "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	return &http.Cookie{Name: "qes_portal", Value: sess.Token}
}
