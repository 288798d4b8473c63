package graph_test

import (
	"strings"
	"testing"

	"github.com/jaring-id/jaring/internal/authz"
)

// Recording aid a household already receives fails with DOUBLE_AID and the
// clashing benefit; checkAid shows the same clash before anyone tries; a
// supervisor's override is recorded, listed for auditors, and shows as a
// conflict of the household.
func TestDoubleAidThroughTheGraph(t *testing.T) {
	e := newEnv(t)
	// A household on BPNT (FOOD, APBN) this year.
	kk := e.scalar(t, `SELECT h.kk FROM household h JOIN benefit b ON b.household_id = h.id JOIN program p ON p.id = b.program_id
		WHERE p.code = 'BPNT' AND b.status = 'ACTIVE' AND b.period @> DATE '2026-06-30' ORDER BY h.id LIMIT 1`)
	kesra := e.as(t, "KESRA", "", authz.RoleApprover)
	rasda := `mutation($kk: String!, $override: String) { recordBenefits(input: [{kk: $kk, program: "RASDA", amount: 1200000,
		period: {start: "2026-07-01", end: "2026-12-31"}, externalRef: "KESRA-RASDA-T1", override: $override}]) {
		status error { code message field } clashes { benefit { program { code } source payer { code } period { start end } } rule { kind description } } } }`

	// Before: checkAid names the BPNT benefit and the rule.
	r := e.ask(t, kesra, "penilaian", `query($kk: String!) { checkAid(kk: $kk, kind: "FOOD", program: "RASDA", period: {start: "2026-07-01", end: "2026-12-31"}) {
		benefit { program { code } source } rule { kind description } } }`, map[string]any{"kk": kk})
	if got := mustJSON(r.Data); !strings.Contains(got, `"code":"BPNT"`) || !strings.Contains(got, "SAME_KIND") || len(r.Errors) > 0 {
		t.Fatalf("checkAid = %s %v", got, r.Errors)
	}
	// Rice and medical costs stack: nothing to report.
	r = e.ask(t, kesra, "penilaian", `query($kk: String!) { checkAid(kk: $kk, kind: "HOUSING", period: {start: "2026-07-01"}) { rule { kind } } }`, map[string]any{"kk": kk})
	if got := mustJSON(r.Data); got != `{"checkAid":[]}` {
		t.Errorf("checkAid for housing = %s %v", got, r.Errors)
	}

	r = e.ask(t, kesra, "pembayaran", rasda, map[string]any{"kk": kk})
	res := mustJSON(r.Data)
	if !strings.Contains(res, `"status":"DOUBLE_AID"`) || !strings.Contains(res, `"code":"DOUBLE_AID"`) || !strings.Contains(res, `"code":"BPNT"`) ||
		!strings.Contains(res, "SAME_KIND") || !strings.Contains(res, "clashes with benefit") {
		t.Fatalf("RASDA for a BPNT household = %s", res)
	}
	if n := e.scalar(t, `SELECT count(*)::text FROM benefit WHERE external_ref = 'KESRA-RASDA-T1'`); n != "0" {
		t.Fatal("the clashing benefit was written")
	}
	// An approver may not override; a supervisor may, with a justification.
	why := "Banjir Koba: beras tambahan selama masa tanggap darurat"
	r = e.ask(t, kesra, "pembayaran", rasda, map[string]any{"kk": kk, "override": why})
	if res := mustJSON(r.Data); !strings.Contains(res, `"status":"FORBIDDEN"`) || !strings.Contains(res, "input[0].override") {
		t.Errorf("an approver's override = %s", res)
	}
	r = e.ask(t, e.as(t, "KESRA", "", authz.RoleSupervisor), "pembayaran", rasda, map[string]any{"kk": kk, "override": why})
	if res := mustJSON(r.Data); !strings.Contains(res, `"status":"RECORDED"`) || !strings.Contains(res, `"code":"BPNT"`) {
		t.Fatalf("a supervisor's override = %s %v", res, r.Errors)
	}

	// Auditors list it, with who and why; the household shows the conflict.
	r = e.ask(t, e.auditor(t), "audit override", `{ overrides { edges { node { externalRef override { reason by organisation { code } at } } } } }`, nil)
	if got := mustJSON(r.Data); !strings.Contains(got, why) || !strings.Contains(got, `"code":"KESRA"`) || !strings.Contains(got, "kesra-test") {
		t.Errorf("overrides = %s %v", got, r.Errors)
	}
	r = e.ask(t, kesra, "x", `{ overrides { edges { node { id } } } }`, nil)
	if r.codes() != "FORBIDDEN" {
		t.Errorf("an approver lists overrides: %v", r)
	}
	r = e.ask(t, e.auditor(t), "audit", `query($kk: String!) { household(kk: $kk) { conflicts { benefits { program { code } } rule { kind } } } }`, map[string]any{"kk": kk})
	if got := mustJSON(r.Data); !strings.Contains(got, "BPNT") || !strings.Contains(got, "RASDA") || !strings.Contains(got, "SAME_KIND") {
		t.Errorf("conflicts = %s", got)
	}
	// The override was recorded in the audit log, with its justification in the variables.
	if n := e.scalar(t, `SELECT count(*)::text FROM audit_event WHERE operation = 'mutation recordBenefits' AND variables::text LIKE '%Banjir Koba%'`); n != "1" {
		t.Errorf("%s audit events for the override, want 1", n)
	}
}

