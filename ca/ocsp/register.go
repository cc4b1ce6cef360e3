package ocsp

import (
	"context"
	"math/big"
	"time"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/internal/errs"
)

// Register is the part of the CA's certificate register the responder
// reads (ca.Service).
type Register interface {
	Status(ctx context.Context, serial *big.Int) (ca.CertStatus, error)
	Lifecycle() ca.Lifecycle
}

// RegisterSource is the Source over the CA's register, with the passage of
// time applied (a hold past its maximum reads as revoked before the sweep
// stores it). It is the one mapping from ca.State to OCSP's vocabulary.
func RegisterSource(reg Register) Source {
	return SourceFunc(func(ctx context.Context, serial *big.Int) (Status, error) {
		st, err := reg.Status(ctx, serial)
		if errs.Is(err, errs.NotFound) {
			return Status{State: Unknown}, nil
		}
		if err != nil {
			return Status{}, err
		}
		return fromRegister(st, reg.Lifecycle()), nil
	})
}

func fromRegister(st ca.CertStatus, lc ca.Lifecycle) Status {
	switch st.Status {
	case ca.StateSuspended:
		// The hold ends by itself at its deadline (or just after notAfter):
		// no response may vouch for it beyond that.
		until := lc.SuspensionDeadline(st)
		if end := st.NotAfter.Add(time.Nanosecond); end.Before(until) {
			until = end
		}
		return Status{State: Revoked, RevokedAt: st.RevokedAt, Reason: ReasonCertificateHold, Until: until}
	case ca.StateRevoked:
		return Status{State: Revoked, RevokedAt: st.RevokedAt, Reason: int(st.Reason)}
	}
	// Valid, and expired without revocation: RFC 6960 lets the responder
	// vouch for an expired certificate, and long-term validation needs it.
	return Status{State: Good}
}
