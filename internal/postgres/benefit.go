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
	"github.com/jaring-id/jaring/internal/jaring"
)

// BenefitStore keeps the ledger and its catalogues.
type BenefitStore struct {
	db    *DB
	audit *AuditLog
}

var _ benefit.Store = (*BenefitStore)(nil)

// NewBenefitStore returns a BenefitStore on db that records its changes in
// log, in the transaction that makes them.
func NewBenefitStore(db *DB, log *AuditLog) *BenefitStore { return &BenefitStore{db: db, audit: log} }

// Periods are stored as canonical dateranges [start, end+1); these columns
// give them back with both ends included.
const benefitColumns = `b.id, b.program_id, b.kind_code, b.source, b.payer_id, b.household_id, b.person_id,
	b.amount, lower(b.period), upper(b.period) - 1, b.status, b.channel, b.external_ref, b.recorded_at`

func scanBenefit(row pgx.CollectableRow) (*benefit.Benefit, error) {
	var b benefit.Benefit
	err := row.Scan(&b.ID, &b.ProgramID, &b.KindCode, &b.Source, &b.PayerID, &b.HouseholdID, &b.PersonID,
		&b.Amount, &b.Period.Start, &b.Period.End, &b.Status, &b.Channel, &b.ExternalRef, &b.RecordedAt)
	return &b, err
}

// FindBenefitsByHouseholds returns every benefit of the given households,
// their members' included.
func (s *BenefitStore) FindBenefitsByHouseholds(ctx context.Context, householdIDs []int64) ([]*benefit.Benefit, error) {
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+benefitColumns+` FROM benefit b WHERE b.household_id = ANY($1)
		ORDER BY b.household_id, lower(b.period), b.id`, householdIDs)
	bs, err := pgx.CollectRows(rows, scanBenefit)
	return bs, translate(err, "benefits")
}

// FindBenefitsByPersons returns every benefit of the given persons.
func (s *BenefitStore) FindBenefitsByPersons(ctx context.Context, personIDs []int64) ([]*benefit.Benefit, error) {
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+benefitColumns+` FROM benefit b WHERE b.person_id = ANY($1)
		ORDER BY b.person_id, lower(b.period), b.id`, personIDs)
	bs, err := pgx.CollectRows(rows, scanBenefit)
	return bs, translate(err, "benefits")
}

// FindBenefitsByIDs returns the benefits with the given IDs.
func (s *BenefitStore) FindBenefitsByIDs(ctx context.Context, ids []int64) ([]*benefit.Benefit, error) {
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+benefitColumns+` FROM benefit b WHERE b.id = ANY($1)`, ids)
	bs, err := pgx.CollectRows(rows, scanBenefit)
	return bs, translate(err, "benefits")
}

const programColumns = `p.id, p.code, p.name, p.kind_code, p.source, p.owner_id`

func scanProgram(row pgx.CollectableRow) (*benefit.Program, error) {
	var p benefit.Program
	err := row.Scan(&p.ID, &p.Code, &p.Name, &p.KindCode, &p.Source, &p.OwnerID)
	return &p, err
}

// FindPrograms returns every program, ordered by code.
func (s *BenefitStore) FindPrograms(ctx context.Context) ([]*benefit.Program, error) {
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+programColumns+` FROM program p ORDER BY p.code`)
	ps, err := pgx.CollectRows(rows, scanProgram)
	return ps, translate(err, "programs")
}

// FindProgramsByIDs returns the programs with the given IDs.
func (s *BenefitStore) FindProgramsByIDs(ctx context.Context, ids []int64) ([]*benefit.Program, error) {
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+programColumns+` FROM program p WHERE p.id = ANY($1)`, ids)
	ps, err := pgx.CollectRows(rows, scanProgram)
	return ps, translate(err, "programs")
}

// FindKinds returns every kind of aid, ordered by code.
func (s *BenefitStore) FindKinds(ctx context.Context) ([]*benefit.Kind, error) {
	rows, _ := s.db.Pool.Query(ctx, `SELECT code, name, scope FROM benefit_kind ORDER BY code`)
	ks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*benefit.Kind, error) {
		var k benefit.Kind
		err := row.Scan(&k.Code, &k.Name, &k.Scope)
		return &k, err
	})
	return ks, translate(err, "kinds of aid")
}

