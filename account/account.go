package account

import (
	"context"
	"strings"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/storage"
)

// AccountView is what the portal shows of an account.
type AccountView struct {
	ID, GivenName, Surname string
	// Email is the contact address and the one the next certificate
	// carries; Phone receives SMS OTPs.
	Email, Phone                 string
	RecoveryEmail, RecoveryPhone string
	Lang                         string
	OTPMode                      string // "sms" | "app"
	AppLinked, AppPending        bool   // signing OTP authenticator app
	LoginTwoFactor               bool
	LoginTwoFactorPending        bool
	DailyReport                  bool
	PasswordChangedAt            time.Time
	PasswordExpiresAt            time.Time
}

// Account returns the holder's account as the portal shows it.
func (p *Service) Account(ctx context.Context, holderID string) (*AccountView, error) {
	h, err := p.store.Holder(ctx, holderID)
	if err != nil {
		return nil, err
	}
	return &AccountView{
		ID: h.ID, GivenName: h.GivenName, Surname: h.Surname, Email: h.Email, Phone: h.Phone,
		RecoveryEmail: h.RecoveryEmail, RecoveryPhone: h.RecoveryPhone, Lang: langOf(h.Lang),
		OTPMode: h.OTPMode, AppLinked: len(h.TOTPSealed) > 0, AppPending: len(h.TOTPPendingSealed) > 0,
		LoginTwoFactor: len(h.LoginTOTPSealed) > 0, LoginTwoFactorPending: len(h.LoginTOTPPendingSealed) > 0,
		DailyReport: h.DailyReport, PasswordChangedAt: h.PasswordChangedAt,
		PasswordExpiresAt: h.PasswordChangedAt.Add(p.cfg.PasswordMaxAge),
	}, nil
}

// SetLanguage chooses the language of the holder's pages and messages.
func (p *Service) SetLanguage(ctx context.Context, holderID, lang string) error {
	if err := CheckLanguage(lang); err != nil {
		return err
	}
	return p.store.UpdateHolder(ctx, holderID, func(h *storage.Holder) error {
		h.Lang = lang
		return nil
	})
}

// SendPasswordChangeCode sends the SMS code that confirms a password
// change (none when the holder's codes come from the app).
func (p *Service) SendPasswordChangeCode(ctx context.Context, holderID string) error {
	return p.sendHolderCode(ctx, holderID, accountOTPKey(holderID, purposePassword), purposePassword)
}

// PasswordChange is a holder's request to replace the password.
type PasswordChange struct {
	HolderID string
	Current  string
	New      string
	Confirm  string
	OTP      string
}

// ChangePassword replaces the password: the new one must meet the policy,
// match its confirmation and differ from the current one; then the
// one-time code and the current password are checked (both counted). On
// success every portal session and API token of the holder ends.
func (p *Service) ChangePassword(ctx context.Context, pc PasswordChange) error {
	s := p
	if pc.Current == "" {
		return errs.M(errs.InvalidRequest, msg.EnterCurrentPassword)
	}
	if pc.New != pc.Confirm {
		return errs.M(errs.InvalidRequest, msg.PasswordConfirmDiffers)
	}
	if err := CheckPassword(pc.New); err != nil {
		return err
	}
	if pc.New == pc.Current {
		return errs.M(errs.InvalidRequest, msg.PasswordUnchanged)
	}
	deny := func(reason string, err error) error {
		s.record(ctx, audit.Event{Type: "holder.password-change", Holder: pc.HolderID, Outcome: "denied", Detail: map[string]string{"reason": reason}})
		return err
	}
	if err := p.verifyCode(ctx, pc.HolderID, accountOTPKey(pc.HolderID, purposePassword), pc.OTP, true); err != nil {
		return deny("otp", err)
	}
	// The holder is logged in already: no client address, so only the
	// per-account and per-(account, no address) counters apply.
	if _, err := s.checkPassword(ctx, pc.HolderID, pc.Current, ""); err != nil {
		if errs.Is(err, errs.AuthenticationFailed) {
			return deny("password", errs.M(errs.AuthenticationFailed, msg.PasswordWrong))
		}
		return deny("password", err)
	}
	hash, err := secret.Hash(pc.New, s.cfg.Argon)
	if err != nil {
		return err
	}
	// A change of authentication factor: on record before it happens.
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "holder.password-change", Holder: pc.HolderID}); err != nil {
		return err
	}
	// Sessions end before the password changes, so that a failure leaves
	// the old password with no session rather than the new one with old
	// sessions; a second pass after the change ends a login that raced it.
	if err := p.endEverySession(ctx, pc.HolderID); err != nil {
		return err
	}
	now := s.now()
	var h storage.Holder
	err = s.store.UpdateHolder(ctx, pc.HolderID, func(rec *storage.Holder) error {
		rec.PasswordHash, rec.PasswordChangedAt, rec.FailedLogins = hash, now, 0
		h = *rec
		return nil
	})
	if err != nil {
		return err
	}
	if err := p.endEverySession(ctx, pc.HolderID); err != nil {
		s.log.ErrorContext(ctx, "end sessions after password change", "holder", pc.HolderID, "err", err)
	}
	s.record(ctx, audit.Event{Type: "holder.password-change", Holder: pc.HolderID, Outcome: "ok"})
	p.notifyHolder(ctx, "email", h.Email, "notice-password-changed", passwordChangedText(h.Lang, now))
	return nil
}

