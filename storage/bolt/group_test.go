package bolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"
)

var bTest = []byte("test")

// openGroup returns a database with a test bucket and its group; hooks are
// set before any caller runs.
func openGroup(t *testing.T, hooks groupHooks) (*DB, *group) {
	t.Helper()
	d, err := Open(filepath.Join(t.TempDir(), "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if err := d.db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket(bTest); return err }); err != nil {
		t.Fatal(err)
	}
	d.grp.hooks = hooks
	return d, d.grp
}

func value(t *testing.T, d *DB, key string) string {
	t.Helper()
	var v []byte
	if err := d.db.View(func(tx *bolt.Tx) error { v = append(v, tx.Bucket(bTest).Get([]byte(key))...); return nil }); err != nil {
		t.Fatal(err)
	}
	return string(v)
}

// gather starts a group whose leader holds its transaction open until
// n-1 more callers wait behind it, then lets it commit: the callers after
// the leader form one group, in the order 1..n-1. lead is the leader's fn (it must not block);
// each of the others runs member(i). It returns each caller's error, the
// leader's at 0.
func gather(t *testing.T, d *DB, queued chan struct{}, n int, member func(i int) func(*bolt.Tx) error) []error {
	t.Helper()
	release := make(chan struct{})
	leaderIn := make(chan struct{})
	res := make([]error, n)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		res[0] = d.grp.do(context.Background(), func(tx *bolt.Tx) error {
			close(leaderIn)
			<-release
			return tx.Bucket(bTest).Put([]byte("leader"), []byte("ok"))
		})
	}()
	<-leaderIn
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = d.grp.do(context.Background(), member(i))
		}()
		<-queued // one at a time: the group runs them in the order 1..n-1
	}
	close(release)
	wg.Wait()
	return res
}

// Callers that arrive while a commit is under way share the next commit,
// and each gets its own answer.
func TestGroupCommitsConcurrentCallersTogether(t *testing.T) {
	queued := make(chan struct{}, 64)
	var mu sync.Mutex
	var sizes []int
	d, _ := openGroup(t, groupHooks{
		queued:    func() { queued <- struct{}{} },
		committed: func(n int) { mu.Lock(); sizes = append(sizes, n); mu.Unlock() },
	})
	const n = 17
	results := make([]string, n)
	errs := gather(t, d, queued, n, func(i int) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			b := tx.Bucket(bTest)
			// A counter every member reads and bumps: the members run one
			// after another in the transaction, each seeing the others'.
			c := len(b.Get([]byte("counter")))
			if err := b.Put([]byte("counter"), make([]byte, c+1)); err != nil {
				return err
			}
			results[i] = fmt.Sprintf("member %d saw %d", i, c)
			return b.Put(fmt.Appendf(nil, "k%02d", i), fmt.Appendf(nil, "v%d", i))
		}
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	if fmt.Sprint(sizes) != fmt.Sprint([]int{1, n - 1}) {
		t.Fatalf("group sizes %v, want [1 %d]: the callers behind the leader share one commit", sizes, n-1)
	}
	seen := map[string]bool{}
	for i := 1; i < n; i++ {
		if got := value(t, d, fmt.Sprintf("k%02d", i)); got != fmt.Sprintf("v%d", i) {
			t.Errorf("k%02d = %q", i, got)
		}
		seen[results[i]] = true
	}
	if got := len(value(t, d, "counter")); got != n-1 {
		t.Errorf("counter %d, want %d", got, n-1)
	}
	if len(seen) != n-1 {
		t.Errorf("members saw %d distinct counters, want %d (serial order)", len(seen), n-1)
	}
	if value(t, d, "leader") != "ok" {
		t.Error("the leader's own change is missing")
	}
}

