package referral

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jaring-id/jaring/internal/jaring"
)

// The workflow, as SiLakso and SLRT run it:
//
//	SUBMITTED ──verify──▶ VERIFIED ──refer──▶ REFERRED ──(every referral decided)──▶ CLOSED
//	    └──verify (documents missing, NIK not of the KK)──▶ REJECTED
//
//	referral: PENDING ──decide──▶ ACCEPTED ──benefit recorded──▶ FULFILLED
//	              │         └──decide with the benefit──────────▶ FULFILLED
//	              └──decide──▶ REJECTED
//
// A step out of order is ECONFLICT, naming the state the thing is in.

// stateError is the CONFLICT of a step taken out of order.
func stateError(what string, state any, step, allowed string) error {
	return jaring.Errorf(jaring.ECONFLICT, "%s is %s; only %s can be %s.", what, state, allowed, step)
}

// CanVerify reports whether a may be verified.
func (a *Application) CanVerify() error {
	if a.Status != Submitted {
		return stateError("Application "+a.Number, a.Status, "verified", "a SUBMITTED application")
	}
	return nil
}

// CanRefer reports whether a may be referred: once verified, and again while
// its referrals are under way (to add an agency or donor).
func (a *Application) CanRefer() error {
	if a.Status != Verified && a.Status != Referred {
		return stateError("Application "+a.Number, a.Status, "referred", "a VERIFIED or REFERRED application")
	}
	return nil
}

// CanDecide reports whether r may be accepted or rejected.
func (r *Referral) CanDecide() error {
	if r.Status != Pending {
		return stateError(fmt.Sprintf("Referral %d", r.ID), r.Status, "decided", "a PENDING referral")
	}
	return nil
}

// CanFulfil reports whether r's benefit may be recorded against it.
func (r *Referral) CanFulfil() error {
	if r.Status != Accepted {
		return stateError(fmt.Sprintf("Referral %d", r.ID), r.Status, "fulfilled", "an ACCEPTED referral")
	}
	return nil
}

// Check is what verification finds.
type Check struct {
	Documents Documents
	// ApplicantInHousehold: the applicant's NIK belongs to a member of the
	// household the KK names.
	ApplicantInHousehold bool
	// Registered: the household is in the welfare register (DTKS/DTSEN).
	Registered bool
}

// Verify decides verification: the identity card and family card are
// required; the poverty certificate (SKTM) is, unless the household is in
// the welfare register; and the applicant must be a member of the household.
// It returns VERIFIED, or REJECTED with every reason.
func Verify(c Check) (ApplicationStatus, string) {
	var missing, reasons []string
	if !c.Documents.KTP {
		missing = append(missing, "KTP (identity card)")
	}
	if !c.Documents.KK {
		missing = append(missing, "KK (family card)")
	}
	if !c.Documents.SKTM && !c.Registered {
		missing = append(missing, "SKTM (poverty certificate), needed as the household is not in the welfare register")
	}
	if len(missing) > 0 {
		reasons = append(reasons, "missing "+strings.Join(missing, ", "))
	}
	if !c.ApplicantInHousehold {
		reasons = append(reasons, "the applicant's NIK is not that of a member of the household on the KK")
	}
	if len(reasons) > 0 {
		return Rejected, strings.Join(reasons, "; ")
	}
	return Verified, ""
}

// Decision is an agency's or donor's answer to a referral.
type Decision string

// The decisions.
const (
	Accept Decision = "ACCEPT"
	Reject Decision = "REJECT"
)

// CheckReason checks the reason given with a decision: a rejection needs
// one the resident can be told.
func CheckReason(d Decision, reason string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(reason))
	switch {
	case d == Reject && n == 0:
		return jaring.Invalid("reason", "a rejection needs a reason the resident can be told")
	case n > 2000:
		return jaring.Invalid("reason", "has %d characters, at most 2000", n)
	}
	return nil
}

// Closes reports whether an application whose referrals stand as given is
// closed: every referral decided.
func Closes(referrals []ReferralStatus) bool {
	if len(referrals) == 0 {
		return false
	}
	for _, s := range referrals {
		if s == Pending {
			return false
		}
	}
	return true
}

// NewApplication is what the front office takes at the desk.
type NewApplication struct {
	ApplicantNIK string
	KK           string
	Type         ApplicationType
	Category     string
	KindCode     string // the kind of aid asked for; "" for a complaint
	Description  string
	Documents    Documents
}

// Validate checks what can be checked without the database; errors name the
// field relative to the input.
func (n NewApplication) Validate() error {
	switch {
	case n.Type != AidRequest && n.Type != Complaint:
		return jaring.Invalid("type", "want AID_REQUEST or COMPLAINT")
	case n.Type == AidRequest && n.KindCode == "":
		return jaring.Invalid("kind", "an aid request names the kind of aid asked for, such as MEDICAL_DEVICE")
	case n.Type == Complaint && n.KindCode != "":
		return jaring.Invalid("kind", "a complaint asks for no kind of aid; leave it out")
	case strings.TrimSpace(n.Description) == "":
		return jaring.Invalid("description", "say what the resident asks for or complains about")
	case utf8.RuneCountInString(n.Description) > 4000:
		return jaring.Invalid("description", "at most 4000 characters")
	case utf8.RuneCountInString(n.Category) > 100:
		return jaring.Invalid("category", "at most 100 characters")
	}
	return nil
}
