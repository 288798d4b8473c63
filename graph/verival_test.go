package graph_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/hub"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/verival"
)

// The GraphQL operations of register changes, as their callers send them.
const (
	proposeQuery = `mutation($kk: String!, $nik: String, $change: RegisterChangeKind!, $reason: RegisterChangeReason!, $evidence: String!,
		$corrections: RegisterCorrectionInput) {
		proposeRegisterChange(kk: $kk, nik: $nik, change: $change, reason: $reason, evidence: $evidence, corrections: $corrections) {
			id status change reason evidence household { kk } person { nik registerStatus } } }`
	deliberateQuery = `mutation($village: String!, $date: Date!, $ref: String!, $decisions: [DeliberationDecisionInput!]!) {
		recordDeliberation(village: $village, date: $date, minutesRef: $ref, decisions: $decisions) {
			id village { code } date minutesRef changes { id status note person { registerStatus } } } }`
)

// walkVillages are the villages verivalData arranges register changes in:
// two of Koba (one the village token of the scope walk's) and one of
// Pangkalan Baru.
var walkVillages = []string{"19.04.01.2003", "19.04.01.1001", "19.04.02.2004"}

// deceasedHousehold picks, in village, a registered household whose head
// holds aid in their own name and the household aid that DINSOS pays, with
// another member, and no children: its KK, the head's NIK and the member's.
func deceasedHousehold(t *testing.T, e *env, village string, skip int) (kk, head, member string) {
	t.Helper()
	got := strings.Fields(e.scalar(t, fmt.Sprintf(`SELECT h.kk || ' ' || p.nik || ' ' || (SELECT q.nik FROM person q WHERE q.household_id = h.id
			AND q.relationship <> 'HEAD' AND q.birth_date < '2000-01-01' ORDER BY q.id LIMIT 1)
		FROM household h JOIN person p ON p.household_id = h.id AND p.relationship = 'HEAD'
		WHERE h.region_code = '%s' AND h.register_status = 'REGISTERED'
		AND EXISTS (SELECT 1 FROM benefit b JOIN organisation o ON o.id = b.payer_id WHERE b.household_id = h.id AND b.person_id IS NULL
			AND b.status = 'ACTIVE' AND o.code = 'DINSOS' AND (upper_inf(b.period) OR upper(b.period) > '2026-06-30'))
		AND EXISTS (SELECT 1 FROM benefit b WHERE b.person_id = p.id AND b.status = 'ACTIVE' AND (upper_inf(b.period) OR upper(b.period) > '2026-06-30'))
		AND EXISTS (SELECT 1 FROM person q WHERE q.household_id = h.id AND q.relationship <> 'HEAD' AND q.birth_date < '2000-01-01')
		-- Adults only: a child's fields follow another rule (TestChildren),
		-- which the field walk does not expect.
		AND NOT EXISTS (SELECT 1 FROM person c WHERE c.household_id = h.id AND c.birth_date > DATE '2008-06-30')
		ORDER BY h.id OFFSET %d LIMIT 1`, village, skip)))
	if len(got) != 3 {
		t.Fatalf("no household to arrange in %s: %v", village, got)
	}
	return got[0], got[1], got[2]
}

// proposed proposes as op and returns the proposal's ID.
func (e *env) proposed(t *testing.T, op *authz.Principal, vars map[string]any) string {
	t.Helper()
	if vars["evidence"] == nil {
		vars["evidence"] = "BA Musdes 03/2026"
	}
	r := e.ask(t, op, "usulan musdes", proposeQuery, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("propose %v: %v", vars, r.Errors)
	}
	return r.Data["proposeRegisterChange"].(map[string]any)["id"].(string)
}

