package verival

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/registry"
)

// FuzzRegisterReader: whatever the file, the reader does not panic, every
// line after the header that is not blank comes out as exactly one row with
// its number and text, and a row without issues is a whole person.
//
//	go test -run XXX -fuzz FuzzRegisterReader -fuzzminimizetime 5s ./internal/verival/
//
// (The samples are large seeds, and minimizing an input grown from one
// takes the default minute; five seconds keeps the fuzzer fuzzing.)
func FuzzRegisterReader(f *testing.F) {
	sample := readFile(f, "testdata/register-sample.txt")
	for _, seed := range seeds(sample, "|") {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, file string) {
		r, err := NewRegisterReader(strings.NewReader(file))
		if err != nil {
			return
		}
		var recs []Record
		var readErr error
		for {
			row, err := r.Read()
			if err != nil {
				readErr = err
				break
			}
			checkIssues(t, row.Record)
			if row.Valid() {
				if _, err := registry.ParseNIK(row.NIK); err != nil || row.KK == "" || row.Name == "" || row.BirthDate.IsZero() || row.Sex == "" || row.VillageCode == "" {
					t.Fatalf("line %d has no issue but is no whole person: %+v", row.Line, row)
				}
			}
			recs = append(recs, row.Record)
		}
		checkLines(t, file, recs, readErr)
	})
}

// FuzzBenefitReader: the same for the benefits file, and a row without
// issues passes the ledger's own check once it has a payer.
//
//	go test -run XXX -fuzz FuzzBenefitReader -fuzzminimizetime 5s ./internal/verival/
func FuzzBenefitReader(f *testing.F) {
	sample := readFile(f, "testdata/benefits-sample.csv")
	for _, seed := range seeds(sample, ",") {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, file string) {
		r, err := NewBenefitReader(strings.NewReader(file))
		if err != nil {
			return
		}
		var recs []Record
		var readErr error
		for {
			row, err := r.Read()
			if err != nil {
				readErr = err
				break
			}
			checkIssues(t, row.Record)
			if row.Valid() {
				in := row.Input
				in.Payer = "DINSOS"
				if err := benefit.Validate(in); err != nil {
					t.Fatalf("line %d has no issue, but the ledger refuses it: %v\n%+v", row.Line, err, in)
				}
			}
			recs = append(recs, row.Record)
		}
		checkLines(t, file, recs, readErr)
	})
}

// seeds are the sample and what goes wrong with such files: dirtied, cut at
// several points, with a quote left open, with extra separators.
func seeds(sample, sep string) []string {
	lines := strings.Split(strings.TrimSuffix(sample, "\n"), "\n")
	var fields [][]string
	for _, l := range lines {
		fs, _ := splitLine(nil, l, sep[0])
		fields = append(fields, fs)
	}
	out := []string{sample, dirty(fields[0], fields[1:], sep), "", "\n\n", "\xef\xbb\xbf" + lines[0]}
	for _, cut := range []int{len(sample) / 3, len(sample) / 2, len(sample) - 7} {
		out = append(out, sample[:cut])
	}
	out = append(out,
		lines[0]+"\n"+`"`+lines[1]+"\n"+lines[2]+"\n",
		lines[0]+"\r\n"+strings.ReplaceAll(lines[1], sep, sep+sep)+"\r\n",
		lines[0]+"\n"+strings.ReplaceAll(lines[1], "0", "\x00")+"\n",
	)
	return out
}

// checkIssues checks what every issue must be: a known reason, and a
// message that starts with the field it names.
func checkIssues(t *testing.T, rec Record) {
	t.Helper()
	for _, iss := range rec.Issues {
		if !slices.Contains(Reasons(), iss.Reason) || iss.Message == "" || iss.Field != "" && !strings.HasPrefix(iss.Message, iss.Field+": ") {
			t.Fatalf("line %d: issue %+v", rec.Line, iss)
		}
	}
}

// checkLines checks that recs are the rows of file: one for each line
// after the header that is not blank, in order, with its number and its
// text without the line end. After an error other than io.EOF the rows read
// until then must be the first ones.
func checkLines(t *testing.T, file string, recs []Record, err error) {
	t.Helper()
	lines := strings.Split(file, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the end of the last line, not a line
	}
	var want []int // the numbers of the lines that are rows
	header := false
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		lines[i] = l
		if i == 0 {
			l = strings.TrimPrefix(l, "\xef\xbb\xbf")
		}
		switch {
		case strings.TrimSpace(l) == "":
		case !header:
			header = true
		default:
			want = append(want, i+1)
		}
	}
	if err == io.EOF && len(recs) != len(want) || len(recs) > len(want) {
		t.Fatalf("read %d rows (then %v), want %d", len(recs), err, len(want))
	}
	for i, rec := range recs {
		if rec.Line != want[i] || rec.Raw != lines[want[i]-1] {
			t.Fatalf("row %d is line %d %q, want line %d %q", i, rec.Line, rec.Raw, want[i], lines[want[i]-1])
		}
	}
}
