package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/verival"
)

// ImportStore merges register and benefits files (verival.ImportStore):
// every row goes through COPY into a staging table, and the merge is a
// fixed number of set-based statements whatever the size of the file. The
// one rule that is not SQL, the ledger's (benefit.Catalogue.FindClashes),
// is applied in Go to the staged rows streamed back in household order
// (benefitimport.go).
type ImportStore struct {
	db    *DB
	audit *AuditLog
}

// NewImportStore returns an ImportStore on db whose imports are recorded in
// log.
func NewImportStore(db *DB, log *AuditLog) *ImportStore { return &ImportStore{db: db, audit: log} }

// importer is the organisation an import is for, as the merge needs it.
type importer struct {
	id     int64
	code   string
	region string // where its rows that name no region of their own are scoped
}

// Import runs one import in one transaction; see verival.ImportStore. A dry
// run and a failed import are rolled back whole.
func (s *ImportStore) Import(ctx context.Context, im *verival.Import) error {
	tx, err := s.db.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	org, err := findImporter(ctx, tx, im.Actor)
	if err != nil {
		return err
	}
	var m merge
	switch im.Kind {
	case verival.RegisterImport:
		m = &registerMerge{tx: tx, im: im, org: org}
	case verival.BenefitsImport:
		m = &benefitMerge{tx: tx, im: im, org: org}
	default:
		return fmt.Errorf("import of kind %q", im.Kind)
	}
	if err := m.stage(ctx); err != nil {
		return err
	}
	if err := m.check(ctx); err != nil {
		return err
	}
	touched, err := m.write(ctx)
	if err != nil {
		return err
	}
	if err := s.previous(ctx, tx, im, org); err != nil {
		return err
	}
	if err := im.Finish(); err != nil {
		return err
	}
	if im.Report.DryRun {
		return nil // the deferred rollback writes nothing
	}
	im.Phase("recording the import")
	runID, err := s.recordRun(ctx, tx, im, org)
	if err != nil {
		return err
	}
	if err := writeIssues(ctx, tx, im, org, runID); err != nil {
		return err
	}
	if err := s.auditImport(ctx, tx, im, touched); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return translate(err, "import")
	}
	return nil
}

// merge is one kind of import's work inside the transaction.
type merge interface {
	// stage copies every row of the file into the staging table.
	stage(ctx context.Context) error
	// check finds the issues of the rows against each other, the register
	// and the ledger, into import_finding.
	check(ctx context.Context) error
	// write applies the rows that pass and fills the report's counts; it
	// returns the statement that selects the IDs of the households changed,
	// for the audit.
	write(ctx context.Context) (touched string, err error)
}

// findImporter looks up the actor's organisation, which must exist and
// serve a region: the rows that name none of their own are scoped by it.
func findImporter(ctx context.Context, tx pgx.Tx, a jaring.Actor) (importer, error) {
	var org importer
	var region *string
	err := tx.QueryRow(ctx, `SELECT id, code, region_code FROM organisation WHERE code = $1`, a.Org).Scan(&org.id, &org.code, &region)
	if errors.Is(err, pgx.ErrNoRows) {
		return org, jaring.Invalid("org", "no organisation has the code %s; imports are made for an organisation that exists", a.Org)
	} else if err != nil {
		return org, err
	}
	if region == nil {
		return org, jaring.Invalid("org", "organisation %s serves no region, and the rows of an import are scoped by region; give it one", org.code)
	}
	org.region = *region
	return org, nil
}

// createStaging creates the temporary tables every import uses. The
// findings hold what the merge found wrong with a row (quarantines) or
// worth a look (not quarantines), with the other row, person or benefit it
// concerns.
const createStaging = `
CREATE TEMP TABLE import_finding (
    line              integer NOT NULL,
    ord               integer NOT NULL, -- the order of the column in the file, for the order of issues
    reason            text NOT NULL,
    field             text NOT NULL,
    message           text NOT NULL,
    quarantines       boolean NOT NULL DEFAULT true,
    household_id      bigint,
    person_id         bigint,
    related_person_id bigint,
    benefit_id        bigint,
    clash_line        integer -- the earlier row of the file a DOUBLE_AID row clashes with
) ON COMMIT DROP`

// copySource feeds the rows of an import to COPY as they are read.
type copySource struct {
	im     *verival.Import
	values func(row any) ([]any, error)
	row    []any
	err    error
}

func (c *copySource) Next() bool {
	row, err := c.im.Next()
	if errors.Is(err, io.EOF) {
		return false
	}
	if err == nil {
		c.row, err = c.values(row)
	}
	if err != nil {
		c.err = err
		return false
	}
	return true
}

func (c *copySource) Values() ([]any, error) { return c.row, nil }
func (c *copySource) Err() error             { return c.err }

