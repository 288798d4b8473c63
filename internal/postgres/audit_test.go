package postgres_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
)

// auditNIK returns the i-th of a run of NIKs of Koba.
func auditNIK(i int) string { return fmt.Sprintf("19040112038%05d", i) }

// auditEvent returns an event about the person with the given NIK and the
// fixture's Koba household, with every field set.
func auditEvent(nik string) *audit.Event {
	return &audit.Event{
		At:         time.Now(),
		Actor:      "petugas-01",
		Org:        "SILAKSO",
		Roles:      []string{"front_office", "verifier"},
		Operation:  "query household",
		Persons:    []string{nik},
		Households: []string{kkKoba},
		Fields:     []string{"Person.name", "Person.motherName", "Person.nik"},
		Variables:  json.RawMessage(`{"kk":"` + kkKoba + `","first":20,"scale":1.50}`),
		Purpose:    "verifikasi permohonan bantuan",
	}
}

// lockCounter counts the transactions that took the audit chain lock: one
// per append transaction.
type lockCounter struct{ n atomic.Int64 }

func (c *lockCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.Contains(d.SQL, "pg_advisory_xact_lock") {
		c.n.Add(1)
	}
	return ctx
}

func (c *lockCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// The group commit takes the lock in a batch (a pipeline), which pgx traces
// as a batch, not as a query.
func (c *lockCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (c *lockCounter) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	if strings.Contains(d.SQL, "pg_advisory_xact_lock") {
		c.n.Add(1)
	}
}

func (c *lockCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// verifyIntact fails t unless every chain verifies, with want events in
// all, and returns the report.
func verifyIntact(t *testing.T, log *postgres.AuditLog, want int64) audit.Report {
	t.Helper()
	r, err := log.Verify(context.Background())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if r.Broken != nil || r.Checked != want {
		t.Fatalf("Verify = %d checked, broken %v; want %d intact", r.Checked, r.Broken, want)
	}
	return r
}

func TestAuditLogWrite(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log.Close()

	first := auditEvent(nikHead)
	first.Persons = []string{nikSpouse, nikHead, nikSpouse}
	if err := log.Write(ctx, first); err != nil {
		t.Fatal(err)
	}
	if first.ID != 1 || first.Shard != audit.ShardOf(first) || first.Seq != 1 || first.PrevHash != nil || len(first.Hash) != 32 || !bytes.Equal(first.Hash, first.ComputeHash()) {
		t.Errorf("first event = id %d, shard %d, seq %d, prev %x, hash %x: want id 1, its household's shard, seq 1, no prev, its own hash",
			first.ID, first.Shard, first.Seq, first.PrevHash, first.Hash)
	}
	if !slices.Equal(first.Persons, []string{nikHead, nikSpouse}) {
		t.Errorf("Write gave back persons %v, want them sorted and unique", first.Persons)
	}
	second := auditEvent(nikHead)
	second.Variables = nil
	if err := log.Write(ctx, second); err != nil {
		t.Fatal(err)
	}
	if second.ID != 2 || second.Shard != first.Shard || second.Seq != 2 || !bytes.Equal(second.PrevHash, first.Hash) {
		t.Errorf("second event = id %d, shard %d, seq %d, prev %x: want id 2, seq 2 of shard %d after %x",
			second.ID, second.Shard, second.Seq, second.PrevHash, first.Shard, first.Hash)
	}

	// What comes back is what was written, and still hashes alike, though
	// jsonb has respaced the variables and PostgreSQL has its own time zone.
	got, _, err := log.Trail(ctx, jaring.Unrestricted(), nikHead, jaring.PageRequest{First: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("Trail = %d events, want 2", len(got))
	}
	for i, want := range []*audit.Event{second, first} {
		g := got[i]
		if !g.At.Equal(want.At) || g.ID != want.ID || g.Shard != want.Shard || g.Seq != want.Seq || g.Actor != want.Actor || g.Org != want.Org || g.Operation != want.Operation ||
			g.Purpose != want.Purpose || !slices.Equal(g.Roles, want.Roles) || !slices.Equal(g.Persons, want.Persons) ||
			!slices.Equal(g.Households, want.Households) || !slices.Equal(g.Fields, want.Fields) ||
			!bytes.Equal(g.PrevHash, want.PrevHash) || !bytes.Equal(g.Hash, want.Hash) {
			t.Errorf("event %d read back as %+v, want %+v", want.ID, g, want)
		}
		if !bytes.Equal(g.ComputeHash(), want.Hash) {
			t.Errorf("event %d read back hashes differently (variables %s)", want.ID, g.Variables)
		}
	}
	if got[0].Variables != nil {
		t.Errorf("no variables read back as %s, want nil (SQL NULL)", got[0].Variables)
	}
	if n := count(t, db, `SELECT count(*) FROM audit_event WHERE variables IS NULL`); n != 1 {
		t.Errorf("%d events with NULL variables, want 1", n)
	}

	// A bad event is refused alone, before it reaches a batch.
	bad := auditEvent("Siti Aminah")
	if err := log.Write(ctx, bad); jaring.ErrorCode(err) != jaring.EINVALID || bad.ID != 0 {
		t.Errorf("Write of a name for a NIK = %v (id %d), want INVALID_INPUT and no id", err, bad.ID)
	}
	// A cancelled context is not written to.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := log.Write(cancelled, auditEvent(nikHead)); !errors.Is(err, context.Canceled) {
		t.Errorf("Write with a cancelled context = %v, want context.Canceled", err)
	}
	verifyIntact(t, log, 2)
}

func TestAuditLogGroupCommit(t *testing.T) {
	ctx := context.Background()
	var locks lockCounter
	db := pgtest.Open(t, pgtest.URL(t), postgres.WithTracer(&locks))
	// The metrics' view of the group commits: every event in one batch.
	var batches, batched atomic.Int64
	var maxQueued atomic.Int64
	var log *postgres.AuditLog
	log = postgres.NewAuditLog(db, postgres.AuditOptions{OnBatch: func(n int) {
		batches.Add(1)
		batched.Add(int64(n))
		if q := int64(log.Queued()); q > maxQueued.Load() {
			maxQueued.Store(q)
		}
	}})
	defer log.Close()

	const writers, each = 64, 20
	written := make([][]*audit.Event, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			<-start
			for i := range each {
				ev := auditEvent(auditNIK(w*each + i))
				if err := log.Write(ctx, ev); err != nil {
					t.Errorf("writer %d, event %d: %v", w, i, err)
					return
				}
				written[w] = append(written[w], ev)
			}
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	const events = writers * each
	var n, distinct, lo, hi int64
	if err := db.Pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT id), min(id), max(id) FROM audit_event`).Scan(&n, &distinct, &lo, &hi); err != nil {
		t.Fatal(err)
	}
	if n != events || distinct != events || lo != 1 || hi != events {
		t.Errorf("audit_event holds %d events, %d ids from %d to %d; want ids 1..%d without gaps", n, distinct, lo, hi, events)
	}
	// Each Write returned the id and hash its event was stored with, and a
	// writer's next event follows its last: Write returns once committed.
	stored := map[int64][]byte{}
	rows, _ := db.Pool.Query(ctx, `SELECT id, hash FROM audit_event`)
	var id int64
	var hash []byte
	if _, err := pgx.ForEachRow(rows, []any{&id, &hash}, func() error { stored[id] = hash; return nil }); err != nil {
		t.Fatal(err)
	}
	for w, evs := range written {
		for i, ev := range evs {
			if !bytes.Equal(stored[ev.ID], ev.Hash) {
				t.Errorf("writer %d, event %d: Write returned id %d, hash %x; stored hash %x", w, i, ev.ID, ev.Hash, stored[ev.ID])
			}
			if i > 0 && ev.ID <= evs[i-1].ID {
				t.Errorf("writer %d: event %d got id %d, after %d", w, i, ev.ID, evs[i-1].ID)
			}
		}
	}
	verifyIntact(t, log, events)

	txs := locks.n.Load()
	t.Logf("%d events in %d transactions (%.1f a transaction)", events, txs, float64(events)/float64(txs))
	if txs >= events/4 {
		t.Errorf("%d events took %d transactions; group commit should need fewer than %d", events, txs, events/4)
	}
	// OnBatch saw each group commit and each event once; nothing is queued
	// once every Write has returned, and something was while they ran.
	if batches.Load() != txs || batched.Load() != events {
		t.Errorf("OnBatch saw %d batches of %d events in all, want %d batches of %d", batches.Load(), batched.Load(), txs, events)
	}
	if q := log.Queued(); q != 0 || maxQueued.Load() == 0 {
		t.Errorf("Queued = %d after the writes (want 0), at most %d during them (want more than 0)", q, maxQueued.Load())
	}
}

// Every event of a request names the request: Write and AppendTx take the
// request ID of their context when the event has none, it is stored, read
// back, and covered by the hash; a chain of events with and without one
// verifies.
func TestAuditLogRequestID(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log.Close()
	inRequest := jaring.WithRequestID(ctx, "req-7f3a.b_c")

	cli := auditEvent(nikHead) // the command line: no request
	if err := log.Write(ctx, cli); err != nil {
		t.Fatal(err)
	}
	read := auditEvent(nikHead)
	if err := log.Write(inRequest, read); err != nil {
		t.Fatal(err)
	}
	named := auditEvent(nikHead)
	named.RequestID = "its-own"
	if err := log.Write(inRequest, named); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	change := auditEvent(nikHead)
	change.Operation = "mutation recordBenefits"
	if err := log.AppendTx(inRequest, tx, change); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{1: "", 2: "req-7f3a.b_c", 3: "its-own", 4: "req-7f3a.b_c"}
	for _, ev := range []*audit.Event{cli, read, named, change} {
		if ev.RequestID != want[ev.ID] {
			t.Errorf("event %d was given request ID %q, want %q", ev.ID, ev.RequestID, want[ev.ID])
		}
	}
	got, _, err := log.Trail(ctx, jaring.Unrestricted(), nikHead, jaring.PageRequest{First: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range got {
		if g.RequestID != want[g.ID] {
			t.Errorf("event %d read back with request ID %q, want %q", g.ID, g.RequestID, want[g.ID])
		}
	}
	verifyIntact(t, log, 4)
	// A request ID the server would not have taken is refused.
	bad := auditEvent(nikHead)
	bad.RequestID = "two words"
	if err := log.Write(ctx, bad); jaring.ErrorField(err) != "requestID" {
		t.Errorf("Write of a bad request ID = %v, want INVALID_INPUT at requestID", err)
	}
}

func TestAuditLogBadEventAlone(t *testing.T) {
	// An event that passes Validate but that the database refuses (a number
	// beyond numeric's range) fails its own Write, not its batch's.
	ctx := context.Background()
	db := pgtestOpen(t)
	log := postgres.NewAuditLog(db, postgres.AuditOptions{MaxWait: 50 * time.Millisecond})
	defer log.Close()

	const good = 30
	errs := make([]error, good+1)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			ev := auditEvent(auditNIK(i))
			if i == good {
				ev.Variables = json.RawMessage(`{"amount":1e200000}`)
			}
			errs[i] = log.Write(ctx, ev)
		})
	}
	wg.Wait()
	for i, err := range errs[:good] {
		if err != nil {
			t.Errorf("good event %d: %v", i, err)
		}
	}
	var pgErr *pgconn.PgError
	if err := errs[good]; !errors.As(err, &pgErr) || pgErr.Code != "22003" {
		t.Errorf("bad event: err = %v, want numeric_value_out_of_range", err)
	}
	verifyIntact(t, log, good)
}

func TestAuditLogAppendTx(t *testing.T) {
	ctx := context.Background()
	db := pgtestOpen(t)
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log.Close()

	// A change and its record: committed together.
	change := func(code string, commit bool) *audit.Event {
		t.Helper()
		tx, err := db.Pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, `INSERT INTO organisation (code, name, kind) VALUES ($1, $1, 'DONOR')`, code); err != nil {
			t.Fatal(err)
		}
		ev := auditEvent(nikHead)
		ev.Operation = "mutation createDonor"
		if err := log.AppendTx(ctx, tx, ev); err != nil {
			t.Fatal(err)
		}
		if commit {
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
		return ev
	}
	if ev := change("CSR-A", true); ev.ID != 1 || ev.Seq != 1 {
		t.Errorf("first AppendTx gave id %d, seq %d; want 1, 1", ev.ID, ev.Seq)
	}
	// Rolled back: neither the change nor its record. Its id is used up (ids
	// come from a sequence), its place in the shard's chain is not.
	if ev := change("CSR-B", false); ev.ID != 2 || ev.Seq != 2 {
		t.Errorf("second AppendTx gave id %d, seq %d; want 2, 2", ev.ID, ev.Seq)
	}
	if n := count(t, db, `SELECT count(*) FROM organisation WHERE code = 'CSR-B'`) + count(t, db, `SELECT count(*) FROM audit_event WHERE id = 2`); n != 0 {
		t.Errorf("a rolled-back change left %d rows behind", n)
	}
	if ev := change("CSR-C", true); ev.ID != 3 || ev.Seq != 2 {
		t.Errorf("AppendTx after a rollback gave id %d, seq %d; want 3, 2 (no gap in the chain)", ev.ID, ev.Seq)
	}
	verifyIntact(t, log, 2)

	// Two events in one transaction chain to each other, in the shard of
	// the first, though the second names a household of another shard: a
	// transaction holds one shard lock, so no two can deadlock on them.
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, b := auditEvent(nikHead), auditEvent(nikPHead)
	b.Households = []string{kkOtherShard(t, kkKoba)}
	if err := log.AppendTx(ctx, tx, a); err != nil {
		t.Fatal(err)
	}
	if err := log.AppendTx(ctx, tx, b); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if a.ID != 4 || b.ID != 5 || b.Shard != a.Shard || a.Seq != 3 || b.Seq != 4 || !bytes.Equal(b.PrevHash, a.Hash) {
		t.Errorf("two appends in one transaction got ids %d, %d, shards %d, %d, seqs %d, %d", a.ID, b.ID, a.Shard, b.Shard, a.Seq, b.Seq)
	}
	if audit.ShardOf(b) == b.Shard {
		t.Fatal("the second event belongs in the first's shard anyway; this proves nothing")
	}

	// A REPEATABLE READ transaction whose snapshot predates the newest event
	// of the shard cannot see it: its append fails on the unique (shard,
	// seq), and the chain does not fork.
	rr, err := db.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rr.Exec(ctx, `SELECT 1 FROM audit_event LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if err := log.Write(ctx, auditEvent(nikHead)); err != nil {
		t.Fatal(err)
	}
	var pgErr *pgconn.PgError
	if err := log.AppendTx(ctx, rr, auditEvent(nikHead)); !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Errorf("AppendTx on an old snapshot = %v, want a unique violation", err)
	}
	rr.Rollback(ctx)
	verifyIntact(t, log, 5)
}

func TestAuditLogInterleaved(t *testing.T) {
	// Writes in batches and AppendTx in callers' transactions, some rolled
	// back, all at once: one chain, whole.
	ctx := context.Background()
	db := pgtest.Open(t, pgtest.URL(t), postgres.WithMaxConns(16))
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log.Close()

	const writers, writes, appenders, txs = 8, 40, 4, 30
	var committed atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range writes {
				if err := log.Write(ctx, auditEvent(auditNIK(w*writes+i))); err != nil {
					t.Error(err)
					return
				}
				committed.Add(1)
			}
		})
	}
	for a := range appenders {
		wg.Go(func() {
			for i := range txs {
				err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
					if err := log.AppendTx(ctx, tx, auditEvent(auditNIK(50000+a*txs+i))); err != nil {
						return err
					}
					if i%3 == 0 {
						return errRollback
					}
					return nil
				})
				switch {
				case err == nil:
					committed.Add(1)
				case !errors.Is(err, errRollback):
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	want := committed.Load()
	if want != writers*writes+appenders*(txs-txs/3) {
		t.Fatalf("%d events committed, want %d", want, writers*writes+appenders*(txs-txs/3))
	}
	verifyIntact(t, log, want)
}

var errRollback = errors.New("roll back")

func TestAuditLogClose(t *testing.T) {
	ctx := context.Background()
	db := pgtestOpen(t)
	log := postgres.NewAuditLog(db, postgres.AuditOptions{MaxWait: 50 * time.Millisecond})

	// Writes racing Close: each either fails or is written, none is lost.
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			if err := log.Write(ctx, auditEvent(auditNIK(i))); err == nil {
				ok.Add(1)
			}
		})
	}
	time.Sleep(10 * time.Millisecond) // some are waiting in a batch
	log.Close()
	wg.Wait()
	if n := count(t, db, `SELECT count(*) FROM audit_event`); n != ok.Load() || n == 0 {
		t.Errorf("%d events stored, %d Writes succeeded: want them equal and not 0", n, ok.Load())
	}
	if err := log.Write(ctx, auditEvent(nikHead)); err == nil {
		t.Error("Write after Close succeeded")
	}
	log.Close() // twice is fine

	// A log closed before its first Write stops at once.
	postgres.NewAuditLog(db, postgres.AuditOptions{}).Close()
}

