package demo

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/region"
	"github.com/jaring-id/jaring/internal/registry"
)

// Options of a generated regency.
type Options struct {
	Seed       uint64    // same Seed and same Households → identical Data, byte for byte
	Households int       // default 2000 when 0
	AsOf       time.Time // the day the data describes; only the years of benefit periods and application dates depend on it; zero means 30 June 2026
}

const (
	defaultHouseholds = 2000
	regency           = "19.04"

	// The second words of the PCG streams. Each part of the data draws from
	// its own stream, so a change to how benefits or applications are drawn
	// leaves the households, KKs and NIKs of a seed as they were.
	streamRegistry     = 0x4a6172696e675231 // "JaringR1"
	streamBenefits     = 0x4a6172696e674231 // "JaringB1"
	streamApplications = 0x4a6172696e674131 // "JaringA1"

	openEnd = 1 << 20 // the year offset of a period with no end
)

var (
	// refDate is the day ages are reckoned at. It is fixed, not AsOf, so
	// that what is drawn never depends on AsOf. Everyone is born before it.
	refDate     = jaring.Date(2026, time.January, 1)
	defaultAsOf = jaring.Date(2026, time.June, 30)
	// KKs are recorded in this range, whatever AsOf is.
	kkFirst = jaring.Date(2008, time.January, 1)
	kkLast  = jaring.Date(2024, time.December, 31)
)

// Generate builds a demo regency. Deterministic: uses math/rand/v2 with
// rand.NewPCG(seed, constant), never time.Now, never map iteration order.
func Generate(opts Options) *Data {
	if opts.Households <= 0 {
		opts.Households = defaultHouseholds
	}
	if opts.AsOf.IsZero() {
		opts.AsOf = defaultAsOf
	}
	g := &generator{
		n:         opts.Households,
		seq:       map[string]int{},
		donorUsed: map[string]int{},
	}
	g.registry(rand.New(rand.NewPCG(opts.Seed, streamRegistry)))
	g.benefits(rand.New(rand.NewPCG(opts.Seed, streamBenefits)))
	g.applications(rand.New(rand.NewPCG(opts.Seed, streamApplications)))
	return g.data(jaring.Date(opts.AsOf.Date()))
}

// ---------------------------------------------------------------------------
// Organisations and programs.

func organisations() []Organisation {
	return []Organisation{
		{"SILAKSO", "SiLakso — Dinas Sosial dan PMD Kabupaten Bangka Tengah", jaring.OrgFrontOffice, regency},
		{"DINSOS", "Dinas Sosial dan Pemberdayaan Masyarakat Desa Kabupaten Bangka Tengah", jaring.OrgAgency, regency},
		{"DINKES", "Dinas Kesehatan Kabupaten Bangka Tengah", jaring.OrgAgency, regency},
		{"DINDIK", "Dinas Pendidikan dan Kebudayaan Kabupaten Bangka Tengah", jaring.OrgAgency, regency},
		{"PERKIM", "Dinas Perumahan Rakyat, Kawasan Permukiman dan Perhubungan Kabupaten Bangka Tengah", jaring.OrgAgency, regency},
		{"KESRA", "Bagian Kesejahteraan Rakyat Sekretariat Daerah Kabupaten Bangka Tengah", jaring.OrgAgency, regency},
		{"BAZNAS", "Badan Amil Zakat Nasional Kabupaten Bangka Tengah", jaring.OrgAgency, regency},
		{"INSPEKTORAT", "Inspektorat Daerah Kabupaten Bangka Tengah", jaring.OrgAuditor, regency},
		{"DESA", "Operator Desa dan Kelurahan se-Kabupaten Bangka Tengah", jaring.OrgVillage, regency},
		{"CSR-A", "PT Bangka Sejahtera Abadi", jaring.OrgDonor, regency},
		{"CSR-B", "PT Lada Putih Nusantara Makmur", jaring.OrgDonor, regency},
	}
}

// program is a program of the catalogue (DOMAIN.md) or a donor's: its kind,
// usual source, payer, scope, usual channel and the prefix of its payer's
// references.
type program struct {
	code      string
	kind      string
	source    benefit.Source
	payer     string
	household bool
	channel   benefit.Channel
	refPrefix string
}

