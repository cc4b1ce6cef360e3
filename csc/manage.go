package csc

import (
	"encoding/base64"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/lifecycle"
	"github.com/qesproject/qes/sam"
)

// ManageConfig bounds the certificate management API.
type ManageConfig struct {
	// MaxBody bounds JSON bodies (default 16 KiB).
	MaxBody int64
	// Tokens checks the holders' bearer tokens (authn.Service).
	Tokens Tokens
	// EmergencyPerUser and EmergencyPerIP rate-limit the public emergency
	// route (defaults: 12 at once then 1 per 5 minutes per user ID; 30 at
	// once then 1 per minute per client address).
	EmergencyPerUser Rate
	EmergencyPerIP   Rate
	// Now is the limiter's clock (default time.Now).
	Now func() time.Time
	// Verify is the trust of POST /api/v1/verify.
	Verify VerifyConfig
}

func (c *ManageConfig) defaults() {
	if c.MaxBody <= 0 {
		c.MaxBody = 16 << 10
	}
	if c.EmergencyPerUser.Burst <= 0 || c.EmergencyPerUser.Every <= 0 {
		c.EmergencyPerUser = Rate{Burst: 12, Every: 5 * time.Minute}
	}
	if c.EmergencyPerIP.Burst <= 0 || c.EmergencyPerIP.Every <= 0 {
		c.EmergencyPerIP = Rate{Burst: 30, Every: time.Minute}
	}
	if c.Verify.MaxBody <= 0 {
		c.Verify.MaxBody = DefaultVerifyMaxBody
	}
	if c.Verify.Now == nil {
		c.Verify.Now = time.Now
	}
}

// management serves /api/v1: a holder's certificate lifecycle (bearer
// token as in CSC, plus password and one-time code for every change) and
// the public emergency suspension. Errors have the CSC shape.
type management struct {
	api       *API
	lc        *lifecycle.Service
	cfg       ManageConfig
	userLimit *limiter
	ipLimit   *limiter
}

// NewManagement builds the /api/v1 handler.
func NewManagement(svc *sam.Service, lc *lifecycle.Service, cfg ManageConfig, log *slog.Logger) http.Handler {
	cfg.defaults()
	if log == nil {
		log = slog.Default()
	}
	m := &management{
		api: &API{svc: svc, cfg: Config{MaxBody: cfg.MaxBody, Tokens: cfg.Tokens}, log: log}, lc: lc, cfg: cfg,
		userLimit: newLimiter(cfg.EmergencyPerUser, cfg.Now), ipLimit: newLimiter(cfg.EmergencyPerIP, cfg.Now),
	}
	e := echo.NewWithConfig(echo.Config{Logger: log, HTTPErrorHandler: errorHandler(log)})
	e.Use(middleware.Recover())
	e.Use(accessLog(log))
	e.Use(noStore)
	g := e.Group("/api/v1")
	auth := m.api.bearer
	g.GET("/credentials/:credentialID", m.status, auth)
	g.POST("/credentials/:credentialID/challenge", m.challenge, auth)
	for _, a := range []lifecycle.Action{lifecycle.ActionSuspend, lifecycle.ActionReactivate, lifecycle.ActionRevoke, lifecycle.ActionRenew} {
		g.POST("/credentials/:credentialID/"+string(a), m.change(a), auth)
	}
	g.POST("/emergency/suspend", m.emergency)
	// Verification takes a holder's token: it reads megabytes and costs
	// signature checks per request, which a public route would offer to
	// anyone; the emergency route above is public only because a holder
	// who lost access must still be able to use it.
	g.POST("/verify", m.verify, auth)
	return e
}

type challengeRequest struct {
	Action string `json:"action" validate:"required,max=16"`
}

type changeRequest struct {
	Password string `json:"password" validate:"required,max=256"`
	OTP      string `json:"otp" validate:"required,max=16"`
	Reason   string `json:"reason" validate:"max=32"`
	Note     string `json:"note" validate:"max=1024"`
}

type emergencyRequest struct {
	UserID string `json:"userID" validate:"required,max=64"`
	ERC    string `json:"erc" validate:"required,max=32"`
}

type certificateStatus struct {
	CredentialID string          `json:"credentialID"`
	Key          managedKey      `json:"key"`
	Cert         managedCertInfo `json:"cert"`
}

