package verival

import "fmt"

// Reason is why a row is held back from the register or the ledger: a stable
// code that reports count and operators filter by, and that docs/imports.md
// explains with what to do about it.
type Reason string

// The reasons a row is quarantined. The readers give those that one row
// shows on its own, up to EXTRA_FIELDS; the others need the register or the
// ledger and are found as the rows are merged.
const (
	// InvalidNIK: the NIK is not 16 digits, starts with no province code,
	// carries no real birth date or has serial 0000 (registry.ParseNIK).
	InvalidNIK Reason = "INVALID_NIK"
	// InvalidKK: the family card number fails registry.ParseKK.
	InvalidKK Reason = "INVALID_KK"
	// NIKBirthDateMismatch: the birth date given is not the one the NIK
	// encodes in its DDMMYY digits.
	NIKBirthDateMismatch Reason = "NIK_BIRTHDATE_MISMATCH"
	// NIKSexMismatch: the sex given is not the one the NIK encodes (a
	// woman's day of birth carries + 40).
	NIKSexMismatch Reason = "NIK_SEX_MISMATCH"
	// UnknownRegion: a region name does not match any region of its level
	// within the one above it.
	UnknownRegion Reason = "UNKNOWN_REGION"
	// AmbiguousRegion: a name fits two regions (a bare BEKASI, when both
	// Kabupaten Bekasi and Kota Bekasi exist) and the names below it do not
	// tell them apart.
	AmbiguousRegion Reason = "AMBIGUOUS_REGION"
	// MissingField: a required value is empty.
	MissingField Reason = "MISSING_FIELD"
	// BadDate: a date is not written in an accepted form, is no date, or
	// cannot be right: a birth date after today, a period that ends before
	// it starts.
	BadDate Reason = "BAD_DATE"
	// BadValue: a value is not one the column takes: an unknown sex,
	// relationship, channel or source, an amount with separators, an RT of
	// four digits.
	BadValue Reason = "BAD_VALUE"
	// BadEncoding: the line is not UTF-8 or holds a NUL byte, which the
	// database would refuse.
	BadEncoding Reason = "BAD_ENCODING"
	// TruncatedRow: the line has fewer fields than the header, or a quote
	// that does not close: the file was cut off, or a line break split a
	// value.
	TruncatedRow Reason = "TRUNCATED_ROW"
	// ExtraFields: the line has more fields than the header, so its values
	// cannot be trusted to sit in their columns.
	ExtraFields Reason = "EXTRA_FIELDS"
	// DuplicateNIK: the NIK is already a person's of another household, or
	// is in the file twice for different people (found in SQL).
	DuplicateNIK Reason = "DUPLICATE_NIK"
	// HouseholdMismatch: an earlier row of the file puts the same KK in
	// another village.
	HouseholdMismatch Reason = "HOUSEHOLD_MISMATCH"
	// SecondHead: the row makes a person the head of a household that has
	// another head, in the file or in the register.
	SecondHead Reason = "SECOND_HEAD"
	// PossibleDuplicatePerson: another person has the same name and birth
	// date under a different NIK (found in SQL). The row is imported, and
	// flagged.
	PossibleDuplicatePerson Reason = "POSSIBLE_DUPLICATE_PERSON"
	// NotInRegister: no household or person with the row's KK or NIK is one
	// the importer may record for (found in SQL).
	NotInRegister Reason = "NOT_IN_REGISTER"
	// UnknownProgram: no program has the row's code.
	UnknownProgram Reason = "UNKNOWN_PROGRAM"
	// NotPermitted: the importer may not record aid of the row's program or
	// source (a donor records its own programs only).
	NotPermitted Reason = "NOT_PERMITTED"
	// DuplicateRef: the row's external_ref already names another benefit of
	// the payer, in the ledger or earlier in the file.
	DuplicateRef Reason = "DUPLICATE_REF"
	// DoubleAid: the benefit clashes with aid of the same kind already held
	// (found by the ledger's rules, benefit.Catalogue.FindClashes).
	DoubleAid Reason = "DOUBLE_AID"
	// ProgramFull: a donor program's quota or budget has no room for the
	// benefit.
	ProgramFull Reason = "PROGRAM_FULL"
)

// Imported reports whether a row with only this reason is imported all the
// same, and flagged for a look.
func (r Reason) Imported() bool { return r == PossibleDuplicatePerson }

// Reasons returns every reason, in the order above: for a lookup table or a
// CHECK constraint that must list them all.
func Reasons() []Reason {
	return []Reason{
		InvalidNIK, InvalidKK, NIKBirthDateMismatch, NIKSexMismatch,
		UnknownRegion, AmbiguousRegion, MissingField, BadDate, BadValue,
		BadEncoding, TruncatedRow, ExtraFields,
		DuplicateNIK, HouseholdMismatch, SecondHead, PossibleDuplicatePerson,
		NotInRegister, UnknownProgram, NotPermitted, DuplicateRef, DoubleAid, ProgramFull,
	}
}

// Issue is one problem of one row. Field is the column at fault as the
// format names it ("nomor_nik", "period_start"), or "" for a problem of the
// whole line; Message starts with the field, like a *jaring.Error's, and
// says what to do. A message never repeats a NIK, a KK or a name, so that
// it may go where the row itself may not: a log, a report, a count.
type Issue struct {
	Reason  Reason `json:"reason"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (i Issue) String() string { return string(i.Reason) + " " + i.Message }

// Record is one row of an import file as read, before and besides what its
// values mean: enough to quarantine it whole and point the operator at it.
type Record struct {
	// Line is the row's line number in the file, counting the header as 1.
	Line int
	// Raw is the line exactly as in the file, without its line end. On a
	// BAD_ENCODING row it is not UTF-8, and a quarantine that keeps it must
	// take bytes (bytea), not text.
	Raw string
	// Fields are the line's values in file order, unquoted and trimmed of
	// surrounding spaces; columns the format does not know are kept too.
	Fields []string
	// Issues are the row's problems, in the order of their columns, with
	// the checks of one column against another last. A line
	// cut short, with too many fields or not UTF-8 has only those, as its
	// values are not read.
	Issues []Issue
}

// Valid reports whether the row has no issue.
func (r *Record) Valid() bool { return len(r.Issues) == 0 }

func (r *Record) add(reason Reason, field, format string, args ...any) {
	r.Issues = append(r.Issues, issuef(reason, field, format, args...))
}

// issuef makes an Issue whose message starts with the field, as
// jaring.Invalid does for errors.
func issuef(reason Reason, field, format string, args ...any) Issue {
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = field + ": " + msg
	}
	return Issue{Reason: reason, Field: field, Message: msg}
}
