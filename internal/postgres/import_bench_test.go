package postgres_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/verival"
	"github.com/jaring-id/jaring/internal/verival/testfiles"
)

// benchRows is the size of the files the import benchmarks read:
// JARING_BENCH_IMPORT_ROWS, a million by default.
func benchRows(b *testing.B) int {
	n := 1_000_000
	if s := os.Getenv("JARING_BENCH_IMPORT_ROWS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			b.Fatalf("JARING_BENCH_IMPORT_ROWS=%q: want a number of rows", s)
		}
	}
	return n
}

// writeFile writes r to a file of the benchmark's, outside the timing: an
// import reads a file from disk.
func writeFile(b *testing.B, name string, r io.Reader) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := io.Copy(w, r); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// peakRSS runs f and returns the most memory the process held meanwhile
// (Linux's VmHWM, reset first), in MiB, and what it held before.
func peakRSS(b *testing.B, f func()) (peak, before float64) {
	b.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("cannot reset the peak RSS (%v): the figure is the process's peak so far", err)
	}
	before = procStatus(b, "VmRSS")
	f()
	return procStatus(b, "VmHWM"), before
}

func procStatus(b *testing.B, key string) float64 {
	b.Helper()
	s, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(s), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	b.Fatalf("no %s in /proc/self/status", key)
	return 0
}

// importOnce imports the file at path into a fresh copy of the database
// that prepare made, timing the import alone.
func importOnce(b *testing.B, kind verival.ImportKind, org string, path string, template string) (*verival.Report, float64, float64) {
	b.Helper()
	b.StopTimer()
	url := pgtest.CloneOf(b, template)
	db := pgtest.Open(b, url)
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log.Close()
	imp := &verival.Importer{Store: postgres.NewImportStore(db, log)}
	o, err := postgres.NewOrganisationStore(db).FindOrganisationByCode(context.Background(), org)
	if err != nil {
		b.Fatal(err)
	}
	a := commandActor(o)
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var rep *verival.Report
	phases := &phaseTimer{start: time.Now()}
	opts := verival.ImportOptions{File: filepath.Base(path), Progress: phases}
	b.StartTimer()
	peak, before := peakRSS(b, func() {
		if kind == verival.RegisterImport {
			rep, err = imp.Register(context.Background(), a, f, opts)
		} else {
			rep, err = imp.Benefits(context.Background(), a, f, opts)
		}
	})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	phases.Phase("done")
	b.Logf("phases: %s", strings.Join(phases.took, "; "))
	b.StartTimer()
	return rep, peak, before
}

// copyFloor copies the rows of the file at path, as the reader reads them,
// straight into a table shaped and indexed like target (its indexes and
// CHECK constraints, not its foreign keys or triggers), with nothing
// checked or merged: what writing the rows
// costs this database at the least, the baseline of the import's figure.
func copyFloor(b *testing.B, template, target, path string, columns []string, values func(row any) []any, kind verival.ImportKind) time.Duration {
	b.Helper()
	url := pgtest.CloneOf(b, template)
	db := pgtest.Open(b, url)
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `CREATE TABLE floor (LIKE `+target+` INCLUDING ALL)`); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	var next func() (any, error)
	if kind == verival.RegisterImport {
		r, err := verival.NewRegisterReader(f)
		if err != nil {
			b.Fatal(err)
		}
		next = func() (any, error) { row, err := r.Read(); return &row, err }
	} else {
		r, err := verival.NewBenefitReader(f)
		if err != nil {
			b.Fatal(err)
		}
		next = func() (any, error) { row, err := r.Read(); return &row, err }
	}
	src := &floorSource{next: next, values: values}
	if _, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"floor"}, columns, src); err != nil || src.err != nil {
		b.Fatalf("copy: %v %v", err, src.err)
	}
	return time.Since(start)
}

// phaseTimer notes how long each step of an import took.
type phaseTimer struct {
	start time.Time
	name  string
	took  []string
}

func (p *phaseTimer) Read(int, int64) {}

func (p *phaseTimer) Phase(name string) {
	now := time.Now()
	if p.name != "" {
		p.took = append(p.took, fmt.Sprintf("%s %s", p.name, now.Sub(p.start).Round(10*time.Millisecond)))
	}
	p.name, p.start = name, now
}

type floorSource struct {
	next   func() (any, error)
	values func(row any) []any
	row    []any
	err    error
}

func (s *floorSource) Next() bool {
	for {
		row, err := s.next()
		if err == io.EOF {
			return false
		}
		if err != nil {
			s.err = err
			return false
		}
		if s.row = s.values(row); s.row != nil {
			return true
		}
	}
}
func (s *floorSource) Values() ([]any, error) { return s.row, nil }
func (s *floorSource) Err() error             { return s.err }

