package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
)

// FindInbox returns a page of the referrals addressed to orgID, oldest
// first.
func (s *ReferralStore) FindInbox(ctx context.Context, orgID int64, status *referral.ReferralStatus, page jaring.PageRequest) ([]*referral.Referral, bool, error) {
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+referralColumns+` FROM referral r
		WHERE r.to_id = $1 AND ($2::text IS NULL OR r.status = $2)
		  AND ($3::bigint = 0 OR (r.created_at, r.id) > (SELECT c.created_at, c.id FROM referral c WHERE c.id = $3))
		ORDER BY r.created_at, r.id LIMIT $4`, orgID, status, page.After, page.First+1)
	rs, err := pgx.CollectRows(rows, scanReferral)
	if err != nil {
		return nil, false, translate(err, "referrals")
	}
	if len(rs) > page.First {
		return rs[:page.First], true, nil
	}
	return rs, false, nil
}

// SubmitApplication takes an application for a household in scope.
func (s *ReferralStore) SubmitApplication(ctx context.Context, scope jaring.Scope, actor referral.Actor, n referral.NewApplication) (*referral.Application, error) {
	var app *referral.Application
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		a := args{n.KK}
		var householdID int64
		err := tx.QueryRow(ctx, `SELECT h.id FROM household h WHERE h.kk = $1 AND `+householdScope(scope, &a), a...).Scan(&householdID)
		if errors.Is(err, pgx.ErrNoRows) {
			return &jaring.Error{Code: jaring.ENOTFOUND, Field: "kk", Message: "kk: no household with KK " + n.KK + " that you may see; register it first"}
		} else if err != nil {
			return err
		}
		if n.KindCode != "" {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM benefit_kind WHERE code = $1)`, n.KindCode).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return jaring.Invalid("kind", "no kind of aid has the code %s; the kinds query lists them", n.KindCode)
			}
		}
		var kind *string
		if n.KindCode != "" {
			kind = &n.KindCode
		}
		rows, _ := tx.Query(ctx, `
			INSERT INTO application AS a (number, household_id, region_code, applicant_nik, applicant_id, type, category, kind_code,
				description, doc_ktp, doc_kk, doc_sktm, doc_register, status, submitted_by_id)
			SELECT 'SLK-' || to_char(now(), 'YYYY') || '-' || lpad(nextval('application_number')::text, 6, '0'),
				h.id, h.region_code, $2, (SELECT p.id FROM person p WHERE p.nik = $2), $3, $4, $5, $6, $7, $8, $9, $10, 'SUBMITTED', $11
			FROM household h WHERE h.id = $1
			RETURNING `+applicationColumns,
			householdID, n.ApplicantNIK, n.Type, n.Category, kind, n.Description,
			n.Documents.KTP, n.Documents.KK, n.Documents.SKTM, n.Documents.Register, actor.OrgID)
		if app, err = pgx.CollectExactlyOneRow(rows, scanApplication); err != nil {
			return translate(err, "application")
		}
		return auditChange(ctx, tx, s.audit, true, n.KK)
	})
	return app, err
}

// lockApplication loads application id for update, if scope lets the caller
// see it; it also returns its household's KK and register status.
func lockApplication(ctx context.Context, tx pgx.Tx, scope jaring.Scope, id int64) (*referral.Application, string, string, error) {
	a := args{id}
	rows, _ := tx.Query(ctx, `SELECT `+applicationColumns+` FROM application a JOIN household h ON h.id = a.household_id
		WHERE a.id = $1 AND `+householdScope(scope, &a)+` AND `+applicationScope(scope, &a)+` FOR UPDATE OF a`, a...)
	app, err := pgx.CollectExactlyOneRow(rows, scanApplication)
	if err != nil {
		return nil, "", "", translate(err, fmt.Sprintf("application with ID %d that you may see", id))
	}
	var kk, status string
	if err := tx.QueryRow(ctx, `SELECT kk, register_status FROM household WHERE id = $1`, app.HouseholdID).Scan(&kk, &status); err != nil {
		return nil, "", "", err
	}
	return app, kk, status, nil
}

// VerifyApplication verifies an application.
func (s *ReferralStore) VerifyApplication(ctx context.Context, scope jaring.Scope, actor referral.Actor, id int64, docs *referral.Documents) (*referral.Application, error) {
	var out *referral.Application
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		app, kk, registerStatus, err := lockApplication(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if err := app.CanVerify(); err != nil {
			return err
		}
		if docs != nil {
			app.Documents = *docs
		}
		var member *int64
		err = tx.QueryRow(ctx, `SELECT id FROM person WHERE nik = $1 AND household_id = $2`, app.ApplicantNIK, app.HouseholdID).Scan(&member)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		status, reason := referral.Verify(referral.Check{Documents: app.Documents, ApplicantInHousehold: member != nil,
			Registered: app.Documents.Register || registerStatus == "REGISTERED"})
		rows, _ := tx.Query(ctx, `UPDATE application a SET status = $2, status_reason = $3, doc_ktp = $4, doc_kk = $5, doc_sktm = $6,
			doc_register = $7, applicant_id = coalesce($8, a.applicant_id), updated_at = now() WHERE a.id = $1 RETURNING `+applicationColumns,
			app.ID, status, reason, app.Documents.KTP, app.Documents.KK, app.Documents.SKTM, app.Documents.Register, member)
		if out, err = pgx.CollectExactlyOneRow(rows, scanApplication); err != nil {
			return translate(err, "application")
		}
		return auditChange(ctx, tx, s.audit, true, kk)
	})
	return out, err
}

// ReferApplication refers an application to the targets.
func (s *ReferralStore) ReferApplication(ctx context.Context, scope jaring.Scope, actor referral.Actor, id int64, targets []referral.Target) (*referral.Application, error) {
	var out *referral.Application
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		app, kk, _, err := lockApplication(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if err := app.CanRefer(); err != nil {
			return err
		}
		for i, t := range targets {
			field := fmt.Sprintf("to[%d]", i)
			var orgID int64
			var kind jaring.OrgKind
			err := tx.QueryRow(ctx, `SELECT id, kind FROM organisation WHERE code = $1`, t.Organisation).Scan(&orgID, &kind)
			if errors.Is(err, pgx.ErrNoRows) {
				return jaring.Invalid(field+".organisation", "no organisation has the code %s", t.Organisation)
			} else if err != nil {
				return err
			}
			if kind != jaring.OrgAgency && kind != jaring.OrgDonor && kind != jaring.OrgVillage {
				return jaring.Invalid(field+".organisation", "%s is no agency, donor or village: it cannot take referrals", t.Organisation)
			}
			var programID *int64
			if t.Program != "" {
				var pid int64
				if err := tx.QueryRow(ctx, `SELECT id FROM program WHERE code = $1`, t.Program).Scan(&pid); errors.Is(err, pgx.ErrNoRows) {
					return jaring.Invalid(field+".program", "no program has the code %s", t.Program)
				} else if err != nil {
					return err
				}
				programID = &pid
			}
			tag, err := tx.Exec(ctx, `INSERT INTO referral (application_id, household_id, region_code, from_id, to_id, program_id)
				SELECT a.id, a.household_id, a.region_code, $2, $3, $4 FROM application a WHERE a.id = $1
				ON CONFLICT (application_id, to_id) DO NOTHING`, app.ID, actor.OrgID, orgID, programID)
			if err != nil {
				return translate(err, "referral")
			}
			if tag.RowsAffected() == 0 {
				return &jaring.Error{Code: jaring.ECONFLICT, Field: field + ".organisation",
					Message: fmt.Sprintf("%s.organisation: application %s was already referred to %s", field, app.Number, t.Organisation)}
			}
		}
		rows, _ := tx.Query(ctx, `UPDATE application a SET status = 'REFERRED', updated_at = now() WHERE a.id = $1 RETURNING `+applicationColumns, app.ID)
		if out, err = pgx.CollectExactlyOneRow(rows, scanApplication); err != nil {
			return translate(err, "application")
		}
		return auditChange(ctx, tx, s.audit, true, kk)
	})
	return out, err
}

// errRefused rolls a decision back when its benefit was refused.
var errRefused = errors.New("benefit refused")

// DecideReferral accepts or rejects a referral.
func (s *ReferralStore) DecideReferral(ctx context.Context, actor referral.Actor, id int64, d referral.Decision, reason string, b *benefit.Input) (*referral.Referral, *benefit.Result, error) {
	return s.decide(ctx, actor, id, func(r *referral.Referral) error {
		if err := r.CanDecide(); err != nil {
			return err
		}
		if d == referral.Reject {
			r.Status = referral.Declined
			return nil
		}
		r.Status = referral.Accepted
		return nil
	}, reason, b)
}

// FulfilReferral records the benefit of an accepted referral.
func (s *ReferralStore) FulfilReferral(ctx context.Context, actor referral.Actor, id int64, b benefit.Input) (*referral.Referral, *benefit.Result, error) {
	return s.decide(ctx, actor, id, (*referral.Referral).CanFulfil, "", &b)
}

// decide runs one decision on referral id in a transaction: step checks and
// sets the new state; a benefit, if given, is recorded under the
// household's lock and fulfils the referral; the application closes when
// every referral is decided.
func (s *ReferralStore) decide(ctx context.Context, actor referral.Actor, id int64, step func(*referral.Referral) error, reason string, b *benefit.Input) (*referral.Referral, *benefit.Result, error) {
	var out *referral.Referral
	var refused *benefit.Result
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT `+referralColumns+` FROM referral r WHERE r.id = $1 AND (r.to_id = $2 OR r.from_id = $2) FOR UPDATE`, id, actor.OrgID)
		r, err := pgx.CollectExactlyOneRow(rows, scanReferral)
		if err != nil {
			return translate(err, fmt.Sprintf("referral with ID %d that you may see", id))
		}
		if r.ToID != actor.OrgID {
			return jaring.Errorf(jaring.EFORBIDDEN, "Referral %d is addressed to another organisation; only it decides.", id)
		}
		if err := step(r); err != nil {
			return err
		}
		var kk string
		if err := tx.QueryRow(ctx, `SELECT kk FROM household WHERE id = $1`, r.HouseholdID).Scan(&kk); err != nil {
			return err
		}
		var benefitID *int64
		if b != nil {
			res, err := recordForReferral(ctx, tx, r, kk, *b)
			if err != nil {
				return err
			}
			if res.Status != benefit.Recorded {
				refused = &res
				return errRefused
			}
			benefitID = &res.Benefit.ID
			r.Status = referral.Fulfilled
		}
		rows, _ = tx.Query(ctx, `UPDATE referral r SET status = $2, reason = CASE WHEN $3 = '' THEN r.reason ELSE $3 END,
			benefit_id = coalesce($4, r.benefit_id), decided_at = coalesce(r.decided_at, now())
			WHERE r.id = $1 RETURNING `+referralColumns, r.ID, r.Status, reason, benefitID)
		if out, err = pgx.CollectExactlyOneRow(rows, scanReferral); err != nil {
			return translate(err, "referral")
		}
		var statuses []referral.ReferralStatus
		rows, _ = tx.Query(ctx, `SELECT status FROM referral WHERE application_id = $1`, r.ApplicationID)
		if statuses, err = pgx.CollectRows(rows, pgx.RowTo[referral.ReferralStatus]); err != nil {
			return err
		}
		if referral.Closes(statuses) {
			if _, err := tx.Exec(ctx, `UPDATE application SET status = 'CLOSED', updated_at = now() WHERE id = $1 AND status = 'REFERRED'`, r.ApplicationID); err != nil {
				return err
			}
		}
		return auditChange(ctx, tx, s.audit, true, kk)
	})
	if errors.Is(err, errRefused) {
		return nil, refused, nil
	}
	return out, nil, err
}

