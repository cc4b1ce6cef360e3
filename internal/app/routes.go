package app

import (
	"net/http"
	"slices"
)

// routeMux is an http.ServeMux that remembers its patterns, so that a test
// can hold every route qesd serves to openapi.yaml without a second,
// hand-kept list.
type routeMux struct {
	*http.ServeMux
	patterns []string
}

func newRouteMux() *routeMux { return &routeMux{ServeMux: http.NewServeMux()} }

func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (m *routeMux) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, f)
}

// Routes lists the ServeMux patterns Handler registers, such as
// "GET /healthz", or "/csc/" for a subtree served by another handler.
// The OCSP routes are served ahead of the mux (see withOCSP) and listed
// here by hand, next to the code that serves them.
func (a *App) Routes() []string {
	return append(slices.Clone(a.mux().patterns), "POST /ocsp", "GET /ocsp/{request}")
}
