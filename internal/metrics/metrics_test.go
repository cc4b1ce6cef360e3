package metrics

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/qesproject/qes/audit"
)

func TestAlgorithm(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, c := range []struct {
		pub  crypto.PublicKey
		opts crypto.SignerOpts
		want string
	}{
		{&ec.PublicKey, crypto.SHA384, "ecdsa-p384-sha384"},
		{&rk.PublicKey, crypto.SHA256, "rsa-2048-pkcs1-sha256"},
		{&rk.PublicKey, &rsa.PSSOptions{Hash: crypto.SHA512}, "rsa-2048-pss-sha512"},
		{"not a key", crypto.SHA256, "other"},
	} {
		if got := Algorithm(c.pub, c.opts); got != c.want {
			t.Errorf("Algorithm = %q, want %q", got, c.want)
		}
	}
}

// TestHTTPRouteLabel: the label is the pattern the mux matched, without
// its method; a path no pattern matched is "unmatched".
func TestHTTPRouteLabel(t *testing.T) {
	m := New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := m.HTTP(mux, nil)
	for _, path := range []string{"/items/1", "/items/2", "/other/3"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	if got := testutil.ToFloat64(m.httpRequests.WithLabelValues("/items/{id}", "GET", "418")); got != 2 {
		t.Errorf("pattern series = %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.httpRequests.WithLabelValues("unmatched", "GET", "404")); got != 1 {
		t.Errorf("unmatched series = %v, want 1", got)
	}
	if n := testutil.CollectAndCount(m.httpRequests); n != 2 {
		t.Errorf("%d series, want 2", n)
	}
}

// TestAuditObserved: denied authentications count as failures, the ones
// a lock answered also as lockouts; other events only time the append.
func TestAuditObserved(t *testing.T) {
	m := New()
	for _, ev := range []audit.Event{
		{Type: "auth.login", Outcome: "denied", Detail: map[string]string{"reason": "password"}},
		{Type: "auth.login", Outcome: "denied", Detail: map[string]string{"reason": "throttled"}},
		{Type: "credential.authorize", Outcome: "denied", Detail: map[string]string{"reason": "pin-blocked"}},
		{Type: "auth.login", Outcome: "ok"},
		{Type: "auth.login-attack", Outcome: "notified"},
		{Type: "signature.intent"},
	} {
		m.AuditObserved(ev, time.Millisecond, nil)
	}
	for _, c := range []struct {
		got, want float64
		what      string
	}{
		{testutil.ToFloat64(m.authFailures.WithLabelValues("auth.login")), 2, "login failures"},
		{testutil.ToFloat64(m.authFailures.WithLabelValues("credential.authorize")), 1, "authorize failures"},
		{testutil.ToFloat64(m.lockouts.WithLabelValues("auth.login", "throttled")), 1, "login lockouts"},
		{testutil.ToFloat64(m.lockouts.WithLabelValues("credential.authorize", "pin-blocked")), 1, "PIN lockouts"},
		{testutil.ToFloat64(m.lockouts.WithLabelValues("auth.login-attack", "throttle-started")), 1, "throttle started"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if err := testutil.CollectAndCompare(m.auditAppend, strings.NewReader(""), "qes_audit_append_duration_seconds"); err == nil {
		t.Error("the appends were not timed")
	}
}

type stats map[string]float64

func (s stats) DBStats() map[string]float64 { return s }

func TestWatchDB(t *testing.T) {
	m := New()
	m.WatchDB(stats{"bolt_free_pages": 3})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(rec.Body.String(), "\nqes_db_bolt_free_pages 3\n") {
		t.Fatalf("scrape lacks the store's gauge:\n%s", rec.Body.String())
	}
}

// BenchmarkHTTP is what the middleware adds to a request: a route label,
// a counter and a histogram (no access log).
func BenchmarkHTTP(b *testing.B) {
	m := New()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /csc/v2/signatures/signHash", func(w http.ResponseWriter, r *http.Request) {})
	h := m.HTTP(mux, nil)
	req := httptest.NewRequest(http.MethodPost, "/csc/v2/signatures/signHash", nil)
	w := httptest.NewRecorder()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}

// BenchmarkBare is the same mux without the middleware.
func BenchmarkBare(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /csc/v2/signatures/signHash", func(w http.ResponseWriter, r *http.Request) {})
	req := httptest.NewRequest(http.MethodPost, "/csc/v2/signatures/signHash", nil)
	w := httptest.NewRecorder()
	for b.Loop() {
		mux.ServeHTTP(w, req)
	}
}
