package graph

import (
	"context"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/benefit"
)

// A fetch under way when a mutation resets the cache does not put back the
// rows it read before the mutation: the next ask fetches again, and sees
// what the mutation wrote.
func TestRefCacheResetDuringFetch(t *testing.T) {
	c := NewRefCache()
	name := "before"
	started, release := make(chan struct{}), make(chan struct{})
	fetches := 0
	fetch := func(ctx context.Context, ids []int64) ([]*benefit.Program, error) {
		fetches++
		p := &benefit.Program{ID: ids[0], Name: name}
		if fetches == 1 {
			close(started)
			<-release
		}
		return []*benefit.Program{p}, nil
	}
	lookup := byIDs(c, func(c *RefCache) map[int64]*benefit.Program { return c.programs }, fetch, func(p *benefit.Program) int64 { return p.ID })
	done := make(chan string)
	go func() {
		ps, _ := lookup(context.Background(), []int64{7})
		done <- ps[0].Name
	}()
	<-started
	name = "after" // the mutation commits…
	c.reset()      // …and resets the cache, while the first fetch is under way
	close(release)
	if got := <-done; got != "before" {
		t.Fatalf("the first ask answered %q", got)
	}
	ps, err := lookup(context.Background(), []int64{7})
	if err != nil || ps[0].Name != "after" || fetches != 2 {
		t.Errorf("after the reset: %q, %d fetches (%v); want %q from a second fetch", ps[0].Name, fetches, err, "after")
	}
	// Kept from then on.
	if ps, _ := lookup(context.Background(), []int64{7}); ps[0].Name != "after" || fetches != 2 {
		t.Errorf("the third ask fetched again (%d fetches) or answered %q", fetches, ps[0].Name)
	}
}

// A program the reference cache holds is answered from it at once, without
// the loader (whose batch waits for more keys); one it does not hold, or
// holds no longer, goes through the loader and is kept for the next ask.
func TestProgramOfFromTheCache(t *testing.T) {
	c := NewRefCache()
	fetches := 0
	fetch := func(ctx context.Context, ids []int64) ([]*benefit.Program, error) {
		fetches++
		out := make([]*benefit.Program, len(ids))
		for i, id := range ids {
			out[i] = &benefit.Program{ID: id, Code: "P"}
		}
		return out, nil
	}
	id := func(p *benefit.Program) int64 { return p.ID }
	newLoaders := func() *Loaders {
		return &Loaders{refs: c, program: newOne(byIDs(c, programsOf, fetch, id), id, time.Millisecond)}
	}
	ctx := context.Background()
	if p, err := newLoaders().programOf(ctx, 7); err != nil || p.ID != 7 || fetches != 1 {
		t.Fatalf("a program not cached: %+v %v after %d fetches, want one fetch", p, err, fetches)
	}
	// Another request: the loader would wait a second for more keys.
	l := newLoaders()
	l.program = newOne(func(context.Context, []int64) ([]*benefit.Program, error) {
		t.Error("a cached program was asked of the loader")
		return nil, nil
	}, id, time.Second)
	if p, err := l.programOf(ctx, 7); err != nil || p.ID != 7 {
		t.Errorf("a cached program: %+v %v", p, err)
	}
	c.reset()
	if p, err := newLoaders().programOf(ctx, 7); err != nil || p.ID != 7 || fetches != 2 {
		t.Errorf("after a reset: %+v %v after %d fetches, want a second fetch", p, err, fetches)
	}
}
