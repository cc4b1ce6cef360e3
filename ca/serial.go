package ca

import (
	"context"
	"crypto/rand"
	"io"
	"math/big"

	"github.com/qesproject/qes/internal/errs"
)

// serialBytes is the length of generated serial numbers. 16 octets with the
// top bit cleared and the next one set give a positive integer that always
// encodes in exactly 16 octets (no sign padding, never shorter) and carries
// 126 random bits, well over the 64 that CA/Browser Forum and ETSI practice
// ask for and far under the 20 octets RFC 5280 allows.
const serialBytes = 16

// maxSerialAttempts bounds the regeneration loop when SerialInUse reports a
// collision; with 126 random bits a second collision in a row means the
// check or the random source is broken, not bad luck.
const maxSerialAttempts = 4

// SerialInUse reports whether a serial number was already issued by this CA.
// It is an optional early check so that a collision costs a retry rather than
// a failed insert; the store must still enforce uniqueness atomically when it
// records the certificate, because a check-then-insert can race.
type SerialInUse func(ctx context.Context, serial *big.Int) (bool, error)

// NewSerial returns a random positive serial number of 16 octets (126 random
// bits) read from r.
func NewSerial(r io.Reader) (*big.Int, error) {
	b := make([]byte, serialBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, errs.Internalf(err, "read random serial")
	}
	b[0] &= 0x7f
	b[0] |= 0x40
	return new(big.Int).SetBytes(b), nil
}

// uniqueSerial draws serials until inUse (if any) accepts one.
func uniqueSerial(ctx context.Context, inUse SerialInUse) (*big.Int, error) {
	for range maxSerialAttempts {
		serial, err := NewSerial(rand.Reader)
		if err != nil {
			return nil, err
		}
		if inUse == nil {
			return serial, nil
		}
		used, err := inUse(ctx, serial)
		if err != nil {
			return nil, errs.Internalf(err, "check serial uniqueness")
		}
		if !used {
			return serial, nil
		}
	}
	return nil, errs.Ef(errs.Internal, "no unused serial number after %d attempts", maxSerialAttempts)
}
