package referral

import (
	"context"
	"fmt"
	"strings"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// Service runs the workflow: it checks what callers give, once, then lets
// the Store take the step under a lock on the rows it changes.
type Service struct {
	Store Store
}

// Submit takes an application at the desk. Errors name the field under
// "input".
func (s *Service) Submit(ctx context.Context, actor Actor, n NewApplication) (*Application, error) {
	if _, err := registry.ParseNIK(n.ApplicantNIK); err != nil {
		return nil, jaring.WithField("input.applicantNik", err)
	}
	if _, err := registry.ParseKK(n.KK); err != nil {
		return nil, jaring.WithField("input.kk", err)
	}
	if err := n.Validate(); err != nil {
		return nil, jaring.WithField("input", err)
	}
	a, err := s.Store.SubmitApplication(ctx, actor, n)
	return a, jaring.WithField("input", err)
}

// Verify verifies an application.
func (s *Service) Verify(ctx context.Context, actor Actor, id int64, docs *Documents) (*Application, error) {
	return s.Store.VerifyApplication(ctx, actor, id, docs)
}

// Refer refers an application to one or more organisations.
func (s *Service) Refer(ctx context.Context, actor Actor, id int64, targets []Target) (*Application, error) {
	if len(targets) == 0 {
		return nil, jaring.Invalid("to", "name at least one organisation to refer to")
	}
	seen := map[string]bool{}
	for i, t := range targets {
		if strings.TrimSpace(t.Organisation) == "" {
			return nil, jaring.Invalid(fmt.Sprintf("to[%d].organisation", i), "is required, an organisation code such as DINKES")
		}
		if seen[t.Organisation] {
			return nil, jaring.Invalid(fmt.Sprintf("to[%d].organisation", i), "%s is named twice", t.Organisation)
		}
		seen[t.Organisation] = true
	}
	return s.Store.ReferApplication(ctx, actor, id, targets)
}

// Decide accepts or rejects a referral; accepting with a benefit records it
// atomically, checked against the whole ledger. A refused benefit is an
// error with its code (DOUBLE_AID naming the clashing benefit) at
// "input.benefit", and nothing is written.
func (s *Service) Decide(ctx context.Context, actor Actor, id int64, d Decision, reason string, b *benefit.Input) (*Decided, error) {
	if d != Accept && d != Reject {
		return nil, jaring.Invalid("input.decision", "want ACCEPT or REJECT")
	}
	if err := CheckReason(d, reason); err != nil {
		return nil, jaring.WithField("input", err)
	}
	if b != nil {
		if d == Reject {
			return nil, jaring.Invalid("input.benefit", "a rejection records no benefit; leave it out")
		}
		in, err := benefit.PrepareForReferral(actor, *b)
		if err != nil {
			return nil, jaring.WithField("input.benefit", err)
		}
		b = &in
	}
	out, err := s.Store.DecideReferral(ctx, actor, id, d, strings.TrimSpace(reason), b)
	return refused(out, err, "input.benefit")
}

// Fulfil records the benefit of an accepted referral.
func (s *Service) Fulfil(ctx context.Context, actor Actor, id int64, b benefit.Input) (*Decided, error) {
	in, err := benefit.PrepareForReferral(actor, b)
	if err != nil {
		return nil, jaring.WithField("benefit", err)
	}
	out, err := s.Store.FulfilReferral(ctx, actor, id, in)
	return refused(out, err, "benefit")
}

// refused turns a refused benefit into the error of the step, at field.
func refused(out *Decided, err error, field string) (*Decided, error) {
	if err != nil {
		return nil, err
	}
	if out.Refused != nil {
		return nil, jaring.WithField(field, out.Refused.Err)
	}
	return out, nil
}

// Inbox returns a page of the referrals addressed to the actor's
// organisation that it may see, oldest first.
func (s *Service) Inbox(ctx context.Context, actor Actor, status *ReferralStatus, page jaring.PageRequest) ([]*Referral, bool, error) {
	return s.Store.FindInbox(ctx, actor.Scope, status, page)
}

// ApplicationsByHouseholds returns the applications of the given households
// that the actor may see, newest first.
func (s *Service) ApplicationsByHouseholds(ctx context.Context, actor Actor, ids []int64) ([]*Application, error) {
	return s.Store.FindApplicationsByHouseholds(ctx, actor.Scope, ids)
}

// ApplicationsByIDs returns the applications with the given IDs that the
// actor may see.
func (s *Service) ApplicationsByIDs(ctx context.Context, actor Actor, ids []int64) ([]*Application, error) {
	return s.Store.FindApplicationsByIDs(ctx, actor.Scope, ids)
}

// ReferralsByHouseholds returns the referrals of the given households that
// the actor may see, newest first.
func (s *Service) ReferralsByHouseholds(ctx context.Context, actor Actor, ids []int64) ([]*Referral, error) {
	return s.Store.FindReferralsByHouseholds(ctx, actor.Scope, ids)
}

// ReferralsByApplications returns the referrals of the given applications
// that the actor may see.
func (s *Service) ReferralsByApplications(ctx context.Context, actor Actor, ids []int64) ([]*Referral, error) {
	return s.Store.FindReferralsByApplications(ctx, actor.Scope, ids)
}
