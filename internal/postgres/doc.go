// Package postgres implements every domain Store with pgx on PostgreSQL. It
// is the one place that writes SQL and the one place where SQLSTATEs become
// domain error codes (see translate). The invariants that must hold under
// concurrency are kept here, in SQL, by constraints and locks.
package postgres
