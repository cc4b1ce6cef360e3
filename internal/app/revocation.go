package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/ca/ocsp"
)

// openRevocation wires status publication: the OCSP responder (delegated
// responder key in the HSM) over the certificate register, the CRLs of the
// issuing CA and the root, and the observer that refreshes both whenever
// the register changes.
func (a *App) openRevocation(ctx context.Context) error {
	var err error
	a.OCSP, err = ocsp.New(ocsp.Config{
		Issuer: a.Authorities.IssuingChain[0], Certificate: a.Authorities.OCSPCert, Signer: a.Authorities.OCSPKey,
		Source: ocsp.RegisterSource(a.CA), Now: a.Now, Logger: a.Log,
	})
	if err != nil {
		return fmt.Errorf("OCSP responder: %w", err)
	}
	a.CRLs, err = ca.NewCRLPublisher(ca.CRLPublisherConfig{
		Store: a.Store, Issuing: a.Authorities.Issuing, Root: a.Authorities.RootIssuer,
		Lifecycle: a.CA.Lifecycle(), Now: a.Now, Log: a.Log,
	})
	if err != nil {
		return fmt.Errorf("CRL publisher: %w", err)
	}
	a.CA.Observe(a.publishStatus)
	if err := a.CRLs.Load(ctx); err != nil {
		return fmt.Errorf("publish CRLs: %w", err)
	}
	return nil
}

// publishStatus makes committed status changes visible: cached OCSP
// responses of the changed serials are dropped (the next request signs a
// fresh one) and the issuing CA's CRL is re-issued. A failed CRL stays
// marked and the lifecycle job retries it within a minute.
func (a *App) publishStatus(ctx context.Context, changes []ca.Transition) {
	for _, c := range changes {
		a.OCSP.Invalidate(c.Serial)
	}
	if err := a.CRLs.Publish(ctx, ca.CRLIssuing); err != nil {
		a.Log.ErrorContext(ctx, "CRL not re-issued after a status change; retrying from the lifecycle job", "err", err)
	}
}

// withOCSP routes /ocsp and /ocsp/... to the responder ahead of the
// ServeMux, which would redirect GET paths containing "//" (base64 makes
// them) to a cleaned path and so corrupt the request.
func (a *App) withOCSP(next http.Handler) http.Handler {
	responder := http.StripPrefix("/ocsp", a.OCSP)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ocsp" || strings.HasPrefix(r.URL.Path, "/ocsp/") {
			// The route label of the metrics, which the mux would have set.
			r.Pattern = "/ocsp"
			if r.URL.Path != "/ocsp" {
				r.Pattern = "/ocsp/{request}"
			}
			responder.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// revocationRoutes serves the CRL distribution points named in the
// certificates (ca.EnsureAuthorities).
func (a *App) revocationRoutes(mux *routeMux) {
	mux.Handle("GET /crl/issuing.crl", a.CRLs.Handler(ca.CRLIssuing))
	mux.Handle("GET /crl/root.crl", a.CRLs.Handler(ca.CRLRoot))
}

// RunLifecycleJobs runs the periodic status work once: the lifecycle sweep
// (holds past their maximum become revocations and their keys are
// destroyed, expiries, holders notified, interrupted work finished) and the
// CRL refresh.
// qesd runs it every minute; tests call it after moving the clock.
func (a *App) RunLifecycleJobs(ctx context.Context) error {
	if err := a.Lifecycle.Sweep(ctx); err != nil {
		return fmt.Errorf("lifecycle sweep: %w", err)
	}
	if err := a.CRLs.Refresh(ctx); err != nil {
		return fmt.Errorf("CRL refresh: %w", err)
	}
	return nil
}
