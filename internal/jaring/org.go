package jaring

import (
	"context"
	"time"
)

// OrgKind is the kind of an organisation, which decides what its people may
// do: the front office takes applications, agencies decide and pay, donors
// publish programs, villages propose register changes, auditors read.
type OrgKind string

// The kinds of organisation.
const (
	OrgFrontOffice OrgKind = "FRONT_OFFICE"
	OrgAgency      OrgKind = "AGENCY"
	OrgDonor       OrgKind = "DONOR"
	OrgVillage     OrgKind = "VILLAGE"
	OrgAuditor     OrgKind = "AUDITOR"
	OrgIntegrator  OrgKind = "INTEGRATOR"
)

// Valid reports whether k is one of the kinds above.
func (k OrgKind) Valid() bool {
	switch k {
	case OrgFrontOffice, OrgAgency, OrgDonor, OrgVillage, OrgAuditor, OrgIntegrator:
		return true
	}
	return false
}

// Organisation is a front office, an agency, a donor, a village government
// or an auditor. Its Code (for example "DINSOS" or "CSR-A") is how callers
// and tokens name it.
type Organisation struct {
	ID         int64
	Code       string
	Name       string
	Kind       OrgKind
	RegionCode string // the region it serves, "" for none
	CreatedAt  time.Time
}

// OrganisationStore keeps organisations.
type OrganisationStore interface {
	// FindOrganisationByCode returns the organisation with the given code.
	// Returns ENOTFOUND if there is none.
	FindOrganisationByCode(ctx context.Context, code string) (*Organisation, error)
	// FindOrganisationsByIDs returns the organisations with the given IDs,
	// in no particular order.
	FindOrganisationsByIDs(ctx context.Context, ids []int64) ([]*Organisation, error)
}
