package csc_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/config"
	"github.com/qesproject/qes/internal/testutil"
)

// withSignDoc sets the server's signDoc bounds.
func withSignDoc(c config.SignDoc) testutil.ServerOption {
	return func(s *testutil.Setup) { s.Config.Service.SignDoc = c }
}

// TestSignDocRefusedDocumentsKillTheSAD: every document signDoc refuses
// under a SAD counts against it, in storage (the count survives a
// restart); the third refusal deletes the SAD, so a good document the SAD
// covers is then refused as an invalid SAD. Two refusals leave it usable.
func TestSignDocRefusedDocumentsKillTheSAD(t *testing.T) {
	t.Parallel()
	good := testutil.Fixture(t, "pades/simple.pdf")
	tests := []struct {
		name     string
		refusals int
		restart  bool // restart the server after the second refusal
		status   int
		desc     string
	}{
		{"two refusals leave the SAD", 2, false, http.StatusOK, ""},
		{"the third refusal kills the SAD", 3, false, http.StatusBadRequest, "Invalid parameter SAD"},
		{"the count survives a restart", 3, true, http.StatusBadRequest, "Invalid parameter SAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := testutil.StartServer(t)
			h := s.NewHolder(t, "ec-p256")
			tok := s.Login(t, "v2", h.ID, h.Password)
			bad := make([][]byte, tt.refusals)
			hashes := []string{testutil.SHA256B64(good)}
			for i := range bad {
				bad[i] = []byte(strings.Repeat("not a PDF ", i+1))
				hashes = append(hashes, testutil.SHA256B64(bad[i]))
			}
			// The SAD covers every bad document and the good one: the bad
			// ones reach the decoder, which refuses them.
			sad := s.Authorize(t, tok, h, len(hashes), hashes...)
			for i, doc := range bad {
				if tt.restart && i == 2 {
					s = s.Restart(t)
					tok = s.Login(t, "v2", h.ID, h.Password)
				}
				st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad,
					"documents": []any{map[string]any{"document": std64(doc), "signature_format": "P", "signAlgo": ecdsaSHA256}}})
				if desc, _ := body["error_description"].(string); st != http.StatusBadRequest || !strings.Contains(desc, "not a PDF") {
					t.Fatalf("bad document %d: got %d %v, want 400 naming a file that is not a PDF", i, st, body)
				}
			}
			st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad,
				"documents": []any{map[string]any{"document": std64(good), "signature_format": "P", "signAlgo": ecdsaSHA256}}})
			if tt.status == http.StatusOK {
				if st != http.StatusOK {
					t.Fatalf("after %d refusals the good document: got %d %v, want 200", tt.refusals, st, body)
				}
				return
			}
			wantError(t, st, body, tt.status, "invalid_request", tt.desc)
		})
	}
}

// TestSignDocRateLimitPerCredential: beyond the per-credential allowance
// signDoc answers 429 with Retry-After, whatever the call carries; another
// holder's credential keeps its own allowance.
func TestSignDocRateLimitPerCredential(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t, withSignDoc(config.SignDoc{Burst: 3, Every: config.Duration(time.Hour)}))
	h := s.NewHolder(t, "ec-p256")
	other := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	otherTok := s.Login(t, "v2", other.ID, other.Password)
	body := func(cred string) []byte {
		b, _ := json.Marshal(map[string]any{"credentialID": cred, "SAD": "bogus",
			"documents": []any{map[string]any{"document": std64([]byte("%PDF-1.7")), "signature_format": "P", "signAlgo": ecdsaSHA256}}})
		return b
	}
	tests := []struct {
		name       string
		tok, cred  string
		status     int
		retryAfter string
	}{
		{"first", tok, h.CredentialID, http.StatusBadRequest, ""},
		{"second", tok, h.CredentialID, http.StatusBadRequest, ""},
		{"third", tok, h.CredentialID, http.StatusBadRequest, ""},
		{"fourth is throttled", tok, h.CredentialID, http.StatusTooManyRequests, "3600"},
		{"another holder's credential is not", otherTok, other.CredentialID, http.StatusBadRequest, ""},
		{"naming the other credential uses the caller's own allowance", tok, other.CredentialID, http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/csc/v2/signatures/signDoc", bytes.NewReader(body(tt.cred)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tt.tok)
		resp, raw := testutil.DoRaw(t, req)
		if resp.StatusCode != tt.status || resp.Header.Get("Retry-After") != tt.retryAfter {
			t.Fatalf("%s: got %d Retry-After %q %s, want %d Retry-After %q", tt.name, resp.StatusCode, resp.Header.Get("Retry-After"), raw, tt.status, tt.retryAfter)
		}
		if tt.status == http.StatusTooManyRequests && !strings.Contains(string(raw), "temporarily_unavailable") {
			t.Fatalf("%s: %s, want temporarily_unavailable", tt.name, raw)
		}
	}
}

// heldRequest is a signDoc request whose body the test sends later: it asks
// for 100 Continue, which the server sends when the handler first reads
// the body, that is once the request has its share of the budget.
type heldRequest struct {
	body      *io.PipeWriter
	continued chan struct{} // closed on 100 Continue
	done      chan heldAnswer
}