var (
	progPKH      = &program{"PKH", "CASH_CONDITIONAL", benefit.APBN, "DINSOS", true, benefit.ChannelBank, "DINSOS-PKH"}
	progBPNT     = &program{"BPNT", "FOOD", benefit.APBN, "DINSOS", true, benefit.ChannelKKS, "DINSOS-BPNT"}
	progRASDA    = &program{"RASDA", "FOOD", benefit.APBDKab, "KESRA", true, benefit.ChannelInKind, "KESRA-RASDA"}
	progPBIJK    = &program{"PBI_JK", "HEALTH_PREMIUM", benefit.APBN, "DINKES", false, benefit.ChannelInsurance, "DINKES-PBIJK"}
	progPBIAPBD  = &program{"PBI_APBD", "HEALTH_PREMIUM", benefit.APBDKab, "DINKES", false, benefit.ChannelInsurance, "DINKES-PBIAPBD"}
	progJAMKESDA = &program{"JAMKESDA", "MEDICAL_COST", benefit.APBDKab, "DINKES", false, benefit.ChannelService, "DINKES-JAMKESDA"}
	progALKES    = &program{"ALKES", "MEDICAL_DEVICE", benefit.APBDKab, "DINKES", false, benefit.ChannelInKind, "DINKES-ALKES"}
	progPIP      = &program{"PIP", "EDUCATION", benefit.APBN, "DINDIK", false, benefit.ChannelBank, "DINDIK-PIP"}
	progBLTDD    = &program{"BLT_DD", "CASH_LIVING", benefit.DanaDesa, "DESA", true, benefit.ChannelCash, "DESA-BLTDD"}
	progZAKAT    = &program{"ZAKAT_HIDUP", "CASH_LIVING", benefit.BAZNAS, "BAZNAS", true, benefit.ChannelCash, "BAZNAS-ZH"}
	progRTLH     = &program{"RTLH", "HOUSING", benefit.APBDKab, "PERKIM", true, benefit.ChannelInKind, "PERKIM-RTLH"}
	progATENSI   = &program{"ATENSI", "REHABILITATION", benefit.APBN, "DINSOS", false, benefit.ChannelService, "DINSOS-ATENSI"}
	progCSRA     = &program{"CSRA_KURSI_RODA", "MEDICAL_DEVICE", benefit.CSR, "CSR-A", false, benefit.ChannelInKind, "CSRA-KR"}
	progCSRB     = &program{"CSRB_BEDAH_RUMAH", "HOUSING", benefit.CSR, "CSR-B", true, benefit.ChannelInKind, "CSRB-BR"}
)

// donorTerms are the published terms of a donor's program.
type donorTerms struct {
	prog         *program
	name, desc   string
	desilMax     int
	regionPrefix string
	budget       int64
	quota        int
	amount       int64 // what one recipient gets
}

var (
	termsCSRA = donorTerms{
		prog: progCSRA, name: "Kursi Roda dan Alat Bantu Peduli Bangka Tengah",
		desc:     "Kursi roda, alat bantu dengar dan alat bantu jalan untuk penyandang disabilitas dari keluarga miskin di Kabupaten Bangka Tengah.",
		desilMax: 5, regionPrefix: regency, budget: 100_000_000, quota: 40, amount: 2_500_000,
	}
	termsCSRB = donorTerms{
		prog: progCSRB, name: "Bedah Rumah Lada Putih",
		desc:     "Perbaikan rumah tidak layak huni (atap, dinding, lantai dan jamban) bagi keluarga miskin di Kecamatan Koba.",
		desilMax: 4, regionPrefix: "19.04.01", budget: 375_000_000, quota: 15, amount: 25_000_000,
	}
)

func (t *donorTerms) admits(g *generator, h *household) bool {
	return h.desil >= 1 && h.desil <= t.desilMax && strings.HasPrefix(h.village, t.regionPrefix) &&
		g.donorUsed[t.prog.code] < t.quota
}

// ---------------------------------------------------------------------------
// The generator's working state. Years are offsets from AsOf's year (0 this
// year, -1 the last) until data() turns them into dates.

type generator struct {
	n          int
	households []*household
	persons    int
	bens       []*ben
	apps       []*app
	seq        map[string]int // refPrefix|year offset → last serial; looked up, never ranged over
	donorUsed  map[string]int // donor program code → benefits given (not cancelled)
}

type household struct {
	kk        string
	village   string // village code
	district  string // district code
	kelurahan bool
	address   string
	rt, rw    string
	desil     int // 0: not ranked
	status    registry.RegisterStatus
	members   []*member // head first, then by birth date
	bens      []*ben
}

type member struct {
	nik, name     string
	birthPlace    string
	mother        string
	sex           registry.Sex
	rel           registry.Relationship
	birth         time.Time
	age           int // at refDate
	disabled      bool
	pregnant      bool
	eth           ethnicity
	clan          *clan // Chinese-Indonesian members only
	indonesianise bool  // writes the clan's Indonesian name
}

type ben struct {
	h        *household
	nik      string // "" for household scope
	prog     *program
	from, to int // year offsets; to == openEnd for no end
	status   benefit.Status
	amount   int64
	channel  benefit.Channel
	seq      int
}

type app struct {
	h         *household
	applicant *member
	typ       referral.ApplicationType
	kind      string
	category  string
	desc      string
	docs      referral.Documents
	status    referral.ApplicationStatus
	reason    string
	u         float64 // where in the year up to AsOf it was submitted
	refs      []*ref
}

type ref struct {
	to     string
	prog   *program // asked for, nil for none
	status referral.ReferralStatus
	reason string
	ben    *ben
	v, w   float64 // how long after the last step it was created, and decided
}

