// Package graph is Jaring's GraphQL boundary: the schema (schema/*.graphqls),
// the executor gqlgen generates from it, and thin resolvers that read
// arguments, call one service method and return. Lists load through
// per-request loaders (loader.go), each bound to the caller; every field
// goes out as authz decides (request.go); limits are checked before anything
// runs (limits.go).
package graph

//go:generate go run ./generate

import (
	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/donor"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/registry"
	"github.com/jaring-id/jaring/internal/verival"
)

// Resolver holds the services the resolvers call. Resolvers reach the data
// only through them, so every rule a service keeps holds for the graph.
type Resolver struct {
	Registry      *registry.Service
	Benefits      *benefit.Service
	Referrals     *referral.Service
	Audit         *audit.Service
	Donors        *donor.Service
	Imports       *verival.Importer
	Quarantine    *verival.Quarantine
	Organisations jaring.OrganisationStore // organisations are public: a plain lookup
	Verival       *verival.Service         // register changes, deliberations, benefit reviews

	// Refs keeps programs, organisations and kinds for display across
	// requests; nil reads them for every request.
	Refs *RefCache
}
