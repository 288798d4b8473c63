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
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/registry"
	"github.com/jaring-id/jaring/internal/verival"
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
		case graphql.Upload:
			// A file is recorded by its name; what it did, the import's
			// own event says.
			return map[string]any{"file": v.Filename}
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
	if anonymousOperation(oc) {
		r.variable = nil
	}
	r.mu.Unlock()
	observeOperation(ctx, oc)
	return next(ctx)
}

// anonymous are the root fields whose arguments are never recorded: the
// identifiers a donor asks eligibility of. Their services record how many
// were asked, never which.
var anonymous = map[string]bool{"eligibility": true, "eligibilityBatch": true}

// anonymousOperation reports whether oc asks a root field of anonymous.
func anonymousOperation(oc *graphql.OperationContext) bool {
	if oc.Operation == nil {
		return false
	}
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, nil) {
		if anonymous[f.Name] {
			return true
		}
	}
	return false
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
			return &graphql.Response{Errors: gqlerror.List{present(ctx, &jaring.Error{Code: jaring.EINTERNAL,
				Message: "The reading could not be recorded in the audit log, so nothing is shown; try again."})}}
		}
		return resp
	}
}

// reveals is what a request showed in clear: the fields, and whom they are
// about. Households and persons are kept by ID and named when the event is
// written; a household's reading names every member, so that each member's
// trail shows it.
type reveals struct {
	fields       map[string]bool
	persons      map[string]bool // NIKs shown, or of persons shown
	personIDs    map[int64]bool
	householdIDs map[int64]bool   // their KKs are named
	wholeIDs     map[int64]bool   // every member's NIK is named, and the KK
	kks          map[int64]string // the KKs of households already at hand
	households   map[string]bool
}

// reveal notes that field of row went out in clear, with value v.
func (r *request) reveal(field string, row, v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	x := &r.reveals
	if x.fields == nil {
		*x = reveals{fields: map[string]bool{}, persons: map[string]bool{}, personIDs: map[int64]bool{},
			householdIDs: map[int64]bool{}, wholeIDs: map[int64]bool{}, kks: map[int64]string{}, households: map[string]bool{}}
	}
	x.fields[field] = true
	switch s := row.(type) {
	case *registry.Person:
		x.persons[s.NIK] = true
		x.householdIDs[s.HouseholdID] = true
	case *registry.Household:
		x.kks[s.ID] = s.KK
		x.wholeIDs[s.ID] = true
	case *benefit.Benefit:
		if s.PersonID != nil {
			x.personIDs[*s.PersonID] = true
			x.householdIDs[s.HouseholdID] = true
		} else {
			x.wholeIDs[s.HouseholdID] = true
		}
	case *referral.Application:
		x.persons[s.ApplicantNIK] = true
		x.wholeIDs[s.HouseholdID] = true
	case *referral.Referral:
		x.wholeIDs[s.HouseholdID] = true
	case *verival.Change:
		// A proposal is about its household, or one member of it.
		if s.PersonID != nil {
			x.personIDs[*s.PersonID] = true
			x.householdIDs[s.HouseholdID] = true
		} else {
			x.wholeIDs[s.HouseholdID] = true
		}
	case *verival.Review:
		x.personIDs[s.PersonID] = true
		x.householdIDs[s.HouseholdID] = true
	case *audit.Event:
		for _, nik := range s.Persons {
			x.persons[nik] = true
		}
		for _, kk := range s.Households {
			x.households[kk] = true
		}
	}
}

// revealHouseholds notes that each of hs was seen through field (a filter
// on it): each is named, with its members, as if the field were shown.
func (r *request) revealHouseholds(field string, hs []*registry.Household) {
	for _, h := range hs {
		r.reveal(field, h, nil)
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
		persons, err := loadAll(ctx, l.person, ids)
		if err != nil {
			return nil, err
		}
		for _, p := range persons {
			v.persons[p.NIK] = true
		}
	}
	for id := range v.wholeIDs {
		v.householdIDs[id] = true
	}
	for id, kk := range v.kks {
		v.households[kk] = true
		delete(v.householdIDs, id)
	}
	if ids := slices.Collect(maps.Keys(v.householdIDs)); len(ids) > 0 {
		hs, err := loadAll(ctx, l.household, ids)
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			v.households[h.KK] = true
		}
	}
	if whole := slices.Collect(maps.Keys(v.wholeIDs)); len(whole) > 0 {
		lists, errs := l.members.LoadMany(ctx, whole)()
		for i, members := range lists {
			if errs != nil && errs[i] != nil {
				return nil, errs[i]
			}
			for _, m := range members {
				v.persons[m.NIK] = true
			}
		}
	}
	ev := r.event(op)
	ev.Persons = slices.Sorted(maps.Keys(v.persons))
	ev.Households = slices.Sorted(maps.Keys(v.households))
	ev.Fields = slices.Sorted(maps.Keys(v.fields))
	return &ev, nil
}
