package verival_test

import (
	"os"
	"strings"
	"testing"

	"github.com/jaring-id/jaring/internal/registry"
	"github.com/jaring-id/jaring/internal/verival"
)

// docs/verival.md is what operators and integrators read: it states the
// reason matrix as the code keeps it, every status and every column of the
// export, and its sample header is the export's.
func TestChangeDocs(t *testing.T) {
	b, err := os.ReadFile("../../docs/verival.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	about := map[verival.Subject]string{verival.HouseholdOnly: "the household", verival.PersonOnly: "a member", verival.Either: "the household or a member"}
	for _, r := range verival.Rules {
		if row := "| `" + string(r.Reason) + "` | `" + string(r.Change) + "` | " + about[r.Subject] + " |"; !strings.Contains(doc, row) {
			t.Errorf("docs/verival.md lacks the matrix row %s", row)
		}
	}
	for _, s := range []registry.PersonStatus{registry.PersonActive, registry.PersonDeceased, registry.PersonMoved, registry.PersonRemoved} {
		if !strings.Contains(doc, "| `"+string(s)+"` |") {
			t.Errorf("docs/verival.md does not explain the person's status %s", s)
		}
	}
	for _, c := range verival.ExportColumns {
		if !strings.Contains(doc, "`"+c+"`") {
			t.Errorf("docs/verival.md does not describe the export's column %s", c)
		}
	}
	if !strings.Contains(doc, "\n"+strings.Join(verival.ExportColumns, ",")+"\n") {
		t.Error("docs/verival.md's sample export does not start with the export's header")
	}
}