// verivalData arranges register changes on both sides of every boundary the
// scope walk draws, in each of walkVillages: a deliberation records a head
// of a household deceased (their aid and the household's go on the review
// list) and corrects a household's address; a member's name correction
// stays open.
func verivalData(t *testing.T, e *env) {
	t.Helper()
	verifier := e.as(t, "SILAKSO", "", authz.RoleVerifier)
	for _, village := range walkVillages {
		kk, head, member := deceasedHousehold(t, e, village, 0)
		other, _, _ := deceasedHousehold(t, e, village, 1)
		op := e.as(t, "DESA", village, authz.RoleOperator)
		dead := e.proposed(t, op, map[string]any{"kk": kk, "nik": head, "change": "REMOVE", "reason": "DECEASED", "evidence": "Surat kematian 474.3/2026"})
		moved := e.proposed(t, op, map[string]any{"kk": other, "change": "UPDATE", "reason": "DATA_CORRECTION",
			"corrections": map[string]any{"address": "Jl. Koreksi No. 1", "rt": "009"}})
		e.proposed(t, op, map[string]any{"kk": kk, "nik": member, "change": "UPDATE", "reason": "DATA_CORRECTION",
			"corrections": map[string]any{"name": "Nama Hasil Koreksi"}})
		r := e.ask(t, verifier, "musdes", deliberateQuery, map[string]any{"village": village, "date": "2026-06-30", "ref": "BA-WALK-" + village,
			"decisions": []any{map[string]any{"change": dead, "decision": "APPROVE"}, map[string]any{"change": moved, "decision": "APPROVE", "note": "Sesuai KK baru"}}})
		if len(r.Errors) > 0 {
			t.Fatalf("deliberation of %s: %v", village, r.Errors)
		}
	}
}

