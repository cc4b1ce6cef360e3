package portal

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/lifecycle"
)

type lifecycleData struct {
	Status      *lifecycle.CertificateStatus
	Credentials []string
	Actions     []lifecycle.Action
	Action      lifecycle.Action // the form shown, if any
	Reasons     []ca.RevocationReason
	Reason      string
	Note        string
}

// lifecycleSetup loads the certificate's status and the form for action
// (when the state allows it).
func (h *handler) lifecycleSetup(c *echo.Context, credentialID, action string) (*page, *lifecycleData, error) {
	acct, err := h.loadAccount(c)
	if err != nil {
		return nil, nil, err
	}
	p := h.newPage(c, acct)
	ids, err := h.credentialIDs(c, acct.ID)
	if err != nil {
		return nil, nil, err
	}
	if credentialID == "" && len(ids) > 0 {
		credentialID = ids[0]
	}
	d := &lifecycleData{Credentials: ids, Reasons: lifecycle.HolderRevocationReasons(), Reason: ca.ReasonUnspecified.String()}
	p.Data = d
	st, err := h.lc.Status(c.Request().Context(), acct.ID, credentialID)
	if err != nil {
		return p, nil, err
	}
	d.Status, d.Actions = st, lifecycle.HolderActions(st.State)
	for _, a := range d.Actions {
		if string(a) == action {
			d.Action = a
		}
	}
	return p, d, nil
}

func (h *handler) lifecyclePage(c *echo.Context) error {
	p, _, err := h.lifecycleSetup(c, c.QueryParam("credential"), c.QueryParam("action"))
	if err != nil {
		return h.fail(c, "message", withLink(p, "/portal/sign"), err)
	}
	return h.render(c, http.StatusOK, "lifecycle", p)
}

func (h *handler) lifecycleSend(c *echo.Context) error {
	p, d, err := h.lifecycleSetup(c, form(c, "credential"), form(c, "action"))
	if err != nil {
		return h.fail(c, "message", withLink(p, "/portal/sign/lifecycle"), err)
	}
	if d.Action == "" {
		return h.fail(c, "lifecycle", p, errs.M(errs.Conflict, msg.CannotChangeNow))
	}
	principal, err := h.sess.Principal(session(c))
	if err != nil {
		return err
	}
	if err := h.lc.SendChallenge(c.Request().Context(), principal, d.Status.CredentialID, d.Action); err != nil {
		return h.fail(c, "lifecycle", p, err)
	}
	p.Notice = p.Tf("notice.codesent", p.PhoneMasked)
	return h.render(c, http.StatusOK, "lifecycle", p)
}

func (h *handler) lifecycleApply(c *echo.Context) error {
	p, d, err := h.lifecycleSetup(c, form(c, "credential"), form(c, "action"))
	if err != nil {
		return h.fail(c, "message", withLink(p, "/portal/sign/lifecycle"), err)
	}
	if d.Action == "" {
		return h.fail(c, "lifecycle", p, errs.M(errs.Conflict, msg.CannotChangeNow))
	}
	d.Note = form(c, "note")
	if d.Action == lifecycle.ActionRevoke {
		d.Reason = form(c, "reason")
	}
	if form(c, "confirm") != "yes" {
		p.Error = p.T("lifecycle.tick")
		return h.render(c, http.StatusBadRequest, "lifecycle", p)
	}
	principal, err := h.sess.Principal(session(c))
	if err != nil {
		return err
	}
	hc := lifecycle.HolderChange{Principal: principal, Action: d.Action, CredentialID: d.Status.CredentialID,
		Password: c.FormValue("password"), OTP: form(c, "otp"), Note: d.Note}
	if d.Action == lifecycle.ActionRevoke {
		hc.Reason = d.Reason
	}
	if _, err := h.lc.ByHolder(c.Request().Context(), hc); err != nil {
		if errs.Is(err, errs.AuthenticationFailed) {
			p.Error = p.T("lifecycle.badpassword")
			return h.render(c, http.StatusUnauthorized, "lifecycle", p)
		}
		return h.fail(c, "lifecycle", p, err)
	}
	return done(c, "/portal/sign/lifecycle?credential="+d.Status.CredentialID, string(d.Action))
}
