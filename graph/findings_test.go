package graph_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/jaring-id/jaring/internal/authz"
)

// The findings of the attack on the graph that scope by row answers, each as
// a test (issue "Scope by row"); the limits, the login and the workflow's
// race are tested where they are kept (internal/hub, internal/postgres).

// sixteenDigits is a NIK or KK in clear.
var sixteenDigits = regexp.MustCompile(`\d{16}`)

// A village operator of 19.04.01 neither sees nor acts on the referral of a
// 19.04.02 household addressed to its organisation (which serves the whole
// regency): its inbox leaves it out, deciding it answers exactly as an ID
// that does not exist, and recording aid for that household is NOT_FOUND. A
// district-limited agency token sees its district's inbox only.
func TestFindingVillageInbox(t *testing.T) {
	e := newEnv(t)
	scopeData(t, e)
	village := e.as(t, "DESA", "19.04.01", authz.RoleApprover)
	r := e.ask(t, village, "inbox", `{ referralInbox(first: 100) { edges { node { id household { kk region { code } members { nik name } } } } } }`, nil)
	inbox := mustJSON(r.Data)
	if len(r.Errors) > 0 || strings.Contains(inbox, `"19.04.02`) || !strings.Contains(inbox, `"19.04.01.`) {
		t.Errorf("village inbox = %s %v", inbox, r.Errors)
	}
	outside := e.scalar(t, `SELECT r.id::text FROM referral r JOIN application a ON a.id = r.application_id WHERE a.number = 'SCOPE-02'`)
	decide := `mutation($id: ID!) { decideReferral(input: {referral: $id, decision: ACCEPT, benefit: {program: "BLT_DD", amount: 300000,
		period: {start: "2026-07-01", end: "2026-07-31"}, externalRef: "DESA-LEAK"}}) { status } }`
	got := e.ask(t, village, "decide", decide, map[string]any{"id": outside})
	none := e.ask(t, village, "decide", decide, map[string]any{"id": "999999"})
	if got.codes() != "NOT_FOUND" || got.Errors[0].Message != strings.Replace(none.Errors[0].Message, "999999", outside, 1) {
		t.Errorf("deciding a referral out of scope = %v, want exactly as one that does not exist (%v)", got.Errors, none.Errors)
	}
	kk := e.scalar(t, `SELECT h.kk FROM household h JOIN application a ON a.household_id = h.id WHERE a.number = 'SCOPE-02'`)
	rec := e.ask(t, village, "pay", `mutation($kk: String!) { recordBenefits(input: [{kk: $kk, program: "BLT_DD", amount: 300000,
		period: {start: "2026-07-01", end: "2026-07-31"}, externalRef: "DESA-LEAK-2"}]) { status } }`, map[string]any{"kk": kk})
	if s := mustJSON(rec.Data); s != `{"recordBenefits":[{"status":"NOT_FOUND"}]}` {
		t.Errorf("recording for a household out of scope = %s", s)
	}
	if n := e.scalar(t, `SELECT count(*)::text FROM benefit WHERE external_ref LIKE 'DESA-LEAK%'`); n != "0" {
		t.Error("aid was recorded for a household out of scope")
	}

	agency := e.as(t, "DINSOS", "19.04.02", authz.RoleApprover)
	r = e.ask(t, agency, "inbox", `{ referralInbox(first: 100) { edges { node { household { region { code } } } } } }`, nil)
	regions := regexp.MustCompile(`"code":"([\d.]+)"`).FindAllStringSubmatch(mustJSON(r.Data), -1)
	if len(regions) == 0 {
		t.Fatalf("the district's inbox is empty: %s", mustJSON(r))
	}
	for _, m := range regions {
		if !strings.HasPrefix(m[1], "19.04.02.") {
			t.Errorf("an agency token of 19.04.02 sees a referral of %s", m[1])
		}
	}
}

