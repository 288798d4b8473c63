package demo

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/jaring-id/jaring/internal/region"
	"github.com/jaring-id/jaring/internal/registry"
)

// ---------------------------------------------------------------------------
// Households and persons.

type ethnicity int

const (
	malay ethnicity = iota
	chinese
	javanese
)

// The transmigration villages, where most families are Javanese.
var transmigration = []string{"19.04.05.2006", "19.04.06.2007"} // Bhaskara Bhakti, Trubus

// plan draws how the n households are spread over the villages, before any
// household is drawn.
func (g *generator) plan(r *rand.Rand, n int) {
	for _, d := range region.Children(regency) {
		g.villages = append(g.villages, region.Children(d.Code)...)
	}
	g.alloc = allocate(r, g.villages, n)
	for _, rg := range region.Children("19") { // the districts of Bangka Belitung outside 19.04
		if rg.Code == regency {
			continue
		}
		g.province = append(g.province, region.Children(rg.Code)...)
	}
	g.home = region.Children(regency)
}

// nextHousehold draws the next household of the register, village by
// village, and keeps it in g.households.
func (g *generator) nextHousehold(r *rand.Rand) *household {
	for g.alloc[g.village] == g.drawn {
		g.village, g.drawn = g.village+1, 0
	}
	g.drawn++
	v := g.villages[g.village]
	h := &household{
		village:   v.Code,
		district:  region.ParentCode(v.Code),
		kelurahan: v.Code[len(v.Code)-4] == '1',
	}
	g.members(r, h)
	g.place(r, h)
	for _, m := range h.members {
		district := h.district
		x := r.Float64()
		young := m.rel == registry.Child || m.rel == registry.Grandchild
		switch {
		case young && x < 0.92, !young && x < 0.70:
		case young || x < 0.82:
			district = pick(r, g.home).Code
		default:
			district = pick(r, g.province).Code
		}
		m.birthPlace = birthPlace(r, district)
		day := m.birth.Day()
		if m.sex == registry.Female {
			day += 40
		}
		prefix := fmt.Sprintf("%s%02d%02d%02d", region.Compact(district), day, int(m.birth.Month()), m.birth.Year()%100)
		m.nik = fmt.Sprintf("%s%04d", prefix, serial(g.nikSerial, prefix))
	}
	// The card was (re)issued after its youngest member was born
	// and its head came of age, in 2008–2024.
	lo := kkFirst
	for _, m := range h.members {
		if m.birth.After(lo) {
			lo = m.birth.AddDate(0, 0, 1)
		}
	}
	if adult := h.members[0].birth.AddDate(17, 0, 0); adult.After(lo) {
		lo = adult
	}
	if lo.After(kkLast) {
		lo = kkFirst
	}
	days := int(kkLast.Sub(lo).Hours()/24) + 1
	rec := lo.AddDate(0, 0, r.IntN(days))
	prefix := fmt.Sprintf("%s%02d%02d%02d", region.Compact(h.district), rec.Day(), int(rec.Month()), rec.Year()%100)
	h.kk = fmt.Sprintf("%s%04d", prefix, serial(g.kkSerial, prefix))
	g.households = append(g.households, h)
	g.persons += len(h.members)
	return h
}

// serial counts one more number with the given twelve-digit prefix and
// returns it. The counts are keyed by the prefix read as a number, which
// keeps the millions of a large regency's birth dates small in memory.
func serial(counts map[uint64]int, prefix string) int {
	key, err := strconv.ParseUint(prefix, 10, 64)
	if err != nil {
		panic("demo: a NIK or KK prefix that is not digits: " + prefix)
	}
	counts[key]++
	return counts[key]
}

// allocate spreads n households over the villages: every village gets one
// when there are enough, kelurahan (towns) about three times a desa's share
// of the rest, each weight jittered so villages differ.
func allocate(r *rand.Rand, villages []region.Region, n int) []int {
	weights := make([]float64, len(villages))
	total := 0.0
	for i, v := range villages {
		base := 1.0
		if v.Code[len(v.Code)-4] == '1' {
			base = 3.0
		}
		weights[i] = base * (0.7 + 0.6*r.Float64())
		total += weights[i]
	}
	alloc := make([]int, len(villages))
	rest := n
	if n >= len(villages) {
		for i := range alloc {
			alloc[i] = 1
		}
		rest = n - len(villages)
	}
	frac := make([]float64, len(villages))
	given := 0
	for i, w := range weights {
		q := float64(rest) * w / total
		alloc[i] += int(q)
		given += int(q)
		frac[i] = q - float64(int(q))
	}
	order := make([]int, len(villages))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return frac[order[a]] > frac[order[b]] })
	for k := 0; given < rest; k++ {
		alloc[order[k]]++
		given++
	}
	return alloc
}

// capitals are the main towns of Bangka Belitung's other regencies and city.
var capitals = map[string]string{
	"19.01": "Sungailiat", "19.02": "Tanjung Pandan", "19.03": "Toboali",
	"19.05": "Muntok", "19.06": "Manggar", "19.71": "Pangkalpinang",
}

