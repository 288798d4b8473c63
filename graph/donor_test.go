package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/donor"
	"github.com/jaring-id/jaring/internal/hub"
)

// programID returns the ID of the program with the given code.
func (e *env) programID(t *testing.T, code string) string {
	return e.scalar(t, `SELECT id::text FROM program WHERE code = '`+code+`'`)
}

const createProgram = `mutation($in: DonorProgramInput!) { createDonorProgram(input: $in) {
	id code name kind { code } donor { code } budget quota quotaUnit amount status period { start end }
	criteria { regions desilMax registerStatus composition { disability minSize } notReceiving } } }`

func programInput(code string, criteria map[string]any) map[string]any {
	return map[string]any{"code": code, "name": "Bedah rumah uji", "kind": "HOUSING", "description": "Uji",
		"period": map[string]any{"start": "2026-01-01", "end": "2026-12-31"}, "budget": 100_000_000, "quota": 10, "amount": 5_000_000,
		"criteria": criteria}
}

// A donor publishes, edits and closes its own programs; it sees its own,
// everyone else every open one; bad criteria are refused naming the field.
func TestDonorPrograms(t *testing.T) {
	e := newEnv(t)
	csrA := e.as(t, "CSR-A", "", authz.RoleDonor)
	r := e.ask(t, csrA, "", createProgram, map[string]any{"in": programInput("CSRA_RUMAH_UJI", map[string]any{
		"regions": []string{"19.04.01"}, "desilMax": 4, "composition": map[string]any{"minSize": 3}, "notReceiving": []string{"HOUSING"}})})
	got := mustJSON(r.Data)
	if len(r.Errors) > 0 || !strings.Contains(got, `"code":"CSRA_RUMAH_UJI"`) || !strings.Contains(got, `"donor":{"code":"CSR-A"}`) ||
		!strings.Contains(got, `"registerStatus":["REGISTERED"]`) || !strings.Contains(got, `"status":"OPEN"`) || !strings.Contains(got, `"quotaUnit":"HOUSEHOLD"`) {
		t.Fatalf("create = %s %v", got, r.Errors)
	}
	id := r.Data["createDonorProgram"].(map[string]any)["id"].(string)
	if e.scalar(t, `SELECT source || owner_id::text FROM program WHERE code = 'CSRA_RUMAH_UJI'`) != "CSR"+e.scalar(t, `SELECT id::text FROM organisation WHERE code = 'CSR-A'`) {
		t.Error("the program is not CSR-A's, from CSR funds")
	}
	for _, c := range []struct {
		name     string
		in       map[string]any
		code     string
		field    string
		message  string
		criteria map[string]any
	}{
		{"a taken code", programInput("CSRA_RUMAH_UJI", nil), "CONFLICT", "input.code", "already", nil},
		{"a desil of 11", programInput("CSRA_X1", map[string]any{"desilMax": 11}), "INVALID_INPUT", "input.criteria.desilMax", "1 to 10", nil},
		{"an unknown region", programInput("CSRA_X2", map[string]any{"regions": []string{"19.04.09"}}), "INVALID_INPUT", "input.criteria.regions[0]", "no region", nil},
		{"unregistered households", programInput("CSRA_X3", map[string]any{"registerStatus": []string{"UNREGISTERED"}}), "INVALID_INPUT", "input.criteria.registerStatus[0]", "may not take", nil},
		{"an unknown kind", programInput("CSRA_X4", map[string]any{"notReceiving": []string{"GOLD"}}), "INVALID_INPUT", "input.criteria.notReceiving[0]", "not a kind", nil},
		{"no budget nor quota", func() map[string]any { in := programInput("CSRA_X5", nil); in["budget"], in["quota"] = 0, 0; return in }(), "INVALID_INPUT", "input.budget", "budget, a quota", nil},
		{"a bad code", programInput("csr a", nil), "INVALID_INPUT", "input.code", "not a program code", nil},
	} {
		r := e.ask(t, csrA, "", createProgram, map[string]any{"in": c.in})
		if r.codes() != c.code || r.Errors[0].Extensions.Field != c.field || !strings.Contains(r.Errors[0].Message, c.message) {
			t.Errorf("%s: %v, want %s at %s saying %q", c.name, r.Errors, c.code, c.field, c.message)
		}
	}
	// An agency publishes no donor program; another donor does not edit CSR-A's.
	if r := e.ask(t, e.as(t, "DINSOS", "", authz.RoleAdmin), "", createProgram, map[string]any{"in": programInput("DINSOS_X", nil)}); r.codes() != "FORBIDDEN" {
		t.Errorf("an agency publishes: %v", r.Errors)
	}
	update := `mutation($id: ID!, $in: DonorProgramInput!) { updateDonorProgram(program: $id, input: $in) { name criteria { desilMax } } }`
	in := programInput("CSRA_RUMAH_UJI", map[string]any{"desilMax": 3})
	in["name"] = "Bedah rumah uji, diubah"
	if r := e.ask(t, e.as(t, "CSR-B", "", authz.RoleDonor), "", update, map[string]any{"id": id, "in": in}); r.codes() != "NOT_FOUND" {
		t.Errorf("another donor edits: %v", r.Errors)
	}
	if r := e.ask(t, csrA, "", update, map[string]any{"id": id, "in": in}); mustJSON(r.Data) != `{"updateDonorProgram":{"criteria":{"desilMax":3},"name":"Bedah rumah uji, diubah"}}` {
		t.Errorf("update = %s %v", mustJSON(r.Data), r.Errors)
	}
	if v := e.scalar(t, `SELECT criteria_version::text FROM donor_program WHERE program_id = `+id); v != "2" {
		t.Errorf("criteria version after a change of criteria = %s, want 2", v)
	}
	list := `{ donorPrograms { code status } }`
	if r := e.ask(t, e.as(t, "CSR-A", "", authz.RoleDonor), "", `mutation($id: ID!) { closeDonorProgram(program: $id) { status } }`, map[string]any{"id": id}); !strings.Contains(mustJSON(r.Data), "CLOSED") {
		t.Errorf("close = %s %v", mustJSON(r.Data), r.Errors)
	}
	if s := mustJSON(e.ask(t, csrA, "", list, nil).Data); !strings.Contains(s, `"CSRA_RUMAH_UJI","status":"CLOSED"`) || strings.Contains(s, "CSRB_") {
		t.Errorf("CSR-A's programs = %s", s)
	}
	if s := mustJSON(e.ask(t, e.as(t, "SILAKSO", "", authz.RoleVerifier), "", list, nil).Data); strings.Contains(s, "CSRA_RUMAH_UJI") || !strings.Contains(s, "CSRB_BEDAH_RUMAH") || !strings.Contains(s, "CSRA_KURSI_RODA") {
		t.Errorf("the front office's programs = %s", s)
	}
}

