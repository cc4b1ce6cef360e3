// Package client is a small Go client for any CSC API server (v1.0.4 or
// v2): login, credential information, OTP, authorization, signHash and
// timestamp. It speaks each version in its own parameter names, so it
// works with servers that accept only one spelling.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxResponse bounds what the client reads from a server.
const maxResponse = 16 << 20

// Client talks to one CSC service. It is safe for concurrent use once
// logged in.
type Client struct {
	base    string
	version int
	http    *http.Client
	token   string
}

// New makes a client for server, which is either the CSC base URL
// ("https://host/csc/v2", "https://host/csc/v1", any path ending in /v1 or
// /v2) or the service root, to which /csc/v2 is appended. hc nil means a
// client with a 60 s timeout.
func New(server string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server %q is not an http(s) URL", server)
	}
	c := &Client{base: u.String(), version: 2, http: hc}
	switch {
	case strings.HasSuffix(u.Path, "/v1"):
		c.version = 1
	case strings.HasSuffix(u.Path, "/v2"):
	default:
		c.base += "/csc/v2"
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 60 * time.Second}
	}
	return c, nil
}

// Version is the CSC API version spoken (1 or 2).
func (c *Client) Version() int { return c.version }

// BaseURL is the CSC base URL the methods are appended to.
func (c *Client) BaseURL() string { return c.base }

// Error is a CSC error answer.
type Error struct {
	Method      string
	Status      int
	Code        string // "invalid_request", ...
	Description string
}

func (e *Error) Error() string {
	if e.Description == "" {
		return fmt.Sprintf("%s: HTTP %d %s", e.Method, e.Status, e.Code)
	}
	return fmt.Sprintf("%s: %s (%s)", e.Method, e.Description, e.Code)
}

// call POSTs in (JSON) to method and decodes the answer into out (if not
// nil). basic sets HTTP Basic credentials instead of the bearer token.
func (c *Client) call(ctx context.Context, method string, in, out any, basic *[2]string) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s: encode request: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/"+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	switch {
	case basic != nil:
		req.SetBasicAuth(basic[0], basic[1])
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("%s: read answer: %w", method, err)
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Method: method, Status: resp.StatusCode}
		var p struct {
			Error            string `json:"error"`
			ErrorDescription string `json:"error_description"`
		}
		if json.Unmarshal(raw, &p) == nil && p.Error != "" {
			e.Code, e.Description = p.Error, p.ErrorDescription
		} else {
			e.Code = http.StatusText(resp.StatusCode)
		}
		return e
	}
	if out == nil || len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: the answer is not the expected JSON: %w", method, err)
	}
	return nil
}

// Login authenticates with user ID and password (auth/login, HTTP Basic)
// and keeps the access token for the other methods.
func (c *Client) Login(ctx context.Context, user, password string) error {
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := c.call(ctx, "auth/login", map[string]any{}, &out, &[2]string{user, password}); err != nil {
		return err
	}
	if out.AccessToken == "" {
		return fmt.Errorf("auth/login: no access_token in the answer")
	}
	c.token = out.AccessToken
	return nil
}

// UseToken sets an access token obtained elsewhere (e.g. OAuth 2.0).
func (c *Client) UseToken(token string) { c.token = token }

// Logout revokes the access token (auth/revoke); errors are returned but
// the token is forgotten anyway.
func (c *Client) Logout(ctx context.Context) error {
	if c.token == "" {
		return nil
	}
	err := c.call(ctx, "auth/revoke", map[string]any{"token": c.token, "token_type_hint": "access_token"}, nil, nil)
	c.token = ""
	return err
}

// Info is what the client uses from the info method.
type Info struct {
	Name    string   `json:"name"`
	Specs   string   `json:"specs"`
	Methods []string `json:"methods"`
}

// Offers reports whether info lists method.
func (i *Info) Offers(method string) bool {
	for _, m := range i.Methods {
		if m == method {
			return true
		}
	}
	return false
}

// Info calls info.
func (c *Client) Info(ctx context.Context) (*Info, error) {
	var out Info
	if err := c.call(ctx, "info", map[string]any{}, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListCredentials returns the caller's credential IDs (credentials/list).
func (c *Client) ListCredentials(ctx context.Context) ([]string, error) {
	var out struct {
		CredentialIDs []string `json:"credentialIDs"`
	}
	if err := c.call(ctx, "credentials/list", map[string]any{}, &out, nil); err != nil {
		return nil, err
	}
	return out.CredentialIDs, nil
}
