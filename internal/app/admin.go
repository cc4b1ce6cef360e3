package app

import (
	"context"
	"encoding/json"

	"github.com/qesproject/qes/internal/admin"
)

// AdminSocket is the admin socket path for a data directory.
func AdminSocket(dataDir string) string { return admin.Socket(dataDir) }

// ServeAdmin answers admin calls (internal/admin) on the socket until ctx
// ends.
func (a *App) ServeAdmin(ctx context.Context) error {
	return admin.Serve(ctx, admin.Socket(a.Cfg.DataDir), a.adminOps())
}

// adminOps are the operations qesctl can run against a live qesd; the same
// functions run in-process when no qesd is up.
func (a *App) adminOps() admin.Ops {
	ops := admin.Ops{
		"holder/create": func(ctx context.Context, raw json.RawMessage) (any, error) {
			req, err := admin.Decode[HolderRequest](raw)
			if err != nil {
				return nil, err
			}
			return a.CreateHolder(ctx, req)
		},
		"holder/unblock": func(ctx context.Context, raw json.RawMessage) (any, error) {
			req, err := admin.Decode[UnblockRequest](raw)
			if err != nil {
				return nil, err
			}
			return nil, a.Unblock(ctx, req)
		},
		"client/create": func(ctx context.Context, raw json.RawMessage) (any, error) {
			req, err := admin.Decode[ClientRequest](raw)
			if err != nil {
				return nil, err
			}
			id, secret, err := a.OAuth.RegisterClient(ctx, req.Name, req.RedirectURIs, req.Public)
			return ClientResult{ClientID: id, ClientSecret: secret}, err
		},
		"audit/verify": func(ctx context.Context, _ json.RawMessage) (any, error) {
			return a.VerifyAudit(ctx)
		},
	}
	for route, op := range a.certOps() {
		ops[route] = op
	}
	for route, op := range a.enrolOps() {
		ops[route] = op
	}
	return ops
}

// Call runs an admin operation: through the socket of a running qesd, or
// in-process (the caller opened the App) when no qesd answers.
func Call(ctx context.Context, dataDir, op string, req, resp any, open func() (*App, error)) error {
	return admin.Call(ctx, dataDir, op, req, resp, func() (admin.Ops, func() error, error) {
		a, err := open()
		if err != nil {
			return nil, nil, err
		}
		return a.adminOps(), a.Close, nil
	})
}
