package app

import (
	"context"
	"fmt"

	"github.com/qesproject/qes/appapi"
	"github.com/qesproject/qes/device"
	"github.com/qesproject/qes/emrtd"
	"github.com/qesproject/qes/evidence"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/identity"
	"github.com/qesproject/qes/internal/config"
)

// openAppAPI builds what the enrolment app talks to: device-bound
// sessions and identification sessions over the evidence store. trust is the
// CSCA trust store of the chip step; while it or the chip verifier is
// missing the chip step answers 501 and nothing else changes.
func (a *App) openAppAPI(mac hsm.MAC, trust emrtd.Trust) {
	a.Devices = device.New(device.Deps{
		Store: a.Store, Shop: a.Enrol, OTP: a.OTP, MAC: mac, Attestor: device.NotAttested{}, Audit: a.Audit, Log: a.Log, Now: a.Now,
	}, device.Config{})
	a.Identity = identity.New(identity.Deps{
		Store: a.Store, Enrol: a.Enrol, Evidence: a.Evidence, Chip: chipVerifier, Trust: trust,
		Face: identity.None{}, Liveness: identity.None{}, Audit: a.Audit, Log: a.Log, Now: a.Now,
	}, identity.Config{TTL: a.Cfg.Enrol.IdentificationTTL.D(), MaxAttempts: a.Cfg.Enrol.MaxAttempts})
}

// openEvidence opens the evidence store, its age identity sealed under
// the HSM's "evidence" key: identification and the certificate request
// keep their files there. evidence.store chooses DIR/evidence (one node)
// or the database (every node sharing it reads what any received).
func (a *App) openEvidence(ctx context.Context) error {
	sealer, err := a.HSM.Sealer(ctx, "evidence")
	if err != nil {
		return fmt.Errorf("evidence sealer: %w", err)
	}
	if a.Cfg.Evidence.Store == config.EvidenceInStore {
		a.Evidence = evidence.NewInStore(a.Store, sealer, a.Now)
		return nil
	}
	a.Evidence = evidence.New(a.Cfg.DataDir, sealer, a.Now)
	return nil
}

// appRoutes mounts the enrolment app's JSON API, one pattern per route so
// that the contract test sees each of them.
func (a *App) appRoutes(mux *routeMux) {
	api := appapi.New(a.Devices, a.Identity, a.Enrol, appapi.Config{PublicURL: a.Cfg.PublicURL}, a.Log)
	for _, r := range appapi.Routes() {
		mux.Handle(r.Method+" "+r.Path, api)
	}
}

// RunAppJobs removes the enrolment app's expired logins, tokens and DPoP
// proof IDs.
func (a *App) RunAppJobs(ctx context.Context) error {
	if _, err := a.Devices.Cleanup(ctx); err != nil {
		return fmt.Errorf("expired app records: %w", err)
	}
	return nil
}
