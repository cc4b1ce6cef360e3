package activation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/ratelimit"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

// maxPending bounds the first accesses waiting for their SMS code: each
// needed a right PUK, so the bound is generous.
const maxPending = 10_000

// firstAccess holds the first accesses between the PUK and the SMS code,
// in memory: a restart costs the holder one more PUK entry at most. Only
// the new password's argon2id hash is kept, under a hash of the ticket.
type firstAccess struct {
	mu       sync.Mutex
	pending  map[string]*pendingAccess
	addrs    *ratelimit.Window
	users    *ratelimit.Window
	lifetime time.Duration
}

type pendingAccess struct {
	holderID string
	pwHash   string
	until    time.Time
}

func newFirstAccess(cfg Config) *firstAccess {
	return &firstAccess{pending: map[string]*pendingAccess{}, lifetime: cfg.FirstAccessTTL,
		addrs: ratelimit.New(cfg.AddressFailures, cfg.Window), users: ratelimit.New(cfg.UserFailures, cfg.Window)}
}

func ticketKey(ticket string) string {
	sum := sha256.Sum256([]byte(ticket))
	return hex.EncodeToString(sum[:])
}

func firstAccessOTPKey(holderID string) string { return holderID + "/first-access" }

// FirstAccessStart is the first form: user ID, envelope PUK and the new
// password twice.
type FirstAccessStart struct {
	UserID   string
	PUK      string
	Password string
	Confirm  string
	ClientIP string
}

// FirstAccessTicket names a first access waiting for its SMS code.
type FirstAccessTicket struct {
	Ticket      string
	PhoneMasked string
}

// StartFirstAccess checks the new password against the policy, then the
// PUK of the holder's credential awaiting activation (counted against the
// PUK limit), and sends an SMS code to the holder's phone. An unknown user
// ID, an account whose first access is done, a wrong or blocked PUK are
// one answer after the same argon2 work; failures are throttled per
// address and per user ID like the login.
func (s *Service) StartFirstAccess(ctx context.Context, r FirstAccessStart) (*FirstAccessTicket, error) {
	r.UserID, r.PUK = strings.TrimSpace(r.UserID), strings.TrimSpace(r.PUK)
	if r.UserID == "" || r.PUK == "" {
		return nil, errs.M(errs.InvalidRequest, msg.FirstAccessEnterPUK)
	}
	if r.Password != r.Confirm {
		return nil, errs.M(errs.InvalidRequest, msg.PasswordConfirmDiffers)
	}
	if err := account.CheckPassword(r.Password); err != nil {
		return nil, err
	}
	now := s.d.Now()
	fa := s.first
	addrKey, userKey := "a:"+r.ClientIP, "u:"+strings.ToUpper(r.UserID)
	if fa.addrs.Blocked(now, addrKey) || fa.users.Blocked(now, userKey) {
		s.record(ctx, audit.Event{Type: "holder.first-access", Holder: r.UserID, Outcome: "denied", Detail: map[string]string{"reason": "throttled", "address": r.ClientIP}})
		return nil, errs.M(errs.RateLimited, msg.FirstAccessThrottled, int(s.cfg.Window.Minutes()))
	}
	failed := func(reason string) error {
		fa.addrs.Add(now, addrKey)
		fa.users.Add(now, userKey)
		s.record(ctx, audit.Event{Type: "holder.first-access", Holder: r.UserID, Outcome: "denied", Detail: map[string]string{"reason": reason, "address": r.ClientIP}})
		return errs.M(errs.AuthenticationFailed, msg.FirstAccessFailed)
	}
	h, err := s.d.Store.Holder(ctx, r.UserID)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	var pend *awaiting
	if err == nil && h.FirstAccessPending {
		if pend, err = s.awaitingOf(ctx, h.ID); err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
	}
	if pend == nil {
		_, _ = secret.Verify(r.PUK, s.dummy)
		return nil, failed("unknown")
	}
	if err := s.d.SAM.CheckPUK(ctx, h.ID, pend.credentialID, r.PUK); err != nil {
		if errs.Is(err, errs.Locked) {
			// A blocked PUK is refused before any hash is checked: spend
			// the same work, so that timing does not tell it apart.
			_, _ = secret.Verify(r.PUK, s.dummy)
			return nil, failed("puk-blocked")
		}
		if errs.Is(err, errs.InvalidPIN) {
			return nil, failed("puk")
		}
		return nil, err
	}
	pwHash, err := secret.Hash(r.Password, s.cfg.Argon)
	if err != nil {
		return nil, err
	}
	ticket, err := secret.NewToken()
	if err != nil {
		return nil, err
	}
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "otp.send", Holder: h.ID, Detail: map[string]string{"channel": "sms", "purpose": "first-access"}}); err != nil {
		return nil, err
	}
	lang := h.Lang
	err = s.d.OTP.Send(ctx, otp.Request{Key: firstAccessOTPKey(h.ID), Channel: "sms", To: h.Phone, Purpose: "first-access",
		Text: func(code string, ttl time.Duration) string {
			return msg.Text(lang, msg.SMSFirstAccess, code, int(ttl.Minutes()))
		}})
	if err != nil {
		return nil, err
	}
	fa.put(ticketKey(ticket), &pendingAccess{holderID: h.ID, pwHash: pwHash, until: now.Add(fa.lifetime)}, now)
	return &FirstAccessTicket{Ticket: ticket, PhoneMasked: account.MaskPhone(h.Phone)}, nil
}

