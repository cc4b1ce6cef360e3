package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/storage"
)

const (
	oauthTxnTTL  = 10 * time.Minute
	oauthCodeTTL = 60 * time.Second
	parTTL       = 90 * time.Second
)

// oauthErr is an error the authorization server reports to the client, by
// redirect (authorize) or as JSON (token), with an RFC 6749 code.
func oauthErr(code string, id msg.ID, redirect bool, args ...any) error {
	return errs.OAuth(code, id, redirect, args...)
}

// AuthzRequest is an authorization request (oauth2/authorize or PAR).
type AuthzRequest struct {
	ResponseType         string
	ClientID             string
	RedirectURI          string
	Scope                string
	CodeChallenge        string
	CodeChallengeMethod  string
	State                string
	Lang                 string
	CredentialID         string
	SignatureQualifier   string
	NumSignatures        string
	Hashes               string // comma-separated base64url digests
	HashAlgorithmOID     string
	AuthorizationDetails string // JSON (RAR)
	Description          string
	ClientData           string
	// RequestURI refers to a pushed authorization request (PAR).
	RequestURI string
}

// DocumentDigest is one entry of authorization_details documentDigests.
type DocumentDigest struct {
	Hash  string `json:"hash"`
	Label string `json:"label,omitempty"`
}

// AuthorizationDetail is the "credential" authorization details type.
type AuthorizationDetail struct {
	Type               string           `json:"type"`
	CredentialID       string           `json:"credentialID,omitempty"`
	SignatureQualifier string           `json:"signatureQualifier,omitempty"`
	DocumentDigests    []DocumentDigest `json:"documentDigests"`
	HashAlgorithmOID   string           `json:"hashAlgorithmOID"`
	Locations          []string         `json:"locations,omitempty"`
}

// OAuthTxn is an authorization in progress, shown to the user.
type OAuthTxn struct {
	ID            string                `json:"id"`
	ClientID      string                `json:"clientId"`
	ClientName    string                `json:"clientName"`
	RedirectURI   string                `json:"redirectUri"`
	State         string                `json:"state"`
	Scope         string                `json:"scope"`
	Challenge     string                `json:"challenge"`
	Lang          string                `json:"lang"`
	CredentialID  string                `json:"credentialId,omitempty"`
	Qualifier     string                `json:"qualifier,omitempty"`
	NumSignatures int                   `json:"numSignatures,omitempty"`
	Hashes        []string              `json:"hashes,omitempty"` // standard base64
	HashAlgorithm string                `json:"hashAlgorithm,omitempty"`
	Details       []AuthorizationDetail `json:"details,omitempty"`
	Description   string                `json:"description,omitempty"`
	HolderID      string                `json:"holderId,omitempty"` // set once the user logged in
}

// Labels lists what the user is asked to sign (document labels, else
// abbreviated hashes).
func (t *OAuthTxn) Labels() []string {
	var out []string
	for _, d := range t.Details {
		for _, dd := range d.DocumentDigests {
			if dd.Label != "" {
				out = append(out, dd.Label)
			} else {
				out = append(out, abbreviate(dd.Hash))
			}
		}
	}
	if len(out) == 0 {
		for _, h := range t.Hashes {
			out = append(out, abbreviate(h))
		}
	}
	return out
}

