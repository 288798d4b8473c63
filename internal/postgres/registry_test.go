package postgres_test

import (
	"context"
	"testing"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/registry"
)

func TestRegistryStore(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	s := postgres.NewRegistryStore(db)
	all := jaring.Unrestricted()

	t.Run("FindHouseholdByKK", func(t *testing.T) {
		h, err := s.FindHouseholdByKK(ctx, all, kkKoba)
		if err != nil {
			t.Fatal(err)
		}
		if h.RegionCode != "19.04.01.2003" || h.Desil == nil || *h.Desil != 2 || h.RegisterStatus != registry.Registered || h.RT != "001" {
			t.Errorf("household = %+v", h)
		}
		if _, err := s.FindHouseholdByKK(ctx, all, "1904010506159999"); jaring.ErrorCode(err) != jaring.ENOTFOUND {
			t.Errorf("unknown KK: err = %v, want ENOTFOUND", err)
		}
	})

	t.Run("FindPersonByNIK", func(t *testing.T) {
		p, err := s.FindPersonByNIK(ctx, all, nikSpouse)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "Siti Aminah" || p.Sex != registry.Female || p.BirthDate.Format(jaring.DateLayout) != "1988-08-15" {
			t.Errorf("person = %+v", p)
		}
		if _, err := s.FindPersonByNIK(ctx, all, "1904011203859999"); jaring.ErrorCode(err) != jaring.ENOTFOUND {
			t.Errorf("unknown NIK: err = %v, want ENOTFOUND", err)
		}
	})

	t.Run("FindMembers", func(t *testing.T) {
		h, _ := s.FindHouseholdByKK(ctx, all, kkKoba)
		h2, _ := s.FindHouseholdByKK(ctx, all, kkPangkal)
		ms, err := s.FindMembers(ctx, all, []int64{h.ID, h2.ID})
		if err != nil {
			t.Fatal(err)
		}
		var niks []string
		for _, m := range ms {
			niks = append(niks, m.NIK)
		}
		// Grouped by household; the head first, then by birth date.
		want := []string{nikHead, nikSpouse, nikChild, nikPHead}
		if len(niks) != len(want) {
			t.Fatalf("members = %v, want %v", niks, want)
		}
		for i := range want {
			if niks[i] != want[i] {
				t.Fatalf("members = %v, want %v", niks, want)
			}
		}
	})

	desil4, yes, no := 4, true, false
	filters := []struct {
		name   string
		filter registry.HouseholdFilter
		want   []string
	}{
		{"everything", registry.HouseholdFilter{}, []string{kkKoba, kkKoba2, kkPangkal}},
		// A district prefix takes its villages, and not the other district's.
		{"district", registry.HouseholdFilter{Region: "19.04.01"}, []string{kkKoba, kkKoba2}},
		{"village", registry.HouseholdFilter{Region: "19.04.02.2004"}, []string{kkPangkal}},
		// "19.04.0" is no code, but a bare string prefix would match both districts.
		{"regency", registry.HouseholdFilter{Region: "19.04"}, []string{kkKoba, kkKoba2, kkPangkal}},
		{"other regency", registry.HouseholdFilter{Region: "19.01"}, nil},
		{"desil", registry.HouseholdFilter{DesilMax: &desil4}, []string{kkKoba, kkPangkal}},
		{"registered", registry.HouseholdFilter{Registered: &yes}, []string{kkKoba}},
		{"not registered", registry.HouseholdFilter{Registered: &no}, []string{kkKoba2, kkPangkal}},
		{"combined", registry.HouseholdFilter{Region: "19.04.01", DesilMax: &desil4}, []string{kkKoba}},
	}
	for _, tt := range filters {
		t.Run("FindHouseholds/"+tt.name, func(t *testing.T) {
			hs, more, err := s.FindHouseholds(ctx, all, tt.filter, jaring.PageRequest{First: 10})
			if err != nil {
				t.Fatal(err)
			}
			if more {
				t.Error("more = true on a page that holds everything")
			}
			if got := kks(hs); !equal(got, tt.want) {
				t.Errorf("households = %v, want %v", got, tt.want)
			}
			n, err := s.CountHouseholds(ctx, all, tt.filter)
			if err != nil || n != len(tt.want) {
				t.Errorf("CountHouseholds = %d, %v; want %d", n, err, len(tt.want))
			}
		})
	}

	t.Run("FindHouseholds/pages", func(t *testing.T) {
		var got []string
		page := jaring.PageRequest{First: 2}
		for i := 0; ; i++ {
			hs, more, err := s.FindHouseholds(ctx, all, registry.HouseholdFilter{}, page)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, kks(hs)...)
			if !more {
				break
			}
			if i > 3 {
				t.Fatal("paging does not end")
			}
			page.After = hs[len(hs)-1].ID
		}
		if want := []string{kkKoba, kkKoba2, kkPangkal}; !equal(got, want) {
			t.Errorf("pages = %v, want %v", got, want)
		}
	})
}

func kks(hs []*registry.Household) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.KK)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
