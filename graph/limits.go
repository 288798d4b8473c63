package graph

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/jaring-id/jaring/internal/jaring"
)

// Limits bound what one request may ask for. They are checked after the
// query is parsed and validated and before anything runs, so a query over a
// limit costs the server nothing but the check.
type Limits struct {
	// MaxDepth is the deepest nesting of fields (a root field is 1).
	MaxDepth int
	// MaxComplexity bounds the fields a query may resolve, as estimated:
	// each field counts 1, and a field's children count as many times as the
	// list it returns may hold (a page's first, or ListSizes).
	MaxComplexity int
	// MaxAliases bounds the fields asked for under another name, the way to
	// ask for one expensive field many times.
	MaxAliases int
}

// DefaultLimits are the limits unless configured: room for every query of
// the README and the dashboards, and none for a query that nests lists
// within lists to make the server build millions of values.
var DefaultLimits = Limits{MaxDepth: 10, MaxComplexity: 20_000, MaxAliases: 30}

// maxIntrospectionDepth is the nesting allowed under __schema and __type:
// the standard introspection query of GraphiQL and Apollo nests TypeRef's
// ofType seven deep.
const maxIntrospectionDepth = 15

// ListSizes are the estimated lengths of the lists a field returns, for the
// complexity of a query: a household has some members, its ledger more
// benefits. A list field not named here counts as defaultListSize.
var ListSizes = map[string]int{
	"Household.members":      10,
	"Household.benefits":     20,
	"Household.applications": 5,
	"Household.referrals":    10,
	"Household.conflicts":    5,
	"Person.benefits":        10,
	"Application.referrals":  5,
	"Conflict.benefits":      2,
}

const defaultListSize = 10

// limitsExtension checks a Limits and every string argument before an
// operation runs.
type limitsExtension struct{ limits Limits }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = limitsExtension{}

func (limitsExtension) ExtensionName() string                   { return "JaringLimits" }
func (limitsExtension) Validate(graphql.ExecutableSchema) error { return nil }
func (e limitsExtension) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := &walker{doc: oc.Doc, vars: oc.Variables}
	cost, err := w.selections(oc.Operation.SelectionSet, 1, false)
	if err == nil {
		err = w.check(e.limits, cost)
	}
	if err != nil {
		return &gqlerror.Error{Message: jaring.ErrorMessage(err), Err: err}
	}
	return nil
}

// walker walks an operation's selections, fragments included, adding up
// its depth, complexity and aliases, and checking every string argument.
type walker struct {
	doc     *ast.QueryDocument
	vars    map[string]any
	depth   int
	idepth  int
	aliases int
}

func (w *walker) check(l Limits, cost int) error {
	switch {
	case w.depth > l.MaxDepth:
		return jaring.Limited("depth", "The query nests fields %d deep; at most %d are allowed. Ask for the nested rows in a query of their own.", w.depth, l.MaxDepth)
	case w.idepth > maxIntrospectionDepth:
		return jaring.Limited("depth", "The introspection query nests fields %d deep; at most %d are allowed.", w.idepth, maxIntrospectionDepth)
	case cost > l.MaxComplexity:
		return jaring.Limited("complexity", "The query may resolve about %d fields (each list counted as long as it may be); at most %d are allowed. Ask for fewer fields, smaller pages, or less nesting.", cost, l.MaxComplexity)
	case w.aliases > l.MaxAliases:
		return jaring.Limited("aliases", "The query uses %d aliases; at most %d are allowed.", w.aliases, l.MaxAliases)
	}
	return nil
}

// selections returns the complexity of set at depth, and checks its
// arguments; within introspection no list is multiplied.
func (w *walker) selections(set ast.SelectionSet, depth int, introspection bool) (int, error) {
	total := 0
	for _, sel := range set {
		var cost int
		var err error
		switch s := sel.(type) {
		case *ast.Field:
			cost, err = w.field(s, depth, introspection)
		case *ast.InlineFragment:
			cost, err = w.selections(s.SelectionSet, depth, introspection)
		case *ast.FragmentSpread:
			if f := w.doc.Fragments.ForName(s.Name); f != nil {
				cost, err = w.selections(f.SelectionSet, depth, introspection)
			}
		}
		if err != nil {
			return 0, err
		}
		total += cost
	}
	return total, nil
}

