package graph

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/registry"
)

// PurposeHeader is where a caller says why it reads personal data.
const PurposeHeader = "X-Purpose"

// request is what one request may do and has revealed. The field middleware
// is the one place where field decisions are applied.
type request struct {
	principal *authz.Principal
	purpose   string
	decisions *authz.Decisions
	scope     jaring.Scope
	today     time.Time

	mu       sync.Mutex
	rules    map[fieldKey]rule
	reveals  reveals
	pending  *audit.Pending
	opName   string
	variable map[string]any
}

type fieldKey struct{ object, field string }

type rule struct {
	name  string // "Person.nik"
	level authz.Level
	class authz.Class
	// childLevel is the level when the field is a child's: children's data
	// is specific personal data (UU PDP art. 4).
	childLevel authz.Level
}

type requestKey struct{}

func withRequest(ctx context.Context, r *request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// requestFrom returns the request's access state. Every GraphQL request has
// one: the handler refuses requests without a principal before they run.
func requestFrom(ctx context.Context) *request {
	return ctx.Value(requestKey{}).(*request)
}

func (r *request) rule(object, field string) rule {
	k := fieldKey{object, field}
	r.mu.Lock()
	defer r.mu.Unlock()
	if ru, ok := r.rules[k]; ok {
		return ru
	}
	name := object + "." + field
	level, class := r.decisions.Field(name)
	ru := rule{name: name, level: level, class: class, childLevel: level}
	if level == authz.Masked && !authz.Maskable(name) {
		ru.level = authz.Withheld
	}
	if class == authz.Personal {
		ru.childLevel = min(ru.level, r.decisions.ClassLevel(authz.Specific))
	} else {
		ru.childLevel = ru.level
	}
	r.rules[k] = ru
	return ru
}

// forbidden is the error of a withheld field.
func forbidden(field string) error {
	return jaring.Errorf(jaring.EFORBIDDEN, "Your role may not see %s.", field)
}

// checkOperation refuses a root field the principal may not run.
func checkOperation(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	fc := graphql.GetRootFieldContext(ctx)
	if strings.HasPrefix(fc.Field.Name, "__") {
		return next(ctx)
	}
	r := requestFrom(ctx)
	// The root type comes from the operation: gqlgen puts the field's name
	// in RootFieldContext.Object.
	root := "Query"
	if graphql.GetOperationContext(ctx).Operation.Operation == ast.Mutation {
		root = "Mutation"
	}
	if !r.decisions.MayRun(root + "." + fc.Field.Name) {
		graphql.AddError(ctx, &gqlerror.Error{
			Path: ast.Path{ast.PathName(fc.Field.Alias)},
			Err:  jaring.Errorf(jaring.EFORBIDDEN, "Your role may not run %s.", fc.Field.Name),
		})
		return graphql.Null
	}
	if root == "Mutation" {
		r.mu.Lock()
		if r.pending == nil {
			r.pending = audit.NewPending(r.event("mutation " + fc.Field.Name))
		}
		r.mu.Unlock()
	}
	return next(ctx)
}

// applyFieldPolicy shows each field in clear, masked, or not at all, and
// notes what personal data went out in clear, for the audit.
func applyFieldPolicy(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc.Object == "Query" || fc.Object == "Mutation" || strings.HasPrefix(fc.Object, "__") || strings.HasPrefix(fc.Field.Name, "__") {
		if fc.Object == "Mutation" {
			if p := requestFrom(ctx).pending; p != nil {
				ctx = audit.WithPending(ctx, p)
			}
		}
		return next(ctx)
	}
	r := requestFrom(ctx)
	ru := r.rule(fc.Object, fc.Field.Name)
	level := ru.level
	var subject any
	if ru.class != authz.Public {
		subject = subjectOf(fc)
		if p, ok := subject.(*registry.Person); ok && fc.Object == "Person" && r.isChild(p) {
			level = ru.childLevel
		}
	}
	switch level {
	case authz.Withheld:
		return nil, forbidden(ru.name)
	case authz.Masked:
		res, err := next(ctx)
		if err != nil || res == nil {
			return res, err
		}
		masked, ok := authz.Mask(ru.name, res)
		if !ok {
			return nil, forbidden(ru.name)
		}
		return masked, nil
	}
	if ru.class == authz.Public {
		return next(ctx)
	}
	if r.purpose == "" {
		return nil, &jaring.Error{Code: jaring.EINVALID, Field: PurposeHeader, Message: PurposeHeader +
			": reading " + ru.name + " in clear needs a purpose: send the header " + PurposeHeader + " saying why (for example \"verifikasi permohonan SLK-2026-000136\")"}
	}
	res, err := next(ctx)
	if err == nil && res != nil {
		r.reveal(ru.name, subject)
	}
	return res, err
}

// isChild reports whether p is under 18 today.
func (r *request) isChild(p *registry.Person) bool {
	return p.BirthDate.AddDate(18, 0, 0).After(r.today)
}

// subjectOf finds the row a field belongs to, walking up from the field to
// the nearest object that names a person or household.
func subjectOf(fc *graphql.FieldContext) any {
	for p := fc.Parent; p != nil; p = p.Parent {
		switch v := p.Result.(type) {
		case *registry.Person, *registry.Household, *benefit.Benefit, *referral.Application, *referral.Referral, *audit.Event:
			return v
		case **registry.Person:
			return *v
		case **registry.Household:
			return *v
		case **benefit.Benefit:
			return *v
		case **referral.Application:
			return *v
		case **referral.Referral:
			return *v
		case **audit.Event:
			return *v
		}
	}
	return nil
}

// reveals is what a request showed in clear: the fields, and the persons
// and households they belong to.
type reveals struct {
	fields       map[string]bool
	persons      map[string]bool // NIKs
	households   map[string]bool // KKs
	personIDs    map[int64]bool  // to be named by NIK when the event is written
	householdIDs map[int64]bool
}

func (r *request) reveal(field string, subject any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v := &r.reveals
	if v.fields == nil {
		*v = reveals{fields: map[string]bool{}, persons: map[string]bool{}, households: map[string]bool{},
			personIDs: map[int64]bool{}, householdIDs: map[int64]bool{}}
	}
	v.fields[field] = true
	switch s := subject.(type) {
	case *registry.Person:
		v.persons[s.NIK] = true
	case *registry.Household:
		v.households[s.KK] = true
	case *benefit.Benefit:
		if s.PersonID != nil {
			v.personIDs[*s.PersonID] = true
		} else {
			v.householdIDs[s.HouseholdID] = true
		}
	case *referral.Application:
		v.persons[s.ApplicantNIK] = true
	case *referral.Referral:
		v.householdIDs[s.HouseholdID] = true
	case *audit.Event:
		for _, nik := range s.Persons {
			v.persons[nik] = true
		}
		for _, kk := range s.Households {
			v.households[kk] = true
		}
	}
}

// actor is who the request acts as, in the workflow and the ledger.
func (r *request) actor() benefit.Actor {
	return benefit.Actor{
		Org:         r.principal.Org,
		OrgID:       r.principal.OrgID,
		Login:       r.principal.Subject,
		MayOverride: r.decisions.MayRun(authz.ActionOverrideDoubleAid),
		Scope:       r.scope,
	}
}

// event starts an audit event for the request's principal.
func (r *request) event(operation string) audit.Event {
	roles := make([]string, len(r.principal.Roles))
	for i, role := range r.principal.Roles {
		roles[i] = string(role)
	}
	return audit.Event{
		Actor:     r.principal.Subject,
		Org:       r.principal.Org,
		Roles:     roles,
		Operation: operation,
		Variables: redact(r.variable),
		Purpose:   r.purpose,
	}
}