func TestAuditEventAppendOnly(t *testing.T) {
	ctx := context.Background()
	db := pgtestOpen(t)
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log.Close()
	for i := range 3 {
		if err := log.Write(ctx, auditEvent(auditNIK(i))); err != nil {
			t.Fatal(err)
		}
	}
	// The tests connect as the cluster's superuser: the refusal holds even
	// for the one who could grant every privilege.
	if n := count(t, db, `SELECT count(*) FROM pg_roles WHERE rolname = current_user AND rolsuper`); n != 1 {
		t.Fatal("the tests do not connect as a superuser; this test proves less than it says")
	}
	tests := []struct {
		name  string
		setup string // run first, in the same transaction
		sql   string
	}{
		{"update", "", `UPDATE audit_event SET purpose = 'x' WHERE id = 2`},
		{"update all", "", `UPDATE audit_event SET actor = actor`},
		{"delete", "", `DELETE FROM audit_event WHERE id = 3`},
		{"delete all", "", `DELETE FROM audit_event`},
		{"truncate", "", `TRUNCATE audit_event`},
		// Replica mode switches ordinary triggers off; these fire ALWAYS.
		{"update as a replica", `SET LOCAL session_replication_role = replica`, `UPDATE audit_event SET purpose = 'x'`},
		{"delete as a replica", `SET LOCAL session_replication_role = replica`, `DELETE FROM audit_event`},
		{"truncate as a replica", `SET LOCAL session_replication_role = replica`, `TRUNCATE audit_event`},
	}
	for _, tt := range tests {
		err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
			if tt.setup != "" {
				if _, err := tx.Exec(ctx, tt.setup); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, tt.sql)
			return err
		})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" || !strings.Contains(pgErr.Message, "audit_event is append-only") {
			t.Errorf("%s: err = %v, want insufficient_privilege from the append-only trigger", tt.name, err)
		}
	}
	verifyIntact(t, log, 3)

	// Rows that break a chain's shape are refused even when inserted by
	// hand.
	h := `'\x` + strings.Repeat("ab", 32) + `'::bytea`
	const cols = `INSERT INTO audit_event (id, shard, seq, at, actor, org, operation, persons, variables, purpose, prev_hash, hash) VALUES `
	for name, sql := range map[string]string{
		"a second event without prev_hash": cols + `(100, 5, 2, now(), 'a', 'o', 'op', '{}', NULL, '', NULL, ` + h + `)`,
		"a first event with a prev_hash":   cols + `(100, 5, 1, now(), 'a', 'o', 'op', '{}', NULL, '', ` + h + `, ` + h + `)`,
		"a seq of 0":                       cols + `(100, 5, 0, now(), 'a', 'o', 'op', '{}', NULL, '', ` + h + `, ` + h + `)`,
		"an event in a shard without seq":  cols + `(100, 5, NULL, now(), 'a', 'o', 'op', '{}', NULL, '', ` + h + `, ` + h + `)`,
		"a shard beyond 64":                cols + `(100, 65, 2, now(), 'a', 'o', 'op', '{}', NULL, '', ` + h + `, ` + h + `)`,
		// The legacy chain is closed: it takes no event after migration 015.
		"an event in the legacy chain": cols + `(100, 0, NULL, now(), 'a', 'o', 'op', '{}', NULL, '', ` + h + `, ` + h + `)`,
		"a hash that is not SHA-256":   cols + `(100, 5, 2, now(), 'a', 'o', 'op', '{}', NULL, '', ` + h + `, '\x01')`,
		"a name for a NIK":             cols + `(100, 5, 2, now(), 'a', 'o', 'op', '{Siti}', NULL, '', ` + h + `, ` + h + `)`,
		"a NULL among the persons":     cols + `(100, 5, 2, now(), 'a', 'o', 'op', '{1904011203850001,NULL}', NULL, '', ` + h + `, ` + h + `)`,
		"JSON null for no variables":   cols + `(100, 5, 2, now(), 'a', 'o', 'op', '{}', 'null', '', ` + h + `, ` + h + `)`,
		"no actor":                     cols + `(100, 5, 2, now(), '', 'o', 'op', '{}', NULL, '', ` + h + `, ` + h + `)`,
	} {
		var pgErr *pgconn.PgError
		if _, err := db.Pool.Exec(ctx, sql); !errors.As(err, &pgErr) || pgErr.Code != "23514" {
			t.Errorf("%s: err = %v, want a check violation", name, err)
		}
	}
	// An appender must say which chain its event is in.
	var pgErr *pgconn.PgError
	if _, err := db.Pool.Exec(ctx, `INSERT INTO audit_event (id, at, actor, org, operation, purpose, hash) VALUES (100, now(), 'a', 'o', 'op', '', `+h+`)`); !errors.As(err, &pgErr) || pgErr.Code != "23502" {
		t.Errorf("an event without a shard: err = %v, want a not-null violation", err)
	}
}

