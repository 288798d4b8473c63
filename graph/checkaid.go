package graph

import (
	"context"

	"github.com/jaring-id/jaring/graph/model"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
)

// checkAid answers checkAid: the household's (or member's) benefits that a
// proposed one would clash with.
func (r *queryResolver) checkAid(ctx context.Context, kk string, nik *string, kind string, program *string, period model.PeriodInput) ([]*benefit.Clash, error) {
	rq := requestFrom(ctx)
	h, err := r.Registry.FindHouseholdByKK(ctx, rq.scope, kk)
	if jaring.ErrorCode(err) == jaring.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	l := loaders(ctx)
	cat, err := l.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	k, ok := cat.Kinds[kind]
	if !ok {
		return nil, jaring.Invalid("kind", "no kind of aid has the code %s; the kinds query lists them", kind)
	}
	p := benefit.Proposal{HouseholdID: h.ID, KindCode: kind, Period: jaring.Period{Start: period.Start, End: period.End}}
	if p.Period.End != nil && p.Period.End.Before(p.Period.Start) {
		return nil, jaring.Invalid("period.end", "is before period.start")
	}
	if nik != nil && *nik != "" {
		person, err := r.Registry.FindPersonByNIK(ctx, rq.scope, *nik)
		if err != nil || person.HouseholdID != h.ID {
			return nil, jaring.Invalid("nik", "no member of the household with KK %s has NIK %s", kk, *nik)
		}
		p.PersonID = &person.ID
	} else if k.Scope == benefit.PersonScope {
		return nil, jaring.Invalid("nik", "%s is aid to one person: give the member's nik", kind)
	}
	if program != nil && *program != "" {
		programs, err := r.Benefits.FindPrograms(ctx)
		if err != nil {
			return nil, err
		}
		for _, pr := range programs {
			if pr.Code == *program {
				if pr.KindCode != kind {
					return nil, jaring.Invalid("program", "program %s is aid of kind %s, not %s", pr.Code, pr.KindCode, kind)
				}
				p.ProgramID = pr.ID
			}
		}
		if p.ProgramID == 0 {
			return nil, jaring.Invalid("program", "no program has the code %s", *program)
		}
	}
	held, err := l.benefitsOfHH.Load(ctx, h.ID)()
	if err != nil {
		return nil, err
	}
	clashes := cat.FindClashes(p, held)
	out := make([]*benefit.Clash, len(clashes))
	for i := range clashes {
		out[i] = &clashes[i]
	}
	return out, nil
}
