package pgdev

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// syncBuffer is a bytes.Buffer safe for concurrent use, echoing to t.Log.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	t   testing.TB
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.t.Logf("pgdev: %s", strings.TrimRight(string(p), "\n"))
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testDir returns the path of a cluster directory (not yet created) inside a
// fresh temporary directory that the server's user can enter, removed when
// the test ends.
func testDir(t testing.TB) string {
	t.Helper()
	base, err := os.MkdirTemp("", "pgdev-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(base); err != nil {
			t.Errorf("remove %s: %v", base, err)
		}
	})
	acct, err := serverAccount(filepath.Join(base, "nonexistent"))
	if err != nil {
		t.Fatal(err)
	}
	if err := acct.chown(base); err != nil { // MkdirTemp made it 0700
		t.Fatal(err)
	}
	return filepath.Join(base, "cluster")
}

// open opens a cluster in dir and stops it when the test ends.
func open(t testing.TB, dir string, ephemeral bool) (*Cluster, *syncBuffer) {
	t.Helper()
	log := &syncBuffer{t: t}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Open(ctx, Options{Dir: dir, Ephemeral: ephemeral, Log: log})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { stop(t, c) })
	return c, log
}

func stop(t testing.TB, c *Cluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Stop(ctx); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

func connect(t testing.TB, c *Cluster, database string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL(database))
	if err != nil {
		t.Fatalf("connect to %s: %v", database, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func exec1(t testing.TB, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func mtime(t testing.TB, path string) time.Time {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.ModTime()
}

// TestOpenStopReopen opens a durable cluster, stores a row, stops the server
// and opens the cluster again.
func TestOpenStopReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := testDir(t)
	c, log := open(t, dir, false)
	if !c.Owned() || c.Port() <= 0 {
		t.Fatalf("Owned() = %v, Port() = %d; want true, a port", c.Owned(), c.Port())
	}
	if !strings.Contains(log.String(), "initialising PostgreSQL cluster in ") || !strings.Contains(log.String(), "started PostgreSQL ") {
		t.Errorf("log lacks progress lines:\n%s", log)
	}
	want := fmt.Sprintf("postgres://jaring:%s@127.0.0.1:%d/jaring?sslmode=disable", c.password, c.Port())
	if got := c.URL("jaring"); got != want {
		t.Errorf("URL = %s, want %s", got, want)
	}
	if fi, err := os.Stat(filepath.Join(dir, "password")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("password file: %v, %v; want mode 0600", fi, err)
	}

	conn := connect(t, c, "jaring")
	var version string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	t.Logf("version(): %s", version)
	if !strings.HasPrefix(version, "PostgreSQL ") {
		t.Errorf("version() = %q", version)
	}
	exec1(t, conn, "CREATE TABLE kept (x int)")
	exec1(t, conn, "INSERT INTO kept VALUES (42)")
	conn.Close(ctx)
	pgVersion := mtime(t, filepath.Join(dir, "pgdata", "PG_VERSION"))

	pid := c.pid
	if p, _, err := readPidFile(c.pgdata); err != nil || p != pid {
		t.Fatalf("postmaster.pid: pid %d, %v; want %d", p, err, pid)
	}
	stop(t, c)
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after Stop, kill(%d, 0) = %v, want ESRCH", pid, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pgdata", "postmaster.pid")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after Stop, postmaster.pid: %v, want it gone", err)
	}
	stop(t, c) // a second Stop is harmless

	c2, log2 := open(t, dir, false)
	if !c2.Owned() {
		t.Error("reopened cluster not owned")
	}
	if strings.Contains(log2.String(), "initialising") {
		t.Errorf("initdb ran again:\n%s", log2)
	}
	if got := mtime(t, filepath.Join(dir, "pgdata", "PG_VERSION")); !got.Equal(pgVersion) {
		t.Errorf("PG_VERSION rewritten: mtime %v, was %v", got, pgVersion)
	}
	var x int
	if err := connect(t, c2, "jaring").QueryRow(ctx, "SELECT x FROM kept").Scan(&x); err != nil || x != 42 {
		t.Errorf("row kept across restart: %d, %v; want 42", x, err)
	}
}

// TestAttach opens a second Cluster on a running one.
func TestAttach(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c, _ := open(t, dir, true)
	c2, log2 := open(t, dir, true)
	if c2.Owned() {
		t.Error("second Open owns the server")
	}
	if c2.Port() != c.Port() || c2.pid != c.pid {
		t.Errorf("second Open: port %d pid %d, want port %d pid %d", c2.Port(), c2.pid, c.Port(), c.pid)
	}
	if c2.URL("jaring") != c.URL("jaring") {
		t.Errorf("URLs differ: %s, %s", c2.URL("jaring"), c.URL("jaring"))
	}
	if !strings.Contains(log2.String(), "attached to PostgreSQL") {
		t.Errorf("log of second Open:\n%s", log2)
	}
	stop(t, c2)
	if err := syscall.Kill(c.pid, 0); err != nil {
		t.Fatalf("Stop of the attached Cluster stopped the server: %v", err)
	}
	var one int
	if err := connect(t, c, "jaring").QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("server unusable after Stop of the attached Cluster: %v", err)
	}
}

