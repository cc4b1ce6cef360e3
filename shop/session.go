package shop

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/errs"
)

const (
	sessionCookie       = "qes_shop"
	secureSessionCookie = "__Host-qes_shop"
	formCookie          = "qes_shop_form" // anonymous forms' anti-forgery token
	langCookie          = "qes_shop_lang"
	ctxCustomer         = "shop.customer"
	ctxToken            = "shop.token"
)

// current is the logged-in customer as handlers see it.
type current struct {
	ID, Email, Lang, CSRF string
}

func (h *handler) secure(c *echo.Context) bool { return h.cfg.SecureCookies || c.IsTLS() }

func (h *handler) cookie(c *echo.Context, name, value string, maxAge int) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/shop/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: h.secure(c)}
	if strings.HasPrefix(name, "__Host-") {
		ck.Path = "/"
	}
	c.SetCookie(ck)
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

// customer is the logged-in customer, looked up once per request.
func (h *handler) customer(c *echo.Context) *current {
	if cu, ok := c.Get(ctxCustomer).(*current); ok {
		return cu
	}
	tok := h.sessionToken(c)
	if tok == "" {
		return nil
	}
	ctx := c.Request().Context()
	s, err := h.svc.Session(ctx, tok)
	if err != nil {
		return nil
	}
	cu, err := h.svc.Customer(ctx, s.CustomerID)
	if err != nil {
		return nil
	}
	out := &current{ID: cu.ID, Email: cu.Email, Lang: cu.Lang, CSRF: s.CSRF}
	c.Set(ctxCustomer, out)
	c.Set(ctxToken, tok)
	return out
}

// auth admits requests of a live session and checks the CSRF token of
// every POST before the handler runs.
func (h *handler) auth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		cu := h.customer(c)
		if cu == nil {
			if h.sessionToken(c) != "" {
				h.cookie(c, h.sessionCookieName(c), "", -1)
			}
			if c.Request().Method == http.MethodGet {
				return c.Redirect(http.StatusSeeOther, "/shop/login?next="+c.Request().URL.Path)
			}
			lang := h.lang(c)
			return h.message(c, http.StatusUnauthorized, lang, "shop.title.login", "", tr(lang, "shop.expired"))
		}
		if c.Request().Method == http.MethodPost && !enrol.SameToken(c.FormValue("csrf"), cu.CSRF) {
			h.log.InfoContext(c.Request().Context(), "shop: CSRF token mismatch", "path", c.Request().URL.Path)
			return h.message(c, http.StatusForbidden, cu.Lang, "shop.title.csrf", "", tr(cu.Lang, "shop.csrf"))
		}
		return next(c)
	}
}

// formToken is a double-submit token for forms without a session: a
// random cookie the form must repeat.
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

// checkForm verifies an anonymous form's token; false means refuse.
func (h *handler) checkForm(c *echo.Context) bool {
	ck, err := c.Cookie(formCookie)
	return err == nil && enrol.SameToken(c.FormValue("csrf"), ck.Value)
}

func (h *handler) refuseForm(c *echo.Context) error {
	lang := h.lang(c)
	return h.message(c, http.StatusForbidden, lang, "shop.title.csrf", "", tr(lang, "shop.csrf"))
}

// lang is the page language: ?lang=, the lang cookie, the customer's,
// the browser's, else English.
func (h *handler) lang(c *echo.Context) string {
	if l := c.QueryParam("lang"); l == "it" || l == "en" {
		h.cookie(c, langCookie, l, 365*24*3600)
		return l
	}
	if ck, err := c.Cookie(langCookie); err == nil && (ck.Value == "it" || ck.Value == "en") {
		return ck.Value
	}
	if cu, ok := c.Get(ctxCustomer).(*current); ok && cu.Lang != "" {
		return cu.Lang
	}
	if strings.HasPrefix(strings.ToLower(c.Request().Header.Get("Accept-Language")), "it") {
		return "it"
	}
	return "en"
}

func isNotFound(err error) bool { return errs.Is(err, errs.NotFound) }
