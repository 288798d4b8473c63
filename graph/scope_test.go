package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/hub"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
)

// scopeTargets are the types whose rows carry a household's data: no path
// of the schema may return one outside its caller's scope.
var scopeTargets = map[string]bool{"Household": true, "Person": true, "Benefit": true, "Application": true, "Referral": true, "AuditEvent": true,
	"DataIssue": true, "RegisterChange": true, "Deliberation": true, "BenefitReview": true}

// scopeDepth is how many object types deep the scope walk goes below each
// root field; connections and their edges are passed through uncounted.
const scopeDepth = 4

// scopeRole is a scoped caller of the walk and its scope written out
// independently of the code under test, as docs/access.md states it: SQL
// predicates over household h, referral r, application a and benefit
// review v.
type scopeRole struct {
	label                            string
	org, region                      string
	roles                            []authz.Role
	household, referral, application string
	dataIssue                        string // over data_issue d
	review                           string
}

// scopeRoles are the callers whose scope is narrower than the regency.
func scopeRoles() []scopeRole {
	org := func(code string) string { return `(SELECT id FROM organisation WHERE code = '` + code + `')` }
	inRegion := func(prefix string) string {
		return `(h.region_code = '` + prefix + `' OR h.region_code LIKE '` + prefix + `.%')`
	}
	own := func(code string) (string, string) {
		o := org(code)
		return `(r.to_id = ` + o + ` OR r.from_id = ` + o + `)`,
			`(a.submitted_by_id = ` + o + ` OR EXISTS (SELECT 1 FROM referral x WHERE x.application_id = a.id AND (x.to_id = ` + o + ` OR x.from_id = ` + o + `)))`
	}
	referred := func(code string) string {
		return `EXISTS (SELECT 1 FROM referral x WHERE x.household_id = h.id AND x.to_id = ` + org(code) + `)`
	}
	var roles []scopeRole
	add := func(label, code, region string, household string, allReferrals bool, rs ...authz.Role) {
		ref, app := own(code)
		// A payer sees the reviews of what it pays; an auditor all.
		review := `(SELECT b.payer_id FROM benefit b WHERE b.id = v.benefit_id) = ` + org(code)
		if allReferrals {
			ref, app, review = "true", "true", "true"
		}
		// A data issue: of the region, or of a file the organisation
		// imported; a donor sees only its own files'.
		issue := `(d.org_id = ` + org(code) + ` OR d.region_code = '` + region + `' OR d.region_code LIKE '` + region + `.%')`
		if region == "" {
			issue = `d.org_id = ` + org(code)
		}
		roles = append(roles, scopeRole{label, code, region, rs, household, ref, app, issue, review})
	}
	add("village token 19.04.01", "DESA", "19.04.01", inRegion("19.04.01"), false, authz.RoleApprover)
	add("village token 19.04.01.2003", "DESA", "19.04.01.2003", inRegion("19.04.01.2003"), false, authz.RoleOperator)
	add("agency limited to 19.04.02", "DINSOS", "19.04.02", inRegion("19.04.02"), false, authz.RoleApprover)
	add("auditor limited to 19.04.02", "INSPEKTORAT", "19.04.02", inRegion("19.04.02"), true, authz.RoleAuditor)
	add("donor CSR-A", "CSR-A", "", referred("CSR-A"), false, authz.RoleDonor)
	add("donor CSR-B", "CSR-B", "", referred("CSR-B"), false, authz.RoleDonor)
	return roles
}

