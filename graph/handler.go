package graph

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/jaring-id/jaring/graph/model"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/jaring"
)

// HandlerConfig tunes the GraphQL handler.
type HandlerConfig struct {
	Log *slog.Logger
	// Policy decides what each caller may do and see. Required.
	Policy *authz.Holder
	// Audit records what each request revealed in clear. Required.
	Audit AuditLog
	// ComplexityLimit bounds how much one query may ask for (0: 5,000). A
	// list counts as its page size times its children.
	ComplexityLimit int
	// LoaderWait is how long loaders wait to batch (0: DefaultLoaderWait).
	LoaderWait time.Duration
	// Now gives the time (nil: time.Now); tests fix it.
	Now func() time.Time
}

// NewHandler returns the /graphql endpoint: GET and POST transports, a query
// cache, introspection, a complexity limit, Jaring's error presenter, the
// policy applied to every operation and field, the audit of what goes out,
// and fresh loaders for every request. The request's context must carry an
// authenticated principal (authz.NewContext); one without is refused.
func NewHandler(r *Resolver, cfg HandlerConfig) http.Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ComplexityLimit == 0 {
		cfg.ComplexityLimit = 5000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Policy == nil || cfg.Audit == nil {
		panic("graph: HandlerConfig needs a Policy and an Audit log")
	}
	srv := handler.New(NewExecutableSchema(NewConfig(r)))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	srv.Use(extension.FixedComplexityLimit(cfg.ComplexityLimit))
	srv.SetErrorPresenter(ErrorPresenter(cfg.Log))
	srv.SetRecoverFunc(Recover(cfg.Log))
	srv.AroundOperations(startOperation)
	srv.AroundRootFields(checkOperation)
	srv.AroundFields(applyFieldPolicy)
	srv.AroundResponses(recordReveals(cfg.Audit, cfg.Log))
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		principal, purpose := authz.FromContext(req.Context())
		if principal == nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{
				"message": "Not authenticated.", "extensions": map[string]any{"code": jaring.EUNAUTHENTICATED}}}})
			return
		}
		decisions := cfg.Policy.Policy().Decide(principal)
		now := cfg.Now()
		rq := &request{
			principal: principal,
			purpose:   purpose,
			decisions: decisions,
			scope:     decisions.Scope(principal),
			today:     jaring.Date(now.Year(), now.Month(), now.Day()),
			rules:     map[fieldKey]rule{},
		}
		ctx := withRequest(req.Context(), rq)
		ctx = WithLoaders(ctx, NewLoaders(r, rq.scope, cfg.LoaderWait))
		srv.ServeHTTP(w, req.WithContext(ctx))
	})
}

// NewConfig returns the executor's configuration for r, with the complexity
// of a paged list counted as its page size times its children.
func NewConfig(r *Resolver) Config {
	c := Config{Resolvers: r}
	c.Complexity.Query.Households = func(child int, _ *model.HouseholdFilter, first *int, _ *string) int {
		return 1 + pageSize(first)*child
	}
	c.Complexity.Query.AuditTrail = func(child int, _ string, first *int, _ *string) int {
		return 1 + pageSize(first)*child
	}
	return c
}

func pageSize(first *int) int {
	if first != nil {
		return *first
	}
	return jaring.DefaultPageSize
}
