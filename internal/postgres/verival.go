package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
	"github.com/jaring-id/jaring/internal/verival"
)

// The register's locks, always taken in this order so that no two steps
// deadlock: register changes (in ID order), then households (in ID order),
// then benefit reviews. A deliberation locks the proposals it decides, then
// their households, and adds reviews; a review locks its household before
// itself, as the ledger's writes do before a benefit.

// VerivalStore keeps register change proposals, village deliberations and
// the reviews of benefits that a death puts on the list.
type VerivalStore struct {
	db    *DB
	audit *AuditLog
}

var _ verival.Store = (*VerivalStore)(nil)

// NewVerivalStore returns a VerivalStore on db that records its changes in
// log, in the transaction that makes them.
func NewVerivalStore(db *DB, log *AuditLog) *VerivalStore {
	return &VerivalStore{db: db, audit: log}
}

var (
	registerChanges = rowsOf{"c.region_code", "c.household_id"}
	benefitReviews  = rowsOf{"v.region_code", "v.household_id"}
)

// reviewInScope is the reviews v a scope lets the caller see: of a
// household in scope, and of a benefit its organisation pays, unless it sees
// all reviews.
func reviewInScope(s jaring.Scope, a *args) string {
	rows := inScope(s, a, benefitReviews)
	if s.AllReviews {
		return rows
	}
	return fmt.Sprintf("%s AND EXISTS (SELECT 1 FROM benefit vb WHERE vb.id = v.benefit_id AND vb.payer_id = %s)", rows, a.add(s.OrgID))
}

// deliberationInScope is the deliberations d a scope lets the caller see:
// those that decided a proposal in scope.
func deliberationInScope(s jaring.Scope, a *args) string {
	if s.Households == jaring.AllHouseholds {
		return "true"
	}
	return "EXISTS (SELECT 1 FROM register_change c WHERE c.deliberation_id = d.id AND " + inScope(s, a, registerChanges) + ")"
}

const changeColumns = `c.id, c.household_id, c.region_code, c.person_id, c.change, c.reason, c.evidence, c.corrections, c.status,
	c.proposed_by, c.proposed_org_id, c.proposed_at, c.deliberation_id, c.note, c.decided_at`

func scanChange(row pgx.CollectableRow) (*verival.Change, error) {
	c, dest, done := changeDest()
	return c, done(row.Scan(dest...))
}

// changeDest returns a change to scan changeColumns into, their
// destinations, and what completes the change once they are scanned (its
// corrections, decoded), so that a query may scan more columns after them.
func changeDest() (*verival.Change, []any, func(error) error) {
	var c verival.Change
	var corrections []byte
	dest := []any{&c.ID, &c.HouseholdID, &c.RegionCode, &c.PersonID, &c.Kind, &c.Reason, &c.Evidence, &corrections, &c.Status,
		&c.ProposedBy, &c.ProposedOrgID, &c.ProposedAt, &c.DeliberationID, &c.Note, &c.DecidedAt}
	return &c, dest, func(err error) error {
		if err == nil && corrections != nil {
			c.Corrections = &verival.Corrections{}
			err = json.Unmarshal(corrections, c.Corrections)
		}
		return err
	}
}

const deliberationColumns = `d.id, d.region_code, d.held_on, d.minutes_ref, d.recorded_by, d.recorded_org_id, d.recorded_at`

func scanDeliberation(row pgx.CollectableRow) (*verival.Deliberation, error) {
	var d verival.Deliberation
	return &d, row.Scan(deliberationDest(&d)...)
}

// deliberationDest is where deliberationColumns scan into.
func deliberationDest(d *verival.Deliberation) []any {
	return []any{&d.ID, &d.RegionCode, &d.Date, &d.MinutesRef, &d.RecordedBy, &d.RecordedOrgID, &d.RecordedAt}
}

