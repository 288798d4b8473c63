package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/jaring"
)

// auditShardLock is the key of the advisory lock that serialises appends to
// the audit chain of shard 0 ("JARING", 1, 0); shard s's is auditShardLock+s.
// Every appender, in every process, takes the lock of a shard with
// pg_advisory_xact_lock before it reads the shard's newest event. (The key of
// the single chain lock before migration 015, "JARING", 0, 1, is no longer
// taken.)
const auditShardLock int64 = 0x4a4152494e470100

// auditTxShard is the setting, local to a transaction, that holds the shard
// whose lock AppendTx took in it: later AppendTx calls in the same
// transaction append to that shard too, so that a transaction holds one shard
// lock and two transactions never wait for each other's shard locks in
// opposite orders (a deadlock).
const auditTxShard = "jaring.audit_shard"

// auditFlushTimeout bounds one group commit, so that a database that stops
// answering fails the waiting writers instead of holding them for ever.
const auditFlushTimeout = 30 * time.Second

// AuditOptions tune the group commit of AuditLog.Write.
type AuditOptions struct {
	// MaxBatch is the most events written in one transaction; 0 means 256.
	MaxBatch int
	// MaxWait is the longest the writer waits, after the first event of a
	// batch arrives, for others to join it; 0 means 2ms, a negative value
	// means it takes only the events already waiting. It stops waiting
	// sooner once as many have joined as joined the batch before.
	MaxWait time.Duration
	// OnBatch, if set, is told the number of events of each group commit
	// after it ends, whether it committed or not; the server's metrics
	// count them. It runs on the writer, so it must be quick.
	OnBatch func(events int)
}

// AuditLog appends audit events to the hash chains in audit_event, one per
// shard (see audit.Shards and migration 015), and reads them back. Its
// methods are safe for concurrent use.
//
// Every append, by Write or AppendTx, from this process or any other, runs
// the same steps in one transaction: take the lock of each shard it appends
// to, in ascending order, read each one's newest event's seq and hash, draw
// ids from audit_event_id_seq, give the new events the seqs that follow and
// chain their hashes, insert them. See appendEvents for why that keeps each
// chain whole.
type AuditLog struct {
	db   *DB
	opts AuditOptions

	reqs      chan *auditRequest
	queued    atomic.Int64 // events handed to the writer and not yet answered
	lastBatch int          // the size of the last batch; only the writer uses it
	start     sync.Once
	done      chan struct{} // closed when the writer has stopped
	mu        sync.RWMutex  // guards closed against senders
	closed    bool
	senders   sync.WaitGroup // Writes that may still send on reqs
	closeOnce sync.Once
}

type auditRequest struct {
	ev   *audit.Event
	done chan error // told the outcome, once
}

// NewAuditLog returns an AuditLog on db. Its writer starts with the first
// Write; call Close to stop it.
func NewAuditLog(db *DB, opts AuditOptions) *AuditLog {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.MaxWait == 0 {
		opts.MaxWait = 2 * time.Millisecond
	}
	return &AuditLog{
		db:   db,
		opts: opts,
		reqs: make(chan *auditRequest, opts.MaxBatch),
		done: make(chan struct{}),
	}
}

// errAuditLogClosed is returned by Write after Close.
var errAuditLogClosed = errors.New("append audit event: the audit log is closed")

// Write appends ev to the chain and returns once the transaction that holds
// it has committed. Concurrent Writes share transactions
// (group commit): one writer collects up to MaxBatch waiting events, waiting
// at most MaxWait after the first, and appends them in one transaction.
//
// Write normalises a copy of ev (see audit.Event.Normalize), sets its At to
// now if it is zero and its RequestID to ctx's (jaring.RequestID) if it has
// none, and on success copies it back, with the ID, PrevHash and
// Hash it was given. Returns EINVALID if the event cannot be stored.
//
// If ctx ends first, Write returns ctx.Err() and leaves ev as it was, but the
// event may still be written: once handed to the writer it is part of the
// next batch. A caller that must know reads the trail afterwards.
//
// Write must not be called by a goroutine whose open transaction has run
// AppendTx: the writer may wait for that transaction's shard lock.
func (l *AuditLog) Write(ctx context.Context, ev *audit.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e := cloneEvent(ev)
	if err := prepareEvent(ctx, e); err != nil {
		return err
	}
	req := &auditRequest{ev: e, done: make(chan error, 1)}

	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return errAuditLogClosed
	}
	l.senders.Add(1)
	l.mu.RUnlock()
	l.start.Do(l.startWriter)
	l.queued.Add(1)
	select {
	case l.reqs <- req:
		l.senders.Done()
	case <-ctx.Done():
		l.queued.Add(-1)
		l.senders.Done()
		return ctx.Err()
	}

	select {
	case err := <-req.done:
		if err == nil {
			*ev = *e
		}
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the writer once every event handed to it is written. Writes
// that come after it fail. Close does not close db.
func (l *AuditLog) Close() {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		// No Write can start sending now; wait for those that might, so
		// that closing the channel cannot panic one of them.
		l.senders.Wait()
		l.start.Do(l.startWriter)
		close(l.reqs)
		<-l.done
	})
}

