package app

import (
	"context"
	"crypto"
	"fmt"

	"github.com/qesproject/qes/internal/oids"
	"github.com/qesproject/qes/tsa"
)

// newTSA builds the time-stamping unit from the HSM key and certificate
// made with the CA hierarchy. Tokens carry the whole chain (TSA, issuing
// CA, root) so that a verifier needs nothing but the root.
func newTSA(a *App) (*tsa.TSA, error) {
	policy, err := oids.Parse(a.Cfg.TSA.PolicyOID)
	if err != nil {
		return nil, fmt.Errorf("tsa.policyOID: %w", err)
	}
	t, err := tsa.New(tsa.Config{
		Signer:      a.Authorities.TSAKey,
		Certificate: a.Authorities.TSACert,
		Chain:       a.Authorities.IssuingChain,
		Policy:      policy,
		Accuracy:    a.Cfg.TSA.Accuracy.D(),
		Now:         a.Now,
		Logger:      a.Log,
	})
	if err != nil {
		return nil, fmt.Errorf("time-stamp authority: %w", err)
	}
	return t, nil
}

// localTimestamper lets pades time-stamp through the in-process TSA
// (pades.Timestamper has no nonce: the token never leaves the process
// before pades checks its imprint).
type localTimestamper struct{ tsa *tsa.TSA }

func (l localTimestamper) Timestamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error) {
	return l.tsa.Timestamp(ctx, h, digest, nil)
}
