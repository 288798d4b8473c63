package registry

import (
	"context"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/region"
)

// Service is the registry's entry point: it checks what callers give, once,
// and asks the Store for what the caller's scope lets it see.
type Service struct {
	Store Store
}

// FindHouseholdByKK returns the household with the given KK. Returns
// EINVALID naming "kk" for a malformed KK, ENOTFOUND if there is none the
// actor may see.
func (s *Service) FindHouseholdByKK(ctx context.Context, a jaring.Actor, kk string) (*Household, error) {
	if _, err := ParseKK(kk); err != nil {
		return nil, jaring.WithField("kk", err)
	}
	return s.Store.FindHouseholdByKK(ctx, a.Scope, kk)
}

// FindPersonByNIK returns the person with the given NIK. Returns EINVALID
// naming "nik" for a malformed NIK, ENOTFOUND if there is none the actor may
// see.
func (s *Service) FindPersonByNIK(ctx context.Context, a jaring.Actor, nik string) (*Person, error) {
	if _, err := ParseNIK(nik); err != nil {
		return nil, jaring.WithField("nik", err)
	}
	return s.Store.FindPersonByNIK(ctx, a.Scope, nik)
}

// HouseholdsByKKs returns, for each of kks in its order, the household with
// that KK if the actor may see it, else nil: the lookup of many households
// by key at once, with the scope of FindHouseholdByKK. errs, nil when every
// KK is well formed, holds at i the error of a malformed kks[i] (EINVALID
// naming "kk"), whose household is nil.
func (s *Service) HouseholdsByKKs(ctx context.Context, a jaring.Actor, kks []string) (hs []*Household, errs []error, err error) {
	valid, errs := checkKeys(kks, "kk", func(kk string) error { _, err := ParseKK(kk); return err })
	found, err := s.Store.FindHouseholdsByKKs(ctx, a.Scope, valid)
	if err != nil {
		return nil, nil, err
	}
	byKK := make(map[string]*Household, len(found))
	for _, h := range found {
		byKK[h.KK] = h
	}
	hs = make([]*Household, len(kks))
	for i, kk := range kks {
		if errs == nil || errs[i] == nil {
			hs[i] = byKK[kk]
		}
	}
	return hs, errs, nil
}

// PersonsByNIKs returns, for each of niks in its order, the person with
// that NIK if the actor may see them, else nil, as HouseholdsByKKs does for
// households.
func (s *Service) PersonsByNIKs(ctx context.Context, a jaring.Actor, niks []string) (ps []*Person, errs []error, err error) {
	valid, errs := checkKeys(niks, "nik", func(nik string) error { _, err := ParseNIK(nik); return err })
	found, err := s.Store.FindPersonsByNIKs(ctx, a.Scope, valid)
	if err != nil {
		return nil, nil, err
	}
	byNIK := make(map[string]*Person, len(found))
	for _, p := range found {
		byNIK[p.NIK] = p
	}
	ps = make([]*Person, len(niks))
	for i, nik := range niks {
		if errs == nil || errs[i] == nil {
			ps[i] = byNIK[nik]
		}
	}
	return ps, errs, nil
}

// checkKeys returns the well-formed keys, and the error of each malformed
// one at its index (nil if there is none), naming field.
func checkKeys(keys []string, field string, check func(string) error) (valid []string, errs []error) {
	for i, k := range keys {
		if err := check(k); err != nil {
			if errs == nil {
				errs = make([]error, len(keys))
			}
			errs[i] = jaring.WithField(field, err)
			continue
		}
		valid = append(valid, k)
	}
	return valid, errs
}

// HouseholdList is a page of households and the checked filter that chose
// them, so that counting them needs no second check.
type HouseholdList struct {
	Households []*Household
	More       bool // more households follow the page
	filter     HouseholdFilter
}

// FindHouseholds returns a page of the households that match filter.
// Returns EINVALID naming the filter's field at fault ("filter.desilMax"),
// and, for a filter on a field the actor may not read in clear, the error of
// reading it: filtering is a way of reading.
func (s *Service) FindHouseholds(ctx context.Context, a jaring.Actor, f HouseholdFilter, page jaring.PageRequest) (*HouseholdList, error) {
	if err := f.check(a); err != nil {
		return nil, err
	}
	hs, more, err := s.Store.FindHouseholds(ctx, a.Scope, f, page)
	if err != nil {
		return nil, err
	}
	return &HouseholdList{Households: hs, More: more, filter: f}, nil
}

// CountHouseholds counts, over every page, the households of the list's
// filter that the actor may see.
func (s *Service) CountHouseholds(ctx context.Context, a jaring.Actor, l *HouseholdList) (int, error) {
	return s.Store.CountHouseholds(ctx, a.Scope, l.filter)
}

// Filtered reports the fields ("Household.desil") the list's filter read:
// each household listed was seen through them.
func (l *HouseholdList) Filtered() []string {
	var out []string
	if l.filter.DesilMax != nil {
		out = append(out, "Household.desil")
	}
	if l.filter.Registered != nil {
		out = append(out, "Household.registerStatus")
	}
	return out
}

// check checks a filter for actor a; errors name the field under "filter".
func (f HouseholdFilter) check(a jaring.Actor) error {
	if f.Region != "" {
		if !region.ValidCode(f.Region) {
			return jaring.Invalid("filter.region", "%q is not a region code; write it dotted, as 19.04 or 19.04.01", f.Region)
		}
		if _, ok := region.Lookup(f.Region); !ok {
			return jaring.Invalid("filter.region", "no region has the code %s", f.Region)
		}
	}
	if f.DesilMax != nil {
		if *f.DesilMax < 1 || *f.DesilMax > 10 {
			return jaring.Invalid("filter.desilMax", "a welfare decile is 1 to 10, got %d", *f.DesilMax)
		}
		if err := a.ReadClear("Household.desil"); err != nil {
			return filterRight("filter.desilMax", err)
		}
	}
	if f.Registered != nil {
		if err := a.ReadClear("Household.registerStatus"); err != nil {
			return filterRight("filter.registered", err)
		}
	}
	return nil
}

// filterRight places the refusal to read a field at the filter that asked,
// unless it names the purpose header, which is where that fault lies.
func filterRight(field string, err error) error {
	if jaring.ErrorField(err) != "" {
		return err
	}
	return &jaring.Error{Code: jaring.ErrorCode(err), Field: field, Message: field + ": " + jaring.ErrorMessage(err)}
}

// HouseholdsByIDs returns the households with the given IDs that the actor
// may see; the others are left out.
func (s *Service) HouseholdsByIDs(ctx context.Context, a jaring.Actor, ids []int64) ([]*Household, error) {
	return s.Store.FindHouseholdsByIDs(ctx, a.Scope, ids)
}

// PersonsByIDs returns the persons with the given IDs that the actor may see.
func (s *Service) PersonsByIDs(ctx context.Context, a jaring.Actor, ids []int64) ([]*Person, error) {
	return s.Store.FindPersonsByIDs(ctx, a.Scope, ids)
}

// Members returns the members of the given households that the actor may
// see, head first.
func (s *Service) Members(ctx context.Context, a jaring.Actor, householdIDs []int64) ([]*Person, error) {
	return s.Store.FindMembers(ctx, a.Scope, householdIDs)
}
