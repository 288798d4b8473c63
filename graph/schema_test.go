package graph_test

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/jaring-id/jaring/graph"
)

// Every free-text argument and input field declares its maximum length
// (@length), which the limits check before anything runs: a new argument
// without one fails here.
func TestEveryStringHasALength(t *testing.T) {
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	isString := func(typ *ast.Type) bool {
		for typ.Elem != nil {
			typ = typ.Elem
		}
		return typ.NamedType == "String"
	}
	checked := 0
	for name, def := range s.Types {
		if strings.HasPrefix(name, "__") {
			continue
		}
		switch def.Kind {
		case ast.Object:
			for _, f := range def.Fields {
				if strings.HasPrefix(f.Name, "__") {
					continue
				}
				for _, a := range f.Arguments {
					if isString(a.Type) {
						checked++
						if a.Directives.ForName("length") == nil {
							t.Errorf("argument %s of %s.%s is a String without @length(max: …)", a.Name, name, f.Name)
						}
					}
				}
			}
		case ast.InputObject:
			if name == "HouseholdByKKsInput" || name == "PersonByNIKsInput" {
				// Federation's keys, which come as _Any representations,
				// never as these inputs; the services check each key.
				continue
			}
			for _, f := range def.Fields {
				if isString(f.Type) {
					checked++
					if f.Directives.ForName("length") == nil {
						t.Errorf("input field %s.%s is a String without @length(max: …)", name, f.Name)
					}
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("checked only %d string arguments: the walk over the schema is broken", checked)
	}
}
