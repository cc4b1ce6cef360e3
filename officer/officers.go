package officer

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/codicefiscale"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

// NewOfficer is `qesctl operator create`.
type NewOfficer struct {
	User      string `json:"user"`
	FullName  string `json:"fullName"`
	TaxCode   string `json:"taxCode"`
	Email     string `json:"email"`
	Password  string `json:"password"`
	TrainedOn string `json:"trainedOn"` // YYYY-MM-DD
}

// Created is a new officer with the otpauth:// URI of their authenticator
// app, shown once.
type Created struct {
	User    string `json:"user"`
	TOTPURI string `json:"totpUri"`
}

// Summary is an officer as listings show them: no hash, no seed.
type Summary struct {
	User          string    `json:"user"`
	FullName      string    `json:"fullName"`
	Email         string    `json:"email"`
	TrainedOn     string    `json:"trainedOn"`
	TrainingValid bool      `json:"trainingValid"`
	CreatedAt     time.Time `json:"createdAt"`
	Disabled      bool      `json:"disabled,omitempty"`
}

var userPattern = regexp.MustCompile(`^[a-z0-9._-]{3,32}$`)

// normalizeUser is the user name as stored: trimmed, lower case.
func normalizeUser(u string) string { return strings.ToLower(strings.TrimSpace(u)) }

// parseDay reads a training day, which cannot be in the future.
func parseDay(day string, now time.Time) (time.Time, error) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(day))
	if err != nil || t.After(now) {
		return time.Time{}, errs.M(errs.InvalidRequest, msg.OfficerTrainingInvalid)
	}
	return t, nil
}

// sealAD binds a sealed seed to its officer: it cannot be copied to
// another record.
func sealAD(user string) []byte { return []byte("officer/" + user + "/console-login") }

// Create adds an officer with a new authenticator seed; the returned URI
// is the only time the seed leaves the HSM's seal.
func (s *Service) Create(ctx context.Context, n NewOfficer) (*Created, error) {
	now := s.now().UTC()
	user := normalizeUser(n.User)
	if !userPattern.MatchString(user) {
		return nil, errs.M(errs.InvalidRequest, msg.OfficerUserInvalid)
	}
	name := strings.TrimSpace(n.FullName)
	if name == "" || len(name) > 200 {
		return nil, errs.M(errs.InvalidRequest, msg.OfficerNameRequired)
	}
	tax := strings.ToUpper(strings.TrimSpace(n.TaxCode))
	if codicefiscale.CheckPersonal(tax) != nil {
		return nil, errs.M(errs.InvalidRequest, msg.OfficerTaxCodeInvalid)
	}
	email := strings.TrimSpace(n.Email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return nil, errs.M(errs.InvalidRequest, msg.OfficerEmailInvalid)
	}
	trained, err := parseDay(n.TrainedOn, now)
	if err != nil {
		return nil, err
	}
	if err := enrol.CheckPassword(n.Password, n.Password); err != nil {
		return nil, err
	}
	hash, err := secret.Hash(n.Password, s.cfg.Argon)
	if err != nil {
		return nil, err
	}
	e, err := otp.NewTOTP(s.cfg.TOTPIssuer, user)
	if err != nil {
		return nil, err
	}
	sealed, err := s.sealer.Seal([]byte(e.Secret), sealAD(user))
	if err != nil {
		return nil, errs.Internalf(err, "seal the officer's TOTP seed")
	}
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "officer.create", Detail: map[string]string{"officer": user}}); err != nil {
		return nil, err
	}
	o := &storage.Officer{User: user, FullName: name, TaxCode: tax, Email: email, PasswordHash: hash, TOTPSealed: sealed,
		TrainedOn: trained, CreatedAt: now}
	if err := s.store.CreateOfficer(ctx, o); err != nil {
		return nil, err
	}
	s.record(ctx, audit.Event{Type: "officer.create", Outcome: "ok", Detail: map[string]string{"officer": user}})
	return &Created{User: user, TOTPURI: e.URI}, nil
}

// List lists the officers, with whether their training still lets them
// decide.
func (s *Service) List(ctx context.Context) ([]Summary, error) {
	all, err := s.store.ListOfficers(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]Summary, 0, len(all))
	for _, o := range all {
		out = append(out, Summary{User: o.User, FullName: o.FullName, Email: o.Email, TrainedOn: o.TrainedOn.Format("2006-01-02"),
			TrainingValid: s.trainingCurrent(o, now), CreatedAt: o.CreatedAt, Disabled: !o.DisabledAt.IsZero()})
	}
	return out, nil
}

// Trained records an officer's new training day.
func (s *Service) Trained(ctx context.Context, user, day string) (*Summary, error) {
	user = normalizeUser(user)
	now := s.now().UTC()
	trained, err := parseDay(day, now)
	if err != nil {
		return nil, err
	}
	var out *Summary
	err = s.store.UpdateOfficer(ctx, user, func(o *storage.Officer) error {
		o.TrainedOn = trained
		out = &Summary{User: o.User, FullName: o.FullName, Email: o.Email, TrainedOn: o.TrainedOn.Format("2006-01-02"),
			TrainingValid: s.trainingCurrent(o, now), CreatedAt: o.CreatedAt, Disabled: !o.DisabledAt.IsZero()}
		return nil
	})
	if errs.Is(err, errs.NotFound) {
		return nil, errs.M(errs.NotFound, msg.OfficerNotFound, user)
	}
	if err != nil {
		return nil, err
	}
	s.record(ctx, audit.Event{Type: "officer.trained", Outcome: "ok", Detail: map[string]string{"officer": user, "on": day}})
	return out, nil
}

// Disable ends an officer's access: their sessions stop at the next
// request and no login passes. The record stays, as the reviews it
// signed refer to it.
func (s *Service) Disable(ctx context.Context, user string) (*Summary, error) {
	user = normalizeUser(user)
	now := s.now().UTC()
	var out *Summary
	err := s.store.UpdateOfficer(ctx, user, func(o *storage.Officer) error {
		if o.DisabledAt.IsZero() {
			o.DisabledAt = now
		}
		out = &Summary{User: o.User, FullName: o.FullName, Email: o.Email, TrainedOn: o.TrainedOn.Format("2006-01-02"),
			TrainingValid: s.trainingCurrent(o, now), CreatedAt: o.CreatedAt, Disabled: true}
		return nil
	})
	if errs.Is(err, errs.NotFound) {
		return nil, errs.M(errs.NotFound, msg.OfficerNotFound, user)
	}
	if err != nil {
		return nil, err
	}
	s.record(ctx, audit.Event{Type: "officer.disable", Outcome: "ok", Detail: map[string]string{"officer": user}})
	return out, nil
}
