// Package backend opens the storage back end a configuration names, so
// that the composition root never names a back-end type: it asks for a
// driver ("bolt", "postgres") and gets a Store.
package backend

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/bolt"
	"github.com/qesproject/qes/storage/postgres"
)

// Store is everything qes keeps, whichever back end keeps it: every
// aggregate and the audit log's anchor (audit.Anchor and
// audit.HeadAnchor, written out here so that storage imports no audit).
type Store interface {
	storage.Store
	storage.Devices
	storage.EvidenceBundles
	storage.EvidenceBlobs
	storage.OfficerStore

	SaveAuditAnchor(ctx context.Context, seq uint64, hash []byte) error
	SaveAuditAnchorHead(ctx context.Context, head func() (uint64, []byte)) (seq uint64, hash []byte, err error)
	AuditAnchor(ctx context.Context) (seq uint64, hash []byte, err error)
}

// Opener opens one driver's store. dsn is the configured DSN (may be
// empty), dataDir the service's data directory.
type Opener func(ctx context.Context, dsn, dataDir string) (Store, error)

var mu sync.Mutex

var drivers = map[string]Opener{
	"bolt":     openBolt,
	"postgres": openPostgres,
}

var (
	_ Store = (*bolt.DB)(nil)
	_ Store = (*postgres.DB)(nil)
)

// Register adds a driver (tests register engines of their own); a name
// taken already is a programming error.
func Register(name string, open Opener) {
	mu.Lock()
	defer mu.Unlock()
	if _, taken := drivers[name]; taken {
		panic("storage/backend: driver " + name + " registered twice")
	}
	drivers[name] = open
}

// Drivers lists the known drivers, sorted.
func Drivers() []string {
	mu.Lock()
	defer mu.Unlock()
	out := make([]string, 0, len(drivers))
	for d := range drivers {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// Open opens the store of driver ("" is bolt).
func Open(ctx context.Context, driver, dsn, dataDir string) (Store, error) {
	if driver == "" {
		driver = "bolt"
	}
	mu.Lock()
	open, ok := drivers[driver]
	mu.Unlock()
	if !ok {
		return nil, errs.M(errs.InvalidRequest, msg.StoreDriverUnknown, driver, strings.Join(Drivers(), ", "))
	}
	return open(ctx, dsn, dataDir)
}

// openBolt opens <dataDir>/qes.db, or the file dsn names.
func openBolt(_ context.Context, dsn, dataDir string) (Store, error) {
	path := dsn
	if path == "" {
		path = filepath.Join(dataDir, "qes.db")
	}
	db, err := bolt.Open(path)
	if err != nil {
		return nil, err
	}
	return db, nil
}

func openPostgres(ctx context.Context, dsn, _ string) (Store, error) {
	if dsn == "" {
		return nil, errs.M(errs.InvalidRequest, msg.StoreDSNMissing, "postgres")
	}
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return db, nil
}
