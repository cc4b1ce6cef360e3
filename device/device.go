// Package device binds the enrolment app to a shop customer: login with
// the shop's e-mail and password, an SMS code to the mobile number of the
// customer's order, then the registration of a P-256 key the device keeps
// (its private half never leaves the device; the 6-digit unlock code and
// the biometrics that protect it locally never reach the server). Later
// requests carry an opaque access token bound to that key and an RFC 9449
// DPoP proof signed with it, with a body-hash claim ("bh") for requests
// with a body, so that chip data and videos reach the server with
// authenticity and integrity (ETSI TS 119 461 VAL-8.3.2-01, BIN-8.4.2-04).
//
// Tokens are random strings stored only as MACs; refresh tokens rotate.
// It is a domain package: no HTTP types.
package device

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

// Store is what the service keeps.
type Store interface {
	storage.Devices
}

// Shop is the part of the shop (enrol.Service) a login uses: its password
// check, with its throttle and its same answer for unknown e-mails, and
// the customer's orders, whose details hold the mobile number.
type Shop interface {
	Login(ctx context.Context, email, password, ip string) (*storage.Customer, error)
	Orders(ctx context.Context, customerID string) ([]*storage.Order, error)
}

// OTP sends and checks one-time codes (otp.Service).
type OTP interface {
	Send(ctx context.Context, r otp.Request) error
	Verify(ctx context.Context, key, code string) error
}

// MAC keys the stored form of tokens (the HSM's MAC key).
type MAC interface {
	Sum(parts ...[]byte) ([]byte, error)
}

// Attestation is what the app sends to prove it is the genuine app on a
// genuine device (Play Integrity, App Attest), bound to the key.
type Attestation struct {
	Platform   string
	Thumbprint string
	Evidence   []byte
}

// Attestor checks app attestation and says what it established; an error
// refuses the device.
type Attestor interface {
	Attest(ctx context.Context, a Attestation) (string, error)
}

// NotAttested is the development Attestor: it accepts every device and
// records that nothing was attested.
type NotAttested struct{}

// Attest implements Attestor.
func (NotAttested) Attest(context.Context, Attestation) (string, error) { return "not attested", nil }

// Config holds the rules; zero values take the defaults.
type Config struct {
	AccessTTL  time.Duration // default 10 minutes
	RefreshTTL time.Duration // default 12 hours
	LoginTTL   time.Duration // time to enter the SMS code, default 5 minutes
	// ProofWindow is how far a DPoP proof's iat may be from the server's
	// clock, either way (default 60 s).
	ProofWindow time.Duration
}

func (c *Config) defaults() {
	if c.AccessTTL <= 0 {
		c.AccessTTL = 10 * time.Minute
	}
	if c.RefreshTTL <= 0 {
		c.RefreshTTL = 12 * time.Hour
	}
	if c.LoginTTL <= 0 {
		c.LoginTTL = 5 * time.Minute
	}
	if c.ProofWindow <= 0 {
		c.ProofWindow = 60 * time.Second
	}
}

// Deps are the service's collaborators.
type Deps struct {
	Store    Store
	Shop     Shop
	OTP      OTP
	MAC      MAC
	Attestor Attestor
	Audit    audit.Appender
	Log      *slog.Logger
	Now      func() time.Time
}

// Service is the device-bound session domain.
type Service struct {
	d   Deps
	cfg Config
}

// New builds the service.
func New(d Deps, cfg Config) *Service {
	cfg.defaults()
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Attestor == nil {
		d.Attestor = NotAttested{}
	}
	return &Service{d: d, cfg: cfg}
}

// Config returns the effective rules.
func (s *Service) Config() Config { return s.cfg }

func (s *Service) key(purpose, token string) (string, error) {
	sum, err := s.d.MAC.Sum([]byte(purpose), []byte(token))
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(sum), nil
}

// LoginStarted is the first step's answer.
type LoginStarted struct {
	LoginID     string
	MaskedPhone string
}

// MaskPhone shows only the last three digits of a number.
func MaskPhone(p string) string {
	if len(p) <= 3 {
		return strings.Repeat("*", len(p))
	}
	return strings.Repeat("*", len(p)-3) + p[len(p)-3:]
}

