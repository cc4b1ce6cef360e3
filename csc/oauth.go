package csc

import (
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/webpage"
	"github.com/qesproject/qes/oauth"
)

//go:embed templates/oauth.html
var oauthFS embed.FS

var oauthPage = template.Must(template.ParseFS(oauthFS, "templates/oauth.html"))

type oauthTexts struct {
	Title, Asks, Signatures, User, Password, Continue, OTP, Sign, Cancel string
}

// oauthI18n holds the pages' texts from the one catalogue, per language.
var oauthI18n = map[string]oauthTexts{msg.English: oauthTextsIn(msg.English), msg.Italian: oauthTextsIn(msg.Italian)}

func oauthTextsIn(lang string) oauthTexts {
	t := func(id msg.ID) string { return msg.Text(lang, id) }
	return oauthTexts{Title: t("oauth.title"), Asks: t("oauth.asks"), Signatures: t("oauth.signatures"), User: t("oauth.user"),
		Password: t("oauth.password"), Continue: t("oauth.continue"), OTP: t("oauth.otp"), Sign: t("oauth.sign"), Cancel: t("oauth.cancel")}
}

const txnCookie = "qes_oauth_txn"

// oauthCSP is every page's policy (internal/webpage): the OAuth pages use
// the portal's stylesheet and no inline style or script.
const oauthCSP = webpage.CSP

func (a *API) oauthRoutes(e *echo.Echo) {
	e.GET("/oauth2/authorize", a.oauthAuthorize)
	e.POST("/oauth2/authorize", a.oauthAuthorizeStep)
	e.POST("/oauth2/pushed_authorize", a.oauthPAR)
	e.POST("/oauth2/token", a.oauthToken)
	e.POST("/oauth2/revoke", a.oauthRevoke)
	e.GET("/.well-known/oauth-authorization-server", a.oauthMetadata)
}

func (a *API) oauthMetadata(c *echo.Context) error {
	base := a.cfg.BaseURL
	return c.JSON(http.StatusOK, map[string]any{
		"issuer":                                base,
		"authorization_endpoint":                base + "/oauth2/authorize",
		"token_endpoint":                        base + "/oauth2/token",
		"revocation_endpoint":                   base + "/oauth2/revoke",
		"pushed_authorization_request_endpoint": base + "/oauth2/pushed_authorize",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "none"},
		"scopes_supported":                      []string{authn.ScopeService, authn.ScopeCredential},
		"authorization_details_types_supported": []string{"credential"},
		// RFC 9207: every authorization response names its issuer, so a
		// client talking to several servers detects a mix-up.
		"authorization_response_iss_parameter_supported": true,
	})
}

func authzRequestFrom(get func(string) string) oauth.AuthzRequest {
	return oauth.AuthzRequest{
		ResponseType: get("response_type"), ClientID: get("client_id"), RedirectURI: get("redirect_uri"), Scope: get("scope"),
		CodeChallenge: get("code_challenge"), CodeChallengeMethod: get("code_challenge_method"), State: get("state"), Lang: get("lang"),
		CredentialID: get("credentialID"), SignatureQualifier: get("signatureQualifier"), NumSignatures: get("numSignatures"),
		Hashes: get("hashes"), HashAlgorithmOID: get("hashAlgorithmOID"), AuthorizationDetails: get("authorization_details"),
		Description: get("description"), ClientData: get("clientData"), RequestURI: get("request_uri"),
	}
}

func lang(l string) string {
	if strings.HasPrefix(strings.ToLower(l), "it") {
		return "it"
	}
	return "en"
}

type pageData struct {
	Lang  string
	T     oauthTexts
	Txn   *oauth.OAuthTxn
	Step  string
	Error string
}

func (a *API) render(c *echo.Context, status int, txn *oauth.OAuthTxn, step, msg string) error {
	if txn == nil {
		txn = &oauth.OAuthTxn{}
	}
	l := lang(txn.Lang)
	c.Response().Header().Set("Content-Type", "text/html; charset=utf-8")
	c.Response().Header().Set("Content-Security-Policy", oauthCSP)
	c.Response().WriteHeader(status)
	return oauthPage.ExecuteTemplate(c.Response(), "page", pageData{Lang: l, T: oauthI18n[l], Txn: txn, Step: step, Error: msg})
}

