// Package referraltest is the contract of referral.Store: one suite that
// every implementation runs against a real database holding the register of
// registrytest, each case named method=X/case=Y, checking each promise the
// interface's comments make.
package referraltest

import (
	"context"
	"testing"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/registry/registrytest"
)

// Env is a fresh store over the fixture and the actors of its
// organisations: the front office SILAKSO, the agencies DINSOS and DINKES,
// the village government DESA-KOBA (of 19.04.01), and the donor CSR-X, who
// runs the program CSRX_RUMAH (HOUSING). Each actor sees what the policy
// lets its kind see.
type Env struct {
	Store referral.Store
	Actor func(org string) jaring.Actor
}

// StoreTest runs the contract; env makes a fresh Env for each case.
func StoreTest(t *testing.T, env func(t *testing.T) Env) {
	ctx := context.Background()
	code := func(t *testing.T, err error, want jaring.Code, field string) {
		t.Helper()
		if jaring.ErrorCode(err) != want || (field != "" && jaring.ErrorField(err) != field) {
			t.Errorf("err = %v, want %s at %q", err, want, field)
		}
	}
	// referred takes an application of kkKoba's head for kind and refers it
	// to the targets; it returns the application and its referrals by
	// organisation code.
	referred := func(t *testing.T, e Env, kind string, targets ...referral.Target) (*referral.Application, map[string]*referral.Referral) {
		t.Helper()
		desk := e.Actor("SILAKSO")
		typ := referral.AidRequest
		if kind == "" {
			typ = referral.Complaint
		}
		app, err := e.Store.SubmitApplication(ctx, desk, referral.NewApplication{ApplicantNIK: registrytest.NIKHead, KK: registrytest.KKKoba,
			Type: typ, KindCode: kind, Description: "x", Documents: referral.Documents{KTP: true, KK: true}})
		if err != nil {
			t.Fatal(err)
		}
		if app, err = e.Store.VerifyApplication(ctx, desk, app.ID, nil); err != nil || app.Status != referral.Verified {
			t.Fatalf("verify: %+v %v", app, err)
		}
		if len(targets) == 0 {
			return app, nil
		}
		if app, err = e.Store.ReferApplication(ctx, desk, app.ID, targets); err != nil {
			t.Fatal(err)
		}
		rs, err := e.Store.FindReferralsByApplications(ctx, jaring.Unrestricted(), []int64{app.ID})
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]*referral.Referral{}
		for _, r := range rs {
			for _, t := range targets {
				if e.Actor(t.Organisation).OrgID == r.ToID {
					by[t.Organisation] = r
				}
			}
		}
		return app, by
	}
	outside := func(a jaring.Actor) jaring.Actor {
		a.Scope = jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04.02", OrgID: a.OrgID, AllReferrals: a.Scope.AllReferrals}
		return a
	}

	t.Run("method=SubmitApplication/case=unknown_household", func(t *testing.T) {
		e := env(t)
		_, err := e.Store.SubmitApplication(ctx, e.Actor("SILAKSO"), referral.NewApplication{ApplicantNIK: registrytest.NIKHead,
			KK: registrytest.UnknownKK, Type: referral.Complaint, Description: "x"})
		code(t, err, jaring.ENOTFOUND, "kk")
	})
	t.Run("method=SubmitApplication/case=out_of_scope", func(t *testing.T) {
		e := env(t)
		_, err := e.Store.SubmitApplication(ctx, outside(e.Actor("SILAKSO")), referral.NewApplication{ApplicantNIK: registrytest.NIKHead,
			KK: registrytest.KKKoba, Type: referral.Complaint, Description: "x"})
		code(t, err, jaring.ENOTFOUND, "kk")
	})
	t.Run("method=SubmitApplication/case=unknown_kind", func(t *testing.T) {
		e := env(t)
		_, err := e.Store.SubmitApplication(ctx, e.Actor("SILAKSO"), referral.NewApplication{ApplicantNIK: registrytest.NIKHead,
			KK: registrytest.KKKoba, Type: referral.AidRequest, KindCode: "GOLD", Description: "x"})
		code(t, err, jaring.EINVALID, "kind")
	})

	t.Run("method=VerifyApplication/case=not_found", func(t *testing.T) {
		e := env(t)
		app, _ := referred(t, e, "FOOD")
		_, err := e.Store.VerifyApplication(ctx, e.Actor("SILAKSO"), 999_999, nil)
		code(t, err, jaring.ENOTFOUND, "")
		// Out of scope answers as unknown.
		_, err = e.Store.VerifyApplication(ctx, outside(e.Actor("SILAKSO")), app.ID, nil)
		code(t, err, jaring.ENOTFOUND, "")
	})
	t.Run("method=VerifyApplication/case=conflict", func(t *testing.T) {
		e := env(t)
		app, _ := referred(t, e, "FOOD")
		_, err := e.Store.VerifyApplication(ctx, e.Actor("SILAKSO"), app.ID, nil)
		code(t, err, jaring.ECONFLICT, "")
	})

	t.Run("method=ReferApplication/case=refused_targets", func(t *testing.T) {
		e := env(t)
		app, _ := referred(t, e, "FOOD")
		desk := e.Actor("SILAKSO")
		for _, c := range []struct {
			name   string
			target referral.Target
			field  string
			code   jaring.Code
		}{
			{"unknown organisation", referral.Target{Organisation: "NOBODY"}, "to[0].organisation", jaring.ENOTFOUND},
			{"the front office itself", referral.Target{Organisation: "SILAKSO"}, "to[0].organisation", jaring.EINVALID},
			{"unknown program", referral.Target{Organisation: "DINSOS", Program: "NOPE"}, "to[0].program", jaring.ENOTFOUND},
			// The program named must be of the kind asked for…
			{"a program of another kind", referral.Target{Organisation: "DINSOS", Program: "RTLH"}, "to[0].program", jaring.EINVALID},
			// … and the organisation's own or no one's.
			{"another organisation's program", referral.Target{Organisation: "DINSOS", Program: "CSRX_RUMAH"}, "to[0].program", jaring.EINVALID},
		} {
			_, err := e.Store.ReferApplication(ctx, desk, app.ID, []referral.Target{c.target})
			if jaring.ErrorCode(err) != c.code || jaring.ErrorField(err) != c.field {
				t.Errorf("%s: err = %v, want %s at %s", c.name, err, c.code, c.field)
			}
		}
	})
	// A village government takes referrals of its own residents only.
	t.Run("method=ReferApplication/case=village_outside_its_region", func(t *testing.T) {
		e := env(t)
		desk := e.Actor("SILAKSO")
		app, err := e.Store.SubmitApplication(ctx, desk, referral.NewApplication{ApplicantNIK: registrytest.NIKPHead, KK: registrytest.KKPangkal,
			Type: referral.AidRequest, KindCode: "CASH_LIVING", Description: "x", Documents: referral.Documents{KTP: true, KK: true, SKTM: true}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Store.VerifyApplication(ctx, desk, app.ID, nil); err != nil {
			t.Fatal(err)
		}
		_, err = e.Store.ReferApplication(ctx, desk, app.ID, []referral.Target{{Organisation: "DESA-KOBA"}})
		code(t, err, jaring.EINVALID, "to[0].organisation")
		inside, _ := referred(t, e, "CASH_LIVING", referral.Target{Organisation: "DESA-KOBA"})
		if inside.Status != referral.Referred {
			t.Errorf("a referral to the household's own village: %+v", inside)
		}
	})
	t.Run("method=ReferApplication/case=conflict", func(t *testing.T) {
		e := env(t)
		app, _ := referred(t, e, "FOOD", referral.Target{Organisation: "DINSOS"})
		_, err := e.Store.ReferApplication(ctx, e.Actor("SILAKSO"), app.ID, []referral.Target{{Organisation: "DINSOS"}})
		code(t, err, jaring.ECONFLICT, "to[0].organisation")
	})

	t.Run("method=DecideReferral/case=not_found", func(t *testing.T) {
		e := env(t)
		_, by := referred(t, e, "FOOD", referral.Target{Organisation: "DINSOS"}, referral.Target{Organisation: "DINKES"})
		_, err := e.Store.DecideReferral(ctx, e.Actor("DINSOS"), 999_999, referral.Accept, "", nil)
		code(t, err, jaring.ENOTFOUND, "")
		// Another organisation's referral is none the caller may see.
		_, err = e.Store.DecideReferral(ctx, e.Actor("DINKES"), by["DINSOS"].ID, referral.Accept, "", nil)
		code(t, err, jaring.ENOTFOUND, "")
		// Its own, for a household outside its token's region, neither.
		_, err = e.Store.DecideReferral(ctx, outside(e.Actor("DINSOS")), by["DINSOS"].ID, referral.Accept, "", nil)
		code(t, err, jaring.ENOTFOUND, "")
	})
	t.Run("method=DecideReferral/case=forbidden", func(t *testing.T) {
		e := env(t)
		_, by := referred(t, e, "FOOD", referral.Target{Organisation: "DINSOS"})
		_, err := e.Store.DecideReferral(ctx, e.Actor("SILAKSO"), by["DINSOS"].ID, referral.Accept, "", nil)
		code(t, err, jaring.EFORBIDDEN, "")
	})
	t.Run("method=DecideReferral/case=conflict", func(t *testing.T) {
		e := env(t)
		_, by := referred(t, e, "FOOD", referral.Target{Organisation: "DINSOS"})
		d, err := e.Store.DecideReferral(ctx, e.Actor("DINSOS"), by["DINSOS"].ID, referral.Reject, "Tidak memenuhi kriteria", nil)
		if err != nil || d.Referral.Status != referral.Declined || !d.Closed {
			t.Fatalf("reject: %+v %v", d, err)
		}
		_, err = e.Store.DecideReferral(ctx, e.Actor("DINSOS"), by["DINSOS"].ID, referral.Accept, "", nil)
		code(t, err, jaring.ECONFLICT, "")
	})
	// A benefit that does not fulfil the referral is refused, nothing written.
	t.Run("method=DecideReferral/case=benefit_of_another_kind", func(t *testing.T) {
		e := env(t)
		_, by := referred(t, e, "FOOD", referral.Target{Organisation: "DINSOS"})
		end := jaring.Date(2026, 12, 31)
		d, err := e.Store.DecideReferral(ctx, e.Actor("DINSOS"), by["DINSOS"].ID, referral.Accept, "", &benefit.Input{Program: "RTLH", Payer: "DINSOS",
			Amount: 1, Period: jaring.Period{Start: jaring.Date(2026, 1, 1), End: &end}, ExternalRef: "K1"})
		if err != nil || d.Referral != nil || d.Refused == nil || jaring.ErrorField(d.Refused.Err) != "program" {
			t.Errorf("a HOUSING benefit for a FOOD referral: %+v %v", d, err)
		}
	})
	t.Run("method=FulfilReferral/case=conflict", func(t *testing.T) {
		e := env(t)
		_, by := referred(t, e, "FOOD", referral.Target{Organisation: "DINSOS"})
		_, err := e.Store.FulfilReferral(ctx, e.Actor("DINSOS"), by["DINSOS"].ID, benefit.Input{Program: "BPNT", Payer: "DINSOS", Amount: 1,
			Period: jaring.Period{Start: jaring.Date(2026, 1, 1)}, ExternalRef: "F1"})
		code(t, err, jaring.ECONFLICT, "")
	})

	t.Run("method=FindInbox/case=scope", func(t *testing.T) {
		e := env(t)
		referred(t, e, "FOOD", referral.Target{Organisation: "DINSOS"})
		rs, _, err := e.Store.FindInbox(ctx, e.Actor("DINSOS").Scope, nil, jaring.PageRequest{First: 10})
		if err != nil || len(rs) != 1 {
			t.Errorf("DINSOS's inbox = %d, %v; want 1", len(rs), err)
		}
		if rs, _, _ := e.Store.FindInbox(ctx, outside(e.Actor("DINSOS")).Scope, nil, jaring.PageRequest{First: 10}); len(rs) != 0 {
			t.Errorf("the inbox of a token of 19.04.02 holds %d referrals of 19.04.01", len(rs))
		}
		if rs, _, _ := e.Store.FindInbox(ctx, e.Actor("DINKES").Scope, nil, jaring.PageRequest{First: 10}); len(rs) != 0 {
			t.Errorf("DINKES's inbox holds DINSOS's referral")
		}
	})
	t.Run("method=FindReferralsByHouseholds/case=own_only", func(t *testing.T) {
		e := env(t)
		app, _ := referred(t, e, "FOOD", referral.Target{Organisation: "DINSOS"}, referral.Target{Organisation: "DINKES"})
		rs, err := e.Store.FindReferralsByHouseholds(ctx, e.Actor("DINKES").Scope, []int64{app.HouseholdID})
		if err != nil || len(rs) != 1 || rs[0].ToID != e.Actor("DINKES").OrgID {
			t.Errorf("DINKES sees %+v, %v; want its own referral only", rs, err)
		}
		if rs, _ := e.Store.FindReferralsByHouseholds(ctx, e.Actor("SILAKSO").Scope, []int64{app.HouseholdID}); len(rs) != 2 {
			t.Errorf("the front office that made them sees %d referrals, want 2", len(rs))
		}
		as, err := e.Store.FindApplicationsByHouseholds(ctx, outside(e.Actor("SILAKSO")).Scope, []int64{app.HouseholdID})
		if err != nil || len(as) != 0 {
			t.Errorf("applications out of scope: %d, %v", len(as), err)
		}
		if as, _ := e.Store.FindApplicationsByIDs(ctx, e.Actor("CSR-X").Scope, []int64{app.ID}); len(as) != 0 {
			t.Errorf("a donor nobody referred it to sees the application")
		}
	})
}
