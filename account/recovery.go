package account

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

// Account recovery from the login page, for a holder who is not logged in:
//
//   - "Forgot your password?": StartPasswordReset sends a one-time code to
//     the recovery e-mail or the recovery mobile the holder set (and proved)
//     in My Account; ResetPassword takes that code and a new password under
//     the policy, and ends every web session and API token of the holder.
//   - "Forgot your user ID?": RemindUserID e-mails the user IDs registered
//     with a recovery e-mail address to that address.
//
// Both answer the same way whether or not the account or the contact
// exists: the same result, the same argon2 work, no answer sooner than
// MinAnswer, nothing that names the account. Sending is throttled per address and per user ID or e-mail as
// typed; checking a code is throttled like a password (throttle.go).
//
// Nobody can lock a holder out through it: a code is bound to the request
// that asked for it (a random ticket the requesting page keeps), so a
// stranger's requests and wrong guesses never replace or destroy the code
// the holder asked for; wrong codes never touch the login or the account's
// code lockout; and the throttles key on the address, so only the per-user
// cap on messages (RecoveryConfig.SendsPerSubject) is shared.
//
// Reset codes are stored only as argon2id hashes (internal/secret),
// checked in constant time, single use, short-lived, and destroyed after
// CodeAttempts wrong guesses. They are kept in the OTP store under keys of
// their own (otp.Service's codes, MACs, live under other keys), in one of
// 2 x SendsPerSubject slots per holder taken in turn: at most that many
// codes can be sent within any CodeTTL (<= Window), so a slot is reused
// only once its code has expired, and a flood of requests cannot grow the
// store beyond that many records per holder.

// RecoveryConfig are the recovery numbers; zero values take the defaults.
type RecoveryConfig struct {
	CodeTTL      time.Duration // default 10 minutes (e-mail can be slow)
	CodeAttempts int           // wrong guesses that destroy a code, default 3
	// SendsPerAddress requests from one client address within Window
	// (any user IDs or e-mails) are admitted (default 10), and
	// SendsPerSubject for one user ID or e-mail address as typed, from
	// any addresses (default 5): a holder's mailbox or phone never gets
	// more than that from a flood.
	SendsPerAddress int
	SendsPerSubject int
	Window          time.Duration // default 15 minutes
	// MinAnswer is the least time a request, or a refused code, takes to
	// answer (default 300 ms): storing and sending a code, or counting a
	// wrong one, happen only for a real account, and without the floor
	// their few milliseconds would tell it from an unknown one.
	MinAnswer time.Duration
}

func (c *RecoveryConfig) defaults() {
	if c.CodeTTL <= 0 {
		c.CodeTTL = 10 * time.Minute
	}
	if c.CodeAttempts <= 0 {
		c.CodeAttempts = 3
	}
	if c.SendsPerAddress <= 0 {
		c.SendsPerAddress = 10
	}
	if c.SendsPerSubject <= 0 {
		c.SendsPerSubject = 5
	}
	if c.Window <= 0 {
		c.Window = 15 * time.Minute
	}
	if c.MinAnswer <= 0 {
		c.MinAnswer = 300 * time.Millisecond
	}
	// A code must expire before its slot comes round again.
	c.CodeTTL = min(c.CodeTTL, c.Window)
}

const purposePasswordReset = "password-reset"

// Recovery channels: where a password reset code goes.
const (
	RecoveryByEmail = "email" // the recovery e-mail
	RecoveryBySMS   = "sms"   // the recovery mobile
)

// recovery holds the recovery state that lives in memory: the send
// counters and the throttle on codes. Like the password throttle, a
// restart forgets them.
type recovery struct {
	cfg   RecoveryConfig
	mu    sync.Mutex
	addrs map[string]*window
	subjs map[string]*window
	// seq numbers the requests per subject across windows: a request's
	// code goes to slot seq mod 2*SendsPerSubject.
	seq   map[string]uint64
	codes *throttle // wrong reset codes, per address and per (user ID, address)
	// dummyCode keeps the answer's work the same when no code is stored.
	dummyCode string
}

