// Package storage defines what qes keeps, one interface per aggregate, so
// that the embedded bbolt store (storage/bolt) and PostgreSQL
// (storage/postgres), both over the aggregates of storage/kv, stand in for
// each other. Records hold only hashes/MACs of secrets.
//
// Update methods run fn on the current record inside one transaction and
// commit what fn leaves in it when fn returns nil. A non-nil error from fn
// aborts without writing; a rule that must both record a failure (a wrong PIN)
// and refuse the request therefore records in fn, returns nil, and reports the
// refusal after the commit. fn may run more than once (PostgreSQL reruns a
// transaction that lost a serialisation conflict): it decides from the record
// it is given and the values it captured, and never calls the store.
package storage

import (
	"context"
	"time"
)

// Store is every aggregate together; the embedded and networked back ends
// implement it whole.
type Store interface {
	Holders
	Credentials
	SADs
	AuditOutbox
	AuditChain
	Leases
	OTPs
	Tokens
	OAuthRecords
	Authorities
	Certificates
	Clients
	CRLs
	PortalSessions
	SignatureLog
	HolderTokens
	Enrolment
	Close() error
}

// Holder is a natural person with an account.
type Holder struct {
	ID                string    `json:"id"`
	PasswordHash      string    `json:"passwordHash"`
	PasswordChangedAt time.Time `json:"passwordChangedAt"`
	FailedLogins      int       `json:"failedLogins"`
	LoginLockedUntil  time.Time `json:"loginLockedUntil,omitzero"`

	GivenName   string `json:"givenName"`
	Surname     string `json:"surname"`
	Country     string `json:"country"`
	SemanticsID string `json:"semanticsId"` // e.g. TINIT-RSSMRA80A01H501U
	Email       string `json:"email"`
	Phone       string `json:"phone"` // E.164, receives SMS OTPs
	Lang        string `json:"lang"`

	// OTPMode is "sms" or "app": how signing OTPs reach the holder.
	OTPMode string `json:"otpMode"`
	// TOTPSealed is the authenticator-app seed, encrypted by a key in the HSM.
	TOTPSealed []byte `json:"totpSealed,omitempty"`
	// TOTPPendingSealed is a seed shown as a QR code but not yet confirmed
	// with a first code.
	TOTPPendingSealed []byte `json:"totpPendingSealed,omitempty"`
	// TOTPLastStep stops a TOTP code from being accepted twice.
	TOTPLastStep int64 `json:"totpLastStep,omitempty"`

	// RecoveryEmail and RecoveryPhone help the holder back into the
	// account; each was proven with a one-time code when set.
	RecoveryEmail string `json:"recoveryEmail,omitempty"`
	RecoveryPhone string `json:"recoveryPhone,omitempty"`
	// LoginTOTPSealed is the portal login's authenticator seed (two-factor
	// login on when set); separate from the signing OTP's seed so that
	// unlinking one never disables the other.
	LoginTOTPSealed        []byte `json:"loginTotpSealed,omitempty"`
	LoginTOTPPendingSealed []byte `json:"loginTotpPendingSealed,omitempty"`
	LoginTOTPLastStep      int64  `json:"loginTotpLastStep,omitempty"`
	// AccountOTPFailures counts wrong codes on account operations in a
	// row; too many lock them until AccountOTPLockedUntil.
	AccountOTPFailures    int       `json:"accountOtpFailures,omitempty"`
	AccountOTPLockedUntil time.Time `json:"accountOtpLockedUntil,omitzero"`
	// DailyReport turns the daily signing summary e-mail on;
	// DailyReportSentFor is the last day (YYYY-MM-DD, UTC) summarised.
	DailyReport        bool   `json:"dailyReport,omitempty"`
	DailyReportSentFor string `json:"dailyReportSentFor,omitempty"`

	// FirstAccessPending marks a holder created by an enrolment: the
	// account has no password yet, and the first access to My Sign sets
	// one with the envelope's PUK and an SMS code.
	FirstAccessPending bool `json:"firstAccessPending,omitempty"`
	// Order is the enrolment order that reserved this holder's ID and
	// issued the account (empty for holders an operator created).
	Order string `json:"order,omitempty"`

	// ERCFailures counts wrong emergency codes; ERCBlocked stops the
	// emergency route for this account after too many.
	ERCFailures int  `json:"ercFailures,omitempty"`
	ERCBlocked  bool `json:"ercBlocked,omitempty"`

	CreatedAt time.Time `json:"createdAt"`
}