// scopeData arranges rows on both sides of every boundary the roles draw:
// a household of 19.04.01 and one of 19.04.02 referred to the village
// organisation (which serves the whole regency), the oldest in its inbox; an
// applicant living in another district; a household referred to both
// donors; overrides in two districts; an audit event naming households of
// two districts.
func scopeData(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	_, err := e.owner.Pool.Exec(ctx, `
		WITH picked AS (
			SELECT DISTINCT ON (g) g, h.id, h.region_code, p.id AS applicant, p.nik
			FROM household h JOIN person p ON p.household_id = h.id AND p.relationship = 'HEAD',
				LATERAL (SELECT CASE WHEN h.region_code = '19.04.01.2003' THEN 'V' ELSE substr(h.region_code, 7, 2) END AS g) x
			WHERE h.region_code LIKE '19.04.01.%' OR h.region_code LIKE '19.04.02.%'
			ORDER BY g, h.id)
		INSERT INTO application (number, household_id, region_code, applicant_id, applicant_nik, type, kind_code, description, status, submitted_by_id, submitted_at)
		SELECT 'SCOPE-' || g, id, region_code, applicant, nik, 'AID_REQUEST', 'CASH_LIVING', 'BLT Dana Desa',
			'REFERRED', (SELECT id FROM organisation WHERE code = 'SILAKSO'), '2020-01-01'
		FROM picked;
		INSERT INTO referral (application_id, household_id, region_code, from_id, to_id, created_at)
		SELECT a.id, a.household_id, a.region_code, a.submitted_by_id, (SELECT id FROM organisation WHERE code = 'DESA'), '2020-01-02'
		FROM application a WHERE a.number LIKE 'SCOPE-%';
		-- An applicant of 19.04.01 on an application of a 19.04.02 household.
		UPDATE application SET applicant_id = (SELECT p.id FROM person p JOIN household h ON h.id = p.household_id
			WHERE h.region_code LIKE '19.04.01.%' ORDER BY p.id LIMIT 1)
		WHERE number = 'SCOPE-02';
		-- A household referred to both donors.
		INSERT INTO referral (application_id, household_id, region_code, from_id, to_id, created_at)
		SELECT a.id, a.household_id, a.region_code, a.submitted_by_id, o.id, '2020-01-03'
		FROM application a, organisation o
		WHERE o.code IN ('CSR-B') AND a.id = (SELECT r.application_id FROM referral r WHERE r.to_id = (SELECT id FROM organisation WHERE code = 'CSR-A') ORDER BY r.id LIMIT 1)
		ON CONFLICT DO NOTHING;`)
	if err != nil {
		t.Fatalf("arrange the boundary: %v", err)
	}
	// Overrides in two districts, and one audit event naming both: a
	// regency-wide supervisor approves second food aid for a household of
	// each.
	sup := e.as(t, "DINSOS", "", authz.RoleSupervisor)
	var input []map[string]any
	for i, district := range []string{"19.04.01", "19.04.02"} {
		kk := e.scalar(t, `SELECT h.kk FROM household h JOIN benefit b ON b.household_id = h.id JOIN program p ON p.id = b.program_id
			WHERE p.code = 'BPNT' AND b.status = 'ACTIVE' AND h.region_code LIKE '`+district+`.%' ORDER BY h.id LIMIT 1`)
		input = append(input, map[string]any{"kk": kk, "program": "BPNT", "amount": 1, "period": map[string]any{"start": "2026-01-01"},
			"externalRef": fmt.Sprintf("SCOPE-OVERRIDE-%d", i), "override": "Tanggap darurat banjir: tambahan pangan disetujui"})
	}
	r := e.ask(t, sup, "scope walk", `mutation($in: [BenefitInput!]!) { recordBenefits(input: $in) { status } }`, map[string]any{"in": input})
	if got := mustJSON(r.Data); strings.Count(got, "RECORDED") != 2 {
		t.Fatalf("overrides for the walk: %s %v", got, r.Errors)
	}
	arrangeDataIssues(t, e)
}