func newRecovery(cfg RecoveryConfig, th ThrottleConfig, argon secret.Params) *recovery {
	cfg.defaults()
	return &recovery{cfg: cfg, addrs: map[string]*window{}, subjs: map[string]*window{}, seq: map[string]uint64{}, codes: newThrottle(th),
		dummyCode: secret.Dummy(argon)}
}

// admitSend counts one request to send something for subject from addr,
// or refuses it when either is over its limit in the window; it returns
// the request's code slot. The counts depend only on what was typed, never
// on whether the account exists.
func (r *recovery) admitSend(subject, addr string, now time.Time) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := &window{} // no address (an in-process caller): only the subject counts
	if addr != "" {
		a = r.bumpLocked(r.addrs, addr, now)
	}
	sub := r.bumpLocked(r.subjs, subject, now)
	over := a
	if a.failures < r.cfg.SendsPerAddress {
		over = nil
		if sub.failures >= r.cfg.SendsPerSubject {
			over = sub
		}
	}
	if over != nil {
		wait := over.start.Add(r.cfg.Window).Sub(now)
		return 0, throttled(wait, msg.RecoveryThrottled, minutesUp(wait))
	}
	a.failures++
	sub.failures++
	if len(r.seq) >= throttleMaxKeys {
		// A flood of distinct subjects: forgetting the numbering only
		// risks reusing a slot of a live code, never a wrong answer.
		clear(r.seq)
	}
	slot := int(r.seq[subject] % uint64(r.slots()))
	r.seq[subject]++
	return slot, nil
}

func (r *recovery) slots() int { return 2 * r.cfg.SendsPerSubject }

