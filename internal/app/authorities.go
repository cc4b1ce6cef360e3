package app

import (
	"context"
	"crypto"
	"crypto/elliptic"
	"fmt"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/hsm"
)

// ensureAuthorities wires the CA hierarchy (ca.EnsureAuthorities) to the
// HSM, the store and the configured identity of the CA.
func ensureAuthorities(ctx context.Context, a *App) (*ca.Authorities, error) {
	return ca.EnsureAuthorities(ctx, ca.AuthoritiesConfig{
		Keys: hsmAuthorityKeys{a.HSM}, Store: a.Store, PublicURL: a.Cfg.PublicURL,
		Country: a.Cfg.CA.Country, Organization: a.Cfg.CA.Organization, OrgID: a.Cfg.CA.OrgID,
		Now: a.Now, Log: a.Log,
	})
}

// hsmAuthorityKeys adapts the HSM to ca.AuthorityKeys.
type hsmAuthorityKeys struct{ m hsm.Manager }

func (k hsmAuthorityKeys) GenerateEC(ctx context.Context, curve elliptic.Curve, label string) (string, error) {
	var kt hsm.KeyType
	switch curve {
	case elliptic.P256():
		kt = hsm.ECP256
	case elliptic.P384():
		kt = hsm.ECP384
	default:
		return "", fmt.Errorf("no HSM key type for curve %s", curve.Params().Name)
	}
	ref, _, err := k.m.Generate(ctx, kt, label)
	return string(ref), err
}

func (k hsmAuthorityKeys) Signer(ctx context.Context, ref string) (crypto.Signer, error) {
	return k.m.Signer(ctx, hsm.KeyRef(ref))
}

func (k hsmAuthorityKeys) Destroy(ctx context.Context, ref string) error {
	return k.m.Destroy(ctx, hsm.KeyRef(ref))
}