// Credential is a signing key in the HSM with its certificate and the
// factors that activate it.
type Credential struct {
	ID       string `json:"id"`
	HolderID string `json:"holderId"`
	KeyRef   string `json:"keyRef"`  // CKA_ID on the token
	KeyType  string `json:"keyType"` // hsm.KeyType
	// Certificates is the DER chain, signer first, up to and including the root.
	Certificates [][]byte `json:"certificates"`
	KeyEnabled   bool     `json:"keyEnabled"`
	Description  string   `json:"description,omitempty"`
	Multisign    int      `json:"multisign"`

	PINHash     string `json:"pinHash"`
	PINFailures int    `json:"pinFailures"`
	PINBlocked  bool   `json:"pinBlocked"`
	PUKHash     string `json:"pukHash"`
	PUKFailures int    `json:"pukFailures"`
	PUKBlocked  bool   `json:"pukBlocked"`
	// OTPFailures counts wrong OTPs in a row; too many throttle the credential.
	OTPFailures    int       `json:"otpFailures"`
	OTPLockedUntil time.Time `json:"otpLockedUntil,omitzero"`
	// ERCHash is the emergency revocation code's hash: with the user ID
	// alone it suspends this credential's certificate.
	ERCHash string `json:"ercHash,omitempty"`
	// RetiredKeys are keys (CKA_ID) whose destruction is decided and
	// audited but not yet confirmed by the HSM; a background job retries.
	RetiredKeys []string `json:"retiredKeys,omitempty"`
	// KeyDestroyedAt is when the key of a revoked credential was destroyed.
	KeyDestroyedAt time.Time `json:"keyDestroyedAt,omitzero"`
	// RenewedAt is when the key and certificate were last replaced.
	RenewedAt time.Time `json:"renewedAt,omitzero"`

	CreatedAt time.Time `json:"createdAt"`
}

// SAD is one credential authorization: the activation data a client presents
// to sign, bound (SCAL2) to the holder, credential, hash algorithm and the
// multiset of hashes still allowed.
type SAD struct {
	// Key is the MAC of the SAD string; the string itself is never stored.
	Key           []byte    `json:"key"`
	HolderID      string    `json:"holderId"`
	CredentialID  string    `json:"credentialId"`
	HashAlgorithm string    `json:"hashAlgorithm"` // OID
	Hashes        []string  `json:"hashes"`        // base64 (std) of the raw digests not yet signed
	Remaining     int       `json:"remaining"`     // signatures still allowed
	ExpiresAt     time.Time `json:"expiresAt"`
	CreatedAt     time.Time `json:"createdAt"`
	// Transaction links the SADs of one multi-signature transaction
	// (credentials/extendTransaction).
	Transaction string `json:"transaction"`
	ClientID    string `json:"clientId,omitempty"`
	// Refused counts the documents signDoc refused under this SAD; at
	// sam.MaxRefusedDocuments the SAD is deleted.
	Refused int `json:"refused,omitempty"`
}

// OTP is an outstanding one-time code sent to a holder for one purpose.
type OTP struct {
	// Key is "<holderID>/<purpose>[/<subject>]"; a new code replaces the old.
	Key       string    `json:"key"`
	CodeMAC   []byte    `json:"codeMac"`
	Channel   string    `json:"channel"`
	ExpiresAt time.Time `json:"expiresAt"`
	SentAt    time.Time `json:"sentAt"`
	Attempts  int       `json:"attempts"`
}

// Token is an issued access token (by its JWT ID) or refresh token (by
// MAC). OAuth's pushed requests, transactions and codes are records of
// their own (OAuthRecords).
type Token struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"` // "access" | "refresh"
	HolderID  string    `json:"holderId"`
	ClientID  string    `json:"clientId,omitempty"`
	Scope     string    `json:"scope"`
	GrantID   string    `json:"grantId"` // tokens from one login or OAuth grant
	ExpiresAt time.Time `json:"expiresAt"`
	// Data carries kind-specific JSON (a credential-scope token's binding).
	Data []byte `json:"data,omitempty"`
}