// scopeTree selects, on typ, the id of every row and every field that leads
// to a row of a target type within depth more types.
func (in *introspected) scopeTree(typ string, depth int, reaches map[string]bool) []*node {
	var out []*node
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
		switch {
		case kind != "OBJECT":
			if f.Name != "id" && !(typ == "AuditEvent" && (f.Name == "persons" || f.Name == "households")) {
				continue
			}
		case !reaches[base]:
			continue
		case strings.HasSuffix(base, "Connection") || strings.HasSuffix(base, "Edge"):
			n.children = in.scopeTree(base, depth, reaches)
		case depth == 0:
			continue
		default:
			n.children = in.scopeTree(base, depth-1, reaches)
		}
		if kind == "OBJECT" && len(n.children) == 0 {
			continue
		}
		out = append(out, n)
	}
	return out
}

// reaching returns the object types from which a target type can be
// reached, targets included.
func (in *introspected) reaching() map[string]bool {
	reaches := map[string]bool{}
	for t := range scopeTargets {
		reaches[t] = true
	}
	for changed := true; changed; {
		changed = false
		for name, ty := range in.types {
			if ty.Kind != "OBJECT" || reaches[name] || name == "Query" || name == "Mutation" || strings.HasPrefix(name, "__") {
				continue
			}
			for _, f := range ty.Fields {
				if base, kind := f.Type.base(); kind == "OBJECT" && reaches[base] {
					reaches[name], changed = true, true
					break
				}
			}
		}
	}
	return reaches
}

// branches splits a tree into trees of one branch each below its first
// level of rows (through connections and edges): the leaves of that level
// (ids) stay in every one, and the first is the level alone.
func branches(tree []*node) [][]*node {
	var leaves, inner []*node
	for _, n := range tree {
		if len(n.children) == 0 {
			leaves = append(leaves, n)
		} else {
			inner = append(inner, n)
		}
	}
	// A connection or an edge: split what lies below it.
	if len(leaves) == 0 && len(inner) == 1 && (inner[0].name == "edges" || inner[0].name == "node") {
		var out [][]*node
		for _, b := range branches(inner[0].children) {
			out = append(out, []*node{{field: inner[0].field, name: inner[0].name, children: b}})
		}
		return out
	}
	out := [][]*node{leaves}
	for _, n := range inner {
		if n.name == "pageInfo" {
			continue
		}
		out = append(out, append(append([]*node{}, leaves...), n))
	}
	return out
}

// rowSeen is a row of a target type that came back, and where.
type rowSeen struct {
	typ, id, path string
	values        []string // an audit event's persons and households
}

// collect walks a response value along the selections that asked for it.
func collect(ns []*node, typ string, types map[string]*itype, v any, path string, out *[]rowSeen) {
	switch v := v.(type) {
	case []any:
		for i, x := range v {
			collect(ns, typ, types, x, fmt.Sprintf("%s.%d", path, i), out)
		}
	case map[string]any:
		if scopeTargets[typ] {
			row := rowSeen{typ: typ, path: path}
			if id, ok := v["id"].(string); ok {
				row.id = id
			}
			for _, k := range []string{"persons", "households"} {
				if list, ok := v[k].([]any); ok {
					for _, x := range list {
						row.values = append(row.values, fmt.Sprint(x))
					}
				}
			}
			*out = append(*out, row)
		}
		for _, n := range ns {
			x, ok := v[n.name]
			if !ok || x == nil || len(n.children) == 0 {
				continue
			}
			_, fieldName, _ := strings.Cut(n.field, ".")
			var child string
			for _, f := range types[typ].Fields {
				if f.Name == fieldName {
					child, _ = f.Type.base()
				}
			}
			collect(n.children, child, types, x, path+"."+n.name, out)
		}
	}
}

