package history

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/qesproject/qes/storage"
)

// RecordStore is the part of the store the Recorder writes to.
type RecordStore interface {
	Client(ctx context.Context, id string) (*storage.Client, error)
	AddSignatureBatch(ctx context.Context, b *storage.SignatureBatch) error
}

// ErrClosed is what Record and Flush return after Close.
var ErrClosed = errors.New("signing history recorder closed")

// queueSize bounds the records waiting to be written. A full queue makes
// Signed wait (back-pressure) rather than drop a record: the history is
// the holder's evidence of what was signed in their name.
const queueSize = 1024

// maxFold bounds how many queued records are written together: the store
// folds concurrent AddSignatureBatch calls into one commit (bbolt Batch).
const maxFold = 64

// Recorder writes the signing history after the signatures have been
// returned, so the bookkeeping does not hold the response back. It owns
// its one worker goroutine: Flush waits for what was queued before it,
// Close drains the queue and stops the worker, so a shutdown or a restart
// never loses a record and never writes to a closed store.
type Recorder struct {
	store RecordStore
	log   *slog.Logger

	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
	queue  chan item
	done   chan struct{}
}

// item is a record to write, or (flushed != nil) a Flush marker.
type item struct {
	batch   storage.SignatureBatch
	flushed chan struct{}
}

// NewRecorder starts the recorder's worker; Close stops it.
func NewRecorder(store RecordStore, log *slog.Logger) *Recorder {
	if log == nil {
		log = slog.Default()
	}
	r := &Recorder{store: store, log: log, queue: make(chan item, queueSize), done: make(chan struct{})}
	go r.work()
	return r
}

// Signed queues a signHash or signDoc batch of n signatures made at at
// by the holder's credential, through the OAuth client clientID (empty
// for a service token), in formats (signDoc; nil for signHash). It waits
// only if the queue is full (or ctx ends); write failures are logged,
// since the audit log has the signatures.
func (r *Recorder) Signed(ctx context.Context, holderID, credentialID, clientID string, n int, formats []string, at time.Time) {
	b := storage.SignatureBatch{HolderID: holderID, CredentialID: credentialID, ClientID: clientID, Count: n, Formats: formats, At: at}
	if err := r.send(ctx, item{batch: b}); err != nil {
		r.log.ErrorContext(ctx, "signing history not recorded", "holder", holderID, "credential", credentialID, "err", err)
	}
}

// Flush returns once every record queued before the call is written (or
// its failure logged).
func (r *Recorder) Flush(ctx context.Context) error {
	done := make(chan struct{})
	if err := r.send(ctx, item{flushed: done}); err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Recorder) send(ctx context.Context, it item) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return ErrClosed
	}
	select {
	case r.queue <- it:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is queued and stops the worker; call it before the
// store closes. It is safe to call twice.
func (r *Recorder) Close() error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.queue)
	}
	r.mu.Unlock()
	<-r.done
	return nil
}

func (r *Recorder) work() {
	defer close(r.done)
	for it := range r.queue {
		fold := []item{it}
	more:
		for len(fold) < maxFold {
			select {
			case next, ok := <-r.queue:
				if !ok {
					break more
				}
				fold = append(fold, next)
			default:
				break more
			}
		}
		r.write(fold)
	}
}

// write stores the records of fold concurrently, so the store can fold
// them into one commit, and then releases the Flush markers among them:
// a marker is released only after everything queued before it is written.
func (r *Recorder) write(fold []item) {
	// Records are written on their own: the signing request that queued
	// them has been answered and its context may be gone.
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range fold {
		if fold[i].flushed != nil {
			continue
		}
		wg.Go(func() { r.store1(ctx, &fold[i].batch) })
	}
	wg.Wait()
	for _, it := range fold {
		if it.flushed != nil {
			close(it.flushed)
		}
	}
}

func (r *Recorder) store1(ctx context.Context, b *storage.SignatureBatch) {
	b.Application = APIApplication
	if b.ClientID != "" {
		b.Application = b.ClientID
		if c, err := r.store.Client(ctx, b.ClientID); err == nil && c.Name != "" {
			b.Application = c.Name
		}
	}
	if err := r.store.AddSignatureBatch(ctx, b); err != nil {
		r.log.ErrorContext(ctx, "signing history not recorded", "holder", b.HolderID, "credential", b.CredentialID, "err", err)
	}
}
