package account

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/storage"
)

// NewHolder describes an account to create.
type NewHolder struct {
	ID          string
	Password    string
	GivenName   string
	Surname     string
	Country     string
	SemanticsID string
	Email       string
	Phone       string
	Lang        string
	// Order is the enrolment order that reserved ID (issuance): only it
	// may create the holder with that ID.
	Order string
	// FirstAccess creates the account without a usable password: the
	// holder sets one at the first access to My Sign with the envelope's
	// PUK and an SMS code. Password is then ignored.
	FirstAccess bool
}

var (
	userIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$`)
	phonePattern  = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	emailPattern  = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// CreateHolder registers an account.
func (s *Service) CreateHolder(ctx context.Context, nh NewHolder) (*storage.Holder, error) {
	if !userIDPattern.MatchString(nh.ID) {
		return nil, errs.M(errs.InvalidRequest, msg.UserIDFormat)
	}
	if nh.FirstAccess {
		// A random password nobody ever sees: the hash is well formed, and
		// no login can match it.
		unusable, err := secret.NewToken()
		if err != nil {
			return nil, err
		}
		nh.Password = unusable
	} else if err := CheckPassword(nh.Password); err != nil {
		return nil, err
	}
	if !phonePattern.MatchString(nh.Phone) {
		return nil, errs.M(errs.InvalidRequest, msg.PhoneFormat)
	}
	if !emailPattern.MatchString(nh.Email) {
		return nil, errs.M(errs.InvalidRequest, msg.EmailInvalid)
	}
	if nh.Lang == "" {
		nh.Lang = "en"
	}
	hash, err := secret.Hash(nh.Password, s.cfg.Argon)
	if err != nil {
		return nil, err
	}
	now := s.now()
	h := &storage.Holder{
		ID: nh.ID, PasswordHash: hash, PasswordChangedAt: now,
		GivenName: nh.GivenName, Surname: nh.Surname, Country: strings.ToUpper(nh.Country), SemanticsID: nh.SemanticsID,
		Email: nh.Email, Phone: nh.Phone, Lang: nh.Lang, OTPMode: "sms", CreatedAt: now,
		Order: nh.Order, FirstAccessPending: nh.FirstAccess,
	}
	// An administrative action: on record before it happens, or not at all.
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "holder.create", Holder: h.ID, Detail: orderDetail(nh.Order)}); err != nil {
		return nil, err
	}
	if err := s.store.CreateHolder(ctx, h); err != nil {
		s.record(ctx, audit.Event{Type: "holder.create", Holder: h.ID, Outcome: "error", Detail: map[string]string{"error": errs.KindOf(err).String()}})
		if errs.Is(err, errs.Conflict) {
			return nil, errs.M(errs.Conflict, msg.UserIDTaken)
		}
		return nil, err
	}
	s.record(ctx, audit.Event{Type: "holder.create", Holder: h.ID, Outcome: "ok"})
	return h, nil
}

func orderDetail(order string) map[string]string {
	if order == "" {
		return nil
	}
	return map[string]string{"order": order}
}

// Holder returns an account.
func (s *Service) Holder(ctx context.Context, id string) (*storage.Holder, error) {
	return s.store.Holder(ctx, id)
}

// AuthenticatePassword checks the holder's password from clientIP under
// the password throttle (throttle.go): refusals per address and per
// (user ID, address) with growing delays, the same answers and the same
// argon2 cost for an unknown user ID as for a known one.
func (s *Service) AuthenticatePassword(ctx context.Context, userID, password, clientIP string) (*storage.Holder, error) {
	return s.checkPassword(ctx, userID, password, clientIP)
}

// DummyVerify spends one argon2id verification of secret against nothing,
// so a refusal takes as long when there was no hash to check.
func (s *Service) DummyVerify(secretValue string) { _, _ = secret.Verify(secretValue, s.dummyHash) }

func (s *Service) checkPassword(ctx context.Context, userID, password, clientIP string) (*storage.Holder, error) {
	failed := errs.M(errs.AuthenticationFailed, msg.AuthenticationError)
	now := s.now()
	// The throttle answers before the account is read: what it says
	// depends only on the user ID as typed and the address.
	if err := s.throttle.check(userID, clientIP, now); err != nil {
		s.record(ctx, audit.Event{Type: "auth.login", Holder: userID, Outcome: "denied", Detail: map[string]string{"reason": "throttled", "address": clientIP}})
		return nil, err
	}
	h, err := s.store.Holder(ctx, userID)
	if errs.Is(err, errs.NotFound) {
		_, _ = secret.Verify(password, s.dummyHash)
		s.loginFailed(ctx, nil, userID, clientIP, now)
		return nil, failed
	}
	if err != nil {
		return nil, err
	}
	if h.FirstAccessPending || h.PasswordHash == "" {
		// An enrolled holder has no password until the first access sets
		// one with the envelope's PUK: point there, after the same work.
		_, _ = secret.Verify(password, s.dummyHash)
		s.record(ctx, audit.Event{Type: "auth.login", Holder: userID, Outcome: "denied", Detail: map[string]string{"reason": "first-access-pending", "address": clientIP}})
		return nil, errs.M(errs.Conflict, msg.FirstAccessRequired)
	}
	ok, err := secret.Verify(password, h.PasswordHash)
	if err != nil {
		return nil, err
	}
	if !ok {
		s.loginFailed(ctx, h, userID, clientIP, now)
		return nil, failed
	}
	// Wrong two-factor login codes (sent only by someone who knew the
	// password) still lock the account for LoginLockout.
	if now.Before(h.LoginLockedUntil) {
		return nil, errs.M(errs.Locked, msg.LoginLocked, h.LoginLockedUntil.UTC().Format("15:04 MST"))
	}
	s.throttle.succeed(userID, clientIP)
	return h, nil
}

// loginFailed counts a wrong password (h is nil for an unknown user ID)
// and, the first time in a window that the account counts as under
// attack, tells its holder by e-mail.
func (s *Service) loginFailed(ctx context.Context, h *storage.Holder, userID, clientIP string, now time.Time) {
	s.record(ctx, audit.Event{Type: "auth.login", Holder: userID, Outcome: "denied", Detail: map[string]string{"reason": "password", "address": clientIP}})
	if !s.throttle.fail(userID, clientIP, now) || h == nil {
		return
	}
	s.record(ctx, audit.Event{Type: "auth.login-attack", Holder: h.ID, Outcome: "notified"})
	s.notifyHolder(ctx, "email", h.Email, "notice-login-attack", loginAttackText(h.Lang, now))
}

// countLogin applies the lockout rule to a wrong two-factor login code:
// MaxLoginFailures wrong codes in a row lock the account for LoginLockout.
func (s *Service) countLogin(h *storage.Holder, ok bool, now time.Time) {
	if ok {
		h.FailedLogins = 0
		return
	}
	h.FailedLogins++
	if h.FailedLogins >= s.cfg.MaxLoginFailures {
		h.FailedLogins = 0
		h.LoginLockedUntil = now.Add(s.cfg.LoginLockout)
	}
}

// PasswordExpired reports whether the holder must change the password.
func (s *Service) PasswordExpired(h *storage.Holder) bool {
	return s.now().Sub(h.PasswordChangedAt) > s.cfg.PasswordMaxAge
}

// Login authenticates with user ID and password (CSC auth/login, HTTP
// Basic) and issues a service access token, plus a refresh token when asked.
// clientIP is the caller's address, for the password throttle.
func (s *Service) Login(ctx context.Context, userID, password string, rememberMe bool, clientID, clientIP string) (*authn.AccessToken, error) {
	h, err := s.checkPassword(ctx, userID, password, clientIP)
	if err != nil {
		return nil, err
	}
	grant, err := secret.NewID()
	if err != nil {
		return nil, err
	}
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "auth.login", Holder: h.ID, Client: clientID, Outcome: "ok", Detail: map[string]string{"refresh": fmt.Sprint(rememberMe)}}); err != nil {
		return nil, err
	}
	at, err := s.tokens.IssueAccess(ctx, h.ID, authn.ScopeService, clientID, grant, s.cfg.AccessTokenTTL, nil)
	if err != nil {
		return nil, err
	}
	out := &authn.AccessToken{Token: at, ExpiresIn: int(s.cfg.AccessTokenTTL.Seconds())}
	if rememberMe {
		if out.RefreshToken, err = s.tokens.IssueRefresh(ctx, h.ID, clientID, grant); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LoginWithRefresh exchanges a refresh token for a new access token.
func (s *Service) LoginWithRefresh(ctx context.Context, refreshToken string) (*authn.AccessToken, error) {
	invalid := errs.M(errs.InvalidRequest, msg.InvalidRefreshToken)
	if len(refreshToken) != 43 {
		return nil, invalid
	}
	key, err := s.tokens.RefreshKey(refreshToken)
	if err != nil {
		return nil, err
	}
	rec, err := s.store.Token(ctx, key)
	if errs.Is(err, errs.NotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if !s.now().Before(rec.ExpiresAt) {
		return nil, errs.M(errs.InvalidRequest, msg.RefreshTokenExpired)
	}
	at, err := s.tokens.IssueAccess(ctx, rec.HolderID, authn.ScopeService, rec.ClientID, rec.GrantID, s.cfg.AccessTokenTTL, nil)
	if err != nil {
		return nil, err
	}
	return &authn.AccessToken{Token: at, ExpiresIn: int(s.cfg.AccessTokenTTL.Seconds())}, nil
}