// recordForReferral records the benefit that fulfils referral r, for r's
// household (KK kk), under the household's lock.
func recordForReferral(ctx context.Context, tx pgx.Tx, r *referral.Referral, kk string, in benefit.Input) (benefit.Result, error) {
	refuse := func(err *jaring.Error) (benefit.Result, error) {
		return benefit.Result{ExternalRef: in.ExternalRef, Status: benefit.Invalid, Err: err}, nil
	}
	if in.KK == "" && in.NIK == "" {
		in.KK = kk
	}
	if in.KK != "" && in.KK != kk {
		return refuse(jaring.Invalid("kk", "the referral is for the household with KK %s, not %s", kk, in.KK))
	}
	if in.NIK != "" {
		var member bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM person WHERE nik = $1 AND household_id = $2)`, in.NIK, r.HouseholdID).Scan(&member); err != nil {
			return benefit.Result{}, err
		}
		if !member {
			return refuse(jaring.Invalid("nik", "the person with NIK %s is not a member of the household with KK %s that was referred", in.NIK, kk))
		}
	}
	// The household is the one referred to the organisation: in its scope.
	rec, err := newRecorder(ctx, tx, jaring.Unrestricted())
	if err != nil {
		return benefit.Result{}, err
	}
	if err := rec.lockHousehold(ctx, r.HouseholdID); err != nil {
		return benefit.Result{}, err
	}
	res, err := rec.record(ctx, in)
	if err != nil {
		return benefit.Result{}, err
	}
	if res.Status == benefit.AlreadyRecorded {
		// A payment already in the ledger fulfils the referral as well.
		res.Status = benefit.Recorded
	}
	return res, nil
}
