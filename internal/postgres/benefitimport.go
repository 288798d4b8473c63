package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/donor"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/verival"
)

// benefitMerge merges a benefits file into the ledger, as recordBenefits
// would record each row, by the same rules: the program's kind decides
// whether the row names a household or a person, the importer sees only
// the households its scope lets it record for, a payer's reference names
// one benefit (the same benefit again is unchanged), and no row is
// recorded that clashes with aid already held, or with an earlier row of
// the file, unless it carries a supervisor's override.
//
// The clash rule is benefit.Catalogue.FindClashes, the one statement of
// it: the rows that survive the checks in SQL stream back in household
// order, each household's held benefits before its rows, and are judged in
// Go under a lock on every household the file names, as an approval is.
// The exclusion constraint benefit_no_double_aid backs it in the database.
type benefitMerge struct {
	tx  pgx.Tx
	im  *verival.Import
	org importer

	catalogue *benefit.Catalogue
	programs  map[int64]string // codes, for messages
	payers    map[int64]string
	means     map[int64]*means // donor programs with terms, by program ID
}

// The order of a column of the benefits file, for the order of issues.
const (
	ordBenKK = iota
	ordBenNIK
	ordBenProgram
	ordBenAmount
	ordBenStart
	ordBenEnd
	ordBenChannel
	ordBenRef
	ordBenSource
	ordBenOverride
)

func (m *benefitMerge) stage(ctx context.Context) error {
	if _, err := m.tx.Exec(ctx, createStaging); err != nil {
		return err
	}
	if _, err := m.tx.Exec(ctx, `
		CREATE TEMP TABLE import_benefit (
			line            integer NOT NULL,
			raw             bytea NOT NULL,
			issues          jsonb, -- the reader's; NULL for a row that read well
			kk              text COLLATE "C",
			nik             text COLLATE "C",
			program         text COLLATE "C",
			amount          bigint,
			period_start    date,
			period_end      date,
			channel         text,
			external_ref    text COLLATE "C",
			source          text,
			override_reason text
		) ON COMMIT DROP`); err != nil {
		return err
	}
	columns := []string{"line", "raw", "issues", "kk", "nik", "program", "amount", "period_start", "period_end",
		"channel", "external_ref", "source", "override_reason"}
	return copyRows(ctx, m.tx, m.im, "import_benefit", columns, func(v any) ([]any, error) {
		r := v.(*verival.BenefitRow)
		issues, err := issuesJSON(r.Issues)
		if err != nil {
			return nil, err
		}
		in := r.Input
		var start, end, override any
		if !in.Period.Start.IsZero() {
			start = in.Period.Start
		}
		if in.Period.End != nil {
			end = *in.Period.End
		}
		if in.Override != nil {
			override = in.Override.Reason
		}
		return []any{int32(r.Line), []byte(r.Raw), issues, text(in.KK), text(in.NIK), text(in.Program), in.Amount,
			start, end, text(string(in.Channel)), text(in.ExternalRef), text(string(in.Source)), override}, nil
	})
}