// answerNoSooner holds an answer until MinAnswer after start (by the
// real, monotonic clock) or until ctx ends.
func (r *recovery) answerNoSooner(ctx context.Context, start time.Time) {
	wait := r.cfg.MinAnswer - time.Since(start)
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (r *recovery) bumpLocked(m map[string]*window, key string, now time.Time) *window {
	w := m[key]
	if w == nil || now.Sub(w.start) >= r.cfg.Window {
		if w == nil && len(m) >= throttleMaxKeys {
			for k, v := range m {
				if now.Sub(v.start) >= r.cfg.Window {
					delete(m, k)
				}
			}
		}
		w = &window{start: now}
		m[key] = w
	}
	return w
}

// RecoveryConfig returns the effective recovery numbers.
func (s *Service) RecoveryConfig() RecoveryConfig { return s.recovery.cfg }

func resetKey(userID string, slot int) string {
	return accountOTPKey(userID, purposePasswordReset, strconv.Itoa(slot))
}

// A ticket is a random token and the slot of its code: "<token>.<slot>".
// The stored record starts with the ticket's SHA-256 (hex), then the
// code's argon2id hash.
func newTicket(slot int) (string, error) {
	tok, err := secret.NewToken()
	if err != nil {
		return "", err
	}
	return tok + "." + strconv.Itoa(slot), nil
}

func (r *recovery) parseTicket(ticket string) (int, bool) {
	tok, slotText, ok := strings.Cut(ticket, ".")
	slot, err := strconv.Atoi(slotText)
	if !ok || len(tok) != 43 || err != nil || slot < 0 || slot >= r.slots() || strconv.Itoa(slot) != slotText {
		return 0, false
	}
	return slot, true
}

func ticketDigest(ticket string) []byte {
	sum := sha256.Sum256([]byte(ticket))
	return []byte(hex.EncodeToString(sum[:]))
}

// StartPasswordReset asks for a password reset code for userID over
// channel (RecoveryByEmail or RecoveryBySMS) from clientIP. It returns the
// ticket that binds the code to this request (the page keeps it and sends
// it back with the code). Whether or not the account exists and has that
// recovery contact, the answer is the same: a ticket and no error; a code
// is sent only when both exist.
func (s *Service) StartPasswordReset(ctx context.Context, userID, channel, clientIP string) (string, error) {
	userID = strings.TrimSpace(userID)
	if userID == "" {
		return "", errs.M(errs.InvalidRequest, msg.EnterUserID)
	}
	if channel != RecoveryByEmail && channel != RecoveryBySMS {
		return "", errs.M(errs.InvalidRequest, msg.RecoveryChannel)
	}
	now := s.now()
	start := time.Now()
	slot, err := s.recovery.admitSend("user:"+userID, clientIP, now)
	if err != nil {
		s.record(ctx, audit.Event{Type: "holder.password-reset-request", Holder: userID, Outcome: "denied",
			Detail: map[string]string{"reason": "throttled", "address": clientIP}})
		return "", err
	}
	defer s.recovery.answerNoSooner(ctx, start)
	ticket, err := newTicket(slot)
	if err != nil {
		return "", err
	}
	code, err := newResetCode()
	if err != nil {
		return "", err
	}
	// The hash is computed whether or not it will be stored, so that the
	// answer costs the same for every user ID.
	hash, err := secret.Hash(code, s.cfg.Argon)
	if err != nil {
		return "", err
	}
	h, err := s.store.Holder(ctx, userID)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return "", fmt.Errorf("read the holder for a password reset: %w", err)
	}
	to := ""
	if h != nil {
		to = h.RecoveryEmail
		if channel == RecoveryBySMS {
			to = h.RecoveryPhone
		}
	}
	detail := map[string]string{"channel": channel, "address": clientIP}
	if h == nil || to == "" {
		reason := "unknown-user"
		if h != nil {
			reason = "no-contact"
		}
		detail["reason"] = reason
		// The same fail-closed record as a real request, so that a broken
		// log answers the same for every user ID too.
		if err := s.recordOrRefuse(ctx, audit.Event{Type: "holder.password-reset-request", Holder: userID, Outcome: "denied", Detail: detail}); err != nil {
			return "", err
		}
		return ticket, nil
	}
	// A code sent is on record before it leaves (like otp.send).
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "holder.password-reset-request", Holder: h.ID, Detail: detail}); err != nil {
		return "", err
	}
	if err := s.store.PutOTP(ctx, &storage.OTP{Key: resetKey(h.ID, slot), CodeMAC: append(ticketDigest(ticket), hash...), Channel: channel,
		ExpiresAt: now.Add(s.recovery.cfg.CodeTTL), SentAt: now}); err != nil {
		return "", fmt.Errorf("store the password reset code: %w", err)
	}
	if s.notify == nil {
		s.log.ErrorContext(ctx, "password reset code not sent: no sender configured", "holder", h.ID)
		return ticket, nil
	}
	err = s.notify.Send(ctx, otp.Message{Time: now.UTC(), Channel: channel, To: to, Purpose: "account-" + purposePasswordReset,
		Code: code, Text: msg.Text(h.Lang, "sms.password-reset-code", code, int(s.recovery.cfg.CodeTTL.Minutes()))})
	if err != nil {
		// Saying so would tell a stranger that the account exists: the
		// holder sees no code and asks again; the operator sees this.
		s.log.ErrorContext(ctx, "password reset code not delivered", "holder", h.ID, "channel", channel, "err", err)
		s.record(ctx, audit.Event{Type: "holder.password-reset-request", Holder: h.ID, Outcome: "error", Detail: map[string]string{"channel": channel}})
		return ticket, nil
	}
	s.record(ctx, audit.Event{Type: "holder.password-reset-request", Holder: h.ID, Outcome: "ok", Detail: map[string]string{"channel": channel}})
	return ticket, nil
}

// newResetCode draws a uniform 6-digit code.
func newResetCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", errs.Internalf(err, "random reset code")
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// PasswordReset is a holder's answer to a reset code: the ticket of the
// request, the code and the new password twice.
type PasswordReset struct {
	UserID   string
	Ticket   string
	Code     string
	New      string
	Confirm  string
	ClientIP string
}

