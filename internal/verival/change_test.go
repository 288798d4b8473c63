package verival_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
	"github.com/jaring-id/jaring/internal/verival"
)

var today = jaring.Date(2026, time.June, 30)

func ptr[T any](v T) *T { return &v }

// The NIK of the tests: a man born on 12 March 1985.
const nik = "1904011203850001"

func TestProposalValidate(t *testing.T) {
	base := func(k verival.ChangeKind, r verival.ChangeReason, nik string) verival.Proposal {
		return verival.Proposal{KK: "1904010506150001", NIK: nik, Kind: k, Reason: r, Evidence: "BA Musdes 01/2026"}
	}
	with := func(p verival.Proposal, c verival.Corrections) verival.Proposal {
		p.Corrections = &c
		return p
	}
	tests := []struct {
		name  string
		p     verival.Proposal
		field string // "" for valid
	}{
		{"a new poor family", base(verival.Add, verival.NewPoorFamily, ""), ""},
		{"a death", base(verival.Remove, verival.Deceased, nik), ""},
		{"a family grown better off", base(verival.Remove, verival.BetterOff, ""), ""},
		{"a member turned civil servant", base(verival.Remove, verival.BecameStateEmployee, nik), ""},
		{"a household turned civil servant's", base(verival.Remove, verival.BecameStateEmployee, ""), ""},
		{"a correction", with(base(verival.Update, verival.DataCorrection, ""), verival.Corrections{Address: ptr("Jl. Nibung 2")}), ""},
		{"an update with nothing to correct yet", base(verival.Update, verival.DataCorrection, nik), ""},
		// Each reason goes with one change.
		{"unknown change", base("MERGE", verival.Moved, ""), "change"},
		{"unknown reason", base(verival.Remove, "TIRED", ""), "reason"},
		{"ADD for a death", base(verival.Add, verival.Deceased, nik), "reason"},
		{"REMOVE for a new family", base(verival.Remove, verival.NewPoorFamily, ""), "reason"},
		{"UPDATE for a move", base(verival.Update, verival.Moved, nik), "reason"},
		{"REMOVE for a correction", base(verival.Remove, verival.DataCorrection, nik), "reason"},
		// A death is a person's; a family is added, or grows better off, whole.
		{"a household's death", base(verival.Remove, verival.Deceased, ""), "nik"},
		{"a member added", base(verival.Add, verival.NewPoorFamily, nik), "nik"},
		{"a member better off", base(verival.Remove, verival.BetterOff, nik), "nik"},
		// Evidence is a reference, not a word.
		{"no evidence", func() verival.Proposal { p := base(verival.Remove, verival.Moved, ""); p.Evidence = "  "; return p }(), "evidence"},
		{"evidence too short", func() verival.Proposal { p := base(verival.Remove, verival.Moved, ""); p.Evidence = "BA"; return p }(), "evidence"},
		{"evidence too long", func() verival.Proposal {
			p := base(verival.Remove, verival.Moved, "")
			p.Evidence = strings.Repeat("x", verival.MaxEvidence+1)
			return p
		}(), "evidence"},
		// Corrections go with an UPDATE, and with its subject.
		{"corrections on a removal", with(base(verival.Remove, verival.Moved, ""), verival.Corrections{Address: ptr("x")}), "corrections"},
		{"empty corrections", with(base(verival.Update, verival.DataCorrection, ""), verival.Corrections{}), "corrections"},
		{"a member's name on the household", with(base(verival.Update, verival.DataCorrection, ""), verival.Corrections{Name: ptr("A")}), "corrections.name"},
		{"an address on a member", with(base(verival.Update, verival.DataCorrection, nik), verival.Corrections{Address: ptr("A")}), "corrections.address"},
		{"an RT of two digits", with(base(verival.Update, verival.DataCorrection, ""), verival.Corrections{RT: ptr("01")}), "corrections.rt"},
		{"a blank name", with(base(verival.Update, verival.DataCorrection, nik), verival.Corrections{Name: ptr(" ")}), "corrections.name"},
		// The NIK carries the birth date and the sex: a correction agrees with it.
		{"the NIK's birth date", with(base(verival.Update, verival.DataCorrection, nik), verival.Corrections{BirthDate: ptr(jaring.Date(1985, 3, 12))}), ""},
		{"another birth date", with(base(verival.Update, verival.DataCorrection, nik), verival.Corrections{BirthDate: ptr(jaring.Date(1985, 3, 13))}), "corrections.birthDate"},
		{"a birth date in the future", with(base(verival.Update, verival.DataCorrection, nik), verival.Corrections{BirthDate: ptr(jaring.Date(2085, 3, 12))}), "corrections.birthDate"},
		{"the NIK's sex", with(base(verival.Update, verival.DataCorrection, nik), verival.Corrections{Sex: ptr(registry.Male)}), ""},
		{"another sex", with(base(verival.Update, verival.DataCorrection, nik), verival.Corrections{Sex: ptr(registry.Female)}), "corrections.sex"},
	}
	for _, tt := range tests {
		err := tt.p.Validate(today)
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: %v, want valid", tt.name, err)
		case tt.field != "" && (jaring.ErrorCode(err) != jaring.EINVALID || jaring.ErrorField(err) != tt.field):
			t.Errorf("%s: %v, want INVALID_INPUT at %s", tt.name, err, tt.field)
		case err != nil && !strings.HasPrefix(jaring.ErrorMessage(err), tt.field+":"):
			t.Errorf("%s: message %q does not start with the field", tt.name, jaring.ErrorMessage(err))
		}
	}
}