// Queued returns the number of events handed to Write that are not yet
// written: waiting for the writer, or in the group commit under way.
func (l *AuditLog) Queued() int { return int(l.queued.Load()) }

func (l *AuditLog) startWriter() { go l.run() }

// run is the writer: it turns waiting requests into batches until reqs is
// closed and drained.
func (l *AuditLog) run() {
	defer close(l.done)
	batch := make([]*auditRequest, 0, l.opts.MaxBatch)
	for first := range l.reqs {
		batch = l.collect(append(batch[:0], first))
		l.flush(batch)
		clear(batch) // let the events go
	}
}

// collect adds to batch the requests already waiting, then those that come
// within MaxWait of the first, up to MaxBatch.
//
// It stops waiting early once the batch is as large as the one before it:
// writers that were answered together tend to come back together, and
// waiting longer for writers that may not exist only adds latency. A lone
// writer therefore never waits, and a crowd of them is gathered in about the
// time they take to come back. When fewer come back than last time, the wait
// runs to MaxWait once and the target shrinks.
func (l *AuditLog) collect(batch []*auditRequest) []*auditRequest {
	var timeout <-chan time.Time
	if l.opts.MaxWait > 0 {
		t := time.NewTimer(l.opts.MaxWait)
		defer t.Stop()
		timeout = t.C
	}
	defer func() { l.lastBatch = len(batch) }()
	for len(batch) < l.opts.MaxBatch {
		select {
		case r, ok := <-l.reqs:
			if !ok {
				return batch
			}
			batch = append(batch, r)
			continue
		default:
		}
		if timeout == nil || len(batch) >= l.lastBatch {
			return batch
		}
		select {
		case r, ok := <-l.reqs:
			if !ok {
				return batch
			}
			batch = append(batch, r)
		case <-timeout:
			return batch
		}
	}
	return batch
}

// flush appends the batch in one transaction and tells each writer the
// outcome. If the database refuses the batch's data, each event is tried on
// its own, so that one bad event fails only its own Write.
func (l *AuditLog) flush(batch []*auditRequest) {
	defer func() {
		l.queued.Add(-int64(len(batch)))
		if l.opts.OnBatch != nil {
			l.opts.OnBatch(len(batch))
		}
	}()
	evs := make([]*audit.Event, len(batch))
	for i, r := range batch {
		evs[i] = r.ev
	}
	err := l.appendBatch(evs)
	var pgErr *pgconn.PgError
	if err != nil && len(batch) > 1 && errors.As(err, &pgErr) &&
		(strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "23")) {
		for _, r := range batch {
			r.done <- l.appendBatch([]*audit.Event{r.ev})
		}
		return
	}
	for _, r := range batch {
		r.done <- err
	}
}

