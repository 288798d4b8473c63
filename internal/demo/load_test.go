package demo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/demo"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func count(t *testing.T, pool *pgxpool.Pool, sql string) int64 {
	t.Helper()
	var n int64
	if err := pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// Demo data goes only into an empty database, and all of it or none.
func TestLoadDemo(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, pgtest.URL(t))
	data := demo.Generate(demo.Options{Seed: 7, Households: 30})
	if err := demo.Load(ctx, db.Pool, data); err != nil {
		t.Fatal(err)
	}
	for table, want := range map[string]int{"household": len(data.Households), "person": len(data.Persons), "benefit": len(data.Benefits),
		"application": len(data.Applications), "referral": len(data.Referrals), "organisation": len(data.Organisations)} {
		if n := count(t, db.Pool, `SELECT count(*) FROM `+table); n != int64(want) {
			t.Errorf("%s holds %d rows, want %d", table, n, want)
		}
	}
	// Every demo benefit's kind is its program's: the loader joins by code.
	if n := count(t, db.Pool, `SELECT count(*) FROM benefit b JOIN program p ON p.id = b.program_id WHERE p.kind_code <> b.kind_code`); n != 0 {
		t.Errorf("%d benefits have a kind other than their program's", n)
	}
	if err := demo.Load(ctx, db.Pool, data); jaring.ErrorCode(err) != jaring.ECONFLICT {
		t.Errorf("second Load: err = %v, want CONFLICT", err)
	}

	// A row that refers to nothing aborts the whole load.
	empty := pgtest.Open(t, pgtest.URL(t))
	bad := demo.Generate(demo.Options{Seed: 7, Households: 30})
	bad.Benefits[len(bad.Benefits)-1].Payer = "NOBODY"
	if err := demo.Load(ctx, empty.Pool, bad); err == nil || !strings.Contains(err.Error(), "refer to rows that do not exist") {
		t.Fatalf("Load with a dangling payer: err = %v", err)
	}
	if n := count(t, empty.Pool, `SELECT count(*) FROM household`); n != 0 {
		t.Errorf("a failed load left %d households behind", n)
	}
}

// The generator checks its ledger by the ledger's own rule against a
// catalogue of its own: it must be the one the migrations seed, kind by kind
// and exclusion by exclusion, or the demo would hold what the rule refuses.
func TestRulesAreTheDatabases(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, pgtest.URL(t))
	store := postgres.NewBenefitStore(db, nil)
	kinds, err := store.FindKinds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inDB := map[string]*benefit.Kind{}
	for _, k := range kinds {
		inDB[k.Code] = k
	}
	for code, k := range demo.Rules().Kinds {
		d := inDB[code]
		if d == nil || d.Scope != k.Scope || d.Exclusive != k.Exclusive {
			t.Errorf("kind %s: the generator has %+v, the database %+v", code, k, d)
		}
	}
	xs, err := store.FindExclusions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key := func(x benefit.Exclusion) string {
		a, b := x.CodeA, x.CodeB
		if a > b {
			a, b = b, a
		}
		return a + "|" + b + "|" + x.Reason
	}
	want := map[string]bool{}
	for _, x := range xs {
		want[key(x)] = true
	}
	got := map[string]bool{}
	for _, x := range demo.Rules().Exclusions {
		got[key(x)] = true
		if !want[key(x)] {
			t.Errorf("the generator's exclusion %s is not the database's", key(x))
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("the database's exclusion %s is not the generator's", k)
		}
	}
}
