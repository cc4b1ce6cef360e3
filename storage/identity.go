package storage

import (
	"context"
	"time"
)

// Identification is one identity-proofing session of an enrolment: the
// applicant's app reads the chip of an identity document, photographs the
// document and records a selfie video inside the session's window; a
// registration officer reviews the result. An order may have several
// (a session that expires or fails is followed by a new one), at most one
// open at a time.
type Identification struct {
	ID          string `json:"id"`
	OrderNumber string `json:"orderNumber"`
	CustomerID  string `json:"customerId"`
	// Nationality (ISO 3166-1 alpha-2) and DocumentType ("CIE" or
	// "PASSPORT") the applicant chose when starting the session.
	Nationality  string    `json:"nationality"`
	DocumentType string    `json:"documentType"`
	State        string    `json:"state"` // IdentificationState values
	CreatedAt    time.Time `json:"createdAt"`
	ExpiresAt    time.Time `json:"expiresAt"`

	// AAChallenge is the 8 random bytes the chip must sign (Active
	// Authentication); AAChallengeUsed makes it single use.
	AAChallenge     []byte            `json:"aaChallenge"`
	AAChallengeUsed bool              `json:"aaChallengeUsed,omitempty"`
	Liveness        LivenessChallenge `json:"liveness"`

	// Photos of the document by side ("front", "back").
	Photos map[string]EvidenceRef `json:"photos,omitempty"`
	// Attempts are the chip submissions, failed and successful, each with
	// its evidence.
	Attempts []ChipAttempt `json:"attempts,omitempty"`
	// Chip is the verified chip reading (nil until one passes).
	Chip *ChipReading `json:"chip,omitempty"`
	// Confirmed is what the applicant confirmed or added after the chip
	// reading (address, tax code when the chip holds none).
	Confirmed *ConfirmedData `json:"confirmed,omitempty"`
	Video     *EvidenceRef   `json:"video,omitempty"`
	// Binding records what the face-match and liveness engines did
	// ("not performed" with the development engines).
	FaceMatch BindingResult `json:"faceMatch"`
	PAD       BindingResult `json:"pad"`
	// LevelOfProofing is what the session reached when completed:
	// "baseline" when binding is by the officer only, "extended" when a
	// certified engine and the officer agree.
	LevelOfProofing string    `json:"levelOfProofing,omitempty"`
	CompletedAt     time.Time `json:"completedAt,omitzero"`
}

// The states of an identification session.
const (
	IdentificationOpen      = "open"      // started, chip not yet verified
	IdentificationChipOK    = "chip_ok"   // chip verified, waiting for confirm and video
	IdentificationCompleted = "completed" // everything in; waits for the officer
	IdentificationExpired   = "expired"   // the window closed before completion
	IdentificationFailed    = "failed"    // a check failed on the last attempt left
)

// LivenessChallenge is what the applicant must do on the selfie video.
type LivenessChallenge struct {
	Actions []string `json:"actions"` // e.g. "turn_left", "blink", "smile"
	Digits  string   `json:"digits"`  // three digits to say aloud
}

// EvidenceRef names one evidence file kept encrypted at rest, addressed by
// the SHA-256 of its plaintext.
type EvidenceRef struct {
	SHA256    string    `json:"sha256"` // hex
	MediaType string    `json:"mediaType"`
	Size      int64     `json:"size"`
	At        time.Time `json:"at"`
}

// ChipAttempt is one chip submission and its outcome.
type ChipAttempt struct {
	At time.Time `json:"at"`
	// Code is "" when every check passed, otherwise the first failed
	// check's code (sod_malformed, csca_untrusted, ...).
	Code   string `json:"code,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Files are the submitted chip files by name ("SOD", "DG1", ...).
	Files map[string]EvidenceRef `json:"files"`
	// Access is how the app opened the chip: "BAC" or "PACE" with "MRZ"
	// or "CAN".
	Access string `json:"access,omitempty"`
	// Report is the verification report (JSON, evidence) of this attempt.
	Report *EvidenceRef `json:"report,omitempty"`
}

// ChipReading is the document data and check results of the attempt that
// passed.
type ChipReading struct {
	Document map[string]string `json:"document"` // documentNumber, surname, givenNames, dateOfBirth, ...
	Checks   map[string]string `json:"checks"`   // passiveAuthentication: ok, activeAuthentication: verified|not_supported, ...
	// Face is the DG2 portrait as the chip holds it (JPEG or JPEG 2000);
	// FacePNG its conversion for the console (derived, not evidence).
	Face    EvidenceRef  `json:"face"`
	FacePNG *EvidenceRef `json:"facePng,omitempty"`
	DSC     string       `json:"dsc"`  // subject of the Document Signer
	CSCA    string       `json:"csca"` // subject of the CSCA it chains to
	At      time.Time    `json:"at"`
}

// ConfirmedData is what the applicant confirmed after the chip reading.
type ConfirmedData struct {
	Address string    `json:"address,omitempty"`
	TaxCode string    `json:"taxCode,omitempty"`
	At      time.Time `json:"at"`
}

// BindingResult is one automated binding check (face match or
// presentation-attack detection) as an engine reported it.
type BindingResult struct {
	Engine    string             `json:"engine"` // "none" for the development engine
	Performed bool               `json:"performed"`
	Decision  string             `json:"decision,omitempty"` // "match", "no_match", "live", "attack"
	Scores    map[string]float64 `json:"scores,omitempty"`
	At        time.Time          `json:"at,omitzero"`
}

// Identifications stores identification sessions.
type Identifications interface {
	// CreateIdentification stores a new session (errs.Conflict on a used ID).
	CreateIdentification(ctx context.Context, s *Identification) error
	Identification(ctx context.Context, id string) (*Identification, error)
	// UpdateIdentification runs fn on the session; its ID, order and
	// customer never change.
	UpdateIdentification(ctx context.Context, id string, fn func(*Identification) error) error
	// IdentificationsOf lists an order's sessions, oldest first.
	IdentificationsOf(ctx context.Context, orderNumber string) ([]*Identification, error)
}
