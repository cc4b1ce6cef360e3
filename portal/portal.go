// Package portal is the holders' web portal: My Sign (certificate, OTP
// settings, signing report, PIN, renew/suspend/revoke/reactivate, ecological
// footprint) and My Account (password, recovery contacts, two-factor
// login), with "Forgot your password?" and "Forgot your user ID?" on the
// login page (recovery.go), as server-rendered html/template pages in
// Italian and English.
//
// It is an edge like csc: handlers read the form, call one method of
// sam.Portal (or the certificate lifecycle) and render the result.
// Sessions are server-side (Sessions), the cookie is HttpOnly,
// SameSite=Strict and Secure behind TLS, every form carries the session's
// CSRF token, and the pages load nothing but one stylesheet (no script).
package portal

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/history"
	"github.com/qesproject/qes/internal/webpage"
	"github.com/qesproject/qes/lifecycle"
	"github.com/qesproject/qes/sam"
)

// Config describes the portal.
type Config struct {
	// Name is the service's name in page headers (default "qes").
	Name string
	// SecureCookies marks cookies Secure (and names the session cookie
	// __Host-) even on plain HTTP requests, for a TLS proxy in front.
	// Requests that arrive over TLS always get Secure cookies.
	SecureCookies bool
	// Activation serves the first access and the activation pages; nil
	// leaves them out.
	Activation Activation
}

// History is the signing history the report pages show (history.Service).
type History interface {
	Report(ctx context.Context, holderID string, f history.ReportFilter) (*history.Report, error)
	SetDailyReport(ctx context.Context, holderID string, on bool) error
	Footprint(ctx context.Context, holderID string) (history.Footprint, error)
}

type handler struct {
	p    *account.Service
	sam  *sam.Service
	sess *Sessions
	lc   *lifecycle.Service
	hs   History
	act  Activation
	cfg  Config
	log  *slog.Logger
}

// New builds the portal's handler over the holder accounts, the signature
// activation module, the certificate lifecycle and the signing history; it
// serves paths under /portal/.
func New(p *account.Service, core *sam.Service, sess *Sessions, lc *lifecycle.Service, hs History, cfg Config, log *slog.Logger) http.Handler {
	if cfg.Name == "" {
		cfg.Name = "qes"
	}
	if log == nil {
		log = slog.Default()
	}
	h := &handler{p: p, sam: core, sess: sess, lc: lc, hs: hs, act: cfg.Activation, cfg: cfg, log: log}
	e := echo.NewWithConfig(echo.Config{Logger: log, HTTPErrorHandler: h.errorHandler})
	e.Use(middleware.Recover())
	e.Use(webpage.Headers)
	e.Use(webpage.LimitForm)
	h.routes(e)
	return e
}

