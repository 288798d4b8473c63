package verival

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// BenchmarkRegisterReader reads a generated export of 100,000 rows, about a
// kabupaten's register, and reports rows a second and allocations a row.
func BenchmarkRegisterReader(b *testing.B) {
	const rows = 100_000
	file := newRegisterGen(rows).file()
	ResolvePlace(Place{}) // build the region index outside the timing
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	files := 0
	for b.Loop() {
		r, err := NewRegisterReader(bytes.NewReader(file))
		if err != nil {
			b.Fatal(err)
		}
		n, bad := 0, 0
		for {
			row, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
			if !row.Valid() {
				bad++
			}
		}
		if n != rows || bad == 0 || bad > rows/50 {
			b.Fatalf("read %d rows, %d bad; want %d, about 1%% bad", n, bad, rows)
		}
		files++
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(files*rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(files*rows), "allocs/row")
}

// BenchmarkBenefitReader does the same for a benefits file of 100,000 rows.
func BenchmarkBenefitReader(b *testing.B) {
	const rows = 100_000
	var file bytes.Buffer
	file.WriteString(benefitHeader + "\n")
	for i := range rows {
		fmt.Fprintf(&file, "1904010506150001,%s,BPNT,200000,2026-%02d-01,2026-%02d-28,KKS_CARD,BPNT-2026-%07d,APBN,\n",
			[]string{"", "1904016507820002"}[i%2], 1+i%12, 1+i%12, i)
	}
	b.SetBytes(int64(file.Len()))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	files := 0
	for b.Loop() {
		r, err := NewBenefitReader(bytes.NewReader(file.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		for n := 0; ; n++ {
			row, err := r.Read()
			if err == io.EOF {
				if n != rows {
					b.Fatalf("read %d rows, want %d", n, rows)
				}
				break
			}
			if err != nil || !row.Valid() {
				b.Fatal(err, row.Issues)
			}
		}
		files++
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(files*rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(files*rows), "allocs/row")
}

// The reader holds a line at a time: reading six times as many rows leaves
// the heap where it was. The export is made as it is read, so the test
// itself holds no file either.
func TestRegisterReaderMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 300,000 rows")
	}
	const rows, early = 300_000, 50_000
	r, err := NewRegisterReader(newRegisterGen(rows))
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var atEarly uint64
	for n := 1; ; n++ {
		_, err := r.Read()
		if err == io.EOF {
			if n-1 != rows {
				t.Fatalf("read %d rows, want %d", n-1, rows)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n == early {
			atEarly = heap()
		}
	}
	if grown := int64(heap()) - int64(atEarly); grown > 1<<20 {
		t.Errorf("the heap grew by %d bytes from row %d to row %d", grown, early, rows)
	}
}

// The generator's faults are the only ones: its clean rows pass, so the
// benchmark measures the reader, not a flood of issues.
func TestRegisterGen(t *testing.T) {
	rows := readRegister(t, string(newRegisterGen(5000).file()))
	bad := 0
	for _, row := range rows {
		if !row.Valid() {
			bad++
			if len(row.Issues) != 1 || row.Issues[0].Reason != InvalidNIK {
				t.Fatalf("line %d: %v\n%s", row.Line, row.Issues, row.Raw)
			}
		}
	}
	if len(rows) != 5000 || bad == 0 || bad > 100 || !strings.Contains(rows[0].Raw, "BANGKA BELITUNG") {
		t.Errorf("%d rows, %d bad", len(rows), bad)
	}
}
