// Package operator is what a CA operator does through qesctl, the same
// whether qesctl reaches a running qesd over the admin socket or opens the
// data directory itself: onboard a holder (an account and its signing
// credential), unblock a PIN with the PUK, run the certificate lifecycle as
// the operator, register OAuth clients, verify the audit log, and make the
// development demo holder. It owns the rules of those requests (what is
// required, which reason goes with which action); the services it calls own
// everything else.
package operator

import (
	"context"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/lifecycle"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/storage"
)

// Accounts creates and lists holder accounts (account.Service).
type Accounts interface {
	CreateHolder(ctx context.Context, nh account.NewHolder) (*storage.Holder, error)
}

// Holders lists the holders there are, to decide whether a demo is due.
type Holders interface {
	ListHolders(ctx context.Context) ([]*storage.Holder, error)
}

// Credentials creates signing credentials and unblocks their PINs (sam.Service).
type Credentials interface {
	CreateCredential(ctx context.Context, nc sam.NewCredential) (*sam.Created, error)
	Unblock(ctx context.Context, holderID, credentialID, puk, newPIN string) error
}

// Lifecycle runs certificate changes (lifecycle.Service).
type Lifecycle interface {
	Apply(ctx context.Context, actor lifecycle.Actor, ch lifecycle.Change) (*lifecycle.CertificateStatus, error)
	Status(ctx context.Context, holderID, credentialID string) (*lifecycle.CertificateStatus, error)
}

// Clients registers OAuth 2.0 clients (oauth.Server).
type Clients interface {
	RegisterClient(ctx context.Context, name string, redirectURIs []string, public bool) (id, clientSecret string, err error)
}

// Service runs the operator's requests.
type Service struct {
	Accounts    Accounts
	Holders     Holders
	Credentials Credentials
	Lifecycle   Lifecycle
	Clients     Clients
	// Audit checks the audit log's chain and anchor.
	Audit func(ctx context.Context) (audit.Report, error)
	// DataDir holds the demo holder's file (development only).
	DataDir string
	// Shop creates coupons and lists enrolments (operator/enrol.go).
	Shop Shop
	// Trust imports CSCAs and their CRLs (operator/csca.go).
	Trust Trust
	// Officers manages registration officers (operator/officer.go).
	Officers Officers
	// Evidence seals, verifies, exports and purges enrolments' evidence
	// bundles (operator/evidence.go).
	Evidence Evidence
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

// CreateClient registers an OAuth 2.0 client.
func (s *Service) CreateClient(ctx context.Context, r ClientRequest) (*ClientResult, error) {
	id, secret, err := s.Clients.RegisterClient(ctx, r.Name, r.RedirectURIs, r.Public)
	if err != nil {
		return nil, err
	}
	return &ClientResult{ClientID: id, ClientSecret: secret}, nil
}

// VerifyAudit checks the audit log's chain and anchor.
func (s *Service) VerifyAudit(ctx context.Context) (audit.Report, error) {
	return s.Audit(ctx)
}