// A member that refuses before writing gets its own error; the others
// commit in the same transaction and nobody runs twice.
func TestGroupRefusalFailsOnlyItsCaller(t *testing.T) {
	queued := make(chan struct{}, 64)
	var runs atomic.Int64
	var sizes []int
	d, _ := openGroup(t, groupHooks{
		queued:    func() { queued <- struct{}{} },
		ran:       func() { runs.Add(1) },
		committed: func(n int) { sizes = append(sizes, n) },
	})
	const n = 9
	no := errors.New("no")
	errs := gather(t, d, queued, n, func(i int) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			if i%3 == 0 {
				return refuse(fmt.Errorf("member %d: %w", i, no))
			}
			return tx.Bucket(bTest).Put(fmt.Appendf(nil, "k%d", i), []byte("v"))
		}
	})
	for i := 1; i < n; i++ {
		switch {
		case i%3 == 0 && (!errors.Is(errs[i], no) || errs[i].Error() != fmt.Sprintf("member %d: no", i)):
			t.Errorf("refusing member %d got %v, want its own refusal", i, errs[i])
		case i%3 != 0 && errs[i] != nil:
			t.Errorf("member %d got %v: another member's refusal failed it", i, errs[i])
		case i%3 != 0 && value(t, d, fmt.Sprintf("k%d", i)) != "v":
			t.Errorf("member %d's change is missing", i)
		}
	}
	if runs.Load() != n {
		t.Errorf("%d fn runs for %d callers: a refusal must not re-run the group", runs.Load(), n)
	}
	if fmt.Sprint(sizes) != fmt.Sprint([]int{1, n - 1}) {
		t.Errorf("group sizes %v", sizes)
	}
}

// A member that fails after writing (or panics) leaves nothing behind:
// the transaction is dropped and the others run again without it, each
// re-run deciding afresh from what it reads.
func TestGroupFailureAfterWritingRerunsTheOthers(t *testing.T) {
	queued := make(chan struct{}, 64)
	var runs atomic.Int64
	d, _ := openGroup(t, groupHooks{queued: func() { queued <- struct{}{} }, ran: func() { runs.Add(1) }})
	const n = 7
	broken := errors.New("broken")
	seen := make([]int, n) // what each member last read of the counter
	errs := gather(t, d, queued, n, func(i int) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			b := tx.Bucket(bTest)
			switch i {
			case 3:
				if err := b.Put([]byte("half"), []byte("written")); err != nil {
					return err
				}
				return broken
			case 5:
				_ = b.Put([]byte("half5"), []byte("written"))
				panic("member 5 panics")
			}
			c := len(b.Get([]byte("counter")))
			seen[i] = c
			return b.Put([]byte("counter"), make([]byte, c+1))
		}
	})
	if !errors.Is(errs[3], broken) {
		t.Errorf("member 3 got %v, want its own error", errs[3])
	}
	if errs[5] == nil {
		t.Error("the panicking member got no error")
	}
	for _, i := range []int{1, 2, 4, 6} {
		if errs[i] != nil {
			t.Errorf("member %d got %v: a failing member failed it", i, errs[i])
		}
	}
	if value(t, d, "half") != "" || value(t, d, "half5") != "" {
		t.Error("a failed member's half change was committed")
	}
	if got := len(value(t, d, "counter")); got != 4 {
		t.Errorf("counter %d, want 4: a re-run member applied twice or not at all", got)
	}
	// The survivors' last runs read 0,1,2,3 in order: each re-run decided
	// from the transaction it ran in, not from an earlier run.
	if fmt.Sprint(seen[1], seen[2], seen[4], seen[6]) != "0 1 2 3" {
		t.Errorf("survivors read %v", seen)
	}
	// Leader 1 run; group: 1,2,3 (fail) -> 1,2,4,5 (panic) -> 1,2,4,6.
	if runs.Load() != 1+3+4+4 {
		t.Errorf("%d fn runs, want %d", runs.Load(), 1+3+4+4)
	}
}