// A village operator proposes for the households of its own region only:
// one outside it answers exactly as a KK that does not exist. A
// deliberation's decisions apply all or none; an approved death keeps the
// proposal's history, marks the person, and puts their aid on the review
// list for its payers, who end or continue it.
func TestRegisterChangesThroughTheGraph(t *testing.T) {
	e := newEnv(t)
	village := "19.04.01.2003"
	kk, head, member := deceasedHousehold(t, e, village, 0)
	op := e.as(t, "DESA", "19.04.01", authz.RoleOperator)
	vars := func(kk, nik, change, reason string) map[string]any {
		v := map[string]any{"kk": kk, "change": change, "reason": reason, "evidence": "BA Musdes Nibung 05/2026"}
		if nik != "" {
			v["nik"] = nik
		}
		return v
	}

	// No existence oracle: a household of another district, and one of
	// the district seen through a village's token, answer as no household.
	outside := e.scalar(t, `SELECT kk FROM household WHERE region_code LIKE '19.04.02.%' AND register_status = 'REGISTERED' ORDER BY id LIMIT 1`)
	unknown := e.ask(t, op, "usulan", proposeQuery, vars("1904010506159999", "", "REMOVE", "NOT_ELIGIBLE"))
	for _, c := range []struct {
		name string
		op   *authz.Principal
		kk   string
	}{
		{"another district", op, outside},
		{"another village of the district", e.as(t, "DESA", "19.04.01.1001", authz.RoleOperator), kk},
	} {
		r := e.ask(t, c.op, "usulan", proposeQuery, vars(c.kk, "", "REMOVE", "NOT_ELIGIBLE"))
		if r.codes() != "NOT_FOUND" || len(unknown.Errors) != 1 || r.Errors[0].Message != unknown.Errors[0].Message ||
			r.Errors[0].Extensions.Field != "kk" || unknown.Errors[0].Extensions.Field != "kk" {
			t.Errorf("%s: %v, want exactly what an unknown KK answers: %v", c.name, r.Errors, unknown.Errors)
		}
		if sixteenDigits.MatchString(mustJSON(r)) {
			t.Errorf("%s: the refusal names a KK or NIK in clear: %s", c.name, mustJSON(r))
		}
	}
	if n := e.scalar(t, `SELECT count(*)::text FROM register_change`); n != "0" {
		t.Fatalf("refused proposals left %s rows", n)
	}
	// Only a village operator proposes.
	if r := e.ask(t, e.as(t, "DINSOS", "", authz.RoleApprover), "usulan", proposeQuery, vars(kk, "", "REMOVE", "NOT_ELIGIBLE")); r.codes() != "FORBIDDEN" {
		t.Errorf("an agency proposes: %v", r.Errors)
	}
	// The reason goes with the change, and the refusal names the field.
	if r := e.ask(t, op, "usulan", proposeQuery, vars(kk, "", "REMOVE", "DECEASED")); r.codes() != "INVALID_INPUT" || r.Errors[0].Extensions.Field != "nik" {
		t.Errorf("a household's death: %v", r.Errors)
	}

	dead := e.proposed(t, op, vars(kk, head, "REMOVE", "DECEASED"))
	fix := e.proposed(t, op, map[string]any{"kk": kk, "nik": member, "change": "UPDATE", "reason": "DATA_CORRECTION",
		"corrections": map[string]any{"motherName": "Siti Koreksi"}})
	r := e.ask(t, op, "usulan", proposeQuery, vars(kk, head, "REMOVE", "DUPLICATE"))
	if r.codes() != "CONFLICT" || r.Errors[0].Extensions.Field != "change" || !strings.Contains(r.Errors[0].Message, "register change "+dead+" ") {
		t.Errorf("a second removal of the head: %v, want CONFLICT naming register change %s", r.Errors, dead)
	}
	elsewhere := e.proposed(t, e.as(t, "DESA", "19.04.01.1001", authz.RoleOperator), vars(e.scalar(t,
		`SELECT kk FROM household WHERE region_code = '19.04.01.1001' AND register_status = 'REGISTERED' ORDER BY id LIMIT 1`), "", "REMOVE", "BETTER_OFF"))

	// One bad decision among good ones: nothing is applied, and the error
	// names it.
	verifier := e.as(t, "SILAKSO", "", authz.RoleVerifier)
	decisions := []any{map[string]any{"change": dead, "decision": "APPROVE"}, map[string]any{"change": fix, "decision": "APPROVE"},
		map[string]any{"change": elsewhere, "decision": "APPROVE"}}
	r = e.ask(t, verifier, "musdes", deliberateQuery, map[string]any{"village": village, "date": "2026-06-30", "ref": "BA/01/MUSDES/2026", "decisions": decisions})
	if r.codes() != "INVALID_INPUT" || r.Errors[0].Extensions.Field != "decisions[2].change" || !strings.HasPrefix(r.Errors[0].Message, "decisions[2].change: ") {
		t.Fatalf("a deliberation with another village's proposal: %v", r.Errors)
	}
	state := `{ registerChanges(filter: {village: "19.04.01"}) { totalCount edges { node { id status deliberation { id } } } } person(nik: "` + head + `") { registerStatus } }`
	if got := mustJSON(e.ask(t, verifier, "cek", state, nil).Data); strings.Contains(got, "APPROVED") || strings.Contains(got, "DECEASED") ||
		strings.Count(got, `"PROPOSED"`) != 3 || !strings.Contains(got, `"totalCount":3`) {
		t.Errorf("after a refused deliberation: %s", got)
	}
	if n := e.scalar(t, `SELECT count(*)::text FROM deliberation`) + e.scalar(t, `SELECT count(*)::text FROM benefit_review`); n != "00" {
		t.Errorf("a refused deliberation left rows (deliberations, reviews: %s)", n)
	}
	// The date is not in the future (the handler's today is 2026-06-30).
	r = e.ask(t, verifier, "musdes", deliberateQuery, map[string]any{"village": village, "date": "2026-07-01", "ref": "BA/01/MUSDES/2026", "decisions": decisions[:2]})
	if r.codes() != "INVALID_INPUT" || r.Errors[0].Extensions.Field != "date" {
		t.Errorf("a deliberation tomorrow: %v", r.Errors)
	}
	// Only a verifier records it.
	if r := e.ask(t, op, "musdes", deliberateQuery, map[string]any{"village": village, "date": "2026-06-30", "ref": "BA/01/MUSDES/2026", "decisions": decisions[:2]}); r.codes() != "FORBIDDEN" {
		t.Errorf("the operator records the deliberation: %v", r.Errors)
	}

	decisions[1] = map[string]any{"change": fix, "decision": "REJECT", "note": "Nama ibu sudah benar menurut Dukcapil"}
	r = e.ask(t, verifier, "musdes", deliberateQuery, map[string]any{"village": village, "date": "2026-06-30", "ref": "BA/01/MUSDES/2026", "decisions": decisions[:2]})
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	got := mustJSON(r.Data)
	for _, want := range []string{`"village":{"code":"19.04.01.2003"}`, `"note":"","person":{"registerStatus":"DECEASED"},"status":"APPROVED"`,
		`"note":"Nama ibu sudah benar menurut Dukcapil","person":{"registerStatus":"ACTIVE"},"status":"REJECTED"`} {
		if !strings.Contains(got, want) {
			t.Errorf("recorded deliberation %s lacks %s", got, want)
		}
	}
	// The proposal keeps its history.
	r = e.ask(t, op, "riwayat", `query($f: RegisterChangeFilter) { registerChanges(filter: $f) { edges { node { id change reason evidence proposedBy
		proposedByOrganisation { code } status deliberation { minutesRef date recordedByOrganisation { code } } decidedAt } } } }`,
		map[string]any{"f": map[string]any{"village": village, "status": "APPROVED"}})
	if got := mustJSON(r.Data); len(r.Errors) > 0 || got != `{"registerChanges":{"edges":[{"node":{"change":"REMOVE","decidedAt":"2026-06-30T00:00:00Z","deliberation":{"date":"2026-06-30",`+
		`"minutesRef":"BA/01/MUSDES/2026","recordedByOrganisation":{"code":"SILAKSO"}},"evidence":"BA Musdes Nibung 05/2026","id":"`+dead+
		`","proposedBy":"desa-test","proposedByOrganisation":{"code":"DESA"},"reason":"DECEASED","status":"APPROVED"}}]}}` {
		t.Errorf("approved changes of %s = %s %v", village, got, r.Errors)
	}

	// The head's aid is on the review list, not ended; DINSOS sees what it
	// pays, and ends it.
	held := e.scalar(t, `SELECT count(*)::text FROM benefit b JOIN person p ON p.household_id = b.household_id AND p.nik = '`+head+`'
		WHERE b.status IN ('ACTIVE', 'SUSPENDED') AND (upper_inf(b.period) OR upper(b.period) > '2026-06-30') AND (b.person_id = p.id OR b.person_id IS NULL)`)
	if n := e.scalar(t, `SELECT count(*)::text FROM benefit_review`); n != held || n == "0" {
		t.Errorf("%s benefits on review, want the %s the head and the household held", n, held)
	}
	if n := e.scalar(t, `SELECT count(*)::text FROM benefit_review v JOIN benefit b ON b.id = v.benefit_id WHERE b.status <> 'ACTIVE'`); n != "0" {
		t.Errorf("the deliberation changed %s benefits", n)
	}
	list := `{ benefitsToReview { edges { node { id status reason person { nik registerStatus } benefit { id status payer { code } } change { id } } } } }`
	dinsos := e.as(t, "DINSOS", "", authz.RoleApprover)
	mine := e.ask(t, dinsos, "tinjau", list, nil)
	if got := mustJSON(mine.Data); len(mine.Errors) > 0 || !strings.Contains(got, `"payer":{"code":"DINSOS"}`) || strings.Count(got, `"payer"`) != strings.Count(got, `"DINSOS"`) ||
		!strings.Contains(got, `"person":{"nik":"`+head+`","registerStatus":"DECEASED"}`) || !strings.Contains(got, `"change":{"id":"`+dead+`"}`) {
		t.Errorf("DINSOS's reviews = %s %v", got, mine.Errors)
	}
	all := e.ask(t, verifier, "tinjau", list, nil)
	if n := strings.Count(mustJSON(all.Data), `"node"`); fmt.Sprint(n) != held {
		t.Errorf("the front office sees %d reviews, want all %s: %s", n, held, mustJSON(all.Data))
	}
	review := mine.Data["benefitsToReview"].(map[string]any)["edges"].([]any)[0].(map[string]any)["node"].(map[string]any)
	end := `mutation($id: ID!) { reviewBenefit(id: $id, outcome: END, note: "Kepala keluarga meninggal dunia") { status outcome note reviewedByOrganisation { code } benefit { status } } }`
	if r := e.ask(t, e.as(t, "DINKES", "", authz.RoleApprover), "tinjau", end, map[string]any{"id": review["id"]}); r.codes() != "NOT_FOUND" {
		t.Errorf("another agency reviews DINSOS's benefit: %v", r.Errors)
	}
	r = e.ask(t, dinsos, "tinjau", end, map[string]any{"id": review["id"]})
	if got := mustJSON(r.Data); len(r.Errors) > 0 || got != `{"reviewBenefit":{"benefit":{"status":"ENDED"},"note":"Kepala keluarga meninggal dunia","outcome":"END","reviewedByOrganisation":{"code":"DINSOS"},"status":"CLOSED"}}` {
		t.Errorf("reviewBenefit = %s %v", got, r.Errors)
	}
	if r := e.ask(t, dinsos, "tinjau", end, map[string]any{"id": review["id"]}); r.codes() != "CONFLICT" {
		t.Errorf("a second review: %v", r.Errors)
	}

	// Each step is on the trail of every member of the household.
	for _, op := range []string{"mutation proposeRegisterChange", "mutation recordDeliberation", "mutation reviewBenefit"} {
		if n := e.scalar(t, `SELECT count(*)::text FROM audit_event WHERE operation = '`+op+`' AND persons @> ARRAY['`+member+`', '`+head+`'] AND households @> ARRAY['`+kk+`']`); n == "0" {
			t.Errorf("no %s event names the household and every member", op)
		}
	}
}

