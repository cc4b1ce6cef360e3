package app_test

import (
	"net/http"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// TestReadyzServed checks the route as qesd serves it, through testutil,
// which holds the answer to openapi.yaml.
func TestReadyzServed(t *testing.T) {
	s := testutil.StartServer(t)
	resp, body := s.Get(t, "/readyz")
	if resp.StatusCode != http.StatusOK || string(body) != "ready\n" {
		t.Fatalf("GET /readyz: %d %q", resp.StatusCode, body)
	}
}