// Only admins change the rules, and each change is audited; a rule changed
// applies at once.
func TestRulesAsData(t *testing.T) {
	e := newEnv(t)
	admin := e.as(t, "SILAKSO", "", authz.RoleAdmin)
	r := e.ask(t, e.as(t, "DINSOS", "", authz.RoleSupervisor), "x", `mutation { setKindExclusive(kind: "MEDICAL_COST", exclusive: false) { code } }`, nil)
	if r.codes() != "FORBIDDEN" {
		t.Errorf("a supervisor changes a rule: %v", r)
	}
	before := e.scalar(t, `SELECT count(*)::text FROM audit_event`)
	r = e.ask(t, admin, "Perbup 12/2026", `mutation {
		a: setKindExclusive(kind: "MEDICAL_COST", exclusive: false) { code exclusive }
		b: addProgramExclusion(programA: "ZAKAT_HIDUP", programB: "PKH", reason: "BAZNAS: keluarga PKH tidak menerima bantuan biaya hidup") { programA { code } programB { code } reason }
	}`, nil)
	if got := mustJSON(r.Data); !strings.Contains(got, `"exclusive":false`) || !strings.Contains(got, "ZAKAT_HIDUP") || len(r.Errors) > 0 {
		t.Fatalf("rule changes = %s %v", got, r.Errors)
	}
	if after := e.scalar(t, `SELECT count(*)::text FROM audit_event`); after <= before {
		t.Error("rule changes were not audited")
	}
	// The new exclusion applies to the next check.
	kk := e.scalar(t, `SELECT h.kk FROM household h JOIN benefit b ON b.household_id = h.id JOIN program p ON p.id = b.program_id
		WHERE p.code = 'PKH' AND b.status = 'ACTIVE' AND b.period @> DATE '2026-06-30' ORDER BY h.id LIMIT 1`)
	r = e.ask(t, admin, "x", `query($kk: String!) { checkAid(kk: $kk, kind: "CASH_LIVING", program: "ZAKAT_HIDUP", period: {start: "2026-07-01"}) { rule { kind description } } }`, map[string]any{"kk": kk})
	if got := mustJSON(r.Data); !strings.Contains(got, "PROGRAM_EXCLUSION") || !strings.Contains(got, "BAZNAS") {
		t.Errorf("checkAid after the new exclusion = %s %v", got, r.Errors)
	}
	r = e.ask(t, admin, "x", `mutation { removeProgramExclusion(programA: "PKH", programB: "ZAKAT_HIDUP") }`, nil)
	if got := mustJSON(r.Data); got != `{"removeProgramExclusion":true}` {
		t.Errorf("remove = %s %v", got, r.Errors)
	}
	r = e.ask(t, admin, "x", `mutation { removeProgramExclusion(programA: "PKH", programB: "ZAKAT_HIDUP") }`, nil)
	if r.codes() != "NOT_FOUND" {
		t.Errorf("removing it twice: %v", r)
	}
	r = e.ask(t, admin, "x", `mutation { addProgramExclusion(programA: "PKH", programB: "PKH", reason: "x") { reason } }`, nil)
	if r.codes() != "INVALID_INPUT" {
		t.Errorf("a program excluding itself: %v", r)
	}
}