func abbreviate(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

// RegisterClient creates an OAuth client; a confidential client's secret
// is returned once and stored as a MAC.
func (s *Server) RegisterClient(ctx context.Context, name string, redirectURIs []string, public bool) (id, clientSecret string, err error) {
	if name == "" || len(redirectURIs) == 0 {
		return "", "", errs.M(errs.InvalidRequest, msg.ClientNeedsNameAndURI)
	}
	for _, u := range redirectURIs {
		p, err := url.Parse(u)
		if err != nil || p.Fragment != "" || (p.Scheme != "https" && !(p.Scheme == "http" && isLoopbackHost(p.Hostname())) && !isPrivateScheme(p.Scheme)) {
			return "", "", errs.M(errs.InvalidRequest, msg.RedirectURIScheme, u)
		}
	}
	if id, err = secret.NewID(); err != nil {
		return "", "", err
	}
	c := &storage.Client{ID: id, Name: name, RedirectURIs: redirectURIs, CreatedAt: s.now()}
	if !public {
		if clientSecret, err = secret.NewToken(); err != nil {
			return "", "", err
		}
		if c.SecretMAC, err = s.mac.Sum([]byte("client"), []byte(id), []byte(clientSecret)); err != nil {
			return "", "", err
		}
	}
	// An administrative action: on record before it happens, or not at all.
	if err := audit.Require(ctx, s.audit, s.log, audit.Event{Type: "oauth.client-create", Client: id, Detail: map[string]string{"name": name, "public": fmt.Sprint(public)}}); err != nil {
		return "", "", err
	}
	if err := s.store.CreateClient(ctx, c); err != nil {
		return "", "", err
	}
	return id, clientSecret, nil
}

func isLoopbackHost(h string) bool { return h == "127.0.0.1" || h == "::1" || h == "localhost" }

// isPrivateScheme accepts reverse-domain app schemes (RFC 8252 7.1).
func isPrivateScheme(s string) bool { return strings.Contains(s, ".") }

// authenticateClient checks client credentials at the token, PAR and revoke
// endpoints. Public clients present no secret and rely on PKCE.
func (s *Server) authenticateClient(ctx context.Context, clientID, secret string) (*storage.Client, error) {
	if clientID == "" {
		return nil, oauthErr("invalid_request", msg.OAuthMissingParam, false, "client_id")
	}
	c, err := s.store.Client(ctx, clientID)
	if errs.Is(err, errs.NotFound) {
		return nil, oauthErr("invalid_client", msg.OAuthInvalidParam, false, "client_id")
	}
	if err != nil {
		return nil, err
	}
	if len(c.SecretMAC) == 0 {
		if secret != "" {
			return nil, oauthErr("invalid_client", msg.OAuthClientIsPublic, false)
		}
		return c, nil
	}
	if secret == "" {
		return nil, oauthErr("invalid_client", msg.OAuthClientAuthRequired, false)
	}
	mac, err := s.mac.Sum([]byte("client"), []byte(clientID), []byte(secret))
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(mac, c.SecretMAC) != 1 {
		return nil, oauthErr("invalid_client", msg.OAuthInvalidParam, false, "client_secret")
	}
	return c, nil
}

// PushAuthorization stores a pushed authorization request (PAR) after
// validating it, and returns its request_uri.
func (s *Server) PushAuthorization(ctx context.Context, r AuthzRequest, clientSecret string) (string, int, error) {
	if _, err := s.authenticateClient(ctx, r.ClientID, clientSecret); err != nil {
		return "", 0, err
	}
	if r.RequestURI != "" {
		return "", 0, oauthErr("invalid_request", msg.OAuthRequestURINotAllowed, false)
	}
	if _, err := s.validateAuthz(ctx, r); err != nil {
		return "", 0, err
	}
	id, err := secret.NewToken()
	if err != nil {
		return "", 0, err
	}
	raw, _ := json.Marshal(r)
	if err := s.store.PutPushedRequest(ctx, &storage.PushedRequest{ID: id, ClientID: r.ClientID, Request: raw, ExpiresAt: s.now().Add(parTTL)}); err != nil {
		return "", 0, err
	}
	return "urn:ietf:params:oauth:request_uri:" + id, int(parTTL.Seconds()), nil
}

// StartAuthorization validates an authorization request (possibly a PAR
// reference) and opens a transaction for the user to complete.
func (s *Server) StartAuthorization(ctx context.Context, r AuthzRequest) (*OAuthTxn, error) {
	if r.RequestURI != "" {
		id := strings.TrimPrefix(r.RequestURI, "urn:ietf:params:oauth:request_uri:")
		rec, err := s.store.TakePushedRequest(ctx, id)
		if err != nil || !s.now().Before(rec.ExpiresAt) || rec.ClientID != r.ClientID {
			return nil, oauthErr("invalid_request", msg.OAuthRequestURIInvalid, false)
		}
		var pushed AuthzRequest
		if err := json.Unmarshal(rec.Request, &pushed); err != nil {
			return nil, errs.Internalf(err, "decode pushed request")
		}
		r = pushed
	}
	txn, err := s.validateAuthz(ctx, r)
	if err != nil {
		return nil, err
	}
	if txn.ID, err = secret.NewToken(); err != nil {
		return nil, err
	}
	if err := s.saveTxn(ctx, txn); err != nil {
		return nil, err
	}
	return txn, nil
}

func (s *Server) validateAuthz(ctx context.Context, r AuthzRequest) (*OAuthTxn, error) {
	if r.ClientID == "" {
		return nil, oauthErr("invalid_request", msg.OAuthMissingParam, false, "client_id")
	}
	c, err := s.store.Client(ctx, r.ClientID)
	if errs.Is(err, errs.NotFound) {
		return nil, oauthErr("invalid_request", msg.OAuthInvalidParam, false, "client_id")
	}
	if err != nil {
		return nil, err
	}
	redirect := r.RedirectURI
	if redirect == "" {
		if len(c.RedirectURIs) != 1 {
			return nil, oauthErr("invalid_request", msg.OAuthMissingParam, false, "redirect_uri")
		}
		redirect = c.RedirectURIs[0]
	}
	registered := false
	for _, u := range c.RedirectURIs {
		registered = registered || u == redirect
	}
	if !registered {
		return nil, oauthErr("invalid_request", msg.OAuthRedirectNotRegistered, false)
	}
	// From here on errors go back to the client by redirect.
	txn := &OAuthTxn{ClientID: c.ID, ClientName: c.Name, RedirectURI: redirect, State: r.State, Lang: r.Lang, Description: r.Description}
	if r.ResponseType != "code" {
		return nil, oauthErr("unsupported_response_type", msg.OAuthResponseTypeCode, true)
	}
	if r.CodeChallenge == "" {
		return nil, oauthErr("invalid_request", msg.OAuthPKCERequired, true)
	}
	if r.CodeChallengeMethod != "S256" {
		return nil, oauthErr("invalid_request", msg.OAuthChallengeMethod, true)
	}
	if len(r.CodeChallenge) != 43 {
		return nil, oauthErr("invalid_request", msg.OAuthInvalidParam, true, "code_challenge")
	}
	txn.Challenge = r.CodeChallenge
	if len(r.Description) > 500 {
		return nil, oauthErr("invalid_request", msg.OAuthInvalidParam, true, "description")
	}
	if r.AuthorizationDetails != "" {
		if err := json.Unmarshal([]byte(r.AuthorizationDetails), &txn.Details); err != nil || len(txn.Details) != 1 || txn.Details[0].Type != "credential" {
			return nil, oauthErr("invalid_request", msg.OAuthDetailsOneCredential, true)
		}
		d := txn.Details[0]
		var hashes []string
		for _, dd := range d.DocumentDigests {
			hashes = append(hashes, dd.Hash)
		}
		norm, oid, err := sam.NormalizeHashes(hashes, d.HashAlgorithmOID)
		if err != nil || len(hashes) == 0 {
			return nil, oauthErr("invalid_request", msg.OAuthDetailsInvalid, true, errs.DetailOf(err))
		}
		txn.Scope, txn.CredentialID, txn.Qualifier = authn.ScopeCredential, d.CredentialID, d.SignatureQualifier
		txn.Hashes, txn.HashAlgorithm, txn.NumSignatures = norm, oid, len(norm)
	} else {
		switch r.Scope {
		case "", authn.ScopeService:
			txn.Scope = authn.ScopeService
			return txn, nil
		case authn.ScopeCredential:
			txn.Scope = authn.ScopeCredential
		default:
			return nil, oauthErr("invalid_scope", msg.OAuthScopeUnknown, true)
		}
		txn.CredentialID, txn.Qualifier = r.CredentialID, r.SignatureQualifier
		n, err := strconv.Atoi(r.NumSignatures)
		if err != nil || n < 1 {
			return nil, oauthErr("invalid_request", msg.OAuthInvalidParam, true, "numSignatures")
		}
		txn.NumSignatures = n
		var hashes []string
		if r.Hashes != "" {
			hashes = strings.Split(r.Hashes, ",")
		}
		norm, oid, err := sam.NormalizeHashes(hashes, r.HashAlgorithmOID)
		if err != nil {
			// SCAL2: the hashes are bound at authorization.
			return nil, oauthErr("invalid_request", msg.OAuthHashesInvalid, true, errs.DetailOf(err))
		}
		if len(norm) > n {
			return nil, oauthErr("invalid_request", msg.OAuthMoreHashes, true)
		}
		txn.Hashes, txn.HashAlgorithm = norm, oid
	}
	if txn.CredentialID == "" && txn.Qualifier == "" {
		return nil, oauthErr("invalid_request", msg.OAuthNeedsCredential, true)
	}
	if txn.Qualifier != "" && txn.Qualifier != "eu_eidas_qes" {
		return nil, oauthErr("invalid_request", msg.OAuthQualifier, true)
	}
	if txn.NumSignatures > s.cfg.Multisign {
		return nil, oauthErr("invalid_request", msg.OAuthTooManySignatures, true)
	}
	return txn, nil
}

func (s *Server) saveTxn(ctx context.Context, t *OAuthTxn) error {
	raw, _ := json.Marshal(t)
	return s.store.PutOAuthTransaction(ctx, &storage.OAuthTransaction{ID: t.ID, ClientID: t.ClientID, Data: raw, ExpiresAt: s.now().Add(oauthTxnTTL)})
}

// Transaction loads an authorization in progress.
func (s *Server) Transaction(ctx context.Context, id string) (*OAuthTxn, error) {
	rec, err := s.store.OAuthTransaction(ctx, id)
	if err != nil || !s.now().Before(rec.ExpiresAt) {
		return nil, errs.M(errs.InvalidRequest, msg.AuthorizationUnknown)
	}
	var t OAuthTxn
	if err := json.Unmarshal(rec.Data, &t); err != nil {
		return nil, errs.Internalf(err, "decode authorization")
	}
	return &t, nil
}

// AuthorizeLogin authenticates the user of a transaction with the password.
// A service-scope authorization completes here and returns the redirect;
// a credential-scope one sends the signing OTP and waits for PIN and OTP.
// clientIP is the browser's address, for the password throttle.
func (s *Server) AuthorizeLogin(ctx context.Context, txnID, userID, password, clientIP string) (*OAuthTxn, string, error) {
	t, err := s.Transaction(ctx, txnID)
	if err != nil {
		return nil, "", err
	}
	h, err := s.accounts.AuthenticatePassword(ctx, userID, password, clientIP)
	if err != nil {
		return t, "", err
	}
	t.HolderID = h.ID
	if t.Scope == authn.ScopeService {
		redirect, err := s.issueCode(ctx, t)
		return t, redirect, err
	}
	if t.CredentialID, err = s.sam.PrepareApproval(ctx, h, t.CredentialID, t.NumSignatures); err != nil {
		return t, "", err
	}
	return t, "", s.saveTxn(ctx, t)
}

// AuthorizeApprove checks PIN and OTP for a credential-scope transaction and
// returns the redirect carrying the authorization code.
func (s *Server) AuthorizeApprove(ctx context.Context, txnID, pin, code string) (string, error) {
	t, err := s.Transaction(ctx, txnID)
	if err != nil {
		return "", err
	}
	if t.HolderID == "" || t.Scope != authn.ScopeCredential {
		return "", errs.M(errs.InvalidRequest, msg.LogInFirst)
	}
	if err := s.sam.CheckFactors(ctx, t.HolderID, t.CredentialID, pin, code, t.ClientID); err != nil {
		return "", err
	}
	return s.issueCode(ctx, t)
}

// DenyRedirect is where the user's "cancel" sends them (access_denied).
func (s *Server) DenyRedirect(ctx context.Context, txnID string) (string, error) {
	t, err := s.Transaction(ctx, txnID)
	if err != nil {
		return "", err
	}
	_ = s.store.DeleteOAuthTransaction(ctx, txnID)
	return ErrorRedirect(t.RedirectURI, t.State, "access_denied", msg.Text(msg.English, msg.UserCancelled)), nil
}

// ErrorRedirect builds an RFC 6749 error redirect.
func ErrorRedirect(redirectURI, state, code, desc string) string {
	q := url.Values{"error": {code}, "error_description": {desc}}
	if state != "" {
		q.Set("state", state)
	}
	return appendQuery(redirectURI, q)
}

func appendQuery(u string, q url.Values) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + q.Encode()
}

