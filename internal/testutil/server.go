package testutil

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/app"
	"github.com/qesproject/qes/internal/config"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/operator"
	"github.com/qesproject/qes/otp"
)

// Server is a real qesd: the wired App serving HTTP on 127.0.0.1, with its
// own data directory and bbolt file, on the process's SoftHSM2 token.
type Server struct {
	URL string
	App *app.App
	// MetricsURL is the base URL of /metrics's own listener (WithMetrics).
	MetricsURL string
	Clock      *Clock
	DataDir    string

	t      testing.TB
	cancel context.CancelFunc
	done   chan error
	ln     net.Listener
	mu     sync.Mutex
	closed bool
}

// ServerOption adjusts a test server.
type ServerOption func(*Setup)

// Setup is what a ServerOption can change.
type Setup struct {
	Config *config.Config
	// Argon is the password/PIN hashing cost; tests default to secret.Fast,
	// benchmarks of authorize use the production default.
	Argon secret.Params
	// LogWriter, when set, receives everything the server logs (debug
	// level and up, as text), besides the warnings the test log gets:
	// tests grep it for what must never be logged.
	LogWriter io.Writer
	// Metrics serves /metrics on a listener of its own on 127.0.0.1.
	Metrics bool
}

// WithMetrics serves /metrics on a second 127.0.0.1 listener, as
// metrics.listen does in qes.json; Server.MetricsURL points at it.
func WithMetrics() ServerOption { return func(s *Setup) { s.Metrics = true } }

// WithLogWriter sends a copy of the server's log, at every level, to w;
// w must be safe for concurrent writes (LogBuffer is).
func WithLogWriter(w io.Writer) ServerOption { return func(s *Setup) { s.LogWriter = w } }

// WithArgon sets the argon2id cost.
func WithArgon(p secret.Params) ServerOption { return func(s *Setup) { s.Argon = p } }

// WithAuditInStore keeps the audit log in the store (storage.audit
// "store"), as a deployment of several nodes does.
func WithAuditInStore() ServerOption {
	return func(s *Setup) { s.Config.Storage.Audit = config.AuditInStore }
}

// WithAuditInFile keeps the audit log in its file whatever AuditEnv
// says: for the tests of the file log itself (a cut file, a full disk,
// the outbox relay).
func WithAuditInFile() ServerOption {
	return func(s *Setup) { s.Config.Storage.Audit = config.AuditInFile }
}

