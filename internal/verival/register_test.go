package verival

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

func TestRegisterSample(t *testing.T) {
	rows := readRegister(t, readFile(t, "testdata/register-sample.txt"))
	if len(rows) != 12 {
		t.Fatalf("read %d rows, want 12", len(rows))
	}
	for _, row := range rows {
		if !row.Valid() {
			t.Errorf("line %d: %v", row.Line, row.Issues)
		}
	}
	want := RegisterRow{
		Record: Record{
			Line:   2,
			Raw:    sampleRow,
			Fields: strings.Split(sampleRow, "|"),
		},
		IDDTKS:       "1904012003000114",
		KK:           "1904010506150001",
		NIK:          "1904011203780001",
		Name:         "AHMAD SUBANDI",
		BirthDate:    jaring.Date(1978, time.March, 12),
		BirthPlace:   "Koba",
		Sex:          registry.Male,
		MotherName:   "SITI AMINAH",
		Relationship: registry.Head,
		Address:      "Jl. Raya Nibung No. 14",
		Dusun:        "Dusun I",
		RT:           "001",
		RW:           "001",
		Place:        Place{"KEPULAUAN BANGKA BELITUNG", "KAB. BANGKA TENGAH", "KOBA", "NIBUNG"},
		VillageCode:  "19.04.01.2003",
	}
	if !reflect.DeepEqual(rows[0], want) {
		t.Errorf("line 2 =\n%+v\nwant\n%+v", rows[0], want)
	}
	// The row with a quoted address holding a | and a name with doubled
	// quotes, its date day first, its RT padded.
	r := rows[7]
	if r.Address != "Jl. Lintas Timur | Km 12" || r.Name != `ROSMALA "OCA" DEWI` || r.BirthDate != jaring.Date(1975, time.May, 20) ||
		r.Sex != registry.Female || r.RT != "007" || r.VillageCode != "19.04.05.2002" || len(r.Fields) != 17 {
		t.Errorf("line 9 = %+v", r)
	}
	// MERTUA is a parent; the kelurahan of Koba is told from its kecamatan.
	if rows[6].Relationship != registry.Parent || rows[10].VillageCode != "19.04.01.1001" {
		t.Errorf("line 8 relationship %s, line 12 village %s", rows[6].Relationship, rows[10].VillageCode)
	}
}

