package model

import (
	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/donor"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/registry"
	"github.com/jaring-id/jaring/internal/verival"
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

// connection makes the edges and page info of a Relay connection over a
// page of rows of the given kind; edge makes one edge of a row and its cursor.
func connection[T, E any](rows []T, kind string, id func(T) int64, edge func(T, string) E, more bool, page jaring.PageRequest) ([]E, *PageInfo) {
	edges := make([]E, len(rows))
	info := &PageInfo{HasNextPage: more, HasPreviousPage: page.After > 0}
	for i, row := range rows {
		cursor := jaring.EncodeCursor(kind, id(row))
		edges[i] = edge(row, cursor)
		if i == 0 {
			info.StartCursor = &cursor
		}
		info.EndCursor = &cursor
	}
	return edges, info
}

// NewHouseholdConnection makes a Relay connection of a page of households.
func NewHouseholdConnection(l *registry.HouseholdList, page jaring.PageRequest) *HouseholdConnection {
	edges, info := connection(l.Households, "household", func(h *registry.Household) int64 { return h.ID },
		func(h *registry.Household, c string) *HouseholdEdge { return &HouseholdEdge{Node: h, Cursor: c} }, l.More, page)
	return &HouseholdConnection{Edges: edges, PageInfo: info, List: l}
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
	if in.KK != nil {
		out.KK = *in.KK
	}
	if in.NIK != nil {
		out.NIK = *in.NIK
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
	edges, info := connection(evs, "audit", func(ev *audit.Event) int64 { return ev.ID },
		func(ev *audit.Event, c string) *AuditEventEdge { return &AuditEventEdge{Node: ev, Cursor: c} }, more, page)
	return &AuditEventConnection{Edges: edges, PageInfo: info}
}

// Domain returns the workflow's checklist.
func (d *DocumentsInput) Domain() referral.Documents {
	return referral.Documents{KTP: d.KTP, KK: d.KK, SKTM: d.SKTM, Register: d.Register}
}

// Domain returns the workflow's new application.
func (in *ApplicationInput) Domain() referral.NewApplication {
	n := referral.NewApplication{ApplicantNIK: in.ApplicantNIK, KK: in.KK, Type: in.Type, Description: in.Description}
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
	edges, info := connection(rs, "referral", func(r *referral.Referral) int64 { return r.ID },
		func(r *referral.Referral, c string) *ReferralEdge { return &ReferralEdge{Node: r, Cursor: c} }, more, page)
	return &ReferralConnection{Edges: edges, PageInfo: info}
}

// NewBenefitConnection makes a Relay connection of a page of benefits.
func NewBenefitConnection(bs []*benefit.Benefit, more bool, page jaring.PageRequest) *BenefitConnection {
	edges, info := connection(bs, "benefit", func(b *benefit.Benefit) int64 { return b.ID },
		func(b *benefit.Benefit, c string) *BenefitEdge { return &BenefitEdge{Node: b, Cursor: c} }, more, page)
	return &BenefitConnection{Edges: edges, PageInfo: info}
}

// Domain returns the donor package's input for in.
func (in *DonorProgramInput) Domain() donor.ProgramInput {
	out := donor.ProgramInput{Code: in.Code, Name: in.Name, KindCode: in.Kind}
	if in.Description != nil {
		out.Description = *in.Description
	}
	if in.Criteria != nil {
		c := in.Criteria
		out.Criteria = donor.Criteria{Regions: c.Regions, DesilMax: c.DesilMax, RegisterStatus: c.RegisterStatus, NotReceiving: c.NotReceiving}
		if m := c.Composition; m != nil {
			deref := func(b *bool) bool { return b != nil && *b }
			out.Criteria.Composition = donor.Composition{SchoolAgeChild: deref(m.SchoolAgeChild), Elderly: deref(m.Elderly),
				Disability: deref(m.Disability), Pregnant: deref(m.Pregnant)}
			if m.MinSize != nil {
				out.Criteria.Composition.MinSize = *m.MinSize
			}
		}
	}
	if in.Period != nil {
		out.Period = jaring.Period{Start: in.Period.Start, End: in.Period.End}
	}
	if in.Budget != nil {
		out.Budget = int64(*in.Budget)
	}
	if in.Quota != nil {
		out.Quota = *in.Quota
	}
	if in.QuotaUnit != nil {
		out.QuotaUnit = *in.QuotaUnit
	}
	if in.Amount != nil {
		out.Amount = int64(*in.Amount)
	}
	return out
}

// Counts returns published counts for GraphQL: a number, or nil for one
// withheld.
func Counts(cs []donor.Count) []*int {
	out := make([]*int, len(cs))
	for i, c := range cs {
		out[i] = CountOf(c)
	}
	return out
}

// CountOf is one published count: nil when withheld.
func CountOf(c donor.Count) *int {
	if c.Suppressed {
		return nil
	}
	n := c.N
	return &n
}

// NewDataIssueConnection makes a Relay connection of a page of data issues.
func NewDataIssueConnection(ds []*verival.DataIssue, more bool, page jaring.PageRequest) *DataIssueConnection {
	edges, info := connection(ds, "dataIssue", func(d *verival.DataIssue) int64 { return d.ID },
		func(d *verival.DataIssue, c string) *DataIssueEdge { return &DataIssueEdge{Node: d, Cursor: c} }, more, page)
	return &DataIssueConnection{Edges: edges, PageInfo: info}
}

// Domain returns the quarantine's filter.
func (f *DataIssueFilter) Domain() verival.IssueFilter {
	var out verival.IssueFilter
	if f == nil {
		return out
	}
	if f.Status != nil {
		out.Status = *f.Status
	}
	if f.Reason != nil {
		out.Reason = *f.Reason
	}
	if f.Kind != nil {
		out.Kind = *f.Kind
	}
	if f.Region != nil {
		out.Region = *f.Region
	}
	if f.Import != nil {
		out.ImportID = *f.Import
	}
	return out
}
