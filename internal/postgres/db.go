package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is a pool of connections to Jaring's database.
type DB struct {
	Pool *pgxpool.Pool
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
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database %s: %w", redact(cfg.ConnConfig), err)
	}
	return &DB{Pool: pool}, nil
}

// Close waits for borrowed connections to return and closes the pool.
func (db *DB) Close() { db.Pool.Close() }

// Ping checks that the database answers: /readyz.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

func redact(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}
