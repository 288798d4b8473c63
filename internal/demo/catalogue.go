package demo

import (
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/donor"
	"github.com/jaring-id/jaring/internal/jaring"
)

// ---------------------------------------------------------------------------
// Organisations and programs.

// Organisations returns the demo regency's organisations, as Generate
// writes them: what jaring token knows of them without a database.
func Organisations() []Organisation { return organisations() }

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

// programs lists the programs in a fixed order: a program's place in it is
// its ID in the rules' catalogue.
var programs = []*program{progPKH, progBPNT, progRASDA, progPBIJK, progPBIAPBD, progJAMKESDA, progALKES, progPIP,
	progBLTDD, progZAKAT, progRTLH, progATENSI, progCSRA, progCSRB}

// programID is p's ID in the rules' catalogue.
func programID(p *program) int64 {
	for i, x := range programs {
		if x == p {
			return int64(i + 1)
		}
	}
	panic("demo: a program outside the catalogue: " + p.code)
}

// Exclusions are the program pairs that exclude each other within a
// household, as migration 008 seeds them (a test keeps the two equal).
var Exclusions = []benefit.Exclusion{
	{CodeA: "BLT_DD", CodeB: "PKH", Reason: "BLT Dana Desa goes to poor families not receiving PKH (Permendesa PDTT 6/2020)"},
	{CodeA: "BLT_DD", CodeB: "BPNT", Reason: "BLT Dana Desa goes to poor families not receiving BPNT (Permendesa PDTT 6/2020)"},
}

// rules is the catalogue the generated ledger is checked against, by the
// ledger's own rule (benefit.Catalogue.FindClashes): every kind exclusive,
// as the migrations seed them (a test keeps the two equal), and the
// exclusions above.
var rules = func() *benefit.Catalogue {
	var kinds []*benefit.Kind
	seen := map[string]bool{}
	for _, p := range programs {
		if seen[p.kind] {
			continue
		}
		seen[p.kind] = true
		scope := benefit.PersonScope
		if p.household {
			scope = benefit.HouseholdScope
		}
		kinds = append(kinds, &benefit.Kind{Code: p.kind, Name: p.kind, Scope: scope, Exclusive: true})
	}
	byCode := map[string]*program{}
	for _, p := range programs {
		byCode[p.code] = p
	}
	xs := make([]benefit.Exclusion, len(Exclusions))
	for i, x := range Exclusions {
		x.ProgramA, x.ProgramB = programID(byCode[x.CodeA]), programID(byCode[x.CodeB])
		xs[i] = x
	}
	return benefit.NewCatalogue(kinds, xs)
}()

// Rules returns the catalogue the generated ledger is checked against.
func Rules() *benefit.Catalogue { return rules }

// donorTerms are the published terms of a donor's program.
type donorTerms struct {
	prog       *program
	name, desc string
	criteria   donor.Criteria
	budget     int64
	quota      int
	unit       donor.Unit
	amount     int64 // what one recipient gets
}

var (
	desil5, desil4 = 5, 4
	termsCSRA      = donorTerms{
		prog: progCSRA, name: "Kursi Roda dan Alat Bantu Peduli Bangka Tengah",
		desc: "Kursi roda, alat bantu dengar dan alat bantu jalan untuk penyandang disabilitas dari keluarga miskin di Kabupaten Bangka Tengah.",
		criteria: donor.Criteria{Regions: []string{regency}, DesilMax: &desil5,
			Composition: donor.Composition{Disability: true}, NotReceiving: []string{"MEDICAL_DEVICE"}},
		budget: 100_000_000, quota: 40, unit: donor.Persons, amount: 2_500_000,
	}
	termsCSRB = donorTerms{
		prog: progCSRB, name: "Bedah Rumah Lada Putih",
		desc:     "Perbaikan rumah tidak layak huni (atap, dinding, lantai dan jamban) bagi keluarga miskin di Kecamatan Koba.",
		criteria: donor.Criteria{Regions: []string{"19.04.01"}, DesilMax: &desil4, NotReceiving: []string{"HOUSING"}},
		budget:   375_000_000, quota: 15, unit: donor.Households, amount: 25_000_000,
	}
	donorPrograms = []*donorTerms{&termsCSRA, &termsCSRB}
)

// termsOf returns the donor terms of p, nil for a program of no donor.
func termsOf(p *program) *donorTerms {
	for _, t := range donorPrograms {
		if t.prog == p {
			return t
		}
	}
	return nil
}

// admits reports whether the program takes h now: a place is left, and h
// meets its criteria by the donor package's own rule (donor.Evaluate), the
// answer a donor would be given.
func (t *donorTerms) admits(g *generator, h *household) bool {
	return g.donorUsed[t.prog.code] < t.quota && t.answer(h).Eligible
}

// answer is the program's answer of its criteria for h, this year.
func (t *donorTerms) answer(h *household) donor.Answer {
	return donor.Evaluate(t.criteria, yearPeriod(0), h.facts(), refDate)
}
