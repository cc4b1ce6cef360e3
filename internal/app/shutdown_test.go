package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/app"
	"github.com/qesproject/qes/internal/config"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/internal/testutil"
)

// drainSignal closes Draining when the server logs that it started to
// drain: the tests wait on it instead of guessing how long shutdown takes.
type drainSignal struct {
	Draining chan struct{}
	once     sync.Once
	t        *testing.T
}

func (d *drainSignal) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("msg=draining")) {
		d.once.Do(func() { close(d.Draining) })
	}
	return len(p), nil
}

// openRunnable opens a real App on the shared token, a bbolt file in a
// temporary directory and a listener on 127.0.0.1, without running it.
func openRunnable(t *testing.T, drain time.Duration) (*app.App, net.Listener, *drainSignal) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listen, cfg.PublicURL = ln.Addr().String(), "http://"+ln.Addr().String()
	if drain > 0 {
		cfg.DrainTimeout = config.Duration(drain)
	}
	sig := &drainSignal{Draining: make(chan struct{}), t: t}
	a, err := app.Open(t.Context(), cfg, app.Options{HSM: testutil.HSM(t), Argon: &secret.Fast,
		Log: slog.New(slog.NewTextHandler(sig, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		_ = ln.Close()
		t.Fatal(err)
	}
	return a, ln, sig
}

// startRun runs a on ln until stop is called; done receives what Run
// returned.
func startRun(a *app.App, ln net.Listener) (stop context.CancelFunc, done <-chan error) {
	ctx, stop := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	go func() { ch <- a.Run(ctx, ln) }()
	return stop, ch
}

// TestShutdownFinishesAnInFlightRequest holds a request inside its
// handler (the handler is reading a body the client has not sent yet: the
// server's "100 Continue" says it got there), shuts the server down, and
// only then sends the body: the request is answered in full, and Run
// returns after it.
func TestShutdownFinishesAnInFlightRequest(t *testing.T) {
	t.Parallel()
	a, ln, sig := openRunnable(t, 0)
	stop, done := startRun(a, ln)

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := []byte(`{"lang":"en-US"}`)
	head := "POST /csc/v2/info HTTP/1.1\r\nHost: " + ln.Addr().String() + "\r\nContent-Type: application/json\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\nExpect: 100-continue\r\nX-Request-Id: in-flight\r\n\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	cont, err := http.ReadResponse(br, nil)
	if err != nil || cont.StatusCode != http.StatusContinue {
		t.Fatalf("want 100 Continue from the handler reading the body: %v %v", cont, err)
	}

	stop()
	<-sig.Draining
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) with a request in flight", err)
	default:
	}
	if _, err := conn.Write(body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("the request in flight was cut off: %v", err)
	}
	raw, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	var info struct{ Name string }
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &info) != nil || info.Name == "" || resp.Header.Get("X-Request-Id") != "in-flight" {
		t.Fatalf("info during the drain: %d %s", resp.StatusCode, raw)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestShutdownWaitsForARunningJob holds a periodic job's run, shuts the
// server down, and releases the run only once the drain started: the run
// still has its context and the store, and Run returns only after it, so
// Close cannot close the store under it.
func TestShutdownWaitsForARunningJob(t *testing.T) {
	t.Parallel()
	a, ln, sig := openRunnable(t, 0)
	started, release, finished := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var held atomic.Bool
	var jobErr error
	app.AddJob(a, "held", time.Millisecond, func(ctx context.Context) error {
		if !held.CompareAndSwap(false, true) {
			return nil // later ticks, if any, do nothing
		}
		close(started)
		<-release
		_, err := a.Store.DeleteExpiredSADs(ctx, time.Now())
		jobErr = errors.Join(ctx.Err(), err)
		close(finished)
		return jobErr
	})
	stop, done := startRun(a, ln)
	<-started
	stop()
	<-sig.Draining
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) with a job running", err)
	default:
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	select {
	case <-finished:
	default:
		t.Fatal("Run returned before the job's run finished")
	}
	if jobErr != nil {
		t.Fatalf("the job's run was cut short: %v", jobErr)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestShutdownCutsAJobAtTheDrainTimeout: a run that does not finish by
// drainTimeout has its context cancelled, and Run returns once it has
// given up.
func TestShutdownCutsAJobAtTheDrainTimeout(t *testing.T) {
	t.Parallel()
	a, ln, sig := openRunnable(t, 100*time.Millisecond)
	started := make(chan struct{})
	var held atomic.Bool
	var cut error
	app.AddJob(a, "stuck", time.Millisecond, func(ctx context.Context) error {
		if !held.CompareAndSwap(false, true) {
			return nil
		}
		close(started)
		<-ctx.Done() // stuck until the drain gives up on it
		cut = ctx.Err()
		return cut
	})
	stop, done := startRun(a, ln)
	<-started
	stop()
	<-sig.Draining
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !errors.Is(cut, context.Canceled) {
		t.Fatalf("the stuck run saw %v, want its context cancelled", cut)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}