// scopeWalk asks, as each role, every path of the schema that reaches a row
// of a target type, to scopeDepth, and returns the rows that came back
// outside the role's scope, and how many came back in all, by type.
func scopeWalk(t *testing.T, e *env, roles []scopeRole) (violations []string, seen map[string]map[string]int) {
	t.Helper()
	in := introspect(t, e)
	reaches := in.reaching()

	// The roots to walk, and how to call each: by key, both inside the
	// role's scope and outside it. A root that reaches rows and is not here
	// fails the walk, so that a new one cannot go unwalked.
	type call struct{ head string }
	type keys struct {
		inKK, inNIK     string
		outKKs, outNIKs []string
		trailNIKs       []string // persons in scope with events on their trails
	}
	roots := map[string]func(k keys) []call{
		"household": func(k keys) []call {
			out := []call{{fmt.Sprintf(`household(kk: %q)`, k.inKK)}}
			for _, kk := range k.outKKs {
				out = append(out, call{fmt.Sprintf(`household(kk: %q)`, kk)})
			}
			return out
		},
		"person": func(k keys) []call {
			out := []call{{fmt.Sprintf(`person(nik: %q)`, k.inNIK)}}
			for _, nik := range k.outNIKs {
				out = append(out, call{fmt.Sprintf(`person(nik: %q)`, nik)})
			}
			return out
		},
		"auditTrail": func(k keys) []call {
			var out []call
			for _, nik := range append(append([]string{k.inNIK}, k.trailNIKs...), k.outNIKs...) {
				out = append(out, call{fmt.Sprintf(`auditTrail(nik: %q, first: 50)`, nik)})
			}
			return out
		},
		"checkAid": func(k keys) []call {
			var out []call
			for _, kk := range append([]string{k.inKK}, k.outKKs...) {
				out = append(out, call{fmt.Sprintf(`checkAid(kk: %q, kind: "FOOD", period: {start: "2026-01-01", end: "2026-12-31"})`, kk)})
			}
			return out
		},
		"households":    func(keys) []call { return []call{{`households(first: 100)`}} },
		"referralInbox": func(keys) []call { return []call{{`referralInbox(first: 100)`}} },
		"overrides":     func(keys) []call { return []call{{`overrides(first: 100)`}} },
		"dataIssues":    func(keys) []call { return []call{{`dataIssues(first: 100)`}} },
		// Register changes (verival).
		"registerChanges":  func(keys) []call { return []call{{`registerChanges(first: 100)`}} },
		"benefitsToReview": func(keys) []call { return []call{{`benefitsToReview(first: 100)`}} },
	}
	// A root that returns a union of target types (federation's
	// _entities) is walked as each of them, asked by keys in scope and
	// out of it.
	unionRoots := map[string]func(k keys, typ string) []call{
		"_entities": func(k keys, typ string) []call {
			var reps []string
			switch typ {
			case "Household":
				for _, kk := range append([]string{k.inKK}, k.outKKs...) {
					reps = append(reps, fmt.Sprintf(`{__typename: "Household", kk: %q}`, kk))
				}
			case "Person":
				for _, nik := range append([]string{k.inNIK}, k.outNIKs...) {
					reps = append(reps, fmt.Sprintf(`{__typename: "Person", nik: %q}`, nik))
				}
			default:
				t.Errorf("the scope walk does not know the key of entity %s: add it", typ)
			}
			return []call{{`_entities(representations: [` + strings.Join(reps, ", ") + `])`}}
		},
	}
	var unionFields []string
	for _, f := range in.types["Query"].Fields {
		if base, kind := f.Type.base(); kind == "UNION" {
			for _, pt := range in.types[base].PossibleTypes {
				if reaches[pt.Name] && unionRoots[f.Name] == nil {
					t.Errorf("the scope walk does not know how to call Query.%s, which reaches %s: add it", f.Name, pt.Name)
				}
			}
			if unionRoots[f.Name] != nil {
				unionFields = append(unionFields, f.Name)
			}
		}
	}
	var rootFields []string
	for _, f := range in.types["Query"].Fields {
		if base, kind := f.Type.base(); kind == "OBJECT" && reaches[base] {
			if roots[f.Name] == nil {
				t.Errorf("the scope walk does not know how to call Query.%s, which reaches %s: add it", f.Name, base)
				continue
			}
			rootFields = append(rootFields, f.Name)
		}
	}
	sort.Strings(rootFields)

	seen = map[string]map[string]int{}
	for _, role := range roles {
		p := e.as(t, role.org, role.region, role.roles...)
		d := e.policy.Policy().Decide(p)
		scoped := func(sql string) string {
			return strings.NewReplacer("$HOUSEHOLD", role.household, "$REFERRAL", role.referral, "$APPLICATION", role.application,
				"$DATAISSUE", role.dataIssue, "$REVIEW", role.review).Replace(sql)
		}
		k := keys{
			inKK: e.scalar(t, scoped(`SELECT h.kk FROM household h WHERE $HOUSEHOLD
				ORDER BY (SELECT count(*) FROM referral r WHERE r.household_id = h.id) DESC, h.id LIMIT 1`)),
			outKKs: strings.Fields(e.scalar(t, scoped(`SELECT string_agg(kk, ' ') FROM (SELECT h.kk FROM household h WHERE NOT ($HOUSEHOLD)
				ORDER BY (SELECT count(*) FROM referral r WHERE r.household_id = h.id) DESC, h.id LIMIT 3) x`))),
		}
		k.inNIK = e.scalar(t, `SELECT p.nik FROM person p JOIN household h ON h.id = p.household_id WHERE h.kk = '`+k.inKK+`' ORDER BY p.id LIMIT 1`)
		for _, kk := range k.outKKs {
			k.outNIKs = append(k.outNIKs, e.scalar(t, `SELECT p.nik FROM person p JOIN household h ON h.id = p.household_id WHERE h.kk = '`+kk+`' ORDER BY p.id LIMIT 1`))
		}
		// Something on the in-scope person's trail, for the walk to read.
		e.ask(t, e.as(t, "INSPEKTORAT", "", authz.RoleAuditor), "scope walk", `{ person(nik: "`+k.inNIK+`") { name } }`, nil)
		k.trailNIKs = strings.Fields(e.scalar(t, scoped(`SELECT coalesce(string_agg(nik, ' '), '') FROM (SELECT p.nik FROM person p
			JOIN household h ON h.id = p.household_id WHERE $HOUSEHOLD
			AND EXISTS (SELECT 1 FROM audit_event e WHERE e.persons @> ARRAY[p.nik] AND cardinality(e.households) > 1) ORDER BY p.id LIMIT 3) x`)))

		counts := map[string]int{}
		// ask runs head with one branch of typ's tree below it (within an
		// inline fragment on that type when fragment is set), and notes
		// every row that came back outside the role's scope, and every
		// field that could not be resolved because its row is hidden.
		ask := func(head, root, typ, fragment string, branch []*node) {
			selection := render(branch)
			if fragment != "" {
				selection = "... on " + fragment + " { " + selection + " }"
			}
			var resp struct {
				Data   map[string]json.RawMessage
				Errors []struct {
					Message    string
					Path       []any
					Extensions struct{ Code string }
				}
			}
			_, body := e.postAs(t, p, "scope walk", "{ r: "+head+" { "+selection+" } }", nil)
			if err := json.Unmarshal(body, &resp); err != nil {
				t.Fatalf("%s: %v: %.300s", role.label, err, body)
			}
			// A row that leads to a row the caller may not see shows as a
			// field that cannot be resolved.
			for _, er := range resp.Errors {
				if er.Extensions.Code == string(jaring.ENOTFOUND) || er.Extensions.Code == string(jaring.EINTERNAL) {
					violations = append(violations, fmt.Sprintf("%s: %s at %v (%s)", role.label, er.Message, er.Path, head))
				}
			}
			var v any
			_ = json.Unmarshal(resp.Data["r"], &v)
			var rows []rowSeen
			collect(branch, typ, in.types, v, root, &rows)
			for _, row := range rows {
				counts[row.typ]++
				if why := outOfScope(t, e, scoped, row); why != "" {
					violations = append(violations, fmt.Sprintf("%s: %s at %s (%s): %s", role.label, row.typ, row.path, head, why))
				}
			}
		}
		for _, root := range rootFields {
			if !d.MayRun("Query." + root) {
				continue
			}
			var rootType string
			for _, f := range in.types["Query"].Fields {
				if f.Name == root {
					rootType, _ = f.Type.base()
				}
			}
			depth := scopeDepth
			if scopeTargets[rootType] {
				depth-- // the root's own type is the first
			}
			tree := in.scopeTree(rootType, depth, reaches)
			for _, c := range roots[root](k) {
				// One query per branch below the first row, so that a
				// non-null field that fails does not blank its siblings.
				for _, branch := range branches(tree) {
					ask(c.head, root, rootType, "", branch)
				}
			}
		}
		for _, root := range unionFields {
			var union string
			for _, f := range in.types["Query"].Fields {
				if f.Name == root {
					union, _ = f.Type.base()
				}
			}
			for _, pt := range in.types[union].PossibleTypes {
				if !reaches[pt.Name] {
					continue
				}
				tree := in.scopeTree(pt.Name, scopeDepth-1, reaches)
				for _, c := range unionRoots[root](k, pt.Name) {
					for _, branch := range branches(tree) {
						ask(c.head, root, pt.Name, pt.Name, branch)
					}
				}
			}
		}
		seen[role.label] = counts
	}
	return violations, seen
}

