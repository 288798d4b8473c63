package audit

import (
	"context"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// Store reads the audit log.
type Store interface {
	// Trail returns a page of the events concerning the person with the
	// given NIK, newest first (page.After is an event ID), and whether more
	// follow. Returns ENOTFOUND if there is no such person whose household
	// is in scope. Each event lists only the persons and households in
	// scope: an event that also concerned others does not name them.
	Trail(ctx context.Context, scope jaring.Scope, nik string, page jaring.PageRequest) ([]*Event, bool, error)
}

// Service reads persons' processing trails.
type Service struct {
	Store Store
}

// Trail returns a page of the trail of the person with the given NIK (UU PDP
// art. 32). Returns EINVALID naming "nik" for a malformed NIK, ENOTFOUND if
// the actor may see no such person.
func (s *Service) Trail(ctx context.Context, a jaring.Actor, nik string, page jaring.PageRequest) ([]*Event, bool, error) {
	if _, err := registry.ParseNIK(nik); err != nil {
		return nil, false, jaring.WithField("nik", err)
	}
	return s.Store.Trail(ctx, a.Scope, nik, page)
}
