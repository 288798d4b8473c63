package graph

import "testing"

// invalidUTF8At names the field that holds a body's first invalid byte.
func TestInvalidUTF8At(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		// In a value deep in the variables.
		{`{"query":"x","variables":{"input":[{"a":"ok"},{"name":"b` + "\xff" + `d"}]}}`, "variables.input[1].name"},
		{`{"query":"` + "\xff" + `"}`, "query"},
		// In a key: the key is named.
		{`{"variables":{"k` + "\xff" + `":1}}`, "variables.k\ufffd"},
		// Outside any string.
		{"\xff", "body"},
		{`{"a":[1,2,"` + "\xff" + `"]}`, "a[2]"},
	} {
		if got := invalidUTF8At([]byte(c.body)); got != c.want {
			t.Errorf("invalidUTF8At(%q) = %q, want %q", c.body, got, c.want)
		}
	}
}
