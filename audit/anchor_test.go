package audit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage/bolt"
)

// TestAcknowledgedRecordIsAnchored is the heart of the guarantee: when
// Append returns, the anchor in the database already covers the record, so
// no crash after that moment can lose it unseen.
// It holds for a HeadAnchor (bbolt, anchoring the newest durable head in
// its group commit) and for an Anchor that saves exactly what it is asked.
func TestAcknowledgedRecordIsAnchored(t *testing.T) {
	t.Run("head-anchor", func(t *testing.T) {
		l, _, db := newLog(t)
		testAcknowledgedRecordIsAnchored(t, l, db)
	})
	t.Run("plain-anchor", func(t *testing.T) {
		dir := t.TempDir()
		db, err := bolt.Open(filepath.Join(dir, "qes.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		l, err := audit.Open(filepath.Join(dir, "audit.jsonl"), plainAnchor{db}, nil)
		if err != nil {
			t.Fatal(err)
		}
		testAcknowledgedRecordIsAnchored(t, l, db)
	})
}

// plainAnchor hides the HeadAnchor method of the bbolt store.
type plainAnchor struct{ a audit.Anchor }

func (p plainAnchor) SaveAuditAnchor(ctx context.Context, seq uint64, hash []byte) error {
	return p.a.SaveAuditAnchor(ctx, seq, hash)
}

func (p plainAnchor) AuditAnchor(ctx context.Context) (uint64, []byte, error) {
	return p.a.AuditAnchor(ctx)
}

func testAcknowledgedRecordIsAnchored(t *testing.T, l *audit.Log, db *bolt.DB) {
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for i := 0; i < 20; i++ {
				seq, err := l.Append(ctx, audit.Event{Type: "signature.intent"})
				if err != nil {
					t.Error(err)
					return
				}
				aSeq, _, err := db.AuditAnchor(ctx)
				if err != nil || aSeq < seq {
					t.Errorf("Append acknowledged record %d but the anchor is at %d (%v)", seq, aSeq, err)
					return
				}
			}
		})
	}
	wg.Wait()
	_ = l.Close()
}

// TestTruncationOfAcknowledgedRecords cuts the last K acknowledged records
// off a log that was never closed (as after a crash) and expects Verify to
// name exactly the missing range, and a reopened log to refuse appends.
func TestTruncationOfAcknowledgedRecords(t *testing.T) {
	const n = 10
	tests := []struct {
		name string
		cut  int  // records removed from the end
		torn bool // leave half of the next record as a torn last line
	}{
		{"none", 0, false},
		{"last record", 1, false},
		{"last three", 3, false},
		{"all", n, false},
		{"last two and a torn line", 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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
			appendN(t, l, n)
			// Copy the file as it is now, before Close could add anything:
			// this is the disk a crash would leave.
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			_ = l.Close()
			lines := bytes.SplitAfter(bytes.TrimRight(raw, "\n"), []byte("\n"))
			kept := bytes.Join(lines[:n-tt.cut], nil)
			if len(kept) > 0 && kept[len(kept)-1] != '\n' {
				kept = append(kept, '\n')
			}
			if tt.torn {
				kept = append(kept, lines[n-tt.cut][:20]...)
			}
			if err := os.WriteFile(path, kept, 0o600); err != nil {
				t.Fatal(err)
			}

			ctx := context.Background()
			rep, err := audit.Verify(ctx, path, db)
			if err != nil {
				t.Fatal(err)
			}
			if tt.cut == 0 {
				if rep.Problem != "" || rep.Records != n {
					t.Fatalf("intact log: %+v", rep)
				}
				return
			}
			from, to := uint64(n-tt.cut+1), uint64(n)
			if rep.MissingFrom != from || rep.MissingTo != to {
				t.Fatalf("Missing = %d..%d, want %d..%d (%s)", rep.MissingFrom, rep.MissingTo, from, to, rep.Problem)
			}
			if want := "acknowledged but missing"; !strings.Contains(rep.Problem, want) {
				t.Fatalf("Problem = %q, want it to say %q", rep.Problem, want)
			}
			if tt.torn {
				return // Open refuses a damaged last line, as before
			}
			// A restarted service must not chain new records over the loss.
			l2, err := audit.Open(path, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer l2.Close()
			if _, err := l2.Append(ctx, audit.Event{Type: "x"}); !errs.Is(err, errs.Unavailable) {
				t.Fatalf("Append over a loss = %v, want Unavailable", err)
			}
			if err := l2.Ready(ctx); err == nil || !strings.Contains(err.Error(), "lost acknowledged records") {
				t.Fatalf("Ready = %v, want the loss", err)
			}
			if rep2, _ := audit.Verify(ctx, path, db); rep2.MissingFrom != from || rep2.MissingTo != to {
				t.Fatalf("after a restart Verify = %+v, want the same loss", rep2)
			}
		})
	}
}

