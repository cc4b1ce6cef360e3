// Package otp issues and checks one-time codes: 6-digit codes sent by SMS or
// e-mail, and authenticator-app TOTP codes (RFC 6238). Codes are stored only
// as MACs under a key in the HSM, are single use, expire, and a code guessed
// wrong too often is destroyed.
package otp

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// MAC keys the stored form of codes (the HSM's MACKey satisfies it).
type MAC interface {
	Sum(parts ...[]byte) ([]byte, error)
}

// Config tunes code issuance.
type Config struct {
	TTL time.Duration // default 5 minutes
	// MaxAttempts wrong guesses destroy the code (default 3).
	MaxAttempts int
	// ResendAfter is the minimum gap between two codes for the same key
	// (default 20 s), so nobody can flood a holder's phone.
	ResendAfter time.Duration
}

// Service issues and verifies codes.
type Service struct {
	store  storage.OTPs
	mac    MAC
	sender Sender
	now    func() time.Time
	cfg    Config
}

// New builds a Service. now may be nil (time.Now).
func New(store storage.OTPs, mac MAC, sender Sender, now func() time.Time, cfg Config) *Service {
	if now == nil {
		now = time.Now
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 5 * time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.ResendAfter == 0 {
		cfg.ResendAfter = 20 * time.Second
	}
	return &Service{store: store, mac: mac, sender: sender, now: now, cfg: cfg}
}

// TTL is how long a code lives.
func (s *Service) TTL() time.Duration { return s.cfg.TTL }

// Request describes a code to send.
type Request struct {
	// Key scopes the code: a code issued for one key never satisfies another
	// (e.g. "alice/sign/<credentialID>", "alice/change-pin").
	Key     string
	Channel string // "sms" | "email"
	To      string
	Purpose string
	// Text renders the message around the code.
	Text func(code string, ttl time.Duration) string
}

// Send issues a fresh code for r.Key (replacing any previous one) and sends it.
func (s *Service) Send(ctx context.Context, r Request) error {
	if r.To == "" {
		return errs.M(errs.InvalidRequest, msg.OTPNoAddress, r.Channel)
	}
	now := s.now()
	var recent bool
	err := s.store.UpdateOTP(ctx, r.Key, func(o *storage.OTP) (bool, error) {
		recent = now.Sub(o.SentAt) < s.cfg.ResendAfter && now.Before(o.ExpiresAt)
		return false, nil
	})
	if err != nil && !errs.Is(err, errs.NotFound) {
		return err
	}
	if recent {
		return errs.M(errs.RateLimited, msg.OTPResendTooSoon, s.cfg.ResendAfter)
	}
	code, err := newCode()
	if err != nil {
		return err
	}
	sum, err := s.mac.Sum([]byte("otp"), []byte(r.Key), []byte(code))
	if err != nil {
		return err
	}
	if err := s.store.PutOTP(ctx, &storage.OTP{Key: r.Key, CodeMAC: sum, Channel: r.Channel, ExpiresAt: now.Add(s.cfg.TTL), SentAt: now}); err != nil {
		return err
	}
	text := fmt.Sprintf("Your code is %s. It expires in %d minutes.", code, int(s.cfg.TTL.Minutes()))
	if r.Text != nil {
		text = r.Text(code, s.cfg.TTL)
	}
	if err := s.sender.Send(ctx, Message{Time: now.UTC(), Channel: r.Channel, To: r.To, Purpose: r.Purpose, Code: code, Text: text}); err != nil {
		return errs.WrapM(err, errs.Unavailable, msg.OTPNotSent)
	}
	return nil
}

func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", errs.Internalf(err, "random OTP")
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// ValidFormat reports whether code looks like a 6-digit OTP.
func ValidFormat(code string) bool {
	if len(code) != 6 {
		return false
	}
	return strings.Trim(code, "0123456789") == ""
}

// Verify consumes the code for key. A right code works once; a wrong one
// counts, and the code is destroyed after MaxAttempts wrong guesses.
func (s *Service) Verify(ctx context.Context, key, code string) error {
	if !ValidFormat(code) {
		return errs.M(errs.InvalidOTP, msg.OTPWrong)
	}
	sum, err := s.mac.Sum([]byte("otp"), []byte(key), []byte(code))
	if err != nil {
		return err
	}
	now := s.now()
	var outcome error
	err = s.store.UpdateOTP(ctx, key, func(o *storage.OTP) (bool, error) {
		switch {
		case !now.Before(o.ExpiresAt):
			outcome = errs.M(errs.InvalidOTP, msg.OTPCodeExpired)
			return true, nil
		case subtle.ConstantTimeCompare(o.CodeMAC, sum) == 1:
			outcome = nil
			return true, nil // single use
		default:
			o.Attempts++
			outcome = errs.M(errs.InvalidOTP, msg.OTPWrong)
			return o.Attempts >= s.cfg.MaxAttempts, nil
		}
	})
	if errs.Is(err, errs.NotFound) {
		return errs.M(errs.InvalidOTP, msg.OTPNotRequested)
	}
	if err != nil {
		return err
	}
	return outcome
}
