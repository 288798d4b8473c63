package graph_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/jaring"
)

// meQuery asks all of me.
const meQuery = `{ me { organisation { code kind } kind roles region { code } purpose operations capabilities
	types { type clear masked withheld needsPurpose dependsOnRow { field rule level } } } }`

// meAnswer is me's answer.
type meAnswer struct {
	Organisation struct{ Code, Kind string }
	Kind         string
	Roles        []string
	Region       *struct{ Code string }
	Purpose      bool
	Operations   []string
	Capabilities []string
	Types        []struct {
		Type                                  string
		Clear, Masked, Withheld, NeedsPurpose []string
		DependsOnRow                          []struct{ Field, Rule, Level string }
	}
}

// askMe asks me as p, declaring purpose ("" for none).
func askMe(t *testing.T, e *env, p *authz.Principal, purpose string) meAnswer {
	t.Helper()
	_, body := e.postAs(t, p, purpose, meQuery, nil)
	var resp struct {
		Data   struct{ Me *meAnswer }
		Errors []any
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if len(resp.Errors) > 0 || resp.Data.Me == nil {
		t.Fatalf("me: %s", body)
	}
	return *resp.Data.Me
}

// sight is how me says field "Type.field" is seen: in an adult's row, and in
// a row the child rule picks out ("" when it says the row changes nothing).
type sight struct {
	level        authz.Level
	lists        int // how many of clear, masked and withheld name it
	needsPurpose bool
	child        string
}

func (m meAnswer) sights() map[string]*sight {
	out := map[string]*sight{}
	get := func(typ, name string) *sight {
		f := typ + "." + name
		if out[f] == nil {
			out[f] = &sight{}
		}
		return out[f]
	}
	for _, ty := range m.Types {
		for level, names := range map[authz.Level][]string{authz.Clear: ty.Clear, authz.Masked: ty.Masked, authz.Withheld: ty.Withheld} {
			for _, n := range names {
				s := get(ty.Type, n)
				s.level = level
				s.lists++
			}
		}
		for _, n := range ty.NeedsPurpose {
			get(ty.Type, n).needsPurpose = true
		}
		for _, d := range ty.DependsOnRow {
			if d.Rule != "CHILD" {
				panic("a rule the test does not know: " + d.Rule)
			}
			get(ty.Type, d.Field).child = d.Level
		}
	}
	return out
}

// demoOrgs are the demo organisations of each kind, as the field walk asks
// as them; the integrator is added by addIntegrator.
var demoOrgs = map[jaring.OrgKind]string{
	jaring.OrgFrontOffice: "SILAKSO", jaring.OrgAgency: "DINSOS", jaring.OrgVillage: "DESA",
	jaring.OrgDonor: "CSR-A", jaring.OrgAuditor: "INSPEKTORAT", jaring.OrgIntegrator: "DASBOR",
}

// addIntegrator adds an integrator to the demo regency: it has none.
func addIntegrator(t *testing.T, e *env) {
	t.Helper()
	e.scalar(t, `INSERT INTO organisation (code, name, kind, region_code) VALUES ('DASBOR', 'Dasbor Bansos Kabupaten', 'INTEGRATOR', '19.04') RETURNING code`)
}

// me agrees, for every demo role, field by field and operation by
// operation, with the decisions the server enforces; it needs no purpose and
// is not recorded in the audit log.
func TestMe(t *testing.T) {
	e := newEnv(t)
	addIntegrator(t, e)
	policy := e.policy.Policy()
	events := func() string { return e.scalar(t, `SELECT count(*)::text FROM audit_event`) }
	before := events()
	for _, c := range authz.DemoColumns {
		t.Run(c.Label, func(t *testing.T) {
			p := e.as(t, demoOrgs[c.Principal.OrgKind], c.Principal.Region, c.Principal.Roles...)
			m := askMe(t, e, p, "") // no X-Purpose
			if m.Organisation.Code != p.Org || m.Kind != string(p.OrgKind) || m.Organisation.Kind != m.Kind || m.Purpose {
				t.Errorf("me: organisation %+v, kind %s, purpose %v; want %s, %s, no purpose", m.Organisation, m.Kind, m.Purpose, p.Org, p.OrgKind)
			}
			if want := fmt.Sprint(c.Principal.Roles); fmt.Sprint(m.Roles) != want {
				t.Errorf("roles %v, want %s", m.Roles, want)
			}
			switch {
			case p.Region == "" && m.Region != nil:
				t.Errorf("region %+v, want null: the token names none", m.Region)
			case p.Region != "" && (m.Region == nil || m.Region.Code != p.Region):
				t.Errorf("region %+v, want %s", m.Region, p.Region)
			}

			d := policy.Decide(p)
			var ops, caps []string
			for _, op := range graph.Operations() {
				if d.MayRun(op) {
					ops = append(ops, op)
				}
			}
			for _, c := range authz.Capabilities {
				if d.MayRun(c) {
					caps = append(caps, c)
				}
			}
			if !slices.Equal(m.Operations, ops) || !slices.Contains(m.Operations, "Query.me") {
				t.Errorf("operations %v, want %v", m.Operations, ops)
			}
			if fmt.Sprint(m.Capabilities) != fmt.Sprint(caps) {
				t.Errorf("capabilities %v, want %v", m.Capabilities, caps)
			}

			sights := m.sights()
			if len(sights) != len(graph.Fields()) {
				t.Errorf("me names %d fields, the schema has %d", len(sights), len(graph.Fields()))
			}
			for _, f := range graph.Fields() {
				s := sights[f]
				if s.listsOr0() != 1 {
					t.Errorf("%s: in %d of clear, masked and withheld, want exactly one", f, s.listsOr0())
					continue
				}
				adult, child := d.See(f, authz.Subject{}), d.See(f, authz.Subject{Child: true})
				class, _ := policy.Class(f)
				if s.level != adult {
					t.Errorf("%s: me says %s, the policy %s", f, s.level, adult)
				}
				if want := adult == authz.Clear && class != authz.Public; s.needsPurpose != want {
					t.Errorf("%s (%s, %s): me says needs a purpose %v, want %v", f, class, adult, s.needsPurpose, want)
				}
				want := ""
				if child != adult {
					want = strings.ToUpper(child.String())
				}
				if s.child != want {
					t.Errorf("%s: me says a child's row is seen %q, the policy %q", f, s.child, want)
				}
			}
		})
	}
	// With a purpose, me says so.
	if m := askMe(t, e, e.auditor(t), "cek akses dasbor"); !m.Purpose {
		t.Error("me with X-Purpose: purpose false")
	}
	// me shows no personal data: nothing to record.
	if after := events(); after != before {
		t.Errorf("me wrote %s audit events, want none", after)
	}
}

func (s *sight) listsOr0() int {
	if s == nil {
		return 0
	}
	return s.lists
}

// What me lists is what a household and a person come back as, for an
// adult and for a child, with a purpose and without: a field it lists as
// withheld is null with FORBIDDEN, one it lists masked comes masked, one it
// lists as needing a purpose is INVALID_INPUT without one. If me and the
// enforcement drift apart, this fails.
func TestMeAgreesWithEnforcement(t *testing.T) {
	e := newEnv(t)
	addIntegrator(t, e)
	in := introspect(t, e)
	// The scalar fields of a type, which a query can ask as they are.
	leaves := func(typ string) []string {
		var out []string
		for _, f := range in.types[typ].Fields {
			if _, kind := f.Type.base(); (kind == "SCALAR" || kind == "ENUM") && len(f.Args) == 0 {
				out = append(out, f.Name)
			}
		}
		return out
	}
	regency := `true`
	scopes := map[jaring.OrgKind]string{
		jaring.OrgFrontOffice: regency, jaring.OrgAgency: regency, jaring.OrgAuditor: regency, jaring.OrgIntegrator: regency,
		jaring.OrgVillage: `h.region_code LIKE '19.04.01.%'`,
		jaring.OrgDonor:   `EXISTS (SELECT 1 FROM referral r JOIN organisation o ON o.id = r.to_id WHERE r.household_id = h.id AND o.code = 'CSR-A')`,
	}
	pick := func(sql string) string {
		var s string
		_ = e.owner.Pool.QueryRow(t.Context(), `SELECT coalesce((`+sql+`), '')`).Scan(&s)
		return s
	}
	checked := map[authz.Level]int{}
	for _, c := range authz.DemoColumns {
		t.Run(c.Label, func(t *testing.T) {
			p := e.as(t, demoOrgs[c.Principal.OrgKind], c.Principal.Region, c.Principal.Roles...)
			sights := askMe(t, e, p, "").sights()
			scope := scopes[p.OrgKind]
			kk := pick(`SELECT h.kk FROM household h WHERE ` + scope + ` ORDER BY h.id LIMIT 1`)
			person := func(born string) string {
				return pick(`SELECT p.nik FROM person p JOIN household h ON h.id = p.household_id WHERE ` + scope + ` AND p.birth_date ` + born + ` ORDER BY p.id LIMIT 1`)
			}
			cases := []struct {
				root, key, typ string
				child          bool
			}{
				{"household", kk, "Household", false},
				{"person", person("< DATE '1990-01-01'"), "Person", false},
				{"person", person("> DATE '2015-01-01'"), "Person", true},
			}
			for _, k := range cases {
				if k.key == "" {
					t.Logf("no %s in scope for a child=%v check", k.typ, k.child)
					continue
				}
				arg := "kk"
				if k.root == "person" {
					arg = "nik"
				}
				q := fmt.Sprintf(`{ %s(%s: %q) { %s } }`, k.root, arg, k.key, strings.Join(leaves(k.typ), " "))
				for _, purpose := range []string{"verifikasi permohonan", ""} {
					r := e.ask(t, p, purpose, q, nil)
					row, _ := r.Data[k.root].(map[string]any)
					if row == nil {
						t.Fatalf("%s %s: no row: %v", k.root, k.key, r.Errors)
					}
					errs := map[string]string{}
					for _, er := range r.Errors {
						if len(er.Path) == 2 {
							errs[fmt.Sprint(er.Path[1])] = er.Extensions.Code
						}
					}
					for _, name := range leaves(k.typ) {
						field := k.typ + "." + name
						s := sights[field]
						level := s.level
						if k.child && s.child != "" {
							level = map[string]authz.Level{"CLEAR": authz.Clear, "MASKED": authz.Masked, "WITHHELD": authz.Withheld}[s.child]
						}
						v, code := row[name], errs[name]
						str, _ := v.(string)
						where := fmt.Sprintf("%s (child %v, purpose %q)", field, k.child, purpose)
						switch {
						case level == authz.Withheld:
							if v != nil || code != string(jaring.EFORBIDDEN) {
								t.Errorf("%s: me lists it withheld, got %v (error %q)", where, v, code)
							}
						case level == authz.Masked:
							if code != "" || (str != "" && !maskedNumber.MatchString(str) && !maskedName.MatchString(str)) {
								t.Errorf("%s: me lists it masked, got %v (error %q)", where, v, code)
							}
						case s.needsPurpose && purpose == "":
							if v != nil || code != string(jaring.EINVALID) {
								t.Errorf("%s: me says it needs a purpose, got %v (error %q) without one", where, v, code)
							}
						default:
							if code != "" || (str != "" && maskedNumber.MatchString(str)) {
								t.Errorf("%s: me lists it clear, got %v (error %q)", where, v, code)
							}
						}
						checked[level]++
					}
				}
			}
		})
	}
	if checked[authz.Clear] == 0 || checked[authz.Masked] == 0 || checked[authz.Withheld] == 0 {
		t.Errorf("checked %v: want fields of every level", checked)
	}
}

// A donor's me names no field of a household that it cannot see among those
// it sees: not the desil, not the register status, not a child's data.
func TestMeDonor(t *testing.T) {
	e := newEnv(t)
	m := askMe(t, e, e.as(t, "CSR-A", "", authz.RoleDonor), "")
	for _, ty := range m.Types {
		if ty.Type != "Household" && ty.Type != "Person" {
			continue
		}
		seen := append(slices.Clone(ty.Clear), ty.Masked...)
		for _, f := range []string{"desil", "registerStatus", "disabled", "birthDate"} {
			if slices.Contains(seen, f) {
				t.Errorf("%s.%s listed as seen: %v", ty.Type, f, seen)
			}
		}
		if len(ty.NeedsPurpose) > 0 {
			t.Errorf("%s: a donor sees nothing personal in clear, but me lists %v as needing a purpose", ty.Type, ty.NeedsPurpose)
		}
	}
	if slices.Contains(m.Operations, "Query.households") {
		t.Error("a donor lists no households")
	}
}

// The me example of docs/access.md is a query the schema takes, as written.
func TestAccessDocsMeExample(t *testing.T) {
	b, err := os.ReadFile("../docs/access.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "## What may I show? The `me` query")
	_, block, ok2 := strings.Cut(section, "```graphql\n")
	query, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 || !strings.Contains(query, "me {") {
		t.Fatal("docs/access.md has no GraphQL example of me in its section")
	}
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	if _, errs := gqlparser.LoadQueryWithRules(schema, query, nil); len(errs) > 0 {
		t.Errorf("docs/access.md: the me example does not validate: %v\n%s", errs, query)
	}
}
