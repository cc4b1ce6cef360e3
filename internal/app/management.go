package app

import "github.com/qesproject/qes/csc"

// managementRoutes serves the holders' certificate management API and the
// emergency suspension (csc.NewManagement) under /api/v1/.
func (a *App) managementRoutes(mux *routeMux) {
	mux.Handle("/api/v1/", csc.NewManagement(a.Credentials, a.Lifecycle, csc.ManageConfig{Tokens: a.Tokens}, a.Log))
}
