// Package csc is the Cloud Signature Consortium API edge of qes (v1.0.4 and
// v2): it decodes and validates requests, calls one domain method, and
// encodes the answer or the error in the spec's shape. Rules live in the
// domain packages.
package csc

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/oauth"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/signdoc"
)

// Config describes the service in info and bounds requests.
type Config struct {
	Name        string
	Logo        string
	Region      string
	Lang        string
	Description string
	// BaseURL is the public URL of the service (for oauth2 in info).
	BaseURL string
	// MaxBody bounds JSON bodies of ordinary methods (default 1 MiB).
	MaxBody int64
	// MaxDocBody bounds signDoc bodies carrying documents (default 64 MiB).
	MaxDocBody int64
	// Timestamps serves signatures/timestamp (tsa.TSA); nil leaves the
	// method unimplemented.
	Timestamps Timestamper
	// Documents serves signatures/signDoc; nil leaves it unimplemented.
	Documents *signdoc.Signer
	// SignDoc bounds signDoc's memory and rate (defaults: SignDocLimits).
	SignDoc SignDocLimits
	// Tokens checks and revokes bearer tokens (authn.Service).
	Tokens Tokens
	// Accounts serves auth/login (account.Service).
	Accounts Accounts
	// OAuth is the authorization server behind /oauth2/.
	OAuth *oauth.Server
}

// Tokens is bearer authentication as the CSC edge uses it.
type Tokens interface {
	Authenticate(ctx context.Context, raw string) (*authn.Principal, error)
	Revoke(ctx context.Context, caller *authn.Principal, token, hint string) error
}

// Accounts is CSC auth/login as the edge uses it: password (with the
// account lockout) or refresh token in, service access token out.
type Accounts interface {
	Login(ctx context.Context, userID, password string, rememberMe bool, clientID, clientIP string) (*authn.AccessToken, error)
	LoginWithRefresh(ctx context.Context, refreshToken string) (*authn.AccessToken, error)
}

// API serves /csc/v1 and /csc/v2.
type API struct {
	svc   *sam.Service
	oauth *oauth.Server
	cfg   Config
	log   *slog.Logger
	docs  *docGuard
}

// New builds the CSC API handler.
func New(svc *sam.Service, cfg Config, log *slog.Logger) http.Handler {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.MaxDocBody <= 0 {
		cfg.MaxDocBody = 64 << 20
	}
	if cfg.Name == "" {
		cfg.Name = "qes"
	}
	if log == nil {
		log = slog.Default()
	}
	a := &API{svc: svc, oauth: cfg.OAuth, cfg: cfg, log: log, docs: newDocGuard(cfg.SignDoc)}
	e := echo.NewWithConfig(echo.Config{Logger: log, HTTPErrorHandler: errorHandler(log)})
	e.Use(middleware.Recover())
	e.Use(accessLog(log))
	e.Use(noStore)
	for _, v := range []int{1, 2} {
		a.routes(e, v)
	}
	a.oauthRoutes(e)
	return e
}

const versionKey = "csc.version"

func apiVersion(c *echo.Context) int {
	if v, ok := c.Get(versionKey).(int); ok {
		return v
	}
	if strings.HasPrefix(c.Request().URL.Path, "/csc/v1/") {
		return 1
	}
	return 2
}

func (a *API) routes(e *echo.Echo, v int) {
	prefix := "/csc/v1"
	if v == 2 {
		prefix = "/csc/v2"
	}
	g := e.Group(prefix, func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error { c.Set(versionKey, v); return next(c) }
	})
	auth := a.bearer
	// A credential-scope OAuth token may read its credential and sign the
	// hashes it carries; everything else needs a service authorization.
	svc := []echo.MiddlewareFunc{a.bearer, serviceScope}
	g.POST("/info", a.info)
	g.POST("/auth/login", a.login)
	g.POST("/auth/revoke", a.revoke, auth)
	g.POST("/credentials/list", a.list, svc...)
	g.POST("/credentials/info", a.credentialInfo, auth)
	g.POST("/credentials/authorize", a.authorize, svc...)
	g.POST("/credentials/extendTransaction", a.extend, svc...)
	g.POST("/credentials/sendOTP", a.sendOTP, svc...)
	g.POST("/signatures/signHash", a.signHash, auth)
	g.POST("/signatures/timestamp", a.timestamp, svc...)
	if v == 2 {
		g.POST("/signatures/signDoc", a.signDoc, auth)
		g.POST("/credentials/getChallenge", a.sendOTP, svc...)
		g.POST("/credentials/authorizeCheck", a.authorizeCheck, svc...)
	}
	// Any other method under the prefix is a CSC method qes does not
	// implement: the spec answers 501. A method this version serves called
	// with GET (or anything but POST) is a client mistake, not a missing
	// method. Only this version's methods count: a v2-only method under
	// /csc/v1 is missing there, whatever the HTTP method.
	known := map[string]bool{"/info": true}
	methods := methodsV1
	if v == 2 {
		methods = methodsV2
	}
	for _, m := range slices.Concat(methods, optionalMethods[v]) {
		known["/"+m] = true
	}
	g.RouteNotFound("/*", func(c *echo.Context) error {
		if c.Request().Method != http.MethodPost && known[strings.TrimPrefix(c.Request().URL.Path, prefix)] {
			return echo.ErrMethodNotAllowed
		}
		return notImplemented
	})
}

// methodsV1 and methodsV2 are what info advertises; keep them in step with routes.
var (
	methodsV1 = []string{"auth/login", "auth/revoke", "credentials/list", "credentials/info", "credentials/authorize",
		"credentials/extendTransaction", "credentials/sendOTP", "signatures/signHash"}
	methodsV2 = []string{"auth/login", "auth/revoke", "credentials/list", "credentials/info", "credentials/authorize",
		"credentials/authorizeCheck", "credentials/getChallenge", "credentials/extendTransaction", "credentials/sendOTP",
		"signatures/signHash"}
)

func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

// accessLog records method, path, status and latency; never headers or
// bodies, which carry tokens, PINs and OTPs.
func accessLog(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			start := time.Now()
			err := next(c)
			status := http.StatusOK
			if resp, uErr := echo.UnwrapResponse(c.Response()); uErr == nil {
				status = resp.Status
			}
			if err != nil {
				status, _ = problemFor(err, apiVersion(c))
			}
			log.DebugContext(c.Request().Context(), "csc", "method", c.Request().Method, "path", c.Request().URL.Path,
				"status", status, "ms", float64(time.Since(start).Microseconds())/1000)
			return err
		}
	}
}
