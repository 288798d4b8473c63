package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

// Each test gets its own database: what one writes, another does not see.
func TestURLIsolated(t *testing.T) {
	ctx := context.Background()
	a, b := URL(t), URL(t)
	if a == b {
		t.Fatalf("two calls gave one database: %s", a)
	}
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	if _, err := ca.Exec(ctx, `INSERT INTO organisation (code, name, kind) VALUES ('ONLY-A', 'A', 'AGENCY')`); err != nil {
		t.Fatal(err)
	}
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	var n int
	if err := cb.QueryRow(ctx, `SELECT count(*) FROM organisation WHERE code = 'ONLY-A'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("database b sees %d rows written to a (%v)", n, err)
	}
	// Both are migrated: the region codes are there.
	if err := cb.QueryRow(ctx, `SELECT count(*) FROM region`).Scan(&n); err != nil || n < 7000 {
		t.Errorf("a fresh database holds %d regions (%v), want it migrated", n, err)
	}
}

// BenchmarkClone measures handing a test its database (aim: under 100 ms).
func BenchmarkClone(b *testing.B) {
	URL(b) // build the template outside the timing
	b.ResetTimer()
	for b.Loop() {
		URL(b)
	}
}
