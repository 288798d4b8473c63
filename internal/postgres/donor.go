package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/donor"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// DonorStore keeps donors' programs and reads what their criteria ask.
type DonorStore struct {
	db    *DB
	audit *AuditLog
}

var _ donor.Store = (*DonorStore)(nil)

// NewDonorStore returns a DonorStore on db that records its changes in log.
func NewDonorStore(db *DB, log *AuditLog) *DonorStore { return &DonorStore{db: db, audit: log} }

const donorProgramColumns = `p.id, p.code, p.name, p.kind_code, d.donor_id, d.description, d.criteria, d.open_from, d.open_until,
	d.budget, d.quota, d.quota_unit, d.amount, d.status, d.criteria_version, d.updated_at`

const donorProgramFrom = ` FROM donor_program d JOIN program p ON p.id = d.program_id`

func scanDonorProgram(row pgx.CollectableRow) (*donor.Program, error) {
	var p donor.Program
	var criteria []byte
	err := row.Scan(&p.ID, &p.Code, &p.Name, &p.KindCode, &p.DonorID, &p.Description, &criteria, &p.Period.Start, &p.Period.End,
		&p.Budget, &p.Quota, &p.QuotaUnit, &p.Amount, &p.Status, &p.CriteriaVersion, &p.UpdatedAt)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(criteria, &p.Criteria); err != nil {
		return nil, fmt.Errorf("criteria of program %s: %w", p.Code, err)
	}
	return &p, nil
}

// FindPrograms returns one donor's programs, or every open one.
func (s *DonorStore) FindPrograms(ctx context.Context, donorID int64) ([]*donor.Program, error) {
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+donorProgramColumns+donorProgramFrom+`
		WHERE ($1::bigint = 0 AND d.status = 'OPEN') OR d.donor_id = $1 ORDER BY p.code`, donorID)
	ps, err := pgx.CollectRows(rows, scanDonorProgram)
	return ps, translate(err, "donor programs")
}

// FindProgram returns the donor program with the given ID.
func (s *DonorStore) FindProgram(ctx context.Context, id int64) (*donor.Program, error) {
	return findDonorProgram(ctx, s.db.Pool, id, false)
}

// findDonorProgram reads donor program id, locking its row for the
// transaction when forUpdate: what serialises the acceptances that count
// against its quota and budget.
func findDonorProgram(ctx context.Context, q querier, id int64, forUpdate bool) (*donor.Program, error) {
	lock := ""
	if forUpdate {
		lock = " FOR UPDATE OF d"
	}
	rows, _ := q.Query(ctx, `SELECT `+donorProgramColumns+donorProgramFrom+` WHERE p.id = $1`+lock, id)
	p, err := pgx.CollectExactlyOneRow(rows, scanDonorProgram)
	return p, translate(err, fmt.Sprintf("donor program with ID %d", id))
}

// CreateProgram publishes a program of actor's organisation.
func (s *DonorStore) CreateProgram(ctx context.Context, actor jaring.Actor, in donor.ProgramInput) (*donor.Program, error) {
	var out *donor.Program
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO program (code, name, kind_code, source, owner_id) VALUES ($1, $2, $3, 'CSR', $4) RETURNING id`,
			in.Code, in.Name, in.KindCode, actor.OrgID).Scan(&id); err != nil {
			return translate(err, "program")
		}
		criteria, _ := json.Marshal(in.Criteria)
		if _, err := tx.Exec(ctx, `INSERT INTO donor_program (program_id, donor_id, description, criteria, open_from, open_until,
			budget, quota, quota_unit, amount) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			id, actor.OrgID, in.Description, criteria, in.Period.Start, in.Period.End, in.Budget, in.Quota, in.QuotaUnit, in.Amount); err != nil {
			return translate(err, "donor program")
		}
		var err error
		if out, err = findDonorProgram(ctx, tx, id, false); err != nil {
			return err
		}
		return auditChange(ctx, tx, s.audit, &changes{})
	})
	return out, err
}

// UpdateProgram replaces what one of actor's programs says.
func (s *DonorStore) UpdateProgram(ctx context.Context, actor jaring.Actor, id int64, in donor.ProgramInput) (*donor.Program, error) {
	criteria, _ := json.Marshal(in.Criteria)
	return s.change(ctx, actor, id, in.Name, `UPDATE donor_program d SET description = $3, criteria = $4, open_from = $5, open_until = $6,
		budget = $7, quota = $8, quota_unit = $9, amount = $10, updated_at = now(),
		criteria_version = d.criteria_version + CASE WHEN d.criteria = $4::jsonb THEN 0 ELSE 1 END
		WHERE d.program_id = $1 AND d.donor_id = $2`,
		in.Description, criteria, in.Period.Start, in.Period.End, in.Budget, in.Quota, in.QuotaUnit, in.Amount)
}

