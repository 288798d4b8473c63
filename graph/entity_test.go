package graph_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/hub"
	"github.com/jaring-id/jaring/internal/jaring"
)

// A gateway asks Jaring for households and persons by key (_entities), as
// the caller whose token it forwards. What comes back is what the same
// caller gets from household and person, field for field: null outside the
// caller's scope, masked where the policy masks, and audited when it shows
// anything in clear. (The scope and field walks ask _entities too.)
func TestEntitiesAnswerAsTheQueriesDo(t *testing.T) {
	e := newEnv(t)
	koba := e.scalar(t, `SELECT kk FROM household WHERE region_code LIKE '19.04.01.%' ORDER BY id LIMIT 1`)
	pangkal := e.scalar(t, `SELECT kk FROM household WHERE region_code LIKE '19.04.02.%' ORDER BY id LIMIT 1`)
	nikOf := func(kk string) string {
		return e.scalar(t, `SELECT p.nik FROM person p JOIN household h ON h.id = p.household_id WHERE h.kk = '`+kk+`' ORDER BY p.id LIMIT 1`)
	}
	household := `kk address desil region { code } members { nik name birthDate disabled } benefits { program { code } amount }`
	person := `nik name motherName household { kk }`

	callers := []struct {
		label string
		p     *authz.Principal
	}{
		{"village operator of 19.04.01", e.as(t, "DESA", "19.04.01", authz.RoleOperator)},
		{"agency limited to 19.04.02", e.as(t, "DINSOS", "19.04.02", authz.RoleApprover)},
		{"front office", e.as(t, "SILAKSO", "", authz.RoleOperator)},
		{"health office viewer", e.as(t, "DINKES", "", authz.RoleViewer)},
		{"donor CSR-A", e.as(t, "CSR-A", "", authz.RoleDonor)},
	}
	// Children, whose fields follow a rule of their own: one of a
	// household referred to CSR-A, one of Koba.
	child := func(where string) string {
		return e.scalar(t, `SELECT p.nik FROM person p JOIN household h ON h.id = p.household_id WHERE p.birth_date > DATE '2012-01-01' AND `+where+` ORDER BY p.id LIMIT 1`)
	}
	children := []string{
		child(`EXISTS (SELECT 1 FROM referral r JOIN organisation o ON o.id = r.to_id WHERE r.household_id = h.id AND o.code = 'CSR-A')`),
		child(`h.region_code LIKE '19.04.01.%'`),
	}
	for _, c := range callers {
		t.Run(c.label, func(t *testing.T) {
			for _, nik := range children {
				direct := e.ask(t, c.p, "federasi", `query($nik: String!) { person(nik: $nik) { `+person+` birthDate } }`, map[string]any{"nik": nik})
				byKey := e.ask(t, c.p, "federasi", `query($nik: String!) { _entities(representations: [{__typename: "Person", nik: $nik}]) { ... on Person { `+person+` birthDate } } }`,
					map[string]any{"nik": nik})
				entities, _ := byKey.Data["_entities"].([]any)
				if len(entities) != 1 || mustJSON(entities[0]) != mustJSON(direct.Data["person"]) || byKey.codes() != direct.codes() {
					t.Errorf("child %s by key: %s %v; person(nik) gives %s %v", nik, mustJSON(byKey.Data), byKey.codes(), mustJSON(direct.Data), direct.codes())
				}
			}
			for _, kk := range []string{koba, pangkal} {
				direct := e.ask(t, c.p, "federasi", `query($kk: String!) { household(kk: $kk) { `+household+` } }`, map[string]any{"kk": kk})
				byKey := e.ask(t, c.p, "federasi", `query($kk: String!) { _entities(representations: [{__typename: "Household", kk: $kk}]) { ... on Household { `+household+` } } }`,
					map[string]any{"kk": kk})
				entities, _ := byKey.Data["_entities"].([]any)
				if len(entities) != 1 {
					t.Fatalf("household %s by key: %s %v", kk, mustJSON(byKey.Data), byKey.Errors)
				}
				if got, want := mustJSON(entities[0]), mustJSON(direct.Data["household"]); got != want {
					t.Errorf("household %s by key:\n got %s\nwant %s (as household(kk) answers)", kk, got, want)
				}
				if got, want := byKey.codes(), direct.codes(); got != want {
					t.Errorf("household %s by key: errors %q, household(kk) gives %q", kk, got, want)
				}

				nik := nikOf(kk)
				direct = e.ask(t, c.p, "federasi", `query($nik: String!) { person(nik: $nik) { `+person+` } }`, map[string]any{"nik": nik})
				byKey = e.ask(t, c.p, "federasi", `query($nik: String!) { _entities(representations: [{__typename: "Person", nik: $nik}]) { ... on Person { `+person+` } } }`,
					map[string]any{"nik": nik})
				entities, _ = byKey.Data["_entities"].([]any)
				if len(entities) != 1 || mustJSON(entities[0]) != mustJSON(direct.Data["person"]) || byKey.codes() != direct.codes() {
					t.Errorf("person %s by key: %s %v; person(nik) gives %s %v", nik, mustJSON(byKey.Data), byKey.codes(), mustJSON(direct.Data), direct.codes())
				}
			}
		})
	}

	// Outside the caller's scope is null, as a key that does not exist.
	village := callers[0].p
	r := e.ask(t, village, "federasi", `{ _entities(representations: [{__typename: "Household", kk: "`+pangkal+`"}, {__typename: "Household", kk: "1904010101209999"},
		{__typename: "Household", kk: "`+koba+`"}]) { ... on Household { kk } } }`, nil)
	if got := mustJSON(r.Data["_entities"]); got != `[null,null,{"kk":"`+koba+`"}]` || len(r.Errors) != 0 {
		t.Errorf("village by keys: %s %v", got, r.Errors)
	}

	// A malformed key is INVALID_INPUT at its own place; the others answer.
	r = e.ask(t, village, "federasi", `{ _entities(representations: [{__typename: "Person", nik: "1904****"}, {__typename: "Person", nik: "`+nikOf(koba)+`"}]) {
		... on Person { nik } } }`, nil)
	if list, _ := r.Data["_entities"].([]any); len(list) != 2 || list[0] != nil || list[1] == nil || r.codes() != string(jaring.EINVALID) ||
		mustJSON(r.Errors[0].Path) != `["_entities",0]` {
		t.Errorf("a malformed NIK: %s %s %v", mustJSON(r.Data), r.codes(), r.Errors)
	}

	// What _entities shows in clear is audited, naming the household.
	r = e.ask(t, village, "verifikasi lewat gateway", `{ _entities(representations: [{__typename: "Household", kk: "`+koba+`"}]) { ... on Household { kk members { name } } } }`, nil)
	if len(r.Errors) != 0 {
		t.Fatal(r.Errors)
	}
	if n := e.scalar(t, `SELECT count(*)::text FROM audit_event WHERE operation = 'query _entities' AND purpose = 'verifikasi lewat gateway'
		AND households = ARRAY['`+koba+`'] AND 'Person.name' = ANY(fields) AND cardinality(persons) > 0`); n != "1" {
		t.Errorf("audit events of the read by key: %s, want 1", n)
	}
	// A read by key outside the scope shows nothing and records nothing.
	before := e.scalar(t, `SELECT count(*)::text FROM audit_event`)
	e.ask(t, village, "federasi", `{ _entities(representations: [{__typename: "Household", kk: "`+pangkal+`"}]) { ... on Household { kk members { name } } } }`, nil)
	if after := e.scalar(t, `SELECT count(*)::text FROM audit_event`); after != before {
		t.Errorf("a read by key that found nothing wrote an audit event (%s → %s)", before, after)
	}
}

