package testutil

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"testing"

	"github.com/qesproject/qes/internal/config"
	"github.com/qesproject/qes/internal/testutil/pgtest"
)

// StorageEnv selects the storage back end of every test server:
// unset or "bolt" (the default, a bbolt file in the data directory) or
// "postgres" (a database on the test binary's PostgreSQL, see pgtest), so
// that the whole suite can run on either:
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
	case config.DriverPostgres:
		sum := sha256.Sum256([]byte(cfg.DataDir))
		cfg.Storage.Driver = config.DriverPostgres
		cfg.Storage.DSN = pgtest.Database(t, "qes_"+hex.EncodeToString(sum[:12]))
	default:
		t.Fatalf("%s=%q: want bolt or postgres", StorageEnv, d)
	}
}

// StorageDriver is the back end the test servers run on.
func StorageDriver() string {
	if d := os.Getenv(StorageEnv); d != "" {
		return d
	}
	return config.DriverBolt
}
