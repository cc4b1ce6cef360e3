package csc

import (
	"io"
	"log/slog"
	"sort"
	"strings"

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
	return routesOf(New(nil, Config{}, slog.New(slog.NewTextHandler(io.Discard, nil))).(*echo.Echo))
}

// ManagementRoutes lists the /api/v1 routes, with path parameters written
// the OpenAPI way ({credentialID}).
func ManagementRoutes() []Route {
	return routesOf(NewManagement(nil, nil, ManageConfig{}, slog.New(slog.NewTextHandler(io.Discard, nil))).(*echo.Echo))
}

func routesOf(e *echo.Echo) []Route {
	var out []Route
	for _, r := range e.Router().Routes() {
		if r.Method == echo.RouteNotFound {
			continue // the 405/501 catch-alls
		}
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				parts[i] = "{" + p[1:] + "}"
			}
		}
		out = append(out, Route{Method: r.Method, Path: strings.Join(parts, "/")})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}
