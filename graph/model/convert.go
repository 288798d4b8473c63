package model

import (
	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/registry"
)

// Domain returns the registry's filter for f; a nil f filters nothing.
func (f *HouseholdFilter) Domain() registry.HouseholdFilter {
	if f == nil {
		return registry.HouseholdFilter{}
	}
	out := registry.HouseholdFilter{DesilMax: f.DesilMax, Registered: f.Registered}
	if f.Region != nil {
		out.Region = *f.Region
	}
	return out
}

// NewHouseholdConnection makes a Relay connection of a page of households.
func NewHouseholdConnection(hs []*registry.Household, more bool, page jaring.PageRequest, f registry.HouseholdFilter) *HouseholdConnection {
	c := &HouseholdConnection{
		Edges:    make([]*HouseholdEdge, len(hs)),
		PageInfo: &PageInfo{HasNextPage: more, HasPreviousPage: page.After > 0},
		Filter:   f,
	}
	for i, h := range hs {
		c.Edges[i] = &HouseholdEdge{Node: h, Cursor: jaring.EncodeCursor("household", h.ID)}
	}
	if len(hs) > 0 {
		c.PageInfo.StartCursor = &c.Edges[0].Cursor
		c.PageInfo.EndCursor = &c.Edges[len(hs)-1].Cursor
	}
	return c
}

// Domain returns the ledger's input for in.
func (in *BenefitInput) Domain() benefit.Input {
	out := benefit.Input{
		Program:     in.Program,
		Amount:      int64(in.Amount),
		ExternalRef: in.ExternalRef,
	}
	if in.Payer != nil {
		out.Payer = *in.Payer
	}
	if in.Kk != nil {
		out.KK = *in.Kk
	}
	if in.Nik != nil {
		out.NIK = *in.Nik
	}
	if in.Kind != nil {
		out.Kind = *in.Kind
	}
	if in.Source != nil {
		out.Source = *in.Source
	}
	if in.Channel != nil {
		out.Channel = *in.Channel
	}
	if in.Override != nil {
		out.OverrideReason = *in.Override
	}
	if in.Period != nil {
		out.Period = jaring.Period{Start: in.Period.Start, End: in.Period.End}
	}
	return out
}

// NewItemError describes the error of one item of a batch.
func NewItemError(err error) *ItemError {
	if err == nil {
		return nil
	}
	e := &ItemError{Code: jaring.ErrorCode(err), Message: jaring.ErrorMessage(err)}
	if f := jaring.ErrorField(err); f != "" {
		e.Field = &f
	}
	return e
}

// NewAuditEventConnection makes a Relay connection of a page of a trail.
func NewAuditEventConnection(evs []*audit.Event, more bool, page jaring.PageRequest) *AuditEventConnection {
	c := &AuditEventConnection{
		Edges:    make([]*AuditEventEdge, len(evs)),
		PageInfo: &PageInfo{HasNextPage: more, HasPreviousPage: page.After > 0},
	}
	for i, ev := range evs {
		c.Edges[i] = &AuditEventEdge{Node: ev, Cursor: jaring.EncodeCursor("audit", ev.ID)}
	}
	if len(evs) > 0 {
		c.PageInfo.StartCursor = &c.Edges[0].Cursor
		c.PageInfo.EndCursor = &c.Edges[len(evs)-1].Cursor
	}
	return c
}

// Domain returns the workflow's checklist.
func (d *DocumentsInput) Domain() referral.Documents {
	return referral.Documents{KTP: d.Ktp, KK: d.Kk, SKTM: d.Sktm, Register: d.Register}
}

// Domain returns the workflow's new application.
func (in *ApplicationInput) Domain() referral.NewApplication {
	n := referral.NewApplication{ApplicantNIK: in.ApplicantNik, KK: in.Kk, Type: in.Type, Description: in.Description}
	if in.Category != nil {
		n.Category = *in.Category
	}
	if in.Kind != nil {
		n.KindCode = *in.Kind
	}
	if in.Documents != nil {
		n.Documents = in.Documents.Domain()
	}
	return n
}

// NewReferralConnection makes a Relay connection of a page of referrals.
func NewReferralConnection(rs []*referral.Referral, more bool, page jaring.PageRequest) *ReferralConnection {
	c := &ReferralConnection{Edges: make([]*ReferralEdge, len(rs)), PageInfo: &PageInfo{HasNextPage: more, HasPreviousPage: page.After > 0}}
	for i, r := range rs {
		c.Edges[i] = &ReferralEdge{Node: r, Cursor: jaring.EncodeCursor("referral", r.ID)}
	}
	if len(rs) > 0 {
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &c.Edges[0].Cursor, &c.Edges[len(rs)-1].Cursor
	}
	return c
}

// NewBenefitConnection makes a Relay connection of a page of benefits.
func NewBenefitConnection(bs []*benefit.Benefit, more bool, page jaring.PageRequest) *BenefitConnection {
	c := &BenefitConnection{Edges: make([]*BenefitEdge, len(bs)), PageInfo: &PageInfo{HasNextPage: more, HasPreviousPage: page.After > 0}}
	for i, b := range bs {
		c.Edges[i] = &BenefitEdge{Node: b, Cursor: jaring.EncodeCursor("benefit", b.ID)}
	}
	if len(bs) > 0 {
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &c.Edges[0].Cursor, &c.Edges[len(bs)-1].Cursor
	}
	return c
}

// Conflicts returns the pairs of benefits among bs that clash.
func Conflicts(cat *benefit.Catalogue, bs []*benefit.Benefit) []*Conflict {
	var out []*Conflict
	for i, b := range bs {
		p := benefit.Proposal{HouseholdID: b.HouseholdID, PersonID: b.PersonID, KindCode: b.KindCode, ProgramID: b.ProgramID, Period: b.Period}
		if b.Status != benefit.Active && b.Status != benefit.Suspended {
			continue
		}
		for _, c := range cat.FindClashes(p, bs[i+1:]) {
			out = append(out, &Conflict{Benefits: []*benefit.Benefit{b, c.Benefit}, Rule: &c.Rule})
		}
	}
	return out
}
