package storagetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// chainRecord is a record as testAuditChain's seals write it: enough to
// check the links without the audit package.
type chainRecord struct {
	Seq  uint64 `json:"seq"`
	Prev string `json:"prev"`
	Body string `json:"body"`
}

func chainHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// sealBodies chains one record per body; runs counts its runs.
func sealBodies(runs *int, bodies ...string) storage.AuditSeal {
	return func(seq uint64, prev string) ([][]byte, string, error) {
		if runs != nil {
			*runs++
		}
		var out [][]byte
		for _, b := range bodies {
			seq++
			raw, _ := json.Marshal(chainRecord{Seq: seq, Prev: prev, Body: b})
			out = append(out, raw)
			prev = chainHash(raw)
		}
		return out, prev, nil
	}
}

// checkChain reads the whole chain and fails on a gap, a broken link or a
// head that does not name the last record; it returns the bodies in order.
func checkChain(t *testing.T, s storage.AuditChain) []string {
	t.Helper()
	ctx := context.Background()
	headSeq, headHash, err := s.AuditHead(ctx)
	must(t, err)
	var bodies []string
	var last uint64
	prev := ""
	for {
		seqs, recs, err := s.AuditRecords(ctx, last, 7) // pages that do not divide the counts
		must(t, err)
		if len(recs) == 0 {
			break
		}
		for i, raw := range recs {
			var r chainRecord
			must(t, json.Unmarshal(raw, &r))
			if seqs[i] != last+1 || r.Seq != seqs[i] || r.Prev != prev {
				t.Fatalf("record stored as %d (after %d) is %+v, want seq %d chained to %q", seqs[i], last, r, last+1, prev)
			}
			last, prev = r.Seq, chainHash(raw)
			bodies = append(bodies, r.Body)
		}
	}
	if headSeq != last || headHash != prev {
		t.Fatalf("head is (%d, %s), the chain ends at (%d, %s)", headSeq, headHash, last, prev)
	}
	return bodies
}

// testAuditChain: records are chained after the stored head in one
// transaction; concurrent appenders (AppendAudit and UseSAD with a Chain)
// leave one chain without gaps; a refused SAD use chains nothing.
func testAuditChain(t *testing.T, s storage.Store) {
	ctx := context.Background()
	if seq, hash, err := s.AuditHead(ctx); err != nil || seq != 0 || hash != "" {
		t.Fatalf("empty chain's head = (%d, %q, %v), want (0, \"\", nil)", seq, hash, err)
	}
	must(t, s.AppendAudit(ctx, sealBodies(nil, "a", "b")))
	must(t, s.AppendAudit(ctx, sealBodies(nil))) // nothing to chain: nothing written
	must(t, s.AppendAudit(ctx, sealBodies(nil, "c")))
	if got := checkChain(t, s); fmt.Sprint(got) != "[a b c]" {
		t.Fatalf("chain = %v, want [a b c]", got)
	}
	if seqs, recs, err := s.AuditRecords(ctx, 1, 1); err != nil || len(recs) != 1 || seqs[0] != 2 {
		t.Fatalf("AuditRecords(after 1, limit 1) = %v, %d records, %v; want record 2", seqs, len(recs), err)
	}

	// A seal's failure writes nothing.
	failing := func(uint64, string) ([][]byte, string, error) { return nil, "", errs.E(errs.Internal, "seal fails") }
	wantKind(t, s.AppendAudit(ctx, failing), errs.Internal)

	// Concurrent appenders, half of them signatures: one chain, no gaps,
	// every acknowledged record in it exactly once; a refused use adds
	// nothing.
	must(t, s.CreateHolder(ctx, &storage.Holder{ID: "alice"}))
	must(t, s.CreateCredential(ctx, &storage.Credential{ID: "cred", HolderID: "alice", KeyEnabled: true}))
	const n = 24
	hashes := make([]string, n)
	for i := range hashes {
		hashes[i] = fmt.Sprintf("h%02d", i)
	}
	must(t, s.PutSAD(ctx, &storage.SAD{Key: []byte("sad"), Hashes: hashes, Remaining: n, ExpiresAt: time.Now().Add(time.Hour)}))
	take := func(h string) func(*storage.SAD, *storage.Credential, *storage.Certificate) error {
		return func(sad *storage.SAD, _ *storage.Credential, _ *storage.Certificate) error {
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
	wantKind(t, s.UseSAD(ctx, storage.SADUse{Key: []byte("sad"), CredentialID: "cred", Check: take("stranger"),
		Chain: sealBodies(nil, "refused")}), errs.HashNotAuthorized)
	var wg sync.WaitGroup
	errc := make(chan error, 2*n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			errc <- s.AppendAudit(ctx, sealBodies(nil, fmt.Sprintf("event%02d", i)))
		}()
		go func() {
			defer wg.Done()
			// Two callers race for each hash: exactly one chains its intent.
			errc <- s.UseSAD(ctx, storage.SADUse{Key: []byte("sad"), CredentialID: "cred", Check: take(hashes[i]),
				Chain: sealBodies(nil, "intent-"+hashes[i])})
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		must(t, err)
	}
	got := checkChain(t, s)
	if len(got) != 3+2*n {
		t.Fatalf("chain has %d records, want %d: %v", len(got), 3+2*n, got)
	}
	seen := map[string]int{}
	for _, b := range got {
		seen[b]++
	}
	for i := range n {
		for _, b := range []string{fmt.Sprintf("event%02d", i), "intent-" + hashes[i]} {
			if seen[b] != 1 {
				t.Errorf("%s is in the chain %d times, want once", b, seen[b])
			}
		}
	}
	if seen["refused"] != 0 {
		t.Errorf("a refused SAD use chained its intent")
	}
}
