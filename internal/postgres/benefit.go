package postgres

import (
	"context"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
	b.amount, lower(b.period), upper(b.period) - 1, b.status, b.channel, b.external_ref, b.recorded_at,
	b.override_reason, b.override_by, b.override_org_id, b.override_at`

func scanBenefit(row pgx.CollectableRow) (*benefit.Benefit, error) {
	var b benefit.Benefit
	var reason, by *string
	var orgID *int64
	var at *time.Time
	err := row.Scan(&b.ID, &b.ProgramID, &b.KindCode, &b.Source, &b.PayerID, &b.HouseholdID, &b.PersonID,
		&b.Amount, &b.Period.Start, &b.Period.End, &b.Status, &b.Channel, &b.ExternalRef, &b.RecordedAt,
		&reason, &by, &orgID, &at)
	if reason != nil {
		b.Override = &benefit.Override{Reason: *reason, By: *by, OrgID: *orgID, At: *at}
	}
	return &b, err
}

// FindBenefitsByHouseholds returns every benefit of the given households in
// scope, their members' included.
func (s *BenefitStore) FindBenefitsByHouseholds(ctx context.Context, scope jaring.Scope, householdIDs []int64) ([]*benefit.Benefit, error) {
	a := args{householdIDs}
	rows, _ := s.db.Keyed.Query(ctx, `SELECT `+benefitColumns+` FROM benefit b WHERE b.household_id = ANY($1) AND `+inScope(scope, &a, benefits)+`
		ORDER BY b.household_id, lower(b.period), b.id`, a...)
	bs, err := pgx.CollectRows(rows, scanBenefit)
	return bs, translate(err, "benefits")
}

// FindBenefitsByPersons returns every benefit of the given persons whose
// households are in scope.
func (s *BenefitStore) FindBenefitsByPersons(ctx context.Context, scope jaring.Scope, personIDs []int64) ([]*benefit.Benefit, error) {
	a := args{personIDs}
	rows, _ := s.db.Keyed.Query(ctx, `SELECT `+benefitColumns+` FROM benefit b WHERE b.person_id = ANY($1) AND `+inScope(scope, &a, benefits)+`
		ORDER BY b.person_id, lower(b.period), b.id`, a...)
	bs, err := pgx.CollectRows(rows, scanBenefit)
	return bs, translate(err, "benefits")
}

// FindBenefitsByIDs returns the benefits in scope with the given IDs.
func (s *BenefitStore) FindBenefitsByIDs(ctx context.Context, scope jaring.Scope, ids []int64) ([]*benefit.Benefit, error) {
	a := args{ids}
	rows, _ := s.db.Keyed.Query(ctx, `SELECT `+benefitColumns+` FROM benefit b WHERE b.id = ANY($1) AND `+inScope(scope, &a, benefits), a...)
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
	rows, _ := s.db.Keyed.Query(ctx, `SELECT `+programColumns+` FROM program p WHERE p.id = ANY($1)`, ids)
	ps, err := pgx.CollectRows(rows, scanProgram)
	return ps, translate(err, "programs")
}

// FindKinds returns every kind of aid, ordered by code.
func (s *BenefitStore) FindKinds(ctx context.Context) ([]*benefit.Kind, error) {
	return findKinds(ctx, s.db.Pool)
}

func scanKind(row pgx.CollectableRow) (*benefit.Kind, error) {
	var k benefit.Kind
	err := row.Scan(&k.Code, &k.Name, &k.Scope, &k.Exclusive)
	return &k, err
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

const kindsSQL = `SELECT code, name, scope, exclusive FROM benefit_kind ORDER BY code`

func findKinds(ctx context.Context, q querier) ([]*benefit.Kind, error) {
	rows, _ := q.Query(ctx, kindsSQL)
	ks, err := pgx.CollectRows(rows, scanKind)
	return ks, translate(err, "kinds of aid")
}

// FindExclusions returns every program exclusion.
func (s *BenefitStore) FindExclusions(ctx context.Context) ([]benefit.Exclusion, error) {
	return findExclusions(ctx, s.db.Pool)
}

const exclusionsSQL = `SELECT x.program_a, x.program_b, a.code, b.code, x.reason FROM program_exclusion x
	JOIN program a ON a.id = x.program_a JOIN program b ON b.id = x.program_b ORDER BY a.code, b.code`

func findExclusions(ctx context.Context, q querier) ([]benefit.Exclusion, error) {
	rows, _ := q.Query(ctx, exclusionsSQL)
	xs, err := pgx.CollectRows(rows, scanExclusion)
	return xs, translate(err, "program exclusions")
}

func scanExclusion(row pgx.CollectableRow) (benefit.Exclusion, error) {
	var x benefit.Exclusion
	err := row.Scan(&x.ProgramA, &x.ProgramB, &x.CodeA, &x.CodeB, &x.Reason)
	return x, err
}

// FindOverrides returns a page of the benefits in scope recorded despite a
// clash, newest first.
func (s *BenefitStore) FindOverrides(ctx context.Context, scope jaring.Scope, page jaring.PageRequest) ([]*benefit.Benefit, bool, error) {
	after := page.After
	if after == 0 {
		after = math.MaxInt64
	}
	a := args{after, page.First + 1}
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+benefitColumns+` FROM benefit b WHERE b.override_reason IS NOT NULL AND b.id < $1
		AND `+inScope(scope, &a, benefits)+` ORDER BY b.id DESC LIMIT $2`, a...)
	bs, err := pgx.CollectRows(rows, scanBenefit)
	if err != nil {
		return nil, false, translate(err, "overrides")
	}
	if len(bs) > page.First {
		return bs[:page.First], true, nil
	}
	return bs, false, nil
}

// SetKindExclusive changes rule one for a kind. Benefits already recorded
// keep the rule they were recorded under; the approval check applies the
// new rule from now on.
func (s *BenefitStore) SetKindExclusive(ctx context.Context, kind string, exclusive bool) (*benefit.Kind, error) {
	var k *benefit.Kind
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `UPDATE benefit_kind SET exclusive = $2 WHERE code = $1 RETURNING code, name, scope, exclusive`, kind, exclusive)
		var err error
		if k, err = pgx.CollectExactlyOneRow(rows, scanKind); err != nil {
			return jaring.WithField("kind", translate(err, "kind of aid with code "+kind))
		}
		return auditChange(ctx, tx, s.audit, &changes{})
	})
	return k, err
}

// AddExclusion makes two programs exclude each other.
func (s *BenefitStore) AddExclusion(ctx context.Context, programA, programB, reason string) (*benefit.Exclusion, error) {
	var x *benefit.Exclusion
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		ids := map[string]int64{}
		for i, code := range []string{programA, programB} {
			var id int64
			if err := tx.QueryRow(ctx, `SELECT id FROM program WHERE code = $1`, code).Scan(&id); err != nil {
				return jaring.WithField([]string{"programA", "programB"}[i], translate(err, "program with code "+code))
			}
			ids[code] = id
		}
		a, b := ids[programA], ids[programB]
		if a > b {
			a, b = b, a
		}
		if _, err := tx.Exec(ctx, `INSERT INTO program_exclusion (program_a, program_b, reason) VALUES ($1, $2, $3)
			ON CONFLICT (program_a, program_b) DO UPDATE SET reason = EXCLUDED.reason`, a, b, reason); err != nil {
			return translate(err, "program exclusion")
		}
		xs, err := findExclusions(ctx, tx)
		if err != nil {
			return err
		}
		for i := range xs {
			if xs[i].ProgramA == a && xs[i].ProgramB == b {
				x = &xs[i]
			}
		}
		return auditChange(ctx, tx, s.audit, &changes{})
	})
	return x, err
}

// RemoveExclusion ends an exclusion.
func (s *BenefitStore) RemoveExclusion(ctx context.Context, programA, programB string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM program_exclusion x USING program a, program b
			WHERE a.id = x.program_a AND b.id = x.program_b AND ((a.code = $1 AND b.code = $2) OR (a.code = $2 AND b.code = $1))`, programA, programB)
		if err != nil {
			return translate(err, "program exclusion")
		}
		if tag.RowsAffected() == 0 {
			return jaring.Errorf(jaring.ENOTFOUND, "%s and %s do not exclude each other.", programA, programB)
		}
		return auditChange(ctx, tx, s.audit, &changes{})
	})
}

// inTx runs f in a transaction, committed if f returns nil.
func (s *BenefitStore) inTx(ctx context.Context, f func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.db.Pool, f)
}
