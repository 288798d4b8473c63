package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/jaring-id/jaring/internal/jaring"
)

// ErrorPresenter turns every error of a response into a GraphQL error with a
// stable extensions.code (docs/errors.md) through Present; errors that are
// not Jaring's own are internal: logged with their path, shown only as
// "Internal error.".
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := present(ctx, err)
		if out.Extensions["code"] == jaring.EINTERNAL {
			log.ErrorContext(ctx, "internal error", "path", out.Path.String(), "err", err)
		}
		return out
	}
}

// Present is the one translation of an error into what a caller reads: a
// GraphQL error whose extensions carry the code, and the field, limit or
// retry time where there is one. The HTTP errors of the server are written
// from it too, so that every error response has the same shape.
func Present(err error) *gqlerror.Error { return present(context.Background(), err) }

// present is Present in a request, whose Observer is told the code.
func present(ctx context.Context, err error) *gqlerror.Error {
	out := translate(ctx, err)
	if code, ok := out.Extensions["code"].(jaring.Code); ok {
		observeError(ctx, code)
	}
	return out
}

func translate(ctx context.Context, err error) *gqlerror.Error {
	out := graphql.DefaultErrorPresenter(ctx, err)
	var e *jaring.Error
	var gqlErr *gqlerror.Error
	switch {
	case errors.Is(err, errInternal):
		out.Message = "Internal error."
		out.Extensions = map[string]any{"code": jaring.EINTERNAL}
	case errors.As(err, &e) && e.Code != jaring.EINTERNAL:
		out.Message = e.Message
		out.Extensions = map[string]any{"code": e.Code}
		if e.Field != "" {
			out.Extensions["field"] = e.Field
		}
		if e.Limit != "" {
			out.Extensions["limit"] = e.Limit
		}
		if e.RetryAfter > 0 {
			out.Extensions["retryAfterSeconds"] = int((e.RetryAfter + time.Second - 1) / time.Second)
		}
	case errors.Is(err, context.DeadlineExceeded):
		out.Message = "The request ran out of time; ask for less at once."
		out.Extensions = map[string]any{"code": jaring.ELIMIT, "limit": "deadline"}
	case errors.As(err, &gqlErr) && !errors.As(err, &e):
		// gqlgen's own: a query that does not parse or validate, or an
		// argument of the wrong shape, the caller's to fix. (What a
		// resolver returns is marked by ours before it gets here.)
		out.Extensions = map[string]any{"code": jaring.EINVALID}
	default:
		out.Message = "Internal error."
		out.Extensions = map[string]any{"code": jaring.EINTERNAL}
	}
	return out
}

// withoutSuggestions drops from the errors of queries that do not validate
// the names they suggest ("Cannot query field \"kks\" on type \"Household\".
// Did you mean \"kk\"?"): with introspection off, they would tell the
// schema to whoever guesses. gqlgen drops the suggestions of fields
// (SetDisableSuggestion); this drops those of arguments, enum values,
// input fields and types too.
func withoutSuggestions(next graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := next(ctx, err)
		var e *jaring.Error
		if out.Extensions["code"] == jaring.EINVALID && !errors.As(err, &e) {
			if i := strings.Index(out.Message, " Did you mean "); i >= 0 {
				out.Message = out.Message[:i]
			}
		}
		return out
	}
}

// errInternal marks an error a resolver returned that is not Jaring's own:
// a fault of ours, whatever gqlgen wraps it in on its way out.
var errInternal = errors.New("internal error")

// ours marks what a resolver returned: Jaring's errors and a deadline pass
// as they are, anything else is internal.
func ours(err error) error {
	var e *jaring.Error
	if err == nil || errors.As(err, &e) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%w: %w", errInternal, err)
}

// Recover turns a panic in a resolver into an internal error, logged.
func Recover(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", p)
		return fmt.Errorf("%w: panic in resolver: %v", errInternal, p)
	}
}

// nilIfNotFound answers a lookup of a nullable root field: a thing that does
// not exist, or that the caller may not see, is null, not an error.
func nilIfNotFound[T any](v *T, err error) (*T, error) {
	if jaring.ErrorCode(err) == jaring.ENOTFOUND {
		return nil, nil
	}
	return v, err
}
