package graph_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/jaring-id/jaring/internal/authz"
)

// The README and the docs show GraphQL operations, each saying what it
// answers. Every one of them runs here, in the order of its file, on a fresh
// demo regency per file (the one `make run` seeds), as the caller the text
// names: an operation that errors where the text does not say it will, or
// whose answer lacks what the text beside it says it shows, fails.
//
// Each ```graphql block is preceded by one or more lines
//
//	<!-- example as="DINSOS approver" purpose="…" shows="Azhar Idris|BPNT" -->
//
// one per caller it is run as: as names a demo organisation and role (and a
// region prefix), purpose the X-Purpose sent ("none": none); errors lists the error codes
// the text says come back (none when absent); shows and hides are texts the
// answer's data must and must not contain, separated by |; vars are the
// variables, as JSON; fill="<placeholder>=QUERY@path" (and fill2, fill3)
// replaces a placeholder of the text by the value at path of QUERY's answer
// (fill="<placeholder>=today": by the server's today). A block that is not an
// operation (a schema) says <!-- example schema -->.
func TestDocumentedExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{filepath.Join("..", "README.md")}, files...)
	total := 0
	for _, file := range files {
		examples := readExamples(t, file)
		if len(examples) == 0 {
			continue
		}
		total += len(examples)
		t.Run(filepath.Base(file), func(t *testing.T) {
			e := newEnv(t)
			for _, ex := range examples {
				ex.run(t, e)
			}
		})
	}
	if total < 20 {
		t.Errorf("only %d examples found: the parser has lost them", total)
	}
}

// example is one run of a documented operation.
type example struct {
	where  string // file:line
	text   string
	schema bool
	attrs  map[string]string
}

var (
	exampleLine = regexp.MustCompile(`^<!-- example(.*)-->\s*$`)
	exampleAttr = regexp.MustCompile(`(\w+)=(?:"([^"]*)"|'([^']*)')`)
)

// readExamples returns the runs of file's graphql blocks, failing on a
// block that says nothing of how it is run.
func readExamples(t *testing.T, file string) []example {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var out []example
	var pending []map[string]string
	schema := false
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := exampleLine.FindStringSubmatch(line); m != nil {
			if strings.TrimSpace(m[1]) == "schema" {
				schema = true
				continue
			}
			attrs := map[string]string{}
			for _, a := range exampleAttr.FindAllStringSubmatch(m[1], -1) {
				attrs[a[1]] = a[2] + a[3]
			}
			pending = append(pending, attrs)
			continue
		}
		if strings.TrimSpace(line) != "```graphql" {
			if strings.TrimSpace(line) != "" {
				pending, schema = nil, false
			}
			continue
		}
		start := i + 1
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, lines[i])
		}
		where := fmt.Sprintf("%s:%d", filepath.Base(file), start)
		text := strings.Join(body, "\n")
		switch {
		case schema:
			if _, err := parser.ParseQuery(&ast.Source{Input: text}); err == nil {
				t.Errorf("%s: marked as a schema, but it is an operation: say how it is run", where)
			}
			out = append(out, example{where: where, text: text, schema: true})
		case len(pending) == 0:
			t.Errorf("%s: a graphql block without <!-- example as=\"…\" --> before it: say who runs it and what it shows", where)
		}
		for _, attrs := range pending {
			out = append(out, example{where: where, text: text, attrs: attrs})
		}
		pending, schema = nil, false
	}
	return out
}

func (ex example) run(t *testing.T, e *env) {
	t.Helper()
	if ex.schema {
		return
	}
	as := ex.attrs["as"]
	who := strings.Fields(as)
	if len(who) < 2 {
		t.Errorf("%s: as=%q: want an organisation and a role", ex.where, as)
		return
	}
	region := ""
	if len(who) > 2 {
		region = who[2]
	}
	p := e.as(t, who[0], region, authz.Role(who[1]))
	purpose := ex.attrs["purpose"]
	switch purpose {
	case "":
		purpose = "contoh dokumentasi"
	case "none":
		purpose = "" // the example is run without X-Purpose
	}
	text := ex.text
	for _, key := range []string{"fill", "fill2", "fill3"} {
		fill := ex.attrs[key]
		if fill == "" {
			continue
		}
		placeholder, rest, _ := strings.Cut(fill, "=")
		if rest == "today" { // the day the server takes for today
			text = strings.ReplaceAll(text, placeholder, fixedNow().Format(time.DateOnly))
			continue
		}
		query, path, _ := strings.Cut(rest, "@")
		r := e.ask(t, p, purpose, query, nil)
		v := at(r.Data, path)
		s, ok := v.(string)
		if !ok {
			t.Errorf("%s: fill %s: nothing at %s of %s (%v)", ex.where, placeholder, path, mustJSON(r.Data), r.Errors)
			return
		}
		if !strings.Contains(text, placeholder) {
			t.Errorf("%s: fill: the text has no %s", ex.where, placeholder)
		}
		text = strings.ReplaceAll(text, placeholder, s)
	}
	var vars map[string]any
	if v := ex.attrs["vars"]; v != "" {
		if err := json.Unmarshal([]byte(v), &vars); err != nil {
			t.Errorf("%s: vars: %v", ex.where, err)
			return
		}
	}
	r := e.ask(t, p, purpose, text, vars)
	label := ex.where + " as " + as
	want := map[string]bool{}
	for _, c := range strings.Split(ex.attrs["errors"], ",") {
		if c = strings.TrimSpace(c); c != "" {
			want[c] = true
		}
	}
	got := map[string]bool{}
	for _, er := range r.Errors {
		got[er.Extensions.Code] = true
		if !want[er.Extensions.Code] {
			t.Errorf("%s: error %s at %v: %s (the text does not say it errors so)", label, er.Extensions.Code, er.Path, er.Message)
		}
	}
	for c := range want {
		if !got[c] {
			t.Errorf("%s: the text says it answers %s; it did not (%s)", label, c, r.codes())
		}
	}
	data := mustJSON(r.Data)
	for _, s := range splitList(ex.attrs["shows"]) {
		if !strings.Contains(data, s) {
			t.Errorf("%s: the answer does not show %q: %.600s", label, s, data)
		}
	}
	for _, s := range splitList(ex.attrs["hides"]) {
		if strings.Contains(data, s) {
			t.Errorf("%s: the answer shows %q, which the text says it does not", label, s)
		}
	}
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, "|") {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// at is the value at a dotted path ("referralInbox.edges.0.node.id") of v.
func at(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			var i int
			if _, err := fmt.Sscan(k, &i); err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}
