package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/postgres"
)

// notGuards are the constraints no caller's input can break: they hold
// what Jaring itself writes (the audit chain, region codes, the workflow's
// states, row IDs), so a violation is a fault of ours, reported as INTERNAL.
var notGuards = map[string]string{
	"application_applicant_id_fkey":             "set from the register by Jaring",
	"application_household_id_region_code_fkey": "copied from the household by Jaring",
	"application_id_household_id_key":           "an ID",
	"application_number_check":                  "numbered by Jaring",
	"application_submitted_by_id_fkey":          "the caller's organisation",
	"benefit_kind_code_check":                   "kinds are seeded by migrations",
	"benefit_kind_name_check":                   "kinds are seeded by migrations",
	"benefit_kind_scope_check":                  "kinds are seeded by migrations",
	"donor_program_budget_check":                "donor programs are loaded by the demo",
	"donor_program_check":                       "checked by donor.ProgramInput.Validate first",
	"donor_program_desil_max_check":             "donor programs are loaded by the demo",
	"donor_program_donor_id_fkey":               "donor programs are loaded by the demo",
	"donor_program_program_id_fkey":             "donor programs are loaded by the demo",
	"donor_program_quota_check":                 "donor programs are loaded by the demo",
	"donor_program_region_prefix_check":         "donor programs are loaded by the demo",
	"donor_program_criteria_check":              "checked by the donor package first, or set by Jaring",
	"donor_program_quota_unit_check":            "checked by the donor package first, or set by Jaring",
	"donor_program_amount_check":                "checked by the donor package first, or set by Jaring",
	"donor_program_status_check":                "checked by the donor package first, or set by Jaring",
	"referral_eligibility_check":                "checked by the donor package first, or set by Jaring",
	"data_issue_benefit_id_fkey":                "set by the import from the ledger",
	"data_issue_household_id_fkey":              "set by the import from the register",
	"data_issue_import_id_fkey":                 "the import's own run",
	"data_issue_issues_check":                   "the readers' and the merge's issues",
	"data_issue_kind_check":                     "the import's kind",
	"data_issue_kk_check":                       "only a KK that parsed is kept",
	"data_issue_line_check":                     "counted by the reader",
	"data_issue_nik_check":                      "only a NIK that parsed is kept",
	"data_issue_open":                           "the import adds an open issue once",
	"data_issue_file_check":                     "the import's file name",
	"data_issue_org_id_fkey":                    "the importing organisation",
	"data_issue_person_id_fkey":                 "set by the import from the register",
	"data_issue_reasons_check":                  "verival.Reasons, kept equal by a test",
	"data_issue_region_code_fkey":               "resolved by the import",
	"data_issue_related_person_id_fkey":         "set by the import from the register",
	"data_issue_resolution_complete":            "set together by resolveDataIssue",
	"data_issue_resolved_org_id_fkey":           "the caller's organisation",
	"data_issue_status_check":                   "the workflow's states, set by Jaring",
	"import_run_counts_add_up":                  "verival.Report.Check runs first",
	"import_run_file_check":                     "the import's file name",
	"import_run_timed":                          "timed by the import",
	"import_run_inserted_check":                 "verival.Report.Check runs first",
	"import_run_kind_check":                     "the import's kind",
	"import_run_org_id_fkey":                    "the importing organisation, looked up first",
	"import_run_quarantined_check":              "verival.Report.Check runs first",
	"import_run_read_check":                     "verival.Report.Check runs first",
	"import_run_reasons_check":                  "verival.Report.Check runs first",
	"import_run_sha256_check":                   "computed by the import",
	"import_run_actor_check":                    "the caller's login",
	"import_run_unchanged_check":                "verival.Report.Check runs first",
	"import_run_updated_check":                  "verival.Report.Check runs first",
	"household_id_region_code_key":              "an ID",
	"organisation_kind_check":                   "organisations are loaded by the demo",
	"organisation_name_check":                   "organisations are loaded by the demo",
	"organisation_region_code_fkey":             "organisations are loaded by the demo",
	"person_id_household_id_key":                "an ID",
	"program_exclusion_program_a_fkey":          "looked up by code first",
	"program_exclusion_program_b_fkey":          "looked up by code first",
	"program_id_kind_code_key":                  "an ID",
	"program_name_check":                        "programs are seeded",
	"program_owner_id_fkey":                     "programs are seeded",
	"program_source_check":                      "programs are seeded",
	"referral_application_id_household_id_fkey": "copied from the application by Jaring",
	"referral_benefit_id_fkey":                  "the benefit Jaring recorded",
	"referral_check":                            "the workflow's states, set by Jaring",
	"referral_check1":                           "the workflow's states, set by Jaring",
	"referral_from_id_fkey":                     "the caller's organisation",
	"referral_household_id_region_code_fkey":    "copied from the application by Jaring",
	"referral_status_check":                     "the workflow's states, set by Jaring",
	// Register changes (verival).
	"benefit_id_household_id_key":                  "an ID",
	"register_change_id_household_id_key":          "an ID",
	"register_change_status_check":                 "the workflow's states, set by Jaring",
	"register_change_decided":                      "set together by recordDeliberation",
	"register_change_proposed_by_check":            "the caller's login",
	"register_change_proposed_org_id_fkey":         "the caller's organisation",
	"register_change_deliberation_id_fkey":         "the deliberation Jaring recorded",
	"register_change_corrections_check":            "encoded by Jaring from verival.Corrections",
	"deliberation_recorded_by_check":               "the caller's login",
	"deliberation_recorded_org_id_fkey":            "the caller's organisation",
	"benefit_review_benefit_id_household_id_fkey":  "set by recordDeliberation from the ledger",
	"benefit_review_household_id_region_code_fkey": "copied from the benefit by Jaring",
	"benefit_review_person_id_household_id_fkey":   "the deceased member, set by recordDeliberation",
	"benefit_review_change_id_household_id_fkey":   "the register change that recorded the death",
	"benefit_review_reason_check":                  "set by recordDeliberation",
	"benefit_review_status_check":                  "the workflow's states, set by Jaring",
	"benefit_review_closed_complete":               "set together by reviewBenefit",
	"benefit_review_one_open":                      "recordDeliberation adds an open review once",
	"benefit_review_reviewed_org_id_fkey":          "the caller's organisation",
}