// One row of each fault, between good rows: each bad row has its own
// reasons, at the right columns and in their order, and the good rows stay
// clean whatever comes before them.
func TestRegisterFaults(t *testing.T) {
	tests := []struct {
		name  string
		line  string
		want  []string               // issueKeys of the row; nil for a clean one
		check func(RegisterRow) bool // what else must hold of the row
	}{
		{"clean", sampleRow, nil, nil},
		// A woman's NIK carries day + 40: 65 is the 25th, and female.
		{"woman, day + 40", registerLine(t, "nomor_nik", "1904016507820002", "tanggal_lahir", "25-07-1982", "jenis_kelamin", "PEREMPUAN", "hubungan_keluarga", "ISTRI"), nil,
			func(r RegisterRow) bool {
				return r.Sex == registry.Female && r.BirthDate == jaring.Date(1982, time.July, 25)
			}},
		// Optional values may be empty.
		{"optional values empty", registerLine(t, "iddtks", "", "alamat", "", "dusun", "", "rt", "", "rw", "", "tempat_lahir", "", "nama_ibu_kandung", "", "hubungan_keluarga", ""), nil,
			func(r RegisterRow) bool { return r.RT == "" && r.Relationship == "" }},
		// A NIK of 15 digits: the registry's reason is in the message, and no
		// NIK is kept, so nothing is checked against it.
		{"NIK too short", registerLine(t, "nomor_nik", "190401120378000", "tanggal_lahir", "1990-01-01"), []string{"INVALID_NIK nomor_nik"},
			func(r RegisterRow) bool {
				return r.NIK == "" && strings.Contains(r.Issues[0].Message, "has 15 characters")
			}},
		// A spreadsheet that took the NIK for a number: the message says so.
		{"NIK in scientific notation", registerLine(t, "nomor_nik", "1.90401E+15"), []string{"INVALID_NIK nomor_nik"},
			func(r RegisterRow) bool { return strings.Contains(r.Issues[0].Message, "scientific notation") }},
		{"KK with a letter O", registerLine(t, "nomor_kk", "19040105061500O1"), []string{"INVALID_KK nomor_kk"},
			func(r RegisterRow) bool {
				return r.KK == "" && strings.Contains(r.Issues[0].Message, "want only digits")
			}},
		// A birth date a day off the NIK's.
		{"birth date off by a day", registerLine(t, "tanggal_lahir", "1978-03-13"), []string{"NIK_BIRTHDATE_MISMATCH tanggal_lahir"}, nil},
		// The NIK has two digits of the year: 78 is not 79.
		{"birth year off", registerLine(t, "tanggal_lahir", "12/03/1979"), []string{"NIK_BIRTHDATE_MISMATCH tanggal_lahir"}, nil},
		// A man's NIK for a woman.
		{"woman with a man's NIK", registerLine(t, "jenis_kelamin", "PEREMPUAN"), []string{"NIK_SEX_MISMATCH jenis_kelamin"}, nil},
		// A woman's NIK for a man: the date still matches once 40 is taken
		// off the day, so only the sex is wrong.
		{"man with a woman's NIK", registerLine(t, "nomor_nik", "1904015203780001"), []string{"NIK_SEX_MISMATCH jenis_kelamin"}, nil},
		// The date written with the woman's + 40 is no date at all.
		{"day + 40 in the birth date", registerLine(t, "nomor_nik", "1904015203780001", "jenis_kelamin", "P", "tanggal_lahir", "52-03-1978"), []string{"BAD_DATE tanggal_lahir"}, nil},
		// Air Mesu is a desa of Pangkalan Baru, not of Koba.
		{"village of another kecamatan", registerLine(t, "desa_kelurahan", "AIR MESU"), []string{"UNKNOWN_REGION desa_kelurahan"},
			func(r RegisterRow) bool {
				return r.VillageCode == "" && strings.Contains(r.Issues[0].Message, `"AIR MESU" is not a desa or kelurahan of kecamatan Koba`)
			}},
		// Koba is a kecamatan of Bangka Tengah, not of Bangka.
		{"kecamatan of another kabupaten", registerLine(t, "kabupaten_kota", "KAB. BANGKA"), []string{"UNKNOWN_REGION kecamatan"}, nil},
		{"unknown province", registerLine(t, "provinsi", "BANGKA BELITONG"), []string{"UNKNOWN_REGION provinsi"}, nil},
		{"no name", registerLine(t, "nama", ""), []string{"MISSING_FIELD nama"},
			func(r RegisterRow) bool { return strings.Contains(r.Issues[0].Message, "nama: is empty") }},
		// Every empty required value is named, not just the first.
		{"no name, no sex", registerLine(t, "nama", "", "jenis_kelamin", " "), []string{"MISSING_FIELD nama", "MISSING_FIELD jenis_kelamin"}, nil},
		// An empty region name is missing, not unknown.
		{"no kecamatan", registerLine(t, "kecamatan", ""), []string{"MISSING_FIELD kecamatan"},
			func(r RegisterRow) bool { return r.VillageCode == "" }},
		{"date with slashes the wrong way", registerLine(t, "tanggal_lahir", "1978/03/12"), []string{"BAD_DATE tanggal_lahir"},
			func(r RegisterRow) bool { return r.BirthDate.IsZero() }},
		{"born tomorrow", registerLine(t, "tanggal_lahir", time.Now().AddDate(0, 0, 2).Format("2006-01-02")), []string{"BAD_DATE tanggal_lahir"}, nil},
		{"unknown sex", registerLine(t, "jenis_kelamin", "X"), []string{"BAD_VALUE jenis_kelamin"},
			func(r RegisterRow) bool { return r.Sex == "" }},
		{"unknown relationship", registerLine(t, "hubungan_keluarga", "TETANGGA"), []string{"BAD_VALUE hubungan_keluarga"}, nil},
		{"RT of four digits", registerLine(t, "rt", "1234", "rw", "2"), []string{"BAD_VALUE rt"},
			func(r RegisterRow) bool { return r.RT == "" && r.RW == "002" }},
		// Faults of one row come in the order of their columns.
		{"several faults", registerLine(t, "rw", "x", "nomor_nik", "1904011303780001", "tanggal_lahir", "1978-03-12", "jenis_kelamin", "WANITA", "hubungan_keluarga", "?"),
			[]string{"BAD_VALUE rw", "BAD_VALUE hubungan_keluarga", "NIK_BIRTHDATE_MISMATCH tanggal_lahir", "NIK_SEX_MISMATCH jenis_kelamin"}, nil},
		// Latin-1 from an old system: the database would refuse the text, so
		// the line is held back whole and its values are not read.
		{"not UTF-8", registerLine(t, "nama", "JOS\xc9"), []string{"BAD_ENCODING"},
			func(r RegisterRow) bool { return r.NIK == "" && len(r.Fields) == 17 }},
		// An unquoted | in the address shifts every column after it.
		{"unquoted separator", registerLine(t, "alamat", "Jl. Lintas | Km 12"), []string{"EXTRA_FIELDS"},
			func(r RegisterRow) bool { return r.NIK == "" && r.VillageCode == "" }},
		// …even where the value it pushes out of the last column is empty.
		{"unquoted separator, no relationship", registerLine(t, "alamat", "Jl. Lintas | Km 12", "hubungan_keluarga", ""), []string{"EXTRA_FIELDS"}, nil},
		// A line break inside a value splits the row in two short lines.
		{"broken line", sampleRow[:strings.Index(sampleRow, "1904011203780001")-1], []string{"TRUNCATED_ROW nomor_nik"}, nil},
		{"rest of the broken line", sampleRow[strings.Index(sampleRow, "1904011203780001"):], []string{"TRUNCATED_ROW rt"}, nil},
	}
	var file strings.Builder
	file.WriteString(registerHeader + "\n")
	for _, tt := range tests {
		fmt.Fprintf(&file, "%s\n%s\n", tt.line, sampleRow)
	}
	rows := readRegister(t, file.String())
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
		if row.Line != 2*i+2 || row.Raw != tt.line {
			t.Errorf("%s: line %d %q, want line %d %q", tt.name, row.Line, row.Raw, 2*i+2, tt.line)
		}
		if !good.Valid() || good.NIK == "" {
			t.Errorf("after %s: line %d has %v", tt.name, good.Line, good.Issues)
		}
		for _, iss := range row.Issues {
			if iss.Field != "" && !strings.HasPrefix(iss.Message, iss.Field+": ") {
				t.Errorf("%s: message %q does not start with its field", tt.name, iss.Message)
			}
		}
	}
}

