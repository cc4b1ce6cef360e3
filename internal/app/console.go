package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/qesproject/qes/console"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/officer"
)

// openOfficers builds the registration officers' domain: their records
// and logins (TOTP seeds sealed by the HSM, sessions keyed by its MAC
// key) and the review rules, with the proofing validity of the
// configuration (enrol.proofingValidity).
func (a *App) openOfficers(mac hsm.MAC, sealer hsm.Sealer, argon secret.Params) {
	a.Officers = officer.New(officer.Deps{
		Store: a.Store, Enrol: a.Enrol, Sealer: sealer, Evidence: a.Evidence, MAC: mac, Audit: a.Audit, Log: a.Log, Now: a.Now,
	}, officer.Config{Argon: argon, ProofingValidity: a.Cfg.Enrol.ProofingValidity.D(), TOTPIssuer: a.Cfg.Service.Name + " console"})
}

// consoleRoutes mounts the officers' console under /operator/. Its
// evidence files come through a.Evidence; without one the media routes
// say the evidence store is not configured.
func (a *App) consoleRoutes(mux *routeMux) {
	ui := console.New(a.Officers, a.Evidence, console.Config{
		Name: a.Cfg.Service.Name, SecureCookies: strings.HasPrefix(a.Cfg.PublicURL, "https://"),
	}, a.Log)
	mux.Handle("GET /operator", ui)
	mux.Handle("/operator/", ui)
}

// RunConsoleJobs removes ended console sessions.
func (a *App) RunConsoleJobs(ctx context.Context) error {
	if _, err := a.Officers.EndedSessions(ctx); err != nil {
		return fmt.Errorf("ended console sessions: %w", err)
	}
	return nil
}
