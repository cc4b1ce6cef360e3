package app_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/storage"
)

// TestSignatureIntentRelayedThroughOutbox: a signature's intent, written
// with the SAD's use, reaches the audit log before its result, and leaves
// the outbox once the log holds it.
func TestSignatureIntentRelayedThroughOutbox(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t, testutil.WithAuditInFile())
	ctx := context.Background()
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	sad, hash, st, body := authorize(t, s, tok, h, "relayed")
	if st != http.StatusOK {
		t.Fatalf("authorize: %d %v", st, body)
	}
	if st, body := signHash(t, s, tok, h, sad, hash); st != http.StatusOK {
		t.Fatalf("signHash: %d %v", st, body)
	}
	if err := s.App.Credentials.DrainAuditRelay(ctx); err != nil {
		t.Fatal(err)
	}
	if recs, err := s.App.Store.OutboxRecords(ctx, 10); err != nil || len(recs) != 0 {
		t.Fatalf("outbox after the relay: %v %v, want empty", recs, err)
	}
	if err := s.App.Audit.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	intentAt, resultAt := -1, -1
	for i, r := range auditRecords(t, s) {
		if r.Credential != h.CredentialID {
			continue
		}
		switch {
		case r.Type == "signature.intent" && r.Detail["intent"] != "" && r.Detail["recovered"] == "":
			intentAt = i
		case r.Type == "signature.result" && r.Outcome == "ok":
			resultAt = i
		}
	}
	if intentAt < 0 || resultAt < intentAt {
		t.Fatalf("intent at %d, result at %d: want the relayed intent before its result", intentAt, resultAt)
	}
}

// TestOutboxLeftByACrashIsRelayedAtStart: what a crash left in the outbox
// (committed with its SAD use, never relayed) is in the log, marked
// recovered, after the next start, the outbox is empty and the chain
// verifies.
func TestOutboxLeftByACrashIsRelayedAtStart(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t, testutil.WithAuditInFile())
	ctx := context.Background()
	key := []byte("crash-sad")
	if err := s.App.Store.PutSAD(ctx, &storage.SAD{Key: key, Hashes: []string{"aGFzaA=="}, Remaining: 1, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	ev, _ := json.Marshal(audit.Event{Type: "signature.intent", Holder: "someone", Credential: "crash-credential",
		Detail: map[string]string{"count": "1", "hashes": "f00d"}})
	rec := storage.OutboxRecord{ID: "00000000000000ff-0123456789abcdef", Event: ev, At: time.Now()}
	h := s.NewHolder(t, "ec-p256")
	cred, err := s.App.Store.Credential(ctx, h.CredentialID)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cred.Certificates[0])
	if err != nil {
		t.Fatal(err)
	}
	use := storage.SADUse{Key: key, CredentialID: h.CredentialID, CertificateSerial: ca.RegisterKey(leaf), Intent: rec,
		Check: func(sad *storage.SAD, _ *storage.Credential, _ *storage.Certificate) error {
			sad.Remaining = 0
			return nil
		}}
	if err := s.App.Store.UseSAD(ctx, use); err != nil {
		t.Fatal(err)
	}

	s = s.Restart(t)
	if recs, err := s.App.Store.OutboxRecords(ctx, 10); err != nil || len(recs) != 0 {
		t.Fatalf("outbox after the start: %v %v, want empty", recs, err)
	}
	found := 0
	for _, r := range auditRecords(t, s) {
		if r.Credential == "crash-credential" {
			found++
			if r.Type != "signature.intent" || r.Detail["recovered"] != "true" || r.Detail["intent"] != rec.ID || r.Detail["hashes"] != "f00d" {
				t.Errorf("recovered record = %+v", r)
			}
		}
	}
	if found != 1 {
		t.Fatalf("%d records of the outbox's intent in the log, want 1", found)
	}
	if rep, err := audit.Verify(ctx, filepath.Join(s.DataDir, "audit.jsonl"), s.App.Store); err != nil || rep.Problem != "" {
		t.Fatalf("audit verify after the relay: %+v %v", rep, err)
	}
}
