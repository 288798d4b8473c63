package graph_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

const householdQuery = `query($kk: String!, $on: Date) {
  household(kk: $kk) {
    kk
    region { code name level parent { code name parent { name } } }
    address rt rw desil registerStatus
    head { nik name }
    members {
      nik name birthDate birthPlace sex relationship motherName disabled pregnant
      household { kk }
      benefits { program { code } period { start end } status }
    }
    benefits(activeOn: $on) {
      id kind { code name scope } program { code name source owner { code } } source
      payer { code name kind } person { nik } household { kk }
      amount period { start end } status channel externalRef
    }
    applications {
      id number type category kind { code } description status statusReason submittedAt
      documents { ktp kk sktm register }
      applicant { nik } household { kk } submittedBy { code }
      referrals { id to { code } status }
    }
    referrals {
      id status reason createdAt decidedAt
      application { number } household { kk } from { code } to { code kind }
      program { code } benefit { externalRef payer { code } }
    }
  }
}`

// The golden tests ask every query of the schema against the demo regency
// and compare the whole response, errors included.
func TestQueriesGolden(t *testing.T) {
	e := newEnv(t)
	// A household whose application was referred and fulfilled: every list
	// of the household query has rows.
	richKK := e.scalar(t, `SELECT h.kk FROM household h
		WHERE EXISTS (SELECT 1 FROM referral r WHERE r.household_id = h.id AND r.status = 'FULFILLED')
		  AND EXISTS (SELECT 1 FROM benefit b WHERE b.household_id = h.id AND b.person_id IS NOT NULL)
		ORDER BY h.id LIMIT 1`)
	childNIK := e.scalar(t, `SELECT p.nik FROM person p JOIN benefit b ON b.person_id = p.id
		WHERE b.program_id = (SELECT id FROM program WHERE code = 'PIP') ORDER BY p.id LIMIT 1`)

	tests := []struct {
		name   string
		query  string
		vars   map[string]any
		status int
	}{
		{"household", householdQuery, map[string]any{"kk": richKK}, http.StatusOK},
		// activeOn keeps what is active that day: last year's ended aid goes.
		{"household_active", `query($kk: String!, $on: Date) { household(kk: $kk) { benefits(activeOn: $on) { program { code } period { start end } status } } }`,
			map[string]any{"kk": richKK, "on": "2026-06-30"}, http.StatusOK},
		{"household_unknown", `{ household(kk: "1904010101019999") { kk } }`, nil, http.StatusOK},
		{"household_bad_kk", `{ household(kk: "19040101010199") { kk } }`, nil, http.StatusOK},
		{"person", `query($nik: String!) { person(nik: $nik) {
			nik name birthDate sex relationship disabled pregnant
			household { kk members { nik } }
			benefits { program { code kind { code scope } } amount period { start end } status channel payer { code } person { nik } }
		} }`, map[string]any{"nik": childNIK}, http.StatusOK},
		{"person_bad_nik", `{ person(nik: "1904013213850001") { name } }`, nil, http.StatusOK},
		{"households", `{ households(filter: {region: "19.04.02", desilMax: 3, registered: true}, first: 3) {
			totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
			edges { cursor node { kk region { code } desil registerStatus } }
		} }`, nil, http.StatusOK},
		{"households_bad_region", `{ households(filter: {region: "19.4"}) { totalCount } }`, nil, http.StatusOK},
		{"households_unknown_region", `{ households(filter: {region: "19.04.99"}) { totalCount } }`, nil, http.StatusOK},
		{"households_bad_desil", `{ households(filter: {desilMax: 11}) { totalCount } }`, nil, http.StatusOK},
		{"households_page_too_big", `{ households(first: 101) { totalCount } }`, nil, http.StatusOK},
		{"households_bad_cursor", `{ households(after: "bm90LWEtY3Vyc29y") { totalCount } }`, nil, http.StatusOK},
		{"programs", `{ programs { code name kind { code } source owner { code kind } } }`, nil, http.StatusOK},
		{"kinds", `{ kinds { code name scope } }`, nil, http.StatusOK},
		{"region", `{ region(code: "19.04.01.2003") { code name level parent { code name level parent { code name parent { code name parent { code } } } } } }`, nil, http.StatusOK},
		{"region_unknown", `{ region(code: "19.04.99") { name } }`, nil, http.StatusOK},
		{"bad_date", `query($kk: String!) { household(kk: $kk) { kk benefits(activeOn: "30-06-2026") { id } } }`,
			map[string]any{"kk": richKK}, http.StatusOK},
		{"bad_date_variable", `query($kk: String!, $on: Date) { household(kk: $kk) { kk benefits(activeOn: $on) { id } } }`,
			map[string]any{"kk": richKK, "on": "30-06-2026"}, http.StatusOK},
		// A query that does not validate is the caller's mistake.
		{"unknown_field", `{ household(kk: "1904010101010001") { salary } }`, nil, http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.post(t, tt.query, tt.vars)
			if status != tt.status {
				t.Errorf("status = %d, want %d: %s", status, tt.status, body)
			}
			golden(t, tt.name, body)
		})
	}
}

// Paging through households visits each once, in order, and totalCount
// counts over all pages.
func TestHouseholdsPaging(t *testing.T) {
	e := newEnv(t)
	want := e.scalar(t, `SELECT count(*)::text FROM household WHERE region_code LIKE '19.04.03.%'`)
	seen := map[string]bool{}
	var after any
	pages := 0
	for {
		_, body := e.post(t, `query($after: String) { households(filter: {region: "19.04.03"}, first: 50, after: $after) {
			totalCount pageInfo { hasNextPage endCursor } edges { node { kk region { code } } } } }`, map[string]any{"after": after})
		var resp struct {
			Data struct {
				Households struct {
					TotalCount int
					PageInfo   struct {
						HasNextPage bool
						EndCursor   string
					}
					Edges []struct {
						Node struct {
							KK     string
							Region struct{ Code string }
						}
					}
				}
			}
			Errors json.RawMessage
		}
		if err := json.Unmarshal(body, &resp); err != nil || resp.Errors != nil {
			t.Fatalf("page %d: %v %s", pages, err, body)
		}
		c := resp.Data.Households
		if fmt.Sprint(c.TotalCount) != want {
			t.Fatalf("totalCount = %d, want %s", c.TotalCount, want)
		}
		for _, edge := range c.Edges {
			if seen[edge.Node.KK] {
				t.Fatalf("household %s on two pages", edge.Node.KK)
			}
			if edge.Node.Region.Code[:8] != "19.04.03" {
				t.Fatalf("household %s of region %s outside the filter", edge.Node.KK, edge.Node.Region.Code)
			}
			seen[edge.Node.KK] = true
		}
		pages++
		if !c.PageInfo.HasNextPage {
			break
		}
		after = c.PageInfo.EndCursor
	}
	if fmt.Sprint(len(seen)) != want || pages < 2 {
		t.Errorf("saw %d households on %d pages, want %s on several", len(seen), pages, want)
	}
}