func (m *benefitMerge) check(ctx context.Context) error {
	m.im.Phase("checking against the register")
	if _, err := m.tx.Exec(ctx, `
		CREATE TEMP TABLE import_target (
			line         integer NOT NULL,
			program_id   bigint,
			program      text,
			kind_code    text COLLATE "C",
			scope        text,
			source       text,
			owner_id     bigint,
			household_id bigint,
			region_code  text COLLATE "C",
			person_id    bigint,
			person_kk    text COLLATE "C"
		) ON COMMIT DROP`); err != nil {
		return err
	}
	// Whom each row names, as the importer may see them: a person for aid
	// to one person, a household for aid to a household.
	a := args{}
	personIn, householdIn := inScope(m.im.Actor.Scope, &a, persons), inScope(m.im.Actor.Scope, &a, households)
	if _, err := m.tx.Exec(ctx, `
		INSERT INTO import_target
		SELECT s.line, pr.id, pr.code, pr.kind_code, k.scope, coalesce(s.source, pr.source), pr.owner_id,
			CASE WHEN k.scope = 'PERSON' THEN p.household_id ELSE h.id END,
			CASE WHEN k.scope = 'PERSON' THEN p.region_code ELSE h.region_code END,
			p.id, ph.kk
		FROM import_benefit s
		LEFT JOIN program pr ON pr.code = s.program
		LEFT JOIN benefit_kind k ON k.code = pr.kind_code
		LEFT JOIN person p ON k.scope = 'PERSON' AND p.nik = s.nik AND `+personIn+`
		LEFT JOIN household ph ON ph.id = p.household_id
		LEFT JOIN household h ON k.scope = 'HOUSEHOLD' AND s.nik IS NULL AND h.kk = s.kk AND `+householdIn+`
		WHERE s.issues IS NULL`, a...); err != nil {
		return fmt.Errorf("find whom the rows name: %w", err)
	}
	if _, err := m.tx.Exec(ctx, `ANALYZE import_target`); err != nil {
		return err
	}
	for _, c := range benefitChecks {
		if _, err := m.tx.Exec(ctx, c.sql); err != nil {
			return fmt.Errorf("check the rows for %s: %w", c.what, err)
		}
	}
	if err := m.checkPermitted(ctx); err != nil {
		return err
	}
	_, err := m.tx.Exec(ctx, `ANALYZE import_finding`)
	return err
}

// benefitChecks find, in order, what the rows say against the register
// and against each other; a row held back by one is not looked at by the
// later ones.
var benefitChecks = []struct{ what, sql string }{
	{"unknown programs", `
		INSERT INTO import_finding (line, ord, reason, field, message)
		SELECT t.line, ` + fmt.Sprint(ordBenProgram) + `, 'UNKNOWN_PROGRAM', 'program',
			'program: no program has the code ' || s.program || '; the programs query lists them'
		FROM import_target t JOIN import_benefit s USING (line) WHERE t.program_id IS NULL`},
	{"recipients of the wrong kind", `
		INSERT INTO import_finding (line, ord, reason, field, message)
		SELECT t.line, ` + fmt.Sprint(ordBenNIK) + `, 'MISSING_FIELD', 'nik',
			'nik: is empty, and program ' || t.program || ' is aid to one person (kind ' || t.kind_code || '): give the recipient''s nik'
		FROM import_target t JOIN import_benefit s USING (line) WHERE t.scope = 'PERSON' AND s.nik IS NULL
		UNION ALL
		SELECT t.line, ` + fmt.Sprint(ordBenNIK) + `, 'BAD_VALUE', 'nik',
			'nik: program ' || t.program || ' is aid to a whole household (kind ' || t.kind_code || '): leave nik empty and give the household''s kk'
		FROM import_target t JOIN import_benefit s USING (line) WHERE t.scope = 'HOUSEHOLD' AND s.nik IS NOT NULL`},
	{"recipients not in the register", `
		INSERT INTO import_finding (line, ord, reason, field, message)
		SELECT t.line, ` + fmt.Sprint(ordBenNIK) + `, 'NOT_IN_REGISTER', 'nik',
			'nik: no person with this NIK is in the register where you may record aid; check the number against the KTP'
		FROM import_target t JOIN import_benefit s USING (line)
		WHERE t.scope = 'PERSON' AND s.nik IS NOT NULL AND t.person_id IS NULL
		UNION ALL
		SELECT t.line, ` + fmt.Sprint(ordBenKK) + `, 'NOT_IN_REGISTER', 'kk',
			'kk: no household with this KK is in the register where you may record aid; check the number against the family card'
		FROM import_target t JOIN import_benefit s USING (line)
		WHERE t.scope = 'HOUSEHOLD' AND s.nik IS NULL AND t.household_id IS NULL
		UNION ALL
		SELECT t.line, ` + fmt.Sprint(ordBenKK) + `, 'BAD_VALUE', 'kk',
			'kk: the person with this NIK belongs to another household than the one kk names; correct one of the two'
		FROM import_target t JOIN import_benefit s USING (line)
		WHERE t.scope = 'PERSON' AND t.person_id IS NOT NULL AND s.kk IS NOT NULL AND s.kk <> t.person_kk`},
	{"one reference for two benefits in the file", `
		WITH ok AS (
			SELECT s.line, s.external_ref,
				first_value(s.line) OVER w AS first,
				(s.kk, s.nik, s.program, s.amount, s.period_start, s.period_end, s.channel, s.source)
					IS NOT DISTINCT FROM first_value((s.kk, s.nik, s.program, s.amount, s.period_start, s.period_end, s.channel, s.source)) OVER w AS same
			FROM import_benefit s JOIN import_target t USING (line)
			WHERE NOT EXISTS (SELECT 1 FROM import_finding f WHERE f.line = s.line AND f.quarantines)
			WINDOW w AS (PARTITION BY s.external_ref ORDER BY s.line)
		)
		INSERT INTO import_finding (line, ord, reason, field, message)
		SELECT line, ` + fmt.Sprint(ordBenRef) + `, 'DUPLICATE_REF', 'external_ref',
			'external_ref: line ' || first || ' of this file already uses this reference for another benefit; give each payment its own reference'
		FROM ok WHERE line <> first AND NOT same`},
}

