package donor

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

// TestCriterionListEncodes holds the list's own encoding to what
// encoding/json writes for the same codes, empty, one, many, and a value
// that is no criterion, and reads back what it wrote.
func TestCriterionListEncodes(t *testing.T) {
	for _, l := range []CriterionList{{}, {Registered}, criteria, {Registered, Criterion(`no "such" ✓`)}} {
		var got bytes.Buffer
		l.MarshalGQL(&got)
		want, err := json.Marshal(asStrings(l))
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != string(want) {
			t.Errorf("%v encodes as %s, want %s", l, got.String(), want)
		}
		var back []any
		if err := json.Unmarshal(got.Bytes(), &back); err != nil {
			t.Fatalf("%s is not JSON: %v", got.String(), err)
		}
		var read CriterionList
		err = read.UnmarshalGQL(back)
		if known := !slices.ContainsFunc(l, func(c Criterion) bool { return !slices.Contains(criteria, c) }); known != (err == nil) {
			t.Errorf("reading %s: %v", got.String(), err)
		} else if known && !slices.Equal(read, l) {
			t.Errorf("read %v back as %v", l, read)
		}
	}
	var l CriterionList
	if err := l.UnmarshalGQL("REGISTERED"); err == nil {
		t.Error("a string read as a list of criteria")
	}
}

func asStrings(l CriterionList) []string {
	s := make([]string, len(l))
	for i, c := range l {
		s[i] = string(c)
	}
	return s
}
