package app

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// readyTimeout bounds a readiness probe: the audit check waits its turn
// behind the batch being written, and a probe that hangs is no answer.
const readyTimeout = 5 * time.Second

// readyz answers GET /readyz: "ready" while the audit log can acknowledge
// records (its file and its anchor are being written), 503 with a one-line
// reason when it cannot, since no signature may happen then.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	serveReady(w, r, a.Audit.Ready)
}

func serveReady(w http.ResponseWriter, r *http.Request, check func(context.Context) error) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Cache-Control", "no-store")
	if err := check(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		// One line: a reason wrapping a multi-line cause stays one line.
		_, _ = w.Write([]byte("not ready: audit log: " + strings.Join(strings.Fields(err.Error()), " ") + "\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
