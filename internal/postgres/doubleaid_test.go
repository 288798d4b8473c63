package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
)

// 64 approvals of clashing benefits for one household at once: exactly one
// wins, the others get DOUBLE_AID, and the ledger holds one. Repeated 50
// times (run the tests with -race).
func TestDoubleAidRace(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, pgtest.URL(t), postgres.WithMaxConns(70))
	if _, err := db.Pool.Exec(ctx, fixtureSQL); err != nil {
		t.Fatal(err)
	}
	svc := &benefit.Service{Store: postgres.NewBenefitStore(db, nil)}
	const clients, rounds = 64, 50
	for round := range rounds {
		// Each round a year of its own, so rounds do not clash with each other;
		// half the clients ask for APBN rice (BPNT), half for APBD rice (RASDA).
		period := year(2030 + round)
		results := make([]benefit.Result, clients)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				program := "BPNT"
				if c%2 == 1 {
					program = "RASDA"
				}
				<-start
				res, err := svc.Record(ctx, jaring.Actor{Org: "DINSOS", Scope: jaring.Unrestricted()}, []benefit.Input{{KK: kkKoba, Program: program,
					Amount: 1, Period: period, ExternalRef: fmt.Sprintf("R%d-C%d", round, c)}})
				if err != nil {
					t.Errorf("round %d client %d: %v", round, c, err)
					return
				}
				results[c] = res[0]
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for c, r := range results {
			switch r.Status {
			case benefit.Recorded:
				won++
			case benefit.DoubleAid:
				if jaring.ErrorCode(r.Err) != jaring.EDOUBLEAID || len(r.Clashes) != 1 || r.Clashes[0].Rule.Kind != benefit.SameKind {
					t.Errorf("round %d client %d: %+v, want DOUBLE_AID naming the winner", round, c, r)
				}
			default:
				t.Errorf("round %d client %d: %s %v", round, c, r.Status, r.Err)
			}
		}
		n := count(t, db, fmt.Sprintf(`SELECT count(*) FROM benefit WHERE external_ref LIKE 'R%d-C%%'`, round))
		if won != 1 || n != 1 {
			t.Fatalf("round %d: %d approvals won and the ledger holds %d, want exactly one", round, won, n)
		}
	}
}

// isDoubleAid reports whether err is the database's refusal of double aid.
func isDoubleAid(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23P01" && pgErr.ConstraintName == "benefit_no_double_aid"
}

// The database refuses double aid by itself, whatever writes: the check of
// benefit_no_double_aid is the backstop of the approval check, for one row
// and for many in one statement.
func TestDoubleAidConstraint(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	insert := func(ref, program, nik string, from, to string) error {
		_, err := db.Pool.Exec(ctx, `
			INSERT INTO benefit (program_id, kind_code, source, payer_id, household_id, region_code, person_id, amount, period, external_ref)
			SELECT p.id, p.kind_code, p.source, (SELECT id FROM organisation WHERE code = 'DINSOS'), h.id, h.region_code,
				(SELECT id FROM person WHERE nik = NULLIF($3, '')), 1, daterange($4::date, $5::date, '[]'), $1
			FROM program p, household h WHERE p.code = $2 AND h.kk = '`+kkKoba+`'`, ref, program, nik, from, to)
		return err
	}
	steps := []struct {
		name              string
		ref, program, nik string
		from, to          string
		clash             bool
	}{
		{"household rice", "C1", "BPNT", "", "2026-01-01", "2026-12-31", false},
		// Rice from the regency's budget for the same household, the same year.
		{"more rice", "C2", "RASDA", "", "2026-06-01", "2026-06-30", true},
		// Next year's rice touches nothing.
		{"next year's rice", "C3", "RASDA", "", "2027-01-01", "2027-12-31", false},
		// One member's health premium, then another member's: no clash.
		{"head's premium", "C4", "PBI_JK", nikHead, "2026-01-01", "2026-12-31", false},
		{"spouse's premium", "C5", "PBI_JK", nikSpouse, "2026-01-01", "2026-12-31", false},
		// The head's second premium clashes.
		{"head's second premium", "C6", "PBI_APBD", nikHead, "2026-03-01", "2026-12-31", true},
	}
	for _, s := range steps {
		err := insert(s.ref, s.program, s.nik, s.from, s.to)
		switch {
		case s.clash && !isDoubleAid(err):
			t.Errorf("%s: err = %v, want benefit_no_double_aid to refuse it", s.name, err)
		case !s.clash && err != nil:
			t.Errorf("%s: %v", s.name, err)
		}
	}
}

