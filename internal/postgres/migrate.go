package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"

	"github.com/jaring-id/jaring/internal/region"
	"github.com/jaring-id/jaring/migrations"
)

// versionTable is where tern records the schema version.
const versionTable = "public.schema_version"

// SchemaError says that the database's schema is not the one this build of
// Jaring was made for.
type SchemaError struct {
	Current, Known int32
}

func (e *SchemaError) Error() string {
	if e.Current > e.Known {
		return fmt.Sprintf("the database schema is at version %d, but this jaring knows versions up to %d: "+
			"it was migrated by a newer Jaring; run that version (or newer) instead", e.Current, e.Known)
	}
	return fmt.Sprintf("the database schema is at version %d, this jaring needs version %d: run `jaring migrate`", e.Current, e.Known)
}

// Migrate brings the database at url up to the newest schema and refreshes
// the region codes. It refuses a database migrated by a newer Jaring.
// Concurrent calls are safe: tern holds an advisory lock while it works.
// logf, if not nil, is told of each migration applied.
func Migrate(ctx context.Context, url string, logf func(format string, args ...any)) error {
	var progress func(int, int, string)
	if logf != nil {
		progress = func(_, _ int, name string) { logf("migrating up: %s", name) }
	}
	r, err := MigrateReporting(ctx, url, progress)
	if err == nil && logf != nil && r.Regions > 0 {
		logf("region codes: %d added or renamed", r.Regions)
	}
	return err
}

// MigrateResult is what a migration did.
type MigrateResult struct {
	From, To int32 // the schema version before and after
	Regions  int64 // region codes added or renamed
}

// MigrateReporting is Migrate, telling progress (if not nil) of each
// migration as it starts: its place among those to apply, from 1, their
// number and its name. It returns what it did.
func MigrateReporting(ctx context.Context, url string, progress func(n, total int, name string)) (MigrateResult, error) {
	conn, err := connect(ctx, url)
	if err != nil {
		return MigrateResult{}, err
	}
	defer conn.Close(ctx)

	m, err := newMigrator(ctx, conn)
	if err != nil {
		return MigrateResult{}, err
	}
	current, err := m.GetCurrentVersion(ctx)
	if err != nil {
		return MigrateResult{}, fmt.Errorf("read schema version: %w", err)
	}
	known := int32(len(m.Migrations))
	if current > known {
		return MigrateResult{}, &SchemaError{Current: current, Known: known}
	}
	if progress != nil {
		m.OnStart = func(seq int32, name, _, _ string) {
			progress(int(seq-current), int(known-current), name)
		}
	}
	if err := m.Migrate(ctx); err != nil {
		return MigrateResult{}, fmt.Errorf("migrate: %w", err)
	}
	n, err := syncRegions(ctx, conn)
	if err != nil {
		return MigrateResult{}, fmt.Errorf("load region codes: %w", err)
	}
	return MigrateResult{From: current, To: known, Regions: n}, nil
}

// MigrateTo moves the database at url to schema version target, up or down:
// a way back for an operator, and how the tests check that every migration
// undoes itself. Going down drops what the versions above target made,
// with its data. Region codes are refreshed when target is the newest.
func MigrateTo(ctx context.Context, url string, target int32) error {
	conn, err := connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	m, err := newMigrator(ctx, conn)
	if err != nil {
		return err
	}
	if known := int32(len(m.Migrations)); target < 0 || target > known {
		return fmt.Errorf("schema version %d: this jaring knows versions 0 to %d", target, known)
	}
	if err := m.MigrateTo(ctx, target); err != nil {
		return fmt.Errorf("migrate to version %d: %w", target, err)
	}
	if target == int32(len(m.Migrations)) {
		if _, err := syncRegions(ctx, conn); err != nil {
			return fmt.Errorf("load region codes: %w", err)
		}
	}
	return nil
}

// CheckSchema returns a *SchemaError unless the database is at exactly the
// schema version this build knows: a server must not run on a schema it was
// not made for.
func (db *DB) CheckSchema(ctx context.Context) error {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect to database: %w", err)
	}
	defer conn.Release()
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, versionTable).Scan(&exists); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	known, err := KnownVersion()
	if err != nil {
		return err
	}
	var current int32
	if exists {
		if err := conn.QueryRow(ctx, `SELECT version FROM `+versionTable).Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
	}
	if current != known {
		return &SchemaError{Current: current, Known: known}
	}
	return nil
}

func newMigrator(ctx context.Context, conn *pgx.Conn) (*migrate.Migrator, error) {
	m, err := migrate.NewMigrator(ctx, conn, versionTable)
	if err != nil {
		return nil, fmt.Errorf("prepare migrations: %w", err)
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return m, nil
}

// KnownVersion returns the schema version this build migrates to.
func KnownVersion() (int32, error) {
	names, err := migrate.FindMigrations(migrations.FS)
	if err != nil {
		return 0, fmt.Errorf("load migrations: %w", err)
	}
	return int32(len(names)), nil
}

// syncRegions makes the region table hold the embedded region codes: new
// codes are added and renamed regions renamed. Codes are never deleted, since
// households and old NIKs may still name a region that was split.
func syncRegions(ctx context.Context, conn *pgx.Conn) (int64, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE region_in (code text COLLATE "C", level text, name text, parent_code text COLLATE "C") ON COMMIT DROP`); err != nil {
		return 0, err
	}
	all := region.All()
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"region_in"}, []string{"code", "level", "name", "parent_code"},
		pgx.CopyFromSlice(len(all), func(i int) ([]any, error) {
			r := all[i]
			var parent *string
			if p := r.ParentCode(); p != "" {
				parent = &p
			}
			return []any{r.Code, string(r.Level), r.Name, parent}, nil
		})); err != nil {
		return 0, err
	}
	// Sorted by code, parents come before children.
	tag, err := tx.Exec(ctx, `
		INSERT INTO region (code, level, name, parent_code)
		SELECT code, level, name, parent_code FROM region_in ORDER BY code
		ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name
		WHERE region.name IS DISTINCT FROM EXCLUDED.name`)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), tx.Commit(ctx)
}
