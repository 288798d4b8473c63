package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/verival"
)

const (
	registerHeader = "iddtks|provinsi|kabupaten_kota|kecamatan|desa_kelurahan|alamat|dusun|rt|rw|nomor_kk|nomor_nik|nama|tanggal_lahir|tempat_lahir|jenis_kelamin|nama_ibu_kandung|hubungan_keluarga"
	benefitsHeader = "kk,nik,program,amount,period_start,period_end,channel,external_ref,source,override"
)

// commandLine is who imports from the command line for org: every row.
func (e *env) commandLine(t testing.TB, org string) jaring.Actor {
	t.Helper()
	o, err := postgres.NewOrganisationStore(e.db).FindOrganisationByCode(context.Background(), org)
	if err != nil {
		t.Fatal(err)
	}
	a := jaring.System()
	a.Login, a.Org, a.OrgID, a.OrgKind, a.MayOverride = "cli:test", o.Code, o.ID, o.Kind, true
	a.Scope.OrgID = o.ID
	return a
}

func (e *env) importAs(t testing.TB, a jaring.Actor, kind verival.ImportKind, name, file string) *verival.Report {
	t.Helper()
	opts := verival.ImportOptions{File: name}
	var rep *verival.Report
	var err error
	if kind == verival.RegisterImport {
		rep, err = e.hub.Resolver.Imports.Register(context.Background(), a, strings.NewReader(file), opts)
	} else {
		rep, err = e.hub.Resolver.Imports.Benefits(context.Background(), a, strings.NewReader(file), opts)
	}
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return rep
}

// arrangeDataIssues imports files whose rows are held back on both sides
// of every boundary the roles draw:
//   - a register row of a 19.04.01 household flagged as a possible
//     duplicate of a person of 19.04.02, and one of no known region (the
//     front office's region, the regency);
//   - a DINSOS benefits file with clashes in 19.04.01 and 19.04.02, one of
//     them resolved;
//   - a CSR-A file with rows for a household referred to it and one that
//     is not.
func arrangeDataIssues(t testing.TB, e *env) {
	t.Helper()
	other := strings.Split(e.scalar(t, `SELECT p.name || '|' || p.birth_date || '|' || p.sex FROM person p JOIN household h ON h.id = p.household_id
		WHERE h.region_code LIKE '19.04.02.%' AND p.birth_date < '2000-01-01' ORDER BY p.id LIMIT 1`), "|")
	birth, _ := time.Parse(time.DateOnly, other[1])
	day := birth.Day()
	sex := "LAKI-LAKI"
	if other[2] == "FEMALE" {
		day, sex = day+40, "PEREMPUAN"
	}
	nik := fmt.Sprintf("190401%02d%02d%02d9901", day, birth.Month(), birth.Year()%100)
	row := func(kk, nik, name, birth, sex, village, district string) string {
		return strings.Join([]string{"", "KEPULAUAN BANGKA BELITUNG", "KAB. BANGKA TENGAH", district, village, "Jl. Uji No. 1", "", "001", "001",
			kk, nik, name, birth, "", sex, "", "KEPALA KELUARGA"}, "|")
	}
	e.importAs(t, e.commandLine(t, "SILAKSO"), verival.RegisterImport, "dtks.txt", registerHeader+"\n"+
		row("1904010302260001", nik, other[0], other[1], sex, "NIBUNG", "KOBA")+"\n"+
		row("1904010302260002", "1904011102800001", "BUDI SANTOSO", "1980-02-11", "L", "ATLANTIS", "KOBA")+"\n")

	clash := func(district string) string {
		return e.scalar(t, `SELECT h.kk FROM household h JOIN benefit b ON b.household_id = h.id JOIN program p ON p.id = b.program_id
			WHERE p.code = 'BPNT' AND b.status = 'ACTIVE' AND h.region_code LIKE '`+district+`.%' ORDER BY h.id LIMIT 1`)
	}
	rep := e.importAs(t, e.commandLine(t, "DINSOS"), verival.BenefitsImport, "bayar.csv", benefitsHeader+"\n"+
		clash("19.04.01")+",,RASDA,10,2026-01-01,2026-01-31,,DI-1,,\n"+
		clash("19.04.02")+",,RASDA,10,2026-01-01,2026-01-31,,DI-2,,\n"+
		"1904010101200001,,RASDA,10,2026-01-01,2026-01-31,,DI-3,,\n")
	if rep.Quarantined != 3 {
		t.Fatalf("DINSOS's file: %s", rep)
	}
	id := e.scalar(t, `SELECT min(id)::text FROM data_issue WHERE file = 'bayar.csv'`)
	var issueID int64
	fmt.Sscan(id, &issueID)
	if _, err := e.hub.Resolver.Quarantine.Resolve(context.Background(), e.commandLine(t, "DINSOS"), issueID, "Dicek dengan Dukcapil: data sudah benar"); err != nil {
		t.Fatal(err)
	}
	referred := e.scalar(t, `SELECT h.kk FROM household h JOIN referral r ON r.household_id = h.id
		JOIN organisation o ON o.id = r.to_id AND o.code = 'CSR-A' ORDER BY h.id LIMIT 1`)
	notReferred := e.scalar(t, `SELECT h.kk FROM household h WHERE NOT EXISTS (SELECT 1 FROM referral r
		JOIN organisation o ON o.id = r.to_id AND o.code = 'CSR-A' WHERE r.household_id = h.id) ORDER BY h.id LIMIT 1`)
	rep = e.importAs(t, e.commandLine(t, "CSR-A"), verival.BenefitsImport, "csr-a.csv", benefitsHeader+"\n"+
		referred+",,PKH,10,2026-01-01,,,CA-1,,\n"+notReferred+",,PKH,10,2026-01-01,,,CA-2,,\n")
	if rep.Quarantined != 2 {
		t.Fatalf("CSR-A's file: %s", rep)
	}
}