type managedKey struct {
	Status string `json:"status"`
}

type managedCertInfo struct {
	Status         string   `json:"status"`
	SerialNumber   string   `json:"serialNumber"`
	Reason         string   `json:"reason,omitempty"`
	SuspendedAt    string   `json:"suspendedAt,omitempty"`
	SuspensionEnds string   `json:"suspensionEnds,omitempty"`
	RevokedAt      string   `json:"revokedAt,omitempty"`
	ValidFrom      string   `json:"validFrom"`
	ValidTo        string   `json:"validTo"`
	Certificates   []string `json:"certificates"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func renderStatus(st *lifecycle.CertificateStatus) certificateStatus {
	out := certificateStatus{CredentialID: st.CredentialID, Key: managedKey{Status: "enabled"}}
	if !st.KeyEnabled {
		out.Key.Status = "disabled"
	}
	ci := managedCertInfo{
		Status: certStatus(st.State), SerialNumber: strings.ToUpper(st.Serial.Text(16)),
		SuspensionEnds: rfc3339(st.SuspensionEnds),
		ValidFrom:      rfc3339(st.NotBefore), ValidTo: rfc3339(st.NotAfter), Certificates: []string{},
	}
	switch st.State {
	case sam.CertSuspended:
		ci.Reason = st.Reason.String()
		ci.SuspendedAt = rfc3339(st.SuspendedAt)
	case sam.CertRevoked:
		ci.Reason = st.Reason.String()
		ci.RevokedAt = rfc3339(st.RevokedAt)
	}
	for _, c := range st.Chain {
		ci.Certificates = append(ci.Certificates, base64.StdEncoding.EncodeToString(c.Raw))
	}
	out.Cert = ci
	return out
}

func credentialParam(c *echo.Context) (string, error) {
	id := c.Param("credentialID")
	if id == "" || len(id) > 128 {
		return "", errs.M(errs.InvalidRequest, msg.UnknownCredential)
	}
	return id, nil
}

func (m *management) status(c *echo.Context) error {
	id, err := credentialParam(c)
	if err != nil {
		return err
	}
	st, err := m.lc.Status(c.Request().Context(), principal(c).HolderID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, renderStatus(st))
}

func (m *management) challenge(c *echo.Context) error {
	id, err := credentialParam(c)
	if err != nil {
		return err
	}
	var req challengeRequest
	if err := bind(c.Request(), &req, m.cfg.MaxBody); err != nil {
		return err
	}
	action, err := lifecycle.ParseAction(req.Action)
	if err != nil {
		return err
	}
	if err := m.lc.SendChallenge(c.Request().Context(), principal(c), id, action); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (m *management) change(a lifecycle.Action) echo.HandlerFunc {
	return func(c *echo.Context) error {
		id, err := credentialParam(c)
		if err != nil {
			return err
		}
		var req changeRequest
		if err := bind(c.Request(), &req, m.cfg.MaxBody); err != nil {
			return err
		}
		st, err := m.lc.ByHolder(c.Request().Context(), lifecycle.HolderChange{
			Principal: principal(c), Action: a, CredentialID: id,
			Password: req.Password, OTP: req.OTP, Reason: req.Reason, Note: req.Note,
		})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, renderStatus(st))
	}
}

// emergency is public: the user ID and the emergency code are the only
// proof. Rate limits per client address and per user ID come before any
// work, so the route cannot be used to burn CPU on argon2id either.
func (m *management) emergency(c *echo.Context) error {
	ip := clientIP(c.Request())
	if !m.ipLimit.allow(ip) {
		return errs.M(errs.RateLimited, msg.EmergencyAddressThrottled)
	}
	var req emergencyRequest
	if err := bind(c.Request(), &req, m.cfg.MaxBody); err != nil {
		return err
	}
	if !m.userLimit.allow(req.UserID) {
		return errs.M(errs.RateLimited, msg.EmergencyUserThrottled)
	}
	st, err := m.lc.EmergencySuspend(c.Request().Context(), req.UserID, req.ERC, ip)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, renderStatus(st))
}

// clientIP is the TCP peer. X-Forwarded-For is not trusted: anyone can
// send it, and trusting it would let one client wear out another's limit
// or escape its own. Behind a reverse proxy every client shares the
// proxy's limit until the proxy's address is made configurable.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
