package registry

import (
	"context"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
)

// RegisterStatus is where a household stands in the welfare register.
type RegisterStatus string

// The register statuses.
const (
	Registered   RegisterStatus = "REGISTERED"   // in DTKS/DTSEN
	Proposed     RegisterStatus = "PROPOSED"     // proposed for entry after a village deliberation
	Unregistered RegisterStatus = "UNREGISTERED" // never entered
	Removed      RegisterStatus = "REMOVED"      // taken out (deceased, moved, no longer poor, …)
)

// Household is a family as its KK lists it, living in one village.
type Household struct {
	ID             int64
	KK             string
	RegionCode     string // the village, for example "19.04.01.2001"
	Address        string
	RT             string // neighbourhood unit, "001"
	RW             string // community unit, "002"
	Desil          *int   // welfare decile 1–10, nil when not ranked
	RegisterStatus RegisterStatus
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Sex is as recorded on the KTP, and encoded in the NIK.
type Sex string

// The sexes.
const (
	Male   Sex = "MALE"
	Female Sex = "FEMALE"
)

// Relationship is a member's relationship to the head of the household, as
// the KK's "status hubungan dalam keluarga" column gives it.
type Relationship string

// The relationships.
const (
	Head       Relationship = "HEAD"
	Spouse     Relationship = "SPOUSE"
	Child      Relationship = "CHILD"
	Parent     Relationship = "PARENT"
	InLaw      Relationship = "IN_LAW"
	Grandchild Relationship = "GRANDCHILD"
	Other      Relationship = "OTHER"
)

// Person is one member of a household.
type Person struct {
	ID           int64
	NIK          string
	HouseholdID  int64
	Name         string
	BirthDate    time.Time
	BirthPlace   string
	Sex          Sex
	Relationship Relationship
	MotherName   string // the civil registry's check question
	Disabled     bool   // specific personal data
	Pregnant     bool   // specific personal data
	CreatedAt    time.Time
}

// HouseholdFilter narrows a list of households. Zero fields do not filter.
type HouseholdFilter struct {
	Region     string // a region-code prefix: "19.04.01" is Koba and all its villages
	DesilMax   *int   // households ranked at this decile or poorer
	Registered *bool  // in the welfare register (true) or not (false)
}

// Store keeps households and persons.
type Store interface {
	// FindHouseholdByKK returns the household with the given KK, if scope
	// lets the caller see it. Returns ENOTFOUND if there is none it may see.
	FindHouseholdByKK(ctx context.Context, scope jaring.Scope, kk string) (*Household, error)
	// FindPersonByNIK returns the person with the given NIK, if scope lets
	// the caller see their household. Returns ENOTFOUND otherwise.
	FindPersonByNIK(ctx context.Context, scope jaring.Scope, nik string) (*Person, error)
	// FindHouseholds returns a page of the households in scope that match
	// filter, in the order of their IDs, and whether more follow it.
	FindHouseholds(ctx context.Context, scope jaring.Scope, filter HouseholdFilter, page jaring.PageRequest) (households []*Household, more bool, err error)
	// CountHouseholds counts the households in scope that match filter.
	CountHouseholds(ctx context.Context, scope jaring.Scope, filter HouseholdFilter) (int, error)
	// FindHouseholdsByIDs returns the households with the given IDs, in no
	// particular order; IDs that do not exist are left out. IDs come from
	// rows the caller already sees, so no scope applies.
	FindHouseholdsByIDs(ctx context.Context, ids []int64) ([]*Household, error)
	// FindPersonsByIDs returns the persons with the given IDs, in no
	// particular order; IDs that do not exist are left out.
	FindPersonsByIDs(ctx context.Context, ids []int64) ([]*Person, error)
	// FindMembers returns the members of the given households, ordered by
	// household, then head first, then birth date.
	FindMembers(ctx context.Context, householdIDs []int64) ([]*Person, error)
}
