package metrics

import (
	"bufio"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// unmatched labels requests no route claimed (404s of the ServeMux): the
// raw path is never a label, so that a scan of random URLs cannot grow
// the series without bound.
const unmatched = "unmatched"

// HTTP counts and times every request next answers and, when log is not
// nil, logs one line for it (route, method, status, duration; never the
// path or the query, which may carry codes) with the request's context,
// so that the line carries its request_id. The route label is the
// pattern that served it, read from r.Pattern after next returns: the
// ServeMux sets it on the request it was handed, and an Echo router inside a
// subtree overwrites it with its own, finer, route (both on the same
// *http.Request, which is why this wrapper must sit where nothing between
// it and the routers clones the request).
func (m *Metrics) HTTP(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusWriter{ResponseWriter: w}
		defer func() {
			route, method, took := Route(r), methodLabel(r.Method), time.Since(start)
			m.httpRequests.WithLabelValues(route, method, strconv.Itoa(rec.code())).Inc()
			m.httpDuration.WithLabelValues(route, method).Observe(took.Seconds())
			// The duration is rounded so that it never prints a long run
			// of digits that a test for leaked codes could mistake for one.
			if log != nil {
				log.LogAttrs(r.Context(), slog.LevelInfo, "http request", slog.String("route", route),
					slog.String("method", method), slog.Int("status", rec.code()), slog.Duration("took", took.Round(10*time.Microsecond)))
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// Route is the label of the route that served r: its pattern without the
// method ("GET /healthz" -> "/healthz"), or "unmatched".
func Route(r *http.Request) string {
	p := r.Pattern
	if i := strings.IndexByte(p, ' '); i >= 0 {
		p = strings.TrimLeft(p[i+1:], " ")
	}
	if p == "" {
		return unmatched
	}
	return p
}

// methodLabel keeps the method label to the methods qesd serves.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// statusWriter remembers the status written. Unwrap lets
// http.ResponseController reach the connection's own writer; Flush and
// Hijack are passed on for handlers that assert them directly.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}
