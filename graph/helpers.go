package graph

import (
	"github.com/jaring-id/jaring/internal/region"
)

// lookupRegion returns the region with code. The database may know a code
// that this build's region list does not (a newer Jaring refreshed it); such
// a region is shown by its code.
func lookupRegion(code string) *region.Region {
	if r, ok := region.Lookup(code); ok {
		return &r
	}
	return &region.Region{Code: code, Level: region.LevelOf(code), Name: code}
}

// pointers returns pointers to the elements of vs, for a list field of the
// schema bound to a slice of values.
func pointers[T any](vs []T) []*T {
	out := make([]*T, len(vs))
	for i := range vs {
		out[i] = &vs[i]
	}
	return out
}

// nonEmpty is s for a nullable field, nil for "".
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
