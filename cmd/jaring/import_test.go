package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/verival"
)

// jaring import reads a file to its end whatever it holds back and exits 0,
// printing the report and writing it as JSON with --report; a dry run
// writes nothing; a failed import exits non-zero and writes nothing; the
// flags go before or after the file.
func TestImportCommand(t *testing.T) {
	url := pgtest.DemoURL(t)
	dir := t.TempDir()
	kk := "1904010302260001"
	file := filepath.Join(dir, "desa.txt")
	content := "iddtks|provinsi|kabupaten_kota|kecamatan|desa_kelurahan|alamat|dusun|rt|rw|nomor_kk|nomor_nik|nama|tanggal_lahir|tempat_lahir|jenis_kelamin|nama_ibu_kandung|hubungan_keluarga\n" +
		"|KEPULAUAN BANGKA BELITUNG|KAB. BANGKA TENGAH|KOBA|NIBUNG|Jl. Uji No. 1||001|001|" + kk + "|1904011102800091|BUDI UJI|1980-02-11||L||1\n" +
		"|KEPULAUAN BANGKA BELITUNG|KAB. BANGKA TENGAH|KOBA|NIBUNG|Jl. Uji No. 1||001|001|" + kk + "|19040153048300|SRI UJI|1983-04-13||P||2\n"
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		m := &Main{Stdout: &out, Stderr: &out, Getenv: env(map[string]string{"DATABASE_URL": url})}
		err := m.Run(context.Background(), args)
		return out.String(), err
	}
	db := pgtest.Open(t, url)
	scalar := func(sql string) string {
		var s string
		if err := db.Pool.QueryRow(context.Background(), sql).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	households := func() string { return scalar(`SELECT count(*)::text FROM household WHERE kk = '` + kk + `'`) }

	out, err := run("import", "register", "--dry-run", file)
	if err != nil || !strings.Contains(out, "desa.txt: read 2 rows: 1 inserted, 0 updated, 0 unchanged, 1 quarantined (INVALID_NIK 1)") ||
		!strings.Contains(out, "dry run, nothing written") || households() != "0" {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	report := filepath.Join(dir, "report.json")
	out, err = run("import", "register", file, "--report", report, "--quiet")
	if err != nil || households() != "1" || strings.Contains(out, "rows read") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	var rep verival.Report
	b, _ := os.ReadFile(report)
	if err := json.Unmarshal(b, &rep); err != nil || rep.Read != 2 || rep.Inserted != 1 || rep.Quarantined != 1 ||
		rep.Reasons[verival.InvalidNIK] != 1 || rep.ImportID == 0 || rep.File != "desa.txt" {
		t.Errorf("report: %v %s", err, b)
	}
	if out, err = run("import", "register", file); err != nil || !strings.Contains(out, "nothing changed: the same file was imported on") {
		t.Errorf("again: %v\n%s", err, out)
	}

	// A file the reader refuses midway fails the import: exit 1, nothing written.
	broken := filepath.Join(dir, "broken.csv")
	if err := os.WriteFile(broken, []byte("kk,nik,program,amount,period_start,period_end,channel,external_ref,source,override\n"+
		kk+",,RTLH,1,2026-01-01,,,CLI-1,,\n"+strings.Repeat("x", verival.MaxLine+10)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := scalar(`SELECT count(*)::text FROM benefit`)
	out, err = run("import", "benefits", "--org", "PERKIM", broken)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "nothing of it was written") ||
		scalar(`SELECT count(*)::text FROM benefit`) != before {
		t.Errorf("broken file: exit %d, %v\n%s", exitCode(err), err, out)
	}
	// Mistakes of the command line are usage errors (exit 2).
	for _, args := range [][]string{
		{"import"}, {"import", "people", file}, {"import", "benefits", file}, {"import", "register"},
		{"import", "register", file, file}, {"import", "benefits", "--org", "NOPE", broken},
	} {
		if _, err := run(args...); exitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
	if out, err := run("import", "--help"); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out, "jaring import benefits --org CODE") || !strings.Contains(out, "-dry-run") {
		t.Errorf("help: %v\n%s", err, out)
	}
	if _, err := run("import", "register", filepath.Join(dir, "missing.txt")); exitCode(err) != 1 {
		t.Errorf("a missing file: %v", err)
	}
}
