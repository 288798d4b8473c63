package demo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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

// demoTables are the rows the demo writes, as fingerprint reads them, with
// their fingerprints in the default demo taken before the generator streamed.
var demoTables = []struct{ table, columns, want string }{
	{"organisation", "id, code, name, kind, region_code", "11 e3140a8a5451c7544bde8f1a7ff96f41"},
	{"program", "id, code, name, kind_code, source, owner_id", "14 c2e67548dd21257992de4f4e26eb5e74"},
	{"donor_program", "program_id AS id, donor_id, description, criteria, budget, quota, quota_unit, amount, open_from, open_until, status", "2 7ca232bdcb19ae745bf183a8d5af77e3"},
	{"household", "id, kk, region_code, address, rt, rw, desil, register_status", "2000 8ce382b7bb8a52948e71d1fca831999c"},
	{"person", "id, nik, household_id, region_code, name, birth_date, birth_place, sex, relationship, mother_name, disabled, pregnant", "7089 17ec6fcb3c52354f21d4ef17563232c3"},
	{"benefit", "id, program_id, kind_code, source, payer_id, household_id, region_code, person_id, amount, period, status, channel, external_ref, exclusive", "9551 0153c586f9f7b31cdd24c094dd63625f"},
	{"application", "id, number, household_id, region_code, applicant_id, applicant_nik, type, category, kind_code, description, doc_ktp, doc_kk, doc_sktm, doc_register, status, status_reason, submitted_by_id, submitted_at, updated_at", "150 e3e36c346ef9fc5b39150d9c16c10bf1"},
	{"referral", "id, application_id, household_id, region_code, from_id, to_id, program_id, status, reason, benefit_id, created_at, decided_at, eligibility", "140 cef5601c3cf1e64872d0bc5a9e3c9c80"},
}

// fingerprint returns, for each of demoTables, its rows' count and the md5
// of their text, without the columns that default to now().
func fingerprint(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET TIME ZONE 'UTC'`); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tc := range demoTables {
		var n int64
		var sum string
		err := conn.QueryRow(ctx, `SELECT count(*), md5(string_agg(t::text, E'\n' ORDER BY t.id)) FROM (SELECT `+tc.columns+` FROM `+tc.table+`) t`).Scan(&n, &sum)
		if err != nil {
			t.Fatalf("%s: %v", tc.table, err)
		}
		out = append(out, fmt.Sprintf("%d %s", n, sum))
	}
	return out
}

// The README and other packages' tests name rows of the default demo (seed
// 1, 2,000 households) by KK, NIK and database ID: loading it must write
// exactly the rows it wrote before the generator streamed, column by column
// and ID by ID. The fingerprints are of every row the demo writes (without
// the columns that default to now()), taken before the change.
func TestDemoRowsUnchanged(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, pgtest.DemoURL(t))
	for i, got := range fingerprint(t, db.Pool) {
		if want := demoTables[i].want; got != want {
			t.Errorf("%s: rows and fingerprint %s, want %s", demoTables[i].table, got, want)
		}
	}

	// Household 1904011509090001, which the README shows, with its five
	// members, as it was.
	rows, err := db.Pool.Query(ctx, `
		SELECT h.id, h.kk, h.region_code, h.address, h.rt, h.rw, coalesce(h.desil, 0), h.register_status,
			p.id, p.nik, p.name, p.birth_date::text, p.birth_place, p.sex, p.relationship, p.mother_name, p.disabled, p.pregnant
		FROM household h JOIN person p ON p.household_id = h.id WHERE h.kk = '1904011509090001' ORDER BY p.id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var hid, pid int64
		var kk, region, address, rt, rw, status, nik, name, birth, place, sex, rel, mother string
		var desil int
		var disabled, pregnant bool
		if err := rows.Scan(&hid, &kk, &region, &address, &rt, &rw, &desil, &status, &pid, &nik, &name, &birth, &place, &sex, &rel, &mother, &disabled, &pregnant); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s %s %q %s/%s %d %s | %d %s %q %s %q %s %s %q %t %t",
			hid, kk, region, address, rt, rw, desil, status, pid, nik, name, birth, place, sex, rel, mother, disabled, pregnant))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`30 1904011509090001 19.04.01.1001 "Jl. Sekolah No. 31" 016/008 3 REGISTERED | 102 1904010405740001 "Azhar Idris" 1974-05-04 "Koba" MALE HEAD "Maryam Rahmawati" false false`,
		`30 1904011509090001 19.04.01.1001 "Jl. Sekolah No. 31" 016/008 3 REGISTERED | 103 1904016905790001 "Fatimah Rahmawati" 1979-05-29 "Koba" FEMALE SPOUSE "Hasnah Fitriani" false false`,
		`30 1904011509090001 19.04.01.1001 "Jl. Sekolah No. 31" 016/008 3 REGISTERED | 104 1904014510980001 "Fitri Ningsih" 1998-10-05 "Pangkalpinang" FEMALE CHILD "Fatimah Rahmawati" false false`,
		`30 1904011509090001 19.04.01.1001 "Jl. Sekolah No. 31" 016/008 3 REGISTERED | 105 1902046906030001 "Nur Yuliana" 2003-06-29 "Tanjung Pandan" FEMALE IN_LAW "Maimunah Febriani" false false`,
		`30 1904011509090001 19.04.01.1001 "Jl. Sekolah No. 31" 016/008 3 REGISTERED | 106 1904014111050001 "Dinda Lestari" 2005-11-01 "Koba" FEMALE CHILD "Fatimah Rahmawati" false false`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("household 1904011509090001:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Seed, which loads block by block as the generator draws, writes the rows
// and IDs Load writes for the whole of Generate, for a regency of several
// blocks; and memory aside, the two are the same load.
func TestSeedIsLoad(t *testing.T) {
	ctx := context.Background()
	opts := demo.Options{Seed: 9, Households: 2*demo.BlockSize + 1, AsOf: jaring.Date(2026, time.June, 30)}
	whole := pgtest.Open(t, pgtest.URL(t))
	if err := demo.Load(ctx, whole.Pool, demo.Generate(opts)); err != nil {
		t.Fatal(err)
	}
	streamed := pgtest.Open(t, pgtest.URL(t))
	n, err := demo.Seed(ctx, streamed.Pool, opts)
	if err != nil {
		t.Fatal(err)
	}
	if n.Households != opts.Households {
		t.Errorf("Seed wrote %d households, want %d", n.Households, opts.Households)
	}
	a, b := fingerprint(t, whole.Pool), fingerprint(t, streamed.Pool)
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("%s: Load wrote %s, Seed %s", demoTables[i].table, a[i], b[i])
		}
	}
	// The foreign keys and indexes Seed sets aside while it writes are
	// back, as the migrations made them.
	fresh := pgtest.Open(t, pgtest.URL(t))
	for what, sql := range map[string]string{
		"foreign keys": `SELECT string_agg(conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid), E'\n' ORDER BY conrelid::regclass::text, conname) FROM pg_constraint WHERE contype = 'f'`,
		"indexes":      `SELECT string_agg(indexdef, E'\n' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public'`,
	} {
		var want, got string
		if err := fresh.Pool.QueryRow(ctx, sql).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if err := streamed.Pool.QueryRow(ctx, sql).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s after Seed:\n%s\nwant\n%s", what, got, want)
		}
	}
	if _, err := demo.Seed(ctx, streamed.Pool, opts); jaring.ErrorCode(err) != jaring.ECONFLICT {
		t.Errorf("second Seed: err = %v, want CONFLICT", err)
	}
}