// checkPermitted holds back the rows of programs or sources the importer
// may not record (benefit.MayRecord, the rule recordBenefits applies),
// judged once for each program and source the file uses.
func (m *benefitMerge) checkPermitted(ctx context.Context) error {
	rows, _ := m.tx.Query(ctx, `SELECT DISTINCT t.program_id, t.program, t.kind_code, t.source, t.owner_id
		FROM import_target t WHERE t.program_id IS NOT NULL`)
	var lines struct {
		programs []int64
		sources  []string
		fields   []string
		messages []string
	}
	var p benefit.Program
	var source string
	_, err := pgx.ForEachRow(rows, []any{&p.ID, &p.Code, &p.KindCode, &source, &p.OwnerID}, func() error {
		if err := benefit.MayRecord(m.im.Actor, &p, benefit.Source(source)); err != nil {
			lines.programs = append(lines.programs, p.ID)
			lines.sources = append(lines.sources, source)
			lines.fields = append(lines.fields, jaring.ErrorField(err))
			lines.messages = append(lines.messages, jaring.ErrorMessage(err))
		}
		return nil
	})
	if err != nil || len(lines.programs) == 0 {
		return err
	}
	_, err = m.tx.Exec(ctx, `
		INSERT INTO import_finding (line, ord, reason, field, message)
		SELECT t.line, CASE d.field WHEN 'source' THEN `+fmt.Sprint(ordBenSource)+` ELSE `+fmt.Sprint(ordBenProgram)+` END,
			'NOT_PERMITTED', d.field, d.message
		FROM import_target t JOIN unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS d(program_id, source, field, message)
			ON d.program_id = t.program_id AND d.source = t.source
		WHERE NOT EXISTS (SELECT 1 FROM import_finding f WHERE f.line = t.line AND f.quarantines)`,
		lines.programs, lines.sources, lines.fields, lines.messages)
	return err
}

// means is what a donor program with published terms has left, for its
// quota and budget (donor.Program.Admits), as the import's rows use it up.
type means struct {
	program *donor.Program
	usage   donor.Usage
	known   map[int64]bool // recipients given aid already: households, or persons (negative household IDs for household aid)
}

// recipient is the unit the program's quota counts for a benefit.
func (mn *means) recipient(householdID int64, personID *int64) int64 {
	if mn.program.QuotaUnit == donor.Persons {
		if personID != nil {
			return *personID
		}
		return -householdID
	}
	return householdID
}

// candidate is a row that survived the checks in SQL, or (held) a benefit
// of its household's ledger, as the stream brings them.
type candidate struct {
	row         bool // a row of the file; false for a benefit of the ledger
	householdID int64
	key         int64 // the benefit's ID, or the row's line
	b           benefit.Benefit
	override    bool
}

