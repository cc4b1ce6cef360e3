package storage

import (
	"context"
	"time"
)

// AppLogin is a login of the enrolment app half done: e-mail and password
// were right, the SMS code is outstanding. Key is the MAC of the login ID
// the app holds; the ID itself is never stored.
type AppLogin struct {
	Key        string    `json:"key"`
	CustomerID string    `json:"customerId"`
	Mobile     string    `json:"mobile"` // where the code went (E.164)
	CreatedAt  time.Time `json:"createdAt"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// Device is an installation of the enrolment app bound to a customer by a
// P-256 key the device keeps (its private half never leaves the device).
type Device struct {
	ID         string `json:"id"`
	CustomerID string `json:"customerId"`
	Name       string `json:"name"`
	Platform   string `json:"platform"`
	// JWK is the public key as registered (JSON); JKT its RFC 7638
	// thumbprint (base64url SHA-256), which every DPoP proof must match.
	JWK []byte `json:"jwk"`
	JKT string `json:"jkt"`
	// Attestation is what the app-attestation check said ("not attested"
	// with the development implementation).
	Attestation string    `json:"attestation"`
	CreatedAt   time.Time `json:"createdAt"`
	RevokedAt   time.Time `json:"revokedAt,omitzero"`
}

// DeviceToken is an access or refresh token of a device; Key is the MAC of
// the token, which is never stored.
type DeviceToken struct {
	Key        string    `json:"key"`
	Kind       string    `json:"kind"` // "access" or "refresh"
	DeviceID   string    `json:"deviceId"`
	CustomerID string    `json:"customerId"`
	CreatedAt  time.Time `json:"createdAt"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// Devices stores the enrolment app's logins, devices, tokens and the DPoP
// proofs already seen.
type Devices interface {
	PutAppLogin(ctx context.Context, l *AppLogin) error // errs.Conflict if the key exists
	AppLogin(ctx context.Context, key string) (*AppLogin, error)
	// TakeAppLogin returns and deletes a login (single use).
	TakeAppLogin(ctx context.Context, key string) (*AppLogin, error)
	CreateDevice(ctx context.Context, d *Device) error // errs.Conflict if the ID exists
	Device(ctx context.Context, id string) (*Device, error)
	PutDeviceToken(ctx context.Context, t *DeviceToken) error // errs.Conflict if the key exists
	DeviceToken(ctx context.Context, key string) (*DeviceToken, error)
	// TakeDeviceToken returns and deletes a token (refresh rotation).
	TakeDeviceToken(ctx context.Context, key string) (*DeviceToken, error)
	// UseProofID records a DPoP proof's jti (scoped by the caller) until
	// expires; errs.Conflict when it is recorded and unexpired at now.
	UseProofID(ctx context.Context, key string, now, expires time.Time) error
	// DeleteExpiredDeviceRecords removes logins, tokens and proof IDs
	// expired at now.
	DeleteExpiredDeviceRecords(ctx context.Context, now time.Time) (int, error)
}