func checkEmail(addr string) (string, error) {
	addr = strings.TrimSpace(addr)
	if !emailPattern.MatchString(addr) || len(addr) > 254 {
		return "", errs.M(errs.InvalidRequest, msg.EmailInvalid)
	}
	for _, r := range addr {
		// A certificate's rfc822Name is printable ASCII (IA5String, no
		// spaces or controls); recovery addresses follow the same rule so
		// that either can become the other.
		if r <= ' ' || r > '~' {
			return "", errs.M(errs.InvalidRequest, msg.EmailInvalid)
		}
	}
	return addr, nil
}

func checkPhone(phone string) (string, error) {
	phone = strings.ReplaceAll(strings.TrimSpace(phone), " ", "")
	if !phonePattern.MatchString(phone) {
		return "", errs.M(errs.InvalidRequest, msg.PhoneFormat)
	}
	return phone, nil
}

// StartRecoveryEmail sends a code to a new recovery address; the address
// is set only when that code comes back (ConfirmRecoveryEmail).
func (p *Service) StartRecoveryEmail(ctx context.Context, holderID, addr string) error {
	addr, err := checkEmail(addr)
	if err != nil {
		return err
	}
	h, err := p.store.Holder(ctx, holderID)
	if err != nil {
		return err
	}
	return p.sendCode(ctx, h, accountOTPKey(holderID, purposeRecoveryEmail, addr), purposeRecoveryEmail, "email", addr)
}

// ConfirmRecoveryEmail sets the recovery address once the code sent to it
// is entered.
func (p *Service) ConfirmRecoveryEmail(ctx context.Context, holderID, addr, code string) error {
	return p.confirmEmail(ctx, holderID, addr, code, purposeRecoveryEmail, false, "holder.recovery-email",
		func(h *storage.Holder, addr string) { h.RecoveryEmail = addr })
}

// confirmEmail stores a new address once the code for (purpose, addr) is
// right; allowApp lets an authenticator-app code stand in for the SMS one.
func (p *Service) confirmEmail(ctx context.Context, holderID, addr, code, purpose string, allowApp bool, event string, set func(*storage.Holder, string)) error {
	addr, err := checkEmail(addr)
	if err != nil {
		return err
	}
	if err := p.verifyCode(ctx, holderID, accountOTPKey(holderID, purpose, addr), code, allowApp); err != nil {
		return err
	}
	if err := p.store.UpdateHolder(ctx, holderID, func(h *storage.Holder) error {
		set(h, addr)
		return nil
	}); err != nil {
		return err
	}
	p.record(ctx, audit.Event{Type: event, Holder: holderID, Outcome: "ok"})
	return nil
}

// recoveryAuthPhone is the number that authorises a change of recovery
// number: the current recovery number, or the OTP number while none is set.
func recoveryAuthPhone(h *storage.Holder) string {
	if h.RecoveryPhone != "" {
		return h.RecoveryPhone
	}
	return h.Phone
}

// StartRecoveryPhone sends the code that authorises a new recovery number
// to the current recovery number and returns where it went.
func (p *Service) StartRecoveryPhone(ctx context.Context, holderID string) (string, error) {
	h, err := p.store.Holder(ctx, holderID)
	if err != nil {
		return "", err
	}
	to := recoveryAuthPhone(h)
	return to, p.sendCode(ctx, h, accountOTPKey(holderID, purposeRecoveryPhone), purposeRecoveryPhone, "sms", to)
}

// SetRecoveryPhone sets a new recovery number, authorised by the code sent
// to the current one.
func (p *Service) SetRecoveryPhone(ctx context.Context, holderID, phone, code string) error {
	phone, err := checkPhone(phone)
	if err != nil {
		return err
	}
	if err := p.verifyCode(ctx, holderID, accountOTPKey(holderID, purposeRecoveryPhone), code, false); err != nil {
		return err
	}
	if err := p.store.UpdateHolder(ctx, holderID, func(h *storage.Holder) error {
		h.RecoveryPhone = phone
		return nil
	}); err != nil {
		return err
	}
	p.record(ctx, audit.Event{Type: "holder.recovery-phone", Holder: holderID, Outcome: "ok"})
	return nil
}

// endEverySession ends the holder's portal sessions and API tokens.
func (p *Service) endEverySession(ctx context.Context, holderID string) error {
	if _, err := p.store.DeleteHolderPortalSessions(ctx, holderID); err != nil {
		return err
	}
	_, err := p.store.DeleteHolderTokens(ctx, holderID)
	return err
}