// An agency uploads a benefits file: the good rows are recorded as
// recordBenefits records them, the others are kept as data issues it can
// list and close; the same file again changes nothing; a dry run writes
// nothing; a role that may not record benefits may not import them.
func TestImportBenefitsUpload(t *testing.T) {
	e := newEnv(t)
	approver := e.as(t, "DINSOS", "", authz.RoleApprover)
	kk := e.scalar(t, `SELECT h.kk FROM household h WHERE NOT EXISTS (SELECT 1 FROM benefit b WHERE b.household_id = h.id
		AND b.kind_code = 'HOUSING') ORDER BY h.id LIMIT 1`)
	file := benefitsHeader + "\r\n" +
		kk + ",,RTLH,15000000,2026-03-01,2026-03-01,IN_KIND,UP-1,,\r\n" +
		kk + ",,RTLH,15000000,2026-03-01,2026-03-01,IN_KIND,UP-2,,\r\n" +
		kk + ",,NOPE,1,2026-03-01,,,UP-3,,\r\n"
	const mutation = `mutation($file: Upload!, $dry: Boolean) { importBenefits(file: $file, dryRun: $dry) {
		file dryRun importId read inserted updated unchanged quarantined reasons { reason rows } importedBefore summary } }`
	send := func(p *authz.Principal, dry bool) gqlResponse {
		t.Helper()
		status, body := e.upload(t, p, "impor pembayaran RTLH Maret", mutation, map[string]any{"dry": dry}, "file", "rtlh-maret.csv", file)
		var r gqlResponse
		if err := json.Unmarshal(body, &r); err != nil || status != http.StatusOK {
			t.Fatalf("%d %v: %s", status, err, body)
		}
		return r
	}
	counts := func() string {
		return e.scalar(t, `SELECT format('%s benefits, %s issues', (SELECT count(*) FROM benefit), (SELECT count(*) FROM data_issue))`)
	}
	before := counts()
	dry := send(approver, true)
	if got := mustJSON(dry.Data); !strings.Contains(got, `"dryRun":true`) || !strings.Contains(got, `"inserted":1`) || counts() != before {
		t.Fatalf("dry run: %s %v, then %s (was %s)", got, dry.Errors, counts(), before)
	}
	r := send(approver, false)
	got := mustJSON(r.Data)
	for _, want := range []string{`"file":"rtlh-maret.csv"`, `"read":3`, `"inserted":1`, `"quarantined":2`,
		`{"reason":"DOUBLE_AID","rows":1}`, `{"reason":"UNKNOWN_PROGRAM","rows":1}`, `"importedBefore":null`} {
		if !strings.Contains(got, want) {
			t.Errorf("import: want %s in %s %v", want, got, r.Errors)
		}
	}
	again := send(approver, false)
	if got := mustJSON(again.Data); !strings.Contains(got, `"unchanged":1`) || !strings.Contains(got, "nothing changed: the same file was imported on") ||
		strings.Contains(got, `"importedBefore":null`) {
		t.Errorf("again: %s %v", got, again.Errors)
	}
	// The issues, as the agency lists them, and one closed with a note.
	list := e.ask(t, approver, "tindak lanjut impor", `{ dataIssues(filter: {kind: BENEFITS, status: OPEN}) { edges { node {
		id file line reasons issues { reason field message } kk raw household { kk } clashesWith { externalRef } } } } }`, nil)
	edges := list.Data["dataIssues"].(map[string]any)["edges"].([]any)
	if len(edges) != 2 || list.Errors != nil {
		t.Fatalf("data issues: %s %v", mustJSON(list.Data), list.Errors)
	}
	listed := mustJSON(edges)
	for _, want := range []string{`"line":3`, `"line":4`, `"clashesWith":{"externalRef":"UP-1"}`, `"household":{"kk":"` + kk + `"}`,
		`"field":"program"`, `"raw":"` + kk + `,,NOPE,1,2026-03-01,,,UP-3,,"`} {
		if !strings.Contains(listed, want) {
			t.Errorf("data issues: want %s in %s", want, listed)
		}
	}
	id := edges[0].(map[string]any)["node"].(map[string]any)["id"].(string)
	resolve := `mutation($id: ID!, $note: String!) { resolveDataIssue(id: $id, note: $note) { status resolution { note by organisation { code } } } }`
	if r := e.ask(t, approver, "tindak lanjut", resolve, map[string]any{"id": id, "note": "singkat"}); r.codes() != "INVALID_INPUT" || r.Errors[0].Extensions.Field != "note" {
		t.Errorf("a short note: %v", r.Errors)
	}
	if r := e.ask(t, approver, "tindak lanjut", resolve, map[string]any{"id": id, "note": "Kode program salah, diperbaiki di sumber"}); r.Errors != nil ||
		!strings.Contains(mustJSON(r.Data), `"status":"RESOLVED"`) || !strings.Contains(mustJSON(r.Data), `"organisation":{"code":"DINSOS"}`) {
		t.Errorf("resolve: %s %v", mustJSON(r.Data), r.Errors)
	}
	if r := e.ask(t, approver, "tindak lanjut", resolve, map[string]any{"id": id, "note": "Kode program salah, diperbaiki di sumber"}); r.codes() != "CONFLICT" {
		t.Errorf("resolve twice: %v", r.Errors)
	}
	// A donor sees its own files' issues only, and a village operator of
	// another district none of these.
	for _, p := range []*authz.Principal{e.as(t, "CSR-A", "", authz.RoleDonor), e.as(t, "DESA", "19.04.07", authz.RoleOperator)} {
		r := e.ask(t, p, "tindak lanjut", `{ dataIssues { edges { node { id } } } }`, nil)
		if r.Errors != nil || len(r.Data["dataIssues"].(map[string]any)["edges"].([]any)) != 0 {
			t.Errorf("%s %s: %s %v", p.Org, p.Region, mustJSON(r.Data), r.Errors)
		}
		if r := e.ask(t, p, "tindak lanjut", resolve, map[string]any{"id": id, "note": "Kode program salah, diperbaiki"}); r.codes() != "NOT_FOUND" && r.codes() != "FORBIDDEN" {
			t.Errorf("%s resolves another's issue: %v", p.Org, r.Errors)
		}
	}
	// Who may not record benefits may not import them.
	if r := send(e.as(t, "SILAKSO", "", authz.RoleOperator), false); r.codes() != "FORBIDDEN" {
		t.Errorf("a front office operator imports: %s %v", mustJSON(r.Data), r.Errors)
	}
}

