package portal

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/webpage"
)

// newPage starts the page of a logged-in holder.
func (h *handler) newPage(c *echo.Context, acct *account.AccountView) *page {
	sess := session(c)
	p := &page{Lang: sess.Lang, CSRF: sess.CSRF, Back: c.Request().URL.Path,
		Nav: sess.Stage == StageActive, InAccount: strings.HasPrefix(c.Request().URL.Path, "/portal/account")}
	if acct != nil {
		p.User = acct.ID
		p.AppMode = acct.OTPMode == "app" && acct.AppLinked
		p.PhoneMasked = account.MaskPhone(acct.Phone)
	}
	if key := c.QueryParam("ok"); key != "" && okNotices[key] {
		p.Notice = tr(p.Lang, "ok."+key)
	}
	return p
}

// okNotices are the success notices a redirect may ask a page to show.
var okNotices = map[string]bool{
	"email": true, "otpmode": true, "applinked": true, "appunlinked": true, "phone": true, "daily-on": true, "daily-off": true,
	"pin": true, "recovery-email": true, "recovery-phone": true, "2fa-on": true, "2fa-off": true, "lang": true,
	"suspend": true, "revoke": true, "reactivate": true, "renew": true,
}

// done redirects after a successful change (post/redirect/get), so that
// reloading the page does not post the form again.
func done(c *echo.Context, path, okKey string) error {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return c.Redirect(http.StatusSeeOther, path+sep+"ok="+okKey)
}

// account loads the holder's account for a page.
func (h *handler) loadAccount(c *echo.Context) (*account.AccountView, error) {
	return h.p.Account(c.Request().Context(), session(c).HolderID)
}

// fail renders page name again with the domain error in the holder's
// language; unexpected errors go to the error handler.
func (h *handler) fail(c *echo.Context, name string, p *page, err error) error {
	status, msg := webpage.UserError(p.Lang, err)
	if status >= 500 {
		return err
	}
	p.Error = msg
	return h.render(c, status, name, p)
}

func form(c *echo.Context, name string) string { return strings.TrimSpace(c.FormValue(name)) }

// isNotFound reports a missing or someone else's object.
func isNotFound(err error) bool { return errs.Is(err, errs.NotFound) }

var errNoCredential = errs.M(errs.NotFound, msg.NoSigningCredential)
