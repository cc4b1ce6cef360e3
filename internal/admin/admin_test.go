package admin

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/qesproject/qes/internal/errs"
)

type echoReq struct {
	Name string `json:"name"`
}

type echoResp struct {
	Hello string `json:"hello"`
}

func testOps() Ops {
	return Ops{
		"echo": func(_ context.Context, raw json.RawMessage) (any, error) {
			req, err := Decode[echoReq](raw)
			if err != nil {
				return nil, err
			}
			return echoResp{Hello: req.Name}, nil
		},
		"conflict": func(context.Context, json.RawMessage) (any, error) {
			return nil, errs.E(errs.Conflict, "the certificate is revoked")
		},
		"crash": func(context.Context, json.RawMessage) (any, error) {
			return nil, errs.Internalf(os.ErrClosed, "database")
		},
	}
}

// dataDir is short: a Unix socket path must fit in 108 bytes.
func dataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "adm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func noLocal(t *testing.T) Local {
	return func() (Ops, func() error, error) {
		t.Error("the socket of the running server must be used")
		return nil, nil, errs.E(errs.Internal, "no local")
	}
}

func TestCallThroughSocket(t *testing.T) {
	dir := dataDir(t)
	l, err := Listen(Socket(dir))
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(Socket(dir)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx, testOps()) }()

	for _, tc := range []struct {
		name   string
		op     string
		req    any
		want   string
		kind   errs.Kind
		detail string
	}{
		{"answer", "echo", echoReq{Name: "alice"}, "alice", -1, ""},
		{"domain error keeps kind and detail", "conflict", struct{}{}, "", errs.Conflict, "the certificate is revoked"},
		{"internal error keeps its kind", "crash", struct{}{}, "", errs.Internal, ""},
		{"malformed request", "echo", []int{1}, "", errs.InvalidRequest, "malformed admin request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var resp echoResp
			err := Call(ctx, dir, tc.op, tc.req, &resp, noLocal(t))
			if tc.kind < 0 {
				if err != nil || resp.Hello != tc.want {
					t.Fatalf("Call = %+v, %v", resp, err)
				}
				return
			}
			if errs.KindOf(err) != tc.kind || (tc.detail != "" && errs.DetailOf(err) != tc.detail) {
				t.Fatalf("err = %v (kind %v, detail %q), want kind %v detail %q", err, errs.KindOf(err), errs.DetailOf(err), tc.kind, tc.detail)
			}
		})
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func TestCallInProcessWhenNoServer(t *testing.T) {
	dir := dataDir(t)
	released := false
	local := func() (Ops, func() error, error) {
		return testOps(), func() error { released = true; return nil }, nil
	}
	var resp echoResp
	if err := Call(context.Background(), dir, "echo", echoReq{Name: "bob"}, &resp, local); err != nil || resp.Hello != "bob" {
		t.Fatalf("Call = %+v, %v", resp, err)
	}
	if !released {
		t.Fatal("the in-process service was not released")
	}
	if err := Call(context.Background(), dir, "nope", struct{}{}, nil, local); !errs.Is(err, errs.InvalidRequest) {
		t.Fatalf("unknown operation: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "admin.sock")); !os.IsNotExist(err) {
		t.Fatalf("an in-process call left a socket: %v", err)
	}
}
