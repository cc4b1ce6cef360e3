package portal

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/internal/webpage"
)

// Activation is the end of an enrolment as the portal offers it: the
// holder's first access with the envelope's PUK and the activation of the
// enrolled credential (package activation, through the composition root:
// the portal links no PDF code).
type Activation interface {
	// StartFirstAccess checks the new password and the PUK and sends an
	// SMS code; it returns the ticket of the second step and the masked
	// phone number the code went to.
	StartFirstAccess(ctx context.Context, userID, puk, password, confirm, clientIP string) (ticket, phoneMasked string, err error)
	// CompleteFirstAccess checks the code, sets the password and returns
	// the holder's ID.
	CompleteFirstAccess(ctx context.Context, ticket, code, clientIP string) (holderID string, err error)
	// PendingActivation reports the holder's credential awaiting
	// activation (NotFound when none).
	PendingActivation(ctx context.Context, holderID string) (*PendingActivation, error)
	// Contract is the contract the holder accepted, byte for byte.
	Contract(ctx context.Context, holderID string) ([]byte, error)
	SendActivationCode(ctx context.Context, holderID string) error
	// Activate signs the contract with the new key and enables it.
	Activate(ctx context.Context, holderID, envelopePIN, newPIN, confirmPIN, code string) error
}

// PendingActivation is what the activation page shows.
type PendingActivation struct {
	OrderNumber     string
	CredentialID    string
	ContractVersion string
	Deadline        time.Time
}

type firstAccessData struct {
	Step      string // "start" | "code"
	User      string
	Ticket    string
	Phone     string
	LoginCSRF string
}

func (h *handler) renderFirstAccess(c *echo.Context, status int, lang, errText string, d firstAccessData) error {
	d.LoginCSRF = h.loginCSRF(c)
	return h.render(c, status, "firstaccess", &page{Lang: lang, TitleKey: "title.firstaccess", Error: errText, Data: d})
}

func (h *handler) firstAccessPage(c *echo.Context) error {
	lang := h.anonLang(c)
	if l := c.QueryParam("lang"); l == "it" || l == "en" {
		lang = l
		h.setLangCookie(c, l)
	}
	return h.renderFirstAccess(c, http.StatusOK, lang, "", firstAccessData{Step: "start"})
}

// anonCSRF checks the double-submit token of the forms shown before login.
func (h *handler) anonCSRF(c *echo.Context) bool {
	ck, err := c.Cookie(loginCookie)
	return err == nil && sameToken(c.FormValue("csrf"), ck.Value)
}

// anonFail renders a refusal on a page shown before login; the throttle's
// Retry-After goes into the header.
func (h *handler) anonFail(c *echo.Context, lang string, err error, d firstAccessData) error {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int((ra.RetryAfter()+time.Second-1)/time.Second)))
	}
	status, text := webpage.UserError(lang, err)
	if status >= 500 {
		return err
	}
	return h.renderFirstAccess(c, status, lang, text, d)
}

func (h *handler) firstAccessStart(c *echo.Context) error {
	lang := h.anonLang(c)
	d := firstAccessData{Step: "start", User: form(c, "user")}
	if !h.anonCSRF(c) {
		return h.renderFirstAccess(c, http.StatusForbidden, lang, tr(lang, "msg.csrf.login"), d)
	}
	ticket, phone, err := h.act.StartFirstAccess(c.Request().Context(), d.User, form(c, "puk"), c.FormValue("password"), c.FormValue("confirm"), c.RealIP())
	if err != nil {
		return h.anonFail(c, lang, err, d)
	}
	return h.renderFirstAccess(c, http.StatusOK, lang, "", firstAccessData{Step: "code", User: d.User, Ticket: ticket, Phone: phone})
}

func (h *handler) firstAccessConfirm(c *echo.Context) error {
	lang := h.anonLang(c)
	d := firstAccessData{Step: "code", User: form(c, "user"), Ticket: form(c, "ticket"), Phone: form(c, "phone")}
	if !h.anonCSRF(c) {
		return h.renderFirstAccess(c, http.StatusForbidden, lang, tr(lang, "msg.csrf.login"), d)
	}
	ctx := c.Request().Context()
	holderID, err := h.act.CompleteFirstAccess(ctx, d.Ticket, form(c, "code"), c.RealIP())
	if err != nil {
		if strings.TrimSpace(d.Ticket) == "" {
			d.Step = "start"
		}
		return h.anonFail(c, lang, err, d)
	}
	sess, err := h.sess.Open(ctx, holderID, "first-access")
	if err != nil {
		return err
	}
	if old := h.sessionToken(c); old != "" {
		_ = h.sess.Logout(ctx, old)
	}
	h.setSession(c, sess.Token)
	h.setLangCookie(c, sess.Lang)
	return c.Redirect(http.StatusSeeOther, "/portal/activate")
}

type activateData struct {
	Pending *PendingActivation
}

func (h *handler) activateSetup(c *echo.Context) (*page, error) {
	acct, err := h.loadAccount(c)
	if err != nil {
		return nil, err
	}
	pend, err := h.act.PendingActivation(c.Request().Context(), session(c).HolderID)
	if isNotFound(err) {
		pend, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	p := h.newPage(c, acct)
	p.TitleKey, p.SendAction, p.Data = "title.activate", "/portal/activate/send", activateData{Pending: pend}
	p.AppMode = false // the activation's code always comes by SMS
	if pend == nil {
		p.Notice = p.T("err.activation-none")
	}
	return p, nil
}

func (h *handler) activatePage(c *echo.Context) error {
	p, err := h.activateSetup(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "activate", p)
}

func (h *handler) activateContract(c *echo.Context) error {
	pdf, err := h.act.Contract(c.Request().Context(), session(c).HolderID)
	if err != nil {
		lang := session(c).Lang
		status, text := webpage.UserError(lang, err)
		if status >= 500 {
			return err
		}
		return h.message(c, status, lang, "title.error", "", text, "/portal/activate", "common.back")
	}
	c.Response().Header().Set("Content-Disposition", `inline; filename="contract.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

func (h *handler) activateSend(c *echo.Context) error {
	p, err := h.activateSetup(c)
	if err != nil {
		return err
	}
	if err := h.act.SendActivationCode(c.Request().Context(), session(c).HolderID); err != nil {
		return h.fail(c, "activate", p, err)
	}
	p.Notice = p.Tf("notice.codesent", p.PhoneMasked)
	return h.render(c, http.StatusOK, "activate", p)
}

func (h *handler) activate(c *echo.Context) error {
	p, err := h.activateSetup(c)
	if err != nil {
		return err
	}
	err = h.act.Activate(c.Request().Context(), session(c).HolderID, form(c, "envelope_pin"), c.FormValue("new_pin"), c.FormValue("confirm_pin"), form(c, "otp"))
	if err != nil {
		return h.fail(c, "activate", p, err)
	}
	return h.message(c, http.StatusOK, p.Lang, "title.activate", p.T("msg.activated"), "", "/portal/sign", "common.home")
}
