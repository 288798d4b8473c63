package graph_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/jaring-id/jaring/internal/authz"
)

type gqlResponse struct {
	Data   map[string]any
	Errors []struct {
		Message    string
		Path       []any
		Extensions struct{ Code, Field string }
	}
}

func (e *env) ask(t *testing.T, p *authz.Principal, purpose, query string, vars map[string]any) gqlResponse {
	t.Helper()
	_, body := e.postAs(t, p, purpose, query, vars)
	var r gqlResponse
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return r
}

func (r gqlResponse) codes() string {
	var cs []string
	for _, e := range r.Errors {
		cs = append(cs, e.Extensions.Code)
	}
	return strings.Join(cs, ",")
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Donor A cannot reach donor B's households or referrals by KK, by NIK, by
// list, by referral or through nested fields; a village operator of
// 19.04.01 cannot reach a 19.04.02 household by any path; a viewer cannot
// change anything.
func TestCrossTenantProbes(t *testing.T) {
	e := newEnv(t)
	donorA := e.as(t, "CSR-A", "", authz.RoleDonor)
	// A household referred to CSR-B and never to CSR-A.
	kkB := e.scalar(t, `SELECT h.kk FROM household h
		WHERE EXISTS (SELECT 1 FROM referral r JOIN organisation o ON o.id = r.to_id WHERE r.household_id = h.id AND o.code = 'CSR-B')
		  AND NOT EXISTS (SELECT 1 FROM referral r JOIN organisation o ON o.id = r.to_id WHERE r.household_id = h.id AND o.code = 'CSR-A')
		ORDER BY h.id LIMIT 1`)
	nikB := e.scalar(t, `SELECT p.nik FROM person p JOIN household h ON h.id = p.household_id WHERE h.kk = '`+kkB+`' LIMIT 1`)
	// A household referred to CSR-A, whose application was also sent elsewhere.
	kkA := e.scalar(t, `SELECT h.kk FROM household h
		WHERE EXISTS (SELECT 1 FROM referral r JOIN organisation o ON o.id = r.to_id WHERE r.household_id = h.id AND o.code = 'CSR-A')
		ORDER BY (SELECT count(*) FROM referral r WHERE r.household_id = h.id) DESC, h.id LIMIT 1`)
	if n := e.scalar(t, `SELECT count(*)::text FROM referral r JOIN household h ON h.id = r.household_id WHERE h.kk = '`+kkA+`'`); n < "2" {
		t.Logf("household %s has %s referrals: nested probes are weaker", kkA, n)
	}

	type probe struct {
		name  string
		who   *authz.Principal
		query string
		check func(r gqlResponse) string // "" if the probe found nothing it should not
	}
	probes := []probe{
		{"donor A, B's household by KK", donorA, `{ household(kk: "` + kkB + `") { kk } }`,
			func(r gqlResponse) string { return nonNull(r.Data["household"]) }},
		{"donor A, B's household member by NIK", donorA, `{ person(nik: "` + nikB + `") { nik household { kk } } }`,
			func(r gqlResponse) string { return nonNull(r.Data["person"]) }},
		{"donor A lists households", donorA, `{ households(first: 100) { totalCount edges { node { kk } } } }`,
			func(r gqlResponse) string {
				if r.Data["households"] != nil || r.codes() != "FORBIDDEN" {
					body := mustJSON(r)
					return "listed: " + body[:min(len(body), 300)]
				}
				return ""
			}},
		{"donor A's referred household shows only A's referrals", donorA, `{ household(kk: "` + kkA + `") {
			referrals { to { code } application { referrals { to { code } } } household { referrals { to { code } } } }
			applications { referrals { to { code } } }
		} }`, func(r gqlResponse) string {
			if r.Data["household"] == nil {
				return "cannot see its own referred household"
			}
			body := mustJSON(r.Data)
			for _, other := range []string{"CSR-B", "DINSOS", "DINKES", "PERKIM", "BAZNAS", "KESRA", "DINDIK"} {
				if strings.Contains(body, `"`+other+`"`) {
					return "sees a referral to " + other + ": " + body
				}
			}
			return ""
		}},
		{"donor A reads a trail", donorA, `{ auditTrail(nik: "` + nikB + `") { edges { node { id } } } }`,
			func(r gqlResponse) string { return nonNull(r.Data["auditTrail"]) }},
	}

	village := e.as(t, "DESA", "19.04.01", authz.RoleOperator)
	kk02 := e.scalar(t, `SELECT kk FROM household WHERE region_code LIKE '19.04.02.%' ORDER BY id LIMIT 1`)
	nik02 := e.scalar(t, `SELECT p.nik FROM person p JOIN household h ON h.id = p.household_id WHERE h.kk = '`+kk02+`' LIMIT 1`)
	probes = append(probes,
		probe{"village 19.04.01, a 19.04.02 household by KK", village, `{ household(kk: "` + kk02 + `") { kk } }`,
			func(r gqlResponse) string { return nonNull(r.Data["household"]) }},
		probe{"village 19.04.01, a 19.04.02 person by NIK", village, `{ person(nik: "` + nik02 + `") { nik } }`,
			func(r gqlResponse) string { return nonNull(r.Data["person"]) }},
		probe{"village 19.04.01 lists 19.04.02", village, `{ households(filter: {region: "19.04.02"}) { totalCount edges { node { kk } } } }`,
			func(r gqlResponse) string {
				if c := mustJSON(r.Data["households"]); !strings.Contains(c, `"totalCount":0`) || !strings.Contains(c, `"edges":[]`) {
					return "listed: " + c
				}
				return ""
			}},
		probe{"village 19.04.01 lists everything", village, `{ households(first: 100) { totalCount edges { node { region { code } } } } }`,
			func(r gqlResponse) string {
				body := mustJSON(r.Data["households"])
				if strings.Contains(body, `"19.04.02`) || strings.Contains(body, `"19.04.03`) || !strings.Contains(body, `"19.04.01.`) {
					return "saw outside 19.04.01: " + body[:min(len(body), 200)]
				}
				return ""
			}},
		probe{"a viewer records a benefit", e.as(t, "DINKES", "", authz.RoleViewer),
			`mutation { recordBenefits(input: [{kk: "` + kk02 + `", program: "JAMKESDA", amount: 1, period: {start: "2026-01-01"}, externalRef: "VIEWER"}]) { status } }`,
			func(r gqlResponse) string {
				if r.Data != nil && r.Data["recordBenefits"] != nil || r.codes() != "FORBIDDEN" {
					return "recorded: " + mustJSON(r)
				}
				return ""
			}},
	)
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			if leak := p.check(e.ask(t, p.who, "probe", p.query, nil)); leak != "" {
				t.Error(leak)
			}
		})
	}
	if n := e.scalar(t, `SELECT count(*)::text FROM benefit WHERE external_ref = 'VIEWER'`); n != "0" {
		t.Error("the viewer's benefit was recorded")
	}
}

