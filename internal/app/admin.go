package app

import (
	"context"

	"github.com/qesproject/qes/internal/admin"
	"github.com/qesproject/qes/operator"
)

// AdminSocket is the admin socket path for a data directory.
func AdminSocket(dataDir string) string { return admin.Socket(dataDir) }

// ServeAdmin answers admin calls (internal/admin) on the socket until ctx
// ends.
func (a *App) ServeAdmin(ctx context.Context) error {
	return admin.Serve(ctx, admin.Socket(a.Cfg.DataDir), admin.OperatorOps(a.Operator))
}

// newOperator wires the operator's requests to the services that own them.
func (a *App) newOperator() *operator.Service {
	return &operator.Service{
		Accounts: a.Accounts, Holders: a.Store, Credentials: a.Credentials, Lifecycle: a.Lifecycle, Clients: a.OAuth,
		Audit:   a.Audit.Verify,
		DataDir: a.Cfg.DataDir,
		Shop:    a.Enrol,
		Trust:   a.Trust,

		// Registration officers (console.go).
		Officers: a.Officers,

		// Evidence bundles (bundle.go).
		Evidence: a.Bundles,
	}
}

// Call runs an admin operation: through the socket of a running qesd, or
// in-process (the caller opened the App) when no qesd answers.
func Call(ctx context.Context, dataDir, op string, req, resp any, open func() (*App, error)) error {
	return admin.Call(ctx, dataDir, op, req, resp, func() (admin.Ops, func() error, error) {
		a, err := open()
		if err != nil {
			return nil, nil, err
		}
		return admin.OperatorOps(a.Operator), a.Close, nil
	})
}