// Login checks e-mail and password (the shop's check and throttle) and
// sends an SMS code to the mobile number of the customer's newest order
// with details.
func (s *Service) Login(ctx context.Context, email, password, ip string) (*LoginStarted, error) {
	c, err := s.d.Shop.Login(ctx, email, password, ip)
	if err != nil {
		return nil, err
	}
	orders, err := s.d.Shop.Orders(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	mobile := ""
	for _, o := range orders { // newest first
		if o.Details != nil && o.Details.Mobile != "" {
			mobile = o.Details.Mobile
			break
		}
	}
	if mobile == "" {
		return nil, errs.M(errs.AccessDenied, msg.AppNoMobile)
	}
	id, err := secret.NewToken()
	if err != nil {
		return nil, err
	}
	key, err := s.key("app-login", id)
	if err != nil {
		return nil, err
	}
	now := s.d.Now().UTC()
	if err := audit.Require(ctx, s.d.Audit, s.d.Log, audit.Event{Type: "app.login", Detail: map[string]string{"customer": c.ID, "address": ip}}); err != nil {
		return nil, err
	}
	if err := s.d.Store.PutAppLogin(ctx, &storage.AppLogin{Key: key, CustomerID: c.ID, Mobile: mobile, CreatedAt: now, ExpiresAt: now.Add(s.cfg.LoginTTL)}); err != nil {
		return nil, fmt.Errorf("store app login: %w", err)
	}
	lang := c.Lang
	err = s.d.OTP.Send(ctx, otp.Request{Key: loginOTPKey(c.ID, key), Channel: "sms", To: mobile, Purpose: "app-login",
		Text: func(code string, ttl time.Duration) string {
			return msg.Text(lang, msg.SMSAppLogin, code, int(ttl.Minutes()))
		}})
	if err != nil {
		return nil, err
	}
	return &LoginStarted{LoginID: id, MaskedPhone: MaskPhone(mobile)}, nil
}

func loginOTPKey(customerID, loginKey string) string {
	return "customer/" + customerID + "/app-login/" + loginKey[:16]
}

// Registration is the device the app registers with the SMS code.
type Registration struct {
	Name, Platform string
	JWK            []byte
	Attestation    []byte
}

// Tokens are a device's access and refresh tokens.
type Tokens struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    int // seconds of the access token
	DeviceID     string
}

// Confirm checks the SMS code of loginID and registers the device key.
func (s *Service) Confirm(ctx context.Context, loginID, code string, r Registration, ip string) (*Tokens, error) {
	unknown := errs.M(errs.InvalidGrant, msg.AppLoginUnknown)
	name, platform := strings.TrimSpace(r.Name), strings.TrimSpace(r.Platform)
	if name == "" || platform == "" || len(name) > 64 || len(platform) > 64 {
		return nil, errs.M(errs.InvalidRequest, msg.AppDeviceName)
	}
	pub, err := ParseJWK(r.JWK)
	if err != nil {
		return nil, err
	}
	if len(loginID) != 43 {
		return nil, unknown
	}
	key, err := s.key("app-login", loginID)
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	l, err := s.d.Store.AppLogin(ctx, key)
	if errs.Is(err, errs.NotFound) || err == nil && !now.Before(l.ExpiresAt) {
		return nil, unknown
	}
	if err != nil {
		return nil, err
	}
	if err := s.d.OTP.Verify(ctx, loginOTPKey(l.CustomerID, key), strings.TrimSpace(code)); err != nil {
		if errs.Is(err, errs.InvalidOTP) {
			audit.BestEffort(ctx, s.d.Audit, s.d.Log, audit.Event{Type: "app.login-confirm", Outcome: "denied", Detail: map[string]string{"customer": l.CustomerID, "address": ip}})
		}
		return nil, err
	}
	if _, err := s.d.Store.TakeAppLogin(ctx, key); err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, unknown // confirmed concurrently
		}
		return nil, err
	}
	attested, err := s.d.Attestor.Attest(ctx, Attestation{Platform: platform, Thumbprint: pub.Thumbprint, Evidence: r.Attestation})
	if err != nil {
		return nil, errs.WrapM(err, errs.AccessDenied, msg.AppNotAttested)
	}
	id, err := secret.NewID()
	if err != nil {
		return nil, err
	}
	dev := &storage.Device{ID: id, CustomerID: l.CustomerID, Name: name, Platform: platform, JWK: pub.Canonical,
		JKT: pub.Thumbprint, Attestation: attested, CreatedAt: now.UTC()}
	if err := audit.Require(ctx, s.d.Audit, s.d.Log, audit.Event{Type: "app.device-register", Detail: map[string]string{
		"customer": l.CustomerID, "device": id, "jkt": pub.Thumbprint, "attestation": attested, "address": ip}}); err != nil {
		return nil, err
	}
	if err := s.d.Store.CreateDevice(ctx, dev); err != nil {
		return nil, fmt.Errorf("register device: %w", err)
	}
	return s.issue(ctx, dev)
}

// issue gives dev a fresh access and refresh token.
func (s *Service) issue(ctx context.Context, dev *storage.Device) (*Tokens, error) {
	now := s.d.Now().UTC()
	out := &Tokens{DeviceID: dev.ID, ExpiresIn: int(s.cfg.AccessTTL.Seconds())}
	for _, t := range []struct {
		kind string
		ttl  time.Duration
		dst  *string
	}{{"access", s.cfg.AccessTTL, &out.AccessToken}, {"refresh", s.cfg.RefreshTTL, &out.RefreshToken}} {
		tok, err := secret.NewToken()
		if err != nil {
			return nil, err
		}
		key, err := s.key("app-"+t.kind, tok)
		if err != nil {
			return nil, err
		}
		if err := s.d.Store.PutDeviceToken(ctx, &storage.DeviceToken{Key: key, Kind: t.kind, DeviceID: dev.ID, CustomerID: dev.CustomerID,
			CreatedAt: now, ExpiresAt: now.Add(t.ttl)}); err != nil {
			return nil, fmt.Errorf("store %s token: %w", t.kind, err)
		}
		*t.dst = tok
	}
	return out, nil
}

