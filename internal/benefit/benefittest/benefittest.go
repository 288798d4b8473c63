// Package benefittest is the contract of benefit.Store: one suite that
// every implementation runs against a real database holding the register of
// registrytest and the catalogue the migrations seed, each case named
// method=X/case=Y, checking each promise the interface's comments make.
package benefittest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry/registrytest"
)

// Env is a fresh store over the fixture, and the actors of its
// organisations (DINSOS, DINKES and the front office SILAKSO), seeing the
// whole regency.
type Env struct {
	Store benefit.Store
	Actor func(org string) jaring.Actor
}

// StoreTest runs the contract; env makes a fresh Env for each case.
func StoreTest(t *testing.T, env func(t *testing.T) Env) {
	ctx := context.Background()
	year := func(y int) jaring.Period {
		end := jaring.Date(y, 12, 31)
		return jaring.Period{Start: jaring.Date(y, 1, 1), End: &end}
	}
	record := func(t *testing.T, e Env, actor jaring.Actor, ins ...benefit.Input) []benefit.Result {
		t.Helper()
		for i := range ins {
			if ins[i].Payer == "" {
				ins[i].Payer = actor.Org
			}
		}
		rs, err := e.Store.RecordBenefits(ctx, actor, ins)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	bpnt := func(kk, ref string) benefit.Input {
		return benefit.Input{KK: kk, Program: "BPNT", Amount: 1, Period: year(2026), ExternalRef: ref}
	}
	scopeOf := func(region string) jaring.Scope {
		return jaring.Scope{Households: jaring.RegionHouseholds, Region: region}
	}
	status := func(t *testing.T, r benefit.Result, want benefit.ResultStatus, field string) {
		t.Helper()
		if r.Status != want || (field != "" && jaring.ErrorField(r.Err) != field) || (want != benefit.Recorded && want != benefit.AlreadyRecorded && benefit.StatusOf(r.Err) != want) {
			t.Errorf("result = %+v (%v), want %s at %q", r, r.Err, want, field)
		}
	}

	t.Run("method=RecordBenefits/case=recorded_then_already_recorded", func(t *testing.T) {
		e := env(t)
		dinsos := e.Actor("DINSOS")
		first := record(t, e, dinsos, bpnt(registrytest.KKKoba, "R1"))
		status(t, first[0], benefit.Recorded, "")
		again := record(t, e, dinsos, bpnt(registrytest.KKKoba, "R1"))
		status(t, again[0], benefit.AlreadyRecorded, "")
		if again[0].Benefit == nil || again[0].Benefit.ID != first[0].Benefit.ID {
			t.Errorf("the repeat names benefit %v, want %d", again[0].Benefit, first[0].Benefit.ID)
		}
	})
	t.Run("method=RecordBenefits/case=not_found", func(t *testing.T) {
		e := env(t)
		rs := record(t, e, e.Actor("DINSOS"),
			bpnt(registrytest.UnknownKK, "N1"),
			benefit.Input{KK: registrytest.KKKoba, Program: "NOPE", Amount: 1, Period: year(2026), ExternalRef: "N2"},
			benefit.Input{NIK: registrytest.UnknownNIK, Program: "PBI_JK", Amount: 1, Period: year(2026), ExternalRef: "N3"},
			benefit.Input{KK: registrytest.KKKoba, Program: "BPNT", Payer: "NOBODY", Amount: 1, Period: year(2026), ExternalRef: "N4"})
		status(t, rs[0], benefit.NotFound, "kk")
		status(t, rs[1], benefit.NotFound, "program")
		status(t, rs[2], benefit.NotFound, "nik")
		status(t, rs[3], benefit.NotFound, "payer")
	})
	// A household outside the actor's scope is as one that does not exist.
	t.Run("method=RecordBenefits/case=out_of_scope", func(t *testing.T) {
		e := env(t)
		a := e.Actor("DINSOS")
		a.Scope = scopeOf("19.04.02")
		rs := record(t, e, a, bpnt(registrytest.KKKoba, "S1"), bpnt(registrytest.UnknownKK, "S2"))
		status(t, rs[0], benefit.NotFound, "kk")
		if jaring.ErrorMessage(rs[0].Err) != jaring.ErrorMessage(rs[1].Err) {
			t.Errorf("out of scope says %q, unknown %q", jaring.ErrorMessage(rs[0].Err), jaring.ErrorMessage(rs[1].Err))
		}
	})
	t.Run("method=RecordBenefits/case=conflict", func(t *testing.T) {
		e := env(t)
		dinsos := e.Actor("DINSOS")
		record(t, e, dinsos, bpnt(registrytest.KKKoba, "C1"))
		changed := bpnt(registrytest.KKKoba, "C1")
		changed.Amount = 2
		status(t, record(t, e, dinsos, changed)[0], benefit.RefConflict, "externalRef")
	})
	t.Run("method=RecordBenefits/case=double_aid", func(t *testing.T) {
		e := env(t)
		record(t, e, e.Actor("DINSOS"), bpnt(registrytest.KKKoba, "D1"))
		rs := record(t, e, e.Actor("DINKES"), benefit.Input{KK: registrytest.KKKoba, Program: "RASDA", Amount: 1, Period: year(2026), ExternalRef: "D2"})
		status(t, rs[0], benefit.DoubleAid, "")
		if len(rs[0].Clashes) != 1 || rs[0].Clashes[0].Rule.Kind != benefit.SameKind || !strings.Contains(jaring.ErrorMessage(rs[0].Err), "BPNT") {
			t.Errorf("double aid = %+v", rs[0])
		}
	})
	// Within one batch, each input is decided against the ledger with the
	// batch's earlier inputs in it, as if sent one after the other.
	t.Run("method=RecordBenefits/case=within_one_batch", func(t *testing.T) {
		e := env(t)
		dinsos := e.Actor("DINSOS")
		changed := bpnt(registrytest.KKKoba2, "B3")
		changed.Amount = 2
		rasda := benefit.Input{KK: registrytest.KKKoba, Program: "RASDA", Amount: 1, Period: year(2026), ExternalRef: "B4"}
		rs := record(t, e, dinsos,
			bpnt(registrytest.KKKoba, "B1"),
			bpnt(registrytest.KKKoba, "B1"), // the same, again
			bpnt(registrytest.KKKoba2, "B3"),
			changed, // another benefit under a reference the batch used
			rasda,   // food aid again for the household of B1
			bpnt(registrytest.KKPangkal, "B5"))
		status(t, rs[0], benefit.Recorded, "")
		status(t, rs[1], benefit.AlreadyRecorded, "")
		status(t, rs[2], benefit.Recorded, "")
		status(t, rs[3], benefit.RefConflict, "externalRef")
		status(t, rs[4], benefit.DoubleAid, "")
		status(t, rs[5], benefit.Recorded, "")
		if rs[0].Benefit == nil || rs[0].Benefit.ID == 0 || rs[1].Benefit == nil || rs[1].Benefit.ID != rs[0].Benefit.ID {
			t.Errorf("the repeat names %+v, the first %+v", rs[1].Benefit, rs[0].Benefit)
		}
		if len(rs[4].Clashes) != 1 || rs[4].Clashes[0].Benefit.ID != rs[0].Benefit.ID ||
			!strings.Contains(jaring.ErrorMessage(rs[4].Err), fmt.Sprintf("benefit %d ", rs[0].Benefit.ID)) {
			t.Errorf("the clash within the batch = %+v (%v), want benefit %d named", rs[4].Clashes, rs[4].Err, rs[0].Benefit.ID)
		}
		for _, i := range []int{0, 2, 5} {
			if b := rs[i].Benefit; b == nil || b.ID == 0 || b.RecordedAt.IsZero() || b.ExternalRef != []string{"B1", "", "B3", "", "", "B5"}[i] {
				t.Errorf("result %d names %+v, want the benefit as recorded", i, b)
			}
		}
		// And the batch sent again records nothing twice.
		again := record(t, e, dinsos, bpnt(registrytest.KKKoba, "B1"), bpnt(registrytest.KKKoba2, "B3"), bpnt(registrytest.KKPangkal, "B5"))
		for i, r := range again {
			status(t, r, benefit.AlreadyRecorded, "")
			if want := []int{0, 2, 5}[i]; r.Benefit == nil || r.Benefit.ID != rs[want].Benefit.ID {
				t.Errorf("again %d names %+v, want benefit %d", i, r.Benefit, rs[want].Benefit.ID)
			}
		}
	})
	t.Run("method=RecordBenefits/case=forbidden", func(t *testing.T) {
		e := env(t)
		donor := e.Actor("DINSOS")
		donor.OrgKind = jaring.OrgDonor // a donor records only its own programs
		status(t, record(t, e, donor, bpnt(registrytest.KKKoba, "F1"))[0], benefit.Forbidden, "program")
	})

	t.Run("method=FindBenefitsByHouseholds/case=scope", func(t *testing.T) {
		e := env(t)
		rs := record(t, e, e.Actor("DINSOS"), bpnt(registrytest.KKKoba, "H1"), bpnt(registrytest.KKPangkal, "H2"))
		koba, pangkal := rs[0].Benefit.HouseholdID, rs[1].Benefit.HouseholdID
		bs, err := e.Store.FindBenefitsByHouseholds(ctx, scopeOf("19.04.01"), []int64{koba, pangkal})
		if err != nil {
			t.Fatal(err)
		}
		if len(bs) != 1 || bs[0].HouseholdID != koba {
			t.Errorf("benefits in 19.04.01's scope = %+v, want only %s's", bs, registrytest.KKKoba)
		}
		if bs, _ := e.Store.FindBenefitsByHouseholds(ctx, jaring.Scope{}, []int64{koba}); len(bs) != 0 {
			t.Error("the zero scope sees benefits")
		}
	})
	t.Run("method=FindBenefitsByPersons/case=scope", func(t *testing.T) {
		e := env(t)
		rs := record(t, e, e.Actor("DINKES"), benefit.Input{NIK: registrytest.NIKHead, Program: "JAMKESDA", Amount: 1, Period: year(2026), ExternalRef: "P1"})
		person := *rs[0].Benefit.PersonID
		if bs, err := e.Store.FindBenefitsByPersons(ctx, scopeOf("19.04.01.2003"), []int64{person}); err != nil || len(bs) != 1 {
			t.Errorf("in scope: %v %v", bs, err)
		}
		if bs, _ := e.Store.FindBenefitsByPersons(ctx, scopeOf("19.04.02"), []int64{person}); len(bs) != 0 {
			t.Errorf("out of scope: %v", bs)
		}
	})
	t.Run("method=FindBenefitsByIDs/case=unknown_and_out_of_scope_left_out", func(t *testing.T) {
		e := env(t)
		rs := record(t, e, e.Actor("DINSOS"), bpnt(registrytest.KKKoba, "I1"), bpnt(registrytest.KKPangkal, "I2"))
		bs, err := e.Store.FindBenefitsByIDs(ctx, scopeOf("19.04.02"), []int64{rs[0].Benefit.ID, rs[1].Benefit.ID, 999_999})
		if err != nil || len(bs) != 1 || bs[0].ID != rs[1].Benefit.ID {
			t.Errorf("benefits = %+v, %v; want only %d", bs, err, rs[1].Benefit.ID)
		}
	})
	t.Run("method=FindOverrides/case=scope", func(t *testing.T) {
		e := env(t)
		dinsos := e.Actor("DINSOS")
		record(t, e, dinsos, bpnt(registrytest.KKKoba, "O1"), bpnt(registrytest.KKPangkal, "O2"))
		override := &benefit.Override{Reason: "Tanggap darurat banjir, disetujui kepala dinas", By: "sup", OrgID: dinsos.OrgID}
		var again []benefit.Input
		for i, kk := range []string{registrytest.KKKoba, registrytest.KKPangkal} {
			in := bpnt(kk, "O-OVER-"+string(rune('A'+i)))
			in.Override = override
			again = append(again, in)
		}
		for _, r := range record(t, e, dinsos, again...) {
			status(t, r, benefit.Recorded, "")
		}
		bs, _, err := e.Store.FindOverrides(ctx, scopeOf("19.04.02"), jaring.PageRequest{First: 10})
		if err != nil || len(bs) != 1 || bs[0].Override == nil {
			t.Errorf("overrides in 19.04.02's scope = %+v, %v; want one", bs, err)
		}
		if bs, _, _ := e.Store.FindOverrides(ctx, jaring.Unrestricted(), jaring.PageRequest{First: 10}); len(bs) != 2 {
			t.Errorf("overrides = %d, want 2", len(bs))
		}
	})

	t.Run("method=SetKindExclusive/case=unknown", func(t *testing.T) {
		e := env(t)
		if _, err := e.Store.SetKindExclusive(ctx, "GOLD", false); jaring.ErrorCode(err) != jaring.ENOTFOUND || jaring.ErrorField(err) != "kind" {
			t.Errorf("err = %v, want NOT_FOUND naming kind", err)
		}
		k, err := e.Store.SetKindExclusive(ctx, "FOOD", false)
		if err != nil || k.Exclusive {
			t.Errorf("FOOD = %+v, %v", k, err)
		}
	})
	t.Run("method=AddExclusion/case=unknown_program", func(t *testing.T) {
		e := env(t)
		if _, err := e.Store.AddExclusion(ctx, "PKH", "NOPE", "why"); jaring.ErrorCode(err) != jaring.ENOTFOUND || jaring.ErrorField(err) != "programB" {
			t.Errorf("err = %v, want NOT_FOUND naming programB", err)
		}
	})
	t.Run("method=AddExclusion/case=again_changes_the_reason", func(t *testing.T) {
		e := env(t)
		if _, err := e.Store.AddExclusion(ctx, "RTLH", "PKH", "first"); err != nil {
			t.Fatal(err)
		}
		x, err := e.Store.AddExclusion(ctx, "PKH", "RTLH", "second")
		if err != nil || x.Reason != "second" {
			t.Errorf("exclusion = %+v, %v", x, err)
		}
	})
	t.Run("method=RemoveExclusion/case=none", func(t *testing.T) {
		e := env(t)
		if err := e.Store.RemoveExclusion(ctx, "PKH", "PIP"); jaring.ErrorCode(err) != jaring.ENOTFOUND {
			t.Errorf("err = %v, want NOT_FOUND", err)
		}
		if err := e.Store.RemoveExclusion(ctx, "PKH", "BLT_DD"); err != nil {
			t.Errorf("removing a seeded exclusion: %v", err)
		}
	})
	t.Run("method=FindKinds/case=ordered", func(t *testing.T) {
		e := env(t)
		ks, err := e.Store.FindKinds(ctx)
		if err != nil || len(ks) != 9 || ks[0].Code != "CASH_CONDITIONAL" {
			t.Errorf("kinds = %d, %v", len(ks), err)
		}
	})
}