// A policy under which a role may not run household refuses it the
// households by key too; and _service, the schema, is served only with
// introspection.
func TestEntitiesFollowTheOperationPolicy(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"model.conf", "policy.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "policy", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "policy.csv" {
			if !strings.Contains(string(b), "p, *, *, op:Query.household, run, allow\n") {
				t.Fatal("policy.csv no longer lets everyone run household: change this test")
			}
			b = []byte(strings.Replace(string(b), "p, *, *, op:Query.household, run, allow\n", "", 1))
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	policy, err := authz.NewHolder(dir, graph.CheckPolicy)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, func(c *hub.Config) { c.Policy, c.Introspection = policy, false })
	kk := e.scalar(t, `SELECT kk FROM household ORDER BY id LIMIT 1`)
	nik := e.scalar(t, `SELECT p.nik FROM person p JOIN household h ON h.id = p.household_id WHERE h.kk = '`+kk+`' ORDER BY p.id LIMIT 1`)
	p := e.as(t, "DINSOS", "", authz.RoleApprover)

	r := e.ask(t, p, "federasi", `{ _entities(representations: [{__typename: "Household", kk: "`+kk+`"}, {__typename: "Person", nik: "`+nik+`"}]) {
		... on Household { kk } ... on Person { nik } } }`, nil)
	if got := mustJSON(r.Data["_entities"]); got != `[null,{"nik":"`+nik+`"}]` || r.codes() != string(jaring.EFORBIDDEN) {
		t.Errorf("households by key without household: %s %s", got, r.codes())
	}
	r = e.ask(t, p, "federasi", `{ _service { sdl } }`, nil)
	if r.codes() != string(jaring.EFORBIDDEN) || r.Data["_service"] != nil {
		t.Errorf("_service with introspection off: %s %s", mustJSON(r.Data), r.codes())
	}

	open := newEnv(t)
	r = open.ask(t, open.as(t, "DINSOS", "", authz.RoleApprover), "federasi", `{ _service { sdl } }`, nil)
	if sdl, _ := r.Data["_service"].(map[string]any)["sdl"].(string); !strings.Contains(sdl, `type Household @key(fields: "kk")`) {
		t.Errorf("_service with introspection on: %.200s %v", sdl, r.Errors)
	}
}
