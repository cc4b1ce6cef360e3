package app

import (
	"context"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/storage"
)

// lifecycleSAM is what the certificate lifecycle checks of a holder
// (lifecycle.SAM), from the two packages that own it: the credential's
// owner and the holder's OTP are the SAM's, the password is the account's.
type lifecycleSAM struct {
	sam      *sam.Service
	accounts *account.Service
}

func (l lifecycleSAM) Owned(ctx context.Context, holderID, credentialID string) (*storage.Credential, error) {
	return l.sam.Owned(ctx, holderID, credentialID)
}

func (l lifecycleSAM) VerifyHolderOTP(ctx context.Context, holderID, key, code string) error {
	return l.sam.VerifyHolderOTP(ctx, holderID, key, code)
}

func (l lifecycleSAM) HoldSigning(credentialID string) (release func()) {
	return l.sam.HoldSigning(credentialID)
}

func (l lifecycleSAM) AuthenticatePassword(ctx context.Context, userID, password string) (*storage.Holder, error) {
	// The lifecycle's own throttle (per user and address, at the edge)
	// comes first; the account throttle sees no address here.
	return l.accounts.AuthenticatePassword(ctx, userID, password, "")
}

func (l lifecycleSAM) DummyVerify(secret string) { l.accounts.DummyVerify(secret) }