// appendBatch appends evs in one transaction of two round trips: BEGIN, the
// locks of the shards the events belong in, the read of their newest events
// and the ids go together, then the insert and COMMIT. The pipeline runs its
// statements one after another, so the read's snapshot is still taken after
// the locks are held (see appendEvents).
func (l *AuditLog) appendBatch(evs []*audit.Event) error {
	ctx, cancel := context.WithTimeout(context.Background(), auditFlushTimeout)
	defer cancel()
	conn, err := l.db.Pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("append audit events: %w", err)
	}
	// A connection released inside a transaction (after an error) is closed
	// by the pool, not reused.
	defer conn.Release()

	for _, e := range evs {
		e.Shard = audit.ShardOf(e)
	}
	head := &pgx.Batch{}
	head.Queue(`BEGIN`)
	heads := queueShardHeads(head, evs)
	if err := conn.SendBatch(ctx, head).Close(); err != nil {
		return fmt.Errorf("append audit events: take the shard locks: %w", err)
	}
	heads.chain(evs)
	tail := &pgx.Batch{}
	values := make([]string, len(evs))
	args := make([]any, 0, len(evs)*auditColumnCount)
	for i, e := range evs {
		ph := make([]string, auditColumnCount)
		for j := range ph {
			ph[j] = fmt.Sprintf("$%d", i*auditColumnCount+j+1)
		}
		values[i] = "(" + strings.Join(ph, ", ") + ")"
		args = append(args, auditRow(e)...)
	}
	tail.Queue(`INSERT INTO audit_event (`+auditColumns+`) VALUES `+strings.Join(values, ", "), args...)
	tail.Queue(`COMMIT`)
	if err := conn.SendBatch(ctx, tail).Close(); err != nil {
		return fmt.Errorf("append audit events: %w", err)
	}
	return nil
}

// shardHeads is what the head of an append read: the newest seq and hash of
// each shard appended to, and the ids drawn for the events, ascending.
type shardHeads struct {
	seq  map[int]int64
	hash map[int][]byte
	ids  []int64
}

// queueShardHeads queues the locks of the shards of evs (their Shard set), in
// ascending order, then the read of each one's newest event and the drawing
// of len(evs) ids, into the shardHeads it returns, which the batch fills in.
// The locks and the read are two statements: see appendEvents.
func queueShardHeads(b *pgx.Batch, evs []*audit.Event) *shardHeads {
	var shards []int16
	for _, e := range evs {
		shards = append(shards, int16(e.Shard))
	}
	slices.Sort(shards)
	shards = slices.Compact(shards)
	// unnest yields the keys in the array's order, so the locks are taken
	// in ascending order, as every appender takes them.
	keys := make([]int64, len(shards))
	for i, s := range shards {
		keys[i] = auditShardLock + int64(s)
	}
	b.Queue(`SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) k`, keys)
	return queueHeadsAndIDs(b, `unnest($1::smallint[])`, []any{shards}, len(evs))
}

// queueHeadsAndIDs queues the read of the newest event of each shard that
// the SQL shards yields (taking args) and the drawing of n ids.
func queueHeadsAndIDs(b *pgx.Batch, shards string, args []any, n int) *shardHeads {
	h := &shardHeads{seq: map[int]int64{}, hash: map[int][]byte{}}
	b.Queue(`SELECT s.shard, coalesce(last.seq, 0), last.hash FROM `+shards+` s(shard)
		LEFT JOIN LATERAL (SELECT seq, hash FROM audit_event e WHERE e.shard = s.shard ORDER BY e.seq DESC LIMIT 1) last ON true`, args...).
		Query(func(rows pgx.Rows) error {
			var shard int16
			var seq int64
			var hash []byte
			_, err := pgx.ForEachRow(rows, []any{&shard, &seq, &hash}, func() error {
				h.seq[int(shard)], h.hash[int(shard)] = seq, bytes.Clone(hash)
				return nil
			})
			return err
		})
	b.Queue(`SELECT nextval('audit_event_id_seq') FROM generate_series(1, $1::int)`, n).Query(func(rows pgx.Rows) error {
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		slices.Sort(ids)
		h.ids = ids
		return err
	})
	return h
}

// chain gives evs, in order, the ids drawn and, within each shard, the seqs
// and hashes that follow the shard's newest event.
func (h *shardHeads) chain(evs []*audit.Event) {
	for i, e := range evs {
		seq, prev := h.seq[e.Shard], h.hash[e.Shard]
		e.ID, e.Seq, e.PrevHash = h.ids[i], seq+1, bytes.Clone(prev)
		e.Hash = e.ComputeHash()
		h.seq[e.Shard], h.hash[e.Shard] = e.Seq, e.Hash
	}
}

