package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/verival"
)

// registerMerge merges a register export into household and person.
//
// The file is the register's word on who lives where: a KK new to Jaring
// is a household added (REGISTERED), a NIK new to Jaring a person added;
// what the file says differently of a household or person Jaring holds is
// updated, except that an empty optional value (alamat, tempat_lahir, …)
// keeps what Jaring has. A household Jaring holds as UNREGISTERED or
// PROPOSED becomes REGISTERED, as the register lists it; one REMOVED by a
// village deliberation stays REMOVED, since the national register may lag
// behind the village's decision. Nothing is deleted: a person the file
// leaves out stays, as a removal is the deliberation's to decide.
type registerMerge struct {
	tx  pgx.Tx
	im  *verival.Import
	org importer
}

// The order of a column in the register export, for the order of issues.
const (
	ordKK      = 10
	ordNIK     = 11
	ordVillage = 5
	ordRel     = 17
	ordName    = 12
)

func (m *registerMerge) stage(ctx context.Context) error {
	if _, err := m.tx.Exec(ctx, createStaging); err != nil {
		return err
	}
	if _, err := m.tx.Exec(ctx, `
		CREATE TEMP TABLE import_person (
			line         integer NOT NULL,
			raw          bytea NOT NULL,
			issues       jsonb, -- the reader's; NULL for a row that read well
			iddtks       text,
			kk           text COLLATE "C",
			nik          text COLLATE "C",
			name         text,
			birth_date   date,
			birth_place  text,
			sex          text,
			mother_name  text,
			relationship text,
			address      text,
			dusun        text,
			rt           text,
			rw           text,
			village      text COLLATE "C"
		) ON COMMIT DROP`); err != nil {
		return err
	}
	columns := []string{"line", "raw", "issues", "iddtks", "kk", "nik", "name", "birth_date", "birth_place", "sex",
		"mother_name", "relationship", "address", "dusun", "rt", "rw", "village"}
	return copyRows(ctx, m.tx, m.im, "import_person", columns, func(v any) ([]any, error) {
		r := v.(*verival.RegisterRow)
		issues, err := issuesJSON(r.Issues)
		if err != nil {
			return nil, err
		}
		var birth any
		if !r.BirthDate.IsZero() {
			birth = r.BirthDate
		}
		return []any{int32(r.Line), []byte(r.Raw), issues, r.IDDTKS, text(r.KK), text(r.NIK), r.Name, birth, r.BirthPlace,
			text(string(r.Sex)), r.MotherName, string(r.Relationship), r.Address, r.Dusun, r.RT, r.RW, text(r.VillageCode)}, nil
	})
}

