package enrol

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

// Consent kinds: a registration records the first three, a checkout the
// last two.
const (
	ConsentPrivacy           = "privacy"
	ConsentMarketing         = "marketing"
	ConsentMarketingPartners = "marketing-partners"
	ConsentBiometric         = "biometric"
	ConsentAutomated         = "automated-decision"
)

// consentTexts are the catalogue texts of the consents.
var consentTexts = map[string]msg.ID{
	ConsentPrivacy: msg.ConsentPrivacyText, ConsentMarketing: msg.ConsentMarketingText, ConsentMarketingPartners: msg.ConsentPartnersText,
	ConsentBiometric: msg.ConsentBiometricText, ConsentAutomated: msg.ConsentAutomatedText,
}

// consent records an answer with what proves it: the text's version and
// SHA-256 in the language shown, the time, the address and the browser.
func (s *Service) consent(customerID, kind string, given bool, lang, ip, ua string, at time.Time) storage.Consent {
	lang = msg.Lang(lang)
	sum := sha256.Sum256([]byte(msg.Text(lang, consentTexts[kind])))
	return storage.Consent{CustomerID: customerID, Kind: kind, Given: given, TextVersion: s.cfg.ConsentVersion,
		TextSHA256: hex.EncodeToString(sum[:]), Lang: lang, At: at, IP: ip, UserAgent: truncate(ua, 512)}
}

// Registration is what the register form sends. Marketing answers are
// "yes" or "no"; anything else is no answer.
type Registration struct {
	Email, Password, Password2 string
	Country                    string
	Lang                       string
	Privacy                    bool
	Marketing                  string
	MarketingPartners          string
	IP, UserAgent              string
}

// NormalizeEmail trims and lower-cases an address and checks its form.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", errs.M(errs.InvalidRequest, msg.ShopEmailInvalid)
	}
	return s, nil
}

// ValidCountry reports an ISO 3166-1 alpha-2 shaped code.
func ValidCountry(c string) bool {
	return len(c) == 2 && strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

func yesNo(s string) (bool, bool) {
	switch s {
	case "yes":
		return true, true
	case "no":
		return false, true
	}
	return false, false
}

// CheckPassword is the holders' password policy (account), which
// customers share: the customer becomes a holder with it.
func CheckPassword(pw, pw2 string) error {
	if err := account.CheckPassword(pw); err != nil {
		return err
	}
	if pw != pw2 {
		return errs.M(errs.InvalidRequest, msg.ShopPasswordsDiffer)
	}
	return nil
}

// Register creates an unconfirmed customer with the consents given and
// sends the e-mail confirmation code. An e-mail already registered gets a
// notice instead of a code and the caller the same answer, so the form
// tells nobody which addresses have accounts.
func (s *Service) Register(ctx context.Context, r Registration) error {
	email, err := NormalizeEmail(r.Email)
	if err != nil {
		return err
	}
	if err := CheckPassword(r.Password, r.Password2); err != nil {
		return err
	}
	country := strings.ToUpper(strings.TrimSpace(r.Country))
	if !ValidCountry(country) {
		return errs.M(errs.InvalidRequest, msg.ShopCountryInvalid)
	}
	if !r.Privacy {
		return errs.M(errs.InvalidRequest, msg.ShopPrivacyRequired)
	}
	mk, ok1 := yesNo(r.Marketing)
	mp, ok2 := yesNo(r.MarketingPartners)
	if !ok1 || !ok2 {
		return errs.M(errs.InvalidRequest, msg.ShopMarketingAnswer)
	}
	if err := s.checkThrottle(s.now(), "ip:"+r.IP); err != nil {
		return err
	}
	s.throttle.Add(s.now(), "ip:"+r.IP)
	hash, err := secret.Hash(r.Password, s.cfg.Argon)
	if err != nil {
		return err
	}
	id, err := secret.NewID()
	if err != nil {
		return err
	}
	now := s.now().UTC()
	c := &storage.Customer{ID: id, Email: email, PasswordHash: hash, PasswordChangedAt: now, Country: country,
		Lang: msg.Lang(r.Lang), CreatedAt: now}
	var consents []*storage.Consent
	for _, a := range []struct {
		kind  string
		given bool
	}{{ConsentPrivacy, true}, {ConsentMarketing, mk}, {ConsentMarketingPartners, mp}} {
		cn := s.consent(id, a.kind, a.given, r.Lang, r.IP, r.UserAgent, now)
		consents = append(consents, &cn)
	}
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "enrol.register", Detail: map[string]string{"customer": id, "address": r.IP}}); err != nil {
		return err
	}
	err = s.store.CreateCustomer(ctx, c, consents)
	if errs.Is(err, errs.Conflict) {
		s.record(ctx, audit.Event{Type: "enrol.register", Outcome: "denied", Detail: map[string]string{"customer": id, "reason": "e-mail taken"}})
		if existing, err := s.store.CustomerByEmail(ctx, email); err == nil && !existing.EmailVerified {
			// An unconfirmed registration: a new code, the same answer.
			return s.sendVerification(ctx, existing)
		}
		s.mail(ctx, email, c.Lang, "shop-exists", msg.Text(c.Lang, msg.MailShopExists))
		return nil
	}
	if err != nil {
		return fmt.Errorf("register customer: %w", err)
	}
	s.record(ctx, audit.Event{Type: "enrol.register", Outcome: "ok", Detail: map[string]string{"customer": id}})
	return s.sendVerification(ctx, c)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (s *Service) mail(ctx context.Context, to, lang, purpose, text string) {
	if s.notify == nil {
		return
	}
	if err := s.notify.Send(ctx, otp.Message{Time: s.now().UTC(), Channel: "email", To: to, Purpose: purpose, Text: text}); err != nil {
		s.log.WarnContext(ctx, "enrol: e-mail not sent", "purpose", purpose, "err", err)
	}
}