const reviewColumns = `v.id, v.benefit_id, v.household_id, v.person_id, v.change_id, v.reason, v.status, v.outcome,
	coalesce(v.note, ''), coalesce(v.reviewed_by, ''), v.reviewed_org_id, v.reviewed_at, v.created_at`

func scanReview(row pgx.CollectableRow) (*verival.Review, error) {
	var v verival.Review
	return &v, row.Scan(reviewDest(&v)...)
}

// reviewDest is where reviewColumns scan into.
func reviewDest(v *verival.Review) []any {
	return []any{&v.ID, &v.BenefitID, &v.HouseholdID, &v.PersonID, &v.ChangeID, &v.Reason, &v.Status, &v.Outcome,
		&v.Note, &v.ReviewedBy, &v.ReviewedOrgID, &v.ReviewedAt, &v.CreatedAt}
}

// ProposeChange records a proposal for a household in the actor's scope,
// under a lock on the household.
func (s *VerivalStore) ProposeChange(ctx context.Context, actor jaring.Actor, p verival.Proposal) (*verival.Change, error) {
	var out *verival.Change
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		a := args{p.KK}
		var householdID int64
		var status registry.RegisterStatus
		err := tx.QueryRow(ctx, `SELECT h.id, h.register_status FROM household h WHERE h.kk = $1 AND `+inScope(actor.Scope, &a, households)+`
			FOR UPDATE`, a...).Scan(&householdID, &status)
		if err != nil {
			// The same answer whether the household does not exist or lies
			// outside the caller's scope: no existence oracle.
			return jaring.WithField("kk", translate(err, "household with that KK that you may see"))
		}
		subject := actor.MentionKK(p.KK)
		var personID *int64
		var personStatus *registry.PersonStatus
		if p.NIK != "" {
			var id int64
			var ps registry.PersonStatus
			err := tx.QueryRow(ctx, `SELECT id, register_status FROM person WHERE nik = $1 AND household_id = $2`, p.NIK, householdID).Scan(&id, &ps)
			if errors.Is(err, pgx.ErrNoRows) {
				return &jaring.Error{Code: jaring.ENOTFOUND, Field: "nik", Message: "nik: no member of that household has that NIK"}
			}
			if err != nil {
				return err
			}
			personID, personStatus, subject = &id, &ps, actor.MentionNIK(p.NIK)
		}
		if err := verival.CanPropose(p.Kind, status, personStatus, subject); err != nil {
			return err
		}
		var corrections []byte
		if p.Corrections != nil {
			if corrections, err = json.Marshal(p.Corrections); err != nil {
				return err
			}
		}
		rows, _ := tx.Query(ctx, `INSERT INTO register_change AS c (household_id, region_code, person_id, change, reason, evidence,
				corrections, proposed_by, proposed_org_id, proposed_at)
			SELECT h.id, h.region_code, $2, $3, $4, $5, $6, $7, $8, $9 FROM household h WHERE h.id = $1
			ON CONFLICT (household_id, person_id, change) WHERE status = 'PROPOSED' DO NOTHING
			RETURNING `+changeColumns,
			householdID, personID, p.Kind, p.Reason, p.Evidence, corrections, actor.Login, actor.OrgID, p.At)
		inserted, err := pgx.CollectRows(rows, scanChange)
		if err != nil {
			return translate(err, "register change")
		}
		if len(inserted) == 0 {
			// One is open already: name it.
			rows, _ := tx.Query(ctx, `SELECT `+changeColumns+` FROM register_change c WHERE c.household_id = $1
				AND c.person_id IS NOT DISTINCT FROM $2 AND c.change = $3 AND c.status = 'PROPOSED'`, householdID, personID, p.Kind)
			first, err := pgx.CollectExactlyOneRow(rows, scanChange)
			if err != nil {
				return translate(err, "open register change")
			}
			return verival.OpenConflict(first, subject)
		}
		out = inserted[0]
		return auditChange(ctx, tx, s.audit, &changes{households: []int64{householdID}})
	})
	return out, translate(err, "register change")
}

