package authz

import (
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
)

// Role is what a person may do within their organisation.
type Role string

// The roles (DOMAIN.md).
const (
	RoleOperator   Role = "operator"
	RoleVerifier   Role = "verifier"
	RoleApprover   Role = "approver"
	RoleSupervisor Role = "supervisor"
	RoleViewer     Role = "viewer"
	RoleAuditor    Role = "auditor"
	RoleDonor      Role = "donor"
	RoleAdmin      Role = "admin"
)

// Roles lists every role, in a stable order.
var Roles = []Role{RoleOperator, RoleVerifier, RoleApprover, RoleSupervisor, RoleViewer, RoleAuditor, RoleDonor, RoleAdmin}

// Valid reports whether r is one of the roles above.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Principal is a verified caller: who they are, for which organisation, in
// which roles, and over which region.
type Principal struct {
	Subject string         // the token's sub: a person's login
	Org     string         // organisation code, "DINSOS"
	OrgKind jaring.OrgKind // the organisation's kind, as the token claims it
	Roles   []Role
	Region  string // a region-code prefix the token limits the caller to; "" for none
	Expires time.Time

	// Set by the server from the organisation the token names.
	OrgID     int64
	OrgRegion string // the organisation's own region, "19.04"
}

// RoleNames returns roles as the strings tokens and audit events carry.
func RoleNames(roles []Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}
