package registry

import (
	"context"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/region"
)

// Service is the registry's entry point: the Store, with the numbers and
// filters callers give checked first. Lookups by ID go straight to the Store.
type Service struct {
	Store
}

// FindHouseholdByKK returns the household with the given KK. Returns
// EINVALID naming "kk" for a malformed KK, ENOTFOUND if there is none.
func (s *Service) FindHouseholdByKK(ctx context.Context, scope jaring.Scope, kk string) (*Household, error) {
	if _, err := ParseKK(kk); err != nil {
		return nil, jaring.WithField("kk", err)
	}
	return s.Store.FindHouseholdByKK(ctx, scope, kk)
}

// FindPersonByNIK returns the person with the given NIK. Returns EINVALID
// naming "nik" for a malformed NIK, ENOTFOUND if there is none.
func (s *Service) FindPersonByNIK(ctx context.Context, scope jaring.Scope, nik string) (*Person, error) {
	if _, err := ParseNIK(nik); err != nil {
		return nil, jaring.WithField("nik", err)
	}
	return s.Store.FindPersonByNIK(ctx, scope, nik)
}

// FindHouseholds returns a page of the households that match filter, and
// whether more follow. Returns EINVALID naming the filter's field at fault.
func (s *Service) FindHouseholds(ctx context.Context, scope jaring.Scope, f HouseholdFilter, page jaring.PageRequest) ([]*Household, bool, error) {
	if err := f.Validate(); err != nil {
		return nil, false, err
	}
	return s.Store.FindHouseholds(ctx, scope, f, page)
}

// CountHouseholds counts the households that match filter.
func (s *Service) CountHouseholds(ctx context.Context, scope jaring.Scope, f HouseholdFilter) (int, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	return s.Store.CountHouseholds(ctx, scope, f)
}

// Validate checks a filter; the error names the field relative to the filter.
func (f HouseholdFilter) Validate() error {
	if f.Region != "" {
		if !region.ValidCode(f.Region) {
			return jaring.Invalid("region", "%q is not a region code; write it dotted, as 19.04 or 19.04.01", f.Region)
		}
		if _, ok := region.Lookup(f.Region); !ok {
			return jaring.Invalid("region", "no region has the code %s", f.Region)
		}
	}
	if f.DesilMax != nil && (*f.DesilMax < 1 || *f.DesilMax > 10) {
		return jaring.Invalid("desilMax", "a welfare decile is 1 to 10, got %d", *f.DesilMax)
	}
	return nil
}