// A masked reader sees no evidence or note, and what a village's proposals
// say of a family is personal data: read in clear, it is recorded.
func TestRegisterChangesFields(t *testing.T) {
	e := newEnv(t)
	verivalData(t, e)
	q := `{ registerChanges(filter: {village: "19.04.01.2003"}) { edges { node { id change reason evidence household { kk } corrections { address name } } } } }`
	viewer := e.ask(t, e.as(t, "DINKES", "", authz.RoleViewer), "", q, nil)
	if got := mustJSON(viewer.Data); sixteenDigits.MatchString(got) || strings.Contains(got, "Surat") || strings.Contains(got, "Koreksi") ||
		!strings.Contains(viewer.codes(), "FORBIDDEN") {
		t.Errorf("a viewer reads %s (%s)", got, viewer.codes())
	}
	if r := e.ask(t, e.as(t, "CSR-A", "", authz.RoleDonor), "", q, nil); r.codes() != "FORBIDDEN" {
		t.Errorf("a donor lists register changes: %v", r.Errors)
	}
	before := e.scalar(t, `SELECT count(*)::text FROM audit_event WHERE operation = 'query registerChanges'`)
	r := e.ask(t, e.as(t, "DESA", "19.04.01.2003", authz.RoleOperator), "cek usulan", q, nil)
	if len(r.Errors) > 0 || !strings.Contains(mustJSON(r.Data), "Surat kematian") {
		t.Fatalf("the operator's own proposals: %s %v", mustJSON(r.Data), r.Errors)
	}
	if after := e.scalar(t, `SELECT count(*)::text FROM audit_event WHERE operation = 'query registerChanges'
		AND fields @> ARRAY['RegisterChange.evidence'] AND cardinality(persons) > 0`); after == before {
		t.Error("reading proposals' evidence in clear was not recorded, with the persons it concerns")
	}
}