// Refresh exchanges a refresh token for a new access token and a new
// refresh token (the old one is spent). The request must carry a DPoP
// proof of the device the token was issued to, whose bh is the hash of
// body (the request as received).
func (s *Service) Refresh(ctx context.Context, refreshToken string, p Proof, body []byte) (*Tokens, error) {
	bad := errs.M(errs.InvalidGrant, msg.AppRefreshInvalid)
	if len(refreshToken) != 43 {
		return nil, bad
	}
	key, err := s.key("app-refresh", refreshToken)
	if err != nil {
		return nil, err
	}
	t, err := s.d.Store.DeviceToken(ctx, key)
	if errs.Is(err, errs.NotFound) {
		return nil, bad
	}
	if err != nil {
		return nil, err
	}
	if t.Kind != "refresh" || !s.d.Now().Before(t.ExpiresAt) {
		return nil, bad
	}
	dev, err := s.device(ctx, t.DeviceID)
	if err != nil {
		return nil, err
	}
	// The proof first: a stolen refresh token without the device key must
	// not even spend the token.
	c, err := s.checkProof(ctx, p, dev, "")
	if err != nil {
		return nil, err
	}
	if err := (&Principal{bodyHash: c.BH}).CheckBody(body); err != nil {
		return nil, err
	}
	if _, err := s.d.Store.TakeDeviceToken(ctx, key); err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, bad
		}
		return nil, err
	}
	audit.BestEffort(ctx, s.d.Audit, s.d.Log, audit.Event{Type: "app.token-refresh", Outcome: "ok", Detail: map[string]string{"customer": dev.CustomerID, "device": dev.ID}})
	return s.issue(ctx, dev)
}

func (s *Service) device(ctx context.Context, id string) (*storage.Device, error) {
	dev, err := s.d.Store.Device(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.M(errs.InvalidToken, msg.AppTokenInvalid)
	}
	if err != nil {
		return nil, err
	}
	if !dev.RevokedAt.IsZero() {
		return nil, errs.M(errs.InvalidToken, msg.AppTokenInvalid)
	}
	return dev, nil
}

// Principal is an authenticated app request.
type Principal struct {
	CustomerID string
	DeviceID   string
	// JKT is the RFC 7638 thumbprint of the device key that signed the
	// request's DPoP proof (recorded with a contract acceptance).
	JKT string
	// bodyHash is the proof's bh claim (base64url SHA-256 of the body).
	bodyHash string
}

// CheckBody compares the body received with the proof's body hash.
func (p *Principal) CheckBody(body []byte) error {
	sum := sha256.Sum256(body)
	if p.bodyHash == "" || !same(p.bodyHash, b64.EncodeToString(sum[:])) {
		return errs.M(errs.InvalidToken, msg.AppBodyHash)
	}
	return nil
}

// Authenticate checks a request's "Authorization: DPoP <token>" and its
// DPoP proof. A request with a body must then pass CheckBody before its
// body is used.
func (s *Service) Authenticate(ctx context.Context, authorization string, p Proof) (*Principal, error) {
	scheme, token, ok := strings.Cut(authorization, " ")
	if !ok || !strings.EqualFold(scheme, "DPoP") || len(token) != 43 {
		return nil, errs.M(errs.InvalidToken, msg.AppTokenMissing)
	}
	key, err := s.key("app-access", token)
	if err != nil {
		return nil, err
	}
	t, err := s.d.Store.DeviceToken(ctx, key)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.M(errs.InvalidToken, msg.AppTokenInvalid)
	}
	if err != nil {
		return nil, err
	}
	if t.Kind != "access" {
		return nil, errs.M(errs.InvalidToken, msg.AppTokenInvalid)
	}
	if !s.d.Now().Before(t.ExpiresAt) {
		return nil, errs.M(errs.ExpiredToken, msg.AppTokenExpired)
	}
	dev, err := s.device(ctx, t.DeviceID)
	if err != nil {
		return nil, err
	}
	c, err := s.checkProof(ctx, p, dev, token)
	if err != nil {
		return nil, err
	}
	return &Principal{CustomerID: dev.CustomerID, DeviceID: dev.ID, JKT: dev.JKT, bodyHash: c.BH}, nil
}

// Cleanup removes expired logins, tokens and proof IDs (a periodic job).
func (s *Service) Cleanup(ctx context.Context) (int, error) {
	return s.d.Store.DeleteExpiredDeviceRecords(ctx, s.d.Now())
}
