package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/donor"
	"github.com/jaring-id/jaring/internal/jaring"
)

// RecordBenefits records a batch of checked inputs in one transaction; see
// benefit.Store. The households the batch touches are locked first, in ID
// order (so that two batches never deadlock), and each input is checked
// against its household's ledger under that lock: no other approval for the
// household can slip in between the check and the write. The trigger
// benefit_no_double_aid (migrations 012 and 017) backs rule one in the
// database itself.
func (s *BenefitStore) RecordBenefits(ctx context.Context, actor jaring.Actor, inputs []benefit.Input) ([]benefit.Result, error) {
	var results []benefit.Result
	err := inWriteTx(ctx, s.db, func(tx pgx.Tx) error {
		r := newRecorder(tx, actor, len(inputs))
		// The households locked, and everything the batch reads
		// looked up at once, in one round trip.
		if err := r.prefetch(ctx, inputs); err != nil {
			return err
		}
		results = r.batch.results
		for i, in := range inputs {
			r.batch.current = i
			res, err := r.record(ctx, in)
			if err != nil {
				return fmt.Errorf("record benefit %d of the batch: %w", i, err)
			}
			results[i] = res
		}
		return r.finish(ctx, s.audit)
	})
	if err != nil {
		return nil, translate(err, "benefits")
	}
	return results, nil
}

// changes is what a transaction changed, for its audit event.
type changes struct {
	households []int64  // the households touched: the event names each, and every member
	persons    []string // NIKs of persons named beyond the households' members
	kks        []string // KKs named beyond the households touched, of households not in the register
	// kkOf holds the KK of households, when the caller knows each one's:
	// the event's chain is then known before the members are read, and its
	// lock is taken in the same round trip (queueAuditChange).
	kkOf map[int64]string
}

// auditChange appends the operation's audit event in tx, naming the
// households changed (KKs) and every member of them and every other person
// touched (NIKs), so that each one's trail shows the change. c is nil when
// nothing changed. A change with no audit log to record it in is refused:
// nothing changes unrecorded.
func auditChange(ctx context.Context, tx pgx.Tx, log *AuditLog, c *changes) error {
	b := &pgx.Batch{}
	cr, err := queueAuditChange(ctx, b, log, c)
	if cr == nil || err != nil {
		return err
	}
	if b.Len() > 0 {
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("name what the change touched: %w", err)
		}
	}
	return cr.write(ctx, tx, nil)
}

// changeRecord is the audit event of a change on its way (queueAuditChange).
type changeRecord struct {
	log     *AuditLog
	pending *audit.Pending
	c       *changes
	members map[int64]householdNames // by household ID, once the batch has run
	chain   *shardAppend             // the chain's lock and head, if queued with the names
}

type householdNames struct {
	kk      string
	members []string // NIKs
}

// queueAuditChange queues into b what auditChange sends before the event
// itself: the KKs and members of the households c names and, if c knows
// every one's KK (kkOf), the lock and head of the event's chain, so that the
// batch may carry the change's last write too and the event follows in one
// more round trip. It returns nil if there is nothing to record (see
// auditChange); write appends the event once b has run.
func queueAuditChange(ctx context.Context, b *pgx.Batch, log *AuditLog, c *changes) (*changeRecord, error) {
	pending := audit.PendingFrom(ctx)
	if c == nil || pending == nil {
		return nil, nil
	}
	if log == nil {
		return nil, errors.New("no audit log to record the change in")
	}
	cr := &changeRecord{log: log, pending: pending, c: c, members: map[int64]householdNames{}}
	if len(c.households) > 0 {
		b.Queue(`SELECT h.id, h.kk, coalesce(array_agg(p.nik) FILTER (WHERE p.nik IS NOT NULL), '{}')
			FROM household h LEFT JOIN person p ON p.household_id = h.id WHERE h.id = ANY($1) GROUP BY h.id`, c.households).Query(func(rows pgx.Rows) error {
			var id int64
			var n householdNames
			_, err := pgx.ForEachRow(rows, []any{&id, &n.kk, &n.members}, func() error {
				cr.members[id] = householdNames{n.kk, slices.Clone(n.members)}
				return nil
			})
			return err
		})
	}
	kks := slices.Clone(c.kks)
	for _, id := range c.households {
		kk, ok := c.kkOf[id]
		if !ok {
			return cr, nil // the chain is known once the KKs are read
		}
		kks = append(kks, kk)
	}
	// The chain of the event as it will be: by its first household, or, if
	// it names none, its first person (members come only with households).
	ev := pending.Event(kks, slices.Clone(c.persons))
	ev.Normalize()
	cr.chain = queueShardAppend(b, audit.ShardOf(ev), 1)
	return cr, nil
}

