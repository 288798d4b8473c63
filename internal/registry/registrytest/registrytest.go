// Package registrytest is the contract of registry.Store: one suite that
// every implementation runs against a real database holding Fixture, each
// case named method=X/case=Y, checking each promise the interface's
// comments make ("Returns ENOTFOUND if there is none in scope").
package registrytest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// The fixture: three households in two districts of Bangka Tengah. A store
// under test holds these and nothing else.
const (
	KKKoba    = "1904010506150001" // Nibung, Koba (19.04.01.2003); desil 2, registered; a couple and a child
	KKKoba2   = "1904011207180002" // Koba kelurahan (19.04.01.1001); desil 7, not registered; one person
	KKPangkal = "1904020101160003" // Air Mesu, Pangkalan Baru (19.04.02.2004); desil 4, proposed

	NIKHead   = "1904011203850001" // of KKKoba: man, born 12 March 1985, the head
	NIKSpouse = "1904015508880002" // of KKKoba: woman, born 15 August 1988
	NIKChild  = "1904012001150003" // of KKKoba: boy, born 20 January 2015
	NIKSingle = "1904010407600004" // of KKKoba2: man, born 4 July 1960, the head
	NIKPHead  = "1904024109900001" // of KKPangkal: woman, born 1 September 1990, the head
)

// Unknown numbers: well formed, in no household.
const (
	UnknownKK  = "1904010506159999"
	UnknownNIK = "1904011203859999"
)

var (
	all      = jaring.Unrestricted()
	koba     = jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04.01"}
	nibung   = jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04.01.2003"}
	pangkal  = jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04.02"}
	elsewhre = jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.01"}
	none     = jaring.Scope{} // a scope forgotten is a scope denied
)