func verifyKey(id string) string { return "customer/" + id + "/verify-email" }
func resetKey(id string) string  { return "customer/" + id + "/reset-password" }

func (s *Service) sendVerification(ctx context.Context, c *storage.Customer) error {
	err := s.otp.Send(ctx, otp.Request{Key: verifyKey(c.ID), Channel: "email", To: c.Email, Purpose: "shop-verify",
		Text: func(code string, ttl time.Duration) string {
			return msg.Text(c.Lang, msg.MailShopVerify, code, int(ttl.Minutes()))
		}})
	if errs.Is(err, errs.RateLimited) {
		return nil // a code went out moments ago; it still works
	}
	return err
}

// ResendVerification sends a new confirmation code to an unconfirmed
// address; for any other address it does nothing, with the same answer.
func (s *Service) ResendVerification(ctx context.Context, email, ip string) error {
	now := s.now()
	if err := s.checkThrottle(now, "ip:"+ip, "email:"+email); err != nil {
		return err
	}
	s.throttle.Add(now, "ip:"+ip, "email:"+email)
	c, err := s.store.CustomerByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if err != nil || c.EmailVerified {
		return nil
	}
	return s.sendVerification(ctx, c)
}

// VerifyEmail confirms the address with the code and returns the
// customer, now registered.
func (s *Service) VerifyEmail(ctx context.Context, email, code, ip string) (*storage.Customer, error) {
	bad := errs.M(errs.InvalidOTP, msg.ShopCodeInvalid)
	email = strings.ToLower(strings.TrimSpace(email))
	now := s.now()
	if err := s.checkThrottle(now, "ip:"+ip, "email:"+email); err != nil {
		return nil, err
	}
	c, err := s.store.CustomerByEmail(ctx, email)
	if err != nil || c.EmailVerified {
		s.throttle.Add(now, "ip:"+ip, "email:"+email)
		return nil, bad
	}
	if err := s.otp.Verify(ctx, verifyKey(c.ID), strings.TrimSpace(code)); err != nil {
		if errs.Is(err, errs.InvalidOTP) {
			s.throttle.Add(now, "ip:"+ip, "email:"+email)
			s.record(ctx, audit.Event{Type: "enrol.verify-email", Outcome: "denied", Detail: map[string]string{"customer": c.ID, "address": ip}})
			return nil, bad
		}
		return nil, err
	}
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "enrol.registered", Outcome: "ok", Detail: map[string]string{"customer": c.ID}}); err != nil {
		return nil, err
	}
	err = s.store.UpdateCustomer(ctx, c.ID, func(c *storage.Customer) error { c.EmailVerified = true; return nil })
	if err != nil {
		return nil, fmt.Errorf("confirm e-mail: %w", err)
	}
	c.EmailVerified = true
	return c, nil
}

