package oauth_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/oauth"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/bolt"
)

// The authorization server's own rules, over a real bbolt file; the SAM,
// the accounts and the token issuer are stand-ins because their rules are
// tested in their packages (and the whole flow over HTTP in csc).

type hmacKey []byte

func (k hmacKey) Sum(parts ...[]byte) ([]byte, error) {
	m := hmac.New(sha256.New, k)
	for _, p := range parts {
		m.Write(p)
		m.Write([]byte{0})
	}
	return m.Sum(nil), nil
}

type accounts struct{}

func (accounts) AuthenticatePassword(_ context.Context, userID, password, _ string) (*storage.Holder, error) {
	if password != "right" {
		return nil, errs.E(errs.AuthenticationFailed, "wrong")
	}
	return &storage.Holder{ID: userID}, nil
}

type sam struct{}

func (sam) PrepareApproval(context.Context, *storage.Holder, string, int) (string, error) {
	return "cred", nil
}
func (sam) CheckFactors(context.Context, string, string, string, string, string) error { return nil }
func (sam) GrantSAD(context.Context, *storage.SAD) ([]byte, error)                     { return []byte("k"), nil }

type tokens struct{}

func (tokens) IssueAccess(_ context.Context, holderID, scope, _, _ string, _ time.Duration, _ []byte) (string, error) {
	return "at-" + holderID + "-" + scope, nil
}
func (tokens) IssueRefresh(_ context.Context, holderID, _, _ string) (string, error) {
	return "rt-" + holderID, nil
}
func (tokens) RefreshKey(token string) (string, error) { return "rt:" + token, nil }
func (tokens) Parse(string) (*authn.Claims, error)     { return nil, errs.E(errs.InvalidToken, "no") }
func (tokens) Revoke(context.Context, *authn.Principal, string, string) error {
	return nil
}

// auditor stands in for the audit log; *fail, when set, is every append's error.
type auditor struct{ fail *error }

func (a auditor) Append(context.Context, audit.Event) (uint64, error) {
	if a.fail != nil && *a.fail != nil {
		return 0, *a.fail
	}
	return 1, nil
}

func newServer(t *testing.T) *oauth.Server {
	t.Helper()
	return newServerAuditing(t, auditor{})
}

func newServerAuditing(t *testing.T, a auditor) *oauth.Server {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return oauth.New(oauth.Deps{Store: db, SAM: sam{}, Accounts: accounts{}, Tokens: tokens{}, MAC: hmacKey("k"), Audit: a},
		oauth.Config{Multisign: 10, SADLifetime: 5 * time.Minute, AccessTokenTTL: time.Hour})
}

const (
	redirect = "https://app.example/cb"
	verifier = "a-code-verifier-that-is-long-enough-for-pkce-0123456789"
)

func challenge() string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestAuthorizationRequestsAreRefusedWithTheRFC6749Code(t *testing.T) {
	s := newServer(t)
	ctx := t.Context()
	client, _, err := s.RegisterClient(ctx, "App", []string{redirect}, true)
	if err != nil {
		t.Fatal(err)
	}
	good := oauth.AuthzRequest{ResponseType: "code", ClientID: client, RedirectURI: redirect, CodeChallenge: challenge(), CodeChallengeMethod: "S256"}
	tests := []struct {
		name         string
		edit         func(*oauth.AuthzRequest)
		code, detail string
		redirect     bool
	}{
		{"unknown client", func(r *oauth.AuthzRequest) { r.ClientID = "nobody" }, "invalid_request", "Invalid parameter client_id", false},
		{"foreign redirect", func(r *oauth.AuthzRequest) { r.RedirectURI = "https://evil.example/cb" }, "invalid_request", "redirect_uri is not registered for this client", false},
		{"token response", func(r *oauth.AuthzRequest) { r.ResponseType = "token" }, "unsupported_response_type", "response_type must be code", true},
		{"no PKCE", func(r *oauth.AuthzRequest) { r.CodeChallenge = "" }, "invalid_request", "Missing parameter code_challenge (PKCE is required)", true},
		{"plain PKCE", func(r *oauth.AuthzRequest) { r.CodeChallengeMethod = "plain" }, "invalid_request", "code_challenge_method must be S256", true},
		{"odd scope", func(r *oauth.AuthzRequest) { r.Scope = "admin" }, "invalid_scope", "scope must be service or credential", true},
		{"credential without hashes", func(r *oauth.AuthzRequest) { r.Scope, r.CredentialID, r.NumSignatures = "credential", "c", "1" },
			"invalid_request", "Invalid parameter hashes: Missing (or invalid type) array parameter hash", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good
			tt.edit(&r)
			_, err := s.StartAuthorization(ctx, r)
			e, ok := errs.OAuthOf(err)
			if !ok || e.OAuth != tt.code || e.Detail != tt.detail || e.Redirect != tt.redirect {
				t.Fatalf("StartAuthorization: %v (OAuth error %+v), want %s %q redirect=%v", err, e, tt.code, tt.detail, tt.redirect)
			}
		})
	}
}

