package demo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/jaring-id/jaring/internal/jaring"
)

// Load writes generated demo data into an empty, migrated database, in one
// transaction: either all of it is there afterwards or none. It writes with
// COPY into the tables, as the demo's rows are already checked by the
// generator against the same rules the services apply. Returns ECONFLICT if
// the database already holds households.
func Load(ctx context.Context, pool *pgxpool.Pool, d *Data) error {
	return LoadReporting(ctx, pool, d, nil)
}

// LoadReporting is Load, telling progress (if not nil) of each table as
// it starts to write it: its name, the rows written before it and the rows
// there are in all.
func LoadReporting(ctx context.Context, pool *pgxpool.Pool, d *Data, progress func(table string, done, total int)) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx)

	// Two seeds at once must not both find the database empty.
	if _, err := tx.Exec(ctx, `LOCK TABLE household IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM household`).Scan(&n); err != nil {
		return fmt.Errorf("count households: %w", err)
	}
	if n > 0 {
		return jaring.Errorf(jaring.ECONFLICT, "The database already holds %d households; demo data goes only into an empty database.", n)
	}

	steps := []struct {
		what string
		rows int
		load func(context.Context, pgx.Tx, *Data) (int64, error)
	}{
		{"organisations", len(d.Organisations), loadOrganisations},
		{"donor programs", len(d.DonorPrograms), loadDonorPrograms},
		{"households", len(d.Households), loadHouseholds},
		{"persons", len(d.Persons), loadPersons},
		{"benefits", len(d.Benefits), loadBenefits},
		{"applications", len(d.Applications), loadApplications},
		{"referrals", len(d.Referrals), loadReferrals},
	}
	total, done := 0, 0
	for _, s := range steps {
		total += s.rows
	}
	for _, s := range steps {
		if progress != nil {
			progress(s.what, done, total)
		}
		done += s.rows
		n, err := s.load(ctx, tx, d)
		if err != nil {
			return fmt.Errorf("load demo %s: %w", s.what, err)
		}
		// An inner join that finds no match drops a row silently: count.
		if n != int64(s.rows) {
			return fmt.Errorf("load demo %s: wrote %d of %d rows; the others refer to rows that do not exist", s.what, n, s.rows)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	_, err = pool.Exec(ctx, `ANALYZE`)
	return err
}

// copyTemp creates a temporary table and copies rows into it.
func copyTemp(ctx context.Context, tx pgx.Tx, table, columns string, names []string, n int, row func(i int) []any) error {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE `+table+` (`+columns+`) ON COMMIT DROP`); err != nil {
		return err
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, names, pgx.CopyFromSlice(n, func(i int) ([]any, error) { return row(i), nil }))
	return err
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func loadOrganisations(ctx context.Context, tx pgx.Tx, d *Data) (int64, error) {
	return tx.CopyFrom(ctx, pgx.Identifier{"organisation"}, []string{"code", "name", "kind", "region_code"},
		pgx.CopyFromSlice(len(d.Organisations), func(i int) ([]any, error) {
			o := d.Organisations[i]
			return []any{o.Code, o.Name, string(o.Kind), nullable(o.RegionCode)}, nil
		}))
}

func loadDonorPrograms(ctx context.Context, tx pgx.Tx, d *Data) (int64, error) {
	err := copyTemp(ctx, tx, "donor_program_in",
		`code text, name text, kind text, source text, donor text, description text, criteria jsonb,
		 budget bigint, quota int, quota_unit text, amount bigint, open_from date, open_until date`,
		[]string{"code", "name", "kind", "source", "donor", "description", "criteria", "budget", "quota", "quota_unit", "amount", "open_from", "open_until"},
		len(d.DonorPrograms), func(i int) []any {
			p := d.DonorPrograms[i]
			criteria, _ := json.Marshal(p.Criteria)
			return []any{p.Code, p.Name, p.Kind, string(p.Source), p.Donor, p.Description, string(criteria), p.Budget, p.Quota, string(p.QuotaUnit), p.Amount, p.OpenFrom, p.OpenUntil}
		})
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO program (code, name, kind_code, source, owner_id)
		SELECT i.code, i.name, i.kind, i.source, o.id FROM donor_program_in i JOIN organisation o ON o.code = i.donor`); err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO donor_program (program_id, donor_id, description, criteria, budget, quota, quota_unit, amount, open_from, open_until)
		SELECT p.id, p.owner_id, i.description, i.criteria, i.budget, i.quota, i.quota_unit, i.amount, i.open_from, i.open_until
		FROM donor_program_in i JOIN program p ON p.code = i.code`)
	return tag.RowsAffected(), err
}

func loadHouseholds(ctx context.Context, tx pgx.Tx, d *Data) (int64, error) {
	return tx.CopyFrom(ctx, pgx.Identifier{"household"},
		[]string{"kk", "region_code", "address", "rt", "rw", "desil", "register_status"},
		pgx.CopyFromSlice(len(d.Households), func(i int) ([]any, error) {
			h := d.Households[i]
			return []any{h.KK, h.RegionCode, h.Address, h.RT, h.RW, h.Desil, string(h.RegisterStatus)}, nil
		}))
}

func loadPersons(ctx context.Context, tx pgx.Tx, d *Data) (int64, error) {
	err := copyTemp(ctx, tx, "person_in",
		`ord int, kk text, nik text, name text, birth_date date, birth_place text, sex text, relationship text,
		 mother_name text, disabled bool, pregnant bool`,
		[]string{"ord", "kk", "nik", "name", "birth_date", "birth_place", "sex", "relationship", "mother_name", "disabled", "pregnant"},
		len(d.Persons), func(i int) []any {
			p := d.Persons[i]
			return []any{i, p.KK, p.NIK, p.Name, p.BirthDate, p.BirthPlace, string(p.Sex), string(p.Relationship), p.MotherName, p.Disabled, p.Pregnant}
		})
	if err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO person (nik, household_id, region_code, name, birth_date, birth_place, sex, relationship, mother_name, disabled, pregnant)
		SELECT i.nik, h.id, h.region_code, i.name, i.birth_date, i.birth_place, i.sex, i.relationship, i.mother_name, i.disabled, i.pregnant
		FROM person_in i JOIN household h ON h.kk = i.kk ORDER BY i.ord`)
	return tag.RowsAffected(), err
}