// write appends the event, in tx, after the batch queueAuditChange filled
// has run. It names the households of the change that touched reports
// (all of them if touched is nil), with their members.
func (cr *changeRecord) write(ctx context.Context, tx pgx.Tx, touched func(householdID int64) bool) error {
	kks, niks := slices.Clone(cr.c.kks), slices.Clone(cr.c.persons)
	for _, id := range cr.c.households {
		n, ok := cr.members[id]
		if !ok || (touched != nil && !touched(id)) {
			continue
		}
		kks, niks = append(kks, n.kk), append(niks, n.members...)
	}
	if err := cr.log.appendQueued(ctx, tx, cr.chain, cr.pending.Event(kks, niks)); err != nil {
		return err
	}
	cr.pending.Written()
	return nil
}

// recorder records benefits inside one transaction, remembering what it has
// looked up and the households it changed.
type recorder struct {
	tx        pgx.Tx
	actor     jaring.Actor // who records, within whose scope
	catalogue *benefit.Catalogue
	programs  map[string]*benefit.Program // by code
	scopes    map[string]benefit.Scope    // kind code → whom its aid goes to
	codes     map[codeKey]string          // program and organisation codes, for messages
	payers    map[string]int64
	touched   map[int64]bool // household IDs

	// The lookups of the inputs, made for all of them at once (prefetch).
	households map[string]int64             // KK → ID, of the households in scope the batch names
	persons    map[string]personRow         // NIK → the person, in scope
	refs       map[refKey]*benefit.Benefit  // the payers' references already used, pending ones included
	ledgers    map[int64][]*benefit.Benefit // household ID → the benefits held, pending ones included
	batch      *batch                       // the inserts held back, written in one statement
}

// personRow is a person a batch names, and their household.
type personRow struct {
	id, householdID int64
	kk              string
}

// refKey is a payer's reference.
type refKey struct {
	payerID int64
	ref     string
}

// batch is what a batch has decided to write and not written yet: the
// benefits accepted, each at the index of its input's result.
type batch struct {
	results []benefit.Result
	current int // the index of the input being decided
	pending []pendingBenefit
}

type pendingBenefit struct {
	at       int              // the index of its result
	in       benefit.Input    // what was sent
	b        *benefit.Benefit // as decided; the ledger and refs point at it until written
	override *benefit.Override
}

// newRecorder returns a recorder in tx for a batch of n inputs. Its
// catalogue of kinds and exclusions is read with the rest of what it looks
// up (prefetch).
func newRecorder(tx pgx.Tx, actor jaring.Actor, n int) *recorder {
	return &recorder{tx: tx, actor: actor, programs: map[string]*benefit.Program{}, scopes: map[string]benefit.Scope{},
		codes: map[codeKey]string{}, payers: map[string]int64{}, touched: map[int64]bool{},
		batch: &batch{results: make([]benefit.Result, n)}}
}

// changed is what the recorder changed, nil for nothing.
func (r *recorder) changed() *changes {
	if len(r.touched) == 0 {
		return nil
	}
	c := &changes{}
	for id := range r.touched {
		c.households = append(c.households, id)
	}
	slices.Sort(c.households)
	return c
}

// lockHouseholdsSQL locks the households of the KKs $1 and of the persons
// of the NIKs $2, in ID order, as every approval locks them. Each side of
// the union is a lookup on a unique index (KK, NIK), so the lock costs the
// same whatever the size of the register.
const lockHouseholdsSQL = `SELECT h.id FROM household h WHERE h.id IN (
		SELECT id FROM household WHERE kk = ANY($1)
		UNION SELECT household_id FROM person WHERE nik = ANY($2))
	ORDER BY h.id FOR UPDATE`

// record records one input. A refusal is a Result; the error is for faults
// that must abort the transaction.
func (r *recorder) record(ctx context.Context, in benefit.Input) (benefit.Result, error) {
	prog, err := r.program(in.Program)
	if err != nil {
		return refuseOrFail(in, err)
	}
	return r.recordProgram(ctx, in, prog, nil)
}