// An auditor limited to 19.04.02 lists the overrides of 19.04.02 only.
func TestFindingAuditorOverrides(t *testing.T) {
	e := newEnv(t)
	scopeData(t, e) // overrides in 19.04.01 and 19.04.02
	all := e.ask(t, e.as(t, "INSPEKTORAT", "", authz.RoleAuditor), "audit", `{ overrides { edges { node { household { region { code } } } } } }`, nil)
	if s := mustJSON(all.Data); !strings.Contains(s, `"19.04.01.`) || !strings.Contains(s, `"19.04.02.`) {
		t.Fatalf("a regency auditor's overrides = %s", s)
	}
	r := e.ask(t, e.as(t, "INSPEKTORAT", "19.04.02", authz.RoleAuditor), "audit", `{ overrides { edges { node { externalRef household { kk region { code } members { nik name } } } } } }`, nil)
	if s := mustJSON(r.Data); len(r.Errors) > 0 || strings.Contains(s, `"19.04.01.`) || !strings.Contains(s, `"19.04.02.`) {
		t.Errorf("overrides for an auditor of 19.04.02 = %s %v", s, r.Errors)
	}
}

// A donor reads no KK or NIK from an error: every message names households
// and persons masked at most, and the whole answer of each refusal holds no
// sixteen-digit number.
func TestFindingDonorErrors(t *testing.T) {
	e := newEnv(t)
	donor := e.as(t, "CSR-B", "", authz.RoleDonor)
	referred := e.scalar(t, `SELECT h.kk FROM household h JOIN referral r ON r.household_id = h.id JOIN application a ON a.id = r.application_id
		WHERE r.to_id = (SELECT id FROM organisation WHERE code = 'CSR-B') AND r.status = 'PENDING' AND a.kind_code = 'HOUSING' ORDER BY h.id LIMIT 1`)
	ref := e.scalar(t, `SELECT r.id::text FROM referral r JOIN household h ON h.id = r.household_id
		WHERE h.kk = '`+referred+`' AND r.to_id = (SELECT id FROM organisation WHERE code = 'CSR-B') AND r.status = 'PENDING' LIMIT 1`)
	other := e.scalar(t, `SELECT kk FROM household h WHERE NOT EXISTS (SELECT 1 FROM referral r WHERE r.household_id = h.id) ORDER BY id LIMIT 1`)
	nik := e.scalar(t, `SELECT p.nik FROM person p JOIN household h ON h.id = p.household_id WHERE h.kk = '`+referred+`' LIMIT 1`)
	record := `mutation($in: [BenefitInput!]!) { recordBenefits(input: $in) { status error { code field message } } }`
	decide := `mutation($in: DecisionInput!) { decideReferral(input: $in) { status } }`
	benefitIn := func(kk, nik, program string) map[string]any {
		in := map[string]any{"program": program, "amount": 1, "period": map[string]any{"start": "2026-07-01"}, "externalRef": "CSRB-ERR"}
		if kk != "" {
			in["kk"] = kk
		}
		if nik != "" {
			in["nik"] = nik
		}
		return in
	}
	cases := []struct {
		name, query string
		vars        map[string]any
	}{
		{"a household not referred", record, map[string]any{"in": []any{benefitIn(other, "", "CSRB_BEDAH_RUMAH")}}},
		{"another donor's program", record, map[string]any{"in": []any{benefitIn(referred, "", "CSRA_KURSI_RODA")}}},
		{"a person's aid by KK", record, map[string]any{"in": []any{benefitIn(referred, "", "PIP")}}},
		{"a NIK and a KK that disagree", record, map[string]any{"in": []any{benefitIn(other, nik, "CSRA_KURSI_RODA")}}},
		{"a decision for another household", decide, map[string]any{"in": map[string]any{"referral": ref, "decision": "ACCEPT",
			"benefit": benefitIn(other, "", "CSRB_BEDAH_RUMAH")}}},
		{"a decision with another kind of aid", decide, map[string]any{"in": map[string]any{"referral": ref, "decision": "ACCEPT",
			"benefit": benefitIn("", nik, "CSRA_KURSI_RODA")}}},
	}
	for _, c := range cases {
		_, body := e.postAs(t, donor, "", c.query, c.vars)
		if !strings.Contains(string(body), `"code"`) {
			t.Errorf("%s: no refusal: %s", c.name, body)
		}
		if m := sixteenDigits.Find(body); m != nil {
			t.Errorf("%s: the answer holds %s: %s", c.name, m, body)
		}
	}
}

