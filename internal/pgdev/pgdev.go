package pgdev

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	superuser   = "jaring" // the cluster's superuser
	appDatabase = "jaring" // the database Open makes sure exists

	readyTimeout = 30 * time.Second // how long a starting server may take
	startTries   = 5                // attempts to start on a free port
	logTailLines = 20               // lines of postgres.log quoted in errors
)

// Options configures Open.
type Options struct {
	// Dir is the folder the cluster lives in, created if missing. Inside it:
	// pgdata (the data directory), postgres.log (initdb's and the server's
	// output), password (the superuser's password, mode 0600) and open.lock.
	Dir string
	// BinDir holds initdb and postgres; "" means FindBinDir().
	BinDir string
	// Ephemeral trades durability for speed, for tests: initdb --no-sync and
	// fsync, synchronous_commit and full_page_writes off. A crash of the
	// machine may corrupt the cluster, and an immediate shutdown may lose the
	// last commits. Where the disk is slow, a Dir on tmpfs (/dev/shm) makes
	// CreateDatabase several times faster; a cluster takes some 40 MB there,
	// and each database some 8 MB more.
	Ephemeral bool
	// SharedBuffers is the server's shared_buffers when Open starts it, as
	// PostgreSQL writes it ("4GB"); "" means 128MB, enough for tests and the
	// demo. A server found running keeps its own.
	SharedBuffers string
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// Cluster is a PostgreSQL server running on a data directory in Options.Dir,
// started by Open or found running there.
type Cluster struct {
	dir, pgdata, logPath string
	password             string
	port                 int
	pid                  int // the postmaster's
	versionNum           int // server_version_num, e.g. 150014
	owned                bool
	log                  io.Writer

	// Set when owned: closed once the postmaster has exited and been reaped.
	exited chan struct{}

	mu      sync.Mutex
	stopped bool

	adminMu     sync.Mutex
	admin       *pgx.Conn // idle connection to the database postgres, for CreateDatabase
	adminClosed bool      // set by Stop: no more caching
}

// Open initialises a cluster in opts.Dir unless there is one already, then
// attaches to the server running on it or, when none is, starts one listening
// only on 127.0.0.1, waits until it accepts connections, and makes sure the
// database "jaring" exists.
//
// The superuser is "jaring", with a random password kept in Dir/password and
// checked (scram-sha-256) on every connection. A server Open starts runs as a
// child process of ours: Stop shuts it down, and so does our death. A server
// Open merely attached to is not owned: Stop leaves it running.
func Open(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("Options.Dir is empty: name the directory to keep the cluster in")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	bin := opts.BinDir
	if bin == "" {
		if bin, err = FindBinDir(); err != nil {
			return nil, err
		}
	} else if !hasServerBinaries(bin) {
		return nil, fmt.Errorf("%s does not hold the PostgreSQL server binaries initdb and postgres", bin)
	}

	c := &Cluster{
		dir:     dir,
		pgdata:  filepath.Join(dir, "pgdata"),
		logPath: filepath.Join(dir, "postgres.log"),
		log:     logw,
	}
	acct, err := serverAccount(c.pgdata)
	if err != nil {
		return nil, err
	}
	if err := prepareDir(dir, acct); err != nil {
		return nil, err
	}

	// One Open at a time per directory, so that two do not both run initdb
	// or start a server.
	unlock, err := lockFile(ctx, filepath.Join(dir, "open.lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()

	if err := c.initialise(ctx, bin, acct, opts.Ephemeral); err != nil {
		return nil, err
	}
	pw, err := os.ReadFile(filepath.Join(dir, "password"))
	if err != nil {
		return nil, fmt.Errorf("read the superuser password of the cluster in %s (remove %s to start afresh): %w", c.pgdata, dir, err)
	}
	c.password = strings.TrimSpace(string(pw))

	var lastErr error
	for range startTries {
		pid, port, err := runningServer(c.pgdata)
		if err != nil {
			return nil, err
		}
		if pid != 0 {
			c.pid, c.port, c.owned = pid, port, false
			conn, err := c.waitReady(ctx, func() bool { return !processAlive(pid) })
			if err != nil {
				if ctx.Err() == nil && !processAlive(pid) {
					lastErr = err
					continue // it stopped meanwhile: start our own
				}
				return nil, fmt.Errorf("attach to the PostgreSQL server already running in %s (pid %d): %w", c.pgdata, pid, err)
			}
			if err := c.setUp(ctx, conn); err != nil {
				conn.Close(ctx)
				return nil, err
			}
			fmt.Fprintf(logw, "attached to PostgreSQL %s already running on 127.0.0.1:%d (pid %d)\n", serverVersion(conn), c.port, c.pid)
			conn.Close(ctx)
			return c, nil
		}

		conn, retry, err := c.start(ctx, bin, acct, opts)
		if err != nil {
			if retry {
				lastErr = err
				continue
			}
			return nil, err
		}
		if err := c.setUp(ctx, conn); err != nil {
			conn.Close(ctx)
			c.stopAfterFailure()
			return nil, err
		}
		fmt.Fprintf(logw, "started PostgreSQL %s on 127.0.0.1:%d (pid %d, log in %s)\n", serverVersion(conn), c.port, c.pid, c.logPath)
		conn.Close(ctx)
		return c, nil
	}
	return nil, fmt.Errorf("start postgres: gave up after %d attempts: %w", startTries, lastErr)
}

// URL returns the connection URL of database as the superuser:
// postgres://jaring:PASSWORD@127.0.0.1:PORT/DATABASE?sslmode=disable.
func (c *Cluster) URL(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(superuser, c.password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Port returns the TCP port the server listens on at 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// Owned reports whether Open started the server (rather than finding it
// running), so that Stop stops it.
func (c *Cluster) Owned() bool { return c.owned }

// Stop shuts an owned server down: a fast shutdown (SIGINT to the postmaster:
// sessions are ended, their transactions rolled back, a checkpoint written),
// awaited until ctx is done; then an immediate shutdown (SIGQUIT), and at last
// SIGKILL to its whole process group. It returns nil once no process of the
// server is left. Stop is safe to call more than once, and a no-op when the
// server is not owned.
func (c *Cluster) Stop(ctx context.Context) error {
	c.adminMu.Lock()
	admin := c.admin
	c.admin, c.adminClosed = nil, true
	c.adminMu.Unlock()
	if admin != nil {
		admin.Close(ctx)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.owned || c.stopped {
		return nil
	}
	select {
	case <-c.exited:
	default:
		_ = syscall.Kill(c.pid, syscall.SIGINT)
		select {
		case <-c.exited:
		case <-ctx.Done():
			fmt.Fprintf(c.log, "PostgreSQL (pid %d) did not shut down in time (%v): immediate shutdown\n", c.pid, context.Cause(ctx))
			_ = syscall.Kill(c.pid, syscall.SIGQUIT)
			select {
			case <-c.exited:
			case <-time.After(10 * time.Second):
				_ = syscall.Kill(-c.pid, syscall.SIGKILL)
				<-c.exited
			}
		}
	}
	// The postmaster waits for its children before it exits, unless it was
	// killed: then its children, which share its process group, are killed.
	if !c.groupGone(5 * time.Second) {
		_ = syscall.Kill(-c.pid, syscall.SIGKILL)
		if !c.groupGone(5 * time.Second) {
			return fmt.Errorf("stop postgres: processes of group %d are still running", c.pid)
		}
	}
	c.stopped = true
	// A postmaster that was killed leaves its lock file behind.
	if pid, _, err := readPidFile(c.pgdata); err == nil && pid == c.pid {
		_ = os.Remove(filepath.Join(c.pgdata, "postmaster.pid"))
	}
	return nil
}

// CreateDatabase creates the database name, as a copy of template unless
// template is "". The copy is made with STRATEGY FILE_COPY, which is fastest
// for the small templates of tests.
func (c *Cluster) CreateDatabase(ctx context.Context, name, template string) error {
	conn, err := c.adminConn(ctx)
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	defer c.releaseAdmin(conn)
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
		if c.versionNum >= 150000 { // before 15, FILE_COPY is the only way
			sql += " STRATEGY FILE_COPY"
		}
	}
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// adminConn returns a connection to the database postgres: the idle one kept
// from an earlier call (which saves a scram-sha-256 handshake) if it still
// works, else a new one. Hand it back with releaseAdmin.
func (c *Cluster) adminConn(ctx context.Context) (*pgx.Conn, error) {
	c.adminMu.Lock()
	conn := c.admin
	c.admin = nil
	c.adminMu.Unlock()
	if conn != nil {
		if conn.Ping(ctx) == nil {
			return conn, nil
		}
		conn.Close(ctx)
	}
	return c.connect(ctx, "postgres")
}

// releaseAdmin keeps conn for the next adminConn, or closes it.
func (c *Cluster) releaseAdmin(conn *pgx.Conn) {
	if !conn.IsClosed() {
		c.adminMu.Lock()
		if c.admin == nil && !c.adminClosed {
			c.admin, conn = conn, nil
		}
		c.adminMu.Unlock()
	}
	if conn != nil {
		conn.Close(context.Background())
	}
}

// initialise runs initdb unless the cluster exists. initdb runs in
// pgdata.init, which becomes pgdata only once initdb succeeded and the
// password is saved, so that an interrupted initdb is simply done again.
func (c *Cluster) initialise(ctx context.Context, bin string, acct account, ephemeral bool) error {
	if _, err := os.Stat(filepath.Join(c.pgdata, "PG_VERSION")); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if _, err := os.Stat(c.pgdata); err == nil {
		return fmt.Errorf("%s exists but is not a PostgreSQL data directory (no PG_VERSION): remove it, or choose another directory", c.pgdata)
	}
	fmt.Fprintf(c.log, "initialising PostgreSQL cluster in %s\n", c.pgdata)

	tmp := c.pgdata + ".init"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	if err := acct.chown(tmp); err != nil {
		return fmt.Errorf("initdb: %w", err)
	}

	password := rand.Text()
	// initdb reads the password from a file, which the server's user must be
	// able to read: a private copy, removed afterwards.
	pwf, err := os.CreateTemp(c.dir, ".pwfile-*")
	if err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	defer os.Remove(pwf.Name())
	_, err = pwf.WriteString(password + "\n")
	if cerr := pwf.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = acct.chown(pwf.Name())
	}
	if err != nil {
		return fmt.Errorf("initdb: %w", err)
	}

	logf, offset, err := c.openLog()
	if err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	defer logf.Close()
	fmt.Fprintf(logf, "=== pgdev %s: initdb in %s\n", time.Now().Format(time.RFC3339), tmp)

	args := []string{
		"-D", tmp,
		"-U", superuser,
		"--pwfile=" + pwf.Name(),
		"--auth=scram-sha-256",
		"--encoding=UTF8",
		"--locale=C",
	}
	if ephemeral {
		args = append(args, "--no-sync")
	}
	if initdbMajor(ctx, bin) >= 14 {
		// Not the advice to run pg_ctl on pgdata.init.
		args = append(args, "--no-instructions")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) } // initdb then cleans up
	cmd.WaitDelay = 10 * time.Second
	cmd.Dir = c.dir
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr(acct.credential())
	if err := runDetached(cmd.Run); err != nil {
		return fmt.Errorf("initdb: %w; last lines of %s:\n%s", err, c.logPath, c.logTail(offset))
	}

	if err := writeFileAtomic(filepath.Join(c.dir, "password"), []byte(password+"\n")); err != nil {
		return fmt.Errorf("initdb: save password: %w", err)
	}
	if err := os.Rename(tmp, c.pgdata); err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	return nil
}

// initdbMajor returns the major version of bin/initdb, or 0.
func initdbMajor(ctx context.Context, bin string) int {
	out, err := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "--version").Output()
	if err != nil {
		return 0
	}
	// initdb (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)
	_, v, _ := strings.Cut(string(out), ") ")
	major, _, _ := strings.Cut(v, ".")
	n, _ := strconv.Atoi(strings.TrimSpace(major))
	return n
}

// start starts postgres on a free port and waits until it accepts
// connections. retry reports that the error may go away with another try
// (the port was taken meanwhile, or another server got the data directory).
func (c *Cluster) start(ctx context.Context, bin string, acct account, opts Options) (conn *pgx.Conn, retry bool, err error) {
	port, err := freePort()
	if err != nil {
		return nil, false, fmt.Errorf("start postgres: find a free port: %w", err)
	}
	logf, offset, err := c.openLog()
	if err != nil {
		return nil, false, fmt.Errorf("start postgres: %w", err)
	}
	defer logf.Close() // the child has its own copy
	fmt.Fprintf(logf, "=== pgdev %s: starting postgres on 127.0.0.1:%d\n", time.Now().Format(time.RFC3339), port)

	settings := []string{
		"listen_addresses=127.0.0.1",
		"port=" + strconv.Itoa(port),
		"unix_socket_directories=", // TCP only
		"max_connections=200",      // tests run many databases in parallel
		"shared_buffers=" + cmp.Or(opts.SharedBuffers, "128MB"),
	}
	if opts.Ephemeral {
		settings = append(settings, "fsync=off", "synchronous_commit=off", "full_page_writes=off")
	}
	args := []string{"-D", c.pgdata}
	for _, s := range settings {
		args = append(args, "-c", s)
	}
	// Not CommandContext: the server outlives ctx, until Stop.
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Dir = c.dir
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr(acct.credential())
	if err := runDetached(cmd.Start); err != nil {
		return nil, false, fmt.Errorf("start postgres: %w", err)
	}
	c.pid, c.port, c.owned = cmd.Process.Pid, port, true
	c.exited = make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(c.exited)
	}()

	conn, err = c.waitReady(ctx, func() bool {
		select {
		case <-c.exited:
			return true
		default:
			return false
		}
	})
	if err == nil {
		return conn, false, nil
	}
	select {
	case <-c.exited:
		out := c.logTail(offset)
		retry = strings.Contains(out, "Address already in use") || strings.Contains(out, `lock file "postmaster.pid" already exists`)
		return nil, retry, fmt.Errorf("postgres exited before accepting connections (%v); last lines of %s:\n%s", waitErr, c.logPath, c.logTail(0))
	default:
		c.stopAfterFailure()
		return nil, false, fmt.Errorf("start postgres: %w; last lines of %s:\n%s", err, c.logPath, c.logTail(0))
	}
}

// stopAfterFailure stops a server we started but cannot use.
func (c *Cluster) stopAfterFailure() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = c.Stop(ctx)
}

var errNotReady = fmt.Errorf("not accepting connections after %v", readyTimeout)

// waitReady connects to the database postgres until the server accepts the
// connection, for up to readyTimeout, giving up early once gone reports true.
func (c *Cluster) waitReady(ctx context.Context, gone func() bool) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, readyTimeout, errNotReady)
	defer cancel()
	delay := 10 * time.Millisecond
	for {
		conn, err := c.connect(ctx, "postgres")
		if err == nil {
			return conn, nil
		}
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "28") {
			// invalid_authorization_specification, invalid_password
			return nil, fmt.Errorf("the server rejects the superuser password in %s: %w", filepath.Join(c.dir, "password"), err)
		}
		if gone() {
			return nil, errors.New("the server exited")
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (last attempt: %v)", context.Cause(ctx), err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 100*time.Millisecond)
	}
}

