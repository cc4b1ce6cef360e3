package csc_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

func auditRecords(t *testing.T, s *testutil.Server) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range s.AuditLines(t) {
		var r map[string]any
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// auditPlaces runs a test with the audit log in its file and in the store.
var auditPlaces = []struct {
	name string
	opts []testutil.ServerOption
}{
	{"file", nil},
	{"store", []testutil.ServerOption{testutil.WithAuditInStore()}},
}

// Every authorize and signature is on record, without secrets, and
// `qesctl audit verify` checks the chain through the running server.
func TestAuditTrail(t *testing.T) {
	t.Parallel()
	for _, place := range auditPlaces {
		t.Run(place.name, func(t *testing.T) {
			t.Parallel()
			testAuditTrail(t, testutil.StartServer(t, place.opts...))
		})
	}
}

func testAuditTrail(t *testing.T, s *testutil.Server) {
	f := newFlow(t, s, "ec-p256")
	h, _ := randomHashes(t, crypto.SHA256, 2)
	sad := f.authorize(2, h, "")
	if st, body := f.signHash(sad, h, ecdsaSHA256, "", ""); st != 200 {
		t.Fatalf("sign: %d %v", st, body)
	}
	f.authorizeWith(1, h[:1], "", "975318", f.otp()) // a refused attempt

	// The result record is appended after the response, with the next
	// fsync; Flush forces it to disk.
	if err := s.App.Audit.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw := bytes.Join(s.AuditLines(t), nil)
	types := map[string]int{}
	for _, secret := range []string{f.h.PIN, f.h.Password, sad, f.h.PUK} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Fatalf("the audit log contains a secret")
		}
	}
	for _, r := range auditRecords(t, s) {
		types[r["type"].(string)+"/"+strOf(r["outcome"])]++
	}
	for _, want := range []string{"credential.authorize/ok", "credential.authorize/denied", "signature.intent/", "signature.result/ok"} {
		if types[want] == 0 {
			t.Errorf("no %s record in %v", want, types)
		}
	}

	qesctl := testutil.Binary(t, "qesctl")
	out, err := execOutput(qesctl, "audit", "verify", "--data", s.DataDir)
	if err != nil || !strings.Contains(out, "audit log intact") {
		t.Fatalf("qesctl audit verify: %v %s", err, out)
	}
	if s.App.Audit.InStore() {
		return // the store's chain is tampered with in audit's own tests
	}
	// Edit one record on disk: the verifier must notice.
	edited := bytes.Replace(raw, []byte(`"outcome":"denied"`), []byte(`"outcome":"ok"`), 1)
	if err := os.WriteFile(filepath.Join(s.DataDir, "audit.jsonl"), edited, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = execOutput(qesctl, "audit", "verify", "--data", s.DataDir)
	if err == nil || !strings.Contains(out, "NOT intact") {
		t.Fatalf("an edited record must be detected: %v %s", err, out)
	}
}

func strOf(v any) string {
	s, _ := v.(string)
	return s
}

// If the audit intent cannot be written, nothing is signed.
func TestNoSignatureWithoutAudit(t *testing.T) {
	t.Parallel()
	for _, place := range auditPlaces {
		t.Run(place.name, func(t *testing.T) {
			t.Parallel()
			testNoSignatureWithoutAudit(t, testutil.StartServer(t, place.opts...))
		})
	}
}

func testNoSignatureWithoutAudit(t *testing.T, s *testutil.Server) {
	f := newFlow(t, s, "ec-p256")
	h, _ := randomHashes(t, crypto.SHA256, 1)
	sad := f.authorize(1, h, "")
	if err := s.App.Audit.Close(); err != nil {
		t.Fatal(err)
	}
	st, body := f.signHash(sad, h, ecdsaSHA256, "", "")
	wantError(t, st, body, 503, "temporarily_unavailable", "")
	if body["signatures"] != nil {
		t.Fatal("a signature was returned without an audit record")
	}
	for _, r := range auditRecords(t, s) {
		if r["type"] == "signature.result" {
			t.Fatal("a signature result was recorded")
		}
	}
}
