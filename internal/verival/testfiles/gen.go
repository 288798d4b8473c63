// Package testfiles makes import files for tests and benchmarks: a
// register export and a benefits file of any size, the same every time,
// streamed as they are read so that a million rows take no memory.
//
// Household h (from 0) of the register is a pure function of h: its KK,
// village and members, so that the benefits file names the households of
// the register it goes with without holding it.
package testfiles

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/jaring-id/jaring/internal/region"
)

// RegisterHeader is the header of the register export.
const RegisterHeader = "iddtks|provinsi|kabupaten_kota|kecamatan|desa_kelurahan|alamat|dusun|rt|rw|nomor_kk|nomor_nik|nama|tanggal_lahir|tempat_lahir|jenis_kelamin|nama_ibu_kandung|hubungan_keluarga"

// BenefitsHeader is the header of the benefits file.
const BenefitsHeader = "kk,nik,program,amount,period_start,period_end,channel,external_ref,source,override"

// villages of the region list within Kabupaten Bangka Tengah (19.04), the
// demo regency.
var villages = func() []region.Region {
	var vs []region.Region
	for _, r := range region.All() {
		if r.Level == region.Village && strings.HasPrefix(r.Code, "19.04.") {
			vs = append(vs, r)
		}
	}
	return vs
}()

// Household is one generated household.
type Household struct {
	KK      string
	Village region.Region
	Members []Member
}

// Member is one person of a generated household.
type Member struct {
	NIK, Name, Born, Sex, Relationship string
}

// HouseholdAt returns household h of the register: up to six members, the
// head first. KKs and NIKs are unique across households: the serial of
// each is drawn from h.
func HouseholdAt(h int) Household {
	rng := rand.New(rand.NewPCG(1904, uint64(h)))
	v := villages[h%len(villages)]
	district := region.Compact(region.ParentCode(v.Code))
	// The KK's date and serial spell h: 9,999 serials a day, from 2010.
	day := h / 9999
	kk := fmt.Sprintf("%s%02d%02d%02d%04d", district, 1+day%28, 1+day/28%12, 10+day/336%15, 1+h%9999)
	hh := Household{KK: kk, Village: v}
	rels := []string{"KEPALA KELUARGA"}
	if rng.IntN(5) > 0 {
		rels = append(rels, "ISTRI")
	}
	for range rng.IntN(5) {
		rels = append(rels, "ANAK")
	}
	for i, rel := range rels {
		female := rel == "ISTRI" || rel == "ANAK" && rng.IntN(2) == 0
		// The NIK is the district, the birth date and a serial: person p
		// has serial p mod 9,999, and the persons of one run of 9,999
		// share a birth month and year no other run has, so that no two
		// NIKs are one.
		p := h*6 + i
		run := p / 9999
		year, month, d := 1940+run%80, 1+run/80%12, 1+rng.IntN(28)
		nikDay, sex := d, "LAKI-LAKI"
		if female {
			nikDay, sex = d+40, "PEREMPUAN"
		}
		nik := fmt.Sprintf("%s%02d%02d%02d%04d", district, nikDay, month, year%100, 1+p%9999)
		name := firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))] + fmt.Sprintf(" %d", h)
		hh.Members = append(hh.Members, Member{NIK: nik, Name: name, Born: fmt.Sprintf("%04d-%02d-%02d", year, month, d), Sex: sex, Relationship: rel})
	}
	return hh
}

// Households is how many households the first persons rows of Register
// fill (the last one perhaps in part).
func Households(persons int) int {
	h, n := 0, 0
	for n < persons {
		n += len(HouseholdAt(h).Members)
		h++
	}
	return h
}

// Register is a register export of persons rows, household after
// household from household 0; one row in faultEvery (0: none) has a NIK cut
// to 15 digits.
func Register(persons, faultEvery int) io.Reader {
	g := &stream{}
	g.pending = append(g.pending, RegisterHeader+"\n"...)
	h, rows := 0, 0
	g.more = func(b []byte) ([]byte, bool) {
		if rows == persons {
			return b, false
		}
		hh := HouseholdAt(h)
		d, _ := region.Lookup(region.ParentCode(hh.Village.Code))
		for _, m := range hh.Members {
			if rows == persons {
				break
			}
			rows++
			nik := m.NIK
			if faultEvery > 0 && rows%faultEvery == 0 {
				nik = nik[:15]
			}
			b = fmt.Appendf(b, "%d|KEPULAUAN BANGKA BELITUNG|KAB. BANGKA TENGAH|%s|%s|Jl. Melati No. %d|Dusun %d|%03d|%03d|%s|%s|%s|%s|%s|%s|%s|%s\n",
				1904000000000000+rows, strings.ToUpper(d.Name), strings.ToUpper(hh.Village.Name), 1+h%120, 1+h%4, 1+h%12, 1+h%5,
				hh.KK, nik, m.Name, m.Born, d.Name, m.Sex, "SITI", m.Relationship)
		}
		h++
		return b, true
	}
	return g
}

// Benefits is a benefits file of rows, paid by one agency, for the
// households of a register of households households: each in turn gets a
// month of BPNT (food, to the household) of 2026, January first, then its
// head a month of PBI_APBD (a health premium, to one person), and so on
// round the households, so that no row clashes with another.
func Benefits(households, rows int) io.Reader {
	g := &stream{}
	g.pending = append(g.pending, BenefitsHeader+"\n"...)
	n := 0
	g.more = func(b []byte) ([]byte, bool) {
		if n == rows {
			return b, false
		}
		round, h := n/households, n%households
		hh := HouseholdAt(h)
		month := 1 + round/2%12
		year := 2026 + round/24
		end := fmt.Sprintf("%04d-%02d-28", year, month)
		if round%2 == 0 {
			b = fmt.Appendf(b, "%s,,BPNT,200000,%04d-%02d-01,%s,KKS_CARD,BPNT-%d-%d,,\n", hh.KK, year, month, end, round, h)
		} else {
			b = fmt.Appendf(b, ",%s,PBI_APBD,42000,%04d-%02d-01,%s,INSURANCE,PBI-%d-%d,,\n", hh.Members[0].NIK, year, month, end, round, h)
		}
		n++
		return b, true
	}
	return g
}

// stream is a reader that makes its content as it is read.
type stream struct {
	pending []byte
	more    func([]byte) ([]byte, bool)
	done    bool
}

func (s *stream) Read(p []byte) (int, error) {
	for len(s.pending) < len(p) && !s.done {
		var ok bool
		if s.pending, ok = s.more(s.pending); !ok {
			s.done = true
		}
	}
	if len(s.pending) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.pending)
	s.pending = s.pending[:copy(s.pending, s.pending[n:])]
	return n, nil
}

var (
	firstNames = []string{"AHMAD", "SITI", "RATNA", "DIMAS", "PUTRI", "SUPARMAN", "SUMIATI", "MARYAM", "ROSMALA", "RIZKI", "NABILA", "HENDRA", "LINA", "YUSUF", "NURUL", "AGUS", "DEWI", "BUDI", "FITRI", "IRWAN"}
	lastNames  = []string{"SUBANDI", "SARI", "PRATAMA", "LESTARI", "DEWI", "GUNAWAN", "MARLINA", "HIDAYAT", "SAPUTRA", "RAHMAWATI", "SETIAWAN", "WULANDARI"}
)