// AppendTx appends ev to a chain inside tx, so that a change and its record
// commit together or not at all. Like Write, it normalises a copy of ev, sets
// its At to now if it is zero and its RequestID to ctx's if it has none, and
// on success copies it back with its ID, Shard, Seq, PrevHash and Hash (the
// slices of ev itself are never sorted in place, so they may be shared); if
// tx then rolls back, no event was appended and those values name nothing
// (its id is used up, its seq is not). Returns EINVALID if the event cannot
// be stored.
//
// The event goes to its shard (audit.ShardOf), or, if tx has appended
// before, to the shard of tx's first event, so that a transaction holds one
// shard lock. From here until tx ends, tx holds that lock and every other
// append to the shard waits for it: call AppendTx last, just before commit.
// Appends to other shards do not wait. tx must be READ COMMITTED (the
// default); under a stricter isolation level begun earlier, tx may not see
// the shard's newest event and the append fails on the unique (shard, seq)
// (never forking the chain).
func (l *AuditLog) AppendTx(ctx context.Context, tx pgx.Tx, ev *audit.Event) error {
	return l.appendQueued(ctx, tx, nil, ev)
}

// appendQueued appends ev as AppendTx does; if sa is not nil, to the chain
// whose lock and head sa queued in a batch of tx that has run
// (queueAuditChange), one round trip less.
func (l *AuditLog) appendQueued(ctx context.Context, tx pgx.Tx, sa *shardAppend, ev *audit.Event) error {
	e := cloneEvent(ev)
	if err := prepareEvent(ctx, e); err != nil {
		return err
	}
	var err error
	if sa == nil {
		err = appendEvents(ctx, tx, []*audit.Event{e})
	} else {
		err = sa.insert(ctx, tx, []*audit.Event{e})
	}
	if err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	*ev = *e
	return nil
}

// prepareEvent puts ev in its stored form and checks it. An event made
// during a request without naming it takes the request's ID from ctx, so
// that every event of a request carries it, whichever service made it.
func prepareEvent(ctx context.Context, ev *audit.Event) error {
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
	if ev.RequestID == "" {
		ev.RequestID = jaring.RequestID(ctx)
	}
	ev.Normalize()
	return ev.Validate()
}

func cloneEvent(ev *audit.Event) *audit.Event {
	e := *ev
	e.Roles = slices.Clone(ev.Roles)
	e.Persons = slices.Clone(ev.Persons)
	e.Households = slices.Clone(ev.Households)
	e.Fields = slices.Clone(ev.Fields)
	e.Variables = bytes.Clone(ev.Variables)
	return &e
}

const auditColumns = `id, shard, seq, at, actor, org, roles, operation, persons, households, fields, variables, purpose, request_id, prev_hash, hash`

// auditColumnCount is the number of auditColumns.
const auditColumnCount = 16

// appendEvents appends evs, in order, to one chain inside tx: that of the
// shard of tx's first append, or else of evs[0].
//
// Why this keeps each chain whole: the shard's pg_advisory_xact_lock is taken
// before its newest event is read and is held until tx commits or rolls
// back, so appenders to one shard run one after another, in every process
// that shares the database. PostgreSQL releases a transaction's locks only
// after its commit is visible to others, and under READ COMMITTED each
// statement takes a new snapshot when it starts, so the SELECT that follows
// the lock sees every event committed to the shard by the appenders before
// this one, the newest included. The lock and the read must therefore be two
// statements: one statement's snapshot would be taken before it waited for
// the lock. No appender can read a newest event that another is about to
// follow too, so no two events of a shard share a predecessor; the unique
// (shard, seq) refuses any that tried (an appender under REPEATABLE READ with
// an older snapshot), and a rolled-back append leaves no trace in the chain.
// Ids are drawn after the lock, so within a shard they rise with seq.
//
// The group commit (appendBatch) takes several shards' locks, always in
// ascending order; a transaction of AppendTx takes one. No two appenders can
// therefore each hold a lock the other waits for.
func appendEvents(ctx context.Context, tx pgx.Tx, evs []*audit.Event) error {
	// The lock, the read and the ids go in one round trip (a pipeline runs
	// its statements one after another), so the shard is held a round trip
	// less.
	head := &pgx.Batch{}
	sa := queueShardAppend(head, audit.ShardOf(evs[0]), len(evs))
	if err := tx.SendBatch(ctx, head).Close(); err != nil {
		return fmt.Errorf("take audit shard lock and read newest event: %w", err)
	}
	return sa.insert(ctx, tx, evs)
}

