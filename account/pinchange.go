package account

import (
	"context"

	"github.com/qesproject/qes/sam"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// SendPINChangeCode sends the SMS code that confirms a PIN change of one of
// the holder's credentials (none in app mode).
func (p *Service) SendPINChangeCode(ctx context.Context, holderID, credentialID string) error {
	c, err := p.sam.Owned(ctx, holderID, credentialID)
	if err != nil {
		return err
	}
	return p.sendHolderCode(ctx, holderID, accountOTPKey(holderID, purposePIN, c.ID), purposePIN)
}

// PINChange is a holder's request to replace a credential's PIN.
type PINChange struct {
	HolderID     string
	CredentialID string
	Current      string
	New          string
	Confirm      string
	OTP          string
}

// ChangePINWithCode replaces the PIN: the new PIN must meet sam.PINPolicy and
// match its confirmation; then the one-time code is checked, then the
// current PIN (counted like any PIN entry, see ChangePIN). A lost PIN
// cannot be recovered: only the PUK resets it.
func (p *Service) ChangePINWithCode(ctx context.Context, pc PINChange) error {
	if pc.Current == "" {
		return errs.M(errs.InvalidRequest, msg.EnterCurrentPIN)
	}
	if pc.New != pc.Confirm {
		return errs.M(errs.InvalidRequest, msg.PINConfirmDiffers)
	}
	if err := sam.CheckPIN(pc.New); err != nil {
		return err
	}
	if pc.New == pc.Current {
		return errs.M(errs.InvalidRequest, msg.PINUnchanged)
	}
	c, err := p.sam.Owned(ctx, pc.HolderID, pc.CredentialID)
	if err != nil {
		return err
	}
	if c.PINBlocked {
		return errs.M(errs.Locked, msg.CredentialLocked)
	}
	if err := p.verifyCode(ctx, pc.HolderID, accountOTPKey(pc.HolderID, purposePIN, c.ID), pc.OTP, true); err != nil {
		return err
	}
	return p.sam.ChangePIN(ctx, pc.HolderID, c.ID, pc.Current, pc.New)
}
