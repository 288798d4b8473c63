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
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
)

// legacyEvents returns n events as Jaring wrote them before migration 015:
// one chain, ids 1 to n, hashed under version 1 (no request ID) or 2 (with
// one), about the fixture's head of household Koba.
func legacyEvents(n int) []*audit.Event {
	evs := make([]*audit.Event, n)
	var prev []byte
	for i := range evs {
		e := auditEvent(nikHead)
		e.ID, e.PrevHash = int64(i+1), prev
		e.At = time.Date(2026, time.March, 2, 9, 0, i, 123456000, time.UTC)
		if i%3 == 1 {
			e.RequestID = fmt.Sprintf("req-legacy-%d", i)
		}
		e.Normalize()
		e.Hash = e.ComputeHash()
		evs[i], prev = e, e.Hash
	}
	return evs
}

// legacyURL returns the URL of a fresh database that holds legacyEvents(10),
// written at schema version 14 in the columns of then, and then migrated to
// the newest schema: a database of before the shards, upgraded.
func legacyURL(t *testing.T) string {
	t.Helper()
	name := pgtest.Template(t, "legacy-audit", func(db *postgres.DB) error {
		ctx := context.Background()
		url := db.Pool.Config().ConnString()
		db.Close()
		if err := postgres.MigrateTo(ctx, url, 14); err != nil {
			return err
		}
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		for _, e := range legacyEvents(10) {
			if _, err := conn.Exec(ctx, `INSERT INTO audit_event (id, at, actor, org, roles, operation, persons, households, fields, variables, purpose, request_id, prev_hash, hash)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
				e.ID, e.At, e.Actor, e.Org, e.Roles, e.Operation, e.Persons, e.Households, e.Fields, string(e.Variables), e.Purpose, e.RequestID, e.PrevHash, e.Hash); err != nil {
				return err
			}
		}
		// Migration 015 rewrites no row: the table keeps its file.
		var before, after uint32
		if err := conn.QueryRow(ctx, `SELECT pg_relation_filenode('audit_event')`).Scan(&before); err != nil {
			return err
		}
		if err := postgres.Migrate(ctx, url, nil); err != nil {
			return err
		}
		if err := conn.QueryRow(ctx, `SELECT pg_relation_filenode('audit_event')`).Scan(&after); err != nil {
			return err
		}
		if after != before {
			return fmt.Errorf("migration 015 rewrote audit_event (file %d, now %d)", before, after)
		}
		return nil
	})
	return pgtest.CloneOf(t, name)
}

// distinctShardKKs returns n KKs, each of another shard.
func distinctShardKKs(n int) []string {
	var kks []string
	seen := map[int]bool{}
	for i := 0; len(kks) < n; i++ {
		kk := fmt.Sprintf("19040105069%05d", i)
		if s := audit.ShardOf(&audit.Event{Households: []string{kk}}); !seen[s] {
			seen[s] = true
			kks = append(kks, kk)
		}
	}
	return kks
}

// kkOtherShard returns a KK whose events go to another shard than kk's.
func kkOtherShard(t *testing.T, kk string) string {
	t.Helper()
	for _, other := range distinctShardKKs(2) {
		if audit.ShardOf(&audit.Event{Households: []string{other}}) != audit.ShardOf(&audit.Event{Households: []string{kk}}) {
			return other
		}
	}
	t.Fatal("no KK of another shard")
	return ""
}

// householdEvent returns an event about the household kk.
func householdEvent(kk string, i int) *audit.Event {
	ev := auditEvent(auditNIK(i))
	ev.Operation = "mutation recordBenefits"
	ev.Households = []string{kk}
	return ev
}

// A database written before the shards verifies after migration 015 as it
// did before: its events are the legacy chain, untouched. New events go to
// the shards, with ids after the legacy ones, and the whole log verifies;
// the legacy chain takes no more events, and the migration does not go down
// past events it could not keep.
func TestAuditLegacyChainAfterMigration(t *testing.T) {
	ctx := context.Background()
	url := legacyURL(t)
	db := pgtest.Open(t, url)
	if _, err := db.Pool.Exec(ctx, fixtureSQL); err != nil {
		t.Fatal(err)
	}
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log.Close()

	legacy := legacyEvents(10)
	r := verifyIntact(t, log, 10)
	if want := []audit.Head{{Shard: 0, Events: 10, ID: 10, Hash: legacy[9].Hash}}; len(r.Heads) != 1 || r.Heads[0].Shard != 0 ||
		r.Heads[0].Events != 10 || r.Heads[0].ID != 10 || !bytes.Equal(r.Heads[0].Hash, want[0].Hash) {
		t.Errorf("heads after migration = %+v, want %+v", r.Heads, want)
	}
	// Nothing was rewritten: each row holds what was written, seq NULL.
	var rewritten int64
	for _, e := range legacy {
		var n int64
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_event WHERE id = $1 AND shard = 0 AND seq IS NULL AND hash = $2 AND request_id = $3`,
			e.ID, e.Hash, e.RequestID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		rewritten += 1 - n
	}
	if rewritten != 0 {
		t.Errorf("%d legacy events are not as written", rewritten)
	}

	// New events: in the shards, after the legacy ids, read back alongside
	// the legacy ones, each hashing as stored.
	read := auditEvent(nikHead)
	if err := log.Write(ctx, read); err != nil {
		t.Fatal(err)
	}
	change := householdEvent(kkKoba, 1)
	change.Persons = []string{nikHead}
	if err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error { return log.AppendTx(ctx, tx, change) }); err != nil {
		t.Fatal(err)
	}
	if read.ID != 11 || read.Shard == 0 || read.Seq != 1 || change.ID != 12 || change.Shard != read.Shard || change.Seq != 2 {
		t.Errorf("new events = id %d shard %d seq %d, id %d shard %d seq %d; want ids 11 and 12, seqs 1 and 2 of Koba's shard",
			read.ID, read.Shard, read.Seq, change.ID, change.Shard, change.Seq)
	}
	trail, _, err := log.Trail(ctx, jaring.Unrestricted(), nikHead, jaring.PageRequest{First: 20})
	if err != nil || len(trail) != 12 || trail[0].ID != 12 || trail[11].ID != 1 {
		t.Fatalf("trail = %d events, %v; want 12, newest first", len(trail), err)
	}
	for _, e := range trail {
		if !bytes.Equal(e.ComputeHash(), e.Hash) {
			t.Errorf("event %d (shard %d) read back does not hash as stored", e.ID, e.Shard)
		}
	}
	r = verifyIntact(t, log, 12)
	if len(r.Heads) != 2 || r.Heads[1].Shard != read.Shard || r.Heads[1].Seq != 2 || !bytes.Equal(r.Heads[1].Hash, change.Hash) {
		t.Errorf("heads = %+v, want the legacy chain's and Koba's shard's", r.Heads)
	}

	// The legacy chain is closed: an event appended to it as before 015
	// (id max+1, shard 0) is refused.
	next := *legacy[9]
	next.ID, next.PrevHash, next.Hash = 13, legacy[9].Hash, nil
	next.Hash = next.ComputeHash()
	var pgErr *pgconn.PgError
	if _, err := db.Pool.Exec(ctx, forgedSQL(&next)); !errors.As(err, &pgErr) || pgErr.ConstraintName != "audit_event_legacy_closed" {
		t.Errorf("an event appended to the legacy chain: %v, want audit_event_legacy_closed", err)
	}

	// Down past 015 would lose the shards' events: refused, nothing changed.
	db.Close()
	if err := postgres.MigrateTo(ctx, url, 14); err == nil || !strings.Contains(err.Error(), "not going down past 015") {
		t.Errorf("MigrateTo(14) with events in shards = %v, want a refusal", err)
	}
	db = pgtest.Open(t, url)
	log2 := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log2.Close()
	verifyIntact(t, log2, 12)
}

// Two transactions that record changes to households of different shards
// do not wait for each other: one holds its shard's lock open, the other
// commits meanwhile, and so does a read recorded by the group commit. A
// change to the same household waits until the first commits.
func TestAuditShardsSideBySide(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, pgtest.URL(t), postgres.WithMaxConns(8))
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log.Close()
	kks := distinctShardKKs(2)
	a, b := kks[0], kks[1]

	held, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback(ctx)
	first := householdEvent(a, 0)
	if err := log.AppendTx(ctx, held, first); err != nil {
		t.Fatal(err)
	}

	// Bounded, so that a regression fails instead of hanging.
	bounded, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	other := householdEvent(b, 1)
	if err := pgx.BeginFunc(bounded, db.Pool, func(tx pgx.Tx) error { return log.AppendTx(bounded, tx, other) }); err != nil {
		t.Fatalf("a change to a household of another shard, while one is open: %v (it waited?)", err)
	}
	read := householdEvent(b, 2)
	read.Operation = "query household"
	if err := log.Write(bounded, read); err != nil {
		t.Fatalf("a read of a household of another shard, while a change is open: %v (it waited?)", err)
	}

	// The same household: its append waits for the shard's lock.
	same := householdEvent(a, 3)
	done := make(chan error, 1)
	go func() {
		done <- pgx.BeginFunc(bounded, db.Pool, func(tx pgx.Tx) error { return log.AppendTx(bounded, tx, same) })
	}()
	for {
		var waiting bool
		if err := db.Pool.QueryRow(bounded, `SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND NOT granted)`).Scan(&waiting); err != nil {
			t.Fatalf("the same household's change never waited for the shard lock: %v", err)
		}
		if waiting {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("a change to the same household committed while the first was open (%v)", err)
		case <-time.After(5 * time.Millisecond): // poll again
		}
	}
	if err := held.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if same.Shard != first.Shard || same.Seq != first.Seq+1 || !bytes.Equal(same.PrevHash, first.Hash) {
		t.Errorf("the waiting change = shard %d seq %d, want seq %d of shard %d after the first", same.Shard, same.Seq, first.Seq+1, first.Shard)
	}
	verifyIntact(t, log, 4)
}

// Events about one household stay in its shard, in the order they were
// appended, whoever appends them and however many append at once: writers
// for 12 households (two of them sharing a shard), by Write and by
// AppendTx, some rolled back, all at once.
func TestAuditShardPerHousehold(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, pgtest.URL(t), postgres.WithMaxConns(24))
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log.Close()

	kks := distinctShardKKs(11)
	// One more KK in the shard of the first: two households of one shard.
	for i := 0; ; i++ {
		kk := fmt.Sprintf("19040105068%05d", i)
		if audit.ShardOf(&audit.Event{Households: []string{kk}}) == audit.ShardOf(&audit.Event{Households: []string{kks[0]}}) {
			kks = append(kks, kk)
			break
		}
	}
	const each = 15
	written := make([][]*audit.Event, 2*len(kks)) // by writer
	var wg sync.WaitGroup
	for w := range written {
		kk := kks[w%len(kks)]
		byTx := w >= len(kks)
		wg.Go(func() {
			for i := range each {
				ev := householdEvent(kk, w*each+i)
				ev.Variables = json.RawMessage(fmt.Sprintf(`{"writer":%d,"i":%d}`, w, i))
				if !byTx {
					if err := log.Write(ctx, ev); err != nil {
						t.Error(err)
						return
					}
					written[w] = append(written[w], ev)
					continue
				}
				err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
					if err := log.AppendTx(ctx, tx, ev); err != nil {
						return err
					}
					if i%4 == 3 {
						return errRollback
					}
					return nil
				})
				switch {
				case err == nil:
					written[w] = append(written[w], ev)
				case !errors.Is(err, errRollback):
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	var total int64
	for w, evs := range written {
		total += int64(len(evs))
		want := audit.ShardOf(&audit.Event{Households: []string{kks[w%len(kks)]}})
		for i, ev := range evs {
			if ev.Shard != want {
				t.Errorf("writer %d, event %d: in shard %d, want its household's, %d", w, i, ev.Shard, want)
			}
			if i > 0 && (ev.Seq <= evs[i-1].Seq || ev.ID <= evs[i-1].ID) {
				t.Errorf("writer %d: event %d got seq %d, id %d after seq %d, id %d", w, i, ev.Seq, ev.ID, evs[i-1].Seq, evs[i-1].ID)
			}
		}
	}
	// As stored: each household's events in one shard, seq rising with id.
	rows, _ := db.Pool.Query(ctx, `SELECT households[1], count(DISTINCT shard), bool_and(seq IS NOT NULL),
			count(*) FILTER (WHERE ord_seq <> ord_id)
		FROM (SELECT households, shard, seq, row_number() OVER (PARTITION BY households[1] ORDER BY seq) ord_seq,
				row_number() OVER (PARTITION BY households[1] ORDER BY id) ord_id FROM audit_event) e
		GROUP BY households[1]`)
	var kk string
	var shards, misordered int64
	var sequenced bool
	n := 0
	if _, err := pgx.ForEachRow(rows, []any{&kk, &shards, &sequenced, &misordered}, func() error {
		n++
		if shards != 1 || !sequenced || misordered != 0 {
			t.Errorf("household %s: events in %d shards, %d out of order", kk, shards, misordered)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(kks) {
		t.Errorf("events about %d households, want %d", n, len(kks))
	}
	r := verifyIntact(t, log, total)
	if len(r.Heads) != len(kks)-1 {
		t.Errorf("%d shards hold events, want %d", len(r.Heads), len(kks)-1)
	}
	if !slices.IsSortedFunc(r.Heads, func(a, b audit.Head) int { return a.Shard - b.Shard }) {
		t.Errorf("heads not in shard order: %+v", r.Heads)
	}
}

// Transactions that append several events about households of different
// shards, in opposite orders, alongside group commits that span many shards,
// neither deadlock nor fork a chain: a transaction's events all go to the
// shard of its first (it holds one shard lock), and the group commit takes
// its locks in ascending order.
func TestAuditShardsNoDeadlock(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db := pgtest.Open(t, pgtest.URL(t), postgres.WithMaxConns(24))
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log.Close()
	kks := distinctShardKKs(8)

	const workers, rounds = 8, 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	var total int64
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				first, second := kks[(w+i)%len(kks)], kks[(w+i+1)%len(kks)]
				if w%2 == 1 {
					first, second = second, first
				}
				a, b := householdEvent(first, 2*i), householdEvent(second, 2*i+1)
				err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
					if err := log.AppendTx(ctx, tx, a); err != nil {
						return err
					}
					return log.AppendTx(ctx, tx, b)
				})
				if err != nil {
					t.Errorf("worker %d, round %d: %v", w, i, err)
					return
				}
				if b.Shard != a.Shard || b.Seq != a.Seq+1 {
					t.Errorf("worker %d: a transaction's second event went to shard %d, seq %d, after shard %d, seq %d", w, b.Shard, b.Seq, a.Shard, a.Seq)
				}
				read := householdEvent(kks[(w*3+i)%len(kks)], i)
				read.Operation = "query household"
				if err := log.Write(ctx, read); err != nil {
					t.Errorf("worker %d, round %d: %v", w, i, err)
					return
				}
				mu.Lock()
				total += 3
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	verifyIntact(t, log, total)
}
