package portal

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/ratelimit"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/storage"
)

// SessionStage is how far a portal login got.
type SessionStage string

const (
	// StageSecondFactor: the password was right; the authenticator code
	// of the holder's two-factor login is due.
	StageSecondFactor SessionStage = "second-factor"
	// StagePasswordExpired: logged in, but only the password change is
	// open until the expired password is replaced.
	StagePasswordExpired SessionStage = "password-expired"
	// StageActive: everything is open.
	StageActive SessionStage = "active"
)

// Account is the holder account as the sessions use it
// (sam.Service): the password with its lockout, the password age
// rule, and the authenticator code of two-factor login.
type Account interface {
	AuthenticatePassword(ctx context.Context, userID, password, clientIP string) (*storage.Holder, error)
	PasswordExpired(h *storage.Holder) bool
	// VerifyLoginTOTP checks h's two-factor login code at now, counting a
	// wrong code like a wrong password; false means wrong.
	VerifyLoginTOTP(ctx context.Context, h *storage.Holder, code string, now time.Time) (bool, error)
}

// SessionStore keeps the sessions (under a MAC of their token) and reads
// the holder they belong to.
type SessionStore interface {
	storage.PortalSessions
	Holder(ctx context.Context, id string) (*storage.Holder, error)
}

// MAC keys lookups of high-entropy secrets (hsm.MACKey).
type MAC interface {
	Sum(parts ...[]byte) ([]byte, error)
}

// Auditor records what happened (audit.Log).
type Auditor interface {
	Append(ctx context.Context, ev audit.Event) (uint64, error)
}

// SessionConfig tunes the web sessions; zero values take the defaults.
type SessionConfig struct {
	// IdleTimeout ends a session nobody used for this long (default 15 min).
	IdleTimeout time.Duration
	// MaxSessionAge ends any session this long after login (default 12 h).
	MaxSessionAge time.Duration
	// IPFailures failed logins from one address within IPWindow refuse
	// further logins from it until the window passes (default 20 per 15
	// min): the account lockout stops guessing one holder's password, this
	// stops one address from trying a password on many accounts.
	IPFailures int
	IPWindow   time.Duration
}

func (c *SessionConfig) defaults() {
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 15 * time.Minute
	}
	if c.MaxSessionAge <= 0 {
		c.MaxSessionAge = 12 * time.Hour
	}
	if c.IPFailures <= 0 {
		c.IPFailures = 20
	}
	if c.IPWindow <= 0 {
		c.IPWindow = 15 * time.Minute
	}
}

// SessionDeps are the sessions' collaborators; Now defaults to time.Now,
// Log to slog.Default.
type SessionDeps struct {
	Account Account
	Store   SessionStore
	MAC     MAC
	Audit   Auditor
	Log     *slog.Logger
	Now     func() time.Time
}

// Sessions are the portal's server-side web sessions: login with password
// and optional authenticator code, idle and absolute expiry, rotation,
// logout, and the anti-forgery token of each session. Only a MAC of the
// token is stored.
type Sessions struct {
	acct  Account
	store SessionStore
	mac   MAC
	audit Auditor
	log   *slog.Logger
	now   func() time.Time
	cfg   SessionConfig
	ips   *ratelimit.Window
}

// NewSessions wires the web sessions.
func NewSessions(d SessionDeps, cfg SessionConfig) *Sessions {
	cfg.defaults()
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Sessions{acct: d.Account, store: d.Store, mac: d.MAC, audit: d.Audit, log: d.Log, now: d.Now, cfg: cfg,
		ips: ratelimit.New(cfg.IPFailures, cfg.IPWindow)}
}

// Config returns the effective settings.
func (p *Sessions) Config() SessionConfig { return p.cfg }

// record writes an audit event; failures are logged, never silent.
func (p *Sessions) record(ctx context.Context, ev audit.Event) {
	audit.BestEffort(ctx, p.audit, p.log, ev)
}

// sessionLang is the language a session's pages speak.
func sessionLang(lang string) string {
	if lang == "it" {
		return "it"
	}
	return "en"
}

// newSessionToken returns 32 random bytes, base64url: the cookie value,
// looked up by MAC.
func newSessionToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", errs.Internalf(err, "random token")
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Session is a portal session as the portal sees it.
type Session struct {
	// Token is the cookie value; set only when the session is created or
	// rotated.
	Token    string
	HolderID string
	Stage    SessionStage
	// CSRF is the anti-forgery token every form of this session carries:
	// a MAC of the session token, so it changes when the session rotates
	// and is never stored.
	CSRF      string
	Lang      string
	ExpiresAt time.Time
}

func (p *Sessions) sessionKey(token string) (string, error) {
	return secret.SessionKey(p.mac, "portal", token)
}