// Every constraint of the schema that a caller's input can break names the
// field it guards, so that its violation reads "externalRef: is already
// used …", never a constraint's name; every other one is listed above with
// why no input can break it. A new constraint fails here until it is one or
// the other.
func TestEveryConstraintHasAGuard(t *testing.T) {
	db := pgtestOpen(t)
	rows, _ := db.Pool.Query(context.Background(), `
		SELECT conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
		WHERE n.nspname = 'public' AND contype IN ('c', 'u', 'f', 'x')
		UNION SELECT ci.relname FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ci.relnamespace
		WHERE n.nspname = 'public' AND i.indisunique AND NOT i.indisprimary
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
		-- Checks kept by a trigger raise under the name of its function.
		UNION SELECT DISTINCT p.proname FROM pg_trigger g JOIN pg_proc p ON p.oid = g.tgfoid JOIN pg_class c ON c.oid = g.tgrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND NOT g.tgisinternal AND p.prosrc LIKE '%CONSTRAINT = %'`)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		_, guarded := postgres.Guards[name]
		_, internal := notGuards[name]
		switch {
		case strings.HasPrefix(name, "audit_event_") || strings.HasPrefix(name, "region_"):
			// Written by Jaring alone: the audit chain and the region codes.
		case guarded && internal:
			t.Errorf("constraint %s is both guarded and listed as internal", name)
		case !guarded && !internal:
			t.Errorf("constraint %s guards no field: add it to guards in internal/postgres/errors.go, or to notGuards here with why no input breaks it", name)
		}
	}
	for name := range postgres.Guards {
		found := false
		for _, n := range names {
			found = found || n == name
		}
		if !found {
			t.Errorf("guards names %s, which the schema does not have", name)
		}
	}
}

// The database's backstop of the no-double-aid rule counts as held exactly
// the statuses the rule does (benefit.HeldStatuses), on both sides of a
// clash.
func TestDoubleAidConstraintCountsWhatTheRuleCounts(t *testing.T) {
	db := pgtestOpen(t)
	var def string
	if err := db.Pool.QueryRow(context.Background(), `SELECT pg_get_functiondef('benefit_no_double_aid'::regproc)`).Scan(&def); err != nil {
		t.Fatal(err)
	}
	var quoted []string
	for _, s := range benefit.HeldStatuses {
		quoted = append(quoted, "'"+string(s)+"'")
	}
	want := "status IN (" + strings.Join(quoted, ", ") + ")"
	if n := strings.Count(def, want); n != 2 || strings.Count(def, "status IN (") != 2 {
		t.Errorf("benefit_no_double_aid is\n%s\nit must count %s as held for both benefits, as the rule does", def, want)
	}
}