// Every reason has one rule, and the kinds of change each have theirs.
func TestRules(t *testing.T) {
	seen := map[verival.ChangeReason]bool{}
	kinds := map[verival.ChangeKind]int{}
	for _, r := range verival.Rules {
		if seen[r.Reason] {
			t.Errorf("reason %s has two rules", r.Reason)
		}
		seen[r.Reason] = true
		kinds[r.Change]++
	}
	if kinds[verival.Add] != 1 || kinds[verival.Update] != 1 || kinds[verival.Remove] != 7 {
		t.Errorf("reasons by change = %v, want ADD 1, UPDATE 1, REMOVE 7", kinds)
	}
}

func TestCanPropose(t *testing.T) {
	active, dead := registry.PersonActive, registry.PersonDeceased
	tests := []struct {
		name      string
		kind      verival.ChangeKind
		household registry.RegisterStatus
		person    *registry.PersonStatus
		ok        bool
	}{
		{"add a family outside the register", verival.Add, registry.Unregistered, nil, true},
		{"add a family removed before", verival.Add, registry.Removed, nil, true},
		// Already in, or already proposed to the national register.
		{"add a registered family", verival.Add, registry.Registered, nil, false},
		{"add a proposed family", verival.Add, registry.Proposed, nil, false},
		{"remove a registered family", verival.Remove, registry.Registered, nil, true},
		{"remove a proposed family", verival.Remove, registry.Proposed, nil, true},
		// Nothing to take out.
		{"remove a family outside the register", verival.Remove, registry.Unregistered, nil, false},
		{"remove a removed family", verival.Remove, registry.Removed, nil, false},
		{"remove an active member", verival.Remove, registry.Registered, &active, true},
		{"remove a member of a family outside the register", verival.Remove, registry.Unregistered, &active, true},
		{"remove a deceased member", verival.Remove, registry.Registered, &dead, false},
		{"correct anyone", verival.Update, registry.Removed, &dead, true},
	}
	for _, tt := range tests {
		err := verival.CanPropose(tt.kind, tt.household, tt.person, "that household")
		if (err == nil) != tt.ok || (err != nil && (jaring.ErrorCode(err) != jaring.ECONFLICT || jaring.ErrorField(err) != "change")) {
			t.Errorf("%s: %v, want ok %v (else CONFLICT at change)", tt.name, err, tt.ok)
		}
	}
}

