// Package pgtest gives each test its own PostgreSQL database, cloned from a
// migrated template, on a real server: a throwaway cluster that pgdev starts
// once per test binary, or the server at TEST_DATABASE_URL when that is set.
// No test is skipped for want of a database.
//
// A package whose tests use it calls Main from its TestMain, so that the
// cluster is stopped and its folder removed when the tests end:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/demo"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgdev"
	"github.com/jaring-id/jaring/internal/postgres"
)

// DemoOptions are the options of the demo template: a whole regency, as of a
// fixed day, so that golden files do not change with the calendar.
var DemoOptions = demo.Options{Seed: 1, Households: 2000, AsOf: jaring.Date(2026, time.June, 30)}

var (
	setupOnce  sync.Once
	setupErr   error
	server     string // URL of the server's maintenance database
	cluster    *pgdev.Cluster
	clusterTmp string
	prefix     string // of every database this process makes
	counter    atomic.Int64

	templates sync.Map // name → *template
)

type template struct {
	once sync.Once
	err  error
}

// Main runs the tests of a package, then stops the cluster it started and
// removes its folder, and exits.
func Main(m *testing.M) {
	code := m.Run()
	teardown()
	os.Exit(code)
}

func teardown() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if cluster != nil {
		if err := cluster.Stop(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: stop cluster: %v\n", err)
		}
		os.RemoveAll(clusterTmp)
		return
	}
	if server != "" {
		// A server of the developer's: drop what this process made there.
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		rows, _ := conn.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE $1`, prefix+"%")
		names, _ := pgx.CollectRows(rows, pgx.RowTo[string])
		for _, n := range names {
			_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{n}.Sanitize()+" WITH (FORCE)")
		}
	}
}

func setup() error {
	setupOnce.Do(func() {
		prefix = fmt.Sprintf("jaring_test_%d_", os.Getpid())
		if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
			server = u
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		root := clusterRoot()
		sweepStale(root)
		clusterTmp, setupErr = os.MkdirTemp(root, "jaring-pgtest-")
		if setupErr != nil {
			return
		}
		// MkdirTemp makes it 0700; the server's unprivileged user must enter.
		if setupErr = os.Chmod(clusterTmp, 0o755); setupErr != nil {
			return
		}
		cluster, setupErr = pgdev.Open(ctx, pgdev.Options{Dir: filepath.Join(clusterTmp, "pg"), Ephemeral: true})
		if setupErr != nil {
			setupErr = fmt.Errorf("start a PostgreSQL for the tests (or set TEST_DATABASE_URL): %w", setupErr)
			os.RemoveAll(clusterTmp)
			return
		}
		server = cluster.URL("postgres")
	})
	return setupErr
}

// clusterRoot is where test clusters live: in memory (/dev/shm) when it has
// room, since cloning a database copies files and disks can be slow (a clone
// takes about 25 ms there against 100–450 ms on this project's CI disk);
// else the temporary folder. PGTEST_DIR chooses another folder.
func clusterRoot() string {
	if d := os.Getenv("PGTEST_DIR"); d != "" {
		return d
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs("/dev/shm", &st); err == nil && st.Bavail*uint64(st.Bsize) >= 2<<30 {
		return "/dev/shm"
	}
	return os.TempDir()
}

// sweepStale removes the folders of test clusters whose test binary was
// killed before it could clean up: their server died with it (pgdev sets a
// parent-death signal), so no postmaster.pid is left.
func sweepStale(root string) {
	dirs, _ := filepath.Glob(filepath.Join(root, "jaring-pgtest-*"))
	for _, d := range dirs {
		info, err := os.Stat(d)
		if err != nil || time.Since(info.ModTime()) < time.Hour {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "pg", "pgdata", "postmaster.pid")); os.IsNotExist(err) {
			os.RemoveAll(d)
		}
	}
}

// withDatabase returns server's URL with another database.
func withDatabase(name string) string {
	u, err := url.Parse(server)
	if err != nil {
		panic(fmt.Sprintf("pgtest: TEST_DATABASE_URL must be a URL (postgres://user:pass@host:port/db): %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

func exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func createDatabase(ctx context.Context, name, from string) error {
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if from != "" {
		sql += " TEMPLATE " + pgx.Identifier{from}.Sanitize() + " STRATEGY FILE_COPY"
	}
	return exec(ctx, sql)
}

// ensureTemplate makes the named template once per process: a copy of from
// ("" for an empty database) that build then fills.
func ensureTemplate(name, from string, build func(ctx context.Context, url string) error) error {
	v, _ := templates.LoadOrStore(name, &template{})
	tp := v.(*template)
	tp.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if tp.err = createDatabase(ctx, name, from); tp.err != nil {
			return
		}
		tp.err = build(ctx, withDatabase(name))
	})
	return tp.err
}

// migratedTemplate is an empty, migrated database. Migrating also gives the
// application's login (a role of the whole cluster) the tests' password.
func migratedTemplate() (string, error) {
	name := prefix + "template"
	return name, ensureTemplate(name, "", func(ctx context.Context, url string) error {
		if err := postgres.Migrate(ctx, url, nil); err != nil {
			return err
		}
		return postgres.SetAppPassword(ctx, url, appPassword())
	})
}

// appPassword is the password the tests give the application's login. It is
// the same for every test binary that shares a server (TEST_DATABASE_URL),
// so that binaries running at once do not change it under each other.
func appPassword() string {
	sum := sha256.Sum256([]byte("jaring test login " + server))
	return hex.EncodeToString(sum[:16])
}

// AppURL returns url, a test database's URL, with the application's login
// (postgres.AppRole) in place of the owner: what the server connects as.
func AppURL(t testing.TB, url string) string {
	t.Helper()
	u, err := postgres.AppURL(url, appPassword())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

// demoTemplate is a migrated database holding the demo regency.
func demoTemplate() (string, error) {
	base, err := migratedTemplate()
	if err != nil {
		return "", err
	}
	name := prefix + "template_demo"
	return name, ensureTemplate(name, base, func(ctx context.Context, url string) error {
		db, err := postgres.Open(ctx, url)
		if err != nil {
			return err
		}
		defer db.Close()
		return demo.Load(ctx, db.Pool, demo.Generate(DemoOptions))
	})
}

var unsafe = regexp.MustCompile(`[^a-z0-9]+`)

// clone creates a database for t from template and drops it when t ends.
func clone(t testing.TB, template string, err error) string {
	t.Helper()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	name := fmt.Sprintf("%s%d_%s", prefix, counter.Add(1), unsafe.ReplaceAllString(strings.ToLower(t.Name()), "_"))
	if len(name) > 63 {
		name = name[:63]
	}
	ctx := context.Background()
	if err := createDatabase(ctx, name, template); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := exec(context.Background(), "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return withDatabase(name)
}

// URL returns the URL of a fresh, migrated, empty database for t.
func URL(t testing.TB) string {
	t.Helper()
	if err := setup(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	name, err := migratedTemplate()
	return clone(t, name, err)
}

// DemoURL returns the URL of a fresh database for t holding the demo regency
// generated with DemoOptions.
func DemoURL(t testing.TB) string {
	t.Helper()
	if err := setup(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	name, err := demoTemplate()
	return clone(t, name, err)
}

// EmptyURL returns the URL of a fresh database for t with no schema at all,
// for tests of migrations.
func EmptyURL(t testing.TB) string {
	t.Helper()
	if err := setup(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return clone(t, "", nil)
}

// Open connects to url with opts and closes the pool when t ends.
func Open(t testing.TB, url string, opts ...postgres.Option) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url, opts...)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(db.Close)
	return db
}

// Template returns the name of a template database made once per process
// from the migrated one, filled by prepare: for tests and benchmarks that
// start many times from the same large state. The name is the template's
// own, kept apart by the prefix of this process.
func Template(t testing.TB, name string, prepare func(db *postgres.DB) error) string {
	t.Helper()
	if err := setup(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	base, err := migratedTemplate()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	full := prefix + "template_" + unsafe.ReplaceAllString(strings.ToLower(name), "_")
	err = ensureTemplate(full, base, func(ctx context.Context, url string) error {
		db, err := postgres.Open(ctx, url)
		if err != nil {
			return err
		}
		defer db.Close()
		return prepare(db)
	})
	if err != nil {
		t.Fatalf("pgtest: template %s: %v", name, err)
	}
	return full
}

// CloneOf returns the URL of a fresh database for t copied from template
// (a name Template returned).
func CloneOf(t testing.TB, template string) string {
	t.Helper()
	return clone(t, template, nil)
}