// birthPlace names a town of the district where a NIK was first issued.
func birthPlace(r *rand.Rand, district string) string {
	regencyCode := region.ParentCode(district)
	x := r.Float64()
	switch {
	case x < 0.04:
		return pick(r, farBirthPlaces)
	case regencyCode == regency && x < 0.30:
		return "Pangkalpinang" // born at the city's hospitals
	case regencyCode == regency:
		d, _ := region.Lookup(district)
		return d.Name
	}
	capital := capitals[regencyCode]
	if d, ok := region.Lookup(district); ok && x >= 0.6 && regencyCode != "19.71" {
		return d.Name
	}
	if capital == "" {
		return "Pangkalpinang"
	}
	return capital
}

// members draws the household's composition, ages, names and conditions.
func (g *generator) members(r *rand.Rand, h *household) {
	eth := malay
	x := r.Float64()
	switch {
	case h.village == transmigration[0] || h.village == transmigration[1]:
		if x < 0.65 {
			eth = javanese
		} else if x < 0.70 {
			eth = chinese
		}
	case h.kelurahan && x < 0.28, !h.kelurahan && x < 0.15:
		eth = chinese
	case h.kelurahan && x < 0.36, !h.kelurahan && x < 0.22:
		eth = javanese
	}
	size := 1 + weighted(r, []int{9, 18, 24, 23, 14, 7, 5})

	headSex := registry.Male
	if chance(r, 0.15) {
		headSex = registry.Female
	}
	var headAge int
	switch {
	case size == 1 && chance(r, 0.5):
		headAge = 60 + r.IntN(21)
	case size == 1:
		headAge = 21 + r.IntN(20)
	default:
		headAge = 22 + (r.IntN(57)+r.IntN(57))/2
	}
	head := g.newMember(r, eth, headSex, registry.Head, headAge)
	if eth == chinese {
		head.clan = &clans[r.IntN(len(clans))]
		head.indonesianise = chance(r, 0.5)
	}
	h.members = []*member{head}
	family := head // whose clan the children take

	var spouse *member
	if size >= 2 && headSex == registry.Male && chance(r, 0.88) {
		age := max(18, headAge-r.IntN(9))
		spouse = g.newMember(r, eth, registry.Female, registry.Spouse, age)
		if eth == chinese {
			spouse.clan = &clans[r.IntN(len(clans))]
			spouse.indonesianise = chance(r, 0.3)
		}
		h.members = append(h.members, spouse)
	}
	mother, father := head.age, head.age
	switch {
	case spouse != nil:
		mother = spouse.age
	case headSex == registry.Male:
		mother = headAge - 3
	}
	parents := 0
	for len(h.members) < size {
		rel := [...]registry.Relationship{registry.Child, registry.Parent, registry.Grandchild, registry.InLaw, registry.Other}[weighted(r, []int{80, 7, 6, 3, 4})]
		sex := registry.Male
		if chance(r, 0.5) {
			sex = registry.Female
		}
		lo, hi := 0, 0
		switch rel {
		case registry.Child:
			lo, hi = max(0, mother-44), min(mother, father)-17
		case registry.Parent:
			lo, hi = headAge+18, min(80, headAge+35)
			if parents == 2 {
				hi = -1
			}
			if chance(r, 0.7) {
				sex = registry.Female
			}
		case registry.Grandchild:
			lo, hi = 0, headAge-38
		case registry.InLaw: // a son- or daughter-in-law
			lo, hi = max(18, headAge-32), headAge-20
		case registry.Other: // a nephew, niece or cousin
			lo, hi = 5, 70
		}
		if hi < lo {
			rel, lo, hi = registry.Other, 5, 70
		}
		if rel == registry.Parent {
			parents++
		}
		m := g.newMember(r, eth, sex, rel, lo+r.IntN(hi-lo+1))
		if eth == chinese {
			switch rel {
			case registry.Child, registry.Grandchild:
				m.clan, m.indonesianise = family.clan, family.indonesianise
			case registry.Parent:
				m.clan = family.clan
				if sex == registry.Female { // the head's mother kept her own
					m.clan = &clans[r.IntN(len(clans))]
				}
			default:
				m.clan = &clans[r.IntN(len(clans))]
			}
		}
		h.members = append(h.members, m)
	}

	for i, m := range h.members {
		m.name = name(r, m)
		for try := 0; try < 8 && sameGiven(m, h.members[:i]); try++ {
			m.name = name(r, m)
		}
	}
	// Mothers' names: the member who is the mother where she is in the
	// household, else someone of her generation.
	var motherOfChildren, motherOfHead *member
	switch {
	case spouse != nil:
		motherOfChildren = spouse
	case headSex == registry.Female:
		motherOfChildren = head
	}
	for _, m := range h.members {
		if m.rel == registry.Parent && m.sex == registry.Female && motherOfHead == nil {
			motherOfHead = m
		}
	}
	for _, m := range h.members {
		switch {
		case m.rel == registry.Child && motherOfChildren != nil:
			m.mother = motherOfChildren.name
		case m.rel == registry.Head && motherOfHead != nil:
			m.mother = motherOfHead.name
		default:
			mo := &member{eth: m.eth, sex: registry.Female, birth: m.birth.AddDate(-22-r.IntN(14), 0, 0)}
			if m.eth == chinese {
				mo.clan = &clans[r.IntN(len(clans))]
			}
			m.mother = name(r, mo)
		}
	}
	sort.SliceStable(h.members[1:], func(a, b int) bool {
		return h.members[1+a].birth.Before(h.members[1+b].birth)
	})
}

