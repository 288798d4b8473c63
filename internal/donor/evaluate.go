package donor

import (
	"slices"
	"strings"
	"time"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// Criterion names one test of a household against a program's criteria, as
// an Answer reports it.
type Criterion string

// The criteria, in the order an Answer lists them.
const (
	// Registered: the identifier is known, its household lies in the
	// program's regions and has a register status the program takes. An
	// Answer always lists it.
	Registered     Criterion = "REGISTERED"
	Region         Criterion = "REGION"           // the village lies in one of Criteria.Regions
	Desil          Criterion = "DESIL"            // ranked at Criteria.DesilMax or poorer
	SchoolAgeChild Criterion = "SCHOOL_AGE_CHILD" // a member aged SchoolAgeFrom to SchoolAgeTo
	Elderly        Criterion = "ELDERLY"          // a member aged ElderlyFrom or over
	Disability     Criterion = "DISABILITY"       // a member with a disability
	Pregnant       Criterion = "PREGNANT"         // a pregnant member
	HouseholdSize  Criterion = "HOUSEHOLD_SIZE"   // at least Composition.MinSize members
	NotReceiving   Criterion = "NOT_RECEIVING"    // none of Criteria.NotReceiving held
)

// Facts are what the register and the ledger hold on one identifier (a KK,
// or the household of a NIK). For an identifier the register does not
// hold, Known is false and the rest is empty.
type Facts struct {
	Known          bool
	RegionCode     string // the household's village, "19.04.01.2003"
	Desil          *int   // nil when not ranked
	RegisterStatus registry.RegisterStatus
	// Members are those the register holds in the household
	// (registry.PersonActive): a person a village deliberation recorded
	// deceased, moved away or removed is not one, and the NIK of such a
	// person is an identifier the register does not hold.
	Members []Member
	Held    []Held // the household's benefits and its members'
}

// Member is what the criteria ask of one member of a household.
type Member struct {
	BirthDate time.Time
	Disabled  bool
	Pregnant  bool
}

// Held is a benefit of the household or of one of its members.
type Held struct {
	Kind   string // a benefit.Kind code
	Period jaring.Period
	Status benefit.Status
}

// counts reports whether h counts as held, by the ledger's own rule
// (benefit.HeldStatuses): ACTIVE and SUSPENDED benefits do, ENDED and
// CANCELLED ones are history.
func (h Held) counts() bool {
	return slices.Contains(benefit.HeldStatuses, h.Status)
}

// Answer is all a donor learns of an identifier: whether the household is
// eligible, and which of the program's criteria it meets and does not.
// Met and Unmet list only the criteria the program sets, REGISTERED always,
// in the order of the Criterion constants; neither is ever nil, so that
// every answer encodes to JSON alike.
type Answer struct {
	Eligible bool          `json:"eligible"`
	Met      CriterionList `json:"met"`
	Unmet    CriterionList `json:"unmet"`
}

// notRegistered is the one answer for every identifier outside the
// program's reach.
func notRegistered() Answer {
	return Answer{Eligible: false, Met: CriterionList{}, Unmet: CriterionList{Registered}}
}

// Evaluate answers whether the household that f describes is eligible for
// a program with criteria c whose aid covers period, with ages as of the
// day asOf (its date where it is).
//
// An identifier the register does not hold, a household outside the
// program's regions and a household whose register status the program does
// not take all get the same answer, {Eligible: false, Met: [], Unmet:
// [REGISTERED]}, and nothing else of them is reported. A donor has no
// public task under UU PDP (Law 27/2022), so it may learn whether a
// household it names qualifies, but not who is in the register: were an
// unknown or out-of-region identifier answered differently from a known
// unregistered one, trying numbers would map the register. For the same
// reason every test runs whatever the facts, and only then is the answer
// replaced, so that no path is cheaper for one case than for another.
func Evaluate(c Criteria, period jaring.Period, f Facts, asOf time.Time) Answer {
	return judge(c, period, f, asOf).answer()
}

// Eligible is Evaluate(c, period, f, asOf).Eligible, without building the
// lists: what programReach asks of every household of a regency.
func Eligible(c Criteria, period jaring.Period, f Facts, asOf time.Time) bool {
	return judge(c, period, f, asOf).eligible()
}

// verdict is the outcome of every test of a household: whether it is
// registered for the program, and, bit i for criteria[i], which criteria
// the program sets and which the household meets.
type verdict struct {
	registered bool
	set, met   uint16
}

func (v verdict) eligible() bool { return v.registered && v.set&^v.met == 0 }

func (v verdict) answer() Answer {
	if !v.registered {
		return notRegistered()
	}
	a := Answer{Eligible: v.eligible(), Met: CriterionList{Registered}, Unmet: CriterionList{}}
	for i, c := range criteria {
		bit := uint16(1) << i
		switch {
		case c == Registered || v.set&bit == 0:
		case v.met&bit != 0:
			a.Met = append(a.Met, c)
		default:
			a.Unmet = append(a.Unmet, c)
		}
	}
	return a
}

// judge runs every test of the household f against criteria c, whatever
// the facts (see Evaluate).
func judge(c Criteria, period jaring.Period, f Facts, asOf time.Time) verdict {
	inRegion := len(c.Regions) == 0 || slices.ContainsFunc(c.Regions, func(prefix string) bool {
		return f.RegionCode == prefix || strings.HasPrefix(f.RegionCode, prefix+".")
	})
	some := func(is func(Member) bool) bool { return slices.ContainsFunc(f.Members, is) }
	var v verdict
	test := func(i int, set, met bool) { // i: the criterion's place in criteria
		bit := uint16(1) << i
		if set {
			v.set |= bit
		}
		if met {
			v.met |= bit
		}
	}
	test(iRegion, len(c.Regions) > 0, inRegion)
	test(iDesil, c.DesilMax != nil, c.DesilMax != nil && f.Desil != nil && *f.Desil <= *c.DesilMax)
	test(iSchoolAgeChild, c.Composition.SchoolAgeChild, some(func(m Member) bool {
		a := age(m.BirthDate, asOf)
		return a >= SchoolAgeFrom && a <= SchoolAgeTo
	}))
	test(iElderly, c.Composition.Elderly, some(func(m Member) bool { return age(m.BirthDate, asOf) >= ElderlyFrom }))
	test(iDisability, c.Composition.Disability, some(func(m Member) bool { return m.Disabled }))
	test(iPregnant, c.Composition.Pregnant, some(func(m Member) bool { return m.Pregnant }))
	test(iHouseholdSize, c.Composition.MinSize > 0, len(f.Members) >= c.Composition.MinSize)
	test(iNotReceiving, len(c.NotReceiving) > 0, !slices.ContainsFunc(f.Held, func(h Held) bool {
		return h.counts() && slices.Contains(c.NotReceiving, h.Kind) && h.Period.Overlaps(period)
	}))
	v.registered = f.Known && inRegion && c.takes(f.RegisterStatus)
	return v
}

// age returns the age in whole years, on the day on, of someone born on
// the day birth: one year more on each birthday. Someone born on 29
// February is a year older on 1 March in a common year.
func age(birth, on time.Time) int {
	by, bm, bd := birth.Date()
	y, m, d := on.Date()
	a := y - by
	if m < bm || (m == bm && d < bd) {
		a--
	}
	return a
}
