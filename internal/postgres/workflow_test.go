package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/referral/referraltest"
)

// The front office's workflow from the desk to a closed application, and
// every step refused out of order.
func TestWorkflow(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	svc := &referral.Service{Store: postgres.NewReferralStore(db, nil)}
	silakso, dinsos, dinkes := actorOf(t, db, "SILAKSO"), actorOf(t, db, "DINSOS"), actorOf(t, db, "DINKES")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	conflict := func(step string, err error, state string) {
		t.Helper()
		if jaring.ErrorCode(err) != jaring.ECONFLICT || !strings.Contains(jaring.ErrorMessage(err), "is "+state) {
			t.Errorf("%s: err = %v, want CONFLICT naming %s", step, err, state)
		}
	}

	// Submitted at the desk: numbered, SUBMITTED.
	app, err := svc.Submit(ctx, silakso, referral.NewApplication{ApplicantNIK: nikHead, KK: kkKoba, Type: referral.AidRequest,
		Category: "pangan", KindCode: "FOOD", Description: "Kebutuhan beras bulanan", Documents: referral.Documents{KTP: true, KK: true}})
	must(err)
	if app.Status != referral.Submitted || !strings.HasPrefix(app.Number, "SLK-") || app.ApplicantID == nil {
		t.Fatalf("submitted = %+v", app)
	}
	// Refer before verifying: refused, naming the state.
	_, err = svc.Refer(ctx, silakso, app.ID, []referral.Target{{Organisation: "DINSOS"}})
	conflict("refer a submitted application", err, "SUBMITTED")

	// Registered household: KTP and KK suffice.
	app, err = svc.Verify(ctx, silakso, app.ID, nil)
	must(err)
	if app.Status != referral.Verified {
		t.Fatalf("verified = %+v", app)
	}
	_, err = svc.Verify(ctx, silakso, app.ID, nil)
	conflict("verify twice", err, "VERIFIED")

	app, err = svc.Refer(ctx, silakso, app.ID, []referral.Target{{Organisation: "DINSOS", Program: "BPNT"}, {Organisation: "DINKES"}})
	must(err)
	if app.Status != referral.Referred {
		t.Fatalf("referred = %+v", app)
	}
	_, err = svc.Refer(ctx, silakso, app.ID, []referral.Target{{Organisation: "DINSOS"}})
	if jaring.ErrorCode(err) != jaring.ECONFLICT || jaring.ErrorField(err) != "to[0].organisation" {
		t.Errorf("refer twice to DINSOS: %v", err)
	}
	inbox := func(a referral.Actor) []*referral.Referral {
		rs, _, err := postgres.NewReferralStore(db, nil).FindInbox(ctx, a.Scope, nil, jaring.PageRequest{First: 10})
		must(err)
		return rs
	}
	toDinsos, toDinkes := inbox(dinsos)[0], inbox(dinkes)[0]

	// Only the addressee decides.
	_, err = svc.Decide(ctx, dinkes, toDinsos.ID, referral.Accept, "", nil)
	if jaring.ErrorCode(err) != jaring.ENOTFOUND {
		t.Errorf("DINKES decides DINSOS's referral: %v, want NOT_FOUND", err)
	}
	_, err = svc.Decide(ctx, silakso, toDinsos.ID, referral.Accept, "", nil)
	if jaring.ErrorCode(err) != jaring.EFORBIDDEN {
		t.Errorf("the front office decides DINSOS's referral: %v, want FORBIDDEN", err)
	}
	// A rejection needs a reason.
	if _, err := svc.Decide(ctx, dinkes, toDinkes.ID, referral.Reject, "", nil); jaring.ErrorField(err) != "input.reason" {
		t.Errorf("reject without reason: %v", err)
	}
	// DINSOS accepts, and records the rice in the same step: FULFILLED.
	d, err := svc.Decide(ctx, dinsos, toDinsos.ID, referral.Accept, "Memenuhi kriteria", &benefit.Input{Program: "BPNT", Amount: 2_400_000, Period: year(2026), ExternalRef: "DINSOS-BPNT-WF1"})
	must(err)
	r := d.Referral
	if r.Status != referral.Fulfilled || r.BenefitID == nil || r.DecidedAt == nil {
		t.Fatalf("decided = %+v", r)
	}
	_, err = svc.Decide(ctx, dinsos, toDinsos.ID, referral.Reject, "berubah pikiran", nil)
	conflict("decide twice", err, "FULFILLED")
	// One referral pending: the application is still REFERRED.
	if s := count(t, db, `SELECT count(*) FROM application WHERE status = 'REFERRED'`); s != 1 {
		t.Errorf("application closed with a referral pending")
	}
	// DINKES accepts without a benefit; the last decision closes the application.
	d, err = svc.Decide(ctx, dinkes, toDinkes.ID, referral.Accept, "", nil)
	must(err)
	if r = d.Referral; r.Status != referral.Accepted || !d.Closed {
		t.Errorf("accepted = %+v", r)
	}
	if s := count(t, db, `SELECT count(*) FROM application WHERE status = 'CLOSED'`); s != 1 {
		t.Errorf("application not closed when every referral was decided")
	}
	// Fulfilling the accepted referral later, with food aid.
	_, err = svc.Fulfil(ctx, dinkes, toDinkes.ID, benefit.Input{NIK: nikHead, Program: "FOOD_NO", Amount: 500_000, Period: year(2026), ExternalRef: "DINKES-JK-WF1"})
	if jaring.ErrorCode(err) != jaring.ENOTFOUND || jaring.ErrorField(err) != "benefit.program" {
		t.Errorf("fulfil with an unknown program: %v", err)
	}
	// A referral for FOOD is fulfilled only by food aid: not by medical costs.
	_, err = svc.Fulfil(ctx, dinkes, toDinkes.ID, benefit.Input{NIK: nikHead, Program: "JAMKESDA", Amount: 500_000, Period: year(2026), ExternalRef: "DINKES-JK-WF1"})
	if jaring.ErrorCode(err) != jaring.EINVALID || jaring.ErrorField(err) != "benefit.program" || !strings.Contains(jaring.ErrorMessage(err), "asks for FOOD") {
		t.Errorf("fulfil a FOOD referral with JAMKESDA: %v", err)
	}
	d, err = svc.Fulfil(ctx, dinkes, toDinkes.ID, benefit.Input{Program: "RASDA", Amount: 500_000, Period: year(2027), ExternalRef: "DINKES-RASDA-WF1"})
	must(err)
	if r = d.Referral; r.Status != referral.Fulfilled {
		t.Errorf("fulfilled = %+v", r)
	}
	_, err = svc.Fulfil(ctx, dinkes, toDinkes.ID, benefit.Input{Program: "RASDA", Amount: 1, Period: year(2028), ExternalRef: "DINKES-RASDA-WF2"})
	conflict("fulfil twice", err, "FULFILLED")
}

