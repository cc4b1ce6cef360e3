package csc

import (
	"io"
	"log/slog"
	"sort"

	"github.com/labstack/echo/v5"
)

// Route is one method and path the CSC API answers with a handler of its
// own (the 405/501 catch-alls are not routes).
type Route struct {
	Method string
	Path   string
}

// Routes lists what New registers, read back from the Echo router so the
// list cannot drift from what is served: the OpenAPI test holds every one
// of them to openapi.yaml.
func Routes() []Route {
	e := New(nil, Config{}, slog.New(slog.NewTextHandler(io.Discard, nil))).(*echo.Echo)
	var out []Route
	for _, r := range e.Router().Routes() {
		if r.Method == echo.RouteNotFound {
			continue // the 405/501 catch-alls
		}
		out = append(out, Route{Method: r.Method, Path: r.Path})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}