// TestAuditLogTamper tampers, as a superuser who switches the append-only
// trigger off, with a log of 10 legacy events (written before migration 015)
// and 6 events in each of two shards, A and B, then asks Verify which event
// is broken. Each case names the chain ("legacy", "A", "B" or "C", an empty
// shard) and the place (the id in the legacy chain, the seq in a shard) of
// the event Verify must name.
func TestAuditLogTamper(t *testing.T) {
	legacy := legacyEvents(10)
	tests := []struct {
		name   string
		sql    func(l *tamperLog) []string // run with the trigger off
		chain  string                      // "" for an intact log
		at     int64
		reason string
	}{
		{"legacy/edited", func(*tamperLog) []string {
			return []string{`UPDATE audit_event SET purpose = 'penelitian' WHERE shard = 0 AND id = 5`}
		}, "legacy", 5, "its hash does not match its contents"},
		{"legacy/edited and rehashed", func(*tamperLog) []string {
			ev := *legacy[4]
			ev.Purpose = "penelitian"
			return []string{fmt.Sprintf(`UPDATE audit_event SET purpose = 'penelitian', hash = '\x%x' WHERE shard = 0 AND id = 5`, ev.ComputeHash())}
		}, "legacy", 6, "its prev_hash does not match the hash of event 5"},
		{"legacy/deleted", func(*tamperLog) []string {
			return []string{`DELETE FROM audit_event WHERE shard = 0 AND id = 5`}
		}, "legacy", 6, "ids skip from 4 to 6 (an event is missing)"},
		// An event slipped in as id 5, rightly hashed and linked to event 4,
		// the later ones renumbered (id 11 was never used): the old event 5,
		// now 6, no longer hashes.
		{"legacy/inserted", func(*tamperLog) []string {
			forged := &audit.Event{ID: 5, At: legacy[4].At, Actor: "mallory", Operation: "query household", PrevHash: legacy[3].Hash}
			forged.Hash = forged.ComputeHash()
			return []string{
				`ALTER TABLE audit_event DROP CONSTRAINT audit_event_legacy_closed`,
				`UPDATE audit_event SET id = id + 1000000 WHERE shard = 0 AND id >= 5`,
				`UPDATE audit_event SET id = id - 999999 WHERE shard = 0 AND id > 1000000`,
				forgedSQL(forged),
			}
		}, "legacy", 6, "its hash does not match its contents"},
		{"shard/edited", func(l *tamperLog) []string {
			return []string{fmt.Sprintf(`UPDATE audit_event SET purpose = 'penelitian' WHERE shard = %d AND seq = 3`, l.shard("A"))}
		}, "A", 3, "its hash does not match its contents"},
		// Hiding a change from the household's trail.
		{"shard/households", func(l *tamperLog) []string {
			return []string{fmt.Sprintf(`UPDATE audit_event SET households = '{}' WHERE shard = %d AND seq = 3`, l.shard("A"))}
		}, "A", 3, "its hash does not match its contents"},
		{"shard/edited and rehashed", func(l *tamperLog) []string {
			ev := *l.evs["A"][2]
			ev.Purpose = "penelitian"
			return []string{fmt.Sprintf(`UPDATE audit_event SET purpose = 'penelitian', hash = '\x%x' WHERE shard = %d AND seq = 3`, ev.ComputeHash(), ev.Shard)}
		}, "A", 4, "its prev_hash does not match the hash of event"},
		{"shard/id", func(l *tamperLog) []string {
			return []string{fmt.Sprintf(`UPDATE audit_event SET id = id + 1000000 WHERE shard = %d AND seq = 3`, l.shard("A"))}
		}, "A", 3, "its hash does not match its contents"},
		{"shard/deleted", func(l *tamperLog) []string {
			return []string{fmt.Sprintf(`DELETE FROM audit_event WHERE shard = %d AND seq = 3`, l.shard("A"))}
		}, "A", 4, "skip from 2 to 4 (an event is missing)"},
		{"shard/the first deleted", func(l *tamperLog) []string {
			return []string{fmt.Sprintf(`DELETE FROM audit_event WHERE shard = %d AND seq = 1`, l.shard("B"))}
		}, "B", 2, "starts at seq 2, not 1 (an event is missing)"},
		// Removing an event and chaining the next to the one before it: the
		// next one's hash, which covers its seq and prev_hash, no longer
		// matches.
		{"shard/deleted and relinked", func(l *tamperLog) []string {
			a := l.shard("A")
			return []string{
				fmt.Sprintf(`DELETE FROM audit_event WHERE shard = %d AND seq = 3`, a),
				fmt.Sprintf(`UPDATE audit_event SET seq = seq + 1000000 WHERE shard = %d AND seq > 3`, a),
				fmt.Sprintf(`UPDATE audit_event SET seq = seq - 1000001 WHERE shard = %d AND seq > 1000000`, a),
				fmt.Sprintf(`UPDATE audit_event SET prev_hash = '\x%x' WHERE shard = %d AND seq = 3`, l.evs["A"][1].Hash, a),
			}
		}, "A", 3, "its hash does not match its contents"},
		// An event slipped in at seq 3 with an unused id between those of
		// seqs 2 and 3, rightly hashed and linked to seq 2, the later ones
		// renumbered: the old seq 3, now 4, no longer hashes.
		{"shard/inserted", func(l *tamperLog) []string {
			prev := l.evs["A"][1]
			forged := &audit.Event{ID: prev.ID + 1, Shard: prev.Shard, Seq: 3, At: prev.At, Actor: "mallory", Operation: "mutation recordBenefits", PrevHash: prev.Hash}
			forged.Hash = forged.ComputeHash()
			return []string{
				fmt.Sprintf(`UPDATE audit_event SET seq = seq + 1000000 WHERE shard = %d AND seq >= 3`, prev.Shard),
				fmt.Sprintf(`UPDATE audit_event SET seq = seq - 999999 WHERE shard = %d AND seq > 1000000`, prev.Shard),
				forgedSQL(forged),
			}
		}, "A", 4, "its hash does not match its contents"},
		// Moving an event to another shard: its hash covers its shard.
		{"shard/moved", func(l *tamperLog) []string {
			return []string{fmt.Sprintf(`UPDATE audit_event SET shard = %d, seq = 1, prev_hash = NULL WHERE shard = %d AND seq = 6`, l.shard("C"), l.shard("A"))}
		}, "C", 1, "its hash does not match its contents"},
		// Writing the same values back is no tampering: no false alarm from
		// jsonb rewriting its variables or time zones.
		{"the same values", func(l *tamperLog) []string {
			return []string{`UPDATE audit_event SET variables = variables::text::jsonb, at = at, roles = roles`}
		}, "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := newTamperLog(t)
			tamper(t, l.db, tt.sql(l)...)
			r, err := l.log.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			b := r.Broken
			if tt.chain == "" {
				if b != nil {
					t.Errorf("Verify = %v, want an intact log", b)
				}
				return
			}
			if b == nil || b.Shard != l.shard(tt.chain) || !strings.Contains(b.Reason, tt.reason) ||
				(b.Shard == 0 && b.ID != tt.at) || (b.Shard != 0 && b.Seq != tt.at) {
				t.Errorf("Verify = %v (%d checked), want %s event %d (shard %d) broken: %q", b, r.Checked, tt.chain, tt.at, l.shard(tt.chain), tt.reason)
			}
			// The event named is the one stored there.
			var id int64
			if b != nil && b.Shard != 0 {
				if err := l.db.Pool.QueryRow(context.Background(), `SELECT id FROM audit_event WHERE shard = $1 AND seq = $2`, b.Shard, b.Seq).Scan(&id); err != nil || id != b.ID {
					t.Errorf("Verify named event %d at shard %d, seq %d, where event %d is (%v)", b.ID, b.Shard, b.Seq, id, err)
				}
			}
		})
	}

	// Cutting off a shard's newest event leaves nothing pointing back at it:
	// the chains verify, but the heads kept from before show it.
	t.Run("shard/the newest deleted", func(t *testing.T) {
		t.Parallel()
		l := newTamperLog(t)
		before := verifyIntact(t, l.log, 22)
		tamper(t, l.db, fmt.Sprintf(`DELETE FROM audit_event WHERE shard = %d AND seq = 6`, l.shard("A")))
		after := verifyIntact(t, l.log, 21)
		if bytes.Equal(before.Digest(), after.Digest()) {
			t.Error("the heads' digest is unchanged after a shard's newest event was removed")
		}
		for _, h := range after.Heads {
			if h.Shard == l.shard("A") && (h.Seq != 5 || h.Events != 5) {
				t.Errorf("shard A's head = %+v, want seq 5 of 5 events", h)
			}
		}
	})
}

