package main

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

const decideReferral = `mutation($input: DecisionInput!) { decideReferral(input: $input) { status } }`

// firstDecisionDay is the first day of the benefits the decisions record,
// years after the recordBenefits items' (firstDay), one day per referral.
var firstDecisionDay = time.Date(2041, time.January, 1, 0, 0, 0, 0, time.UTC)

// pending is a referral made for the bench, and the NIK of its applicant.
type pending struct {
	id  int64
	nik string
}

// removeBenchWork deletes what earlier runs wrote: the applications and
// referrals made for the decisions (numbered BENCH-…), then the benefits
// of every measurement (external references BENCH-…), which the referrals
// point to. A reused cluster then holds the seeded register and ledger
// again.
func (b *bench) removeBenchWork(ctx context.Context) error {
	return pgx.BeginFunc(ctx, b.owner, func(tx pgx.Tx) error {
		for _, sql := range []string{
			`DELETE FROM referral WHERE application_id IN (SELECT id FROM application WHERE number LIKE 'BENCH-%')`,
			`DELETE FROM application WHERE number LIKE 'BENCH-%'`,
			`DELETE FROM benefit WHERE external_ref LIKE 'BENCH-%'`,
		} {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return fmt.Errorf("remove the work of earlier runs: %w", err)
			}
		}
		return nil
	})
}

// makeReferrals writes n referrals to DINSOS as the front office's
// workflow leaves them — an aid request for rehabilitation (ATENSI) by a
// member of a household, REFERRED, and its referral PENDING — for persons
// drawn at random, in one statement as the cluster's owner.
func (b *bench) makeReferrals(ctx context.Context, run string, n int) ([]pending, error) {
	rows, err := b.owner.Query(ctx, `
		WITH bounds AS (SELECT min(id) AS lo, max(id) AS hi FROM person),
		picked AS (
			SELECT p.id, p.nik, p.household_id, p.region_code, row_number() OVER () AS i
			FROM person p
			WHERE p.id IN (SELECT lo + (random() * (hi - lo))::bigint FROM bounds, generate_series(1, $1 * 11 / 10))
			LIMIT $1),
		orgs AS (SELECT (SELECT id FROM organisation WHERE code = 'SILAKSO') AS front, (SELECT id FROM organisation WHERE code = 'DINSOS') AS dinsos,
			(SELECT id FROM program WHERE code = 'ATENSI') AS atensi),
		apps AS (
			INSERT INTO application (number, household_id, region_code, applicant_id, applicant_nik, type, kind_code, description, doc_ktp, doc_kk, status, submitted_by_id)
			SELECT 'BENCH-' || $2 || '-' || picked.i, picked.household_id, picked.region_code, picked.id, picked.nik, 'AID_REQUEST', 'REHABILITATION',
				'make bench', true, true, 'REFERRED', orgs.front
			FROM picked, orgs
			RETURNING id, number, household_id, region_code),
		refs AS (
			INSERT INTO referral (application_id, household_id, region_code, from_id, to_id, program_id)
			SELECT apps.id, apps.household_id, apps.region_code, orgs.front, orgs.dinsos, orgs.atensi FROM apps, orgs
			RETURNING id, application_id)
		SELECT refs.id, picked.nik FROM refs JOIN apps ON apps.id = refs.application_id
		JOIN picked ON apps.number = 'BENCH-' || $2 || '-' || picked.i
		ORDER BY refs.id`, n, run)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pending, error) {
		var p pending
		err := r.Scan(&p.id, &p.nik)
		return p, err
	})
	if err == nil && len(out) < n/2 {
		err = fmt.Errorf("made %d referrals of the %d asked", len(out), n)
	}
	return out, err
}

// decisions measures accepted decisions at n clients: decideReferral
// ACCEPT of a pending referral, with the benefit it grants (rehabilitation
// for the applicant, one day of its own), so that each is an approval the
// rules take and the ledger records — the other half of the issue's
// "approvals" beside one-item recordBenefits.
func (b *bench) decisions(ctx context.Context, s settings, run string, n int) (measurement, error) {
	// Enough for 1,000 decisions a second at 1 client and 2,000 at 16,
	// over the warm-up and the measured part.
	perSecond := 1000
	if n > 1 {
		perSecond = 2000
	}
	refs, err := b.makeReferrals(ctx, fmt.Sprintf("%s-%d", run, n), int((s.warmup+s.duration).Seconds())*perSecond)
	if err != nil {
		return measurement{}, fmt.Errorf("make referrals to decide: %w", err)
	}
	var next atomic.Int64
	return b.attack(ctx, s, fmt.Sprintf("decisions-%d", n), n, func(t *vegeta.Target) error {
		i := next.Add(1) - 1
		if i >= int64(len(refs)) {
			return fmt.Errorf("all %d referrals made for the bench are decided", len(refs))
		}
		return b.graphQL(t, decideReferral, map[string]any{"input": map[string]any{
			"referral": fmt.Sprint(refs[i].id), "decision": "ACCEPT",
			"benefit": rehabilitation(refs[i].nik, firstDecisionDay.AddDate(0, 0, int(i)), fmt.Sprintf("BENCH-D-%s-%d-%d", run, n, i))}})
	}, func(r *vegeta.Result) bool { return answered(r) && bytes.Contains(r.Body, []byte(`"FULFILLED"`)) })
}