// outOfScope says why a row that came back lies outside the role's scope,
// or "" if it lies inside.
func outOfScope(t *testing.T, e *env, scoped func(string) string, row rowSeen) string {
	t.Helper()
	if row.id == "" && row.typ != "AuditEvent" {
		return "no id came back to check it by"
	}
	queries := map[string]string{
		"Household":   `SELECT count(*) FROM household h WHERE h.id = $1 AND $HOUSEHOLD`,
		"Person":      `SELECT count(*) FROM person p JOIN household h ON h.id = p.household_id WHERE p.id = $1 AND $HOUSEHOLD`,
		"Benefit":     `SELECT count(*) FROM benefit b JOIN household h ON h.id = b.household_id WHERE b.id = $1 AND $HOUSEHOLD`,
		"Application": `SELECT count(*) FROM application a JOIN household h ON h.id = a.household_id WHERE a.id = $1 AND $HOUSEHOLD AND $APPLICATION`,
		"Referral":    `SELECT count(*) FROM referral r JOIN household h ON h.id = r.household_id WHERE r.id = $1 AND $HOUSEHOLD AND $REFERRAL`,
		// An event is in scope if it concerns someone in scope.
		"AuditEvent": `SELECT count(*) FROM audit_event e WHERE e.id = $1 AND EXISTS (SELECT 1 FROM unnest(e.persons) n
			JOIN person p ON p.nik = n JOIN household h ON h.id = p.household_id WHERE $HOUSEHOLD)`,
		"DataIssue":      `SELECT count(*) FROM data_issue d WHERE d.id = $1 AND $DATAISSUE`,
		"RegisterChange": `SELECT count(*) FROM register_change c JOIN household h ON h.id = c.household_id WHERE c.id = $1 AND $HOUSEHOLD`,
		// A deliberation is in scope if it decided a change in scope.
		"Deliberation": `SELECT count(*) FROM deliberation d WHERE d.id = $1 AND EXISTS (SELECT 1 FROM register_change c
			JOIN household h ON h.id = c.household_id WHERE c.deliberation_id = d.id AND $HOUSEHOLD)`,
		"BenefitReview": `SELECT count(*) FROM benefit_review v JOIN household h ON h.id = v.household_id WHERE v.id = $1 AND $HOUSEHOLD AND $REVIEW`,
	}
	var n int
	if err := e.owner.Pool.QueryRow(context.Background(), scoped(queries[row.typ]), row.id).Scan(&n); err != nil {
		t.Fatalf("check %s %s: %v", row.typ, row.id, err)
	}
	if n == 0 {
		return "row " + row.id + " is outside the role's scope"
	}
	// The NIKs and KKs an event lists, where shown in clear, are in scope.
	for _, v := range row.values {
		if len(v) != 16 || strings.Contains(v, "*") {
			continue
		}
		if err := e.owner.Pool.QueryRow(context.Background(), scoped(`SELECT count(*) FROM household h WHERE $HOUSEHOLD AND (h.kk = $1
			OR EXISTS (SELECT 1 FROM person p WHERE p.household_id = h.id AND p.nik = $1))`), v).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return "it names " + v + ", outside the role's scope"
		}
	}
	return ""
}

