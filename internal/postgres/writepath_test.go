package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/demo"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/referral"
)

// registerTables are the tables whose size grows with the register: a
// write path that scans one of them slows down as the regency's register
// grows, and every writer waits longer for the locks it holds meanwhile.
// The catalogue's tables (program, benefit_kind, organisation, region, …)
// stay small and may be scanned.
var registerTables = []string{"household", "person", "benefit", "referral", "application", "audit_event",
	"register_change", "benefit_review", "data_issue"}

// writePathHouseholds is the size of the register the plans are read on:
// large enough that the planner takes an index wherever one serves.
const writePathHouseholds = 10_000

// statement is one SQL statement as a pool sent it, with its arguments.
type statement struct {
	sql  string
	args []any
}

// statementLog keeps every statement sent through a pool: queries, and the
// statements of batches (pipelines).
type statementLog struct {
	mu    sync.Mutex
	stmts []statement
	trips int // round trips: queries, and batches of statements
}

func (l *statementLog) add(sql string, args []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stmts = append(l.stmts, statement{sql, slices.Clone(args)})
}

func (l *statementLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.add(d.SQL, d.Args)
	l.mu.Lock()
	l.trips++
	l.mu.Unlock()
	return ctx
}

func (l *statementLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (l *statementLog) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	l.mu.Lock()
	l.trips++
	l.mu.Unlock()
	return ctx
}

func (l *statementLog) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	l.add(d.SQL, d.Args)
}

func (l *statementLog) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// take returns the statements logged since the last take.
func (l *statementLog) take() []statement {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stmts
	l.stmts, l.trips = nil, 0
	return s
}

// roundTrips returns the round trips of the statements since the last take.
func (l *statementLog) roundTrips() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.trips
}

// explainable reports whether sql is a statement EXPLAIN takes (not BEGIN,
// SAVEPOINT, COMMIT, …).
func explainable(sql string) bool {
	f := strings.Fields(sql)
	if len(f) == 0 {
		return false
	}
	switch strings.ToUpper(f[0]) {
	case "SELECT", "INSERT", "UPDATE", "DELETE", "WITH":
		return true
	}
	return false
}

// wholeScans returns the tables of tables that plan, a node of EXPLAIN
// (FORMAT JSON), reads whole, in any of its subplans: by a sequential scan,
// or by walking an index from end to end (an index scan with no Index Cond,
// which a plan chooses to return rows in the index's order, and which costs
// as much as reading the table). Under a Limit, an index walk without a
// filter reads only the rows it returns (the newest event, say), and passes.
func wholeScans(plan map[string]any, tables []string, limited bool) []string {
	var found []string
	rel, _ := plan["Relation Name"].(string)
	if slices.Contains(tables, rel) {
		_, cond := plan["Index Cond"]
		_, filter := plan["Filter"]
		switch node := plan["Node Type"]; {
		case node == "Seq Scan":
			found = append(found, "Seq Scan on "+rel)
		case (node == "Index Scan" || node == "Index Only Scan") && !cond && (!limited || filter):
			found = append(found, fmt.Sprintf("%s on %s using %s, without a condition", node, rel, plan["Index Name"]))
		}
	}
	subs, _ := plan["Plans"].([]any)
	for _, s := range subs {
		if m, ok := s.(map[string]any); ok {
			found = append(found, wholeScans(m, tables, plan["Node Type"] == "Limit")...)
		}
	}
	return found
}

// explain returns the plan of EXPLAIN (FORMAT JSON) q.
func explain(t *testing.T, conn *pgx.Conn, q string, args ...any) map[string]any {
	t.Helper()
	var out []byte
	if err := conn.QueryRow(context.Background(), `EXPLAIN (FORMAT JSON) `+q, args...).Scan(&out); err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	var plans []struct {
		Plan map[string]any `json:"Plan"`
	}
	if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
		t.Fatalf("explain %s: %s: %v", q, out, err)
	}
	return plans[0].Plan
}

