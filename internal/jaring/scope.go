package jaring

// HouseholdScope says which households a caller may see.
type HouseholdScope int

// The household scopes. The zero value sees nothing, so that a scope
// forgotten is a scope denied.
const (
	NoHouseholds       HouseholdScope = iota
	RegionHouseholds                  // households under Scope.Region
	ReferredHouseholds                // households with a referral addressed to Scope.OrgID
	AllHouseholds                     // every household: system tasks, never a caller
)

// Scope is the rows a caller may see. authz compiles it from the policy;
// the stores push it into SQL, so that counts and pages are of what the
// caller may see and nothing is filtered after fetching.
type Scope struct {
	Households HouseholdScope
	Region     string // a region-code prefix, for RegionHouseholds
	OrgID      int64  // the caller's organisation
	// AllReferrals lets the caller see every referral (and application) of
	// the households it sees; otherwise only those addressed to OrgID or made
	// by it.
	AllReferrals bool
	// AllReviews lets the caller see every benefit review (internal/verival)
	// of the households it sees; otherwise only the reviews of benefits its
	// organisation pays.
	AllReviews bool
}

// Unrestricted is the scope of system tasks (seeding, the command line):
// every row.
func Unrestricted() Scope {
	return Scope{Households: AllHouseholds, AllReferrals: true, AllReviews: true}
}
