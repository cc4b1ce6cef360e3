package sam

import (
	"context"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// The narrow API of the module for the OAuth 2.0 authorization server
// (package oauth): it may choose and check the credential a holder is
// asked to approve, check the holder's two factors and grant a SAD bound
// to the approved hashes - never read or change a credential itself.

// PrepareApproval picks the credential of a credential-scope authorization
// (the holder's first usable one when credentialID is empty: the
// signatureQualifier case), checks it can make numSignatures signatures,
// and sends the signing OTP by SMS unless the holder's codes come from an
// authenticator app. It returns the credential's ID.
func (s *Service) PrepareApproval(ctx context.Context, h *storage.Holder, credentialID string, numSignatures int) (string, error) {
	if credentialID == "" {
		views, err := s.List(ctx, h.ID, true)
		if err != nil {
			return "", err
		}
		if len(views) == 0 {
			return "", errs.M(errs.CredentialUnusable, msg.NoCredentialCanSign)
		}
		credentialID = views[0].ID
	}
	c, err := s.owned(ctx, h.ID, credentialID)
	if err != nil {
		return credentialID, err
	}
	v, err := s.view(ctx, c)
	if err != nil {
		return credentialID, err
	}
	if err := usable(c, v); err != nil {
		return credentialID, err
	}
	if numSignatures > c.Multisign {
		return credentialID, errs.M(errs.InvalidRequest, msg.TooManySignatures)
	}
	if len(h.TOTPSealed) == 0 || h.OTPMode != "app" {
		if err := s.SendOTP(ctx, h.ID, c.ID); err != nil && !errs.Is(err, errs.RateLimited) {
			return credentialID, err
		}
	}
	return c.ID, nil
}

// CheckFactors verifies the PIN and OTP of the holder's credential, with
// the same counting and lockout as credentials/authorize.
func (s *Service) CheckFactors(ctx context.Context, holderID, credentialID, pin, otp, clientID string) error {
	c, err := s.owned(ctx, holderID, credentialID)
	if err != nil {
		return err
	}
	return s.checkFactors(ctx, c, pin, otp, clientID)
}

// GrantSAD stores a SAD for rec (whose factors the caller has just
// checked) and returns its lookup key, which a credential-scope access
// token carries in place of the SAD itself.
func (s *Service) GrantSAD(ctx context.Context, rec *storage.SAD) ([]byte, error) {
	g, err := s.grantSAD(ctx, rec)
	if err != nil {
		return nil, err
	}
	return g.key, nil
}
