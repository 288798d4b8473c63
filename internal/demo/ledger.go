package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/donor"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// ---------------------------------------------------------------------------
// The ledger.

// yearPeriod is the year of offset y as the rules see it: counted from
// 2000, as only overlaps matter.
func yearPeriod(y int) jaring.Period {
	end := jaring.Date(2000+y, time.December, 31)
	return jaring.Period{Start: jaring.Date(2000+y, time.January, 1), End: &end}
}

// facts are what the register and the ledger hold on h, as a donor's
// criteria ask them (donor.Facts), in the rules' years.
func (h *household) facts() donor.Facts {
	f := donor.Facts{Known: true, RegionCode: h.village, RegisterStatus: h.status}
	if h.desil > 0 {
		d := h.desil
		f.Desil = &d
	}
	for _, m := range h.members {
		f.Members = append(f.Members, donor.Member{BirthDate: m.birth, Disabled: m.disabled, Pregnant: m.pregnant})
	}
	for _, b := range h.ledger {
		f.Held = append(f.Held, donor.Held{Kind: b.KindCode, Period: b.Period, Status: b.Status})
	}
	return f
}

// counts reports whether a benefit of status s takes its kind's place for
// its period. The ledger's rule counts ACTIVE and SUSPENDED; the generator
// counts ENDED too, so that last year's history shows no double aid either.
func counts(s benefit.Status) bool { return s != benefit.Cancelled }

// allows reports whether h may take a benefit of p for the years from..to,
// for the member with nik ("" for household scope): whether the ledger's own
// rule, benefit.Catalogue.FindClashes, finds no clash with what h holds.
func (h *household) allows(p *program, nik string, from, to int) bool {
	return len(rules.FindClashes(h.proposal(p, nik, from, to), h.ledger)) == 0
}

// proposal is a benefit of p for the years from..to as the rules see it:
// the household is 1, its members numbered from 1 in their order, years
// counted from 2000 (only their overlaps matter).
func (h *household) proposal(p *program, nik string, from, to int) benefit.Proposal {
	period := yearPeriod(from)
	if to != openEnd {
		end := jaring.Date(2000+to, time.December, 31)
		period.End = &end
	} else {
		period.End = nil
	}
	out := benefit.Proposal{HouseholdID: 1, KindCode: p.kind, ProgramID: programID(p), Period: period}
	for i, m := range h.members {
		if nik != "" && m.nik == nik {
			id := int64(i + 1)
			out.PersonID = &id
		}
	}
	return out
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
	if counts(status) {
		// Held, for the rule, whether active, suspended or ended.
		prop := h.proposal(p, nik, from, to)
		h.ledger = append(h.ledger, &benefit.Benefit{ID: int64(len(h.ledger) + 1), ProgramID: prop.ProgramID, KindCode: p.kind,
			HouseholdID: 1, PersonID: prop.PersonID, Period: prop.Period, Status: benefit.Active})
	}
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
