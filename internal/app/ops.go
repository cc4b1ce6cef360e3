package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
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

// CreateHolder creates an account with one signing credential.
func (a *App) CreateHolder(ctx context.Context, r HolderRequest) (*HolderResult, error) {
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
	if _, err := a.Accounts.CreateHolder(ctx, account.NewHolder{
		ID: r.UserID, Password: r.Password, GivenName: r.GivenName, Surname: r.Surname, Country: r.Country,
		SemanticsID: r.SemanticsID, Email: r.Email, Phone: r.Phone, Lang: r.Lang,
	}); err != nil {
		return nil, err
	}
	created, err := a.Credentials.CreateCredential(ctx, sam.NewCredential{HolderID: r.UserID, PIN: r.PIN, KeyType: kt})
	if err != nil {
		return nil, err
	}
	return &HolderResult{UserID: r.UserID, CredentialID: created.Credential.ID, PUK: created.PUK, ERC: created.ERC}, nil
}

// ClientRequest is `qesctl client create`: an OAuth 2.0 client.
type ClientRequest struct {
	Name         string   `json:"name"`
	RedirectURIs []string `json:"redirectURIs"`
	Public       bool     `json:"public"`
}

// ClientResult carries the new client's ID and (once) its secret.
type ClientResult struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"`
}

// UnblockRequest is `qesctl holder unblock`.
type UnblockRequest struct {
	UserID       string `json:"userID"`
	CredentialID string `json:"credentialID"`
	PUK          string `json:"puk"`
	NewPIN       string `json:"newPIN"`
}

// Unblock resets a blocked PIN with the PUK.
func (a *App) Unblock(ctx context.Context, r UnblockRequest) error {
	return a.Credentials.Unblock(ctx, r.UserID, r.CredentialID, r.PUK, r.NewPIN)
}

// VerifyAudit checks the audit log's chain and anchor.
func (a *App) VerifyAudit(ctx context.Context) (audit.Report, error) {
	return audit.Verify(ctx, filepath.Join(a.Cfg.DataDir, "audit.jsonl"), a.Store)
}

// Demo is the demo holder made on first start; it is written to
// <data>/demo-holder.json so that later starts can show it again.
type Demo struct {
	UserID       string `json:"userID"`
	Password     string `json:"password"`
	PIN          string `json:"pin"`
	PUK          string `json:"puk"`
	ERC          string `json:"erc,omitempty"`
	CredentialID string `json:"credentialID"`
	Phone        string `json:"phone"`
}

// DemoFile is where the demo holder's secrets are kept (development only).
func (a *App) DemoFile() string { return filepath.Join(a.Cfg.DataDir, "demo-holder.json") }

// EnsureDemoHolder creates the demo holder unless any holder exists.
func (a *App) EnsureDemoHolder(ctx context.Context) (*Demo, bool, error) {
	if raw, err := os.ReadFile(a.DemoFile()); err == nil {
		var d Demo
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, false, fmt.Errorf("read %s: %w", a.DemoFile(), err)
		}
		return &d, false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	holders, err := a.Store.ListHolders(ctx)
	if err != nil {
		return nil, false, err
	}
	if len(holders) > 0 {
		return nil, false, nil
	}
	pw, err := demoPassword()
	if err != nil {
		return nil, false, err
	}
	pin, err := demoPIN()
	if err != nil {
		return nil, false, err
	}
	res, err := a.CreateHolder(ctx, HolderRequest{
		UserID: "demo", Password: pw, PIN: pin, Phone: "+393330000000", Email: "mario.rossi@example.org",
		GivenName: "Mario", Surname: "Rossi", Country: "IT", SemanticsID: "TINIT-RSSMRA80A01H501U", Lang: "en",
	})
	if err != nil {
		return nil, false, fmt.Errorf("create demo holder: %w", err)
	}
	d := &Demo{UserID: res.UserID, Password: pw, PIN: pin, PUK: res.PUK, ERC: res.ERC, CredentialID: res.CredentialID, Phone: "+393330000000"}
	raw, _ := json.MarshalIndent(d, "", "  ")
	if err := os.WriteFile(a.DemoFile(), append(raw, '\n'), 0o600); err != nil {
		return nil, false, err
	}
	return d, true, nil
}

func randomFrom(alphabet string, n int) (string, error) {
	out := make([]byte, n)
	for i := range out {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", errs.Internalf(err, "random")
		}
		out[i] = alphabet[k.Int64()]
	}
	return string(out), nil
}

func demoPassword() (string, error) {
	for {
		s, err := randomFrom("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 10)
		if err != nil {
			return "", err
		}
		pw := "Qes-" + s + "!"
		if account.CheckPassword(pw) == nil {
			return pw, nil
		}
	}
}

func demoPIN() (string, error) {
	for {
		pin, err := randomFrom("0123456789", 6)
		if err != nil {
			return "", err
		}
		if sam.CheckPIN(pin) == nil {
			return pin, nil
		}
	}
}
