// Command jaring-bench is `make bench`: it seeds (or reuses) private
// PostgreSQL clusters of the demo regency at two sizes under .jaring-bench/,
// serves each with `jaring serve`, and measures through HTTP what an agency
// does all day, beside what the database alone does for the same answer:
//
//   - the household view (the household, its members and their benefits,
//     its benefits and its referrals) for random KKs, 16 clients, as a
//     DINSOS approver with X-Purpose, so policy, masking and audit are on;
//   - the same JSON document built by one SQL statement, 16 goroutines over
//     pgx prepared statements: the raw-SQL baseline;
//   - the floor: that statement served over HTTP with a token checked and
//     an audit event written, and nothing else (floor.go);
//   - recordBenefits in batches of 1,000 items;
//   - approvals, one-item recordBenefits, at 1 and at 16 clients;
//   - approvals, decideReferral accepting a referral with its benefit, at 1
//     and at 16 clients (decide.go);
//   - on the small regency, the household view and one-item recordBenefits
//     at 1 client again: neither may slow down as the register grows.
//
// It prints a table and appends it, with the machine, the commit and the
// date, to docs/performance.md. The clusters run as pgdev configures a
// private cluster (fsync, synchronous_commit and full_page_writes on), with
// pg_stat_statements loaded to count the statements each request costs.
//
// Settings, from the environment: BENCH_HOUSEHOLDS_SMALL (30000),
// BENCH_HOUSEHOLDS_LARGE (see defaultLarge), BENCH_SEED (1), BENCH_WARMUP
// (5s), BENCH_DURATION (20s), BENCH_BATCHES (10), BENCH_OUT
// (docs/performance.md; "-" prints only). For profiling: BENCH_ONLY names
// the measurements to run on the large regency alone (view, sql, floor,
// batches, approvals, separated by commas; the table is then printed, not
// appended), and BENCH_PROFILE=DIR writes a CPU profile of the server
// (pprof, through --admin-addr) over each measured part into DIR.
package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/jaring-id/jaring/internal/pgdev"
)

// sharedBuffers is the bench clusters' shared_buffers: half of this
// machine's 24 GiB, enough to hold the 3,000,000 households' register
// (10–11 GB, indexes included), where pgdev gives a development cluster 128MB.
// A restart empties PostgreSQL's cache, and 20 s of random approvals would
// measure the restart: every lookup and index insert of a write went to the
// operating system's cache, and a batch of 1,000 took 0.63 s, against 0.25 s
// on the register in memory. So the bench loads the register into the cache
// when it starts a cluster (pg_prewarm), as a server sized for its register
// holds it after a while in service (until 2026-12-01: 6GB, no prewarm).
const sharedBuffers = "12GB"

const (
	benchDir = ".jaring-bench"
	clients  = 16
	asOf     = "2026-06-30"
	appRole  = "jaring_app"
	// defaultLarge is the large size when BENCH_HOUSEHOLDS_LARGE is unset,
	// the province the issue names. On the 2-core development machine it
	// seeds in about 6 to 11 minutes (some 12 GB on disk), which leaves the
	// first run inside make bench's 15 minutes; later runs reuse it.
	defaultLarge = 3_000_000
)

// householdView is the query an agency runs before it approves aid.
const householdView = `query($kk: String!) { household(kk: $kk) { kk address desil registerStatus
  members { nik name birthDate sex relationship disabled benefits { program { code } amount period { start end } status } }
  benefits { kind { code } program { code } source payer { code } amount period { start end } status }
  referrals { id status to { code } program { code } createdAt decidedAt } } }`

// householdSQL builds the same document in one statement.
const householdSQL = `
SELECT json_build_object('data', json_build_object('household', (
  SELECT json_build_object('kk', h.kk, 'address', h.address, 'desil', h.desil, 'registerStatus', h.register_status,
    'members', (SELECT coalesce(json_agg(json_build_object('nik', p.nik, 'name', p.name, 'birthDate', p.birth_date,
        'sex', p.sex, 'relationship', p.relationship, 'disabled', p.disabled,
        'benefits', (SELECT coalesce(json_agg(json_build_object('program', json_build_object('code', pr.code), 'amount', b.amount,
            'period', json_build_object('start', lower(b.period), 'end', upper(b.period) - 1), 'status', b.status)
            ORDER BY lower(b.period), b.id), '[]')
          FROM benefit b JOIN program pr ON pr.id = b.program_id WHERE b.person_id = p.id)) ORDER BY p.id), '[]')
      FROM person p WHERE p.household_id = h.id),
    'benefits', (SELECT coalesce(json_agg(json_build_object('kind', json_build_object('code', b.kind_code),
        'program', json_build_object('code', pr.code), 'source', b.source, 'payer', json_build_object('code', o.code),
        'amount', b.amount, 'period', json_build_object('start', lower(b.period), 'end', upper(b.period) - 1), 'status', b.status)
        ORDER BY lower(b.period), b.id), '[]')
      FROM benefit b JOIN program pr ON pr.id = b.program_id JOIN organisation o ON o.id = b.payer_id WHERE b.household_id = h.id),
    'referrals', (SELECT coalesce(json_agg(json_build_object('id', r.id, 'status', r.status, 'to', json_build_object('code', t.code),
        'program', CASE WHEN pr.id IS NOT NULL THEN json_build_object('code', pr.code) END,
        'createdAt', r.created_at, 'decidedAt', r.decided_at) ORDER BY r.created_at DESC), '[]')
      FROM referral r JOIN organisation t ON t.id = r.to_id LEFT JOIN program pr ON pr.id = r.program_id WHERE r.household_id = h.id))
  FROM household h WHERE h.kk = $1)))`

