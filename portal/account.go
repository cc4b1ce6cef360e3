package portal

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/internal/errs"
)

type accountData struct {
	Account  *account.AccountView
	Step     string
	NewEmail string
	NewPhone string
	SentTo   string
	// AuthPhone is where the recovery-number change is authorised.
	AuthPhone string
	Enroll    *enrollView
	Expired   bool
	Rules     []account.PasswordRule
}

func (h *handler) accountSetup(c *echo.Context, titleKey string) (*page, *accountData, error) {
	acct, err := h.loadAccount(c)
	if err != nil {
		return nil, nil, err
	}
	p := h.newPage(c, acct)
	p.TitleKey = titleKey
	d := &accountData{Account: acct, AuthPhone: acct.RecoveryPhone}
	if d.AuthPhone == "" {
		d.AuthPhone = acct.Phone
	}
	p.Data = d
	return p, d, nil
}

func (h *handler) account(c *echo.Context) error {
	p, _, err := h.accountSetup(c, "title.account")
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "account", p)
}

// --- password

func (h *handler) passwordSetup(c *echo.Context) (*page, *accountData, error) {
	p, d, err := h.accountSetup(c, "title.password")
	if err != nil {
		return nil, nil, err
	}
	d.Expired = session(c).Stage == StagePasswordExpired
	d.Rules = account.PasswordRules
	p.SendAction = "/portal/account/password/send"
	return p, d, nil
}

func (h *handler) passwordPage(c *echo.Context) error {
	p, _, err := h.passwordSetup(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "password", p)
}

func (h *handler) passwordSend(c *echo.Context) error {
	p, d, err := h.passwordSetup(c)
	if err != nil {
		return err
	}
	if err := h.p.SendPasswordChangeCode(c.Request().Context(), d.Account.ID); err != nil {
		return h.fail(c, "password", p, err)
	}
	p.Notice = p.Tf("notice.codesent", p.PhoneMasked)
	return h.render(c, http.StatusOK, "password", p)
}

func (h *handler) passwordChange(c *echo.Context) error {
	p, d, err := h.passwordSetup(c)
	if err != nil {
		return err
	}
	next := c.FormValue("new")
	err = h.p.ChangePassword(c.Request().Context(), account.PasswordChange{
		HolderID: d.Account.ID, Current: c.FormValue("current"), New: next, Confirm: c.FormValue("confirm"), OTP: form(c, "otp"),
	})
	if err != nil {
		// A policy failure lists the broken rules in the holder's words.
		if broken := account.BrokenPasswordRules(next); errs.Is(err, errs.InvalidRequest) && len(broken) > 0 && next == c.FormValue("confirm") {
			p.Error = p.T("password.policyfail")
			for _, r := range broken {
				p.ErrorList = append(p.ErrorList, p.T("rule."+string(r)))
			}
			return h.render(c, http.StatusBadRequest, "password", p)
		}
		return h.fail(c, "password", p, err)
	}
	// Every session ended with the change, this one too.
	h.clearSession(c)
	return c.Redirect(http.StatusSeeOther, "/portal/login?m=password")
}

// --- recovery e-mail

func (h *handler) recoveryEmailPage(c *echo.Context) error {
	p, d, err := h.accountSetup(c, "title.recovery_email")
	if err != nil {
		return err
	}
	d.Step = "address"
	return h.render(c, http.StatusOK, "recovery_email", p)
}

func (h *handler) recoveryEmailStart(c *echo.Context) error {
	p, d, err := h.accountSetup(c, "title.recovery_email")
	if err != nil {
		return err
	}
	d.Step, d.NewEmail = "address", form(c, "email")
	if err := h.p.StartRecoveryEmail(c.Request().Context(), d.Account.ID, d.NewEmail); err != nil {
		return h.fail(c, "recovery_email", p, err)
	}
	d.Step = "code"
	p.Notice = p.Tf("notice.codesent", d.NewEmail)
	return h.render(c, http.StatusOK, "recovery_email", p)
}