// shardAppend is an append to one chain inside a transaction, in two steps:
// queueShardAppend queues the chain's lock, the read of its newest event and
// the drawing of ids into a batch, which may carry other statements before
// them (the caller's last writes); insert chains the events and inserts
// them once the batch has run.
type shardAppend struct {
	shard int16
	heads *shardHeads
}

// queueShardAppend queues, into b, the lock of shard (or of the shard the
// transaction appended to before: the setting is local to it and ends with
// it), the read of its newest event and the drawing of n ids.
func queueShardAppend(b *pgx.Batch, shard int, n int) *shardAppend {
	sa := &shardAppend{}
	b.Queue(`SELECT s, pg_advisory_xact_lock($2::bigint + s), set_config('`+auditTxShard+`', s::text, true)
		FROM (SELECT coalesce(nullif(current_setting('`+auditTxShard+`', true), '')::smallint, $1::smallint) AS s) x`,
		shard, auditShardLock).QueryRow(func(row pgx.Row) error { return row.Scan(&sa.shard, nil, nil) })
	// missing_ok: the statement means something only after the one above,
	// but plans alike without it (TestWritePathsUseIndexes explains it alone).
	sa.heads = queueHeadsAndIDs(b, `(SELECT current_setting('`+auditTxShard+`', true)::smallint)`, nil, n)
	return sa
}

// insert gives evs, as many as queueShardAppend was told, the shard locked,
// their ids, seqs and hashes, and inserts them in tx.
func (sa *shardAppend) insert(ctx context.Context, tx pgx.Tx, evs []*audit.Event) error {
	if len(evs) != len(sa.heads.ids) {
		return fmt.Errorf("append audit events: %d events for %d ids drawn", len(evs), len(sa.heads.ids))
	}
	for _, e := range evs {
		e.Shard = int(sa.shard)
	}
	sa.heads.chain(evs)
	var err error
	if len(evs) == 1 {
		_, err = tx.Exec(ctx, `INSERT INTO audit_event (`+auditColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			auditRow(evs[0])...)
		return err
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"audit_event"}, strings.Split(auditColumns, ", "),
		pgx.CopyFromSlice(len(evs), func(i int) ([]any, error) { return auditRow(evs[i]), nil }))
	return err
}

func auditRow(e *audit.Event) []any {
	var vars any // NULL, not JSON null
	if len(e.Variables) > 0 {
		vars = string(e.Variables)
	}
	var seq any // NULL in the legacy chain
	if e.Shard != 0 {
		seq = e.Seq
	}
	return []any{e.ID, int16(e.Shard), seq, e.At, e.Actor, e.Org, nonNil(e.Roles), e.Operation, nonNil(e.Persons), nonNil(e.Households),
		nonNil(e.Fields), vars, e.Purpose, e.RequestID, e.PrevHash, e.Hash}
}

// nonNil makes a nil list an empty array: the columns are NOT NULL.
func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

func scanAuditEvent(row pgx.CollectableRow) (*audit.Event, error) {
	var e audit.Event
	var vars []byte
	var seq *int64
	err := row.Scan(&e.ID, &e.Shard, &seq, &e.At, &e.Actor, &e.Org, &e.Roles, &e.Operation, &e.Persons, &e.Households, &e.Fields,
		&vars, &e.Purpose, &e.RequestID, &e.PrevHash, &e.Hash)
	if vars != nil {
		e.Variables = vars
	}
	if seq != nil {
		e.Seq = *seq
	}
	return &e, err
}

// auditFetchSize is how many events Verify holds in memory at a time.
const auditFetchSize = 1000

