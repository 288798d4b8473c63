package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/jaring-id/jaring/internal/jaring"
)

// Counts are the rows a load wrote.
type Counts struct {
	Households, Persons, Benefits, Applications, Referrals int
}

// Load writes generated demo data into an empty, migrated database, in one
// transaction: either all of it is there afterwards or none. It writes with
// COPY into the tables, as the demo's rows are already checked by the
// generator against the same rules the services apply; the database's
// constraints and triggers check them again. Returns ECONFLICT if the
// database already holds households.
func Load(ctx context.Context, pool *pgxpool.Pool, d *Data) error {
	_, err := load(ctx, pool, func(emit func(*Data) error) error { return emit(d) })
	return err
}

// Seed generates the regency of opts (Stream) and loads it block by block
// as it is drawn, one block ahead, in one transaction and in memory that
// does not grow with opts.Households. The rows and their IDs are those Load
// writes for Generate(opts). Returns ECONFLICT if the database already holds
// households.
func Seed(ctx context.Context, pool *pgxpool.Pool, opts Options) (Counts, error) {
	return SeedReporting(ctx, pool, opts, nil)
}

// SeedReporting is Seed, telling progress (if not nil) after each block
// the households written so far and the step it is at ("writing", then
// "checking" while the keys and indexes are added back).
func SeedReporting(ctx context.Context, pool *pgxpool.Pool, opts Options, progress func(step string, households int)) (Counts, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	blocks := make(chan *Data) // the generator draws the next block while the last is written
	genErr := make(chan error, 1)
	go func() {
		defer close(blocks)
		genErr <- Stream(opts, func(d *Data) error {
			select {
			case blocks <- d:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	written := 0
	counts, err := load(ctx, pool, func(emit func(*Data) error) error {
		for d := range blocks {
			if err := emit(d); err != nil {
				return err
			}
			if written += len(d.Households); progress != nil {
				progress("writing", written)
			}
		}
		if progress != nil {
			progress("checking keys and indexes", written)
		}
		return nil
	})
	cancel()
	for range blocks { // let the generator see the cancel and stop
	}
	if err != nil {
		return counts, err
	}
	return counts, <-genErr
}

// load writes the blocks that each calls emit with, in one transaction.
func load(ctx context.Context, pool *pgxpool.Pool, each func(emit func(*Data) error) error) (Counts, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return Counts{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx)

	// Two seeds at once must not both find the database empty.
	if _, err := tx.Exec(ctx, `LOCK TABLE household IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return Counts{}, fmt.Errorf("lock: %w", err)
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM household`).Scan(&n); err != nil {
		return Counts{}, fmt.Errorf("count households: %w", err)
	}
	if n > 0 {
		return Counts{}, jaring.Errorf(jaring.ECONFLICT, "The database already holds %d households; demo data goes only into an empty database.", n)
	}
	l := &loader{tx: tx, ids: [...]ids{
		{table: "household"}, {table: "person"}, {table: "benefit"}, {table: "application"}, {table: "referral"},
	}}
	for i := range l.ids {
		s := &l.ids[i]
		if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id'))`, s.table).Scan(&s.next); err != nil {
			return Counts{}, fmt.Errorf("reserve IDs of %s: %w", s.table, err)
		}
		s.first = s.next
	}
	fks, err := dropForeignKeys(ctx, tx)
	if err != nil {
		return Counts{}, err
	}
	indexes, err := dropIndexes(ctx, tx)
	if err != nil {
		return Counts{}, err
	}
	if err := each(func(d *Data) error { return l.block(ctx, d) }); err != nil {
		return l.counts, err
	}
	for _, ix := range indexes {
		if _, err := tx.Exec(ctx, ix); err != nil {
			return l.counts, fmt.Errorf("load demo: %s: %w", ix, err)
		}
	}
	if err := addForeignKeys(ctx, tx, fks); err != nil {
		return l.counts, err
	}
	for _, s := range l.ids {
		// The sequence goes on after the last ID taken, or gives the
		// first again when none was.
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), $2, $3)`, s.table, max(s.next-1, s.first), s.next > s.first); err != nil {
			return l.counts, fmt.Errorf("advance IDs of %s: %w", s.table, err)
		}
	}
	// New applications are numbered after the demo's.
	if _, err := tx.Exec(ctx, `SELECT setval('application_number', greatest((SELECT count(*) FROM application), 1))`); err != nil {
		return l.counts, err
	}
	if err := tx.Commit(ctx); err != nil {
		return l.counts, fmt.Errorf("commit: %w", err)
	}
	_, err = pool.Exec(ctx, `ANALYZE`)
	return l.counts, err
}

// foreignKey is a foreign key of a table the loader writes.
type foreignKey struct{ table, name, def string }

// dropForeignKeys drops the foreign keys of the tables the loader writes,
// for this transaction: checking a million rows' references one row at a
// time costs several times what writing them does, while adding the keys
// back checks every row at once, in one join per key, as pg_restore does.
// Either the keys are back and every row has been checked, or nothing was
// written.
func dropForeignKeys(ctx context.Context, tx pgx.Tx) ([]foreignKey, error) {
	rows, err := tx.Query(ctx, `
		SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
		FROM pg_constraint c
		WHERE c.contype = 'f' AND c.conrelid IN ('household'::regclass, 'person'::regclass, 'benefit'::regclass, 'application'::regclass, 'referral'::regclass)
		ORDER BY c.conrelid::regclass::text, c.conname`)
	if err != nil {
		return nil, fmt.Errorf("find foreign keys: %w", err)
	}
	var fks []foreignKey
	var fk foreignKey
	if _, err := pgx.ForEachRow(rows, []any{&fk.table, &fk.name, &fk.def}, func() error {
		fks = append(fks, fk)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("find foreign keys: %w", err)
	}
	for _, fk := range fks {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{fk.table}.Sanitize()+` DROP CONSTRAINT `+pgx.Identifier{fk.name}.Sanitize()); err != nil {
			return nil, fmt.Errorf("drop foreign key %s of %s: %w", fk.name, fk.table, err)
		}
	}
	return fks, nil
}

// dropIndexes drops, for this transaction, the indexes of the tables the
// loader writes that back no constraint and that no check of the load
// reads, and returns the statements that build them again: one sort per
// index instead of a million insertions into each. benefit_household stays,
// as the no-double-aid trigger probes the ledger through it.
func dropIndexes(ctx context.Context, tx pgx.Tx) ([]string, error) {
	rows, err := tx.Query(ctx, `
		SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
		FROM pg_index i
		WHERE i.indrelid IN ('household'::regclass, 'person'::regclass, 'benefit'::regclass, 'application'::regclass, 'referral'::regclass)
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
			AND i.indexrelid <> 'benefit_household'::regclass
		ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("find indexes: %w", err)
	}
	var names, defs []string
	var name, def string
	if _, err := pgx.ForEachRow(rows, []any{&name, &def}, func() error {
		names, defs = append(names, name), append(defs, def)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("find indexes: %w", err)
	}
	for _, name := range names {
		if _, err := tx.Exec(ctx, `DROP INDEX `+pgx.Identifier{name}.Sanitize()); err != nil {
			return nil, fmt.Errorf("drop index %s: %w", name, err)
		}
	}
	return defs, nil
}

// addForeignKeys adds back the keys dropForeignKeys dropped, checking every
// row.
func addForeignKeys(ctx context.Context, tx pgx.Tx, fks []foreignKey) error {
	for _, fk := range fks {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{fk.table}.Sanitize()+` ADD CONSTRAINT `+pgx.Identifier{fk.name}.Sanitize()+` `+fk.def); err != nil {
			return fmt.Errorf("load demo: check foreign key %s of %s: %w", fk.name, fk.table, err)
		}
	}
	return nil
}

// The tables whose IDs the loader draws, in l.ids.
const (
	households = iota
	persons
	benefits
	applications
	referrals
)

// ids are the IDs of a table the loader takes from its sequence: the next,
// and the first it took.
type ids struct {
	table       string
	next, first int64
}

// take returns the table's next ID.
func (s *ids) take() int64 {
	s.next++
	return s.next - 1
}

// loader writes blocks of demo data with IDs it takes from each table's
// sequence, in the order Load has always written the rows (household by
// household, then person by person, and so on), so the IDs are those the
// sequences gave when the database numbered the rows. Rows name each other
// by natural keys within a block; the loader turns them into IDs in Go, so
// that each table takes a plain COPY with no join.
type loader struct {
	tx     pgx.Tx
	ids    [5]ids
	counts Counts

	orgs     map[string]int64 // code → ID
	programs map[string]int64 // code → ID
	kinds    map[string]bool  // code → exclusive
}

// owner is the household a row belongs to, and its region.
type owner struct {
	id, household int64
	region        string
}

// danglingError is the error of a row that names what does not exist.
type danglingError struct{ msg string }

func (e *danglingError) Error() string { return e.msg }

func dangling(what string, row, rows int, detail string) error {
	return &danglingError{fmt.Sprintf("load demo %s: wrote %d of %d rows; the others refer to rows that do not exist (%s)", what, row, rows, detail)}
}

// block writes one block of Stream, or the whole of Generate.
func (l *loader) block(ctx context.Context, d *Data) error {
	if len(d.Organisations) > 0 || l.orgs == nil {
		if err := l.catalogue(ctx, d); err != nil {
			return err
		}
	}

	// Households, by KK.
	hh := make(map[string]owner, len(d.Households))
	if err := l.copy(ctx, "households", "household",
		[]string{"id", "kk", "region_code", "address", "rt", "rw", "desil", "register_status"}, len(d.Households), func(i int) ([]any, error) {
			h := &d.Households[i]
			id := l.ids[households].take()
			hh[h.KK] = owner{id: id, household: id, region: h.RegionCode}
			return []any{id, h.KK, h.RegionCode, h.Address, h.RT, h.RW, h.Desil, string(h.RegisterStatus)}, nil
		}); err != nil {
		return err
	}
	l.counts.Households += len(d.Households)

	// Persons, by NIK.
	people := make(map[string]owner, len(d.Persons))
	if err := l.copy(ctx, "persons", "person",
		[]string{"id", "nik", "household_id", "region_code", "name", "birth_date", "birth_place", "sex", "relationship", "mother_name", "disabled", "pregnant"}, len(d.Persons), func(i int) ([]any, error) {
			p := &d.Persons[i]
			h, ok := hh[p.KK]
			if !ok {
				return nil, dangling("persons", i, len(d.Persons), "no household with KK "+p.KK)
			}
			id := l.ids[persons].take()
			people[p.NIK] = owner{id: id, household: h.id, region: h.region}
			return []any{id, p.NIK, h.id, h.region, p.Name, p.BirthDate, p.BirthPlace, string(p.Sex), string(p.Relationship), p.MotherName, p.Disabled, p.Pregnant}, nil
		}); err != nil {
		return err
	}
	l.counts.Persons += len(d.Persons)

	// Benefits, by payer and externalRef. A person-scope benefit names its
	// person by NIK, and its household is the person's; a household-scope
	// benefit names its household by KK.
	bens := map[string]int64{}
	if err := l.copy(ctx, "benefits", "benefit",
		[]string{"id", "program_id", "kind_code", "source", "payer_id", "household_id", "region_code", "person_id",
			"amount", "period", "status", "channel", "external_ref", "exclusive"}, len(d.Benefits), func(i int) ([]any, error) {
			b := &d.Benefits[i]
			program, okProgram := l.programs[b.Program]
			payer, okPayer := l.orgs[b.Payer]
			exclusive, okKind := l.kinds[b.Kind]
			var h owner
			var ok bool
			var person *int64
			if b.NIK != "" {
				h, ok = people[b.NIK]
				person = &h.id
			} else {
				h, ok = hh[b.KK]
			}
			if !okProgram || !okPayer || !okKind || !ok {
				return nil, dangling("benefits", i, len(d.Benefits), fmt.Sprintf("program %s, payer %s, kind %s, KK %s, NIK %q", b.Program, b.Payer, b.Kind, b.KK, b.NIK))
			}
			id := l.ids[benefits].take()
			bens[b.Payer+"|"+b.ExternalRef] = id
			return []any{id, program, b.Kind, string(b.Source), payer, h.household, h.region, person,
				b.Amount, period(b.Period), string(b.Status), string(b.Channel), b.ExternalRef, exclusive}, nil
		}); err != nil {
		return err
	}
	l.counts.Benefits += len(d.Benefits)

	// Applications, by number.
	apps := make(map[string]owner, len(d.Applications))
	if err := l.copy(ctx, "applications", "application",
		[]string{"id", "number", "household_id", "region_code", "applicant_id", "applicant_nik", "type", "category", "kind_code", "description",
			"doc_ktp", "doc_kk", "doc_sktm", "doc_register", "status", "status_reason", "submitted_by_id", "submitted_at", "updated_at"}, len(d.Applications), func(i int) ([]any, error) {
			a := &d.Applications[i]
			h, okH := hh[a.KK]
			p, okP := people[a.ApplicantNIK]
			by, okBy := l.orgs[a.SubmittedBy]
			if !okH || !okP || !okBy {
				return nil, dangling("applications", i, len(d.Applications), fmt.Sprintf("KK %s, applicant %s, submitted by %s", a.KK, a.ApplicantNIK, a.SubmittedBy))
			}
			id := l.ids[applications].take()
			apps[a.Number] = owner{id: id, household: h.id, region: h.region}
			return []any{id, a.Number, h.id, h.region, p.id, a.ApplicantNIK, string(a.Type), a.Category, nullable(a.Kind), a.Description,
				a.Documents.KTP, a.Documents.KK, a.Documents.SKTM, a.Documents.Register, string(a.Status), a.StatusReason, by, a.SubmittedAt, a.SubmittedAt}, nil
		}); err != nil {
		return err
	}
	l.counts.Applications += len(d.Applications)

	if err := l.copy(ctx, "referrals", "referral",
		[]string{"id", "application_id", "household_id", "region_code", "from_id", "to_id", "program_id", "status", "reason",
			"benefit_id", "created_at", "decided_at", "eligibility"}, len(d.Referrals), func(i int) ([]any, error) {
			r := &d.Referrals[i]
			a, okA := apps[r.Application]
			from, okFrom := l.orgs[r.From]
			to, okTo := l.orgs[r.To]
			ok := okA && okFrom && okTo
			var program, ben *int64
			if r.Program != "" {
				id, found := l.programs[r.Program]
				program, ok = &id, ok && found
			}
			if r.BenefitRef != "" {
				id, found := bens[r.BenefitPayer+"|"+r.BenefitRef]
				ben, ok = &id, ok && found
			}
			if !ok {
				return nil, dangling("referrals", i, len(d.Referrals), fmt.Sprintf("application %s, from %s, to %s, program %q, benefit %s %q", r.Application, r.From, r.To, r.Program, r.BenefitPayer, r.BenefitRef))
			}
			var eligibility *string
			if r.Eligibility != nil {
				b, err := json.Marshal(r.Eligibility)
				if err != nil {
					return nil, err
				}
				s := string(b)
				eligibility = &s
			}
			return []any{l.ids[referrals].take(), a.id, a.household, a.region, from, to, program, string(r.Status), r.Reason, ben, r.CreatedAt, r.DecidedAt, eligibility}, nil
		}); err != nil {
		return err
	}
	l.counts.Referrals += len(d.Referrals)
	return nil
}

// catalogue writes the organisations and donor programs, and reads the IDs
// of every organisation, program and kind.
func (l *loader) catalogue(ctx context.Context, d *Data) error {
	tx := l.tx
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"organisation"}, []string{"code", "name", "kind", "region_code"},
		pgx.CopyFromSlice(len(d.Organisations), func(i int) ([]any, error) {
			o := d.Organisations[i]
			return []any{o.Code, o.Name, string(o.Kind), nullable(o.RegionCode)}, nil
		})); err != nil {
		return fmt.Errorf("load demo organisations: %w", err)
	}
	if err := loadDonorPrograms(ctx, tx, d); err != nil {
		return fmt.Errorf("load demo donor programs: %w", err)
	}
	var err error
	if l.orgs, err = codes[int64](ctx, tx, `SELECT code, id FROM organisation`); err != nil {
		return err
	}
	if l.programs, err = codes[int64](ctx, tx, `SELECT code, id FROM program`); err != nil {
		return err
	}
	l.kinds, err = codes[bool](ctx, tx, `SELECT code, exclusive FROM benefit_kind`)
	return err
}