// The rules of the regency are the front office's to change: not an
// agency's, a village's or a donor's admin's. A donor records only its own
// programs, from its own funds.
func TestFindingRulesAndDonorRecords(t *testing.T) {
	e := newEnv(t)
	set := `mutation { setKindExclusive(kind: "FOOD", exclusive: false) { code exclusive } }`
	for _, who := range []*authz.Principal{
		e.as(t, "CSR-A", "", authz.RoleAdmin), e.as(t, "DINSOS", "", authz.RoleAdmin), e.as(t, "DESA", "19.04.01", authz.RoleAdmin),
	} {
		if r := e.ask(t, who, "", set, nil); r.codes() != "FORBIDDEN" || r.Data["setKindExclusive"] != nil {
			t.Errorf("admin of %s (%s) switches the rule off: %s", who.Org, who.OrgKind, mustJSON(r))
		}
	}
	if exclusive := e.scalar(t, `SELECT exclusive::text FROM benefit_kind WHERE code = 'FOOD'`); exclusive != "true" {
		t.Fatal("the rule was switched off")
	}
	if r := e.ask(t, e.as(t, "SILAKSO", "", authz.RoleAdmin), "", set, nil); r.codes() != "" {
		t.Errorf("the front office's admin: %v", r.Errors)
	}

	kk := e.scalar(t, `SELECT h.kk FROM household h JOIN referral r ON r.household_id = h.id
		WHERE r.to_id = (SELECT id FROM organisation WHERE code = 'CSR-A') ORDER BY h.id LIMIT 1`)
	nik := e.scalar(t, `SELECT p.nik FROM person p JOIN household h ON h.id = p.household_id WHERE h.kk = '`+kk+`' LIMIT 1`)
	donor := e.as(t, "CSR-A", "", authz.RoleDonor)
	for _, c := range []struct{ name, item, field string }{
		{"another donor's program", `{kk: "` + kk + `", program: "CSRB_BEDAH_RUMAH", amount: 1, period: {start: "2026-07-01"}, externalRef: "A1"}`, "input[0].program"},
		{"a national program", `{nik: "` + nik + `", program: "PBI_JK", amount: 1, period: {start: "2026-07-01"}, externalRef: "A2"}`, "input[0].program"},
		{"the budget's money", `{nik: "` + nik + `", program: "CSRA_KURSI_RODA", source: APBN, amount: 1, period: {start: "2026-07-01"}, externalRef: "A3"}`, "input[0].source"},
	} {
		r := e.ask(t, donor, "", `mutation { recordBenefits(input: [`+c.item+`]) { status error { code field } } }`, nil)
		if s := mustJSON(r.Data); !strings.Contains(s, `"status":"FORBIDDEN"`) || !strings.Contains(s, `"field":"`+c.field+`"`) {
			t.Errorf("a donor records %s: %s", c.name, s)
		}
	}
}

