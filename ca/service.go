package ca

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"log/slog"
	"math/big"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// Service is the CA as the rest of qes uses it: it issues holders'
// qualified certificates and keeps the register of their status.
type Service struct {
	store     storage.Store
	issuer    *Issuer
	chain     []*x509.Certificate // issuing CA first, root last
	profile   *QualifiedProfile
	lifecycle Lifecycle
	now       func() time.Time
	log       *slog.Logger
	hooks     registerHooks // observers of status changes (register.go)
}

// ServiceConfig wires a Service.
type ServiceConfig struct {
	Store     storage.Store
	Issuer    *Issuer
	Chain     []*x509.Certificate // the issuing CA's chain: issuing CA first, root last
	Profile   *QualifiedProfile
	Lifecycle Lifecycle
	Now       func() time.Time
	Log       *slog.Logger
}

// NewService builds the CA service.
func NewService(cfg ServiceConfig) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Service{store: cfg.Store, issuer: cfg.Issuer, chain: cfg.Chain, profile: cfg.Profile,
		lifecycle: cfg.Lifecycle, now: cfg.Now, log: cfg.Log}
}

// Chain returns the issuing CA chain (issuing CA first, root last).
func (s *Service) Chain() []*x509.Certificate { return s.chain }

// SerialInUse reports whether the register already has serial; the issuer
// asks before signing so that serials are unique.
func SerialInUseFunc(store storage.Certificates) SerialInUse {
	return func(ctx context.Context, serial *big.Int) (bool, error) {
		_, err := store.Certificate(ctx, serialKey(serial))
		switch {
		case err == nil:
			return true, nil
		case errs.Is(err, errs.NotFound):
			return false, nil
		default:
			return false, err
		}
	}
}

func serialKey(serial *big.Int) string { return fmt.Sprintf("%x", serial) }

// RegisterBeforeSign returns the issuer's BeforeSign hook: it enters the
// linted certificate's serial in the register (unique) with the request's
// owner before the CA key signs, so that a crash right after signing never
// leaves a certificate the CA cannot list on its CRL. Service certificates
// are recorded without a holder.
func RegisterBeforeSign(store storage.Certificates, now func() time.Time) func(context.Context, *x509.Certificate, Owner) error {
	return func(ctx context.Context, linted *x509.Certificate, owner Owner) error {
		return store.CreateCertificate(ctx, &storage.Certificate{
			Serial: serialKey(linted.SerialNumber), HolderID: owner.HolderID, CredentialID: owner.CredentialID,
			NotBefore: linted.NotBefore, NotAfter: linted.NotAfter, Status: storage.CertActive, ChangedAt: now(),
		})
	}
}

// IssueHolderCertificate issues a qualified certificate for a key generated
// in the HSM for credentialID and records it as active. It returns the full
// chain, leaf first.
func (s *Service) IssueHolderCertificate(ctx context.Context, h *storage.Holder, credentialID string, pub crypto.PublicKey) ([]*x509.Certificate, error) {
	cert, err := s.issuer.IssueQualified(ctx, s.profile, QualifiedRequest{
		Owner: HolderOwner(h.ID, credentialID),
		Subject: NaturalPerson{
			Country: h.Country, GivenName: h.GivenName, Surname: h.Surname,
			SerialNumber: h.SemanticsID, Email: h.Email,
		},
		PublicKey: pub,
	})
	if err != nil {
		return nil, err
	}
	// The serial was registered before signing; now keep the certificate.
	if err := s.store.UpdateCertificate(ctx, serialKey(cert.SerialNumber), func(c *storage.Certificate) error {
		c.DER = cert.Raw
		return nil
	}); err != nil {
		return nil, err
	}
	return append([]*x509.Certificate{cert}, s.chain...), nil
}

// status converts a register entry to the state machine's value.
func status(rec *storage.Certificate) CertStatus {
	st := CertStatus{NotAfter: rec.NotAfter, Reason: RevocationReason(rec.Reason),
		SuspendedAt: rec.SuspendedAt, RevokedAt: rec.RevokedAt, ChangedAt: rec.ChangedAt}
	switch rec.Status {
	case storage.CertSuspended:
		st.Status = StateSuspended
	case storage.CertRevoked:
		st.Status = StateRevoked
	case storage.CertExpired:
		st.Status = StateExpired
	default:
		st.Status = StateValid
	}
	return st
}

// CertificateState reports the state of an issued certificate at now,
// applying the passage of time (expiry, a hold past its maximum) first.
func (s *Service) CertificateState(ctx context.Context, cert *x509.Certificate, now time.Time) (State, error) {
	rec, err := s.store.Certificate(ctx, serialKey(cert.SerialNumber))
	if errs.Is(err, errs.NotFound) {
		rec, err = nil, nil
	}
	if err != nil {
		return "", err
	}
	return s.StateOf(cert, rec, now), nil
}

// StateOf is CertificateState over a register record read elsewhere (in
// the transaction that spends a SAD); rec is nil when the register does
// not know the certificate, which then must never sign.
func (s *Service) StateOf(cert *x509.Certificate, rec *storage.Certificate, now time.Time) State {
	if rec == nil {
		return StateRevoked
	}
	if now.Before(cert.NotBefore) {
		return StateNotYetValid
	}
	return s.lifecycle.Tick(status(rec), now).Status
}

// RegisterKey is the register's key of a certificate.
func RegisterKey(cert *x509.Certificate) string { return serialKey(cert.SerialNumber) }
