package server

import (
	"fmt"
	"strings"
	"testing"
)

// The operation label is bounded: whatever names callers send, at most
// maxOperationNames of them get a series each, none longer than
// maxOperationNameLen.
func TestOperationLabel(t *testing.T) {
	var n operationNames
	n.seen = map[string]bool{}
	long := strings.Repeat("A", 100)
	tests := []struct {
		name, want string
	}{
		{"", ""}, // anonymous
		{"HouseholdView", "HouseholdView"},
		{"_private2", "_private2"},
		// A long name is cut, so a name cannot carry a payload into memory.
		{long, long[:maxOperationNameLen]},
		// No GraphQL name: it never named an operation that ran.
		{"2fast", OtherOperation},
		{"a-b", OtherOperation},
		{`x"}`, OtherOperation},
		{"Rumah\u00e9", OtherOperation},
	}
	for _, tt := range tests {
		if got := n.label(tt.name); got != tt.want {
			t.Errorf("label(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	// A flood of made-up names: the first fill the table, the rest are
	// other, and the names already seen keep their label.
	for i := range 10 * maxOperationNames {
		n.label(fmt.Sprintf("Flood%d", i))
	}
	if len(n.seen) != maxOperationNames {
		t.Errorf("%d names kept, want at most %d", len(n.seen), maxOperationNames)
	}
	if got := n.label("NeverSeenBefore"); got != OtherOperation {
		t.Errorf("a new name past the bound = %q, want %q", got, OtherOperation)
	}
	if got := n.label("HouseholdView"); got != "HouseholdView" {
		t.Errorf("a name seen before the flood = %q, want its own label", got)
	}
}