// A supervisor may approve despite a clash, with a written justification;
// others may not; a short justification is refused.
func TestOverride(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	store := postgres.NewBenefitStore(db, nil)
	svc := &benefit.Service{Store: store}
	rice := func(ref, override string) benefit.Input {
		return benefit.Input{KK: kkKoba, Program: "RASDA", Amount: 1, Period: year(2026), ExternalRef: ref, OverrideReason: override}
	}
	if res, _ := svc.Record(ctx, jaring.Actor{Org: "DINSOS", Scope: jaring.Unrestricted()}, []benefit.Input{{KK: kkKoba, Program: "BPNT", Amount: 1, Period: year(2026), ExternalRef: "BASE"}}); res[0].Status != benefit.Recorded {
		t.Fatal(res[0])
	}
	approver := jaring.Actor{Org: "DINSOS", OrgID: count(t, db, `SELECT id FROM organisation WHERE code = 'DINSOS'`), Login: "approver", Scope: jaring.Unrestricted()}
	supervisor := approver
	supervisor.Login, supervisor.MayOverride = "kabid-dinsos", true
	reason := "Banjir Koba: beras tambahan darurat selama tanggap darurat bencana"

	tests := []struct {
		name   string
		actor  jaring.Actor
		in     benefit.Input
		status benefit.ResultStatus
	}{
		{"clash, no override", approver, rice("O1", ""), benefit.DoubleAid},
		{"an approver overrides", approver, rice("O2", reason), benefit.Forbidden},
		{"a short justification", supervisor, rice("O3", "darurat"), benefit.Invalid},
		{"a supervisor overrides", supervisor, rice("O4", reason), benefit.Recorded},
	}
	for _, tt := range tests {
		res, err := svc.Record(ctx, tt.actor, []benefit.Input{tt.in})
		if err != nil || res[0].Status != tt.status {
			t.Errorf("%s: %+v %v, want %s", tt.name, res[0], err, tt.status)
		}
	}
	res, _ := svc.Record(ctx, supervisor, []benefit.Input{rice("O4", reason)})
	if res[0].Status != benefit.AlreadyRecorded || res[0].Benefit.Override == nil || res[0].Benefit.Override.Reason != reason || res[0].Benefit.Override.By != "kabid-dinsos" {
		t.Fatalf("overridden benefit = %+v", res[0].Benefit)
	}
	overrides, more, err := store.FindOverrides(ctx, jaring.Unrestricted(), jaring.PageRequest{First: 10})
	if err != nil || more || len(overrides) != 1 || overrides[0].ExternalRef != "O4" || time.Since(overrides[0].Override.At) > time.Minute {
		t.Errorf("FindOverrides = %v %v %v", overrides, more, err)
	}
	// The overridden benefit does not open the door to a third.
	if res, _ := svc.Record(ctx, approver, []benefit.Input{rice("O5", "")}); res[0].Status != benefit.DoubleAid || len(res[0].Clashes) != 2 {
		t.Errorf("a third rice = %+v, want DOUBLE_AID naming both", res[0])
	}
}

