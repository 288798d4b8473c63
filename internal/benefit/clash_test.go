package benefit

import (
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
)

func TestFindClashes(t *testing.T) {
	const (
		pkh, bpnt, rasda, bltdd, jamkesda, pbi, pbiAPBD = 1, 2, 3, 4, 5, 6, 7
		household                                       = 10
	)
	d := jaring.Date
	period := func(from, to time.Time) jaring.Period { return jaring.Period{Start: from, End: &to} }
	y2026 := period(d(2026, 1, 1), d(2026, 12, 31))
	person := func(id int64) *int64 { return &id }
	held := func(id int64, program int64, kind string, p jaring.Period, status Status, personID *int64) *Benefit {
		return &Benefit{ID: id, ProgramID: program, KindCode: kind, HouseholdID: household, PersonID: personID, Period: p, Status: status, Source: APBN}
	}
	cat := &Catalogue{
		Kinds: map[string]*Kind{
			"FOOD":             {Code: "FOOD", Name: "Food", Scope: HouseholdScope, Exclusive: true},
			"MEDICAL_COST":     {Code: "MEDICAL_COST", Name: "Medical costs", Scope: PersonScope, Exclusive: true},
			"HEALTH_PREMIUM":   {Code: "HEALTH_PREMIUM", Name: "Health premium", Scope: PersonScope, Exclusive: true},
			"CASH_LIVING":      {Code: "CASH_LIVING", Name: "Living costs", Scope: HouseholdScope, Exclusive: true},
			"CASH_CONDITIONAL": {Code: "CASH_CONDITIONAL", Name: "PKH", Scope: HouseholdScope, Exclusive: true},
			"SERVICE":          {Code: "SERVICE", Name: "Counselling", Scope: PersonScope, Exclusive: false},
		},
		Exclusions: []Exclusion{{ProgramA: pkh, ProgramB: bltdd, CodeA: "PKH", CodeB: "BLT_DD", Reason: "not on PKH"}},
	}
	tests := []struct {
		name     string
		proposal Proposal
		held     []*Benefit
		want     []RuleKind // the rules of the clashes, in order; nil for none
	}{
		// The motivating case: rice from APBD for a household already on rice from APBN.
		{"same kind, other budget", Proposal{household, nil, "FOOD", rasda, y2026},
			[]*Benefit{held(1, bpnt, "FOOD", y2026, Active, nil)}, []RuleKind{SameKind}},
		// Rice and money for medical treatment stack.
		{"rice and medical costs", Proposal{household, person(3), "MEDICAL_COST", jamkesda, y2026},
			[]*Benefit{held(1, bpnt, "FOOD", y2026, Active, nil)}, nil},
		// One ends on the 30th of June, the next starts on the 1st of July: they touch, no day is shared.
		{"periods that touch", Proposal{household, nil, "FOOD", rasda, period(d(2026, 7, 1), d(2026, 12, 31))},
			[]*Benefit{held(1, bpnt, "FOOD", period(d(2026, 1, 1), d(2026, 6, 30)), Active, nil)}, nil},
		// Sharing one day is already double aid.
		{"periods share a day", Proposal{household, nil, "FOOD", rasda, period(d(2026, 6, 30), d(2026, 12, 31))},
			[]*Benefit{held(1, bpnt, "FOOD", period(d(2026, 1, 1), d(2026, 6, 30)), Active, nil)}, []RuleKind{SameKind}},
		// Ended and cancelled aid is history, not held.
		{"an ended benefit", Proposal{household, nil, "FOOD", rasda, y2026},
			[]*Benefit{held(1, bpnt, "FOOD", y2026, Ended, nil), held(2, bpnt, "FOOD", y2026, Cancelled, nil)}, nil},
		// A suspended benefit still counts: it may resume.
		{"a suspended benefit", Proposal{household, nil, "FOOD", rasda, y2026},
			[]*Benefit{held(1, bpnt, "FOOD", y2026, Suspended, nil)}, []RuleKind{SameKind}},
		// Aid planned for later in the year clashes with an application for the whole year.
		{"a future overlapping benefit", Proposal{household, nil, "FOOD", rasda, y2026},
			[]*Benefit{held(1, bpnt, "FOOD", period(d(2026, 10, 1), d(2027, 3, 31)), Active, nil)}, []RuleKind{SameKind}},
		// An open-ended benefit overlaps everything after its start.
		{"open-ended", Proposal{household, person(3), "HEALTH_PREMIUM", pbiAPBD, y2026},
			[]*Benefit{held(1, pbi, "HEALTH_PREMIUM", jaring.Period{Start: d(2020, 1, 1)}, Active, person(3))}, []RuleKind{SameKind}},
		// A household's food aid clashes with food aid for one of its members.
		{"household kind against a member's", Proposal{household, person(3), "FOOD", rasda, y2026},
			[]*Benefit{held(1, bpnt, "FOOD", y2026, Active, nil)}, []RuleKind{SameKind}},
		{"a member's against the household's", Proposal{household, nil, "FOOD", rasda, y2026},
			[]*Benefit{held(1, bpnt, "FOOD", y2026, Active, person(3))}, []RuleKind{SameKind}},
		// Two members each with their own health premium is no double aid.
		{"two members, one kind", Proposal{household, person(4), "HEALTH_PREMIUM", pbi, y2026},
			[]*Benefit{held(1, pbi, "HEALTH_PREMIUM", y2026, Active, person(3))}, nil},
		// BLT Dana Desa goes to families not on PKH, though the kinds differ.
		{"BLT Dana Desa against PKH", Proposal{household, nil, "CASH_LIVING", bltdd, y2026},
			[]*Benefit{held(1, pkh, "CASH_CONDITIONAL", y2026, Active, nil)}, []RuleKind{ProgramExclusion}},
		{"PKH against BLT Dana Desa", Proposal{household, nil, "CASH_CONDITIONAL", pkh, y2026},
			[]*Benefit{held(1, bltdd, "CASH_LIVING", y2026, Active, nil)}, []RuleKind{ProgramExclusion}},
		{"BLT Dana Desa against last year's PKH", Proposal{household, nil, "CASH_LIVING", bltdd, y2026},
			[]*Benefit{held(1, pkh, "CASH_CONDITIONAL", period(d(2025, 1, 1), d(2025, 12, 31)), Active, nil)}, nil},
		// A kind an admin made non-exclusive stacks.
		{"a non-exclusive kind", Proposal{household, person(3), "SERVICE", jamkesda, y2026},
			[]*Benefit{held(1, jamkesda, "SERVICE", y2026, Active, person(3))}, nil},
		// Another household's aid is none of this one's business.
		{"another household", Proposal{household, nil, "FOOD", rasda, y2026},
			[]*Benefit{{ID: 1, ProgramID: bpnt, KindCode: "FOOD", HouseholdID: 99, Period: y2026, Status: Active}}, nil},
		// Every clash is reported, not only the first.
		{"two clashes", Proposal{household, nil, "FOOD", rasda, y2026},
			[]*Benefit{held(1, bpnt, "FOOD", y2026, Active, nil), held(2, rasda, "FOOD", y2026, Active, person(5))}, []RuleKind{SameKind, SameKind}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cat.FindClashes(tt.proposal, tt.held)
			if len(got) != len(tt.want) {
				t.Fatalf("clashes = %v, want rules %v", got, tt.want)
			}
			for i := range got {
				if got[i].Rule.Kind != tt.want[i] || got[i].Rule.Description == "" || got[i].Benefit == nil {
					t.Errorf("clash %d = %+v, want rule %s", i, got[i], tt.want[i])
				}
			}
		})
	}
}
