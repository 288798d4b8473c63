package model

import (
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/verival"
)

// Domain returns the proposals' filter for f; a nil f filters nothing.
func (f *RegisterChangeFilter) Domain() verival.ChangeFilter {
	if f == nil {
		return verival.ChangeFilter{}
	}
	out := verival.ChangeFilter{Status: f.Status}
	if f.Village != nil {
		out.Region = *f.Village
	}
	return out
}

// DecisionsDomain returns the deliberation's decisions for in.
func DecisionsDomain(in []*DeliberationDecisionInput) []verival.DecisionInput {
	out := make([]verival.DecisionInput, len(in))
	for i, d := range in {
		out[i] = verival.DecisionInput{ChangeID: d.Change, Decision: d.Decision}
		if d.Note != nil {
			out[i].Note = *d.Note
		}
	}
	return out
}

// RegisterChangeConnection is a page of register changes. It keeps the
// filter that chose them, so that totalCount, which counts over every page,
// runs only when asked for.
type RegisterChangeConnection struct {
	Edges    []*RegisterChangeEdge
	PageInfo *PageInfo
	Filter   verival.ChangeFilter
}

// NewRegisterChangeConnection makes a Relay connection of a page of
// register changes chosen by filter.
func NewRegisterChangeConnection(cs []*verival.Change, filter verival.ChangeFilter, more bool, page jaring.PageRequest) *RegisterChangeConnection {
	edges, info := connection(cs, "register_change", func(c *verival.Change) int64 { return c.ID },
		func(c *verival.Change, cur string) *RegisterChangeEdge {
			return &RegisterChangeEdge{Node: c, Cursor: cur}
		}, more, page)
	return &RegisterChangeConnection{Edges: edges, PageInfo: info, Filter: filter}
}

// NewBenefitReviewConnection makes a Relay connection of a page of benefit
// reviews.
func NewBenefitReviewConnection(vs []*verival.Review, more bool, page jaring.PageRequest) *BenefitReviewConnection {
	edges, info := connection(vs, "benefit_review", func(v *verival.Review) int64 { return v.ID },
		func(v *verival.Review, cur string) *BenefitReviewEdge {
			return &BenefitReviewEdge{Node: v, Cursor: cur}
		}, more, page)
	return &BenefitReviewConnection{Edges: edges, PageInfo: info}
}