// The whole workflow through the graph: the desk submits, the verifier
// verifies and refers, the agency finds it in its inbox and approves with
// the benefit, and the application closes. Steps out of order are CONFLICT.
func TestWorkflowThroughTheGraph(t *testing.T) {
	e := newEnv(t)
	// A household CSR-B's program takes too: a registered one of Koba, desil 4 or poorer, with no house repair.
	kk := e.scalar(t, `SELECT h.kk FROM household h WHERE h.register_status = 'REGISTERED' AND h.region_code LIKE '19.04.01.%' AND h.desil <= 4
		AND NOT EXISTS (SELECT 1 FROM benefit b WHERE b.household_id = h.id AND b.kind_code = 'HOUSING') ORDER BY h.id LIMIT 1`)
	nik := e.scalar(t, `SELECT p.nik FROM person p JOIN household h ON h.id = p.household_id WHERE h.kk = '`+kk+`' AND p.relationship = 'HEAD'`)
	desk := e.as(t, "SILAKSO", "", authz.RoleOperator)
	verifier := e.as(t, "SILAKSO", "", authz.RoleVerifier)
	perkim := e.as(t, "PERKIM", "", authz.RoleApprover)

	r := e.ask(t, desk, "loket SiLakso", `mutation($nik: String!, $kk: String!) { submitApplication(input: {applicantNik: $nik, kk: $kk,
		type: AID_REQUEST, category: "perumahan", kind: "HOUSING", description: "Atap rumah bocor",
		documents: {ktp: true, kk: true, sktm: false, register: true}}) { id number status applicant { nik } } }`, map[string]any{"nik": nik, "kk": kk})
	app, _ := r.Data["submitApplication"].(map[string]any)
	if app == nil || app["status"] != "SUBMITTED" || !strings.HasPrefix(app["number"].(string), "SLK-") {
		t.Fatalf("submit = %v %v", r.Data, r.Errors)
	}
	id := app["id"]
	// The desk operator may not verify; referring before verifying is out of order.
	if r := e.ask(t, desk, "x", `mutation($id: ID!) { verifyApplication(id: $id) { status } }`, map[string]any{"id": id}); r.codes() != "FORBIDDEN" {
		t.Errorf("an operator verifies: %v", r)
	}
	r = e.ask(t, verifier, "x", `mutation($id: ID!) { referApplication(id: $id, to: [{organisation: "PERKIM"}]) { status } }`, map[string]any{"id": id})
	if r.codes() != "CONFLICT" || !strings.Contains(r.Errors[0].Message, "SUBMITTED") {
		t.Errorf("refer before verify: %v", r)
	}
	r = e.ask(t, verifier, "verifikasi", `mutation($id: ID!) { verifyApplication(id: $id) { status statusReason } }`, map[string]any{"id": id})
	if got := mustJSON(r.Data); !strings.Contains(got, `"VERIFIED"`) {
		t.Fatalf("verify = %s %v", got, r.Errors)
	}
	// A donor is referred to one of its programs, and keeps the answer of its criteria.
	r = e.ask(t, verifier, "rujukan", `mutation($id: ID!) { referApplication(id: $id, to: [{organisation: "CSR-B"}]) { status } }`, map[string]any{"id": id})
	if r.codes() != "INVALID_INPUT" || r.Errors[0].Extensions.Field != "to[0].program" {
		t.Errorf("refer to a donor without its program: %v", r)
	}
	r = e.ask(t, verifier, "rujukan", `mutation($id: ID!) { referApplication(id: $id, to: [{organisation: "PERKIM", program: "RTLH"},
		{organisation: "CSR-B", program: "CSRB_BEDAH_RUMAH"}]) { status referrals { to { code } status eligibility { eligible met unmet } } } }`, map[string]any{"id": id})
	if got := mustJSON(r.Data); !strings.Contains(got, `"REFERRED"`) || !strings.Contains(got, "CSR-B") ||
		!strings.Contains(got, `"eligibility":{"eligible":true,"met":["REGISTERED","REGION","DESIL","NOT_RECEIVING"],"unmet":[]}`) {
		t.Fatalf("refer = %s %v", got, r.Errors)
	}

	// PERKIM's inbox, oldest first, ends with the new referral, 0 days old.
	r = e.ask(t, perkim, "antrian", `{ referralInbox(status: PENDING, first: 100) { edges { node { id ageDays application { number } } } } }`, nil)
	edges := r.Data["referralInbox"].(map[string]any)["edges"].([]any)
	last := edges[len(edges)-1].(map[string]any)["node"].(map[string]any)
	if last["application"].(map[string]any)["number"] != app["number"] {
		t.Fatalf("the newest referral is not last in the inbox: %v", last)
	}
	for i := 1; i < len(edges); i++ {
		if edges[i].(map[string]any)["node"].(map[string]any)["ageDays"].(float64) > edges[i-1].(map[string]any)["node"].(map[string]any)["ageDays"].(float64) {
			t.Fatalf("the inbox is not oldest first at %d", i)
		}
	}
	refID := last["id"]
	// CSR-B cannot decide PERKIM's referral.
	if r := e.ask(t, e.as(t, "CSR-B", "", authz.RoleDonor), "x", `mutation($id: ID!) { decideReferral(input: {referral: $id, decision: REJECT, reason: "x"}) { status } }`, map[string]any{"id": refID}); r.codes() != "NOT_FOUND" {
		t.Errorf("CSR-B decides PERKIM's referral: %v", r)
	}
	r = e.ask(t, perkim, "keputusan", `mutation($id: ID!) { decideReferral(input: {referral: $id, decision: ACCEPT, reason: "Layak",
		benefit: {program: "RTLH", amount: 17500000, period: {start: "2026-08-01", end: "2026-10-31"}, channel: IN_KIND, externalRef: "PERKIM-RTLH-GQL"}}) {
		status benefit { program { code } household { kk } } } }`, map[string]any{"id": refID})
	if got := mustJSON(r.Data); !strings.Contains(got, `"FULFILLED"`) || !strings.Contains(got, kk) {
		t.Fatalf("decide = %s %v", got, r.Errors)
	}
	// CSR-B's referral is still pending: the application is still REFERRED.
	r = e.ask(t, verifier, "x", `query($kk: String!) { household(kk: $kk) { applications { number status } } }`, map[string]any{"kk": kk})
	if got := mustJSON(r.Data); !strings.Contains(got, `"REFERRED"`) {
		t.Errorf("application = %s", got)
	}
	// CSR-B offers a house repair too: double aid, refused, nothing written.
	csrB := e.as(t, "CSR-B", "", authz.RoleDonor)
	r = e.ask(t, csrB, "x", `{ referralInbox(status: PENDING, first: 100) { edges { node { id application { number } } } } }`, nil)
	var csrRef any
	for _, edge := range r.Data["referralInbox"].(map[string]any)["edges"].([]any) {
		if n := edge.(map[string]any)["node"].(map[string]any); n["application"].(map[string]any)["number"] == app["number"] {
			csrRef = n["id"]
		}
	}
	r = e.ask(t, csrB, "x", `mutation($id: ID!) { decideReferral(input: {referral: $id, decision: ACCEPT,
		benefit: {program: "CSRB_BEDAH_RUMAH", amount: 25000000, period: {start: "2026-09-01", end: "2026-12-31"}, externalRef: "CSRB-GQL"}}) { status } }`, map[string]any{"id": csrRef})
	if r.codes() != "DOUBLE_AID" || !strings.Contains(r.Errors[0].Message, "RTLH") || r.Errors[0].Extensions.Field != "input.benefit" {
		t.Fatalf("CSR-B's clashing repair = %v", r)
	}
	// It rejects instead, with a reason: every referral decided, the application closes.
	r = e.ask(t, csrB, "x", `mutation($id: ID!) { decideReferral(input: {referral: $id, decision: REJECT, reason: "Sudah dibantu PERKIM"}) { status reason } }`, map[string]any{"id": csrRef})
	if got := mustJSON(r.Data); !strings.Contains(got, `"REJECTED"`) {
		t.Fatalf("reject = %s %v", got, r.Errors)
	}
	r = e.ask(t, verifier, "x", `query($kk: String!) { household(kk: $kk) { applications { number status } } }`, map[string]any{"kk": kk})
	if got := mustJSON(r.Data); !strings.Contains(got, `"CLOSED"`) {
		t.Errorf("application after every decision = %s", got)
	}
}

// A village operator records only for its own villages.
func TestRecordOutOfScope(t *testing.T) {
	e := newEnv(t)
	kk := e.scalar(t, `SELECT kk FROM household WHERE region_code LIKE '19.04.02.%' ORDER BY id LIMIT 1`)
	r := e.ask(t, e.as(t, "DESA", "19.04.01", authz.RoleApprover), "BLT", `mutation($kk: String!) { recordBenefits(input: [{kk: $kk, program: "BLT_DD", amount: 300000,
		period: {start: "2026-07-01", end: "2026-07-31"}, externalRef: "DESA-OUT"}]) { status error { code field } } }`, map[string]any{"kk": kk})
	// Out of scope is as not there at all: NOT_FOUND, its status its code.
	if got := mustJSON(r.Data); got != `{"recordBenefits":[{"error":{"code":"NOT_FOUND","field":"input[0].kk"},"status":"NOT_FOUND"}]}` {
		t.Errorf("a village records for another: %s", got)
	}
}
