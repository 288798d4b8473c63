package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/verival"
)

// exportFixture is a database holding two households of Nibung, one
// member's death approved by the deliberation of 15 June 2026, a household's
// removal rejected by it, and a family's entry approved on 20 July.
func exportFixture(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	url := pgtest.URL(t)
	db := pgtest.Open(t, url)
	if _, err := db.Pool.Exec(ctx, `
		INSERT INTO organisation (code, name, kind, region_code) VALUES ('SILAKSO', 'SiLakso', 'FRONT_OFFICE', '19.04');
		INSERT INTO household (kk, region_code, address, register_status) VALUES
			('1904010506150001', '19.04.01.2003', 'Jl. Nibung No. 1', 'REGISTERED'),
			('1904011207180002', '19.04.01.2003', 'Jl. Nibung No. 7', 'UNREGISTERED');
		INSERT INTO person (nik, household_id, region_code, name, birth_date, sex, relationship)
		SELECT '1904011203850001', id, region_code, 'Ahmad Fauzi', '1985-03-12', 'MALE', 'HEAD' FROM household WHERE kk = '1904010506150001'`); err != nil {
		t.Fatal(err)
	}
	var orgID int64
	if err := db.Pool.QueryRow(ctx, `SELECT id FROM organisation WHERE code = 'SILAKSO'`).Scan(&orgID); err != nil {
		t.Fatal(err)
	}
	desk := jaring.Actor{Login: "silakso-verifier", Org: "SILAKSO", OrgID: orgID, OrgKind: jaring.OrgFrontOffice, Scope: jaring.Unrestricted()}
	now := time.Date(2026, time.June, 10, 9, 0, 0, 0, time.UTC)
	svc := &verival.Service{Store: postgres.NewVerivalStore(db, nil), Now: func() time.Time { return now }}
	propose := func(p verival.Proposal) int64 {
		t.Helper()
		c, err := svc.Propose(ctx, desk, p)
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	dead := propose(verival.Proposal{KK: "1904010506150001", NIK: "1904011203850001", Kind: verival.Remove, Reason: verival.Deceased,
		Evidence: "Surat keterangan kematian 474.3/11/2026, Kepala Desa Nibung"})
	out := propose(verival.Proposal{KK: "1904010506150001", Kind: verival.Remove, Reason: verival.NotEligible, Evidence: "BA Musdes 02/2026"})
	add := propose(verival.Proposal{KK: "1904011207180002", Kind: verival.Add, Reason: verival.NewPoorFamily, Evidence: "BA Musdes 03/2026"})
	now = time.Date(2026, time.June, 15, 14, 0, 0, 0, time.UTC)
	if _, err := svc.Deliberate(ctx, desk, verival.NewDeliberation{Village: "19.04.01.2003", Date: jaring.Date(2026, 6, 15), MinutesRef: "BA/01/MUSDES/VI/2026",
		Decisions: []verival.DecisionInput{{ChangeID: dead, Decision: verival.Approve}, {ChangeID: out, Decision: verival.Reject, Note: "Masih layak"}}}); err != nil {
		t.Fatal(err)
	}
	now = time.Date(2026, time.July, 20, 14, 0, 0, 0, time.UTC)
	if _, err := svc.Deliberate(ctx, desk, verival.NewDeliberation{Village: "19.04.01.2003", Date: jaring.Date(2026, 7, 20), MinutesRef: "BA/02/MUSDES/VII/2026",
		Decisions: []verival.DecisionInput{{ChangeID: add, Decision: verival.Approve}}}); err != nil {
		t.Fatal(err)
	}
	return url
}

// jaring export register-changes writes the approved changes of the
// deliberations held in its window as CSV, to a file or standard output,
// and records the export, naming every household and person in it.
func TestExportRegisterChanges(t *testing.T) {
	url := exportFixture(t)
	run := func(t *testing.T, stdout io.Writer, args ...string) error {
		t.Helper()
		m := &Main{Stdout: stdout, Stderr: io.Discard, Getenv: env(map[string]string{"USER": "operator-dinsos"})}
		return m.Run(context.Background(), append([]string{"export", "register-changes", "--database-url", url}, args...))
	}
	var out bytes.Buffer
	if err := run(t, &out, "--from", "2026-06-01", "--to", "2026-06-30", "-"); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatalf("standard output is not CSV alone: %v\n%s", err, out.String())
	}
	if len(recs) != 2 || strings.Join(recs[0], ",") != strings.Join(verival.ExportColumns, ",") {
		t.Fatalf("export of June = %q, want the header and the death", recs)
	}
	got := strings.Join(recs[1][1:12], "|")
	if want := "1904010506150001|1904011203850001|REMOVE|DECEASED|19.04.01.2003|Nibung|1|2026-06-15|BA/01/MUSDES/VI/2026|2026-06-15T14:00:00Z|" +
		"Surat keterangan kematian 474.3/11/2026, Kepala Desa Nibung"; got != want {
		t.Errorf("row = %s\nwant  %s", got, want)
	}

	// The export is on the trail of the person and the household it named.
	db := pgtest.Open(t, url)
	var actor, org, purpose string
	var persons, households, fields []string
	if err := db.Pool.QueryRow(context.Background(), `SELECT actor, org, purpose, persons, households, fields FROM audit_event
		WHERE operation = 'export register-changes' ORDER BY id DESC LIMIT 1`).Scan(&actor, &org, &purpose, &persons, &households, &fields); err != nil {
		t.Fatalf("no audit event of the export: %v", err)
	}
	if actor != "operator-dinsos" || org != "SYSTEM" || purpose == "" || strings.Join(persons, ",") != "1904011203850001" ||
		strings.Join(households, ",") != "1904010506150001" || !strings.Contains(strings.Join(fields, ","), "Person.nik") {
		t.Errorf("audit event = %s %s %q %v %v %v", actor, org, purpose, persons, households, fields)
	}

	// To a file, the whole summer; the summary goes to standard output.
	file := filepath.Join(t.TempDir(), "perubahan.csv")
	out.Reset()
	if err := run(t, &out, "--from", "2026-06-01", "--to", "2026-08-31", "--actor", "budi", file); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "exported 2 approved register changes") {
		t.Errorf("summary = %q", out.String())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if recs, _ := csv.NewReader(bytes.NewReader(b)).ReadAll(); len(recs) != 3 || recs[2][3] != "ADD" || recs[2][2] != "" {
		t.Errorf("export of the summer = %q", recs)
	}
	if n := count(t, db, `SELECT count(*) FROM audit_event WHERE operation = 'export register-changes'`); n != 2 {
		t.Errorf("%d exports recorded, want 2", n)
	}

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no file", []string{"--from", "2026-06-01", "--to", "2026-06-30"}, "takes one FILE"},
		{"no window", []string{"-"}, "needs --from and --to"},
		{"a bad date", []string{"--from", "1 Juni 2026", "--to", "2026-06-30", "-"}, `--from "1 Juni 2026"`},
		{"a window backwards", []string{"--from", "2026-06-30", "--to", "2026-06-01", "-"}, "is before --from"},
		{"a file that cannot be made", []string{"--from", "2026-06-01", "--to", "2026-06-30", filepath.Join(t.TempDir(), "no", "such", "dir.csv")}, "no such file"},
	} {
		err := run(t, io.Discard, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one containing %q", c.name, err, c.want)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM audit_event WHERE operation = 'export register-changes'`); n != 2 {
		t.Errorf("refused exports were recorded: %d", n)
	}
	if err := run(t, io.Discard, "--help"); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v", err)
	}
}

// The flags of the export may be set by the environment.
func TestExportFlagsFromEnvironment(t *testing.T) {
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: env(map[string]string{"JARING_EXPORT_FROM": "2026-06-01", "JARING_EXPORT_TO": "2026-06-30"})}
	cfg, file, err := m.parseExport([]string{"--to", "2026-07-31", "out.csv"})
	if err != nil || cfg.export.from != "2026-06-01" || cfg.export.to != "2026-07-31" || file != "out.csv" {
		t.Errorf("parse = %+v %q %v; want the variable's --from and the flag's --to", cfg, file, err)
	}
}

func count(t *testing.T, db *postgres.DB, sql string) int64 {
	t.Helper()
	var n int64
	if err := db.Pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}
