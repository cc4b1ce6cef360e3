package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/qesproject/qes/portal"
)

// portalHandler is the holder web portal under /portal/.
func (a *App) portalHandler() http.Handler {
	return portal.New(a.Accounts, a.Credentials, a.Sessions, a.Lifecycle, a.History, portal.Config{
		Name:          a.Cfg.Service.Name,
		SecureCookies: strings.HasPrefix(a.Cfg.PublicURL, "https://"),
		Activation:    portalActivation{a.Activation},
	}, a.Log)
}

// RunPortalJobs runs the portal's periodic work once: it removes ended
// sessions and sends the daily signing summaries that are due. qesd runs
// it every minute; tests call it after moving the clock.
func (a *App) RunPortalJobs(ctx context.Context) error {
	if _, err := a.Sessions.DeleteEndedSessions(ctx); err != nil {
		return fmt.Errorf("ended portal sessions: %w", err)
	}
	if _, err := a.History.SendDailyReports(ctx); err != nil {
		return fmt.Errorf("daily signing summaries: %w", err)
	}
	return nil
}