// StoreTest runs the contract against s, which holds the fixture.
func StoreTest(t *testing.T, s registry.Store) {
	ctx := context.Background()
	notFound := func(t *testing.T, err error) {
		t.Helper()
		if jaring.ErrorCode(err) != jaring.ENOTFOUND {
			t.Errorf("err = %v, want NOT_FOUND", err)
		}
	}
	household := func(t *testing.T, kk string) *registry.Household {
		t.Helper()
		h, err := s.FindHouseholdByKK(ctx, all, kk)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}

	t.Run("method=FindHouseholdByKK/case=found", func(t *testing.T) {
		h := household(t, KKKoba)
		if h.KK != KKKoba || h.RegionCode != "19.04.01.2003" || h.Desil == nil || *h.Desil != 2 || h.RegisterStatus != registry.Registered || h.RT != "001" || h.ID == 0 {
			t.Errorf("household = %+v", h)
		}
	})
	t.Run("method=FindHouseholdByKK/case=unknown", func(t *testing.T) {
		_, err := s.FindHouseholdByKK(ctx, all, UnknownKK)
		notFound(t, err)
	})
	// Out of scope answers exactly as unknown.
	t.Run("method=FindHouseholdByKK/case=out_of_scope", func(t *testing.T) {
		_, err := s.FindHouseholdByKK(ctx, pangkal, KKKoba)
		_, unknown := s.FindHouseholdByKK(ctx, pangkal, UnknownKK)
		notFound(t, err)
		if jaring.ErrorMessage(err) != jaring.ErrorMessage(unknown) {
			t.Errorf("out of scope says %q, unknown says %q", jaring.ErrorMessage(err), jaring.ErrorMessage(unknown))
		}
		if _, err := s.FindHouseholdByKK(ctx, nibung, KKKoba); err != nil {
			t.Errorf("in its village's scope: %v", err)
		}
	})
	t.Run("method=FindHouseholdByKK/case=zero_scope", func(t *testing.T) {
		_, err := s.FindHouseholdByKK(ctx, none, KKKoba)
		notFound(t, err)
	})

	t.Run("method=FindPersonByNIK/case=found", func(t *testing.T) {
		p, err := s.FindPersonByNIK(ctx, all, NIKSpouse)
		if err != nil {
			t.Fatal(err)
		}
		if p.NIK != NIKSpouse || p.Name != "Siti Aminah" || p.Sex != registry.Female || p.BirthDate.Format(jaring.DateLayout) != "1988-08-15" ||
			p.HouseholdID != household(t, KKKoba).ID {
			t.Errorf("person = %+v", p)
		}
	})
	t.Run("method=FindPersonByNIK/case=unknown", func(t *testing.T) {
		_, err := s.FindPersonByNIK(ctx, all, UnknownNIK)
		notFound(t, err)
	})
	t.Run("method=FindPersonByNIK/case=out_of_scope", func(t *testing.T) {
		_, err := s.FindPersonByNIK(ctx, pangkal, NIKSpouse)
		notFound(t, err)
		_, err = s.FindPersonByNIK(ctx, none, NIKSpouse)
		notFound(t, err)
	})

	// By many keys at once: the ones in scope, whatever else is asked.
	t.Run("method=FindHouseholdsByKKs", func(t *testing.T) {
		hs, err := s.FindHouseholdsByKKs(ctx, all, []string{KKKoba, UnknownKK, KKPangkal, KKKoba})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(slices.Sorted(slices.Values(kks(hs))), " "); got != strings.Join(slices.Sorted(slices.Values([]string{KKKoba, KKPangkal})), " ") {
			t.Errorf("all scope: %s", got)
		}
		hs, err = s.FindHouseholdsByKKs(ctx, pangkal, []string{KKKoba, KKPangkal})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(kks(hs), " "); got != KKPangkal {
			t.Errorf("Pangkal's scope: %q, want only %s", got, KKPangkal)
		}
		if hs, err = s.FindHouseholdsByKKs(ctx, none, []string{KKKoba}); err != nil || len(hs) != 0 {
			t.Errorf("zero scope: %v %v", kks(hs), err)
		}
	})
	t.Run("method=FindPersonsByNIKs", func(t *testing.T) {
		ps, err := s.FindPersonsByNIKs(ctx, all, []string{NIKSpouse, UnknownNIK})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(niks(ps), " "); got != NIKSpouse {
			t.Errorf("all scope: %q", got)
		}
		if ps, err = s.FindPersonsByNIKs(ctx, pangkal, []string{NIKSpouse}); err != nil || len(ps) != 0 {
			t.Errorf("out of scope: %v %v", niks(ps), err)
		}
	})

	desil4, yes, no := 4, true, false
	filters := []struct {
		name   string
		scope  jaring.Scope
		filter registry.HouseholdFilter
		want   []string
	}{
		{"everything", all, registry.HouseholdFilter{}, []string{KKKoba, KKKoba2, KKPangkal}},
		// A district prefix takes its villages, and not the other district's.
		{"district", all, registry.HouseholdFilter{Region: "19.04.01"}, []string{KKKoba, KKKoba2}},
		{"village", all, registry.HouseholdFilter{Region: "19.04.02.2004"}, []string{KKPangkal}},
		{"regency", all, registry.HouseholdFilter{Region: "19.04"}, []string{KKKoba, KKKoba2, KKPangkal}},
		{"other regency", all, registry.HouseholdFilter{Region: "19.01"}, nil},
		{"desil", all, registry.HouseholdFilter{DesilMax: &desil4}, []string{KKKoba, KKPangkal}},
		{"registered", all, registry.HouseholdFilter{Registered: &yes}, []string{KKKoba}},
		{"not registered", all, registry.HouseholdFilter{Registered: &no}, []string{KKKoba2, KKPangkal}},
		{"combined", all, registry.HouseholdFilter{Region: "19.04.01", DesilMax: &desil4}, []string{KKKoba}},
		// The scope bounds every list and count, whatever the filter asks.
		{"district scope", koba, registry.HouseholdFilter{}, []string{KKKoba, KKKoba2}},
		{"scope and a filter outside it", koba, registry.HouseholdFilter{Region: "19.04.02"}, nil},
		{"village scope", nibung, registry.HouseholdFilter{}, []string{KKKoba}},
		{"another regency's scope", elsewhre, registry.HouseholdFilter{}, nil},
		{"zero scope", none, registry.HouseholdFilter{}, nil},
	}
	for _, tt := range filters {
		t.Run("method=FindHouseholds/case="+tt.name, func(t *testing.T) {
			hs, more, err := s.FindHouseholds(ctx, tt.scope, tt.filter, jaring.PageRequest{First: 10})
			if err != nil {
				t.Fatal(err)
			}
			if more {
				t.Error("more = true on a page that holds everything")
			}
			if got := kks(hs); !slices.Equal(got, tt.want) {
				t.Errorf("households = %v, want %v", got, tt.want)
			}
		})
		t.Run("method=CountHouseholds/case="+tt.name, func(t *testing.T) {
			if n, err := s.CountHouseholds(ctx, tt.scope, tt.filter); err != nil || n != len(tt.want) {
				t.Errorf("CountHouseholds = %d, %v; want %d", n, err, len(tt.want))
			}
		})
	}
	t.Run("method=FindHouseholds/case=pages", func(t *testing.T) {
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
		if want := []string{KKKoba, KKKoba2, KKPangkal}; !slices.Equal(got, want) {
			t.Errorf("pages = %v, want %v", got, want)
		}
	})

	koba1, koba2, pangkal1 := household(t, KKKoba), household(t, KKKoba2), household(t, KKPangkal)
	t.Run("method=FindHouseholdsByIDs/case=unknown_and_out_of_scope_left_out", func(t *testing.T) {
		hs, err := s.FindHouseholdsByIDs(ctx, koba, []int64{koba1.ID, pangkal1.ID, 999_999})
		if err != nil {
			t.Fatal(err)
		}
		if got := kks(hs); !slices.Equal(got, []string{KKKoba}) {
			t.Errorf("households = %v, want only %s", got, KKKoba)
		}
		if hs, _ := s.FindHouseholdsByIDs(ctx, none, []int64{koba1.ID}); len(hs) != 0 {
			t.Errorf("the zero scope sees %v", kks(hs))
		}
	})
	t.Run("method=FindMembers/case=head_first_then_by_birth", func(t *testing.T) {
		ms, err := s.FindMembers(ctx, all, []int64{koba1.ID, pangkal1.ID})
		if err != nil {
			t.Fatal(err)
		}
		// Grouped by household; the head first, then by birth date.
		if got, want := niks(ms), []string{NIKHead, NIKSpouse, NIKChild, NIKPHead}; !slices.Equal(got, want) {
			t.Errorf("members = %v, want %v", got, want)
		}
	})
	t.Run("method=FindMembers/case=out_of_scope_left_out", func(t *testing.T) {
		ms, err := s.FindMembers(ctx, pangkal, []int64{koba1.ID, koba2.ID, pangkal1.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got := niks(ms); !slices.Equal(got, []string{NIKPHead}) {
			t.Errorf("members = %v, want only %s's", got, KKPangkal)
		}
	})
	t.Run("method=FindPersonsByIDs/case=out_of_scope_left_out", func(t *testing.T) {
		ms, _ := s.FindMembers(ctx, all, []int64{koba1.ID, pangkal1.ID})
		var ids []int64
		for _, m := range ms {
			ids = append(ids, m.ID)
		}
		ps, err := s.FindPersonsByIDs(ctx, nibung, append(ids, 999_999))
		if err != nil {
			t.Fatal(err)
		}
		got := niks(ps)
		slices.Sort(got)
		if want := []string{NIKHead, NIKChild, NIKSpouse}; !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("persons = %v, want %v", got, want)
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

func niks(ps []*registry.Person) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.NIK)
	}
	return out
}