// oauthFailure sends an authorization error where RFC 6749 says: back to the
// client when its redirect URI is trusted, otherwise to the user.
func (a *API) oauthFailure(c *echo.Context, txn *oauth.OAuthTxn, err error) error {
	if oe, ok := errs.OAuthOf(err); ok {
		if oe.Redirect && txn != nil && txn.RedirectURI != "" {
			return a.authzResponse(c, oauth.ErrorRedirect(txn.RedirectURI, txn.State, oe.OAuth, oe.Detail))
		}
		return a.render(c, http.StatusBadRequest, nil, "", oe.Detail)
	}
	status, p := problemFor(err, 2)
	return a.render(c, status, txn, "", p.ErrorDescription)
}

func (a *API) oauthAuthorize(c *echo.Context) error {
	q := c.Request().URL.Query()
	r := authzRequestFrom(q.Get)
	txn, err := a.oauth.StartAuthorization(c.Request().Context(), r)
	if err != nil {
		if oe, ok := errs.OAuthOf(err); ok && oe.Redirect {
			// The client and redirect URI were valid: tell the client.
			return a.authzResponse(c, oauth.ErrorRedirect(r.RedirectURI, r.State, oe.OAuth, oe.Detail))
		}
		return a.oauthFailure(c, nil, err)
	}
	c.SetCookie(&http.Cookie{Name: txnCookie, Value: txn.ID, Path: "/oauth2/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.IsTLS(), MaxAge: 600})
	return a.render(c, http.StatusOK, txn, "login", "")
}

func (a *API) oauthAuthorizeStep(c *echo.Context) error {
	if err := c.Request().ParseForm(); err != nil {
		return a.render(c, http.StatusBadRequest, nil, "", "The form could not be read")
	}
	form := c.Request().PostForm
	id := form.Get("txn")
	// The transaction ID must also be in this browser's cookie: a form
	// posted from elsewhere cannot complete someone else's authorization.
	ck, err := c.Cookie(txnCookie)
	if id == "" || err != nil || ck.Value != id {
		return a.render(c, http.StatusBadRequest, nil, "", "This authorization was not started in this browser: start again from the application")
	}
	ctx := c.Request().Context()
	txn, err := a.oauth.Transaction(ctx, id)
	if err != nil {
		return a.oauthFailure(c, nil, err)
	}
	switch form.Get("step") {
	case "login":
		txn, redirect, err := a.oauth.AuthorizeLogin(ctx, id, form.Get("user"), form.Get("password"), clientIP(c.Request()))
		if err != nil {
			if errs.KindOf(err) == errs.AuthenticationFailed {
				return a.render(c, http.StatusOK, txn, "login", "The user ID or password is wrong")
			}
			if errs.KindOf(err) == errs.RateLimited {
				// Throttled: the login form again, with the wait.
				setRetryAfter(c, err)
				return a.render(c, http.StatusTooManyRequests, txn, "login", errs.DetailOf(err))
			}
			return a.oauthFailure(c, txn, err)
		}
		if redirect != "" {
			return a.authzResponse(c, redirect)
		}
		return a.render(c, http.StatusOK, txn, "approve", "")
	case "approve":
		redirect, err := a.oauth.AuthorizeApprove(ctx, id, form.Get("pin"), form.Get("otp"))
		if err != nil {
			switch errs.KindOf(err) {
			case errs.InvalidPIN, errs.InvalidOTP, errs.InvalidRequest:
				return a.render(c, http.StatusOK, txn, "approve", errs.DetailOf(err))
			}
			return a.oauthFailure(c, txn, err)
		}
		return a.authzResponse(c, redirect)
	case "deny":
		redirect, err := a.oauth.DenyRedirect(ctx, id)
		if err != nil {
			return a.oauthFailure(c, nil, err)
		}
		return a.authzResponse(c, redirect)
	}
	return a.render(c, http.StatusBadRequest, txn, "", "Unknown step")
}

// authzResponse sends an authorization response (code or error) back to the
// client with the RFC 9207 iss parameter, the issuer of the metadata.
func (a *API) authzResponse(c *echo.Context, redirect string) error {
	u, err := url.Parse(redirect)
	if err != nil {
		return errs.Internalf(err, "authorization response %q", redirect)
	}
	q := u.Query()
	q.Set("iss", a.cfg.BaseURL)
	u.RawQuery = q.Encode()
	return c.Redirect(http.StatusFound, u.String())
}

// clientCredentials reads client_secret_basic or client_secret_post. In
// Basic, RFC 6749 section 2.3.1 form-urlencodes the client ID and secret
// before they are joined, so strict clients (oauth4webapi, x/oauth2) send
// "-" as "%2D": they are decoded here. A value that is not valid
// form-urlencoding is taken as sent (and then simply fails to match).
func clientCredentials(r *http.Request) (id, secret string) {
	if u, p, ok := r.BasicAuth(); ok {
		return formDecoded(u), formDecoded(p)
	}
	return r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
}

func formDecoded(s string) string {
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

// oauthJSONError is the one mapping of the authorization server's errors
// (errs.Error with an RFC 6749 code) to the token-endpoint JSON answer;
// anything else goes to the CSC error handler.
func (a *API) oauthJSONError(c *echo.Context, err error) error {
	if oe, ok := errs.OAuthOf(err); ok {
		status := http.StatusBadRequest
		if oe.OAuth == "invalid_client" {
			status = http.StatusUnauthorized
			c.Response().Header().Set("WWW-Authenticate", `Basic realm="qes"`)
		}
		return c.JSON(status, Problem{Error: oe.OAuth, ErrorDescription: oe.Detail})
	}
	return err
}

func parseForm(c *echo.Context) error {
	r := c.Request()
	if mt := r.Header.Get("Content-Type"); !strings.HasPrefix(mt, "application/x-www-form-urlencoded") {
		return errs.M(errs.InvalidRequest, msg.ContentTypeForm)
	}
	r.Body = http.MaxBytesReader(c.Response(), r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return errs.M(errs.InvalidRequest, msg.FormUnreadable)
	}
	return nil
}

func (a *API) oauthPAR(c *echo.Context) error {
	if err := parseForm(c); err != nil {
		return err
	}
	id, secret := clientCredentials(c.Request())
	r := authzRequestFrom(c.Request().PostForm.Get)
	r.ClientID = id
	uri, ttl, err := a.oauth.PushAuthorization(c.Request().Context(), r, secret)
	if err != nil {
		return a.oauthJSONError(c, err)
	}
	return c.JSON(http.StatusCreated, map[string]any{"request_uri": uri, "expires_in": ttl})
}

func (a *API) oauthToken(c *echo.Context) error {
	if err := parseForm(c); err != nil {
		return err
	}
	f := c.Request().PostForm
	id, secret := clientCredentials(c.Request())
	resp, err := a.oauth.Token(c.Request().Context(), oauth.TokenRequest{
		GrantType: f.Get("grant_type"), ClientID: id, ClientSecret: secret, Code: f.Get("code"),
		RedirectURI: f.Get("redirect_uri"), CodeVerifier: f.Get("code_verifier"), RefreshToken: f.Get("refresh_token"),
	})
	if err != nil {
		return a.oauthJSONError(c, err)
	}
	c.Response().Header().Set("Pragma", "no-cache")
	return c.JSON(http.StatusOK, resp)
}

func (a *API) oauthRevoke(c *echo.Context) error {
	if err := parseForm(c); err != nil {
		return err
	}
	f := c.Request().PostForm
	id, secret := clientCredentials(c.Request())
	if err := a.oauth.RevokeOAuth(c.Request().Context(), id, secret, f.Get("token"), f.Get("token_type_hint")); err != nil {
		return a.oauthJSONError(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// serviceScope refuses credential-scope tokens on methods that need a
// service authorization: such a token only signs the hashes it carries.
func serviceScope(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if p := principal(c); p != nil && p.Scope != authn.ScopeService {
			return errs.M(errs.AccessDenied, msg.NeedsServiceToken)
		}
		return next(c)
	}
}