// recordProgram records in as a benefit of prog; check, if set, vets the
// household and person it is for before anything is written.
func (r *recorder) recordProgram(ctx context.Context, in benefit.Input, prog *benefit.Program, check func(householdID int64) error) (benefit.Result, error) {
	refuse := func(err *jaring.Error, clashes []benefit.Clash) (benefit.Result, error) {
		return benefit.Refused(in, err, clashes), nil
	}
	if in.Kind != "" && in.Kind != prog.KindCode {
		return refuse(jaring.Invalid("kind", "program %s is aid of kind %s, not %s", prog.Code, prog.KindCode, in.Kind), nil)
	}
	source := in.Source
	if source == "" {
		source = prog.Source
	}
	if err := benefit.MayRecord(r.actor, prog, source); err != nil {
		return refuseOrFail(in, err)
	}
	payerID, err := r.payer(in.Payer)
	if err != nil {
		return refuseOrFail(in, err)
	}

	var householdID int64
	var personID *int64
	switch r.scopes[prog.KindCode] {
	case benefit.PersonScope:
		if in.NIK == "" {
			return refuse(jaring.Invalid("nik", "program %s is aid to one person (kind %s): give the recipient's nik", prog.Code, prog.KindCode), nil)
		}
		p, ok := r.persons[in.NIK]
		if !ok {
			return refuseOrFail(in, jaring.WithField("nik", translate(pgx.ErrNoRows, "person with this NIK in the register that you may record for")))
		}
		if in.KK != "" && in.KK != p.kk {
			return refuse(jaring.Invalid("kk", "the person with this NIK belongs to another household than the one kk names"), nil)
		}
		householdID, personID = p.householdID, &p.id
	default:
		if in.NIK != "" {
			return refuse(jaring.Invalid("nik", "program %s is aid to a whole household (kind %s): give the household's kk, not a nik", prog.Code, prog.KindCode), nil)
		}
		var ok bool
		if householdID, ok = r.households[in.KK]; !ok {
			return refuseOrFail(in, jaring.WithField("kk", translate(pgx.ErrNoRows, "household with this KK in the register that you may record for")))
		}
	}
	if check != nil {
		if err := check(householdID); err != nil {
			return refuseOrFail(in, err)
		}
	}
	want := &benefit.Benefit{ProgramID: prog.ID, KindCode: prog.KindCode, Source: source, PayerID: payerID,
		HouseholdID: householdID, PersonID: personID, Amount: in.Amount, Period: in.Period,
		Status: benefit.Active, Channel: in.Channel, ExternalRef: in.ExternalRef}

	// The payer has used this reference before: the same benefit sent again
	// is harmless; a different one under the same reference is a mistake.
	before, err := r.byRef(ctx, payerID, in.ExternalRef)
	if err != nil {
		return benefit.Result{}, err
	}
	if before != nil {
		return repeated(in, want, before), nil
	}

	// The rules, against the household's ledger as it stands under the lock
	// (this transaction's own writes included, the batch's held back too).
	held, err := r.held(ctx, householdID)
	if err != nil {
		return benefit.Result{}, err
	}
	proposal := benefit.Proposal{HouseholdID: householdID, PersonID: personID, KindCode: prog.KindCode, ProgramID: prog.ID, Period: in.Period}
	clashes := r.catalogue.FindClashes(proposal, held)
	if slices.ContainsFunc(clashes, func(c benefit.Clash) bool { return c.Benefit.ID == 0 }) {
		// A clash with a benefit of this batch, not written yet: write
		// the batch so far, and name it by its ID.
		if err := r.flush(ctx); err != nil {
			return benefit.Result{}, err
		}
		if held, err = r.held(ctx, householdID); err != nil {
			return benefit.Result{}, err
		}
		clashes = r.catalogue.FindClashes(proposal, held)
	}
	if len(clashes) > 0 && in.Override == nil {
		msg, err := r.describe(ctx, clashes[0])
		if err != nil {
			return benefit.Result{}, err
		}
		return refuse(&jaring.Error{Code: jaring.EDOUBLEAID, Message: msg}, clashes)
	}
	var override *benefit.Override
	if len(clashes) > 0 {
		override = in.Override
	}
	if prog.OwnerID == nil {
		r.hold(in, want, override) // its household is touched when it is written (flush)
		return benefit.Result{ExternalRef: in.ExternalRef, Status: benefit.Recorded, Benefit: want, Clashes: clashes}, nil
	}
	// A donor's means are counted in the database: what the batch holds
	// back is written first, and this benefit on its own.
	if err := r.flush(ctx); err != nil {
		return benefit.Result{}, err
	}
	if err := r.withinMeans(ctx, prog, want); err != nil {
		return refuseOrFail(in, err)
	}
	got, err := r.insert(ctx, want, override)
	if err != nil {
		return refuseOrFail(in, err)
	}
	if got == nil { // another transaction recorded the same reference meanwhile
		before, err := r.recordedMeanwhile(ctx, payerID, in.ExternalRef)
		if err != nil {
			return benefit.Result{}, err
		}
		return repeated(in, want, before), nil
	}
	r.touched[householdID] = true
	r.written(got)
	return benefit.Result{ExternalRef: in.ExternalRef, Status: benefit.Recorded, Benefit: got, Clashes: clashes}, nil
}

