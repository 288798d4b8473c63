package model

import (
	"github.com/jaring-id/jaring/internal/registry"
)

// HouseholdConnection is a page of households. It keeps its filter so that
// totalCount, which costs a count over every page, runs only when asked for.
type HouseholdConnection struct {
	Edges    []*HouseholdEdge
	PageInfo *PageInfo
	Filter   registry.HouseholdFilter
}