// leakyReviews is a register-change store whose review list, like one that
// forgot the payer, shows an agency every review of its households.
type leakyReviews struct{ verival.Store }

func (l leakyReviews) FindReviews(ctx context.Context, scope jaring.Scope, status verival.ReviewStatus, page jaring.PageRequest) ([]*verival.Review, bool, error) {
	scope.AllReviews = true
	return l.Store.FindReviews(ctx, scope, status, page)
}

// The scope walk reaches the new roots: with a review list that ignores the
// payer, DINSOS limited to 19.04.02 reaches the reviews of what DINKES pays,
// and the walk says so.
func TestScopeWalkFindsAReviewLeak(t *testing.T) {
	limits := graph.Limits{MaxDepth: 40, MaxComplexity: 1 << 40, MaxAliases: 100}
	e := newEnvWith(t, func(c *hub.Config) { c.Limits = limits })
	verivalData(t, e)
	r := *e.hub.Resolver
	svc := *r.Verival
	svc.Store = leakyReviews{svc.Store}
	r.Verival = &svc
	e.handler = graph.NewHandler(&r, graph.HandlerConfig{Policy: e.policy, Audit: e.audit, Now: fixedNow, Introspection: true, Limits: limits})
	var agency []scopeRole
	for _, role := range scopeRoles() {
		if role.label == "agency limited to 19.04.02" {
			agency = append(agency, role)
		}
	}
	violations, _ := scopeWalk(t, e, agency)
	leaked := 0
	for _, v := range violations {
		if strings.Contains(v, "BenefitReview at benefitsToReview") {
			leaked++
		}
	}
	if leaked == 0 {
		t.Fatalf("the walk found no review out of scope, though the list ignores the payer: %v", violations)
	}
	t.Logf("%d reviews out of scope found, the first: %s", leaked, violations[0])
}