// withinMeans checks, for a donor's program, that b fits its quota and
// budget (donor.Program.Admits). The program's row is locked first, so that
// two acceptances racing for its last place run one after the other and
// the second sees the first.
func (r *recorder) withinMeans(ctx context.Context, prog *benefit.Program, b *benefit.Benefit) error {
	p, err := findDonorProgram(ctx, r.tx, prog.ID, true)
	if jaring.ErrorCode(err) == jaring.ENOTFOUND {
		return nil // an organisation's own program with no published terms
	} else if err != nil {
		return err
	}
	recipient := "household_id = $2"
	id := b.HouseholdID
	if p.QuotaUnit == donor.Persons && b.PersonID != nil {
		recipient, id = "person_id = $2", *b.PersonID
	}
	unit := "household_id"
	if p.QuotaUnit == donor.Persons {
		unit = "coalesce(person_id, -household_id)"
	}
	var u donor.Usage
	var known bool
	if err := r.tx.QueryRow(ctx, `SELECT count(DISTINCT `+unit+`), coalesce(sum(amount), 0), coalesce(bool_or(`+recipient+`), false)
		FROM benefit WHERE program_id = $1 AND status <> 'CANCELLED'`, p.ID, id).Scan(&u.Recipients, &u.Spent, &known); err != nil {
		return err
	}
	return p.Admits(u, b.Amount, !known)
}

// byRef returns the payer's benefit with the given reference, nil if none.
func (r *recorder) byRef(ctx context.Context, payerID int64, ref string) (*benefit.Benefit, error) {
	b, ok := r.refs[refKey{payerID, ref}]
	if !ok || b.ID != 0 {
		return b, nil
	}
	// A benefit of this batch not written yet: write it, to answer with
	// what was recorded.
	if err := r.flush(ctx); err != nil {
		return nil, err
	}
	return r.refs[refKey{payerID, ref}], nil
}

// recordedMeanwhile reads, from the database and not the batch's caches,
// the payer's benefit with reference ref that another transaction wrote
// while this one was deciding: the one its insert made way for.
func (r *recorder) recordedMeanwhile(ctx context.Context, payerID int64, ref string) (*benefit.Benefit, error) {
	rows, _ := r.tx.Query(ctx, `SELECT `+benefitColumns+` FROM benefit b WHERE b.payer_id = $1 AND b.external_ref = $2`, payerID, ref)
	before, err := pgx.CollectExactlyOneRow(rows, scanBenefit)
	if err != nil {
		return nil, fmt.Errorf("read the benefit recorded meanwhile: %w", err)
	}
	return before, nil
}

// repeated answers an input whose payer and reference name a benefit
// recorded before.
func repeated(in benefit.Input, want, before *benefit.Benefit) benefit.Result {
	if !before.Same(want) {
		return benefit.Refused(in, &jaring.Error{Code: jaring.ECONFLICT, Field: "externalRef", Message: fmt.Sprintf(
			"externalRef: %s already names another benefit of %s (ID %d, recorded %s); give this benefit a reference of its own",
			in.ExternalRef, in.Payer, before.ID, before.RecordedAt.Format(time.DateOnly))}, nil)
	}
	return benefit.Result{ExternalRef: in.ExternalRef, Status: benefit.AlreadyRecorded, Benefit: before}
}

// insert writes b, with the override that let it past a clash, if any. It
// returns nil if the payer's reference was taken meanwhile.
func (r *recorder) insert(ctx context.Context, b *benefit.Benefit, o *benefit.Override) (*benefit.Benefit, error) {
	got, err := r.insertMany(ctx, []pendingBenefit{{b: b, override: o}})
	if err != nil || len(got) == 0 {
		return nil, err
	}
	return got[0], nil
}

// insertMany writes the benefits of ps in one statement, in a savepoint so
// that a refused insert does not abort the transaction, and returns those
// written: a benefit whose payer's reference is taken already is not.
func (r *recorder) insertMany(ctx context.Context, ps []pendingBenefit) ([]*benefit.Benefit, error) {
	b := &pgx.Batch{}
	q := queueInsert(b, ps)
	err := r.tx.SendBatch(ctx, b).Close()
	if q.err != nil {
		return nil, r.insertRefused(ctx, q.err)
	}
	if err != nil {
		return nil, err
	}
	return q.got, nil
}

