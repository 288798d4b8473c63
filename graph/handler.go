package graph

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/jaring-id/jaring/graph/model"
)

// HandlerConfig tunes the GraphQL handler.
type HandlerConfig struct {
	Log *slog.Logger
	// ComplexityLimit bounds how much one query may ask for (0: 5,000). A
	// list counts as its page size times its children.
	ComplexityLimit int
	// LoaderWait is how long loaders wait to batch (0: DefaultLoaderWait).
	LoaderWait time.Duration
}

// NewHandler returns the /graphql endpoint: GET and POST transports, a query
// cache, introspection, a complexity limit, Jaring's error presenter, and
// fresh loaders for every request.
func NewHandler(r *Resolver, cfg HandlerConfig) http.Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ComplexityLimit == 0 {
		cfg.ComplexityLimit = 5000
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
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx := WithLoaders(req.Context(), NewLoaders(r, cfg.LoaderWait))
		srv.ServeHTTP(w, req.WithContext(ctx))
	})
}

// NewConfig returns the executor's configuration for r, with the complexity
// of a paged list counted as its page size times its children.
func NewConfig(r *Resolver) Config {
	c := Config{Resolvers: r}
	c.Complexity.Query.Households = func(child int, _ *model.HouseholdFilter, first *int, _ *string) int {
		n := 20
		if first != nil {
			n = *first
		}
		return 1 + n*child
	}
	return c
}
