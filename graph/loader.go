package graph

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/registry"
	"github.com/jaring-id/jaring/internal/verival"
)

// DefaultLoaderWait is how long a loader waits for more keys before it runs
// its batch: long enough for the resolvers of one list to ask, short enough
// not to be felt.
const DefaultLoaderWait = 2 * time.Millisecond

// Loaders batch the lookups of one request: a household with six members
// loads their benefits in one statement, not six. Every loader asks its
// service as the request's actor, so every row it returns is one the actor
// may see, however deep in the query it is asked for: a row outside the
// actor's scope is as a row that does not exist. A request gets its own
// Loaders (they cache).
type Loaders struct {
	household      *dataloader.Loader[int64, *registry.Household]
	person         *dataloader.Loader[int64, *registry.Person]
	members        *many[*registry.Person]
	benefit        *dataloader.Loader[int64, *benefit.Benefit]
	benefitsOfHH   *many[*benefit.Benefit]
	benefitsOfPers *many[*benefit.Benefit]
	program        *dataloader.Loader[int64, *benefit.Program]
	organisation   *dataloader.Loader[int64, *jaring.Organisation]
	application    *dataloader.Loader[int64, *referral.Application]
	appsOfHH       *many[*referral.Application]
	referralsOfHH  *many[*referral.Referral]
	referralsOfApp *many[*referral.Referral]
	// Register changes (verival).
	registerChange *dataloader.Loader[int64, *verival.Change]
	changesOfDelib *many[*verival.Change]
	deliberation   *dataloader.Loader[int64, *verival.Deliberation]

	benefits *benefit.Service
	refs     *RefCache

	kindsOnce sync.Once
	kinds     []*benefit.Kind
	kindsErr  error

	catalogueOnce sync.Once
	catalogue     *benefit.Catalogue
	catalogueErr  error
}

// NewLoaders returns the loaders of one request made by actor. wait is how
// long a batch waits for keys (DefaultLoaderWait when 0).
func NewLoaders(r *Resolver, actor jaring.Actor, wait time.Duration) *Loaders {
	if wait == 0 {
		wait = DefaultLoaderWait
	}
	l := &Loaders{
		household:      newOne(as(actor, r.Registry.HouseholdsByIDs), func(h *registry.Household) int64 { return h.ID }, wait),
		person:         newOne(as(actor, r.Registry.PersonsByIDs), func(p *registry.Person) int64 { return p.ID }, wait),
		benefit:        newOne(as(actor, r.Benefits.ByIDs), func(b *benefit.Benefit) int64 { return b.ID }, wait),
		benefitsOfHH:   newMany(as(actor, r.Benefits.ByHouseholds), func(b *benefit.Benefit) int64 { return b.HouseholdID }, wait),
		benefitsOfPers: newMany(as(actor, r.Benefits.ByPersons), func(b *benefit.Benefit) int64 { return *b.PersonID }, wait),
		program: newOne(byIDs(r.Refs, programsOf, r.Benefits.ProgramsByIDs,
			func(p *benefit.Program) int64 { return p.ID }), func(p *benefit.Program) int64 { return p.ID }, wait),
		organisation: newOne(byIDs(r.Refs, orgsOf, r.Organisations.FindOrganisationsByIDs,
			func(o *jaring.Organisation) int64 { return o.ID }), func(o *jaring.Organisation) int64 { return o.ID }, wait),
		application:    newOne(as(actor, r.Referrals.ApplicationsByIDs), func(a *referral.Application) int64 { return a.ID }, wait),
		appsOfHH:       newMany(as(actor, r.Referrals.ApplicationsByHouseholds), func(a *referral.Application) int64 { return a.HouseholdID }, wait),
		referralsOfHH:  newMany(as(actor, r.Referrals.ReferralsByHouseholds), func(x *referral.Referral) int64 { return x.HouseholdID }, wait),
		referralsOfApp: newMany(as(actor, r.Referrals.ReferralsByApplications), func(x *referral.Referral) int64 { return x.ApplicationID }, wait),
		benefits:       r.Benefits,
		refs:           r.Refs,
		registerChange: newOne(as(actor, r.Verival.ChangesByIDs), func(c *verival.Change) int64 { return c.ID }, wait),
		changesOfDelib: newMany(as(actor, r.Verival.ChangesByDeliberations), func(c *verival.Change) int64 { return *c.DeliberationID }, wait),
		deliberation:   newOne(as(actor, r.Verival.DeliberationsByIDs), func(d *verival.Deliberation) int64 { return d.ID }, wait),
	}
	// A household's members are persons the request has at hand: asked for
	// by ID later (the audit names them), they are not read again.
	members := as(actor, r.Registry.Members)
	l.members = newMany(func(ctx context.Context, ids []int64) ([]*registry.Person, error) {
		ps, err := members(ctx, ids)
		for _, p := range ps {
			l.person.Prime(ctx, p.ID, p)
		}
		return ps, err
	}, func(p *registry.Person) int64 { return p.HouseholdID }, wait)
	return l
}