func loadBenefits(ctx context.Context, tx pgx.Tx, d *Data) (int64, error) {
	err := copyTemp(ctx, tx, "benefit_in",
		`ord int, kk text, nik text, program text, kind text, source text, payer text, amount bigint,
		 start_date date, end_date date, status text, channel text, external_ref text`,
		[]string{"ord", "kk", "nik", "program", "kind", "source", "payer", "amount", "start_date", "end_date", "status", "channel", "external_ref"},
		len(d.Benefits), func(i int) []any {
			b := d.Benefits[i]
			return []any{i, b.KK, b.NIK, b.Program, b.Kind, string(b.Source), b.Payer, b.Amount, b.Period.Start, b.Period.End, string(b.Status), string(b.Channel), b.ExternalRef}
		})
	if err != nil {
		return 0, err
	}
	// A person-scope benefit names its person by NIK; its household is the
	// person's. A household-scope benefit names its household by KK.
	tag, err := tx.Exec(ctx, `
		INSERT INTO benefit (program_id, kind_code, source, payer_id, household_id, region_code, person_id,
			amount, period, status, channel, external_ref, exclusive)
		SELECT pr.id, i.kind, i.source, o.id, h.id, h.region_code, pe.id,
			i.amount, daterange(i.start_date, i.end_date, '[]'), i.status, i.channel, i.external_ref, k.exclusive
		FROM benefit_in i
		JOIN program pr ON pr.code = i.program
		JOIN benefit_kind k ON k.code = i.kind
		JOIN organisation o ON o.code = i.payer
		LEFT JOIN person pe ON pe.nik = i.nik AND i.nik <> ''
		JOIN household h ON h.id = coalesce(pe.household_id, (SELECT id FROM household WHERE kk = i.kk))
		WHERE (i.nik = '') = (pe.id IS NULL)
		ORDER BY i.ord`)
	return tag.RowsAffected(), err
}

