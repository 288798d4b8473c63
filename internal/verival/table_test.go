package verival

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/jaring-id/jaring/internal/jaring"
)

func TestSplitLine(t *testing.T) {
	tests := []struct {
		name string
		line string
		want []string
		open int // the field whose quote does not close, or -1
	}{
		{"plain", "a|b|c", []string{"a", "b", "c"}, -1},
		// Surrounding spaces and tabs are not part of a value.
		{"spaces", "  a |\tb\t| c  ", []string{"a", "b", "c"}, -1},
		// Empty fields, including a trailing one after the last separator.
		{"empty fields", "|a||", []string{"", "a", "", ""}, -1},
		{"empty line", "", []string{""}, -1},
		// A quoted value may hold the separator.
		{"quoted separator", `a|"Jl. Lintas | Km 12"|c`, []string{"a", "Jl. Lintas | Km 12", "c"}, -1},
		// "" inside quotes is one quote.
		{"doubled quote", `"ROSMALA ""OCA"" DEWI"|x`, []string{`ROSMALA "OCA" DEWI`, "x"}, -1},
		{"only a doubled quote", `""""|x`, []string{`"`, "x"}, -1},
		{"empty quoted", `""|x`, []string{"", "x"}, -1},
		// Spaces around the quotes are not part of the value; spaces inside
		// are trimmed too, as no value means anything by them.
		{"spaces around quotes", `  " a b " |x`, []string{"a b", "x"}, -1},
		// A quote that is not followed by the separator is part of the
		// value, so an address with a quoted name survives.
		{"quote inside quoted value", `"Jl. "Mawar" 3"|x`, []string{`Jl. "Mawar" 3`, "x"}, -1},
		// A quote in the middle of an unquoted value is just a character.
		{"quote inside unquoted value", `Gg. "Mawar"|x`, []string{`Gg. "Mawar"`, "x"}, -1},
		// A quote that never closes: the line was cut, or a value ran over
		// lines. Its field is reported.
		{"unclosed at end", `a|b|"Jl. Lintas`, []string{"a", "b", "Jl. Lintas"}, 2},
		{"unclosed swallows separators", `a|"b|c|d`, []string{"a", "b|c|d"}, 1},
		{"doubled quote then cut", `a|"b""`, []string{"a", `b""`}, 1},
		// The benefits file uses commas.
		{"commas", `x,"a, b",c`, nil, -1},
	}
	for _, tt := range tests {
		sep := byte('|')
		if tt.want == nil {
			sep, tt.want = ',', []string{"x", "a, b", "c"}
		}
		got, open := splitLine(nil, tt.line, sep)
		if !slices.Equal(got, tt.want) || open != tt.open {
			t.Errorf("%s: splitLine(%q) = %q, %d; want %q, %d", tt.name, tt.line, got, open, tt.want, tt.open)
		}
	}
}

// Unquoted values and quoted ones without "" are slices of the line: a row
// costs its Raw string and its Fields slice, not an allocation per field.
func TestSplitLineAllocates(t *testing.T) {
	line := `1904012003000114|KEPULAUAN BANGKA BELITUNG|"KAB. BANGKA TENGAH"| KOBA |NIBUNG|"Jl. Raya | 14"`
	dst := make([]string, 0, 16)
	if n := testing.AllocsPerRun(100, func() { dst, _ = splitLine(dst[:0], line, '|') }); n != 0 {
		t.Errorf("splitLine allocates %v times, want 0", n)
	}
}

