package graph

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/jaring-id/jaring/internal/authz"
)

// schema returns the parsed schema.
var schema = sync.OnceValue(func() *ast.Schema {
	return NewExecutableSchema(Config{}).Schema()
})

// schemaDefinitions returns the schema's types by name.
func schemaDefinitions() map[string]*ast.Definition { return schema().Types }

// federation are the types of Apollo Federation's machinery, not of
// Jaring's data: _Service (the SDL) and Entity, gqlgen's stand-in that no
// query reaches. The entities _entities returns are Household and Person,
// whose fields the policy classes as everywhere else.
var federation = map[string]bool{"_Service": true, "Entity": true}

// Fields lists every field of the schema's object types as "Type.field",
// sorted, leaving out the root types (their fields are operations),
// introspection and federation's machinery.
func Fields() []string {
	var out []string
	for name, def := range schema().Types {
		if def.Kind != ast.Object || name == "Query" || name == "Mutation" || strings.HasPrefix(name, "__") || federation[name] {
			continue
		}
		for _, f := range def.Fields {
			if !strings.HasPrefix(f.Name, "__") {
				out = append(out, name+"."+f.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Operations lists every root field as "Query.household", sorted, leaving
// out federation's _service and _entities: _service is served with
// introspection, and _entities looks each type up as the operation that
// finds it by key does (household, person).
func Operations() []string {
	var out []string
	s := schema()
	for _, root := range []*ast.Definition{s.Query, s.Mutation} {
		if root == nil {
			continue
		}
		for _, f := range root.Fields {
			if !strings.HasPrefix(f.Name, "__") && f.Name != "_service" && f.Name != "_entities" {
				out = append(out, root.Name+"."+f.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Nullable reports whether field "Type.field" may be null: a field the
// policy may withhold must be, or its null would blank its parent too.
func Nullable(field string) bool {
	typ, name, _ := strings.Cut(field, ".")
	def := schema().Types[typ]
	if def == nil {
		return false
	}
	f := def.Fields.ForName(name)
	return f != nil && !f.Type.NonNull
}

// CheckPolicy refuses a policy that does not class every field of the
// schema, or that classes as personal or specific a field that cannot be
// null. It is run on the policy at startup and on every reload.
func CheckPolicy(p *authz.Policy) error {
	if missing := p.Unclassified(Fields()); len(missing) > 0 {
		return fmt.Errorf("the policy classes no fields %s: give each a g2 line (g2, field:Type.field, class:public|personal|specific)",
			strings.Join(missing, ", "))
	}
	for _, f := range Fields() {
		if c, _ := p.Class(f); c != authz.Public && !Nullable(f) {
			return fmt.Errorf("field %s is %s data but the schema says it is never null; it must be nullable to be withheld", f, c)
		}
	}
	return nil
}

// SDL is Jaring's subgraph schema, printed: what graph/schema.graphql holds
// (`jaring schema`), what a gateway composes, and what a breaking change is
// measured against. It leaves out what is built in: GraphQL's scalars and
// introspection, and federation's own definitions (_entities, _service,
// _Any), which every subgraph has.
func SDL() string {
	var b strings.Builder
	formatter.NewFormatter(&b, formatter.WithIndent("  ")).FormatSchema(schema())
	return b.String()
}
