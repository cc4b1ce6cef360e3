package authn

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math/big"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// Store keeps access tokens (by ID) and refresh tokens (by MAC) and their
// grants (storage.Tokens).
type Store interface {
	PutToken(ctx context.Context, t *storage.Token) error
	Token(ctx context.Context, id string) (*storage.Token, error)
	DeleteToken(ctx context.Context, id string) error
	DeleteGrant(ctx context.Context, grantID string) (int, error)
}

// MAC keys lookups of high-entropy secrets (hsm.MACKey).
type MAC interface {
	Sum(parts ...[]byte) ([]byte, error)
}

// Config holds the token rules; zero values take the defaults.
type Config struct {
	RefreshTokenTTL time.Duration // default 30 days
}

// Deps are the token service's collaborators; Now defaults to time.Now.
type Deps struct {
	Store  Store
	MAC    MAC
	Signer *TokenSigner
	Now    func() time.Time
}

// Service issues, checks and revokes access and refresh tokens.
type Service struct {
	store      Store
	mac        MAC
	tokens     *TokenSigner
	now        func() time.Time
	refreshTTL time.Duration
}

// New wires the token service.
func New(d Deps, cfg Config) *Service {
	if cfg.RefreshTokenTTL <= 0 {
		cfg.RefreshTokenTTL = 30 * 24 * time.Hour
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{store: d.Store, mac: d.MAC, tokens: d.Signer, now: d.Now, refreshTTL: cfg.RefreshTokenTTL}
}

// newToken returns 32 random bytes, base64url: token IDs and refresh
// tokens, which are looked up by MAC.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", errs.Internalf(err, "random token")
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Token scopes (CSC 8.1/8.2).
const (
	ScopeService    = "service"
	ScopeCredential = "credential"
)

// TokenSigner signs access tokens (JWT, ES256) with a P-256 key in the HSM.
// Anyone holding the public key can check a token's integrity; revocation is
// checked against the token register.
type TokenSigner struct {
	signer crypto.Signer
	pub    *ecdsa.PublicKey
	issuer string
}

// NewTokenSigner wraps an HSM P-256 key.
func NewTokenSigner(s crypto.Signer, issuer string) (*TokenSigner, error) {
	pub, ok := s.Public().(*ecdsa.PublicKey)
	if !ok || pub.Curve.Params().BitSize != 256 {
		return nil, errs.E(errs.Internal, "token signing key must be ECDSA P-256")
	}
	return &TokenSigner{signer: s, pub: pub, issuer: issuer}, nil
}

// hsmES256 is jwt's ES256 signing through a crypto.Signer, whose DER
// signature JWS wants as fixed-width r||s.
type hsmES256 struct{}

func (hsmES256) Alg() string { return "ES256" }

func (hsmES256) Verify(signingString string, sig []byte, key any) error {
	return jwt.SigningMethodES256.Verify(signingString, sig, key)
}

func (hsmES256) Sign(signingString string, key any) ([]byte, error) {
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, jwt.ErrInvalidKeyType
	}
	d := sha256.Sum256([]byte(signingString))
	der, err := s.Sign(rand.Reader, d[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) != 0 {
		return nil, errors.New("token signature is not a DER ECDSA signature")
	}
	out := make([]byte, 64)
	rs.R.FillBytes(out[:32])
	rs.S.FillBytes(out[32:])
	return out, nil
}

// Claims are what an access token says.
type Claims struct {
	jwt.RegisteredClaims
	Scope    string `json:"scope"`
	ClientID string `json:"client_id,omitempty"`
	Grant    string `json:"grant"`
}

func (t *TokenSigner) sign(c Claims) (string, error) {
	tok := jwt.NewWithClaims(hsmES256{}, c)
	s, err := tok.SignedString(t.signer)
	if err != nil {
		return "", errs.WrapM(err, errs.Unavailable, msg.AuthnSignAccessToken)
	}
	return s, nil
}

// Parse checks a token's signature, issuer and expiry at s's clock.
func (s *Service) Parse(raw string) (*Claims, error) { return s.tokens.parse(raw, s.now()) }

func (t *TokenSigner) parse(raw string, now time.Time) (*Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return t.pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(t.issuer), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return nil, errs.M(errs.ExpiredToken, msg.TokenExpired)
		}
		return nil, errs.M(errs.InvalidToken, msg.TokenInvalid)
	}
	return &c, nil
}