// TestCreateDatabase clones a template, with names that need quoting. Its
// cluster lives in a plain os.MkdirTemp directory (mode 0700), which Open
// hands over to the server's user because it is empty.
func TestCreateDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "pgdev-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	c, _ := open(t, dir, true)
	const tmpl, clone = `tmpl "quoted"`, "Clone-1"
	if err := c.CreateDatabase(ctx, tmpl, ""); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, c, tmpl)
	exec1(t, conn, "CREATE TABLE member (id int PRIMARY KEY, name text)")
	exec1(t, conn, "INSERT INTO member SELECT i, 'm' || i FROM generate_series(1, 100) i")
	conn.Close(ctx) // a template must have no connections

	if err := c.CreateDatabase(ctx, clone, tmpl); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := connect(t, c, clone).QueryRow(ctx, "SELECT count(*) FROM member").Scan(&n); err != nil || n != 100 {
		t.Errorf("clone has %d members (%v), want 100", n, err)
	}
	if err := c.CreateDatabase(ctx, clone, tmpl); err == nil {
		t.Error("creating an existing database succeeded")
	}
}

func BenchmarkCreateDatabaseFromTemplate(b *testing.B) {
	ctx := context.Background()
	c, _ := open(b, testDir(b), true)
	if err := c.CreateDatabase(ctx, "tmpl", ""); err != nil {
		b.Fatal(err)
	}
	conn := connect(b, c, "tmpl")
	exec1(b, conn, "CREATE TABLE member (id int PRIMARY KEY, name text)")
	exec1(b, conn, "CREATE TABLE donation (id int PRIMARY KEY, member int REFERENCES member, amount numeric)")
	exec1(b, conn, "INSERT INTO member SELECT i, 'm' || i FROM generate_series(1, 1000) i")
	conn.Close(ctx)
	for i := 0; b.Loop(); i++ {
		if err := c.CreateDatabase(ctx, "clone_"+strconv.Itoa(i), "tmpl"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFindBinDir(t *testing.T) {
	dir, err := FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("FindBinDir: %s", dir)
	for _, name := range []string{"initdb", "postgres"} {
		if !isExecutable(filepath.Join(dir, name)) {
			t.Errorf("%s has no executable %s", dir, name)
		}
	}
}

func TestFindBinDirNone(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	savedConfig, savedGlob := pgConfig, versionedBinGlob
	t.Cleanup(func() { pgConfig, versionedBinGlob = savedConfig, savedGlob })
	pgConfig, versionedBinGlob = "", filepath.Join(t.TempDir(), "*", "bin")

	_, err := FindBinDir()
	if !errors.Is(err, ErrNoServer) {
		t.Fatalf("FindBinDir: %v, want ErrNoServer", err)
	}
	for _, s := range []string{"postgresql", "DATABASE_URL"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %s", err, s)
		}
	}
	if _, err := Open(context.Background(), Options{Dir: testDir(t)}); !errors.Is(err, ErrNoServer) {
		t.Errorf("Open: %v, want ErrNoServer", err)
	}
}

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		sign int
	}{{"15", "9.6", 1}, {"9.6", "10", -1}, {"16", "16", 0}, {"9.6", "9.5", 1}} {
		if got := compareVersions(c.a, c.b); (got > 0) != (c.sign > 0) || (got < 0) != (c.sign < 0) {
			t.Errorf("compareVersions(%s, %s) = %d", c.a, c.b, got)
		}
	}
}