// queuedInsert is an insert of benefits queued in a batch, once it has run:
// the benefits written, or the database's refusal.
type queuedInsert struct {
	got []*benefit.Benefit
	err error
}

// queueInsert queues the insert of ps into b, in the savepoint
// benefit_insert. If the database refuses it, nothing queued after it runs,
// and the transaction must roll back to the savepoint (insertRefused).
func queueInsert(b *pgx.Batch, ps []pendingBenefit) *queuedInsert {
	n := len(ps)
	var (
		programs, payers, households   = make([]int64, n), make([]int64, n), make([]int64, n)
		persons, orgs                  = make([]*int64, n), make([]*int64, n)
		amounts                        = make([]int64, n)
		starts, ends                   = make([]time.Time, n), make([]*time.Time, n)
		kinds, sources, channels, refs = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		reasons, bys                   = make([]*string, n), make([]*string, n)
	)
	for i, p := range ps {
		b := p.b
		programs[i], payers[i], households[i], persons[i] = b.ProgramID, b.PayerID, b.HouseholdID, b.PersonID
		amounts[i], starts[i], ends[i] = b.Amount, b.Period.Start, b.Period.End
		kinds[i], sources[i], channels[i], refs[i] = b.KindCode, string(b.Source), string(b.Channel), b.ExternalRef
		if o := p.override; o != nil {
			reasons[i], bys[i], orgs[i] = &o.Reason, &o.By, &o.OrgID
		}
	}
	q := &queuedInsert{}
	b.Queue(`SAVEPOINT benefit_insert`)
	b.Queue(`
		INSERT INTO benefit AS b (program_id, kind_code, source, payer_id, household_id, region_code, person_id,
			amount, period, status, channel, external_ref, exclusive, override_reason, override_by, override_org_id, override_at)
		SELECT x.program_id, x.kind_code, x.source, x.payer_id, h.id, h.region_code, x.person_id,
			x.amount, daterange(x.start_on, x.end_on, '[]'), 'ACTIVE', x.channel, x.external_ref,
			k.exclusive, x.reason, x.by_login, x.org_id, CASE WHEN x.reason IS NULL THEN NULL ELSE now() END
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
			$8::date[], $9::date[], $10::text[], $11::text[], $12::text[], $13::text[], $14::bigint[])
			WITH ORDINALITY AS x(program_id, kind_code, source, payer_id, household_id, person_id, amount,
				start_on, end_on, channel, external_ref, reason, by_login, org_id, ord)
		JOIN household h ON h.id = x.household_id
		JOIN benefit_kind k ON k.code = x.kind_code
		ORDER BY x.ord
		ON CONFLICT (payer_id, external_ref) DO NOTHING
		RETURNING `+benefitColumns,
		programs, kinds, sources, payers, households, persons, amounts, starts, ends, channels, refs, reasons, bys, orgs).Query(func(rows pgx.Rows) error {
		q.got, q.err = pgx.CollectRows(rows, scanBenefit)
		return q.err
	})
	b.Queue(`RELEASE SAVEPOINT benefit_insert`)
	return q
}

// insertRefused rolls the transaction back to before the insert the
// database refused with err, and returns err as a refusal.
func (r *recorder) insertRefused(ctx context.Context, err error) error {
	if _, rbErr := r.tx.Exec(ctx, `ROLLBACK TO SAVEPOINT benefit_insert`); rbErr != nil {
		return fmt.Errorf("roll back a refused insert of benefits: %w", rbErr)
	}
	if _, rbErr := r.tx.Exec(ctx, `RELEASE SAVEPOINT benefit_insert`); rbErr != nil {
		return fmt.Errorf("roll back a refused insert of benefits: %w", rbErr)
	}
	return translate(err, "benefit")
}

// describe is the DOUBLE_AID message for a clash.
func (r *recorder) describe(ctx context.Context, c benefit.Clash) (string, error) {
	program, err := r.code(ctx, "program", c.Benefit.ProgramID)
	if err != nil {
		return "", err
	}
	payer, err := r.code(ctx, "organisation", c.Benefit.PayerID)
	if err != nil {
		return "", err
	}
	return "This benefit " + benefit.DescribeClash(c, program, payer) + ".", nil
}

// codeKey names a row of program or organisation.
type codeKey struct {
	table string
	id    int64
}

// code returns the code of the program or organisation with the given ID.
func (r *recorder) code(ctx context.Context, table string, id int64) (string, error) {
	key := codeKey{table, id}
	if c, ok := r.codes[key]; ok {
		return c, nil
	}
	var c string
	if err := r.tx.QueryRow(ctx, `SELECT code FROM `+table+` WHERE id = $1`, id).Scan(&c); err != nil {
		return "", err
	}
	r.codes[key] = c
	return c, nil
}

