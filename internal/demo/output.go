package demo

import (
	"fmt"
	"sort"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/registry"
)

// ---------------------------------------------------------------------------
// Dating and output.

// officeMinutes are the minutes of a working day, 08:00–15:00 WIB (01:00–08:00 UTC).
const officeMinutes = 7 * 60

// data dates what was drawn in the block: asOf is the day the data
// describes, at midnight UTC. The first block carries the organisations and
// donor programs.
func (g *generator) data(asOf time.Time, first bool) *Data {
	year := asOf.Year()
	d := &Data{}
	if first {
		d.Organisations = organisations()
		for _, t := range donorPrograms {
			until := jaring.Date(year, time.December, 31)
			d.DonorPrograms = append(d.DonorPrograms, DonorProgram{
				Code: t.prog.code, Name: t.name, Kind: t.prog.kind, Source: t.prog.source, Donor: t.prog.payer,
				Description: t.desc, Criteria: t.criteria, Budget: t.budget, Quota: t.quota, QuotaUnit: t.unit, Amount: t.amount,
				OpenFrom: jaring.Date(year, time.January, 1), OpenUntil: &until,
			})
		}
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
		number := fmt.Sprintf("SLK-%d-%06d", year, g.appsNumbered+i+1)
		// Block k of n takes the k-th nth of the time, so that numbers
		// follow the dates across blocks too.
		x := int((float64(g.block) + a.u) / float64(g.blocks) * 0.85 * float64(total))
		d.Applications = append(d.Applications, Application{
			Number: number, KK: a.h.kk, ApplicantNIK: a.applicant.nik, Type: a.typ, Category: a.category,
			Kind: a.kind, Description: a.desc, Documents: a.docs, Status: a.status, StatusReason: a.reason,
			SubmittedBy: "SILAKSO", SubmittedAt: at(x),
		})
		for _, rf := range a.refs {
			x = later(x, rf.v, 0.3)
			row := Referral{Application: number, From: "SILAKSO", To: rf.to, Status: rf.status, Reason: rf.reason, CreatedAt: at(x),
				Eligibility: rf.eligibility}
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
	g.appsNumbered += len(apps)
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
