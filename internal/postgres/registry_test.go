package postgres_test

import (
	"testing"

	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/registry"
	"github.com/jaring-id/jaring/internal/registry/registrytest"
)

// The registry store keeps registry.Store's contract.
func TestRegistryStore(t *testing.T) {
	registrytest.StoreTest(t, postgres.NewRegistryStore(fixtureDB(t)))
}

func kks(hs []*registry.Household) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.KK)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
