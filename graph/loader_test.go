package graph_test

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/hub"
)

// The household query with its members, their benefits, its applications
// and referrals costs one statement per list field, however many rows each
// list holds: six members cost what one costs.
func TestHouseholdQueryStatementCount(t *testing.T) {
	e := newEnv(t)
	withMembers := func(n int) string {
		return e.scalar(t, `SELECT h.kk FROM household h
			WHERE (SELECT count(*) FROM person p WHERE p.household_id = h.id) = `+strconv.Itoa(n)+`
			  AND (SELECT count(DISTINCT b.person_id) FROM benefit b WHERE b.household_id = h.id) >= `+strconv.Itoa(min(n, 2))+`
			  AND EXISTS (SELECT 1 FROM benefit b WHERE b.household_id = h.id AND b.person_id IS NULL)
			ORDER BY h.id LIMIT 1`)
	}
	query := `query($kk: String!) { household(kk: $kk) {
		kk head { name }
		members { nik benefits { program { code } payer { code } kind { code } } }
		benefits { program { code } payer { code } kind { code } person { nik } }
		applications { number referrals { to { code } } }
		referrals { status to { code } }
	} }`
	count := func(kk string) int64 {
		e.stmts.n.Store(0)
		status, body := e.post(t, query, map[string]any{"kk": kk})
		if status != http.StatusOK || !contains(body, kk) || contains(body, `"errors"`) {
			t.Fatalf("household %s: %d %s", kk, status, body)
		}
		return e.stmts.n.Load()
	}
	oneKK, sixKK := withMembers(1), withMembers(6)
	one, six := fewest(func() int64 { return count(oneKK) }), fewest(func() int64 { return count(sixKK) })
	if one != six {
		t.Errorf("one member costs %d statements, six cost %d: a list is loaded row by row", one, six)
	}
	// household, members, members' benefits, household benefits,
	// applications, application referrals, household referrals, programs,
	// organisations, kinds, persons: at most one statement each.
	if six > 11 {
		t.Errorf("the household query costs %d statements, want at most 11", six)
	}
	t.Logf("household query: %d statements with 1 member, %d with 6", one, six)
}

// A page of households loads their members, and the members' benefits, in
// one statement each, not one per household (a prefetch ahead of the
// fields, lookAhead, is for a single household, not for each of a list).
func TestHouseholdsPageStatementCount(t *testing.T) {
	e := newEnv(t)
	count := func(first int) int64 {
		e.stmts.n.Store(0)
		status, body := e.post(t, `query($first: Int) { households(first: $first) { edges { node { kk members { nik benefits { amount } } benefits { kind { code } } } } } }`,
			map[string]any{"first": first})
		if status != http.StatusOK || contains(body, `"errors"`) {
			t.Fatalf("households: %d %s", status, body)
		}
		return e.stmts.n.Load()
	}
	if small, large := fewest(func() int64 { return count(2) }), fewest(func() int64 { return count(50) }); small != large {
		t.Errorf("a page of 2 households costs %d statements, a page of 50 costs %d", small, large)
	}
}

// fewest returns the fewest statements of five runs. Loaders batch the keys
// that arrive within their wait; on a loaded machine a batch may now and
// then be split in two, which is timing, not row-by-row loading: that would
// cost a statement per row on every run.
func fewest(run func() int64) int64 {
	least := run()
	for range 4 {
		least = min(least, run())
	}
	return least
}

func contains(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }

// The household view reads each level as soon as the one above it is read:
// the household's lists, then its members' benefits, are fetched ahead of
// the fields that ask for them (lookAhead), so that no field waits for a
// loader's batch to gather keys. With loaders that would wait an hour, the
// view answers at once, in as many statements as with batches.
func TestHouseholdViewDoesNotWaitForBatches(t *testing.T) {
	e := newEnvWith(t, func(c *hub.Config) { c.LoaderWait = time.Hour })
	kk := e.scalar(t, `SELECT h.kk FROM household h WHERE (SELECT count(*) FROM person p WHERE p.household_id = h.id) >= 3
		AND EXISTS (SELECT 1 FROM benefit b WHERE b.household_id = h.id AND b.person_id IS NOT NULL)
		AND EXISTS (SELECT 1 FROM benefit b WHERE b.household_id = h.id AND b.person_id IS NULL) ORDER BY h.id LIMIT 1`)
	query := `query($kk: String!) { household(kk: $kk) {
		kk head { nik }
		members { nik benefits { amount period { start } } }
		benefits { amount }
		applications { number }
		referrals { status }
	} }`
	type answer struct {
		status int
		body   []byte
	}
	done := make(chan answer, 1)
	auditor := e.auditor(t)
	e.stmts.n.Store(0)
	go func() {
		status, body := e.postAs(t, auditor, "test", query, map[string]any{"kk": kk})
		done <- answer{status, body}
	}()
	select {
	case a := <-done:
		if a.status != http.StatusOK || !contains(a.body, kk) || contains(a.body, `"errors"`) || !contains(a.body, `"amount"`) {
			t.Fatalf("household %s: %d %s", kk, a.status, a.body)
		}
	case <-time.After(time.Minute):
		t.Fatal("the household view waited for a loader's batch: a level was not fetched ahead")
	}
	// The household, its members, benefits, applications and referrals,
	// and the members' benefits.
	if n := e.stmts.n.Load(); n != 6 {
		t.Errorf("the household view sent %d statements, want 6", n)
	}
}
