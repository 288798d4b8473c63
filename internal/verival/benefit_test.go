package verival

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
)

const benefitHeader = "kk,nik,program,amount,period_start,period_end,channel,external_ref,source,override"

// benefitRow is a clean row: three months of PKH for Ahmad Subandi's
// household.
const benefitRow = "1904010506150001,,PKH,750000,2026-01-01,2026-03-31,BANK_TRANSFER,PKH-2026-T1-0001234,,"

func benefitLine(t testing.TB, set ...string) string {
	t.Helper()
	return withColumns(t, benefitHeader, benefitRow, ",", set...)
}

func TestBenefitSample(t *testing.T) {
	rows := readBenefits(t, readFile(t, "testdata/benefits-sample.csv"))
	if len(rows) != 11 {
		t.Fatalf("read %d rows, want 11", len(rows))
	}
	for _, row := range rows {
		if !row.Valid() {
			t.Errorf("line %d: %v", row.Line, row.Issues)
		}
		// What the reader passes, the ledger's own check passes, once the
		// importing organisation is the payer.
		in := row.Input
		in.Payer = "DINSOS"
		if err := benefit.Validate(in); err != nil {
			t.Errorf("line %d: benefit.Validate: %v", row.Line, err)
		}
	}
	end := jaring.Date(2026, time.March, 31)
	want := benefit.Input{
		KK:          "1904010506150001",
		Program:     "PKH",
		Amount:      750000,
		Period:      jaring.Period{Start: jaring.Date(2026, time.January, 1), End: &end},
		Channel:     benefit.ChannelBank,
		ExternalRef: "PKH-2026-T1-0001234",
	}
	if !reflect.DeepEqual(rows[0].Input, want) || rows[0].Line != 2 || rows[0].Raw != benefitRow {
		t.Errorf("line 2 = %+v, want %+v", rows[0], want)
	}
	// An empty period_end is open-ended; a nik alone is aid to one person.
	if r := rows[3].Input; r.Period.End != nil || r.NIK != "1904024112400001" || r.KK != "" {
		t.Errorf("line 5 = %+v", r)
	}
	// The justification, quoted for its commas, becomes the override reason.
	if r := rows[10].Input; !strings.HasPrefix(r.OverrideReason, "Rumah terbakar") || r.Source != benefit.DanaDesa {
		t.Errorf("line 12 = %+v", r)
	}
}

func TestBenefitFaults(t *testing.T) {
	tests := []struct {
		name  string
		line  string
		want  []string
		check func(BenefitRow) bool
	}{
		{"clean", benefitRow, nil, nil},
		// Aid to one member: nik only, or with the household's kk.
		{"person", benefitLine(t, "kk", "", "nik", "1904016507820002"), nil, nil},
		{"person and household", benefitLine(t, "nik", "1904016507820002"), nil, nil},
		// Codes of closed lists are read in any case.
		{"lower-case codes", benefitLine(t, "channel", "kks_card", "source", "apbn"), nil,
			func(r BenefitRow) bool {
				return r.Input.Channel == benefit.ChannelKKS && r.Input.Source == benefit.APBN
			}},
		// A benefit of one day starts and ends on it.
		{"one day", benefitLine(t, "period_end", "2026-01-01"), nil, nil},
		// In-kind aid may carry no rupiah value.
		{"amount zero", benefitLine(t, "amount", "0"), nil, nil},
		{"no recipient", benefitLine(t, "kk", ""), []string{"MISSING_FIELD kk"}, nil},
		{"bad kk", benefitLine(t, "kk", "190401050615"), []string{"INVALID_KK kk"},
			func(r BenefitRow) bool { return r.Input.KK == "" }},
		{"bad nik", benefitLine(t, "nik", "1904014001780001"), []string{"INVALID_NIK nik"},
			func(r BenefitRow) bool { return strings.Contains(r.Issues[0].Message, "day 40") }},
		{"no program", benefitLine(t, "program", ""), []string{"MISSING_FIELD program"}, nil},
		{"program with a space", benefitLine(t, "program", "BLT DD"), []string{"BAD_VALUE program"}, nil},
		{"no amount", benefitLine(t, "amount", ""), []string{"MISSING_FIELD amount"}, nil},
		// Rupiah are written with dots for thousands; the file takes digits.
		{"amount with separators", benefitLine(t, "amount", "750.000"), []string{"BAD_VALUE amount"},
			func(r BenefitRow) bool { return strings.Contains(r.Issues[0].Message, "digits only") }},
		{"amount with Rp", benefitLine(t, "amount", "Rp750000"), []string{"BAD_VALUE amount"}, nil},
		{"negative amount", benefitLine(t, "amount", "-750000"), []string{"BAD_VALUE amount"}, nil},
		// More than the ledger takes: a misplaced digit, caught here.
		{"amount too large", benefitLine(t, "amount", "7500000000"), []string{"BAD_VALUE amount"}, nil},
		{"amount overflowing", benefitLine(t, "amount", "99999999999999999999999"), []string{"BAD_VALUE amount"}, nil},
		{"no start", benefitLine(t, "period_start", ""), []string{"MISSING_FIELD period_start"}, nil},
		{"start day first", benefitLine(t, "period_start", "01-01-2026"), []string{"BAD_DATE period_start"}, nil},
		{"no such end", benefitLine(t, "period_end", "2026-02-30"), []string{"BAD_DATE period_end"}, nil},
		{"end before start", benefitLine(t, "period_end", "2025-12-31"), []string{"BAD_DATE period_end"},
			func(r BenefitRow) bool { return r.Input.Period.End == nil }},
		{"unknown channel", benefitLine(t, "channel", "TRANSFER"), []string{"BAD_VALUE channel"},
			func(r BenefitRow) bool { return strings.Contains(r.Issues[0].Message, "BANK_TRANSFER, KKS_CARD") }},
		{"no external_ref", benefitLine(t, "external_ref", ""), []string{"MISSING_FIELD external_ref"}, nil},
		{"external_ref too long", benefitLine(t, "external_ref", strings.Repeat("x", 101)), []string{"BAD_VALUE external_ref"}, nil},
		{"unknown source", benefitLine(t, "source", "APBD"), []string{"BAD_VALUE source"}, nil},
		// A justification is a sentence, as the ledger asks of an override.
		{"override too short", benefitLine(t, "override", "urgent"), []string{"BAD_VALUE override"}, nil},
		// Every fault of a row, in the order of the columns.
		{"several faults", benefitLine(t, "kk", "", "nik", "x", "amount", "1.5jt", "period_start", "2026-13-01", "channel", "?"),
			[]string{"INVALID_NIK nik", "BAD_VALUE amount", "BAD_DATE period_start", "BAD_VALUE channel"}, nil},
		// An unquoted comma in the justification adds a field.
		{"unquoted comma", benefitLine(t, "override", "Rumah terbakar, disetujui musdes Nibung 3 Februari 2026"), []string{"EXTRA_FIELDS"}, nil},
		{"cut short", benefitRow[:30], []string{"TRUNCATED_ROW period_end"}, nil},
		// An unquoted comma moves every value after it one column on, even
		// where the last one shifted out is empty.
		{"unquoted comma, last value empty", benefitLine(t, "external_ref", "PKH,2026"), []string{"EXTRA_FIELDS"}, nil},
		{"not UTF-8", benefitLine(t, "external_ref", "REF-\xff"), []string{"BAD_ENCODING"}, nil},
	}
	var file strings.Builder
	file.WriteString(benefitHeader + "\n")
	for _, tt := range tests {
		fmt.Fprintf(&file, "%s\n%s\n", tt.line, benefitRow)
	}
	rows := readBenefits(t, file.String())
	if len(rows) != 2*len(tests) {
		t.Fatalf("read %d rows, want %d", len(rows), 2*len(tests))
	}
	for i, tt := range tests {
		row, good := rows[2*i], rows[2*i+1]
		if got := issueKeys(row.Issues); !slices.Equal(got, tt.want) {
			t.Errorf("%s: line %d has %q, want %q\n%v", tt.name, row.Line, got, tt.want, row.Issues)
		} else if tt.check != nil && !tt.check(row) {
			t.Errorf("%s: line %d = %+v", tt.name, row.Line, row)
		}
		if row.Line != 2*i+2 || row.Raw != tt.line || !good.Valid() {
			t.Errorf("%s: line %d %q, next %v", tt.name, row.Line, row.Raw, good.Issues)
		}
	}
}

