package config

import (
	"errors"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Evidence configures how long evidence bundles are kept (package bundle,
// ENROLMENT.md 1.5): RetentionYears after issuance for enrolments that
// issued a certificate (CAD 32(3)(j), eIDAS 24(2)(h)); FailedRetention
// after the end for enrolments that did not, and for the evidence of
// failed identification attempts.
//
// Store says where the evidence files are kept: "files" (age files under
// <data>/evidence/, one node) or "store" (in the database with the
// records, read by every node sharing it). Default: "store" when
// storage.driver is postgres, "files" on bolt.
type Evidence struct {
	RetentionYears  int      `json:"retentionYears"`  // default 20
	FailedRetention Duration `json:"failedRetention"` // default 8760h
	Store           string   `json:"store"`
}

// Where the evidence files are kept.
const (
	EvidenceInFiles = "files"
	EvidenceInStore = "store"
)

func (e *Evidence) defaults(driver string) {
	if e.Store == "" {
		// The same rule as storage.audit: a database is what several
		// nodes share, the bbolt file is one node's.
		e.Store = EvidenceInFiles
		if driver == DriverPostgres {
			e.Store = EvidenceInStore
		}
	}
	if e.RetentionYears == 0 {
		e.RetentionYears = 20
	}
	if e.FailedRetention == 0 {
		e.FailedRetention = Duration(8760 * time.Hour)
	}
}

func (e *Evidence) validate() error {
	if e.Store != EvidenceInFiles && e.Store != EvidenceInStore {
		return errs.M(errs.InvalidRequest, msg.EvidenceStoreUnknown, e.Store)
	}
	if e.RetentionYears < 1 || e.RetentionYears > 100 {
		return errors.New("evidence.retentionYears must be 1..100")
	}
	if e.FailedRetention < Duration(24*time.Hour) {
		return errors.New("evidence.failedRetention must be at least 24h")
	}
	return nil
}
