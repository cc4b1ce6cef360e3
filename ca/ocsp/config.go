package ocsp

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"slices"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/oids"
)

// Defaults for Config's zero values.
const (
	DefaultValidity        = 24 * time.Hour
	DefaultRefresh         = time.Hour
	DefaultMaxCacheEntries = 100_000
)

// Config is what a Responder needs. Issuer, Certificate, Signer and Source
// are required.
type Config struct {
	// Issuer is the CA whose certificates this responder answers for.
	Issuer *x509.Certificate
	// Certificate is the delegated responder certificate, issued by Issuer
	// with id-kp-OCSPSigning and id-pkix-ocsp-nocheck; it is sent in every
	// response so clients can verify the delegation.
	Certificate *x509.Certificate
	// Signer is Certificate's key (ECDSA P-256/P-384/P-521 or RSA >= 2048,
	// PKCS#1 v1.5), typically held in the HSM.
	Signer crypto.Signer
	// Source reports certificate statuses.
	Source Source
	// Validity is nextUpdate - thisUpdate; 0 means DefaultValidity.
	Validity time.Duration
	// Refresh is the age after which a cached response is signed again;
	// 0 means DefaultRefresh. It must be shorter than Validity so that a
	// served response always has a good part of its validity left.
	Refresh time.Duration
	// MaxCacheEntries bounds the pre-signed response cache; 0 means
	// DefaultMaxCacheEntries.
	MaxCacheEntries int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives failures; nil means slog.Default().
	Logger *slog.Logger
}

func (c *Config) withDefaults() Config {
	out := *c
	if out.Validity == 0 {
		out.Validity = DefaultValidity
	}
	if out.Refresh == 0 {
		out.Refresh = DefaultRefresh
	}
	if out.MaxCacheEntries == 0 {
		out.MaxCacheEntries = DefaultMaxCacheEntries
	}
	if out.Now == nil {
		out.Now = time.Now
	}
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	return out
}

func (c *Config) validate() (oids.Signature, error) {
	switch {
	case c.Issuer == nil:
		return oids.Signature{}, errs.M(errs.InvalidRequest, msg.OCSPIssuerRequired)
	case c.Certificate == nil:
		return oids.Signature{}, errs.M(errs.InvalidRequest, msg.OCSPResponderRequired)
	case c.Signer == nil:
		return oids.Signature{}, errs.M(errs.InvalidRequest, msg.OCSPSignerRequired)
	case c.Source == nil:
		return oids.Signature{}, errs.M(errs.InvalidRequest, msg.OCSPStatusSourceRequired)
	case c.Validity < 0 || c.Refresh < 0 || c.MaxCacheEntries < 0:
		return oids.Signature{}, errs.M(errs.InvalidRequest, msg.OCSPNegativeSetting)
	case c.Refresh >= c.Validity:
		return oids.Signature{}, errs.M(errs.InvalidRequest, msg.OCSPRefreshTooLong, c.Refresh, c.Validity)
	}
	if err := checkDelegation(c.Issuer, c.Certificate); err != nil {
		return oids.Signature{}, err
	}
	pub, ok := c.Certificate.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(c.Signer.Public()) {
		return oids.Signature{}, errs.M(errs.InvalidRequest, msg.OCSPSignerMismatch)
	}
	return algorithmFor(c.Signer.Public())
}

// checkDelegation enforces RFC 6960 4.2.2.2: a delegated responder
// certificate is issued directly by the CA and carries id-kp-OCSPSigning;
// id-pkix-ocsp-nocheck spares clients a status check of the responder
// itself, which they could not otherwise complete.
func checkDelegation(issuer, responder *x509.Certificate) error {
	if err := responder.CheckSignatureFrom(issuer); err != nil {
		return errs.WrapM(err, errs.InvalidRequest, msg.OCSPResponderNotIssuedByIssuer)
	}
	if !slices.Contains(responder.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
		return errs.M(errs.InvalidRequest, msg.OCSPResponderLacksOCSPSigning)
	}
	if !slices.ContainsFunc(responder.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(oids.OCSPNoCheck) }) {
		return errs.M(errs.InvalidRequest, msg.OCSPResponderLacksNoCheck)
	}
	if ku := responder.KeyUsage; ku != 0 && ku&x509.KeyUsageDigitalSignature == 0 {
		return errs.M(errs.InvalidRequest, msg.OCSPResponderLacksDigitalSignature)
	}
	return nil
}

func algorithmFor(pub crypto.PublicKey) (oids.Signature, error) {
	alg, err := oids.SignatureFor(pub)
	if err != nil {
		return oids.Signature{}, errs.M(errs.InvalidRequest, msg.OCSPUnsupportedKey, err)
	}
	return alg, nil
}
