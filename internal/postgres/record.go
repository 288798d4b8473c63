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

// RecordBenefits records a batch of checked inputs in one transaction; see
// benefit.Store. The households the batch touches are locked first, in ID
// order (so that two batches never deadlock), and each input is checked
// against its household's ledger under that lock: no other approval for the
// household can slip in between the check and the write. The exclusion
// constraint benefit_no_double_aid backs rule one in the database itself.
func (s *BenefitStore) RecordBenefits(ctx context.Context, scope jaring.Scope, inputs []benefit.Input) ([]benefit.Result, error) {
	var results []benefit.Result
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		r, err := newRecorder(ctx, tx, scope)
		if err != nil {
			return err
		}
		if err := r.lockHouseholds(ctx, inputs); err != nil {
			return err
		}
		results = make([]benefit.Result, len(inputs))
		for i, in := range inputs {
			res, err := r.record(ctx, in)
			if err != nil {
				return fmt.Errorf("record benefit %q: %w", in.ExternalRef, err)
			}
			results[i] = res
		}
		return auditChange(ctx, tx, s.audit, len(r.touched) > 0, slices.Sorted(maps.Keys(r.touched))...)
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// auditChange appends the operation's audit event in tx when it changed
// something, naming the households touched (KKs). A change with no audit
// log to record it in is refused: nothing changes unrecorded.
func auditChange(ctx context.Context, tx pgx.Tx, log *AuditLog, changed bool, households ...string) error {
	pending := audit.PendingFrom(ctx)
	if !changed || pending == nil {
		return nil
	}
	if log == nil {
		return errors.New("no audit log to record the change in")
	}
	ev := pending.Event(households...)
	if err := log.AppendTx(ctx, tx, ev); err != nil {
		return err
	}
	pending.Written()
	return nil
}

// recorder records benefits inside one transaction, remembering what it has
// looked up and the households it changed.
type recorder struct {
	tx        pgx.Tx
	scope     jaring.Scope // the households it may record for
	catalogue benefit.Catalogue
	programs  map[string]*programRef // by code
	codes     map[codeKey]string     // program and organisation codes, for messages
	payers    map[string]int64
	touched   map[string]bool // KKs
}

// programRef is what recording needs to know of a program.
type programRef struct {
	id     int64
	code   string
	kind   string
	source benefit.Source
	scope  benefit.Scope
}

func newRecorder(ctx context.Context, tx pgx.Tx, scope jaring.Scope) (*recorder, error) {
	r := &recorder{tx: tx, scope: scope, programs: map[string]*programRef{}, codes: map[codeKey]string{}, payers: map[string]int64{}, touched: map[string]bool{}}
	kinds, err := findKinds(ctx, tx)
	if err != nil {
		return nil, err
	}
	r.catalogue.Kinds = make(map[string]*benefit.Kind, len(kinds))
	for _, k := range kinds {
		r.catalogue.Kinds[k.Code] = k
	}
	if r.catalogue.Exclusions, err = findExclusions(ctx, tx); err != nil {
		return nil, err
	}
	return r, nil
}

// lockHouseholds locks the households the inputs name, in ID order.
func (r *recorder) lockHouseholds(ctx context.Context, inputs []benefit.Input) error {
	var kks, niks []string
	for _, in := range inputs {
		if in.KK != "" {
			kks = append(kks, in.KK)
		}
		if in.NIK != "" {
			niks = append(niks, in.NIK)
		}
	}
	_, err := r.tx.Exec(ctx, `SELECT id FROM household
		WHERE kk = ANY($1) OR id IN (SELECT household_id FROM person WHERE nik = ANY($2))
		ORDER BY id FOR UPDATE`, kks, niks)
	if err != nil {
		return fmt.Errorf("lock households: %w", err)
	}
	return nil
}

// lockHousehold locks one household, for an approval outside a batch.
func (r *recorder) lockHousehold(ctx context.Context, id int64) error {
	if _, err := r.tx.Exec(ctx, `SELECT id FROM household WHERE id = $1 FOR UPDATE`, id); err != nil {
		return fmt.Errorf("lock household: %w", err)
	}
	return nil
}

// record records one input. A refusal is a Result; the error is for faults
// that must abort the transaction.
func (r *recorder) record(ctx context.Context, in benefit.Input) (benefit.Result, error) {
	refuse := func(status benefit.ResultStatus, err *jaring.Error, clashes []benefit.Clash) (benefit.Result, error) {
		return benefit.Result{ExternalRef: in.ExternalRef, Status: status, Err: err, Clashes: clashes}, nil
	}
	prog, err := r.program(ctx, in.Program)
	if err != nil {
		return refuseOrFail(in, err)
	}
	if in.Kind != "" && in.Kind != prog.kind {
		return refuse(benefit.Invalid, jaring.Invalid("kind", "program %s is aid of kind %s, not %s", prog.code, prog.kind, in.Kind), nil)
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
			return refuse(benefit.Invalid, jaring.Invalid("nik", "program %s is aid to one person (kind %s): give the recipient's nik", prog.code, prog.kind), nil)
		}
		var pid int64
		a := args{in.NIK}
		err := r.tx.QueryRow(ctx, `SELECT p.id, p.household_id, h.kk FROM person p JOIN household h ON h.id = p.household_id
			WHERE p.nik = $1 AND `+householdScope(r.scope, &a), a...).Scan(&pid, &householdID, &kk)
		if errors.Is(err, pgx.ErrNoRows) {
			return refuse(benefit.Invalid, &jaring.Error{Code: jaring.ENOTFOUND, Field: "nik", Message: "nik: no person with NIK " + in.NIK + " in the register that you may record for"}, nil)
		} else if err != nil {
			return benefit.Result{}, err
		}
		if in.KK != "" && in.KK != kk {
			return refuse(benefit.Invalid, jaring.Invalid("kk", "the person with NIK %s belongs to the household with KK %s, not %s", in.NIK, kk, in.KK), nil)
		}
		personID = &pid
	default:
		if in.NIK != "" {
			return refuse(benefit.Invalid, jaring.Invalid("nik", "program %s is aid to a whole household (kind %s): give the household's kk, not a nik", prog.code, prog.kind), nil)
		}
		a := args{in.KK}
		err := r.tx.QueryRow(ctx, `SELECT h.id FROM household h WHERE h.kk = $1 AND `+householdScope(r.scope, &a), a...).Scan(&householdID)
		if errors.Is(err, pgx.ErrNoRows) {
			return refuse(benefit.Invalid, &jaring.Error{Code: jaring.ENOTFOUND, Field: "kk", Message: "kk: no household with KK " + in.KK + " in the register that you may record for"}, nil)
		} else if err != nil {
			return benefit.Result{}, err
		}
	}
	want := &benefit.Benefit{ProgramID: prog.id, KindCode: prog.kind, Source: source, PayerID: payerID,
		HouseholdID: householdID, PersonID: personID, Amount: in.Amount, Period: in.Period,
		Status: benefit.Active, Channel: in.Channel, ExternalRef: in.ExternalRef}

	// The payer has used this reference before: the same benefit sent again
	// is harmless; a different one under the same reference is a mistake.
	rows, _ := r.tx.Query(ctx, `SELECT `+benefitColumns+` FROM benefit b WHERE b.payer_id = $1 AND b.external_ref = $2`, payerID, in.ExternalRef)
	before, err := pgx.CollectRows(rows, scanBenefit)
	if err != nil {
		return benefit.Result{}, err
	}
	if len(before) == 1 {
		return r.repeated(in, want, before[0])
	}

	// The rules, against the household's ledger as it stands under the lock
	// (this transaction's own writes included).
	rows, _ = r.tx.Query(ctx, `SELECT `+benefitColumns+` FROM benefit b
		WHERE b.household_id = $1 AND b.status IN ('ACTIVE', 'SUSPENDED') ORDER BY b.id`, householdID)
	held, err := pgx.CollectRows(rows, scanBenefit)
	if err != nil {
		return benefit.Result{}, err
	}
	clashes := r.catalogue.FindClashes(benefit.Proposal{HouseholdID: householdID, PersonID: personID,
		KindCode: prog.kind, ProgramID: prog.id, Period: in.Period}, held)
	if len(clashes) > 0 && in.Override == nil {
		msg, err := r.describe(ctx, clashes[0])
		if err != nil {
			return benefit.Result{}, err
		}
		return refuse(benefit.DoubleAid, &jaring.Error{Code: jaring.EDOUBLEAID, Message: msg}, clashes)
	}
	var override *benefit.Override
	if len(clashes) > 0 {
		override = in.Override
	}
	got, err := r.insert(ctx, want, override)
	if err != nil {
		return refuseOrFail(in, err)
	}
	if got == nil { // another transaction recorded the same reference meanwhile
		rows, _ := r.tx.Query(ctx, `SELECT `+benefitColumns+` FROM benefit b WHERE b.payer_id = $1 AND b.external_ref = $2`, payerID, in.ExternalRef)
		before, err := pgx.CollectExactlyOneRow(rows, scanBenefit)
		if err != nil {
			return benefit.Result{}, err
		}
		return r.repeated(in, want, before)
	}
	r.touched[kk] = true
	return benefit.Result{ExternalRef: in.ExternalRef, Status: benefit.Recorded, Benefit: got, Clashes: clashes}, nil
}