const recordBenefits = `mutation($input: [BenefitInput!]!) { recordBenefits(input: $input) { externalRef status error { code } } }`

var usage = `jaring-bench: make bench — seed or reuse benchmark clusters under .jaring-bench/, measure the
household view, the raw-SQL baseline, the floor (that SQL over HTTP with a token and an audit event),
recordBenefits batches, and approvals (one-item recordBenefits, decideReferral) through HTTP, print
the table and append it to docs/performance.md.
Usage: go run ./cmd/jaring-bench   (or make bench)
Settings, from the environment:
  BENCH_HOUSEHOLDS_SMALL  households of the small regency (30000)
  BENCH_HOUSEHOLDS_LARGE  households of the large regency (` + strconv.Itoa(defaultLarge) + `)
  BENCH_SEED              seed of the demo data (1)
  BENCH_WARMUP            warm-up before each measurement (5s)
  BENCH_DURATION          each measurement (20s)
  BENCH_BATCHES           recordBenefits batches of 1,000 (10)
  BENCH_OUT               file the table is appended to (docs/performance.md; - prints only)
  BENCH_ONLY              only these, on the large regency, separated by commas: ` + strings.Join(measurements, ",") + `
                          (approvals: recordBenefits and decideReferral; the table is printed, not appended)
  BENCH_PROFILE           folder for a CPU profile of the server over each measured part
`

func main() {
	for _, a := range os.Args[1:] {
		if a == "-h" || a == "--help" || a == "-help" {
			fmt.Print(usage)
			return
		}
		fmt.Fprintf(os.Stderr, "jaring-bench: %s: no such flag; its settings come from the environment\n\n%s", a, usage)
		os.Exit(2)
	}
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "jaring-bench:", err)
		os.Exit(1)
	}
}

// settings are the bench's knobs.
type settings struct {
	small, large     int
	seed             int
	warmup, duration time.Duration
	batches          int
	out              string
	only             []string // measurements to run alone, or all
	profile          string   // folder for CPU profiles, or none
}

// measurements are the names BENCH_ONLY takes.
var measurements = []string{"view", "sql", "floor", "batches", "approvals"}

// runs says whether the measurement named is to run.
func (s settings) runs(name string) bool { return len(s.only) == 0 || slices.Contains(s.only, name) }