// A file cut off mid-row: its last line is one row with TRUNCATED_ROW and
// its line number, and every row before it reads as it would have.
func TestRegisterCutOff(t *testing.T) {
	quoted := registerLine(t, "alamat", `"Jl. Lintas Timur | Km 12"`)
	tests := []struct {
		name string
		tail string   // what the file ends with after three good rows
		want []string // issueKeys of the last row; nil for a clean one
	}{
		// The issue names the first column the line does not reach.
		{"in a value", sampleRow[:60], []string{"TRUNCATED_ROW kecamatan"}},
		{"after a separator", sampleRow[:strings.Index(sampleRow, "AHMAD")], []string{"TRUNCATED_ROW tanggal_lahir"}},
		// An unclosed quote could hold the rest of the row: it is cut.
		{"inside a quoted value", quoted[:strings.Index(quoted, "Km")], []string{"TRUNCATED_ROW alamat"}},
		{"inside a quoted value, with its line end", quoted[:strings.Index(quoted, "Km")] + "\n", []string{"TRUNCATED_ROW alamat"}},
		// Cut between CR and LF: the row is whole.
		{"before the LF of CRLF", sampleRow + "\r", nil},
		// No line end after the last row is no fault.
		{"without a last line end", sampleRow, nil},
		// Cut inside the last value, the field count is whole, and the cut
		// shows only where the value no longer reads.
		{"in the last value", sampleRow[:len(sampleRow)-6], []string{"BAD_VALUE hubungan_keluarga"}},
	}
	for _, tt := range tests {
		file := registerHeader + "\n" + strings.Repeat(sampleRow+"\n", 3) + tt.tail
		rows := readRegister(t, file)
		if len(rows) != 4 {
			t.Fatalf("%s: read %d rows, want 4", tt.name, len(rows))
		}
		for _, row := range rows[:3] {
			if !row.Valid() || row.NIK == "" {
				t.Errorf("%s: line %d has %v", tt.name, row.Line, row.Issues)
			}
		}
		last := rows[3]
		if got := issueKeys(last.Issues); last.Line != 5 || !slices.Equal(got, tt.want) {
			t.Errorf("%s: last row is line %d with %q, want line 5 with %q", tt.name, last.Line, got, tt.want)
		}
		if want := strings.TrimRight(tt.tail, "\r\n"); last.Raw != want {
			t.Errorf("%s: last row's Raw = %q, want %q", tt.name, last.Raw, want)
		}
	}
}

