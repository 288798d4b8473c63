package graph_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/hub"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// introspected is the schema as introspection tells it.
type introspected struct {
	types map[string]*itype
}

type itype struct {
	Name          string
	Kind          string
	PossibleTypes []struct{ Name string }
	Fields        []struct {
		Name string
		Args []struct {
			Name string
			Type typeRef
		}
		Type typeRef
	}
}

type typeRef struct {
	Kind   string
	Name   *string
	OfType *typeRef
}

// base is the named type under any list and non-null wrappers.
func (t typeRef) base() (string, string) {
	for t.Name == nil && t.OfType != nil {
		t = *t.OfType
	}
	return *t.Name, t.Kind
}

func introspect(t *testing.T, e *env) *introspected {
	t.Helper()
	_, body := e.post(t, `{ __schema { types { name kind possibleTypes { name } fields { name args { name type { kind name ofType { kind name ofType { kind name } } } }
		type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`, nil)
	var resp struct {
		Data struct {
			Schema struct{ Types []*itype } `json:"__schema"`
		}
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	in := &introspected{types: map[string]*itype{}}
	for _, ty := range resp.Data.Schema.Types {
		in.types[ty.Name] = ty
	}
	return in
}

// node is a selection: the field it selects on its parent type, and its
// children.
type node struct {
	field    string // "Person.nik"
	name     string
	children []*node
}

// selection selects every field of typ, down to depth levels, letting a
// type recur at most twice on a path, and leaving out the types in skip.
func (in *introspected) selection(typ string, depth int, path map[string]int, skip map[string]bool) []*node {
	var out []*node
	path[typ]++
	defer func() { path[typ]-- }()
	for _, f := range in.types[typ].Fields {
		required := false
		for _, a := range f.Args {
			required = required || a.Type.Kind == "NON_NULL"
		}
		if required || strings.HasPrefix(f.Name, "__") {
			continue
		}
		base, kind := f.Type.base()
		n := &node{field: typ + "." + f.Name, name: f.Name}
		if kind == "OBJECT" {
			if depth == 0 || path[base] >= 2 || skip[base] {
				continue
			}
			n.children = in.selection(base, depth-1, path, skip)
			if len(n.children) == 0 {
				continue
			}
		}
		out = append(out, n)
	}
	return out
}

func render(ns []*node) string {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString(n.name)
		if len(n.children) > 0 {
			b.WriteString(" { " + render(n.children) + " }")
		}
		b.WriteString(" ")
	}
	return b.String()
}

// seen is what a walk found: for each field, each value and whether an
// error stood at its path.
type seen struct {
	field  string
	path   string
	value  any
	err    string         // the error code at the path, "" for none
	parent map[string]any // the object the field is of
}

func walk(ns []*node, v any, path string, errs map[string]string, out *[]seen) {
	switch v := v.(type) {
	case []any:
		for i, x := range v {
			walk(ns, x, fmt.Sprintf("%s.%d", path, i), errs, out)
		}
	case map[string]any:
		for _, n := range ns {
			p := path + "." + n.name
			x, asked := v[n.name]
			if !asked {
				continue
			}
			*out = append(*out, seen{field: n.field, path: p, value: x, err: errs[p], parent: v})
			if x != nil && len(n.children) > 0 {
				walk(n.children, x, p, errs, out)
			}
		}
	}
}

var (
	maskedNumber = regexp.MustCompile(`^\d{4}\*+\d{4}$`)
	maskedName   = regexp.MustCompile(`^([A-Z]\.( |$))+$`)
)