// as binds a lookup to the actor it is made for.
func as[V any](actor jaring.Actor, find func(context.Context, jaring.Actor, []int64) ([]V, error)) func(context.Context, []int64) ([]V, error) {
	return func(ctx context.Context, ids []int64) ([]V, error) { return find(ctx, actor, ids) }
}

// loadKinds reads the kinds of aid, once a request.
func (l *Loaders) loadKinds(ctx context.Context) ([]*benefit.Kind, error) {
	l.kindsOnce.Do(func() { l.kinds, l.kindsErr = l.refs.kindsFor(ctx, l.benefits.Kinds) })
	return l.kinds, l.kindsErr
}

// rules returns the rules' catalogue, the kinds and the program exclusions,
// read once a request.
func (l *Loaders) rules(ctx context.Context) (*benefit.Catalogue, error) {
	l.catalogueOnce.Do(func() {
		kinds, err := l.loadKinds(ctx)
		if err != nil {
			l.catalogueErr = err
			return
		}
		xs, err := l.benefits.Exclusions(ctx)
		l.catalogue, l.catalogueErr = benefit.NewCatalogue(kinds, xs), err
	})
	return l.catalogue, l.catalogueErr
}

// programOf returns the program of id: from the reference cache if it holds
// it, at once; else through the loader, which waits for the other keys of
// its batch. The benefits of a household view name the same few programs
// and payers, and waiting for a batch of cached rows at every level of the
// query added its wait to every answer.
func (l *Loaders) programOf(ctx context.Context, id int64) (*benefit.Program, error) {
	if p, ok := cached(l.refs, programsOf, id); ok {
		return p, nil
	}
	return l.program.Load(ctx, id)()
}

// organisationOf returns the organisation of id, as programOf a program.
func (l *Loaders) organisationOf(ctx context.Context, id int64) (*jaring.Organisation, error) {
	if o, ok := cached(l.refs, orgsOf, id); ok {
		return o, nil
	}
	return l.organisation.Load(ctx, id)()
}

// kind returns a kind of aid by code.
func (l *Loaders) kind(ctx context.Context, code string) (*benefit.Kind, error) {
	kinds, err := l.loadKinds(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range kinds {
		if k.Code == code {
			return k, nil
		}
	}
	return nil, jaring.Errorf(jaring.ENOTFOUND, "No kind of aid with the code %s.", code)
}

// prefetcher is a loader that can be filled ahead (many.prefetch).
type prefetcher interface {
	prefetch(ctx context.Context, keys []int64)
}

// lookAhead fills, for the rows (of type typ, IDs ids) that a resolver is
// about to return, the loaders of the fields the query asks of them: for
// each field of the resolver's selection that loaders names, at once and
// side by side, before the fields ask. Without it each level of a query
// waited for its loaders' batches to gather keys (DefaultLoaderWait) before
// reading anything. It does nothing beneath an element of a list (a
// household of a page of households): there the batches gather the keys of
// every element, where a prefetch would send a statement per element.
func lookAhead(ctx context.Context, typ string, ids []int64, loaders map[string]prefetcher) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || len(ids) == 0 {
		return
	}
	for p := fc; p != nil; p = p.Parent {
		if p.Index != nil {
			return
		}
	}
	var want []prefetcher
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{typ}) {
		if l, ok := loaders[f.Name]; ok && !slices.Contains(want, l) {
			want = append(want, l)
		}
	}
	if len(want) == 1 {
		want[0].prefetch(ctx, ids)
		return
	}
	var wg sync.WaitGroup
	for _, l := range want {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.prefetch(ctx, ids)
		}()
	}
	wg.Wait()
}