// ---------------------------------------------------------------------------
// Random helpers.

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// weighted returns an index into weights, with probability proportional to
// its weight.
func weighted(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := r.IntN(total)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

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

func (g *generator) registry(r *rand.Rand) {
	var villages []region.Region
	for _, d := range region.Children(regency) {
		villages = append(villages, region.Children(d.Code)...)
	}
	alloc := allocate(r, villages, g.n)
	var province []region.Region // the districts of Bangka Belitung outside 19.04
	for _, rg := range region.Children("19") {
		if rg.Code == regency {
			continue
		}
		province = append(province, region.Children(rg.Code)...)
	}
	home := region.Children(regency)
	kkSerial := map[string]int{}
	nikSerial := map[string]int{}
	for i, v := range villages {
		for range alloc[i] {
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
					district = pick(r, home).Code
				default:
					district = pick(r, province).Code
				}
				m.birthPlace = birthPlace(r, district)
				day := m.birth.Day()
				if m.sex == registry.Female {
					day += 40
				}
				prefix := fmt.Sprintf("%s%02d%02d%02d", region.Compact(district), day, int(m.birth.Month()), m.birth.Year()%100)
				nikSerial[prefix]++
				m.nik = fmt.Sprintf("%s%04d", prefix, nikSerial[prefix])
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
			kkSerial[prefix]++
			h.kk = fmt.Sprintf("%s%04d", prefix, kkSerial[prefix])
			g.households = append(g.households, h)
			g.persons += len(h.members)
		}
	}
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

// ---------------------------------------------------------------------------
// The ledger.

// counts reports whether a benefit of status s takes its kind's place for
// its period. The rule counts ACTIVE and SUSPENDED; the generator counts
// ENDED too, so that last year's history shows no double aid either.
func counts(s benefit.Status) bool { return s != benefit.Cancelled }

// excludes reports the rule beyond same-kind exclusivity: BLT Dana Desa goes
// only to families not on PKH or BPNT.
func excludes(a, b *program) bool {
	return a == progBLTDD && (b == progPKH || b == progBPNT) || b == progBLTDD && (a == progPKH || a == progBPNT)
}

// allows reports whether h may take a benefit of p for the years from..to,
// for the member with nik ("" for household scope).
func (h *household) allows(p *program, nik string, from, to int) bool {
	for _, b := range h.bens {
		if !counts(b.status) || b.from > to || from > b.to {
			continue
		}
		if b.prog.kind == p.kind && (p.household || b.prog.household || b.nik == nik) {
			return false
		}
		if excludes(p, b.prog) {
			return false
		}
	}
	return true
}

// holds returns the counted benefit of kind that h, or the member with nik,
// has this year.
func (h *household) holds(kind, nik string) *ben {
	for _, b := range h.bens {
		if counts(b.status) && b.status != benefit.Ended && b.prog.kind == kind && b.from <= 0 && b.to >= 0 &&
			(b.nik == "" || nik == "" || b.nik == nik) {
			return b
		}
	}
	return nil
}

// give records a benefit unless it would clash, and returns it (nil if it
// clashes).
func (g *generator) give(h *household, p *program, nik string, from, to int, status benefit.Status, amount int64, channel benefit.Channel) *ben {
	if counts(status) && !h.allows(p, nik, from, to) {
		return nil
	}
	if channel == "" {
		channel = p.channel
	}
	key := fmt.Sprintf("%s|%d", p.refPrefix, from)
	g.seq[key]++
	b := &ben{h: h, nik: nik, prog: p, from: from, to: to, status: status, amount: amount, channel: channel, seq: g.seq[key]}
	h.bens = append(h.bens, b)
	g.bens = append(g.bens, b)
	if p.source == benefit.CSR && status != benefit.Cancelled {
		g.donorUsed[p.code]++
	}
	return b
}

// thisYear draws the status of a benefit for this year: mostly ACTIVE, a few
// SUSPENDED (pending a check) or CANCELLED.
func thisYear(r *rand.Rand) benefit.Status {
	x := r.Float64()
	switch {
	case x < 0.03:
		return benefit.Suspended
	case x < 0.05:
		return benefit.Cancelled
	}
	return benefit.Active
}

// pkhAmount is a household's PKH entitlement for a year: the sum of its
// first four components (pregnancy or early childhood Rp3M, primary Rp900k,
// junior Rp1.5M, senior secondary Rp2M, elderly or severe disability
// Rp2.4M), 0 when it has none.
func pkhAmount(h *household) int64 {
	var total int64
	n := 0
	for _, m := range h.members {
		var c int64
		switch {
		case m.pregnant || m.age <= 6:
			c = 3_000_000
		case m.age <= 12:
			c = 900_000
		case m.age <= 15:
			c = 1_500_000
		case m.age <= 18:
			c = 2_000_000
		case m.age >= 60 || m.disabled:
			c = 2_400_000
		}
		if c > 0 && n < 4 {
			total += c
			n++
		}
	}
	return total
}

// pipAmount is a year of PIP for a pupil of the given age: primary,
// junior, senior secondary.
func pipAmount(age int) int64 {
	switch {
	case age <= 12:
		return 450_000
	case age <= 15:
		return 750_000
	}
	return 1_000_000
}

var devices = []int64{2_500_000, 3_000_000, 450_000, 1_200_000} // wheelchair, hearing aid, crutches, walker

// amount draws what one benefit of p pays for a year.
func amount(r *rand.Rand, h *household, m *member, p *program) int64 {
	switch p {
	case progPKH:
		return pkhAmount(h)
	case progBPNT:
		return 2_400_000 // Rp200k a month
	case progRASDA:
		return 1_560_000 // 10 kg of rice a month
	case progPBIJK, progPBIAPBD:
		return 504_000 // Rp42k a month
	case progJAMKESDA:
		return int64(10+r.IntN(140)) * 100_000
	case progALKES:
		return pick(r, devices)
	case progCSRA:
		return termsCSRA.amount
	case progPIP:
		return pipAmount(m.age)
	case progBLTDD:
		return 3_600_000 // Rp300k a month
	case progZAKAT:
		return int64(12+r.IntN(19)) * 100_000
	case progRTLH:
		return 20_000_000
	case progCSRB:
		return termsCSRB.amount
	case progATENSI:
		return int64(15+r.IntN(16)) * 100_000
	}
	return 0
}

func (g *generator) benefits(r *rand.Rand) {
	for _, h := range g.households {
		g.householdBenefits(r, h)
	}
}

func (g *generator) householdBenefits(r *rand.Rand, h *household) {
	d := h.desil
	registered := h.status == registry.Registered
	removed := h.status == registry.Removed
	poor := func(limit int) bool { return d >= 1 && d <= limit }
	// Aid paid this year, and (with probability hist) last year too.
	yearly := func(p *program, m *member, amt int64, hist float64, channel benefit.Channel) *ben {
		nik := ""
		if m != nil {
			nik = m.nik
		}
		b := g.give(h, p, nik, 0, 0, thisYear(r), amt, channel)
		if chance(r, hist) {
			g.give(h, p, nik, -1, -1, benefit.Ended, amt, channel)
		}
		return b
	}

	// PKH and BPNT: national programs for the register's poorest. Removed
	// families keep last year's as history.
	if pkh := pkhAmount(h); pkh > 0 && poor(4) {
		x := r.Float64()
		switch {
		case registered && x < 0.75:
			yearly(progPKH, nil, pkh, 0.7, "")
		case removed && x < 0.6:
			g.give(h, progPKH, "", -1, -1, benefit.Ended, pkh, "")
		}
	}
	if poor(5) {
		x, p := r.Float64(), 0.6
		if d <= 3 {
			p = 0.8
		}
		switch {
		case registered && x < p:
			yearly(progBPNT, nil, 2_400_000, 0.7, "")
		case removed && x < 0.6:
			g.give(h, progBPNT, "", -1, -1, benefit.Ended, 2_400_000, "")
		}
	}
	// Regional rice for poor families not on BPNT; a few entered while on
	// BPNT were caught and cancelled.
	if !removed && (poor(5) || (d == 0 && h.status == registry.Proposed)) {
		x := r.Float64()
		switch {
		case x < 0.3:
			g.give(h, progRASDA, "", 0, 0, thisYear(r), 1_560_000, "")
		case x < 0.33 && h.holds("FOOD", "") != nil:
			g.give(h, progRASDA, "", 0, 0, benefit.Cancelled, 1_560_000, "")
		}
	}
	// Health premiums: PBI-JK for the register's desil 1–5, PBI-APBD for
	// desil 6–7 and poor families outside the register. A person sits in one.
	pbi := func(p *program) {
		for _, m := range h.members {
			if !chance(r, 0.95) {
				continue
			}
			if chance(r, 0.35) {
				st := benefit.Active
				if chance(r, 0.03) {
					st = benefit.Suspended
				}
				g.give(h, p, m.nik, -1-r.IntN(3), openEnd, st, 504_000, "")
				continue
			}
			yearly(p, m, 504_000, 0.6, "")
		}
	}
	if registered && poor(5) && chance(r, 0.9) {
		pbi(progPBIJK)
	}
	if !removed {
		x := r.Float64()
		if (d == 6 || d == 7) && x < 0.5 || d == 0 && x < 0.4 || poor(5) && !registered && x < 0.6 {
			pbi(progPBIAPBD)
		}
	}
	// PIP for school-age children of poor registered families.
	if registered && poor(5) {
		for _, m := range h.members {
			if m.age < 6 || m.age > 18 || !chance(r, 0.65) {
				continue
			}
			g.give(h, progPIP, m.nik, 0, 0, thisYear(r), pipAmount(m.age), "")
			if m.age >= 7 && chance(r, 0.5) {
				g.give(h, progPIP, m.nik, -1, -1, benefit.Ended, pipAmount(m.age-1), "")
			}
		}
	}
	// Disability: rehabilitation, and a device from the regency or from
	// CSR-A's program, never both.
	for _, m := range h.members {
		if !m.disabled || removed {
			continue
		}
		if d <= 6 && chance(r, 0.15) {
			g.give(h, progATENSI, m.nik, 0, 0, thisYear(r), amount(r, h, m, progATENSI), "")
		}
		x := r.Float64()
		switch {
		case x < 0.35:
			g.give(h, progALKES, m.nik, 0, 0, thisYear(r), amount(r, h, m, progALKES), "")
		case x < 0.65 && termsCSRA.admits(g, h):
			g.give(h, progCSRA, m.nik, 0, 0, benefit.Active, termsCSRA.amount, "")
		}
	}
	// Medical costs for a few.
	if d <= 7 && !removed {
		for _, m := range h.members {
			if chance(r, 0.012) {
				g.give(h, progJAMKESDA, m.nik, 0, 0, thisYear(r), amount(r, h, m, progJAMKESDA), "")
			}
		}
	}
	// BLT Dana Desa for poor families not on PKH or BPNT; zakat for living
	// costs for some poor families not on BLT (the ledger refuses the rest).
	if !removed && (poor(4) || d == 0) && chance(r, 0.5) {
		channel := benefit.ChannelCash
		if chance(r, 0.3) {
			channel = benefit.ChannelPost
		}
		yearly(progBLTDD, nil, 3_600_000, 0.4, channel)
	}
	if !removed && (poor(5) || d == 0) && chance(r, 0.1) {
		g.give(h, progZAKAT, "", 0, 0, thisYear(r), amount(r, h, nil, progZAKAT), "")
	}
	// House repair: the regency's RTLH, or CSR-B's program in Koba.
	if !removed && poor(3) {
		x := r.Float64()
		switch {
		case x < 0.03:
			g.give(h, progRTLH, "", 0, 0, thisYear(r), 20_000_000, "")
		case x < 0.045:
			g.give(h, progRTLH, "", -1, -1, benefit.Ended, 17_500_000, "")
		}
	}
	if !removed && termsCSRB.admits(g, h) && chance(r, 0.035) {
		g.give(h, progCSRB, "", 0, 0, benefit.Active, termsCSRB.amount, "")
	}
}

// ---------------------------------------------------------------------------
// Applications and referrals.

// route is where the front office refers a kind of request: an agency or
// donor and the program it would pay from (nil: it decides case by case).
type route struct {
	org  string
	prog *program
}

type aidKind struct {
	kind, category string
	weight         int
	routes         []route
	descs          []string
}

var aidKinds = []aidKind{
	{"HEALTH_PREMIUM", "kesehatan", 14, []route{{"DINKES", progPBIAPBD}, {"BAZNAS", nil}}, []string{
		"Memohon didaftarkan sebagai peserta PBI JKN karena tidak mampu membayar iuran BPJS.",
		"Kartu BPJS mandiri menunggak, memohon dialihkan ke PBI daerah.",
	}},
	{"MEDICAL_COST", "kesehatan", 16, []route{{"DINKES", progJAMKESDA}, {"BAZNAS", nil}}, []string{
		"Memohon bantuan biaya pengobatan anggota keluarga yang dirawat di RSUD Bangka Tengah.",
		"Memohon bantuan biaya rujukan ke rumah sakit di Pangkalpinang.",
		"Memohon bantuan biaya cuci darah yang tidak ditanggung.",
	}},
	{"MEDICAL_DEVICE", "alat kesehatan", 12, []route{{"DINKES", progALKES}, {"CSR-A", progCSRA}, {"BAZNAS", nil}}, []string{
		"Memohon bantuan kursi roda untuk anggota keluarga penyandang disabilitas.",
		"Memohon bantuan alat bantu dengar untuk orang tua.",
		"Memohon bantuan alat bantu jalan setelah stroke.",
	}},
	{"HOUSING", "perumahan", 18, []route{{"PERKIM", progRTLH}, {"CSR-B", progCSRB}}, []string{
		"Rumah tidak layak huni, atap bocor dan dinding papan lapuk.",
		"Memohon bantuan bedah rumah karena lantai tanah dan tidak ada jamban.",
	}},
	{"CASH_LIVING", "biaya hidup", 16, []route{{"BAZNAS", progZAKAT}, {"DINSOS", nil}, {"KESRA", nil}}, []string{
		"Kepala keluarga kehilangan pekerjaan di tambang timah, memohon bantuan biaya hidup.",
		"Janda dengan tiga anak, memohon bantuan biaya hidup.",
		"Kebun lada gagal panen, keluarga kesulitan memenuhi kebutuhan sehari-hari.",
	}},
	{"FOOD", "biaya hidup", 8, []route{{"DINSOS", progBPNT}, {"KESRA", progRASDA}, {"BAZNAS", nil}}, []string{
		"Memohon bantuan sembako karena belum terdaftar sebagai penerima BPNT.",
		"Memohon bantuan beras karena penghasilan tidak menentu.",
	}},
	{"EDUCATION", "pendidikan", 16, []route{{"DINDIK", progPIP}}, []string{
		"Memohon bantuan biaya sekolah anak yang duduk di bangku SMP.",
		"Memohon bantuan Program Indonesia Pintar untuk anak yang bersekolah di SD.",
		"Anak diterima di SMA, orang tua tidak mampu membayar perlengkapan sekolah.",
	}},
}

var complaintTopics = []struct{ category, to, desc string }{
	{"biaya hidup", "DINSOS", "Bantuan BPNT tiga bulan terakhir belum masuk ke kartu KKS."},
	{"kesehatan", "DINKES", "Kartu KIS tidak aktif saat berobat ke puskesmas."},
	{"biaya hidup", "DINSOS", "Nama keluarga hilang dari daftar penerima bantuan tanpa pemberitahuan."},
	{"pendidikan", "DINDIK", "Dana PIP anak belum cair padahal sudah terdaftar."},
	{"perumahan", "PERKIM", "Bantuan bedah rumah tahun lalu belum selesai dikerjakan."},
	{"biaya hidup", "DINSOS", "Ada pungutan oleh oknum saat pencairan bantuan sosial."},
	{"kesehatan", "BAZNAS", "Permohonan bantuan biaya berobat ke BAZNAS belum dijawab."},
}

var (
	acceptedReasons = []string{
		"Memenuhi syarat; menunggu jadwal penyaluran.",
		"Diterima; survei lapangan dijadwalkan.",
		"Diterima; masuk daftar usulan tahun anggaran berjalan.",
	}
	declinedReasons = []string{
		"Kuota program tahun ini sudah penuh.",
		"Tidak memenuhi kriteria program.",
		"Anggaran untuk jenis bantuan ini tidak tersedia.",
	}
	complaintAccepted = []string{
		"Pengaduan ditindaklanjuti dan dijawab kepada pelapor.",
		"Sudah diverifikasi; data penerima diperbaiki.",
	}
	complaintDeclined = []string{
		"Bukan kewenangan instansi; pelapor diarahkan ke instansi yang tepat.",
		"Aduan tidak disertai bukti pendukung.",
	}
)

// eligible reports whether h (and member m, for person-scope aid) may be
// given p now: the program's own criteria and the ledger's rules.
func (g *generator) eligible(h *household, m *member, p *program) bool {
	if h.status == registry.Removed {
		return false
	}
	nik := ""
	if !p.household {
		if m == nil {
			return false
		}
		nik = m.nik
	}
	switch p {
	case progBPNT:
		if h.status != registry.Registered || h.desil < 1 || h.desil > 5 {
			return false
		}
	case progPIP: // for a pupil of a poor family, in the register or not
		if m.age < 6 || m.age > 18 || h.desil > 5 {
			return false
		}
	case progALKES:
		if !m.disabled && m.age < 60 {
			return false
		}
	case progCSRA:
		if !termsCSRA.admits(g, h) || (!m.disabled && m.age < 60) {
			return false
		}
	case progCSRB:
		if !termsCSRB.admits(g, h) {
			return false
		}
	case progRTLH:
		if h.desil > 6 {
			return false
		}
	}
	return h.allows(p, nik, 0, 0)
}

// beneficiary picks who a request of kind k is for: nil for household-scope
// kinds; ok is false when the household has no one it fits.
func beneficiary(r *rand.Rand, h *household, k *aidKind) (m *member, ok bool) {
	var fit []*member
	switch k.kind {
	case "HOUSING", "CASH_LIVING", "FOOD":
		return nil, true
	case "MEDICAL_DEVICE":
		for _, m := range h.members {
			if m.disabled {
				fit = append(fit, m)
			}
		}
		if len(fit) == 0 {
			for _, m := range h.members {
				if m.age >= 65 {
					fit = append(fit, m)
				}
			}
		}
	case "EDUCATION":
		for _, m := range h.members {
			if m.age >= 6 && m.age <= 18 {
				fit = append(fit, m)
			}
		}
	default:
		fit = h.members
	}
	if len(fit) == 0 {
		return nil, false
	}
	return pick(r, fit), true
}

func (g *generator) options(h *household, m *member, k *aidKind) []route {
	var out []route
	for _, rt := range k.routes {
		if rt.prog != nil && g.eligible(h, m, rt.prog) {
			out = append(out, rt)
		}
	}
	return out
}

func (g *generator) applicant(r *rand.Rand, h *household) *member {
	if chance(r, 0.7) {
		return h.members[0]
	}
	var adults []*member
	for _, m := range h.members {
		if m.age >= 17 {
			adults = append(adults, m)
		}
	}
	return pick(r, adults) // the head is always an adult
}

func (g *generator) applications(r *rand.Rand) {
	n := max(24, g.n*3/40)
	counts := []int{max(2, n*13/100), max(2, n*13/100), max(2, n*10/100), max(2, n*30/100)}
	statuses := []referral.ApplicationStatus{referral.Submitted, referral.Verified, referral.Rejected, referral.Referred}
	var plan []referral.ApplicationStatus
	for i, c := range counts {
		for range c {
			plan = append(plan, statuses[i])
		}
	}
	for len(plan) < n {
		plan = append(plan, referral.Closed)
	}
	r.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })

	weights := make([]int, len(aidKinds))
	for i, k := range aidKinds {
		weights[i] = k.weight
	}
	firstClosed, firstReferred := true, true
	for _, st := range plan {
		a := &app{status: st, u: r.Float64()}
		forced := st == referral.Closed && firstClosed || st == referral.Referred && firstReferred
		if !forced && chance(r, 0.15) {
			g.complaint(r, a)
		} else {
			k := &aidKinds[weighted(r, weights)]
			for forced && len(k.routes) < 2 {
				k = &aidKinds[weighted(r, weights)]
			}
			g.aidRequest(r, a, k, forced)
			if forced && st == referral.Closed {
				firstClosed = false
			}
			if forced && st == referral.Referred {
				firstReferred = false
			}
		}
		g.apps = append(g.apps, a)
	}
}

