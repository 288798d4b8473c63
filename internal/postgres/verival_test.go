package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/verival"
	"github.com/jaring-id/jaring/internal/verival/verivaltest"
)

// verivalActor is actorOf with the front office seeing every benefit
// review, as the policy grants it.
func verivalActor(t *testing.T, db *postgres.DB, org string) jaring.Actor {
	a := actorOf(t, db, org)
	a.Scope.AllReviews = a.OrgKind == jaring.OrgFrontOffice
	return a
}

// verivalStore is a VerivalStore on db recording into an audit log of its
// own.
func verivalStore(t *testing.T, db *postgres.DB) *postgres.VerivalStore {
	t.Helper()
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	t.Cleanup(log.Close)
	return postgres.NewVerivalStore(db, log)
}

// The register-change store keeps verival.Store's contract.
func TestVerivalStoreContract(t *testing.T) {
	verivaltest.StoreTest(t, func(t *testing.T) verivaltest.Env {
		db := fixtureDB(t)
		return verivaltest.Env{Store: verivalStore(t, db), Registry: postgres.NewRegistryStore(db), Benefits: postgres.NewBenefitStore(db, nil),
			Actor: func(org string) jaring.Actor { return verivalActor(t, db, org) }}
	})
}

// proposal is a proposal the fixture's registers take, made on the suite's
// day.
func proposal(kk, nik string, k verival.ChangeKind, r verival.ChangeReason) verival.Proposal {
	return verival.Proposal{KK: kk, NIK: nik, Kind: k, Reason: r, Evidence: "BA Musdes Nibung 07/2026", At: verivaltest.Proposed}
}

func deliberationOf(village, ref string, decisions ...verival.DecisionInput) verival.NewDeliberation {
	return verival.NewDeliberation{Village: village, Date: verivaltest.Held, MinutesRef: ref, Decisions: decisions,
		At: verivaltest.Held.Add(9 * time.Hour)}
}

func approved(id int64) verival.DecisionInput {
	return verival.DecisionInput{ChangeID: id, Decision: verival.Approve}
}

// The reason matrix the service checks and the one the database backs are
// one: every change, reason and subject the Rules allow the constraint
// register_change_reason_fits takes, and every other it refuses.
func TestReasonMatrixIsTheConstraint(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	for _, kind := range []verival.ChangeKind{verival.Add, verival.Remove, verival.Update} {
		for _, rule := range verival.Rules {
			for _, member := range []bool{false, true} {
				want := rule.Change == kind && !(member && rule.Subject == verival.HouseholdOnly) && !(!member && rule.Subject == verival.PersonOnly)
				person := "NULL"
				if member {
					person = `(SELECT id FROM person WHERE nik = '` + nikHead + `')`
				}
				// Each row alone, rolled back, so that one open proposal
				// does not stand in the way of the next.
				tx, err := db.Pool.Begin(ctx)
				if err != nil {
					t.Fatal(err)
				}
				_, err = tx.Exec(ctx, `INSERT INTO register_change (household_id, region_code, person_id, change, reason, evidence,
					proposed_by, proposed_org_id, proposed_at)
					SELECT h.id, h.region_code, `+person+`, $2, $3, 'BA-0001', 't', (SELECT id FROM organisation WHERE code = 'SILAKSO'), now()
					FROM household h WHERE h.kk = $1`, kkKoba, kind, rule.Reason)
				_ = tx.Rollback(ctx)
				var pgErr *pgconn.PgError
				if err != nil && (!errors.As(err, &pgErr) || pgErr.ConstraintName != "register_change_reason_fits") {
					t.Fatalf("%s %s: %v", kind, rule.Reason, err)
				}
				fits := err == nil
				if fits != want {
					t.Errorf("%s %s (member %v): the constraint says %v (%v), the rules %v", kind, rule.Reason, member, fits, err, want)
				}
			}
		}
	}
}