func (p *Sessions) csrfFor(token string) (string, error) {
	return secret.SessionCSRF(p.mac, "portal", token)
}

// stageFor is where a fully authenticated holder lands.
func (p *Sessions) stageFor(h *storage.Holder) SessionStage {
	if p.acct.PasswordExpired(h) {
		return StagePasswordExpired
	}
	return StageActive
}

func (p *Sessions) newSession(ctx context.Context, h *storage.Holder, stage SessionStage) (*Session, error) {
	token, err := newSessionToken()
	if err != nil {
		return nil, err
	}
	key, err := p.sessionKey(token)
	if err != nil {
		return nil, err
	}
	csrf, err := p.csrfFor(token)
	if err != nil {
		return nil, err
	}
	now := p.now()
	rec := &storage.PortalSession{Key: key, HolderID: h.ID, Stage: string(stage), CreatedAt: now,
		IdleUntil: now.Add(p.cfg.IdleTimeout), ExpiresAt: now.Add(p.cfg.MaxSessionAge)}
	if err := p.store.PutPortalSession(ctx, rec); err != nil {
		return nil, err
	}
	return &Session{Token: token, HolderID: h.ID, Stage: stage, CSRF: csrf, Lang: sessionLang(h.Lang), ExpiresAt: rec.ExpiresAt}, nil
}

// Login checks user ID and password (with the account lockout) and opens a
// session: at the second-factor stage when the holder turned two-factor
// login on, at the password-expired stage when the password is older than
// the policy allows. clientIP feeds the per-address throttle.
func (p *Sessions) Login(ctx context.Context, userID, password, clientIP string) (*Session, error) {
	now := p.now()
	if p.ips.Blocked(now, clientIP) {
		p.record(ctx, audit.Event{Type: "portal.login", Holder: userID, Outcome: "denied", Detail: map[string]string{"reason": "ip-throttled"}})
		return nil, errs.M(errs.RateLimited, msg.LoginThrottledNetwork)
	}
	if userID == "" || password == "" {
		return nil, errs.M(errs.InvalidRequest, msg.EnterUserAndPassword)
	}
	h, err := p.acct.AuthenticatePassword(ctx, userID, password, clientIP)
	if err != nil {
		if errs.Is(err, errs.AuthenticationFailed) {
			p.ips.Add(now, clientIP)
			return nil, errs.M(errs.AuthenticationFailed, msg.LoginWrong)
		}
		return nil, err
	}
	stage := p.stageFor(h)
	if len(h.LoginTOTPSealed) > 0 {
		stage = StageSecondFactor
	}
	sess, err := p.newSession(ctx, h, stage)
	if err != nil {
		return nil, err
	}
	p.record(ctx, audit.Event{Type: "portal.login", Holder: h.ID, Outcome: "ok", Detail: map[string]string{"stage": string(stage)}})
	return sess, nil
}

// Open starts a session for a holder another step authenticated (the
// first access: PUK, new password and SMS code), at the stage a login
// would reach.
func (p *Sessions) Open(ctx context.Context, holderID, how string) (*Session, error) {
	h, err := p.store.Holder(ctx, holderID)
	if err != nil {
		return nil, err
	}
	stage := p.stageFor(h)
	sess, err := p.newSession(ctx, h, stage)
	if err != nil {
		return nil, err
	}
	p.record(ctx, audit.Event{Type: "portal.login", Holder: h.ID, Outcome: "ok", Detail: map[string]string{"stage": string(stage), "via": how}})
	return sess, nil
}

// SecondFactor completes a two-factor login with the authenticator code.
// A wrong code counts like a wrong password (account lockout and address
// throttle). Success rotates the session: the token that only knew the
// password is gone.
func (p *Sessions) SecondFactor(ctx context.Context, token, code, clientIP string) (*Session, error) {
	s := p
	sess, key, err := p.load(ctx, token)
	if err != nil {
		return nil, err
	}
	if sess.Stage != string(StageSecondFactor) {
		return nil, errs.M(errs.Conflict, msg.NotWaitingForAppCode)
	}
	now := s.now()
	if p.ips.Blocked(now, clientIP) {
		return nil, errs.M(errs.RateLimited, msg.LoginThrottledNetwork)
	}
	h, err := s.store.Holder(ctx, sess.HolderID)
	if err != nil {
		return nil, err
	}
	if now.Before(h.LoginLockedUntil) {
		_ = s.store.DeletePortalSession(ctx, key)
		return nil, errs.M(errs.Locked, msg.LoginLocked, h.LoginLockedUntil.UTC().Format("15:04 MST"))
	}
	if len(h.LoginTOTPSealed) == 0 {
		return nil, errs.M(errs.Conflict, msg.TwoFactorNotOn)
	}
	ok, err := p.acct.VerifyLoginTOTP(ctx, h, code, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		p.ips.Add(now, clientIP)
		s.record(ctx, audit.Event{Type: "portal.login", Holder: h.ID, Outcome: "denied", Detail: map[string]string{"reason": "totp"}})
		return nil, errs.M(errs.InvalidOTP, msg.AppCodeWrong)
	}
	if err := s.store.DeletePortalSession(ctx, key); err != nil {
		return nil, err
	}
	next, err := p.newSession(ctx, h, p.stageFor(h))
	if err != nil {
		return nil, err
	}
	s.record(ctx, audit.Event{Type: "portal.login", Holder: h.ID, Outcome: "ok", Detail: map[string]string{"stage": string(next.Stage), "factor": "totp"}})
	return next, nil
}

