package graph

import (
	"context"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/plugin/federation/fedruntime"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/registry"
	"github.com/jaring-id/jaring/internal/verival"
)

// request is one request's caller and what the request has revealed. Every
// field decision comes from authz (access.See); this file only applies them.
type request struct {
	access *authz.Request
	actor  jaring.Actor
	// schemaReadable: introspection, and federation's _service, are served.
	schemaReadable bool

	mu       sync.Mutex
	reveals  reveals
	pending  *audit.Pending
	opName   string
	variable map[string]any
}

type requestKey struct{}

func withRequest(ctx context.Context, r *request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// requestFrom returns the request's access state. Every GraphQL request has
// one: the handler makes it before the request runs.
func requestFrom(ctx context.Context) *request {
	return ctx.Value(requestKey{}).(*request)
}

// actorFrom is the caller of the request, as the services know it.
func actorFrom(ctx context.Context) jaring.Actor {
	return requestFrom(ctx).actor
}

// checkOperation refuses a root field the principal may not run.
func checkOperation(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	fc := graphql.GetRootFieldContext(ctx)
	r := requestFrom(ctx)
	switch {
	case fc.Field.Name == "_service" && !r.schemaReadable:
		// The SDL is the schema, as introspection shows it: served
		// when introspection is.
		graphql.AddError(ctx, &gqlerror.Error{
			Path: ast.Path{ast.PathName(fc.Field.Alias)},
			Err:  jaring.Errorf(jaring.EFORBIDDEN, "The schema is not served here: introspection is off. Compose from the published graph/schema.graphql instead."),
		})
		return graphql.Null
	case strings.HasPrefix(fc.Field.Name, "__") || fc.Field.Name == "_service":
		return next(ctx)
	case fc.Field.Name == "_entities":
		// Each type's entities are checked as the root field that looks
		// that type up by the same key (mayRunByKey); what they show is
		// audited field by field, as every reading is.
		return next(ctx)
	}
	root := "Query"
	if graphql.GetOperationContext(ctx).Operation.Operation == ast.Mutation {
		root = "Mutation"
	}
	if !r.access.Decisions.MayRun(root + "." + fc.Field.Name) {
		graphql.AddError(ctx, &gqlerror.Error{
			Path: ast.Path{ast.PathName(fc.Field.Alias)},
			Err:  jaring.Errorf(jaring.EFORBIDDEN, "Your role may not run %s.", fc.Field.Name),
		})
		return graphql.Null
	}
	r.mu.Lock()
	if r.pending == nil {
		r.pending = audit.NewPending(r.event(strings.ToLower(root) + " " + fc.Field.Name))
	}
	r.mu.Unlock()
	return next(ctx)
}

// mayRunByKey refuses an _entities lookup of a type the principal may not
// look up by its key through root, the Query field that does the same
// (household by KK, person by NIK): the by-key path of federation is the
// same path, with the same answer.
func mayRunByKey(ctx context.Context, root string) error {
	if !requestFrom(ctx).access.Decisions.MayRun("Query." + root) {
		return jaring.Errorf(jaring.EFORBIDDEN, "Your role may not run %s, so it may not look its entities up by key either.", root)
	}
	return nil
}

// applyFieldPolicy shows each field as authz decides — in clear, masked, or
// withheld with the reason at its path — and notes what personal data went
// out in clear, for the audit.
func applyFieldPolicy(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc.Object == "Query" || fc.Object == "Mutation" || fc.Object == "Entity" || fc.Object == "_Service" ||
		strings.HasPrefix(fc.Object, "__") || strings.HasPrefix(fc.Field.Name, "__") {
		if fc.Object == "Mutation" || fc.Object == "Query" {
			// The record a service makes of what this root field does.
			if p := requestFrom(ctx).pending; p != nil {
				ctx = audit.WithPending(ctx, p)
			}
		}
		res, err := next(ctx)
		return res, ours(err)
	}
	r := requestFrom(ctx)
	field := fc.Object + "." + fc.Field.Name
	row := rowOf(fc)
	sight := r.access.See(field, r.subject(field, row))
	switch sight.Level {
	case authz.Withheld:
		return nil, sight.Err
	case authz.Masked:
		res, err := next(ctx)
		if err != nil || res == nil {
			return res, ours(err)
		}
		return r.maskList(field, res)
	}
	res, err := next(ctx)
	if err != nil || res == nil {
		return res, ours(err)
	}
	if list, ok := res.([]string); ok && field == "AuditEvent.persons" {
		res = r.childrenMasked(field, list)
	}
	if sight.Record {
		r.reveal(field, row, res)
	}
	return res, nil
}

// subject is whom field of row is about, for the child rule: the person of
// a Person's field, the applicant of an application's NIK (born on the day
// their NIK gives).
func (r *request) subject(field string, row any) authz.Subject {
	switch v := row.(type) {
	case *registry.Person:
		return authz.SubjectBorn(v.BirthDate, r.access.Today)
	case *referral.Application:
		if field == "Application.applicantNik" {
			return r.nikSubject(v.ApplicantNIK)
		}
	case *verival.DataIssue:
		if field == "DataIssue.nik" && v.NIK != "" { // no NIK: nothing to withhold
			return r.nikSubject(v.NIK)
		}
	}
	if strings.HasPrefix(field, "Person.") {
		// A person's field with no person at hand to tell an adult from a
		// child: the more guarded rule, never the laxer one.
		return authz.Subject{Child: true}
	}
	return authz.Subject{}
}

// nikSubject is the subject a NIK names, by the birth date it encodes; a NIK
// that does not parse is taken for a child's, the more guarded.
func (r *request) nikSubject(nik string) authz.Subject {
	n, err := registry.ParseNIK(nik)
	if err != nil {
		return authz.Subject{Child: true}
	}
	return authz.SubjectBorn(n.BirthDate, r.access.Today)
}

// maskList masks a field's value; a list of NIKs is masked element by
// element, a child's NIK left out when the role may not see it at all.
func (r *request) maskList(field string, v any) (any, error) {
	if list, ok := v.([]string); ok && field == "AuditEvent.persons" {
		out := make([]string, 0, len(list))
		for _, nik := range list {
			if r.access.See(field, r.nikSubject(nik)).Level == authz.Withheld {
				continue
			}
			out = append(out, jaring.MaskNumber(nik))
		}
		return out, nil
	}
	masked, ok := authz.Mask(field, v)
	if !ok {
		return nil, jaring.Errorf(jaring.EFORBIDDEN, "Your role may not see %s.", field)
	}
	return masked, nil
}

// childrenMasked applies the child rule to each NIK of a list shown in
// clear: a child's NIK goes out as the role sees children's data.
func (r *request) childrenMasked(field string, list []string) []string {
	out := make([]string, 0, len(list))
	for _, nik := range list {
		switch r.access.See(field, r.nikSubject(nik)).Level {
		case authz.Clear:
			out = append(out, nik)
		case authz.Masked:
			out = append(out, jaring.MaskNumber(nik))
		}
	}
	return out
}

// rowOf finds the row a field belongs to, walking up from the field to the
// nearest object that is a row of the register, the ledger, the workflow,
// the register's upkeep or the audit log.
func rowOf(fc *graphql.FieldContext) any {
	for p := fc.Parent; p != nil; p = p.Parent {
		res := p.Result
		if e, ok := res.(*fedruntime.Entity); ok && e != nil {
			res = *e // an entity of _entities: the household or person itself
		}
		switch v := res.(type) {
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
		case *verival.Change, *verival.Review:
			return v
		case **verival.Change:
			return *v
		case **verival.Review:
			return *v
		case *verival.DataIssue:
			return v
		case **verival.DataIssue:
			return *v
		}
	}
	return nil
}

// event starts an audit event for the request's principal.
func (r *request) event(operation string) audit.Event {
	p := r.access.Principal
	return audit.Event{
		Actor:     p.Subject,
		Org:       p.Org,
		Roles:     authz.RoleNames(p.Roles),
		Operation: operation,
		Variables: redact(r.variable),
		Purpose:   r.access.Purpose,
	}
}