func (g *generator) complaint(r *rand.Rand, a *app) {
	t := pick(r, complaintTopics)
	a.typ, a.category, a.desc = referral.Complaint, t.category, t.desc
	a.h = pick(r, g.households)
	a.applicant = g.applicant(r, a.h)
	a.docs = referral.Documents{KTP: true, KK: true, SKTM: chance(r, 0.5), Register: a.h.status == registry.Registered}
	switch a.status {
	case referral.Rejected:
		a.reason = pick(r, complaintDeclined)
	case referral.Referred, referral.Closed:
		tos := []string{t.to}
		if t.to != "DINSOS" && chance(r, 0.3) {
			tos = append(tos, "DINSOS")
		}
		for j, to := range tos {
			rf := &ref{to: to, v: r.Float64(), w: r.Float64()}
			switch {
			case a.status == referral.Referred && (j == len(tos)-1 || chance(r, 0.5)):
				rf.status = referral.Pending
			case chance(r, 0.75):
				rf.status, rf.reason = referral.Accepted, pick(r, complaintAccepted)
			default:
				rf.status, rf.reason = referral.Declined, pick(r, complaintDeclined)
			}
			a.refs = append(a.refs, rf)
		}
	}
}

// aidRequest fills in a request for aid of kind k. The household is one
// that could still be given that kind (people ask for what they lack),
// except when the request is refused because they already have it.
func (g *generator) aidRequest(r *rand.Rand, a *app, k *aidKind, forced bool) {
	a.typ, a.kind, a.category, a.desc = referral.AidRequest, k.kind, k.category, pick(r, k.descs)
	a.docs = referral.Documents{KTP: true, KK: true, SKTM: true}
	var who *member
	reason := -1
	if a.status == referral.Rejected {
		reason = r.IntN(5)
	}
	found := false
	for try := 0; try < 400 && !found; try++ {
		h := pick(r, g.households)
		switch reason {
		case 2: // already has aid of this kind
			if h.status == registry.Removed {
				continue
			}
			m, ok := beneficiary(r, h, k)
			nik := ""
			if m != nil {
				nik = m.nik
			}
			if b := h.holds(k.kind, nik); ok && b != nil && b.status == benefit.Active {
				a.h, who, found = h, m, true
				a.reason = fmt.Sprintf("Sudah menerima bantuan sejenis (%s) pada periode berjalan.", b.prog.code)
			}
			continue
		case 3: // not poor
			if h.desil >= 8 {
				a.h, found = h, true
				a.reason = fmt.Sprintf("Tidak termasuk sasaran: keluarga berada pada desil %d.", h.desil)
			}
			continue
		}
		if h.status == registry.Removed || h.desil >= 8 {
			continue
		}
		m, ok := beneficiary(r, h, k)
		if ok && len(g.options(h, m, k)) > 0 {
			a.h, who, found = h, m, true
		}
	}
	if !found { // a tiny regency: take anyone
		a.h = g.households[0]
		if reason == 2 || reason == 3 {
			reason = 0
		}
	}
	a.applicant = g.applicant(r, a.h)
	a.docs.Register = a.h.status == registry.Registered
	switch a.status {
	case referral.Submitted:
		a.docs.SKTM = chance(r, 0.8)
		a.docs.KTP = chance(r, 0.95)
	case referral.Rejected:
		switch reason {
		case 0:
			a.docs.SKTM, a.reason = false, "SKTM tidak dilampirkan."
		case 1:
			a.docs.KTP, a.reason = false, "KTP pemohon tidak dilampirkan."
		case 4:
			a.docs.KK, a.reason = false, "Fotokopi KK tidak dilampirkan."
		}
	case referral.Referred, referral.Closed:
		g.refer(r, a, k, who, forced)
	}
}