// A commit that fails fails every member, refusals included, and applies
// nothing.
func TestGroupCommitFailureFailsEveryMember(t *testing.T) {
	queued := make(chan struct{}, 64)
	d, _ := openGroup(t, groupHooks{queued: func() { queued <- struct{}{} }})
	const n = 5
	errs := gather(t, d, queued, n, func(i int) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			switch i {
			case 2:
				return refuse(errors.New("no"))
			case n - 1:
				// The last member ends the transaction under the group's
				// feet: its commit cannot succeed.
				return tx.Rollback()
			}
			return tx.Bucket(bTest).Put(fmt.Appendf(nil, "k%d", i), []byte("v"))
		}
	})
	for i := 1; i < n; i++ {
		if !errors.Is(errs[i], bolt.ErrTxClosed) {
			t.Errorf("member %d got %v, want the commit's error", i, errs[i])
		}
		if value(t, d, fmt.Sprintf("k%d", i)) != "" {
			t.Errorf("member %d's change was applied by a failed commit", i)
		}
	}
}

// A caller whose context ended while it waited never runs.
func TestGroupSkipsCallersThatGaveUp(t *testing.T) {
	queued := make(chan struct{}, 64)
	var runs atomic.Int64
	d, _ := openGroup(t, groupHooks{queued: func() { queued <- struct{}{} }, ran: func() { runs.Add(1) }})
	ctx, cancel := context.WithCancel(context.Background())
	release, leaderIn := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	var leaderErr, gaveUp, other error
	wg.Add(3)
	go func() {
		defer wg.Done()
		leaderErr = d.grp.do(context.Background(), func(*bolt.Tx) error { close(leaderIn); <-release; return nil })
	}()
	<-leaderIn
	go func() {
		defer wg.Done()
		gaveUp = d.grp.do(ctx, func(tx *bolt.Tx) error { return tx.Bucket(bTest).Put([]byte("late"), []byte("v")) })
	}()
	<-queued
	go func() {
		defer wg.Done()
		other = d.grp.do(context.Background(), func(tx *bolt.Tx) error { return tx.Bucket(bTest).Put([]byte("other"), []byte("v")) })
	}()
	<-queued
	cancel()
	close(release)
	wg.Wait()
	if leaderErr != nil || other != nil {
		t.Fatal(leaderErr, other)
	}
	if !errors.Is(gaveUp, context.Canceled) || value(t, d, "late") != "" {
		t.Errorf("the caller that gave up got %v and its change is %q", gaveUp, value(t, d, "late"))
	}
	if runs.Load() != 2 || value(t, d, "other") != "v" {
		t.Errorf("%d runs, other %q", runs.Load(), value(t, d, "other"))
	}
}

// Under a load of callers that keep coming (a fifth of them through
// doSoon), every caller is answered and the lead passes on (no caller is
// stuck leading the others' groups, no doSoon member is left behind).
func TestGroupUnderLoad(t *testing.T) {
	d, _ := openGroup(t, groupHooks{})
	const workers, each = 16, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				do := d.grp.do
				if j%5 == 1 {
					do = d.grp.doSoon
				}
				err := do(context.Background(), func(tx *bolt.Tx) error {
					if j%7 == 3 {
						return refuse(errors.New("no"))
					}
					return tx.Bucket(bTest).Put(fmt.Appendf(nil, "w%d-%d", w, j), []byte("v"))
				})
				if (err != nil) != (j%7 == 3) {
					t.Errorf("worker %d call %d: %v", w, j, err)
				}
			}
		}()
	}
	wg.Wait()
	var keys int
	if err := d.db.View(func(tx *bolt.Tx) error { keys = tx.Bucket(bTest).Stats().KeyN; return nil }); err != nil {
		t.Fatal(err)
	}
	if want := workers * (each - (each+3)/7); keys != want {
		t.Errorf("%d keys, want %d", keys, want)
	}
}

