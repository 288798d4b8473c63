package graph

import (
	"time"

	"github.com/jaring-id/jaring/internal/benefit"
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

// activeOnly keeps the benefits active on day d; a nil d keeps all.
func activeOnly(bs []*benefit.Benefit, d *time.Time) []*benefit.Benefit {
	if d == nil {
		return bs
	}
	out := make([]*benefit.Benefit, 0, len(bs))
	for _, b := range bs {
		if b.ActiveOn(*d) {
			out = append(out, b)
		}
	}
	return out
}