// decisions collect what the stream decides, flushed into staging between
// fetches so that memory stays bounded.
type decisions struct {
	accept   []int32 // lines
	override []bool  // whether the accepted line was recorded despite a clash
	found    []finding
}

type finding struct {
	line      int32
	ord       int32
	reason    verival.Reason
	field     string
	message   string
	benefitID *int64
	clashLine *int32 // the earlier row of the file it clashes with
}

func (m *benefitMerge) write(ctx context.Context) (string, error) {
	m.im.Phase("checking against the ledger")
	if err := m.load(ctx); err != nil {
		return "", err
	}
	if _, err := m.tx.Exec(ctx, `
		CREATE TEMP TABLE import_accept (line integer NOT NULL, overridden boolean NOT NULL) ON COMMIT DROP`); err != nil {
		return "", err
	}
	// Every household the file names is locked, in ID order as an approval
	// locks, before its ledger is read: no approval slips in between.
	if _, err := m.tx.Exec(ctx, `SELECT id FROM household WHERE id IN (SELECT household_id FROM import_target) ORDER BY id FOR UPDATE`); err != nil {
		return "", fmt.Errorf("lock the households: %w", err)
	}
	if err := m.lockMeans(ctx); err != nil {
		return "", err
	}
	unchanged, err := m.judge(ctx)
	if err != nil {
		return "", err
	}
	m.im.Phase("merging")
	// The tables the stream filled have no statistics yet; without them the
	// planner takes a million rows for a few.
	if _, err := m.tx.Exec(ctx, `ANALYZE import_accept, import_finding`); err != nil {
		return "", err
	}
	r := m.im.Report
	if err := m.tx.QueryRow(ctx, `SELECT count(*) FROM import_accept`).Scan(&r.Inserted); err != nil {
		return "", err
	}
	r.Unchanged = unchanged
	if err := countQuarantined(ctx, m.tx, r, "import_benefit"); err != nil {
		return "", err
	}
	_, err = m.tx.Exec(ctx, `
		INSERT INTO benefit (program_id, kind_code, source, payer_id, household_id, region_code, person_id, amount, period,
			status, channel, external_ref, exclusive, override_reason, override_by, override_org_id, override_at)
		SELECT t.program_id, t.kind_code, t.source, $1, t.household_id, t.region_code, t.person_id, s.amount,
			daterange(s.period_start, s.period_end, '[]'), 'ACTIVE', coalesce(s.channel, ''), s.external_ref, k.exclusive,
			CASE WHEN a.overridden THEN s.override_reason END, CASE WHEN a.overridden THEN $2 END,
			CASE WHEN a.overridden THEN $1::bigint END, CASE WHEN a.overridden THEN now() END
		FROM import_accept a JOIN import_benefit s USING (line) JOIN import_target t USING (line)
		JOIN benefit_kind k ON k.code = t.kind_code`, m.org.id, m.im.Actor.Login)
	if err != nil {
		return "", translate(fmt.Errorf("record the benefits: %w", err), "benefits")
	}
	// A row that clashes with an earlier one of the file clashes with the
	// benefit that row became.
	if _, err := m.tx.Exec(ctx, `UPDATE import_finding f SET benefit_id = b.id
		FROM import_benefit s JOIN benefit b ON b.payer_id = $1 AND b.external_ref = s.external_ref
		WHERE f.clash_line = s.line`, m.org.id); err != nil {
		return "", err
	}
	return `SELECT t.household_id FROM import_accept a JOIN import_target t USING (line)`, nil
}

