package postgres_test

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/donor"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/postgres"
)

// TestDonorFacts holds what the donor store reads of a household's members
// — by identifier for eligibility, and for a whole program's reach — to
// what the person table says, birth date for birth date and flag for flag:
// the store packs a member into one integer on the way (packedMember), and
// a mistake there would change every age and composition test. A person
// recorded deceased is no member: an elderly grandmother who died must not
// keep her household eligible for aid to the elderly.
func TestDonorFacts(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	// Dates far apart, a leap day, and every combination of the flags.
	if _, err := db.Pool.Exec(ctx, `
		UPDATE person SET birth_date = '1799-12-31', disabled = true, pregnant = false WHERE nik = '`+nikHead+`';
		UPDATE person SET birth_date = '2000-02-29', disabled = false, pregnant = true WHERE nik = '`+nikSpouse+`';
		UPDATE person SET birth_date = '2026-06-30', disabled = true, pregnant = true WHERE nik = '`+nikChild+`';
		UPDATE person SET birth_date = '1800-01-01' WHERE nik = '`+nikSingle+`';
		-- Recorded dead: no longer a member, and their NIK finds nothing.
		INSERT INTO person (nik, household_id, region_code, name, birth_date, sex, relationship, disabled, register_status)
		SELECT '1904014101400005', household_id, region_code, 'Almarhumah Nenek', '1940-01-01', 'FEMALE', 'PARENT', true, 'DECEASED'
		FROM person WHERE nik = '`+nikHead+`';
		-- A member whose NIK is another household's KK: the KK wins.
		INSERT INTO person (nik, household_id, region_code, name, birth_date, sex, relationship)
		SELECT '`+kkPangkal+`', household_id, region_code, 'Kembar Angka', '1990-01-01', 'MALE', 'OTHER'
		FROM person WHERE nik = '`+nikHead+`';
		UPDATE household SET register_status = 'REGISTERED'`); err != nil {
		t.Fatal(err)
	}
	want := map[string][]donor.Member{} // by region code: one household in each
	rows, _ := db.Pool.Query(ctx, `SELECT h.region_code, p.birth_date, p.disabled, p.pregnant FROM person p JOIN household h ON h.id = p.household_id
		WHERE p.register_status = 'ACTIVE'`)
	var code string
	var m donor.Member
	if _, err := pgx.ForEachRow(rows, []any{&code, &m.BirthDate, &m.Disabled, &m.Pregnant}, func() error {
		want[code] = append(want[code], m)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(want) != 3 {
		t.Fatalf("the fixture has households in %d villages, want 3", len(want))
	}
	check := func(how string, f donor.Facts) {
		t.Helper()
		got, exp := sorted(f.Members), sorted(want[f.RegionCode])
		if !slices.EqualFunc(got, exp, func(a, b donor.Member) bool {
			return a.BirthDate.Equal(b.BirthDate) && a.Disabled == b.Disabled && a.Pregnant == b.Pregnant
		}) {
			t.Errorf("%s, the household in %s: members %v, want %v", how, f.RegionCode, got, exp)
		}
	}
	store := postgres.NewDonorStore(db, postgres.NewAuditLog(db, postgres.AuditOptions{}))
	end := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	year := jaring.Period{Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: &end}
	facts, err := store.Facts(ctx, []string{kkKoba, nikPHead, kkKoba2}, year)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range facts {
		check("by identifier", f)
	}
	if both, err := store.Facts(ctx, []string{kkPangkal}, year); err != nil || both[0].RegionCode != "19.04.02.2004" {
		t.Errorf("an identifier that is a KK and a member's NIK found %+v (%v), want the KK's household in 19.04.02.2004", both, err)
	}
	if dead, err := store.Facts(ctx, []string{"1904014101400005"}, year); err != nil || dead[0].Known {
		t.Errorf("the NIK of a person recorded deceased found %+v (%v)", dead, err)
	}
	seen := 0
	c := donor.Criteria{Regions: []string{"19.04"}, Composition: donor.Composition{Disability: true}}
	if err := store.Reach(ctx, c, year, func(f donor.Facts) error {
		seen++
		check("for the reach", f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if seen != 3 {
		t.Errorf("the reach read %d households, want 3", seen)
	}
}

func sorted(ms []donor.Member) []donor.Member {
	return slices.SortedFunc(slices.Values(ms), func(a, b donor.Member) int {
		return cmp.Or(a.BirthDate.Compare(b.BirthDate), cmp.Compare(flags(a), flags(b)))
	})
}

func flags(m donor.Member) int {
	n := 0
	if m.Disabled {
		n += 2
	}
	if m.Pregnant {
		n++
	}
	return n
}
