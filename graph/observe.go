package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/jaring-id/jaring/internal/jaring"
)

// Observer is told what a GraphQL request ran and how it ended, for the
// server's metrics and request logs. The server puts one in each request's
// context (WithObserver); the handler works without one.
type Observer interface {
	// Operation is told the name the request gave the operation it runs
	// ("" for an anonymous one). It is the caller's text: bound it before
	// it becomes a label.
	Operation(name string)
	// Error is told the code of each error the response carries, as its
	// extensions.code.
	Error(code jaring.Code)
}

type observerKey struct{}

// WithObserver returns a context whose GraphQL request tells o what it ran.
func WithObserver(ctx context.Context, o Observer) context.Context {
	return context.WithValue(ctx, observerKey{}, o)
}

// ObserverFrom returns the observer of ctx, nil if none.
func ObserverFrom(ctx context.Context) Observer {
	o, _ := ctx.Value(observerKey{}).(Observer)
	return o
}

// observeOperation tells the observer the name of the operation that oc
// runs: the name it has in the document, which is the operationName the
// request gave when it gave one.
func observeOperation(ctx context.Context, oc *graphql.OperationContext) {
	o := ObserverFrom(ctx)
	if o == nil {
		return
	}
	name := oc.OperationName
	if oc.Operation != nil {
		name = oc.Operation.Name
	}
	o.Operation(name)
}

// observeError tells the observer the code of an error going out.
func observeError(ctx context.Context, code jaring.Code) {
	if o := ObserverFrom(ctx); o != nil {
		o.Error(code)
	}
}