// A donor learns whether a household qualifies, and nothing else: the
// answer by criterion, in the order asked, with no number or name of
// anyone in the bytes of the response; an identifier Jaring does not know
// answers byte for byte as a known household outside the register, or
// outside the program's regions. Each call is recorded by counts.
func TestEligibility(t *testing.T) {
	e := newEnv(t)
	csrB := e.as(t, "CSR-B", "", authz.RoleDonor)
	program := e.programID(t, "CSRB_BEDAH_RUMAH")
	// Koba, desil 4 or poorer, registered, no house repair: eligible.
	eligible := strings.Fields(e.scalar(t, `SELECT string_agg(kk, ' ') FROM (SELECT h.kk FROM household h WHERE h.region_code LIKE '19.04.01.%'
		AND h.desil <= 4 AND h.register_status = 'REGISTERED' AND NOT EXISTS (SELECT 1 FROM benefit b WHERE b.household_id = h.id
		AND b.kind_code = 'HOUSING' AND b.status IN ('ACTIVE', 'SUSPENDED') AND b.period && daterange('2026-01-01', '2026-12-31', '[]')) ORDER BY h.id LIMIT 2) x`))
	member := e.scalar(t, `SELECT p.nik FROM person p JOIN household h ON h.id = p.household_id WHERE h.kk = '`+eligible[1]+`' ORDER BY p.id DESC LIMIT 1`)
	poorer := e.scalar(t, `SELECT kk FROM household h WHERE h.region_code LIKE '19.04.01.%' AND h.desil > 4 AND h.register_status = 'REGISTERED' ORDER BY id LIMIT 1`)
	unregistered := e.scalar(t, `SELECT kk FROM household WHERE region_code LIKE '19.04.01.%' AND register_status = 'UNREGISTERED' ORDER BY id LIMIT 1`)
	elsewhere := e.scalar(t, `SELECT kk FROM household WHERE region_code LIKE '19.04.02.%' AND register_status = 'REGISTERED' ORDER BY id LIMIT 1`)
	unknownNIK, unknownKK := "1904014107990099", "1904011507209999"

	one := func(arg, id string) []byte {
		_, body := e.postAs(t, csrB, "", fmt.Sprintf(`{ eligibility(program: %q, %s: %q) { eligible met unmet } }`, program, arg, id), nil)
		return body
	}
	names := strings.Split(e.scalar(t, `SELECT string_agg(p.name, '|') FROM person p JOIN household h ON h.id = p.household_id
		WHERE h.kk IN ('`+strings.Join(append(eligible, poorer, unregistered, elsewhere), "','")+`')`), "|")
	clean := func(what string, body []byte) {
		t.Helper()
		if m := sixteenDigits.Find(body); m != nil {
			t.Errorf("%s: the answer holds %s: %s", what, m, body)
		}
		for _, n := range names {
			for _, part := range strings.Fields(n) {
				if len(part) > 3 && bytes.Contains(body, []byte(part)) {
					t.Errorf("%s: the answer holds %q of a household's names: %s", what, part, body)
				}
			}
		}
	}
	yes := one("kk", eligible[0])
	if string(yes) != `{"data":{"eligibility":{"eligible":true,"met":["REGISTERED","REGION","DESIL","NOT_RECEIVING"],"unmet":[]}}}` {
		t.Errorf("an eligible household: %s", yes)
	}
	if byNIK := one("nik", member); !bytes.Equal(byNIK, yes) {
		t.Errorf("by a member's NIK: %s", byNIK)
	}
	if no := one("kk", poorer); string(no) != `{"data":{"eligibility":{"eligible":false,"met":["REGISTERED","REGION","NOT_RECEIVING"],"unmet":["DESIL"]}}}` {
		t.Errorf("a household above the desil: %s", no)
	}
	outside := one("kk", unregistered)
	if string(outside) != `{"data":{"eligibility":{"eligible":false,"met":[],"unmet":["REGISTERED"]}}}` {
		t.Errorf("an unregistered household: %s", outside)
	}
	// Unknown and out of the program's regions: exactly the same bytes.
	for what, body := range map[string][]byte{"an unknown NIK": one("nik", unknownNIK), "an unknown KK": one("kk", unknownKK), "a household of 19.04.02": one("kk", elsewhere)} {
		if !bytes.Equal(body, outside) {
			t.Errorf("%s answers %s, a known unregistered household %s", what, body, outside)
		}
	}
	for what, body := range map[string][]byte{"eligible": yes, "outside": outside} {
		clean(what, body)
	}

	// The batch: by position, duplicates and unknowns included, in one pass.
	ids := []string{eligible[0], unknownNIK, poorer, eligible[0], member, unregistered, elsewhere, eligible[1]}
	e.stmts.n.Store(0)
	_, body := e.postAs(t, csrB, "", `query($p: ID!, $ids: [String!]!) { eligibilityBatch(program: $p, ids: $ids) { eligible unmet } }`, map[string]any{"p": program, "ids": ids})
	statements := e.stmts.n.Load()
	var batch struct {
		Data struct{ EligibilityBatch []donor.Answer }
	}
	if err := json.Unmarshal(body, &batch); err != nil {
		t.Fatal(err)
	}
	want := []bool{true, false, false, true, true, false, false, true}
	if len(batch.Data.EligibilityBatch) != len(ids) {
		t.Fatalf("batch = %s", body)
	}
	for i, a := range batch.Data.EligibilityBatch {
		if a.Eligible != want[i] {
			t.Errorf("ids[%d]: %+v, want eligible %v", i, a, want[i])
		}
	}
	clean("the batch", body)
	// The program, then the facts of every identifier at once.
	if statements > 3 {
		t.Errorf("a batch of %d costs %d statements: the facts are read one by one", len(ids), statements)
	}
	// Recorded: who, which program, how many, how many eligible, never which.
	var operation, variables string
	if err := e.owner.Pool.QueryRow(context.Background(), `SELECT operation, variables::text FROM audit_event ORDER BY id DESC LIMIT 1`).Scan(&operation, &variables); err != nil {
		t.Fatal(err)
	}
	var asked map[string]any
	_ = json.Unmarshal([]byte(variables), &asked)
	if operation != "query eligibilityBatch" || fmt.Sprint(asked) != "map[eligible:4 identifiers:8 program:CSRB_BEDAH_RUMAH]" {
		t.Errorf("the batch's audit event = %s %s", operation, variables)
	}
	if n := e.scalar(t, `SELECT count(*)::text FROM audit_event WHERE variables::text LIKE '%`+eligible[0]+`%' OR persons @> ARRAY['`+member+`']`); n != "0" {
		t.Errorf("%s events name the identifiers asked about", n)
	}
	// A donor asks about its own programs only.
	if r := e.ask(t, csrB, "", fmt.Sprintf(`{ eligibility(program: %q, kk: %q) { eligible } }`, e.programID(t, "CSRA_KURSI_RODA"), eligible[0]), nil); r.codes() != "NOT_FOUND" {
		t.Errorf("CSR-B asks about CSR-A's program: %v", r.Errors)
	}
	if r := e.ask(t, csrB, "", fmt.Sprintf(`{ eligibility(program: %q, kk: "123") { eligible } }`, program), nil); r.codes() != "INVALID_INPUT" || r.Errors[0].Extensions.Field != "kk" {
		t.Errorf("a malformed KK: %v", r.Errors)
	}
}

