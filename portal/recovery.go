package portal

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/internal/webpage"
)

// The recovery pages of the login page, for holders who are not logged
// in: "Forgot your password?" (a code to the recovery e-mail or mobile,
// then a new password) and "Forgot your user ID?". Like the login form
// they carry the double-submit anti-forgery token (loginCSRF), and every
// answer is the same whether or not the account exists (account's
// recovery.go decides; these handlers only render).

type recoverData struct {
	// Step is "start" (user ID and channel), "code" (code and new
	// password) or "userid" (the reminder form).
	Step      string
	User      string
	Channel   string
	Ticket    string
	LoginCSRF string
	Rules     []account.PasswordRule
	Minutes   int
	// Sent shows the answer that does not say whether the account exists.
	Sent bool
}

func (h *handler) recoverPage(c *echo.Context, status int, name string, d recoverData, notice, errText string) error {
	lang := h.anonLang(c)
	if l := c.QueryParam("lang"); c.Request().Method == http.MethodGet && (l == "it" || l == "en") {
		lang = l
		h.setLangCookie(c, l)
	}
	back := "/portal/recover/password"
	if name == "recover_userid" {
		back = "/portal/recover/userid"
	}
	d.LoginCSRF = h.loginCSRF(c)
	d.Rules = account.PasswordRules
	d.Minutes = int(h.p.RecoveryConfig().CodeTTL / time.Minute)
	if d.Channel == "" {
		d.Channel = account.RecoveryByEmail
	}
	return h.render(c, status, name, &page{Lang: lang, Back: back, Notice: notice, Error: errText, Data: d})
}

// anonFormOK checks the double-submit token of a form posted without a
// session.
func (h *handler) anonFormOK(c *echo.Context) bool {
	ck, err := c.Cookie(loginCookie)
	return err == nil && sameToken(c.FormValue("csrf"), ck.Value)
}

// recoverFail renders a refusal on the page the form came from; a
// throttle refusal says when to come back.
func (h *handler) recoverFail(c *echo.Context, name string, d recoverData, err error) error {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int((ra.RetryAfter()+time.Second-1)/time.Second)))
	}
	status, text := webpage.UserError(h.anonLang(c), err)
	if status >= 500 {
		return err
	}
	return h.recoverPage(c, status, name, d, "", text)
}

func (h *handler) recoverPasswordPage(c *echo.Context) error {
	return h.recoverPage(c, http.StatusOK, "recover_password", recoverData{Step: "start", User: form(c, "user")}, "", "")
}

func (h *handler) recoverPasswordSend(c *echo.Context) error {
	d := recoverData{Step: "start", User: form(c, "user"), Channel: form(c, "channel")}
	if !h.anonFormOK(c) {
		return h.recoverPage(c, http.StatusForbidden, "recover_password", d, "", tr(h.anonLang(c), "msg.csrf"))
	}
	ticket, err := h.p.StartPasswordReset(c.Request().Context(), d.User, d.Channel, c.RealIP())
	if err != nil {
		return h.recoverFail(c, "recover_password", d, err)
	}
	d.Step, d.Ticket, d.Sent = "code", ticket, true
	return h.recoverPage(c, http.StatusOK, "recover_password", d, "", "")
}

func (h *handler) recoverPassword(c *echo.Context) error {
	d := recoverData{Step: "code", User: form(c, "user"), Ticket: form(c, "ticket")}
	if !h.anonFormOK(c) {
		return h.recoverPage(c, http.StatusForbidden, "recover_password", d, "", tr(h.anonLang(c), "msg.csrf"))
	}
	err := h.p.ResetPassword(c.Request().Context(), account.PasswordReset{
		UserID: d.User, Ticket: d.Ticket, Code: form(c, "otp"), New: c.FormValue("new"), Confirm: c.FormValue("confirm"), ClientIP: c.RealIP(),
	})
	if err != nil {
		return h.recoverFail(c, "recover_password", d, err)
	}
	// Whatever session this browser had ended with the others.
	if h.sessionToken(c) != "" {
		h.clearSession(c)
	}
	return c.Redirect(http.StatusSeeOther, "/portal/login?m=reset")
}

func (h *handler) recoverUserIDPage(c *echo.Context) error {
	return h.recoverPage(c, http.StatusOK, "recover_userid", recoverData{Step: "userid"}, "", "")
}

func (h *handler) recoverUserID(c *echo.Context) error {
	d := recoverData{Step: "userid"}
	if !h.anonFormOK(c) {
		return h.recoverPage(c, http.StatusForbidden, "recover_userid", d, "", tr(h.anonLang(c), "msg.csrf"))
	}
	if err := h.p.RemindUserID(c.Request().Context(), form(c, "email"), c.RealIP()); err != nil {
		return h.recoverFail(c, "recover_userid", d, err)
	}
	d.Sent = true
	return h.recoverPage(c, http.StatusOK, "recover_userid", d, "", "")
}
