package verival

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/jaring-id/jaring/internal/region"
)

// registerGen writes a register export of made-up households of Kepulauan
// Bangka Belitung, the same every time: a head, often a spouse, up to four
// children, in the region names, date forms and quoting an export mixes.
// About one row in a hundred has a fault, as real files do.
type registerGen struct {
	rng      *rand.Rand
	villages []region.Region
	pending  []byte // what Read has not given out yet
	rows     int    // rows written so far
	limit    int    // rows to write; Read ends there
}

func newRegisterGen(rows int) *registerGen {
	g := &registerGen{rng: rand.New(rand.NewPCG(19, 4)), limit: rows}
	for _, r := range region.All() {
		if r.Level == region.Village && strings.HasPrefix(r.Code, "19.") {
			g.villages = append(g.villages, r)
		}
	}
	g.pending = append(g.pending, registerHeader+"\n"...)
	return g
}

// file returns the whole export at once.
func (g *registerGen) file() []byte {
	var b []byte
	b, g.pending = g.pending, nil
	for g.rows < g.limit {
		b = g.household(b)
	}
	return b
}

// Read makes the export as it is read, so that a test can read more rows
// than it could hold.
func (g *registerGen) Read(p []byte) (int, error) {
	for len(g.pending) < len(p) && g.rows < g.limit {
		g.pending = g.household(g.pending)
	}
	if len(g.pending) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.pending)
	g.pending = g.pending[:copy(g.pending, g.pending[n:])]
	return n, nil
}

// household appends one household's rows to b.
func (g *registerGen) household(b []byte) []byte {
	v := g.villages[g.rng.IntN(len(g.villages))]
	d, _ := region.Lookup(region.ParentCode(v.Code))
	rg, _ := region.Lookup(region.ParentCode(d.Code))
	district := region.Compact(d.Code)
	names := [4]string{"KEPULAUAN BANGKA BELITUNG", strings.Replace(strings.ToUpper(rg.Name), "KABUPATEN ", "KAB. ", 1), strings.ToUpper(d.Name), strings.ToUpper(v.Name)}
	if g.rng.IntN(3) == 0 {
		names = [4]string{"Prov. Kep. Bangka Belitung", rg.Name, "Kec. " + d.Name, v.Name}
	}
	kk := fmt.Sprintf("%s%02d%02d%02d%04d", district, 1+g.rng.IntN(28), 1+g.rng.IntN(12), 10+g.rng.IntN(15), 1+g.rng.IntN(9999))
	address := fmt.Sprintf("Jl. %s No. %d", firstNames[g.rng.IntN(len(firstNames))], 1+g.rng.IntN(120))
	if g.rng.IntN(10) == 0 {
		address = fmt.Sprintf(`"Jl. Lintas Timur | Km %d"`, g.rng.IntN(40))
	}
	rt, rw := fmt.Sprint(1+g.rng.IntN(12)), fmt.Sprintf("%03d", 1+g.rng.IntN(5))
	members := []string{"KEPALA KELUARGA"}
	if g.rng.IntN(5) > 0 {
		members = append(members, "ISTRI")
	}
	for range g.rng.IntN(5) {
		members = append(members, "ANAK")
	}
	for _, rel := range members {
		if g.rows == g.limit {
			break
		}
		g.rows++
		female := rel == "ISTRI" || rel == "ANAK" && g.rng.IntN(2) == 0
		year := 1950 + g.rng.IntN(45)
		if rel == "ANAK" {
			year = 2000 + g.rng.IntN(22)
		}
		month, day := 1+g.rng.IntN(12), 1+g.rng.IntN(28)
		nikDay, sex := day, "LAKI-LAKI"
		if female {
			nikDay, sex = day+40, "PEREMPUAN"
		}
		nik := fmt.Sprintf("%s%02d%02d%02d%04d", district, nikDay, month, year%100, 1+g.rng.IntN(9999))
		var born string
		switch g.rng.IntN(3) {
		case 0:
			born = fmt.Sprintf("%04d-%02d-%02d", year, month, day)
		case 1:
			born = fmt.Sprintf("%02d-%02d-%04d", day, month, year)
		default:
			born = fmt.Sprintf("%02d/%02d/%04d", day, month, year)
		}
		if g.rng.IntN(100) == 0 {
			nik = nik[:15] // a digit lost: one row in a hundred is bad
		}
		name := firstNames[g.rng.IntN(len(firstNames))] + " " + lastNames[g.rng.IntN(len(lastNames))]
		mother := firstNames[g.rng.IntN(len(firstNames))]
		b = fmt.Appendf(b, "%d|%s|%s|%s|%s|%s|Dusun %d|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n",
			1904000000000000+g.rows, names[0], names[1], names[2], names[3], address, 1+g.rng.IntN(4), rt, rw,
			kk, nik, name, born, d.Name, sex, mother, rel)
	}
	return b
}

var (
	firstNames = []string{"AHMAD", "SITI", "RATNA", "DIMAS", "PUTRI", "SUPARMAN", "SUMIATI", "MARYAM", "ROSMALA", "RIZKI", "NABILA", "HENDRA", "LINA", "YUSUF", "NURUL", "AGUS", "DEWI", "BUDI", "FITRI", "IRWAN"}
	lastNames  = []string{"SUBANDI", "SARI", "PRATAMA", "LESTARI", "DEWI", "GUNAWAN", "MARLINA", "HIDAYAT", "SAPUTRA", "RAHMAWATI", "SETIAWAN", "WULANDARI"}
)
