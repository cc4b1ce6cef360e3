package app

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
)

// readyTimeout bounds a readiness probe: the audit check waits its turn
// behind the batch being written, and a probe that hangs is no answer.
const readyTimeout = 5 * time.Second

// tokenTimeout bounds the token check: an HMAC on a healthy token takes
// well under a millisecond, a network HSM that does not answer in 2 s
// cannot serve a signature either.
const tokenTimeout = 2 * time.Second

// readyCheck is one thing qesd needs in order to sign.
type readyCheck struct {
	name  string
	check func(context.Context) error
}

// readyAnswer is GET /readyz's body (openapi.yaml: Readiness).
type readyAnswer struct {
	Status  string            `json:"status"`  // "ready" or "not ready"
	Failing []string          `json:"failing"` // names of the failed checks, in check order
	Checks  map[string]string `json:"checks"`  // name -> "ok" or a one-line reason
}

// readyChecks are the store (a read transaction), the token (an HMAC with
// the service's MAC key) and the audit writer (its file and its anchor
// are being written): without any of them no signature can be made.
func (a *App) readyChecks() []readyCheck {
	return []readyCheck{
		{"store", a.storeReady},
		{"token", a.tokenReady},
		{"audit", a.Audit.Ready},
	}
}

// readyz answers GET /readyz: 200 when every check passes, 503 naming the
// ones that failed. /healthz stays the liveness probe: a process that is
// not ready should be taken out of the load balancer, not restarted.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	serveReady(w, r, a.readyChecks())
}

func serveReady(w http.ResponseWriter, r *http.Request, checks []readyCheck) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	results := make([]error, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() { results[i] = c.check(ctx) })
	}
	wg.Wait()
	ans := readyAnswer{Status: "ready", Failing: []string{}, Checks: map[string]string{}}
	for i, c := range checks {
		if err := results[i]; err != nil {
			ans.Failing = append(ans.Failing, c.name)
			// One line: a reason wrapping a multi-line cause stays one line.
			ans.Checks[c.name] = strings.Join(strings.Fields(err.Error()), " ")
			continue
		}
		ans.Checks[c.name] = "ok"
	}
	status := http.StatusOK
	if len(ans.Failing) > 0 {
		ans.Status, status = "not ready", http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(ans)
}

// storeReady opens a read transaction when the back end can be asked
// (storage/bolt's Ping); a back end without it is taken as ready.
func (a *App) storeReady(ctx context.Context) error {
	if p, ok := any(a.Store).(interface{ Ping(context.Context) error }); ok {
		return p.Ping(ctx)
	}
	return nil
}

// tokenReady computes an HMAC with the service's MAC key on the token.
// The PKCS#11 calls take no context, so the probe runs aside and is
// abandoned after tokenTimeout; one probe at a time runs, later callers
// wait for its answer, so a hung token leaks one goroutine, not one per
// probe.
func (a *App) tokenReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, tokenTimeout)
	defer cancel()
	a.tokenProbeMu.Lock()
	p := a.tokenProbe
	if p == nil {
		p = &tokenProbe{done: make(chan struct{})}
		a.tokenProbe = p
		go func() {
			mac, err := a.HSM.MACKey(context.WithoutCancel(ctx), "secrets")
			if err == nil {
				_, err = mac.Sum([]byte("readyz"))
			}
			p.err = err
			a.tokenProbeMu.Lock()
			a.tokenProbe = nil
			a.tokenProbeMu.Unlock()
			close(p.done)
		}()
	}
	a.tokenProbeMu.Unlock()
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return errors.New("the token did not answer within " + tokenTimeout.String())
	}
}

// tokenProbe is the token check under way.
type tokenProbe struct {
	done chan struct{}
	err  error
}
