package donor

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

var (
	d = jaring.Date
	// asOf is the day asked; the program's aid covers July 2026 to June 2027.
	asOf    = d(2026, 12, 2)
	program = period(d(2026, 7, 1), d(2027, 6, 30))
)

func period(from, to time.Time) jaring.Period { return jaring.Period{Start: from, End: &to} }

// koba is a registered household of four in Nibung, Koba, ranked desil 3:
// two adults, a child of 10, a grandmother of 70; no one disabled or
// pregnant; no aid held.
func koba(change ...func(*Facts)) Facts {
	f := Facts{
		Known:          true,
		RegionCode:     "19.04.01.2003",
		Desil:          intp(3),
		RegisterStatus: registry.Registered,
		Members: []Member{
			{BirthDate: d(1985, 3, 12)},
			{BirthDate: d(1988, 7, 1)},
			{BirthDate: d(2016, 1, 20)},
			{BirthDate: d(1956, 5, 5)},
		},
	}
	for _, c := range change {
		c(&f)
	}
	return f
}

func desil(n *int) func(*Facts)         { return func(f *Facts) { f.Desil = n } }
func members(ms ...Member) func(*Facts) { return func(f *Facts) { f.Members = ms } }
func holds(hs ...Held) func(*Facts)     { return func(f *Facts) { f.Held = hs } }

func housing(p jaring.Period, s benefit.Status) Held {
	return Held{Kind: "HOUSING", Period: p, Status: s}
}

