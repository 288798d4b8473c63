package postgres_test

import (
	"testing"

	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func pgtestOpen(t *testing.T) *postgres.DB {
	t.Helper()
	return pgtest.Open(t, pgtest.URL(t))
}