func TestCodeIsSingleUseAndBoundToTheVerifier(t *testing.T) {
	s := newServer(t)
	ctx := t.Context()
	client, _, err := s.RegisterClient(ctx, "App", []string{redirect}, true)
	if err != nil {
		t.Fatal(err)
	}
	code := func() string {
		txn, err := s.StartAuthorization(ctx, oauth.AuthzRequest{ResponseType: "code", ClientID: client, CodeChallenge: challenge(), CodeChallengeMethod: "S256", State: "st"})
		if err != nil {
			t.Fatal(err)
		}
		_, to, err := s.AuthorizeLogin(ctx, txn.ID, "alice", "right", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(to)
		if err != nil || u.Query().Get("state") != "st" || u.Query().Get("code") == "" {
			t.Fatalf("redirect %q", to)
		}
		return u.Query().Get("code")
	}
	c := code()
	tok, err := s.Token(ctx, oauth.TokenRequest{GrantType: "authorization_code", ClientID: client, Code: c, CodeVerifier: verifier})
	if err != nil || tok.AccessToken != "at-alice-service" || tok.RefreshToken != "rt-alice" {
		t.Fatalf("token: %+v %v", tok, err)
	}
	tests := []struct {
		name string
		req  oauth.TokenRequest
		code string
	}{
		{"code used twice", oauth.TokenRequest{GrantType: "authorization_code", ClientID: client, Code: c, CodeVerifier: verifier}, "invalid_grant"},
		{"wrong verifier", oauth.TokenRequest{GrantType: "authorization_code", ClientID: client, Code: code(), CodeVerifier: "x" + verifier}, "invalid_grant"},
		{"no grant type", oauth.TokenRequest{ClientID: client, Code: c}, "invalid_request"},
		{"password grant", oauth.TokenRequest{GrantType: "password", ClientID: client}, "unsupported_grant_type"},
		{"unknown client", oauth.TokenRequest{GrantType: "authorization_code", ClientID: "nobody", Code: c}, "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Token(ctx, tt.req)
			if e, ok := errs.OAuthOf(err); !ok || e.OAuth != tt.code || e.Redirect {
				t.Fatalf("Token: %v, want %s", err, tt.code)
			}
		})
	}
}

// An authorization code whose issue cannot be recorded is not handed out
// (the login answers Unavailable and no redirect carries a code), and no
// client is registered unrecorded.
func TestNoCodeWithoutItsAuditRecord(t *testing.T) {
	var failure error
	s := newServerAuditing(t, auditor{fail: &failure})
	ctx := t.Context()
	client, _, err := s.RegisterClient(ctx, "App", []string{redirect}, true)
	if err != nil {
		t.Fatal(err)
	}
	txn, err := s.StartAuthorization(ctx, oauth.AuthzRequest{ResponseType: "code", ClientID: client, CodeChallenge: challenge(), CodeChallengeMethod: "S256", State: "st"})
	if err != nil {
		t.Fatal(err)
	}
	failure = errors.New("no space left on device")
	_, to, err := s.AuthorizeLogin(ctx, txn.ID, "alice", "right", "192.0.2.1")
	if !errs.Is(err, errs.Unavailable) || strings.Contains(to, "code=") {
		t.Fatalf("login with a failing audit log: %q %v, want Unavailable and no code", to, err)
	}
	// Registering a client is an administrative action: refused too.
	if _, _, err := s.RegisterClient(ctx, "Other", []string{redirect}, true); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("registering a client with a failing audit log: %v, want Unavailable", err)
	}
}