// load finds a live session by its token.
func (p *Sessions) load(ctx context.Context, token string) (*storage.PortalSession, string, error) {
	if len(token) != 43 {
		return nil, "", errs.M(errs.InvalidToken, msg.NotLoggedIn)
	}
	key, err := p.sessionKey(token)
	if err != nil {
		return nil, "", err
	}
	rec, err := p.store.PortalSession(ctx, key)
	if errs.Is(err, errs.NotFound) {
		return nil, "", errs.M(errs.InvalidToken, msg.SessionEnded)
	}
	if err != nil {
		return nil, "", err
	}
	if rec.Ended(p.now()) {
		_ = p.store.DeletePortalSession(ctx, key)
		return nil, "", errs.M(errs.ExpiredToken, msg.SessionExpired)
	}
	return rec, key, nil
}

// Session checks the token of a request and keeps an active session
// alive. A password that expires during a session narrows it to the
// password change.
func (p *Sessions) Session(ctx context.Context, token string) (*Session, error) {
	rec, key, err := p.load(ctx, token)
	if err != nil {
		return nil, err
	}
	h, err := p.store.Holder(ctx, rec.HolderID)
	if err != nil {
		return nil, err
	}
	now := p.now()
	// Moving the idle deadline costs a write; once a minute is enough.
	if next := now.Add(p.cfg.IdleTimeout); next.Sub(rec.IdleUntil) > time.Minute {
		if err := p.store.UpdatePortalSession(ctx, key, func(s *storage.PortalSession) error {
			s.IdleUntil = next
			return nil
		}); err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
	}
	stage := SessionStage(rec.Stage)
	if stage == StageActive && p.acct.PasswordExpired(h) {
		stage = StagePasswordExpired
	}
	csrf, err := p.csrfFor(token)
	if err != nil {
		return nil, err
	}
	return &Session{HolderID: rec.HolderID, Stage: stage, CSRF: csrf, Lang: sessionLang(h.Lang), ExpiresAt: rec.ExpiresAt}, nil
}

// Rotate replaces the session's token (after a change of privilege, such
// as turning two-factor login on or off), so that a token seen before the
// change is worth nothing after it.
func (p *Sessions) Rotate(ctx context.Context, token string) (*Session, error) {
	rec, key, err := p.load(ctx, token)
	if err != nil {
		return nil, err
	}
	h, err := p.store.Holder(ctx, rec.HolderID)
	if err != nil {
		return nil, err
	}
	if err := p.store.DeletePortalSession(ctx, key); err != nil {
		return nil, err
	}
	stage := SessionStage(rec.Stage)
	if stage != StageSecondFactor {
		stage = p.stageFor(h)
	}
	return p.newSession(ctx, h, stage)
}

// Logout ends the session on the server. Ending a session that is gone
// already is not an error.
func (p *Sessions) Logout(ctx context.Context, token string) error {
	rec, key, err := p.load(ctx, token)
	if err != nil {
		if errs.Is(err, errs.InvalidToken) || errs.Is(err, errs.ExpiredToken) {
			return nil
		}
		return err
	}
	if err := p.store.DeletePortalSession(ctx, key); err != nil {
		return err
	}
	p.record(ctx, audit.Event{Type: "portal.logout", Holder: rec.HolderID, Outcome: "ok"})
	return nil
}

// Principal is the session's holder as the CSC-side services (the
// certificate lifecycle) expect a caller: a service authorization from
// the portal. Only an active session has one.
func (p *Sessions) Principal(sess *Session) (*authn.Principal, error) {
	if sess == nil || sess.Stage != StageActive {
		return nil, errs.M(errs.AccessDenied, msg.LogInFirst)
	}
	return &authn.Principal{HolderID: sess.HolderID, Scope: authn.ScopeService, ClientID: "portal"}, nil
}

// DeleteEndedSessions removes sessions that ended (the janitor's job).
func (p *Sessions) DeleteEndedSessions(ctx context.Context) (int, error) {
	return p.store.DeleteEndedPortalSessions(ctx, p.now())
}
