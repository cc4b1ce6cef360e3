package storage

import (
	"context"
	"time"
)

// PortalSession is a holder's logged-in session in the web portal. The
// browser holds a random token; only its MAC is the key here, so a copy of
// the database cannot be replayed as a cookie.
type PortalSession struct {
	Key      string `json:"key"` // hex MAC of the cookie token
	HolderID string `json:"holderId"`
	// Stage is how far the login got: "second-factor" (password checked,
	// authenticator code due), "password-expired" (only the password change
	// is open) or "active".
	Stage     string    `json:"stage"`
	CreatedAt time.Time `json:"createdAt"`
	// IdleUntil moves forward while the holder is active; ExpiresAt never
	// moves. The session ends at whichever comes first.
	IdleUntil time.Time `json:"idleUntil"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Ended reports whether the session is over at now.
func (s *PortalSession) Ended(now time.Time) bool {
	return !now.Before(s.IdleUntil) || !now.Before(s.ExpiresAt)
}

// PortalSessions stores web portal sessions.
type PortalSessions interface {
	PutPortalSession(ctx context.Context, s *PortalSession) error // errs.Conflict if the key exists
	PortalSession(ctx context.Context, key string) (*PortalSession, error)
	UpdatePortalSession(ctx context.Context, key string, fn func(*PortalSession) error) error
	DeletePortalSession(ctx context.Context, key string) error
	// DeleteHolderPortalSessions ends every session of a holder (password
	// changed, account locked).
	DeleteHolderPortalSessions(ctx context.Context, holderID string) (int, error)
	// DeleteEndedPortalSessions removes sessions that ended at now.
	DeleteEndedPortalSessions(ctx context.Context, now time.Time) (int, error)
}

// SignatureBatch is one signHash call that produced signatures: the
// holder's signing history, for the portal's report.
type SignatureBatch struct {
	HolderID     string    `json:"holderId"`
	CredentialID string    `json:"credentialId"`
	At           time.Time `json:"at"`
	Count        int       `json:"count"`
	ClientID     string    `json:"clientId,omitempty"`
	// Application is the OAuth client's name, or "API" for a service
	// token from auth/login.
	Application string `json:"application"`
	// Formats are the signature formats of a signDoc batch (PAdES, CAdES,
	// XAdES, JAdES), each once, in the order first signed; empty for
	// signHash, where qes signs digests and never sees the format.
	Formats []string `json:"formats,omitempty"`
}

// SignatureLog keeps each holder's signing history, ordered by time.
type SignatureLog interface {
	AddSignatureBatch(ctx context.Context, b *SignatureBatch) error
	// SignatureBatches calls fn with the holder's batches whose time is in
	// [from, to), oldest first. A zero to means no upper bound.
	SignatureBatches(ctx context.Context, holderID string, from, to time.Time, fn func(*SignatureBatch) error) error
}

// HolderTokens ends every API token of a holder (access, refresh, OAuth
// codes): after a password change no earlier login may go on.
type HolderTokens interface {
	DeleteHolderTokens(ctx context.Context, holderID string) (int, error)
}