func TestHeader(t *testing.T) {
	const full = "iddtks|provinsi|kabupaten_kota|kecamatan|desa_kelurahan|alamat|dusun|rt|rw|nomor_kk|nomor_nik|nama|tanggal_lahir|tempat_lahir|jenis_kelamin|nama_ibu_kandung|hubungan_keluarga"
	tests := []struct {
		name      string
		file      string
		wantField string // the field the error names; "" when the header is good
		wantMsg   string
	}{
		{"the format", full + "\n", "", ""},
		// Case, spaces and underscores do not matter, nor the order, and
		// columns Jaring does not know are ignored.
		{"spelled otherwise", "NAMA|Nomor KK|NOMOR_NIK|Tanggal Lahir|jenis kelamin|PROVINSI|Kabupaten_Kota|KECAMATAN|Desa Kelurahan|KETERANGAN\n", "", ""},
		// A header may be quoted, like any line.
		{"quoted", `"nomor_kk"|"nomor_nik"|"nama"|"tanggal_lahir"|"jenis_kelamin"|"provinsi"|"kabupaten_kota"|"kecamatan"|"desa_kelurahan"` + "\n", "", ""},
		{"blank lines first", "\n  \n" + full + "\n", "", ""},
		// A required column that is missing spoils the whole file: no row
		// could be checked.
		{"no nomor_nik", strings.Replace(full, "|nomor_nik", "|nik", 1), "nomor_nik", "lacks the required column nomor_nik"},
		{"several missing", "iddtks|nama\n", "provinsi", "columns provinsi, kabupaten_kota, kecamatan, desa_kelurahan, nomor_kk, nomor_nik, tanggal_lahir, jenis_kelamin"},
		// Two columns of one name: which would be meant?
		{"twice", full + "|NAMA\n", "nama", "fields 12 and 18"},
		// The first line is the header: a file without one starts with a
		// person, and its values name no columns.
		{"no header", "1904012003000114|KEPULAUAN BANGKA BELITUNG|KAB. BANGKA TENGAH|KOBA|NIBUNG\n", "provinsi", "lacks the required columns"},
		{"empty", "", "header", "the file is empty"},
		{"only blank lines", "\r\n\n", "header", "the file is empty"},
		// Excel's "Unicode text" is UTF-16; reading it as UTF-8 would
		// quarantine every row for no reason the operator could see.
		{"UTF-16", "\xff\xfei\x00d\x00", "header", "UTF-16"},
		{"unclosed quote", `"iddtks|nama` + "\n", "header", "does not close"},
	}
	for _, tt := range tests {
		_, err := NewRegisterReader(strings.NewReader(tt.file))
		if tt.wantField == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if jaring.ErrorCode(err) != jaring.EINVALID || jaring.ErrorField(err) != tt.wantField || !strings.Contains(jaring.ErrorMessage(err), tt.wantMsg) {
			t.Errorf("%s: error %v; want EINVALID at %s containing %q", tt.name, err, tt.wantField, tt.wantMsg)
		}
	}
}

// A line longer than MaxLine stops the reading with an error: it is no
// register row, and holding it would let memory grow with the file. The
// rows before it are read.
func TestLongLine(t *testing.T) {
	file := registerHeader + "\n" + sampleRow + "\n" + strings.Repeat("x", MaxLine+1) + "\n" + sampleRow + "\n"
	r, err := NewRegisterReader(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if row, err := r.Read(); err != nil || !row.Valid() {
		t.Fatalf("first row: %v, %v", row.Issues, err)
	}
	_, err = r.Read()
	if jaring.ErrorCode(err) != jaring.EINVALID || !strings.Contains(jaring.ErrorMessage(err), "line 3 is longer than") {
		t.Fatalf("long line: error %v, want EINVALID naming line 3", err)
	}
}

// A reader's own error comes back as it is, wrapped with the line, after
// the rows read before it.
func TestReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	file := io.MultiReader(strings.NewReader(registerHeader+"\n"+sampleRow+"\n"), iotest.ErrReader(boom))
	r, err := NewRegisterReader(file)
	if err != nil {
		t.Fatal(err)
	}
	if row, err := r.Read(); err != nil || !row.Valid() {
		t.Fatalf("first row: %v, %v", row.Issues, err)
	}
	if _, err := r.Read(); !errors.Is(err, boom) || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("error %v, want %v at line 3", err, boom)
	}
}
