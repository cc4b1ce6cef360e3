package oauth

import (
	"context"
	"log/slog"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/storage"
)

// SAM is what the server needs of the signature activation module: the
// credential a holder approves, the PIN/OTP check and the SAD grant.
type SAM interface {
	PrepareApproval(ctx context.Context, h *storage.Holder, credentialID string, numSignatures int) (string, error)
	CheckFactors(ctx context.Context, holderID, credentialID, pin, otp, clientID string) error
	GrantSAD(ctx context.Context, rec *storage.SAD) ([]byte, error)
}

// Accounts checks a holder's password with the lockout rules.
type Accounts interface {
	AuthenticatePassword(ctx context.Context, userID, password, clientIP string) (*storage.Holder, error)
}

// Tokens issues and revokes bearer tokens (authn.Service).
type Tokens interface {
	IssueAccess(ctx context.Context, holderID, scope, clientID, grant string, ttl time.Duration, data []byte) (string, error)
	IssueRefresh(ctx context.Context, holderID, clientID, grant string) (string, error)
	RefreshKey(token string) (string, error)
	Parse(raw string) (*authn.Claims, error)
	Revoke(ctx context.Context, caller *authn.Principal, token, hint string) error
}

// MAC keys lookups of client secrets and codes (hsm.MACKey).
type MAC interface {
	Sum(parts ...[]byte) ([]byte, error)
}

// Auditor records what happened (audit.Log).
type Auditor interface {
	Append(ctx context.Context, ev audit.Event) (uint64, error)
}

// Store is the part of storage the server keeps clients, transactions,
// codes and pushed requests in.
type Store interface {
	CreateClient(ctx context.Context, c *storage.Client) error
	Client(ctx context.Context, id string) (*storage.Client, error)
	storage.OAuthRecords
	// Token reads a refresh token (its client may revoke it).
	Token(ctx context.Context, id string) (*storage.Token, error)
}

// Config holds the server's rules: the SAM's, so that a token never
// outlives the SAD or allows more signatures than the module would.
type Config struct {
	Multisign      int           // most signatures one authorization may allow
	SADLifetime    time.Duration // lifetime of a credential-scope token
	AccessTokenTTL time.Duration // lifetime of a service-scope token
}

// Deps are the server's collaborators.
type Deps struct {
	Store    Store
	SAM      SAM
	Accounts Accounts
	Tokens   Tokens
	MAC      MAC
	Audit    Auditor
	Log      *slog.Logger
	Now      func() time.Time
}

// Server is the authorization server.
type Server struct {
	store    Store
	sam      SAM
	accounts Accounts
	tokens   Tokens
	mac      MAC
	audit    Auditor
	log      *slog.Logger
	now      func() time.Time
	cfg      Config
}

// New wires a Server.
func New(d Deps, cfg Config) *Server {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Server{store: d.Store, sam: d.SAM, accounts: d.Accounts, tokens: d.Tokens, mac: d.MAC, audit: d.Audit,
		log: d.Log, now: d.Now, cfg: cfg}
}

// record writes an audit event whose failure the caller may tolerate;
// failures are logged, never silent.
func (s *Server) record(ctx context.Context, ev audit.Event) {
	audit.BestEffort(ctx, s.audit, s.log, ev)
}
