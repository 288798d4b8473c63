package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jaring-id/jaring/internal/jaring"
)

// guard is what a constraint guards, in the words of the API: the input
// field it checks and the rule, as a phrase that follows the field's name.
type guard struct {
	field string
	rule  string
}

// guards maps every constraint of the schema that a caller's input can
// break to the field it guards (TestEveryConstraintHasAGuard keeps the list
// complete), so that a caller reads "externalRef: is already used …", never
// a constraint's name.
var guards = map[string]guard{
	"benefit_amount_check":                  {"amount", "must be from 0 to 1,000,000,000 rupiah"},
	"benefit_external_ref_check":            {"externalRef", "must be 1 to 100 characters"},
	"benefit_payer_id_external_ref_key":     {"externalRef", "is already used by another benefit of the payer"},
	"benefit_period_check":                  {"period", "must have a start and be at least one day long"},
	"benefit_channel_check":                 {"channel", "is not a channel"},
	"benefit_source_check":                  {"source", "is not a source of funds"},
	"benefit_status_check":                  {"status", "is not a benefit status"},
	"benefit_override_reason_check":         {"override", "needs a justification of at least 20 characters"},
	"benefit_override_complete":             {"override", "must name its reason, supervisor, organisation and time together"},
	"benefit_no_double_aid":                 {"", "clashes with aid of the same kind already held"},
	"benefit_program_id_kind_code_fkey":     {"kind", "must be the program's kind of aid"},
	"benefit_household_id_region_code_fkey": {"kk", "names no household"},
	"benefit_person_id_household_id_fkey":   {"nik", "names no member of the household"},
	"benefit_payer_id_fkey":                 {"payer", "names no organisation"},
	"benefit_override_org_id_fkey":          {"override", "names no organisation"},
	"household_kk_key":                      {"kk", "is already the KK of another household"},
	"household_kk_check":                    {"kk", "must be 16 digits"},
	"household_region_code_check":           {"region", "must be a village code such as 19.04.01.2003"},
	"household_region_code_fkey":            {"region", "is not a known region"},
	"household_rt_check":                    {"rt", "must be 3 digits"},
	"household_rw_check":                    {"rw", "must be 3 digits"},
	"household_desil_check":                 {"desil", "must be 1 to 10"},
	"household_register_status_check":       {"registerStatus", "is not a register status"},
	"person_nik_key":                        {"nik", "is already the NIK of another person"},
	"person_nik_check":                      {"nik", "must be 16 digits"},
	"person_name_check":                     {"name", "must not be empty"},
	"person_sex_check":                      {"sex", "must be MALE or FEMALE"},
	"person_relationship_check":             {"relationship", "is not a relationship to the head"},
	"person_one_head":                       {"relationship", "the household already has a head"},
	"person_household_id_region_code_fkey":  {"kk", "names no household"},
	"application_number_key":                {"number", "is already used"},
	"application_applicant_nik_check":       {"applicantNik", "must be 16 digits"},
	"application_kind_code_fkey":            {"kind", "is not a kind of aid"},
	"application_check":                     {"kind", "an aid request names a kind of aid, a complaint none"},
	"application_status_check":              {"status", "is not an application status"},
	"application_type_check":                {"type", "must be AID_REQUEST or COMPLAINT"},
	"referral_application_id_to_id_key":     {"to", "the application is already referred there"},
	"referral_program_id_fkey":              {"program", "is not a program"},
	"referral_to_id_fkey":                   {"to", "names no organisation"},
	"program_code_key":                      {"code", "is already the code of another program"},
	"program_kind_code_fkey":                {"kind", "is not a kind of aid"},
	"donor_program_budget_or_quota":         {"budget", "a program needs a budget, a quota or both"},
	"program_code_check":                    {"code", "must be 2 to 32 capital letters, digits, _ or -"},
	"program_exclusion_check":               {"programB", "a program does not exclude itself"},
	"program_exclusion_reason_check":        {"reason", "must not be empty"},
	"organisation_code_key":                 {"code", "is already the code of another organisation"},
	"organisation_code_check":               {"code", "must be 2 to 32 capital letters, digits, _ or -"},
	"data_issue_resolution_note_check":      {"note", "must be 10 to 1000 characters"},
	// Register changes (verival): proposals, deliberations, reviews.
	"person_register_status_check":                  {"registerStatus", "is not a person's register status"},
	"register_change_change_check":                  {"change", "must be ADD, REMOVE or UPDATE"},
	"register_change_reason_check":                  {"reason", "is not a reason for a register change"},
	"register_change_reason_fits":                   {"reason", "does not go with the change, or with whom it is about"},
	"register_change_evidence_check":                {"evidence", "must be 5 to 500 characters"},
	"register_change_corrections_update":            {"corrections", "only an UPDATE carries corrections"},
	"register_change_note_check":                    {"note", "must be at most 2,000 characters"},
	"register_change_one_open":                      {"change", "an open proposal of this change exists for the household or member"},
	"register_change_household_id_region_code_fkey": {"kk", "names no household"},
	"register_change_person_id_household_id_fkey":   {"nik", "names no member of the household"},
	"deliberation_minutes_once":                     {"minutesRef", "is already the minutes of a deliberation of the village"},
	"deliberation_minutes_ref_check":                {"minutesRef", "must be 3 to 200 characters"},
	"deliberation_region_code_check":                {"village", "must be a village code such as 19.04.01.2003"},
	"deliberation_region_code_fkey":                 {"village", "is not a known region"},
	"benefit_review_outcome_check":                  {"outcome", "must be CONTINUE or END"},
	"benefit_review_note_check":                     {"note", "must be 10 to 2,000 characters"},
}

// translate turns a database error into a domain error: the one place where
// SQLSTATEs become codes. what names the thing read or written, for the
// message ("household with that KK that you may see"); it must not carry a
// NIK or KK, since messages never do.
//
// pgx.ErrNoRows is ENOTFOUND; a unique violation is ECONFLICT, a check,
// foreign-key or not-null violation or malformed text EINVALID, an exclusion
// violation EDOUBLEAID, each naming the field the constraint guards; a
// query cut off by the request's deadline is ELIMIT. Anything else is a
// fault of ours, wrapped for the log.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	var je *jaring.Error
	if errors.As(err, &je) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return jaring.Errorf(jaring.ENOTFOUND, "No %s.", what)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return jaring.Limited("deadline", "The request ran out of time while reading the %s; ask for less at once.", what)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return fmt.Errorf("%s: %w", what, err)
	}
	g, known := guards[pgErr.ConstraintName]
	field := func(code jaring.Code, fallback string) error {
		if !known {
			return jaring.Errorf(code, "The %s %s.", what, fallback)
		}
		if g.field == "" {
			return jaring.Errorf(code, "The %s %s.", what, g.rule)
		}
		return &jaring.Error{Code: code, Field: g.field, Message: g.field + ": " + g.rule}
	}
	switch pgErr.Code {
	case "23505": // unique_violation
		return field(jaring.ECONFLICT, "already exists")
	case "23503", "23514", "23502": // foreign key, check, not null
		return field(jaring.EINVALID, "breaks a rule of the register")
	case "23P01": // exclusion_violation
		return field(jaring.EDOUBLEAID, "clashes with aid of the same kind already held")
	case "22P02", "22007", "22008", "22001", "22021", "22P05", "54000": // bad text, date, length, encoding
		return jaring.Errorf(jaring.EINVALID, "The %s holds a value the register cannot store.", what)
	case "57014": // query_canceled: the request's deadline
		return jaring.Limited("deadline", "The request ran out of time while reading the %s; ask for less at once.", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}