func (s *Server) codeKey(code string) (string, error) {
	sum, err := s.mac.Sum([]byte("code"), []byte(code))
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(sum), nil
}

func (s *Server) issueCode(ctx context.Context, t *OAuthTxn) (string, error) {
	code, err := secret.NewToken()
	if err != nil {
		return "", err
	}
	key, err := s.codeKey(code)
	if err != nil {
		return "", err
	}
	raw, _ := json.Marshal(t)
	if err := s.store.PutAuthorizationCode(ctx, &storage.AuthorizationCode{Key: key, HolderID: t.HolderID, ClientID: t.ClientID, Scope: t.Scope, Data: raw, ExpiresAt: s.now().Add(oauthCodeTTL)}); err != nil {
		return "", err
	}
	_ = s.store.DeleteOAuthTransaction(ctx, t.ID)
	if err := audit.Require(ctx, s.audit, s.log, audit.Event{Type: "oauth.authorize", Holder: t.HolderID, Credential: t.CredentialID, Client: t.ClientID, Outcome: "ok",
		Detail: map[string]string{"scope": t.Scope, "hashes": fmt.Sprint(len(t.Hashes))}}); err != nil {
		// A code nobody can account for must not be redeemable.
		_ = s.store.DeleteAuthorizationCode(ctx, key)
		return "", err
	}
	q := url.Values{"code": {code}}
	if t.State != "" {
		q.Set("state", t.State)
	}
	return appendQuery(t.RedirectURI, q), nil
}

