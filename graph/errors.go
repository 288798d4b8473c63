package graph

import (
	"context"
	"errors"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/jaring-id/jaring/internal/jaring"
)

// ErrorPresenter turns every error of a response into a GraphQL error with a
// stable extensions.code (docs/errors.md), and extensions.field for bad
// input. Errors that are not Jaring's own are internal: they are logged with
// their path and shown only as "Internal error.".
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := graphql.DefaultErrorPresenter(ctx, err)
		var e *jaring.Error
		var gqlErr *gqlerror.Error
		switch {
		case errors.As(err, &e) && e.Code != jaring.EINTERNAL:
			out.Message = e.Message
			out.Extensions = map[string]any{"code": e.Code}
			if e.Field != "" {
				out.Extensions["field"] = e.Field
			}
		case errors.As(err, &gqlErr) && !errors.As(err, &e):
			// gqlgen's own: a query that does not parse or validate, or an
			// argument of the wrong shape, the caller's to fix; or one that
			// asks for too much at once.
			code := jaring.EINVALID
			if gqlErr.Extensions["code"] == "COMPLEXITY_LIMIT_EXCEEDED" {
				code = jaring.ELIMIT
			}
			out.Extensions = map[string]any{"code": code}
		default:
			log.ErrorContext(ctx, "internal error", "path", out.Path.String(), "err", err)
			out.Message = "Internal error."
			out.Extensions = map[string]any{"code": jaring.EINTERNAL}
		}
		return out
	}
}

// Recover turns a panic in a resolver into an internal error, logged.
func Recover(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", p)
		return errors.New("panic in resolver")
	}
}

// nilIfNotFound answers a lookup of a nullable root field: a thing that does
// not exist is null, not an error.
func nilIfNotFound[T any](v *T, err error) (*T, error) {
	if jaring.ErrorCode(err) == jaring.ENOTFOUND {
		return nil, nil
	}
	return v, err
}