// Login checks e-mail and password under the throttle; the same answer and
// the same argon2 cost for an unknown e-mail as for a wrong password.
func (s *Service) Login(ctx context.Context, email, password, ip string) (*storage.Customer, error) {
	failed := errs.M(errs.AuthenticationFailed, msg.ShopLoginFailed)
	email = strings.ToLower(strings.TrimSpace(email))
	now := s.now()
	keys := []string{"ip:" + ip, "email:" + email}
	if err := s.checkThrottle(now, keys...); err != nil {
		s.record(ctx, audit.Event{Type: "enrol.login", Outcome: "denied", Detail: map[string]string{"reason": "throttled", "address": ip}})
		return nil, err
	}
	c, err := s.store.CustomerByEmail(ctx, email)
	hash := s.dummy
	if err == nil {
		hash = c.PasswordHash
	} else if !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	ok, verr := secret.Verify(password, hash)
	if verr != nil {
		return nil, verr
	}
	if c == nil || !ok {
		s.throttle.Add(now, keys...)
		detail := map[string]string{"reason": "password", "address": ip}
		if c != nil {
			detail["customer"] = c.ID
		}
		s.record(ctx, audit.Event{Type: "enrol.login", Outcome: "denied", Detail: detail})
		return nil, failed
	}
	if !c.EmailVerified {
		return nil, errs.M(errs.AccessDenied, msg.ShopEmailNotVerified)
	}
	if now.Sub(c.PasswordChangedAt) > s.cfg.PasswordMaxAge {
		return nil, errs.M(errs.AccessDenied, msg.ShopPasswordExpired)
	}
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "enrol.login", Outcome: "ok", Detail: map[string]string{"customer": c.ID, "address": ip}}); err != nil {
		return nil, err
	}
	return c, nil
}

// StartReset sends a password-reset code to a registered e-mail. It
// answers the same whether or not the address has an account.
func (s *Service) StartReset(ctx context.Context, email, ip string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	now := s.now()
	keys := []string{"ip:" + ip, "email:" + email}
	if err := s.checkThrottle(now, keys...); err != nil {
		return err
	}
	s.throttle.Add(now, keys...)
	c, err := s.store.CustomerByEmail(ctx, email)
	if errs.Is(err, errs.NotFound) {
		s.record(ctx, audit.Event{Type: "enrol.reset-request", Outcome: "unknown", Detail: map[string]string{"address": ip}})
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "enrol.reset-request", Detail: map[string]string{"customer": c.ID, "address": ip}}); err != nil {
		return err
	}
	err = s.otp.Send(ctx, otp.Request{Key: resetKey(c.ID), Channel: "email", To: c.Email, Purpose: "shop-reset",
		Text: func(code string, ttl time.Duration) string {
			return msg.Text(c.Lang, msg.MailShopReset, code, int(ttl.Minutes()))
		}})
	if errs.Is(err, errs.RateLimited) {
		return nil
	}
	return err
}

// CompleteReset sets a new password with the code sent by StartReset and
// ends every session of the customer. A reset also confirms the e-mail
// (the code reached it).
func (s *Service) CompleteReset(ctx context.Context, email, code, password, password2, ip string) error {
	bad := errs.M(errs.InvalidOTP, msg.ShopCodeInvalid)
	if err := CheckPassword(password, password2); err != nil {
		return err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	now := s.now()
	keys := []string{"ip:" + ip, "email:" + email}
	if err := s.checkThrottle(now, keys...); err != nil {
		return err
	}
	c, err := s.store.CustomerByEmail(ctx, email)
	if errs.Is(err, errs.NotFound) {
		s.throttle.Add(now, keys...)
		return bad
	}
	if err != nil {
		return err
	}
	if err := s.otp.Verify(ctx, resetKey(c.ID), strings.TrimSpace(code)); err != nil {
		if errs.Is(err, errs.InvalidOTP) {
			s.throttle.Add(now, keys...)
			s.record(ctx, audit.Event{Type: "enrol.reset-password", Outcome: "denied", Detail: map[string]string{"customer": c.ID, "address": ip}})
			return bad
		}
		return err
	}
	hash, err := secret.Hash(password, s.cfg.Argon)
	if err != nil {
		return err
	}
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "enrol.reset-password", Detail: map[string]string{"customer": c.ID, "address": ip}}); err != nil {
		return err
	}
	err = s.store.UpdateCustomer(ctx, c.ID, func(c *storage.Customer) error {
		c.PasswordHash, c.PasswordChangedAt, c.EmailVerified = hash, now.UTC(), true
		return nil
	})
	if err != nil {
		return fmt.Errorf("set new password: %w", err)
	}
	n, err := s.store.DeleteCustomerSessions(ctx, c.ID)
	if err != nil {
		return fmt.Errorf("end sessions after reset: %w", err)
	}
	s.record(ctx, audit.Event{Type: "enrol.reset-password", Outcome: "ok", Detail: map[string]string{"customer": c.ID, "sessions": fmt.Sprint(n)}})
	return nil
}

// Customer returns a customer by ID.
func (s *Service) Customer(ctx context.Context, id string) (*storage.Customer, error) {
	return s.store.Customer(ctx, id)
}
