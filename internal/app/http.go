package app

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	qes "github.com/qesproject/qes"
	"github.com/qesproject/qes/csc"
	"github.com/qesproject/qes/internal/reqid"
)

// Handler is every HTTP route qesd serves. The request id is outermost, so
// that the metrics' access log line carries it; the metrics wrapper hands
// the routers the very request it reads the route pattern from.
func (a *App) Handler() http.Handler {
	return reqid.Middleware(a.Metrics.HTTP(securityHeaders(a.withOCSP(a.mux())), a.Log))
}

func (a *App) mux() *routeMux {
	mux := newRouteMux()
	cscAPI := csc.New(a.Credentials, csc.Config{
		Name: a.Cfg.Service.Name, Logo: a.Cfg.PublicURL + "/logo.png", Region: a.Cfg.Service.Region,
		Lang: a.Cfg.Service.Lang, Description: a.Cfg.Service.Description, BaseURL: a.Cfg.PublicURL,
		Timestamps: a.TSA, Documents: a.docSigner(), Tokens: a.Tokens, Accounts: a.Accounts, OAuth: a.OAuth,
		SignDoc: a.signDocLimits(),
	}, a.Log)
	mux.Handle("/csc/", cscAPI)
	a.managementRoutes(mux)
	mux.Handle("/oauth2/", cscAPI)
	mux.Handle("GET /.well-known/oauth-authorization-server", cscAPI)
	mux.Handle("POST /tsa", a.TSA.Handler())
	portalUI := a.portalHandler()
	mux.Handle("GET /portal", portalUI)
	mux.Handle("/portal/", portalUI)
	a.shopRoutes(mux)
	a.consoleRoutes(mux)
	a.appRoutes(mux)
	mux.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(qes.OpenAPI)
	})
	certHandler := func(der []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/pkix-cert")
			w.Header().Set("Cache-Control", "public, max-age=86400")
			_, _ = w.Write(der)
		}
	}
	mux.HandleFunc("GET /ca/root.crt", certHandler(a.Authorities.Root.Raw))
	mux.HandleFunc("GET /ca/issuing.crt", certHandler(a.Authorities.IssuingChain[0].Raw))
	mux.HandleFunc("GET /ca/root.pem", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_ = pem.Encode(w, &pem.Block{Type: "CERTIFICATE", Bytes: a.Authorities.Root.Raw})
	})
	a.revocationRoutes(mux)
	mux.HandleFunc("GET /logo.png", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(logoPNG)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", a.readyz)
	return mux
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// Run serves HTTP(S) on ln, the admin socket and, when configured,
// /metrics until ctx ends, and returns once all have shut down and every
// job they started has stopped: the caller may then Close the App. An
// admin socket that cannot be opened is logged and HTTP goes on, as before
// there was Run; a metrics address that cannot be opened is an error,
// since the operator asked for it.
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	mln, err := a.metricsListener()
	if err != nil {
		return fmt.Errorf("metrics listener: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var admin sync.WaitGroup
	admin.Go(func() {
		if err := a.ServeAdmin(ctx); err != nil {
			a.Log.ErrorContext(ctx, "admin socket", "err", err)
		}
	})
	// /metrics outlives the drain: it stops after Serve returned, so that
	// a scrape can watch the in-flight requests go down.
	metricsCtx, stopMetrics := context.WithCancel(context.WithoutCancel(ctx))
	defer stopMetrics()
	var metricsDone sync.WaitGroup
	if mln != nil {
		a.Log.InfoContext(ctx, "metrics serving", "listen", mln.Addr().String())
		metricsDone.Go(func() {
			if err := a.serveMetrics(metricsCtx, mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.Log.ErrorContext(ctx, "metrics listener", "err", err)
			}
		})
	}
	err = a.Serve(ctx, ln)
	cancel() // HTTP failed on its own: stop the admin socket too
	admin.Wait()
	stopMetrics()
	metricsDone.Wait()
	return err
}

// Serve answers HTTP(S) on ln until ctx ends, then shuts down gracefully:
// it stops accepting, lets the requests in flight and the job runs under
// way finish within the configured drainTimeout, cuts off what is left
// after it, and returns only once no job is running, so that Close never
// pulls the audit log or the store from under a request or a job.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	// The periodic jobs belong to Serve. stopJobs ends their loops (no new
	// run starts); a run under way keeps runCtx, which only the end of
	// the drain cancels.
	loopCtx, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	runCtx, cutJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cutJobs()
	var jobs sync.WaitGroup
	periodic := a.periodicJobs()
	for _, j := range periodic {
		if !j.perNode {
			j.lease = func(ctx context.Context) bool { return a.holdsLease(ctx, j) }
		}
		jobs.Go(func() { j.loop(loopCtx, runCtx, a.Log) })
	}
	errc := make(chan error, 1)
	go func() {
		if a.Cfg.TLS.Enabled() {
			srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			errc <- srv.ServeTLS(ln, a.Cfg.TLS.CertFile, a.Cfg.TLS.KeyFile)
			return
		}
		errc <- srv.Serve(ln)
	}()
	var serveErr error
	select {
	case serveErr = <-errc: // the listener failed: still drain the jobs
	case <-ctx.Done():
	}
	timeout := a.Cfg.DrainTimeout.D()
	a.Log.InfoContext(context.WithoutCancel(ctx), "draining", "timeout", timeout)
	drain, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	stopJobs()
	jobsDone := make(chan struct{})
	go func() { jobs.Wait(); close(jobsDone) }()
	if serveErr == nil {
		if err := srv.Shutdown(drain); err != nil {
			// The drain timed out: close what is still open.
			a.Log.WarnContext(drain, "drain timed out: closing the remaining connections", "timeout", timeout)
			_ = srv.Close()
		}
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			serveErr = err
		}
	}
	select {
	case <-jobsDone:
	case <-drain.Done():
		a.Log.WarnContext(context.WithoutCancel(ctx), "drain timed out: cancelling the running jobs", "timeout", timeout)
		cutJobs()
		<-jobsDone
	}
	release, cancelRelease := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	a.releaseLeases(release, slices.DeleteFunc(periodic, func(j job) bool { return j.perNode }))
	cancelRelease()
	a.Log.InfoContext(context.WithoutCancel(ctx), "drained")
	return serveErr
}

// RunJanitor removes expired SADs, tokens and OAuth records (pushed
// requests, transactions, codes).
func (a *App) RunJanitor(ctx context.Context) error {
	now := a.Now()
	var failed []error
	if _, err := a.Store.DeleteExpiredSADs(ctx, now); err != nil {
		failed = append(failed, fmt.Errorf("expired SADs: %w", err))
	}
	if _, err := a.Store.DeleteExpiredTokens(ctx, now); err != nil {
		failed = append(failed, fmt.Errorf("expired tokens: %w", err))
	}
	if _, err := a.Store.DeleteExpiredOAuthRecords(ctx, now); err != nil {
		failed = append(failed, fmt.Errorf("expired OAuth requests, transactions and codes: %w", err))
	}
	return errors.Join(failed...)
}
