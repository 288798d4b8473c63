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

// householdScope compiles the households a scope lets the caller see into a
// predicate over household h. A region prefix is a range, so that an index
// serves it under a generic plan too: "19.04.01" ≤ code < "19.04.01/" ('/'
// follows '.').
func householdScope(s jaring.Scope, a *args) string {
	switch s.Households {
	case jaring.AllHouseholds:
		return "true"
	case jaring.RegionHouseholds:
		return fmt.Sprintf("(h.region_code >= %s AND h.region_code < %s)", a.add(s.Region), a.add(s.Region+"/"))
	case jaring.ReferredHouseholds:
		return fmt.Sprintf("EXISTS (SELECT 1 FROM referral sr WHERE sr.household_id = h.id AND sr.to_id = %s)", a.add(s.OrgID))
	}
	return "false"
}

// referralScope is the referrals r a scope lets the caller see: those
// addressed to its organisation or made by it, or all.
func referralScope(s jaring.Scope, a *args) string {
	if s.AllReferrals {
		return "true"
	}
	org := a.add(s.OrgID)
	return fmt.Sprintf("(r.to_id = %s OR r.from_id = %s)", org, org)
}

// applicationScope is the applications a a scope lets the caller see: those
// its organisation took, or that were referred to it or by it.
func applicationScope(s jaring.Scope, aa *args) string {
	if s.AllReferrals {
		return "true"
	}
	org := aa.add(s.OrgID)
	return fmt.Sprintf("(a.submitted_by_id = %s OR EXISTS (SELECT 1 FROM referral r WHERE r.application_id = a.id AND (r.to_id = %s OR r.from_id = %s)))", org, org, org)
}
