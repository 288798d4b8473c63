package postgres

import (
	"fmt"

	"github.com/jaring-id/jaring/internal/jaring"
)

// args collects the arguments of a query as its predicates are built.
type args []any

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	*a = append(*a, v)
	return fmt.Sprintf("$%d", len(*a))
}

// rowsOf names, for one table alias, the columns scope is decided on: every
// table that holds a household's data carries the household's ID and region
// code (kept equal to the household's by a composite foreign key), so scope
// is a predicate on the row itself, with no join to household.
type rowsOf struct {
	region    string // "h.region_code"
	household string // "h.id", "p.household_id"
}

var (
	households   = rowsOf{"h.region_code", "h.id"}
	persons      = rowsOf{"p.region_code", "p.household_id"}
	benefits     = rowsOf{"b.region_code", "b.household_id"}
	applications = rowsOf{"a.region_code", "a.household_id"}
	referrals    = rowsOf{"r.region_code", "r.household_id"}
)

// inScope compiles the households a scope lets the caller see into a
// predicate over the rows of t: the one place where row scope becomes SQL.
// A region prefix is a range, so that an index serves it under a generic
// plan too: "19.04.01" ≤ code < "19.04.01/" ('/' follows '.'). The zero
// scope sees nothing.
func inScope(s jaring.Scope, a *args, t rowsOf) string {
	switch s.Households {
	case jaring.AllHouseholds:
		return "true"
	case jaring.RegionHouseholds:
		return fmt.Sprintf("(%s >= %s AND %s < %s)", t.region, a.add(s.Region), t.region, a.add(s.Region+"/"))
	case jaring.ReferredHouseholds:
		return fmt.Sprintf("EXISTS (SELECT 1 FROM referral sr WHERE sr.household_id = %s AND sr.to_id = %s)", t.household, a.add(s.OrgID))
	}
	return "false"
}

// referralInScope is the referrals r a scope lets the caller see: of a
// household in scope, and addressed to its organisation or made by it,
// unless it sees all.
func referralInScope(s jaring.Scope, a *args) string {
	rows := inScope(s, a, referrals)
	if s.AllReferrals {
		return rows
	}
	org := a.add(s.OrgID)
	return fmt.Sprintf("%s AND (r.to_id = %s OR r.from_id = %s)", rows, org, org)
}

// applicationInScope is the applications a a scope lets the caller see: of
// a household in scope, and taken by its organisation or referred to it or
// by it, unless it sees all.
func applicationInScope(s jaring.Scope, aa *args) string {
	rows := inScope(s, aa, applications)
	if s.AllReferrals {
		return rows
	}
	org := aa.add(s.OrgID)
	return fmt.Sprintf("%s AND (a.submitted_by_id = %s OR EXISTS (SELECT 1 FROM referral ar WHERE ar.application_id = a.id AND (ar.to_id = %s OR ar.from_id = %s)))",
		rows, org, org, org)
}

// dataIssueInScope is the data issues d a scope lets the caller see: those
// of its region (a region's callers) and those of the files its
// organisation imported, whose rows it sent. Callers who see referred
// households (donors) see only their own files' issues: the register's
// rows are not theirs to see.
func dataIssueInScope(s jaring.Scope, a *args) string {
	switch s.Households {
	case jaring.AllHouseholds:
		return "true"
	case jaring.RegionHouseholds:
		return fmt.Sprintf("(%s OR d.org_id = %s)", inScope(s, a, rowsOf{"d.region_code", "d.household_id"}), a.add(s.OrgID))
	case jaring.ReferredHouseholds:
		return fmt.Sprintf("d.org_id = %s", a.add(s.OrgID))
	}
	return "false"
}
