package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
)

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	url := pgtest.EmptyURL(t)
	db := pgtest.Open(t, url)

	// An empty database is not one a server may run on.
	var se *postgres.SchemaError
	if err := db.CheckSchema(ctx); !errors.As(err, &se) || !strings.Contains(err.Error(), "run `jaring migrate`") {
		t.Fatalf("CheckSchema on an empty database = %v, want a SchemaError telling to migrate", err)
	}

	var applied []string
	if err := postgres.Migrate(ctx, url, func(f string, a ...any) { applied = append(applied, f) }); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if len(applied) < 5 {
		t.Errorf("Migrate reported %d steps, want every migration and the region load", len(applied))
	}
	if err := db.CheckSchema(ctx); err != nil {
		t.Fatalf("CheckSchema after Migrate: %v", err)
	}
	var regions, villages int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE code LIKE '19.04.%' AND level = 'VILLAGE') FROM region`).Scan(&regions, &villages); err != nil {
		t.Fatal(err)
	}
	if regions < 7000 || villages != 63 {
		t.Errorf("region table holds %d regions, %d villages of 19.04; want the whole country and 63", regions, villages)
	}

	// Migrating again changes nothing and does not fail.
	applied = nil
	if err := postgres.Migrate(ctx, url, func(f string, a ...any) { applied = append(applied, f) }); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if len(applied) != 0 {
		t.Errorf("second Migrate applied %d steps, want none", len(applied))
	}

	// A database migrated by a newer Jaring is refused, not rolled back.
	if _, err := db.Pool.Exec(ctx, `UPDATE schema_version SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	err := postgres.Migrate(ctx, url, nil)
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "newer Jaring") {
		t.Fatalf("Migrate on a newer schema = %v, want a SchemaError naming a newer Jaring", err)
	}
	if err := db.CheckSchema(ctx); !errors.As(err, &se) || se.Current != se.Known+1 {
		t.Fatalf("CheckSchema on a newer schema = %v", err)
	}
	var tables int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'benefit'`).Scan(&tables); err != nil || tables != 1 {
		t.Fatalf("the benefit table is gone after a refused migration (%d, %v)", tables, err)
	}
}

// The application's role may insert and read the audit log, and nothing
// more; the register it may read and write.
func TestAppRole(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, pgtest.URL(t), postgres.WithAppRole())
	var role string
	if err := db.Pool.QueryRow(ctx, `SELECT current_user`).Scan(&role); err != nil || role != postgres.AppRole {
		t.Fatalf("current_user = %q (%v), want %s", role, err, postgres.AppRole)
	}
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log.Close()
	if err := log.Write(ctx, &audit.Event{Actor: "a", Org: "X", Operation: "query household", Fields: []string{"Person.nik"}}); err != nil {
		t.Fatalf("the app role cannot append to the audit log: %v", err)
	}
	for _, sql := range []string{
		`UPDATE audit_event SET actor = 'x'`,
		`DELETE FROM audit_event`,
		`TRUNCATE audit_event`,
		`ALTER TABLE audit_event DISABLE TRIGGER USER`,
	} {
		_, err := db.Pool.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || (pgErr.Code != "42501" && pgErr.Code != "42P01") {
			t.Errorf("%s as the app role: err = %v, want permission denied", sql, err)
		}
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO organisation (code, name, kind) VALUES ('APP-OK', 'x', 'AGENCY')`); err != nil {
		t.Errorf("the app role cannot write the register: %v", err)
	}
	if _, err := db.Pool.Exec(ctx, `DROP TABLE benefit`); err == nil {
		t.Error("the app role may drop tables")
	}
}
