package csc

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

const principalKey = "csc.principal"

var notImplemented = errs.M(errs.NotImplemented, msg.NotImplemented)

func principal(c *echo.Context) *authn.Principal {
	p, _ := c.Get(principalKey).(*authn.Principal)
	return p
}

// bearer admits requests with a valid, unrevoked access token.
func (a *API) bearer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		h := c.Request().Header.Get("Authorization")
		if h == "" {
			return errs.M(errs.InvalidToken, msg.MissingAccessToken)
		}
		scheme, tok, ok := strings.Cut(h, " ")
		tok = strings.TrimSpace(tok)
		if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || strings.ContainsAny(tok, " \t") {
			return errs.M(errs.InvalidRequest, msg.MalformedAuthorization)
		}
		p, err := a.cfg.Tokens.Authenticate(c.Request().Context(), tok)
		if err != nil {
			return err
		}
		c.Set(principalKey, p)
		return next(c)
	}
}

// basicCredentials parses an HTTP Basic header (RFC 7617). The spec's
// auth/login error table makes a malformed header 401 and a decoded value
// that is not user:password 400.
func basicCredentials(r *http.Request) (user, pass string, present bool, err error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", "", false, nil
	}
	malformed := &exactError{http.StatusUnauthorized, Problem{Error: "invalid_request", ErrorDescription: "Malformed authentication parameter"}, basicChallenge}
	scheme, enc, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", "", true, malformed
	}
	raw, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if derr != nil {
		return "", "", true, malformed
	}
	user, pass, ok = strings.Cut(string(raw), ":")
	if !ok || user == "" {
		return "", "", true, errs.M(errs.InvalidRequest, msg.MalformedUserPassword)
	}
	return user, pass, true, nil
}