// ResetPassword sets a new password with the code sent by
// StartPasswordReset. A new password that breaks the policy or differs
// from its confirmation is refused before the code is looked at (the code
// stays good); a wrong, expired, used or unknown code, for a known or an
// unknown user ID, is refused with the same message after the same work.
// On success every web session and API token of the holder ends, and the
// holder's e-mail is told.
func (s *Service) ResetPassword(ctx context.Context, r PasswordReset) error {
	r.UserID, r.Code = strings.TrimSpace(r.UserID), strings.TrimSpace(r.Code)
	if r.UserID == "" {
		return errs.M(errs.InvalidRequest, msg.EnterUserID)
	}
	if r.New != r.Confirm {
		return errs.M(errs.InvalidRequest, msg.PasswordConfirmDiffers)
	}
	if err := CheckPassword(r.New); err != nil {
		return err
	}
	if r.Code == "" {
		return errs.M(errs.InvalidRequest, msg.EnterTheOTP)
	}
	now := s.now()
	deny := func(reason string, err error) error {
		s.record(ctx, audit.Event{Type: "holder.password-reset", Holder: r.UserID, Outcome: "denied",
			Detail: map[string]string{"reason": reason, "address": r.ClientIP}})
		return err
	}
	if err := s.recovery.codes.check(r.UserID, r.ClientIP, now); err != nil {
		return deny("throttled", err)
	}
	start := time.Now()
	wrong := errs.M(errs.InvalidOTP, msg.OTPInvalid)
	fail := func(reason string) error {
		s.recovery.codes.fail(r.UserID, r.ClientIP, now)
		s.recovery.answerNoSooner(ctx, start)
		return deny(reason, wrong)
	}
	if reason, err := s.consumeResetCode(ctx, r.UserID, r.Ticket, r.Code, now); err != nil {
		return err
	} else if reason != "" {
		return fail(reason)
	}
	hash, err := secret.Hash(r.New, s.cfg.Argon)
	if err != nil {
		return err
	}
	// A change of authentication factor: on record before it happens.
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "holder.password-reset", Holder: r.UserID, Detail: map[string]string{"address": r.ClientIP}}); err != nil {
		return err
	}
	// As in ChangePassword: sessions end before the password changes and
	// again after it, so that no session outlives the old password.
	if err := s.endEverySession(ctx, r.UserID); err != nil {
		return fmt.Errorf("end the sessions before a password reset: %w", err)
	}
	var h storage.Holder
	err = s.store.UpdateHolder(ctx, r.UserID, func(rec *storage.Holder) error {
		rec.PasswordHash, rec.PasswordChangedAt, rec.FailedLogins = hash, now, 0
		h = *rec
		return nil
	})
	if err != nil {
		return fmt.Errorf("set the reset password: %w", err)
	}
	if err := s.endEverySession(ctx, r.UserID); err != nil {
		s.log.ErrorContext(ctx, "end sessions after password reset", "holder", r.UserID, "err", err)
	}
	s.recovery.codes.succeed(r.UserID, r.ClientIP)
	s.throttle.succeed(r.UserID, r.ClientIP)
	s.record(ctx, audit.Event{Type: "holder.password-reset", Holder: r.UserID, Outcome: "ok"})
	s.notifyHolder(ctx, "email", h.Email, "notice-password-changed", passwordChangedText(h.Lang, now))
	return nil
}

// consumeResetCode checks code against the one stored for (userID,
// ticket) and uses it up. It returns why the code does not hold ("" when
// it does); every refusal spends one argon2 verification, like a check.
func (s *Service) consumeResetCode(ctx context.Context, userID, ticket, code string, now time.Time) (string, error) {
	var stored storage.OTP
	found := false
	slot, okTicket := s.recovery.parseTicket(ticket)
	key := resetKey(userID, slot)
	digest := ticketDigest(ticket)
	if okTicket && otp.ValidFormat(code) {
		err := s.store.UpdateOTP(ctx, key, func(o *storage.OTP) (bool, error) {
			stored, found = storage.OTP{}, false // the closure may run again (storage's contract)
			// Another request's code in this slot is not this one's:
			// it is neither used nor counted.
			if len(o.CodeMAC) > len(digest) && subtle.ConstantTimeCompare(o.CodeMAC[:len(digest)], digest) == 1 {
				stored, found = *o, true
			}
			return false, nil
		})
		if err != nil && !errs.Is(err, errs.NotFound) {
			return "", fmt.Errorf("read the password reset code: %w", err)
		}
	}
	if !found || !now.Before(stored.ExpiresAt) {
		_, _ = secret.Verify(code, s.recovery.dummyCode)
		if !found {
			return "no-code", nil
		}
		if err := s.deleteResetCode(ctx, key); err != nil {
			return "", fmt.Errorf("delete an expired password reset code: %w", err)
		}
		return "expired", nil
	}
	ok, err := secret.Verify(code, string(stored.CodeMAC[len(digest):]))
	if err != nil {
		return "", fmt.Errorf("check the password reset code: %w", err)
	}
	// The check ran outside the transaction (argon2 is slow); the code is
	// used up only if it is still the one checked, so two right answers
	// racing each other change the password once.
	reason := "wrong"
	err = s.store.UpdateOTP(ctx, key, func(o *storage.OTP) (bool, error) {
		reason = "wrong" // the closure may run again (storage's contract)
		if !bytes.Equal(o.CodeMAC, stored.CodeMAC) {
			reason = "used"
			return false, nil
		}
		if ok {
			reason = ""
			return true, nil
		}
		o.Attempts++
		return o.Attempts >= s.recovery.cfg.CodeAttempts, nil
	})
	if errs.Is(err, errs.NotFound) {
		return "used", nil
	}
	if err != nil {
		return "", fmt.Errorf("use up the password reset code: %w", err)
	}
	return reason, nil
}

