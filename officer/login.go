package officer

import (
	"context"
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

// Session is a live console session as the pages see it.
type Session struct {
	User     string
	FullName string
	// CSRF is the token every form of the session must repeat.
	CSRF string
	// CanDecide is false while the officer's training is out of date.
	CanDecide bool
}

// Login checks an officer's password and current authenticator code
// together and starts a session; it returns the browser's token (only its
// MAC is stored). Failures are throttled per address and per user name
// from that address, in windows that end (never a lock an attacker could
// put on an officer), and an unknown user name, a wrong password, a wrong
// code and a code already used all get the same answer.
func (s *Service) Login(ctx context.Context, user, password, code, ip string) (string, error) {
	failed := errs.M(errs.AuthenticationFailed, msg.OfficerLoginFailed)
	user = normalizeUser(user)
	now := s.now()
	addrKey, pairKey := "ip:"+ip, "pair:"+user+"\x00"+ip
	if s.byAddr.Blocked(now, addrKey) || s.byPair.Blocked(now, pairKey) {
		s.record(ctx, audit.Event{Type: "officer.login", Outcome: "denied", Detail: map[string]string{"reason": "throttled", "address": ip}})
		return "", errs.M(errs.RateLimited, msg.OfficerThrottled)
	}
	fail := func(reason string, known bool) (string, error) {
		s.byAddr.Add(now, addrKey)
		s.byPair.Add(now, pairKey)
		detail := map[string]string{"reason": reason, "address": ip}
		if known {
			detail["officer"] = user
		}
		s.record(ctx, audit.Event{Type: "officer.login", Outcome: "denied", Detail: detail})
		return "", failed
	}
	o, err := s.store.Officer(ctx, user)
	hash := s.dummy
	switch {
	case err == nil:
		hash = o.PasswordHash
	case !errs.Is(err, errs.NotFound):
		return "", err
	}
	ok, err := secret.Verify(password, hash)
	if err != nil {
		return "", err
	}
	if o == nil || !ok {
		return fail("password", o != nil)
	}
	if !o.DisabledAt.IsZero() {
		return fail("disabled", true)
	}
	seed, err := s.sealer.Open(o.TOTPSealed, sealAD(o.User))
	if err != nil {
		return "", errs.Internalf(err, "open the officer's TOTP seed")
	}
	step, cerr := otp.CheckTOTP(string(seed), code, now, o.TOTPLastStep)
	if cerr != nil && !errs.Is(cerr, errs.InvalidOTP) {
		return "", cerr
	}
	accepted := false
	err = s.store.UpdateOfficer(ctx, o.User, func(o *storage.Officer) error {
		// Re-checked in the transaction: two logins with one code must
		// not both pass.
		accepted = cerr == nil && step > o.TOTPLastStep
		if accepted {
			o.TOTPLastStep = step
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if !accepted {
		return fail("code", true)
	}
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "officer.login", Outcome: "ok", Detail: map[string]string{"officer": o.User, "address": ip}}); err != nil {
		return "", err
	}
	return s.startSession(ctx, o.User)
}

func (s *Service) sessionKey(token string) (string, error) {
	return secret.SessionKey(s.mac, "officer", token)
}

func (s *Service) csrf(token string) (string, error) {
	return secret.SessionCSRF(s.mac, "officer", token)
}

func (s *Service) startSession(ctx context.Context, user string) (string, error) {
	token, err := secret.NewToken()
	if err != nil {
		return "", err
	}
	key, err := s.sessionKey(token)
	if err != nil {
		return "", err
	}
	now := s.now().UTC()
	if err := s.store.PutOfficerSession(ctx, &storage.OfficerSession{Key: key, User: user, CreatedAt: now,
		IdleUntil: now.Add(s.cfg.SessionIdle), ExpiresAt: now.Add(s.cfg.SessionMax)}); err != nil {
		return "", fmt.Errorf("start console session: %w", err)
	}
	return token, nil
}

// Session returns the live session of token and moves its idle end
// forward; errs.InvalidToken when there is none, or when its officer was
// disabled since.
func (s *Service) Session(ctx context.Context, token string) (*Session, error) {
	if len(token) != 43 {
		return nil, errs.M(errs.InvalidToken, msg.NotLoggedIn)
	}
	key, err := s.sessionKey(token)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var user string
	err = s.store.UpdateOfficerSession(ctx, key, func(os *storage.OfficerSession) error {
		if os.Ended(now) {
			return errs.M(errs.ExpiredToken, msg.SessionEnded)
		}
		os.IdleUntil = minTime(now.Add(s.cfg.SessionIdle), os.ExpiresAt)
		user = os.User
		return nil
	})
	if errs.Is(err, errs.NotFound) {
		return nil, errs.M(errs.InvalidToken, msg.NotLoggedIn)
	}
	if err != nil {
		return nil, err
	}
	o, err := s.store.Officer(ctx, user)
	if err != nil || !o.DisabledAt.IsZero() {
		return nil, errs.M(errs.InvalidToken, msg.NotLoggedIn)
	}
	out := &Session{User: o.User, FullName: o.FullName, CanDecide: s.trainingCurrent(o, now)}
	if out.CSRF, err = s.csrf(token); err != nil {
		return nil, err
	}
	return out, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, token string) error {
	key, err := s.sessionKey(token)
	if err != nil {
		return err
	}
	return s.store.DeleteOfficerSession(ctx, key)
}

// EndedSessions removes ended console sessions (a periodic job).
func (s *Service) EndedSessions(ctx context.Context) (int, error) {
	return s.store.DeleteEndedOfficerSessions(ctx, s.now())
}

// SameToken compares two tokens in constant time.
func SameToken(a, b string) bool {
	return a != "" && len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