// CloseProgram closes one of actor's programs.
func (s *DonorStore) CloseProgram(ctx context.Context, actor jaring.Actor, id int64) (*donor.Program, error) {
	return s.change(ctx, actor, id, "", `UPDATE donor_program d SET status = 'CLOSED', updated_at = now() WHERE d.program_id = $1 AND d.donor_id = $2`)
}

// change runs update on program id of actor's organisation ($1, $2, then
// more), renames the program when name is not "", and records the change.
func (s *DonorStore) change(ctx context.Context, actor jaring.Actor, id int64, name, update string, more ...any) (*donor.Program, error) {
	var out *donor.Program
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, update, append([]any{id, actor.OrgID}, more...)...)
		if err != nil {
			return translate(err, "donor program")
		}
		if tag.RowsAffected() == 0 {
			return jaring.Errorf(jaring.ENOTFOUND, "No donor program with ID %d of yours.", id)
		}
		if name != "" {
			if _, err := tx.Exec(ctx, `UPDATE program SET name = $2 WHERE id = $1`, id, name); err != nil {
				return translate(err, "program")
			}
		}
		if out, err = findDonorProgram(ctx, tx, id, false); err != nil {
			return err
		}
		return auditChange(ctx, tx, s.audit, &changes{})
	})
	return out, err
}

// factsQuery reads the facts of each identifier of $1 (a KK, or a member's
// NIK), in its order, in one statement: the household by a unique index,
// its members and its held benefits overlapping the period $3..$4 by
// index. An identifier of no household goes through the same joins and
// comes back with nothing. Members are the persons the register holds in
// the household (ACTIVE): one a village deliberation recorded deceased,
// moved or removed neither counts in its composition nor finds it by NIK.
//
// An identifier that is both a KK and a member's NIK (both are 16 digits)
// names the household of the KK. The household is looked up in a LATERAL
// subquery with LIMIT 1, which the planner cannot flatten into a join: as a join it hashed the whole
// household table (300,000 rows, spilling to disk) to match 10,000
// identifiers, where a lookup by index per identifier is what is needed.
const factsQuery = `
	SELECT h.id IS NOT NULL, coalesce(h.region_code, ''), h.desil, coalesce(h.register_status, ''),
		coalesce(m.members, '{}'), coalesce(b.kinds, '{}')
	FROM unnest($1::text[]) WITH ORDINALITY q(id, ord)
	LEFT JOIN LATERAL (
		SELECT 0 AS by_nik, h.id, h.region_code, h.desil, h.register_status FROM household h WHERE h.kk = q.id
		UNION ALL
		SELECT 1, h.id, h.region_code, h.desil, h.register_status FROM person p JOIN household h ON h.id = p.household_id
		WHERE p.nik = q.id AND p.register_status = 'ACTIVE'
		ORDER BY by_nik LIMIT 1) h ON true
	LEFT JOIN LATERAL (SELECT array_agg(` + packedMember + `) AS members FROM person p
		WHERE p.household_id = h.id AND p.register_status = 'ACTIVE') m ON true
	LEFT JOIN LATERAL (SELECT array_agg(DISTINCT b.kind_code) AS kinds FROM benefit b
		WHERE b.household_id = h.id AND b.status = ANY($2) AND b.period && daterange($3::date, $4::date, '[]')) b ON true
	ORDER BY q.ord`

// Facts returns the facts of each identifier, in the order given.
func (s *DonorStore) Facts(ctx context.Context, ids []string, period jaring.Period) ([]donor.Facts, error) {
	return facts(ctx, s.db.Pool, ids, period)
}

func facts(ctx context.Context, q querier, ids []string, period jaring.Period) ([]donor.Facts, error) {
	rows, _ := q.Query(ctx, factsQuery, ids, benefit.HeldStatuses, period.Start, period.End)
	out := make([]donor.Facts, 0, len(ids))
	var row factsScan
	_, err := pgx.ForEachRow(rows, row.dest(), func() error {
		out = append(out, row.facts(period))
		return nil
	})
	if err == nil && len(out) != len(ids) {
		err = fmt.Errorf("facts of %d identifiers answered %d", len(ids), len(out))
	}
	return out, translate(err, "register")
}

