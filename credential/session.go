package credential

import (
	"context"
	"encoding/hex"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/otp"
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

func (p *Portal) sessionKey(token string) (string, error) {
	sum, err := p.svc.mac.Sum([]byte("portal-session"), []byte(token))
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(sum), nil
}

func (p *Portal) csrfFor(token string) (string, error) {
	sum, err := p.svc.mac.Sum([]byte("portal-csrf"), []byte(token))
	if err != nil {
		return "", err
	}
	return b64url.EncodeToString(sum), nil
}

// stageFor is where a fully authenticated holder lands.
func (p *Portal) stageFor(h *storage.Holder) SessionStage {
	if p.svc.PasswordExpired(h) {
		return StagePasswordExpired
	}
	return StageActive
}

func (p *Portal) newSession(ctx context.Context, h *storage.Holder, stage SessionStage) (*Session, error) {
	token, err := newSecretToken()
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
	now := p.svc.now()
	rec := &storage.PortalSession{Key: key, HolderID: h.ID, Stage: string(stage), CreatedAt: now,
		IdleUntil: now.Add(p.cfg.IdleTimeout), ExpiresAt: now.Add(p.cfg.MaxSessionAge)}
	if err := p.svc.store.PutPortalSession(ctx, rec); err != nil {
		return nil, err
	}
	return &Session{Token: token, HolderID: h.ID, Stage: stage, CSRF: csrf, Lang: langOf(h.Lang), ExpiresAt: rec.ExpiresAt}, nil
}

// Login checks user ID and password (with the account lockout) and opens a
// session: at the second-factor stage when the holder turned two-factor
// login on, at the password-expired stage when the password is older than
// the policy allows. clientIP feeds the per-address throttle.
func (p *Portal) Login(ctx context.Context, userID, password, clientIP string) (*Session, error) {
	now := p.svc.now()
	if p.ips.blocked(clientIP, now) {
		p.svc.record(ctx, audit.Event{Type: "portal.login", Holder: userID, Outcome: "denied", Detail: map[string]string{"reason": "ip-throttled"}})
		return nil, errs.M(errs.RateLimited, msg.LoginThrottledNetwork)
	}
	if userID == "" || password == "" {
		return nil, errs.M(errs.InvalidRequest, msg.EnterUserAndPassword)
	}
	h, err := p.svc.checkPassword(ctx, userID, password)
	if err != nil {
		if errs.Is(err, errs.AuthenticationFailed) {
			p.ips.fail(clientIP, now)
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
	p.svc.record(ctx, audit.Event{Type: "portal.login", Holder: h.ID, Outcome: "ok", Detail: map[string]string{"stage": string(stage)}})
	return sess, nil
}

// SecondFactor completes a two-factor login with the authenticator code.
// A wrong code counts like a wrong password (account lockout and address
// throttle). Success rotates the session: the token that only knew the
// password is gone.
func (p *Portal) SecondFactor(ctx context.Context, token, code, clientIP string) (*Session, error) {
	s := p.svc
	sess, key, err := p.load(ctx, token)
	if err != nil {
		return nil, err
	}
	if sess.Stage != string(StageSecondFactor) {
		return nil, errs.M(errs.Conflict, msg.NotWaitingForAppCode)
	}
	now := s.now()
	if p.ips.blocked(clientIP, now) {
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
	seed, err := s.sealer.Open(h.LoginTOTPSealed, loginSeedAD(h.ID))
	if err != nil {
		return nil, err
	}
	step, cerr := otp.CheckTOTP(string(seed), code, now, h.LoginTOTPLastStep)
	if cerr != nil && !errs.Is(cerr, errs.InvalidOTP) {
		return nil, cerr
	}
	var ok bool
	err = s.store.UpdateHolder(ctx, h.ID, func(h *storage.Holder) error {
		// Re-checked in the transaction: two requests with one code must
		// not both pass.
		ok = cerr == nil && step > h.LoginTOTPLastStep
		if ok {
			h.LoginTOTPLastStep = step
		}
		s.countLogin(h, ok, now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		p.ips.fail(clientIP, now)
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
func (p *Portal) load(ctx context.Context, token string) (*storage.PortalSession, string, error) {
	if len(token) != 43 {
		return nil, "", errs.M(errs.InvalidToken, msg.NotLoggedIn)
	}
	key, err := p.sessionKey(token)
	if err != nil {
		return nil, "", err
	}
	rec, err := p.svc.store.PortalSession(ctx, key)
	if errs.Is(err, errs.NotFound) {
		return nil, "", errs.M(errs.InvalidToken, msg.SessionEnded)
	}
	if err != nil {
		return nil, "", err
	}
	if rec.Ended(p.svc.now()) {
		_ = p.svc.store.DeletePortalSession(ctx, key)
		return nil, "", errs.M(errs.ExpiredToken, msg.SessionExpired)
	}
	return rec, key, nil
}

// Session checks the token of a request and keeps an active session
// alive. A password that expires during a session narrows it to the
// password change.
func (p *Portal) Session(ctx context.Context, token string) (*Session, error) {
	rec, key, err := p.load(ctx, token)
	if err != nil {
		return nil, err
	}
	h, err := p.svc.store.Holder(ctx, rec.HolderID)
	if err != nil {
		return nil, err
	}
	now := p.svc.now()
	// Moving the idle deadline costs a write; once a minute is enough.
	if next := now.Add(p.cfg.IdleTimeout); next.Sub(rec.IdleUntil) > time.Minute {
		if err := p.svc.store.UpdatePortalSession(ctx, key, func(s *storage.PortalSession) error {
			s.IdleUntil = next
			return nil
		}); err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
	}
	stage := SessionStage(rec.Stage)
	if stage == StageActive && p.svc.PasswordExpired(h) {
		stage = StagePasswordExpired
	}
	csrf, err := p.csrfFor(token)
	if err != nil {
		return nil, err
	}
	return &Session{HolderID: rec.HolderID, Stage: stage, CSRF: csrf, Lang: langOf(h.Lang), ExpiresAt: rec.ExpiresAt}, nil
}

// Rotate replaces the session's token (after a change of privilege, such
// as turning two-factor login on or off), so that a token seen before the
// change is worth nothing after it.
func (p *Portal) Rotate(ctx context.Context, token string) (*Session, error) {
	rec, key, err := p.load(ctx, token)
	if err != nil {
		return nil, err
	}
	h, err := p.svc.store.Holder(ctx, rec.HolderID)
	if err != nil {
		return nil, err
	}
	if err := p.svc.store.DeletePortalSession(ctx, key); err != nil {
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
func (p *Portal) Logout(ctx context.Context, token string) error {
	rec, key, err := p.load(ctx, token)
	if err != nil {
		if errs.Is(err, errs.InvalidToken) || errs.Is(err, errs.ExpiredToken) {
			return nil
		}
		return err
	}
	if err := p.svc.store.DeletePortalSession(ctx, key); err != nil {
		return err
	}
	p.svc.record(ctx, audit.Event{Type: "portal.logout", Holder: rec.HolderID, Outcome: "ok"})
	return nil
}

// endEverySession ends the holder's portal sessions and API tokens.
func (p *Portal) endEverySession(ctx context.Context, holderID string) error {
	if _, err := p.svc.store.DeleteHolderPortalSessions(ctx, holderID); err != nil {
		return err
	}
	_, err := p.svc.store.DeleteHolderTokens(ctx, holderID)
	return err
}

// Principal is the session's holder as the CSC-side services (the
// certificate lifecycle) expect a caller: a service authorization from
// the portal. Only an active session has one.
func (p *Portal) Principal(sess *Session) (*Principal, error) {
	if sess == nil || sess.Stage != StageActive {
		return nil, errs.M(errs.AccessDenied, msg.LogInFirst)
	}
	return &Principal{HolderID: sess.HolderID, Scope: ScopeService, ClientID: "portal"}, nil
}

// DeleteEndedSessions removes sessions that ended (the janitor's job).
func (p *Portal) DeleteEndedSessions(ctx context.Context) (int, error) {
	return p.svc.store.DeleteEndedPortalSessions(ctx, p.svc.now())
}

func loginSeedAD(holderID string) []byte { return []byte(holderID + "/portal-login") }