// tamperLog is a log to tamper with: legacy events 1 to 10, then 6 events
// about household A and 6 about household B, each in its own shard, and a
// shard C that holds none.
type tamperLog struct {
	db     *postgres.DB
	log    *postgres.AuditLog
	kks    map[string]string         // by chain name
	evs    map[string][]*audit.Event // by chain name, in seq order
	shards map[string]int
}

func (l *tamperLog) shard(name string) int { return l.shards[name] }

func newTamperLog(t *testing.T) *tamperLog {
	t.Helper()
	ctx := context.Background()
	db := pgtest.Open(t, legacyURL(t))
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	t.Cleanup(log.Close)
	kks := distinctShardKKs(3)
	l := &tamperLog{db: db, log: log, kks: map[string]string{"A": kks[0], "B": kks[1], "C": kks[2]},
		evs: map[string][]*audit.Event{}, shards: map[string]int{"legacy": 0}}
	for name, kk := range l.kks {
		l.shards[name] = audit.ShardOf(&audit.Event{Households: []string{kk}})
	}
	// A rolled-back append before each append uses up an id: ids 11, 13,
	// 15, … name no event, so that a tamperer has ids to slip events in.
	rollback := func() {
		err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
			if err := log.AppendTx(ctx, tx, auditEvent(nikHead)); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"A", "B"} {
		for i := range 6 {
			rollback()
			ev := auditEvent(auditNIK(i))
			ev.Households = []string{l.kks[name]}
			if i%2 == 0 {
				if err := log.Write(ctx, ev); err != nil {
					t.Fatal(err)
				}
			} else if err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error { return log.AppendTx(ctx, tx, ev) }); err != nil {
				t.Fatal(err)
			}
			l.evs[name] = append(l.evs[name], ev)
		}
	}
	verifyIntact(t, log, 22)
	return l
}