// A file with a byte-order mark, CRLF line ends, every value quoted with
// spaces around it and blank lines at the end reads exactly as the clean
// sample does; only Raw differs, being the line as written.
func TestRegisterDirtyReadsClean(t *testing.T) {
	clean := readRegister(t, readFile(t, "testdata/register-sample.txt"))
	var fields [][]string
	for _, row := range clean {
		fields = append(fields, row.Fields)
	}
	file := dirty(strings.Split(registerHeader, "|"), fields, "|")
	got := readRegister(t, file)
	if len(got) != len(clean) {
		t.Fatalf("read %d rows, want %d", len(got), len(clean))
	}
	lines := strings.Split(file, "\r\n")
	for i := range got {
		if want := lines[got[i].Line-1]; got[i].Raw != want {
			t.Errorf("line %d: Raw = %q, want %q", got[i].Line, got[i].Raw, want)
		}
		got[i].Raw = clean[i].Raw
		if !reflect.DeepEqual(got[i], clean[i]) {
			t.Errorf("line %d reads\n%+v\nwhere the clean file has\n%+v", got[i].Line, got[i], clean[i])
		}
	}
}

// Blank lines carry nothing: they are skipped wherever they are, and the
// rows keep the numbers of their own lines.
func TestRegisterBlankLines(t *testing.T) {
	rows := readRegister(t, registerHeader+"\n\n"+sampleRow+"\n \t\n"+sampleRow+"\n\n")
	if len(rows) != 2 || rows[0].Line != 3 || rows[1].Line != 5 {
		t.Fatalf("rows %+v, want lines 3 and 5", rows)
	}
}

// Columns in another order, extra columns and an absent optional column
// read like the format: values are found by the header's names.
func TestRegisterColumnsByName(t *testing.T) {
	header := "NAMA|Nomor NIK|keterangan|Nomor KK|TANGGAL LAHIR|JENIS KELAMIN|PROVINSI|KABUPATEN/KOTA|KECAMATAN|DESA/KELURAHAN|KABUPATEN_KOTA|DESA_KELURAHAN"
	line := "AHMAD SUBANDI|1904011203780001|pindahan|1904010506150001|1978-03-12|L|KEPULAUAN BANGKA BELITUNG|?|KOBA|?|BANGKA TENGAH|NIBUNG"
	rows := readRegister(t, header+"\n"+line+"\n")
	r := rows[0]
	if !r.Valid() || r.NIK != "1904011203780001" || r.VillageCode != "19.04.01.2003" || r.Relationship != "" || len(r.Fields) != 12 {
		t.Errorf("row = %+v", r)
	}
}