// A donor organisation asks at its own rate; over it, LIMIT_EXCEEDED with
// when to ask again.
func TestEligibilityRate(t *testing.T) {
	e := newEnvWith(t, func(c *hub.Config) {
		c.DonorLimits = donor.Limits{EligibilityRate: rate.Every(time.Hour), EligibilityBurst: 3, ChangesRate: rate.Every(time.Hour), ChangesBurst: 1}
	})
	csrB := e.as(t, "CSR-B", "", authz.RoleDonor)
	program := e.programID(t, "CSRB_BEDAH_RUMAH")
	q := fmt.Sprintf(`{ eligibility(program: %q, kk: "1904011507209999") { eligible } }`, program)
	for i := range 3 {
		if r := e.ask(t, csrB, "", q, nil); r.codes() != "" {
			t.Fatalf("call %d: %v", i, r.Errors)
		}
	}
	_, body := e.postAs(t, csrB, "", q, nil)
	if !strings.Contains(string(body), `"code":"LIMIT_EXCEEDED"`) || !strings.Contains(string(body), `"retryAfterSeconds"`) || !strings.Contains(string(body), `"limit":"eligibility rate"`) {
		t.Errorf("over the rate: %s", body)
	}
	// Another donor's rate is its own.
	if r := e.ask(t, e.as(t, "CSR-A", "", authz.RoleDonor), "", fmt.Sprintf(`{ eligibility(program: %q, kk: "1904011507209999") { eligible } }`, e.programID(t, "CSRA_KURSI_RODA")), nil); r.codes() != "" {
		t.Errorf("CSR-A, after CSR-B ran out: %v", r.Errors)
	}
}

