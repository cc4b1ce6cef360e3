package storagetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// testAuditOutbox: a SAD use and its audit record are durable together or
// not at all, each hash is spent once under concurrent callers, and every
// winner (and only a winner) leaves exactly one outbox record.
func testAuditOutbox(t *testing.T, s storage.Store) {
	ctx := context.Background()
	const n = 32
	hashes := make([]string, n)
	for i := range hashes {
		hashes[i] = fmt.Sprintf("h%02d", i)
	}
	must(t, s.PutSAD(ctx, &storage.SAD{Key: []byte("sad"), Hashes: hashes, Remaining: n, ExpiresAt: time.Now().Add(time.Hour)}))
	must(t, s.CreateHolder(ctx, &storage.Holder{ID: "alice"}))
	must(t, s.CreateCredential(ctx, &storage.Credential{ID: "cred", HolderID: "alice", KeyEnabled: true}))
	must(t, s.CreateCertificate(ctx, &storage.Certificate{Serial: "0b", CredentialID: "cred", Status: storage.CertActive}))
	var take func(h string) func(*storage.SAD, *storage.Credential, *storage.Certificate) error
	use := func(key []byte, id string, h string) storage.SADUse {
		return storage.SADUse{Key: key, CredentialID: "cred", CertificateSerial: "0b", Check: take(h),
			Intent: storage.OutboxRecord{ID: id, Event: []byte(`{"hash":"` + h + `"}`), At: time.Now()}}
	}
	take = func(h string) func(*storage.SAD, *storage.Credential, *storage.Certificate) error {
		return func(sad *storage.SAD, cred *storage.Credential, cert *storage.Certificate) error {
			if cred == nil || cred.ID != "cred" || !cred.KeyEnabled {
				return errs.Ef(errs.Internal, "check given credential %+v", cred)
			}
			if cert == nil || cert.Serial != "0b" {
				return errs.Ef(errs.Internal, "check given certificate %+v", cert)
			}
			if cert.Status != storage.CertActive {
				return errs.M(errs.CredentialUnusable, msg.CertRevoked)
			}
			for i, x := range sad.Hashes {
				if x == h {
					sad.Hashes = append(sad.Hashes[:i:i], sad.Hashes[i+1:]...)
					sad.Remaining--
					return nil
				}
			}
			return errs.M(errs.HashNotAuthorized, msg.HashNotAuthorized)
		}
	}

	// A missing SAD, a refusing check and a certificate revoked before
	// the use write nothing; a missing certificate record reaches the
	// check as nil.
	wantKind(t, s.UseSAD(ctx, use([]byte("nope"), "0-missing", "h00")), errs.NotFound)
	wantKind(t, s.UseSAD(ctx, use([]byte("sad"), "0-refused", "stranger")), errs.HashNotAuthorized)
	must(t, s.UpdateCertificate(ctx, "0b", func(c *storage.Certificate) error { c.Status = storage.CertRevoked; return nil }))
	wantKind(t, s.UseSAD(ctx, use([]byte("sad"), "0-revoked", "h00")), errs.CredentialUnusable)
	must(t, s.UpdateCertificate(ctx, "0b", func(c *storage.Certificate) error { c.Status = storage.CertActive; return nil }))
	var sawNil bool
	noCert := use([]byte("sad"), "0-nocert", "h00")
	noCert.CertificateSerial = "ff"
	noCert.Check = func(_ *storage.SAD, _ *storage.Credential, cert *storage.Certificate) error {
		sawNil = cert == nil
		return errs.M(errs.CredentialUnusable, msg.CertRevoked)
	}
	wantKind(t, s.UseSAD(ctx, noCert), errs.CredentialUnusable)
	if !sawNil {
		t.Fatal("a certificate missing from the register must reach the check as nil")
	}
	if recs, err := s.OutboxRecords(ctx, 10); err != nil || len(recs) != 0 {
		t.Fatalf("outbox after refusals = %v, %v; want empty", recs, err)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	won := map[string]string{} // record ID -> hash
	for i, h := range hashes {
		for copy := range 2 { // every hash asked for twice
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("%04d-%d", i, copy)
				err := s.UseSAD(ctx, use([]byte("sad"), id, h))
				switch {
				case err == nil:
					mu.Lock()
					won[id] = h
					mu.Unlock()
				case !errs.Is(err, errs.HashNotAuthorized) && !errs.Is(err, errs.NotFound):
					t.Errorf("use %s: %v", h, err)
				}
			}()
		}
	}
	wg.Wait()
	spent := map[string]int{}
	for _, h := range won {
		spent[h]++
	}
	for _, h := range hashes {
		if spent[h] != 1 {
			t.Errorf("hash %s spent %d times, want once", h, spent[h])
		}
	}
	// The last hash spent the SAD to zero: it is gone.
	wantKind(t, s.UpdateSAD(ctx, []byte("sad"), func(*storage.SAD) error { return nil }), errs.NotFound)

	all, err := s.OutboxRecords(ctx, 1000)
	must(t, err)
	if len(all) != len(won) {
		t.Fatalf("outbox holds %d records, %d uses won", len(all), len(won))
	}
	for i, r := range all {
		if _, ok := won[r.ID]; !ok {
			t.Errorf("outbox record %s belongs to no winning use", r.ID)
		}
		if i > 0 && all[i-1].ID >= r.ID {
			t.Errorf("outbox not in ID order: %s before %s", all[i-1].ID, r.ID)
		}
	}
	first, err := s.OutboxRecords(ctx, 5)
	must(t, err)
	if len(first) != 5 || first[0].ID != all[0].ID {
		t.Fatalf("OutboxRecords(5) = %d records starting %v", len(first), first)
	}

	ids := []string{"unknown"}
	for _, r := range first {
		ids = append(ids, r.ID)
	}
	must(t, s.DeleteOutboxRecords(ctx, ids))
	rest, err := s.OutboxRecords(ctx, 1000)
	must(t, err)
	if len(rest) != len(all)-5 || rest[0].ID != all[5].ID {
		t.Fatalf("after deleting 5 of %d: %d left starting %s", len(all), len(rest), rest[0].ID)
	}
}
