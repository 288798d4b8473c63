package verival

import (
	"slices"
	"strings"
	"testing"
)

// docs/imports.md is what operators read: it explains every reason code and
// every column, and what it says of the sample files holds.
func TestDocs(t *testing.T) {
	doc := readFile(t, "../../docs/imports.md")
	for _, r := range Reasons() {
		if !strings.Contains(doc, "| `"+string(r)+"` |") {
			t.Errorf("docs/imports.md has no row for reason %s", r)
		}
	}
	for _, cols := range [][]column{registerColumns, benefitColumns} {
		for _, c := range cols {
			if !strings.Contains(doc, "`"+c.name+"`") {
				t.Errorf("docs/imports.md does not describe column %s", c.name)
			}
		}
	}
	if !strings.Contains(doc, "\n## Running an import\n") {
		t.Error("docs/imports.md lacks the heading for the import command")
	}
	// The examples are lines of the samples, so they read as the samples
	// do: every block that starts with a header holds lines of its sample.
	samples := map[string]string{registerHeader: "testdata/register-sample.txt", benefitHeader: "testdata/benefits-sample.csv"}
	shown := make(map[string]bool)
	blocks := strings.Split(doc, "```")
	for i := 1; i < len(blocks); i += 2 {
		lines := strings.Split(strings.TrimPrefix(blocks[i], "\n"), "\n")
		sample, ok := samples[lines[0]]
		if !ok {
			continue
		}
		if len(lines) > 2 {
			shown[sample] = true
		}
		file := strings.Split(readFile(t, sample), "\n")
		for _, l := range lines {
			if l != "" && !slices.Contains(file, l) {
				t.Errorf("docs/imports.md shows a line that is not in %s:\n%s", sample, l)
			}
		}
	}
	for _, sample := range samples {
		if shown[sample] {
			continue
		}
		t.Errorf("docs/imports.md has no example from %s", sample)
	}
}
