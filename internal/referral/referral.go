package referral

import (
	"context"
	"time"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/donor"
	"github.com/jaring-id/jaring/internal/jaring"
)

// ApplicationType is what the resident came for.
type ApplicationType string

// The application types.
const (
	AidRequest ApplicationType = "AID_REQUEST"
	Complaint  ApplicationType = "COMPLAINT"
)

// ApplicationStatus is where an application stands.
type ApplicationStatus string

// The application statuses, in workflow order.
const (
	Submitted ApplicationStatus = "SUBMITTED" // taken by the front office
	Verified  ApplicationStatus = "VERIFIED"  // documents complete, NIK belongs to the KK
	Rejected  ApplicationStatus = "REJECTED"  // refused at verification, with a reason
	Referred  ApplicationStatus = "REFERRED"  // sent to one or more agencies or donors
	Closed    ApplicationStatus = "CLOSED"    // every referral decided
)

// Documents is the checklist the front office ticks.
type Documents struct {
	KTP      bool // identity card
	KK       bool // family card
	SKTM     bool // poverty certificate (surat keterangan tidak mampu)
	Register bool // the household is in the welfare register (DTKS/DTSEN)
}

// Application is a resident's request for aid, or complaint.
type Application struct {
	ID            int64
	Number        string // the front office's number, "SLK-2026-000123"
	HouseholdID   int64
	ApplicantNIK  string
	ApplicantID   *int64 // nil until the NIK is found in the register
	Type          ApplicationType
	Category      string // as the front office files it: "kesehatan", "pendidikan", …
	KindCode      string // the kind of aid asked for; "" for a complaint
	Description   string
	Documents     Documents
	Status        ApplicationStatus
	StatusReason  string
	SubmittedByID int64 // the front office
	SubmittedAt   time.Time
	UpdatedAt     time.Time
}

// ReferralStatus is where a referral stands.
type ReferralStatus string

// The referral statuses.
const (
	Pending   ReferralStatus = "PENDING"
	Accepted  ReferralStatus = "ACCEPTED"
	Declined  ReferralStatus = "REJECTED"
	Fulfilled ReferralStatus = "FULFILLED" // accepted, and its benefit recorded
)

// Referral is an application sent to one agency or donor.
type Referral struct {
	ID            int64
	ApplicationID int64
	HouseholdID   int64
	FromID        int64  // the organisation that referred
	ToID          int64  // the organisation addressed
	ProgramID     *int64 // the program asked for, if one was named
	Status        ReferralStatus
	Reason        string // why it was accepted or rejected
	BenefitID     *int64 // the benefit that fulfilled it
	CreatedAt     time.Time
	DecidedAt     *time.Time
	// Eligibility is, for a referral to a donor's program, the answer of
	// its criteria the referral was made on.
	Eligibility *donor.Answer
}

// Store keeps applications and referrals. Reads take the caller's scope and
// apply it in SQL: an application or referral is seen when its household is
// in scope and, unless the scope sees all referrals, it was made by,
// addressed to or taken by the caller's organisation. Steps of the workflow
// take the actor, whose scope bounds them the same way: a row outside it is
// as a row that does not exist (ENOTFOUND).
type Store interface {
	// FindApplicationsByHouseholds returns the applications of the given
	// households in scope, ordered by household, then newest first.
	FindApplicationsByHouseholds(ctx context.Context, scope jaring.Scope, householdIDs []int64) ([]*Application, error)
	// FindApplicationsByIDs returns the applications in scope with the
	// given IDs.
	FindApplicationsByIDs(ctx context.Context, scope jaring.Scope, ids []int64) ([]*Application, error)
	// FindReferralsByHouseholds returns the referrals of the given
	// households in scope, ordered by household, then newest first.
	FindReferralsByHouseholds(ctx context.Context, scope jaring.Scope, householdIDs []int64) ([]*Referral, error)
	// FindReferralsByApplications returns the referrals in scope of the
	// given applications, ordered by application, then ID.
	FindReferralsByApplications(ctx context.Context, scope jaring.Scope, applicationIDs []int64) ([]*Referral, error)
	// FindInbox returns a page of the referrals addressed to the scope's
	// organisation whose households are in scope, in the given status (nil:
	// any), oldest first, and whether more follow (page.After is a
	// referral ID).
	FindInbox(ctx context.Context, scope jaring.Scope, status *ReferralStatus, page jaring.PageRequest) ([]*Referral, bool, error)

	// SubmitApplication takes an application for a household in the
	// actor's scope. Returns ENOTFOUND (field "kk") if there is none it may
	// see, EINVALID (field "kind") for an unknown kind.
	SubmitApplication(ctx context.Context, actor Actor, n NewApplication) (*Application, error)
	// VerifyApplication verifies application id, with the documents
	// checklist updated if docs is not nil: VERIFIED or REJECTED with the
	// reasons. Returns ENOTFOUND, or ECONFLICT from a state other than
	// SUBMITTED.
	VerifyApplication(ctx context.Context, actor Actor, id int64, docs *Documents) (*Application, error)
	// ReferApplication refers application id to the targets, under a lock
	// on the application. Returns ENOTFOUND, ECONFLICT (wrong state, or
	// already referred to a target), EINVALID naming the target at fault
	// (an unknown organisation or program, one that takes no referrals, a
	// village organisation outside whose region the household lives).
	ReferApplication(ctx context.Context, actor Actor, id int64, targets []Target) (*Application, error)
	// DecideReferral accepts or rejects referral id, addressed to the
	// actor's organisation, under a lock on its application; accepting with
	// a benefit records it in the same transaction and fulfils the
	// referral. When the benefit is refused (DOUBLE_AID, INVALID, …),
	// nothing is written and its Result is returned with a nil Referral.
	// Returns ENOTFOUND, EFORBIDDEN (addressed to another organisation),
	// ECONFLICT (not PENDING).
	DecideReferral(ctx context.Context, actor Actor, id int64, d Decision, reason string, b *benefit.Input) (*Decided, error)
	// FulfilReferral records the benefit of an ACCEPTED referral and
	// fulfils it, as DecideReferral does.
	FulfilReferral(ctx context.Context, actor Actor, id int64, b benefit.Input) (*Decided, error)
}

// Decided is the outcome of a decision: the referral as it now stands, or
// the refused benefit's Result; and whether this decision closed the
// application, which only the last decision of an application does.
type Decided struct {
	Referral *Referral
	Refused  *benefit.Result
	Closed   bool
}

// Actor is who takes a step of the workflow.
type Actor = jaring.Actor

// Target is where an application is referred: an organisation and,
// optionally, one of its programs.
type Target struct {
	Organisation string
	Program      string
}
