package app

import (
	"context"
	"crypto"
	"fmt"

	"github.com/qesproject/qes/bundle"
	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/contract"
)

// openBundles builds the evidence bundles of enrolments: the registration
// authority's seal key "ra-seal" (made in the HSM and certified by the
// issuing CA on first start, like the TSA's), the in-process TSA for its
// B-T time-stamps, the evidence store and the audit log.
func (a *App) openBundles(ctx context.Context) error {
	key, chain, err := ca.EnsureSeal(ctx, ca.AuthoritiesConfig{
		Keys: hsmAuthorityKeys{a.HSM}, Store: a.Store, PublicURL: a.Cfg.PublicURL,
		Country: a.Cfg.CA.Country, Organization: a.Cfg.CA.Organization, OrgID: a.Cfg.CA.OrgID,
		Now: a.Now, Log: a.Log,
	}, a.Authorities)
	if err != nil {
		return err
	}
	a.Bundles = bundle.New(bundle.Deps{
		Records: a.Store, Files: a.Evidence, Signer: key, Chain: chain, Template: contractTemplate,
		Timestamper: bundleTimestamper{a}, Audit: a.Audit, AuditRecords: a.Audit,
		Log: a.Log, Now: a.Now,
	}, bundle.Config{RetentionYears: a.Cfg.Evidence.RetentionYears, FailedRetention: a.Cfg.Evidence.FailedRetention.D()})
	return nil
}

// contractTemplate is the contract as served to the applicant: the bundle
// keeps the very bytes whose hash was accepted.
func contractTemplate(_ context.Context, version, lang, _ string) ([]byte, error) {
	d, err := contract.Template(version, lang)
	if err != nil {
		return nil, err
	}
	return d.PDF, nil
}

// bundleTimestamper time-stamps seals through the in-process TSA (no
// nonce: the token never leaves the process before its imprint is used).
type bundleTimestamper struct{ a *App }

func (t bundleTimestamper) Timestamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error) {
	return t.a.TSA.Timestamp(ctx, "evidence-seal", h, digest, nil)
}

// RunEvidenceJobs seals the evidence bundles that are due: enrolments
// that ended without one, or changed since their last sealing.
func (a *App) RunEvidenceJobs(ctx context.Context) error {
	n, err := a.Bundles.SealDue(ctx)
	if n > 0 {
		a.Log.InfoContext(ctx, "evidence bundles sealed", "count", n)
	}
	if err != nil {
		return fmt.Errorf("evidence bundles: %w", err)
	}
	return nil
}
