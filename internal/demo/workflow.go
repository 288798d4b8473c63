package demo

import (
	"fmt"
	"math/rand/v2"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/donor"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/registry"
)

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
	case progCSRA: // to the member with the disability the criteria ask for
		if !termsCSRA.admits(g, h) || !m.disabled {
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
	// Half the requests of a kind a donor gives come from households its
	// program takes: the families a CSR program is there for come to the
	// desk too, and the demo shows donors their referrals.
	var forDonor *donorTerms
	for _, rt := range k.routes {
		if t := termsOf(rt.prog); t != nil && reason < 0 && chance(r, 0.5) {
			forDonor = t
		}
	}
	found := false
	for try := 0; try < 400 && !found; try++ {
		h := pick(r, g.households)
		if forDonor != nil && try < 300 && !forDonor.answer(h).Eligible {
			continue
		}
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
	// A donor is referred only households its program takes, as its
	// criteria answer when the application is referred.
	var routes []route
	answers := map[*program]donor.Answer{}
	for _, rt := range k.routes {
		t := termsOf(rt.prog)
		if t == nil {
			routes = append(routes, rt)
			continue
		}
		if a := t.answer(h); a.Eligible {
			answers[rt.prog] = a
			routes = append(routes, rt)
		}
	}
	var chosen []route
	opts := g.options(h, who, k)
	if a.status == referral.Closed && len(opts) > 0 {
		chosen = append(chosen, pick(r, opts))
	} else {
		chosen = append(chosen, pick(r, routes))
	}
	var rest []route
	for _, rt := range routes {
		if rt != chosen[0] {
			rest = append(rest, rt)
		}
	}
	r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	nRef := 1 + r.IntN(min(3, len(routes)))
	if forced {
		nRef = max(nRef, min(2, len(routes)))
	}
	chosen = append(chosen, rest[:nRef-1]...)

	var done *ref
	for j, rt := range chosen {
		rf := &ref{to: rt.org, v: r.Float64(), w: r.Float64()}
		if rt.prog != nil && chance(r, 0.8) {
			rf.prog = rt.prog
		}
		if answer, ok := answers[rt.prog]; ok { // a donor is referred to its program
			rf.prog = rt.prog
			rf.eligibility = &answer
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