// refer sends a verified request to one to three of its kind's routes and
// decides what each answered. A CLOSED application has every referral
// decided; a REFERRED one still waits on at least one.
func (g *generator) refer(r *rand.Rand, a *app, k *aidKind, who *member, forced bool) {
	h := a.h
	var chosen []route
	opts := g.options(h, who, k)
	if a.status == referral.Closed && len(opts) > 0 {
		chosen = append(chosen, pick(r, opts))
	} else {
		chosen = append(chosen, pick(r, k.routes))
	}
	var rest []route
	for _, rt := range k.routes {
		if rt != chosen[0] {
			rest = append(rest, rt)
		}
	}
	r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	nRef := 1 + r.IntN(min(3, len(k.routes)))
	if forced {
		nRef = max(nRef, 2)
	}
	chosen = append(chosen, rest[:nRef-1]...)

	var done *ref
	for j, rt := range chosen {
		rf := &ref{to: rt.org, v: r.Float64(), w: r.Float64()}
		if rt.prog != nil && chance(r, 0.8) {
			rf.prog = rt.prog
		}
		x := r.Float64()
		if a.status == referral.Referred {
			switch {
			case j == len(chosen)-1:
				rf.status = referral.Pending
			case forced && j == 0, x < 0.45:
				rf.status, rf.reason = referral.Accepted, pick(r, acceptedReasons)
			case x < 0.7:
				rf.status, rf.reason = referral.Declined, pick(r, declinedReasons)
			default:
				rf.status = referral.Pending
			}
			a.refs = append(a.refs, rf)
			continue
		}
		switch {
		case done != nil:
			rf.status = referral.Declined
			rf.reason = fmt.Sprintf("Sudah dipenuhi oleh %s melalui %s.", done.to, done.ben.prog.code)
		case rt.prog != nil && (x < 0.6 || forced) && g.eligible(h, who, rt.prog):
			nik := ""
			if !rt.prog.household {
				nik = who.nik
			}
			rf.ben = g.give(h, rt.prog, nik, 0, 0, benefit.Active, amount(r, h, who, rt.prog), "")
			rf.status, rf.reason, rf.prog = referral.Fulfilled, "Bantuan telah disalurkan.", rt.prog
			done = rf
		case x < 0.8:
			rf.status, rf.reason = referral.Accepted, pick(r, acceptedReasons)
		default:
			rf.status, rf.reason = referral.Declined, pick(r, declinedReasons)
		}
		a.refs = append(a.refs, rf)
	}
}