// registerChecks find, in order, what the rows say against each other and
// the register. A row held back by one check is not looked at by the later
// ones (import_held lists them as they are found): a household's village
// is its first good row's, and a second head is a head beside one that
// stays: the register's, unless the file makes that person something else,
// then the file's first. Each check finds the few rows at fault with a
// hash aggregate over the file first, so that a clean file of a million
// rows costs a few passes over it, never a sort.
var registerChecks = []struct{ what, sql string }{
	{"one NIK for different people in the file", `
		WITH multi AS (
			SELECT nik FROM import_person WHERE issues IS NULL GROUP BY nik HAVING count(*) > 1
		), clash AS (
			SELECT s.nik, (array_agg(s.line ORDER BY s.line))[1:5] AS lines, count(*) AS n
			FROM import_person s JOIN multi USING (nik) WHERE s.issues IS NULL GROUP BY s.nik
			HAVING count(DISTINCT (s.kk, s.name, s.birth_date, s.sex, s.birth_place, s.mother_name, s.relationship,
				s.address, s.dusun, s.rt, s.rw, s.village, s.iddtks)) > 1
		)
		INSERT INTO import_finding (line, ord, reason, field, message)
		SELECT s.line, ` + fmt.Sprint(ordNIK) + `, 'DUPLICATE_NIK', 'nomor_nik',
			'nomor_nik: the file gives this NIK to different people, on lines ' || array_to_string(c.lines, ', ')
			|| CASE WHEN c.n > 5 THEN ' and ' || (c.n - 5) || ' more' ELSE '' END
			|| '; find whose it is with Dukcapil and correct the other rows'
		FROM import_person s JOIN clash c USING (nik) WHERE s.issues IS NULL`},
	{"the rows held back so far", heldSoFar},
	{"a NIK of another household in the register", `
		INSERT INTO import_finding (line, ord, reason, field, message, related_person_id)
		SELECT s.line, ` + fmt.Sprint(ordNIK) + `, 'DUPLICATE_NIK', 'nomor_nik',
			'nomor_nik: the register has this NIK in another household than nomor_kk; find whose it is with Dukcapil; a person who moved to another KK is a register change (MOVED) for the village deliberation',
			p.id
		FROM import_person s JOIN person p ON p.nik = s.nik JOIN household h ON h.id = p.household_id
		WHERE s.issues IS NULL AND h.kk <> s.kk
		  AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = s.line)`},
	{"the rows held back so far", heldSoFar},
	{"one KK in two villages", `
		WITH split AS (
			SELECT s.kk FROM import_person s
			WHERE s.issues IS NULL AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = s.line)
			GROUP BY s.kk HAVING min(s.village) <> max(s.village)
		), first AS (
			SELECT DISTINCT ON (s.kk) s.kk, s.line, s.village FROM import_person s JOIN split USING (kk)
			WHERE s.issues IS NULL AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = s.line)
			ORDER BY s.kk, s.line
		)
		INSERT INTO import_finding (line, ord, reason, field, message)
		SELECT s.line, ` + fmt.Sprint(ordVillage) + `, 'HOUSEHOLD_MISMATCH', 'desa_kelurahan',
			'desa_kelurahan: line ' || h.line || ' of this file puts nomor_kk in another village; one KK lives in one village: correct the region of this row, or its KK'
		FROM import_person s JOIN first h USING (kk)
		WHERE s.issues IS NULL AND s.village <> h.village
		  AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = s.line)`},
	{"the rows held back so far", heldSoFar},
	{"a head beside the register's", `
		INSERT INTO import_finding (line, ord, reason, field, message, related_person_id)
		SELECT s.line, ` + fmt.Sprint(ordRel) + `, 'SECOND_HEAD', 'hubungan_keluarga',
			'hubungan_keluarga: the register has another head of this household, and the file does not make that person anything else; a change of head comes with the old head''s row changed in the same file',
			x.id
		FROM import_person s JOIN household h ON h.kk = s.kk
		JOIN person x ON x.household_id = h.id AND x.relationship = 'HEAD' AND x.nik <> s.nik
		WHERE s.issues IS NULL AND s.relationship = 'HEAD'
		  AND NOT EXISTS (SELECT 1 FROM import_held y WHERE y.line = s.line)
		  AND NOT EXISTS (
			SELECT 1 FROM import_person t WHERE t.nik = x.nik AND t.issues IS NULL
			  AND t.relationship NOT IN ('', 'HEAD') AND t.kk = s.kk
			  AND NOT EXISTS (SELECT 1 FROM import_held y WHERE y.line = t.line))`},
	{"the rows held back so far", heldSoFar},
	{"two heads of one household in the file", `
		WITH two AS (
			SELECT s.kk FROM import_person s
			WHERE s.issues IS NULL AND s.relationship = 'HEAD' AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = s.line)
			GROUP BY s.kk HAVING min(s.nik) <> max(s.nik)
		), head AS (
			SELECT DISTINCT ON (s.kk) s.kk, s.line, s.nik FROM import_person s JOIN two USING (kk)
			WHERE s.issues IS NULL AND s.relationship = 'HEAD' AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = s.line)
			ORDER BY s.kk, s.line
		)
		INSERT INTO import_finding (line, ord, reason, field, message)
		SELECT s.line, ` + fmt.Sprint(ordRel) + `, 'SECOND_HEAD', 'hubungan_keluarga',
			'hubungan_keluarga: line ' || h.line || ' of this file already names the head of this household, and a household has one; correct one of the two rows'
		FROM import_person s JOIN head h USING (kk)
		WHERE s.issues IS NULL AND s.relationship = 'HEAD' AND s.nik <> h.nik
		  AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = s.line)`},
	{"the rows held back so far", heldSoFar},
	{"analyse", `ANALYZE import_finding, import_held`},
	{"one name and birth date under two NIKs", `
		WITH registered AS (
			SELECT DISTINCT ON (s.line) s.line, q.id
			FROM import_person s JOIN person q ON q.birth_date = s.birth_date AND upper(q.name) = upper(s.name) AND q.nik <> s.nik
			WHERE s.issues IS NULL AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = s.line)
			ORDER BY s.line, q.id
		), twins AS (
			SELECT s.birth_date, upper(s.name) AS name FROM import_person s
			WHERE s.issues IS NULL AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = s.line)
			GROUP BY 1, 2 HAVING min(s.nik) <> max(s.nik)
		), filed AS (
			SELECT DISTINCT ON (o.line) o.line, t.line AS other
			FROM import_person o JOIN twins w ON w.birth_date = o.birth_date AND w.name = upper(o.name)
			JOIN import_person t ON t.birth_date = o.birth_date AND upper(t.name) = w.name AND t.nik <> o.nik
				AND t.issues IS NULL AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = t.line)
			WHERE o.issues IS NULL AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = o.line)
			  AND NOT EXISTS (SELECT 1 FROM registered r WHERE r.line = o.line)
			ORDER BY o.line, t.line
		)
		INSERT INTO import_finding (line, ord, reason, field, message, quarantines, related_person_id)
		SELECT line, ` + fmt.Sprint(ordName) + `, 'POSSIBLE_DUPLICATE_PERSON', 'nama',
			'nama: another person of the register has this name and birth date under another NIK; the row is imported: check both with Dukcapil, as one person with two NIKs is a removal ground (DUPLICATE)',
			false, id
		FROM registered
		UNION ALL
		SELECT line, ` + fmt.Sprint(ordName) + `, 'POSSIBLE_DUPLICATE_PERSON', 'nama',
			'nama: line ' || other || ' of this file has this name and birth date under another NIK; the row is imported: check both with Dukcapil, as one person with two NIKs is a removal ground (DUPLICATE)',
			false, NULL
		FROM filed`},
}

