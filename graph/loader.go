package graph

import (
	"context"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/registry"
)

// DefaultLoaderWait is how long a loader waits for more keys before it runs
// its batch: long enough for the resolvers of one list to ask, short enough
// not to be felt.
const DefaultLoaderWait = 2 * time.Millisecond

// Loaders batch the lookups of one request: a household with six members
// loads their benefits in one statement, not six. A request gets its own
// Loaders (they cache), made by Middleware.
type Loaders struct {
	household      *dataloader.Loader[int64, *registry.Household]
	person         *dataloader.Loader[int64, *registry.Person]
	members        *dataloader.Loader[int64, []*registry.Person]
	benefit        *dataloader.Loader[int64, *benefit.Benefit]
	benefitsOfHH   *dataloader.Loader[int64, []*benefit.Benefit]
	benefitsOfPers *dataloader.Loader[int64, []*benefit.Benefit]
	program        *dataloader.Loader[int64, *benefit.Program]
	organisation   *dataloader.Loader[int64, *jaring.Organisation]
	application    *dataloader.Loader[int64, *referral.Application]
	appsOfHH       *dataloader.Loader[int64, []*referral.Application]
	referralsOfHH  *dataloader.Loader[int64, []*referral.Referral]
	referralsOfApp *dataloader.Loader[int64, []*referral.Referral]

	kindsOnce sync.Once
	kinds     map[string]*benefit.Kind
	kindsErr  error
	kindStore benefit.Store

	exclusionsOnce sync.Once
	exclusions     []benefit.Exclusion
	exclusionsErr  error
}

// NewLoaders returns the loaders for one request whose caller sees scope.
// wait is how long a batch waits for keys (DefaultLoaderWait when 0).
func NewLoaders(r *Resolver, scope jaring.Scope, wait time.Duration) *Loaders {
	if wait == 0 {
		wait = DefaultLoaderWait
	}
	return &Loaders{
		household:      newOne(r.Registry.FindHouseholdsByIDs, func(h *registry.Household) int64 { return h.ID }, wait),
		person:         newOne(r.Registry.FindPersonsByIDs, func(p *registry.Person) int64 { return p.ID }, wait),
		members:        newMany(r.Registry.FindMembers, func(p *registry.Person) int64 { return p.HouseholdID }, wait),
		benefit:        newOne(r.Benefits.FindBenefitsByIDs, func(b *benefit.Benefit) int64 { return b.ID }, wait),
		benefitsOfHH:   newMany(r.Benefits.FindBenefitsByHouseholds, func(b *benefit.Benefit) int64 { return b.HouseholdID }, wait),
		benefitsOfPers: newMany(r.Benefits.FindBenefitsByPersons, func(b *benefit.Benefit) int64 { return *b.PersonID }, wait),
		program:        newOne(r.Benefits.FindProgramsByIDs, func(p *benefit.Program) int64 { return p.ID }, wait),
		organisation:   newOne(r.Organisations.FindOrganisationsByIDs, func(o *jaring.Organisation) int64 { return o.ID }, wait),
		application:    newOne(r.Referrals.FindApplicationsByIDs, func(a *referral.Application) int64 { return a.ID }, wait),
		appsOfHH:       newMany(scoped(scope, r.Referrals.FindApplicationsByHouseholds), func(a *referral.Application) int64 { return a.HouseholdID }, wait),
		referralsOfHH:  newMany(scoped(scope, r.Referrals.FindReferralsByHouseholds), func(x *referral.Referral) int64 { return x.HouseholdID }, wait),
		referralsOfApp: newMany(scoped(scope, r.Referrals.FindReferralsByApplications), func(x *referral.Referral) int64 { return x.ApplicationID }, wait),
		kindStore:      r.Benefits,
	}
}

// loadKinds reads the kinds of aid. The catalogue is small: it is read once
// a request, in one statement, the first time it is needed.
func (l *Loaders) loadKinds(ctx context.Context) (map[string]*benefit.Kind, error) {
	l.kindsOnce.Do(func() {
		ks, err := l.kindStore.FindKinds(ctx)
		l.kinds, l.kindsErr = make(map[string]*benefit.Kind, len(ks)), err
		for _, k := range ks {
			l.kinds[k.Code] = k
		}
	})
	return l.kinds, l.kindsErr
}

// kind returns a kind of aid by code.
func (l *Loaders) kind(ctx context.Context, code string) (*benefit.Kind, error) {
	if _, err := l.loadKinds(ctx); err != nil {
		return nil, err
	}
	k, ok := l.kinds[code]
	if !ok {
		return nil, jaring.Errorf(jaring.ENOTFOUND, "No kind of aid with code %s.", code)
	}
	return k, nil
}

// scoped binds a lookup to the caller's scope.
func scoped[V any](scope jaring.Scope, find func(context.Context, jaring.Scope, []int64) ([]V, error)) func(context.Context, []int64) ([]V, error) {
	return func(ctx context.Context, ids []int64) ([]V, error) { return find(ctx, scope, ids) }
}

// catalogue returns the rules' catalogue: the kinds and the program
// exclusions, each read once a request.
func (l *Loaders) catalogue(ctx context.Context) (*benefit.Catalogue, error) {
	kinds, err := l.loadKinds(ctx)
	if err != nil {
		return nil, err
	}
	l.exclusionsOnce.Do(func() {
		l.exclusions, l.exclusionsErr = l.kindStore.FindExclusions(ctx)
	})
	if l.exclusionsErr != nil {
		return nil, l.exclusionsErr
	}
	return &benefit.Catalogue{Kinds: kinds, Exclusions: l.exclusions}, nil
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

// newOne makes a loader of one row per key. Results are matched to keys by
// ID, not by position, so the order the store returns rows in cannot swap
// them; a key with no row gets ENOTFOUND.
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
				out[i] = &dataloader.Result[V]{Error: jaring.Errorf(jaring.ENOTFOUND, "No row with ID %d.", k)}
			default:
				out[i] = &dataloader.Result[V]{Data: row}
			}
		}
		return out
	}, dataloader.WithWait[int64, V](wait))
}

// newMany makes a loader of a list of rows per key (a household's members,
// say), grouped by the key each row names. A key with no rows gets an empty
// list.
func newMany[V any](fetch func(context.Context, []int64) ([]V, error), key func(V) int64, wait time.Duration) *dataloader.Loader[int64, []V] {
	return dataloader.NewBatchedLoader(func(ctx context.Context, keys []int64) []*dataloader.Result[[]V] {
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
	}, dataloader.WithWait[int64, []V](wait))
}
