package benefit

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// Registry is what the ledger asks of the register: the household or
// person a check names, as the actor may see them.
type Registry interface {
	FindHouseholdByKK(ctx context.Context, a jaring.Actor, kk string) (*registry.Household, error)
	FindPersonByNIK(ctx context.Context, a jaring.Actor, nik string) (*registry.Person, error)
}

// Service is the ledger's entry point: recording, the checks before an
// approval, the rules and their catalogues.
type Service struct {
	Store    Store
	Registry Registry
}

// Record checks a batch that actor's organisation reports and records the
// inputs that pass, answering one Result per input in input order. An input
// that fails its checks is refused with an error naming its field
// ("input[3].nik") and the status of that error's code; one that clashes
// with aid already held is DOUBLE_AID, naming the benefits it clashes with.
// The others are recorded in one transaction. Returns ELIMIT for a batch
// over MaxBatch.
func (s *Service) Record(ctx context.Context, actor jaring.Actor, inputs []Input) ([]Result, error) {
	if len(inputs) > MaxBatch {
		return nil, &jaring.Error{Code: jaring.ELIMIT, Field: "input", Limit: "batch",
			Message: fmt.Sprintf("input: at most %d benefits a call, got %d; split the batch", MaxBatch, len(inputs))}
	}
	results := make([]Result, len(inputs))
	var valid []Input
	var at []int // at[j] is the index in inputs of valid[j]
	for i, in := range inputs {
		p, err := Prepare(actor, in)
		if err != nil {
			results[i] = Refused(in, jaring.WithField(fmt.Sprintf("input[%d]", i), err), nil)
			continue
		}
		valid = append(valid, p)
		at = append(at, i)
	}
	if len(valid) == 0 {
		return results, nil
	}
	stored, err := s.Store.RecordBenefits(ctx, actor, valid)
	if err != nil {
		return nil, fmt.Errorf("record benefits: %w", err)
	}
	for j, r := range stored {
		i := at[j]
		if r.Err != nil {
			r.Err = jaring.WithField(fmt.Sprintf("input[%d]", i), r.Err)
		}
		results[i] = r
	}
	return results, nil
}

// AidQuery asks what a proposed benefit would clash with.
type AidQuery struct {
	KK      string
	NIK     string // the member, for aid to one person; "" for the household
	Kind    string
	Program string // "" for any program of the kind
	Period  jaring.Period
}

// CheckAid returns the benefits the household (or member) of q already holds
// that a benefit of q's kind, program and period would clash with: what to
// ask before approving. Returns ENOTFOUND if the actor may see no such
// household, EINVALID naming the argument at fault.
func (s *Service) CheckAid(ctx context.Context, actor jaring.Actor, q AidQuery) ([]Clash, error) {
	if q.Period.End != nil && q.Period.End.Before(q.Period.Start) {
		return nil, jaring.Invalid("period.end", "is before period.start")
	}
	h, err := s.Registry.FindHouseholdByKK(ctx, actor, q.KK)
	if err != nil {
		return nil, err
	}
	cat, err := s.Catalogue(ctx)
	if err != nil {
		return nil, err
	}
	k, ok := cat.Kinds[q.Kind]
	if !ok {
		return nil, jaring.Invalid("kind", "no kind of aid has the code %s; the kinds query lists them", q.Kind)
	}
	p := Proposal{HouseholdID: h.ID, KindCode: q.Kind, Period: q.Period}
	switch {
	case q.NIK != "":
		person, err := s.Registry.FindPersonByNIK(ctx, actor, q.NIK)
		if err != nil && jaring.ErrorCode(err) != jaring.ENOTFOUND {
			return nil, err
		}
		if person == nil || person.HouseholdID != h.ID {
			return nil, jaring.Invalid("nik", "no member of %s has this NIK", actor.MentionKK(q.KK))
		}
		p.PersonID = &person.ID
	case k.Scope == PersonScope:
		return nil, jaring.Invalid("nik", "%s is aid to one person: give the member's nik", q.Kind)
	}
	if q.Program != "" {
		prog, err := s.program(ctx, q.Program)
		if err != nil {
			return nil, err
		}
		if prog.KindCode != q.Kind {
			return nil, jaring.Invalid("program", "program %s is aid of kind %s, not %s", prog.Code, prog.KindCode, q.Kind)
		}
		p.ProgramID = prog.ID
	}
	held, err := s.Store.FindBenefitsByHouseholds(ctx, actor.Scope, []int64{h.ID})
	if err != nil {
		return nil, err
	}
	return cat.FindClashes(p, held), nil
}

