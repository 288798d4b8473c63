package testfiles

import (
	"io"
	"testing"

	"github.com/jaring-id/jaring/internal/verival"
)

// The files read as they should: every row good, one in faultEvery bad,
// no NIK or KK twice, and the benefits name the register's households.
func TestFiles(t *testing.T) {
	const persons = 60_000
	faulty, err := verival.NewRegisterReader(Register(persons, 1000))
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for {
		row, err := faulty.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !row.Valid() {
			bad++
		}
	}
	if bad != persons/1000 {
		t.Errorf("%d bad rows of %d, want one in 1000", bad, persons)
	}
	r, err := verival.NewRegisterReader(Register(persons, 0))
	if err != nil {
		t.Fatal(err)
	}
	niks, kks := map[string]bool{}, map[string]string{}
	rows := 0
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows++
		if !row.Valid() {
			t.Fatalf("row %d: %v", rows, row.Issues)
		}
		if niks[row.NIK] {
			t.Fatalf("NIK %s twice", row.NIK)
		}
		niks[row.NIK] = true
		if v, ok := kks[row.KK]; ok && v != row.VillageCode {
			t.Fatalf("KK %s in two villages", row.KK)
		}
		kks[row.KK] = row.VillageCode
	}
	if rows != persons {
		t.Errorf("%d rows", rows)
	}
	households := len(kks)
	br, err := verival.NewBenefitReader(Benefits(households, 3*households))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		row, err := br.Read()
		if err == io.EOF {
			break
		}
		if err != nil || !row.Valid() {
			t.Fatalf("%v %v", err, row.Issues)
		}
		if row.Input.KK != "" && kks[row.Input.KK] == "" || row.Input.NIK != "" && !niks[row.Input.NIK] {
			t.Fatalf("row %d names no one of the register: %q", n, row.Raw)
		}
		n++
	}
	if n != 3*households {
		t.Errorf("%d benefits", n)
	}
}
