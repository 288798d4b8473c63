package verival

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/region"
	"github.com/jaring-id/jaring/internal/registry"
)

// Service runs the register's upkeep: it checks what callers give, once,
// then lets the Store take the step under locks on the rows it changes. Its
// clock stamps proposals, deliberations and reviews, so that "not in the
// future" and "not before the proposal" are judged on one clock.
type Service struct {
	Store Store
	// Now gives the time (nil: time.Now).
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Propose records a village operator's proposal for a household (and, with
// a NIK, one member) the operator's scope sees. Returns EINVALID naming the
// argument at fault, ENOTFOUND at "kk" for a household the operator may not
// see exactly as for one that does not exist, ECONFLICT at "change" (see
// Store.ProposeChange).
func (s *Service) Propose(ctx context.Context, actor jaring.Actor, p Proposal) (*Change, error) {
	if _, err := registry.ParseKK(p.KK); err != nil {
		return nil, jaring.WithField("kk", err)
	}
	if p.NIK != "" {
		if _, err := registry.ParseNIK(p.NIK); err != nil {
			return nil, jaring.WithField("nik", err)
		}
	}
	p.At = s.now()
	if err := p.Validate(Day(p.At)); err != nil {
		return nil, err
	}
	p.Evidence = strings.TrimSpace(p.Evidence)
	return s.Store.ProposeChange(ctx, actor, p)
}

// Deliberate records a village deliberation and applies its decisions, all
// or none: a decision refused is an error at "decisions[i].change" and
// nothing is written (see Store.RecordDeliberation).
func (s *Service) Deliberate(ctx context.Context, actor jaring.Actor, d NewDeliberation) (*Deliberation, error) {
	d.At = s.now()
	if err := d.Validate(Day(d.At)); err != nil {
		return nil, err
	}
	d.MinutesRef = strings.TrimSpace(d.MinutesRef)
	for i := range d.Decisions {
		d.Decisions[i].Note = strings.TrimSpace(d.Decisions[i].Note)
	}
	return s.Store.RecordDeliberation(ctx, actor, d)
}

// Review closes a benefit review of a benefit the actor's organisation pays
// (see Store.ReviewBenefit).
func (s *Service) Review(ctx context.Context, actor jaring.Actor, id int64, r ReviewInput) (*Review, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	r.Note, r.At = strings.TrimSpace(r.Note), s.now()
	return s.Store.ReviewBenefit(ctx, actor, id, r)
}

// Changes returns a page of the proposals the actor may see that match f.
// Returns EINVALID at "filter.village" for a region code that is malformed
// or unknown.
func (s *Service) Changes(ctx context.Context, actor jaring.Actor, f ChangeFilter, page jaring.PageRequest) ([]*Change, bool, error) {
	if f.Region != "" {
		if !region.ValidCode(f.Region) {
			return nil, false, jaring.Invalid("filter.village", "%q is not a region code; write it dotted, as 19.04.01.2003 (or 19.04.01 for a district's villages)", f.Region)
		}
		if _, ok := region.Lookup(f.Region); !ok {
			return nil, false, jaring.Invalid("filter.village", "no region has the code %s", f.Region)
		}
	}
	return s.Store.FindChanges(ctx, actor.Scope, f, page)
}

// CountChanges counts, over every page, the proposals the actor may see
// that match f, a filter Changes took.
func (s *Service) CountChanges(ctx context.Context, actor jaring.Actor, f ChangeFilter) (int, error) {
	return s.Store.CountChanges(ctx, actor.Scope, f)
}

// Reviews returns a page of the benefit reviews in status that the actor
// may see: the payer's own, or all of the households it sees.
func (s *Service) Reviews(ctx context.Context, actor jaring.Actor, status ReviewStatus, page jaring.PageRequest) ([]*Review, bool, error) {
	return s.Store.FindReviews(ctx, actor.Scope, status, page)
}

// ChangesByIDs returns the proposals with the given IDs that the actor may
// see.
func (s *Service) ChangesByIDs(ctx context.Context, actor jaring.Actor, ids []int64) ([]*Change, error) {
	return s.Store.FindChangesByIDs(ctx, actor.Scope, ids)
}

// ChangesByDeliberations returns the proposals the given deliberations
// decided that the actor may see.
func (s *Service) ChangesByDeliberations(ctx context.Context, actor jaring.Actor, ids []int64) ([]*Change, error) {
	return s.Store.FindChangesByDeliberations(ctx, actor.Scope, ids)
}

// DeliberationsByIDs returns the deliberations with the given IDs that
// decided a proposal the actor may see.
func (s *Service) DeliberationsByIDs(ctx context.Context, actor jaring.Actor, ids []int64) ([]*Deliberation, error) {
	return s.Store.FindDeliberationsByIDs(ctx, actor.Scope, ids)
}

// Export writes to w, as CSV (WriteExport), the approved changes decided by
// the deliberations held from one day to the other, both included, that
// the actor may see, and returns how many it wrote. The reading is recorded
// in the audit log in the transaction that reads, naming every household
// and person exported. Returns EINVALID at "to" when the window ends before
// it starts.
func (s *Service) Export(ctx context.Context, actor jaring.Actor, from, to time.Time, w io.Writer) (int, error) {
	if to.Before(from) {
		return 0, jaring.Invalid("to", "%s is before --from %s", to.Format(jaring.DateLayout), from.Format(jaring.DateLayout))
	}
	rows, err := s.Store.ExportChanges(ctx, actor, from, to)
	if err != nil {
		return 0, err
	}
	if err := WriteExport(w, rows); err != nil {
		return 0, fmt.Errorf("export register changes: %w", err)
	}
	return len(rows), nil
}