// Twenty operators propose the same change at once: one proposal is made,
// and each of the others is told of it. Two deliberations decide one
// proposal at once: one of them does. Ten rounds.
func TestRegisterChangeRaces(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	store := verivalStore(t, db)
	desk := verivalActor(t, db, "SILAKSO")
	for round := range 10 {
		nik := []string{nikSpouse, nikChild}[round%2]
		var wg sync.WaitGroup
		start := make(chan struct{})
		made := make([]*verival.Change, 20)
		errs := make([]error, 20)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				made[i], errs[i] = store.ProposeChange(ctx, desk, proposal(kkKoba, nik, verival.Update, verival.DataCorrection))
			}()
		}
		close(start)
		wg.Wait()
		var winner *verival.Change
		for i := range 20 {
			if errs[i] == nil {
				if winner != nil {
					t.Fatalf("round %d: two proposals made: %d and %d", round, winner.ID, made[i].ID)
				}
				winner = made[i]
			}
		}
		if winner == nil {
			t.Fatalf("round %d: no proposal made: %v", round, errs[0])
		}
		for i := range 20 {
			if errs[i] != nil && (jaring.ErrorCode(errs[i]) != jaring.ECONFLICT || !strings.Contains(jaring.ErrorMessage(errs[i]), fmt.Sprintf("register change %d ", winner.ID))) {
				t.Errorf("round %d: %v, want CONFLICT naming register change %d", round, errs[i], winner.ID)
			}
		}

		results := make([]error, 2)
		start = make(chan struct{})
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, results[i] = store.RecordDeliberation(ctx, desk, deliberationOf(verivaltest.Nibung, fmt.Sprintf("BA-RACE-%d-%d", round, i), approved(winner.ID)))
			}()
		}
		close(start)
		wg.Wait()
		if (results[0] == nil) == (results[1] == nil) {
			t.Fatalf("round %d: deliberations = %v, %v; want exactly one", round, results[0], results[1])
		}
		for _, err := range results {
			if err != nil && (jaring.ErrorCode(err) != jaring.ECONFLICT || jaring.ErrorField(err) != "decisions[0].change") {
				t.Errorf("round %d: the losing deliberation = %v, want CONFLICT at decisions[0].change", round, err)
			}
		}
	}
	if n := count(t, db, `SELECT count(*) FROM deliberation`); n != 10 {
		t.Errorf("%d deliberations recorded, want 10", n)
	}
}

