package portal

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/webpage"
)

type loginData struct {
	Step      string // "password" | "totp"
	User      string
	LoginCSRF string
}

func (h *handler) renderLogin(c *echo.Context, status int, lang, notice, errText string) error {
	return h.render(c, status, "login", &page{Lang: lang, TitleKey: "title.login", Notice: notice, Error: errText,
		Data: loginData{Step: "password", User: strings.TrimSpace(c.FormValue("user")), LoginCSRF: h.loginCSRF(c)}})
}

// loginMessages are the notices the login page shows after a redirect.
var loginMessages = map[string]string{"expired": "msg.expired", "login": "msg.login", "logout": "msg.logout", "password": "msg.password.changed", "reset": "msg.password.reset"}

func (h *handler) loginPage(c *echo.Context) error {
	lang := h.anonLang(c)
	if l := c.QueryParam("lang"); l == "it" || l == "en" {
		lang = l
		h.setLangCookie(c, l)
	}
	// Someone already logged in goes on where the session allows.
	if tok := h.sessionToken(c); tok != "" {
		if sess, err := h.sess.Session(c.Request().Context(), tok); err == nil {
			return c.Redirect(http.StatusSeeOther, landing(sess.Stage))
		}
	}
	notice := ""
	if key, ok := loginMessages[c.QueryParam("m")]; ok {
		notice = tr(lang, key)
	}
	return h.renderLogin(c, http.StatusOK, lang, notice, "")
}

func landing(stage SessionStage) string {
	switch stage {
	case StageSecondFactor:
		return "/portal/login/totp"
	case StagePasswordExpired:
		return "/portal/account/password"
	}
	return "/portal/sign"
}

func (h *handler) login(c *echo.Context) error {
	lang := h.anonLang(c)
	ck, err := c.Cookie(loginCookie)
	if err != nil || !sameToken(c.FormValue("csrf"), ck.Value) {
		return h.renderLogin(c, http.StatusForbidden, lang, "", tr(lang, "msg.csrf.login"))
	}
	sess, err := h.sess.Login(c.Request().Context(), strings.TrimSpace(c.FormValue("user")), c.FormValue("password"), c.RealIP())
	if err != nil {
		// The account throttle says how long to wait (account.ThrottledError).
		var ra interface{ RetryAfter() time.Duration }
		if errors.As(err, &ra) {
			c.Response().Header().Set("Retry-After", strconv.Itoa(int((ra.RetryAfter()+time.Second-1)/time.Second)))
		}
		status, msg := webpage.UserError(lang, err)
		if status >= 500 {
			return err
		}
		return h.renderLogin(c, status, lang, "", msg)
	}
	// A new session always gets a new token (the old one, if any, is
	// dropped): login rotates the session.
	if old := h.sessionToken(c); old != "" {
		_ = h.sess.Logout(c.Request().Context(), old)
	}
	h.setSession(c, sess.Token)
	h.setLangCookie(c, sess.Lang)
	return c.Redirect(http.StatusSeeOther, landing(sess.Stage))
}

func (h *handler) totpPage(c *echo.Context) error {
	sess := session(c)
	return h.render(c, http.StatusOK, "login", &page{Lang: sess.Lang, TitleKey: "title.totp", CSRF: sess.CSRF, Data: loginData{Step: "totp"}})
}

func (h *handler) totp(c *echo.Context) error {
	sess := session(c)
	next, err := h.sess.SecondFactor(c.Request().Context(), token(c), strings.TrimSpace(c.FormValue("code")), c.RealIP())
	if err != nil {
		status, msg := webpage.UserError(sess.Lang, err)
		if status >= 500 {
			return err
		}
		if errs.Is(err, errs.Locked) {
			h.clearSession(c)
			return h.renderLogin(c, status, sess.Lang, "", msg)
		}
		return h.render(c, status, "login", &page{Lang: sess.Lang, TitleKey: "title.totp", CSRF: sess.CSRF, Error: msg, Data: loginData{Step: "totp"}})
	}
	h.setSession(c, next.Token)
	return c.Redirect(http.StatusSeeOther, landing(next.Stage))
}

func (h *handler) logout(c *echo.Context) error {
	lang := session(c).Lang
	if err := h.sess.Logout(c.Request().Context(), token(c)); err != nil {
		return err
	}
	h.clearSession(c)
	h.setLangCookie(c, lang)
	return c.Redirect(http.StatusSeeOther, "/portal/login?m=logout")
}

func (h *handler) setLang(c *echo.Context) error {
	sess := session(c)
	lang := c.FormValue("lang")
	if err := h.p.SetLanguage(c.Request().Context(), sess.HolderID, lang); err != nil {
		status, msg := webpage.UserError(sess.Lang, err)
		if status >= 500 {
			return err
		}
		return h.message(c, status, sess.Lang, "title.error", "", msg, "/portal/sign", "common.home")
	}
	h.setLangCookie(c, lang)
	return c.Redirect(http.StatusSeeOther, localPath(c.FormValue("back"), landing(sess.Stage)))
}

// localPath is back when it is a path of this portal (so that a redirect
// can never leave the site), else fallback.
func localPath(back, fallback string) string {
	if !strings.HasPrefix(back, "/portal/") || strings.ContainsAny(back, "\\\r\n\t?#@%") || strings.Contains(back, "/..") {
		return fallback
	}
	for _, r := range back {
		if r < 0x21 || r > 0x7e {
			return fallback
		}
	}
	return back
}