// Principal is who a valid access token speaks for.
type Principal struct {
	HolderID string
	Scope    string
	ClientID string
	TokenID  string
	Grant    string
	// SADKey is set for credential-scope tokens (OAuth 2.0 credential
	// authorization): the token stands for the SAD stored under this key.
	SADKey []byte
}

// AccessToken is a freshly issued token.
type AccessToken struct {
	Token        string
	ExpiresIn    int
	RefreshToken string // only when asked for (rememberMe / service scope)
}

// IssueAccess signs and registers an access token for the holder; data
// is kept with it (the SAD key of a credential-scope token).
func (s *Service) IssueAccess(ctx context.Context, holderID, scope, clientID, grant string, ttl time.Duration, data []byte) (string, error) {
	jti, err := newToken()
	if err != nil {
		return "", err
	}
	now := s.now()
	exp := now.Add(ttl)
	raw, err := s.tokens.sign(Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: s.tokens.issuer, Subject: holderID, ID: jti,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		},
		Scope: scope, ClientID: clientID, Grant: grant,
	})
	if err != nil {
		return "", err
	}
	if err := s.store.PutToken(ctx, &storage.Token{ID: "at:" + jti, Kind: "access", HolderID: holderID, ClientID: clientID, Scope: scope, GrantID: grant, ExpiresAt: exp, Data: data}); err != nil {
		return "", err
	}
	return raw, nil
}

// RefreshKey is the register key of a refresh token.
func (s *Service) RefreshKey(token string) (string, error) {
	sum, err := s.mac.Sum([]byte("refresh"), []byte(token))
	if err != nil {
		return "", err
	}
	return "rt:" + hex.EncodeToString(sum), nil
}

// IssueRefresh registers a new refresh token of the grant.
func (s *Service) IssueRefresh(ctx context.Context, holderID, clientID, grant string) (string, error) {
	tok, err := newToken()
	if err != nil {
		return "", err
	}
	key, err := s.RefreshKey(tok)
	if err != nil {
		return "", err
	}
	if err := s.store.PutToken(ctx, &storage.Token{ID: key, Kind: "refresh", HolderID: holderID, ClientID: clientID, Scope: ScopeService, GrantID: grant, ExpiresAt: s.now().Add(s.refreshTTL)}); err != nil {
		return "", err
	}
	return tok, nil
}

// Authenticate checks a bearer access token: signature, expiry, and that it
// has not been revoked.
func (s *Service) Authenticate(ctx context.Context, raw string) (*Principal, error) {
	now := s.now()
	c, err := s.tokens.parse(raw, now)
	if err != nil {
		return nil, err
	}
	rec, err := s.store.Token(ctx, "at:"+c.ID)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.M(errs.InvalidToken, msg.TokenRevoked)
	}
	if err != nil {
		return nil, err
	}
	if rec.HolderID != c.Subject || !now.Before(rec.ExpiresAt) {
		return nil, errs.M(errs.InvalidToken, msg.TokenInvalid)
	}
	p := &Principal{HolderID: c.Subject, Scope: c.Scope, ClientID: c.ClientID, TokenID: c.ID, Grant: c.Grant}
	if c.Scope == ScopeCredential {
		if len(rec.Data) == 0 {
			return nil, errs.M(errs.InvalidToken, msg.TokenInvalid)
		}
		p.SADKey = rec.Data
	}
	return p, nil
}

// Revoke invalidates an access token or a refresh token of the caller. A
// refresh token takes every token of its grant with it (RFC 7009). Unknown
// tokens are ignored, as RFC 7009 asks.
func (s *Service) Revoke(ctx context.Context, caller *Principal, token, hint string) error {
	tryAccess := func() (bool, error) {
		c, err := s.tokens.parse(token, s.now())
		if err != nil {
			// An expired token is as good as revoked.
			return errs.Is(err, errs.ExpiredToken), nil
		}
		if c.Subject != caller.HolderID {
			return true, nil
		}
		err = s.store.DeleteToken(ctx, "at:"+c.ID)
		return true, err
	}
	tryRefresh := func() (bool, error) {
		key, err := s.RefreshKey(token)
		if err != nil {
			return false, err
		}
		rec, err := s.store.Token(ctx, key)
		if errs.Is(err, errs.NotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if rec.HolderID != caller.HolderID {
			return true, nil
		}
		_, err = s.store.DeleteGrant(ctx, rec.GrantID)
		return true, err
	}
	order := []func() (bool, error){tryAccess, tryRefresh}
	if hint == "refresh_token" {
		order = []func() (bool, error){tryRefresh, tryAccess}
	}
	for _, try := range order {
		done, err := try()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
	return nil
}
