package csc

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/internal/errs"
)

// Problem is the CSC error body (spec 10.2).
type Problem struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

type mapped struct {
	status int
	code   string
	// fallback description when the domain gave none
	desc string
}

// kindMap is the one place a domain Kind becomes a CSC status and code.
// PIN/OTP errors are spelled per API version (see problemFor).
var kindMap = map[errs.Kind]mapped{
	errs.InvalidRequest:       {http.StatusBadRequest, "invalid_request", "The request is invalid"},
	errs.NotFound:             {http.StatusBadRequest, "invalid_request", "Invalid parameter"},
	errs.Conflict:             {http.StatusBadRequest, "invalid_request", "The request conflicts with the current state"},
	errs.CredentialUnusable:   {http.StatusBadRequest, "invalid_request", "The credential cannot be used"},
	errs.Locked:               {http.StatusBadRequest, "invalid_request", "Credential locked"},
	errs.InvalidSAD:           {http.StatusBadRequest, "invalid_request", "Invalid parameter SAD"},
	errs.ExpiredSAD:           {http.StatusBadRequest, "invalid_request", "SAD expired"},
	errs.HashNotAuthorized:    {http.StatusBadRequest, "invalid_request", "Hash is not authorized by the SAD"},
	errs.AuthenticationFailed: {http.StatusBadRequest, "authentication_error", "An error occurred during authentication process"},
	errs.InvalidToken:         {http.StatusUnauthorized, "invalid_token", "The access token is not valid"},
	errs.ExpiredToken:         {http.StatusUnauthorized, "expired_token", "The access token has expired"},
	errs.AccessDenied:         {http.StatusForbidden, "access_denied", "Access denied"},
	errs.InvalidGrant:         {http.StatusBadRequest, "invalid_grant", "The authorization grant is invalid"},
	errs.InvalidClient:        {http.StatusUnauthorized, "invalid_client", "Client authentication failed"},
	errs.RateLimited:          {http.StatusTooManyRequests, "temporarily_unavailable", "Too many requests; try again later"},
	errs.NotImplemented:       {http.StatusNotImplemented, "invalid_request", "The method is not implemented"},
	errs.Unavailable:          {http.StatusServiceUnavailable, "temporarily_unavailable", "The service is temporarily unavailable"},
	errs.Gone:                 {http.StatusBadRequest, "invalid_request", "The object has expired"},
	errs.Internal:             {http.StatusInternalServerError, "server_error", "Internal error"},
}

// problemFor maps err for API version v (1 or 2).
func problemFor(err error, v int) (int, Problem) {
	kind := errs.KindOf(err)
	detail := errs.DetailOf(err)
	switch kind {
	case errs.InvalidPIN, errs.InvalidOTP:
		code := "invalid_authentication_data" // v2
		if v == 1 {
			code = map[errs.Kind]string{errs.InvalidPIN: "invalid_pin", errs.InvalidOTP: "invalid_otp"}[kind]
		}
		if detail == "" {
			detail = "The authentication data is invalid"
		}
		return http.StatusBadRequest, Problem{Error: code, ErrorDescription: detail}
	}
	m, ok := kindMap[kind]
	if !ok {
		m = kindMap[errs.Internal]
	}
	if detail == "" || kind == errs.Internal {
		detail = m.desc
	}
	return m.status, Problem{Error: m.code, ErrorDescription: detail}
}

// errorHandler renders every error leaving a CSC handler - domain errors,
// router errors (404/405), recovered panics - as a CSC problem.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(c *echo.Context, err error) {
		if resp, uErr := echo.UnwrapResponse(c.Response()); uErr == nil && resp.Committed {
			return
		}
		v := apiVersion(c)
		var status int
		var p Problem
		var sc echo.HTTPStatusCoder
		var exact *exactError
		switch {
		case errors.As(err, &exact):
			status, p = exact.status, exact.p
		case errors.As(err, &sc) && !isDomain(err) && sc.StatusCode() != 0:
			status = sc.StatusCode()
			p = Problem{Error: "invalid_request", ErrorDescription: http.StatusText(status)}
			switch status {
			case http.StatusNotFound:
				p.ErrorDescription = "No such resource"
			case http.StatusMethodNotAllowed:
				p.ErrorDescription = "Method not allowed: CSC methods are called with POST"
				// RFC 9110 15.5.6: a 405 must list the allowed methods.
				c.Response().Header().Set("Allow", http.MethodPost)
			case http.StatusRequestEntityTooLarge:
				p.ErrorDescription = "The request body is too large"
			case http.StatusInternalServerError:
				p.Error = "server_error"
			}
		default:
			status, p = problemFor(err, v)
		}
		// 501 is a client calling a method qes does not offer: logging it as
		// a server error would let anyone flood the error log.
		if status >= 500 && status != http.StatusNotImplemented {
			log.ErrorContext(c.Request().Context(), "request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "status", status, "err", err)
		}
		if status == http.StatusUnauthorized {
			challenge := `Bearer realm="qes"`
			if exact != nil && exact.challenge != "" {
				challenge = exact.challenge
			}
			c.Response().Header().Set("WWW-Authenticate", challenge)
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		_ = c.JSON(status, p)
	}
}

func isDomain(err error) bool {
	var e *errs.Error
	return errors.As(err, &e)
}
