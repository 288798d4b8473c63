package verival

import (
	"io"
	"strings"
	"unicode/utf8"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// The columns of the benefits file.
const (
	colKK = iota
	colNIK
	colProgram
	colAmount
	colPeriodStart
	colPeriodEnd
	colChannel
	colExternalRef
	colSource
	colOverride
)

var benefitColumns = []column{
	colKK:          {name: "kk"},
	colNIK:         {name: "nik"},
	colProgram:     {name: "program", required: true, hint: "the program's code, as PKH or BLT_DD"},
	colAmount:      {name: "amount", required: true, hint: "the amount in whole rupiah, digits only, as 300000"},
	colPeriodStart: {name: "period_start", required: true, hint: "the first day the benefit covers, as YYYY-MM-DD"},
	colPeriodEnd:   {name: "period_end"},
	colChannel:     {name: "channel"},
	colExternalRef: {name: "external_ref", required: true, hint: "your own reference for the payment, unique among yours"},
	colSource:      {name: "source"},
	colOverride:    {name: "override"},
}

// maxExternalRef is the longest external_ref the ledger takes, in
// characters.
const maxExternalRef = 100

// The codes a message lists. benefit.Channel.Valid and benefit.Source.Valid
// decide; these only say what to write instead.
const (
	channelCodes = "BANK_TRANSFER, KKS_CARD, POST_OFFICE, CASH, IN_KIND, INSURANCE or SERVICE"
	sourceCodes  = "APBN, APBD_PROV, APBD_KAB, DANA_DESA, BAZNAS or CSR"
)

// BenefitRow is one benefit of a benefits file: the line as read and the
// input it makes for the ledger. The input's Payer is empty: the
// organisation that imports the file is the payer, and benefit.Prepare
// fills it in. A value at fault is left zero in Input, with an Issue.
type BenefitRow struct {
	Record
	Input benefit.Input
}

// BenefitReader reads a benefits file: a CSV, comma-separated, whose first
// line names the columns
//
//	kk,nik,program,amount,period_start,period_end,channel,external_ref,source,override
//
// in any order, one benefit a line (docs/imports.md). Like RegisterReader
// it reads a line at a time, and a value may not run over lines. A
// BenefitReader is not safe for concurrent use.
type BenefitReader struct {
	t *table
}

// NewBenefitReader reads the header of a benefits file from r. It returns
// an EINVALID *jaring.Error naming the column if the header lacks program,
// amount, period_start or external_ref, has neither kk nor nik, or names a
// column twice; columns it does not know are ignored.
func NewBenefitReader(r io.Reader) (*BenefitReader, error) {
	t, err := newTable(r, ',', benefitColumns)
	if err != nil {
		return nil, err
	}
	if t.at[colKK] < 0 && t.at[colNIK] < 0 {
		return nil, jaring.Invalid("kk", "the header has neither kk nor nik, and a benefit needs its recipient; add the column kk for aid to households, nik for aid to persons, or both")
	}
	return &BenefitReader{t: t}, nil
}

// Read returns the next row, as RegisterReader.Read does.
func (r *BenefitReader) Read() (BenefitRow, error) {
	rec, ok, err := r.t.next()
	if err != nil {
		return BenefitRow{}, err
	}
	row := BenefitRow{Record: rec}
	if ok {
		r.interpret(&row)
	}
	return row, nil
}

func (r *BenefitReader) interpret(row *BenefitRow) {
	t, rec, in := r.t, &row.Record, &row.Input
	v := func(c int) string { return t.value(rec, c) }

	kk, nik := v(colKK), v(colNIK)
	if kk == "" && nik == "" {
		rec.add(MissingField, "kk", "is empty, and so is nik; give the household's kk for aid to the household, or the person's nik for aid to one person")
	}
	if kk != "" {
		if _, err := registry.ParseKK(kk); err != nil {
			rec.Issues = append(rec.Issues, numberIssue(InvalidKK, "kk", kk, err, "the family card"))
		} else {
			in.KK = kk
		}
	}
	if nik != "" {
		if _, err := registry.ParseNIK(nik); err != nil {
			rec.Issues = append(rec.Issues, numberIssue(InvalidNIK, "nik", nik, err, "the KTP or the KK"))
		} else {
			in.NIK = nik
		}
	}
	if !t.missing(rec, colProgram) {
		if p := v(colProgram); programCode(p) {
			in.Program = p
		} else {
			rec.add(BadValue, "program", "%q is not a program code; a code has letters, digits, - and _ only, as PKH or BLT_DD", p)
		}
	}
	if !t.missing(rec, colAmount) {
		s := v(colAmount)
		switch n := digits(s); {
		case n < 0 || len(s) > 12:
			rec.add(BadValue, "amount", "%q is not an amount Jaring reads; write whole rupiah in digits only, without Rp, dots, commas or decimals, as 300000", s)
		case n > benefit.MaxAmount:
			rec.add(BadValue, "amount", "is more than %d rupiah, the most one benefit may carry; look for a digit too many", benefit.MaxAmount)
		default:
			in.Amount = int64(n)
		}
	}
	if !t.missing(rec, colPeriodStart) {
		if d, err := parseDate(v(colPeriodStart), false); err != nil {
			rec.add(BadDate, "period_start", "%v", err)
		} else {
			in.Period.Start = d
		}
	}
	if s := v(colPeriodEnd); s != "" {
		switch d, err := parseDate(s, false); {
		case err != nil:
			rec.add(BadDate, "period_end", "%v; leave it empty for a benefit without an end", err)
		case !in.Period.Start.IsZero() && d.Before(in.Period.Start):
			rec.add(BadDate, "period_end", "is before period_start; a period includes both days, so a one-day benefit ends the day it starts")
		default:
			in.Period.End = &d
		}
	}
	if s := v(colChannel); s != "" {
		if c := benefit.Channel(strings.ToUpper(s)); c.Valid() {
			in.Channel = c
		} else {
			rec.add(BadValue, "channel", "%q is not a channel; write %s, or leave it empty", s, channelCodes)
		}
	}
	if !t.missing(rec, colExternalRef) {
		if ref := v(colExternalRef); utf8.RuneCountInString(ref) > maxExternalRef {
			rec.add(BadValue, "external_ref", "has %d characters, at most %d", utf8.RuneCountInString(ref), maxExternalRef)
		} else {
			in.ExternalRef = ref
		}
	}
	if s := v(colSource); s != "" {
		if src := benefit.Source(strings.ToUpper(s)); src.Valid() {
			in.Source = src
		} else {
			rec.add(BadValue, "source", "%q is not a source of funds; write %s, or leave it empty for the program's usual source", s, sourceCodes)
		}
	}
	if s := v(colOverride); s != "" {
		if n := utf8.RuneCountInString(s); n < benefit.MinOverrideReason {
			rec.add(BadValue, "override", "has %d characters; a justification takes at least %d, a sentence saying why the clash is right", n, benefit.MinOverrideReason)
		} else {
			in.OverrideReason = s
		}
	}
}

// programCode reports whether s has the shape of a program code. Whether
// the program exists is the database's to say.
func programCode(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return s != ""
}
