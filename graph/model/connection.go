package model

import (
	"github.com/jaring-id/jaring/internal/registry"
)

// HouseholdConnection is a page of households. It keeps the list it shows,
// so that totalCount, which costs a count over every page, runs only when
// asked for, with the filter already checked.
type HouseholdConnection struct {
	Edges    []*HouseholdEdge
	PageInfo *PageInfo
	List     *registry.HouseholdList
}
