package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/qesproject/qes/internal/metrics"
)

// watchStore exports the store's own figures when the back end reports
// them (bbolt: freelist and transactions; a pooled back end: its pool).
func (a *App) watchStore() {
	if s, ok := any(a.Store).(metrics.DBStatser); ok {
		a.Metrics.WatchDB(s)
	}
}

// metricsListener is where /metrics is served: the listener a test
// handed in, the configured metrics.listen address, or none.
func (a *App) metricsListener() (net.Listener, error) {
	if a.metricsLn != nil || a.Cfg.Metrics.Listen == "" {
		return a.metricsLn, nil
	}
	return net.Listen("tcp", a.Cfg.Metrics.Listen)
}

// serveMetrics answers GET /metrics on ln until ctx ends. It is a server
// of its own so that the scrape endpoint is never on the service's
// listener by accident; it goes on answering while the service drains.
func (a *App) serveMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdown)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