func (fa *firstAccess) put(key string, p *pendingAccess, now time.Time) {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	if len(fa.pending) >= maxPending {
		for k, v := range fa.pending {
			if !now.Before(v.until) {
				delete(fa.pending, k)
			}
		}
	}
	if len(fa.pending) >= maxPending {
		for k := range fa.pending { // still full: the oldest are as good as any
			delete(fa.pending, k)
			break
		}
	}
	fa.pending[key] = p
}

func (fa *firstAccess) get(key string, now time.Time) *pendingAccess {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	p := fa.pending[key]
	if p != nil && !now.Before(p.until) {
		delete(fa.pending, key)
		return nil
	}
	return p
}

func (fa *firstAccess) drop(key string) {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	delete(fa.pending, key)
}

// CompleteFirstAccess checks the SMS code of a started first access and
// sets the password: the account's first access is then done and the
// holder may log in. It returns the holder's ID, for the session.
func (s *Service) CompleteFirstAccess(ctx context.Context, ticket, code, clientIP string) (string, error) {
	now := s.d.Now()
	key := ticketKey(ticket)
	p := s.first.get(key, now)
	if p == nil {
		return "", errs.M(errs.Conflict, msg.FirstAccessExpired)
	}
	code = strings.TrimSpace(code)
	if code == "" {
		return "", errs.M(errs.InvalidRequest, msg.EnterTheOTP)
	}
	if err := s.d.OTP.Verify(ctx, firstAccessOTPKey(p.holderID), code); err != nil {
		if errs.Is(err, errs.InvalidOTP) {
			s.first.addrs.Add(now, "a:"+clientIP)
			s.record(ctx, audit.Event{Type: "holder.first-access", Holder: p.holderID, Outcome: "denied", Detail: map[string]string{"reason": "otp", "address": clientIP}})
		}
		return "", err
	}
	// A change of authentication factor: on record before it happens.
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "holder.first-access", Holder: p.holderID, Detail: map[string]string{"address": clientIP}}); err != nil {
		return "", err
	}
	err := s.d.Store.UpdateHolder(ctx, p.holderID, func(h *storage.Holder) error {
		if !h.FirstAccessPending {
			return errs.M(errs.Conflict, msg.FirstAccessExpired)
		}
		h.PasswordHash, h.PasswordChangedAt, h.FailedLogins, h.FirstAccessPending = p.pwHash, now, 0, false
		return nil
	})
	s.first.drop(key)
	if err != nil {
		return "", err
	}
	s.record(ctx, audit.Event{Type: "holder.first-access", Holder: p.holderID, Outcome: "ok"})
	return p.holderID, nil
}
