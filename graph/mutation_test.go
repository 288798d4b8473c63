package graph_test

import (
	"strconv"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/jaring-id/jaring/internal/authz"
)

const recordMutation = `mutation($input: [BenefitInput!]!) {
	recordBenefits(input: $input) {
		externalRef status
		benefit { id program { code } kind { code } source payer { code } household { kk } person { nik } amount period { start end } status channel }
		error { code message field }
	}
}`

type recordResponse struct {
	RecordBenefits []struct {
		ExternalRef string
		Status      string
		Benefit     *struct {
			ID        string
			Program   struct{ Code string }
			Kind      struct{ Code string }
			Source    string
			Payer     struct{ Code string }
			Household struct{ KK string }
			Person    *struct{ NIK *string }
			Status    string
			Amount    *int64
			Period    struct{ Start, End *string }
			Channel   *string
		}
		Error *struct{ Code, Message, Field string }
	}
}

// recordBenefits is idempotent on (payer, externalRef): the same batch sent
// twice records nothing new and says so per item; a bad item is refused with
// the field at fault while the others are recorded; and an organisation
// records only what it pays itself.
func TestRecordBenefits(t *testing.T) {
	e := newEnv(t)
	kk := e.scalar(t, `SELECT kk FROM household ORDER BY id LIMIT 1`)
	// A person who has no education aid yet.
	nik := e.scalar(t, `SELECT p.nik FROM person p WHERE p.birth_date > '2010-01-01'
		AND NOT EXISTS (SELECT 1 FROM benefit b WHERE b.person_id = p.id AND b.kind_code = 'EDUCATION') ORDER BY p.id LIMIT 1`)
	before, _ := strconv.Atoi(e.scalar(t, `SELECT count(*)::text FROM benefit`))

	perkim := e.client(e.as(t, "PERKIM", "", authz.RoleApprover), "recording RTLH payments")
	var rtlh recordResponse
	if err := perkim.Post(recordMutation, &rtlh, client.Var("input", []map[string]any{
		{"kk": kk, "program": "RTLH", "amount": 17500000, "period": map[string]any{"start": "2026-07-01", "end": "2026-09-30"}, "channel": "IN_KIND", "externalRef": "PERKIM-RTLH-T1"},
	})); err != nil {
		t.Fatal(err)
	}
	if b := rtlh.RecordBenefits[0].Benefit; rtlh.RecordBenefits[0].Status != "RECORDED" || b == nil || b.Person != nil || b.Kind.Code != "HOUSING" || *b.Channel != "IN_KIND" ||
		b.Household.KK != kk || b.Payer.Code != "PERKIM" || b.Status != "ACTIVE" || b.Source != "APBD_KAB" || *b.Amount != 17500000 || *b.Period.End != "2026-09-30" {
		t.Errorf("RTLH = %+v, want household housing aid paid by PERKIM, RECORDED", rtlh.RecordBenefits[0])
	}

	dindik := e.client(e.as(t, "DINDIK", "", authz.RoleApprover), "recording PIP payments")
	input := []map[string]any{
		{"nik": nik, "program": "PIP", "kind": "EDUCATION", "source": "APBN", "amount": 450000, "period": map[string]any{"start": "2026-07-01"}, "externalRef": "DINDIK-PIP-T1"},
		{"nik": "1904011213850001", "program": "PIP", "amount": 450000, "period": map[string]any{"start": "2026-07-01"}, "externalRef": "DINDIK-PIP-BAD"},
		{"kk": kk, "program": "RTLH", "payer": "PERKIM", "amount": 1, "period": map[string]any{"start": "2026-07-01"}, "externalRef": "NOT-MINE"},
	}
	var first recordResponse
	if err := dindik.Post(recordMutation, &first, client.Var("input", input)); err != nil {
		t.Fatal(err)
	}
	got := first.RecordBenefits
	if len(got) != 3 {
		t.Fatalf("%d results for 3 items", len(got))
	}
	if got[0].Status != "RECORDED" || got[0].Benefit.Person == nil || *got[0].Benefit.Person.NIK != nik || got[0].Benefit.Period.End != nil || got[0].Benefit.Channel != nil {
		t.Errorf("item 0 = %+v, want %s's open-ended education aid RECORDED, no channel", got[0], nik)
	}
	if got[1].Status != "INVALID" || got[1].Benefit != nil || got[1].Error == nil ||
		got[1].Error.Code != "INVALID_INPUT" || got[1].Error.Field != "input[1].nik" || got[1].Error.Message != "input[1].nik: month 13 is not a month" {
		t.Errorf("item 1 = %+v, want INVALID at input[1].nik", got[1])
	}
	if got[2].Status != "FORBIDDEN" || got[2].Error == nil || got[2].Error.Code != "FORBIDDEN" || got[2].Error.Field != "input[2].payer" {
		t.Errorf("item 2 = %+v, want FORBIDDEN at input[2].payer: DINDIK may not record PERKIM's payment", got[2])
	}

	var second recordResponse
	if err := dindik.Post(recordMutation, &second, client.Var("input", input[:1])); err != nil {
		t.Fatal(err)
	}
	if r := second.RecordBenefits[0]; r.Status != "ALREADY_RECORDED" || r.Benefit == nil || r.Benefit.ID != got[0].Benefit.ID || r.Error != nil {
		t.Errorf("again = %+v, want ALREADY_RECORDED as benefit %s", r, got[0].Benefit.ID)
	}
	if after, _ := strconv.Atoi(e.scalar(t, `SELECT count(*)::text FROM benefit`)); after != before+2 {
		t.Errorf("ledger holds %d benefits, want %d + 2", after, before)
	}
}