func (s *Service) program(ctx context.Context, code string) (*Program, error) {
	programs, err := s.Store.FindPrograms(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range programs {
		if p.Code == code {
			return p, nil
		}
	}
	return nil, jaring.Invalid("program", "no program has the code %s; the programs query lists them", code)
}

// Catalogue returns the rules' catalogue: the kinds and the program
// exclusions.
func (s *Service) Catalogue(ctx context.Context) (*Catalogue, error) {
	kinds, err := s.Store.FindKinds(ctx)
	if err != nil {
		return nil, err
	}
	xs, err := s.Store.FindExclusions(ctx)
	if err != nil {
		return nil, err
	}
	return NewCatalogue(kinds, xs), nil
}

// NewCatalogue makes the rules' catalogue of the given kinds and exclusions.
func NewCatalogue(kinds []*Kind, xs []Exclusion) *Catalogue {
	c := &Catalogue{Kinds: make(map[string]*Kind, len(kinds)), Exclusions: xs}
	for _, k := range kinds {
		c.Kinds[k.Code] = k
	}
	return c
}

// Overrides returns a page of the benefits the actor may see that a
// supervisor approved despite a clash, newest first.
func (s *Service) Overrides(ctx context.Context, actor jaring.Actor, page jaring.PageRequest) ([]*Benefit, bool, error) {
	return s.Store.FindOverrides(ctx, actor.Scope, page)
}

// SetKindExclusive changes rule one for a kind. Returns ENOTFOUND for an
// unknown kind.
func (s *Service) SetKindExclusive(ctx context.Context, kind string, exclusive bool) (*Kind, error) {
	return s.Store.SetKindExclusive(ctx, kind, exclusive)
}

// MaxExclusionReason bounds the reason of a program exclusion.
const MaxExclusionReason = 500

// AddExclusion makes two programs exclude each other within a household,
// saying why. Returns EINVALID for a program and itself or a missing reason,
// ENOTFOUND naming an unknown program.
func (s *Service) AddExclusion(ctx context.Context, programA, programB, reason string) (*Exclusion, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case programA == programB:
		return nil, jaring.Invalid("programB", "a program does not exclude itself; rule one already keeps a kind from being paid twice")
	case reason == "":
		return nil, jaring.Invalid("reason", "say why the programs exclude each other; operators read it when aid is refused")
	case utf8.RuneCountInString(reason) > MaxExclusionReason:
		return nil, jaring.Invalid("reason", "has %d characters, at most %d", utf8.RuneCountInString(reason), MaxExclusionReason)
	}
	return s.Store.AddExclusion(ctx, programA, programB, reason)
}

// RemoveExclusion ends an exclusion. Returns ENOTFOUND if there is none.
func (s *Service) RemoveExclusion(ctx context.Context, programA, programB string) error {
	return s.Store.RemoveExclusion(ctx, programA, programB)
}

// Programs returns every program, ordered by code.
func (s *Service) Programs(ctx context.Context) ([]*Program, error) { return s.Store.FindPrograms(ctx) }

// ProgramsByIDs returns the programs with the given IDs.
func (s *Service) ProgramsByIDs(ctx context.Context, ids []int64) ([]*Program, error) {
	return s.Store.FindProgramsByIDs(ctx, ids)
}

// Kinds returns every kind of aid, ordered by code.
func (s *Service) Kinds(ctx context.Context) ([]*Kind, error) { return s.Store.FindKinds(ctx) }

// Exclusions returns every program exclusion.
func (s *Service) Exclusions(ctx context.Context) ([]Exclusion, error) {
	return s.Store.FindExclusions(ctx)
}

// ByHouseholds returns every benefit of the given households the actor may
// see, their members' included.
func (s *Service) ByHouseholds(ctx context.Context, actor jaring.Actor, ids []int64) ([]*Benefit, error) {
	return s.Store.FindBenefitsByHouseholds(ctx, actor.Scope, ids)
}

// ByPersons returns every benefit of the given persons the actor may see.
func (s *Service) ByPersons(ctx context.Context, actor jaring.Actor, ids []int64) ([]*Benefit, error) {
	return s.Store.FindBenefitsByPersons(ctx, actor.Scope, ids)
}

// ByIDs returns the benefits with the given IDs the actor may see.
func (s *Service) ByIDs(ctx context.Context, actor jaring.Actor, ids []int64) ([]*Benefit, error) {
	return s.Store.FindBenefitsByIDs(ctx, actor.Scope, ids)
}