// BenchmarkImportRegister imports a generated register export of a million
// persons (JARING_BENCH_IMPORT_ROWS) into an empty register, one row in a
// thousand bad, and reports rows a second, the peak memory of the process
// and, as the baseline of the same run, the rows a second of a bare COPY of
// the same parsed rows into a table shaped and indexed like person.
func BenchmarkImportRegister(b *testing.B) {
	rows := benchRows(b)
	path := writeFile(b, "register.txt", testfiles.Register(rows, 1000))
	template := pgtest.Template(b, "import-register", func(db *postgres.DB) error {
		_, err := db.Pool.Exec(context.Background(), `INSERT INTO organisation (code, name, kind, region_code) VALUES ('SILAKSO', 'SiLakso', 'FRONT_OFFICE', '19.04')`)
		return err
	})
	var rep *verival.Report
	var peak, before float64
	b.ResetTimer()
	for range b.N {
		rep, peak, before = importOnce(b, verival.RegisterImport, "SILAKSO", path, template)
	}
	if rep.Read != rows || rep.Quarantined < rows/1000 {
		b.Fatalf("report: %s", rep)
	}
	b.StopTimer()
	floor := copyFloor(b, template, "person", path, []string{"nik", "household_id", "region_code", "name", "birth_date", "sex", "relationship"},
		func(v any) []any {
			r := v.(*verival.RegisterRow)
			if !r.Valid() {
				return nil
			}
			return []any{r.NIK, int64(1), r.VillageCode, r.Name, r.BirthDate, string(r.Sex), "OTHER"}
		}, verival.RegisterImport)
	perRun := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(rows)/perRun, "rows/s")
	b.ReportMetric(float64(rows)/floor.Seconds(), "copy-floor-rows/s")
	b.ReportMetric(peak, "peak-RSS-MiB")
	b.ReportMetric(peak-before, "RSS-growth-MiB")
	b.Logf("%s; a bare COPY of the rows took %s", rep, floor.Round(time.Millisecond))
}

// BenchmarkImportBenefits imports a generated benefits file of a million
// rows (JARING_BENCH_IMPORT_ROWS) for the households of a register of a
// million persons, into an empty ledger, and reports as
// BenchmarkImportRegister does, with a bare COPY into a table shaped and
// indexed like benefit (its indexes and CHECK constraints; no foreign keys
// and no trigger) as the baseline.
func BenchmarkImportBenefits(b *testing.B) {
	rows := benchRows(b)
	register := writeFile(b, "register.txt", testfiles.Register(rows, 0))
	households := testfiles.Households(rows)
	path := writeFile(b, "benefits.csv", testfiles.Benefits(households, rows))
	template := pgtest.Template(b, "import-benefits", func(db *postgres.DB) error {
		ctx := context.Background()
		if _, err := db.Pool.Exec(ctx, `INSERT INTO organisation (code, name, kind, region_code) VALUES
			('SILAKSO', 'SiLakso', 'FRONT_OFFICE', '19.04'), ('DINSOS', 'Dinsos', 'AGENCY', '19.04')`); err != nil {
			return err
		}
		log := postgres.NewAuditLog(db, postgres.AuditOptions{})
		defer log.Close()
		f, err := os.Open(register)
		if err != nil {
			return err
		}
		defer f.Close()
		o, err := postgres.NewOrganisationStore(db).FindOrganisationByCode(ctx, "SILAKSO")
		if err != nil {
			return err
		}
		_, err = (&verival.Importer{Store: postgres.NewImportStore(db, log)}).Register(ctx, commandActor(o), f, verival.ImportOptions{File: "register.txt"})
		return err
	})
	var rep *verival.Report
	var peak, before float64
	b.ResetTimer()
	for range b.N {
		rep, peak, before = importOnce(b, verival.BenefitsImport, "DINSOS", path, template)
	}
	if rep.Read != rows || rep.Inserted != rows {
		b.Fatalf("report: %s", rep)
	}
	b.StopTimer()
	floor := copyFloor(b, template, "benefit", path, []string{"program_id", "kind_code", "source", "payer_id", "household_id", "region_code",
		"amount", "period", "external_ref"},
		func(v any) []any {
			r := v.(*verival.BenefitRow)
			period := pgtype.Range[pgtype.Date]{Lower: pgtype.Date{Time: r.Input.Period.Start, Valid: true},
				Upper: pgtype.Date{Time: r.Input.Period.End.AddDate(0, 0, 1), Valid: true}, LowerType: pgtype.Inclusive, UpperType: pgtype.Exclusive, Valid: true}
			// One program and household for all: the floor writes the
			// rows, it does not look anyone up.
			return []any{int64(1), "FOOD", "APBN", int64(1), int64(r.Line), "19.04.01.2003", r.Input.Amount, period, r.Input.ExternalRef}
		}, verival.BenefitsImport)
	perRun := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(rows)/perRun, "rows/s")
	b.ReportMetric(float64(rows)/floor.Seconds(), "copy-floor-rows/s")
	b.ReportMetric(peak, "peak-RSS-MiB")
	b.ReportMetric(peak-before, "RSS-growth-MiB")
	b.Logf("%s; a bare COPY of the rows took %s", rep, floor.Round(time.Millisecond))
}

// commandActor is who imports from the command line for o: every row.
func commandActor(o *jaring.Organisation) jaring.Actor {
	a := jaring.System()
	a.Login, a.Org, a.OrgID, a.OrgKind, a.MayOverride = "cli:bench", o.Code, o.ID, o.Kind, true
	a.Scope.OrgID = o.ID
	return a
}