// RecordDeliberation records a deliberation and applies its decisions, all
// or none, under locks on the proposals and then their households.
func (s *VerivalStore) RecordDeliberation(ctx context.Context, actor jaring.Actor, d verival.NewDeliberation) (*verival.Deliberation, error) {
	var out *verival.Deliberation
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		ids := make([]int64, len(d.Decisions))
		for i, dec := range d.Decisions {
			ids[i] = dec.ChangeID
		}
		slices.Sort(ids)
		a := args{ids}
		rows, _ := tx.Query(ctx, `SELECT `+changeColumns+` FROM register_change c WHERE c.id = ANY($1) AND `+
			inScope(actor.Scope, &a, registerChanges)+` ORDER BY c.id FOR UPDATE`, a...)
		locked, err := pgx.CollectRows(rows, scanChange)
		if err != nil {
			return translate(err, "register changes")
		}
		found := make(map[int64]*verival.Change, len(locked))
		var householdIDs []int64
		for _, c := range locked {
			found[c.ID] = c
			householdIDs = append(householdIDs, c.HouseholdID)
		}
		for i, dec := range d.Decisions {
			c, ok := found[dec.ChangeID]
			if !ok {
				return jaring.WithField(fmt.Sprintf("decisions[%d]", i), &jaring.Error{Code: jaring.ENOTFOUND, Field: "change",
					Message: fmt.Sprintf("change: no register change with ID %d that you may see", dec.ChangeID)})
			}
			if err := verival.CanDecide(c, d.Village, d.Date); err != nil {
				return jaring.WithField(fmt.Sprintf("decisions[%d]", i), err)
			}
		}
		slices.Sort(householdIDs)
		householdIDs = slices.Compact(householdIDs)
		if _, err := tx.Exec(ctx, `SELECT id FROM household WHERE id = ANY($1) ORDER BY id FOR UPDATE`, householdIDs); err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, `INSERT INTO deliberation AS d (region_code, held_on, minutes_ref, recorded_by, recorded_org_id, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+deliberationColumns,
			d.Village, d.Date, d.MinutesRef, actor.Login, actor.OrgID, d.At)
		if out, err = pgx.CollectExactlyOneRow(rows, scanDeliberation); err != nil {
			return translate(err, "deliberation")
		}
		for i, dec := range d.Decisions {
			c := found[dec.ChangeID]
			status := verival.Rejected
			if dec.Decision == verival.Approve {
				status = verival.Approved
				if err := s.apply(ctx, tx, actor, c, out); err != nil {
					return appliedAt(i, c.ID, err)
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE register_change SET status = $2, deliberation_id = $3, note = $4, decided_at = $5 WHERE id = $1`,
				c.ID, status, out.ID, dec.Note, d.At); err != nil {
				return appliedAt(i, c.ID, translate(err, "register change"))
			}
		}
		return auditChange(ctx, tx, s.audit, &changes{households: householdIDs})
	})
	return out, translate(err, "deliberation")
}

// appliedAt places an error met while applying register change id at the
// decision that approved it, decisions[i].change, keeping its code.
func appliedAt(i int, id int64, err error) error {
	var e *jaring.Error
	if !errors.As(err, &e) {
		return err
	}
	field := fmt.Sprintf("decisions[%d].change", i)
	if e.Field == "change" {
		return jaring.WithField(fmt.Sprintf("decisions[%d]", i), e)
	}
	return &jaring.Error{Code: e.Code, Field: field, Message: fmt.Sprintf("%s: register change %d cannot be applied: %s", field, id, e.Message)}
}