// ---------------------------------------------------------------------------
// Dating and output.

// officeMinutes are the minutes of a working day, 08:00–15:00 WIB (01:00–08:00 UTC).
const officeMinutes = 7 * 60

// data dates what was drawn: asOf is the day the data describes, at
// midnight UTC.
func (g *generator) data(asOf time.Time) *Data {
	year := asOf.Year()
	d := &Data{Organisations: organisations()}
	for _, t := range []*donorTerms{&termsCSRA, &termsCSRB} {
		desilMax := t.desilMax
		until := jaring.Date(year, time.December, 31)
		d.DonorPrograms = append(d.DonorPrograms, DonorProgram{
			Code: t.prog.code, Name: t.name, Kind: t.prog.kind, Source: t.prog.source, Donor: t.prog.payer,
			Description: t.desc, DesilMax: &desilMax, RegionPrefix: t.regionPrefix,
			Budget: t.budget, Quota: t.quota, OpenFrom: jaring.Date(year, time.January, 1), OpenUntil: &until,
		})
	}
	for _, h := range g.households {
		row := registry.Household{KK: h.kk, RegionCode: h.village, Address: h.address, RT: h.rt, RW: h.rw, RegisterStatus: h.status}
		if h.desil > 0 {
			desil := h.desil
			row.Desil = &desil
		}
		d.Households = append(d.Households, row)
	}
	d.Persons = make([]Person, 0, g.persons)
	for _, h := range g.households {
		for _, m := range h.members {
			d.Persons = append(d.Persons, Person{KK: h.kk, Person: registry.Person{
				NIK: m.nik, Name: m.name, BirthDate: m.birth, BirthPlace: m.birthPlace, Sex: m.sex,
				Relationship: m.rel, MotherName: m.mother, Disabled: m.disabled, Pregnant: m.pregnant,
			}})
		}
	}
	d.Benefits = make([]Benefit, 0, len(g.bens))
	for _, b := range g.bens {
		d.Benefits = append(d.Benefits, benefitRow(b, year))
	}

	// Applications are numbered in the order they came in.
	apps := append([]*app(nil), g.apps...)
	sort.SliceStable(apps, func(i, j int) bool { return apps[i].u < apps[j].u })
	yearStart := jaring.Date(year, time.January, 1)
	days := int(asOf.Sub(yearStart).Hours() / 24)
	total := max(1, days) * officeMinutes
	at := func(x int) time.Time {
		return yearStart.Add(time.Duration(x/officeMinutes)*24*time.Hour + time.Duration(60+x%officeMinutes)*time.Minute)
	}
	later := func(from int, f, share float64) int {
		return from + 10 + int(f*share*float64(max(0, total-from-10)))
	}
	for i, a := range apps {
		number := fmt.Sprintf("SLK-%d-%06d", year, i+1)
		x := int(a.u * 0.85 * float64(total))
		d.Applications = append(d.Applications, Application{
			Number: number, KK: a.h.kk, ApplicantNIK: a.applicant.nik, Type: a.typ, Category: a.category,
			Kind: a.kind, Description: a.desc, Documents: a.docs, Status: a.status, StatusReason: a.reason,
			SubmittedBy: "SILAKSO", SubmittedAt: at(x),
		})
		for _, rf := range a.refs {
			x = later(x, rf.v, 0.3)
			row := Referral{Application: number, From: "SILAKSO", To: rf.to, Status: rf.status, Reason: rf.reason, CreatedAt: at(x)}
			if rf.prog != nil {
				row.Program = rf.prog.code
			}
			if rf.status != referral.Pending {
				decided := at(later(x, rf.w, 1))
				row.DecidedAt = &decided
			}
			if rf.ben != nil {
				row.BenefitPayer, row.BenefitRef = rf.ben.prog.payer, externalRef(rf.ben, year)
			}
			d.Referrals = append(d.Referrals, row)
		}
	}
	return d
}

func externalRef(b *ben, year int) string {
	return fmt.Sprintf("%s-%d-%06d", b.prog.refPrefix, year+b.from, b.seq)
}

func benefitRow(b *ben, year int) Benefit {
	period := jaring.Period{Start: jaring.Date(year+b.from, time.January, 1)}
	if b.to != openEnd {
		end := jaring.Date(year+b.to, time.December, 31)
		period.End = &end
	}
	return Benefit{
		KK: b.h.kk, NIK: b.nik, Program: b.prog.code, Kind: b.prog.kind, Source: b.prog.source,
		Payer: b.prog.payer, Amount: b.amount, Period: period, Status: b.status, Channel: b.channel,
		ExternalRef: externalRef(b, year),
	}
}