func loadApplications(ctx context.Context, tx pgx.Tx, d *Data) (int64, error) {
	err := copyTemp(ctx, tx, "application_in",
		`ord int, number text, kk text, applicant_nik text, type text, category text, kind text, description text,
		 doc_ktp bool, doc_kk bool, doc_sktm bool, doc_register bool, status text, status_reason text,
		 submitted_by text, submitted_at timestamptz`,
		[]string{"ord", "number", "kk", "applicant_nik", "type", "category", "kind", "description", "doc_ktp", "doc_kk", "doc_sktm", "doc_register", "status", "status_reason", "submitted_by", "submitted_at"},
		len(d.Applications), func(i int) []any {
			a := d.Applications[i]
			return []any{i, a.Number, a.KK, a.ApplicantNIK, string(a.Type), a.Category, nullable(a.Kind), a.Description,
				a.Documents.KTP, a.Documents.KK, a.Documents.SKTM, a.Documents.Register, string(a.Status), a.StatusReason, a.SubmittedBy, a.SubmittedAt}
		})
	if err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO application (number, household_id, region_code, applicant_id, applicant_nik, type, category, kind_code, description,
			doc_ktp, doc_kk, doc_sktm, doc_register, status, status_reason, submitted_by_id, submitted_at, updated_at)
		SELECT i.number, h.id, h.region_code, p.id, p.nik, i.type, i.category, i.kind, i.description,
			i.doc_ktp, i.doc_kk, i.doc_sktm, i.doc_register, i.status, i.status_reason, o.id, i.submitted_at, i.submitted_at
		FROM application_in i
		JOIN household h ON h.kk = i.kk
		JOIN person p ON p.nik = i.applicant_nik
		JOIN organisation o ON o.code = i.submitted_by
		ORDER BY i.ord`)
	if err != nil {
		return 0, err
	}
	// New applications are numbered after the demo's.
	_, err = tx.Exec(ctx, `SELECT setval('application_number', greatest((SELECT count(*) FROM application), 1))`)
	return tag.RowsAffected(), err
}

func loadReferrals(ctx context.Context, tx pgx.Tx, d *Data) (int64, error) {
	err := copyTemp(ctx, tx, "referral_in",
		`ord int, application text, from_org text, to_org text, program text, status text, reason text,
		 benefit_payer text, benefit_ref text, created_at timestamptz, decided_at timestamptz, eligibility jsonb`,
		[]string{"ord", "application", "from_org", "to_org", "program", "status", "reason", "benefit_payer", "benefit_ref", "created_at", "decided_at", "eligibility"},
		len(d.Referrals), func(i int) []any {
			r := d.Referrals[i]
			var eligibility *string
			if r.Eligibility != nil {
				b, _ := json.Marshal(r.Eligibility)
				s := string(b)
				eligibility = &s
			}
			return []any{i, r.Application, r.From, r.To, r.Program, string(r.Status), r.Reason, r.BenefitPayer, r.BenefitRef, r.CreatedAt, r.DecidedAt, eligibility}
		})
	if err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO referral (application_id, household_id, region_code, from_id, to_id, program_id, status, reason,
			benefit_id, created_at, decided_at, eligibility)
		SELECT a.id, a.household_id, a.region_code, f.id, t.id, pr.id, i.status, i.reason, b.id, i.created_at, i.decided_at, i.eligibility
		FROM referral_in i
		JOIN application a ON a.number = i.application
		JOIN organisation f ON f.code = i.from_org
		JOIN organisation t ON t.code = i.to_org
		LEFT JOIN program pr ON pr.code = i.program
		LEFT JOIN organisation bp ON bp.code = i.benefit_payer
		LEFT JOIN benefit b ON b.payer_id = bp.id AND b.external_ref = i.benefit_ref
		WHERE (i.program = '') = (pr.id IS NULL) AND (i.benefit_ref = '') = (b.id IS NULL)
		ORDER BY i.ord`)
	return tag.RowsAffected(), err
}