// TestUntraversableDirectory checks that a directory above the cluster that
// the server's user cannot enter is reported by name.
func TestUntraversableDirectory(t *testing.T) {
	acct, err := serverAccount("/nonexistent")
	if err != nil {
		t.Fatal(err)
	}
	if err := checkTraversable(filepath.Join(filepath.Dir(testDir(t)), "a", "b"), acct); err != nil {
		t.Errorf("checkTraversable of a usable directory: %v", err)
	}
	if os.Geteuid() != 0 {
		return // only root switches to a user that may be shut out
	}
	base, err := os.MkdirTemp("", "pgdev-private-") // root's, mode 0700
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	dir := filepath.Join(base, "sub", "cluster")
	_, err = Open(context.Background(), Options{Dir: dir, Ephemeral: true})
	if err == nil {
		t.Fatal("Open below a 0700 root directory succeeded")
	}
	t.Logf("Open: %v", err)
	for _, s := range []string{base + " ", "0700", "choose a directory elsewhere"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not mention %q: %v", s, err)
		}
	}
	if _, err := os.Stat(filepath.Join(base, "sub")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open created directories before failing: %v", err)
	}

	// base itself as Dir: handed over only if empty.
	if err := os.WriteFile(filepath.Join(base, "precious"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), Options{Dir: base, Ephemeral: true})
	if err == nil || !strings.Contains(err.Error(), "chown") || !strings.Contains(err.Error(), base+" ") {
		t.Errorf("Open in a non-empty 0700 root directory: %v; want an error naming it and suggesting chown", err)
	}
	t.Logf("Open: %v", err)
}

// TestParentDeathStopsServer kills (SIGKILL) a process that started a server
// and checks that the server shuts down by itself.
func TestParentDeathStopsServer(t *testing.T) {
	if dir := os.Getenv("PGDEV_TEST_HELPER_DIR"); dir != "" {
		helper(dir)
		return
	}
	t.Parallel()
	dir := testDir(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestParentDeathStopsServer$", "-test.count=1")
	cmd.Env = append(os.Environ(), "PGDEV_TEST_HELPER_DIR="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	var pid int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "postmaster %d", &pid); err == nil {
			break
		}
	}
	if pid == 0 {
		t.Fatalf("helper printed no postmaster pid (%v)", sc.Err())
	}
	t.Cleanup(func() { _ = syscall.Kill(-pid, syscall.SIGKILL) }) // in case
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for syscall.Kill(-pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("postgres (pid %d) still running 30s after its parent was killed", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(dir, "pgdata", "postmaster.pid")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("postmaster.pid left behind (no clean shutdown?): %v", err)
	}
}

// helper starts a server in dir, prints its pid and waits to be killed.
func helper(dir string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Open(ctx, Options{Dir: dir, Ephemeral: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("postmaster %d\n", c.pid)
	time.Sleep(time.Minute)
	os.Exit(1)
}

// TestStopImmediate stops with a context that is already done: the server
// gets an immediate shutdown, and the cluster recovers on the next Open with
// what was committed (so the cluster is not ephemeral: with
// synchronous_commit off, the last commits may be lost).
func TestStopImmediate(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c, log := open(t, dir, false)
	exec1(t, connect(t, c, "jaring"), "CREATE TABLE t (x int)")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pid := c.pid
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after Stop, kill(-%d, 0) = %v, want ESRCH", pid, err)
	}
	t.Logf("log: %s", log)
	c2, _ := open(t, dir, false)
	var n int
	if err := connect(t, c2, "jaring").QueryRow(context.Background(), "SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Errorf("after recovery: %v", err)
	}
}

// TestStalePidFile opens a cluster whose postmaster.pid names a process that
// is not a postgres (as after a crash and the reuse of the pid).
func TestStalePidFile(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	c, _ := open(t, dir, true)
	stop(t, c)
	stale := fmt.Sprintf("%d\n%s\n1700000000\n%d\n\n127.0.0.1\n  1234567   7\nready   \n", os.Getpid(), filepath.Join(dir, "pgdata"), c.Port())
	if err := os.WriteFile(filepath.Join(dir, "pgdata", "postmaster.pid"), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	c2, _ := open(t, dir, true)
	if !c2.Owned() || c2.pid == os.Getpid() {
		t.Errorf("Open attached to a stale postmaster.pid: owned %v, pid %d", c2.Owned(), c2.pid)
	}
}

// TestConcurrentOpen opens a new cluster twice at once: one Open runs initdb
// and starts the server, the other waits and attaches.
func TestConcurrentOpen(t *testing.T) {
	t.Parallel()
	dir := testDir(t)
	var cs [2]*Cluster
	var errs [2]error
	var wg sync.WaitGroup
	for i := range cs {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cs[i], errs[i] = Open(ctx, Options{Dir: dir, Ephemeral: true})
		})
	}
	wg.Wait()
	for i, c := range cs {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		t.Cleanup(func() { stop(t, c) })
	}
	if cs[0].Owned() == cs[1].Owned() || cs[0].Port() != cs[1].Port() {
		t.Errorf("owned %v and %v, ports %d and %d; want one owner, one port", cs[0].Owned(), cs[1].Owned(), cs[0].Port(), cs[1].Port())
	}
}