func (w *walker) field(f *ast.Field, depth int, introspection bool) (int, error) {
	if f.Alias != "" && f.Alias != f.Name {
		w.aliases++
	}
	introspection = introspection || strings.HasPrefix(f.Name, "__")
	if introspection {
		w.idepth = max(w.idepth, depth)
	} else {
		w.depth = max(w.depth, depth)
	}
	if f.Definition == nil {
		return 1, nil // __typename, which validation allows everywhere
	}
	args := f.ArgumentMap(w.vars)
	for _, def := range f.Definition.Arguments {
		if err := w.value(def.Name, def.Type, def.Directives, args[def.Name]); err != nil {
			return 0, err
		}
	}
	children, err := w.selections(f.SelectionSet, depth+1, introspection)
	if err != nil {
		return 0, err
	}
	if introspection {
		return 1 + children, nil
	}
	return 1 + w.size(f, args)*children, nil
}

// size is how many times a field's children count: the page size of a
// paged field, the estimated length of a list, or once.
func (w *walker) size(f *ast.Field, args map[string]any) int {
	if first, ok := args["first"]; ok {
		if n, ok := asInt(first); ok && n >= 0 {
			return max(n, 1)
		}
		return jaring.DefaultPageSize
	}
	if f.Definition.Type.Elem == nil {
		return 1
	}
	if f.ObjectDefinition != nil && strings.HasSuffix(f.ObjectDefinition.Name, "Connection") {
		return 1 // edges: the connection's first has counted them
	}
	if f.Name == "_entities" {
		if reps, ok := args["representations"].([]any); ok {
			return max(len(reps), 1)
		}
	}
	if f.ObjectDefinition != nil {
		if n, ok := ListSizes[f.ObjectDefinition.Name+"."+f.Name]; ok {
			return n
		}
	}
	return defaultListSize
}

func asInt(v any) (int, bool) {
	switch v := v.(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case float64:
		return int(v), true
	case string:
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	return 0, false
}

// value checks one argument or input field, at path, against its type: a
// string is UTF-8 text without NUL characters and no longer than its
// @length; lists and input objects are checked element by element.
func (w *walker) value(path string, typ *ast.Type, dirs ast.DirectiveList, v any) error {
	if v == nil || typ == nil {
		return nil
	}
	if typ.Elem != nil {
		list, ok := v.([]any)
		if !ok { // a single value given for a list is coerced to one
			return w.value(path, typ.Elem, dirs, v)
		}
		for i, x := range list {
			if err := w.value(fmt.Sprintf("%s[%d]", path, i), typ.Elem, dirs, x); err != nil {
				return err
			}
		}
		return nil
	}
	switch v := v.(type) {
	case string:
		return checkText(path, v, dirs)
	case map[string]any:
		def := w.definition(typ.NamedType)
		if def == nil || def.Kind != ast.InputObject {
			return nil
		}
		for _, f := range def.Fields {
			if err := w.value(path+"."+f.Name, f.Type, f.Directives, v[f.Name]); err != nil {
				return err
			}
		}
	}
	return nil
}

// definition returns the schema's definition of the named type.
func (w *walker) definition(name string) *ast.Definition {
	return schemaDefinitions()[name]
}

// checkText is the rule for every string a caller sends: valid UTF-8, no
// NUL (which PostgreSQL refuses) and no longer than the field's @length.
func checkText(path, s string, dirs ast.DirectiveList) error {
	if !utf8.ValidString(s) {
		return jaring.Invalid(path, "is not valid UTF-8 text")
	}
	if strings.ContainsRune(s, 0) {
		return jaring.Invalid(path, "contains a NUL character")
	}
	if d := dirs.ForName("length"); d != nil {
		if a := d.Arguments.ForName("max"); a != nil {
			if max, err := strconv.Atoi(a.Value.Raw); err == nil {
				if n := utf8.RuneCountInString(s); n > max {
					return jaring.Invalid(path, "has %d characters, at most %d", n, max)
				}
			}
		}
	}
	return nil
}