func (h *handler) recoveryEmailConfirm(c *echo.Context) error {
	p, d, err := h.accountSetup(c, "title.recovery_email")
	if err != nil {
		return err
	}
	d.Step, d.NewEmail = "code", form(c, "email")
	if err := h.p.ConfirmRecoveryEmail(c.Request().Context(), d.Account.ID, d.NewEmail, form(c, "otp")); err != nil {
		return h.fail(c, "recovery_email", p, err)
	}
	return done(c, "/portal/account/recovery-email", "recovery-email")
}

// --- recovery mobile

func (h *handler) recoveryPhonePage(c *echo.Context) error {
	p, d, err := h.accountSetup(c, "title.recovery_phone")
	if err != nil {
		return err
	}
	d.Step = "start"
	return h.render(c, http.StatusOK, "recovery_phone", p)
}

func (h *handler) recoveryPhoneStart(c *echo.Context) error {
	p, d, err := h.accountSetup(c, "title.recovery_phone")
	if err != nil {
		return err
	}
	to, err := h.p.StartRecoveryPhone(c.Request().Context(), d.Account.ID)
	if err != nil {
		return h.fail(c, "recovery_phone", p, err)
	}
	d.Step, d.SentTo = "code", to
	p.Notice = p.Tf("notice.codesent", account.MaskPhone(to))
	return h.render(c, http.StatusOK, "recovery_phone", p)
}

func (h *handler) recoveryPhoneConfirm(c *echo.Context) error {
	p, d, err := h.accountSetup(c, "title.recovery_phone")
	if err != nil {
		return err
	}
	d.Step, d.NewPhone, d.SentTo = "code", form(c, "phone"), d.AuthPhone
	if err := h.p.SetRecoveryPhone(c.Request().Context(), d.Account.ID, d.NewPhone, form(c, "otp")); err != nil {
		return h.fail(c, "recovery_phone", p, err)
	}
	return done(c, "/portal/account/recovery-phone", "recovery-phone")
}

// --- two-factor login

func (h *handler) twoFactorPage(c *echo.Context) error {
	p, d, err := h.accountSetup(c, "title.twofactor")
	if err != nil {
		return err
	}
	if d.Account.LoginTwoFactorPending && !d.Account.LoginTwoFactor {
		if e, err := h.p.PendingLoginTOTP(c.Request().Context(), d.Account.ID); err == nil {
			if d.Enroll, err = newEnrollView(e); err != nil {
				return err
			}
		}
	}
	return h.render(c, http.StatusOK, "twofactor", p)
}

func (h *handler) twoFactorStart(c *echo.Context) error {
	p, d, err := h.accountSetup(c, "title.twofactor")
	if err != nil {
		return err
	}
	e, err := h.p.StartLoginTOTP(c.Request().Context(), d.Account.ID)
	if err != nil {
		return h.fail(c, "twofactor", p, err)
	}
	if d.Enroll, err = newEnrollView(e); err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "twofactor", p)
}

// rotated gives the browser a fresh session token after a change of the
// account's login requirements (privilege change).
func (h *handler) rotated(c *echo.Context) error {
	next, err := h.sess.Rotate(c.Request().Context(), token(c))
	if err != nil {
		return err
	}
	h.setSession(c, next.Token)
	return nil
}

func (h *handler) twoFactorConfirm(c *echo.Context) error {
	p, d, err := h.accountSetup(c, "title.twofactor")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.p.ConfirmLoginTOTP(ctx, d.Account.ID, form(c, "code")); err != nil {
		if e, perr := h.p.PendingLoginTOTP(ctx, d.Account.ID); perr == nil {
			d.Enroll, _ = newEnrollView(e)
		}
		return h.fail(c, "twofactor", p, err)
	}
	if err := h.rotated(c); err != nil {
		return err
	}
	return done(c, "/portal/account/two-factor", "2fa-on")
}

func (h *handler) twoFactorDisable(c *echo.Context) error {
	p, d, err := h.accountSetup(c, "title.twofactor")
	if err != nil {
		return err
	}
	if err := h.p.DisableLoginTOTP(c.Request().Context(), d.Account.ID, form(c, "code")); err != nil {
		return h.fail(c, "twofactor", p, err)
	}
	if err := h.rotated(c); err != nil {
		return err
	}
	return done(c, "/portal/account/two-factor", "2fa-off")
}
