// Package console is the registration officers' browser edge under
// /operator/: login with a password and an authenticator code, the queue
// of requested enrolments (identified, contract accepted), the review page (the chip's portrait, the
// document photos, the selfie video, the liveness challenge, the chip's
// check results and data, the binding results, a morphological feature
// checklist) and the decision, as server-rendered html/template pages in
// Italian and English, and the evidence files of an enrolment for a
// logged-in officer only.
//
// It is an edge like portal and shop, with the same rules: no script, a
// strict CSP (media from the site itself added for the video),
// HttpOnly SameSite=Strict cookies scoped to /operator, a CSRF token on
// every form, and a page, never a bare 500, for anything that goes wrong.
// The rules of a review are package officer's.
package console

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"github.com/qesproject/qes/internal/webpage"
	"github.com/qesproject/qes/officer"
)

// Evidence reads an evidence file by the hex SHA-256 of its plaintext
// (the evidence store implements it).
type Evidence interface {
	Open(ctx context.Context, sha256hex string) ([]byte, error)
}

// Config describes the console.
type Config struct {
	// Name is the service's name in page headers (default "qes").
	Name string
	// SecureCookies marks cookies Secure even on plain HTTP requests,
	// for a TLS proxy in front.
	SecureCookies bool
}

// CSP is the pages' policy: internal/webpage's, with media (the selfie
// video) from the site itself.
const CSP = webpage.CSP + "; media-src 'self'"

type handler struct {
	svc      *officer.Service
	evidence Evidence
	cfg      Config
	log      *slog.Logger
}

// New builds the console's handler; it serves /operator/....
func New(svc *officer.Service, ev Evidence, cfg Config, log *slog.Logger) http.Handler {
	if cfg.Name == "" {
		cfg.Name = "qes"
	}
	if log == nil {
		log = slog.Default()
	}
	h := &handler{svc: svc, evidence: ev, cfg: cfg, log: log}
	e := echo.NewWithConfig(echo.Config{Logger: log, HTTPErrorHandler: h.errorHandler})
	e.Use(middleware.Recover())
	e.Use(webpage.Headers)
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			c.Response().Header().Set("Content-Security-Policy", CSP)
			return next(c)
		}
	})
	e.Use(webpage.LimitForm)
	h.routes(e)
	return e
}

func (h *handler) routes(e *echo.Echo) {
	e.GET("/operator", h.root)
	e.GET("/operator/", h.root)
	e.GET("/operator/static/console.css", h.static)
	e.GET("/operator/login", h.loginPage)
	e.POST("/operator/login", h.login)
	e.POST("/operator/logout", h.logout, h.auth)
	e.GET("/operator/queue", h.queue, h.auth)
	e.GET("/operator/enrolments/:order", h.enrolment, h.auth)
	e.POST("/operator/enrolments/:order/decision", h.decision, h.auth)
	e.GET("/operator/enrolments/:order/face.png", h.media(officer.MediaFace), h.authMedia)
	e.GET("/operator/enrolments/:order/photo/front", h.media(officer.MediaFront), h.authMedia)
	e.GET("/operator/enrolments/:order/photo/back", h.media(officer.MediaBack), h.authMedia)
	e.GET("/operator/enrolments/:order/video", h.media(officer.MediaVideo), h.authMedia)
}

// errorHandler renders what escaped a handler as a page, never a bare 500.
func (h *handler) errorHandler(c *echo.Context, err error) {
	if resp, uErr := echo.UnwrapResponse(c.Response()); uErr == nil && resp.Committed {
		return
	}
	lang := h.lang(c)
	if code := echo.StatusCode(err); code == http.StatusNotFound || code == http.StatusMethodNotAllowed {
		_ = h.message(c, code, lang, "console.title.notfound", tr(lang, "console.notfound"))
		return
	}
	h.log.ErrorContext(c.Request().Context(), "console", "path", c.Request().URL.Path, "err", err)
	_ = h.message(c, http.StatusInternalServerError, lang, "console.title.error", tr(lang, "kind.internal"))
}

func (h *handler) root(c *echo.Context) error {
	if h.officer(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/operator/queue")
	}
	return c.Redirect(http.StatusSeeOther, "/operator/login")
}