// TokenRequest is a call to oauth2/token.
type TokenRequest struct {
	GrantType    string
	ClientID     string
	ClientSecret string
	Code         string
	RedirectURI  string
	CodeVerifier string
	RefreshToken string
}

// TokenResponse is oauth2/token's answer.
type TokenResponse struct {
	AccessToken          string                `json:"access_token"`
	RefreshToken         string                `json:"refresh_token,omitempty"`
	TokenType            string                `json:"token_type"`
	ExpiresIn            int                   `json:"expires_in"`
	Scope                string                `json:"scope,omitempty"`
	CredentialID         string                `json:"credentialID,omitempty"`
	AuthorizationDetails []AuthorizationDetail `json:"authorization_details,omitempty"`
}

// Token implements the token endpoint's grants.
func (s *Server) Token(ctx context.Context, r TokenRequest) (*TokenResponse, error) {
	switch r.GrantType {
	case "":
		return nil, oauthErr("invalid_request", msg.OAuthMissingParam, false, "grant_type")
	case "authorization_code", "refresh_token":
	default:
		return nil, oauthErr("unsupported_grant_type", msg.OAuthInvalidParam, false, "grant_type")
	}
	client, err := s.authenticateClient(ctx, r.ClientID, r.ClientSecret)
	if err != nil {
		return nil, err
	}
	if r.GrantType == "refresh_token" {
		return s.refreshGrant(ctx, client, r.RefreshToken)
	}
	if r.Code == "" {
		return nil, oauthErr("invalid_request", msg.OAuthMissingParam, false, "code")
	}
	key, err := s.codeKey(r.Code)
	if err != nil {
		return nil, err
	}
	rec, err := s.store.TakeAuthorizationCode(ctx, key) // single use, whatever happens next
	if err != nil || !s.now().Before(rec.ExpiresAt) || rec.ClientID != client.ID {
		return nil, oauthErr("invalid_grant", msg.OAuthCodeInvalid, false)
	}
	var t OAuthTxn
	if err := json.Unmarshal(rec.Data, &t); err != nil {
		return nil, errs.Internalf(err, "decode code")
	}
	if r.RedirectURI != "" && r.RedirectURI != t.RedirectURI {
		return nil, oauthErr("invalid_grant", msg.OAuthRedirectMismatch, false)
	}
	sum := sha256.Sum256([]byte(r.CodeVerifier))
	if r.CodeVerifier == "" || subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(t.Challenge)) != 1 {
		return nil, oauthErr("invalid_grant", msg.OAuthVerifierMismatch, false)
	}
	grant, err := secret.NewID()
	if err != nil {
		return nil, err
	}
	if t.Scope == authn.ScopeService {
		at, err := s.tokens.IssueAccess(ctx, t.HolderID, authn.ScopeService, client.ID, grant, s.cfg.AccessTokenTTL, nil)
		if err != nil {
			return nil, err
		}
		rt, err := s.tokens.IssueRefresh(ctx, t.HolderID, client.ID, grant)
		if err != nil {
			return nil, err
		}
		return &TokenResponse{AccessToken: at, RefreshToken: rt, TokenType: "Bearer", ExpiresIn: int(s.cfg.AccessTokenTTL.Seconds()), Scope: authn.ScopeService}, nil
	}
	// Credential scope: the token stands for a SAD bound to the hashes the
	// user approved (SCAL2).
	sadKey, err := s.sam.GrantSAD(ctx, &storage.SAD{HolderID: t.HolderID, CredentialID: t.CredentialID, HashAlgorithm: t.HashAlgorithm,
		Hashes: t.Hashes, Remaining: t.NumSignatures, Transaction: grant, ClientID: client.ID})
	if err != nil {
		return nil, err
	}
	at, err := s.tokens.IssueAccess(ctx, t.HolderID, authn.ScopeCredential, client.ID, grant, s.cfg.SADLifetime, sadKey)
	if err != nil {
		return nil, err
	}
	out := &TokenResponse{AccessToken: at, TokenType: "Bearer", ExpiresIn: int(s.cfg.SADLifetime.Seconds()), Scope: authn.ScopeCredential}
	if t.Qualifier != "" {
		out.CredentialID = t.CredentialID
	}
	if len(t.Details) > 0 {
		d := t.Details[0]
		d.CredentialID = t.CredentialID
		out.AuthorizationDetails = []AuthorizationDetail{d}
	}
	return out, nil
}

