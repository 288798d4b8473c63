package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/verival"
)

// QuarantineStore keeps the data issues of imports (verival.QuarantineStore).
type QuarantineStore struct {
	db    *DB
	audit *AuditLog
}

// NewQuarantineStore returns a QuarantineStore on db whose changes are
// recorded in log.
func NewQuarantineStore(db *DB, log *AuditLog) *QuarantineStore {
	return &QuarantineStore{db: db, audit: log}
}

const dataIssueColumns = `d.id, d.import_id, d.kind, d.org_id, d.file, d.line, d.raw, d.reasons, d.issues, d.quarantined,
	coalesce(d.kk, ''), coalesce(d.nik, ''), d.region_code, d.household_id, d.person_id, d.related_person_id, d.benefit_id,
	d.status, d.resolution_note, d.resolved_by, d.resolved_org_id, d.resolved_at, d.created_at`

func scanDataIssue(row pgx.CollectableRow) (*verival.DataIssue, error) {
	var d verival.DataIssue
	var reasons []string
	var issues []byte
	var note, by *string
	var orgID *int64
	var at *time.Time
	err := row.Scan(&d.ID, &d.ImportID, &d.Kind, &d.OrgID, &d.File, &d.Line, &d.Raw, &reasons, &issues, &d.Quarantined,
		&d.KK, &d.NIK, &d.RegionCode, &d.HouseholdID, &d.PersonID, &d.RelatedPersonID, &d.BenefitID,
		&d.Status, &note, &by, &orgID, &at, &d.CreatedAt)
	if err != nil {
		return nil, err
	}
	for _, r := range reasons {
		d.Reasons = append(d.Reasons, verival.Reason(r))
	}
	if err := json.Unmarshal(issues, &d.Issues); err != nil {
		return nil, fmt.Errorf("data issue %d: issues: %w", d.ID, err)
	}
	if note != nil && by != nil && orgID != nil && at != nil {
		d.Resolution = &verival.Resolution{Note: *note, By: *by, OrgID: *orgID, At: *at}
	}
	return &d, nil
}

// FindDataIssues returns a page of the data issues in scope; see
// verival.QuarantineStore.
func (s *QuarantineStore) FindDataIssues(ctx context.Context, scope jaring.Scope, f verival.IssueFilter, page jaring.PageRequest) ([]*verival.DataIssue, bool, error) {
	after := page.After
	if after == 0 {
		after = math.MaxInt64
	}
	a := args{after, page.First + 1}
	where := "d.id < $1 AND " + dataIssueInScope(scope, &a)
	if f.Status != "" {
		where += " AND d.status = " + a.add(string(f.Status))
	}
	if f.Reason != "" {
		where += " AND d.reasons @> ARRAY[" + a.add(string(f.Reason)) + "::text]"
	}
	if f.Kind != "" {
		where += " AND d.kind = " + a.add(string(f.Kind))
	}
	if f.Region != "" {
		where += fmt.Sprintf(" AND d.region_code >= %s AND d.region_code < %s", a.add(f.Region), a.add(f.Region+"/"))
	}
	if f.ImportID != 0 {
		where += " AND d.import_id = " + a.add(f.ImportID)
	}
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+dataIssueColumns+` FROM data_issue d WHERE `+where+` ORDER BY d.id DESC LIMIT $2`, a...)
	ds, err := pgx.CollectRows(rows, scanDataIssue)
	if err != nil {
		return nil, false, translate(err, "data issues")
	}
	if len(ds) > page.First {
		return ds[:page.First], true, nil
	}
	return ds, false, nil
}

// FindDataIssuesByIDs returns the data issues in scope with the given IDs.
func (s *QuarantineStore) FindDataIssuesByIDs(ctx context.Context, scope jaring.Scope, ids []int64) ([]*verival.DataIssue, error) {
	a := args{ids}
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+dataIssueColumns+` FROM data_issue d WHERE d.id = ANY($1) AND `+
		dataIssueInScope(scope, &a), a...)
	ds, err := pgx.CollectRows(rows, scanDataIssue)
	return ds, translate(err, "data issues")
}

// ResolveDataIssue closes an open issue in the actor's scope, and records
// it naming the row's person and household.
func (s *QuarantineStore) ResolveDataIssue(ctx context.Context, actor jaring.Actor, id int64, note string) (*verival.DataIssue, error) {
	var out *verival.DataIssue
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		a := args{id}
		rows, _ := tx.Query(ctx, `SELECT `+dataIssueColumns+` FROM data_issue d WHERE d.id = $1 AND `+
			dataIssueInScope(actor.Scope, &a)+` FOR UPDATE`, a...)
		d, err := pgx.CollectExactlyOneRow(rows, scanDataIssue)
		if err != nil {
			return translate(err, "data issue with this ID that you may see")
		}
		if d.Status != verival.IssueOpen {
			return &jaring.Error{Code: jaring.ECONFLICT, Field: "id", Message: fmt.Sprintf(
				"id: the data issue was resolved already, on %s", d.Resolution.At.Format(jaring.DateLayout))}
		}
		rows, _ = tx.Query(ctx, `UPDATE data_issue d SET status = 'RESOLVED', resolution_note = $2, resolved_by = $3,
				resolved_org_id = $4, resolved_at = now()
			WHERE d.id = $1 RETURNING `+dataIssueColumns, id, note, actor.Login, actor.OrgID)
		if out, err = pgx.CollectExactlyOneRow(rows, scanDataIssue); err != nil {
			return translate(err, "data issue")
		}
		c := &changes{}
		if d.HouseholdID != nil {
			c.households = append(c.households, *d.HouseholdID)
		}
		if d.NIK != "" {
			c.persons = append(c.persons, d.NIK)
		}
		if d.KK != "" && d.HouseholdID == nil {
			c.kks = append(c.kks, d.KK)
		}
		return auditChange(ctx, tx, s.audit, c)
	})
	if err != nil {
		return nil, translate(err, "data issue")
	}
	return out, nil
}