// programRef is what recording needs to know of a program.
type programRef struct {
	id     int64
	code   string
	kind   string
	source benefit.Source
	scope  benefit.Scope
}

// RecordBenefits records a batch of checked inputs in one transaction; see
// benefit.Store.
func (s *BenefitStore) RecordBenefits(ctx context.Context, inputs []benefit.Input) ([]benefit.Result, error) {
	tx, err := s.db.Pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx)

	r := recorder{tx: tx, programs: map[string]*programRef{}, payers: map[string]int64{}, touched: map[string]bool{}}
	results := make([]benefit.Result, len(inputs))
	for i, in := range inputs {
		res, err := r.record(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("record benefit %q: %w", in.ExternalRef, err)
		}
		results[i] = res
	}
	if err := s.auditChange(ctx, tx, r.touched); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return results, nil
}

// auditChange appends the operation's audit event in tx when it changed
// the households touched (KKs). A change with no audit log to record it in
// is refused: nothing changes unrecorded.
func (s *BenefitStore) auditChange(ctx context.Context, tx pgx.Tx, touched map[string]bool) error {
	pending := audit.PendingFrom(ctx)
	if len(touched) == 0 || pending == nil {
		return nil
	}
	if s.audit == nil {
		return errors.New("record benefits: no audit log to record the change in")
	}
	ev := pending.Event(slices.Sorted(maps.Keys(touched))...)
	if err := s.audit.AppendTx(ctx, tx, ev); err != nil {
		return fmt.Errorf("record benefits: %w", err)
	}
	pending.Written()
	return nil
}

// recorder records the inputs of one batch, remembering the programs and
// payers it has looked up and the households it changed.
type recorder struct {
	tx       pgx.Tx
	programs map[string]*programRef
	payers   map[string]int64
	touched  map[string]bool // KKs
}