// A multipart request that is not one operation with its file answers an
// error naming the part at fault, and runs nothing.
func TestUploadShapes(t *testing.T) {
	e := newEnv(t)
	p := e.as(t, "DINSOS", "", authz.RoleApprover)
	cases := []struct {
		name, body string
		field      string
	}{
		{"no map", "--X\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\": \"mutation($f: Upload!) { importBenefits(file: $f) { read } }\", \"variables\": {\"f\": null}}\r\n--X--\r\n", "map"},
		{"map first", "--X\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{}\r\n--X--\r\n", "operations"},
		{"two files", "--X\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\": \"{ kinds { code } }\", \"variables\": {\"a\": null, \"b\": null}}\r\n" +
			"--X\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{\"0\": [\"variables.a\"], \"1\": [\"variables.b\"]}\r\n--X--\r\n", "map"},
		{"file where a value is", "--X\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\": \"{ kinds { code } }\", \"variables\": {\"f\": 1}}\r\n" +
			"--X\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{\"0\": [\"variables.f\"]}\r\n--X--\r\n", "operations"},
		{"no file", "--X\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\": \"{ kinds { code } }\", \"variables\": {\"f\": null}}\r\n" +
			"--X\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{\"0\": [\"variables.f\"]}\r\n--X--\r\n", "map"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := e.raw(t, p, "multipart/form-data; boundary=X", c.body)
			var r gqlResponse
			if err := json.Unmarshal(body, &r); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			if status != http.StatusBadRequest || r.codes() != "INVALID_INPUT" || r.Errors[0].Extensions.Field != c.field {
				t.Errorf("%d %s", status, body)
			}
		})
	}
}

