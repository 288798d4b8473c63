// Package verivaltest is the contract of verival.Store: one suite that
// every implementation runs against a real database holding the register of
// registrytest and the catalogue the migrations seed, each case named
// method=X/case=Y, checking each promise the interface's comments make.
package verivaltest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
	"github.com/jaring-id/jaring/internal/registry/registrytest"
	"github.com/jaring-id/jaring/internal/verival"
)

// Env is a fresh store over the fixture, the register and ledger beside it,
// and the actors of the fixture's organisations: the front office SILAKSO
// (which sees every benefit review), the agencies DINSOS and DINKES, the
// village government DESA-KOBA (of 19.04.01). Each sees the regency, the
// village its region. Its audit log records what a context's pending record
// asks for.
type Env struct {
	Store    verival.Store
	Registry registry.Store
	Benefits benefit.Store
	Actor    func(org string) jaring.Actor
}

// Days of the suite: proposals are made on Proposed, deliberations held on
// Held.
var (
	Proposed = time.Date(2026, time.June, 10, 8, 0, 0, 0, time.UTC)
	Held     = jaring.Date(2026, time.June, 15)
)

// Villages of the fixture's households.
const (
	Nibung = "19.04.01.2003" // KKKoba
	Koba   = "19.04.01.1001" // KKKoba2
	Mesu   = "19.04.02.2004" // KKPangkal
)