// load reads the settings from the environment; a value that does not
// parse, or is out of range, is an error naming the variable.
func load() (settings, error) {
	var errs []error
	num := func(name string, def, least int) int {
		v := os.Getenv(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < least {
			errs = append(errs, fmt.Errorf("%s=%q: want a whole number of at least %d", name, v, least))
		}
		return n
	}
	dur := func(name string, def time.Duration, least time.Duration) time.Duration {
		v := os.Getenv(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < least {
			errs = append(errs, fmt.Errorf("%s=%q: want a duration of at least %s, such as 20s", name, v, least))
		}
		return d
	}
	s := settings{small: num("BENCH_HOUSEHOLDS_SMALL", 30_000, 1), large: num("BENCH_HOUSEHOLDS_LARGE", defaultLarge, 1),
		seed: num("BENCH_SEED", 1, 0), warmup: dur("BENCH_WARMUP", 5*time.Second, 0),
		duration: dur("BENCH_DURATION", 20*time.Second, time.Second), batches: num("BENCH_BATCHES", 10, 1),
		out: cmp.Or(os.Getenv("BENCH_OUT"), "docs/performance.md"), profile: os.Getenv("BENCH_PROFILE")}
	if only := os.Getenv("BENCH_ONLY"); only != "" {
		for _, name := range strings.Split(only, ",") {
			name = strings.TrimSpace(name)
			if !slices.Contains(measurements, name) {
				errs = append(errs, fmt.Errorf("BENCH_ONLY=%q: %q is not one of %s", only, name, strings.Join(measurements, ", ")))
			}
			s.only = append(s.only, name)
		}
	}
	if s.out != "-" && len(s.only) == 0 {
		if f, err := os.OpenFile(s.out, os.O_APPEND|os.O_WRONLY, 0); err != nil {
			errs = append(errs, fmt.Errorf("BENCH_OUT=%q: the table is appended to an existing file: %w", s.out, err))
		} else {
			f.Close()
		}
	}
	return s, errors.Join(errs...)
}

func run(ctx context.Context) error {
	s, err := load()
	if err != nil {
		return err
	}
	bin := filepath.Join(benchDir, "bin", "jaring")
	if err := command("go", "build", "-o", bin, "./cmd/jaring").Run(); err != nil {
		return fmt.Errorf("build jaring: %w", err)
	}
	rep := &report{settings: s, started: time.Now()}

	if s.profile != "" {
		if err := os.MkdirAll(s.profile, 0o755); err != nil {
			return err
		}
	}
	// The large regency: everything.
	large, err := openBench(ctx, bin, s.large, s.seed, s.profile != "")
	if err != nil {
		return err
	}
	rep.seedLarge = large.seeded
	rep.durability = large.durability
	if err := large.measureAll(ctx, s, rep); err != nil {
		large.close()
		return err
	}
	large.close()
	if len(s.only) > 0 {
		fmt.Print(rep.markdown())
		return nil
	}

	// The small regency: the household view's latency and the approvals
	// at one client, for comparison.
	small, err := openBench(ctx, bin, s.small, s.seed, s.profile != "")
	if err != nil {
		return err
	}
	rep.seedSmall = small.seeded
	err = small.measureSmall(ctx, s, rep)
	small.close()
	if err != nil {
		return err
	}

	table := rep.markdown()
	fmt.Print(table)
	if s.out == "-" {
		return nil
	}
	f, err := os.OpenFile(s.out, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.WriteString(f, "\n"+table)
	return err
}

// bench is a seeded cluster with `jaring serve` running on it.
type bench struct {
	households int
	dir        string
	cluster    *pgdev.Cluster
	owner      *pgxpool.Pool
	serve      *exec.Cmd
	url        string // of /graphql
	admin      string // the server's admin listener, when profiling
	token      string
	seeded     string // how the data came to be: seeded in how long, or reused
	durability string
	kks, niks  []string // random samples
	client     *http.Client
}

// openBench seeds a cluster of n households, or reuses the one seeded with
// the same seed and size, and serves it.
func openBench(ctx context.Context, bin string, n, seed int, profile bool) (*bench, error) {
	b := &bench{households: n, dir: filepath.Join(benchDir, fmt.Sprintf("households-%d-seed-%d", n, seed))}
	marker := filepath.Join(b.dir, "seeded")
	want := fmt.Sprintf("seed %d, %d households, as of %s\n", seed, n, asOf)
	if got, err := os.ReadFile(marker); err == nil && string(got) == want {
		// Reused: brought up to this build's schema first.
		if err := command(bin, "migrate", "--quiet", "--data-dir", b.dir).Run(); err != nil {
			return nil, fmt.Errorf("migrate the reused cluster: %w", err)
		}
		b.seeded = "reused"
	} else {
		if err := os.RemoveAll(b.dir); err != nil {
			return nil, err
		}
		fmt.Printf("seeding %d households into %s…\n", n, b.dir)
		start := time.Now()
		if err := command(bin, "migrate", "--data-dir", b.dir).Run(); err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
		la := loadavg()
		if err := command(bin, "seed", "--demo", "--demo-households", strconv.Itoa(n), "--demo-seed", strconv.Itoa(seed),
			"--demo-as-of", asOf, "--data-dir", b.dir).Run(); err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
		b.seeded = fmt.Sprintf("seeded in %s (load %s)", time.Since(start).Round(time.Second), la)
		if err := os.WriteFile(marker, []byte(want), 0o644); err != nil {
			return nil, err
		}
	}
	if err := b.start(ctx, bin, profile); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// start opens the cluster with pg_stat_statements loaded, samples KKs and
// NIKs, and starts `jaring serve` on it.
func (b *bench) start(ctx context.Context, bin string, profile bool) error {
	var err error
	open := func() error {
		b.cluster, err = pgdev.Open(ctx, pgdev.Options{Dir: filepath.Join(b.dir, "postgres"), SharedBuffers: sharedBuffers})
		if err != nil {
			return err
		}
		b.owner, err = pgxpool.New(ctx, b.cluster.URL("jaring"))
		return err
	}
	if err := open(); err != nil {
		return err
	}
	var preload, buffers string
	if err := b.owner.QueryRow(ctx, `SELECT current_setting('shared_preload_libraries'), current_setting('shared_buffers')`).Scan(&preload, &buffers); err != nil {
		return err
	}
	if !strings.Contains(preload, "pg_stat_statements") || buffers != sharedBuffers {
		// Both are read at start only. The bench can start again only a
		// server it started: one found running is someone else's.
		if !b.cluster.Owned() {
			return fmt.Errorf("a PostgreSQL server not started by the bench runs on %s (shared_buffers=%s, shared_preload_libraries=%q): stop it, and run the bench again",
				b.dir, buffers, preload)
		}
		if _, err := b.owner.Exec(ctx, `ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`); err != nil {
			return err
		}
		b.owner.Close()
		if err := b.cluster.Stop(ctx); err != nil {
			return err
		}
		if err := open(); err != nil {
			return err
		}
		if err := b.owner.QueryRow(ctx, `SELECT current_setting('shared_preload_libraries'), current_setting('shared_buffers')`).Scan(&preload, &buffers); err != nil {
			return err
		}
		if !strings.Contains(preload, "pg_stat_statements") || buffers != sharedBuffers {
			return fmt.Errorf("the cluster in %s started again with shared_buffers=%s, shared_preload_libraries=%q; want %s and pg_stat_statements",
				b.dir, buffers, preload, sharedBuffers)
		}
	}
	if _, err := b.owner.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
		return err
	}
	if err := b.prewarm(ctx); err != nil {
		return err
	}
	var fsync, sync, fpw string
	if err := b.owner.QueryRow(ctx, `SELECT current_setting('fsync'), current_setting('synchronous_commit'), current_setting('full_page_writes')`).Scan(&fsync, &sync, &fpw); err != nil {
		return err
	}
	b.durability = fmt.Sprintf("fsync=%s, synchronous_commit=%s, full_page_writes=%s, shared_buffers=%s", fsync, sync, fpw, buffers)
	if b.kks, err = sample(ctx, b.owner, `SELECT kk FROM household WHERE id = ANY($1)`, `household`); err != nil {
		return err
	}
	if b.niks, err = sample(ctx, b.owner, `SELECT nik FROM person WHERE id = ANY($1)`, `person`); err != nil {
		return err
	}

	out, err := command(bin, "token", "--data-dir", b.dir, "--org", "DINSOS", "--role", "approver", "--sub", "bench-approver").Output()
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	b.token = strings.TrimSpace(string(out))
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := []string{"serve", "--data-dir", b.dir, "--addr", addr, "--log-level", "warn"}
	if profile {
		admin, err := freePort()
		if err != nil {
			return err
		}
		b.admin = fmt.Sprintf("127.0.0.1:%d", admin)
		args = append(args, "--admin-addr", b.admin)
	}
	b.serve = command(bin, args...)
	if err := b.serve.Start(); err != nil {
		return err
	}
	b.url = "http://" + addr + "/graphql"
	b.client = &http.Client{Timeout: time.Minute}
	for try := 0; ; try++ {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		if try == 100 {
			return fmt.Errorf("jaring serve on %s is not ready after 20 s", addr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// prewarm loads every table and index of the register into shared_buffers
// (see sharedBuffers), and notes how much and how long beside how the data
// came to be.
func (b *bench) prewarm(ctx context.Context) error {
	fmt.Printf("loading the register of %d households into shared_buffers…\n", b.households)
	start := time.Now()
	if _, err := b.owner.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_prewarm`); err != nil {
		return fmt.Errorf("prewarm: %w", err)
	}
	var blocks int64
	var size string
	err := b.owner.QueryRow(ctx, `SELECT coalesce(sum(pg_prewarm(c.oid)), 0)::bigint,
			pg_size_pretty(coalesce(sum(pg_relation_size(c.oid)), 0))
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 'm') AND c.relpersistence = 'p'`).Scan(&blocks, &size)
	if err != nil {
		return fmt.Errorf("prewarm: %w", err)
	}
	b.seeded += fmt.Sprintf("; its %s loaded into shared_buffers in %s", size, time.Since(start).Round(100*time.Millisecond))
	return nil
}

func (b *bench) close() {
	if b.serve != nil && b.serve.Process != nil {
		b.serve.Process.Signal(os.Interrupt)
		b.serve.Wait()
	}
	if b.owner != nil {
		b.owner.Close()
	}
	if b.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		b.cluster.Stop(ctx)
	}
}

// sample draws 20,000 rows of table at random IDs (some IDs may be gaps).
func sample(ctx context.Context, db *pgxpool.Pool, sql, table string) ([]string, error) {
	var lo, hi int64
	if err := db.QueryRow(ctx, `SELECT min(id), max(id) FROM `+table).Scan(&lo, &hi); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(1, 2))
	ids := make([]int64, 20_000)
	for i := range ids {
		ids[i] = lo + r.Int64N(hi-lo+1)
	}
	rows, err := db.Query(ctx, sql, ids)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("no rows in %s", table)
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, err
}

// statements counts the statements the role has sent, BEGIN and COMMIT
// included, as pg_stat_statements records them when each ends (statements
// run inside functions and triggers are not counted). pg_stat_database's
// transaction counts would be the other measure, but a backend reports
// them only when it has been idle a while, so they lag a 20-second window.
func (b *bench) statements(ctx context.Context, role string) (int64, error) {
	var n int64
	err := b.owner.QueryRow(ctx, `SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements WHERE userid = $1::regrole`, role).Scan(&n)
	return n, err
}

// measurement is one line of the table.
type measurement struct {
	requests, errors int
	perSecond        float64
	p50, p99         time.Duration
	statements       float64 // per request (or per batch)
	load             string
}

// attack runs targets at 16 clients (or n) for d after a warm-up, and
// reads the database's counters around the measured part. ok says whether
// a response is what was asked for.
func (b *bench) attack(ctx context.Context, s settings, name string, n int, target vegeta.Targeter, ok func(*vegeta.Result) bool) (measurement, error) {
	// n clients, each sending its next request when its last is answered
	// (a zero rate is vegeta's "as fast as the workers go"). An attacker
	// stops for good when its attack ends: one for each.
	attacker := func() *vegeta.Attacker {
		return vegeta.NewAttacker(vegeta.Workers(uint64(n)), vegeta.MaxWorkers(uint64(n)), vegeta.Connections(n),
			vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second))
	}
	for range attacker().Attack(target, vegeta.Rate{}, s.warmup, "warm-up") {
	}
	before, err := b.statements(ctx, appRole)
	if err != nil {
		return measurement{}, err
	}
	var m measurement
	var latencies []time.Duration
	profiled := b.profile(s, name)
	start := time.Now()
	for r := range attacker().Attack(target, vegeta.Rate{}, s.duration, "measure") {
		m.requests++
		latencies = append(latencies, r.Latency)
		if !ok(r) {
			m.errors++
		}
	}
	elapsed := time.Since(start)
	if err := profiled(); err != nil {
		return measurement{}, err
	}
	after, err := b.statements(ctx, appRole)
	if err != nil {
		return measurement{}, err
	}
	m.load = loadavg()
	m.perSecond = float64(m.requests-m.errors) / elapsed.Seconds() // answered as asked
	m.p50, m.p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
	m.statements = float64(after-before) / float64(max(1, m.requests))
	return m, nil
}

// profile starts a CPU profile of the server over the measured part (all
// but its last second) when profiling, into the profile folder as
// name.pprof; the function it returns waits for it.
func (b *bench) profile(s settings, name string) func() error {
	if b.admin == "" || strings.HasPrefix(name, "floor") { // the floor is served by this process, not the server
		return func() error { return nil }
	}
	seconds := max(1, int(s.duration.Seconds())-1)
	done := make(chan error, 1)
	go func() {
		resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", b.admin, seconds))
		if err != nil {
			done <- err
			return
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != 200 {
			err = fmt.Errorf("profile: %d %.200s", resp.StatusCode, data)
		}
		if err == nil {
			path := filepath.Join(s.profile, fmt.Sprintf("%s-%d.pprof", name, b.households))
			err = os.WriteFile(path, data, 0o644)
			fmt.Println("  profile:", path)
		}
		done <- err
	}()
	return func() error { return <-done }
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(p*float64(len(ds))))]
}

// graphQL is a target posting query with variables as the approver.
func (b *bench) graphQL(t *vegeta.Target, query string, vars map[string]any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	t.Method, t.URL, t.Body = "POST", b.url, body
	t.Header = http.Header{"Authorization": {"Bearer " + b.token}, "X-Purpose": {"bench: approving aid"}, "Content-Type": {"application/json"}}
	return nil
}

func answered(r *vegeta.Result) bool {
	return r.Code == 200 && r.Error == "" && !bytes.Contains(r.Body, []byte(`"errors"`))
}

func (b *bench) householdView(ctx context.Context, s settings) (measurement, error) {
	return b.attack(ctx, s, "view", clients, b.viewTargets(b.url),
		func(r *vegeta.Result) bool { return answered(r) && bytes.Contains(r.Body, []byte(`"kk"`)) })
}

// viewTargets posts the household view for random KKs to url, the same KKs
// in the same order on every measurement that uses it.
func (b *bench) viewTargets(url string) vegeta.Targeter {
	var mu sync.Mutex
	r := rand.New(rand.NewPCG(3, 4))
	return func(t *vegeta.Target) error {
		mu.Lock()
		kk := b.kks[r.IntN(len(b.kks))]
		mu.Unlock()
		if err := b.graphQL(t, householdView, map[string]any{"kk": kk}); err != nil {
			return err
		}
		t.URL = url
		return nil
	}
}

// rawSQL runs householdSQL for random KKs at 16 goroutines, each on its
// own connection with the statement prepared, as the HTTP clients do.
func (b *bench) rawSQL(ctx context.Context, s settings) (measurement, error) {
	pool, err := pgxpool.New(ctx, b.cluster.URL("jaring")+"&pool_max_conns="+strconv.Itoa(clients))
	if err != nil {
		return measurement{}, err
	}
	defer pool.Close()
	loop := func(d time.Duration) (lat []time.Duration, n, errs int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		deadline := time.Now().Add(d)
		for g := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(5, uint64(g)))
				var mine []time.Duration
				bad := 0
				for time.Now().Before(deadline) {
					kk := b.kks[r.IntN(len(b.kks))]
					t0 := time.Now()
					var doc []byte
					if err := pool.QueryRow(ctx, householdSQL, kk).Scan(&doc); err != nil || !bytes.Contains(doc, []byte(`"kk"`)) {
						bad++
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat, n, errs = append(lat, mine...), n+len(mine), errs+bad
				mu.Unlock()
			}()
		}
		wg.Wait()
		return lat, n, errs
	}
	loop(s.warmup)
	start := time.Now()
	lat, n, errs := loop(s.duration)
	elapsed := time.Since(start)
	return measurement{requests: n, errors: errs, perSecond: float64(n) / elapsed.Seconds(),
		p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), statements: 1, load: loadavg()}, nil
}

// items makes benefits that the rules take: rehabilitation (ATENSI, paid
// by DINSOS) for sampled persons, each for one day no other item of the
// run has for that person.
type items struct {
	run  string
	niks []string
	next atomic.Int64
}

var firstDay = time.Date(2031, time.January, 1, 0, 0, 0, 0, time.UTC)

// rehabilitation is the benefit every approval of the bench records: ATENSI,
// paid by DINSOS, for the person of nik on one day.
func rehabilitation(nik string, day time.Time, ref string) map[string]any {
	d := day.Format("2006-01-02")
	return map[string]any{"nik": nik, "program": "ATENSI", "amount": 1_500_000,
		"period": map[string]any{"start": d, "end": d}, "externalRef": ref}
}

func (it *items) make(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		k := it.next.Add(1) - 1
		out[i] = rehabilitation(it.niks[k%int64(len(it.niks))], firstDay.AddDate(0, 0, int(k/int64(len(it.niks)))), fmt.Sprintf("BENCH-%s-%d", it.run, k))
	}
	return out
}

// measureAll runs every measurement on the large regency.
// approvals measures one-item recordBenefits at n clients.
func (b *bench) approvals(ctx context.Context, s settings, it *items, n int) (measurement, error) {
	fmt.Printf("approvals at %d clients on %d households…\n", n, b.households)
	return b.attack(ctx, s, fmt.Sprintf("approvals-%d", n), n, func(t *vegeta.Target) error {
		return b.graphQL(t, recordBenefits, map[string]any{"input": it.make(1)})
	}, func(r *vegeta.Result) bool { return answered(r) && bytes.Contains(r.Body, []byte(`"RECORDED"`)) })
}

// measureSmall measures, on the small regency, what is compared with the
// large one: the household view, and approvals at one client (a write whose
// statements all take an index costs the same on either).
func (b *bench) measureSmall(ctx context.Context, s settings, rep *report) error {
	var err error
	fmt.Println("household view…")
	if rep.viewSmall, err = b.householdView(ctx, s); err != nil {
		return err
	}
	if err := b.removeBenchWork(ctx); err != nil {
		return err
	}
	it := &items{run: strconv.FormatInt(time.Now().Unix(), 36), niks: b.niks}
	rep.approvalsSmall, err = b.approvals(ctx, s, it, 1)
	return err
}

func (b *bench) measureAll(ctx context.Context, s settings, rep *report) error {
	var err error
	if s.runs("view") {
		fmt.Println("household view…")
		if rep.view, err = b.householdView(ctx, s); err != nil {
			return err
		}
	}
	if s.runs("sql") {
		fmt.Println("raw SQL…")
		if rep.sql, err = b.rawSQL(ctx, s); err != nil {
			return err
		}
	}
	if s.runs("floor") {
		fmt.Println("the floor: HTTP, token, one statement, audit…")
		if rep.floor, err = b.floor(ctx, s, true); err != nil {
			return err
		}
		if rep.floorUnaudited, err = b.floor(ctx, s, false); err != nil {
			return err
		}
	}
	if !s.runs("batches") && !s.runs("approvals") {
		return nil
	}
	// A reused cluster keeps what earlier runs wrote: drop it, so that
	// each run writes into the register and the ledger that were seeded.
	if err := b.removeBenchWork(ctx); err != nil {
		return err
	}
	it := &items{run: strconv.FormatInt(time.Now().Unix(), 36), niks: b.niks}
	if s.runs("batches") {
		fmt.Println("recordBenefits, batches of 1,000…")
		if rep.batch, err = b.batches(ctx, s, it); err != nil {
			return err
		}
	}
	if !s.runs("approvals") {
		return nil
	}
	for _, n := range []int{1, clients} {
		m, err := b.approvals(ctx, s, it, n)
		if err != nil {
			return err
		}
		rep.approvals = append(rep.approvals, m)
	}
	for _, n := range []int{1, clients} {
		fmt.Printf("decisions (decideReferral) at %d clients…\n", n)
		m, err := b.decisions(ctx, s, it.run, n)
		if err != nil {
			return err
		}
		rep.decisions = append(rep.decisions, m)
	}
	return nil
}

// batches posts s.batches recordBenefits of 1,000 items, one after another.
func (b *bench) batches(ctx context.Context, s settings, it *items) (measurement, error) {
	post := func() (int, error) {
		body, _ := json.Marshal(map[string]any{"query": recordBenefits, "variables": map[string]any{"input": it.make(1000)}})
		req, _ := http.NewRequestWithContext(ctx, "POST", b.url, bytes.NewReader(body))
		req.Header = http.Header{"Authorization": {"Bearer " + b.token}, "X-Purpose": {"bench: recording aid"}, "Content-Type": {"application/json"}}
		resp, err := b.client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || bytes.Contains(out, []byte(`"errors"`)) {
			return 0, fmt.Errorf("recordBenefits: %d %.300s", resp.StatusCode, out)
		}
		return bytes.Count(out, []byte(`"RECORDED"`)), nil
	}
	if _, err := post(); err != nil { // warm-up
		return measurement{}, err
	}
	before, err := b.statements(ctx, appRole)
	if err != nil {
		return measurement{}, err
	}
	var m measurement
	var lat []time.Duration
	profiled := b.profile(settings{duration: time.Duration(s.batches) * 700 * time.Millisecond, profile: s.profile}, "batches")
	start := time.Now()
	recorded := 0
	for range s.batches {
		t0 := time.Now()
		n, err := post()
		if err != nil {
			return measurement{}, err
		}
		lat = append(lat, time.Since(t0))
		recorded += n
		m.requests++
	}
	elapsed := time.Since(start)
	if err := profiled(); err != nil {
		return measurement{}, err
	}
	after, err := b.statements(ctx, appRole)
	if err != nil {
		return measurement{}, err
	}
	m.errors = s.batches*1000 - recorded
	m.perSecond = float64(recorded) / elapsed.Seconds()
	m.p50, m.p99 = percentile(lat, 0.5), percentile(lat, 0.99)
	m.statements = float64(after-before) / float64(s.batches)
	m.load = loadavg()
	return m, nil
}

// report is the run's table.
type report struct {
	settings                           settings
	started                            time.Time
	seedLarge, seedSmall, durability   string
	view, sql, floor, batch, viewSmall measurement
	approvalsSmall                     measurement
	floorUnaudited                     measurement
	approvals, decisions               []measurement
}

func (r *report) markdown() string {
	var w strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&w, format, args...) }
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
	verdict := func(met bool) string {
		if met {
			return "**met**"
		}
		return "**not met**"
	}
	p("## make bench, %s\n\n", r.started.Format("2006-01-02 15:04 MST"))
	p("Machine: %s, %d cores, %s RAM. Commit %s. Clusters: %s (as pgdev configures a private cluster), pg_stat_statements loaded.\n",
		cpuModel(), runtime.NumCPU(), memTotal(), commit(), r.durability)
	p("Large regency %d households (%s); small %d (%s). %d clients, %s warm-up, then %s measured. Load is the 1-minute load average when the figure was taken (2 cores, shared with other work).\n\n",
		r.settings.large, r.seedLarge, r.settings.small, r.seedSmall, clients, r.settings.warmup, r.settings.duration)
	p("| measurement | rate | p50 | p99 | errors | SQL statements | load |\n|---|---|---|---|---|---|---|\n")
	row := func(name, unit string, m measurement, per string) {
		if m.requests == 0 {
			return // not measured in this run (BENCH_ONLY)
		}
		p("| %s | %.0f %s | %s | %s | %d of %d | %.1f %s | %s |\n", name, m.perSecond, unit, ms(m.p50), ms(m.p99), m.errors, m.requests, m.statements, per, m.load)
	}
	row(fmt.Sprintf("household view, Jaring over HTTP, %d households", r.settings.large), "req/s", r.view, "/req")
	row(fmt.Sprintf("household view, one SQL statement, %d households", r.settings.large), "req/s", r.sql, "/req")
	row("the floor: HTTP, token, that statement, an audit event (no GraphQL, no field policy)", "req/s", r.floor, "/req")
	row("the floor without the audit event", "req/s", r.floorUnaudited, "/req")
	row(fmt.Sprintf("household view, Jaring over HTTP, %d households", r.settings.small), "req/s", r.viewSmall, "/req")
	row("recordBenefits, batches of 1,000 (one after another)", "items/s", r.batch, "/batch")
	for i, n := range []int{1, clients} {
		if i < len(r.approvals) {
			row(fmt.Sprintf("approvals (one-item recordBenefits), %d client(s)", n), "accepted/s", r.approvals[i], "/req")
		}
	}
	row(fmt.Sprintf("approvals (one-item recordBenefits), 1 client, %d households", r.settings.small), "accepted/s", r.approvalsSmall, "/req")
	for i, n := range []int{1, clients} {
		if i < len(r.decisions) {
			row(fmt.Sprintf("approvals (decideReferral ACCEPT with its benefit), %d client(s)", n), "accepted/s", r.decisions[i], "/req")
		}
	}
	if len(r.settings.only) > 0 {
		return w.String() // a partial run: the targets need every measurement
	}
	ratio := r.view.perSecond / r.sql.perSecond
	var a1, a16 float64
	if len(r.approvals) == 2 {
		a1, a16 = r.approvals[0].perSecond, r.approvals[1].perSecond
	}
	growth := float64(r.view.p50) / float64(r.viewSmall.p50)
	p("\nAgainst the targets of issue 13:\n\n")
	p("- household view ≥ 0.5× raw SQL: %.2f× — %s (the floor: %.2f× raw SQL; Jaring %.2f× the floor)\n", ratio, verdict(ratio >= 0.5),
		r.floor.perSecond/r.sql.perSecond, r.view.perSecond/max(r.floor.perSecond, 1))
	p("- household view p99 < 10 ms at %d clients: %s — %s\n", clients, ms(r.view.p99), verdict(r.view.p99 < 10*time.Millisecond))
	p("- recordBenefits ≥ 10,000 items/s: %.0f — %s\n", r.batch.perSecond, verdict(r.batch.perSecond >= 10_000))
	p("- approvals ≥ 300/s at 1 client: %.0f — %s; ≥ 5× that at %d: %.0f (%.1f×) — %s\n", a1, verdict(a1 >= 300), clients, a16, a16/max(a1, 1), verdict(a16 >= 5*a1 && a1 > 0))
	if len(r.decisions) == 2 {
		d1, d16 := r.decisions[0].perSecond, r.decisions[1].perSecond
		p("- decisions (decideReferral) ≥ 300/s at 1 client: %.0f — %s; ≥ 5× that at %d: %.0f (%.1f×) — %s\n", d1, verdict(d1 >= 300), clients, d16, d16/max(d1, 1), verdict(d16 >= 5*d1 && d1 > 0))
	}
	p("- household view p50 at %d households within 1.3× of %d: %s against %s (%.2f×) — %s\n", r.settings.large, r.settings.small,
		ms(r.view.p50), ms(r.viewSmall.p50), growth, verdict(growth <= 1.3))
	if a1 > 0 && r.approvalsSmall.perSecond > 0 {
		same := a1 / r.approvalsSmall.perSecond
		p("- approvals at 1 client at the same rate at %d households as at %d (within 10 %%): %.0f against %.0f (%.2f×) — %s\n", r.settings.large, r.settings.small,
			a1, r.approvalsSmall.perSecond, same, verdict(same >= 0.9))
	}
	if r.settings.large != defaultLarge {
		p("  (the issue asks for %d households; this run's large regency is %d)\n", defaultLarge, r.settings.large)
	}
	return w.String()
}

// ---------------------------------------------------------------------------

// command runs name with args. A jaring command gets the environment
// without DATABASE_URL and JARING_*: the bench's commands act on the bench
// cluster in --data-dir, with its own secrets, whatever the operator's
// shell says (DATABASE_URL would point them at the operator's database).
func command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	if name != "go" {
		cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
			return strings.HasPrefix(kv, "DATABASE_URL=") || strings.HasPrefix(kv, "JARING_")
		})
	}
	cmd.Stderr = os.Stderr
	if name != "go" && !slices.Contains(args, "token") {
		cmd.Stdout = os.Stdout
	}
	return cmd
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	b, _ := os.ReadFile("/proc/meminfo")
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
		}
	}
	return "?"
}

func commit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "?"
	}
	c := strings.TrimSpace(string(out))
	if st, _ := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); len(st) > 0 {
		c += " (with uncommitted changes)"
	}
	return c
}
