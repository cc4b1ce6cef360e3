package ocsp

import (
	"context"
	"math/big"
	"time"
)

// State is a certificate's status as OCSP reports it.
type State int

// The zero State is Unknown, so a Source that forgets to set it never
// vouches for a certificate.
const (
	Unknown State = iota // the responder does not know the serial
	Good                 // issued and neither revoked nor suspended
	Revoked              // revoked, or suspended (Reason ReasonCertificateHold)
)

func (s State) String() string {
	switch s {
	case Unknown:
		return "unknown"
	case Good:
		return "good"
	case Revoked:
		return "revoked"
	}
	return "state(?)"
}

// CRLReason codes (RFC 5280 section 5.3.1). Suspension is Revoked with
// ReasonCertificateHold; ReasonUnspecified is sent as an absent reason, as
// RFC 5280 recommends.
const (
	ReasonUnspecified          = 0
	ReasonKeyCompromise        = 1
	ReasonCACompromise         = 2
	ReasonAffiliationChanged   = 3
	ReasonSuperseded           = 4
	ReasonCessationOfOperation = 5
	ReasonCertificateHold      = 6
	ReasonRemoveFromCRL        = 8
	ReasonPrivilegeWithdrawn   = 9
	ReasonAACompromise         = 10
)

// Status is what the Source knows about one serial number.
type Status struct {
	State     State
	RevokedAt time.Time // required when State is Revoked
	Reason    int       // a Reason* code; meaningful when State is Revoked
	// Until, if set, is when this status ends by itself (a suspension that
	// becomes a revocation at its deadline): the response's nextUpdate and
	// its life in the cache do not reach beyond it, so the responder never
	// serves a hold after the hold has lapsed.
	Until time.Time
}

// Source tells the responder the current status of a certificate issued by
// the responder's CA. An error is a failure to find out (storage down), not
// "unknown serial": that is Status{State: Unknown}. Errors of kind
// errs.Unavailable are answered with tryLater, others with internalError.
type Source interface {
	Status(ctx context.Context, serial *big.Int) (Status, error)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context, serial *big.Int) (Status, error)

// Status calls f.
func (f SourceFunc) Status(ctx context.Context, serial *big.Int) (Status, error) {
	return f(ctx, serial)
}

func validReason(r int) bool {
	return r >= ReasonUnspecified && r <= ReasonAACompromise && r != 7
}