func (s *Server) refreshGrant(ctx context.Context, client *storage.Client, token string) (*TokenResponse, error) {
	if token == "" {
		return nil, oauthErr("invalid_request", msg.OAuthMissingParam, false, "refresh_token")
	}
	key, err := s.tokens.RefreshKey(token)
	if err != nil {
		return nil, err
	}
	rec, err := s.store.Token(ctx, key)
	if err != nil || rec.ClientID != client.ID {
		return nil, oauthErr("invalid_grant", msg.OAuthInvalidParam, false, "refresh_token")
	}
	if !s.now().Before(rec.ExpiresAt) {
		return nil, oauthErr("invalid_grant", msg.RefreshTokenExpired, false)
	}
	at, err := s.tokens.IssueAccess(ctx, rec.HolderID, authn.ScopeService, client.ID, rec.GrantID, s.cfg.AccessTokenTTL, nil)
	if err != nil {
		return nil, err
	}
	return &TokenResponse{AccessToken: at, TokenType: "Bearer", ExpiresIn: int(s.cfg.AccessTokenTTL.Seconds()), Scope: authn.ScopeService}, nil
}

// RevokeOAuth is oauth2/revoke (RFC 7009) for an authenticated client.
func (s *Server) RevokeOAuth(ctx context.Context, clientID, secret, token, hint string) error {
	if _, err := s.authenticateClient(ctx, clientID, secret); err != nil {
		return err
	}
	if token == "" {
		return oauthErr("invalid_request", msg.OAuthMissingParam, false, "token")
	}
	// The token's holder is whoever it names; a client may only revoke its own.
	if c, err := s.tokens.Parse(token); err == nil && c.ClientID == clientID {
		return s.tokens.Revoke(ctx, &authn.Principal{HolderID: c.Subject}, token, hint)
	}
	if key, err := s.tokens.RefreshKey(token); err == nil {
		if rec, err := s.store.Token(ctx, key); err == nil && rec.ClientID == clientID {
			return s.tokens.Revoke(ctx, &authn.Principal{HolderID: rec.HolderID}, token, "refresh_token")
		}
	}
	return nil
}