// Verify checks every chain (see audit.Verify) as of one snapshot: the
// legacy chain in id order, then shards 1 to audit.Shards in seq order, each
// read through a cursor in slices of auditFetchSize events, so that a log of
// any length is checked in constant memory. It returns what audit.Verify
// found: the number of events found intact, the first that is not (or nil),
// and the head of each chain.
func (l *AuditLog) Verify(ctx context.Context) (audit.Report, error) {
	tx, err := l.db.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return audit.Report{}, fmt.Errorf("verify audit chains: %w", err)
	}
	defer tx.Rollback(ctx)
	// Two cursors, each served by an index in its order: the legacy chain
	// by the primary key, the shards by the unique (shard, seq).
	cursors := []string{
		`DECLARE audit_verify_0 NO SCROLL CURSOR FOR SELECT ` + auditColumns + ` FROM audit_event WHERE shard = 0 ORDER BY id`,
		`DECLARE audit_verify_1 NO SCROLL CURSOR FOR SELECT ` + auditColumns + ` FROM audit_event WHERE shard <> 0 ORDER BY shard, seq`,
	}
	for _, c := range cursors {
		if _, err := tx.Exec(ctx, c); err != nil {
			return audit.Report{}, fmt.Errorf("verify audit chains: %w", err)
		}
	}
	var buf []*audit.Event
	cursor, end := 0, false
	next := func() (*audit.Event, error) {
		for len(buf) == 0 && cursor < len(cursors) {
			if end {
				cursor, end = cursor+1, false
				continue
			}
			rows, _ := tx.Query(ctx, fmt.Sprintf(`FETCH FORWARD %d FROM audit_verify_%d`, auditFetchSize, cursor))
			evs, err := pgx.CollectRows(rows, scanAuditEvent)
			if err != nil {
				return nil, err
			}
			buf, end = evs, len(evs) < auditFetchSize
		}
		if len(buf) == 0 {
			return nil, nil
		}
		e := buf[0]
		buf[0], buf = nil, buf[1:]
		return e, nil
	}
	r, err := audit.Verify(next)
	if err != nil {
		return r, fmt.Errorf("verify audit chains: %w", err)
	}
	return r, nil
}

// Trail returns a page of the events concerning the person with the given
// NIK, newest first, and whether more follow it: the processing trail that
// UU PDP lets a person ask for. page.After, when above 0, is the ID of the
// last event of the previous page. The GIN index on persons serves it.
//
// The person must be one whose household is in scope (ENOTFOUND otherwise),
// and each event lists only the persons and households in scope: a batch
// that touched households of two districts shows an auditor of one only its
// own. What is shown is a view; the stored event, and its hash, are whole.
func (l *AuditLog) Trail(ctx context.Context, scope jaring.Scope, nik string, page jaring.PageRequest) ([]*audit.Event, bool, error) {
	page.First = max(page.First, 0)
	a := args{nik}
	var seen bool
	if err := l.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM person p WHERE p.nik = $1 AND `+inScope(scope, &a, persons)+`)`, a...).Scan(&seen); err != nil {
		return nil, false, translate(err, "person")
	}
	if !seen {
		return nil, false, jaring.Errorf(jaring.ENOTFOUND, "No person with that NIK that you may see.")
	}
	before := page.After
	if before <= 0 {
		before = math.MaxInt64
	}
	a = args{nik, before, page.First + 1}
	personsShown, householdsShown := "e.persons", "e.households"
	if scope.Households != jaring.AllHouseholds {
		personsShown = `ARRAY(SELECT u.x FROM unnest(e.persons) WITH ORDINALITY u(x, n)
			WHERE EXISTS (SELECT 1 FROM person p WHERE p.nik = u.x AND ` + inScope(scope, &a, persons) + `) ORDER BY u.n)`
		householdsShown = `ARRAY(SELECT u.x FROM unnest(e.households) WITH ORDINALITY u(x, n)
			WHERE EXISTS (SELECT 1 FROM household h WHERE h.kk = u.x AND ` + inScope(scope, &a, households) + `) ORDER BY u.n)`
	}
	rows, _ := l.db.Pool.Query(ctx, `SELECT e.id, e.shard, e.seq, e.at, e.actor, e.org, e.roles, e.operation, `+personsShown+`, `+householdsShown+`,
			e.fields, e.variables, e.purpose, e.request_id, e.prev_hash, e.hash
		FROM audit_event e WHERE e.persons @> ARRAY[$1::text] AND e.id < $2 ORDER BY e.id DESC LIMIT $3`, a...)
	evs, err := pgx.CollectRows(rows, scanAuditEvent)
	if err != nil {
		return nil, false, translate(err, "audit trail")
	}
	if len(evs) > page.First {
		return evs[:page.First], true, nil
	}
	return evs, false, nil
}