// refuseOrFail turns a domain error into a refusal of the input, and passes
// any other error on to abort the transaction.
func refuseOrFail(in benefit.Input, err error) (benefit.Result, error) {
	var e *jaring.Error
	if errors.As(err, &e) && e.Code != jaring.EINTERNAL {
		return benefit.Refused(in, e, nil), nil
	}
	return benefit.Result{}, err
}

// program returns the program of the code an input names, as prefetch
// read it: a code it did not find is no program's.
func (r *recorder) program(code string) (*benefit.Program, error) {
	if p, ok := r.programs[code]; ok {
		return p, nil
	}
	return nil, jaring.WithField("program", translate(pgx.ErrNoRows, "program with the code "+code+"; the programs query lists them"))
}

// payer returns the ID of the organisation of the code an input names, as
// prefetch read it.
func (r *recorder) payer(code string) (int64, error) {
	if id, ok := r.payers[code]; ok {
		return id, nil
	}
	return 0, jaring.WithField("payer", translate(pgx.ErrNoRows, "organisation with the code "+code))
}

// prefetch looks up, for a whole batch at once and in one round trip, what
// recording each input reads: the catalogue of kinds and exclusions, its
// program and payer, its household or person (in the actor's scope), the
// payers' references already used, and the ledger of every household named
// in scope. The households are locked first (lockHouseholdsSQL): a pipeline
// runs its statements in order, each with a snapshot taken when it starts,
// so the references and ledgers are read as they stand under the locks.
func (r *recorder) prefetch(ctx context.Context, inputs []benefit.Input) error {
	var codes, payers, kks, niks, refs []string
	for _, in := range inputs {
		codes, payers, refs = append(codes, in.Program), append(payers, in.Payer), append(refs, in.ExternalRef)
		if in.KK != "" {
			kks = append(kks, in.KK)
		}
		if in.NIK != "" {
			niks = append(niks, in.NIK)
		}
	}
	r.households, r.persons = map[string]int64{}, map[string]personRow{}
	r.refs, r.ledgers = map[refKey]*benefit.Benefit{}, map[int64][]*benefit.Benefit{}

	b := &pgx.Batch{}
	var kinds []*benefit.Kind
	var xs []benefit.Exclusion
	b.Queue(kindsSQL).Query(func(rows pgx.Rows) error {
		var err error
		kinds, err = pgx.CollectRows(rows, scanKind)
		return err
	})
	b.Queue(exclusionsSQL).Query(func(rows pgx.Rows) error {
		var err error
		xs, err = pgx.CollectRows(rows, scanExclusion)
		return err
	})
	b.Queue(lockHouseholdsSQL, kks, niks)
	b.Queue(`SELECT `+programColumns+`, k.scope FROM program p
		JOIN benefit_kind k ON k.code = p.kind_code WHERE p.code = ANY($1)`, codes).Query(func(rows pgx.Rows) error {
		var p benefit.Program
		var scope benefit.Scope
		_, err := pgx.ForEachRow(rows, []any{&p.ID, &p.Code, &p.Name, &p.KindCode, &p.Source, &p.OwnerID, &scope}, func() error {
			prog := p
			r.programs[p.Code], r.scopes[p.KindCode] = &prog, scope
			return nil
		})
		return err
	})
	b.Queue(`SELECT id, code FROM organisation WHERE code = ANY($1)`, payers).Query(func(rows pgx.Rows) error {
		var id int64
		var code string
		_, err := pgx.ForEachRow(rows, []any{&id, &code}, func() error { r.payers[code] = id; return nil })
		return err
	})
	a := args{kks}
	householdsInScope := `SELECT h.id, h.kk FROM household h WHERE h.kk = ANY($1) AND ` + inScope(r.actor.Scope, &a, households)
	b.Queue(householdsInScope, a...).Query(func(rows pgx.Rows) error {
		var id int64
		var kk string
		_, err := pgx.ForEachRow(rows, []any{&id, &kk}, func() error { r.households[kk] = id; r.ledgers[id] = nil; return nil })
		return err
	})
	a = args{niks}
	personsInScope := `SELECT p.id, p.household_id, h.kk, p.nik FROM person p JOIN household h ON h.id = p.household_id
		WHERE p.nik = ANY($1) AND ` + inScope(r.actor.Scope, &a, persons)
	b.Queue(personsInScope, a...).Query(func(rows pgx.Rows) error {
		var pr personRow
		var nik string
		_, err := pgx.ForEachRow(rows, []any{&pr.id, &pr.householdID, &pr.kk, &nik}, func() error {
			r.persons[nik] = pr
			r.ledgers[pr.householdID] = nil
			return nil
		})
		return err
	})
	b.Queue(`SELECT `+benefitColumns+` FROM unnest($1::text[], $2::text[]) AS x(payer, ref)
		JOIN organisation o ON o.code = x.payer
		JOIN benefit b ON b.payer_id = o.id AND b.external_ref = x.ref`, payers, refs).Query(func(rows pgx.Rows) error {
		used, err := pgx.CollectRows(rows, scanBenefit)
		for _, b := range used {
			r.refs[refKey{b.PayerID, b.ExternalRef}] = b
		}
		return err
	})
	// The ledgers of the households above, by the same lookups: a
	// statement of the pipeline cannot take the IDs another one returns.
	// Should a person move between the two statements (a change that did
	// not wait for the lock), the benefit for them would name a household
	// they no longer belong to, which the foreign key from benefit to
	// person refuses: the batch never decides on a ledger it did not read.
	a = args{kks, niks, benefit.HeldStatuses}
	b.Queue(`SELECT `+benefitColumns+` FROM benefit b
		WHERE b.household_id IN (
			SELECT h.id FROM household h WHERE h.kk = ANY($1) AND `+inScope(r.actor.Scope, &a, households)+`
			UNION SELECT p.household_id FROM person p JOIN household h ON h.id = p.household_id
				WHERE p.nik = ANY($2) AND `+inScope(r.actor.Scope, &a, persons)+`)
		AND b.status = ANY($3) ORDER BY b.household_id, b.id`, a...).Query(func(rows pgx.Rows) error {
		ledger, err := pgx.CollectRows(rows, scanBenefit)
		for _, b := range ledger {
			r.ledgers[b.HouseholdID] = append(r.ledgers[b.HouseholdID], b)
		}
		return err
	})
	if err := r.tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("lock the households and read what the batch names: %w", err)
	}
	r.catalogue = benefit.NewCatalogue(kinds, xs)
	return nil
}

