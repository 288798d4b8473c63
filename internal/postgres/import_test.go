package postgres_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/verival"
)

const registerHeader = "iddtks|provinsi|kabupaten_kota|kecamatan|desa_kelurahan|alamat|dusun|rt|rw|nomor_kk|nomor_nik|nama|tanggal_lahir|tempat_lahir|jenis_kelamin|nama_ibu_kandung|hubungan_keluarga"

// person is one row of a register file, as its fields; row writes it.
type regRow struct {
	kk, nik, name, birth, sex, rel string
	village, district              string // names
	address, rt, rw                string
	birthPlace                     string
}

func (r regRow) line() string {
	village, district := r.village, r.district
	if village == "" {
		village, district = "NIBUNG", "KOBA"
	}
	return strings.Join([]string{"", "KEPULAUAN BANGKA BELITUNG", "KAB. BANGKA TENGAH", district, village,
		r.address, "", r.rt, r.rw, r.kk, r.nik, r.name, r.birth, r.birthPlace, r.sex, "", r.rel}, "|")
}

// importer imports as the command line does for org: every row in scope.
func importer(t *testing.T, db *postgres.DB) *verival.Importer {
	t.Helper()
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	t.Cleanup(log.Close)
	return &verival.Importer{Store: postgres.NewImportStore(db, log)}
}

func cliActor(t *testing.T, db *postgres.DB, org string) jaring.Actor {
	t.Helper()
	o, err := postgres.NewOrganisationStore(db).FindOrganisationByCode(context.Background(), org)
	if err != nil {
		t.Fatal(err)
	}
	a := jaring.System()
	a.Login, a.Org, a.OrgID, a.OrgKind, a.MayOverride = "cli:test", o.Code, o.ID, o.Kind, true
	a.Scope.OrgID = o.ID
	return a
}

func importFile(t *testing.T, imp *verival.Importer, a jaring.Actor, kind verival.ImportKind, name, content string, dry bool) *verival.Report {
	t.Helper()
	opts := verival.ImportOptions{File: name, DryRun: dry}
	var rep *verival.Report
	var err error
	if kind == verival.RegisterImport {
		rep, err = imp.Register(context.Background(), a, strings.NewReader(content), opts)
	} else {
		rep, err = imp.Benefits(context.Background(), a, strings.NewReader(content), opts)
	}
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return rep
}