type loadersKey struct{}

// WithLoaders returns a context that carries l.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// loaders returns the request's loaders.
func loaders(ctx context.Context) *Loaders {
	return ctx.Value(loadersKey{}).(*Loaders)
}

// errNoRow is what a loader of one row per key answers for a key with no
// row the actor may see.
var errNoRow = jaring.Errorf(jaring.ENOTFOUND, "No such row that you may see.")

// load returns the row of key, or nil if there is none the actor may see:
// what a nullable field shows for a row out of scope, exactly as for one
// that does not exist.
func load[V any](ctx context.Context, l *dataloader.Loader[int64, *V], key int64) (*V, error) {
	v, err := l.Load(ctx, key)()
	if err == errNoRow {
		return nil, nil
	}
	return v, err
}

// loadAll returns the rows of keys that the actor may see.
func loadAll[V any](ctx context.Context, l *dataloader.Loader[int64, *V], keys []int64) ([]*V, error) {
	vs, errs := l.LoadMany(ctx, keys)()
	out := make([]*V, 0, len(vs))
	for i, v := range vs {
		if errs != nil && errs[i] != nil {
			if errs[i] == errNoRow {
				continue
			}
			return nil, errs[i]
		}
		out = append(out, v)
	}
	return out, nil
}

// newOne makes a loader of one row per key. Results are matched to keys by
// ID, not by position, so the order the store returns rows in cannot swap
// them; a key with no row gets errNoRow.
func newOne[V any](fetch func(context.Context, []int64) ([]V, error), id func(V) int64, wait time.Duration) *dataloader.Loader[int64, V] {
	return dataloader.NewBatchedLoader(func(ctx context.Context, keys []int64) []*dataloader.Result[V] {
		rows, err := fetch(ctx, keys)
		out := make([]*dataloader.Result[V], len(keys))
		byID := make(map[int64]V, len(rows))
		for _, row := range rows {
			byID[id(row)] = row
		}
		for i, k := range keys {
			switch row, ok := byID[k]; {
			case err != nil:
				out[i] = &dataloader.Result[V]{Error: err}
			case !ok:
				out[i] = &dataloader.Result[V]{Error: errNoRow}
			default:
				out[i] = &dataloader.Result[V]{Data: row}
			}
		}
		return out
	}, dataloader.WithWait[int64, V](wait))
}

// many is a loader of a list of rows per key (newMany) that a resolver can
// also fill ahead of the fields that will ask it (prefetch).
type many[V any] struct {
	*dataloader.Loader[int64, []V]
	batch dataloader.BatchFunc[int64, []V]
}

// prefetch fetches the lists of keys at once, as one batch of the loader
// would (the same lookup, as the same actor), and primes the loader with
// them: a resolver that sees the query ask this field of every element of
// the list it returns (look-ahead, lookAhead) spares those fields the
// loader's wait for more keys. A failed fetch primes nothing: the fields
// then load, and fail, as they would have.
func (m *many[V]) prefetch(ctx context.Context, keys []int64) {
	if len(keys) == 0 {
		return
	}
	for i, r := range m.batch(ctx, keys) {
		if r.Error == nil {
			m.Prime(ctx, keys[i], r.Data)
		}
	}
}

// newMany makes a loader of a list of rows per key (a household's members,
// say), grouped by the key each row names. A key with no rows gets an empty
// list.
func newMany[V any](fetch func(context.Context, []int64) ([]V, error), key func(V) int64, wait time.Duration) *many[V] {
	batch := func(ctx context.Context, keys []int64) []*dataloader.Result[[]V] {
		rows, err := fetch(ctx, keys)
		out := make([]*dataloader.Result[[]V], len(keys))
		byKey := make(map[int64][]V, len(keys))
		for _, row := range rows {
			byKey[key(row)] = append(byKey[key(row)], row)
		}
		for i, k := range keys {
			if err != nil {
				out[i] = &dataloader.Result[[]V]{Error: err}
				continue
			}
			list := byKey[k]
			if list == nil {
				list = []V{}
			}
			out[i] = &dataloader.Result[[]V]{Data: list}
		}
		return out
	}
	return &many[V]{Loader: dataloader.NewBatchedLoader(batch, dataloader.WithWait[int64, []V](wait)), batch: batch}
}
