package app

import (
	"context"
	"crypto"
	"fmt"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/config"
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
	var clock tsa.ClockCheck = tsa.KernelClock{MaxError: a.Cfg.TSA.Accuracy.D()}
	if a.Cfg.TSA.Clock == config.ClockUnchecked {
		a.Log.Warn("the TSA trusts the system clock without checking its synchronisation (tsa.clock \"unchecked\"): development only")
		clock = tsa.UncheckedClock{}
	}
	t, err := tsa.New(tsa.Config{
		Signer:      a.Authorities.TSAKey,
		Certificate: a.Authorities.TSACert,
		Chain:       a.Authorities.IssuingChain,
		Policy:      policy,
		Accuracy:    a.Cfg.TSA.Accuracy.D(),
		Now:         a.Now,
		Logger:      a.Log,
		Clock:       clock,
		Record:      recordToken(a.Audit),
	})
	if err != nil {
		return nil, fmt.Errorf("time-stamp authority: %w", err)
	}
	return t, nil
}

// recordToken writes each issued time-stamp into the audit chain (EN 319 421
// asks the TSA to log them), waiting for the record to be durable: a token
// the log cannot name is not issued.
func recordToken(log *audit.Log) func(context.Context, tsa.Issued) error {
	return func(ctx context.Context, t tsa.Issued) error {
		_, err := log.Append(ctx, audit.Event{Type: "tsa.token", Client: t.Requester, Outcome: "ok", Detail: map[string]string{
			"serial": t.Serial.Text(16), "genTime": t.GenTime.UTC().Format(time.RFC3339Nano), "hash": t.Hash.String(),
		}})
		return err
	}
}

// localTimestamper lets pades time-stamp through the in-process TSA
// (pades.Timestamper has no nonce: the token never leaves the process
// before pades checks its imprint).
type localTimestamper struct{ tsa *tsa.TSA }

func (l localTimestamper) Timestamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error) {
	return l.tsa.Timestamp(ctx, "signDoc", h, digest, nil)
}