// codes reads a map from code to value.
func codes[T any](ctx context.Context, tx pgx.Tx, sql string) (map[string]T, error) {
	rows, err := tx.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	out := map[string]T{}
	var code string
	var v T
	_, err = pgx.ForEachRow(rows, []any{&code, &v}, func() error {
		out[code] = v
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sql, err)
	}
	return out, nil
}

// copy writes n rows into table with COPY, each made by row as it is
// sent, so that a block's rows are never all in memory as values.
func (l *loader) copy(ctx context.Context, what, table string, columns []string, n int, row func(i int) ([]any, error)) error {
	wrote, err := l.tx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromSlice(n, row))
	if err != nil {
		if d := (*danglingError)(nil); errors.As(err, &d) {
			return d
		}
		return fmt.Errorf("load demo %s: %w", what, err)
	}
	if wrote != int64(n) {
		return fmt.Errorf("load demo %s: wrote %d of %d rows", what, wrote, n)
	}
	return nil
}

// period is a benefit's period as a daterange, its end included.
func period(p jaring.Period) pgtype.Range[pgtype.Date] {
	r := pgtype.Range[pgtype.Date]{
		Lower: pgtype.Date{Time: p.Start, Valid: true}, LowerType: pgtype.Inclusive,
		UpperType: pgtype.Unbounded, Valid: true,
	}
	if p.End != nil {
		r.Upper, r.UpperType = pgtype.Date{Time: *p.End, Valid: true}, pgtype.Inclusive
	}
	return r
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func loadDonorPrograms(ctx context.Context, tx pgx.Tx, d *Data) error {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE donor_program_in (
		code text, name text, kind text, source text, donor text, description text, criteria jsonb,
		budget bigint, quota int, quota_unit text, amount bigint, open_from date, open_until date) ON COMMIT DROP`); err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"donor_program_in"},
		[]string{"code", "name", "kind", "source", "donor", "description", "criteria", "budget", "quota", "quota_unit", "amount", "open_from", "open_until"},
		pgx.CopyFromSlice(len(d.DonorPrograms), func(i int) ([]any, error) {
			p := d.DonorPrograms[i]
			criteria, err := json.Marshal(p.Criteria)
			return []any{p.Code, p.Name, p.Kind, string(p.Source), p.Donor, p.Description, string(criteria), p.Budget, p.Quota, string(p.QuotaUnit), p.Amount, p.OpenFrom, p.OpenUntil}, err
		})); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO program (code, name, kind_code, source, owner_id)
		SELECT i.code, i.name, i.kind, i.source, o.id FROM donor_program_in i JOIN organisation o ON o.code = i.donor`); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO donor_program (program_id, donor_id, description, criteria, budget, quota, quota_unit, amount, open_from, open_until)
		SELECT p.id, p.owner_id, i.description, i.criteria, i.budget, i.quota, i.quota_unit, i.amount, i.open_from, i.open_until
		FROM donor_program_in i JOIN program p ON p.code = i.code`)
	if err == nil && tag.RowsAffected() != int64(len(d.DonorPrograms)) {
		return dangling("donor programs", int(tag.RowsAffected()), len(d.DonorPrograms), "a donor that is no organisation")
	}
	return err
}
