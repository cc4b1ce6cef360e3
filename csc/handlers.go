package csc

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/sam"
)

// exactError answers with a fixed status and problem where the spec pins
// both (e.g. a malformed Basic header at auth/login is 401 invalid_request).
type exactError struct {
	status int
	p      Problem
	// challenge replaces the Bearer WWW-Authenticate of a 401.
	challenge string
}

// basicChallenge is auth/login's 401 challenge: it takes HTTP Basic, not a
// bearer token.
const basicChallenge = `Basic realm="qes", charset="UTF-8"`

func (e *exactError) Error() string { return e.p.Error + ": " + e.p.ErrorDescription }

type infoRequest struct {
	Lang       string `json:"lang" validate:"max=35"`
	ClientData string `json:"clientData" validate:"max=2048"`
}

func (a *API) info(c *echo.Context) error {
	var req infoRequest
	if err := bind(c.Request(), &req, a.cfg.MaxBody); err != nil {
		return err
	}
	v := apiVersion(c)
	out := map[string]any{
		"specs":       "1.0.4.0",
		"name":        a.cfg.Name,
		"logo":        a.cfg.Logo,
		"region":      a.cfg.Region,
		"lang":        a.cfg.Lang,
		"description": a.cfg.Description,
		"authType":    []string{"basic"},
		"methods":     a.methods(1),
	}
	if v == 2 {
		out["authType"] = []string{"basic", "oauth2code"}
		out["oauth2"] = a.cfg.BaseURL + "/"
		out["specs"] = "2.0.0.2"
		out["methods"] = a.methods(2)
		out["signAlgorithms"] = map[string]any{"algos": sam.SignAlgorithmOIDs, "algoParams": []string{sam.OIDRSAPSS}}
		out["supportedHashTypes"] = sam.SupportedHashOIDs
		out["asynchronousOperationMode"] = false
		a.describeSigning(out)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) login(c *echo.Context) error {
	var req loginRequest
	if err := bind(c.Request(), &req, a.cfg.MaxBody); err != nil {
		return err
	}
	ctx := c.Request().Context()
	user, pass, present, err := basicCredentials(c.Request())
	if err != nil {
		return err
	}
	var tok *authn.AccessToken
	switch {
	case present:
		tok, err = a.cfg.Accounts.Login(ctx, user, pass, req.RememberMe, "", clientIP(c.Request()))
	case req.RefreshToken != nil:
		tok, err = a.cfg.Accounts.LoginWithRefresh(ctx, *req.RefreshToken)
	default:
		return &exactError{http.StatusUnauthorized, Problem{Error: "invalid_request", ErrorDescription: "Missing authentication: use HTTP Basic with user ID and password, or a refresh_token"}, basicChallenge}
	}
	if err != nil {
		setRetryAfter(c, err)
		return err
	}
	return c.JSON(http.StatusOK, loginResponse{AccessToken: tok.Token, RefreshToken: tok.RefreshToken, ExpiresIn: tok.ExpiresIn})
}

func (a *API) revoke(c *echo.Context) error {
	var req revokeRequest
	if err := bind(c.Request(), &req, a.cfg.MaxBody); err != nil {
		return err
	}
	if err := a.cfg.Tokens.Revoke(c.Request().Context(), principal(c), req.Token, req.TokenTypeHint); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *API) list(c *echo.Context) error {
	var req listRequest
	if err := bind(c.Request(), &req, a.cfg.MaxBody); err != nil {
		return err
	}
	p := principal(c)
	if req.UserID != nil && *req.UserID != "" && *req.UserID != p.HolderID {
		return errs.M(errs.InvalidRequest, msg.UserIDMustBeNull)
	}
	views, err := a.svc.List(c.Request().Context(), p.HolderID, req.OnlyValid)
	if err != nil {
		return err
	}
	start := 0
	if req.PageToken != "" {
		if start, err = strconv.Atoi(req.PageToken); err != nil || start < 0 || start > len(views) {
			return errs.M(errs.InvalidRequest, msg.InvalidParam, "pageToken")
		}
	}
	end := len(views)
	var next string
	if req.MaxResults != nil && start+*req.MaxResults < end {
		end = start + *req.MaxResults
		next = strconv.Itoa(end)
	}
	out := listResponse{CredentialIDs: []string{}, NextPageToken: next}
	v := apiVersion(c)
	for _, view := range views[start:end] {
		out.CredentialIDs = append(out.CredentialIDs, view.ID)
		if req.CredentialInfo {
			ci := describe(view, v, req.Certificates, req.CertInfo, req.AuthInfo)
			ci.CredentialID = view.ID
			out.CredentialInfos = append(out.CredentialInfos, ci)
		}
	}
	if req.OnlyValid {
		t := true
		out.OnlyValid = &t
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) credentialInfo(c *echo.Context) error {
	var req infoCredentialRequest
	if err := bind(c.Request(), &req, a.cfg.MaxBody); err != nil {
		return err
	}
	view, err := a.svc.Info(c.Request().Context(), principal(c).HolderID, req.CredentialID)
	if err != nil {
		return err
	}
	v := apiVersion(c)
	// v1 returns authMode and the PIN/OTP objects unconditionally; v2 makes
	// auth required too, so both always describe the factors.
	return c.JSON(http.StatusOK, describe(view, v, req.Certificates, req.CertInfo, true))
}

// describe renders a credential for the given API version.
func describe(view *sam.View, v int, certs string, withCertInfo, withAuth bool) *credentialInfo {
	keyStatus := "enabled"
	if !view.KeyEnabled {
		keyStatus = "disabled"
	}
	ci := &credentialInfo{
		Description: view.Description,
		Key:         keyInfo{Status: keyStatus, Algo: view.KeyAlgos, Len: view.KeyLen, Curve: view.Curve},
		SCAL:        "2",
		Multisign:   view.Multisign,
		Lang:        "en-US",
	}
	cert := &certInfo{Status: certStatus(view.CertState)}
	switch certs {
	case "none":
	case "chain":
		for _, c := range view.Chain {
			cert.Certificates = append(cert.Certificates, base64.StdEncoding.EncodeToString(c.Raw))
		}
	default: // "single"
		cert.Certificates = []string{base64.StdEncoding.EncodeToString(view.Chain[0].Raw)}
	}
	if withCertInfo {
		leaf := view.Chain[0]
		cert.IssuerDN = leaf.Issuer.String()
		cert.SubjectDN = leaf.Subject.String()
		cert.SerialNumber = strings.ToUpper(leaf.SerialNumber.Text(16))
		cert.ValidFrom = generalizedTime(leaf, true)
		cert.ValidTo = generalizedTime(leaf, false)
	}
	ci.Cert = cert
	if !withAuth {
		return ci
	}
	pinDesc := "The signature PIN (" + sam.PINPolicy + ")"
	otpDesc := "The 6-digit code sent by SMS (request it with credentials/sendOTP or getChallenge) or shown by your authenticator app"
	if v == 1 {
		ci.AuthMode = "explicit"
		ci.PIN = &pinInfo{Presence: "true", Format: "N", Label: "PIN", Description: pinDesc}
		ci.OTP = &otpInfo{Presence: "true", Type: "online", Format: "N", Label: "OTP", Description: otpDesc, ID: "OTP", Provider: "qes"}
		return ci
	}
	ci.Auth = &authInfo{Mode: "explicit", Expression: "PIN AND OTP", Objects: []authObject{
		{Type: "Password", ID: "PIN", Format: "N", Label: "PIN", Description: pinDesc},
		{Type: "Password", ID: "OTP", Format: "N", Label: "OTP", Description: otpDesc},
	}}
	return ci
}

func certStatus(s sam.CertState) string {
	if s == sam.CertNotYetValid {
		return "valid" // CSC has no word for it; key.status and authorize refuse it
	}
	return string(s)
}

func generalizedTime(c *x509.Certificate, from bool) string {
	t := c.NotAfter
	if from {
		t = c.NotBefore
	}
	return t.UTC().Format("20060102150405Z")
}

func (a *API) authorize(c *echo.Context) error {
	var req authorizeRequest
	if err := bind(c.Request(), &req, a.cfg.MaxBody); err != nil {
		return err
	}
	pin, otp := req.PIN, req.OTP
	for _, ad := range req.AuthData {
		switch ad.ID {
		case "PIN":
			pin = ad.Value
		case "OTP":
			otp = ad.Value
		default:
			return errs.M(errs.InvalidRequest, msg.UnknownAuthObject, ad.ID)
		}
	}
	p := principal(c)
	g, err := a.svc.Authorize(c.Request().Context(), sam.Authorization{
		HolderID: p.HolderID, CredentialID: req.CredentialID, NumSignatures: *req.NumSignatures,
		Hashes: firstNonEmpty(req.Hashes, req.Hash), HashAlgorithm: firstString(req.HashAlgorithmOID, req.HashAlgo),
		PIN: pin, OTP: otp, ClientID: p.ClientID, Description: req.Description,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sadResponse{SAD: g.SAD, ExpiresIn: g.ExpiresIn})
}

func (a *API) authorizeCheck(c *echo.Context) error {
	var req authorizeCheckRequest
	if err := bind(c.Request(), &req, a.cfg.MaxBody); err != nil {
		return err
	}
	// credentials/authorize never answers 202 here, so no handle exists.
	return errs.M(errs.InvalidRequest, msg.InvalidParam, "handle")
}

func (a *API) extend(c *echo.Context) error {
	var req extendRequest
	if err := bind(c.Request(), &req, a.cfg.MaxBody); err != nil {
		return err
	}
	p := principal(c)
	g, err := a.svc.ExtendTransaction(c.Request().Context(), sam.Extension{
		HolderID: p.HolderID, CredentialID: req.CredentialID, SAD: req.SAD,
		Hashes: firstNonEmpty(req.Hashes, req.Hash), HashAlgorithm: firstString(req.HashAlgorithmOID, req.HashAlgo), ClientID: p.ClientID,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sadResponse{SAD: g.SAD, ExpiresIn: g.ExpiresIn})
}

func (a *API) sendOTP(c *echo.Context) error {
	var req sendOTPRequest
	if err := bind(c.Request(), &req, a.cfg.MaxBody); err != nil {
		return err
	}
	if req.AuthObjectID != "" && req.AuthObjectID != "OTP" {
		return errs.M(errs.InvalidRequest, msg.InvalidParam, "authObjectID")
	}
	p := principal(c)
	if err := a.svc.SendOTP(c.Request().Context(), p.HolderID, req.CredentialID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *API) signHash(c *echo.Context) error {
	var req signHashRequest
	if err := bind(c.Request(), &req, a.cfg.MaxBody); err != nil {
		return err
	}
	if req.OperationMode == "A" {
		return errs.M(errs.InvalidRequest, msg.AsyncNotSupported)
	}
	hashes := firstNonEmpty(req.Hashes, req.Hash)
	if req.Hashes == nil && req.Hash == nil {
		return errs.M(errs.InvalidRequest, msg.MissingParam, "array", "hash")
	}
	sigs, err := a.svc.SignHash(c.Request().Context(), sam.SignRequest{
		Principal: principal(c), CredentialID: req.CredentialID, SAD: req.SAD, Hashes: hashes,
		HashAlgorithm: firstString(req.HashAlgorithmOID, req.HashAlgo), SignAlgo: req.SignAlgo, SignAlgoParams: req.SignAlgoParams,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, signHashResponse{Signatures: sigs})
}

// setRetryAfter puts the throttle's wait (account.ThrottledError) in a
// Retry-After header (RFC 9110 10.2.3), whole seconds rounded up.
func setRetryAfter(c *echo.Context, err error) {
	var t interface{ RetryAfter() time.Duration }
	if errors.As(err, &t) {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int((t.RetryAfter()+time.Second-1)/time.Second)))
	}
}
