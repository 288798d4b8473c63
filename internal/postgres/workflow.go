package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/donor"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
)

// The workflow's locks, always taken in this order so that no two steps
// deadlock: the application, then its referral, then the household (when a
// benefit is recorded). recordBenefits takes only household locks.

// FindInbox returns a page of the referrals addressed to the scope's
// organisation whose households are in scope, oldest first.
func (s *ReferralStore) FindInbox(ctx context.Context, scope jaring.Scope, status *referral.ReferralStatus, page jaring.PageRequest) ([]*referral.Referral, bool, error) {
	a := args{scope.OrgID, status, page.After, page.First + 1}
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+referralColumns+` FROM referral r
		WHERE r.to_id = $1 AND ($2::text IS NULL OR r.status = $2) AND `+inScope(scope, &a, referrals)+`
		  AND ($3::bigint = 0 OR (r.created_at, r.id) > (SELECT c.created_at, c.id FROM referral c WHERE c.id = $3))
		ORDER BY r.created_at, r.id LIMIT $4`, a...)
	rs, err := pgx.CollectRows(rows, scanReferral)
	if err != nil {
		return nil, false, translate(err, "referrals")
	}
	if len(rs) > page.First {
		return rs[:page.First], true, nil
	}
	return rs, false, nil
}

// SubmitApplication takes an application for a household in the actor's
// scope.
func (s *ReferralStore) SubmitApplication(ctx context.Context, actor referral.Actor, n referral.NewApplication) (*referral.Application, error) {
	var app *referral.Application
	err := inWriteTx(ctx, s.db, func(tx pgx.Tx) error {
		a := args{n.KK}
		var householdID int64
		err := tx.QueryRow(ctx, `SELECT h.id FROM household h WHERE h.kk = $1 AND `+inScope(actor.Scope, &a, households), a...).Scan(&householdID)
		if err != nil {
			return jaring.WithField("kk", translate(err, "household with this KK that you may see; register it first"))
		}
		var kind *string
		if n.KindCode != "" {
			kind = &n.KindCode
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM benefit_kind WHERE code = $1)`, n.KindCode).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return jaring.Invalid("kind", "no kind of aid has the code %s; the kinds query lists them", n.KindCode)
			}
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
		return auditChange(ctx, tx, s.audit, &changes{households: []int64{householdID}, persons: []string{n.ApplicantNIK}})
	})
	return app, translate(err, "application")
}

// lockApplication loads application id for update, if the actor's scope
// lets it see the application; it also returns its household's region and
// register status.
func lockApplication(ctx context.Context, tx pgx.Tx, scope jaring.Scope, id int64) (*referral.Application, string, string, error) {
	a := args{id}
	rows, _ := tx.Query(ctx, `SELECT `+applicationColumns+` FROM application a
		WHERE a.id = $1 AND `+applicationInScope(scope, &a)+` FOR UPDATE OF a`, a...)
	app, err := pgx.CollectExactlyOneRow(rows, scanApplication)
	if err != nil {
		return nil, "", "", translate(err, fmt.Sprintf("application with ID %d that you may see", id))
	}
	var region, status string
	if err := tx.QueryRow(ctx, `SELECT region_code, register_status FROM household WHERE id = $1`, app.HouseholdID).Scan(&region, &status); err != nil {
		return nil, "", "", err
	}
	return app, region, status, nil
}

// VerifyApplication verifies an application.
func (s *ReferralStore) VerifyApplication(ctx context.Context, actor referral.Actor, id int64, docs *referral.Documents) (*referral.Application, error) {
	var out *referral.Application
	err := inWriteTx(ctx, s.db, func(tx pgx.Tx) error {
		app, _, registerStatus, err := lockApplication(ctx, tx, actor.Scope, id)
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
		if err != nil && !errors.Is(err, pgx.ErrNoRows) { // no such member: verification rejects it
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
		return auditChange(ctx, tx, s.audit, &changes{households: []int64{app.HouseholdID}, persons: []string{app.ApplicantNIK}})
	})
	return out, translate(err, "application")
}

// ReferApplication refers an application to the targets.
func (s *ReferralStore) ReferApplication(ctx context.Context, actor referral.Actor, id int64, targets []referral.Target) (*referral.Application, error) {
	var out *referral.Application
	err := inWriteTx(ctx, s.db, func(tx pgx.Tx) error {
		app, householdRegion, _, err := lockApplication(ctx, tx, actor.Scope, id)
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
			var orgRegion string
			err := tx.QueryRow(ctx, `SELECT id, kind, coalesce(region_code, '') FROM organisation WHERE code = $1`, t.Organisation).Scan(&orgID, &kind, &orgRegion)
			if err != nil {
				return jaring.WithField(field+".organisation", translate(err, "organisation with the code "+t.Organisation))
			}
			if err := referral.CanTake(field+".organisation", t.Organisation, kind, orgRegion, householdRegion); err != nil {
				return err
			}
			if kind == jaring.OrgDonor && t.Program == "" {
				return jaring.Invalid(field+".program", "a donor takes referrals to one of its programs: name it")
			}
			var programID *int64
			var eligibility []byte
			if t.Program != "" {
				var p benefit.Program
				err := tx.QueryRow(ctx, `SELECT `+programColumns+` FROM program p WHERE p.code = $1`, t.Program).
					Scan(&p.ID, &p.Code, &p.Name, &p.KindCode, &p.Source, &p.OwnerID)
				if err != nil {
					return jaring.WithField(field+".program", translate(err, "program with the code "+t.Program))
				}
				if err := referral.Names(app, orgID, &p); err != nil {
					return jaring.WithField(field, err)
				}
				programID = &p.ID
				if kind == jaring.OrgDonor {
					if eligibility, err = s.eligibility(ctx, tx, app.HouseholdID, p.ID); err != nil {
						return jaring.WithField(field, err)
					}
				}
			}
			tag, err := tx.Exec(ctx, `INSERT INTO referral (application_id, household_id, region_code, from_id, to_id, program_id, eligibility)
				SELECT a.id, a.household_id, a.region_code, $2, $3, $4, $5 FROM application a WHERE a.id = $1
				ON CONFLICT (application_id, to_id) DO NOTHING`, app.ID, actor.OrgID, orgID, programID, eligibility)
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
		return auditChange(ctx, tx, s.audit, &changes{households: []int64{app.HouseholdID}, persons: []string{app.ApplicantNIK}})
	})
	return out, translate(err, "application")
}

// eligibility answers whether household id meets the criteria of donor
// program programID, as the referral to it records: refused unless it does
// (referral.ToDonor).
func (s *ReferralStore) eligibility(ctx context.Context, tx pgx.Tx, householdID, programID int64) ([]byte, error) {
	p, err := findDonorProgram(ctx, tx, programID, false)
	if err != nil {
		return nil, jaring.WithField("program", err)
	}
	var kk string
	if err := tx.QueryRow(ctx, `SELECT kk FROM household WHERE id = $1`, householdID).Scan(&kk); err != nil {
		return nil, err
	}
	fs, err := facts(ctx, tx, []string{kk}, p.Period)
	if err != nil {
		return nil, err
	}
	answer := donor.Evaluate(p.Criteria, p.Period, fs[0], time.Now())
	if err := referral.ToDonor(p, answer); err != nil {
		return nil, err
	}
	return json.Marshal(answer)
}

// errRefused rolls a decision back when its benefit was refused.
var errRefused = errors.New("benefit refused")

// DecideReferral accepts or rejects a referral.
func (s *ReferralStore) DecideReferral(ctx context.Context, actor referral.Actor, id int64, d referral.Decision, reason string, b *benefit.Input) (*referral.Decided, error) {
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
func (s *ReferralStore) FulfilReferral(ctx context.Context, actor referral.Actor, id int64, b benefit.Input) (*referral.Decided, error) {
	return s.decide(ctx, actor, id, (*referral.Referral).CanFulfil, "", &b)
}

// decide runs one decision on referral id in a transaction. It locks the
// referral's application first, so that the decisions of one application's
// referrals run one after another and the last of them, and only it, sees
// every referral decided and closes the application. step checks and sets
// the new state; a benefit, if given, is recorded under the household's lock
// and fulfils the referral.
func (s *ReferralStore) decide(ctx context.Context, actor referral.Actor, id int64, step func(*referral.Referral) error, reason string, b *benefit.Input) (*referral.Decided, error) {
	out := &referral.Decided{}
	err := inWriteTx(ctx, s.db, func(tx pgx.Tx) error {
		a := args{id}
		rows, _ := tx.Query(ctx, `SELECT `+referralColumns+` FROM referral r WHERE r.id = $1 AND `+referralInScope(actor.Scope, &a), a...)
		r, err := pgx.CollectExactlyOneRow(rows, scanReferral)
		if err != nil {
			return translate(err, fmt.Sprintf("referral with ID %d that you may see", id))
		}
		if r.ToID != actor.OrgID {
			return jaring.Errorf(jaring.EFORBIDDEN, "Referral %d is addressed to another organisation; only it decides.", id)
		}
		// The application's lock, then the referral read again under it (a
		// decision that waited for the lock sees the one that held it), in
		// one round trip: a pipeline runs its statements in order.
		var app *referral.Application
		var appErr error
		var kk string // the household's, for the benefit and the audit event
		locked := &pgx.Batch{}
		locked.Queue(`SELECT `+applicationColumns+` FROM application a WHERE a.id = $1 FOR UPDATE OF a`, r.ApplicationID).Query(func(rows pgx.Rows) error {
			app, appErr = pgx.CollectExactlyOneRow(rows, scanApplication)
			return appErr
		})
		locked.Queue(`SELECT `+referralColumns+` FROM referral r WHERE r.id = $1 FOR UPDATE`, id).Query(func(rows pgx.Rows) error {
			var err error
			r, err = pgx.CollectExactlyOneRow(rows, scanReferral)
			return err
		})
		locked.Queue(`SELECT kk FROM household WHERE id = $1`, r.HouseholdID).QueryRow(func(row pgx.Row) error { return row.Scan(&kk) })
		if err := tx.SendBatch(ctx, locked).Close(); appErr != nil {
			return translate(appErr, "application of the referral")
		} else if err != nil {
			return translate(err, "referral")
		}
		if err := step(r); err != nil {
			return err
		}
		var benefitID *int64
		if b != nil {
			res, err := recordForReferral(ctx, tx, actor, r, app, kk, *b)
			if err != nil {
				return err
			}
			if res.Status != benefit.Recorded {
				out.Refused = &res
				return errRefused
			}
			benefitID = &res.Benefit.ID
			r.Status = referral.Fulfilled
		}
		// The update, the statuses of the application's referrals after it,
		// and the names and chain lock of the audit event, in one round
		// trip; the event follows the application's closing, if it closes.
		var statuses []referral.ReferralStatus
		var updErr error
		decided := &pgx.Batch{}
		decided.Queue(`UPDATE referral r SET status = $2, reason = CASE WHEN $3 = '' THEN r.reason ELSE $3 END,
			benefit_id = coalesce($4, r.benefit_id), decided_at = coalesce(r.decided_at, now())
			WHERE r.id = $1 RETURNING `+referralColumns, r.ID, r.Status, reason, benefitID).Query(func(rows pgx.Rows) error {
			out.Referral, updErr = pgx.CollectExactlyOneRow(rows, scanReferral)
			return updErr
		})
		decided.Queue(`SELECT status FROM referral WHERE application_id = $1`, r.ApplicationID).Query(func(rows pgx.Rows) error {
			var err error
			statuses, err = pgx.CollectRows(rows, pgx.RowTo[referral.ReferralStatus])
			return err
		})
		record, err := queueAuditChange(ctx, decided, s.audit, &changes{households: []int64{r.HouseholdID}, persons: []string{app.ApplicantNIK},
			kkOf: map[int64]string{r.HouseholdID: kk}})
		if err != nil {
			return err
		}
		if err := tx.SendBatch(ctx, decided).Close(); updErr != nil {
			return translate(updErr, "referral")
		} else if err != nil {
			return err
		}
		if referral.Closes(statuses) {
			tag, err := tx.Exec(ctx, `UPDATE application SET status = 'CLOSED', updated_at = now() WHERE id = $1 AND status = 'REFERRED'`, r.ApplicationID)
			if err != nil {
				return err
			}
			out.Closed = tag.RowsAffected() == 1
		}
		if record == nil {
			return nil
		}
		return record.write(ctx, tx, nil)
	})
	if errors.Is(err, errRefused) {
		return &referral.Decided{Refused: out.Refused}, nil
	}
	if err != nil {
		return nil, translate(err, "referral")
	}
	return out, nil
}

// recordForReferral records the benefit that fulfils referral r of app, for
// r's household (of KK kk), under the household's lock: a benefit of the
// program the referral names, or of the kind of aid the application asked
// for. It goes the way of a batch of one (prefetch, then one insert).
func recordForReferral(ctx context.Context, tx pgx.Tx, actor referral.Actor, r *referral.Referral, app *referral.Application, kk string, in benefit.Input) (benefit.Result, error) {
	if in.KK == "" && in.NIK == "" {
		in.KK = kk
	}
	rec := newRecorder(tx, actor, 1)
	if err := rec.prefetch(ctx, []benefit.Input{in}); err != nil {
		return benefit.Result{}, err
	}
	prog, err := rec.program(in.Program)
	if err != nil {
		return refuseOrFail(in, err)
	}
	if err := r.FulfilledBy(app, prog); err != nil {
		return refuseOrFail(in, err)
	}
	res, err := rec.recordProgram(ctx, in, prog, func(householdID int64) error {
		if householdID != r.HouseholdID {
			return jaring.Invalid(recipientField(in), "names another household than the one referred")
		}
		return nil
	})
	if err != nil {
		return benefit.Result{}, err
	}
	rec.batch.results[0] = res
	if err := rec.flush(ctx); err != nil {
		return benefit.Result{}, err
	}
	res = rec.batch.results[0]
	if res.Status == benefit.AlreadyRecorded {
		// A payment already in the ledger fulfils the referral as well.
		res.Status = benefit.Recorded
	}
	return res, nil
}

// recipientField is the field that names a benefit's recipient.
func recipientField(in benefit.Input) string {
	if in.NIK != "" {
		return "nik"
	}
	return "kk"
}
