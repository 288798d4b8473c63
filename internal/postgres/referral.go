package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/donor"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
)

// ReferralStore keeps applications and referrals.
type ReferralStore struct {
	db    *DB
	audit *AuditLog
}

var _ referral.Store = (*ReferralStore)(nil)

// NewReferralStore returns a ReferralStore on db that records its changes
// in log, in the transaction that makes them.
func NewReferralStore(db *DB, log *AuditLog) *ReferralStore {
	return &ReferralStore{db: db, audit: log}
}

const applicationColumns = `a.id, a.number, a.household_id, a.applicant_nik, a.applicant_id, a.type, a.category, coalesce(a.kind_code, ''),
	a.description, a.doc_ktp, a.doc_kk, a.doc_sktm, a.doc_register, a.status, a.status_reason, a.submitted_by_id,
	a.submitted_at, a.updated_at`

func scanApplication(row pgx.CollectableRow) (*referral.Application, error) {
	var a referral.Application
	err := row.Scan(&a.ID, &a.Number, &a.HouseholdID, &a.ApplicantNIK, &a.ApplicantID, &a.Type, &a.Category, &a.KindCode,
		&a.Description, &a.Documents.KTP, &a.Documents.KK, &a.Documents.SKTM, &a.Documents.Register,
		&a.Status, &a.StatusReason, &a.SubmittedByID, &a.SubmittedAt, &a.UpdatedAt)
	return &a, err
}

const referralColumns = `r.id, r.application_id, r.household_id, r.from_id, r.to_id, r.program_id, r.status, r.reason,
	r.benefit_id, r.created_at, r.decided_at, r.eligibility`

func scanReferral(row pgx.CollectableRow) (*referral.Referral, error) {
	var r referral.Referral
	var eligibility []byte
	err := row.Scan(&r.ID, &r.ApplicationID, &r.HouseholdID, &r.FromID, &r.ToID, &r.ProgramID, &r.Status, &r.Reason,
		&r.BenefitID, &r.CreatedAt, &r.DecidedAt, &eligibility)
	if err == nil && eligibility != nil {
		r.Eligibility = &donor.Answer{}
		err = json.Unmarshal(eligibility, r.Eligibility)
	}
	return &r, err
}

// FindApplicationsByHouseholds returns the applications of the given
// households that scope lets the caller see, newest first.
func (s *ReferralStore) FindApplicationsByHouseholds(ctx context.Context, scope jaring.Scope, householdIDs []int64) ([]*referral.Application, error) {
	a := args{householdIDs}
	rows, _ := s.db.Keyed.Query(ctx, `SELECT `+applicationColumns+` FROM application a WHERE a.household_id = ANY($1)
		AND `+applicationInScope(scope, &a)+` ORDER BY a.household_id, a.submitted_at DESC, a.id DESC`, a...)
	as, err := pgx.CollectRows(rows, scanApplication)
	return as, translate(err, "applications")
}

// FindApplicationsByIDs returns the applications in scope with the given IDs.
func (s *ReferralStore) FindApplicationsByIDs(ctx context.Context, scope jaring.Scope, ids []int64) ([]*referral.Application, error) {
	a := args{ids}
	rows, _ := s.db.Keyed.Query(ctx, `SELECT `+applicationColumns+` FROM application a WHERE a.id = ANY($1) AND `+applicationInScope(scope, &a), a...)
	as, err := pgx.CollectRows(rows, scanApplication)
	return as, translate(err, "applications")
}

// FindReferralsByHouseholds returns the referrals of the given households
// that scope lets the caller see, newest first.
func (s *ReferralStore) FindReferralsByHouseholds(ctx context.Context, scope jaring.Scope, householdIDs []int64) ([]*referral.Referral, error) {
	a := args{householdIDs}
	rows, _ := s.db.Keyed.Query(ctx, `SELECT `+referralColumns+` FROM referral r WHERE r.household_id = ANY($1)
		AND `+referralInScope(scope, &a)+` ORDER BY r.household_id, r.created_at DESC, r.id DESC`, a...)
	rs, err := pgx.CollectRows(rows, scanReferral)
	return rs, translate(err, "referrals")
}

// FindReferralsByApplications returns the referrals of the given
// applications that scope lets the caller see, in order of ID.
func (s *ReferralStore) FindReferralsByApplications(ctx context.Context, scope jaring.Scope, applicationIDs []int64) ([]*referral.Referral, error) {
	a := args{applicationIDs}
	rows, _ := s.db.Keyed.Query(ctx, `SELECT `+referralColumns+` FROM referral r WHERE r.application_id = ANY($1)
		AND `+referralInScope(scope, &a)+` ORDER BY r.application_id, r.id`, a...)
	rs, err := pgx.CollectRows(rows, scanReferral)
	return rs, translate(err, "referrals")
}
