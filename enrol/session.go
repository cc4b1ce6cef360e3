package enrol

import (
	"context"
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/storage"
)

// Session is a live shop session as the pages see it.
type Session struct {
	CustomerID string
	// CSRF is the token every form of the session must repeat.
	CSRF string
}

func (s *Service) sessionKey(token string) (string, error) {
	return secret.SessionKey(s.mac, "shop", token)
}

func (s *Service) csrf(token string) (string, error) { return secret.SessionCSRF(s.mac, "shop", token) }

// StartSession logs a customer in and returns the browser's token; only
// its MAC is stored.
func (s *Service) StartSession(ctx context.Context, customerID string) (string, error) {
	token, err := secret.NewToken()
	if err != nil {
		return "", err
	}
	key, err := s.sessionKey(token)
	if err != nil {
		return "", err
	}
	now := s.now().UTC()
	if err := s.store.PutCustomerSession(ctx, &storage.CustomerSession{Key: key, CustomerID: customerID, CreatedAt: now,
		IdleUntil: now.Add(s.cfg.SessionIdle), ExpiresAt: now.Add(s.cfg.SessionMax)}); err != nil {
		return "", fmt.Errorf("start shop session: %w", err)
	}
	return token, nil
}

// Session returns the live session of token and moves its idle end
// forward; errs.InvalidToken when there is none.
func (s *Service) Session(ctx context.Context, token string) (*Session, error) {
	if len(token) != 43 {
		return nil, errs.M(errs.InvalidToken, msg.NotLoggedIn)
	}
	key, err := s.sessionKey(token)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out *Session
	err = s.store.UpdateCustomerSession(ctx, key, func(cs *storage.CustomerSession) error {
		if cs.Ended(now) {
			return errs.M(errs.ExpiredToken, msg.SessionEnded)
		}
		cs.IdleUntil = minTime(now.Add(s.cfg.SessionIdle), cs.ExpiresAt)
		out = &Session{CustomerID: cs.CustomerID}
		return nil
	})
	if errs.Is(err, errs.NotFound) {
		return nil, errs.M(errs.InvalidToken, msg.NotLoggedIn)
	}
	if err != nil {
		return nil, err
	}
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

// EndSession logs out.
func (s *Service) EndSession(ctx context.Context, token string) error {
	key, err := s.sessionKey(token)
	if err != nil {
		return err
	}
	return s.store.DeleteCustomerSession(ctx, key)
}

// SameToken compares two tokens in constant time.
func SameToken(a, b string) bool {
	return a != "" && len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// EndedSessions removes ended shop sessions (a periodic job).
func (s *Service) EndedSessions(ctx context.Context) (int, error) {
	return s.store.DeleteEndedCustomerSessions(ctx, s.now())
}
