package benefit

import (
	"fmt"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
)

// RuleKind names the rule that makes two benefits clash.
type RuleKind string

// The rules.
const (
	// SameKind: two active benefits of one exclusive kind over overlapping
	// periods for the same person, or for a household and any of its
	// members, whoever pays and from whatever budget.
	SameKind RuleKind = "SAME_KIND"
	// ProgramExclusion: two programs that exclude each other within a
	// household (BLT Dana Desa and PKH) over overlapping periods.
	ProgramExclusion RuleKind = "PROGRAM_EXCLUSION"
)

// Rule is why two benefits clash, in words an operator can act on.
type Rule struct {
	Kind        RuleKind
	Description string
}

// Exclusion says two programs exclude each other within a household.
type Exclusion struct {
	ProgramA, ProgramB int64
	CodeA, CodeB       string
	Reason             string
}

// Clash is an existing benefit that a proposed one would clash with.
type Clash struct {
	Benefit *Benefit
	Rule    Rule
}

// Proposal is a benefit under consideration: a new one, or one being
// approved.
type Proposal struct {
	HouseholdID int64
	PersonID    *int64 // nil for household-scope aid
	KindCode    string
	ProgramID   int64
	Period      jaring.Period
}

// Override is a supervisor's approval of a benefit despite a clash.
type Override struct {
	Reason string // at least MinOverrideReason characters
	By     string // the supervisor's login
	OrgID  int64
	At     time.Time
}

// MinOverrideReason is the shortest justification an override takes: a
// sentence, not a word.
const MinOverrideReason = 20

// HeldStatuses are the statuses in which a benefit counts as held: active
// and suspended benefits take their kind's place for their period (a
// suspended one may resume); ended and cancelled ones are history. The
// stores read the ledger with this list, and the database's exclusion
// constraint benefit_no_double_aid states it again as its backstop, which a
// test keeps equal to it.
var HeldStatuses = []Status{Active, Suspended}

// Held reports whether b counts as held: the one statement of which aid
// counts against new aid of its kind.
func (b *Benefit) Held() bool {
	for _, s := range HeldStatuses {
		if b.Status == s {
			return true
		}
	}
	return false
}

// Catalogue is what the rules need to know: the kinds and the exclusions.
type Catalogue struct {
	Kinds      map[string]*Kind
	Exclusions []Exclusion
}

// excludes returns the exclusion between programs a and b, if any.
func (c *Catalogue) excludes(a, b int64) (Exclusion, bool) {
	for _, x := range c.Exclusions {
		if (x.ProgramA == a && x.ProgramB == b) || (x.ProgramA == b && x.ProgramB == a) {
			return x, true
		}
	}
	return Exclusion{}, false
}

// FindClashes returns the benefits among held (a household's ledger) that p
// would clash with, and the rule for each. It is the one statement of the
// rules: the store applies it under a lock on the household.
func (c *Catalogue) FindClashes(p Proposal, held []*Benefit) []Clash {
	var out []Clash
	for _, b := range held {
		if b.HouseholdID != p.HouseholdID || !b.Held() || !b.Period.Overlaps(p.Period) {
			continue
		}
		// A household's aid covers every member; a person's aid, that person.
		sameSubject := b.PersonID == nil || p.PersonID == nil || *b.PersonID == *p.PersonID
		if k := c.Kinds[p.KindCode]; b.KindCode == p.KindCode && sameSubject && k != nil && k.Exclusive {
			out = append(out, Clash{Benefit: b, Rule: Rule{Kind: SameKind, Description: fmt.Sprintf(
				"both are %s (%s) for %s over overlapping periods; one kind of aid is paid once, whoever pays",
				k.Code, k.Name, subject(b, p))}})
			continue
		}
		if x, ok := c.excludes(p.ProgramID, b.ProgramID); ok {
			out = append(out, Clash{Benefit: b, Rule: Rule{Kind: ProgramExclusion, Description: fmt.Sprintf(
				"%s and %s exclude each other within a household: %s", x.CodeA, x.CodeB, x.Reason)}})
		}
	}
	return out
}

// Conflict is two benefits a household holds that clash: approved by
// override, or recorded before a rule.
type Conflict struct {
	Benefits []*Benefit // the two that clash
	Rule     Rule
}

// Conflicts returns the pairs of benefits among bs (one household's ledger)
// that clash, each pair once.
func (c *Catalogue) Conflicts(bs []*Benefit) []Conflict {
	var out []Conflict
	for i, b := range bs {
		if !b.Held() {
			continue
		}
		for _, x := range c.FindClashes(b.Proposal(), bs[i+1:]) {
			out = append(out, Conflict{Benefits: []*Benefit{b, x.Benefit}, Rule: x.Rule})
		}
	}
	return out
}

// Proposal is b as a benefit under consideration.
func (b *Benefit) Proposal() Proposal {
	return Proposal{HouseholdID: b.HouseholdID, PersonID: b.PersonID, KindCode: b.KindCode, ProgramID: b.ProgramID, Period: b.Period}
}

func subject(b *Benefit, p Proposal) string {
	switch {
	case b.PersonID == nil && p.PersonID == nil:
		return "the same household"
	case b.PersonID != nil && p.PersonID != nil:
		return "the same person"
	}
	return "a household and its member"
}

// DescribeClash is the sentence a DOUBLE_AID error carries.
func DescribeClash(c Clash, program, payer string) string {
	end := "open-ended"
	if c.Benefit.Period.End != nil {
		end = c.Benefit.Period.End.Format(jaring.DateLayout)
	}
	return fmt.Sprintf("clashes with benefit %d (%s %s, %s, paid by %s, %s to %s): %s",
		c.Benefit.ID, program, c.Benefit.KindCode, c.Benefit.Source, payer,
		c.Benefit.Period.Start.Format(jaring.DateLayout), end, c.Rule.Description)
}
