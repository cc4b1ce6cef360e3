package app

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/qesproject/qes/internal/errs"
)

// The admin socket lets qesctl act on a running qesd: the database file is
// locked by one process at a time. It is a Unix socket in the data
// directory, mode 0600, so only the operator who runs qesd can use it.

// AdminSocket is the socket path for a data directory.
func AdminSocket(dataDir string) string { return filepath.Join(dataDir, "admin.sock") }

// AdminError is the body of a failed admin call.
type AdminError struct {
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

// ServeAdmin answers admin calls on the socket until ctx ends.
func (a *App) ServeAdmin(ctx context.Context) error {
	path := AdminSocket(a.Cfg.DataDir)
	_ = os.Remove(path) // a stale socket from a crash; the DB lock proves we are alone
	ln, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close()
		return err
	}
	ours, err := os.Stat(path)
	if err != nil {
		_ = ln.Close()
		return err
	}
	mux := http.NewServeMux()
	handle := func(pattern string, fn func(context.Context, json.RawMessage) (any, error)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			var body json.RawMessage
			if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
				writeAdmin(w, nil, errs.E(errs.InvalidRequest, "request body must be JSON"))
				return
			}
			out, err := fn(r.Context(), body)
			writeAdmin(w, out, err)
		})
	}
	for route, op := range a.adminOps() {
		handle("POST /"+route, op)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	// The watcher is owned: ServeAdmin returns only after it has shut the
	// server down, and Shutdown waits for admin calls in flight, so the
	// App can be closed as soon as ServeAdmin returns.
	ctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		shutdown, cancelShutdown := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancelShutdown()
		if err := srv.Shutdown(shutdown); err != nil {
			_ = srv.Close()
		}
		// A restarted qesd may already have put its own socket here.
		if now, err := os.Stat(path); err == nil && os.SameFile(ours, now) {
			_ = os.Remove(path)
		}
	}()
	err = srv.Serve(ln)
	cancel()
	<-stopped
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func writeAdmin(w http.ResponseWriter, out any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		status := http.StatusBadRequest
		if errs.KindOf(err) == errs.Internal {
			status = http.StatusInternalServerError
		}
		w.WriteHeader(status)
		detail := errs.DetailOf(err)
		if detail == "" {
			detail = err.Error()
		}
		_ = json.NewEncoder(w).Encode(AdminError{Kind: errs.KindOf(err).String(), Detail: detail})
		return
	}
	if out == nil {
		out = struct{}{}
	}
	_ = json.NewEncoder(w).Encode(out)
}

func decodeInto[T any](raw json.RawMessage) (T, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, errs.E(errs.InvalidRequest, "malformed admin request")
	}
	return v, nil
}

// adminOps are the operations qesctl can run against a live qesd; the same
// functions run in-process when no qesd is up.
func (a *App) adminOps() map[string]func(context.Context, json.RawMessage) (any, error) {
	ops := map[string]func(context.Context, json.RawMessage) (any, error){
		"holder/create": func(ctx context.Context, raw json.RawMessage) (any, error) {
			req, err := decodeInto[HolderRequest](raw)
			if err != nil {
				return nil, err
			}
			return a.CreateHolder(ctx, req)
		},
		"holder/unblock": func(ctx context.Context, raw json.RawMessage) (any, error) {
			req, err := decodeInto[UnblockRequest](raw)
			if err != nil {
				return nil, err
			}
			return nil, a.Unblock(ctx, req)
		},
		"client/create": func(ctx context.Context, raw json.RawMessage) (any, error) {
			req, err := decodeInto[ClientRequest](raw)
			if err != nil {
				return nil, err
			}
			id, secret, err := a.Credentials.RegisterClient(ctx, req.Name, req.RedirectURIs, req.Public)
			return ClientResult{ClientID: id, ClientSecret: secret}, err
		},
		"audit/verify": func(ctx context.Context, _ json.RawMessage) (any, error) {
			return a.VerifyAudit(ctx)
		},
	}
	for route, op := range a.certOps() {
		ops[route] = op
	}
	return ops
}

// Call runs an admin operation: through the socket of a running qesd, or
// in-process (the caller opened the App) when open is non-nil.
func Call(ctx context.Context, dataDir, op string, req, resp any, open func() (*App, error)) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	sock := AdminSocket(dataDir)
	if conn, derr := net.DialTimeout("unix", sock, time.Second); derr == nil {
		_ = conn.Close()
		return callSocket(ctx, sock, op, body, resp)
	}
	a, err := open()
	if err != nil {
		return err
	}
	defer a.Close()
	fn, ok := a.adminOps()[op]
	if !ok {
		return errs.Ef(errs.InvalidRequest, "unknown operation %s", op)
	}
	out, err := fn(ctx, body)
	if err != nil {
		return err
	}
	if resp != nil && out != nil {
		raw, _ := json.Marshal(out)
		return json.Unmarshal(raw, resp)
	}
	return nil
}