// Client is a registered OAuth 2.0 client (a signature application).
type Client struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	SecretMAC    []byte    `json:"secretMac,omitempty"` // empty for public clients (PKCE only)
	RedirectURIs []string  `json:"redirectURIs"`
	CreatedAt    time.Time `json:"createdAt"`
}

// Authority is a CA, OCSP responder or TSA key with its certificate chain.
type Authority struct {
	Name         string   `json:"name"` // "root", "issuing", "ocsp", "tsa"
	KeyRef       string   `json:"keyRef"`
	Certificates [][]byte `json:"certificates"` // own certificate first
}

// CertStatus is the lifecycle state of an issued certificate.
type CertStatus string

const (
	CertActive    CertStatus = "active"
	CertSuspended CertStatus = "suspended"
	CertRevoked   CertStatus = "revoked"
	CertExpired   CertStatus = "expired"
)

// Certificate is the CA's record of one issued end-entity certificate.
type Certificate struct {
	Serial       string     `json:"serial"` // lower-case hex
	CredentialID string     `json:"credentialId"`
	HolderID     string     `json:"holderId"`
	DER          []byte     `json:"der"`
	NotBefore    time.Time  `json:"notBefore"`
	NotAfter     time.Time  `json:"notAfter"`
	Status       CertStatus `json:"status"`
	Reason       int        `json:"reason,omitempty"` // RFC 5280 CRLReason
	SuspendedAt  time.Time  `json:"suspendedAt,omitzero"`
	RevokedAt    time.Time  `json:"revokedAt,omitzero"`
	ChangedAt    time.Time  `json:"changedAt"`
	// History is every change of Status, oldest first (the CA appends one
	// on each suspend, reactivate, revoke, lapse and expiry): a verifier
	// asks the status at a past signing time, which the current status
	// cannot answer for a hold that was lifted. Records written before it
	// existed have none. At most MaxStatusHistory entries: when older ones
	// were dropped, HistoryTruncated says times before History[0] are not
	// known.
	History          []StatusChange `json:"history,omitempty"`
	HistoryTruncated bool           `json:"historyTruncated,omitempty"`
}

// StatusChange is one change of a certificate's status in the register.
type StatusChange struct {
	At     time.Time  `json:"at"`
	Status CertStatus `json:"status"`
	Reason int        `json:"reason,omitempty"` // RFC 5280 CRLReason
}

// MaxStatusHistory bounds Certificate.History: a certificate lives a few
// years, and a holder who suspends and reactivates it weekly stays within it.
const MaxStatusHistory = 256

// AddStatusChange appends ch to the history, dropping the oldest entry
// (and saying so) past MaxStatusHistory.
func (c *Certificate) AddStatusChange(ch StatusChange) {
	c.History = append(c.History, ch)
	if n := len(c.History) - MaxStatusHistory; n > 0 {
		c.History = append([]StatusChange(nil), c.History[n:]...)
		c.HistoryTruncated = true
	}
}

// Holders stores accounts.
type Holders interface {
	// CreateHolder stores h; errs.Conflict if the ID is taken, or
	// reserved by an order other than h.Order.
	CreateHolder(ctx context.Context, h *Holder) error
	Holder(ctx context.Context, id string) (*Holder, error)
	UpdateHolder(ctx context.Context, id string, fn func(*Holder) error) error
	ListHolders(ctx context.Context) ([]*Holder, error)
	// HoldersDueDailyReport returns the holders with DailyReport on whose
	// DailyReportSentFor is before day (YYYY-MM-DD), in that order. It
	// walks an index: its cost is the holders due, not every holder.
	HoldersDueDailyReport(ctx context.Context, day string) ([]*Holder, error)
}

// Credentials stores signing credentials.
type Credentials interface {
	CreateCredential(ctx context.Context, c *Credential) error
	Credential(ctx context.Context, id string) (*Credential, error)
	CredentialsOf(ctx context.Context, holderID string) ([]*Credential, error)
	UpdateCredential(ctx context.Context, id string, fn func(*Credential) error) error
}

