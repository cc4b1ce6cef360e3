package console

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/officer"
)

const (
	sessionCookie       = "qes_operator"
	secureSessionCookie = "__Secure-qes_operator"
	formCookie          = "qes_operator_form" // the login form's anti-forgery token
	langCookie          = "qes_operator_lang"
	ctxOfficer          = "console.officer"
	ctxToken            = "console.token"
	cookiePath          = "/operator"
)

func (h *handler) secure(c *echo.Context) bool { return h.cfg.SecureCookies || c.IsTLS() }

func (h *handler) cookie(c *echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: name, Value: value, Path: cookiePath, MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: h.secure(c)})
}

func (h *handler) sessionCookieName(c *echo.Context) string {
	if h.secure(c) {
		return secureSessionCookie
	}
	return sessionCookie
}

func (h *handler) sessionToken(c *echo.Context) string {
	ck, err := c.Cookie(h.sessionCookieName(c))
	if err != nil {
		return ""
	}
	return ck.Value
}

// officer is the logged-in officer, looked up once per request.
func (h *handler) officer(c *echo.Context) *officer.Session {
	if s, ok := c.Get(ctxOfficer).(*officer.Session); ok {
		return s
	}
	tok := h.sessionToken(c)
	if tok == "" {
		return nil
	}
	s, err := h.svc.Session(c.Request().Context(), tok)
	if err != nil {
		return nil
	}
	c.Set(ctxOfficer, s)
	c.Set(ctxToken, tok)
	return s
}

// auth admits the requests of a live session and checks the CSRF token
// of every POST before the handler runs; a page asked for without one
// leads to the login page.
func (h *handler) auth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		s := h.officer(c)
		if s == nil {
			if h.sessionToken(c) != "" {
				h.cookie(c, h.sessionCookieName(c), "", -1)
			}
			if c.Request().Method == http.MethodGet {
				return c.Redirect(http.StatusSeeOther, "/operator/login?next="+url.QueryEscape(c.Request().URL.Path))
			}
			lang := h.lang(c)
			return h.message(c, http.StatusUnauthorized, lang, "console.title.login", tr(lang, "console.expired"))
		}
		if c.Request().Method == http.MethodPost && !officer.SameToken(c.FormValue("csrf"), s.CSRF) {
			h.log.InfoContext(c.Request().Context(), "console: CSRF token mismatch", "path", c.Request().URL.Path)
			lang := h.lang(c)
			return h.message(c, http.StatusForbidden, lang, "console.title.csrf", tr(lang, "console.csrf"))
		}
		return next(c)
	}
}

// authMedia admits evidence requests of a live session only; without
// one the answer is 401, not a redirect: an image or a video element
// cannot follow a login page.
func (h *handler) authMedia(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if h.officer(c) == nil {
			c.Response().Header().Set("Content-Type", "text/plain; charset=utf-8")
			return c.String(http.StatusUnauthorized, tr(h.lang(c), "console.expired")+"\n")
		}
		return next(c)
	}
}

// formToken is a double-submit token for the login form: a random
// cookie the form must repeat.
func (h *handler) formToken(c *echo.Context) string {
	if ck, err := c.Cookie(formCookie); err == nil && len(ck.Value) == 43 {
		return ck.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	h.cookie(c, formCookie, v, 0)
	return v
}

func (h *handler) checkForm(c *echo.Context) bool {
	ck, err := c.Cookie(formCookie)
	return err == nil && officer.SameToken(c.FormValue("csrf"), ck.Value)
}

// lang is the page language: ?lang=, the lang cookie, the browser's, else
// English.
func (h *handler) lang(c *echo.Context) string {
	if l := c.QueryParam("lang"); l == "it" || l == "en" {
		h.cookie(c, langCookie, l, 365*24*3600)
		return l
	}
	if ck, err := c.Cookie(langCookie); err == nil && (ck.Value == "it" || ck.Value == "en") {
		return ck.Value
	}
	if strings.HasPrefix(strings.ToLower(c.Request().Header.Get("Accept-Language")), "it") {
		return "it"
	}
	return "en"
}
