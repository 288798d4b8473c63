package verival

import (
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

const registerHeader = "iddtks|provinsi|kabupaten_kota|kecamatan|desa_kelurahan|alamat|dusun|rt|rw|nomor_kk|nomor_nik|nama|tanggal_lahir|tempat_lahir|jenis_kelamin|nama_ibu_kandung|hubungan_keluarga"

// sampleRow is a clean row: Ahmad Subandi, head of a household in desa
// Nibung, Koba, born 12 March 1978.
const sampleRow = "1904012003000114|KEPULAUAN BANGKA BELITUNG|KAB. BANGKA TENGAH|KOBA|NIBUNG|Jl. Raya Nibung No. 14|Dusun I|001|001|1904010506150001|1904011203780001|AHMAD SUBANDI|1978-03-12|Koba|LAKI-LAKI|SITI AMINAH|KEPALA KELUARGA"

// registerLine is sampleRow with the named columns set: pairs of column
// name and value, written into the line as they are.
func registerLine(t testing.TB, set ...string) string {
	t.Helper()
	return withColumns(t, registerHeader, sampleRow, "|", set...)
}

func withColumns(t testing.TB, header, row, sep string, set ...string) string {
	t.Helper()
	names, fields := strings.Split(header, sep), strings.Split(row, sep)
	for i := 0; i < len(set); i += 2 {
		c := slices.Index(names, set[i])
		if c < 0 {
			t.Fatalf("no column %q", set[i])
		}
		fields[c] = set[i+1]
	}
	return strings.Join(fields, sep)
}

func readRegister(t testing.TB, file string) []RegisterRow {
	t.Helper()
	r, err := NewRegisterReader(strings.NewReader(file))
	if err != nil {
		t.Fatalf("NewRegisterReader: %v", err)
	}
	var rows []RegisterRow
	for {
		row, err := r.Read()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatalf("Read after %d rows: %v", len(rows), err)
		}
		rows = append(rows, row)
	}
}

func readBenefits(t testing.TB, file string) []BenefitRow {
	t.Helper()
	r, err := NewBenefitReader(strings.NewReader(file))
	if err != nil {
		t.Fatalf("NewBenefitReader: %v", err)
	}
	var rows []BenefitRow
	for {
		row, err := r.Read()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatalf("Read after %d rows: %v", len(rows), err)
		}
		rows = append(rows, row)
	}
}

// issueKeys lists issues as "REASON field", the part a test pins down.
func issueKeys(issues []Issue) []string {
	var keys []string
	for _, iss := range issues {
		keys = append(keys, strings.TrimSpace(string(iss.Reason)+" "+iss.Field))
	}
	return keys
}

func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dirty writes what a clean file says the way a spreadsheet or an old
// system may: a byte-order mark, CRLF line ends, every value quoted (quotes
// inside doubled) with spaces around, and blank lines at the end.
func dirty(header []string, rows [][]string, sep string) string {
	var b strings.Builder
	b.WriteString("\xef\xbb\xbf")
	for _, fields := range append([][]string{header}, rows...) {
		for i, f := range fields {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString(`  "` + strings.ReplaceAll(f, `"`, `""`) + `" `)
		}
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n  \r\n\r\n")
	return b.String()
}