// flakyAnchor is the real bbolt anchor with a switch that makes saves fail.
type flakyAnchor struct {
	*bolt.DB
	fail atomic.Bool
}

func (f *flakyAnchor) SaveAuditAnchor(ctx context.Context, seq uint64, hash []byte) error {
	if f.fail.Load() {
		return errors.New("injected: database unwritable")
	}
	return f.DB.SaveAuditAnchor(ctx, seq, hash)
}

func (f *flakyAnchor) SaveAuditAnchorHead(ctx context.Context, head func() (uint64, []byte)) (uint64, []byte, error) {
	if f.fail.Load() {
		return 0, nil, errors.New("injected: database unwritable")
	}
	return f.DB.SaveAuditAnchorHead(ctx, head)
}

// syncBuffer is a log sink the writer goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestFailingAnchorFailsClosed(t *testing.T) {
	tests := []struct {
		name    string
		recover func(ctx context.Context, l *audit.Log) error // how the log comes back
	}{
		{"recovers on the next append", func(ctx context.Context, l *audit.Log) error {
			_, err := l.Append(ctx, audit.Event{Type: "after"})
			return err
		}},
		{"recovers on a readiness probe while idle", func(ctx context.Context, l *audit.Log) error {
			return l.Ready(ctx)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			db, err := bolt.Open(filepath.Join(dir, "qes.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			anchor := &flakyAnchor{DB: db}
			var logs syncBuffer
			path := filepath.Join(dir, "audit.jsonl")
			l, err := audit.Open(path, anchor, nil, audit.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			appendN(t, l, 3)
			if err := l.Ready(ctx); err != nil {
				t.Fatalf("healthy log: Ready = %v", err)
			}

			anchor.fail.Store(true)
			_, err = l.Append(ctx, audit.Event{Type: "signature.intent", Credential: "unacknowledged"})
			if !errs.Is(err, errs.Unavailable) {
				t.Fatalf("Append with a failing anchor = %v, want Unavailable", err)
			}
			raw, _ := os.ReadFile(path)
			if !bytes.Contains(raw, []byte(`"unacknowledged"`)) {
				t.Fatal("the refused record should be on disk (written, chained, not acknowledged)")
			}
			if !strings.Contains(logs.String(), "audit anchor not saved") || !strings.Contains(logs.String(), "injected") {
				t.Fatalf("the anchor failure was not logged: %q", logs.String())
			}
			if err := l.Health(); !errs.Is(err, errs.Unavailable) {
				t.Fatalf("Health with a failing anchor = %v", err)
			}
			if err := l.Ready(ctx); err == nil {
				t.Fatal("Ready must fail while the anchor fails")
			}

			anchor.fail.Store(false)
			if err := tt.recover(ctx, l); err != nil {
				t.Fatal(err)
			}
			if err := l.Ready(ctx); err != nil {
				t.Fatalf("Ready after the anchor recovered = %v", err)
			}
			aSeq, _, _ := db.AuditAnchor(ctx)
			rep, err := audit.Verify(ctx, path, db)
			if err != nil || rep.Problem != "" || rep.Records != aSeq || rep.Records < 4 {
				t.Fatalf("Verify = %+v, %v (anchor %d)", rep, err, aSeq)
			}
		})
	}
}

// BenchmarkAppendAnchorCost isolates what saving the anchor before the
// acknowledgement costs an Append: one bbolt commit per batch, serial (every
// append its own batch) and parallel (group commit shares it).
func BenchmarkAppendAnchorCost(b *testing.B) {
	for _, bc := range []struct {
		name     string
		anchored bool
		parallel bool
	}{
		{"no-anchor/serial", false, false},
		{"bolt-anchor/serial", true, false},
		{"no-anchor/parallel", false, true},
		{"bolt-anchor/parallel", true, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			dir := b.TempDir()
			var anchor audit.Anchor
			if bc.anchored {
				db, err := bolt.Open(filepath.Join(dir, "qes.db"))
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				anchor = db
			}
			l, err := audit.Open(filepath.Join(dir, "audit.jsonl"), anchor, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			ev := audit.Event{Type: "signature.intent", Holder: "alice", Credential: "c1"}
			one := func() {
				if _, err := l.Append(context.Background(), ev); err != nil {
					b.Fatal(err)
				}
			}
			if bc.parallel {
				b.SetParallelism(8)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						one()
					}
				})
				return
			}
			for b.Loop() {
				one()
			}
		})
	}
}

