package graph

import (
	"context"
	"sync"
	"time"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
)

// refTTL is how long reference data read for display — programs,
// organisations, kinds of aid — is kept across requests. A change made
// through this process is seen at once (reset); one made through another
// process within refTTL. Nothing that decides is read from here: the
// no-double-aid rule, scopes and quotas read the database in the write's
// own transaction.
const refTTL = 10 * time.Second

// RefCache keeps reference data for display between requests: a household
// view names the programs, payers and kinds of its benefits, the same few
// dozen rows for every request. A nil *RefCache keeps nothing.
type RefCache struct {
	mu      sync.Mutex
	expires time.Time
	// gen counts the emptyings: rows fetched before one are not kept
	// after it, so a read under way when a mutation resets the cache
	// cannot put back what the mutation changed.
	gen      uint64
	programs map[int64]*benefit.Program
	orgs     map[int64]*jaring.Organisation
	kinds    []*benefit.Kind
}

// NewRefCache returns an empty RefCache.
func NewRefCache() *RefCache { return &RefCache{} }

// fresh empties the cache when it has expired; the caller holds mu.
func (c *RefCache) fresh(now time.Time) {
	if now.After(c.expires) {
		c.programs, c.orgs, c.kinds = map[int64]*benefit.Program{}, map[int64]*jaring.Organisation{}, nil
		c.expires = now.Add(refTTL)
		c.gen++
	}
}

// reset forgets everything: a mutation changed reference data.
func (c *RefCache) reset() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.expires = time.Time{}
	c.mu.Unlock()
}

// byIDs returns the rows of ids from the cache, fetching the missing ones.
func byIDs[V any](c *RefCache, m func(*RefCache) map[int64]V, fetch func(context.Context, []int64) ([]V, error), id func(V) int64) func(context.Context, []int64) ([]V, error) {
	if c == nil {
		return fetch
	}
	return func(ctx context.Context, ids []int64) ([]V, error) {
		c.mu.Lock()
		c.fresh(time.Now())
		gen := c.gen
		out := make([]V, 0, len(ids))
		var missing []int64
		for _, k := range ids {
			if v, ok := m(c)[k]; ok {
				out = append(out, v)
			} else {
				missing = append(missing, k)
			}
		}
		c.mu.Unlock()
		if len(missing) == 0 {
			return out, nil
		}
		rows, err := fetch(ctx, missing)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if c.fresh(time.Now()); c.gen == gen {
			for _, v := range rows {
				m(c)[id(v)] = v
			}
		}
		c.mu.Unlock()
		return append(out, rows...), nil
	}
}

// cached returns the row of id if the cache holds it, unexpired.
func cached[V any](c *RefCache, m func(*RefCache) map[int64]V, id int64) (V, bool) {
	var v V
	if c == nil {
		return v, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Now().After(c.expires) {
		return v, false
	}
	v, ok := m(c)[id]
	return v, ok
}

func programsOf(c *RefCache) map[int64]*benefit.Program { return c.programs }
func orgsOf(c *RefCache) map[int64]*jaring.Organisation { return c.orgs }

// kindsFor returns every kind of aid, from the cache or fetched.
func (c *RefCache) kindsFor(ctx context.Context, fetch func(context.Context) ([]*benefit.Kind, error)) ([]*benefit.Kind, error) {
	if c == nil {
		return fetch(ctx)
	}
	c.mu.Lock()
	c.fresh(time.Now())
	kinds, gen := c.kinds, c.gen
	c.mu.Unlock()
	if kinds != nil {
		return kinds, nil
	}
	kinds, err := fetch(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.fresh(time.Now()); c.gen == gen {
		c.kinds = kinds
	}
	c.mu.Unlock()
	return kinds, nil
}
