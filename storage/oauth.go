package storage

import (
	"context"
	"time"
)

// The OAuth authorization server's short-lived records: a pushed
// request, then an authorization in progress, then a code. Each lives
// minutes and is kept apart from the issued tokens (Tokens), so that each
// kind has its own record, key space and expiry.

// PushedRequest is a pushed authorization request (RFC 9126), by the ID in
// its request_uri; redeemed once.
type PushedRequest struct {
	ID        string    `json:"id"`
	ClientID  string    `json:"clientId"`
	Request   []byte    `json:"request"` // the oauth package's request, JSON
	ExpiresAt time.Time `json:"expiresAt"`
}

// OAuthTransaction is an authorization in progress: the user logging in
// and approving what the client asked.
type OAuthTransaction struct {
	ID        string    `json:"id"`
	ClientID  string    `json:"clientId"`
	Data      []byte    `json:"data"` // the oauth package's transaction, JSON
	ExpiresAt time.Time `json:"expiresAt"`
}

// AuthorizationCode is an issued authorization code by the MAC of the
// code (the code itself is never stored); redeemed once.
type AuthorizationCode struct {
	Key       string    `json:"key"` // hex MAC of the code
	HolderID  string    `json:"holderId"`
	ClientID  string    `json:"clientId"`
	Scope     string    `json:"scope"`
	Data      []byte    `json:"data"` // the approved transaction (PKCE challenge, details), JSON
	ExpiresAt time.Time `json:"expiresAt"`
}

// OAuthRecords stores the authorization server's pushed requests,
// transactions and codes. A Take returns and deletes in one step (single
// use): of concurrent callers exactly one gets the record, the others
// errs.NotFound. Expired records are refused by the reader (the oauth
// package checks ExpiresAt) and deleted by DeleteExpiredOAuthRecords.
type OAuthRecords interface {
	PutPushedRequest(ctx context.Context, r *PushedRequest) error // errs.Conflict if the ID exists
	TakePushedRequest(ctx context.Context, id string) (*PushedRequest, error)
	// PutOAuthTransaction stores t, replacing a transaction of the same ID.
	PutOAuthTransaction(ctx context.Context, t *OAuthTransaction) error
	OAuthTransaction(ctx context.Context, id string) (*OAuthTransaction, error)
	DeleteOAuthTransaction(ctx context.Context, id string) error          // a missing one is no error
	PutAuthorizationCode(ctx context.Context, c *AuthorizationCode) error // errs.Conflict if the key exists
	TakeAuthorizationCode(ctx context.Context, key string) (*AuthorizationCode, error)
	DeleteAuthorizationCode(ctx context.Context, key string) error // a missing one is no error
	// DeleteExpiredOAuthRecords removes the records of all three kinds
	// expired at now (an index walk: its cost is what expired).
	DeleteExpiredOAuthRecords(ctx context.Context, now time.Time) (int, error)
}
