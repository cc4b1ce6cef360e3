package operator

import (
	"context"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/sam"
)

// HolderRequest is `qesctl holder create`.
type HolderRequest struct {
	UserID      string `json:"userID"`
	Password    string `json:"password"`
	PIN         string `json:"pin"`
	Phone       string `json:"phone"`
	Email       string `json:"email"`
	Key         string `json:"key"`
	GivenName   string `json:"givenName"`
	Surname     string `json:"surname"`
	Country     string `json:"country"`
	SemanticsID string `json:"semanticsID"`
	Lang        string `json:"lang"`
}

// HolderResult is what `qesctl holder create` prints. The PUK and the
// emergency code appear once.
type HolderResult struct {
	UserID       string `json:"userID"`
	CredentialID string `json:"credentialID"`
	PUK          string `json:"puk"`
	ERC          string `json:"erc"`
}

// CreateHolder creates an account with one signing credential. The key
// type is checked before the account exists, so that a typo leaves
// nothing behind.
func (s *Service) CreateHolder(ctx context.Context, r HolderRequest) (*HolderResult, error) {
	kt := hsm.ECP256
	if r.Key != "" {
		var err error
		if kt, err = hsm.ParseKeyType(r.Key); err != nil {
			return nil, err
		}
	}
	if r.Country == "" {
		r.Country = "IT"
	}
	if _, err := s.Accounts.CreateHolder(ctx, account.NewHolder{
		ID: r.UserID, Password: r.Password, GivenName: r.GivenName, Surname: r.Surname, Country: r.Country,
		SemanticsID: r.SemanticsID, Email: r.Email, Phone: r.Phone, Lang: r.Lang,
	}); err != nil {
		return nil, err
	}
	created, err := s.Credentials.CreateCredential(ctx, sam.NewCredential{HolderID: r.UserID, PIN: r.PIN, KeyType: kt})
	if err != nil {
		return nil, err
	}
	return &HolderResult{UserID: r.UserID, CredentialID: created.Credential.ID, PUK: created.PUK, ERC: created.ERC}, nil
}

// UnblockRequest is `qesctl holder unblock`.
type UnblockRequest struct {
	UserID       string `json:"userID"`
	CredentialID string `json:"credentialID"`
	PUK          string `json:"puk"`
	NewPIN       string `json:"newPIN"`
}

// Unblock resets a blocked PIN with the PUK.
func (s *Service) Unblock(ctx context.Context, r UnblockRequest) error {
	return s.Credentials.Unblock(ctx, r.UserID, r.CredentialID, r.PUK, r.NewPIN)
}