// held returns the benefits household holds, as the ledger stands under
// the lock: this transaction's writes included, and the batch's held back.
func (r *recorder) held(ctx context.Context, householdID int64) ([]*benefit.Benefit, error) {
	if bs, ok := r.ledgers[householdID]; ok {
		return slices.Clone(bs), nil
	}
	// Not read with the batch's lookups (see prefetch): read on its own.
	rows, _ := r.tx.Query(ctx, `SELECT `+benefitColumns+` FROM benefit b
		WHERE b.household_id = $1 AND b.status = ANY($2) ORDER BY b.id`, householdID, benefit.HeldStatuses)
	bs, err := pgx.CollectRows(rows, scanBenefit)
	if err != nil {
		return nil, err
	}
	r.ledgers[householdID] = bs
	return slices.Clone(bs), nil
}

// hold keeps b back, to be written with the rest of the batch; until then
// it is in the ledger and the references, with ID 0.
func (r *recorder) hold(in benefit.Input, b *benefit.Benefit, o *benefit.Override) {
	if o != nil {
		b.Override = &benefit.Override{Reason: o.Reason, By: o.By, OrgID: o.OrgID}
	}
	r.batch.pending = append(r.batch.pending, pendingBenefit{at: r.batch.current, in: in, b: b, override: o})
	r.ledgers[b.HouseholdID] = append(r.ledgers[b.HouseholdID], b)
	r.refs[refKey{b.PayerID, b.ExternalRef}] = b
}

// written notes a benefit written on its own in a batch's caches.
func (r *recorder) written(b *benefit.Benefit) {
	if _, ok := r.ledgers[b.HouseholdID]; ok {
		r.ledgers[b.HouseholdID] = append(r.ledgers[b.HouseholdID], b)
	}
	r.refs[refKey{b.PayerID, b.ExternalRef}] = b
}

// flush writes the benefits the batch holds back, in one statement, and
// fills each in where the batch's results, ledger and references point at
// it (settle). Should the statement fail, each is written on its own, so
// that the one at fault is refused and the others are written.
func (r *recorder) flush(ctx context.Context) error {
	if len(r.batch.pending) == 0 {
		return nil
	}
	pending := r.batch.pending
	r.batch.pending = nil
	got, err := r.insertMany(ctx, pending)
	if err != nil {
		return r.insertFailed(ctx, pending, err)
	}
	return r.settle(ctx, pending, got)
}