// setUp reads the server version and makes sure the database jaring exists.
func (c *Cluster) setUp(ctx context.Context, conn *pgx.Conn) error {
	var num string
	if err := conn.QueryRow(ctx, "SHOW server_version_num").Scan(&num); err != nil {
		return fmt.Errorf("read server version: %w", err)
	}
	c.versionNum, _ = strconv.Atoi(num)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", appDatabase).Scan(&exists); err != nil {
		return fmt.Errorf("look for database %s: %w", appDatabase, err)
	}
	if exists {
		return nil
	}
	_, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{appDatabase}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created meanwhile
		err = nil
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", appDatabase, err)
	}
	return nil
}

// serverVersion returns the server's version number, say 15.18 (without
// Debian's " (Debian 15.18-0+deb12u1)").
func serverVersion(conn *pgx.Conn) string {
	v, _, _ := strings.Cut(conn.PgConn().ParameterStatus("server_version"), " ")
	return v
}

func (c *Cluster) connect(ctx context.Context, database string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(c.URL(database))
	if err != nil {
		return nil, err
	}
	cfg.ConnectTimeout = 5 * time.Second
	return pgx.ConnectConfig(ctx, cfg)
}

// groupGone waits up to timeout until no process of the postmaster's process
// group is left.
func (c *Cluster) groupGone(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if err := syscall.Kill(-c.pid, 0); errors.Is(err, syscall.ESRCH) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// openLog opens postgres.log for appending and returns its size before.
func (c *Cluster) openLog() (*os.File, int64, error) {
	f, err := os.OpenFile(c.logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// logTail returns the last lines of postgres.log written after offset.
func (c *Cluster) logTail(offset int64) string {
	f, err := os.Open(c.logPath)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	defer f.Close()
	const window = 64 << 10
	if fi, err := f.Stat(); err == nil && fi.Size()-offset > window {
		offset = fi.Size() - window
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return "(" + err.Error() + ")"
	}
	b, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	return strings.Join(lines, "\n")
}

// runningServer returns the pid and port of a live postmaster on pgdata, or
// 0 when there is none. A lock file left behind by a postmaster that died is
// removed.
func runningServer(pgdata string) (pid, port int, err error) {
	for try := 0; ; try++ {
		pid, port, err = readPidFile(pgdata)
		if errors.Is(err, fs.ErrNotExist) {
			return 0, 0, nil
		}
		if err == nil && pid > 0 && !isPostgresProcess(pid) {
			_ = os.Remove(filepath.Join(pgdata, "postmaster.pid"))
			return 0, 0, nil
		}
		if err == nil && port > 0 {
			return pid, port, nil
		}
		// A postmaster writes its lock file in steps: wait for the port.
		if try == 50 {
			return 0, 0, fmt.Errorf("%s: no port in postmaster.pid: %v", pgdata, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readPidFile parses the pid (line 1) and port (line 4) out of
// pgdata/postmaster.pid.
func readPidFile(pgdata string) (pid, port int, err error) {
	b, err := os.ReadFile(filepath.Join(pgdata, "postmaster.pid"))
	if err != nil {
		return 0, 0, err
	}
	lines := strings.Split(string(b), "\n")
	if pid, err = strconv.Atoi(strings.TrimSpace(lines[0])); err != nil {
		return 0, 0, fmt.Errorf("postmaster.pid: bad pid: %w", err)
	}
	if len(lines) < 4 {
		return pid, 0, nil
	}
	port, _ = strconv.Atoi(strings.TrimSpace(lines[3]))
	return pid, port, nil
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// childEnv is our environment without what could redirect initdb or postgres
// (PGDATA, PGPORT, …), and with C messages, so that the log can be parsed.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

// runDetached runs f (which starts a process) on a fresh goroutine. The
// kernel sends the parent-death signal when the thread that started a child
// exits, and Go ends a thread when a goroutine locked to it returns: a caller
// on a locked goroutine must not be that thread.
func runDetached(f func() error) error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	return <-ch
}

// lockFile takes an exclusive flock on path, waiting until ctx is done.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// writeFileAtomic writes data to path (mode 0600) via a temporary file.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