// apply makes the register what approved change c says, under the lock on
// its household: a household's status for an ADD or REMOVE of the whole
// household, a member's for a REMOVE of one, the corrected values for an
// UPDATE. A death puts the benefits the person held, and the household's
// when they were its head, on the review list; no benefit is changed.
func (s *VerivalStore) apply(ctx context.Context, tx pgx.Tx, actor jaring.Actor, c *verival.Change, d *verival.Deliberation) error {
	var kk string
	var status registry.RegisterStatus
	if err := tx.QueryRow(ctx, `SELECT kk, register_status FROM household WHERE id = $1`, c.HouseholdID).Scan(&kk, &status); err != nil {
		return err
	}
	if c.PersonID == nil {
		if err := verival.CanPropose(c.Kind, status, nil, actor.MentionKK(kk)); err != nil {
			return err
		}
		if next, changes := verival.HouseholdStatusAfter(c.Kind); changes {
			_, err := tx.Exec(ctx, `UPDATE household SET register_status = $2, updated_at = $3 WHERE id = $1`, c.HouseholdID, next, d.RecordedAt)
			return err
		}
		if k := c.Corrections; k != nil {
			_, err := tx.Exec(ctx, `UPDATE household SET address = coalesce($2, address), rt = coalesce($3, rt), rw = coalesce($4, rw),
				dusun = coalesce($5, dusun), updated_at = $6 WHERE id = $1`, c.HouseholdID, k.Address, k.RT, k.RW, k.Dusun, d.RecordedAt)
			return translate(err, "household")
		}
		return nil
	}
	var nik string
	var personStatus registry.PersonStatus
	var relationship registry.Relationship
	if err := tx.QueryRow(ctx, `SELECT nik, register_status, relationship FROM person WHERE id = $1`, *c.PersonID).
		Scan(&nik, &personStatus, &relationship); err != nil {
		return err
	}
	if err := verival.CanPropose(c.Kind, status, &personStatus, actor.MentionNIK(nik)); err != nil {
		return err
	}
	switch c.Kind {
	case verival.Remove:
		if _, err := tx.Exec(ctx, `UPDATE person SET register_status = $2 WHERE id = $1`, *c.PersonID, verival.PersonStatusAfter(c.Reason)); err != nil {
			return err
		}
		if c.Reason != verival.Deceased {
			return nil
		}
		// What the person still held on the day of the deliberation, and,
		// for a head, what the household held: for the payers to review.
		_, err := tx.Exec(ctx, `INSERT INTO benefit_review (benefit_id, household_id, region_code, person_id, change_id, reason, created_at)
			SELECT b.id, b.household_id, b.region_code, $2, $3, 'DECEASED', $4 FROM benefit b
			WHERE b.household_id = $1 AND b.status = ANY($5) AND (upper_inf(b.period) OR upper(b.period) > $6)
			  AND (b.person_id = $2 OR (b.person_id IS NULL AND $7))
			ORDER BY b.id
			ON CONFLICT (benefit_id) WHERE status = 'OPEN' DO NOTHING`,
			c.HouseholdID, *c.PersonID, c.ID, d.RecordedAt, benefit.HeldStatuses, d.Date, relationship == registry.Head)
		return err
	case verival.Update:
		if k := c.Corrections; k != nil {
			_, err := tx.Exec(ctx, `UPDATE person SET name = coalesce($2, name), birth_date = coalesce($3, birth_date),
				birth_place = coalesce($4, birth_place), sex = coalesce($5, sex), mother_name = coalesce($6, mother_name) WHERE id = $1`,
				*c.PersonID, k.Name, k.BirthDate, k.BirthPlace, k.Sex, k.MotherName)
			return translate(err, "person")
		}
	}
	return nil
}

