package testutil

import (
	"context"
	"path/filepath"

	"crypto/sha256"
	"encoding/hex"
	"github.com/qesproject/qes/storage/backend"
	"github.com/qesproject/qes/storage/bolt"
	"os"
	"testing"

	"github.com/qesproject/qes/internal/config"
	"github.com/qesproject/qes/internal/testutil/pgtest"
)

// StorageEnv selects the storage back end of every test server:
// unset or "bolt" (the default, a bbolt file in the data directory),
// "postgres" (a database on the test binary's PostgreSQL, see pgtest), or
// "bolt-rerun" (bbolt running every read-write closure twice, the first
// run rolled back: it finds closures that break storage's rule that they
// may run more than once), so that the whole suite can run on any:
//
//	QES_STORAGE=postgres go test ./internal/app ./csc ./sam ./portal
//
// The package's TestMain must call Cleanup, which stops PostgreSQL.
const StorageEnv = "QES_STORAGE"

// useStorage points cfg at the back end StorageEnv selects. The
// PostgreSQL database is named after the data directory, so that a
// restart on the same directory finds the same database.
func useStorage(t testing.TB, cfg *config.Config) {
	t.Helper()
	switch d := os.Getenv(StorageEnv); d {
	case "", config.DriverBolt:
	case driverBoltRerun:
		cfg.Storage.Driver = driverBoltRerun
	case config.DriverPostgres:
		sum := sha256.Sum256([]byte(cfg.DataDir))
		cfg.Storage.Driver = config.DriverPostgres
		cfg.Storage.DSN = pgtest.Database(t, "qes_"+hex.EncodeToString(sum[:12]))
	default:
		t.Fatalf("%s=%q: want bolt, postgres or %s", StorageEnv, d, driverBoltRerun)
	}
	// Most tests read the audit log's file; AuditEnv=store keeps it in the
	// store instead, as a several-node deployment does.
	switch a := os.Getenv(AuditEnv); a {
	case "", config.AuditInFile:
		cfg.Storage.Audit = config.AuditInFile
	case config.AuditInStore:
		cfg.Storage.Audit = config.AuditInStore
	default:
		t.Fatalf("%s=%q: want file or store", AuditEnv, a)
	}
	useEvidence(t, cfg)
}

// EvidenceEnv selects where the test servers keep evidence files: unset
// (what the back end's default is: the store on postgres, files on bbolt),
// "files" or "store".
const EvidenceEnv = "QES_EVIDENCE"

// useEvidence sets evidence.store as EvidenceEnv says; config.Load chose
// by the driver in qes.json, before useStorage changed it.
func useEvidence(t testing.TB, cfg *config.Config) {
	t.Helper()
	switch e := os.Getenv(EvidenceEnv); e {
	case "":
		cfg.Evidence.Store = config.EvidenceInFiles
		if cfg.Storage.Driver == config.DriverPostgres {
			cfg.Evidence.Store = config.EvidenceInStore
		}
	case config.EvidenceInFiles, config.EvidenceInStore:
		cfg.Evidence.Store = e
	default:
		t.Fatalf("%s=%q: want files or store", EvidenceEnv, e)
	}
}

// AuditEnv selects where the test servers keep the audit log: unset or
// "file" (<data>/audit.jsonl, which most tests read), or "store".
const AuditEnv = "QES_AUDIT"

const driverBoltRerun = "bolt-rerun"

func init() {
	backend.Register(driverBoltRerun, func(_ context.Context, _, dataDir string) (backend.Store, error) {
		db, err := bolt.Open(filepath.Join(dataDir, "qes.db"), bolt.RerunClosures())
		if err != nil {
			return nil, err
		}
		return db, nil
	})
}

// StorageDriver is the back end the test servers run on.
func StorageDriver() string {
	if d := os.Getenv(StorageEnv); d != "" {
		return d
	}
	return config.DriverBolt
}