func TestCanDecide(t *testing.T) {
	held := jaring.Date(2026, time.June, 15)
	open := func(village string, at time.Time) *verival.Change {
		return &verival.Change{ID: 7, Status: verival.Proposed, RegionCode: village, ProposedAt: at}
	}
	decided := open("19.04.01.2003", held)
	decided.Status = verival.Approved
	tests := []struct {
		name string
		c    *verival.Change
		code jaring.Code
	}{
		{"proposed days before", open("19.04.01.2003", held.AddDate(0, 0, -5)), ""},
		// The same day counts: the operator proposed in the morning of the musdes.
		{"proposed that morning", open("19.04.01.2003", held.Add(8*time.Hour)), ""},
		{"proposed the day after", open("19.04.01.2003", held.AddDate(0, 0, 1)), jaring.EINVALID},
		{"another village's", open("19.04.01.2004", held), jaring.EINVALID},
		{"decided already", decided, jaring.ECONFLICT},
	}
	for _, tt := range tests {
		err := verival.CanDecide(tt.c, "19.04.01.2003", held)
		if jaring.ErrorCode(err) != tt.code || (err != nil && jaring.ErrorField(err) != "change") {
			t.Errorf("%s: %v, want %q at change", tt.name, err, tt.code)
		}
	}
}

func TestDeliberationValidate(t *testing.T) {
	d := func(change func(*verival.NewDeliberation)) verival.NewDeliberation {
		n := verival.NewDeliberation{Village: "19.04.01.2003", Date: today, MinutesRef: "BA/MUSDES/2026/07",
			Decisions: []verival.DecisionInput{{ChangeID: 1, Decision: verival.Approve}, {ChangeID: 2, Decision: verival.Reject, Note: "Masih miskin"}}}
		change(&n)
		return n
	}
	many := make([]verival.DecisionInput, verival.MaxDecisions+1)
	for i := range many {
		many[i] = verival.DecisionInput{ChangeID: int64(i + 1), Decision: verival.Approve}
	}
	tests := []struct {
		name  string
		d     verival.NewDeliberation
		code  jaring.Code
		field string
	}{
		{"valid", d(func(*verival.NewDeliberation) {}), "", ""},
		{"a district", d(func(n *verival.NewDeliberation) { n.Village = "19.04.01" }), jaring.EINVALID, "village"},
		{"no region", d(func(n *verival.NewDeliberation) { n.Village = "19.04.01.9999" }), jaring.EINVALID, "village"},
		{"not a code", d(func(n *verival.NewDeliberation) { n.Village = "Nibung" }), jaring.EINVALID, "village"},
		// Held today is fine; tomorrow has not happened.
		{"tomorrow", d(func(n *verival.NewDeliberation) { n.Date = today.AddDate(0, 0, 1) }), jaring.EINVALID, "date"},
		{"no minutes", d(func(n *verival.NewDeliberation) { n.MinutesRef = " x " }), jaring.EINVALID, "minutesRef"},
		{"no decisions", d(func(n *verival.NewDeliberation) { n.Decisions = nil }), jaring.EINVALID, "decisions"},
		{"too many decisions", d(func(n *verival.NewDeliberation) { n.Decisions = many }), jaring.ELIMIT, "decisions"},
		{"a proposal twice", d(func(n *verival.NewDeliberation) { n.Decisions[1].ChangeID = 1 }), jaring.EINVALID, "decisions[1].change"},
		// The village is told why it was refused.
		{"a rejection without a note", d(func(n *verival.NewDeliberation) { n.Decisions[1].Note = " " }), jaring.EINVALID, "decisions[1].note"},
		{"an unknown decision", d(func(n *verival.NewDeliberation) { n.Decisions[0].Decision = "MAYBE" }), jaring.EINVALID, "decisions[0].decision"},
		{"a note too long", d(func(n *verival.NewDeliberation) { n.Decisions[0].Note = strings.Repeat("x", verival.MaxNote+1) }), jaring.EINVALID, "decisions[0].note"},
	}
	for _, tt := range tests {
		err := tt.d.Validate(today)
		if jaring.ErrorCode(err) != tt.code || jaring.ErrorField(err) != tt.field {
			t.Errorf("%s: %v, want %q at %q", tt.name, err, tt.code, tt.field)
		}
	}
}