// StoreTest runs the contract; env makes a fresh Env for each case.
func StoreTest(t *testing.T, env func(t *testing.T) Env) {
	ctx := context.Background()
	code := func(t *testing.T, err error, want jaring.Code, field string) {
		t.Helper()
		if jaring.ErrorCode(err) != want || jaring.ErrorField(err) != field {
			t.Errorf("err = %v, want %s at %q", err, want, field)
		}
	}
	propose := func(t *testing.T, e Env, org string, p verival.Proposal) *verival.Change {
		t.Helper()
		if p.At.IsZero() {
			p.At = Proposed
		}
		if p.Evidence == "" {
			p.Evidence = "Surat Kepala Desa 470/12/2026"
		}
		c, err := e.Store.ProposeChange(ctx, e.Actor(org), p)
		if err != nil {
			t.Fatalf("propose %+v: %v", p, err)
		}
		return c
	}
	deliberation := func(village, ref string, decisions ...verival.DecisionInput) verival.NewDeliberation {
		return verival.NewDeliberation{Village: village, Date: Held, MinutesRef: ref, Decisions: decisions, At: Held.Add(10 * time.Hour)}
	}
	approve := func(c *verival.Change) verival.DecisionInput {
		return verival.DecisionInput{ChangeID: c.ID, Decision: verival.Approve, Note: "Disetujui musdes"}
	}
	reject := func(c *verival.Change) verival.DecisionInput {
		return verival.DecisionInput{ChangeID: c.ID, Decision: verival.Reject, Note: "Masih tinggal di desa"}
	}
	change := func(t *testing.T, e Env, id int64) *verival.Change {
		t.Helper()
		cs, err := e.Store.FindChangesByIDs(ctx, jaring.Unrestricted(), []int64{id})
		if err != nil || len(cs) != 1 {
			t.Fatalf("find change %d: %v %v", id, cs, err)
		}
		return cs[0]
	}
	household := func(t *testing.T, e Env, kk string) *registry.Household {
		t.Helper()
		h, err := e.Registry.FindHouseholdByKK(ctx, jaring.Unrestricted(), kk)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	person := func(t *testing.T, e Env, nik string) *registry.Person {
		t.Helper()
		p, err := e.Registry.FindPersonByNIK(ctx, jaring.Unrestricted(), nik)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	reviews := func(t *testing.T, e Env, org string, status verival.ReviewStatus) []*verival.Review {
		t.Helper()
		vs, _, err := e.Store.FindReviews(ctx, e.Actor(org).Scope, status, jaring.PageRequest{First: 50})
		if err != nil {
			t.Fatal(err)
		}
		return vs
	}
	year := func() jaring.Period {
		end := jaring.Date(2026, 12, 31)
		return jaring.Period{Start: jaring.Date(2026, 1, 1), End: &end}
	}
	// record records aid paid by org, and returns the benefits' IDs.
	record := func(t *testing.T, e Env, org string, ins ...benefit.Input) []int64 {
		t.Helper()
		actor := e.Actor(org)
		for i := range ins {
			ins[i].Payer, ins[i].Period = actor.Org, year()
		}
		rs, err := e.Benefits.RecordBenefits(ctx, actor, ins)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, r := range rs {
			if r.Status != benefit.Recorded {
				t.Fatalf("record %+v: %v", r, r.Err)
			}
			ids = append(ids, r.Benefit.ID)
		}
		return ids
	}
	benefitStatus := func(t *testing.T, e Env, id int64) benefit.Status {
		t.Helper()
		bs, err := e.Benefits.FindBenefitsByIDs(ctx, jaring.Unrestricted(), []int64{id})
		if err != nil || len(bs) != 1 {
			t.Fatalf("find benefit %d: %v", id, err)
		}
		return bs[0].Status
	}
	outside := func(a jaring.Actor, region string) jaring.Actor {
		a.Scope.Households, a.Scope.Region = jaring.RegionHouseholds, region
		return a
	}

	t.Run("method=ProposeChange/case=recorded", func(t *testing.T) {
		e := env(t)
		name := "Ahmad Fauzi Rahman"
		c := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba, NIK: registrytest.NIKHead, Kind: verival.Update,
			Reason: verival.DataCorrection, Corrections: &verival.Corrections{Name: &name}})
		desa := e.Actor("DESA-KOBA")
		if c.Status != verival.Proposed || c.ProposedBy != desa.Login || c.ProposedOrgID != desa.OrgID || c.RegionCode != Nibung ||
			c.PersonID == nil || !c.ProposedAt.Equal(Proposed) || c.Corrections == nil || *c.Corrections.Name != name || c.DeliberationID != nil {
			t.Errorf("proposed = %+v", c)
		}
	})
	t.Run("method=ProposeChange/case=unknown_household", func(t *testing.T) {
		e := env(t)
		_, err := e.Store.ProposeChange(ctx, e.Actor("DESA-KOBA"), verival.Proposal{KK: registrytest.UnknownKK, Kind: verival.Remove,
			Reason: verival.NotEligible, Evidence: "BA Musdes 01/2026", At: Proposed})
		code(t, err, jaring.ENOTFOUND, "kk")
	})
	// A household outside the operator's region answers exactly as a KK
	// that does not exist: no existence oracle.
	t.Run("method=ProposeChange/case=out_of_scope_as_unknown", func(t *testing.T) {
		e := env(t)
		p := verival.Proposal{KK: registrytest.KKPangkal, Kind: verival.Remove, Reason: verival.NotEligible, Evidence: "BA Musdes 01/2026", At: Proposed}
		_, outside := e.Store.ProposeChange(ctx, e.Actor("DESA-KOBA"), p)
		p.KK = registrytest.UnknownKK
		_, unknown := e.Store.ProposeChange(ctx, e.Actor("DESA-KOBA"), p)
		code(t, outside, jaring.ENOTFOUND, "kk")
		if jaring.ErrorMessage(outside) != jaring.ErrorMessage(unknown) || jaring.ErrorField(outside) != jaring.ErrorField(unknown) {
			t.Errorf("out of scope = %v, unknown = %v: they must not differ", outside, unknown)
		}
		if cs, _, _ := e.Store.FindChanges(ctx, jaring.Unrestricted(), verival.ChangeFilter{}, jaring.PageRequest{First: 10}); len(cs) != 0 {
			t.Errorf("a refused proposal was recorded: %+v", cs[0])
		}
	})
	t.Run("method=ProposeChange/case=not_a_member", func(t *testing.T) {
		e := env(t)
		_, err := e.Store.ProposeChange(ctx, e.Actor("DESA-KOBA"), verival.Proposal{KK: registrytest.KKKoba, NIK: registrytest.NIKSingle,
			Kind: verival.Remove, Reason: verival.Deceased, Evidence: "Surat kematian 12/2026", At: Proposed})
		code(t, err, jaring.ENOTFOUND, "nik")
	})
	t.Run("method=ProposeChange/case=second_open_proposal", func(t *testing.T) {
		e := env(t)
		p := verival.Proposal{KK: registrytest.KKKoba, Kind: verival.Remove, Reason: verival.NotEligible}
		first := propose(t, e, "DESA-KOBA", p)
		p.Reason, p.Evidence, p.At = verival.BetterOff, "BA Musdes 02/2026", Proposed
		_, err := e.Store.ProposeChange(ctx, e.Actor("DESA-KOBA"), p)
		code(t, err, jaring.ECONFLICT, "change")
		if !strings.Contains(jaring.ErrorMessage(err), fmt.Sprintf("register change %d", first.ID)) {
			t.Errorf("the conflict does not name the first proposal: %v", err)
		}
		// Another change of the household, or the same change of a
		// member, is a proposal of its own.
		propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba, NIK: registrytest.NIKSpouse, Kind: verival.Remove, Reason: verival.Moved})
		propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba, Kind: verival.Update, Reason: verival.DataCorrection})
		// Once decided, the change may be proposed again.
		if _, err := e.Store.RecordDeliberation(ctx, e.Actor("SILAKSO"), deliberation(Nibung, "BA-1", reject(first))); err != nil {
			t.Fatal(err)
		}
		propose(t, e, "DESA-KOBA", p)
	})
	// Only a family outside the register is proposed for it; only one in it
	// is taken out; only an active member is.
	t.Run("method=ProposeChange/case=register_status", func(t *testing.T) {
		e := env(t)
		for _, p := range []verival.Proposal{
			{KK: registrytest.KKKoba, Kind: verival.Add, Reason: verival.NewPoorFamily},    // REGISTERED
			{KK: registrytest.KKKoba2, Kind: verival.Remove, Reason: verival.NotEligible},  // UNREGISTERED
			{KK: registrytest.KKPangkal, Kind: verival.Add, Reason: verival.NewPoorFamily}, // PROPOSED
		} {
			p.Evidence, p.At = "BA Musdes 03/2026", Proposed
			_, err := e.Store.ProposeChange(ctx, e.Actor("SILAKSO"), p)
			code(t, err, jaring.ECONFLICT, "change")
		}
		propose(t, e, "SILAKSO", verival.Proposal{KK: registrytest.KKKoba2, Kind: verival.Add, Reason: verival.NewPoorFamily})
	})

	t.Run("method=RecordDeliberation/case=all_or_none", func(t *testing.T) {
		e := env(t)
		out := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba, Kind: verival.Remove, Reason: verival.NotEligible})
		dead := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba, NIK: registrytest.NIKHead, Kind: verival.Remove, Reason: verival.Deceased})
		record(t, e, "DINSOS", benefit.Input{KK: registrytest.KKKoba, Program: "BPNT", Amount: 1, ExternalRef: "AON-1"})
		other := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba2, Kind: verival.Add, Reason: verival.NewPoorFamily})
		// The third decision is of another village's household.
		_, err := e.Store.RecordDeliberation(ctx, e.Actor("SILAKSO"), deliberation(Nibung, "BA-AON", approve(out), approve(dead), approve(other)))
		code(t, err, jaring.EINVALID, "decisions[2].change")
		if !strings.HasPrefix(jaring.ErrorMessage(err), "decisions[2].change: ") {
			t.Errorf("message %q does not start with its field", jaring.ErrorMessage(err))
		}
		// Nothing changed.
		for _, c := range []*verival.Change{out, dead, other} {
			if got := change(t, e, c.ID); got.Status != verival.Proposed || got.DeliberationID != nil {
				t.Errorf("change %d after a refused deliberation: %+v", c.ID, got)
			}
		}
		if h := household(t, e, registrytest.KKKoba); h.RegisterStatus != registry.Registered {
			t.Errorf("household is %s after a refused deliberation", h.RegisterStatus)
		}
		if p := person(t, e, registrytest.NIKHead); p.RegisterStatus != registry.PersonActive {
			t.Errorf("head is %s after a refused deliberation", p.RegisterStatus)
		}
		if vs := reviews(t, e, "SILAKSO", verival.ReviewOpen); len(vs) != 0 {
			t.Errorf("a refused deliberation put %d benefits on review", len(vs))
		}
		// The minutes were not recorded either: they may be now.
		if _, err := e.Store.RecordDeliberation(ctx, e.Actor("SILAKSO"), deliberation(Nibung, "BA-AON", approve(out), approve(dead))); err != nil {
			t.Fatalf("the good decisions alone: %v", err)
		}
		if h := household(t, e, registrytest.KKKoba); h.RegisterStatus != registry.Removed {
			t.Errorf("household is %s after its removal was approved", h.RegisterStatus)
		}
	})
	// A proposal that does not exist and one outside the verifier's scope
	// answer alike, at the decision that names them.
	t.Run("method=RecordDeliberation/case=not_found", func(t *testing.T) {
		e := env(t)
		c := propose(t, e, "SILAKSO", verival.Proposal{KK: registrytest.KKPangkal, Kind: verival.Remove, Reason: verival.Moved})
		koba := outside(e.Actor("SILAKSO"), "19.04.01")
		_, hidden := e.Store.RecordDeliberation(ctx, koba, deliberation(Mesu, "BA-NF", approve(c)))
		_, unknown := e.Store.RecordDeliberation(ctx, koba, deliberation(Mesu, "BA-NF", verival.DecisionInput{ChangeID: c.ID + 1000, Decision: verival.Approve}))
		code(t, hidden, jaring.ENOTFOUND, "decisions[0].change")
		if want := strings.Replace(jaring.ErrorMessage(unknown), fmt.Sprint(c.ID+1000), fmt.Sprint(c.ID), 1); jaring.ErrorMessage(hidden) != want {
			t.Errorf("out of scope = %q, unknown = %q", jaring.ErrorMessage(hidden), jaring.ErrorMessage(unknown))
		}
	})
	t.Run("method=RecordDeliberation/case=refused_decisions", func(t *testing.T) {
		e := env(t)
		silakso := e.Actor("SILAKSO")
		c := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba, Kind: verival.Remove, Reason: verival.NotEligible})
		// Held before the proposal was made.
		early := deliberation(Nibung, "BA-EARLY", approve(c))
		early.Date = jaring.Date(2026, time.June, 9)
		_, err := e.Store.RecordDeliberation(ctx, silakso, early)
		code(t, err, jaring.EINVALID, "decisions[0].change")
		// Decided once, and never again.
		if _, err := e.Store.RecordDeliberation(ctx, silakso, deliberation(Nibung, "BA-ONCE", approve(c))); err != nil {
			t.Fatal(err)
		}
		_, err = e.Store.RecordDeliberation(ctx, silakso, deliberation(Nibung, "BA-TWICE", reject(c)))
		code(t, err, jaring.ECONFLICT, "decisions[0].change")
		// The same minutes are recorded once.
		d := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba, NIK: registrytest.NIKChild, Kind: verival.Remove, Reason: verival.Moved})
		_, err = e.Store.RecordDeliberation(ctx, silakso, deliberation(Nibung, "BA-ONCE", approve(d)))
		code(t, err, jaring.ECONFLICT, "minutesRef")
		// The household is out of the register now: it may be proposed
		// for it again, not removed again.
		_, err = e.Store.ProposeChange(ctx, e.Actor("DESA-KOBA"), verival.Proposal{KK: registrytest.KKKoba, Kind: verival.Remove,
			Reason: verival.Duplicate, Evidence: "BA Musdes 04/2026", At: Proposed})
		code(t, err, jaring.ECONFLICT, "change")
	})
	// An approved removal changes the register's status; a rejected one
	// changes nothing; both keep their history.
	t.Run("method=RecordDeliberation/case=history", func(t *testing.T) {
		e := env(t)
		silakso := e.Actor("SILAKSO")
		out := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba, NIK: registrytest.NIKChild, Kind: verival.Remove, Reason: verival.Moved})
		kept := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba, NIK: registrytest.NIKSpouse, Kind: verival.Remove, Reason: verival.Duplicate})
		d, err := e.Store.RecordDeliberation(ctx, silakso, deliberation(Nibung, "BA-HIST", approve(out), reject(kept)))
		if err != nil {
			t.Fatal(err)
		}
		if d.RegionCode != Nibung || !d.Date.Equal(Held) || d.MinutesRef != "BA-HIST" || d.RecordedBy != silakso.Login || d.RecordedOrgID != silakso.OrgID {
			t.Errorf("deliberation = %+v", d)
		}
		got := change(t, e, out.ID)
		if got.Status != verival.Approved || got.DeliberationID == nil || *got.DeliberationID != d.ID || got.Note != "Disetujui musdes" ||
			got.DecidedAt == nil || got.ProposedBy != out.ProposedBy || got.Evidence != out.Evidence {
			t.Errorf("approved change = %+v", got)
		}
		if got := change(t, e, kept.ID); got.Status != verival.Rejected || got.Note != "Masih tinggal di desa" || *got.DeliberationID != d.ID {
			t.Errorf("rejected change = %+v", got)
		}
		if p := person(t, e, registrytest.NIKChild); p.RegisterStatus != registry.PersonMoved {
			t.Errorf("the child moved away is %s", p.RegisterStatus)
		}
		if p := person(t, e, registrytest.NIKSpouse); p.RegisterStatus != registry.PersonActive {
			t.Errorf("the spouse whose removal was rejected is %s", p.RegisterStatus)
		}
		if h := household(t, e, registrytest.KKKoba); h.RegisterStatus != registry.Registered {
			t.Errorf("the household of a member's removal is %s", h.RegisterStatus)
		}
		cs, err := e.Store.FindChangesByDeliberations(ctx, silakso.Scope, []int64{d.ID})
		if err != nil || len(cs) != 2 || cs[0].ID != out.ID || cs[1].ID != kept.ID {
			t.Errorf("changes of the deliberation = %v %v", cs, err)
		}
		// A deliberation is seen by those who see what it decided.
		if ds, _ := e.Store.FindDeliberationsByIDs(ctx, e.Actor("DESA-KOBA").Scope, []int64{d.ID}); len(ds) != 1 {
			t.Error("the village does not see its deliberation")
		}
		if ds, _ := e.Store.FindDeliberationsByIDs(ctx, outside(silakso, "19.04.02").Scope, []int64{d.ID}); len(ds) != 0 {
			t.Error("another district sees the deliberation")
		}
		if cs, _, _ := e.Store.FindChanges(ctx, outside(silakso, "19.04.02").Scope, verival.ChangeFilter{}, jaring.PageRequest{First: 10}); len(cs) != 0 {
			t.Errorf("another district sees %d proposals", len(cs))
		}
		approved := verival.Approved
		cs, _, err = e.Store.FindChanges(ctx, silakso.Scope, verival.ChangeFilter{Region: Nibung, Status: &approved}, jaring.PageRequest{First: 10})
		if err != nil || len(cs) != 1 || cs[0].ID != out.ID {
			t.Errorf("approved changes of Nibung = %v %v", cs, err)
		}
		for _, c := range []struct {
			scope  jaring.Scope
			filter verival.ChangeFilter
			want   int
		}{
			{silakso.Scope, verival.ChangeFilter{Region: Nibung, Status: &approved}, 1},
			{silakso.Scope, verival.ChangeFilter{Region: "19.04.01"}, 2},
			{e.Actor("DESA-KOBA").Scope, verival.ChangeFilter{}, 2},
			{outside(silakso, "19.04.02").Scope, verival.ChangeFilter{}, 0},
		} {
			if n, err := e.Store.CountChanges(ctx, c.scope, c.filter); err != nil || n != c.want {
				t.Errorf("CountChanges(%+v, %+v) = %d %v, want %d", c.scope, c.filter, n, err, c.want)
			}
		}
	})
	t.Run("method=RecordDeliberation/case=add_and_update", func(t *testing.T) {
		e := env(t)
		address, rt, name := "Jl. Merdeka No. 9", "004", "Lim Ah Kiong Hartono"
		birth := jaring.Date(1960, time.July, 4)
		add := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba2, Kind: verival.Add, Reason: verival.NewPoorFamily})
		home := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba2, Kind: verival.Update, Reason: verival.DataCorrection,
			Corrections: &verival.Corrections{Address: &address, RT: &rt}})
		who := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba2, NIK: registrytest.NIKSingle, Kind: verival.Update,
			Reason: verival.DataCorrection, Corrections: &verival.Corrections{Name: &name, BirthDate: &birth}})
		if _, err := e.Store.RecordDeliberation(ctx, e.Actor("SILAKSO"), deliberation(Koba, "BA-KOBA-1", approve(add), approve(home), approve(who))); err != nil {
			t.Fatal(err)
		}
		h := household(t, e, registrytest.KKKoba2)
		if h.RegisterStatus != registry.Proposed || h.Address != address || h.RT != rt || h.RW != "001" {
			t.Errorf("household after ADD and UPDATE = %+v", h)
		}
		if p := person(t, e, registrytest.NIKSingle); p.Name != name || !p.BirthDate.Equal(birth) || p.Sex != registry.Male {
			t.Errorf("person after UPDATE = %+v", p)
		}
	})
	// A death puts what the person held, and the household's aid when they
	// were its head, on the review list; no benefit is changed.
	t.Run("method=RecordDeliberation/case=death_puts_benefits_on_review", func(t *testing.T) {
		e := env(t)
		household := record(t, e, "DINSOS", benefit.Input{KK: registrytest.KKKoba, Program: "BPNT", Amount: 1, ExternalRef: "DEATH-BPNT"})[0]
		premiums := record(t, e, "DINKES",
			benefit.Input{NIK: registrytest.NIKHead, Program: "PBI_JK", Amount: 1, ExternalRef: "DEATH-PBI-1"},
			benefit.Input{NIK: registrytest.NIKSpouse, Program: "PBI_JK", Amount: 1, ExternalRef: "DEATH-PBI-2"})
		c := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba, NIK: registrytest.NIKHead, Kind: verival.Remove, Reason: verival.Deceased})
		if _, err := e.Store.RecordDeliberation(ctx, e.Actor("SILAKSO"), deliberation(Nibung, "BA-DEATH", approve(c))); err != nil {
			t.Fatal(err)
		}
		if p := person(t, e, registrytest.NIKHead); p.RegisterStatus != registry.PersonDeceased {
			t.Errorf("the deceased is %s", p.RegisterStatus)
		}
		all := reviews(t, e, "SILAKSO", verival.ReviewOpen)
		listed := map[int64]bool{}
		for _, v := range all {
			listed[v.BenefitID] = true
			if v.ChangeID != c.ID || v.PersonID != *c.PersonID || v.Reason != verival.Deceased || v.Status != verival.ReviewOpen {
				t.Errorf("review = %+v", v)
			}
		}
		if len(all) != 2 || !listed[household] || !listed[premiums[0]] || listed[premiums[1]] {
			t.Errorf("reviews of benefits %v, want the household's %d and the head's %d, not the spouse's %d", listed, household, premiums[0], premiums[1])
		}
		for _, id := range append(premiums, household) {
			if s := benefitStatus(t, e, id); s != benefit.Active {
				t.Errorf("benefit %d is %s: the deliberation ended it", id, s)
			}
		}
		// Each payer sees the reviews of what it pays.
		if vs := reviews(t, e, "DINSOS", verival.ReviewOpen); len(vs) != 1 || vs[0].BenefitID != household {
			t.Errorf("DINSOS's reviews = %+v", vs)
		}
		if vs := reviews(t, e, "DINKES", verival.ReviewOpen); len(vs) != 1 || vs[0].BenefitID != premiums[0] {
			t.Errorf("DINKES's reviews = %+v", vs)
		}
		if vs, _, _ := e.Store.FindReviews(ctx, outside(e.Actor("SILAKSO"), "19.04.02").Scope, verival.ReviewOpen, jaring.PageRequest{First: 10}); len(vs) != 0 {
			t.Errorf("another district sees %d reviews", len(vs))
		}
	})
	// A member who is not the head takes only their own aid to the list,
	// and only what they still held on the deliberation's day.
	t.Run("method=RecordDeliberation/case=death_of_a_member", func(t *testing.T) {
		e := env(t)
		record(t, e, "DINSOS", benefit.Input{KK: registrytest.KKKoba, Program: "BPNT", Amount: 1, ExternalRef: "MEMBER-BPNT"})
		premium := record(t, e, "DINKES", benefit.Input{NIK: registrytest.NIKSpouse, Program: "PBI_JK", Amount: 1, ExternalRef: "MEMBER-PBI"})[0]
		actor := e.Actor("DINKES")
		ended := jaring.Date(2026, time.May, 31)
		rs, err := e.Benefits.RecordBenefits(ctx, actor, []benefit.Input{{NIK: registrytest.NIKSpouse, Program: "JAMKESDA", Payer: actor.Org, Amount: 1,
			Period: jaring.Period{Start: jaring.Date(2026, time.May, 1), End: &ended}, ExternalRef: "MEMBER-JAMKESDA"}})
		if err != nil || rs[0].Status != benefit.Recorded {
			t.Fatalf("record the ended benefit: %+v %v", rs, err)
		}
		c := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba, NIK: registrytest.NIKSpouse, Kind: verival.Remove, Reason: verival.Deceased})
		if _, err := e.Store.RecordDeliberation(ctx, e.Actor("SILAKSO"), deliberation(Nibung, "BA-MEMBER", approve(c))); err != nil {
			t.Fatal(err)
		}
		if vs := reviews(t, e, "SILAKSO", verival.ReviewOpen); len(vs) != 1 || vs[0].BenefitID != premium {
			t.Errorf("reviews = %+v, want the spouse's premium %d alone", vs, premium)
		}
	})
	t.Run("method=ReviewBenefit/case=end_continue_refused", func(t *testing.T) {
		e := env(t)
		food := record(t, e, "DINSOS", benefit.Input{KK: registrytest.KKKoba, Program: "BPNT", Amount: 1, ExternalRef: "REV-BPNT"})[0]
		premium := record(t, e, "DINKES", benefit.Input{NIK: registrytest.NIKHead, Program: "PBI_JK", Amount: 1, ExternalRef: "REV-PBI"})[0]
		c := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba, NIK: registrytest.NIKHead, Kind: verival.Remove, Reason: verival.Deceased})
		if _, err := e.Store.RecordDeliberation(ctx, e.Actor("SILAKSO"), deliberation(Nibung, "BA-REV", approve(c))); err != nil {
			t.Fatal(err)
		}
		of := map[int64]int64{}
		for _, v := range reviews(t, e, "SILAKSO", verival.ReviewOpen) {
			of[v.BenefitID] = v.ID
		}
		at := Held.Add(48 * time.Hour)
		// Another payer's review is not DINKES's to see; the front office
		// sees it but does not pay it.
		_, err := e.Store.ReviewBenefit(ctx, e.Actor("DINKES"), of[food], verival.ReviewInput{Outcome: verival.End, Note: "Penerima meninggal", At: at})
		code(t, err, jaring.ENOTFOUND, "")
		_, err = e.Store.ReviewBenefit(ctx, e.Actor("SILAKSO"), of[food], verival.ReviewInput{Outcome: verival.End, Note: "Penerima meninggal", At: at})
		code(t, err, jaring.EFORBIDDEN, "")
		_, err = e.Store.ReviewBenefit(ctx, e.Actor("DINSOS"), 999_999, verival.ReviewInput{Outcome: verival.End, Note: "Penerima meninggal", At: at})
		code(t, err, jaring.ENOTFOUND, "")

		v, err := e.Store.ReviewBenefit(ctx, e.Actor("DINSOS"), of[food], verival.ReviewInput{Outcome: verival.Continue,
			Note: "Istri melanjutkan sebagai pengurus keluarga", At: at})
		if err != nil {
			t.Fatal(err)
		}
		dinsos := e.Actor("DINSOS")
		if v.Status != verival.ReviewClosed || v.Outcome == nil || *v.Outcome != verival.Continue || v.ReviewedBy != dinsos.Login ||
			v.ReviewedOrgID == nil || *v.ReviewedOrgID != dinsos.OrgID || v.ReviewedAt == nil || !v.ReviewedAt.Equal(at) {
			t.Errorf("continued review = %+v", v)
		}
		if s := benefitStatus(t, e, food); s != benefit.Active {
			t.Errorf("a continued benefit is %s", s)
		}
		if _, err := e.Store.ReviewBenefit(ctx, e.Actor("DINKES"), of[premium], verival.ReviewInput{Outcome: verival.End, Note: "Peserta meninggal dunia", At: at}); err != nil {
			t.Fatal(err)
		}
		if s := benefitStatus(t, e, premium); s != benefit.Ended {
			t.Errorf("an ended benefit is %s", s)
		}
		_, err = e.Store.ReviewBenefit(ctx, e.Actor("DINKES"), of[premium], verival.ReviewInput{Outcome: verival.Continue, Note: "Berubah pikiran lagi", At: at})
		code(t, err, jaring.ECONFLICT, "")
		if vs := reviews(t, e, "SILAKSO", verival.ReviewOpen); len(vs) != 0 {
			t.Errorf("%d reviews still open", len(vs))
		}
		if vs := reviews(t, e, "SILAKSO", verival.ReviewClosed); len(vs) != 2 {
			t.Errorf("%d reviews closed, want 2", len(vs))
		}
	})
	t.Run("method=ExportChanges/case=window", func(t *testing.T) {
		e := env(t)
		silakso := e.Actor("SILAKSO")
		name := "Siti Aminah Binti Umar"
		out := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba, NIK: registrytest.NIKChild, Kind: verival.Remove, Reason: verival.Moved})
		fix := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba, NIK: registrytest.NIKSpouse, Kind: verival.Update,
			Reason: verival.DataCorrection, Corrections: &verival.Corrections{Name: &name}})
		no := propose(t, e, "DESA-KOBA", verival.Proposal{KK: registrytest.KKKoba, Kind: verival.Remove, Reason: verival.BetterOff})
		add := propose(t, e, "SILAKSO", verival.Proposal{KK: registrytest.KKKoba2, Kind: verival.Add, Reason: verival.NewPoorFamily})
		if _, err := e.Store.RecordDeliberation(ctx, silakso, deliberation(Nibung, "BA-EXP", approve(out), approve(fix), reject(no))); err != nil {
			t.Fatal(err)
		}
		later := deliberation(Koba, "BA-EXP-2", approve(add))
		later.Date = Held.AddDate(0, 1, 0)
		if _, err := e.Store.RecordDeliberation(ctx, silakso, later); err != nil {
			t.Fatal(err)
		}
		pending := audit.NewPending(audit.Event{Actor: "cli", Org: "SYSTEM", Operation: "export register-changes"})
		rows, err := e.Store.ExportChanges(audit.WithPending(ctx, pending), jaring.System(), Held, Held)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].Change.ID != out.ID || rows[0].NIK != registrytest.NIKChild || rows[0].KK != registrytest.KKKoba ||
			rows[1].Change.ID != fix.ID || rows[1].Change.Corrections == nil || rows[0].Deliberation.MinutesRef != "BA-EXP" {
			t.Errorf("export of the day = %+v", rows)
		}
		if !pending.IsWritten() {
			t.Error("the export was not recorded in the audit log")
		}
		rows, err = e.Store.ExportChanges(audit.WithPending(ctx, audit.NewPending(audit.Event{Actor: "cli", Operation: "export"})),
			jaring.System(), Held, later.Date)
		if err != nil || len(rows) != 3 || rows[2].Change.ID != add.ID || rows[2].NIK != "" {
			t.Errorf("export of the month = %+v %v", rows, err)
		}
		// An export nobody records is refused.
		if _, err := e.Store.ExportChanges(ctx, jaring.System(), Held, Held); err == nil {
			t.Error("an export was made with no audit record")
		}
	})
}