func (s *Service) deleteResetCode(ctx context.Context, key string) error {
	err := s.store.UpdateOTP(ctx, key, func(*storage.OTP) (bool, error) { return true, nil })
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	return err
}

// RemindUserID e-mails the user IDs whose recovery e-mail is addr to
// addr. The answer is the same whether or not any account has that
// address: nil, or a refusal that depends only on what was typed.
func (s *Service) RemindUserID(ctx context.Context, addr, clientIP string) error {
	if strings.TrimSpace(addr) == "" {
		return errs.M(errs.InvalidRequest, msg.EnterEmail)
	}
	addr, err := checkEmail(addr)
	if err != nil {
		return err
	}
	now := s.now()
	start := time.Now()
	if _, err := s.recovery.admitSend("email:"+strings.ToLower(addr), clientIP, now); err != nil {
		s.record(ctx, audit.Event{Type: "holder.userid-reminder", Outcome: "denied", Detail: map[string]string{"reason": "throttled", "address": clientIP}})
		return err
	}
	defer s.recovery.answerNoSooner(ctx, start)
	// Every request reads every account, found or not.
	all, err := s.store.ListHolders(ctx)
	if err != nil {
		return fmt.Errorf("list the holders for a user ID reminder: %w", err)
	}
	var ids []string
	lang := ""
	for _, h := range all {
		if h.RecoveryEmail != "" && strings.EqualFold(h.RecoveryEmail, addr) {
			ids = append(ids, h.ID)
			if lang == "" {
				lang = h.Lang
			}
		}
	}
	if len(ids) == 0 {
		return s.recordOrRefuse(ctx, audit.Event{Type: "holder.userid-reminder", Outcome: "denied",
			Detail: map[string]string{"reason": "unknown-address", "address": clientIP}})
	}
	for _, id := range ids {
		if err := s.recordOrRefuse(ctx, audit.Event{Type: "holder.userid-reminder", Holder: id, Detail: map[string]string{"address": clientIP}}); err != nil {
			return err
		}
	}
	text := msg.Text(lang, "mail.userid-reminder", ids[0])
	if len(ids) > 1 {
		text = msg.Text(lang, "mail.userid-reminder-many", strings.Join(ids, ", "))
	}
	if s.notify == nil {
		s.log.ErrorContext(ctx, "user ID reminder not sent: no sender configured")
		return nil
	}
	if err := s.notify.Send(ctx, otp.Message{Time: now.UTC(), Channel: "email", To: addr, Purpose: "userid-reminder", Text: text}); err != nil {
		s.log.ErrorContext(ctx, "user ID reminder not delivered", "err", err)
		for _, id := range ids {
			s.record(ctx, audit.Event{Type: "holder.userid-reminder", Holder: id, Outcome: "error"})
		}
		return nil
	}
	for _, id := range ids {
		s.record(ctx, audit.Event{Type: "holder.userid-reminder", Holder: id, Outcome: "ok"})
	}
	return nil
}