// A deliberation checks the register as it stands when it decides, not as
// it stood at the proposal: a family registered since (by the register
// export) is not proposed again, and the deliberation's other decisions
// are not applied either.
func TestDeliberationChecksTheRegisterAgain(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	store := verivalStore(t, db)
	desk := verivalActor(t, db, "SILAKSO")
	fix, err := store.ProposeChange(ctx, desk, proposal(kkKoba2, nikSingle, verival.Remove, verival.Moved))
	if err != nil {
		t.Fatal(err)
	}
	add, err := store.ProposeChange(ctx, desk, proposal(kkKoba2, "", verival.Add, verival.NewPoorFamily))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE household SET register_status = 'REGISTERED' WHERE kk = $1`, kkKoba2); err != nil {
		t.Fatal(err)
	}
	_, err = store.RecordDeliberation(ctx, desk, deliberationOf(verivaltest.Koba, "BA-AGAIN", approved(fix.ID), approved(add.ID)))
	if jaring.ErrorCode(err) != jaring.ECONFLICT || jaring.ErrorField(err) != "decisions[1].change" || !strings.Contains(jaring.ErrorMessage(err), "REGISTERED") {
		t.Errorf("approving an ADD of a registered family = %v, want CONFLICT at decisions[1].change naming REGISTERED", err)
	}
	if n := count(t, db, `SELECT count(*) FROM person WHERE register_status <> 'ACTIVE'`); n != 0 {
		t.Error("the deliberation's first decision was applied though its second was refused")
	}
}

// Every step is recorded in its own transaction, naming the household and
// every member of it; a review names its household too.
func TestRegisterChangesAudited(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	store := verivalStore(t, db)
	svc := &verival.Service{Store: store, Now: func() time.Time { return verivaltest.Proposed }}
	desa, desk := verivalActor(t, db, "DESA-KOBA"), verivalActor(t, db, "SILAKSO")
	last := func(op string) (persons, households []string) {
		t.Helper()
		if err := db.Pool.QueryRow(ctx, `SELECT persons, households FROM audit_event WHERE operation = $1 ORDER BY id DESC LIMIT 1`, op).
			Scan(&persons, &households); err != nil {
			t.Fatalf("no audit event of %s: %v", op, err)
		}
		return persons, households
	}
	with := func(op string) context.Context {
		return audit.WithPending(ctx, audit.NewPending(audit.Event{Actor: "t", Org: "X", Operation: op, Purpose: "musdes"}))
	}
	everyone := strings.Join([]string{nikHead, nikChild, nikSpouse}, ",")
	if _, err := postgres.NewBenefitStore(db, nil).RecordBenefits(ctx, verivalActor(t, db, "DINSOS"),
		[]benefit.Input{{KK: kkKoba, Program: "BPNT", Payer: "DINSOS", Amount: 1, Period: year(2026), ExternalRef: "AUD-BPNT"}}); err != nil {
		t.Fatal(err)
	}
	c, err := svc.Propose(with("mutation proposeRegisterChange"), desa, verival.Proposal{KK: kkKoba, NIK: nikHead, Kind: verival.Remove,
		Reason: verival.Deceased, Evidence: "Surat keterangan kematian 474.3/05/2026"})
	if err != nil {
		t.Fatal(err)
	}
	if p, h := last("mutation proposeRegisterChange"); strings.Join(p, ",") != everyone || strings.Join(h, ",") != kkKoba {
		t.Errorf("the proposal's event names %v and %v, want every member %s and %s", p, h, everyone, kkKoba)
	}
	svc.Now = func() time.Time { return verivaltest.Held.Add(9 * time.Hour) }
	if _, err := svc.Deliberate(with("mutation recordDeliberation"), desk, verival.NewDeliberation{Village: verivaltest.Nibung,
		Date: verivaltest.Held, MinutesRef: "BA-AUDIT", Decisions: []verival.DecisionInput{approved(c.ID)}}); err != nil {
		t.Fatal(err)
	}
	if p, h := last("mutation recordDeliberation"); strings.Join(p, ",") != everyone || strings.Join(h, ",") != kkKoba {
		t.Errorf("the deliberation's event names %v and %v", p, h)
	}
	id := count(t, db, `SELECT id FROM benefit_review`)
	if _, err := svc.Review(with("mutation reviewBenefit"), verivalActor(t, db, "DINSOS"), id,
		verival.ReviewInput{Outcome: verival.End, Note: "Kepala keluarga meninggal dunia"}); err != nil {
		t.Fatal(err)
	}
	if p, h := last("mutation reviewBenefit"); strings.Join(p, ",") != everyone || strings.Join(h, ",") != kkKoba {
		t.Errorf("the review's event names %v and %v", p, h)
	}
	// A step whose record cannot be written is not taken.
	broken := audit.WithPending(ctx, audit.NewPending(audit.Event{Operation: "mutation proposeRegisterChange"}))
	if _, err := svc.Propose(broken, desa, verival.Proposal{KK: kkKoba, NIK: nikSpouse, Kind: verival.Remove, Reason: verival.Moved,
		Evidence: "Surat pindah 12/2026"}); err == nil {
		t.Error("a proposal was made though its audit event could not be written")
	}
	if n := count(t, db, `SELECT count(*) FROM register_change`); n != 1 {
		t.Errorf("%d proposals, want the one recorded", n)
	}
}

// Deliberations and proposals on one household at the same moment never
// deadlock: each proposal is made, or told of the open one it would double,
// and each deliberation applies whole. Twenty rounds.
func TestDeliberationsAndProposalsAtOnce(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	store := verivalStore(t, db)
	desk := verivalActor(t, db, "SILAKSO")
	open := func() []int64 {
		t.Helper()
		var ids []int64
		rows, _ := db.Pool.Query(ctx, `SELECT id FROM register_change WHERE status = 'PROPOSED' ORDER BY id`)
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return ids
	}
	for round := range 20 {
		decide := open()
		if len(decide) == 0 {
			c, err := store.ProposeChange(ctx, desk, proposal(kkKoba, nikSpouse, verival.Update, verival.DataCorrection))
			if err != nil {
				t.Fatal(err)
			}
			decide = []int64{c.ID}
		}
		var decisions []verival.DecisionInput
		for _, id := range decide {
			decisions = append(decisions, approved(id))
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 4)
		wg.Add(4)
		go func() {
			defer wg.Done()
			<-start
			_, errs[0] = store.RecordDeliberation(ctx, desk, deliberationOf(verivaltest.Nibung, fmt.Sprintf("BA-MIX-%d", round), decisions...))
		}()
		for i, nik := range []string{"", nikHead, nikChild} {
			go func() {
				defer wg.Done()
				<-start
				_, errs[i+1] = store.ProposeChange(ctx, desk, proposal(kkKoba, nik, verival.Update, verival.DataCorrection))
			}()
		}
		close(start)
		wg.Wait()
		if errs[0] != nil {
			t.Fatalf("round %d: the deliberation: %v", round, errs[0])
		}
		for _, err := range errs[1:] {
			if err != nil && jaring.ErrorCode(err) != jaring.ECONFLICT {
				t.Fatalf("round %d: a proposal: %v, want it made or a CONFLICT", round, err)
			}
		}
	}
	if n := count(t, db, `SELECT count(*) FROM register_change WHERE status = 'PROPOSED' AND deliberation_id IS NOT NULL`); n != 0 {
		t.Errorf("%d open proposals carry a deliberation", n)
	}
}

// The application's login adds and decides proposals, deliberations and
// reviews, and can delete none: their history is kept.
func TestRegisterHistoryIsKept(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	owner := pgtest.Open(t, url)
	if _, err := owner.Pool.Exec(ctx, fixtureSQL); err != nil {
		t.Fatal(err)
	}
	app := pgtest.Open(t, pgtest.AppURL(t, url))
	store := verivalStore(t, app)
	desk := verivalActor(t, app, "SILAKSO")
	c, err := store.ProposeChange(ctx, desk, proposal(kkKoba, nikChild, verival.Remove, verival.Moved))
	if err != nil {
		t.Fatalf("the application's login proposes: %v", err)
	}
	if _, err := store.RecordDeliberation(ctx, desk, deliberationOf(verivaltest.Nibung, "BA-KEPT", approved(c.ID))); err != nil {
		t.Fatalf("the application's login deliberates: %v", err)
	}
	for _, sql := range []string{`DELETE FROM register_change`, `DELETE FROM deliberation`, `DELETE FROM benefit_review`,
		`UPDATE deliberation SET minutes_ref = 'x'`, `TRUNCATE register_change CASCADE`} {
		_, err := app.Pool.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s as the application: %v, want permission denied", sql, err)
		}
	}
}
