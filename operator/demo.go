package operator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/sam"
)

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
func (s *Service) DemoFile() string { return filepath.Join(s.DataDir, "demo-holder.json") }

// EnsureDemoHolder creates the demo holder unless any holder exists. A
// second start reads the same demo back from DemoFile.
func (s *Service) EnsureDemoHolder(ctx context.Context) (*Demo, bool, error) {
	if raw, err := os.ReadFile(s.DemoFile()); err == nil {
		var d Demo
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, false, fmt.Errorf("read %s: %w", s.DemoFile(), err)
		}
		return &d, false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("read demo holder: %w", err)
	}
	holders, err := s.Holders.ListHolders(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("list holders: %w", err)
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
	const phone = "+393330000000"
	res, err := s.CreateHolder(ctx, HolderRequest{
		UserID: "demo", Password: pw, PIN: pin, Phone: phone, Email: "mario.rossi@example.org",
		GivenName: "Mario", Surname: "Rossi", Country: "IT", SemanticsID: "TINIT-RSSMRA80A01H501U", Lang: "en",
	})
	if err != nil {
		return nil, false, fmt.Errorf("create demo holder: %w", err)
	}
	d := &Demo{UserID: res.UserID, Password: pw, PIN: pin, PUK: res.PUK, ERC: res.ERC, CredentialID: res.CredentialID, Phone: phone}
	raw, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, false, fmt.Errorf("encode demo holder: %w", err)
	}
	if err := os.WriteFile(s.DemoFile(), append(raw, '\n'), 0o600); err != nil {
		return nil, false, fmt.Errorf("write demo holder: %w", err)
	}
	return d, true, nil
}

// demoPassword draws until the password policy accepts (it nearly always
// does at once: the fixed prefix and suffix bring the other classes).
func demoPassword() (string, error) {
	for {
		s, err := secret.RandomFrom("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 10)
		if err != nil {
			return "", err
		}
		pw := "Qes-" + s + "!"
		if account.CheckPassword(pw) == nil {
			return pw, nil
		}
	}
}

// demoPIN draws until the PIN rules accept (no trivial sequences).
func demoPIN() (string, error) {
	for {
		pin, err := secret.RandomFrom("0123456789", 6)
		if err != nil {
			return "", err
		}
		if sam.CheckPIN(pin) == nil {
			return pin, nil
		}
	}
}