// heldSoFar adds to import_held the rows the checks so far hold back.
const heldSoFar = `INSERT INTO import_held SELECT DISTINCT f.line FROM import_finding f
	WHERE f.quarantines AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = f.line)`

func (m *registerMerge) check(ctx context.Context) error {
	m.im.Phase("checking against the register")
	if _, err := m.tx.Exec(ctx, `CREATE TEMP TABLE import_held (line integer PRIMARY KEY) ON COMMIT DROP`); err != nil {
		return err
	}
	for _, c := range registerChecks {
		m.im.Phase("checking: " + c.what)
		if _, err := m.tx.Exec(ctx, c.sql); err != nil {
			return fmt.Errorf("check the rows for %s: %w", c.what, err)
		}
	}
	return nil
}

// registerWrites compare the rows that pass with what Jaring holds:
// import_house what each household becomes, and whether Jaring holds it
// already and differently; import_member the same for the persons Jaring
// holds already (a file of new persons makes it empty). A NIK the file
// gives twice, the same each time, is taken from its first row; the later
// ones are counted unchanged (import_repeat).
var registerWrites = []struct{ what, sql string }{
	{"compare the households", `
		CREATE TEMP TABLE import_house ON COMMIT DROP AS
		WITH first AS (
			SELECT s.kk, min(s.line) AS line FROM import_person s
			WHERE s.issues IS NULL AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = s.line)
			GROUP BY s.kk
		)
		SELECT o.kk, h.id AS household_id, o.village,
			coalesce(nullif(o.address, ''), h.address, '') AS address, coalesce(nullif(o.dusun, ''), h.dusun, '') AS dusun,
			coalesce(nullif(o.rt, ''), h.rt, '') AS rt, coalesce(nullif(o.rw, ''), h.rw, '') AS rw,
			CASE WHEN h.register_status IN ('UNREGISTERED', 'PROPOSED') OR h.id IS NULL THEN 'REGISTERED' ELSE h.register_status END AS register_status,
			h.id IS NOT NULL AND (h.region_code, h.address, h.dusun, h.rt, h.rw, h.register_status) IS DISTINCT FROM
				(o.village, coalesce(nullif(o.address, ''), h.address), coalesce(nullif(o.dusun, ''), h.dusun),
				 coalesce(nullif(o.rt, ''), h.rt), coalesce(nullif(o.rw, ''), h.rw),
				 CASE WHEN h.register_status IN ('UNREGISTERED', 'PROPOSED') THEN 'REGISTERED' ELSE h.register_status END) AS changed
		FROM first f JOIN import_person o ON o.line = f.line LEFT JOIN household h ON h.kk = o.kk`},
	{"find the rows that repeat a NIK", `
		CREATE TEMP TABLE import_repeat ON COMMIT DROP AS
		SELECT s.line FROM import_person s JOIN (
			SELECT t.nik, min(t.line) AS first FROM import_person t
			WHERE t.issues IS NULL AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = t.line)
			GROUP BY t.nik HAVING count(*) > 1) r ON r.nik = s.nik AND r.first <> s.line
		WHERE s.issues IS NULL AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = s.line)`},
	{"compare the persons", `
		CREATE TEMP TABLE import_member ON COMMIT DROP AS
		SELECT o.line, o.kk, p.id AS person_id, p.household_id, o.name, o.birth_date, o.sex,
			coalesce(nullif(o.birth_place, ''), p.birth_place) AS birth_place,
			coalesce(nullif(o.mother_name, ''), p.mother_name) AS mother_name,
			coalesce(nullif(o.relationship, ''), p.relationship) AS relationship,
			coalesce(nullif(o.iddtks, ''), p.dtks_id) AS dtks_id,
			(p.name, p.birth_date, p.sex, p.birth_place, p.mother_name, p.relationship, p.dtks_id) IS DISTINCT FROM
				(o.name, o.birth_date, o.sex, coalesce(nullif(o.birth_place, ''), p.birth_place),
				 coalesce(nullif(o.mother_name, ''), p.mother_name), coalesce(nullif(o.relationship, ''), p.relationship),
				 coalesce(nullif(o.iddtks, ''), p.dtks_id)) AS changed
		FROM import_person o JOIN person p ON p.nik = o.nik
		WHERE o.issues IS NULL AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = o.line)
		  AND NOT EXISTS (SELECT 1 FROM import_repeat r WHERE r.line = o.line)`},
	{"note what changes", `
		CREATE TEMP TABLE import_touched ON COMMIT DROP AS
		SELECT household_id AS id FROM import_house WHERE changed
		UNION SELECT household_id FROM import_member WHERE changed`},
	{"analyse", `ANALYZE import_house, import_repeat, import_member`},
}