// copyRows copies the import's rows into table with columns, failing the
// import if the file breaks off or the count of rows copied is not the
// count read.
func copyRows(ctx context.Context, tx pgx.Tx, im *verival.Import, table string, columns []string, values func(row any) ([]any, error)) error {
	im.Phase("reading")
	src := &copySource{im: im, values: values}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, columns, src)
	if src.err != nil {
		return src.err
	}
	if err != nil {
		return fmt.Errorf("copy the rows into staging: %w", err)
	}
	if int(n) != im.Report.Read {
		return fmt.Errorf("copied %d rows into staging, read %d", n, im.Report.Read)
	}
	// Temporary tables have no statistics until analysed, and the plans of
	// the merge's joins depend on how many rows there are.
	if _, err := tx.Exec(ctx, `ANALYZE `+table); err != nil {
		return err
	}
	return nil
}

// issuesJSON is the JSON of a row's issues for the staging table, nil for
// none.
func issuesJSON(issues []verival.Issue) ([]byte, error) {
	if len(issues) == 0 {
		return nil, nil
	}
	return json.Marshal(issues)
}

// text is s for a staging column, NULL when empty.
func text(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// previous notes in the report when the same content was imported before
// by the same organisation.
func (s *ImportStore) previous(ctx context.Context, tx pgx.Tx, im *verival.Import, org importer) error {
	var at *time.Time
	err := tx.QueryRow(ctx, `SELECT max(finished_at) FROM import_run WHERE kind = $1 AND org_id = $2 AND sha256 = $3`,
		string(im.Kind), org.id, im.SHA256).Scan(&at)
	if err != nil {
		return err
	}
	im.Report.ImportedBefore = at
	return nil
}

// recordRun writes the run and returns its ID.
func (s *ImportStore) recordRun(ctx context.Context, tx pgx.Tx, im *verival.Import, org importer) (int64, error) {
	r := im.Report
	reasons, err := json.Marshal(r.Reasons)
	if err != nil {
		return 0, err
	}
	if r.Reasons == nil {
		reasons = []byte("{}")
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO import_run (kind, file, sha256, org_id, actor, started_at, finished_at,
			read, inserted, updated, unchanged, quarantined, reasons)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		string(im.Kind), r.File, im.SHA256, org.id, im.Actor.Login, r.StartedAt, r.FinishedAt,
		r.Read, r.Inserted, r.Updated, r.Unchanged, r.Quarantined, reasons).Scan(&id)
	if err != nil {
		return 0, translate(err, "import")
	}
	r.ImportID = id
	return id, nil
}

// writeIssues keeps every row held back or flagged as a data issue, whole:
// its reader's issues and the merge's findings, in the order of the
// columns. A row whose content already has an open issue of this importer
// adds none (importing a file again changes nothing); when it comes in
// another file or at another line, the issue is brought up to date.
func writeIssues(ctx context.Context, tx pgx.Tx, im *verival.Import, org importer, runID int64) error {
	// Whom each row names, as the importer may see them: an issue never
	// links, or is scoped by, a row its importer could not have reached.
	a := args{runID, string(im.Kind), org.id, org.region, im.Report.File}
	staging, matched := "import_benefit", `LEFT JOIN import_target t ON t.line = s.line`
	region, household, person := "coalesce(t.region_code, $4)", "t.household_id", "t.person_id"
	if im.Kind == verival.RegisterImport {
		staging = "import_person"
		matched = `LEFT JOIN household h ON h.kk = s.kk AND ` + inScope(im.Actor.Scope, &a, households) + `
			LEFT JOIN person p ON p.nik = s.nik AND ` + inScope(im.Actor.Scope, &a, persons)
		region, household, person = "coalesce(s.village, h.region_code, $4)", "h.id", "p.id"
	}
	_, err := tx.Exec(ctx, `
		WITH found AS (
			SELECT line, jsonb_agg(jsonb_strip_nulls(jsonb_build_object('reason', reason, 'field', nullif(field, ''), 'message', message))
					ORDER BY ord, reason) AS issues,
				array_agg(reason ORDER BY ord, reason) AS reasons, bool_or(quarantines) AS quarantines,
				min(household_id) AS household_id, min(person_id) AS person_id,
				min(related_person_id) AS related_person_id, min(benefit_id) AS benefit_id
			FROM import_finding GROUP BY line
		), bad AS MATERIALIZED (
			-- The rows held back or flagged, before anything is looked up for them.
			SELECT s.* FROM `+staging+` s
			WHERE s.issues IS NOT NULL OR EXISTS (SELECT 1 FROM import_finding x WHERE x.line = s.line)
		), issue AS (
			SELECT DISTINCT ON (sha256(s.raw)) s.line, s.raw, s.kk, s.nik,
				coalesce(s.issues, '[]') || coalesce(f.issues, '[]') AS issues,
				ARRAY(SELECT DISTINCT r FROM unnest(ARRAY(SELECT x->>'reason' FROM jsonb_array_elements(coalesce(s.issues, '[]')) x) || coalesce(f.reasons, '{}')) r ORDER BY r) AS reasons,
				s.issues IS NOT NULL OR coalesce(f.quarantines, false) AS quarantined,
				`+region+` AS region_code,
				coalesce(f.household_id, `+household+`) AS household_id, coalesce(f.person_id, `+person+`) AS person_id,
				f.related_person_id, f.benefit_id
			FROM bad s
			LEFT JOIN found f ON f.line = s.line
			`+matched+`
			ORDER BY sha256(s.raw), s.line
		)
		INSERT INTO data_issue AS d (import_id, kind, org_id, file, line, raw, reasons, issues, quarantined,
			kk, nik, region_code, household_id, person_id, related_person_id, benefit_id)
		SELECT $1, $2, $3, $5, line, raw, reasons, issues, quarantined,
			kk, nik, region_code, household_id, person_id, related_person_id, benefit_id
		FROM issue
		ON CONFLICT (kind, org_id, raw_sha256) WHERE status = 'OPEN' DO UPDATE
			SET import_id = excluded.import_id, file = excluded.file, line = excluded.line, issues = excluded.issues,
				reasons = excluded.reasons, quarantined = excluded.quarantined, region_code = excluded.region_code,
				household_id = excluded.household_id, person_id = excluded.person_id,
				related_person_id = excluded.related_person_id, benefit_id = excluded.benefit_id
			WHERE (d.file, d.line) IS DISTINCT FROM (excluded.file, excluded.line)`, a...)
	if err != nil {
		return fmt.Errorf("keep the rows held back: %w", err)
	}
	return nil
}

// maxEventPersons bounds the persons one audit event of an import names:
// an import that touches more is recorded in several events, each naming
// its share, all in the import's transaction.
const maxEventPersons = 5000

// auditImport records the import: one event, or several for a large one,
// naming every household changed and every member of each; a run that
// changed nothing is recorded by one event naming no one. The events are
// appended last, since the chain's lock is held from the first append to
// the commit.
func (s *ImportStore) auditImport(ctx context.Context, tx pgx.Tx, im *verival.Import, touched string) error {
	if s.audit == nil {
		return errors.New("no audit log to record the import in")
	}
	pending := audit.PendingFrom(ctx)
	if pending == nil {
		pending = audit.NewPending(importEvent(im))
	}
	im.Phase("auditing")
	if _, err := tx.Exec(ctx, `DECLARE import_touched NO SCROLL CURSOR FOR
		SELECT h.kk, coalesce(array_agg(p.nik) FILTER (WHERE p.nik IS NOT NULL), '{}')
		FROM household h LEFT JOIN person p ON p.household_id = h.id
		WHERE h.id IN (`+touched+`) GROUP BY h.kk ORDER BY h.kk`); err != nil {
		return fmt.Errorf("name what the import touched: %w", err)
	}
	type household struct {
		kk      string
		members []string
	}
	var kks, niks []string
	events := 0
	flush := func() error {
		if err := s.audit.AppendTx(ctx, tx, pending.Event(kks, niks)); err != nil {
			return err
		}
		events++
		kks, niks = kks[:0], niks[:0]
		return nil
	}
	for {
		// A bounded batch is fetched whole before any event is appended:
		// one connection runs one statement at a time.
		rows, _ := tx.Query(ctx, `FETCH 2000 FROM import_touched`)
		batch, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (household, error) {
			var h household
			return h, row.Scan(&h.kk, &h.members)
		})
		if err != nil {
			return fmt.Errorf("name what the import touched: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		for _, h := range batch {
			if len(kks) > 0 && len(niks)+len(h.members) > maxEventPersons {
				if err := flush(); err != nil {
					return err
				}
			}
			kks = append(kks, h.kk)
			niks = append(niks, h.members...)
		}
	}
	if len(kks) > 0 || events == 0 {
		if err := flush(); err != nil {
			return err
		}
	}
	pending.Written()
	_, err := tx.Exec(ctx, `CLOSE import_touched`)
	return err
}

// importEvent is the audit record of an import made outside a request:
// from the command line, by its login.
func importEvent(im *verival.Import) audit.Event {
	op := "import register"
	if im.Kind == verival.BenefitsImport {
		op = "import benefits"
	}
	return audit.Event{Actor: im.Actor.Login, Org: im.Actor.Org, Operation: op,
		Purpose: "import of " + im.Report.File}
}

// CommandLogin is the login of the person who runs a command: "cli:" and
// the operating system's user, for the audit of what the command line does.
func CommandLogin() string {
	user := os.Getenv("USER")
	if user == "" {
		user = os.Getenv("LOGNAME")
	}
	if user == "" {
		user = "unknown"
	}
	return "cli:" + strings.TrimSpace(user)
}