// TestFieldPolicyWalk asks every field of the schema, found by
// introspection, as every demo role, and compares what comes back with the
// permissions matrix: clear, masked, or withheld with a FORBIDDEN error at
// the field's path. A field the policy does not class fails it.
func TestFieldPolicyWalk(t *testing.T) {
	// The walk asks every field five deep, far beyond what a query may ask
	// in production: the limits are not what it tests.
	e := newEnvWith(t, func(c *hub.Config) { c.Limits = graph.Limits{MaxDepth: 30, MaxComplexity: 1 << 40, MaxAliases: 100} })
	in := introspect(t, e)
	policy := e.policy.Policy()

	// Every field the schema has is classed, and nullable if it is not public.
	var all []string
	for name, ty := range in.types {
		if ty.Kind != "OBJECT" || name == "Query" || name == "Mutation" || strings.HasPrefix(name, "__") || name == "_Service" || name == "Entity" {
			continue // federation's machinery carries no rows (graph.Fields)
		}
		for _, f := range ty.Fields {
			field := name + "." + f.Name
			all = append(all, field)
			class, ok := policy.Class(field)
			if !ok {
				t.Errorf("field %s has no class in policy/policy.csv", field)
			}
			if class != authz.Public && f.Type.Kind == "NON_NULL" {
				t.Errorf("field %s is %s data and non-null: withholding it would blank its parent", field, class)
			}
		}
	}
	if err := graph.CheckPolicy(policy); err != nil {
		t.Error(err)
	}

	// Households of adults only: a child's fields follow another rule (TestChildren).
	adults := `NOT EXISTS (SELECT 1 FROM person c WHERE c.household_id = h.id AND c.birth_date > DATE '2008-06-30')`
	regencyKK := e.scalar(t, `SELECT h.kk FROM household h WHERE `+adults+`
		AND EXISTS (SELECT 1 FROM referral r WHERE r.household_id = h.id AND r.status = 'FULFILLED')
		AND EXISTS (SELECT 1 FROM benefit b WHERE b.household_id = h.id AND b.channel <> '')
		AND EXISTS (SELECT 1 FROM benefit b WHERE b.household_id = h.id AND b.person_id IS NULL AND b.status = 'ACTIVE') ORDER BY h.id LIMIT 1`)
	// A supervisor approves a second benefit of a kind the household holds:
	// an override, and a conflict, for the walk to read.
	held := e.scalar(t, `SELECT p.code || '|' || lower(b.period) FROM benefit b JOIN program p ON p.id = b.program_id JOIN household h ON h.id = b.household_id
		WHERE h.kk = '`+regencyKK+`' AND b.person_id IS NULL AND b.status = 'ACTIVE' ORDER BY b.id LIMIT 1`)
	program, start, _ := strings.Cut(held, "|")
	payer := e.scalar(t, `SELECT o.code FROM benefit b JOIN organisation o ON o.id = b.payer_id JOIN program p ON p.id = b.program_id
		JOIN household h ON h.id = b.household_id WHERE h.kk = '`+regencyKK+`' AND p.code = '`+program+`' LIMIT 1`)
	supervisor := e.as(t, payer, "", authz.RoleSupervisor)
	r := e.ask(t, supervisor, "walk", `mutation($kk: String!, $p: String!, $start: Date!) { recordBenefits(input: [{kk: $kk, program: $p, amount: 1,
		period: {start: $start}, externalRef: "WALK-OVERRIDE", override: "Bencana banjir: tambahan darurat disetujui kepala dinas"}]) { status } }`,
		map[string]any{"kk": regencyKK, "p": program, "start": start})
	if got := mustJSON(r.Data); !strings.Contains(got, "RECORDED") {
		t.Fatalf("override for the walk: %s %v", got, r.Errors)
	}
	arrangeDataIssues(t, e)
	verivalData(t, e) // proposals, deliberations and reviews to read
	kobaKK := e.scalar(t, `SELECT h.kk FROM household h WHERE `+adults+` AND h.region_code LIKE '19.04.01.%'
		AND EXISTS (SELECT 1 FROM application a WHERE a.household_id = h.id) ORDER BY h.id LIMIT 1`)
	donorKK := e.scalar(t, `SELECT h.kk FROM household h JOIN referral r ON r.household_id = h.id
		JOIN organisation o ON o.id = r.to_id AND o.code = 'CSR-A' WHERE `+adults+` ORDER BY h.id LIMIT 1`)

	// What the walk asks of each root field, and checks in its answer.
	sel := func(typ string, depth int, skip ...string) []*node {
		skipped := map[string]bool{}
		for _, t := range skip {
			skipped[t] = true
		}
		return in.selection(typ, depth, map[string]int{}, skipped)
	}
	selections := map[string][]*node{
		"household":      sel("Household", 5),
		"person":         sel("Person", 3),
		"auditTrail":     sel("AuditEventConnection", 3),
		"programs":       sel("Program", 3),
		"kinds":          sel("BenefitKind", 1),
		"region":         sel("Region", 4),
		"households":     sel("HouseholdConnection", 3, "Person"),
		"recordBenefits": sel("BenefitResult", 2),
		"checkAid":       sel("Clash", 3),
		"overrides":      sel("BenefitConnection", 3),
		"exclusions":     sel("ProgramExclusion", 3),
		"referralInbox":  sel("ReferralConnection", 3),
		"donorPrograms":  sel("DonorProgram", 3),
		"programReach":   sel("ProgramReach", 3),
		"eligibility":    sel("EligibilityAnswer", 1),
		"dataIssues":     sel("DataIssueConnection", 4),
		"importBenefits": sel("ImportReport", 2),
		// Register changes (verival), arranged by verivalData.
		"registerChanges":  sel("RegisterChangeConnection", 4),
		"benefitsToReview": sel("BenefitReviewConnection", 4),
		// What the caller may run and see: checked below against what the walk saw.
		"me": sel("Me", 3),
	}
	csrA := e.scalar(t, `SELECT program_id::text FROM donor_program d JOIN organisation o ON o.id = d.donor_id WHERE o.code = 'CSR-A'`)
	type query struct{ root, text string }
	// One query per root field, each within the complexity limit.
	queries := func(kk string) []query {
		nik := e.scalar(t, `SELECT p.nik FROM person p JOIN household h ON h.id = p.household_id WHERE h.kk = '`+kk+`' ORDER BY p.id LIMIT 1`)
		// Something on the trail of that person, for auditTrail to show.
		e.postAs(t, e.auditor(t), "walk", `{ person(nik: "`+nik+`") { name } }`, nil)
		var qs []query
		// The household, a field at a time: all of it at once is more than a query may ask.
		for _, n := range selections["household"] {
			qs = append(qs, query{"household", fmt.Sprintf(`{ household(kk: %q) { %s } }`, kk, render([]*node{n}))})
		}
		// Federation's by-key path to the same household and person, as
		// a gateway asks for them: _entities answers as household and
		// person do, field for field.
		for _, n := range selections["household"] {
			qs = append(qs, query{"_entities:household", fmt.Sprintf(`{ _entities(representations: [{__typename: "Household", kk: %q}]) { ... on Household { %s } } }`,
				kk, render([]*node{n}))})
		}
		qs = append(qs, query{"_entities:person", fmt.Sprintf(`{ _entities(representations: [{__typename: "Person", nik: %q}]) { ... on Person { %s } } }`,
			nik, render(selections["person"]))})
		heads := map[string]string{
			"person":         fmt.Sprintf(`person(nik: %q)`, nik),
			"auditTrail":     fmt.Sprintf(`auditTrail(nik: %q)`, nik),
			"programs":       `programs`,
			"kinds":          `kinds`,
			"region":         `region(code: "19.04.01.2003")`,
			"households":     `households(first: 2)`,
			"checkAid":       fmt.Sprintf(`checkAid(kk: %q, kind: "FOOD", period: {start: "2026-01-01", end: "2026-12-31"})`, kk),
			"overrides":      `overrides`,
			"exclusions":     `exclusions`,
			"referralInbox":  `referralInbox(first: 3)`,
			"donorPrograms":  `donorPrograms`,
			"programReach":   fmt.Sprintf(`programReach(program: %q)`, csrA),
			"eligibility":    fmt.Sprintf(`eligibility(program: %q, kk: %q)`, csrA, kk),
			"recordBenefits": `recordBenefits(input: [{nik: "1904011213850001", program: "PIP", amount: 1, period: {start: "2026-01-01"}, externalRef: "WALK"}])`,
			"dataIssues":     `dataIssues(first: 10)`,
			"importBenefits": `importBenefits(file: $file, dryRun: true)`,
			// Register changes (verival), arranged by verivalData.
			"registerChanges":  `registerChanges(first: 5)`,
			"benefitsToReview": `benefitsToReview(first: 5)`,
			"me":               `me`,
		}
		for root, head := range heads {
			text := "{ " + head + " { " + render(selections[root]) + " } }"
			switch root {
			case "recordBenefits":
				text = "mutation " + text
			case "importBenefits":
				text = "mutation($file: Upload!) " + text
			}
			qs = append(qs, query{root, text})
		}
		return qs
	}

	columns := []struct {
		col authz.Column
		org string
		kk  string
	}{
		{authz.DemoColumns[0], "SILAKSO", regencyKK},
		{authz.DemoColumns[1], "SILAKSO", regencyKK},
		{authz.DemoColumns[2], "SILAKSO", regencyKK},
		{authz.DemoColumns[3], "SILAKSO", regencyKK},
		{authz.DemoColumns[4], "DINKES", regencyKK},
		{authz.DemoColumns[5], "DINSOS", regencyKK},
		{authz.DemoColumns[6], "DINSOS", regencyKK},
		{authz.DemoColumns[7], "DESA", kobaKK},
		{authz.DemoColumns[8], "DESA", kobaKK},
		{authz.DemoColumns[9], "CSR-A", donorKK},
		{authz.DemoColumns[10], "INSPEKTORAT", regencyKK},
	}
	covered := map[string]bool{}
	for _, c := range columns {
		t.Run(c.col.Label, func(t *testing.T) {
			p := e.as(t, c.org, c.col.Principal.Region, c.col.Principal.Roles...)
			d := policy.Decide(p)
			var got []seen
			for _, q := range queries(c.kk) {
				var body []byte
				if q.root == "importBenefits" {
					_, body = e.upload(t, p, "walk", q.text, nil, "file", "walk.csv", benefitsHeader+"\n"+c.kk+",,NOPE,1,2026-01-01,,,WALK-1,,\n")
				} else {
					_, body = e.postAs(t, p, "walk", q.text, nil)
				}
				var resp struct {
					Data   map[string]any
					Errors []struct {
						Message    string
						Path       []any
						Extensions struct{ Code string }
					}
				}
				if err := json.Unmarshal(body, &resp); err != nil {
					t.Fatalf("%v: %s", err, body)
				}
				errs := map[string]string{}
				for _, er := range resp.Errors {
					var parts []string
					for _, x := range er.Path {
						parts = append(parts, fmt.Sprint(x))
					}
					errs["."+strings.Join(parts, ".")] = er.Extensions.Code
				}
				op := "Query." + q.root
				if q.root == "recordBenefits" || q.root == "importBenefits" {
					op = "Mutation." + q.root
				}
				if byKey, ok := strings.CutPrefix(q.root, "_entities:"); ok {
					// One entity asked: checked as the root that finds it by key.
					op = "Query." + byKey
					list, _ := resp.Data["_entities"].([]any)
					if len(list) != 1 {
						t.Errorf("_entities for %s: %v (errors %v)", byKey, resp.Data["_entities"], errs)
						continue
					}
					if !d.MayRun(op) {
						if list[0] != nil || errs["._entities"] != string(jaring.EFORBIDDEN) {
							t.Errorf("_entities for %s: the role may not run %s, but got %v (error %q)", byKey, op, list[0], errs["._entities"])
						}
						continue
					}
					if list[0] == nil {
						t.Errorf("_entities for %s: null (errors %v)", byKey, errs)
						continue
					}
					walk(selections[byKey], list[0], "._entities.0", errs, &got)
					continue
				}
				if !d.MayRun(op) {
					if resp.Data[q.root] != nil || errs["."+q.root] != string(jaring.EFORBIDDEN) {
						t.Errorf("%s: the role may not run it, but got %v (error %q)", op, resp.Data[q.root], errs["."+q.root])
					}
					continue
				}
				if resp.Data[q.root] == nil {
					t.Errorf("%s: no data (errors %v): %s", op, errs, body[:min(len(body), 300)])
					continue
				}
				walk(selections[q.root], resp.Data[q.root], "."+q.root, errs, &got)
			}
			// What me says the role sees: each field the walk reads must
			// come back as me says, so that me cannot drift from what is
			// enforced (the walk reads adults' rows: me's level for them).
			told := askMe(t, e, p, "walk").sights()
			counts := map[authz.Level]int{}
			for _, s := range got {
				covered[s.field] = true
				want := d.See(s.field, walkSubject(t, e, s))
				if m := told[s.field]; m == nil || m.level != want {
					t.Errorf("%s: me does not list it %s, as the walk saw it", s.field, want)
				}
				counts[want]++
				switch want {
				case authz.Withheld:
					if s.value != nil || s.err != string(jaring.EFORBIDDEN) {
						t.Errorf("%s at %s: want withheld (null, FORBIDDEN), got %v (error %q)", s.field, s.path, s.value, s.err)
					}
				case authz.Masked:
					str, _ := s.value.(string)
					// An empty value masked is empty: it tells nothing.
					if s.err != "" || (s.value != nil && str != "" && !maskedNumber.MatchString(str) && !maskedName.MatchString(str) && !maskedList(s.value)) {
						t.Errorf("%s at %s: want masked, got %v (error %q)", s.field, s.path, s.value, s.err)
					}
				case authz.Clear:
					str, _ := s.value.(string)
					if s.err != "" || (str != "" && maskedNumber.MatchString(str)) {
						t.Errorf("%s at %s: want clear, got %v (error %q)", s.field, s.path, s.value, s.err)
					}
				}
			}
			if counts[authz.Clear] < 100 {
				t.Errorf("the walk saw only %d values in clear: it did not reach the data", counts[authz.Clear])
			}
			t.Logf("%d values: %d clear, %d masked, %d withheld", len(got), counts[authz.Clear], counts[authz.Masked], counts[authz.Withheld])
		})
	}
	// The walk reached every field of the schema.
	sort.Strings(all)
	for _, f := range all {
		if !covered[f] {
			t.Errorf("the walk never reached %s: extend its queries", f)
		}
	}
}

func maskedList(v any) bool {
	list, ok := v.([]any)
	if !ok {
		return false
	}
	for _, x := range list {
		if s, _ := x.(string); !maskedNumber.MatchString(s) {
			return false
		}
	}
	return true
}

// walkSubject is whom the field at s is about, where a rule depends on it:
// a data issue's NIK is a child's when the NIK says so, or does not parse
// (the guarded reading). The walk's households are of adults only.
func walkSubject(t *testing.T, e *env, s seen) authz.Subject {
	if s.field != "DataIssue.nik" {
		return authz.Subject{}
	}
	id, _ := s.parent["id"].(string)
	if id == "" {
		t.Fatalf("%s: the walk asks DataIssue.nik without the issue's id", s.path)
	}
	nik := e.scalar(t, `SELECT coalesce(nik, '') FROM data_issue WHERE id = `+id)
	if nik == "" {
		return authz.Subject{}
	}
	n, err := registry.ParseNIK(nik)
	if err != nil {
		return authz.Subject{Child: true}
	}
	return authz.SubjectBorn(n.BirthDate, fixedNow())
}
