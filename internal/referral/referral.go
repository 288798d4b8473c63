package referral

import (
	"context"
	"time"

	"github.com/jaring-id/jaring/internal/benefit"
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
}

// Store keeps applications and referrals.
type Store interface {
	// FindApplicationsByHouseholds returns the applications of the given
	// households that scope lets the caller see, ordered by household, then
	// newest first.
	FindApplicationsByHouseholds(ctx context.Context, scope jaring.Scope, householdIDs []int64) ([]*Application, error)
	// FindApplicationsByIDs returns the applications with the given IDs.
	FindApplicationsByIDs(ctx context.Context, ids []int64) ([]*Application, error)
	// FindReferralsByHouseholds returns the referrals of the given
	// households that scope lets the caller see, ordered by household, then
	// newest first.
	FindReferralsByHouseholds(ctx context.Context, scope jaring.Scope, householdIDs []int64) ([]*Referral, error)
	// FindReferralsByApplications returns the referrals of the given
	// applications that scope lets the caller see, ordered by application,
	// then ID.
	FindReferralsByApplications(ctx context.Context, scope jaring.Scope, applicationIDs []int64) ([]*Referral, error)
	// FindInbox returns a page of the referrals addressed to organisation
	// orgID, in the given status (nil: any), oldest first, and whether more
	// follow (page.After is a referral ID).
	FindInbox(ctx context.Context, orgID int64, status *ReferralStatus, page jaring.PageRequest) ([]*Referral, bool, error)

	// SubmitApplication takes an application for a household in scope.
	// Returns ENOTFOUND (field "kk") if there is none the caller may see,
	// EINVALID (field "kind") for an unknown kind.
	SubmitApplication(ctx context.Context, scope jaring.Scope, actor Actor, n NewApplication) (*Application, error)
	// VerifyApplication verifies application id, with the documents
	// checklist updated if docs is not nil: VERIFIED or REJECTED with the
	// reasons. Returns ENOTFOUND, or ECONFLICT from a state other than
	// SUBMITTED.
	VerifyApplication(ctx context.Context, scope jaring.Scope, actor Actor, id int64, docs *Documents) (*Application, error)
	// ReferApplication refers application id to the targets. Returns
	// ENOTFOUND, ECONFLICT (wrong state, or already referred to a target),
	// EINVALID for an unknown organisation or program.
	ReferApplication(ctx context.Context, scope jaring.Scope, actor Actor, id int64, targets []Target) (*Application, error)
	// DecideReferral accepts or rejects referral id, addressed to the
	// actor's organisation; accepting with a benefit records it in the same
	// transaction and fulfils the referral. When the benefit is refused
	// (DOUBLE_AID, INVALID, …), nothing is written and its Result is
	// returned with a nil Referral. Returns ENOTFOUND, EFORBIDDEN (addressed
	// to another organisation), ECONFLICT (not PENDING).
	DecideReferral(ctx context.Context, actor Actor, id int64, d Decision, reason string, b *benefit.Input) (*Referral, *benefit.Result, error)
	// FulfilReferral records the benefit of an ACCEPTED referral and
	// fulfils it, as DecideReferral does.
	FulfilReferral(ctx context.Context, actor Actor, id int64, b benefit.Input) (*Referral, *benefit.Result, error)
}

// Actor is who takes a step of the workflow.
type Actor = benefit.Actor

// Target is where an application is referred: an organisation and,
// optionally, one of its programs.
type Target struct {
	Organisation string
	Program      string
}