func TestEvaluate(t *testing.T) {
	adult := Member{BirthDate: d(1985, 3, 12)}
	notHousing := Criteria{NotReceiving: []string{"HOUSING"}}
	full := Criteria{
		Regions:      []string{"19.04.01"},
		DesilMax:     intp(4),
		Composition:  Composition{SchoolAgeChild: true, Elderly: true, Disability: true, Pregnant: true, MinSize: 4},
		NotReceiving: []string{"HOUSING"},
	}
	tests := []struct {
		name string
		c    Criteria
		f    Facts
		want string // the Answer as JSON
	}{
		// With no criteria, being registered is enough.
		{"no criteria", Criteria{}, koba(), `{"eligible":true,"met":["REGISTERED"],"unmet":[]}`},
		{"a proposed household, taken", Criteria{RegisterStatus: []registry.RegisterStatus{registry.Proposed}},
			koba(func(f *Facts) { f.RegisterStatus = registry.Proposed }), `{"eligible":true,"met":["REGISTERED"],"unmet":[]}`},

		// A prefix takes every village under it.
		{"the district", Criteria{Regions: []string{"19.04.01"}}, koba(), `{"eligible":true,"met":["REGISTERED","REGION"],"unmet":[]}`},
		{"the regency", Criteria{Regions: []string{"19.04"}}, koba(), `{"eligible":true,"met":["REGISTERED","REGION"],"unmet":[]}`},
		{"the village itself", Criteria{Regions: []string{"19.04.01.2003"}}, koba(), `{"eligible":true,"met":["REGISTERED","REGION"],"unmet":[]}`},
		{"one of several regions", Criteria{Regions: []string{"19.04.02", "19.04.01"}}, koba(), `{"eligible":true,"met":["REGISTERED","REGION"],"unmet":[]}`},

		// The cut-off is inclusive: desil 3 is in a program for desil 1–3, desil 4 is not.
		{"desil at the limit", Criteria{DesilMax: intp(3)}, koba(), `{"eligible":true,"met":["REGISTERED","DESIL"],"unmet":[]}`},
		{"desil one above", Criteria{DesilMax: intp(3)}, koba(desil(intp(4))), `{"eligible":false,"met":["REGISTERED"],"unmet":["DESIL"]}`},
		// A household BPS has not ranked cannot be shown to be poor enough.
		{"unranked", Criteria{DesilMax: intp(10)}, koba(desil(nil)), `{"eligible":false,"met":["REGISTERED"],"unmet":["DESIL"]}`},
		{"desil 10 of 10", Criteria{DesilMax: intp(10)}, koba(desil(intp(10))), `{"eligible":true,"met":["REGISTERED","DESIL"],"unmet":[]}`},

		{"a school-age child", Criteria{Composition: Composition{SchoolAgeChild: true}}, koba(),
			`{"eligible":true,"met":["REGISTERED","SCHOOL_AGE_CHILD"],"unmet":[]}`},
		{"no school-age child", Criteria{Composition: Composition{SchoolAgeChild: true}}, koba(members(adult)),
			`{"eligible":false,"met":["REGISTERED"],"unmet":["SCHOOL_AGE_CHILD"]}`},
		{"an elderly member", Criteria{Composition: Composition{Elderly: true}}, koba(),
			`{"eligible":true,"met":["REGISTERED","ELDERLY"],"unmet":[]}`},
		{"no elderly member", Criteria{Composition: Composition{Elderly: true}}, koba(members(adult)),
			`{"eligible":false,"met":["REGISTERED"],"unmet":["ELDERLY"]}`},
		{"a disabled member", Criteria{Composition: Composition{Disability: true}}, koba(members(adult, Member{BirthDate: d(1990, 1, 1), Disabled: true})),
			`{"eligible":true,"met":["REGISTERED","DISABILITY"],"unmet":[]}`},
		{"no disabled member", Criteria{Composition: Composition{Disability: true}}, koba(),
			`{"eligible":false,"met":["REGISTERED"],"unmet":["DISABILITY"]}`},
		{"a pregnant member", Criteria{Composition: Composition{Pregnant: true}}, koba(members(adult, Member{BirthDate: d(1998, 1, 1), Pregnant: true})),
			`{"eligible":true,"met":["REGISTERED","PREGNANT"],"unmet":[]}`},
		{"no pregnant member", Criteria{Composition: Composition{Pregnant: true}}, koba(),
			`{"eligible":false,"met":["REGISTERED"],"unmet":["PREGNANT"]}`},
		// At least: four members meet a minimum of four, three do not.
		{"size at the minimum", Criteria{Composition: Composition{MinSize: 4}}, koba(),
			`{"eligible":true,"met":["REGISTERED","HOUSEHOLD_SIZE"],"unmet":[]}`},
		{"size one below", Criteria{Composition: Composition{MinSize: 5}}, koba(),
			`{"eligible":false,"met":["REGISTERED"],"unmet":["HOUSEHOLD_SIZE"]}`},

		{"receiving nothing", notHousing, koba(), `{"eligible":true,"met":["REGISTERED","NOT_RECEIVING"],"unmet":[]}`},
		// The reason for the criterion: the house is already being repaired by RTLH.
		{"an active benefit of the kind", notHousing, koba(holds(housing(program, benefit.Active))),
			`{"eligible":false,"met":["REGISTERED"],"unmet":["NOT_RECEIVING"]}`},
		// A suspended benefit may resume, so it still counts.
		{"a suspended one", notHousing, koba(holds(housing(program, benefit.Suspended))),
			`{"eligible":false,"met":["REGISTERED"],"unmet":["NOT_RECEIVING"]}`},
		// Ended and cancelled aid is history.
		{"ended and cancelled ones", notHousing, koba(holds(housing(program, benefit.Ended), housing(program, benefit.Cancelled))),
			`{"eligible":true,"met":["REGISTERED","NOT_RECEIVING"],"unmet":[]}`},
		// Other kinds stack: rice does not stop a house repair.
		{"another kind", notHousing, koba(holds(Held{Kind: "FOOD", Period: program, Status: benefit.Active})),
			`{"eligible":true,"met":["REGISTERED","NOT_RECEIVING"],"unmet":[]}`},
		{"one of the kinds listed", Criteria{NotReceiving: []string{"FOOD", "HOUSING"}}, koba(holds(housing(program, benefit.Active))),
			`{"eligible":false,"met":["REGISTERED"],"unmet":["NOT_RECEIVING"]}`},
		// A repair that ended the day before the program's period begins shares no day with it.
		{"a benefit that ended before", notHousing, koba(holds(housing(period(d(2025, 7, 1), d(2026, 6, 30)), benefit.Active))),
			`{"eligible":true,"met":["REGISTERED","NOT_RECEIVING"],"unmet":[]}`},
		{"a benefit that shares one day", notHousing, koba(holds(housing(period(d(2027, 6, 30), d(2027, 12, 31)), benefit.Active))),
			`{"eligible":false,"met":["REGISTERED"],"unmet":["NOT_RECEIVING"]}`},
		{"an open-ended benefit", notHousing, koba(holds(housing(jaring.Period{Start: d(2020, 1, 1)}, benefit.Active))),
			`{"eligible":false,"met":["REGISTERED"],"unmet":["NOT_RECEIVING"]}`},

		// Every criterion at once, listed in the order of the Criterion constants.
		{"all met", full, koba(members(
			Member{BirthDate: d(1985, 3, 12), Disabled: true},
			Member{BirthDate: d(1995, 7, 1), Pregnant: true},
			Member{BirthDate: d(2016, 1, 20)},
			Member{BirthDate: d(1956, 5, 5)},
		)), `{"eligible":true,"met":["REGISTERED","REGION","DESIL","SCHOOL_AGE_CHILD","ELDERLY","DISABILITY","PREGNANT","HOUSEHOLD_SIZE","NOT_RECEIVING"],"unmet":[]}`},
		// One unmet criterion is enough to fail; the donor sees which, in order.
		{"some unmet", full, koba(desil(intp(5)), holds(housing(program, benefit.Active))),
			`{"eligible":false,"met":["REGISTERED","REGION","SCHOOL_AGE_CHILD","ELDERLY","HOUSEHOLD_SIZE"],"unmet":["DESIL","DISABILITY","PREGNANT","NOT_RECEIVING"]}`},
		{"none but registered met", full, koba(desil(nil), members(adult), holds(housing(program, benefit.Suspended))),
			`{"eligible":false,"met":["REGISTERED","REGION"],"unmet":["DESIL","SCHOOL_AGE_CHILD","ELDERLY","DISABILITY","PREGNANT","HOUSEHOLD_SIZE","NOT_RECEIVING"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(tt.c, program, tt.f, asOf)
			if data, _ := json.Marshal(got); string(data) != tt.want {
				t.Errorf("Evaluate = %s\n                         want %s", data, tt.want)
			}
			// programReach counts with Eligible: it must agree.
			if e := Eligible(tt.c, program, tt.f, asOf); e != got.Eligible {
				t.Errorf("Eligible = %v, Evaluate says %v", e, got.Eligible)
			}
		})
	}
}

// TestEvaluateHidesWhoIsRegistered checks the privacy rule: every
// identifier outside a program's reach gets the very same answer, whatever
// else is true of it.
func TestEvaluateHidesWhoIsRegistered(t *testing.T) {
	const want = `{"eligible":false,"met":[],"unmet":["REGISTERED"]}`
	status := func(s registry.RegisterStatus) func(*Facts) { return func(f *Facts) { f.RegisterStatus = s } }
	programs := []struct {
		name string
		c    Criteria
	}{
		{"no criteria", Criteria{}},
		{"Koba, desil 1–4, all flags", Criteria{
			Regions:      []string{"19.04.01"},
			DesilMax:     intp(4),
			Composition:  Composition{SchoolAgeChild: true, Elderly: true, Disability: true, Pregnant: true, MinSize: 4},
			NotReceiving: []string{"HOUSING"},
		}},
		// Criteria built in Go and never validated must not open the register.
		{"unvalidated, taking every status", Criteria{RegisterStatus: []registry.RegisterStatus{
			registry.Registered, registry.Proposed, registry.Unregistered, registry.Removed, ""}}},
		{"Koba, registered and proposed", Criteria{
			Regions:        []string{"19.04.01"},
			RegisterStatus: []registry.RegisterStatus{registry.Registered, registry.Proposed},
		}},
	}
	identifiers := []struct {
		name string
		f    Facts
		// outside reports whether the identifier is outside a program
		// with regions (out-of-region households are inside a program
		// without them).
		outside func(c Criteria) bool
	}{
		// What the store sends for a KK it does not hold.
		{"unknown", Facts{}, always},
		// Were anything of the facts used, a careless store could leak it.
		{"unknown, with facts", koba(func(f *Facts) { f.Known = false }), always},
		{"known, unregistered", koba(status(registry.Unregistered)), always},
		{"known, removed", koba(status(registry.Removed)), always},
		{"known, no status", koba(status("")), always},
		{"known, proposed", koba(status(registry.Proposed)), func(c Criteria) bool { return !c.takes(registry.Proposed) }},
		{"registered, in another district", koba(func(f *Facts) { f.RegionCode = "19.04.02.1001" }), hasRegions},
		// A household that would meet every criterion but the region learns nothing either.
		{"registered, another regency", koba(func(f *Facts) { f.RegionCode = "19.01.01.2001" }), hasRegions},
	}
	for _, p := range programs {
		for _, id := range identifiers {
			if !id.outside(p.c) {
				continue
			}
			t.Run(p.name+"/"+id.name, func(t *testing.T) {
				got := Evaluate(p.c, program, id.f, asOf)
				if Eligible(p.c, program, id.f, asOf) {
					t.Error("Eligible = true for an identifier outside the program's reach")
				}
				data, err := json.Marshal(got)
				if err != nil {
					t.Fatal(err)
				}
				if string(data) != want {
					t.Errorf("Evaluate = %s, want %s", data, want)
				}
				if !reflect.DeepEqual(got, notRegistered()) {
					t.Errorf("Evaluate = %#v, want %#v", got, notRegistered())
				}
			})
		}
	}
	// Answers share nothing: a caller that changes one changes no other.
	a := Evaluate(Criteria{}, program, Facts{}, asOf)
	a.Unmet[0] = Desil
	if b := Evaluate(Criteria{}, program, Facts{}, asOf); b.Unmet[0] != Registered {
		t.Errorf("a changed answer changed the next: %v", b)
	}
}

func always(Criteria) bool       { return true }
func hasRegions(c Criteria) bool { return len(c.Regions) > 0 }

func TestEvaluateAges(t *testing.T) {
	wib := time.FixedZone("WIB", 7*60*60)
	tests := []struct {
		name           string
		born           time.Time
		asOf           time.Time
		school, senior bool // met SCHOOL_AGE_CHILD, ELDERLY
	}{
		// Ages are whole years on the day asked, one more on each birthday.
		{"5, six tomorrow", d(2020, 12, 3), asOf, false, false},
		{"6 today", d(2020, 12, 2), asOf, true, false},
		{"18 today", d(2008, 12, 2), asOf, true, false},
		{"18, nineteen tomorrow", d(2007, 12, 3), asOf, true, false},
		{"19 today", d(2007, 12, 2), asOf, false, false},
		{"59, sixty tomorrow", d(1966, 12, 3), asOf, false, false},
		{"60 today", d(1966, 12, 2), asOf, false, true},
		{"90", d(1936, 1, 1), asOf, false, true},
		// Not yet born (a date from a bad import) is no child.
		{"born next year", d(2027, 1, 1), asOf, false, false},
		// The day asked is its date where it is asked: 02:00 in Koba on the
		// 2nd is still the 1st in UTC.
		{"6 today in WIB", d(2020, 12, 2), time.Date(2026, 12, 2, 2, 0, 0, 0, wib), true, false},
	}
	c := Criteria{Composition: Composition{SchoolAgeChild: true, Elderly: true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Evaluate(c, program, koba(members(Member{BirthDate: tt.born})), tt.asOf)
			if got := slices.Contains(a.Met, SchoolAgeChild); got != tt.school {
				t.Errorf("SCHOOL_AGE_CHILD met = %v, want %v (%+v)", got, tt.school, a)
			}
			if got := slices.Contains(a.Met, Elderly); got != tt.senior {
				t.Errorf("ELDERLY met = %v, want %v (%+v)", got, tt.senior, a)
			}
		})
	}
}

func TestAge(t *testing.T) {
	tests := []struct {
		born, on time.Time
		want     int
	}{
		// A birthday makes the year: five the day before, six on it.
		{d(2020, 12, 2), d(2026, 12, 1), 5},
		{d(2020, 12, 2), d(2026, 12, 2), 6},
		{d(2026, 12, 2), d(2026, 12, 2), 0},
		// Born on 29 February: a year older on 1 March in a common year…
		{d(2020, 2, 29), d(2027, 2, 28), 6},
		{d(2020, 2, 29), d(2027, 3, 1), 7},
		// …and on the day itself in a leap year.
		{d(2020, 2, 29), d(2028, 2, 28), 7},
		{d(2020, 2, 29), d(2028, 2, 29), 8},
		// The year turns without a birthday.
		{d(2019, 12, 31), d(2020, 1, 1), 0},
	}
	for _, tt := range tests {
		if got := age(tt.born, tt.on); got != tt.want {
			t.Errorf("age(%s, %s) = %d, want %d", tt.born.Format(jaring.DateLayout), tt.on.Format(jaring.DateLayout), got, tt.want)
		}
	}
}
