package csc_test

import (
	"bufio"
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

func auditRecords(t *testing.T, dir string) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// Every authorize and signature is on record, without secrets, and
// `qesctl audit verify` checks the chain through the running server.
func TestAuditTrail(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
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
	raw, err := os.ReadFile(filepath.Join(s.DataDir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, secret := range []string{f.h.PIN, f.h.Password, sad, f.h.PUK} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Fatalf("the audit log contains a secret")
		}
	}
	for _, r := range auditRecords(t, s.DataDir) {
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
	s := testutil.StartServer(t)
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
	for _, r := range auditRecords(t, s.DataDir) {
		if r["type"] == "signature.result" {
			t.Fatal("a signature result was recorded")
		}
	}
}
