package portal

import (
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/qesproject/qes/account"
)

type pinData struct {
	Credential  string
	Credentials []string
}

func (h *handler) pinSetup(c *echo.Context, credentialID string) (*page, *pinData, error) {
	acct, err := h.loadAccount(c)
	if err != nil {
		return nil, nil, err
	}
	ids, err := h.credentialIDs(c, acct.ID)
	if err != nil {
		return nil, nil, err
	}
	d := &pinData{Credential: credentialID, Credentials: ids}
	if d.Credential == "" && len(ids) > 0 {
		d.Credential = ids[0]
	}
	p := h.newPage(c, acct)
	p.TitleKey, p.SendAction, p.SendCredential, p.Data = "title.pin", "/portal/sign/pin/send", d.Credential, d
	return p, d, nil
}

func (h *handler) pinPage(c *echo.Context) error {
	p, _, err := h.pinSetup(c, c.QueryParam("credential"))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "pin", p)
}

func (h *handler) pinSend(c *echo.Context) error {
	p, d, err := h.pinSetup(c, form(c, "credential"))
	if err != nil {
		return err
	}
	if err := h.p.SendPINChangeCode(c.Request().Context(), session(c).HolderID, d.Credential); err != nil {
		return h.fail(c, "pin", p, err)
	}
	p.Notice = p.Tf("notice.codesent", p.PhoneMasked)
	return h.render(c, http.StatusOK, "pin", p)
}

func (h *handler) pinChange(c *echo.Context) error {
	p, d, err := h.pinSetup(c, form(c, "credential"))
	if err != nil {
		return err
	}
	err = h.p.ChangePINWithCode(c.Request().Context(), account.PINChange{
		HolderID: session(c).HolderID, CredentialID: d.Credential,
		Current: c.FormValue("current"), New: c.FormValue("new"), Confirm: c.FormValue("confirm"), OTP: form(c, "otp"),
	})
	if err != nil {
		return h.fail(c, "pin", p, err)
	}
	return done(c, "/portal/sign/pin", "pin")
}
