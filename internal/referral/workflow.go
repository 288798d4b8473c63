package referral

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/donor"
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
	case n > MaxReason:
		return jaring.Invalid("reason", "has %d characters, at most %d", n, MaxReason)
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

// Lengths of the free text of the workflow, in characters.
const (
	MaxDescription = 4000 // what the resident asks for or complains about
	MaxCategory    = 100  // how the front office files it
	MaxReason      = 2000 // why a referral was accepted or rejected
)

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
	case utf8.RuneCountInString(n.Description) > MaxDescription:
		return jaring.Invalid("description", "has %d characters, at most %d", utf8.RuneCountInString(n.Description), MaxDescription)
	case utf8.RuneCountInString(n.Category) > MaxCategory:
		return jaring.Invalid("category", "has %d characters, at most %d", utf8.RuneCountInString(n.Category), MaxCategory)
	}
	return nil
}

// CanTake reports whether an organisation of the given kind and region may
// be referred an application of a household living in householdRegion:
// agencies and donors take referrals; a village government takes them only
// for households of its own region, as it decides for its own residents.
// field names the target in messages ("to[0].organisation").
func CanTake(field, org string, kind jaring.OrgKind, orgRegion, householdRegion string) error {
	switch kind {
	case jaring.OrgAgency, jaring.OrgDonor:
		return nil
	case jaring.OrgVillage:
		if orgRegion == "" || householdRegion == orgRegion || strings.HasPrefix(householdRegion, orgRegion+".") {
			return nil
		}
		return jaring.Invalid(field, "%s serves %s, and the household lives outside it; refer it to its own village", org, orgRegion)
	}
	return jaring.Invalid(field, "%s is no agency, donor or village: it cannot take referrals", org)
}

// FulfilledBy reports whether a benefit of program p may fulfil r, a
// referral of app: it must be of the program the referral names, or, when
// it names none, of the kind of aid the application asked for. A complaint
// asks for no aid, so no benefit fulfils it. Errors name the field relative
// to the benefit.
func (r *Referral) FulfilledBy(app *Application, p *benefit.Program) error {
	switch {
	case r.ProgramID != nil && *r.ProgramID != p.ID:
		return jaring.Invalid("program", "referral %d asks for another program than %s; record the benefit under the program it names", r.ID, p.Code)
	case app.KindCode == "":
		return jaring.Invalid("program", "application %s is a complaint: it is answered, not paid; accept it without a benefit", app.Number)
	case p.KindCode != app.KindCode:
		return jaring.Invalid("program", "application %s asks for %s, and %s is aid of kind %s", app.Number, app.KindCode, p.Code, p.KindCode)
	}
	return nil
}

// Names reports whether a referral of app to organisation orgID may name
// program p: a program the organisation runs, or one run by no organisation
// in particular (the national and regional programs agencies pay), of the
// kind of aid the application asks for. Errors name the field relative to
// the target.
func Names(app *Application, orgID int64, p *benefit.Program) error {
	switch {
	case p.OwnerID != nil && *p.OwnerID != orgID:
		return jaring.Invalid("program", "%s is another organisation's program", p.Code)
	case app.KindCode == "":
		return jaring.Invalid("program", "application %s is a complaint, which asks for no program", app.Number)
	case p.KindCode != app.KindCode:
		return jaring.Invalid("program", "application %s asks for %s, and %s is aid of kind %s", app.Number, app.KindCode, p.Code, p.KindCode)
	}
	return nil
}

// ToDonor reports whether an application may be referred to donor program
// p, whose criteria the household meets as answer says: only to an open
// program, and only for a household it takes, so that a donor is sent only
// those it can help. Errors name the field relative to the target.
func ToDonor(p *donor.Program, answer donor.Answer) error {
	switch {
	case p.Status != donor.Open:
		return &jaring.Error{Code: jaring.ECONFLICT, Field: "program", Message: fmt.Sprintf("program: %s is closed and takes no referrals", p.Code)}
	case !answer.Eligible:
		return jaring.Invalid("program", "the household does not meet the criteria of %s (unmet: %s); refer it elsewhere", p.Code, joinCriteria(answer.Unmet))
	}
	return nil
}

func joinCriteria(cs []donor.Criterion) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}