func (h *handler) routes(e *echo.Echo) {
	any := []SessionStage{StageSecondFactor, StagePasswordExpired, StageActive}
	active := []SessionStage{StageActive}
	expiredOK := []SessionStage{StagePasswordExpired, StageActive}

	e.GET("/portal/static/portal.css", h.static)
	e.GET("/portal", h.root)
	e.GET("/portal/", h.root)
	e.GET("/portal/login", h.loginPage)
	e.POST("/portal/login", h.login)
	e.GET("/portal/login/totp", h.totpPage, h.auth(StageSecondFactor))
	e.POST("/portal/login/totp", h.totp, h.auth(StageSecondFactor))
	e.POST("/portal/logout", h.logout, h.auth(any...))
	e.POST("/portal/lang", h.setLang, h.auth(any...))
	e.GET("/portal/recover/password", h.recoverPasswordPage)
	e.POST("/portal/recover/password/send", h.recoverPasswordSend)
	e.POST("/portal/recover/password", h.recoverPassword)
	e.GET("/portal/recover/userid", h.recoverUserIDPage)
	e.POST("/portal/recover/userid", h.recoverUserID)

	if h.act != nil {
		e.GET("/portal/first-access", h.firstAccessPage)
		e.POST("/portal/first-access", h.firstAccessStart)
		e.POST("/portal/first-access/confirm", h.firstAccessConfirm)
		e.GET("/portal/activate", h.activatePage, h.auth(active...))
		e.GET("/portal/activate/contract.pdf", h.activateContract, h.auth(active...))
		e.POST("/portal/activate/send", h.activateSend, h.auth(active...))
		e.POST("/portal/activate", h.activate, h.auth(active...))
	}

	e.GET("/portal/sign", h.home, h.auth(active...))
	e.GET("/portal/sign/certificate", h.certificate, h.auth(active...))
	e.GET("/portal/sign/certificate.pem", h.certificatePEM, h.auth(active...))
	e.GET("/portal/sign/email", h.emailPage, h.auth(active...))
	e.POST("/portal/sign/email/start", h.emailStart, h.auth(active...))
	e.POST("/portal/sign/email/confirm", h.emailConfirm, h.auth(active...))

	e.GET("/portal/sign/otp", h.otpPage, h.auth(active...))
	e.POST("/portal/sign/otp/mode", h.otpMode, h.auth(active...))
	e.POST("/portal/sign/otp/app/start", h.appStart, h.auth(active...))
	e.POST("/portal/sign/otp/app/confirm", h.appConfirm, h.auth(active...))
	e.POST("/portal/sign/otp/app/remove", h.appRemove, h.auth(active...))
	e.POST("/portal/sign/otp/test/send", h.testSend, h.auth(active...))
	e.POST("/portal/sign/otp/test/check", h.testCheck, h.auth(active...))
	e.POST("/portal/sign/otp/phone/start", h.phoneStart, h.auth(active...))
	e.POST("/portal/sign/otp/phone/authorize", h.phoneAuthorize, h.auth(active...))
	e.POST("/portal/sign/otp/phone/confirm", h.phoneConfirm, h.auth(active...))

	e.GET("/portal/sign/report", h.report, h.auth(active...))
	e.POST("/portal/sign/report/daily", h.daily, h.auth(active...))
	e.GET("/portal/sign/footprint", h.footprint, h.auth(active...))

	e.GET("/portal/sign/lifecycle", h.lifecyclePage, h.auth(active...))
	e.POST("/portal/sign/lifecycle/send", h.lifecycleSend, h.auth(active...))
	e.POST("/portal/sign/lifecycle", h.lifecycleApply, h.auth(active...))

	e.GET("/portal/sign/pin", h.pinPage, h.auth(active...))
	e.POST("/portal/sign/pin/send", h.pinSend, h.auth(active...))
	e.POST("/portal/sign/pin", h.pinChange, h.auth(active...))

	e.GET("/portal/account", h.account, h.auth(active...))
	e.GET("/portal/account/password", h.passwordPage, h.auth(expiredOK...))
	e.POST("/portal/account/password/send", h.passwordSend, h.auth(expiredOK...))
	e.POST("/portal/account/password", h.passwordChange, h.auth(expiredOK...))
	e.GET("/portal/account/recovery-email", h.recoveryEmailPage, h.auth(active...))
	e.POST("/portal/account/recovery-email/start", h.recoveryEmailStart, h.auth(active...))
	e.POST("/portal/account/recovery-email/confirm", h.recoveryEmailConfirm, h.auth(active...))
	e.GET("/portal/account/recovery-phone", h.recoveryPhonePage, h.auth(active...))
	e.POST("/portal/account/recovery-phone/start", h.recoveryPhoneStart, h.auth(active...))
	e.POST("/portal/account/recovery-phone/confirm", h.recoveryPhoneConfirm, h.auth(active...))
	e.GET("/portal/account/two-factor", h.twoFactorPage, h.auth(active...))
	e.POST("/portal/account/two-factor/start", h.twoFactorStart, h.auth(active...))
	e.POST("/portal/account/two-factor/confirm", h.twoFactorConfirm, h.auth(active...))
	e.POST("/portal/account/two-factor/disable", h.twoFactorDisable, h.auth(active...))
}

func (h *handler) root(c *echo.Context) error {
	return c.Redirect(http.StatusSeeOther, "/portal/sign")
}

// errorHandler renders what escaped a handler as a page, never a bare 500.
func (h *handler) errorHandler(c *echo.Context, err error) {
	if resp, uErr := echo.UnwrapResponse(c.Response()); uErr == nil && resp.Committed {
		return
	}
	lang := h.anonLang(c)
	if code := echo.StatusCode(err); code == http.StatusNotFound || code == http.StatusMethodNotAllowed {
		_ = h.message(c, code, lang, "title.notfound", "", tr(lang, "msg.notfound"), "/portal/sign", "common.home")
		return
	}
	h.log.ErrorContext(c.Request().Context(), "portal", "path", c.Request().URL.Path, "err", err)
	_ = h.message(c, http.StatusInternalServerError, lang, "title.error", "", tr(lang, "kind.internal"), "/portal/sign", "common.home")
}