// Many rows in one statement are checked against each other and the
// ledger; an UPDATE that makes a benefit held again is checked too; and a
// write at a stricter isolation level than READ COMMITTED is refused, as
// its check would read an older snapshot.
func TestDoubleAidCheckedPerStatement(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	many := func(refs ...string) error {
		_, err := db.Pool.Exec(ctx, `
			INSERT INTO benefit (program_id, kind_code, source, payer_id, household_id, region_code, amount, period, external_ref)
			SELECT p.id, p.kind_code, p.source, (SELECT id FROM organisation WHERE code = 'DINSOS'), h.id, h.region_code, 1,
				daterange(('2031-01-01'::date + 20 * g::int), ('2031-01-01'::date + 20 * g::int + 30), '[]'), r
			FROM program p, household h, unnest($1::text[]) WITH ORDINALITY AS x(r, g)
			WHERE p.code = 'BPNT' AND h.kk = '`+kkKoba+`'`, refs)
		return err
	}
	// Three rows of one statement whose periods overlap in a chain.
	if err := many("S1", "S2", "S3"); !isDoubleAid(err) {
		t.Errorf("overlapping rows of one statement: %v", err)
	}
	if err := many("S1"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM benefit WHERE external_ref LIKE 'S%'`); n != 1 {
		t.Errorf("the ledger holds %d, want 1", n)
	}
	// An ended benefit made active again where another now holds its place.
	if _, err := db.Pool.Exec(ctx, `UPDATE benefit SET status = 'ENDED' WHERE external_ref = 'S1'`); err != nil {
		t.Fatal(err)
	}
	if err := many("S2"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE benefit SET status = 'ACTIVE' WHERE external_ref = 'S1'`); !isDoubleAid(err) {
		t.Errorf("an ended benefit made active over another: %v", err)
	}
	for _, level := range []pgx.TxIsoLevel{pgx.RepeatableRead, pgx.Serializable} {
		err := pgx.BeginTxFunc(ctx, db.Pool, pgx.TxOptions{IsoLevel: level}, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO benefit (program_id, kind_code, source, payer_id, household_id, region_code, amount, period, external_ref)
				SELECT p.id, p.kind_code, p.source, (SELECT id FROM organisation WHERE code = 'DINSOS'), h.id, h.region_code, 1,
					daterange('2040-01-01', '2040-01-31', '[]'), 'ISO'
				FROM program p, household h WHERE p.code = 'BPNT' AND h.kk = '`+kkKoba+`'`)
			return err
		})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "25000" {
			t.Errorf("a benefit written at %s: %v", level, err)
		}
	}
}

// Clashing benefits written straight into the table from many
// transactions at once, without the approval's lock: exactly one of each
// round is kept. The check's own lock serialises them.
func TestDoubleAidCheckRace(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, pgtest.URL(t), postgres.WithMaxConns(20))
	if _, err := db.Pool.Exec(ctx, fixtureSQL); err != nil {
		t.Fatal(err)
	}
	const writers, rounds = 8, 30
	for round := range rounds {
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[w] = db.Pool.Exec(ctx, `
					INSERT INTO benefit (program_id, kind_code, source, payer_id, household_id, region_code, amount, period, external_ref)
					SELECT p.id, p.kind_code, p.source, (SELECT id FROM organisation WHERE code = 'DINSOS'), h.id, h.region_code, 1,
						daterange(make_date(2050 + $1::int, 1, 1), make_date(2050 + $1::int, 12, 31), '[]'), $2
					FROM program p, household h WHERE p.code = $3 AND h.kk = '`+kkKoba+`'`,
					round, fmt.Sprintf("RACE-%d-%d", round, w), []string{"BPNT", "RASDA"}[w%2])
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for w, err := range errs {
			switch {
			case err == nil:
				won++
			case !isDoubleAid(err):
				t.Errorf("round %d writer %d: %v", round, w, err)
			}
		}
		if n := count(t, db, fmt.Sprintf(`SELECT count(*) FROM benefit WHERE external_ref LIKE 'RACE-%d-%%'`, round)); won != 1 || n != 1 {
			t.Fatalf("round %d: %d writes won and the ledger holds %d, want one", round, won, n)
		}
	}
}