// A doSoon member (the signing history) rides along with the next group
// that forms for do's callers instead of committing in front of them.
func TestGroupSoonRidesAlong(t *testing.T) {
	queued := make(chan struct{}, 64)
	var mu sync.Mutex
	var sizes []int
	d, _ := openGroup(t, groupHooks{
		queued:    func() { queued <- struct{}{} },
		committed: func(n int) { mu.Lock(); sizes = append(sizes, n); mu.Unlock() },
	})
	release, leaderIn := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	var errLeader, errSoon, errNext error
	wg.Add(3)
	go func() {
		defer wg.Done()
		errLeader = d.grp.do(context.Background(), func(*bolt.Tx) error { close(leaderIn); <-release; return nil })
	}()
	<-leaderIn
	go func() {
		defer wg.Done()
		errSoon = d.grp.doSoon(context.Background(), func(tx *bolt.Tx) error { return tx.Bucket(bTest).Put([]byte("history"), []byte("v")) })
	}()
	<-queued
	go func() {
		defer wg.Done()
		errNext = d.grp.do(context.Background(), func(tx *bolt.Tx) error { return tx.Bucket(bTest).Put([]byte("sad"), []byte("v")) })
	}()
	<-queued
	close(release)
	wg.Wait()
	if errLeader != nil || errSoon != nil || errNext != nil {
		t.Fatal(errLeader, errSoon, errNext)
	}
	if fmt.Sprint(sizes) != "[1 2]" || value(t, d, "history") != "v" || value(t, d, "sad") != "v" {
		t.Errorf("group sizes %v: the history record must ride with the next request's commit", sizes)
	}
}

// With no group coming, a doSoon member commits on its own.
func TestGroupSoonAloneCommits(t *testing.T) {
	var sizes []int
	d, _ := openGroup(t, groupHooks{committed: func(n int) { sizes = append(sizes, n) }})
	for i := range 3 {
		if err := d.grp.doSoon(context.Background(), func(tx *bolt.Tx) error {
			return tx.Bucket(bTest).Put(fmt.Appendf(nil, "h%d", i), []byte("v"))
		}); err != nil {
			t.Fatal(err)
		}
		if value(t, d, fmt.Sprintf("h%d", i)) != "v" {
			t.Fatalf("record %d not committed when doSoon returned", i)
		}
	}
	if fmt.Sprint(sizes) != "[1 1 1]" {
		t.Errorf("group sizes %v", sizes)
	}
}

// After Close, callers are refused at once instead of waiting for a
// committer that has stopped.
func TestGroupRefusesAfterClose(t *testing.T) {
	d, err := Open(filepath.Join(t.TempDir(), "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.grp.do(context.Background(), func(*bolt.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	for _, do := range []func(context.Context, func(*bolt.Tx) error) error{d.grp.do, d.grp.doSoon} {
		if err := do(context.Background(), func(*bolt.Tx) error { return nil }); !errors.Is(err, errGroupClosed) {
			t.Errorf("after Close: %v, want %v", err, errGroupClosed)
		}
	}
}

// BenchmarkSADUse is the signing path's storage write alone: conc
// callers each writing a used SAD, each in a commit of its own (bbolt
// Update, what UpdateSAD did before group commit) or through the group.
// Run: go test ./storage/bolt -run '^$' -bench SADUse
func BenchmarkSADUse(b *testing.B) {
	for _, mode := range []string{"own-commit", "group"} {
		for _, conc := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/c%d", mode, conc), func(b *testing.B) {
				d, err := Open(filepath.Join(b.TempDir(), "qes.db"))
				if err != nil {
					b.Fatal(err)
				}
				defer d.Close()
				var next atomic.Int64
				use := func(tx *bolt.Tx) error {
					return tx.Bucket([]byte("sads")).Put(fmt.Appendf(nil, "s%d", next.Add(1)), make([]byte, 200))
				}
				work := make(chan struct{})
				var wg sync.WaitGroup
				for range conc {
					wg.Go(func() {
						for range work {
							var err error
							if mode == "group" {
								err = d.grp.do(context.Background(), use)
							} else {
								err = d.db.Update(use)
							}
							if err != nil {
								b.Error(err)
							}
						}
					})
				}
				b.ResetTimer()
				for b.Loop() {
					work <- struct{}{}
				}
				close(work)
				wg.Wait()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "uses/s")
			})
		}
	}
}