// Counts identify no one: no shown count is under 10, and a repeated ask
// the same day is the same count, from the cache.
func TestProgramReach(t *testing.T) {
	e := newEnv(t)
	csrA := e.as(t, "CSR-A", "", authz.RoleDonor)
	// A broad program, so that some counts are large enough to show.
	r := e.ask(t, csrA, "", createProgram, map[string]any{"in": programInput("CSRA_LUAS", map[string]any{"regions": []string{"19.04"}})})
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	id := r.Data["createDonorProgram"].(map[string]any)["id"].(string)
	q := `query($p: ID!) { programReach(program: $p) { asOf bands total bandTotals districts { region { code } total bands } } }`
	_, body := e.postAs(t, csrA, "", q, map[string]any{"p": id})
	var resp struct {
		Data struct {
			ProgramReach struct {
				Total      *int
				BandTotals []*int
				Districts  []struct {
					Region struct{ Code string }
					Total  *int
					Bands  []*int
				}
			}
		}
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	reach := resp.Data.ProgramReach
	if reach.Total == nil || *reach.Total < 100 || len(reach.Districts) != 6 {
		t.Fatalf("reach = %s", body)
	}
	shown, withheld := 0, 0
	check := func(c *int) {
		if c == nil {
			withheld++
			return
		}
		shown++
		if *c < donor.MinCell {
			t.Errorf("a count of %d is shown: %s", *c, body)
		}
	}
	check(reach.Total)
	for _, c := range reach.BandTotals {
		check(c)
	}
	for _, d := range reach.Districts {
		check(d.Total)
		for _, c := range d.Bands {
			check(c)
		}
	}
	if shown == 0 || withheld == 0 {
		t.Errorf("%d counts shown and %d withheld: the demo should show both", shown, withheld)
	}
	// The same count again, from the cache: no statement reads the register.
	e.stmts.n.Store(0)
	_, again := e.postAs(t, csrA, "", q, map[string]any{"p": id})
	if !bytes.Equal(again, body) {
		t.Errorf("the second count differs: %s", again)
	}
	if n := e.stmts.n.Load(); n > 2 {
		t.Errorf("the second count cost %d statements: it was not cached", n)
	}
	if m := sixteenDigits.Find(body); m != nil {
		t.Errorf("the counts hold %s", m)
	}
}

// A household is referred to a donor's program only when it qualifies, and
// the donor then sees it through the referral, masked, decides it like an
// agency, and records the aid under its program from CSR funds, through the
// same no-double-aid rule. Another donor sees and decides none of it.
func TestDonorReferral(t *testing.T) {
	e := newEnv(t)
	verifier := e.as(t, "SILAKSO", "", authz.RoleVerifier)
	apply := func(kk string) string {
		nik := e.scalar(t, `SELECT p.nik FROM person p JOIN household h ON h.id = p.household_id WHERE h.kk = '`+kk+`' AND p.relationship = 'HEAD'`)
		r := e.ask(t, e.as(t, "SILAKSO", "", authz.RoleOperator), "loket", `mutation($nik: String!, $kk: String!) { submitApplication(input: {applicantNik: $nik, kk: $kk,
			type: AID_REQUEST, kind: "HOUSING", description: "Rumah tidak layak huni", documents: {ktp: true, kk: true, sktm: true, register: true}}) { id } }`,
			map[string]any{"nik": nik, "kk": kk})
		id := r.Data["submitApplication"].(map[string]any)["id"].(string)
		e.ask(t, verifier, "verifikasi", `mutation($id: ID!) { verifyApplication(id: $id) { status } }`, map[string]any{"id": id})
		return id
	}
	refer := func(id string) gqlResponse {
		return e.ask(t, verifier, "rujukan", `mutation($id: ID!) { referApplication(id: $id, to: [{organisation: "CSR-B", program: "CSRB_BEDAH_RUMAH"}]) {
			referrals { id to { code } eligibility { eligible unmet } } } }`, map[string]any{"id": id})
	}
	// Not in the program's district: refused, naming what it misses.
	far := e.scalar(t, `SELECT kk FROM household WHERE region_code LIKE '19.04.02.%' AND register_status = 'REGISTERED' AND desil <= 4 ORDER BY id LIMIT 1`)
	if r := refer(apply(far)); r.codes() != "INVALID_INPUT" || r.Errors[0].Extensions.Field != "to[0].program" || !strings.Contains(r.Errors[0].Message, "REGISTERED") {
		t.Errorf("referring a household the program does not take: %v", r.Errors)
	}
	kk := e.scalar(t, `SELECT h.kk FROM household h WHERE h.region_code LIKE '19.04.01.%' AND h.desil <= 4 AND h.register_status = 'REGISTERED'
		AND NOT EXISTS (SELECT 1 FROM benefit b WHERE b.household_id = h.id AND b.kind_code = 'HOUSING') ORDER BY h.id LIMIT 1`)
	r := refer(apply(kk))
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	ref := e.scalar(t, `SELECT r.id::text FROM referral r JOIN household h ON h.id = r.household_id WHERE h.kk = '`+kk+`' ORDER BY r.id DESC LIMIT 1`)

	csrB := e.as(t, "CSR-B", "", authz.RoleDonor)
	view := `query($kk: String!) { household(kk: $kk) { kk members { name nik } benefits { kind { code } } referrals { eligibility { eligible } } } }`
	_, body := e.postAs(t, csrB, "", view, map[string]any{"kk": kk})
	if !bytes.Contains(body, []byte(`"eligible":true`)) || sixteenDigits.Find(body) != nil || !maskedNumber.Match([]byte(kk[:4]+"********"+kk[12:])) {
		t.Errorf("the donor's view of the referred household: %s", body)
	}
	if r := e.ask(t, e.as(t, "CSR-A", "", authz.RoleDonor), "", view, map[string]any{"kk": kk}); r.Data["household"] != nil {
		t.Errorf("CSR-A sees CSR-B's referred household: %s", mustJSON(r.Data))
	}
	decide := `mutation($id: ID!, $b: BenefitInput) { decideReferral(input: {referral: $id, decision: ACCEPT, benefit: $b}) { status benefit { source payer { code } program { code } } } }`
	benefitIn := map[string]any{"program": "CSRB_BEDAH_RUMAH", "amount": 25_000_000, "period": map[string]any{"start": "2026-08-01", "end": "2026-10-31"}, "externalRef": "CSRB-UJI-1"}
	if r := e.ask(t, e.as(t, "CSR-A", "", authz.RoleDonor), "", decide, map[string]any{"id": ref, "b": benefitIn}); r.codes() != "NOT_FOUND" {
		t.Errorf("CSR-A decides CSR-B's referral: %v", r.Errors)
	}
	// Over the amount per recipient: refused.
	big := map[string]any{"program": "CSRB_BEDAH_RUMAH", "amount": 30_000_000, "period": map[string]any{"start": "2026-08-01"}, "externalRef": "CSRB-UJI-0"}
	if r := e.ask(t, csrB, "", decide, map[string]any{"id": ref, "b": big}); r.codes() != "INVALID_INPUT" || r.Errors[0].Extensions.Field != "input.benefit.amount" {
		t.Errorf("more than the program gives one recipient: %v", r.Errors)
	}
	r = e.ask(t, csrB, "", decide, map[string]any{"id": ref, "b": benefitIn})
	if got := mustJSON(r.Data); got != `{"decideReferral":{"benefit":{"payer":{"code":"CSR-B"},"program":{"code":"CSRB_BEDAH_RUMAH"},"source":"CSR"},"status":"FULFILLED"}}` {
		t.Errorf("CSR-B accepts with its aid: %s %v", got, r.Errors)
	}
	// A second house repair for the household clashes, whoever pays.
	kk2 := e.scalar(t, `SELECT h.kk FROM household h JOIN benefit b ON b.household_id = h.id WHERE h.region_code LIKE '19.04.01.%'
		AND b.kind_code = 'HOUSING' AND b.status = 'ACTIVE' AND b.period @> DATE '2026-09-01' ORDER BY h.id LIMIT 1`)
	app2 := apply(kk2)
	e.owner.Pool.Exec(context.Background(), `INSERT INTO referral (application_id, household_id, region_code, from_id, to_id, program_id)
		SELECT a.id, a.household_id, a.region_code, a.submitted_by_id, (SELECT id FROM organisation WHERE code = 'CSR-B'), (SELECT id FROM program WHERE code = 'CSRB_BEDAH_RUMAH')
		FROM application a WHERE a.id = `+app2)
	e.owner.Pool.Exec(context.Background(), `UPDATE application SET status = 'REFERRED' WHERE id = `+app2)
	ref2 := e.scalar(t, `SELECT id::text FROM referral WHERE application_id = `+app2)
	benefitIn["externalRef"] = "CSRB-UJI-2"
	if r := e.ask(t, csrB, "", decide, map[string]any{"id": ref2, "b": benefitIn}); r.codes() != "DOUBLE_AID" {
		t.Errorf("a donor's aid that clashes: %v", r.Errors)
	}
}

// The last places of a program: sixteen acceptances at once for three
// places, exactly three win; the others are refused naming the quota.
func TestDonorQuotaRace(t *testing.T) {
	e := newEnv(t)
	csrA := e.as(t, "CSR-A", "", authz.RoleDonor)
	in := programInput("CSRA_TIGA", map[string]any{"regions": []string{"19.04"}})
	in["quota"], in["budget"] = 3, 0
	r := e.ask(t, csrA, "", createProgram, map[string]any{"in": in})
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	// Sixteen households without house repair, each referred to the program.
	_, err := e.owner.Pool.Exec(context.Background(), `
		WITH h AS (SELECT h.id, h.region_code, p.id AS applicant, p.nik FROM household h JOIN person p ON p.household_id = h.id AND p.relationship = 'HEAD'
			WHERE NOT EXISTS (SELECT 1 FROM benefit b WHERE b.household_id = h.id AND b.kind_code = 'HOUSING') ORDER BY h.id LIMIT 16),
		a AS (INSERT INTO application (number, household_id, region_code, applicant_id, applicant_nik, type, kind_code, description, status, submitted_by_id)
			SELECT 'RACE-' || h.id, h.id, h.region_code, h.applicant, h.nik, 'AID_REQUEST', 'HOUSING', 'x', 'REFERRED', (SELECT id FROM organisation WHERE code = 'SILAKSO') FROM h
			RETURNING id, household_id, region_code, submitted_by_id)
		INSERT INTO referral (application_id, household_id, region_code, from_id, to_id, program_id)
		SELECT a.id, a.household_id, a.region_code, a.submitted_by_id, (SELECT id FROM organisation WHERE code = 'CSR-A'), (SELECT id FROM program WHERE code = 'CSRA_TIGA') FROM a`)
	if err != nil {
		t.Fatal(err)
	}
	refs := strings.Fields(e.scalar(t, `SELECT string_agg(r.id::text, ' ') FROM referral r JOIN program p ON p.id = r.program_id WHERE p.code = 'CSRA_TIGA'`))
	if len(refs) != 16 {
		t.Fatalf("%d referrals", len(refs))
	}
	var wg sync.WaitGroup
	codes := make([]string, len(refs))
	start := make(chan struct{})
	for i, id := range refs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, body := e.postAs(t, csrA, "", `mutation($id: ID!, $ref: String!) { decideReferral(input: {referral: $id, decision: ACCEPT,
				benefit: {program: "CSRA_TIGA", amount: 1000000, period: {start: "2026-09-01", end: "2026-09-30"}, externalRef: $ref}}) { status } }`,
				map[string]any{"id": id, "ref": "TIGA-" + id})
			var r gqlResponse
			_ = json.Unmarshal(body, &r)
			switch {
			case len(r.Errors) == 0:
				codes[i] = "WON"
			case r.Errors[0].Extensions.Code == "CONFLICT" && strings.Contains(r.Errors[0].Message, "quota"):
				codes[i] = "FULL"
			default:
				codes[i] = string(body)
			}
		}()
	}
	close(start)
	wg.Wait()
	won, full := 0, 0
	for _, c := range codes {
		switch c {
		case "WON":
			won++
		case "FULL":
			full++
		default:
			t.Errorf("an acceptance: %s", c)
		}
	}
	if won != 3 || full != 13 {
		t.Errorf("%d acceptances won and %d were refused as full, want 3 and 13", won, full)
	}
	if n := e.scalar(t, `SELECT count(*)::text FROM benefit b JOIN program p ON p.id = b.program_id WHERE p.code = 'CSRA_TIGA'`); n != "3" {
		t.Errorf("the program gave %s benefits, want 3", n)
	}
}