func TestBenefitHeader(t *testing.T) {
	tests := []struct {
		name      string
		header    string
		wantField string // "" for a good header
	}{
		{"the format", benefitHeader, ""},
		// Only the recipient, program, amount, start and reference are needed.
		{"the least", "NIK,Program,Amount,Period Start,External Ref", ""},
		{"kk alone", "kk,program,amount,period_start,external_ref", ""},
		// A benefit without a recipient goes to no one.
		{"no recipient", "program,amount,period_start,external_ref", "kk"},
		{"no reference", "kk,program,amount,period_start", "external_ref"},
		{"twice", benefitHeader + ",KK", "kk"},
	}
	for _, tt := range tests {
		_, err := NewBenefitReader(strings.NewReader(tt.header + "\n"))
		switch {
		case tt.wantField == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantField != "" && (jaring.ErrorCode(err) != jaring.EINVALID || jaring.ErrorField(err) != tt.wantField):
			t.Errorf("%s: error %v, want EINVALID at %s", tt.name, err, tt.wantField)
		}
	}
}

// As for the register: a BOM, CRLF and quoted values read like the clean
// sample, and a file cut off mid-row loses only its last row.
func TestBenefitDirtyAndCutOff(t *testing.T) {
	sample := readFile(t, "testdata/benefits-sample.csv")
	clean := readBenefits(t, sample)
	var fields [][]string
	for _, row := range clean {
		fields = append(fields, row.Fields)
	}
	got := readBenefits(t, dirty(strings.Split(benefitHeader, ","), fields, ","))
	for i := range got {
		got[i].Raw = clean[i].Raw
		if !reflect.DeepEqual(got[i], clean[i]) {
			t.Errorf("line %d reads\n%+v\nwhere the clean file has\n%+v", got[i].Line, got[i], clean[i])
		}
	}
	cut := sample[:strings.Index(sample, "musdes Nibung")]
	rows := readBenefits(t, cut)
	last := rows[len(rows)-1]
	if len(rows) != len(clean) || last.Line != 12 || !slices.Equal(issueKeys(last.Issues), []string{"TRUNCATED_ROW override"}) {
		t.Errorf("cut file: %d rows, last line %d with %v", len(rows), last.Line, last.Issues)
	}
	for _, row := range rows[:len(rows)-1] {
		if !row.Valid() {
			t.Errorf("cut file: line %d has %v", row.Line, row.Issues)
		}
	}
}
