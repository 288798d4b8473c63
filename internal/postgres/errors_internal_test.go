package postgres

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jaring-id/jaring/internal/jaring"
)

// translate is the one place where database errors become the API's: each
// SQLSTATE its code, each constraint the field it guards, never its name.
func TestTranslate(t *testing.T) {
	pg := func(code, constraint string) error {
		return fmt.Errorf("insert: %w", &pgconn.PgError{Code: code, ConstraintName: constraint, Message: "raw " + constraint})
	}
	tests := []struct {
		name  string
		err   error
		code  jaring.Code
		field string
		msg   string
	}{
		{"no rows", pgx.ErrNoRows, jaring.ENOTFOUND, "", "No household with that KK."},
		{"unique", pg("23505", "benefit_payer_id_external_ref_key"), jaring.ECONFLICT, "externalRef", "externalRef: is already used by another benefit of the payer"},
		{"check", pg("23514", "benefit_amount_check"), jaring.EINVALID, "amount", "amount: must be from 0 to 1,000,000,000 rupiah"},
		{"foreign key", pg("23503", "benefit_payer_id_fkey"), jaring.EINVALID, "payer", "payer: names no organisation"},
		{"exclusion", pg("23P01", "benefit_no_double_aid"), jaring.EDOUBLEAID, "", "The household with that KK clashes with aid of the same kind already held."},
		// A constraint no input should break: no name shown, still coded.
		{"unknown check", pg("23514", "referral_check1"), jaring.EINVALID, "", "The household with that KK breaks a rule of the register."},
		{"bad text", pg("22021", ""), jaring.EINVALID, "", "The household with that KK holds a value the register cannot store."},
		{"deadline", context.DeadlineExceeded, jaring.ELIMIT, "", "The request ran out of time while reading the household with that KK; ask for less at once."},
		{"canceled statement", pg("57014", ""), jaring.ELIMIT, "", "The request ran out of time while reading the household with that KK; ask for less at once."},
		// Anything else is ours, wrapped for the log.
		{"connection", errors.New("connection reset"), jaring.EINTERNAL, "", "Internal error."},
		// A domain error passes through as it is.
		{"domain", jaring.Invalid("kk", "has 3 characters"), jaring.EINVALID, "kk", "kk: has 3 characters"},
	}
	for _, tt := range tests {
		got := translate(tt.err, "household with that KK")
		if jaring.ErrorCode(got) != tt.code || jaring.ErrorField(got) != tt.field || jaring.ErrorMessage(got) != tt.msg {
			t.Errorf("%s: %s at %q: %q; want %s at %q: %q", tt.name, jaring.ErrorCode(got), jaring.ErrorField(got), jaring.ErrorMessage(got), tt.code, tt.field, tt.msg)
		}
	}
	if translate(nil, "x") != nil {
		t.Error("translate(nil) is not nil")
	}
}