// TestReopenAnchorsRecordsAfterTheAnchor is the crash between a batch's
// fsync and its anchor save: the file holds records the anchor does not
// cover (never acknowledged); a restart anchors them before anything new.
func TestReopenAnchorsRecordsAfterTheAnchor(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	anchor := &flakyAnchor{DB: db}
	path := filepath.Join(dir, "audit.jsonl")
	l, err := audit.Open(path, anchor, nil, audit.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 2)
	anchor.fail.Store(true)
	if _, err := l.Append(ctx, audit.Event{Type: "unanchored"}); err == nil {
		t.Fatal("Append must fail while the anchor fails")
	}
	_ = l.Close()
	if seq, _, _ := db.AuditAnchor(ctx); seq != 2 {
		t.Fatalf("anchor at %d, want 2 (the failed save must not have moved it)", seq)
	}
	anchor.fail.Store(false)
	l2, err := audit.Open(path, anchor, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if err := l2.Ready(ctx); err != nil {
		t.Fatalf("Ready after reopen = %v", err)
	}
	if seq, _, _ := db.AuditAnchor(ctx); seq != 3 {
		t.Fatalf("anchor at %d after reopen, want 3", seq)
	}
	if seq, err := l2.Append(ctx, audit.Event{Type: "next"}); err != nil || seq != 4 {
		t.Fatalf("Append after reopen = %d, %v", seq, err)
	}
	if rep, err := audit.Verify(ctx, path, db); err != nil || rep.Problem != "" || rep.Records != 4 {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
}

// slowHeadAnchor holds its first save until the test lets it run, as a
// group commit does while an earlier group is on its way to disk.
type slowHeadAnchor struct {
	*bolt.DB
	release chan struct{}
	entered chan struct{}
	saves   atomic.Int64
	saved   []uint64
}

func (a *slowHeadAnchor) SaveAuditAnchorHead(ctx context.Context, head func() (uint64, []byte)) (uint64, []byte, error) {
	if a.saves.Add(1) == 1 {
		close(a.entered)
		<-a.release
	}
	seq, hash, err := a.DB.SaveAuditAnchorHead(ctx, head)
	a.saved = append(a.saved, seq)
	return seq, hash, err
}

// With a HeadAnchor, a save that waits for its commit anchors every batch
// fsync'd meanwhile: they are answered without a save of their own.
func TestHeadAnchorCoversBatchesDurableWhileItWaited(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	anchor := &slowHeadAnchor{DB: db, release: make(chan struct{}), entered: make(chan struct{})}
	durable := make(chan uint64, 16)
	l, err := audit.Open(filepath.Join(dir, "audit.jsonl"), anchor, nil, audit.WithDurableHook(func(seq uint64) { durable <- seq }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })

	first := make(chan error, 1)
	go func() { _, err := l.Append(ctx, audit.Event{Type: "signature.intent"}); first <- err }()
	<-anchor.entered // record 1 is durable; its anchor save waits
	<-durable
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if _, err := l.Append(ctx, audit.Event{Type: "signature.intent"}); err != nil {
				t.Error(err)
			}
		})
	}
	for seen := uint64(1); seen < 3; {
		seen = max(seen, <-durable)
	}
	close(anchor.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if n := anchor.saves.Load(); n != 1 || anchor.saved[0] != 3 {
		t.Fatalf("%d anchor saves at %v, want one at record 3", n, anchor.saved)
	}
	if seq, _, err := db.AuditAnchor(ctx); err != nil || seq != 3 {
		t.Fatalf("anchor at %d (%v), want 3", seq, err)
	}
	if rep, err := audit.Verify(ctx, filepath.Join(dir, "audit.jsonl"), db); err != nil || rep.Problem != "" || rep.Records != 3 {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
}

// heldCommitAnchor holds the first save inside its transaction (after it
// read the head, as a commit on its way to disk) until released, and
// reports every save asked for.
type heldCommitAnchor struct {
	*bolt.DB
	asked   chan int64
	release chan struct{}
	// read is closed once the held save has read the head.
	read chan struct{}
	n    atomic.Int64
}

func (a *heldCommitAnchor) SaveAuditAnchorHead(ctx context.Context, head func() (uint64, []byte)) (uint64, []byte, error) {
	n := a.n.Add(1)
	a.asked <- n
	if n == 1 {
		return a.DB.SaveAuditAnchorHead(ctx, func() (uint64, []byte) {
			seq, hash := head()
			readOnce(a.read)
			<-a.release
			return seq, hash
		})
	}
	return a.DB.SaveAuditAnchorHead(ctx, head)
}

// readOnce closes ch unless a rerun of the closure already did.
func readOnce(ch chan struct{}) {
	select {
	case <-ch:
	default:
		close(ch)
	}
}

// While one save is being committed, batches fsync'd meanwhile get the
// next save asked for at once (it joins the next commit) instead of after
// the first save returns; every Append still returns only once the anchor
// covers it.
func TestHeadAnchorAsksTheNextSaveWhileOneCommits(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	anchor := &heldCommitAnchor{DB: db, asked: make(chan int64, 16), release: make(chan struct{}), read: make(chan struct{})}
	l, err := audit.Open(filepath.Join(dir, "audit.jsonl"), anchor, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	// Runs before Close: a failed test must not leave the save held, or
	// Close waits for it forever.
	t.Cleanup(func() { readOnce(anchor.release) })

	type res struct {
		seq uint64
		err error
	}
	first, second := make(chan res, 1), make(chan res, 1)
	go func() { s, err := l.Append(ctx, audit.Event{Type: "signature.intent"}); first <- res{s, err} }()
	if n := <-anchor.asked; n != 1 {
		t.Fatalf("save %d asked first", n)
	}
	// The second record comes after the held save read the head (a
	// record fsync'd before that read is in the first save, which needs
	// no second one).
	<-anchor.read
	go func() { s, err := l.Append(ctx, audit.Event{Type: "signature.intent"}); second <- res{s, err} }()
	select {
	case n := <-anchor.asked:
		if n != 2 {
			t.Fatalf("save %d asked second", n)
		}
	case r := <-first:
		t.Fatalf("the first Append returned (%v) while its anchor commit was held", r)
	case <-time.After(30 * time.Second):
		t.Fatal("no second save asked for while the first one was being committed")
	}
	select {
	case r := <-second:
		t.Fatalf("the second Append returned (%v) before any anchor covered it", r)
	default:
	}
	readOnce(anchor.release)
	for _, ch := range []chan res{first, second} {
		if r := <-ch; r.err != nil {
			t.Fatal(r.err)
		}
	}
	if seq, _, err := db.AuditAnchor(ctx); err != nil || seq != 2 {
		t.Fatalf("anchor at %d (%v), want 2", seq, err)
	}
}
