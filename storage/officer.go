package storage

import (
	"context"
	"time"
)

// Officer is a registration officer: a person of the operator who reviews
// identifications in the console (ETSI TS 119 461 BIN-8.4.4, EN 319 411-1
// REG-6.2.2-26). Officers are not holders: their own records, their own
// login (password and an authenticator app, both required).
type Officer struct {
	User     string `json:"user"` // login name, lower case
	FullName string `json:"fullName"`
	// TaxCode and Email identify the person, so that an officer is never
	// given their own enrolment to review.
	TaxCode      string `json:"taxCode"`
	Email        string `json:"email"`
	PasswordHash string `json:"passwordHash"` // argon2id
	// TOTPSealed is the authenticator seed, encrypted by a key in the HSM;
	// TOTPLastStep stops one code from logging in twice.
	TOTPSealed   []byte `json:"totpSealed"`
	TOTPLastStep int64  `json:"totpLastStep,omitempty"`
	// TrainedOn is the day of the officer's last training (UTC midnight);
	// training older than a year lets the officer look but not decide.
	TrainedOn  time.Time `json:"trainedOn"`
	CreatedAt  time.Time `json:"createdAt"`
	DisabledAt time.Time `json:"disabledAt,omitzero"`
}

// OfficerSession is an officer's logged-in console session; like the
// portal's, only the MAC of the browser's token is the key.
type OfficerSession struct {
	Key       string    `json:"key"`
	User      string    `json:"user"`
	CreatedAt time.Time `json:"createdAt"`
	IdleUntil time.Time `json:"idleUntil"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Ended reports whether the session is over at now.
func (s *OfficerSession) Ended(now time.Time) bool {
	return !now.Before(s.IdleUntil) || !now.Before(s.ExpiresAt)
}

// Review is one officer's review of one identification: when the officer
// opened it, when and how they decided, and the answers of the
// morphological feature checklist (BIN-8.4.4: time spent, features
// compared). A review opened and never decided stays without a decision.
type Review struct {
	ID               string    `json:"id"`
	OrderNumber      string    `json:"orderNumber"`
	IdentificationID string    `json:"identificationId"`
	Officer          string    `json:"officer"` // Officer.User
	OpenedAt         time.Time `json:"openedAt"`
	DecidedAt        time.Time `json:"decidedAt,omitzero"`
	// Seconds is DecidedAt - OpenedAt, whole seconds.
	Seconds int64 `json:"seconds,omitempty"`
	// Decision is the state the order went to ("approved", "rejected",
	// "retry_required"); Requested is what the officer asked for when the
	// rules changed it (an approval of a proofing too old becomes
	// retry_required).
	Decision  string `json:"decision,omitempty"`
	Requested string `json:"requested,omitempty"`
	Reason    string `json:"reason,omitempty"`
	// Checklist maps a feature ("face_shape", "eyes", ...) to the
	// officer's answer ("match", "mismatch", "unclear").
	Checklist map[string]string `json:"checklist,omitempty"`
	// Evidence is the decided record as kept in the evidence store
	// (encrypted at rest, addressed by hash).
	Evidence *EvidenceRef `json:"evidence,omitempty"`
}

// Officers stores registration officers.
type Officers interface {
	CreateOfficer(ctx context.Context, o *Officer) error // errs.Conflict if the user exists
	Officer(ctx context.Context, user string) (*Officer, error)
	// UpdateOfficer runs fn on the officer; the user name never changes.
	UpdateOfficer(ctx context.Context, user string, fn func(*Officer) error) error
	// ListOfficers lists every officer by user name.
	ListOfficers(ctx context.Context) ([]*Officer, error)
}

// OfficerSessions stores console sessions.
type OfficerSessions interface {
	PutOfficerSession(ctx context.Context, s *OfficerSession) error // errs.Conflict if the key exists
	OfficerSession(ctx context.Context, key string) (*OfficerSession, error)
	UpdateOfficerSession(ctx context.Context, key string, fn func(*OfficerSession) error) error
	DeleteOfficerSession(ctx context.Context, key string) error
	DeleteEndedOfficerSessions(ctx context.Context, now time.Time) (int, error)
}

// Reviews stores review records.
type Reviews interface {
	CreateReview(ctx context.Context, r *Review) error // errs.Conflict on a used ID
	Review(ctx context.Context, id string) (*Review, error)
	// UpdateReview runs fn on the review; its ID, order, identification
	// and officer never change.
	UpdateReview(ctx context.Context, id string, fn func(*Review) error) error
	// ReviewsOf lists an order's reviews, oldest first.
	ReviewsOf(ctx context.Context, orderNumber string) ([]*Review, error)
}

// OfficerStore is what the console keeps. It is its own set, not part of
// Store, so that a back end can add it without touching the others.
type OfficerStore interface {
	Officers
	OfficerSessions
	Reviews
}