// insertFailed writes pending one by one after their insert together
// failed with err, unless err is a fault that must abort the transaction.
func (r *recorder) insertFailed(ctx context.Context, pending []pendingBenefit, err error) error {
	if jaring.ErrorCode(err) == jaring.EINTERNAL {
		return err
	}
	return r.writeEach(ctx, pending)
}

// settle fills in the benefits of pending that the insert wrote (got)
// where the batch points at them; one whose reference another transaction
// took meanwhile answers as that one does.
func (r *recorder) settle(ctx context.Context, pending []pendingBenefit, got []*benefit.Benefit) error {
	byRef := make(map[refKey]*benefit.Benefit, len(got))
	for _, b := range got {
		byRef[refKey{b.PayerID, b.ExternalRef}] = b
	}
	for _, p := range pending {
		key := refKey{p.b.PayerID, p.b.ExternalRef}
		if b, ok := byRef[key]; ok {
			*p.b = *b // the ledger, the references and the result point at it
			r.touched[b.HouseholdID] = true
			continue
		}
		if err := r.takenMeanwhile(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// finish ends a batch: it writes the benefits held back and appends the
// audit event of everything the batch changed. The insert, the names of the
// households it changes and the lock of the event's chain go in one round
// trip, the event in a second: the chain is known before the insert, as the
// batch knows the KK of every household it may touch. Should the insert be
// refused, the benefits are written one by one (flush) and the event
// follows on its own.
func (r *recorder) finish(ctx context.Context, log *AuditLog) error {
	pending := r.batch.pending
	r.batch.pending = nil
	// What the batch changes if every insert is written.
	may := slices.Collect(maps.Keys(r.touched))
	for _, p := range pending {
		may = append(may, p.b.HouseholdID)
	}
	var expected *changes
	if len(may) > 0 {
		slices.Sort(may)
		expected = &changes{households: slices.Compact(may), kkOf: r.kkOf()}
	}
	b := &pgx.Batch{}
	var ins *queuedInsert
	if len(pending) > 0 {
		ins = queueInsert(b, pending)
	}
	cr, err := queueAuditChange(ctx, b, log, expected)
	if err != nil {
		return err
	}
	if b.Len() == 0 {
		return nil
	}
	err = r.tx.SendBatch(ctx, b).Close()
	if ins != nil && ins.err != nil {
		// Nothing after the insert ran: write each, then the event.
		if err := r.insertFailed(ctx, pending, r.insertRefused(ctx, ins.err)); err != nil {
			return err
		}
		return auditChange(ctx, r.tx, log, r.changed())
	}
	if err != nil {
		return fmt.Errorf("write the batch: %w", err)
	}
	if ins != nil {
		if err := r.settle(ctx, pending, ins.got); err != nil {
			return err
		}
	}
	if cr == nil || len(r.touched) == 0 {
		return nil // nothing changed: every reference was taken meanwhile
	}
	return cr.write(ctx, r.tx, func(id int64) bool { return r.touched[id] })
}

// kkOf is the KK of each household the batch found in scope.
func (r *recorder) kkOf() map[int64]string {
	m := make(map[int64]string, len(r.households)+len(r.persons))
	for kk, id := range r.households {
		m[id] = kk
	}
	for _, p := range r.persons {
		m[p.householdID] = p.kk
	}
	return m
}

// writeEach writes pending benefits one by one, each in a savepoint, after
// the statement that wrote them together failed: the one at fault is
// refused, with its error.
func (r *recorder) writeEach(ctx context.Context, pending []pendingBenefit) error {
	for _, p := range pending {
		want := *p.b
		got, err := r.insert(ctx, &want, p.override)
		switch {
		case err != nil:
			res, err := refuseOrFail(p.in, err)
			if err != nil {
				return err
			}
			r.batch.results[p.at] = res
			p.b.Status = benefit.Cancelled // held no more: out of the ledger's reckoning
			// Nor recorded: a later input with its reference is new.
			delete(r.refs, refKey{p.b.PayerID, p.b.ExternalRef})
		case got == nil:
			if err := r.takenMeanwhile(ctx, p); err != nil {
				return err
			}
		default:
			*p.b = *got
			r.touched[got.HouseholdID] = true
		}
	}
	return nil
}

// takenMeanwhile answers a pending benefit whose reference another
// transaction wrote first, as an input that repeats it.
func (r *recorder) takenMeanwhile(ctx context.Context, p pendingBenefit) error {
	before, err := r.recordedMeanwhile(ctx, p.b.PayerID, p.b.ExternalRef)
	if err != nil {
		return err
	}
	want := *p.b
	r.batch.results[p.at] = repeated(p.in, &want, before)
	*p.b = *before
	return nil
}
