// Package admin is the admin-socket edge: qesctl acts on a running qesd
// through a Unix socket in the data directory (mode 0600, so only the
// operator who runs qesd can use it), because the database file is locked
// by one process at a time. Calls are JSON over HTTP; a failure travels as
// an Error (kind and detail), mapped from and back to errs in this package
// only. When no qesd answers, Call runs the same operation in-process.
package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Socket is the socket path for a data directory.
func Socket(dataDir string) string { return filepath.Join(dataDir, "admin.sock") }

// Op is one admin operation: a JSON request in, a value to encode out.
type Op func(ctx context.Context, req json.RawMessage) (any, error)

// Ops are the operations by route, such as "holder/create".
type Ops map[string]Op

// Error is the body of a failed admin call.
type Error struct {
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

// Decode reads an operation's request.
func Decode[T any](raw json.RawMessage) (T, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, errs.M(errs.InvalidRequest, msg.AdminMalformedRequest)
	}
	return v, nil
}

// Serve answers calls to ops on the socket at path until ctx ends.
func Serve(ctx context.Context, path string, ops Ops) error {
	l, err := Listen(path)
	if err != nil {
		return err
	}
	return l.Serve(ctx, ops)
}

// Listener is a bound admin socket: calls made once Listen returned are
// queued until Serve answers them.
type Listener struct {
	path string
	ln   net.Listener
	ours os.FileInfo
}

// Listen binds the socket at path, readable and writable by the owner only.
func Listen(path string) (*Listener, error) {
	_ = os.Remove(path) // a stale socket from a crash; the DB lock proves we are alone
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close()
		return nil, err
	}
	ours, err := os.Stat(path)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	return &Listener{path: path, ln: ln, ours: ours}, nil
}

// maxBody bounds one call's JSON: a CSCA master list (about 1 MB, in
// base64) is the largest thing qesctl sends; only the operator can reach
// the socket.
const maxBody = 16 << 20

// Serve answers calls to ops until ctx ends, then removes the socket.
func (l *Listener) Serve(ctx context.Context, ops Ops) error {
	mux := http.NewServeMux()
	for route, op := range ops {
		mux.HandleFunc("POST /"+route, func(w http.ResponseWriter, r *http.Request) {
			var body json.RawMessage
			if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&body); err != nil {
				write(w, nil, errs.M(errs.InvalidRequest, msg.AdminBodyNotJSON))
				return
			}
			out, err := op(r.Context(), body)
			write(w, out, err)
		})
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	// The watcher is owned: Serve returns only after it has shut the server
	// down, and Shutdown waits for calls in flight, so the App behind ops
	// can be closed as soon as Serve returns.
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
		if now, err := os.Stat(l.path); err == nil && os.SameFile(l.ours, now) {
			_ = os.Remove(l.path)
		}
	}()
	err := srv.Serve(l.ln)
	cancel()
	<-stopped
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// write encodes an answer; errors are mapped to Error here and back in
// callSocket, the edge's one mapping.
func write(w http.ResponseWriter, out any, err error) {
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
		_ = json.NewEncoder(w).Encode(Error{Kind: errs.KindOf(err).String(), Detail: detail})
		return
	}
	if out == nil {
		out = struct{}{}
	}
	_ = json.NewEncoder(w).Encode(out)
}

// Local opens the service in-process for one call when no qesd runs: the
// operations and a function that releases what was opened.
type Local func() (ops Ops, release func() error, err error)

// Call runs an admin operation: through the socket of a running qesd, or
// in-process with local.
func Call(ctx context.Context, dataDir, op string, req, resp any, local Local) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	sock := Socket(dataDir)
	if conn, derr := net.DialTimeout("unix", sock, time.Second); derr == nil {
		_ = conn.Close()
		return callSocket(ctx, sock, op, body, resp)
	}
	ops, release, err := local()
	if err != nil {
		return err
	}
	defer func() { _ = release() }()
	fn, ok := ops[op]
	if !ok {
		return errs.M(errs.InvalidRequest, msg.AdminUnknownOperation, op)
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

var kindByName = func() map[string]errs.Kind {
	m := map[string]errs.Kind{}
	for k := errs.Internal; k <= errs.Gone; k++ { // every Kind, the last one included
		m[k.String()] = k
	}
	return m
}()

func callSocket(ctx context.Context, sock, op string, body []byte, resp any) error {
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://qesd/"+op, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	r, err := client.Do(req)
	if err != nil {
		return errs.WrapM(err, errs.Unavailable, msg.AdminQesdUnreachable)
	}
	defer r.Body.Close()
	if r.StatusCode != http.StatusOK {
		var ae Error
		if err := json.NewDecoder(r.Body).Decode(&ae); err != nil {
			return errs.Ef(errs.Internal, "qesd answered %s", r.Status)
		}
		return errs.E(kindByName[ae.Kind], ae.Detail)
	}
	if resp == nil {
		return nil
	}
	return json.NewDecoder(r.Body).Decode(resp)
}