// TestScopeWalk asks every path of the schema that reaches a household, a
// person, a benefit, an application, a referral, an audit event or a data
// issue, found by
// introspection, four types deep, as every scoped role, with rows on both
// sides of each boundary: nothing outside the role's scope comes back.
func TestScopeWalk(t *testing.T) {
	e := newEnvWith(t, func(c *hub.Config) { c.Limits = graph.Limits{MaxDepth: 40, MaxComplexity: 1 << 40, MaxAliases: 100} })
	scopeData(t, e)
	verivalData(t, e)
	violations, seen := scopeWalk(t, e, scopeRoles())
	for _, v := range violations {
		t.Error(v)
	}
	for role, counts := range seen {
		t.Logf("%s: %v", role, counts)
		// A walk that finds nothing proves nothing.
		for _, typ := range []string{"Household", "Person", "Benefit", "Referral", "Application"} {
			if counts[typ] == 0 {
				t.Errorf("%s: the walk saw no %s in scope", role, typ)
			}
		}
		// Register changes, for all who may list them (donors may not);
		// reviews, for the payer and the auditor of the district.
		typs := []string{"RegisterChange", "Deliberation"}
		if strings.Contains(role, "19.04.02") {
			typs = append(typs, "BenefitReview")
		}
		for _, typ := range typs {
			if counts[typ] == 0 && !strings.HasPrefix(role, "donor") {
				t.Errorf("%s: the walk saw no %s in scope", role, typ)
			}
		}
	}
}

