package model

import (
	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
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
