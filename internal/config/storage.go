package config

import (
	"os"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Storage selects the database back end (storage/backend).
type Storage struct {
	// Driver is "bolt" (the default: one file, <data>/qes.db, one
	// process) or "postgres" (one database shared by several qesd).
	Driver string `json:"driver"`
	// DSN says where the database is: for postgres a libpq URL or
	// key=value string (the password may instead come from PGPASSWORD or
	// a .pgpass file); for bolt an optional file path. StorageDSNEnv, when
	// set, replaces it, so that a password need not sit in qes.json.
	DSN string `json:"dsn"`
	// Audit says where the hash-chained audit log is kept: "file"
	// (<data>/audit.jsonl, fsync'd, anchored in the store: one process
	// only) or "store" (one chain in the database that every node
	// appends to, a signature's intent in its SAD use's transaction).
	// Default: "store" on postgres, "file" on bolt.
	Audit string `json:"audit"`
}

// Where the audit log is kept.
const (
	AuditInFile  = "file"
	AuditInStore = "store"
)

// StorageDSNEnv is the environment variable that supplies Storage.DSN.
const StorageDSNEnv = "QES_STORAGE_DSN"

// Storage drivers.
const (
	DriverBolt     = "bolt"
	DriverPostgres = "postgres"
)

func (s *Storage) defaults() {
	if s.Driver == "" {
		s.Driver = DriverBolt
	}
	if s.Audit == "" {
		s.Audit = AuditInFile
		if s.Driver == DriverPostgres {
			s.Audit = AuditInStore
		}
	}
	if dsn := os.Getenv(StorageDSNEnv); dsn != "" {
		s.DSN = dsn
	}
}

func (s Storage) validate() error {
	if s.Audit != AuditInFile && s.Audit != AuditInStore {
		return errs.M(errs.InvalidRequest, msg.StoreAuditUnknown, s.Audit)
	}
	switch s.Driver {
	case DriverBolt:
	case DriverPostgres:
		if s.DSN == "" {
			return errs.M(errs.InvalidRequest, msg.StoreDSNMissing, s.Driver)
		}
	default:
		return errs.M(errs.InvalidRequest, msg.StoreDriverUnknown, s.Driver, DriverBolt+", "+DriverPostgres)
	}
	return nil
}
