// Package shop is the web shop's edge: the pages a new customer walks
// through before identification (register, confirm the e-mail, log in,
// forgot password, checkout, pay, the details form, the customer area),
// the development payment provider's page and the payment callback, as
// server-rendered html/template pages in Italian and English.
//
// It is an edge like portal, and its own package rather than more files in
// portal: customers are not holders (their own sessions, cookies scoped to
// /shop/, their own CSRF tokens), and the holder portal's files stay free
// for the account-recovery work beside it. It borrows portal's stylesheet
// (/portal/static/portal.css) so both look the same, and follows the same
// rules: no script, a strict CSP, HttpOnly SameSite=Strict cookies, a CSRF
// token on every form, throttled logins and codes (in enrol), and a page,
// never a bare 500, for anything that goes wrong.
package shop

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/webpage"
)

// Config describes the shop.
type Config struct {
	// Name is the service's name in page headers (default "qes").
	Name string
	// SecureCookies marks cookies Secure even on plain HTTP requests,
	// for a TLS proxy in front.
	SecureCookies bool
}

type handler struct {
	svc *enrol.Service
	dev *enrol.DevProvider // nil unless the dev payment provider is on
	cfg Config
	log *slog.Logger
}

// New builds the shop's handler; it serves /shop/... and, with the dev
// payment provider, /dev/pay/....
func New(svc *enrol.Service, dev *enrol.DevProvider, cfg Config, log *slog.Logger) http.Handler {
	if cfg.Name == "" {
		cfg.Name = "qes"
	}
	if log == nil {
		log = slog.Default()
	}
	h := &handler{svc: svc, dev: dev, cfg: cfg, log: log}
	e := echo.NewWithConfig(echo.Config{Logger: log, HTTPErrorHandler: h.errorHandler})
	e.Use(middleware.Recover())
	e.Use(webpage.Headers)
	e.Use(webpage.LimitForm)
	h.routes(e)
	return e
}

// Route is one route the shop serves.
type Route struct{ Method, Path string }

// APIRoutes are the shop's routes that are an API rather than pages for
// people: they are described in openapi.yaml.
func APIRoutes() []Route {
	return []Route{{http.MethodPost, "/shop/payments/callback"}}
}

func (h *handler) routes(e *echo.Echo) {
	e.GET("/shop", h.root)
	e.GET("/shop/", h.root)
	e.GET("/shop/register", h.registerPage)
	e.POST("/shop/register", h.register)
	e.GET("/shop/verify", h.verifyPage)
	e.POST("/shop/verify", h.verify)
	e.POST("/shop/verify/resend", h.verifyResend)
	e.GET("/shop/login", h.loginPage)
	e.POST("/shop/login", h.login)
	e.POST("/shop/logout", h.logout, h.auth)
	e.GET("/shop/forgot", h.forgotPage)
	e.POST("/shop/forgot", h.forgot)
	e.POST("/shop/forgot/reset", h.forgotReset)

	e.GET("/shop/checkout", h.checkoutPage, h.auth)
	e.POST("/shop/checkout", h.checkout, h.auth)
	e.GET("/shop/pay/:order", h.payPage, h.auth)
	e.POST("/shop/pay/:order", h.pay, h.auth)
	e.POST("/shop/payments/callback", h.callback)
	e.GET("/shop/orders", h.orders, h.auth)
	e.GET("/shop/orders/:order/details", h.detailsPage)
	e.POST("/shop/orders/:order/details", h.details)

	if h.dev != nil {
		e.GET("/dev/pay/:intent", h.devPayPage)
		e.POST("/dev/pay/:intent", h.devPay)
	}
}

// errorHandler renders what escaped a handler as a page, never a bare 500.
func (h *handler) errorHandler(c *echo.Context, err error) {
	if resp, uErr := echo.UnwrapResponse(c.Response()); uErr == nil && resp.Committed {
		return
	}
	lang := h.lang(c)
	if code := echo.StatusCode(err); code == http.StatusNotFound || code == http.StatusMethodNotAllowed {
		_ = h.message(c, code, lang, "shop.title.notfound", "", tr(lang, "shop.notfound"))
		return
	}
	h.log.ErrorContext(c.Request().Context(), "shop", "path", c.Request().URL.Path, "err", err)
	_ = h.message(c, http.StatusInternalServerError, lang, "shop.title.error", "", tr(lang, "kind.internal"))
}

func (h *handler) root(c *echo.Context) error {
	if h.customer(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/shop/orders")
	}
	return c.Redirect(http.StatusSeeOther, "/shop/register")
}
