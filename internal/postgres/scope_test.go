package postgres_test

import (
	"context"
	"testing"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/registry"
)

// Scopes are pushed into SQL: what a caller may not see is neither found,
// nor listed, nor counted.
func TestScopes(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	// Two referrals of one application of kkKoba: to DINSOS and to DINKES.
	if _, err := db.Pool.Exec(ctx, `
		INSERT INTO application (number, household_id, region_code, applicant_id, applicant_nik, type, kind_code, status, submitted_by_id)
		SELECT 'SLK-1', h.id, h.region_code, p.id, p.nik, 'AID_REQUEST', 'FOOD', 'REFERRED', (SELECT id FROM organisation WHERE code = 'SILAKSO')
		FROM household h JOIN person p ON p.household_id = h.id AND p.relationship = 'HEAD' WHERE h.kk = '`+kkKoba+`';
		INSERT INTO referral (application_id, household_id, region_code, from_id, to_id)
		SELECT a.id, a.household_id, a.region_code, a.submitted_by_id, o.id FROM application a, organisation o
		WHERE o.code IN ('DINSOS', 'DINKES');`); err != nil {
		t.Fatal(err)
	}
	org := func(code string) int64 { return count(t, db, `SELECT id FROM organisation WHERE code = '`+code+`'`) }
	reg := postgres.NewRegistryStore(db)
	ref := postgres.NewReferralStore(db, nil)

	tests := []struct {
		name       string
		scope      jaring.Scope
		households []string
		referrals  int // of kkKoba's household
		apps       int
	}{
		{"regency", jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04", OrgID: org("SILAKSO")}, []string{kkKoba, kkKoba2, kkPangkal}, 2, 1},
		// A village operator of Koba sees Koba's households only.
		{"village", jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04.01", OrgID: org("DINKES")}, []string{kkKoba, kkKoba2}, 1, 1},
		// A donor (here DINSOS as the addressee) sees only what is referred to it.
		{"referred", jaring.Scope{Households: jaring.ReferredHouseholds, OrgID: org("DINSOS")}, []string{kkKoba}, 1, 1},
		{"referred to nobody", jaring.Scope{Households: jaring.ReferredHouseholds, OrgID: 999}, nil, 0, 0},
		{"auditor", jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04", OrgID: 999, AllReferrals: true}, []string{kkKoba, kkKoba2, kkPangkal}, 2, 1},
		// The zero scope sees nothing: a scope forgotten is a scope denied.
		{"zero", jaring.Scope{}, nil, 0, 0},
	}
	koba, err := reg.FindHouseholdByKK(ctx, jaring.Unrestricted(), kkKoba)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs, _, err := reg.FindHouseholds(ctx, tt.scope, registry.HouseholdFilter{}, jaring.PageRequest{First: 10})
			if err != nil {
				t.Fatal(err)
			}
			if got := kks(hs); !equal(got, tt.households) {
				t.Errorf("households = %v, want %v", got, tt.households)
			}
			if n, _ := reg.CountHouseholds(ctx, tt.scope, registry.HouseholdFilter{}); n != len(tt.households) {
				t.Errorf("count = %d, want %d", n, len(tt.households))
			}
			visible := map[string]bool{}
			for _, kk := range tt.households {
				visible[kk] = true
			}
			for _, kk := range []string{kkKoba, kkKoba2, kkPangkal} {
				_, err := reg.FindHouseholdByKK(ctx, tt.scope, kk)
				if visible[kk] != (err == nil) {
					t.Errorf("FindHouseholdByKK(%s): err = %v, visible = %v", kk, err, visible[kk])
				}
			}
			_, err = reg.FindPersonByNIK(ctx, tt.scope, nikSpouse)
			if visible[kkKoba] != (err == nil) {
				t.Errorf("FindPersonByNIK of a %s member: err = %v, visible = %v", kkKoba, err, visible[kkKoba])
			}
			rs, err := ref.FindReferralsByHouseholds(ctx, tt.scope, []int64{koba.ID})
			if err != nil || len(rs) != tt.referrals {
				t.Errorf("referrals = %d (%v), want %d", len(rs), err, tt.referrals)
			}
			as, err := ref.FindApplicationsByHouseholds(ctx, tt.scope, []int64{koba.ID})
			if err != nil || len(as) != tt.apps {
				t.Errorf("applications = %d (%v), want %d", len(as), err, tt.apps)
			}
			if len(as) == 1 {
				byApp, _ := ref.FindReferralsByApplications(ctx, tt.scope, []int64{as[0].ID})
				if len(byApp) != tt.referrals {
					t.Errorf("referrals of the application = %d, want %d", len(byApp), tt.referrals)
				}
			}
		})
	}
}
