package graph

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/jaring"
)

// AuditLog is where the graph records what it revealed. Write returns once
// the event is durable.
type AuditLog interface {
	Write(ctx context.Context, ev *audit.Event) error
}

// secretKeys are variable names whose values never reach the audit log.
var secretKeys = []string{"password", "secret", "token", "authorization"}

// redact returns the variables as JSON with secrets replaced.
func redact(vars map[string]any) json.RawMessage {
	if len(vars) == 0 {
		return nil
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(v))
			for k, x := range v {
				lower := strings.ToLower(k)
				if slices.ContainsFunc(secretKeys, func(s string) bool { return strings.Contains(lower, s) }) {
					out[k] = "[redacted]"
					continue
				}
				out[k] = walk(x)
			}
			return out
		case []any:
			out := make([]any, len(v))
			for i, x := range v {
				out[i] = walk(x)
			}
			return out
		}
		return v
	}
	b, err := json.Marshal(walk(vars))
	if err != nil {
		return nil
	}
	return b
}

// startOperation notes the operation's variables for the audit.
func startOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	r := requestFrom(ctx)
	r.mu.Lock()
	r.variable = oc.Variables
	r.opName = operationName(oc)
	r.mu.Unlock()
	return next(ctx)
}

// operationName names an operation by its type and root fields:
// "query household,person".
func operationName(oc *graphql.OperationContext) string {
	if oc.Operation == nil {
		return "unknown"
	}
	var roots []string
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, nil) {
		if !strings.HasPrefix(f.Name, "__") {
			roots = append(roots, f.Name)
		}
	}
	return string(oc.Operation.Operation) + " " + strings.Join(roots, ",")
}

// recordReveals writes one audit event for what the response shows in clear,
// before the response leaves. If it cannot be written, the response is not
// sent: data that cannot be accounted for is not shown.
func recordReveals(log AuditLog, logger *slog.Logger) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp == nil {
			return resp
		}
		r := requestFrom(ctx)
		ev, err := r.revealEvent(ctx)
		if err == nil && ev != nil {
			err = log.Write(ctx, ev)
		}
		if err != nil {
			logger.ErrorContext(ctx, "audit event not written: response withheld", "err", err)
			return &graphql.Response{Errors: gqlerror.List{{
				Message:    "The reading could not be recorded in the audit log, so nothing is shown; try again.",
				Extensions: map[string]any{"code": jaring.EINTERNAL},
			}}}
		}
		return resp
	}
}

// revealEvent is the audit event of what the request showed in clear, nil
// if it showed no personal data.
func (r *request) revealEvent(ctx context.Context) (*audit.Event, error) {
	r.mu.Lock()
	v := r.reveals
	r.reveals = reveals{}
	op := r.opName
	r.mu.Unlock()
	if len(v.fields) == 0 {
		return nil, nil
	}
	l := loaders(ctx)
	if ids := slices.Collect(maps.Keys(v.personIDs)); len(ids) > 0 {
		persons, errs := l.person.LoadMany(ctx, ids)()
		for i, p := range persons {
			if errs != nil && errs[i] != nil {
				return nil, errs[i]
			}
			v.persons[p.NIK] = true
		}
	}
	if ids := slices.Collect(maps.Keys(v.householdIDs)); len(ids) > 0 {
		hs, errs := l.household.LoadMany(ctx, ids)()
		for i, h := range hs {
			if errs != nil && errs[i] != nil {
				return nil, errs[i]
			}
			v.households[h.KK] = true
		}
	}
	ev := r.event(op)
	ev.Persons = slices.Sorted(maps.Keys(v.persons))
	ev.Households = slices.Sorted(maps.Keys(v.households))
	ev.Fields = slices.Sorted(maps.Keys(v.fields))
	return &ev, nil
}
