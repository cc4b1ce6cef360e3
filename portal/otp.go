package portal

import (
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/qesproject/qes/account"
)

type otpData struct {
	Account    *account.AccountView
	Enroll     *enrollView
	TestResult bool
	PhoneStep  string // "", "old" (code from the current number + new number), "new" (code from the new number)
	NewPhone   string
}

// otpSetup loads what the OTP page shows; handlers then set the step.
func (h *handler) otpSetup(c *echo.Context) (*page, *otpData, error) {
	acct, err := h.loadAccount(c)
	if err != nil {
		return nil, nil, err
	}
	p := h.newPage(c, acct)
	p.TitleKey = "title.otp"
	d := &otpData{Account: acct}
	p.Data = d
	return p, d, nil
}

func (h *handler) otpPage(c *echo.Context) error {
	p, d, err := h.otpSetup(c)
	if err != nil {
		return err
	}
	// An enrolment started but not confirmed shows its QR code again.
	if d.Account.AppPending && !d.Account.AppLinked {
		if e, err := h.p.PendingTOTP(c.Request().Context(), d.Account.ID); err == nil {
			if d.Enroll, err = newEnrollView(e); err != nil {
				return err
			}
		}
	}
	return h.render(c, http.StatusOK, "otp", p)
}

func (h *handler) otpMode(c *echo.Context) error {
	p, d, err := h.otpSetup(c)
	if err != nil {
		return err
	}
	if err := h.p.SetOTPMode(c.Request().Context(), d.Account.ID, form(c, "mode")); err != nil {
		return h.fail(c, "otp", p, err)
	}
	return done(c, "/portal/sign/otp", "otpmode")
}

func (h *handler) appStart(c *echo.Context) error {
	p, d, err := h.otpSetup(c)
	if err != nil {
		return err
	}
	e, err := h.p.StartTOTP(c.Request().Context(), d.Account.ID)
	if err != nil {
		return h.fail(c, "otp", p, err)
	}
	if d.Enroll, err = newEnrollView(e); err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "otp", p)
}

func (h *handler) appConfirm(c *echo.Context) error {
	p, d, err := h.otpSetup(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.p.ConfirmTOTP(ctx, d.Account.ID, form(c, "code")); err != nil {
		if e, perr := h.p.PendingTOTP(ctx, d.Account.ID); perr == nil {
			d.Enroll, _ = newEnrollView(e)
		}
		return h.fail(c, "otp", p, err)
	}
	return done(c, "/portal/sign/otp", "applinked")
}

func (h *handler) appRemove(c *echo.Context) error {
	p, d, err := h.otpSetup(c)
	if err != nil {
		return err
	}
	if err := h.p.RemoveTOTP(c.Request().Context(), d.Account.ID); err != nil {
		return h.fail(c, "otp", p, err)
	}
	return done(c, "/portal/sign/otp", "appunlinked")
}

func (h *handler) testSend(c *echo.Context) error {
	p, d, err := h.otpSetup(c)
	if err != nil {
		return err
	}
	if err := h.p.SendTestCode(c.Request().Context(), d.Account.ID); err != nil {
		return h.fail(c, "otp", p, err)
	}
	p.Notice = p.Tf("notice.codesent", p.PhoneMasked)
	return h.render(c, http.StatusOK, "otp", p)
}

func (h *handler) testCheck(c *echo.Context) error {
	p, d, err := h.otpSetup(c)
	if err != nil {
		return err
	}
	if err := h.p.CheckTestCode(c.Request().Context(), d.Account.ID, form(c, "otp")); err != nil {
		return h.fail(c, "otp", p, err)
	}
	d.TestResult = true
	return h.render(c, http.StatusOK, "otp", p)
}

func (h *handler) phoneStart(c *echo.Context) error {
	p, d, err := h.otpSetup(c)
	if err != nil {
		return err
	}
	if err := h.p.StartOTPPhoneChange(c.Request().Context(), d.Account.ID); err != nil {
		return h.fail(c, "otp", p, err)
	}
	d.PhoneStep = "old"
	p.Notice = p.Tf("notice.codesent", p.PhoneMasked)
	return h.render(c, http.StatusOK, "otp", p)
}

func (h *handler) phoneAuthorize(c *echo.Context) error {
	p, d, err := h.otpSetup(c)
	if err != nil {
		return err
	}
	d.PhoneStep, d.NewPhone = "old", form(c, "phone")
	if err := h.p.AuthorizeOTPPhoneChange(c.Request().Context(), d.Account.ID, form(c, "otp"), d.NewPhone); err != nil {
		return h.fail(c, "otp", p, err)
	}
	d.PhoneStep = "new"
	p.Notice = p.Tf("notice.codesent", d.NewPhone)
	return h.render(c, http.StatusOK, "otp", p)
}

func (h *handler) phoneConfirm(c *echo.Context) error {
	p, d, err := h.otpSetup(c)
	if err != nil {
		return err
	}
	d.PhoneStep, d.NewPhone = "new", form(c, "phone")
	if err := h.p.ConfirmOTPPhoneChange(c.Request().Context(), d.Account.ID, d.NewPhone, form(c, "otp")); err != nil {
		return h.fail(c, "otp", p, err)
	}
	return done(c, "/portal/sign/otp", "phone")
}
