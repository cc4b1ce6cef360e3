package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage/bolt"
)

func newLog(t *testing.T) (*audit.Log, string, *bolt.DB) {
	t.Helper()
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	path := filepath.Join(dir, "audit.jsonl")
	l, err := audit.Open(path, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	return l, path, db
}

func appendN(t *testing.T, l *audit.Log, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := l.Append(context.Background(), audit.Event{Type: "signature.intent", Holder: "alice", Credential: "c1", Detail: map[string]string{"n": fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(lines [][]byte) [][]byte
		problem string
	}{
		{"intact", func(l [][]byte) [][]byte { return l }, ""},
		{"edited outcome", func(l [][]byte) [][]byte {
			l[2] = bytes.Replace(l[2], []byte(`"holder":"alice"`), []byte(`"holder":"mallory"`), 1)
			return l
		}, "record 3 was edited"},
		{"deleted middle record", func(l [][]byte) [][]byte { return append(l[:2], l[3:]...) }, "sequence 4, want 3"},
		{"swapped records", func(l [][]byte) [][]byte { l[1], l[2] = l[2], l[1]; return l }, "sequence 3, want 2"},
		{"cut off the end", func(l [][]byte) [][]byte { return l[:len(l)-2] }, "cut off the end"},
		{"garbage line", func(l [][]byte) [][]byte { l[0] = []byte("{not json"); return l }, "line 1 is not a valid record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, path, db := newLog(t)
			appendN(t, l, 5)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lines := bytes.Split(bytes.TrimRight(raw, "\n"), []byte("\n"))
			if len(lines) != 5 {
				t.Fatalf("log has %d lines, want 5", len(lines))
			}
			lines = tt.tamper(lines)
			if err := os.WriteFile(path, append(bytes.Join(lines, []byte("\n")), '\n'), 0o600); err != nil {
				t.Fatal(err)
			}
			rep, err := audit.Verify(context.Background(), path, db)
			if err != nil {
				t.Fatal(err)
			}
			if tt.problem == "" && rep.Problem != "" {
				t.Fatalf("intact log reported %q", rep.Problem)
			}
			if tt.problem != "" && !strings.Contains(rep.Problem, tt.problem) {
				t.Fatalf("Problem = %q, want it to mention %q", rep.Problem, tt.problem)
			}
		})
	}
}

func TestChainContinuesAcrossReopenAndConcurrentAppends(t *testing.T) {
	l, path, db := newLog(t)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() { defer wg.Done(); appendN(t, l, 25) }()
	}
	wg.Wait()
	_ = l.Close()

	l2, err := audit.Open(path, db, func() time.Time { return time.Unix(0, 0) })
	if err != nil {
		t.Fatal(err)
	}
	seq, err := l2.Append(context.Background(), audit.Event{Type: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if seq != 201 {
		t.Fatalf("seq after reopen = %d, want 201", seq)
	}
	_ = l2.Close()
	rep, err := audit.Verify(context.Background(), path, db)
	if err != nil || rep.Problem != "" || rep.Records != 201 {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
}

func TestAppendAfterCloseFails(t *testing.T) {
	l, _, _ := newLog(t)
	_ = l.Close()
	if _, err := l.Append(context.Background(), audit.Event{Type: "x"}); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Append after Close = %v, want Unavailable", err)
	}
}

func TestOpenRefusesAlteredTail(t *testing.T) {
	l, path, db := newLog(t)
	appendN(t, l, 2)
	_ = l.Close()
	raw, _ := os.ReadFile(path)
	raw = bytes.Replace(raw, []byte(`"n":"1"`), []byte(`"n":"9"`), 1)
	_ = os.WriteFile(path, raw, 0o600)
	if _, err := audit.Open(path, db, nil); err == nil {
		t.Fatal("Open must refuse to chain onto an altered last record")
	}
}

// A write cut short (a crash, a full disk) leaves a last line without its
// newline. It was never acknowledged: Open cuts it off and the chain goes
// on from the last whole record. A whole but altered last line is refused.
func TestOpenCutsATornLastRecord(t *testing.T) {
	tests := []struct {
		name string
		tail string
		ok   bool
	}{
		{"half a record", `{"seq":3,"time":"2026-`, true},
		{"one byte", `{`, true},
		{"a stray byte after the last newline", "x", true},
		{"a damaged whole line", "not json\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, path, db := newLog(t)
			appendN(t, l, 2)
			_ = l.Close()
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = f.WriteString(tc.tail)
			_ = f.Close()
			l, err = audit.Open(path, db, nil)
			if !tc.ok {
				if err == nil {
					_ = l.Close()
					t.Fatal("Open chained onto a damaged whole record")
				}
				return
			}
			if err != nil {
				t.Fatalf("Open after a torn write: %v", err)
			}
			appendN(t, l, 1)
			_ = l.Close()
			rep, err := audit.Verify(context.Background(), path, db)
			if err != nil || rep.Problem != "" || rep.Records != 3 {
				t.Fatalf("after cutting the torn record: %+v %v", rep, err)
			}
		})
	}
}

func BenchmarkAppend(b *testing.B) {
	dir := b.TempDir()
	l, err := audit.Open(filepath.Join(dir, "audit.jsonl"), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ev := audit.Event{Type: "signature.result", Holder: "alice", Credential: "c1", Outcome: "ok"}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := l.Append(context.Background(), ev); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestAppendSoonRidesAlongOrFlushes(t *testing.T) {
	l, path, db := newLog(t)
	ctx := context.Background()
	l.AppendSoon(audit.Event{Type: "signature.result", Outcome: "ok"}, nil)
	// Nothing forces it yet; the next durable append carries it.
	if _, err := l.Append(ctx, audit.Event{Type: "signature.intent"}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, []byte(`"signature.result"`)) {
		t.Fatal("the waiting record must be written with the next Append")
	}
	// Alone, it is flushed after a short delay.
	l.AppendSoon(audit.Event{Type: "late"}, nil)
	deadline := time.Now().Add(2 * time.Second)
	for !bytes.Contains(raw, []byte(`"late"`)) {
		if time.Now().After(deadline) {
			t.Fatal("a lone AppendSoon record was never flushed")
		}
		time.Sleep(5 * time.Millisecond)
		raw, _ = os.ReadFile(path)
	}
	// And on Close.
	l.AppendSoon(audit.Event{Type: "at-close"}, nil)
	_ = l.Close()
	raw, _ = os.ReadFile(path)
	if !bytes.Contains(raw, []byte(`"at-close"`)) {
		t.Fatal("Close must write records still waiting")
	}
	rep, err := audit.Verify(ctx, path, db)
	if err != nil || rep.Problem != "" || rep.Records != 4 {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
	var got error
	l.AppendSoon(audit.Event{Type: "after-close"}, func(err error) { got = err })
	if !errs.Is(got, errs.Unavailable) {
		t.Fatalf("AppendSoon after Close reported %v", got)
	}
}

// AppendRelayed keeps its place among the appends, tells done only once
// the record is anchored, and tells it of a refusal after Close.
func TestAppendRelayedKeepsOrderAndReportsWhenAnchored(t *testing.T) {
	l, path, db := newLog(t)
	ctx := context.Background()
	type outcome struct {
		seq uint64
		err error
	}
	const n = 50
	dones := make(chan outcome, n)
	for i := range n {
		l.AppendRelayed(audit.Event{Type: "signature.intent", Detail: map[string]string{"n": fmt.Sprint(i)}}, func(seq uint64, err error) {
			dones <- outcome{seq, err}
		})
		l.AppendRelayed(audit.Event{Type: "signature.result", Detail: map[string]string{"n": fmt.Sprint(i)}}, nil)
	}
	seen := map[uint64]bool{}
	for range n {
		o := <-dones
		if o.err != nil {
			t.Fatal(o.err)
		}
		anchorSeq, _, err := db.AuditAnchor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if anchorSeq < o.seq {
			t.Fatalf("done told of record %d before the anchor (%d) covered it", o.seq, anchorSeq)
		}
		seen[o.seq] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct sequence numbers for %d relayed records", len(seen), n)
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(raw), []byte("\n"))
	if len(lines) != 2*n {
		t.Fatalf("%d records, want %d", len(lines), 2*n)
	}
	for i, line := range lines {
		var r audit.Record
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		want := map[bool]string{true: "signature.intent", false: "signature.result"}[i%2 == 0]
		if r.Type != want || r.Detail["n"] != fmt.Sprint(i/2) {
			t.Fatalf("record %d is %s %s, want %s %d: relayed records must keep their order", i, r.Type, r.Detail["n"], want, i/2)
		}
	}
	_ = l.Close()
	got := make(chan error, 1)
	l.AppendRelayed(audit.Event{Type: "after-close"}, func(_ uint64, err error) { got <- err })
	if err := <-got; !errs.Is(err, errs.Unavailable) {
		t.Fatalf("AppendRelayed after Close reported %v", err)
	}
}