// SADs stores credential authorizations.
type SADs interface {
	PutSAD(ctx context.Context, s *SAD) error
	// UpdateSAD runs fn on the SAD; if fn leaves Remaining at 0 the SAD is deleted.
	//
	// It is the signing path's write (every signHash takes its hashes off a
	// SAD before the HSM signs), so a back end may commit concurrent calls
	// together, one transaction and one durable commit per group, as
	// storage/bolt does. Each call still behaves as if it ran alone in some
	// serial order and returns only after its change is durable; a refusal
	// from fn changes nothing and fails no other call. fn may run more
	// than once for one call (a group retried without a failing member):
	// it must decide from the SAD it is given and the values it captured,
	// keep no other state between runs, and not call the store.
	// storage/postgres runs each call in a SERIALIZABLE transaction of its
	// own, rerun on a serialisation failure (so fn may run more than once
	// there too); group commit on PostgreSQL is left for later.
	// storagetest's "sads-concurrent-use" and "sad-hash-spent-once" hold
	// both back ends to the semantics.
	UpdateSAD(ctx context.Context, key []byte, fn func(*SAD) error) error
	DeleteSAD(ctx context.Context, key []byte) error
	// DeleteCredentialSADs removes every SAD of a credential (its key or
	// certificate changed, so what was authorized no longer applies).
	DeleteCredentialSADs(ctx context.Context, credentialID string) (int, error)
	DeleteExpiredSADs(ctx context.Context, now time.Time) (int, error)
}

// OTPs stores outstanding one-time codes.
type OTPs interface {
	PutOTP(ctx context.Context, o *OTP) error
	// UpdateOTP runs fn on the code; deleteAfter set by fn removes it.
	UpdateOTP(ctx context.Context, key string, fn func(o *OTP) (deleteAfter bool, err error)) error
}

// Tokens stores access and refresh tokens.
type Tokens interface {
	PutToken(ctx context.Context, t *Token) error
	Token(ctx context.Context, id string) (*Token, error)
	// TakeToken returns and deletes the token in one step (single-use codes).
	TakeToken(ctx context.Context, id string) (*Token, error)
	DeleteToken(ctx context.Context, id string) error
	DeleteGrant(ctx context.Context, grantID string) (int, error)
	DeleteExpiredTokens(ctx context.Context, now time.Time) (int, error)
}

// Authorities stores the service's own keys and certificates.
type Authorities interface {
	PutAuthority(ctx context.Context, a *Authority) error
	Authority(ctx context.Context, name string) (*Authority, error)
}

// Clients stores OAuth 2.0 client registrations.
type Clients interface {
	CreateClient(ctx context.Context, c *Client) error
	Client(ctx context.Context, id string) (*Client, error)
}

// Certificates stores the CA's register of issued certificates.
type Certificates interface {
	CreateCertificate(ctx context.Context, c *Certificate) error // errs.Conflict on a reused serial
	Certificate(ctx context.Context, serial string) (*Certificate, error)
	UpdateCertificate(ctx context.Context, serial string, fn func(*Certificate) error) error
	// ListCertificates walks the whole register (an export, a report);
	// periodic work uses the indexed queries below.
	ListCertificates(ctx context.Context, fn func(*Certificate) error) error
	// CertificatesWithStatus calls fn for every certificate whose status
	// is status (a stored status other than suspended, revoked and expired
	// counts as active) and whose NotAfter is before notAfterBefore (the
	// zero time: whatever its NotAfter), in NotAfter order. It walks an
	// index: its cost is the certificates it finds, not the register's.
	CertificatesWithStatus(ctx context.Context, status CertStatus, notAfterBefore time.Time, fn func(*Certificate) error) error
	// CertificatesOfCredential lists a credential's register entries
	// (its current certificate and those it replaced), by an index.
	CertificatesOfCredential(ctx context.Context, credentialID string) ([]*Certificate, error)
	// CertificateEpoch counts the committed UpdateCertificates (it moves
	// on in the same transaction): a node whose caches hold statuses
	// polls it and drops them when it moved, which bounds how long it
	// answers a status another node changed.
	CertificateEpoch(ctx context.Context) (uint64, error)
	// NextCRLNumber returns a strictly increasing CRL number.
	NextCRLNumber(ctx context.Context) (uint64, error)
}

// CRLs keeps the last CRL each CA published, so that a restart serves the
// same CRL (same number) instead of a new one.
type CRLs interface {
	PutCRL(ctx context.Context, issuer string, der []byte) error
	CRL(ctx context.Context, issuer string) ([]byte, error) // errs.NotFound if none yet
}
