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

// auditChainLock is the key of the advisory lock that serialises appends to
// the audit chain ("JARING", 0, 1). Every appender, in every process, takes it
// with pg_advisory_xact_lock before it reads the newest event.
const auditChainLock int64 = 0x4a4152494e470001

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

// AuditLog appends audit events to the hash chain in audit_event and reads
// them back. Its methods are safe for concurrent use.
//
// Every append, by Write or AppendTx, from this process or any other, runs
// the same steps in one transaction: take the chain lock, read the newest
// event's id and hash, give the new events the ids that follow and chain
// their hashes, insert them. See appendEvents for why that keeps the chain
// whole.
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
// AppendTx: the writer would wait for that transaction's chain lock.
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
// chain lock and the read of the newest event go together, then the insert
// and COMMIT. The pipeline runs its statements one after another, so the
// read's snapshot is still taken after the lock is held (see appendEvents).
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

	var lastID int64
	var lastHash []byte
	head := &pgx.Batch{}
	head.Queue(`BEGIN`)
	queueChainHead(head, &lastID, &lastHash)
	if err := conn.SendBatch(ctx, head).Close(); err != nil {
		return fmt.Errorf("append audit events: take the chain lock: %w", err)
	}
	chain(evs, lastID, lastHash)
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

// queueChainHead queues the chain lock and, after it, the read of the newest
// event into lastID and lastHash (left zero for an empty chain). The lock
// and the read are two statements: see appendEvents.
func queueChainHead(b *pgx.Batch, lastID *int64, lastHash *[]byte) {
	b.Queue(`SELECT pg_advisory_xact_lock($1)`, auditChainLock)
	b.Queue(`SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1`).QueryRow(func(row pgx.Row) error {
		err := row.Scan(lastID, lastHash)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
}

// chain gives evs, in order, the IDs and hashes that follow the event
// lastID whose hash is lastHash.
func chain(evs []*audit.Event, lastID int64, lastHash []byte) {
	for _, e := range evs {
		e.ID, e.PrevHash = lastID+1, bytes.Clone(lastHash)
		e.Hash = e.ComputeHash()
		lastID, lastHash = e.ID, e.Hash
	}
}

// AppendTx appends ev to the chain inside tx, so that a change and its record
// commit together or not at all. Like Write, it normalises a copy of ev, sets
// its At to now if it is zero and its RequestID to ctx's if it has none, and
// on success copies it back with its ID,
// PrevHash and Hash (the slices of ev itself are never sorted in place, so
// they may be shared); if tx then rolls back, no event was appended and
// those values name nothing. Returns EINVALID if the event cannot be stored.
//
// From here until tx ends, tx holds the chain lock and every other append
// waits for it: call AppendTx last, just before commit. tx must be READ
// COMMITTED (the default); under a stricter isolation level begun earlier,
// tx may not see the newest event and the append fails on the primary key
// (never forking the chain).
func (l *AuditLog) AppendTx(ctx context.Context, tx pgx.Tx, ev *audit.Event) error {
	e := cloneEvent(ev)
	if err := prepareEvent(ctx, e); err != nil {
		return err
	}
	if err := appendEvents(ctx, tx, []*audit.Event{e}); err != nil {
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

const auditColumns = `id, at, actor, org, roles, operation, persons, households, fields, variables, purpose, request_id, prev_hash, hash`

// auditColumnCount is the number of auditColumns.
const auditColumnCount = 14

// appendEvents appends evs, in order, to the chain inside tx.
//
// Why this keeps the chain whole: pg_advisory_xact_lock is taken before the
// newest event is read and is held until tx commits or rolls back, so
// appenders run one after another, in every process that shares the
// database. PostgreSQL releases a transaction's locks only after its commit
// is visible to others, and under READ COMMITTED each statement takes a new
// snapshot when it starts, so the SELECT that follows the lock sees every
// event committed by the appenders before this one, the newest included. The
// lock and the read must therefore be two statements: one statement's
// snapshot would be taken before it waited for the lock. No appender can read
// a newest event that another is about to follow too, so no two events share
// a predecessor; the primary key on id refuses any that tried (an appender
// under REPEATABLE READ with an older snapshot), and a rolled-back append
// leaves no trace, not even a used id.
func appendEvents(ctx context.Context, tx pgx.Tx, evs []*audit.Event) error {
	// The lock and the read go in one round trip (a pipeline runs its
	// statements one after another), so the chain is held a round trip less.
	var lastID int64
	var lastHash []byte
	head := &pgx.Batch{}
	queueChainHead(head, &lastID, &lastHash)
	if err := tx.SendBatch(ctx, head).Close(); err != nil {
		return fmt.Errorf("take audit chain lock and read newest event: %w", err)
	}
	var err error
	chain(evs, lastID, lastHash)
	if len(evs) == 1 {
		_, err = tx.Exec(ctx, `INSERT INTO audit_event (`+auditColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
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
	return []any{e.ID, e.At, e.Actor, e.Org, nonNil(e.Roles), e.Operation, nonNil(e.Persons), nonNil(e.Households),
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
	err := row.Scan(&e.ID, &e.At, &e.Actor, &e.Org, &e.Roles, &e.Operation, &e.Persons, &e.Households, &e.Fields,
		&vars, &e.Purpose, &e.RequestID, &e.PrevHash, &e.Hash)
	if vars != nil {
		e.Variables = vars
	}
	return &e, err
}

// auditFetchSize is how many events Verify holds in memory at a time.
const auditFetchSize = 1000

// Verify checks the whole chain (see audit.Verify) as of one snapshot,
// reading it through a cursor in slices of auditFetchSize events, so that a
// chain of any length is checked in constant memory. It returns the number
// of events found intact and the first that is not, or a nil *audit.Broken.
func (l *AuditLog) Verify(ctx context.Context) (checked int64, broken *audit.Broken, err error) {
	tx, err := l.db.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, nil, fmt.Errorf("verify audit chain: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `DECLARE audit_verify NO SCROLL CURSOR FOR SELECT `+auditColumns+` FROM audit_event ORDER BY id`); err != nil {
		return 0, nil, fmt.Errorf("verify audit chain: %w", err)
	}
	var buf []*audit.Event
	end := false
	next := func() (*audit.Event, error) {
		if len(buf) == 0 && !end {
			rows, _ := tx.Query(ctx, fmt.Sprintf(`FETCH FORWARD %d FROM audit_verify`, auditFetchSize))
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
	checked, broken, err = audit.Verify(next)
	if err != nil {
		return checked, nil, fmt.Errorf("verify audit chain: %w", err)
	}
	return checked, broken, nil
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
	rows, _ := l.db.Pool.Query(ctx, `SELECT e.id, e.at, e.actor, e.org, e.roles, e.operation, `+personsShown+`, `+householdsShown+`,
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
