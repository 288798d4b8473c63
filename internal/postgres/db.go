package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/jaring-id/jaring/internal/jaring"
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

// AppRole is the database role the application works as (migration 007):
// it may read and write the register and ledger, and only insert and read
// the audit log.
const AppRole = "jaring_app"

// WithAppRole makes every connection work as AppRole, whatever user it
// logged in as. The server uses it; migrations and administrative commands
// do not.
func WithAppRole() Option {
	return func(c *pgxpool.Config) {
		c.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
			_, err := conn.Exec(ctx, "SET ROLE "+AppRole)
			return err
		}
	}
}

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

// translate turns a database error into a domain error, once, here. what
// names the thing being read or written, for the message.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return jaring.Errorf(jaring.ENOTFOUND, "No %s.", what)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return &jaring.Error{Code: jaring.ECONFLICT, Message: fmt.Sprintf("The %s already exists.", what)}
		case "23503", "23514", "23502", "22P02", "22007", "22008": // foreign key, check, not null, bad text, bad date
			return &jaring.Error{Code: jaring.EINVALID, Message: fmt.Sprintf("The %s breaks a rule of the register (%s).", what, pgErr.ConstraintName)}
		case "23P01": // exclusion_violation
			return &jaring.Error{Code: jaring.EDOUBLEAID, Message: fmt.Sprintf("The %s clashes with aid of the same kind already held.", what)}
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}
