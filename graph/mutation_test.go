package graph_test

import (
	"strconv"
	"testing"

	"github.com/99designs/gqlgen/client"
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
			Person    *struct{ NIK string }
			Status    string
			Amount    int64
			Period    struct{ Start, End *string }
			Channel   *string
		}
		Error *struct{ Code, Message, Field string }
	}
}

// recordBenefits is idempotent on (payer, externalRef): the same batch sent
// twice records nothing new and says so per item, and a bad item is refused
// with the field at fault while the others are recorded.
func TestRecordBenefits(t *testing.T) {
	e := newEnv(t)
	c := client.New(e.handler)
	kk := e.scalar(t, `SELECT kk FROM household ORDER BY id LIMIT 1`)
	// A person who has no education aid yet.
	nik := e.scalar(t, `SELECT p.nik FROM person p WHERE p.birth_date > '2010-01-01'
		AND NOT EXISTS (SELECT 1 FROM benefit b WHERE b.person_id = p.id AND b.kind_code = 'EDUCATION') ORDER BY p.id LIMIT 1`)
	before, _ := strconv.Atoi(e.scalar(t, `SELECT count(*)::text FROM benefit`))

	input := []map[string]any{
		{"kk": kk, "program": "RTLH", "payer": "PERKIM", "amount": 17500000, "period": map[string]any{"start": "2026-07-01", "end": "2026-09-30"}, "channel": "IN_KIND", "externalRef": "PERKIM-RTLH-T1"},
		{"nik": nik, "program": "PIP", "kind": "EDUCATION", "source": "APBN", "payer": "DINDIK", "amount": 450000, "period": map[string]any{"start": "2026-07-01"}, "externalRef": "DINDIK-PIP-T1"},
		{"nik": "1904011213850001", "program": "PIP", "payer": "DINDIK", "amount": 450000, "period": map[string]any{"start": "2026-07-01"}, "externalRef": "DINDIK-PIP-BAD"},
	}
	var first recordResponse
	if err := c.Post(recordMutation, &first, client.Var("input", input)); err != nil {
		t.Fatal(err)
	}
	got := first.RecordBenefits
	if len(got) != 3 {
		t.Fatalf("%d results for 3 items", len(got))
	}
	if b := got[0].Benefit; got[0].Status != "RECORDED" || b == nil || b.Person != nil || b.Kind.Code != "HOUSING" || *b.Channel != "IN_KIND" ||
		b.Household.KK != kk || b.Payer.Code != "PERKIM" || b.Status != "ACTIVE" || b.Source != "APBD_KAB" || b.Amount != 17500000 || *b.Period.End != "2026-09-30" {
		t.Errorf("item 0 = %+v, want household housing aid RECORDED", got[0])
	}
	if got[1].Status != "RECORDED" || got[1].Benefit.Person == nil || got[1].Benefit.Person.NIK != nik || got[1].Benefit.Period.End != nil || got[1].Benefit.Channel != nil {
		t.Errorf("item 1 = %+v, want %s's open-ended education aid RECORDED, no channel", got[1], nik)
	}
	if got[2].Status != "INVALID" || got[2].Benefit != nil || got[2].Error == nil ||
		got[2].Error.Code != "INVALID_INPUT" || got[2].Error.Field != "input[2].nik" || got[2].Error.Message != "input[2].nik: month 13 is not a month" {
		t.Errorf("item 2 = %+v, want INVALID at input[2].nik", got[2])
	}

	var second recordResponse
	if err := c.Post(recordMutation, &second, client.Var("input", input[:2])); err != nil {
		t.Fatal(err)
	}
	for i, r := range second.RecordBenefits {
		if r.Status != "ALREADY_RECORDED" || r.Benefit == nil || r.Benefit.ID != got[i].Benefit.ID || r.Error != nil {
			t.Errorf("again, item %d = %+v, want ALREADY_RECORDED as benefit %s", i, r, got[i].Benefit.ID)
		}
	}
	if after, _ := strconv.Atoi(e.scalar(t, `SELECT count(*)::text FROM benefit`)); after != before+2 {
		t.Errorf("ledger holds %d benefits, want %d + 2", after, before)
	}
}
