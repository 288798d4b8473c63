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
	// RegisterStatus is where the person stands in the welfare register,
	// beside the household: ACTIVE until an approved register change says
	// otherwise (internal/verival).
	RegisterStatus PersonStatus
}

// PersonStatus is where a person stands in the welfare register.
type PersonStatus string

// The persons' register statuses. Only an approved register change moves a
// person out of ACTIVE; the person's row, and their trail, stay.
const (
	PersonActive   PersonStatus = "ACTIVE"   // in the register with their household
	PersonDeceased PersonStatus = "DECEASED" // recorded dead by a village deliberation
	PersonMoved    PersonStatus = "MOVED"    // moved away from the household
	PersonRemoved  PersonStatus = "REMOVED"  // taken out on another ground (duplicate, not eligible, …)
)

// HouseholdFilter narrows a list of households. Zero fields do not filter.
type HouseholdFilter struct {
	Region     string // a region-code prefix: "19.04.01" is Koba and all its villages
	DesilMax   *int   // households ranked at this decile or poorer
	Registered *bool  // in the welfare register (true) or not (false)
}

// Store keeps households and persons. Every method takes the caller's scope
// and applies it in SQL: a row outside it is as a row that does not exist.
type Store interface {
	// FindHouseholdByKK returns the household with the given KK. Returns
	// ENOTFOUND if there is none in scope.
	FindHouseholdByKK(ctx context.Context, scope jaring.Scope, kk string) (*Household, error)
	// FindPersonByNIK returns the person with the given NIK. Returns
	// ENOTFOUND if there is none whose household is in scope.
	FindPersonByNIK(ctx context.Context, scope jaring.Scope, nik string) (*Person, error)
	// FindHouseholdsByKKs returns the households in scope with the given
	// KKs, in no particular order; the others are left out.
	FindHouseholdsByKKs(ctx context.Context, scope jaring.Scope, kks []string) ([]*Household, error)
	// FindPersonsByNIKs returns the persons with the given NIKs whose
	// households are in scope, in no particular order.
	FindPersonsByNIKs(ctx context.Context, scope jaring.Scope, niks []string) ([]*Person, error)
	// FindHouseholds returns a page of the households in scope that match
	// filter, in the order of their IDs, and whether more follow it.
	FindHouseholds(ctx context.Context, scope jaring.Scope, filter HouseholdFilter, page jaring.PageRequest) (households []*Household, more bool, err error)
	// CountHouseholds counts the households in scope that match filter.
	CountHouseholds(ctx context.Context, scope jaring.Scope, filter HouseholdFilter) (int, error)
	// FindHouseholdsByIDs returns the households in scope with the given
	// IDs, in no particular order; the others are left out.
	FindHouseholdsByIDs(ctx context.Context, scope jaring.Scope, ids []int64) ([]*Household, error)
	// FindPersonsByIDs returns the persons with the given IDs whose
	// households are in scope, in no particular order.
	FindPersonsByIDs(ctx context.Context, scope jaring.Scope, ids []int64) ([]*Person, error)
	// FindMembers returns the members of the given households that are in
	// scope, ordered by household, then head first, then birth date.
	FindMembers(ctx context.Context, scope jaring.Scope, householdIDs []int64) ([]*Person, error)
}

// IsEntity marks Household as an entity of the federated graph (the
// GraphQL union _Entity): other subgraphs may refer to it by its KK. It
// imports nothing and changes nothing of the household.
func (Household) IsEntity() {}

// IsEntity marks Person as an entity of the federated graph, referred to by
// NIK.
func (Person) IsEntity() {}