func nonNull(v any) string {
	if v != nil {
		return "found: " + mustJSON(v)
	}
	return ""
}

// Personal data in clear needs a purpose: without X-Purpose those fields
// are withheld with INVALID_INPUT naming the header, and the rest comes.
func TestPurposeRequired(t *testing.T) {
	e := newEnv(t)
	kk := e.scalar(t, `SELECT kk FROM household ORDER BY id LIMIT 1`)
	r := e.ask(t, e.as(t, "DINSOS", "", authz.RoleApprover), "", `{ household(kk: "`+kk+`") { kk desil region { name } members { name relationship } } }`, nil)
	h, _ := r.Data["household"].(map[string]any)
	if h == nil || h["kk"] != nil || h["region"] == nil {
		t.Fatalf("household = %v: want kk withheld, region (public) shown", h)
	}
	members := h["members"].([]any)
	if len(members) == 0 || members[0].(map[string]any)["name"] != nil {
		t.Errorf("members = %v: want names withheld", members)
	}
	if len(r.Errors) == 0 {
		t.Fatal("no errors for the withheld fields")
	}
	for _, er := range r.Errors {
		if er.Extensions.Code != "INVALID_INPUT" || er.Extensions.Field != "X-Purpose" || !strings.Contains(er.Message, "X-Purpose") {
			t.Errorf("error = %+v, want INVALID_INPUT naming X-Purpose", er)
		}
	}
	// Masked fields need no purpose: they reveal nothing to account for.
	r = e.ask(t, e.as(t, "DINKES", "", authz.RoleViewer), "", `{ household(kk: "`+kk+`") { kk } }`, nil)
	if got := mustJSON(r.Data); !maskedNumber.MatchString(r.Data["household"].(map[string]any)["kk"].(string)) || len(r.Errors) > 0 {
		t.Errorf("viewer without purpose = %s %v, want the KK masked, no error", got, r.Errors)
	}
}

