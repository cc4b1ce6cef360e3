package tsa

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"log/slog"
	"math/big"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/oids"
)

// Config is what a TSA needs. Signer and Certificate are required; the
// Signer is the HSM key in production and must be the key of Certificate.
type Config struct {
	// Signer signs the tokens: ECDSA P-256/P-384/P-521 or RSA >= 2048 bits.
	// RSA keys sign with PKCS#1 v1.5, which every HSM accepts.
	Signer crypto.Signer
	// Certificate is the TSA certificate; it must carry a critical
	// extendedKeyUsage whose only purpose is id-kp-timeStamping (RFC 3161 2.3).
	Certificate *x509.Certificate
	// Chain holds the issuing CA certificates sent with Certificate when a
	// request sets certReq (intermediates first; the root is optional).
	Chain []*x509.Certificate
	// Policy is the TSA policy OID written into every TSTInfo; requests naming
	// another policy are rejected with unacceptedPolicy.
	Policy asn1.ObjectIdentifier
	// Accuracy is the guaranteed bound of genTime around UTC; 0 means 1 s.
	Accuracy time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// IncludeTSAName writes the certificate subject into TSTInfo.tsa.
	IncludeTSAName bool
	// Logger receives one line per rejected or failed request; nil means slog.Default().
	Logger *slog.Logger
	// Clock is asked before every token whether the time can be trusted;
	// nil means KernelClock with MaxError = Accuracy. A refusal answers
	// timeNotAvailable (RFC 3161) or Unavailable (Timestamp).
	Clock ClockCheck
	// Record keeps the TSA's log of issued tokens (EN 319 421 7.10: serial,
	// time, hash algorithm, requester). It runs after signing and before the
	// token leaves: when it fails the token is withheld, so no token exists
	// that the log does not name. Nil records nothing.
	Record func(ctx context.Context, t Issued) error
}

// Issued describes one issued token for the TSA's log.
type Issued struct {
	Serial    *big.Int
	GenTime   time.Time
	Hash      crypto.Hash
	Requester string // who asked: an address for RFC 3161 over HTTP, a principal for CSC
}

func (c *Config) validate() (oids.Signature, error) {
	switch {
	case c.Signer == nil:
		return oids.Signature{}, errs.M(errs.InvalidRequest, msg.TSASignerRequired)
	case c.Certificate == nil:
		return oids.Signature{}, errs.M(errs.InvalidRequest, msg.TSACertificateRequired)
	case len(c.Policy) == 0:
		return oids.Signature{}, errs.M(errs.InvalidRequest, msg.TSAPolicyOIDRequired)
	case c.Accuracy < 0:
		return oids.Signature{}, errs.M(errs.InvalidRequest, msg.TSAAccuracyNotNegative)
	}
	if err := checkTimeStampingEKU(c.Certificate); err != nil {
		return oids.Signature{}, err
	}
	if ku := c.Certificate.KeyUsage; ku != 0 && ku&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return oids.Signature{}, errs.M(errs.InvalidRequest, msg.TSAKeyUsageNotSigning)
	}
	pub, ok := c.Certificate.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(c.Signer.Public()) {
		return oids.Signature{}, errs.M(errs.InvalidRequest, msg.TSASignerMismatch)
	}
	return algorithmFor(c.Signer.Public())
}

// checkTimeStampingEKU enforces RFC 3161 section 2.3: exactly one
// extendedKeyUsage extension, critical, containing only id-kp-timeStamping.
// Verifiers such as OpenSSL refuse tokens from any other certificate, so a
// misissued certificate is caught here rather than by relying parties.
func checkTimeStampingEKU(cert *x509.Certificate) error {
	var found, critical bool
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(oids.ExtKeyUsage) {
			found, critical = true, ext.Critical
		}
	}
	switch {
	case !found:
		return errs.M(errs.InvalidRequest, msg.TSANoExtKeyUsage)
	case !critical:
		return errs.M(errs.InvalidRequest, msg.TSAExtKeyUsageNotCritical)
	case len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(cert.UnknownExtKeyUsage) != 0:
		return errs.M(errs.InvalidRequest, msg.TSAExtKeyUsageNotTimeStamping)
	}
	return nil
}

func algorithmFor(pub crypto.PublicKey) (oids.Signature, error) {
	alg, err := oids.SignatureFor(pub)
	if err != nil {
		return oids.Signature{}, errs.M(errs.InvalidRequest, msg.TSAUnsupportedKey, err)
	}
	return alg, nil
}
