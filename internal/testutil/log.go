package testutil

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
)

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// testLogger sends warnings and errors to the test log (set QES_TEST_LOG=debug
// for everything), so a failing test shows what the server said; capture,
// when not nil, gets every record at debug level and up.
func testLogger(t testing.TB, capture io.Writer) *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("QES_TEST_LOG") == "debug" {
		level = slog.LevelDebug
	}
	h := slog.Handler(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
	if capture != nil {
		h = slog.NewMultiHandler(h, slog.NewTextHandler(capture, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(h)
}

// LogBuffer collects a server's log (WithLogWriter) safely from its
// goroutines.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes is a copy of what was logged so far.
func (b *LogBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}
