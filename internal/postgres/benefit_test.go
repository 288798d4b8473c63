package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/benefit/benefittest"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/postgres"
)

func year(y int) jaring.Period {
	end := jaring.Date(y, time.December, 31)
	return jaring.Period{Start: jaring.Date(y, time.January, 1), End: &end}
}

func TestRecordBenefits(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	svc := &benefit.Service{Store: postgres.NewBenefitStore(db, nil)}

	pkh := benefit.Input{KK: kkKoba, Program: "PKH", Payer: "DINSOS", Amount: 3_000_000, Period: year(2026), Channel: benefit.ChannelBank, ExternalRef: "DINSOS-PKH-1"}
	pbi := benefit.Input{NIK: nikChild, Program: "PBI_JK", Payer: "DINKES", Amount: 504_000, Period: jaring.Period{Start: jaring.Date(2026, 1, 1)}, ExternalRef: "DINKES-PBI-1"}
	record := func(batch ...benefit.Input) []benefit.Result {
		t.Helper()
		var out []benefit.Result
		for _, in := range batch {
			res, err := svc.Record(ctx, jaring.Actor{Org: in.Payer, Scope: jaring.Unrestricted()}, []benefit.Input{in})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, res...)
		}
		return out
	}
	batch := []benefit.Input{pkh, pbi}

	first := record(batch...)
	for i, r := range first {
		if r.Status != benefit.Recorded || r.Benefit == nil || r.Err != nil {
			t.Fatalf("first batch, item %d = %+v, want RECORDED", i, r)
		}
	}
	b := first[1].Benefit
	if b.PersonID == nil || b.KindCode != "HEALTH_PREMIUM" || b.Source != benefit.APBN || b.Period.End != nil || b.Status != benefit.Active {
		t.Errorf("PBI benefit = %+v: want the person's, kind and source from the program, open-ended, active", b)
	}
	if first[0].Benefit.PersonID != nil || first[0].Benefit.Period.End == nil || !first[0].Benefit.Period.End.Equal(jaring.Date(2026, 12, 31)) {
		t.Errorf("PKH benefit = %+v: want household aid ending 2026-12-31", first[0].Benefit)
	}

	// The same batch again records nothing new, and says so per item.
	second := record(batch...)
	for i, r := range second {
		if r.Status != benefit.AlreadyRecorded || r.Benefit == nil || r.Benefit.ID != first[i].Benefit.ID {
			t.Errorf("second batch, item %d = %+v, want ALREADY_RECORDED with benefit %d", i, r, first[i].Benefit.ID)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM benefit`); n != 2 {
		t.Errorf("ledger holds %d benefits after the same batch twice, want 2", n)
	}

	// A reference reused for a different benefit is refused, not overwritten.
	changed := pkh
	changed.Amount = 9_000_000
	res := record(changed)
	if res[0].Status != benefit.RefConflict || jaring.ErrorCode(res[0].Err) != jaring.ECONFLICT || jaring.ErrorField(res[0].Err) != "input[0].externalRef" {
		t.Errorf("reused reference = %+v (%v), want CONFLICT at input[0].externalRef", res[0], res[0].Err)
	}
	if n := count(t, db, `SELECT amount FROM benefit WHERE external_ref = 'DINSOS-PKH-1'`); n != 3_000_000 {
		t.Errorf("amount after a refused reuse = %d, want the original 3000000", n)
	}
	// The same reference from another payer is another benefit.
	other := pkh
	other.Payer, other.Program = "DINKES", "RTLH"
	if res := record(other); res[0].Status != benefit.Recorded {
		t.Errorf("same reference, other payer = %+v, want RECORDED", res[0])
	}
}

// Each bad item is refused with an error naming its field; the good ones in
// the same batch are still recorded.
func TestRecordBenefitsRefusals(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	svc := &benefit.Service{Store: postgres.NewBenefitStore(db, nil)}

	// The good items are a year apart: two food aids in one year are double aid.
	years := map[string]int{"first": 2026, "last": 2027, "X": 2028}
	good := func(ref string) benefit.Input {
		return benefit.Input{KK: kkKoba, Program: "BPNT", Payer: "DINSOS", Amount: 2_400_000, Period: year(years[ref]), ExternalRef: ref}
	}
	with := func(f func(*benefit.Input)) benefit.Input {
		in := good("X")
		f(&in)
		return in
	}
	ended := jaring.Date(2025, 1, 1)
	tests := []struct {
		name  string
		in    benefit.Input
		code  jaring.Code
		field string
		msg   string
	}{
		{"no recipient", with(func(in *benefit.Input) { in.KK = "" }), jaring.EINVALID, "kk", "give the household's kk"},
		{"short KK", with(func(in *benefit.Input) { in.KK = "190401" }), jaring.EINVALID, "kk", "has 6 characters"},
		{"bad NIK", with(func(in *benefit.Input) { in.NIK, in.Program = "1904011213850001", "PBI_JK" }), jaring.EINVALID, "nik", "month 13"},
		{"unknown program", with(func(in *benefit.Input) { in.Program = "NOPE" }), jaring.ENOTFOUND, "program", "No program with the code NOPE"},
		{"wrong kind", with(func(in *benefit.Input) { in.Kind = "HOUSING" }), jaring.EINVALID, "kind", "BPNT is aid of kind FOOD"},
		// An organisation records only what it pays.
		{"another payer", with(func(in *benefit.Input) { in.Payer = "DINKES" }), jaring.EFORBIDDEN, "payer", "you record what DINSOS pays, not what DINKES pays"},
		{"unknown household", with(func(in *benefit.Input) { in.KK = "1904010506159999" }), jaring.ENOTFOUND, "kk", "No household with this KK"},
		{"person aid by KK", with(func(in *benefit.Input) { in.Program = "PIP" }), jaring.EINVALID, "nik", "aid to one person"},
		{"household aid by NIK", with(func(in *benefit.Input) { in.KK, in.NIK = "", nikHead }), jaring.EINVALID, "nik", "aid to a whole household"},
		{"NIK of another KK", with(func(in *benefit.Input) { in.NIK, in.KK, in.Program = nikSingle, kkKoba, "PIP" }), jaring.EINVALID, "kk", "belongs to another household"},
		{"negative amount", with(func(in *benefit.Input) { in.Amount = -1 }), jaring.EINVALID, "amount", "from 0 to"},
		{"end before start", with(func(in *benefit.Input) { in.Period.End = &ended }), jaring.EINVALID, "period.end", "before period.start"},
		{"no start", with(func(in *benefit.Input) { in.Period = jaring.Period{} }), jaring.EINVALID, "period.start", "required"},
		{"bad source", with(func(in *benefit.Input) { in.Source = "BANK" }), jaring.EINVALID, "source", "not a source"},
		{"bad channel", with(func(in *benefit.Input) { in.Channel = "DRONE" }), jaring.EINVALID, "channel", "not a channel"},
		{"no reference", with(func(in *benefit.Input) { in.ExternalRef = "" }), jaring.EINVALID, "externalRef", "required"},
		{"long reference", with(func(in *benefit.Input) { in.ExternalRef = strings.Repeat("x", 101) }), jaring.EINVALID, "externalRef", "at most 100"},
	}
	batch := []benefit.Input{good("first")}
	for _, tt := range tests {
		batch = append(batch, tt.in)
	}
	batch = append(batch, good("last"))

	results, err := svc.Record(ctx, jaring.Actor{Org: "DINSOS", Scope: jaring.Unrestricted()}, batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(batch) {
		t.Fatalf("%d results for %d items", len(results), len(batch))
	}
	for i, tt := range tests {
		r := results[i+1]
		field := fmt.Sprintf("input[%d].%s", i+1, tt.field)
		t.Run(tt.name, func(t *testing.T) {
			// The status of a refused item is its error's code.
			if want := benefit.StatusOf(r.Err); r.Status != want || r.Benefit != nil || (tt.code == jaring.EINVALID) != (want == benefit.Invalid) {
				t.Fatalf("result = %+v, want %s", r, want)
			}
			if jaring.ErrorCode(r.Err) != tt.code || jaring.ErrorField(r.Err) != field || !strings.Contains(jaring.ErrorMessage(r.Err), tt.msg) {
				t.Errorf("error = %s at %q: %q; want %s at %q containing %q",
					jaring.ErrorCode(r.Err), jaring.ErrorField(r.Err), jaring.ErrorMessage(r.Err), tt.code, field, tt.msg)
			}
			if !strings.HasPrefix(jaring.ErrorMessage(r.Err), field+":") {
				t.Errorf("message %q does not start with the field %s", jaring.ErrorMessage(r.Err), field)
			}
		})
	}
	if results[0].Status != benefit.Recorded || results[len(results)-1].Status != benefit.Recorded {
		t.Errorf("good items around the bad ones = %s, %s; want both RECORDED", results[0].Status, results[len(results)-1].Status)
	}
	if n := count(t, db, `SELECT count(*) FROM benefit`); n != 2 {
		t.Errorf("ledger holds %d benefits, want the 2 good ones", n)
	}

	// A batch over the limit is refused whole.
	big := make([]benefit.Input, benefit.MaxBatch+1)
	if _, err := svc.Record(ctx, jaring.Actor{Org: "DINSOS", Scope: jaring.Unrestricted()}, big); jaring.ErrorCode(err) != jaring.ELIMIT {
		t.Errorf("batch of %d: err = %v, want LIMIT_EXCEEDED", len(big), err)
	}
}

func count(t *testing.T, db *postgres.DB, sql string) int64 {
	t.Helper()
	var n int64
	if err := db.Pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// A change and its audit record commit together: the event names the
// households changed, and if it cannot be written, nothing is recorded.
func TestRecordBenefitsAudited(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log.Close()
	svc := &benefit.Service{Store: postgres.NewBenefitStore(db, log)}
	in := benefit.Input{KK: kkKoba, Program: "BPNT", Amount: 1, Period: year(2026), ExternalRef: "AUDITED-1"}

	pending := audit.NewPending(audit.Event{Actor: "dinsos-approver", Org: "DINSOS", Roles: []string{"approver"}, Operation: "mutation recordBenefits", Purpose: "payment run"})
	res, err := svc.Record(audit.WithPending(ctx, pending), jaring.Actor{Org: "DINSOS", Scope: jaring.Unrestricted()}, []benefit.Input{in})
	if err != nil || res[0].Status != benefit.Recorded {
		t.Fatalf("Record = %+v, %v", res, err)
	}
	if !pending.IsWritten() {
		t.Error("the change was recorded without its audit event")
	}
	var op, purpose string
	var households []string
	if err := db.Pool.QueryRow(ctx, `SELECT operation, purpose, households FROM audit_event ORDER BY id DESC LIMIT 1`).Scan(&op, &purpose, &households); err != nil {
		t.Fatal(err)
	}
	if op != "mutation recordBenefits" || purpose != "payment run" || len(households) != 1 || households[0] != kkKoba {
		t.Errorf("audit event = %q %q %v, want the mutation, its purpose and household %s", op, purpose, households, kkKoba)
	}

	// Sent again, nothing changes, and nothing more is recorded.
	again := audit.NewPending(audit.Event{Actor: "dinsos-approver", Org: "DINSOS", Operation: "mutation recordBenefits"})
	if res, _ := svc.Record(audit.WithPending(ctx, again), jaring.Actor{Org: "DINSOS", Scope: jaring.Unrestricted()}, []benefit.Input{in}); res[0].Status != benefit.AlreadyRecorded || again.IsWritten() {
		t.Errorf("a repeat wrote an audit event (%v) or recorded again (%s)", again.IsWritten(), res[0].Status)
	}

	// An event that cannot be written (it has no actor) takes the change down with it.
	broken := audit.NewPending(audit.Event{Operation: "mutation recordBenefits"})
	in.ExternalRef, in.Period = "AUDITED-2", year(2027)
	if _, err := svc.Record(audit.WithPending(ctx, broken), jaring.Actor{Org: "DINSOS", Scope: jaring.Unrestricted()}, []benefit.Input{in}); err == nil {
		t.Fatal("Record succeeded though its audit event could not be written")
	}
	if n := count(t, db, `SELECT count(*) FROM benefit WHERE external_ref = 'AUDITED-2'`); n != 0 {
		t.Errorf("the benefit was recorded without its audit event")
	}
	if r, err := log.Verify(ctx); err != nil || r.Broken != nil {
		t.Errorf("Verify after the failed change: %v %v", r.Broken, err)
	}
}

// The benefit store keeps benefit.Store's contract.
func TestBenefitStoreContract(t *testing.T) {
	benefittest.StoreTest(t, func(t *testing.T) benefittest.Env {
		db := fixtureDB(t)
		return benefittest.Env{Store: postgres.NewBenefitStore(db, nil), Actor: func(org string) jaring.Actor { return actorOf(t, db, org) }}
	})
}

// An item the database refuses when the batch is written (here a CHECK the
// test adds, so that the refusal comes from the database alone) is refused
// on its own, and leaves nothing behind in the batch: a later item with its
// payer and reference is new, and is recorded (it was answered as a
// conflict with a benefit "ID 0, recorded 0001-01-01").
func TestRecordBatchAfterADatabaseRefusal(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	refuseAmount777(t, db)
	svc := &benefit.Service{Store: postgres.NewBenefitStore(db, nil)}
	refused := benefit.Input{KK: kkKoba, Program: "BPNT", Payer: "DINSOS", Amount: 777, Period: year(2026), ExternalRef: "R1"}
	again := refused
	again.Amount = 2_400_000
	results, err := svc.Record(ctx, jaring.Actor{Org: "DINSOS", Scope: jaring.Unrestricted()}, []benefit.Input{refused, again})
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; r.Status != benefit.Invalid || jaring.ErrorField(r.Err) != "input[0].amount" {
		t.Errorf("the item the database refuses: %+v", r)
	}
	if r := results[1]; r.Status != benefit.Recorded || r.Benefit == nil || r.Benefit.ID == 0 || r.Benefit.Amount != 2_400_000 {
		t.Errorf("the next item with its reference: %+v, want RECORDED with a benefit of its own", r)
	}
	if n := count(t, db, `SELECT count(*) FROM benefit WHERE external_ref = 'R1' AND amount = 2400000`); n != 1 {
		t.Errorf("the ledger holds %d benefits R1 of 2,400,000, want 1", n)
	}
}

// The insert that ends a batch goes with its audit event's lookups in one
// round trip; should the database refuse it, the items are written one by
// one, and the event, appended after them, names the household written and
// not the one refused.
func TestRecordBatchRefusedAtTheEnd(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	refuseAmount777(t, db)
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	t.Cleanup(log.Close)
	svc := &benefit.Service{Store: postgres.NewBenefitStore(db, log)}
	written := benefit.Input{KK: kkKoba, Program: "BPNT", Payer: "DINSOS", Amount: 2_400_000, Period: year(2026), ExternalRef: "E1"}
	refused := benefit.Input{KK: kkPangkal, Program: "BPNT", Payer: "DINSOS", Amount: 777, Period: year(2026), ExternalRef: "E2"}
	pending := audit.NewPending(audit.Event{Actor: "test", Org: "DINSOS", Operation: "mutation recordBenefits"})
	results, err := svc.Record(audit.WithPending(ctx, pending), jaring.Actor{Org: "DINSOS", Scope: jaring.Unrestricted()}, []benefit.Input{written, refused})
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; r.Status != benefit.Recorded || r.Benefit == nil || r.Benefit.ID == 0 {
		t.Errorf("the item the database takes: %+v, want RECORDED", r)
	}
	if r := results[1]; r.Status != benefit.Invalid || jaring.ErrorField(r.Err) != "input[1].amount" {
		t.Errorf("the item the database refuses: %+v, want INVALID on input[1].amount", r)
	}
	if n := count(t, db, `SELECT count(*) FROM benefit WHERE external_ref IN ('E1', 'E2')`); n != 1 {
		t.Errorf("the ledger holds %d of the batch's benefits, want 1", n)
	}
	if !pending.IsWritten() {
		t.Error("the batch changed the ledger and its audit event is not written")
	}
	var households []string
	if err := db.Pool.QueryRow(ctx, `SELECT households FROM audit_event WHERE operation = 'mutation recordBenefits' ORDER BY id DESC LIMIT 1`).Scan(&households); err != nil {
		t.Fatal(err)
	}
	if len(households) != 1 || households[0] != kkKoba {
		t.Errorf("the batch's audit event names households %v, want only %s (written), not %s (refused)", households, kkKoba, kkPangkal)
	}
	if r, err := log.Verify(ctx); err != nil || r.Broken != nil {
		t.Errorf("verify: %+v %v", r.Broken, err)
	}
}

// refuseAmount777 makes the database refuse a benefit of 777 (its amount's
// CHECK), which the service's own checks let through: a refusal only the
// insert meets.
func refuseAmount777(t *testing.T, db *postgres.DB) {
	t.Helper()
	if _, err := db.Pool.Exec(context.Background(), `ALTER TABLE benefit DROP CONSTRAINT benefit_amount_check,
		ADD CONSTRAINT benefit_amount_check CHECK (amount >= 0 AND amount <= 1000000000 AND amount <> 777)`); err != nil {
		t.Fatal(err)
	}
}

// A batch naming a program that does not exist refuses that item with the
// field at fault and records the others: the codes are looked up with the
// rest of the batch, not one by one.
func TestRecordBatchUnknownCodes(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	svc := &benefit.Service{Store: postgres.NewBenefitStore(db, nil)}
	results, err := svc.Record(ctx, jaring.Actor{Org: "DINSOS", Scope: jaring.Unrestricted()}, []benefit.Input{
		{KK: kkKoba, Program: "NO_SUCH_PROGRAM", Payer: "DINSOS", Amount: 1, Period: year(2026), ExternalRef: "U1"},
		{KK: kkKoba, Program: "BPNT", Payer: "DINSOS", Amount: 2_400_000, Period: year(2026), ExternalRef: "U3"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; jaring.ErrorCode(r.Err) != jaring.ENOTFOUND || jaring.ErrorField(r.Err) != "input[0].program" ||
		!strings.Contains(jaring.ErrorMessage(r.Err), "NO_SUCH_PROGRAM") {
		t.Errorf("item 0: %+v, want NOT_FOUND at input[0].program naming the code", r)
	}
	if r := results[1]; r.Status != benefit.Recorded || r.Benefit == nil || r.Benefit.ID == 0 {
		t.Errorf("item 1: %+v, want RECORDED", r)
	}
}