// repeated answers an input whose payer and reference name a benefit
// recorded before.
func (r *recorder) repeated(in benefit.Input, want, before *benefit.Benefit) (benefit.Result, error) {
	if !before.Same(want) {
		return benefit.Result{ExternalRef: in.ExternalRef, Status: benefit.Invalid, Err: &jaring.Error{Code: jaring.ECONFLICT, Field: "externalRef", Message: fmt.Sprintf(
			"externalRef: %s already names another benefit of %s (ID %d, recorded %s); give this benefit a reference of its own",
			in.ExternalRef, in.Payer, before.ID, before.RecordedAt.Format(time.DateOnly))}}, nil
	}
	return benefit.Result{ExternalRef: in.ExternalRef, Status: benefit.AlreadyRecorded, Benefit: before}, nil
}

// insert writes b, with the override that let it past a clash, if any. It
// returns nil if the payer's reference was taken meanwhile.
func (r *recorder) insert(ctx context.Context, b *benefit.Benefit, o *benefit.Override) (*benefit.Benefit, error) {
	var reason, by *string
	var orgID *int64
	if o != nil {
		reason, by, orgID = &o.Reason, &o.By, &o.OrgID
	}
	// A savepoint, so that a refused insert does not abort the transaction.
	sp, err := r.tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	rows, _ := sp.Query(ctx, `
		INSERT INTO benefit AS b (program_id, kind_code, source, payer_id, household_id, region_code, person_id,
			amount, period, status, channel, external_ref, exclusive, override_reason, override_by, override_org_id, override_at)
		SELECT $1, $2, $3, $4, h.id, h.region_code, $6, $7, daterange($8::date, $9::date, '[]'), 'ACTIVE', $10, $11,
			k.exclusive, $12::text, $13::text, $14::bigint, CASE WHEN $12::text IS NULL THEN NULL ELSE now() END
		FROM household h, benefit_kind k WHERE h.id = $5 AND k.code = $2
		ON CONFLICT (payer_id, external_ref) DO NOTHING
		RETURNING `+benefitColumns,
		b.ProgramID, b.KindCode, b.Source, b.PayerID, b.HouseholdID, b.PersonID,
		b.Amount, b.Period.Start, b.Period.End, b.Channel, b.ExternalRef, reason, by, orgID)
	got, err := pgx.CollectRows(rows, scanBenefit)
	if err != nil {
		_ = sp.Rollback(ctx)
		return nil, translate(err, "benefit "+b.ExternalRef)
	}
	if err := sp.Commit(ctx); err != nil {
		return nil, err
	}
	if len(got) == 0 {
		return nil, nil
	}
	return got[0], nil
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
		status := benefit.Invalid
		if e.Code == jaring.EDOUBLEAID {
			status = benefit.DoubleAid
		}
		return benefit.Result{ExternalRef: in.ExternalRef, Status: status, Err: e}, nil
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