// ReviewBenefit closes a review of a benefit the actor's organisation pays,
// under a lock on its household.
func (s *VerivalStore) ReviewBenefit(ctx context.Context, actor jaring.Actor, id int64, in verival.ReviewInput) (*verival.Review, error) {
	var out *verival.Review
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		a := args{id}
		var householdID int64
		err := tx.QueryRow(ctx, `SELECT v.household_id FROM benefit_review v WHERE v.id = $1 AND `+reviewInScope(actor.Scope, &a), a...).Scan(&householdID)
		if err != nil {
			return translate(err, fmt.Sprintf("benefit review with ID %d that you may see", id))
		}
		if _, err := tx.Exec(ctx, `SELECT id FROM household WHERE id = $1 FOR UPDATE`, householdID); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `SELECT `+reviewColumns+`, b.payer_id, b.status FROM benefit_review v JOIN benefit b ON b.id = v.benefit_id
			WHERE v.id = $1 FOR UPDATE OF v`, id)
		var payerID int64
		var held benefit.Status
		r, err := pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (*verival.Review, error) {
			var v verival.Review
			return &v, row.Scan(append(reviewDest(&v), &payerID, &held)...)
		})
		if err != nil {
			return translate(err, "benefit review")
		}
		if err := r.CanReview(actor.OrgID, payerID); err != nil {
			return err
		}
		if in.Outcome == verival.End && slices.Contains(benefit.HeldStatuses, held) {
			if _, err := tx.Exec(ctx, `UPDATE benefit SET status = 'ENDED' WHERE id = $1`, r.BenefitID); err != nil {
				return translate(err, "benefit")
			}
		}
		rows, _ = tx.Query(ctx, `UPDATE benefit_review v SET status = 'CLOSED', outcome = $2, note = $3, reviewed_by = $4,
			reviewed_org_id = $5, reviewed_at = $6 WHERE v.id = $1 RETURNING `+reviewColumns,
			id, in.Outcome, in.Note, actor.Login, actor.OrgID, in.At)
		if out, err = pgx.CollectExactlyOneRow(rows, scanReview); err != nil {
			return translate(err, "benefit review")
		}
		return auditChange(ctx, tx, s.audit, &changes{households: []int64{householdID}})
	})
	return out, translate(err, "benefit review")
}

// errExportUnrecorded refuses an export that no audit record awaits.
var errExportUnrecorded = errors.New("export register changes: no audit record of the export (audit.WithPending)")

// ExportChanges reads the approved changes decided by the deliberations held
// from one day to another, in scope, and records the reading in the same
// transaction.
func (s *VerivalStore) ExportChanges(ctx context.Context, actor jaring.Actor, from, to time.Time) ([]verival.ExportRow, error) {
	if audit.PendingFrom(ctx) == nil || s.audit == nil {
		return nil, errExportUnrecorded
	}
	var out []verival.ExportRow
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		a := args{from, to}
		rows, _ := tx.Query(ctx, `SELECT `+changeColumns+`, h.kk, coalesce(p.nik, ''), `+deliberationColumns+`
			FROM register_change c JOIN deliberation d ON d.id = c.deliberation_id JOIN household h ON h.id = c.household_id
			LEFT JOIN person p ON p.id = c.person_id
			WHERE c.status = 'APPROVED' AND d.held_on BETWEEN $1 AND $2 AND `+inScope(actor.Scope, &a, registerChanges)+`
			ORDER BY d.held_on, d.id, c.id`, a...)
		var err error
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (verival.ExportRow, error) {
			c, dest, done := changeDest()
			r := verival.ExportRow{Change: c, Deliberation: &verival.Deliberation{}}
			dest = append(append(dest, &r.KK, &r.NIK), deliberationDest(r.Deliberation)...)
			return r, done(row.Scan(dest...))
		})
		if err != nil {
			return translate(err, "register changes")
		}
		var households []int64
		for _, r := range out {
			households = append(households, r.Change.HouseholdID)
		}
		slices.Sort(households)
		return auditChange(ctx, tx, s.audit, &changes{households: slices.Compact(households)})
	})
	if err != nil {
		return nil, translate(err, "register changes")
	}
	return out, nil
}