// registerApply are the writes themselves, after the counts: households
// first, then the heads who stop being heads (so that no moment has two),
// then the other changes and the persons new to Jaring. The households
// new persons join are noted for the audit as they are written.
var registerApply = []struct{ what, sql string }{
	{"add the households", `
		WITH added AS (
			INSERT INTO household (kk, region_code, address, dusun, rt, rw, register_status)
			SELECT kk, village, address, dusun, rt, rw, register_status FROM import_house WHERE household_id IS NULL
			RETURNING id)
		INSERT INTO import_touched SELECT id FROM added`},
	{"update the households", `
		UPDATE household h SET region_code = x.village, address = x.address, dusun = x.dusun, rt = x.rt, rw = x.rw,
			register_status = x.register_status, updated_at = now()
		FROM import_house x WHERE h.id = x.household_id AND x.changed`},
	{"step down the heads who stop being heads", `
		UPDATE person p SET relationship = m.relationship
		FROM import_member m WHERE p.id = m.person_id AND p.relationship = 'HEAD' AND m.relationship <> 'HEAD'`},
	{"update the persons", `
		UPDATE person p SET name = m.name, birth_date = m.birth_date, sex = m.sex, birth_place = m.birth_place,
			mother_name = m.mother_name, relationship = m.relationship, dtks_id = m.dtks_id
		FROM import_member m WHERE p.id = m.person_id AND m.changed`},
	{"add the persons", `
		WITH added AS (
			INSERT INTO person (nik, household_id, region_code, name, birth_date, birth_place, sex, relationship, mother_name, dtks_id)
			SELECT o.nik, h.id, h.region_code, o.name, o.birth_date, o.birth_place, o.sex,
				coalesce(nullif(o.relationship, ''), 'OTHER'), o.mother_name, o.iddtks
			FROM import_person o JOIN household h ON h.kk = o.kk
			WHERE o.issues IS NULL AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = o.line)
			  AND NOT EXISTS (SELECT 1 FROM import_repeat r WHERE r.line = o.line)
			  AND NOT EXISTS (SELECT 1 FROM person p WHERE p.nik = o.nik)
			RETURNING household_id),
		noted AS (INSERT INTO import_touched SELECT DISTINCT household_id FROM added)
		SELECT count(*) FROM added`},
}

