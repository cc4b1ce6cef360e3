package config

import (
	"errors"
	"time"
)

// Evidence configures how long evidence bundles are kept (package bundle,
// ENROLMENT.md 1.5): RetentionYears after issuance for enrolments that
// issued a certificate (CAD 32(3)(j), eIDAS 24(2)(h)); FailedRetention
// after the end for enrolments that did not, and for the evidence of
// failed identification attempts.
type Evidence struct {
	RetentionYears  int      `json:"retentionYears"`  // default 20
	FailedRetention Duration `json:"failedRetention"` // default 8760h
}

func (e *Evidence) defaults() {
	if e.RetentionYears == 0 {
		e.RetentionYears = 20
	}
	if e.FailedRetention == 0 {
		e.FailedRetention = Duration(8760 * time.Hour)
	}
}

func (e *Evidence) validate() error {
	if e.RetentionYears < 1 || e.RetentionYears > 100 {
		return errors.New("evidence.retentionYears must be 1..100")
	}
	if e.FailedRetention < Duration(24*time.Hour) {
		return errors.New("evidence.failedRetention must be at least 24h")
	}
	return nil
}
