package model

// HouseholdByKKsInput is the key of one household an _entities request
// names: its KK. gqlgen would make KK a *string, as Household.kk is
// nullable (withheld for some callers); a key that is given is a string.
type HouseholdByKKsInput struct {
	KK string
}

// PersonByNIKsInput is the key of one person an _entities request names:
// their NIK.
type PersonByNIKsInput struct {
	NIK string
}