func TestReview(t *testing.T) {
	for _, tt := range []struct {
		name  string
		in    verival.ReviewInput
		field string
	}{
		{"end", verival.ReviewInput{Outcome: verival.End, Note: "Penerima meninggal dunia"}, ""},
		{"no outcome", verival.ReviewInput{Note: "Penerima meninggal dunia"}, "outcome"},
		// A decision on a deceased person's aid is explained.
		{"no note", verival.ReviewInput{Outcome: verival.Continue, Note: "ok"}, "note"},
	} {
		if err := tt.in.Validate(); jaring.ErrorField(err) != tt.field || (tt.field != "" && jaring.ErrorCode(err) != jaring.EINVALID) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.field)
		}
	}
	end := verival.End
	open := &verival.Review{ID: 3, Status: verival.ReviewOpen}
	closed := &verival.Review{ID: 3, Status: verival.ReviewClosed, Outcome: &end}
	if err := open.CanReview(5, 5); err != nil {
		t.Errorf("the payer reviews an open review: %v", err)
	}
	if err := open.CanReview(5, 6); jaring.ErrorCode(err) != jaring.EFORBIDDEN {
		t.Errorf("another organisation reviews: %v, want FORBIDDEN", err)
	}
	if err := closed.CanReview(5, 5); jaring.ErrorCode(err) != jaring.ECONFLICT {
		t.Errorf("a closed review again: %v, want CONFLICT", err)
	}
}

func TestStatusAfter(t *testing.T) {
	for r, want := range map[verival.ChangeReason]registry.PersonStatus{verival.Deceased: registry.PersonDeceased,
		verival.Moved: registry.PersonMoved, verival.Duplicate: registry.PersonRemoved, verival.BecameStateEmployee: registry.PersonRemoved} {
		if got := verival.PersonStatusAfter(r); got != want {
			t.Errorf("a member removed for %s is %s, want %s", r, got, want)
		}
	}
	if s, ok := verival.HouseholdStatusAfter(verival.Add); !ok || s != registry.Proposed {
		t.Errorf("an approved ADD makes the household %s", s)
	}
	if s, ok := verival.HouseholdStatusAfter(verival.Remove); !ok || s != registry.Removed {
		t.Errorf("an approved REMOVE makes the household %s", s)
	}
	if _, ok := verival.HouseholdStatusAfter(verival.Update); ok {
		t.Error("an UPDATE changes the household's status")
	}
}

// The export is CSV with a header of ExportColumns, one row a change, the
// corrections in their own columns, values with commas and quotes quoted.
func TestWriteExport(t *testing.T) {
	decided := time.Date(2026, time.June, 15, 3, 0, 0, 0, time.FixedZone("WIB", 7*3600))
	d := &verival.Deliberation{ID: 4, RegionCode: "19.04.01.2003", Date: jaring.Date(2026, 6, 15), MinutesRef: `BA "Musdes", Nibung`}
	rows := []verival.ExportRow{
		{KK: "1904010506150001", NIK: "1904011203850001", Deliberation: d,
			Change: &verival.Change{ID: 11, RegionCode: "19.04.01.2003", Kind: verival.Remove, Reason: verival.Deceased, Evidence: "Surat kematian 12", DecidedAt: &decided}},
		{KK: "1904010506150001", Deliberation: d,
			Change: &verival.Change{ID: 12, RegionCode: "19.04.01.2003", Kind: verival.Update, Reason: verival.DataCorrection, Evidence: "KK baru",
				DecidedAt: &decided, Corrections: &verival.Corrections{Address: ptr("Jl. Nibung 2, Dusun I"), RT: ptr("004")}}},
	}
	var b bytes.Buffer
	if err := verival.WriteExport(&b, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || strings.Join(recs[0], ",") != strings.Join(verival.ExportColumns, ",") {
		t.Fatalf("export = %q", recs)
	}
	col := func(row int, name string) string {
		for i, c := range verival.ExportColumns {
			if c == name {
				return recs[row][i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	for name, want := range map[string]string{"change_id": "11", "kk": "1904010506150001", "nik": "1904011203850001", "change": "REMOVE",
		"reason": "DECEASED", "village_code": "19.04.01.2003", "village_name": "Nibung", "deliberation_id": "4", "deliberation_date": "2026-06-15",
		"minutes_ref": `BA "Musdes", Nibung`, "decided_at": "2026-06-14T20:00:00Z", "address": ""} {
		if got := col(1, name); got != want {
			t.Errorf("row 1 %s = %q, want %q", name, got, want)
		}
	}
	if col(2, "nik") != "" || col(2, "address") != "Jl. Nibung 2, Dusun I" || col(2, "rt") != "004" || col(2, "name") != "" {
		t.Errorf("row 2 = %q", recs[2])
	}
}
