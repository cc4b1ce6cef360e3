package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/storage/bolt"
)

// failingAnchor is the real bbolt anchor with a switch that makes saves fail.
type failingAnchor struct {
	*bolt.DB
	fail atomic.Bool
}

func (f *failingAnchor) SaveAuditAnchor(ctx context.Context, seq uint64, hash []byte) error {
	if f.fail.Load() {
		return errors.New("injected: disk refuses the database commit")
	}
	return f.DB.SaveAuditAnchor(ctx, seq, hash)
}

// SaveAuditAnchorHead is the audit.HeadAnchor save the log uses with the
// bbolt store; it fails under the same switch.
func (f *failingAnchor) SaveAuditAnchorHead(ctx context.Context, head func() (uint64, []byte)) (uint64, []byte, error) {
	if f.fail.Load() {
		return 0, nil, errors.New("injected: disk refuses the database commit")
	}
	return f.DB.SaveAuditAnchorHead(ctx, head)
}

// TestReadyzFollowsTheAuditAnchor drives a real audit log over a real bbolt
// file through a failure of its anchor and back, asking GET /readyz over
// real HTTP at each step.
func TestReadyzFollowsTheAuditAnchor(t *testing.T) {
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	anchor := &failingAnchor{DB: db}
	l, err := audit.Open(filepath.Join(dir, "audit.jsonl"), anchor, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serveReady(w, r, []readyCheck{{"audit", l.Ready}}) }))
	t.Cleanup(srv.Close)

	ctx := context.Background()
	steps := []struct {
		name   string
		fail   bool
		append bool // try to write a record first
		status int
	}{
		{"healthy and idle", false, false, http.StatusOK},
		{"healthy after an append", false, true, http.StatusOK},
		{"anchor fails on an append", true, true, http.StatusServiceUnavailable},
		{"anchor still failing, idle", true, false, http.StatusServiceUnavailable},
		{"anchor back, idle: the probe retries it", false, false, http.StatusOK},
		{"and appends are acknowledged again", false, true, http.StatusOK},
	}
	for _, st := range steps {
		anchor.fail.Store(st.fail)
		if st.append {
			_, err := l.Append(ctx, audit.Event{Type: "test"})
			if (err != nil) != st.fail {
				t.Fatalf("%s: Append = %v", st.name, err)
			}
		}
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		var ans readyAnswer
		if err := json.Unmarshal(b, &ans); err != nil || resp.StatusCode != st.status {
			t.Fatalf("%s: %d %q (%v), want %d and JSON", st.name, resp.StatusCode, b, err, st.status)
		}
		want := readyAnswer{Status: "ready", Failing: []string{}, Checks: map[string]string{"audit": "ok"}}
		if st.fail {
			want = readyAnswer{Status: "not ready", Failing: []string{"audit"}, Checks: map[string]string{"audit": ans.Checks["audit"]}}
			if reason := ans.Checks["audit"]; !strings.Contains(reason, "anchor") || strings.Contains(reason, "\n") {
				t.Errorf("%s: the reason %q does not name the anchor on one line", st.name, reason)
			}
		}
		if !reflect.DeepEqual(ans, want) {
			t.Fatalf("%s: %+v, want %+v", st.name, ans, want)
		}
	}
}
