package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is a pool of connections to Jaring's database, and a second one for
// the lookups by key.
type DB struct {
	Pool *pgxpool.Pool
	// Keyed is a pool whose connections run every statement on its
	// generic plan (plan_cache_mode): the lookups by key — the rows of
	// these IDs, this KK, this NIK — that every view sends, several to an
	// answer. pgx prepares each statement, and PostgreSQL would otherwise
	// plan each call afresh for its arguments, which on a household view
	// cost more than running the statements (the view at 3,000,000
	// households: 1,101 answers a second, 1,495 with every statement on its
	// generic plan, make bench 2026-12-01). TestKeyedLookupsUseIndexes
	// explains the generic plan of each in every kind of scope: none reads
	// a table of the register whole. Listings, counts, searches and bulk
	// work stay on Pool, planned for their arguments.
	Keyed *pgxpool.Pool
}

// Option changes how Open configures the pool.
type Option func(*pgxpool.Config)

// WithTracer sets a pgx query tracer on every connection, for example to
// count statements in a test.
func WithTracer(t pgx.QueryTracer) Option {
	return func(c *pgxpool.Config) { c.ConnConfig.Tracer = t }
}

// AppRole is the login the application works as (migrations 007 and 009):
// it may read and write the register and ledger, and only insert and read
// the audit log; it is no superuser and owns nothing, so no statement it
// sends can switch the audit log's triggers off.
const AppRole = "jaring_app"

// WithMaxConns sets the size of the pool.
func WithMaxConns(n int32) Option {
	return func(c *pgxpool.Config) { c.MaxConns = n }
}

// writeTx begins the transaction of an approval or a step of the
// workflow, whose statements all run on generic plans: pgx prepares every
// statement, and PostgreSQL would otherwise plan it afresh on each call
// for its arguments, which cost more than running it (a one-item
// recordBenefits spent most of its time in the planner: 456 approvals a
// second at one client, 648 on generic plans, BenchmarkApprovals).
// TestWritePathsUseIndexes explains the generic plan of every statement of
// these paths: none reads a table of the register whole. The setting is
// sent with BEGIN, in the same round trip, and ends with the transaction.
// Bulk work (imports, the audit verification) keeps custom plans, whose
// joins suit a hundred thousand rows.
var writeTx = pgx.TxOptions{BeginQuery: `BEGIN; SET LOCAL plan_cache_mode = force_generic_plan`}

// inWriteTx runs f in a writeTx on db, committed if f returns nil.
func inWriteTx(ctx context.Context, db *DB, f func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, db.Pool, writeTx, f)
}

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string, opts ...Option) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "jaring"
	for _, o := range opts {
		o(cfg)
	}
	keyedCfg := cfg.Copy()
	keyedCfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, connectError(cfg.ConnConfig, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, connectError(cfg.ConnConfig, err)
	}
	keyed, err := pgxpool.NewWithConfig(ctx, keyedCfg)
	if err != nil {
		pool.Close()
		return nil, connectError(cfg.ConnConfig, err)
	}
	return &DB{Pool: pool, Keyed: keyed}, nil
}

// Close waits for borrowed connections to return and closes the pools.
func (db *DB) Close() {
	db.Pool.Close()
	db.Keyed.Close()
}

// Ping checks that the database answers: /readyz.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

func redact(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// connect opens one connection to the database at url.
func connect(ctx context.Context, url string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, connectError(cfg, err)
	}
	return conn, nil
}

// ConnectError says that the database could not be reached, or refused the
// login. It unwraps to pgx's error (and so to a *pgconn.PgError, if the
// server answered).
type ConnectError struct {
	Target string // user@host:port/database, without the password
	err    error
}

// Error names the database and says each distinct reason once. With
// sslmode=prefer, the default, pgx tries each address twice, with TLS and
// without, and reports both failures, which are one and the same when the
// server cannot be reached; said twice, the user reads two problems.
func (e *ConnectError) Error() string {
	msg := e.err.Error()
	var ce *pgconn.ConnectError
	if errors.As(e.err, &ce) {
		msg = ce.Unwrap().Error()
	}
	var reasons []string
	for line := range strings.SplitSeq(msg, "\n") {
		line = strings.TrimSpace(line)
		said := slices.IndexFunc(reasons, func(r string) bool { return strings.Contains(r, line) || strings.Contains(line, r) })
		switch {
		case line == "":
		case said < 0:
			reasons = append(reasons, line)
		case len(line) > len(reasons[said]):
			reasons[said] = line // the longer says more
		}
	}
	return fmt.Sprintf("connect to database %s: %s", e.Target, strings.Join(reasons, "; "))
}

func (e *ConnectError) Unwrap() error { return e.err }

func connectError(c *pgx.ConnConfig, err error) error {
	return &ConnectError{Target: redact(c), err: err}
}