// A data issue that names a child's NIK shows it as the child rule says, as
// a person's NIK would be shown: the NIK's birth date tells a child.
func TestDataIssueOfAChild(t *testing.T) {
	e := newEnv(t)
	// Born 15 March 2015, a girl (day + 40) filed as a boy: NIK_SEX_MISMATCH.
	const nik = "1904015503150009"
	row := strings.Join([]string{"", "KEPULAUAN BANGKA BELITUNG", "KAB. BANGKA TENGAH", "KOBA", "NIBUNG", "Jl. Uji No. 2", "", "001", "001",
		"1904010302260009", nik, "ANAK UJI", "2015-03-15", "", "LAKI-LAKI", "", "ANAK"}, "|")
	if rep := e.importAs(t, e.commandLine(t, "SILAKSO"), verival.RegisterImport, "anak.txt", registerHeader+"\n"+row+"\n"); rep.Quarantined != 1 {
		t.Fatalf("report: %s", rep)
	}
	policy := e.policy.Policy()
	distinguished := 0
	for _, c := range []struct{ org, region string }{{"SILAKSO", ""}, {"DINSOS", ""}, {"INSPEKTORAT", ""}} {
		for _, col := range authz.DemoColumns {
			if authz.DemoOrgKinds[c.org] != col.Principal.OrgKind {
				continue
			}
			p := e.as(t, c.org, c.region, col.Principal.Roles...)
			d := policy.Decide(p)
			if !d.MayRun("Query.dataIssues") {
				continue
			}
			child, adult := d.See("DataIssue.nik", authz.Subject{Child: true}), d.See("DataIssue.nik", authz.Subject{})
			if child != adult {
				distinguished++
			}
			r := e.ask(t, p, "verifikasi data anak", `{ dataIssues(first: 50) { edges { node { file nik } } } }`, nil)
			var got any = "absent"
			for _, edge := range r.Data["dataIssues"].(map[string]any)["edges"].([]any) {
				if n := edge.(map[string]any)["node"].(map[string]any); n["file"] == "anak.txt" {
					got = n["nik"]
				}
			}
			switch child {
			case authz.Withheld:
				if got != nil || !strings.Contains(r.codes(), string(jaring.EFORBIDDEN)) {
					t.Errorf("%s: a child's NIK in a data issue = %v (%s), want withheld", col.Label, got, r.codes())
				}
			case authz.Masked:
				if s, _ := got.(string); s == nik || !strings.Contains(s, "*") {
					t.Errorf("%s: a child's NIK in a data issue = %v, want masked", col.Label, got)
				}
			case authz.Clear:
				if got != nik {
					t.Errorf("%s: a child's NIK in a data issue = %v, want %s", col.Label, got, nik)
				}
			}
		}
	}
	if distinguished == 0 {
		t.Fatal("no role sees a child's NIK otherwise than an adult's: the test shows nothing")
	}
}