// forgedSQL returns the INSERT of e, as a tamperer would write it: no
// persons, households, fields or variables.
func forgedSQL(e *audit.Event) string {
	seq := "NULL"
	if e.Shard != 0 {
		seq = fmt.Sprint(e.Seq)
	}
	return fmt.Sprintf(`INSERT INTO audit_event (id, shard, seq, at, actor, org, operation, purpose, request_id, prev_hash, hash)
		VALUES (%d, %d, %s, '%s', '%s', '%s', '%s', '%s', '%s', '\x%x', '\x%x')`,
		e.ID, e.Shard, seq, e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Org, e.Operation, e.Purpose, e.RequestID, e.PrevHash, e.Hash)
}

// tamper runs sql with the append-only trigger switched off, as the table's
// owner or a superuser could, and commits.
func tamper(t *testing.T, db *postgres.DB, sql ...string) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update_delete`); err != nil {
			return err
		}
		for _, q := range sql {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		_, err := tx.Exec(ctx, `ALTER TABLE audit_event ENABLE ALWAYS TRIGGER audit_event_no_update_delete`)
		return err
	})
	if err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

func TestAuditLogTrail(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log.Close()

	// 25 events: A alone, B alone, then A and B together, in turn.
	var wantA []int64
	for i := range 25 {
		persons := [][]string{{nikHead}, {nikSpouse}, {nikHead, nikSpouse}}[i%3]
		ev := auditEvent(nikHead)
		ev.Persons = persons
		if err := log.Write(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(persons, nikHead) {
			wantA = append(wantA, ev.ID)
		}
	}
	slices.Reverse(wantA) // newest first

	var got []int64
	page := jaring.PageRequest{First: 5}
	for pages := 1; ; pages++ {
		evs, more, err := log.Trail(ctx, jaring.Unrestricted(), nikHead, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if !slices.Contains(ev.Persons, nikHead) {
				t.Errorf("Trail of A returned event %d about %v", ev.ID, ev.Persons)
			}
			got = append(got, ev.ID)
		}
		if wantMore := len(got) < len(wantA); more != wantMore {
			t.Errorf("page %d: more = %v, want %v", pages, more, wantMore)
		}
		if !more || pages > 10 {
			break
		}
		page.After = evs[len(evs)-1].ID
	}
	if !slices.Equal(got, wantA) {
		t.Errorf("Trail of A, paged = %v, want %v", got, wantA)
	}

	if evs, more, err := log.Trail(ctx, jaring.Unrestricted(), nikSingle, jaring.PageRequest{First: 5}); err != nil || len(evs) != 0 || more {
		t.Errorf("Trail of a person never seen = %d events, more %v, %v", len(evs), more, err)
	}
	if evs, more, err := log.Trail(ctx, jaring.Unrestricted(), nikHead, jaring.PageRequest{First: 0}); err != nil || len(evs) != 0 || !more {
		t.Errorf("Trail asking for 0 = %d events, more %v, %v; want none, more", len(evs), more, err)
	}
}

func BenchmarkAuditWrite(b *testing.B) {
	// parallelism=1 with -cpu=1 is one writer at a time: the latency of one
	// Write. The others show group commit at work.
	for _, p := range []int{1, 16} {
		b.Run(fmt.Sprintf("parallelism=%d", p), func(b *testing.B) {
			ctx := context.Background()
			var locks lockCounter
			db := pgtest.Open(b, pgtest.URL(b), postgres.WithTracer(&locks))
			log := postgres.NewAuditLog(db, postgres.AuditOptions{})
			defer log.Close()
			var i atomic.Int64
			b.SetParallelism(p)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := log.Write(ctx, auditEvent(auditNIK(int(i.Add(1))%100000))); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(b.N)/float64(max(locks.n.Load(), 1)), "events/tx")
		})
	}
}

// A trail is read within the reader's scope: a person outside it answers as
// one that does not exist, and an event that concerned persons and
// households on both sides shows the reader only its own.
func TestAuditTrailScope(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log.Close()
	ev := auditEvent(nikHead)
	ev.Persons = []string{nikHead, nikPHead}
	ev.Households = []string{kkKoba, kkPangkal}
	if err := log.Write(ctx, ev); err != nil {
		t.Fatal(err)
	}
	pangkal := jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04.02"}
	if _, _, err := log.Trail(ctx, pangkal, nikHead, jaring.PageRequest{First: 5}); jaring.ErrorCode(err) != jaring.ENOTFOUND {
		t.Errorf("the trail of a person out of scope: %v, want NOT_FOUND", err)
	}
	evs, _, err := log.Trail(ctx, pangkal, nikPHead, jaring.PageRequest{First: 5})
	if err != nil || len(evs) != 1 {
		t.Fatalf("trail = %v, %v", evs, err)
	}
	if got := evs[0]; strings.Join(got.Persons, ",") != nikPHead || strings.Join(got.Households, ",") != kkPangkal {
		t.Errorf("the event shows persons %v and households %v to a reader of 19.04.02, want only its own", got.Persons, got.Households)
	}
	// The stored event is whole: an unrestricted reader sees both.
	evs, _, _ = log.Trail(ctx, jaring.Unrestricted(), nikPHead, jaring.PageRequest{First: 5})
	if len(evs) != 1 || len(evs[0].Persons) != 2 || !bytes.Equal(evs[0].Hash, evs[0].ComputeHash()) {
		t.Errorf("the stored event = %+v", evs)
	}
}