type heldAnswer struct {
	status int
	err    error
}

func startHeld(t *testing.T, s *testutil.Server, tok string, length int64) *heldRequest {
	t.Helper()
	pr, pw := io.Pipe()
	h := &heldRequest{body: pw, continued: make(chan struct{}), done: make(chan heldAnswer, 1)}
	trace := &httptrace.ClientTrace{Got100Continue: func() { close(h.continued) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), trace), http.MethodPost, s.URL+"/csc/v2/signatures/signDoc", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Expect", "100-continue")
	// The body goes only after 100 Continue, however long that takes.
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Hour}}
	t.Cleanup(client.CloseIdleConnections)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			h.done <- heldAnswer{err: err}
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		h.done <- heldAnswer{status: resp.StatusCode}
	}()
	return h
}

// abort ends the held request's body early: the server fails to read it,
// answers and gives its budget back.
func (h *heldRequest) abort() { h.body.CloseWithError(errors.New("test: body aborted")) }

// waitContinue waits for h's 100 Continue; an answer instead (a refusal)
// fails the test.
func waitContinue(t *testing.T, h *heldRequest, what string) {
	t.Helper()
	select {
	case <-h.continued:
	case a := <-h.done:
		t.Fatalf("waiting for %s, the call was answered: %d %v", what, a.status, a.err)
	case <-t.Context().Done():
		t.Fatalf("gave up waiting for %s", what)
	}
}

// signDocRequest builds a real signDoc call for doc under sad.
func signDocRequest(t *testing.T, s *testutil.Server, tok string, h testutil.Holder, sad string, doc []byte) *http.Request {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"credentialID": h.CredentialID, "SAD": sad,
		"documents": []any{map[string]any{"document": std64(doc), "signature_format": "P", "signAlgo": ecdsaSHA256}}})
	req, err := http.NewRequest(http.MethodPost, s.URL+"/csc/v2/signatures/signDoc", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	return req
}

// TestSignDocBudgetRefusesWhenFull: with a 1 MB budget and a short wait,
// while one call holds 600 kB, a second of about 670 kB is answered 503
// with Retry-After; a call larger than the whole budget is refused at once
// with 400; once the first call ends the second goes through.
func TestSignDocBudgetRefusesWhenFull(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t, withSignDoc(config.SignDoc{Budget: 1_000_000, Wait: config.Duration(50 * time.Millisecond)}))
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	pdf := testutil.MakePDF(1, 500_000)
	sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(pdf))

	held := startHeld(t, s, tok, 600_000)
	waitContinue(t, held, "the first call to take its budget")

	resp, raw := testutil.DoRaw(t, signDocRequest(t, s, tok, h, sad, pdf))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" ||
		!strings.Contains(string(raw), "signing too many documents at once") {
		t.Fatalf("second call while the budget is held: %d Retry-After %q %s, want 503 Retry-After 1", resp.StatusCode, resp.Header.Get("Retry-After"), raw)
	}

	huge := signDocRequest(t, s, tok, h, sad, testutil.MakePDF(1, 800_000))
	resp, raw = testutil.DoRaw(t, huge)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), "larger than 1000000 bytes") {
		t.Fatalf("call larger than the budget: %d %s, want 400 naming the budget", resp.StatusCode, raw)
	}

	held.abort()
	if a := <-held.done; a.err == nil && a.status != http.StatusBadRequest {
		t.Fatalf("aborted call: %d, want 400 or a broken connection", a.status)
	}
	resp, raw = testutil.DoRaw(t, signDocRequest(t, s, tok, h, sad, pdf))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("second call once the budget is free: %d %s, want 200", resp.StatusCode, raw)
	}
}

// TestSignDocBudgetDelaysWithinTheWait: with a long wait, a call that does
// not fit while another holds the budget is not refused; it gets the
// budget (its 100 Continue) only after the holder has given it back, and
// signs.
func TestSignDocBudgetDelaysWithinTheWait(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t, withSignDoc(config.SignDoc{Budget: 1_000_000, Wait: config.Duration(time.Hour)}))
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	pdf := testutil.MakePDF(1, 500_000)
	sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(pdf))
	full, _ := io.ReadAll(signDocRequest(t, s, tok, h, sad, pdf).Body)

	first := startHeld(t, s, tok, 600_000)
	waitContinue(t, first, "the first call to take its budget")
	second := startHeld(t, s, tok, int64(len(full)))
	// The second call must not be let in while the first holds the budget
	// nor answered before it is: nothing may arrive until the first ends.
	select {
	case <-second.continued:
		t.Fatal("the second call got budget the first still holds")
	case a := <-second.done:
		t.Fatalf("the second call was answered while waiting: %d %v", a.status, a.err)
	default:
	}
	first.abort()
	<-first.done
	waitContinue(t, second, "the second call to take the budget the first gave back")
	go func() {
		_, _ = second.body.Write(full)
		second.body.Close()
	}()
	if a := <-second.done; a.err != nil || a.status != http.StatusOK {
		t.Fatalf("the delayed call: %d %v, want 200", a.status, a.err)
	}
}
