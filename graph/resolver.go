// Package graph is Jaring's GraphQL boundary: the schema (schema/*.graphqls),
// the executor gqlgen generates from it, and thin resolvers that read
// arguments, call a feature package and map its errors. Lists load through
// per-request loaders (loader.go).
package graph

//go:generate go tool gqlgen generate

import (
	"context"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/registry"
)

// Resolver holds what the resolvers need: the stores they read through
// loaders, and the services that carry the rules.
type Resolver struct {
	Registry      *registry.Service // embeds registry.Store
	Benefits      benefit.Store
	Recorder      *benefit.Service
	Referrals     referral.Store
	Workflow      *referral.Service
	Organisations jaring.OrganisationStore
	Trails        AuditTrails
}

// AuditTrails reads persons' processing trails.
type AuditTrails interface {
	// Trail returns a page of the events that touched the person with the
	// given NIK, newest first (page.After is an event ID), and whether more
	// follow.
	Trail(ctx context.Context, nik string, page jaring.PageRequest) ([]*audit.Event, bool, error)
}