// AuditLines returns the audit log's records as they are stored, in
// order: the file's lines, or the store's chain.
func (s *Server) AuditLines(t testing.TB) [][]byte {
	t.Helper()
	if !s.App.Audit.InStore() {
		raw, err := os.ReadFile(filepath.Join(s.DataDir, "audit.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		raw = bytes.TrimSuffix(raw, []byte("\n"))
		if len(raw) == 0 {
			return nil
		}
		return bytes.Split(raw, []byte("\n"))
	}
	var out [][]byte
	for {
		_, recs, err := s.App.Store.AuditRecords(context.Background(), uint64(len(out)), 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			return out
		}
		out = append(out, recs...)
	}
}

// AuditText is AuditLines as the file holds them: one record a line.
func (s *Server) AuditText(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, l := range s.AuditLines(t) {
		b.Write(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// StartServer starts a server in a fresh data directory. The clock starts
// at the real current time (certificates are issued at it) and can be
// advanced.
func StartServer(t testing.TB, opts ...ServerOption) *Server {
	t.Helper()
	return startServer(t, t.TempDir(), NewClock(time.Now().UTC().Truncate(time.Second)), opts...)
}

// StartServerIn starts a server whose data directory is dir (for tests
// that put it on a filesystem of their own, such as a small tmpfs).
func StartServerIn(t testing.TB, dir string, opts ...ServerOption) *Server {
	t.Helper()
	return startServer(t, dir, NewClock(time.Now().UTC().Truncate(time.Second)), opts...)
}

func startServer(t testing.TB, dir string, clock *Clock, opts ...ServerOption) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listen = ln.Addr().String()
	useStorage(t, cfg)
	if cfg.PublicURL == "http://127.0.0.1:8080" {
		cfg.PublicURL = "http://" + ln.Addr().String()
	}
	setup := &Setup{Config: cfg, Argon: secret.Fast}
	for _, o := range opts {
		o(setup)
	}
	var mln net.Listener
	if setup.Metrics {
		if mln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			_ = ln.Close()
			t.Fatal(err)
		}
	}
	a, err := app.Open(context.Background(), cfg, app.Options{
		HSM: HSM(t), Now: clock.Now, Argon: &setup.Argon,
		Log: testLogger(t, setup.LogWriter), MetricsListener: mln,
	})
	if err != nil {
		_ = ln.Close()
		if mln != nil {
			_ = mln.Close()
		}
		t.Fatalf("open app: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{URL: "http://" + ln.Addr().String(), App: a, Clock: clock, DataDir: dir, t: t, cancel: cancel, done: make(chan error, 1), ln: ln}
	if mln != nil {
		s.MetricsURL = "http://" + mln.Addr().String()
	}
	go func() { s.done <- a.Run(ctx, ln) }()
	t.Cleanup(s.Stop)
	return s
}

// Stop shuts the server down and closes its App; safe to call twice.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	s.cancel()
	if err := <-s.done; err != nil {
		s.t.Errorf("serve: %v", err)
	}
	if err := s.App.Close(); err != nil {
		s.t.Errorf("close app: %v", err)
	}
}

// Restart stops the server and starts a new one on the same data directory
// and clock, as an operator restarting qesd would. The new server has a new
// port, so certificates issued before point at the old one.
func (s *Server) Restart(t testing.TB) *Server {
	s.Stop()
	return startServer(t, s.DataDir, s.Clock)
}

var holderSeq atomic.Int64

// Holder is a test account with one credential.
type Holder struct {
	ID, Password, PIN, PUK, ERC, CredentialID, Phone string
}

// NewHolder creates a holder with a credential of the given key type
// through the same operation `qesctl holder create` uses.
func (s *Server) NewHolder(t testing.TB, key string) Holder {
	t.Helper()
	n := holderSeq.Add(1)
	h := Holder{ID: fmt.Sprintf("holder%d", n), Password: "Secret-Pass1!", PIN: "246813", Phone: fmt.Sprintf("+3933300%05d", n)}
	res, err := s.App.Operator.CreateHolder(context.Background(), operator.HolderRequest{
		UserID: h.ID, Password: h.Password, PIN: h.PIN, Phone: h.Phone, Email: h.ID + "@example.org", Key: key,
		GivenName: "Mario", Surname: "Rossi", Country: "IT", SemanticsID: "TINIT-RSSMRA80A01H501U",
	})
	if err != nil {
		t.Fatalf("create holder: %v", err)
	}
	h.CredentialID, h.PUK, h.ERC = res.CredentialID, res.PUK, res.ERC
	return h
}

// Outbox returns every message the dev outbox holds.
func (s *Server) Outbox(t testing.TB) []otp.Message {
	t.Helper()
	f, err := os.Open(filepath.Join(s.DataDir, "outbox.jsonl"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []otp.Message
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m otp.Message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("outbox line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// LastCode is the newest code sent to phone or address to.
func (s *Server) LastCode(t testing.TB, to string) string {
	t.Helper()
	msgs := s.Outbox(t)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To == to && msgs[i].Code != "" {
			return msgs[i].Code
		}
	}
	t.Fatalf("no code in the outbox for %s", to)
	return ""
}

// Post sends a JSON POST and decodes the JSON answer (if any).
func (s *Server) Post(t testing.TB, path, token string, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(http.MethodPost, s.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return Do(t, req)
}

// Do sends req, holds the answer to openapi.yaml (see DoRaw) and decodes
// its JSON body, which must be an object. Use DoRaw for answers that are not
// JSON.
func Do(t testing.TB, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, raw := DoRaw(t, req)
	if len(raw) == 0 {
		return resp.StatusCode, nil
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s %s: status %d with Content-Type %q (DoRaw reads answers that are not JSON): %s", req.Method, req.URL.Path, resp.StatusCode, ct, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %s", req.Method, req.URL.Path, raw)
	}
	return resp.StatusCode, out
}

// DoRaw sends req and returns the answer with its body read. It fails the
// test on a 500 (qes must never answer client input with one) and on any
// departure from openapi.yaml (CheckContract): every end-to-end call goes
// through here, so no route or answer can change without its description.
func DoRaw(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		reqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented && resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("%s %s: status %d: %s", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	answered := req
	if resp.Request != nil && resp.Request.URL.String() != req.URL.String() {
		answered, reqBody = resp.Request, nil // after a redirect
	}
	if err := CheckContract(answered, reqBody, resp, raw); err != nil {
		t.Fatal(err)
	}
	return resp, raw
}

// Get sends a GET through DoRaw.
func (s *Server) Get(t testing.TB, path string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return DoRaw(t, req)
}

// Login returns a service access token for h through auth/login.
func (s *Server) Login(t testing.TB, version, user, password string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/csc/"+version+"/auth/login", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(user, password)
	status, body := Do(t, req)
	if status != http.StatusOK {
		t.Fatalf("login %s: %d %v", user, status, body)
	}
	return body["access_token"].(string)
}