// record records one input. A refusal is a Result; the error is for faults
// that must abort the batch.
func (r *recorder) record(ctx context.Context, in benefit.Input) (benefit.Result, error) {
	refuse := func(err *jaring.Error) (benefit.Result, error) {
		return benefit.Result{ExternalRef: in.ExternalRef, Status: benefit.Invalid, Err: err}, nil
	}
	prog, err := r.program(ctx, in.Program)
	if err != nil {
		return refuseOrFail(in, err)
	}
	if in.Kind != "" && in.Kind != prog.kind {
		return refuse(jaring.Invalid("kind", "program %s is aid of kind %s, not %s", prog.code, prog.kind, in.Kind))
	}
	source := in.Source
	if source == "" {
		source = prog.source
	}
	payerID, err := r.payer(ctx, in.Payer)
	if err != nil {
		return refuseOrFail(in, err)
	}

	var householdID int64
	var personID *int64
	kk := in.KK
	switch prog.scope {
	case benefit.PersonScope:
		if in.NIK == "" {
			return refuse(jaring.Invalid("nik", "program %s is aid to one person (kind %s): give the recipient's nik", prog.code, prog.kind))
		}
		var pid int64
		err := r.tx.QueryRow(ctx, `SELECT p.id, p.household_id, h.kk FROM person p JOIN household h ON h.id = p.household_id
			WHERE p.nik = $1`, in.NIK).Scan(&pid, &householdID, &kk)
		if errors.Is(err, pgx.ErrNoRows) {
			return refuse(&jaring.Error{Code: jaring.ENOTFOUND, Field: "nik", Message: "nik: no person with NIK " + in.NIK + " in the register"})
		} else if err != nil {
			return benefit.Result{}, err
		}
		if in.KK != "" && in.KK != kk {
			return refuse(jaring.Invalid("kk", "the person with NIK %s belongs to the household with KK %s, not %s", in.NIK, kk, in.KK))
		}
		personID = &pid
	default:
		if in.NIK != "" {
			return refuse(jaring.Invalid("nik", "program %s is aid to a whole household (kind %s): give the household's kk, not a nik", prog.code, prog.kind))
		}
		err := r.tx.QueryRow(ctx, `SELECT id FROM household WHERE kk = $1`, in.KK).Scan(&householdID)
		if errors.Is(err, pgx.ErrNoRows) {
			return refuse(&jaring.Error{Code: jaring.ENOTFOUND, Field: "kk", Message: "kk: no household with KK " + in.KK + " in the register"})
		} else if err != nil {
			return benefit.Result{}, err
		}
	}

	want := &benefit.Benefit{ProgramID: prog.id, KindCode: prog.kind, Source: source, PayerID: payerID,
		HouseholdID: householdID, PersonID: personID, Amount: in.Amount, Period: in.Period,
		Status: benefit.Active, Channel: in.Channel, ExternalRef: in.ExternalRef}

	// A savepoint, so that a refused insert does not abort the batch.
	sp, err := r.tx.Begin(ctx)
	if err != nil {
		return benefit.Result{}, err
	}
	rows, _ := sp.Query(ctx, `
		INSERT INTO benefit AS b (program_id, kind_code, source, payer_id, household_id, region_code, person_id,
			amount, period, status, channel, external_ref)
		SELECT $1, $2, $3, $4, h.id, h.region_code, $6, $7, daterange($8::date, $9::date, '[]'), 'ACTIVE', $10, $11
		FROM household h WHERE h.id = $5
		ON CONFLICT (payer_id, external_ref) DO NOTHING
		RETURNING `+benefitColumns,
		want.ProgramID, want.KindCode, want.Source, want.PayerID, want.HouseholdID, want.PersonID,
		want.Amount, want.Period.Start, want.Period.End, want.Channel, want.ExternalRef)
	got, err := pgx.CollectRows(rows, scanBenefit)
	if err != nil {
		_ = sp.Rollback(ctx)
		return refuseOrFail(in, translate(err, "benefit "+in.ExternalRef))
	}
	if err := sp.Commit(ctx); err != nil {
		return benefit.Result{}, err
	}
	if len(got) == 1 {
		r.touched[kk] = true
		return benefit.Result{ExternalRef: in.ExternalRef, Status: benefit.Recorded, Benefit: got[0]}, nil
	}

	// The payer has used this reference before: the same benefit sent again
	// is harmless; a different one under the same reference is a mistake.
	rows, _ = r.tx.Query(ctx, `SELECT `+benefitColumns+` FROM benefit b WHERE b.payer_id = $1 AND b.external_ref = $2`, payerID, in.ExternalRef)
	before, err := pgx.CollectExactlyOneRow(rows, scanBenefit)
	if err != nil {
		return benefit.Result{}, err
	}
	if !before.Same(want) {
		return refuse(&jaring.Error{Code: jaring.ECONFLICT, Field: "externalRef", Message: fmt.Sprintf(
			"externalRef: %s already names another benefit of %s (ID %d, recorded %s); give this benefit a reference of its own",
			in.ExternalRef, in.Payer, before.ID, before.RecordedAt.Format(time.DateOnly))})
	}
	return benefit.Result{ExternalRef: in.ExternalRef, Status: benefit.AlreadyRecorded, Benefit: before}, nil
}

// refuseOrFail turns a domain error into a refusal of the input, and passes
// any other error on to abort the batch.
func refuseOrFail(in benefit.Input, err error) (benefit.Result, error) {
	var e *jaring.Error
	if errors.As(err, &e) && e.Code != jaring.EINTERNAL {
		return benefit.Result{ExternalRef: in.ExternalRef, Status: benefit.Invalid, Err: e}, nil
	}
	return benefit.Result{}, err
}

func (r *recorder) program(ctx context.Context, code string) (*programRef, error) {
	if p, ok := r.programs[code]; ok {
		return p, nil
	}
	p := &programRef{code: code}
	err := r.tx.QueryRow(ctx, `SELECT p.id, p.kind_code, p.source, k.scope FROM program p
		JOIN benefit_kind k ON k.code = p.kind_code WHERE p.code = $1`, code).Scan(&p.id, &p.kind, &p.source, &p.scope)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, &jaring.Error{Code: jaring.ENOTFOUND, Field: "program", Message: "program: no program with code " + code + "; the programs query lists them"}
	} else if err != nil {
		return nil, err
	}
	r.programs[code] = p
	return p, nil
}

func (r *recorder) payer(ctx context.Context, code string) (int64, error) {
	if id, ok := r.payers[code]; ok {
		return id, nil
	}
	var id int64
	err := r.tx.QueryRow(ctx, `SELECT id FROM organisation WHERE code = $1`, code).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, &jaring.Error{Code: jaring.ENOTFOUND, Field: "payer", Message: "payer: no organisation with code " + code}
	} else if err != nil {
		return 0, err
	}
	r.payers[code] = id
	return id, nil
}
