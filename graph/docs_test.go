package graph_test

import (
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"

	"github.com/jaring-id/jaring/graph"
)

// The GraphQL examples of the register changes' documentation are
// operations the schema takes, as written.
func TestVerivalDocsExamples(t *testing.T) {
	b, err := os.ReadFile("../docs/verival.md")
	if err != nil {
		t.Fatal(err)
	}
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	blocks := strings.Split(string(b), "```graphql\n")
	if len(blocks) < 3 {
		t.Fatalf("docs/verival.md has %d GraphQL examples, want one for propose and one for recordDeliberation at least", len(blocks)-1)
	}
	for _, block := range blocks[1:] {
		query, _, _ := strings.Cut(block, "```")
		if _, errs := gqlparser.LoadQueryWithRules(schema, query, nil); len(errs) > 0 {
			t.Errorf("docs/verival.md: an example does not validate: %v\n%s", errs, query)
		}
	}
	for _, op := range []string{"proposeRegisterChange(", "recordDeliberation(", "benefitsToReview(", "reviewBenefit("} {
		if !strings.Contains(string(b), op) {
			t.Errorf("docs/verival.md has no example of %s", op)
		}
	}
}
