package postgres_test

import (
	"context"
	"errors"
	neturl "net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
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

// The application logs in as its own role, which may insert and read the
// audit log and nothing more, whatever it sends: not even RESET ROLE gives
// it the owner's rights back. The register it may read and write. The
// owner's login is refused by CheckRole, the application's passes.
func TestAppRole(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db := pgtest.Open(t, pgtest.AppURL(t, url))
	var role string
	if err := db.Pool.QueryRow(ctx, `SELECT current_user`).Scan(&role); err != nil || role != postgres.AppRole {
		t.Fatalf("current_user = %q (%v), want %s", role, err, postgres.AppRole)
	}
	if err := db.CheckRole(ctx); err != nil {
		t.Errorf("CheckRole as the application's login: %v", err)
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
		// An injected RESET ROLE changes nothing: the login is the role.
		`RESET ROLE; ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update_delete`,
		`SET ROLE jaring; UPDATE audit_event SET actor = 'x'`,
		`SET session_replication_role = replica; DELETE FROM audit_event`,
	} {
		_, err := db.Pool.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || (pgErr.Code != "42501" && pgErr.Code != "42P01" && pgErr.Code != "22023") {
			t.Errorf("%s as the app role: err = %v, want permission denied", sql, err)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM audit_event`); n != 1 {
		t.Errorf("the audit log holds %d events, want the one written", n)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO organisation (code, name, kind) VALUES ('APP-OK', 'x', 'AGENCY')`); err != nil {
		t.Errorf("the app role cannot write the register: %v", err)
	}
	if _, err := db.Pool.Exec(ctx, `DROP TABLE benefit`); err == nil {
		t.Error("the app role may drop tables")
	}

	// The owner who migrated is a superuser here: serve refuses it.
	owner := pgtest.Open(t, url)
	var re *postgres.RoleError
	if err := owner.CheckRole(ctx); !errors.As(err, &re) || !strings.Contains(err.Error(), "superuser") || !strings.Contains(err.Error(), "--allow-owner") {
		t.Errorf("CheckRole as the owner: %v, want a RoleError naming the superuser and --allow-owner", err)
	}
	// A plain owner of the audit log, no superuser, is refused too.
	if _, err := owner.Pool.Exec(ctx, `CREATE ROLE audit_owner_test LOGIN PASSWORD 'audit-owner-test-pw';
		GRANT CREATE ON SCHEMA public TO audit_owner_test`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = owner.Pool.Exec(context.Background(), `REASSIGN OWNED BY audit_owner_test TO CURRENT_USER; DROP OWNED BY audit_owner_test; DROP ROLE audit_owner_test`)
	})
	if _, err := owner.Pool.Exec(ctx, `ALTER TABLE audit_event OWNER TO audit_owner_test`); err != nil {
		t.Fatal(err)
	}
	u, _ := neturl.Parse(url)
	u.User = neturl.UserPassword("audit_owner_test", "audit-owner-test-pw")
	asOwner := pgtest.Open(t, u.String())
	if err := asOwner.CheckRole(ctx); !errors.As(err, &re) || !strings.Contains(err.Error(), "owns the audit log") {
		t.Errorf("CheckRole as the audit log's owner: %v", err)
	}
}

// Every migration undoes itself: from the newest schema holding the
// fixture's rows, each step down and up again leaves a database the server
// accepts, with its rules in force.
func TestMigrateDownAndUp(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db := pgtest.Open(t, url)
	if _, err := db.Pool.Exec(ctx, fixtureSQL+`
		INSERT INTO benefit (program_id, kind_code, source, payer_id, household_id, region_code, amount, period, external_ref)
		SELECT p.id, p.kind_code, p.source, o.id, h.id, h.region_code, 1, daterange('2026-01-01', '2026-12-31', '[]'), 'MIG-1'
		FROM program p, organisation o, household h WHERE p.code = 'BPNT' AND o.code = 'DINSOS' AND h.kk = '`+kkKoba+`'`); err != nil {
		t.Fatalf("load fixture: %v", err)
	}
	known, err := postgres.KnownVersion()
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	for v := known - 1; v >= 0; v-- {
		if err := postgres.MigrateTo(ctx, url, v); err != nil {
			t.Fatalf("down to %d: %v", v, err)
		}
		if err := postgres.MigrateTo(ctx, url, known); err != nil {
			t.Fatalf("up again from %d: %v", v, err)
		}
		if err := postgres.MigrateTo(ctx, url, v); err != nil {
			t.Fatalf("down to %d once more: %v", v, err)
		}
	}
	if err := postgres.Migrate(ctx, url, nil); err != nil {
		t.Fatalf("up from nothing: %v", err)
	}
	db = pgtest.Open(t, url)
	if err := db.CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}
	// The rules are back: the double-aid constraint and the append-only log.
	if _, err := db.Pool.Exec(ctx, fixtureSQL); err != nil {
		t.Fatal(err)
	}
	insert := `INSERT INTO benefit (program_id, kind_code, source, payer_id, household_id, region_code, amount, period, external_ref)
		SELECT p.id, p.kind_code, p.source, o.id, h.id, h.region_code, 1, daterange('2026-01-01', '2026-12-31', '[]'), $1
		FROM program p, organisation o, household h WHERE p.code = 'BPNT' AND o.code = 'DINSOS' AND h.kk = '` + kkKoba + `'`
	if _, err := db.Pool.Exec(ctx, insert, "MIG-2"); err != nil {
		t.Fatal(err)
	}
	var pgErr *pgconn.PgError
	if _, err := db.Pool.Exec(ctx, insert, "MIG-3"); !errors.As(err, &pgErr) || pgErr.ConstraintName != "benefit_no_double_aid" {
		t.Errorf("second food aid after down and up: %v, want benefit_no_double_aid", err)
	}
	app := pgtest.Open(t, pgtest.AppURL(t, url))
	if err := app.CheckRole(ctx); err != nil {
		t.Errorf("the application's login after down and up: %v", err)
	}
}

// TestForeignKeysHaveIndexes: every foreign key into a table that grows
// with the register (households, persons, benefits, applications, register
// changes, …) has an index that leads with one of its columns, whole or
// partial on that column being set, so that PostgreSQL's check of the key,
// when the row it points to is deleted or its key cascades, looks the
// referencing rows up. Keys into the reference tables — organisations,
// programs, kinds of aid, region codes — are left out: their rows are few,
// are never deleted while referenced, and their keys do not change; an
// index on every benefit's payer would cost every write for nothing.
func TestForeignKeysHaveIndexes(t *testing.T) {
	db := pgtestOpen(t)
	rows, err := db.Pool.Query(context.Background(), `
		SELECT c.conrelid::regclass::text || '.' || c.conname
		FROM pg_constraint c
		WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
			AND c.confrelid::regclass::text NOT IN ('organisation', 'program', 'benefit_kind', 'region')
			AND NOT EXISTS (
				SELECT 1 FROM pg_index i
				JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
				WHERE i.indrelid = c.conrelid AND i.indkey[0] = ANY (c.conkey)
					AND (i.indpred IS NULL OR pg_get_expr(i.indpred, i.indrelid) = '(' || a.attname || ' IS NOT NULL)'))
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	bare, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, fk := range bare {
		t.Errorf("foreign key %s has no index leading with its columns", fk)
	}
}