// changeWhere compiles a scope and a filter into a WHERE clause over
// register change c, appending their arguments to a.
func changeWhere(scope jaring.Scope, f verival.ChangeFilter, a *args) string {
	where := inScope(scope, a, registerChanges)
	if f.Region != "" {
		where += " AND " + inScope(jaring.Scope{Households: jaring.RegionHouseholds, Region: f.Region}, a, registerChanges)
	}
	if f.Status != nil {
		where += " AND c.status = " + a.add(*f.Status)
	}
	return where
}

// FindChanges returns a page of the proposals in scope that match filter.
func (s *VerivalStore) FindChanges(ctx context.Context, scope jaring.Scope, f verival.ChangeFilter, page jaring.PageRequest) ([]*verival.Change, bool, error) {
	a := args{page.After, page.First + 1}
	where := changeWhere(scope, f, &a)
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+changeColumns+` FROM register_change c WHERE c.id > $1 AND `+where+` ORDER BY c.id LIMIT $2`, a...)
	cs, err := pgx.CollectRows(rows, scanChange)
	if err != nil {
		return nil, false, translate(err, "register changes")
	}
	if len(cs) > page.First {
		return cs[:page.First], true, nil
	}
	return cs, false, nil
}

// CountChanges counts the proposals in scope that match filter.
func (s *VerivalStore) CountChanges(ctx context.Context, scope jaring.Scope, f verival.ChangeFilter) (int, error) {
	var a args
	where := changeWhere(scope, f, &a)
	var n int
	if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM register_change c WHERE `+where, a...).Scan(&n); err != nil {
		return 0, translate(err, "register changes")
	}
	return n, nil
}

// FindChangesByIDs returns the proposals in scope with the given IDs.
func (s *VerivalStore) FindChangesByIDs(ctx context.Context, scope jaring.Scope, ids []int64) ([]*verival.Change, error) {
	a := args{ids}
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+changeColumns+` FROM register_change c WHERE c.id = ANY($1) AND `+inScope(scope, &a, registerChanges), a...)
	cs, err := pgx.CollectRows(rows, scanChange)
	return cs, translate(err, "register changes")
}

// FindChangesByDeliberations returns the proposals in scope that the given
// deliberations decided.
func (s *VerivalStore) FindChangesByDeliberations(ctx context.Context, scope jaring.Scope, ids []int64) ([]*verival.Change, error) {
	a := args{ids}
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+changeColumns+` FROM register_change c WHERE c.deliberation_id = ANY($1) AND `+
		inScope(scope, &a, registerChanges)+` ORDER BY c.deliberation_id, c.id`, a...)
	cs, err := pgx.CollectRows(rows, scanChange)
	return cs, translate(err, "register changes")
}

// FindDeliberationsByIDs returns the deliberations with the given IDs that
// decided a proposal in scope.
func (s *VerivalStore) FindDeliberationsByIDs(ctx context.Context, scope jaring.Scope, ids []int64) ([]*verival.Deliberation, error) {
	a := args{ids}
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+deliberationColumns+` FROM deliberation d WHERE d.id = ANY($1) AND `+deliberationInScope(scope, &a), a...)
	ds, err := pgx.CollectRows(rows, scanDeliberation)
	return ds, translate(err, "deliberations")
}

// FindReviews returns a page of the reviews in scope in the given status.
func (s *VerivalStore) FindReviews(ctx context.Context, scope jaring.Scope, status verival.ReviewStatus, page jaring.PageRequest) ([]*verival.Review, bool, error) {
	a := args{status, page.After, page.First + 1}
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+reviewColumns+` FROM benefit_review v WHERE v.status = $1 AND v.id > $2 AND `+
		reviewInScope(scope, &a)+` ORDER BY v.id LIMIT $3`, a...)
	vs, err := pgx.CollectRows(rows, scanReview)
	if err != nil {
		return nil, false, translate(err, "benefit reviews")
	}
	if len(vs) > page.First {
		return vs[:page.First], true, nil
	}
	return vs, false, nil
}
