// Package migrations holds Jaring's database schema as numbered SQL files,
// applied in order by jackc/tern (see internal/postgres.Migrate). A file,
// once released, is never edited: a change is a new file.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