// Verification rejects with every reason; an applicant not of the household
// is caught.
func TestWorkflowRejects(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	svc := &referral.Service{Store: postgres.NewReferralStore(db, nil)}
	silakso := actorOf(t, db, "SILAKSO")
	// kkKoba2 is not registered: without SKTM it is rejected; the NIK is of another household.
	app, err := svc.Submit(ctx, silakso, referral.NewApplication{ApplicantNIK: nikHead, KK: kkKoba2, Type: referral.AidRequest,
		KindCode: "MEDICAL_COST", Description: "Biaya berobat", Documents: referral.Documents{KTP: true, KK: true}})
	if err != nil {
		t.Fatal(err)
	}
	app, err = svc.Verify(ctx, silakso, app.ID, nil)
	if err != nil || app.Status != referral.Rejected || !strings.Contains(app.StatusReason, "SKTM") || !strings.Contains(app.StatusReason, "not that of a member") {
		t.Errorf("verify = %+v %v", app, err)
	}
	_, err = svc.Refer(ctx, silakso, app.ID, []referral.Target{{Organisation: "DINKES"}})
	if jaring.ErrorCode(err) != jaring.ECONFLICT {
		t.Errorf("refer a rejected application: %v", err)
	}
	// An unknown household, out of scope, a bad kind: each named.
	for field, n := range map[string]referral.NewApplication{
		"input.kk":           {ApplicantNIK: nikHead, KK: "1904010506159999", Type: referral.Complaint, Description: "x"},
		"input.applicantNik": {ApplicantNIK: "123", KK: kkKoba, Type: referral.Complaint, Description: "x"},
		"input.kind":         {ApplicantNIK: nikHead, KK: kkKoba, Type: referral.AidRequest, KindCode: "GOLD", Description: "x"},
	} {
		if _, err := svc.Submit(ctx, silakso, n); jaring.ErrorField(err) != field {
			t.Errorf("%s: %v", field, err)
		}
	}
	village := silakso
	village.Scope.Region = "19.04.02"
	if _, err := svc.Submit(ctx, village, referral.NewApplication{ApplicantNIK: nikHead, KK: kkKoba, Type: referral.Complaint, Description: "x"}); jaring.ErrorCode(err) != jaring.ENOTFOUND {
		t.Errorf("submit for a household out of scope: %v", err)
	}
}

