package app_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/qesproject/qes/csc"
	"github.com/qesproject/qes/internal/testutil"
)

func TestOpenAPIDocumentIsValid(t *testing.T) {
	t.Parallel()
	doc, err := testutil.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not valid OpenAPI: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi: %q, want 3.0.3", doc.OpenAPI)
	}
}

// TestEveryRouteIsDocumented compares what the code registers (the ServeMux
// patterns of app.Handler and the CSC Echo routes) with openapi.yaml, both
// ways: nothing served without a description, nothing described that is not
// served.
func TestEveryRouteIsDocumented(t *testing.T) {
	t.Parallel()
	doc, err := testutil.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	s := testutil.StartServer(t)
	served := map[string]bool{} // "METHOD /path"
	for _, pattern := range s.App.Routes() {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			method, path = "", pattern
		}
		switch {
		case path == "/csc/" || path == "/oauth2/": // both served by the csc Echo
			for _, r := range csc.Routes() {
				served[r.Method+" "+r.Path] = true
			}
		case path == "/api/v1/":
			for _, r := range csc.ManagementRoutes() {
				served[r.Method+" "+r.Path] = true
			}
		case method == "" && strings.HasSuffix(path, "/"):
			// A subtree handed to another handler: its routes cannot be read
			// from here, so it must be one still being documented.
			if !testutil.Undocumented(path) {
				t.Errorf("the subtree %s is served by a handler whose routes this test cannot list: expand it here like /csc/", path)
			}
		case method == "":
			t.Errorf("pattern %q serves every HTTP method: register it with one", pattern)
		default:
			served[method+" "+path] = true
		}
	}
	if len(served) == 0 {
		t.Fatal("no routes found")
	}
	for route := range served {
		method, path, _ := strings.Cut(route, " ")
		if testutil.Undocumented(path) {
			continue
		}
		item := doc.Paths.Find(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("%s is served but not in openapi.yaml", route)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !served[method+" "+path] {
				t.Errorf("openapi.yaml describes %s %s, which is not served", method, path)
			}
		}
	}
}

func TestServedOpenAPIIsTheFile(t *testing.T) {
	t.Parallel()
	want, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := testutil.StartServer(t)
	resp, got := s.Get(t, "/openapi.yaml")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/yaml" {
		t.Fatalf("GET /openapi.yaml: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("GET /openapi.yaml served %d bytes that differ from openapi.yaml (%d bytes): rebuild qesd", len(got), len(want))
	}
}