// leakyInbox is a referral store whose inbox, like the one this walk was
// written against, lists every referral addressed to the organisation,
// whatever the household: a path that reaches rows without scope.
type leakyInbox struct{ referral.Store }

func (l leakyInbox) FindInbox(ctx context.Context, scope jaring.Scope, status *referral.ReferralStatus, page jaring.PageRequest) ([]*referral.Referral, bool, error) {
	return l.Store.FindInbox(ctx, jaring.Scope{Households: jaring.AllHouseholds, OrgID: scope.OrgID, AllReferrals: scope.AllReferrals}, status, page)
}

// TestScopeWalkFindsALeak shows the walk catching a path that reaches rows
// without scope: with an inbox that ignores it, a village token of
// 19.04.01 reaches the referral of a 19.04.02 household, and the walk says
// so.
func TestScopeWalkFindsALeak(t *testing.T) {
	e := newEnvWith(t, func(c *hub.Config) { c.Limits = graph.Limits{MaxDepth: 40, MaxComplexity: 1 << 40, MaxAliases: 100} })
	scopeData(t, e)
	r := *e.hub.Resolver
	referrals := *r.Referrals
	referrals.Store = leakyInbox{referrals.Store}
	r.Referrals = &referrals
	e.handler = graph.NewHandler(&r, graph.HandlerConfig{Policy: e.policy, Audit: e.audit, Now: fixedNow, Introspection: true,
		Limits: graph.Limits{MaxDepth: 40, MaxComplexity: 1 << 40, MaxAliases: 100}})
	violations, _ := scopeWalk(t, e, scopeRoles()[:1])
	if len(violations) == 0 {
		t.Fatal("the walk found nothing, though the household loader ignores scope")
	}
	t.Logf("%d rows out of scope found, the first: %s", len(violations), violations[0])
}