// Accepting a referral with a benefit that clashes fails with DOUBLE_AID
// naming the existing benefit, and nothing is written: the referral stays
// PENDING, the ledger unchanged.
func TestDecideDoubleAid(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	svc := &referral.Service{Store: postgres.NewReferralStore(db, nil)}
	benefits := &benefit.Service{Store: postgres.NewBenefitStore(db, nil)}
	if res, _ := benefits.Record(ctx, actorOf(t, db, "DINSOS"), []benefit.Input{{KK: kkKoba, Program: "BPNT", Amount: 1, Period: year(2026), ExternalRef: "HELD"}}); res[0].Status != benefit.Recorded {
		t.Fatal(res[0])
	}
	silakso := actorOf(t, db, "SILAKSO")
	app, _ := svc.Submit(ctx, silakso, referral.NewApplication{ApplicantNIK: nikHead, KK: kkKoba, Type: referral.AidRequest, KindCode: "FOOD", Description: "beras", Documents: referral.Documents{KTP: true, KK: true}})
	svc.Verify(ctx, silakso, app.ID, nil)
	svc.Refer(ctx, silakso, app.ID, []referral.Target{{Organisation: "DINKES"}})
	dinkes := actorOf(t, db, "DINKES")
	refID := count(t, db, `SELECT id FROM referral`)

	_, err := svc.Decide(ctx, dinkes, refID, referral.Accept, "", &benefit.Input{Program: "RASDA", Amount: 1, Period: year(2026), ExternalRef: "CLASH"})
	if jaring.ErrorCode(err) != jaring.EDOUBLEAID || jaring.ErrorField(err) != "input.benefit" || !strings.Contains(jaring.ErrorMessage(err), "BPNT") {
		t.Fatalf("accept with clashing rice: %v, want DOUBLE_AID naming the BPNT benefit", err)
	}
	if n := count(t, db, `SELECT count(*) FROM benefit WHERE external_ref = 'CLASH'`); n != 0 {
		t.Error("the clashing benefit was written")
	}
	if s := count(t, db, `SELECT count(*) FROM referral WHERE status = 'PENDING'`); s != 1 {
		t.Error("the referral left PENDING though nothing was approved")
	}
}

// actorOf is a caller of the fixture's organisation code, seeing the whole
// regency as the policy lets agencies and the front office see it.
func actorOf(t *testing.T, db *postgres.DB, code string) jaring.Actor {
	t.Helper()
	id := count(t, db, `SELECT id FROM organisation WHERE code = '`+code+`'`)
	a := jaring.Actor{Org: code, OrgID: id, OrgKind: jaring.OrgAgency, Login: strings.ToLower(code),
		Scope: jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04", OrgID: id}}
	switch code {
	case "SILAKSO":
		a.OrgKind = jaring.OrgFrontOffice
	case "DESA-KOBA":
		a.OrgKind, a.Scope.Region = jaring.OrgVillage, "19.04.01"
	case "CSR-X":
		a.OrgKind, a.Scope = jaring.OrgDonor, jaring.Scope{Households: jaring.ReferredHouseholds, OrgID: id}
	}
	return a
}

// The referral store keeps referral.Store's contract.
func TestReferralStoreContract(t *testing.T) {
	referraltest.StoreTest(t, func(t *testing.T) referraltest.Env {
		db := fixtureDB(t)
		return referraltest.Env{Store: postgres.NewReferralStore(db, nil), Actor: func(org string) jaring.Actor { return actorOf(t, db, org) }}
	})
}

// Every referral of one application decided at the same moment: the
// decisions serialise on the application, so the last sees the others and
// closes it, exactly once. 100 rounds of five referrals decided at once.
func TestDecideRace(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	if _, err := db.Pool.Exec(ctx, `INSERT INTO organisation (code, name, kind, region_code) VALUES
		('KESRA', 'Kesra', 'AGENCY', '19.04'), ('BAZNAS', 'BAZNAS', 'AGENCY', '19.04'), ('PERKIM', 'Perkim', 'AGENCY', '19.04')`); err != nil {
		t.Fatal(err)
	}
	svc := &referral.Service{Store: postgres.NewReferralStore(db, nil)}
	desk := actorOf(t, db, "SILAKSO")
	orgs := []string{"DINSOS", "DINKES", "KESRA", "BAZNAS", "PERKIM"}
	for round := range 100 {
		app, err := svc.Submit(ctx, desk, referral.NewApplication{ApplicantNIK: nikHead, KK: kkKoba, Type: referral.Complaint,
			Description: fmt.Sprintf("Aduan %d", round), Documents: referral.Documents{KTP: true, KK: true}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Verify(ctx, desk, app.ID, nil); err != nil {
			t.Fatal(err)
		}
		var targets []referral.Target
		for _, o := range orgs {
			targets = append(targets, referral.Target{Organisation: o})
		}
		if _, err := svc.Refer(ctx, desk, app.ID, targets); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		closed := make([]bool, len(orgs))
		start := make(chan struct{})
		for i, o := range orgs {
			who := actorOf(t, db, o)
			id := count(t, db, fmt.Sprintf(`SELECT r.id FROM referral r WHERE r.application_id = %d AND r.to_id = %d`, app.ID, who.OrgID))
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				d, err := svc.Decide(ctx, who, id, referral.Accept, "Ditindaklanjuti", nil)
				if err != nil {
					t.Errorf("round %d, %s: %v", round, o, err)
					return
				}
				closed[i] = d.Closed
			}()
		}
		close(start)
		wg.Wait()
		closers := 0
		for _, c := range closed {
			if c {
				closers++
			}
		}
		status := count(t, db, fmt.Sprintf(`SELECT (status = 'CLOSED')::int FROM application WHERE id = %d`, app.ID))
		if closers != 1 || status != 1 {
			t.Fatalf("round %d: %d decisions closed the application, and it is closed: %v; want exactly one", round, closers, status == 1)
		}
	}
}
