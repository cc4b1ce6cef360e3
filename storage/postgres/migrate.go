package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// migrations are the schema's versions, NNNN_name.sql, applied in order
// and never edited once released: a change is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key the migrations run under, so
// that nodes starting together apply each migration once.
const migrationLock int64 = 0x7165735f736368 // "qes_sch"

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, f := range files {
		base := strings.TrimSuffix(strings.TrimPrefix(f, "migrations/"), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %s: want NNNN_name.sql", f)
		}
		b, err := migrations.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %d (%s): versions must run 1, 2, 3... without gaps", m.version, m.name)
		}
	}
	return out, nil
}

// SchemaVersion is the newest schema version this binary knows.
func SchemaVersion() int {
	ms, err := loadMigrations()
	if err != nil {
		panic(err) // the embedded files are fixed at build time; a test covers them
	}
	return len(ms)
}

// migrate applies the migrations the database lacks, in one transaction
// under an advisory lock, and refuses a database whose schema is newer
// than this binary (it would write records an older qes does not know).
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := loadMigrations()
	if err != nil {
		return errs.Internalf(err, "embedded schema migrations")
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS qes_schema_migrations (
			version integer PRIMARY KEY,
			name text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return mapErr(err)
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM qes_schema_migrations`).Scan(&have); err != nil {
			return mapErr(err)
		}
		if have > len(ms) {
			return errs.M(errs.Unavailable, msg.StoreSchemaNewer, have, len(ms))
		}
		for _, m := range ms[have:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return errs.WrapM(err, errs.Internal, msg.StoreMigrationFails, m.version, m.name)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO qes_schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return errs.WrapM(err, errs.Internal, msg.StoreMigrationFails, m.version, m.name)
			}
		}
		return nil
	})
}
