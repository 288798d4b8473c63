package graph

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/jaring-id/jaring/internal/authz"
)

// HandlerConfig tunes the GraphQL handler.
type HandlerConfig struct {
	Log *slog.Logger
	// Policy decides what each caller may do and see. Required.
	Policy *authz.Holder
	// Audit records what each request revealed in clear. Required.
	Audit AuditLog
	// Limits bound what one query may ask for (zero fields: DefaultLimits').
	Limits Limits
	// Timeout is each request's deadline (0: 10 s): a query still running
	// then is stopped and answers LIMIT_EXCEEDED naming the deadline.
	Timeout time.Duration
	// Introspection lets callers read the schema (__schema, __type); off,
	// an error never suggests a field, argument or value either ("Did you
	// mean …?"), which would tell the schema piece by piece.
	Introspection bool
	// Persisted is the manifest of the operations served by id (nil: none);
	// automatic persisted queries are served besides unless PersistedOnly.
	Persisted *Manifest
	// PersistedOnly serves the operations of Persisted and nothing else:
	// any other query, and any unknown id, answers
	// PERSISTED_QUERY_NOT_FOUND, and no query is registered by APQ.
	PersistedOnly bool
	// LoaderWait is how long loaders wait to batch (0: DefaultLoaderWait).
	LoaderWait time.Duration
	// Now gives the time (nil: time.Now); tests fix it.
	Now func() time.Time
}

// DefaultTimeout is a request's deadline unless configured.
const DefaultTimeout = 10 * time.Second

// NewHandler returns the /graphql endpoint: GET and POST transports, a query
// cache, the limits, Jaring's error presenter, the policy applied to every
// operation and field, the audit of what goes out, and fresh loaders for
// every request. The request's context must carry an authenticated
// principal and its checked purpose (authz.NewContext): the server's
// authentication refuses every request without one before it gets here.
func NewHandler(r *Resolver, cfg HandlerConfig) http.Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	cfg.Limits = cfg.Limits.withDefaults()
	if cfg.Policy == nil || cfg.Audit == nil {
		panic("graph: HandlerConfig needs a Policy and an Audit log")
	}
	if cfg.PersistedOnly && cfg.Persisted == nil {
		panic("graph: HandlerConfig.PersistedOnly needs a Persisted manifest")
	}
	srv := handler.New(NewExecutableSchema(Config{Resolvers: r}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(httpTransport{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	presenter := ErrorPresenter(cfg.Log)
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
		presenter = withoutSuggestions(presenter)
	}
	srv.Use(persisted{manifest: cfg.Persisted, only: cfg.PersistedOnly,
		apq: extension.AutomaticPersistedQuery{Cache: lru.New[string](100)}})
	srv.Use(limitsExtension{limits: cfg.Limits})
	srv.SetErrorPresenter(presenter)
	srv.SetRecoverFunc(Recover(cfg.Log))
	srv.AroundOperations(startOperation)
	srv.AroundRootFields(checkOperation)
	srv.AroundFields(applyFieldPolicy)
	srv.AroundResponses(recordReveals(cfg.Audit, cfg.Log))
	srv.AroundResponses(sortErrors)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		principal, purpose := authz.FromContext(req.Context())
		if principal == nil {
			panic("graph: a request reached the GraphQL handler unauthenticated")
		}
		access := authz.NewRequest(cfg.Policy.Policy(), principal, purpose, cfg.Now())
		rq := &request{access: access, actor: access.Actor(), schemaReadable: cfg.Introspection}
		ctx, cancel := context.WithTimeout(req.Context(), cfg.Timeout)
		defer cancel()
		ctx = withRequest(ctx, rq)
		ctx = WithLoaders(ctx, NewLoaders(r, rq.actor, cfg.LoaderWait))
		srv.ServeHTTP(w, req.WithContext(ctx))
	})
}

// withDefaults fills the limits left zero from DefaultLimits.
func (l Limits) withDefaults() Limits {
	if l.MaxDepth == 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxComplexity == 0 {
		l.MaxComplexity = DefaultLimits.MaxComplexity
	}
	if l.MaxAliases == 0 {
		l.MaxAliases = DefaultLimits.MaxAliases
	}
	return l
}

// sortErrors lists a response's errors in the order of their paths, fields
// resolved side by side add theirs in whatever order they finish: the same
// request answers the same bytes.
func sortErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > 1 {
		slices.SortStableFunc(resp.Errors, func(a, b *gqlerror.Error) int { return comparePaths(a.Path, b.Path) })
	}
	return resp
}

// comparePaths orders paths element by element, indexes as numbers; a
// path before its own children.
func comparePaths(a, b ast.Path) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := comparePathElements(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

func comparePathElements(a, b ast.PathElement) int {
	ai, aIndex := a.(ast.PathIndex)
	bi, bIndex := b.(ast.PathIndex)
	switch {
	case aIndex && bIndex:
		return cmp.Compare(ai, bi)
	case aIndex != bIndex:
		if aIndex {
			return 1
		}
		return -1
	}
	an, _ := a.(ast.PathName)
	bn, _ := b.(ast.PathName)
	return cmp.Compare(an, bn)
}