// issuesByLine returns the open data issues of an import kind: line →
// reasons.
func issuesByLine(t *testing.T, db *postgres.DB, kind verival.ImportKind) map[int][]string {
	t.Helper()
	rows, _ := db.Pool.Query(context.Background(), `SELECT line, reasons FROM data_issue WHERE kind = $1 AND status = 'OPEN'`, string(kind))
	out := map[int][]string{}
	var line int
	var reasons []string
	if _, err := pgx.ForEachRow(rows, []any{&line, &reasons}, func() error { out[line] = slices.Clone(reasons); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// tableCounts is the size of every table an import writes to.
func tableCounts(t *testing.T, db *postgres.DB) string {
	t.Helper()
	var s string
	err := db.Pool.QueryRow(context.Background(), `SELECT format('households %s, persons %s, benefits %s, data issues %s, audit events %s',
		(SELECT count(*) FROM household), (SELECT count(*) FROM person), (SELECT count(*) FROM benefit),
		(SELECT count(*) FROM data_issue), (SELECT count(*) FROM audit_event))`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// state is what the register and ledger hold, every value an import may
// write, in a stable order.
func state(t *testing.T, db *postgres.DB) string {
	t.Helper()
	var s string
	err := db.Pool.QueryRow(context.Background(), `SELECT concat_ws(E'\n',
		(SELECT string_agg(concat_ws('|', kk, region_code, address, dusun, rt, rw, register_status), E'\n' ORDER BY kk) FROM household),
		(SELECT string_agg(concat_ws('|', p.nik, h.kk, p.name, p.birth_date, p.birth_place, p.sex, p.relationship, p.mother_name, p.dtks_id), E'\n' ORDER BY p.nik)
			FROM person p JOIN household h ON h.id = p.household_id),
		(SELECT string_agg(concat_ws('|', payer_id, external_ref, program_id, household_id, person_id, amount, period, status, channel, override_reason), E'\n' ORDER BY payer_id, external_ref) FROM benefit),
		(SELECT string_agg(concat_ws('|', kind, line, encode(raw, 'escape'), reasons::text, quarantined, status), E'\n' ORDER BY kind, line) FROM data_issue))`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The register file of the test: one row of each fault, and the good rows
// around them.
var (
	kkNew  = "1904010302210007" // a household new to Jaring
	kkNew2 = "1904010302210008"
	kkNew3 = "1904010302210009"
)

func faultyRegister() (string, map[int][]string) {
	good := func(nik, name, birth, sex, rel string) regRow {
		return regRow{kk: kkNew, nik: nik, name: name, birth: birth, sex: sex, rel: rel, address: "Jl. Nibung No. 9", rt: "002", rw: "001"}
	}
	rows := []struct {
		row  string
		want []string // reasons; nil for a row imported
	}{
		{good("1904011102800001", "BUDI SANTOSO", "1980-02-11", "LAKI-LAKI", "KEPALA KELUARGA").line(), nil},
		{good("1904015304830002", "SRI WAHYUNI", "1983-04-13", "PEREMPUAN", "ISTRI").line(), nil},
		{good("19040111028000", "ANAK SATU", "2010-01-01", "LAKI-LAKI", "ANAK").line(), []string{"INVALID_NIK"}},
		{regRow{kk: "190401030221000", nik: "1904010101100003", name: "ANAK DUA", birth: "2010-01-01", sex: "L", rel: "ANAK"}.line(), []string{"INVALID_KK"}},
		{good("1904010505100004", "ANAK TIGA", "2010-05-06", "LAKI-LAKI", "ANAK").line(), []string{"NIK_BIRTHDATE_MISMATCH"}},
		{good("1904010606100005", "ANAK EMPAT", "2010-06-06", "PEREMPUAN", "ANAK").line(), []string{"NIK_SEX_MISMATCH"}},
		{regRow{kk: kkNew2, nik: "1904010707100006", name: "ANAK LIMA", birth: "2010-07-07", sex: "L", rel: "ANAK", village: "ATLANTIS", district: "KOBA"}.line(), []string{"UNKNOWN_REGION"}},
		{good("1904010808100007", "", "2010-08-08", "LAKI-LAKI", "ANAK").line(), []string{"MISSING_FIELD"}},
		{good("1904010909100008", "ANAK TUJUH", "2010-13-45", "LAKI-LAKI", "ANAK").line(), []string{"BAD_DATE"}},
		{good("1904011010100009", "ANAK DELAPAN", "2010-10-10", "X", "ANAK").line(), []string{"BAD_VALUE"}},
		{strings.Replace(good("1904011111100010", "ANAK SEMBILAN", "2010-11-11", "L", "ANAK").line(), "Jl. Nibung No. 9", "Jl. Nibung | No. 9", 1), []string{"EXTRA_FIELDS"}},
		{good("1904011212100011", "ANDR\xc9 LATIN", "2010-12-12", "L", "ANAK").line(), []string{"BAD_ENCODING"}},
		// One NIK for two people, in two households of the file.
		{regRow{kk: kkNew2, nik: "1904010101900012", name: "DUA ORANG", birth: "1990-01-01", sex: "L", rel: "KEPALA KELUARGA"}.line(), []string{"DUPLICATE_NIK"}},
		{regRow{kk: kkNew3, nik: "1904010101900012", name: "ORANG LAIN", birth: "1990-01-01", sex: "L", rel: "KEPALA KELUARGA"}.line(), []string{"DUPLICATE_NIK"}},
		// The spouse of the fixture's household kkKoba, put in another.
		{good(nikSpouse, "SITI AMINAH", "1988-08-15", "PEREMPUAN", "FAMILI LAIN").line(), []string{"DUPLICATE_NIK"}},
		// …and her NIK once more in the file, for someone else: one finding, not one per check.
		{regRow{kk: kkNew3, nik: nikSpouse, name: "ORANG KETIGA", birth: "1988-08-15", sex: "P", rel: "FAMILI LAIN"}.line(), []string{"DUPLICATE_NIK"}},
		// kkNew again, in another district's village.
		{regRow{kk: kkNew, nik: "1904011303950013", name: "DI DESA LAIN", birth: "1995-03-13", sex: "L", rel: "ANAK", village: "AIR MESU", district: "PANGKALAN BARU"}.line(), []string{"HOUSEHOLD_MISMATCH"}},
		// A second head for kkNew in the file, and one for kkKoba beside the register's.
		{good("1904011404750014", "KEPALA KEDUA", "1975-04-14", "L", "KEPALA KELUARGA").line(), []string{"SECOND_HEAD"}},
		{regRow{kk: kkKoba, nik: "1904011505700015", name: "KEPALA BARU", birth: "1970-05-15", sex: "L", rel: "KEPALA KELUARGA", address: "Jl. Nibung No. 1", rt: "001", rw: "002"}.line(), []string{"SECOND_HEAD"}},
		// The name and birth date of the fixture's Lim Ah Kiong, another NIK: imported, flagged.
		{good("1904010407600019", "LIM AH KIONG", "1960-07-04", "L", "FAMILI LAIN").line(), []string{"POSSIBLE_DUPLICATE_PERSON"}},
		// The fixture's child, with a birth place now: an update.
		{regRow{kk: kkKoba, nik: nikChild, name: "Rizki Fauzi", birth: "2015-01-20", sex: "L", rel: "ANAK", address: "Jl. Nibung No. 1", rt: "001", rw: "002", birthPlace: "Koba"}.line(), nil},
		// The fixture's head, as the register holds him: unchanged.
		{regRow{kk: kkKoba, nik: nikHead, name: "Ahmad Fauzi", birth: "1985-03-12", sex: "LAKI-LAKI", rel: "KEPALA KELUARGA", address: "Jl. Nibung No. 1", rt: "001", rw: "002"}.line(), nil},
	}
	var b strings.Builder
	b.WriteString(registerHeader + "\n")
	want := map[int][]string{}
	for i, r := range rows {
		b.WriteString(r.row + "\n")
		if r.want != nil {
			want[i+2] = r.want
		}
	}
	// The file is cut off in its last row.
	b.WriteString("|KEPULAUAN BANGKA BELITUNG|KAB. BANGKA TENGAH|KOBA|NIB")
	want[len(rows)+2] = []string{"TRUNCATED_ROW"}
	return b.String(), want
}

// A register file with one row of each fault imports its good rows and
// holds back each bad one, whole, with the right reason; a POSSIBLE
// duplicate is imported and flagged; importing it again changes nothing.
func TestImportRegisterFaults(t *testing.T) {
	db := fixtureDB(t)
	imp := importer(t, db)
	a := cliActor(t, db, "SILAKSO")
	file, want := faultyRegister()

	rep := importFile(t, imp, a, verival.RegisterImport, "register.txt", file, false)
	if rep.Read != 23 || rep.Inserted != 3 || rep.Updated != 1 || rep.Unchanged != 1 || rep.Quarantined != 18 || rep.Flagged != 1 {
		t.Errorf("report: %s (flagged %d)", rep, rep.Flagged)
	}
	got := issuesByLine(t, db, verival.RegisterImport)
	// A row held back by one check is not looked at by the later ones: a
	// NIK given twice in the file, and held in the register by another
	// household, is one finding.
	var findings int
	if err := db.Pool.QueryRow(context.Background(), `SELECT max(jsonb_array_length(issues)) FROM data_issue
		WHERE kind = 'REGISTER' AND position('ORANG KETIGA'::bytea IN raw) > 0`).Scan(&findings); err != nil || findings != 1 {
		t.Errorf("the row of a NIK twice in the file and in another household has %d findings (%v), want 1", findings, err)
	}
	for line, reasons := range want {
		if !slices.Equal(got[line], reasons) {
			t.Errorf("line %d: reasons %v, want %v", line, got[line], reasons)
		}
	}
	for line, reasons := range got {
		if want[line] == nil {
			t.Errorf("line %d has issues %v, want none", line, reasons)
		}
	}
	// Each is kept whole: its bytes are the file's line, not UTF-8 ones too.
	lines := strings.Split(file, "\n")
	rows, _ := db.Pool.Query(context.Background(), `SELECT line, raw, quarantined FROM data_issue WHERE kind = 'REGISTER'`)
	var line int
	var raw []byte
	var quarantined bool
	if _, err := pgx.ForEachRow(rows, []any{&line, &raw, &quarantined}, func() error {
		if string(raw) != lines[line-1] {
			t.Errorf("line %d kept as %q, the file has %q", line, raw, lines[line-1])
		}
		if quarantined != !slices.Equal(want[line], []string{"POSSIBLE_DUPLICATE_PERSON"}) {
			t.Errorf("line %d: quarantined %v", line, quarantined)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// What was imported is what the good rows say.
	check := func(what, sql, want string) {
		t.Helper()
		var got string
		if err := db.Pool.QueryRow(context.Background(), sql).Scan(&got); err != nil || got != want {
			t.Errorf("%s: %q (%v), want %q", what, got, err, want)
		}
	}
	check("the new household", `SELECT concat_ws('|', region_code, address, rt, rw, register_status,
		(SELECT string_agg(p.name || ':' || p.relationship, ',' ORDER BY p.nik) FROM person p WHERE p.household_id = h.id))
		FROM household h WHERE kk = '`+kkNew+`'`,
		"19.04.01.2003|Jl. Nibung No. 9|002|001|REGISTERED|LIM AH KIONG:OTHER,BUDI SANTOSO:HEAD,SRI WAHYUNI:SPOUSE")
	check("the child updated", `SELECT birth_place FROM person WHERE nik = '`+nikChild+`'`, "Koba")
	check("the register's head kept", `SELECT p.nik FROM person p JOIN household h ON h.id = p.household_id
		WHERE h.kk = '`+kkKoba+`' AND p.relationship = 'HEAD'`, nikHead)
	check("the possible duplicate's other person", `SELECT p.nik FROM data_issue d JOIN person p ON p.id = d.related_person_id
		WHERE d.reasons = '{POSSIBLE_DUPLICATE_PERSON}'`, "1904010407600004")

	// Every reason's message starts with its field and names no NIK, KK or name.
	rows, _ = db.Pool.Query(context.Background(), `SELECT x->>'field', x->>'message' FROM data_issue, jsonb_array_elements(issues) x`)
	var field, msg *string
	digits := regexp.MustCompile(`\d{16}`)
	if _, err := pgx.ForEachRow(rows, []any{&field, &msg}, func() error {
		if field != nil && !strings.HasPrefix(*msg, *field+": ") || digits.MatchString(*msg) || strings.Contains(*msg, "SITI") {
			t.Errorf("message %q of field %v", *msg, field)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Again: nothing changes, and the report says so.
	before := state(t, db)
	counts := tableCounts(t, db)
	again := importFile(t, imp, a, verival.RegisterImport, "register.txt", file, false)
	if again.Inserted != 0 || again.Updated != 0 || again.Unchanged != 5 || again.Quarantined != 18 || again.ImportedBefore == nil ||
		!strings.Contains(again.String(), "nothing changed: the same file was imported on") {
		t.Errorf("again: %s", again)
	}
	if after := state(t, db); after != before {
		t.Errorf("importing again changed the register:\n%s\nwas\n%s", after, before)
	}
	// One more audit event, naming no one: the import was recorded, nothing changed.
	if got, want := tableCounts(t, db), strings.Replace(counts, fmt.Sprintf("audit events %d", auditEvents(t, db)-1), fmt.Sprintf("audit events %d", auditEvents(t, db)), 1); got != want {
		t.Errorf("after importing again: %s, want %s", got, want)
	}
}

func auditEvents(t *testing.T, db *postgres.DB) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_event`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A dry run reports what an import would do, and writes nothing.
func TestImportDryRun(t *testing.T) {
	db := fixtureDB(t)
	imp := importer(t, db)
	a := cliActor(t, db, "SILAKSO")
	file, _ := faultyRegister()
	before := state(t, db)
	dry := importFile(t, imp, a, verival.RegisterImport, "register.txt", file, true)
	if after := state(t, db); after != before || auditEvents(t, db) != 0 {
		t.Errorf("a dry run wrote:\n%s", after)
	}
	real := importFile(t, imp, a, verival.RegisterImport, "register.txt", file, false)
	if dry.Inserted != real.Inserted || dry.Updated != real.Updated || dry.Unchanged != real.Unchanged ||
		dry.Quarantined != real.Quarantined || !dry.DryRun || !strings.HasSuffix(dry.String(), "dry run, nothing written") {
		t.Errorf("dry run %s, real run %s", dry, real)
	}
}

// A file with Windows line ends, a byte-order mark and quoted fields
// imports like the clean one: the same report, and once one is in, the
// other changes nothing.
func TestImportMessyFileLikeClean(t *testing.T) {
	clean := registerHeader + "\n" +
		regRow{kk: kkNew, nik: "1904011102800001", name: "BUDI SANTOSO", birth: "1980-02-11", sex: "L", rel: "1", address: "Jl. Nibung, Gg. 2", rt: "002", rw: "001"}.line() + "\n" +
		regRow{kk: kkNew, nik: "1904015304830002", name: "SRI WAHYUNI", birth: "1983-04-13", sex: "P", rel: "2", address: "Jl. Nibung, Gg. 2", rt: "002", rw: "001"}.line() + "\n"
	var messy strings.Builder
	messy.WriteString("\ufeff")
	for i, l := range strings.Split(strings.TrimSuffix(clean, "\n"), "\n") {
		if i > 0 {
			fields := strings.Split(l, "|")
			for j, f := range fields {
				fields[j] = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
			}
			l = strings.Join(fields, "|")
		}
		messy.WriteString(l + "\r\n")
	}
	db := fixtureDB(t)
	imp := importer(t, db)
	a := cliActor(t, db, "SILAKSO")
	first := importFile(t, imp, a, verival.RegisterImport, "messy.txt", messy.String(), false)
	if first.Inserted != 2 || first.Quarantined != 0 {
		t.Fatalf("messy: %s", first)
	}
	then := importFile(t, imp, a, verival.RegisterImport, "clean.txt", clean, false)
	if then.Unchanged != 2 || then.Inserted+then.Updated+then.Quarantined != 0 {
		t.Errorf("the clean file after the messy one: %s", then)
	}
	other := fixtureDB(t)
	cleanFirst := importFile(t, importer(t, other), cliActor(t, other, "SILAKSO"), verival.RegisterImport, "clean.txt", clean, false)
	if cleanFirst.Inserted != first.Inserted || state(t, other) != strings.ReplaceAll(state(t, db), "messy.txt", "clean.txt") {
		t.Errorf("the clean file alone: %s; the registers differ:\n%s\n%s", cleanFirst, state(t, other), state(t, db))
	}
}

// An import that fails — a line the reader refuses midway — writes
// nothing at all, not even the rows before it.
func TestImportFailureWritesNothing(t *testing.T) {
	db := fixtureDB(t)
	imp := importer(t, db)
	before := state(t, db)
	file := registerHeader + "\n" +
		regRow{kk: kkNew, nik: "1904011102800001", name: "BUDI SANTOSO", birth: "1980-02-11", sex: "L", rel: "1"}.line() + "\n" +
		strings.Repeat("x", verival.MaxLine+1) + "\n"
	_, err := imp.Register(context.Background(), cliActor(t, db, "SILAKSO"), strings.NewReader(file), verival.ImportOptions{File: "broken.txt"})
	if err == nil {
		t.Fatal("an import with a line over the limit succeeded")
	}
	if after := state(t, db); after != before || auditEvents(t, db) != 0 {
		t.Errorf("a failed import wrote:\n%s", after)
	}
	var runs int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM import_run`).Scan(&runs); err != nil || runs != 0 {
		t.Errorf("%d runs recorded (%v)", runs, err)
	}
}

const benefitHeader = "kk,nik,program,amount,period_start,period_end,channel,external_ref,source,override"

// The ledger of the benefits tests: a RASDA of kkPangkal's (food) and a
// PBI_APBD of the fixture's spouse, paid by DINSOS; CSR-X's program with
// room for one household.
func benefitFixture(t *testing.T, db *postgres.DB) (oldID int64) {
	t.Helper()
	err := db.Pool.QueryRow(context.Background(), `
		WITH d AS (SELECT id FROM organisation WHERE code = 'DINSOS'),
		old AS (
			INSERT INTO benefit (program_id, kind_code, source, payer_id, household_id, region_code, amount, period, channel, external_ref)
			SELECT p.id, p.kind_code, p.source, d.id, h.id, h.region_code, 150000, daterange('2026-01-01', '2026-12-31', '[]'), 'IN_KIND', 'OLD-1'
			FROM program p, d, household h WHERE p.code = 'RASDA' AND h.kk = $1 RETURNING id),
		old2 AS (
			INSERT INTO benefit (program_id, kind_code, source, payer_id, household_id, region_code, person_id, amount, period, channel, external_ref)
			SELECT p.id, p.kind_code, p.source, d.id, h.id, h.region_code, x.id, 42000, daterange('2026-01-01', NULL), 'INSURANCE', 'OLD-2'
			FROM program p, d, person x JOIN household h ON h.id = x.household_id WHERE p.code = 'PBI_APBD' AND x.nik = $2),
		terms AS (
			INSERT INTO donor_program (program_id, donor_id, quota, open_from, criteria)
			SELECT p.id, p.owner_id, 1, '2026-01-01', '{}' FROM program p WHERE p.code = 'CSRX_RUMAH')
		SELECT id FROM old`, kkPangkal, nikSpouse).Scan(&oldID)
	if err != nil {
		t.Fatalf("ledger fixture: %v", err)
	}
	return oldID
}

// A benefits file with one row of each fault records the good rows by the
// rules of recordBenefits and holds back each bad one, naming what a
// clashing row clashes with; importing it again changes nothing.
func TestImportBenefitFaults(t *testing.T) {
	db := fixtureDB(t)
	oldID := benefitFixture(t, db)
	imp := importer(t, db)
	a := cliActor(t, db, "DINSOS")
	rows := []struct {
		row  string
		want []string
	}{
		{kkKoba + ",,BPNT,200000,2026-01-01,2026-03-31,KKS_CARD,B-1,,", nil},
		{kkPangkal + ",,BPNT,200000,2026-02-01,2026-02-28,KKS_CARD,B-2,,", []string{"DOUBLE_AID"}},
		{kkKoba + ",,BPNT,200000,2026-02-01,2026-02-28,KKS_CARD,B-3,,", []string{"DOUBLE_AID"}},
		{kkKoba + ",,NOPE,1,2026-01-01,,,B-4,,", []string{"UNKNOWN_PROGRAM"}},
		{"1904010101200001,,RTLH,1,2026-01-01,,,B-5,,", []string{"NOT_IN_REGISTER"}},
		{kkKoba + ",,PBI_APBD,42000,2026-01-01,,INSURANCE,B-6,,", []string{"MISSING_FIELD"}},
		{kkKoba + "," + nikHead + ",RTLH,1,2026-01-01,,,B-7,,", []string{"BAD_VALUE"}},
		{kkKoba + ",,BPNT,999,2026-01-01,2026-03-31,KKS_CARD,B-1,,", []string{"DUPLICATE_REF"}},
		{kkKoba2 + ",,RASDA,1,2026-01-01,,,OLD-2,,", []string{"DUPLICATE_REF"}},
		{kkPangkal + ",,RASDA,150000,2026-01-01,2026-12-31,IN_KIND,OLD-1,,", nil}, // the ledger's own: unchanged
		{kkKoba + ",,BPNT,1,2026-02-30,,,B-8,,", []string{"BAD_DATE"}},
		{"190401050615000,,BPNT,1,2026-01-01,,,B-9,,", []string{"INVALID_KK"}},
		{kkPangkal + ",,BPNT,200000,2026-03-01,2026-03-31,KKS_CARD,B-10,,\"Banjir Maret: bantuan pangan tambahan disetujui kepala dinas\"", nil},
		{kkKoba2 + ",,CSRX_RUMAH,1,2026-01-01,,,B-11,CSR,", []string{"NOT_PERMITTED"}},
		{kkKoba + ",,BPNT,200000,2026-01-01,2026-03-31,KKS_CARD,B-1,,", nil}, // line 2 again: unchanged
	}
	var b strings.Builder
	b.WriteString(benefitHeader + "\n")
	want := map[int][]string{}
	for i, r := range rows {
		b.WriteString(r.row + "\n")
		if r.want != nil {
			want[i+2] = r.want
		}
	}
	b.WriteString(kkKoba + ",,RTLH,10")
	want[len(rows)+2] = []string{"TRUNCATED_ROW"}
	file := b.String()

	rep := importFile(t, imp, a, verival.BenefitsImport, "bayar.csv", file, false)
	if rep.Read != 16 || rep.Inserted != 2 || rep.Unchanged != 2 || rep.Quarantined != 12 || rep.Updated != 0 {
		t.Errorf("report: %s", rep)
	}
	got := issuesByLine(t, db, verival.BenefitsImport)
	for line, reasons := range want {
		if !slices.Equal(got[line], reasons) {
			t.Errorf("line %d: reasons %v, want %v", line, got[line], reasons)
		}
	}
	for line, reasons := range got {
		if want[line] == nil {
			t.Errorf("line %d has issues %v, want none", line, reasons)
		}
	}
	// The clashes name what they clash with: the ledger's benefit, or the line.
	var msg3, msg4 string
	var clash *int64
	if err := db.Pool.QueryRow(context.Background(), `SELECT issues->0->>'message', benefit_id FROM data_issue WHERE kind = 'BENEFITS' AND line = 3`).Scan(&msg3, &clash); err != nil {
		t.Fatal(err)
	}
	if clash == nil || *clash != oldID || !strings.Contains(msg3, fmt.Sprintf("clashes with benefit %d (RASDA FOOD", oldID)) {
		t.Errorf("line 3: %q, benefit %v; want a clash with %d", msg3, clash, oldID)
	}
	if err := db.Pool.QueryRow(context.Background(), `SELECT issues->0->>'message' FROM data_issue WHERE kind = 'BENEFITS' AND line = 4`).Scan(&msg4); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg4, "clashes with line 2 of this file") {
		t.Errorf("line 4: %q", msg4)
	}
	var override string
	if err := db.Pool.QueryRow(context.Background(), `SELECT override_reason || ' by ' || override_by FROM benefit WHERE external_ref = 'B-10'`).Scan(&override); err != nil ||
		override != "Banjir Maret: bantuan pangan tambahan disetujui kepala dinas by cli:test" {
		t.Errorf("the override: %q (%v)", override, err)
	}

	before := state(t, db)
	again := importFile(t, imp, a, verival.BenefitsImport, "bayar.csv", file, false)
	if again.Inserted != 0 || again.Unchanged != 4 || again.Quarantined != 12 {
		t.Errorf("again: %s", again)
	}
	if after := state(t, db); after != before {
		t.Errorf("importing again changed the ledger:\n%s\nwas\n%s", after, before)
	}
}

// Rows of one household are judged in file order, each against the ledger
// and the rows accepted before it: of three that overlap in a chain (the
// first with the second, the second with the third), the first and third
// are recorded. Importing the file again changes nothing.
func TestImportBenefitsInFileOrder(t *testing.T) {
	db := fixtureDB(t)
	imp := importer(t, db)
	a := cliActor(t, db, "DINSOS")
	file := benefitHeader + "\n" +
		kkKoba + ",,RTLH,1,2026-01-01,2026-01-31,,R-1,,\n" +
		kkKoba + ",,RTLH,1,2026-01-20,2026-02-10,,R-2,,\n" +
		kkKoba + ",,RTLH,1,2026-02-01,2026-02-28,,R-3,,\n"
	rep := importFile(t, imp, a, verival.BenefitsImport, "chain.csv", file, false)
	if rep.Inserted != 2 || rep.Quarantined != 1 || issuesByLine(t, db, verival.BenefitsImport)[3] == nil {
		t.Errorf("report %s, issues %v", rep, issuesByLine(t, db, verival.BenefitsImport))
	}
	before := state(t, db)
	if again := importFile(t, imp, a, verival.BenefitsImport, "chain.csv", file, false); again.Unchanged != 2 || again.Quarantined != 1 {
		t.Errorf("again: %s", again)
	}
	if state(t, db) != before {
		t.Error("importing again changed the ledger")
	}
}

// A donor's import holds to what recordBenefits lets a donor record: its
// own programs, within their quota.
func TestImportBenefitsOfADonor(t *testing.T) {
	db := fixtureDB(t)
	benefitFixture(t, db)
	imp := importer(t, db)
	a := cliActor(t, db, "CSR-X")
	file := benefitHeader + "\n" +
		kkKoba + ",,CSRX_RUMAH,5000000,2026-01-01,,IN_KIND,X-1,CSR,\n" +
		kkKoba2 + ",,CSRX_RUMAH,5000000,2026-01-01,,IN_KIND,X-2,CSR,\n" +
		kkKoba2 + ",,PKH,1,2026-01-01,,,X-3,,\n"
	rep := importFile(t, imp, a, verival.BenefitsImport, "csr.csv", file, false)
	got := issuesByLine(t, db, verival.BenefitsImport)
	if rep.Inserted != 1 || !slices.Equal(got[3], []string{"PROGRAM_FULL"}) || !slices.Equal(got[4], []string{"NOT_PERMITTED"}) {
		t.Errorf("report %s, issues %v", rep, got)
	}
}

// An importer sees only the households its scope lets it record for: a
// village's row for another district's household is held back exactly as
// a KK unknown to Jaring, and its issue is scoped and linked as if the
// household did not exist.
func TestImportBenefitsWithinScope(t *testing.T) {
	db := fixtureDB(t)
	imp := importer(t, db)
	org, err := postgres.NewOrganisationStore(db).FindOrganisationByCode(context.Background(), "DESA-KOBA")
	if err != nil {
		t.Fatal(err)
	}
	village := jaring.Actor{Login: "desa", Org: org.Code, OrgID: org.ID, OrgKind: org.Kind,
		Scope: jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04.01", OrgID: org.ID}}
	file := benefitHeader + "\n" +
		kkPangkal + ",,BLT_DD,300000,2026-01-01,2026-01-31,CASH,V-1,,\n" +
		"1904020101160099,,BLT_DD,300000,2026-01-01,2026-01-31,CASH,V-2,,\n" +
		kkKoba2 + ",,BLT_DD,300000,2026-01-01,2026-01-31,CASH,V-3,,\n"
	rep := importFile(t, imp, village, verival.BenefitsImport, "blt.csv", file, false)
	if rep.Inserted != 1 || rep.Quarantined != 2 {
		t.Errorf("report: %s", rep)
	}
	rows, _ := db.Pool.Query(context.Background(), `SELECT line, issues::text, region_code, household_id IS NULL FROM data_issue ORDER BY line`)
	type issue struct {
		issues, region string
		unlinked       bool
	}
	var got []issue
	var line int
	var i issue
	if _, err := pgx.ForEachRow(rows, []any{&line, &i.issues, &i.region, &i.unlinked}, func() error { got = append(got, i); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != got[1] || got[0].region != "19.04.01" || !got[0].unlinked {
		t.Errorf("the issues of another district's KK and an unknown one differ, or tell: %+v", got)
	}
}

// Every reason a row can be held back for is one the database's data_issue
// takes, and no other: the list in verival is the one list.
func TestReasonsAreTheDatabases(t *testing.T) {
	db := pgtestOpen(t)
	var def string
	if err := db.Pool.QueryRow(context.Background(), `SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'data_issue_reasons_check'`).Scan(&def); err != nil {
		t.Fatal(err)
	}
	var inDB []string
	for _, m := range regexp.MustCompile(`'([A-Z_]+)'`).FindAllStringSubmatch(def, -1) {
		inDB = append(inDB, m[1])
	}
	var inGo []string
	for _, r := range verival.Reasons() {
		inGo = append(inGo, string(r))
	}
	slices.Sort(inDB)
	slices.Sort(inGo)
	if !slices.Equal(inDB, inGo) {
		t.Errorf("the database takes %v, verival has %v", inDB, inGo)
	}
}

// An import is audited naming every household it changed and every member
// of each, in events of at most a few thousand persons, in its own
// transaction.
func TestImportAudited(t *testing.T) {
	db := fixtureDB(t)
	imp := importer(t, db)
	var b strings.Builder
	b.WriteString(registerHeader + "\n")
	const households = 1800 // 3 members each: more than one event's worth
	for h := 0; h < households; h++ {
		kk := fmt.Sprintf("19040101012%d%04d", 1, h+1)
		for m := 0; m < 3; m++ {
			nik := fmt.Sprintf("190401%02d0890%04d", m+1, h*3+m+1)
			b.WriteString(regRow{kk: kk, nik: nik, name: fmt.Sprintf("ORANG %d", h*3+m), birth: fmt.Sprintf("1990-08-%02d", m+1),
				sex: "L", rel: []string{"1", "3", "3"}[m]}.line() + "\n")
		}
	}
	ctx := audit.WithPending(context.Background(), audit.NewPending(audit.Event{Actor: "cli:test", Org: "SILAKSO", Operation: "import register", Purpose: "test"}))
	rep, err := imp.Register(ctx, cliActor(t, db, "SILAKSO"), strings.NewReader(b.String()), verival.ImportOptions{File: "big.txt"})
	if err != nil || rep.Inserted != households*3 {
		t.Fatalf("%v: %v", rep, err)
	}
	var events, persons, kks int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*), sum(cardinality(persons)), sum(cardinality(households))
		FROM audit_event WHERE operation = 'import register'`).Scan(&events, &persons, &kks); err != nil {
		t.Fatal(err)
	}
	if events < 2 || persons != households*3 || kks != households {
		t.Errorf("%d events naming %d persons and %d households; want several, %d and %d", events, persons, kks, households*3, households)
	}
	if r, err := postgres.NewAuditLog(db, postgres.AuditOptions{}).Verify(context.Background()); err != nil || r.Broken != nil {
		t.Errorf("the chain after the import: %v %v", r.Broken, err)
	}
}
