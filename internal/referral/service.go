package referral

import (
	"context"
	"fmt"
	"strings"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// Service runs the workflow: it checks what callers give, then lets the
// Store take the step under a lock on the rows it changes.
type Service struct {
	Store Store
}

// Submit takes an application at the desk. Errors name the field under
// "input".
func (s *Service) Submit(ctx context.Context, scope jaring.Scope, actor Actor, n NewApplication) (*Application, error) {
	if _, err := registry.ParseNIK(n.ApplicantNIK); err != nil {
		return nil, jaring.WithField("input.applicantNik", err)
	}
	if _, err := registry.ParseKK(n.KK); err != nil {
		return nil, jaring.WithField("input.kk", err)
	}
	if err := n.Validate(); err != nil {
		return nil, jaring.WithField("input", err)
	}
	a, err := s.Store.SubmitApplication(ctx, scope, actor, n)
	return a, jaring.WithField("input", err)
}

// Verify verifies an application.
func (s *Service) Verify(ctx context.Context, scope jaring.Scope, actor Actor, id int64, docs *Documents) (*Application, error) {
	return s.Store.VerifyApplication(ctx, scope, actor, id, docs)
}

// Refer refers an application to one or more organisations.
func (s *Service) Refer(ctx context.Context, scope jaring.Scope, actor Actor, id int64, targets []Target) (*Application, error) {
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
	return s.Store.ReferApplication(ctx, scope, actor, id, targets)
}

// Decide accepts or rejects a referral; accepting with a benefit records it
// atomically, checked against the whole ledger. A refused benefit is an
// error with its code (DOUBLE_AID naming the clashing benefit) at
// "input.benefit", and nothing is written.
func (s *Service) Decide(ctx context.Context, actor Actor, id int64, d Decision, reason string, b *benefit.Input) (*Referral, error) {
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
	r, res, err := s.Store.DecideReferral(ctx, actor, id, d, strings.TrimSpace(reason), b)
	return refused(r, res, err)
}

// Fulfil records the benefit of an accepted referral.
func (s *Service) Fulfil(ctx context.Context, actor Actor, id int64, b benefit.Input) (*Referral, error) {
	in, err := benefit.PrepareForReferral(actor, b)
	if err != nil {
		return nil, jaring.WithField("benefit", err)
	}
	r, res, err := s.Store.FulfilReferral(ctx, actor, id, in)
	if res != nil && res.Err != nil {
		return nil, jaring.WithField("benefit", res.Err)
	}
	return r, err
}

func refused(r *Referral, res *benefit.Result, err error) (*Referral, error) {
	if err != nil {
		return nil, err
	}
	if res != nil && res.Status != benefit.Recorded {
		return nil, jaring.WithField("input.benefit", res.Err)
	}
	return r, nil
}