// load reads what judging needs: the rules and the codes of programs and
// payers, for messages.
func (m *benefitMerge) load(ctx context.Context) error {
	kinds, err := findKinds(ctx, m.tx)
	if err != nil {
		return err
	}
	xs, err := findExclusions(ctx, m.tx)
	if err != nil {
		return err
	}
	m.catalogue = benefit.NewCatalogue(kinds, xs)
	m.programs, m.payers = map[int64]string{}, map[int64]string{}
	for table, codes := range map[string]map[int64]string{"program": m.programs, "organisation": m.payers} {
		rows, _ := m.tx.Query(ctx, `SELECT id, code FROM `+table)
		var id int64
		var code string
		if _, err := pgx.ForEachRow(rows, []any{&id, &code}, func() error { codes[id] = code; return nil }); err != nil {
			return err
		}
	}
	return nil
}

// lockMeans locks the donor programs with terms that the file's rows use,
// and reads what each has given, as an approval does (withinMeans).
func (m *benefitMerge) lockMeans(ctx context.Context) error {
	m.means = map[int64]*means{}
	rows, _ := m.tx.Query(ctx, `SELECT DISTINCT t.program_id FROM import_target t JOIN donor_program d ON d.program_id = t.program_id ORDER BY 1`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	for _, id := range ids {
		p, err := findDonorProgram(ctx, m.tx, id, true)
		if err != nil {
			return err
		}
		mn := &means{program: p, known: map[int64]bool{}}
		rows, _ := m.tx.Query(ctx, `SELECT household_id, person_id, amount FROM benefit WHERE program_id = $1 AND status <> 'CANCELLED'`, id)
		var hid, amount int64
		var pid *int64
		_, err = pgx.ForEachRow(rows, []any{&hid, &pid, &amount}, func() error {
			mn.known[mn.recipient(hid, pid)] = true
			mn.usage.Spent += amount
			return nil
		})
		if err != nil {
			return err
		}
		mn.usage.Recipients = len(mn.known)
		m.means[id] = mn
	}
	return nil
}

// streamFetch is how many rows one fetch of the stream brings.
const streamFetch = 10000

// judge streams the surviving rows with their households' ledgers and
// decides each row in household order, then file order: unchanged (its
// reference names the same benefit already, or it repeats an earlier
// row), held back (a clash, a reference reused, a program full), or
// accepted. It returns how many were unchanged.
func (m *benefitMerge) judge(ctx context.Context) (int, error) {
	_, err := m.tx.Exec(ctx, `
		DECLARE import_stream NO SCROLL CURSOR FOR
		WITH cand AS (
			SELECT t.*, s.amount, s.period_start, s.period_end, coalesce(s.channel, '') AS channel, s.external_ref,
				s.override_reason IS NOT NULL AS override,
				first_value(s.line) OVER (PARTITION BY s.external_ref ORDER BY s.line) AS first
			FROM import_target t JOIN import_benefit s USING (line)
			WHERE t.household_id IS NOT NULL
			  AND NOT EXISTS (SELECT 1 FROM import_finding f WHERE f.line = t.line AND f.quarantines)
		)
		SELECT false AS row, b.household_id, b.id AS key, b.program_id, b.kind_code, b.source, b.payer_id, b.person_id,
			b.amount, lower(b.period), upper(b.period) - 1, b.status, b.channel, b.external_ref, false AS override, 0 AS first,
			NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint,
			NULL::date, NULL::date, NULL::text, NULL::text, NULL::timestamptz
		FROM benefit b
		WHERE b.household_id IN (SELECT household_id FROM cand) AND b.status = ANY($1)
		UNION ALL
		SELECT true, c.household_id, c.line, c.program_id, c.kind_code, c.source, $2, c.person_id,
			c.amount, c.period_start, c.period_end, 'ACTIVE', c.channel, c.external_ref, c.override, c.first,
			x.id, x.program_id, x.kind_code, x.source, x.payer_id, x.household_id, x.person_id, x.amount,
			lower(x.period), upper(x.period) - 1, x.status, x.channel, x.recorded_at
		FROM cand c LEFT JOIN benefit x ON x.payer_id = $2 AND x.external_ref = c.external_ref
		ORDER BY 2, 1, 3`, benefit.HeldStatuses, m.org.id)
	if err != nil {
		return 0, fmt.Errorf("read the ledger: %w", err)
	}
	var (
		unchanged int
		d         decisions
		house     int64 = -1
		held      []*benefit.Benefit
		fate      = map[int64]*finding{} // lines of this household held back, for the rows that repeat them
	)
	for {
		rows, _ := m.tx.Query(ctx, fmt.Sprintf(`FETCH %d FROM import_stream`, streamFetch))
		n := 0
		var c candidate
		var status, channel, source string
		var start time.Time
		var end *time.Time
		var first int64
		var x struct {
			id, programID, payerID, householdID *int64
			kind, source, status, channel       *string
			personID, amount                    *int64
			start, end                          *time.Time
			recordedAt                          *time.Time
		}
		_, err := pgx.ForEachRow(rows, []any{&c.row, &c.householdID, &c.key, &c.b.ProgramID, &c.b.KindCode, &source, &c.b.PayerID,
			&c.b.PersonID, &c.b.Amount, &start, &end, &status, &channel, &c.b.ExternalRef, &c.override, &first,
			&x.id, &x.programID, &x.kind, &x.source, &x.payerID, &x.householdID, &x.personID, &x.amount,
			&x.start, &x.end, &x.status, &x.channel, &x.recordedAt}, func() error {
			n++
			if c.householdID != house {
				house, held = c.householdID, held[:0]
				clear(fate)
			}
			b := c.b // a copy: the scan targets are reused
			b.HouseholdID, b.Source, b.Status, b.Channel = c.householdID, benefit.Source(source), benefit.Status(status), benefit.Channel(channel)
			b.Period = jaring.Period{Start: start, End: copyOf(end)}
			b.PersonID = copyOf(b.PersonID)
			if !c.row {
				b.ID = c.key
				held = append(held, &b)
				return nil
			}
			var existing *benefit.Benefit
			if x.id != nil {
				existing = &benefit.Benefit{ID: *x.id, ProgramID: *x.programID, KindCode: *x.kind, Source: benefit.Source(*x.source),
					PayerID: *x.payerID, HouseholdID: *x.householdID, PersonID: copyOf(x.personID), Amount: *x.amount,
					Period: jaring.Period{Start: *x.start, End: copyOf(x.end)}, Status: benefit.Status(*x.status),
					Channel: benefit.Channel(*x.channel), ExternalRef: b.ExternalRef, RecordedAt: *x.recordedAt}
			}
			line := int32(c.key)
			switch f, accepted := m.decide(&b, line, int32(first), c.override, existing, held, fate); {
			case f != nil:
				d.found = append(d.found, *f)
				fate[int64(line)] = f
			case accepted:
				d.accept = append(d.accept, line)
				d.override = append(d.override, b.Override != nil)
				b.ID = -int64(line) // a row of this file, for the clashes of the rows after it
				held = append(held, &b)
			default:
				unchanged++
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("read the ledger: %w", err)
		}
		if err := m.flush(ctx, &d); err != nil {
			return 0, err
		}
		if n == 0 {
			break
		}
	}
	_, err = m.tx.Exec(ctx, `CLOSE import_stream`)
	return unchanged, err
}

// decide judges one row, b, against its household's ledger as it stands
// (held, with the file's rows accepted before it). It returns the finding
// that holds the row back, or whether it is accepted (false: unchanged).
func (m *benefitMerge) decide(b *benefit.Benefit, line, first int32, override bool, existing *benefit.Benefit, held []*benefit.Benefit, fate map[int64]*finding) (*finding, bool) {
	hold := func(reason verival.Reason, ord int32, field, format string, a ...any) *finding {
		return &finding{line: line, ord: ord, reason: reason, field: field, message: field + ": " + fmt.Sprintf(format, a...)}
	}
	// A row that repeats an earlier one shares its fate: unchanged, or held
	// back with it.
	if first != line {
		if f, ok := fate[int64(first)]; ok {
			return hold(f.reason, f.ord, f.field, "repeats line %d of this file, which is held back: %s", first, f.message), false
		}
		return nil, false
	}
	if existing != nil {
		if existing.Same(b) {
			return nil, false
		}
		return hold(verival.DuplicateRef, ordBenRef, "external_ref", "already names another benefit of %s (ID %d, recorded %s); give this benefit a reference of its own",
			m.payers[existing.PayerID], existing.ID, existing.RecordedAt.Format(time.DateOnly)), false
	}
	clashes := m.catalogue.FindClashes(b.Proposal(), held)
	if len(clashes) > 0 {
		if !override {
			return m.clash(line, clashes[0]), false
		}
		b.Override = &benefit.Override{Reason: "(the row's)", By: m.im.Actor.Login, OrgID: m.org.id}
	}
	if mn := m.means[b.ProgramID]; mn != nil {
		unit := mn.recipient(b.HouseholdID, b.PersonID)
		if err := mn.program.Admits(mn.usage, b.Amount, !mn.known[unit]); err != nil {
			field := jaring.ErrorField(err)
			reason, ord := verival.ProgramFull, int32(ordBenProgram)
			if field == "amount" {
				reason, ord = verival.BadValue, ordBenAmount
			}
			f := hold(reason, ord, field, "%s", trimField(jaring.ErrorMessage(err), field))
			return f, false
		}
		if !mn.known[unit] {
			mn.known[unit] = true
			mn.usage.Recipients++
		}
		mn.usage.Spent += b.Amount
	}
	return nil, true
}

// clash is the DOUBLE_AID finding for a row that clashes with c: a benefit
// of the ledger, or (a negative ID) an earlier row of the file.
func (m *benefitMerge) clash(line int32, c benefit.Clash) *finding {
	f := &finding{line: line, ord: ordBenProgram, reason: verival.DoubleAid, field: "program"}
	if c.Benefit.ID < 0 {
		other := int32(-c.Benefit.ID)
		f.clashLine = &other
		f.message = fmt.Sprintf("program: this benefit clashes with line %d of this file (%s %s): %s; if both are right, a supervisor fills override with the reason",
			-c.Benefit.ID, m.programs[c.Benefit.ProgramID], c.Benefit.KindCode, c.Rule.Description)
		return f
	}
	id := c.Benefit.ID
	f.benefitID = &id
	f.message = "program: this benefit " + benefit.DescribeClash(c, m.programs[c.Benefit.ProgramID], m.payers[c.Benefit.PayerID]) +
		"; if both are right, a supervisor fills override with the reason"
	return f
}

// trimField drops the "field: " a domain error's message starts with.
func trimField(msg, field string) string {
	if field != "" && len(msg) > len(field)+2 && msg[:len(field)+2] == field+": " {
		return msg[len(field)+2:]
	}
	return msg
}

// flush copies the decisions made so far into staging and empties them.
func (m *benefitMerge) flush(ctx context.Context, d *decisions) error {
	if len(d.accept) > 0 {
		_, err := m.tx.CopyFrom(ctx, pgx.Identifier{"import_accept"}, []string{"line", "overridden"},
			pgx.CopyFromSlice(len(d.accept), func(i int) ([]any, error) { return []any{d.accept[i], d.override[i]}, nil }))
		if err != nil {
			return fmt.Errorf("note the rows accepted: %w", err)
		}
	}
	if len(d.found) > 0 {
		_, err := m.tx.CopyFrom(ctx, pgx.Identifier{"import_finding"}, []string{"line", "ord", "reason", "field", "message", "benefit_id", "clash_line"},
			pgx.CopyFromSlice(len(d.found), func(i int) ([]any, error) {
				f := d.found[i]
				return []any{f.line, f.ord, string(f.reason), f.field, f.message, f.benefitID, f.clashLine}, nil
			}))
		if err != nil {
			return fmt.Errorf("note the rows held back: %w", err)
		}
	}
	d.accept, d.override, d.found = d.accept[:0], d.override[:0], d.found[:0]
	return nil
}

// copyOf is a copy of what p points to, so that a scan target can be
// reused.
func copyOf[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