// sameGiven reports whether m's given name is already someone's in the
// household: a mother and daughter are seldom both Ratna.
func sameGiven(m *member, others []*member) bool {
	for _, o := range others {
		if given(o) == given(m) {
			return true
		}
	}
	return false
}

// given is the part of a name that is the person's own: without the clan
// name, and without a common first word such as Siti or Muhammad.
func given(m *member) string {
	if m.clan != nil {
		if rest, ok := strings.CutPrefix(m.name, m.clan.name+" "); ok {
			return rest
		}
	}
	first, _, _ := strings.Cut(m.name, " ")
	switch first {
	case "Siti", "Nur", "Sri", "Muhammad", "Ahmad", "Abdul":
		return m.name
	}
	return first
}

// newMember draws a member's birth date and conditions.
func (g *generator) newMember(r *rand.Rand, eth ethnicity, sex registry.Sex, rel registry.Relationship, age int) *member {
	m := &member{eth: eth, sex: sex, rel: rel, age: age}
	m.birth = refDate.AddDate(-age, 0, -1-r.IntN(365))
	if m.birth.Equal(refDate.AddDate(-age-1, 0, 0)) {
		// Born on 1 January: a year older at refDate than drawn.
		m.age = age + 1
	}
	p := 0.022
	if age >= 60 {
		p = 0.07
	}
	m.disabled = chance(r, p)
	if sex == registry.Female && age >= 18 && age <= 40 {
		m.pregnant = chance(r, 0.04)
	}
	return m
}

// name draws a name fitting the member's ethnicity, sex and generation.
func name(r *rand.Rand, m *member) string {
	year := m.birth.Year()
	female := m.sex == registry.Female
	two := func(first, last []string) string {
		f, l := pick(r, first), pick(r, last)
		for f == l {
			l = pick(r, last)
		}
		return f + " " + l
	}
	switch m.eth {
	case chinese:
		c := m.clan
		if c == nil {
			c = &clans[0]
		}
		if year < 1962 || (year < 1975 && chance(r, 0.6)) {
			if female {
				return c.name + " " + pick(r, chineseFemaleGiven)
			}
			return c.name + " " + pick(r, chineseMaleGiven)
		}
		family := c.name
		if m.indonesianise {
			family = c.indonesian
		}
		if female {
			return pick(r, indoChineseFemale) + " " + family
		}
		return pick(r, indoChineseMale) + " " + family
	case javanese:
		first, last := javaMale, javaMaleLast
		if female {
			first, last = javaFemale, javaFemaleLast
		}
		if year < 1985 && chance(r, 0.4) {
			f := pick(r, first)
			if f != "Sri" && f != "Tri" && f != "Dwi" && f != "Siti" {
				return f
			}
		}
		return two(first, last)
	}
	var first, last []string
	switch {
	case female && year < 1980:
		first, last = malayFemaleOld, malayFemaleLast
	case female:
		first, last = malayFemaleYoung, malayFemaleLast
	case year < 1980:
		first, last = malayMaleOld, malayMaleLast
	default:
		first, last = malayMaleYoung, malayMaleLast
	}
	if year < 1975 && chance(r, 0.25) {
		f := pick(r, first)
		if f != "Siti" && f != "Nur" && f != "Ahmad" && f != "Muhammad" && f != "Abdul" {
			return f
		}
	}
	return two(first, last)
}

// place draws the household's address, welfare decile and register status.
func (g *generator) place(r *rand.Rand, h *household) {
	if h.kelurahan {
		h.address = fmt.Sprintf("Jl. %s No. %d", pick(r, streets), 1+r.IntN(180))
		h.rt, h.rw = fmt.Sprintf("%03d", 1+r.IntN(20)), fmt.Sprintf("%03d", 1+r.IntN(8))
	} else {
		dusun := pick(r, romanDusun[:4])
		if chance(r, 0.5) {
			h.address = "Dusun " + dusun
		} else {
			h.address = fmt.Sprintf("Jl. %s No. %d, Dusun %s", pick(r, streets), 1+r.IntN(120), dusun)
		}
		h.rt, h.rw = fmt.Sprintf("%03d", 1+r.IntN(12)), fmt.Sprintf("%03d", 1+r.IntN(4))
	}
	if chance(r, 0.88) {
		h.desil = 1 + weighted(r, []int{16, 15, 14, 12, 11, 9, 8, 6, 5, 4})
		x := r.Float64()
		switch {
		case x < 0.90:
			h.status = registry.Registered
		case x < 0.96:
			h.status = registry.Removed
		default:
			h.status = registry.Proposed
		}
	} else if chance(r, 0.65) {
		h.status = registry.Unregistered
	} else {
		h.status = registry.Proposed
	}
}