// packedMember is what the facts say of a member p, in one integer: the
// days from 1 January 1800 to the birth date, times 4, plus 2 for a
// disability and 1 for a pregnancy. A household's members come as one
// array of these rather than three arrays (dates, and flags twice): a
// third of the time programReach took at 300,000 households went on
// decoding arrays.
const packedMember = `(p.birth_date - DATE '1800-01-01') * 4 + p.disabled::int * 2 + p.pregnant::int`

// unpackMember reads a member back from packedMember.
func unpackMember(v int32) donor.Member {
	return donor.Member{
		BirthDate: time.Date(1800, time.January, 1+int(v>>2), 0, 0, 0, 0, time.UTC),
		Disabled:  v&2 != 0,
		Pregnant:  v&1 != 0,
	}
}

// factsScan scans rows of facts: dest gives a row's destinations, facts
// builds the Facts of the row just scanned.
type factsScan struct {
	known          bool
	region, status string
	desil          *int16
	members        []int32 // packedMember
	kinds          []string
}

func (s *factsScan) dest() []any {
	return []any{&s.known, &s.region, &s.desil, &s.status, &s.members, &s.kinds}
}

func (s *factsScan) facts(period jaring.Period) donor.Facts {
	f := donor.Facts{Known: s.known, RegionCode: s.region, RegisterStatus: registry.RegisterStatus(s.status)}
	if s.desil != nil {
		d := int(*s.desil)
		f.Desil = &d
	}
	f.Members = make([]donor.Member, len(s.members))
	for i, v := range s.members {
		f.Members[i] = unpackMember(v)
	}
	for _, k := range s.kinds {
		// Held over the program's period: the query kept only those.
		f.Held = append(f.Held, donor.Held{Kind: k, Period: period, Status: benefit.Active})
	}
	return f
}

// Reach calls each with the facts of every household criteria c may take.
// Of the benefits held it reads only those of the kinds c.NotReceiving
// names, the only ones the criteria ask about, in one pass over the ledger
// grouped by household (a probe of the ledger per household read every
// benefit of each of 300,000). The members too are grouped in one pass over
// the persons of the households taken, which the planner merges in
// household order for a regency and looks up by index for a village (a
// lookup per household, whatever the size, took a fifth longer at
// 300,000). It runs with JIT compilation off: the
// planner's estimate of the per-household lookups of members is high
// enough that compiling the plan took half the time of running it.
func (s *DonorStore) Reach(ctx context.Context, c donor.Criteria, period jaring.Period, each func(donor.Facts) error) error {
	a := args{c.Statuses()}
	where := "h.register_status = ANY($1)"
	if len(c.Regions) > 0 {
		var ors []string
		for _, r := range c.Regions {
			ors = append(ors, inScope(jaring.Scope{Households: jaring.RegionHouseholds, Region: r}, &a, households))
		}
		where += " AND (" + joinOr(ors) + ")"
	}
	members := `coalesce(m.members, '{}')`
	memberJoin := `LEFT JOIN (SELECT p.household_id, array_agg(` + packedMember + `) AS members
		FROM person p JOIN household h ON h.id = p.household_id WHERE p.register_status = 'ACTIVE' AND ` + where + ` GROUP BY p.household_id) m ON m.household_id = h.id`
	if c.Composition == (donor.Composition{}) {
		members, memberJoin = `'{}'::int[]`, ""
	}
	held, heldJoin := `'{}'::text[]`, ""
	if len(c.NotReceiving) > 0 {
		held = `coalesce(b.kinds, '{}')`
		heldJoin = `LEFT JOIN (SELECT b.household_id, array_agg(DISTINCT b.kind_code) AS kinds FROM benefit b
		JOIN household h ON h.id = b.household_id WHERE ` + where + ` AND b.kind_code = ANY(` + a.add(c.NotReceiving) + `) AND b.status = ANY(` + a.add(benefit.HeldStatuses) + `) AND b.period && daterange(` +
			a.add(period.Start) + `::date, ` + a.add(period.End) + `::date, '[]') GROUP BY b.household_id) b ON b.household_id = h.id`
	}
	return translate(pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `SELECT true, h.region_code, h.desil, h.register_status, `+members+`, `+held+`
		FROM household h `+memberJoin+` `+heldJoin+` WHERE `+where, a...)
		var row factsScan
		_, err := pgx.ForEachRow(rows, row.dest(), func() error { return each(row.facts(period)) })
		return err
	}), "register")
}

func joinOr(ps []string) string { return strings.Join(ps, " OR ") }