// A child's personal data is specific personal data (UU PDP art. 4): an
// operator, who sees adults' names in clear, sees no child's name.
func TestChildren(t *testing.T) {
	e := newEnv(t)
	kk := e.scalar(t, `SELECT h.kk FROM household h WHERE EXISTS (SELECT 1 FROM person c WHERE c.household_id = h.id AND c.birth_date > DATE '2015-01-01')
		AND EXISTS (SELECT 1 FROM person a WHERE a.household_id = h.id AND a.birth_date < DATE '1990-01-01') ORDER BY h.id LIMIT 1`)
	r := e.ask(t, e.as(t, "SILAKSO", "", authz.RoleOperator), "intake", `{ household(kk: "`+kk+`") { members { name birthDate relationship } } }`, nil)
	var adults, children int
	for _, m := range r.Data["household"].(map[string]any)["members"].([]any) {
		m := m.(map[string]any)
		switch {
		case m["name"] != nil && m["birthDate"] != nil:
			adults++
			if m["birthDate"].(string) > "2008-06-30" {
				t.Errorf("a child's data shown in clear to an operator: %v", m)
			}
		case m["name"] == nil && m["birthDate"] == nil && m["relationship"] == nil:
			children++
		default:
			t.Errorf("member half shown: %v", m)
		}
	}
	if adults == 0 || children == 0 {
		t.Errorf("saw %d adults and %d children in clear/withheld, want both", adults, children)
	}
	// An approver, who sees specific data, sees the children too.
	r = e.ask(t, e.as(t, "DINSOS", "", authz.RoleApprover), "assessment", `{ household(kk: "`+kk+`") { members { name } } }`, nil)
	if strings.Contains(mustJSON(r.Data), "null") || len(r.Errors) > 0 {
		t.Errorf("approver: %s %v, want every name", mustJSON(r.Data), r.Errors)
	}
}

// A read that shows personal data in clear writes one audit event naming
// the persons, households and fields seen; a masked-only read writes none.
func TestReadsAudited(t *testing.T) {
	e := newEnv(t)
	kk := e.scalar(t, `SELECT kk FROM household ORDER BY id LIMIT 1`)
	count := func() string { return e.scalar(t, `SELECT count(*)::text FROM audit_event`) }
	before := count()

	e.ask(t, e.as(t, "DINKES", "", authz.RoleViewer), "dashboard", `{ household(kk: "`+kk+`") { kk region { name } members { nik name } } }`, nil)
	if count() != before {
		t.Error("a masked-only read wrote an audit event")
	}

	r := e.ask(t, e.as(t, "DINSOS", "", authz.RoleApprover), "verifikasi SLK-1", `query($kk: String!) { household(kk: $kk) { kk members { nik name disabled } } }`, map[string]any{"kk": kk})
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	var nik string
	for _, m := range r.Data["household"].(map[string]any)["members"].([]any) {
		nik = m.(map[string]any)["nik"].(string)
	}
	var got struct {
		Actor, Org, Operation, Purpose string
		Persons, Households, Fields    []string
		Variables                      map[string]any
	}
	row := e.db.Pool.QueryRow(t.Context(), `SELECT actor, org, operation, purpose, persons, households, fields, variables FROM audit_event ORDER BY id DESC LIMIT 1`)
	if err := row.Scan(&got.Actor, &got.Org, &got.Operation, &got.Purpose, &got.Persons, &got.Households, &got.Fields, &got.Variables); err != nil {
		t.Fatal(err)
	}
	if got.Org != "DINSOS" || got.Operation != "query household" || got.Purpose != "verifikasi SLK-1" ||
		!strings.Contains(strings.Join(got.Persons, ","), nik) || strings.Join(got.Households, ",") != kk ||
		strings.Join(got.Fields, ",") != "Household.kk,Person.disabled,Person.name,Person.nik" || got.Variables["kk"] != kk {
		t.Errorf("audit event = %+v", got)
	}

	// The trail of that person shows the read, to an auditor.
	r = e.ask(t, e.auditor(t), "keberatan warga", `query($nik: String!) { auditTrail(nik: $nik) { edges { node { organisation operation purpose fields persons } } } }`, map[string]any{"nik": nik})
	if trail := mustJSON(r.Data); !strings.Contains(trail, `"organisation":"DINSOS"`) || !strings.Contains(trail, "verifikasi SLK-1") {
		t.Errorf("trail = %s", trail)
	}
	rep, err := e.audit.Verify(t.Context())
	if checked, broken := rep.Checked, rep.Broken; err != nil || broken != nil || checked != 2 { // the read, and the auditor's read of the trail
		t.Errorf("Verify = %d, %v, %v", checked, broken, err)
	}
}
