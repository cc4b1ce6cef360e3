package portal

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/internal/errs"
)

const (
	sessionCookie       = "qes_portal"
	secureSessionCookie = "__Host-qes_portal" // __Host-: Secure, Path=/, no Domain
	loginCookie         = "qes_portal_login"  // the login form's anti-forgery token
	langCookie          = "qes_lang"
	ctxSession          = "portal.session"
	ctxToken            = "portal.token"
)

func (h *handler) secure(c *echo.Context) bool { return h.cfg.SecureCookies || c.IsTLS() }

func (h *handler) sessionCookieName(c *echo.Context) string {
	if h.secure(c) {
		return secureSessionCookie
	}
	return sessionCookie
}

// setSession gives the browser a session token: HttpOnly (no script reads
// it), SameSite=Strict (no other site's page sends it), Secure behind TLS,
// and no Max-Age (it ends with the browser; the server ends it sooner).
func (h *handler) setSession(c *echo.Context, token string) {
	ck := &http.Cookie{Name: h.sessionCookieName(c), Value: token, Path: "/portal/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: h.secure(c)}
	if ck.Secure {
		ck.Path = "/"
	}
	c.SetCookie(ck)
}

func (h *handler) clearSession(c *echo.Context) {
	ck := &http.Cookie{Name: h.sessionCookieName(c), Value: "", Path: "/portal/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: h.secure(c)}
	if ck.Secure {
		ck.Path = "/"
	}
	c.SetCookie(ck)
}

func (h *handler) sessionToken(c *echo.Context) string {
	ck, err := c.Cookie(h.sessionCookieName(c))
	if err != nil {
		return ""
	}
	return ck.Value
}

func session(c *echo.Context) *Session {
	s, _ := c.Get(ctxSession).(*Session)
	return s
}

func token(c *echo.Context) string {
	t, _ := c.Get(ctxToken).(string)
	return t
}

// auth admits requests of a live session at one of the stages, and checks
// the CSRF token of every POST before the handler runs: a forged or stale
// form changes nothing.
func (h *handler) auth(stages ...SessionStage) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			ctx := c.Request().Context()
			tok := h.sessionToken(c)
			lang := h.anonLang(c)
			sess, err := h.sess.Session(ctx, tok)
			if err != nil {
				if !errs.Is(err, errs.InvalidToken) && !errs.Is(err, errs.ExpiredToken) {
					return err
				}
				if tok != "" {
					h.clearSession(c)
				}
				reason := "login"
				if errs.Is(err, errs.ExpiredToken) || tok != "" {
					reason = "expired"
				}
				if c.Request().Method == http.MethodGet {
					return c.Redirect(http.StatusSeeOther, "/portal/login?m="+reason)
				}
				// A form posted after the session ended: say so plainly,
				// nothing happened.
				return h.renderLogin(c, http.StatusUnauthorized, lang, "", tr(lang, "msg.expired.post"))
			}
			if !slices.Contains(stages, sess.Stage) {
				switch sess.Stage {
				case StageSecondFactor:
					return c.Redirect(http.StatusSeeOther, "/portal/login/totp")
				case StagePasswordExpired:
					return c.Redirect(http.StatusSeeOther, "/portal/account/password")
				default:
					return c.Redirect(http.StatusSeeOther, "/portal/sign")
				}
			}
			c.Set(ctxSession, sess)
			c.Set(ctxToken, tok)
			if c.Request().Method == http.MethodPost && !sameToken(c.FormValue("csrf"), sess.CSRF) {
				h.log.InfoContext(ctx, "portal: CSRF token mismatch", "path", c.Request().URL.Path, "holder", sess.HolderID)
				return h.message(c, http.StatusForbidden, sess.Lang, "title.csrf", "", tr(sess.Lang, "msg.csrf"), backOf(c), "common.back")
			}
			return next(c)
		}
	}
}

func sameToken(a, b string) bool {
	return a != "" && len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// backOf is where a refused form sends the holder: the page it came from.
func backOf(c *echo.Context) string {
	p := c.Request().URL.Path
	for _, suffix := range []string{"/start", "/confirm", "/send", "/check", "/authorize", "/mode", "/remove", "/disable", "/daily"} {
		p = strings.TrimSuffix(p, suffix)
	}
	p = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(p, "/app"), "/test"), "/phone")
	if !strings.HasPrefix(p, "/portal/") || p == "/portal/lang" || p == "/portal/logout" {
		return "/portal/sign"
	}
	return p
}

// loginCSRF is a double-submit token for the login form (no session yet):
// a random cookie that the form must repeat, so that another site cannot
// log the browser into an account of its choosing.
func (h *handler) loginCSRF(c *echo.Context) string {
	if ck, err := c.Cookie(loginCookie); err == nil && len(ck.Value) == 43 {
		return ck.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	c.SetCookie(&http.Cookie{Name: loginCookie, Value: v, Path: "/portal/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: h.secure(c)})
	return v
}

// anonLang is the language before login: the lang cookie, else the
// browser's preference, else English.
func (h *handler) anonLang(c *echo.Context) string {
	if s := session(c); s != nil {
		return s.Lang
	}
	if ck, err := c.Cookie(langCookie); err == nil && (ck.Value == "it" || ck.Value == "en") {
		return ck.Value
	}
	al := strings.ToLower(c.Request().Header.Get("Accept-Language"))
	if strings.HasPrefix(al, "it") {
		return "it"
	}
	return "en"
}

func (h *handler) setLangCookie(c *echo.Context, lang string) {
	c.SetCookie(&http.Cookie{Name: langCookie, Value: lang, Path: "/portal/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: h.secure(c)})
}