// registerScans explains each statement on db twice, and returns a line for
// each plan that reads a table of the register whole: the custom plan for
// the arguments it was sent with, and the generic plan that PostgreSQL
// switches to once a prepared statement has run five times (pgx prepares
// every statement), which cannot see the arguments.
func registerScans(t *testing.T, db *postgres.DB, stmts []statement) []string {
	t.Helper()
	ctx := context.Background()
	c, err := db.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	conn := c.Conn()
	var bad []string
	for i, s := range stmts {
		if !explainable(s.sql) {
			continue
		}
		sql := strings.Join(strings.Fields(s.sql), " ")
		if scans := wholeScans(explain(t, conn, s.sql, s.args...), registerTables, false); len(scans) > 0 {
			bad = append(bad, fmt.Sprintf("%s: %s", strings.Join(scans, ", "), sql))
		}
		// The generic plan: EXPLAIN EXECUTE of the statement prepared, with
		// its arguments cast to the types PostgreSQL inferred for them.
		name := fmt.Sprintf("write_path_%d", i)
		desc, err := conn.Prepare(ctx, name, s.sql)
		if err != nil {
			t.Fatalf("prepare %s: %v", sql, err)
		}
		params := make([]string, len(desc.ParamOIDs))
		for j, oid := range desc.ParamOIDs {
			// EXECUTE takes no parameters: each argument goes as a literal.
			var typ, lit string
			if err := conn.QueryRow(ctx, `SELECT format_type($1, NULL)`, oid).Scan(&typ); err != nil {
				t.Fatal(err)
			}
			err := conn.QueryRow(ctx, `SELECT coalesce(quote_literal($1::`+typ+`), 'NULL') || '::`+typ+`'`, s.args[j]).Scan(&lit)
			if err != nil {
				t.Fatalf("argument %d of %s: %v", j+1, sql, err)
			}
			params[j] = lit
		}
		execute := "EXECUTE " + name
		if len(params) > 0 {
			execute += "(" + strings.Join(params, ", ") + ")"
		}
		if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
			t.Fatal(err)
		}
		plan := explain(t, conn, execute)
		if _, err := conn.Exec(ctx, `RESET plan_cache_mode`); err != nil {
			t.Fatal(err)
		}
		if err := conn.Deallocate(ctx, name); err != nil {
			t.Fatal(err)
		}
		if scans := wholeScans(plan, registerTables, false); len(scans) > 0 {
			bad = append(bad, fmt.Sprintf("generic plan: %s: %s", strings.Join(scans, ", "), sql))
		}
	}
	return bad
}

// writePathAuditEvents is the size of the audit log the plans are read on.
// On a log of a few events the planner rightly reads a shard's newest event
// by scanning the table; the log of a regency in service is its largest
// table.
const writePathAuditEvents = 20_000