// Every reading and change of a person is on their trail: aid recorded by
// NIK, every step of the workflow (for the applicant and every member of
// the household), and a reading of their household.
func TestFindingTrailsComplete(t *testing.T) {
	e := newEnv(t)
	kk := e.scalar(t, `SELECT h.kk FROM household h WHERE h.register_status = 'REGISTERED'
		AND (SELECT count(*) FROM person p WHERE p.household_id = h.id AND p.birth_date < '2000-01-01') >= 2 ORDER BY h.id LIMIT 1`)
	niks := strings.Fields(e.scalar(t, `SELECT string_agg(p.nik, ' ' ORDER BY p.id) FROM person p JOIN household h ON h.id = p.household_id
		WHERE h.kk = '`+kk+`' AND p.birth_date < '2000-01-01'`))
	head, member := niks[0], niks[1]
	trail := func(nik string) string {
		r := e.ask(t, e.as(t, "INSPEKTORAT", "", authz.RoleAuditor), "permintaan warga", `query($nik: String!) { auditTrail(nik: $nik, first: 100) {
			edges { node { operation organisation } } } }`, map[string]any{"nik": nik})
		return mustJSON(r.Data)
	}
	// Aid to one person, by NIK.
	r := e.ask(t, e.as(t, "DINKES", "", authz.RoleApprover), "pembayaran", `mutation($nik: String!) { recordBenefits(input: [{nik: $nik,
		program: "JAMKESDA", amount: 1, period: {start: "2031-01-01", end: "2031-01-31"}, externalRef: "TRAIL-1"}]) { status } }`, map[string]any{"nik": member})
	if s := mustJSON(r.Data); !strings.Contains(s, "RECORDED") {
		t.Fatal(s)
	}
	if s := trail(member); !strings.Contains(s, `"operation":"mutation recordBenefits","organisation":"DINKES"`) {
		t.Errorf("aid recorded for %s is not on their trail: %s", member, s)
	}
	// The workflow: each step names the household's members.
	desk := e.as(t, "SILAKSO", "", authz.RoleVerifier)
	sub := e.ask(t, desk, "loket", `mutation($nik: String!, $kk: String!) { submitApplication(input: {applicantNik: $nik, kk: $kk, type: AID_REQUEST,
		kind: "HOUSING", description: "Atap bocor", documents: {ktp: true, kk: true, sktm: false, register: true}}) { id } }`,
		map[string]any{"nik": head, "kk": kk})
	id := sub.Data["submitApplication"].(map[string]any)["id"].(string)
	e.ask(t, desk, "verifikasi", `mutation($id: ID!) { verifyApplication(id: $id) { status } }`, map[string]any{"id": id})
	e.ask(t, desk, "rujukan", `mutation($id: ID!) { referApplication(id: $id, to: [{organisation: "PERKIM", program: "RTLH"}]) { status } }`, map[string]any{"id": id})
	for _, op := range []string{"submitApplication", "verifyApplication", "referApplication"} {
		for _, nik := range []string{head, member} {
			if s := trail(nik); !strings.Contains(s, `"operation":"mutation `+op+`"`) {
				t.Errorf("%s is not on the trail of %s: %s", op, nik, s)
			}
		}
	}
	// A reading of the household in clear names every member.
	e.ask(t, e.as(t, "DINSOS", "", authz.RoleApprover), "penilaian", `query($kk: String!) { household(kk: $kk) { kk address } }`, map[string]any{"kk": kk})
	if s := trail(member); !strings.Contains(s, `"operation":"query household","organisation":"DINSOS"`) {
		t.Errorf("a reading of the household is not on the trail of its member: %s", s)
	}
}

// A filter on a field is a way of reading it: the front office, which may
// not see desil, may not narrow a list by it; an approver may, with a
// purpose, and the households listed are named in the audit event.
func TestFindingFilterReads(t *testing.T) {
	e := newEnv(t)
	list := `{ households(filter: {desilMax: 2}, first: 5) { totalCount edges { node { kk } } } }`
	r := e.ask(t, e.as(t, "SILAKSO", "", authz.RoleOperator), "pendataan", list, nil)
	if r.Data["households"] != nil || r.codes() != "FORBIDDEN" || r.Errors[0].Extensions.Field != "filter.desilMax" {
		t.Errorf("the front office filters on desil: %s", mustJSON(r))
	}
	r = e.ask(t, e.as(t, "DESA", "19.04.01", authz.RoleOperator), "pendataan", list, nil)
	if r.codes() != "FORBIDDEN" {
		t.Errorf("a village operator filters on desil: %s", mustJSON(r))
	}
	approver := e.as(t, "DINSOS", "", authz.RoleApprover)
	if r := e.ask(t, approver, "", list, nil); r.codes() != "INVALID_INPUT" || r.Errors[0].Extensions.Field != "X-Purpose" {
		t.Errorf("an approver filters without a purpose: %s", mustJSON(r))
	}
	before := e.scalar(t, `SELECT count(*)::text FROM audit_event`)
	r = e.ask(t, approver, "penetapan sasaran", `{ households(filter: {desilMax: 2}, first: 5) { edges { node { region { code } } } } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	var ev struct {
		Fields     []string
		Households []string
	}
	if err := e.owner.Pool.QueryRow(context.Background(), `SELECT fields, households FROM audit_event ORDER BY id DESC LIMIT 1`).Scan(&ev.Fields, &ev.Households); err != nil {
		t.Fatal(err)
	}
	if after := e.scalar(t, `SELECT count(*)::text FROM audit_event`); after == before || fmt.Sprint(ev.Fields) != "[Household.desil]" || len(ev.Households) != 5 {
		t.Errorf("the filtered list's audit event = %+v", ev)
	}
}
