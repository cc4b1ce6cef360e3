package app_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// TestReadyz checks the route as qesd serves it, through testutil, which
// holds every answer to openapi.yaml: 200 with every check ok; 503 naming the audit writer once
// it is closed. Both answers are held to openapi.yaml by testutil.
func TestReadyz(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	type answer struct {
		Status  string            `json:"status"`
		Failing []string          `json:"failing"`
		Checks  map[string]string `json:"checks"`
	}
	get := func() (int, answer) {
		resp, body := s.Get(t, "/readyz")
		var a answer
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatalf("GET /readyz: %d %q: %v", resp.StatusCode, body, err)
		}
		return resp.StatusCode, a
	}
	st, a := get()
	if st != http.StatusOK || a.Status != "ready" || len(a.Failing) != 0 ||
		a.Checks["store"] != "ok" || a.Checks["token"] != "ok" || a.Checks["audit"] != "ok" {
		t.Fatalf("ready server: %d %+v", st, a)
	}
	if err := s.App.Audit.Close(); err != nil {
		t.Fatal(err)
	}
	st, a = get()
	if st != http.StatusServiceUnavailable || a.Status != "not ready" || len(a.Failing) != 1 || a.Failing[0] != "audit" ||
		a.Checks["audit"] == "ok" || a.Checks["store"] != "ok" || a.Checks["token"] != "ok" {
		t.Fatalf("audit writer closed: %d %+v", st, a)
	}
}

// TestReadyzStoreClosed: a store that no longer answers a read
// transaction makes the node not ready and is named.
func TestReadyzStoreClosed(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	if err := s.App.Store.Close(); err != nil {
		t.Fatal(err)
	}
	resp, body := s.Get(t, "/readyz")
	var a struct {
		Status  string            `json:"status"`
		Failing []string          `json:"failing"`
		Checks  map[string]string `json:"checks"`
	}
	if err := json.Unmarshal(body, &a); err != nil || resp.StatusCode != http.StatusServiceUnavailable ||
		len(a.Failing) == 0 || a.Failing[0] != "store" || a.Checks["store"] == "ok" || a.Checks["token"] != "ok" {
		t.Fatalf("store closed: %d %s", resp.StatusCode, body)
	}
}