// writePathDB returns a copy of a demo regency of writePathHouseholds
// households with an audit log of writePathAuditEvents events about them,
// analysed, made once per test binary.
func writePathDB(t *testing.T) string {
	t.Helper()
	template := pgtest.Template(t, fmt.Sprintf("demo-%d-audited", writePathHouseholds), func(db *postgres.DB) error {
		ctx := context.Background()
		d := demo.Generate(demo.Options{Seed: pgtest.DemoOptions.Seed, Households: writePathHouseholds, AsOf: pgtest.DemoOptions.AsOf})
		if err := demo.Load(ctx, db.Pool, d); err != nil {
			return err
		}
		rows, _ := db.Pool.Query(ctx, `SELECT kk FROM household ORDER BY kk`)
		kks, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		log := postgres.NewAuditLog(db, postgres.AuditOptions{})
		defer log.Close()
		const writers = 64
		errs := make(chan error, writers)
		for w := range writers {
			go func() {
				for i := w; i < writePathAuditEvents; i += writers {
					ev := &audit.Event{Actor: "seed", Org: "SILAKSO", Operation: "query household", Households: []string{kks[i%len(kks)]}}
					if err := log.Write(ctx, ev); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range writers {
			if err := <-errs; err != nil {
				return err
			}
		}
		_, err = db.Pool.Exec(ctx, `ANALYZE`)
		return err
	})
	return pgtest.CloneOf(t, template)
}

// No statement of a write path scans a table of the register: each is
// explained, with the arguments it was sent with, on a register large
// enough (and analysed) that the planner takes an index wherever one
// serves. A sequential scan there costs time in proportion to the
// register, while the transaction holds its household's lock.
func TestWritePathsUseIndexes(t *testing.T) {
	ctx := context.Background()
	url := writePathDB(t)
	owner := pgtest.Open(t, url)
	log := &statementLog{}
	db := pgtest.Open(t, pgtest.AppURL(t, url), postgres.WithTracer(log))
	auditLog := postgres.NewAuditLog(db, postgres.AuditOptions{})
	t.Cleanup(auditLog.Close)
	benefits := &benefit.Service{Store: postgres.NewBenefitStore(db, auditLog)}
	referrals := &referral.Service{Store: postgres.NewReferralStore(db, auditLog)}

	// A household and a member of another, from the middle of the register.
	var kk, nik, kk2, head2 string
	if err := owner.Pool.QueryRow(ctx, `SELECT h.kk FROM household h ORDER BY h.id OFFSET 5000 LIMIT 1`).Scan(&kk); err != nil {
		t.Fatal(err)
	}
	if err := owner.Pool.QueryRow(ctx, `SELECT p.nik FROM person p ORDER BY p.id OFFSET 7000 LIMIT 1`).Scan(&nik); err != nil {
		t.Fatal(err)
	}
	if err := owner.Pool.QueryRow(ctx, `SELECT h.kk, p.nik FROM household h JOIN person p ON p.household_id = h.id AND p.relationship = 'HEAD'
		ORDER BY h.id OFFSET 3000 LIMIT 1`).Scan(&kk2, &head2); err != nil {
		t.Fatal(err)
	}
	orgID := func(code string) int64 {
		var id int64
		if err := owner.Pool.QueryRow(ctx, `SELECT id FROM organisation WHERE code = $1`, code).Scan(&id); err != nil {
			t.Fatalf("organisation %s: %v", code, err)
		}
		return id
	}
	agency := func(code string, kind jaring.OrgKind) jaring.Actor {
		id := orgID(code)
		return jaring.Actor{Org: code, OrgID: id, OrgKind: kind, Login: strings.ToLower(code),
			Scope: jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04", OrgID: id}}
	}
	dinsos, dinkes, desk := agency("DINSOS", jaring.OrgAgency), agency("DINKES", jaring.OrgAgency), agency("SILAKSO", jaring.OrgFrontOffice)
	audited := func(op string) context.Context {
		return audit.WithPending(ctx, audit.NewPending(audit.Event{Actor: "test", Org: "TEST", Operation: op}))
	}
	period := year(2101)
	record := func(actor jaring.Actor, in benefit.Input) {
		t.Helper()
		res, err := benefits.Record(audited("mutation recordBenefits"), actor, []benefit.Input{in})
		if err != nil || res[0].Status != benefit.Recorded {
			t.Fatalf("record %+v: %v %+v", in, err, res)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	paths := []struct {
		name string
		run  func()
	}{
		// Aid to a household, named by its KK.
		{"recordBenefits/kk", func() {
			record(dinsos, benefit.Input{KK: kk, Program: "BPNT", Amount: 1, Period: period, ExternalRef: "WP-KK"})
		}},
		// Aid to one person, named by the NIK: the household is found through person.
		{"recordBenefits/nik", func() {
			record(dinkes, benefit.Input{NIK: nik, Program: "PBI_APBD", Amount: 1, Period: period, ExternalRef: "WP-NIK"})
		}},
		// A clash approved by a supervisor: the ledger read, then the override written.
		{"recordBenefits/override", func() {
			supervisor := agency("KESRA", jaring.OrgAgency)
			supervisor.MayOverride = true
			record(supervisor, benefit.Input{KK: kk, Program: "RASDA", Payer: "KESRA", Amount: 1, Period: period, ExternalRef: "WP-OVR",
				OverrideReason: "Bencana banjir: beras tambahan dari APBD atas keputusan rapat koordinasi"})
		}},
	}
	var app *referral.Application
	paths = append(paths, []struct {
		name string
		run  func()
	}{
		{"submitApplication", func() {
			var err error
			app, err = referrals.Submit(audited("mutation submitApplication"), desk, referral.NewApplication{ApplicantNIK: head2, KK: kk2,
				Type: referral.AidRequest, Category: "pangan", KindCode: "FOOD", Description: "Kebutuhan beras bulanan",
				Documents: referral.Documents{KTP: true, KK: true, SKTM: true, Register: true}})
			must(err)
		}},
		{"verifyApplication", func() {
			a, err := referrals.Verify(audited("mutation verifyApplication"), desk, app.ID, nil)
			must(err)
			if a.Status != referral.Verified {
				t.Fatalf("verified: %+v", a)
			}
		}},
		{"referApplication", func() {
			_, err := referrals.Refer(audited("mutation referApplication"), desk, app.ID, []referral.Target{{Organisation: "DINSOS", Program: "BPNT"}})
			must(err)
		}},
		{"decideReferral/accept", func() {
			var id int64
			must(owner.Pool.QueryRow(ctx, `SELECT id FROM referral WHERE application_id = $1`, app.ID).Scan(&id))
			d, err := referrals.Decide(audited("mutation decideReferral"), dinsos, id, referral.Accept, "",
				&benefit.Input{Program: "BPNT", Amount: 1, Period: period, ExternalRef: "WP-REF"})
			must(err)
			if d.Refused != nil {
				t.Fatalf("decide: refused %+v", d.Refused)
			}
		}},
	}...)

	// The round trips an approval may wait for (issue 13), each a wait at
	// one client: BEGIN, the lookups under the households' locks, the write
	// with the names and chain lock of its audit event, the event, COMMIT.
	// A decision reads its referral, then locks it and its application,
	// and updates it after the benefit is written.
	maxTrips := map[string]int{"recordBenefits/kk": 5, "recordBenefits/nik": 5, "recordBenefits/override": 5, "decideReferral/accept": 9}
	for _, p := range paths {
		log.take()
		p.run()
		trips := log.roundTrips()
		stmts := log.take()
		t.Logf("%s: %d statements, %d round trips", p.name, len(stmts), trips)
		if max, ok := maxTrips[p.name]; ok && trips > max {
			t.Errorf("%s took %d round trips, want at most %d:\n%s", p.name, trips, max, sqlOf(stmts))
		}
		if len(stmts) == 0 {
			t.Fatalf("%s: no statements logged", p.name)
		}
		for _, b := range registerScans(t, owner, stmts) {
			t.Errorf("%s %s", p.name, b)
		}
	}
}

// A batch of recordBenefits is set-based: it sends as many statements for
// five hundred benefits as for ten (each looked up with the others, written
// in one INSERT), and its plans still use the indexes.
func TestRecordBatchStatementsDoNotGrow(t *testing.T) {
	ctx := context.Background()
	url := writePathDB(t)
	owner := pgtest.Open(t, url)
	log := &statementLog{}
	db := pgtest.Open(t, pgtest.AppURL(t, url), postgres.WithTracer(log))
	auditLog := postgres.NewAuditLog(db, postgres.AuditOptions{})
	t.Cleanup(auditLog.Close)
	benefits := &benefit.Service{Store: postgres.NewBenefitStore(db, auditLog)}
	var id int64
	if err := owner.Pool.QueryRow(ctx, `SELECT id FROM organisation WHERE code = 'PERKIM'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	perkim := jaring.Actor{Org: "PERKIM", OrgID: id, OrgKind: jaring.OrgAgency, Login: "perkim",
		Scope: jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04", OrgID: id}}
	batch := func(offset, n int) []statement {
		t.Helper()
		rows, _ := owner.Pool.Query(ctx, `SELECT kk FROM household ORDER BY id OFFSET $1 LIMIT $2`, offset, n)
		kks, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		var ins []benefit.Input
		for i, kk := range kks {
			ins = append(ins, benefit.Input{KK: kk, Program: "RTLH", Amount: 1_000_000, Period: year(2102), Channel: benefit.ChannelInKind,
				ExternalRef: fmt.Sprintf("BATCH-%d-%d", offset, i)})
		}
		log.take()
		res, err := benefits.Record(audit.WithPending(ctx, audit.NewPending(audit.Event{Actor: "test", Org: "TEST", Operation: "mutation recordBenefits"})), perkim, ins)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Status != benefit.Recorded || r.Benefit == nil || r.Benefit.ID == 0 {
				t.Fatalf("item %d of %d: %+v", i, n, r)
			}
		}
		var n2 int
		if err := owner.Pool.QueryRow(ctx, `SELECT count(*) FROM benefit WHERE external_ref LIKE $1`, fmt.Sprintf("BATCH-%d-%%", offset)).Scan(&n2); err != nil || n2 != n {
			t.Fatalf("%d benefits of the batch in the ledger, want %d (%v)", n2, n, err)
		}
		return log.take()
	}
	small, large := batch(100, 10), batch(1000, 500)
	if len(large) != len(small) {
		t.Errorf("a batch of 500 sent %d statements, one of 10 sent %d:\n%s", len(large), len(small), sqlOf(large))
	}
	t.Logf("statements a batch: %d", len(large))
}

func sqlOf(stmts []statement) string {
	var b strings.Builder
	for _, s := range stmts {
		b.WriteString(strings.Join(strings.Fields(s.sql), " ")[:min(120, len(strings.Join(strings.Fields(s.sql), " ")))] + "\n")
	}
	return b.String()
}