// registerTouched selects the households the import changed, or changed a
// member of: the audit names them and all their members.
const registerTouched = `SELECT id FROM import_touched`

func (m *registerMerge) write(ctx context.Context) (string, error) {
	for _, w := range registerWrites {
		m.im.Phase("merging: " + w.what)
		if _, err := m.tx.Exec(ctx, w.sql); err != nil {
			return "", fmt.Errorf("%s: %w", w.what, err)
		}
	}
	// Every row that passes is one person: new (inserted), or held with
	// something changed, of them or their household (updated), or neither.
	r := m.im.Report
	var ok, held, changed int
	err := m.tx.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM import_person s WHERE s.issues IS NULL AND NOT EXISTS (SELECT 1 FROM import_held x WHERE x.line = s.line)),
			(SELECT count(*) FROM import_repeat),
			(SELECT count(*) FROM import_member m LEFT JOIN import_house x USING (kk) WHERE m.changed OR x.changed),
			(SELECT count(*) FROM import_member)`).Scan(&ok, &r.Unchanged, &changed, &held)
	if err != nil {
		return "", fmt.Errorf("count the rows: %w", err)
	}
	r.Updated = changed
	r.Inserted = ok - r.Unchanged - held
	r.Unchanged += held - changed
	if err := countQuarantined(ctx, m.tx, r, "import_person"); err != nil {
		return "", err
	}
	for i, w := range registerApply {
		m.im.Phase("merging: " + w.what)
		if i == len(registerApply)-1 {
			// The persons added, counted: every row counted inserted is one.
			var added int
			if err := m.tx.QueryRow(ctx, w.sql).Scan(&added); err != nil {
				return "", translate(fmt.Errorf("%s: %w", w.what, err), "register")
			}
			if added != r.Inserted {
				return "", fmt.Errorf("added %d persons, but %d rows are of persons new to the register", added, r.Inserted)
			}
			continue
		}
		if _, err := m.tx.Exec(ctx, w.sql); err != nil {
			return "", translate(fmt.Errorf("%s: %w", w.what, err), "register")
		}
	}
	return registerTouched, nil
}

// countQuarantined counts the rows held back, and each reason once per
// row, from the staging table's reader issues and the findings that
// quarantine.
func countQuarantined(ctx context.Context, tx pgx.Tx, r *verival.Report, staging string) error {
	rows, _ := tx.Query(ctx, `
		WITH held AS (
			SELECT s.line, x->>'reason' AS reason FROM `+staging+` s, jsonb_array_elements(s.issues) x WHERE s.issues IS NOT NULL
			UNION SELECT f.line, f.reason FROM import_finding f WHERE f.quarantines
			UNION SELECT f.line, f.reason FROM import_finding f
				WHERE NOT f.quarantines AND EXISTS (SELECT 1 FROM import_finding g WHERE g.line = f.line AND g.quarantines)
		)
		SELECT reason, count(DISTINCT line) FROM held GROUP BY reason
		UNION ALL SELECT '', count(DISTINCT line) FROM held
		UNION ALL SELECT '-', count(DISTINCT f.line) FROM import_finding f
			WHERE NOT EXISTS (SELECT 1 FROM held h WHERE h.line = f.line)`)
	var reason string
	var n int
	_, err := pgx.ForEachRow(rows, []any{&reason, &n}, func() error {
		switch reason {
		case "":
			r.Quarantined = n
			return nil
		case "-":
			r.Flagged = n
			return nil
		}
		if r.Reasons == nil {
			r.Reasons = map[verival.Reason]int{}
		}
		r.Reasons[verival.Reason(reason)] = n
		return nil
	})
	if err != nil {
		return fmt.Errorf("count the rows held back: %w", err)
	}
	return nil
}
