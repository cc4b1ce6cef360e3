package ocsp

import (
	"context"
	"math/big"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// SignedResponse signs, now, a response for serial with a SHA-1 CertID (the
// one every validator matches) and no nonce, bypassing the cache. It is for
// embedding validation data in a signature (PAdES B-LT), where the response
// should be produced after the signing time rather than up to Refresh
// before it.
func (r *Responder) SignedResponse(ctx context.Context, serial *big.Int) ([]byte, error) {
	if serial == nil || serial.Sign() <= 0 {
		return nil, errs.M(errs.InvalidRequest, msg.OCSPSerialNumberPositive)
	}
	e, err := r.build(ctx, certIDHashes[0], serial, nil)
	if err != nil {
		return nil, err
	}
	return e.der, nil
}
