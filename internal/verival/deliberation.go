package verival

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/region"
	"github.com/jaring-id/jaring/internal/registry"
)

// Decision is what a deliberation decided of one proposal.
type Decision string

// The decisions.
const (
	Approve Decision = "APPROVE"
	Reject  Decision = "REJECT"
)

// DecisionInput is one decision as the verifier records it.
type DecisionInput struct {
	ChangeID int64
	Decision Decision
	Note     string // why; required for a rejection, which the village is told
}

// MaxDecisions is the most decisions one deliberation records at once: a
// village's deliberation, not a regency's backlog.
const MaxDecisions = 500

// NewDeliberation is a village deliberation as its minutes record it.
type NewDeliberation struct {
	Village    string    // the village's code, 19.04.01.2003
	Date       time.Time // the day it was held
	MinutesRef string    // the minutes' number (berita acara)
	Decisions  []DecisionInput
	At         time.Time // when it is recorded; set by the Service
}

// Deliberation is a recorded village deliberation.
type Deliberation struct {
	ID            int64
	RegionCode    string // the village
	Date          time.Time
	MinutesRef    string
	RecordedBy    string // the verifier's login
	RecordedOrgID int64
	RecordedAt    time.Time
}

// Validate checks what can be checked without the register: a known
// village, a day not after today, the minutes' reference, and decisions
// that name each proposal once and explain every rejection. Errors name the
// argument at fault ("date", "decisions[2].note").
func (d NewDeliberation) Validate(today time.Time) error {
	switch r, ok := region.Lookup(d.Village); {
	case !region.ValidCode(d.Village):
		return jaring.Invalid("village", "%q is not a region code; write a village's code, as 19.04.01.2003", d.Village)
	case !ok:
		return jaring.Invalid("village", "no region has the code %s", d.Village)
	case r.Level != region.Village:
		return jaring.Invalid("village", "%s is a %s; a deliberation is a village's (desa or kelurahan)", d.Village, strings.ToLower(string(r.Level)))
	}
	if d.Date.After(today) {
		return jaring.Invalid("date", "%s is after today; record a deliberation once it has been held", d.Date.Format(jaring.DateLayout))
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(d.MinutesRef)); n < MinMinutes || n > MaxMinutes {
		return jaring.Invalid("minutesRef", "has %d characters; give the minutes' number, %d to %d characters", n, MinMinutes, MaxMinutes)
	}
	switch n := len(d.Decisions); {
	case n == 0:
		return jaring.Invalid("decisions", "name at least one proposal the deliberation decided")
	case n > MaxDecisions:
		return &jaring.Error{Code: jaring.ELIMIT, Field: "decisions", Limit: "batch",
			Message: fmt.Sprintf("decisions: at most %d a deliberation, got %d", MaxDecisions, n)}
	}
	seen := map[int64]int{}
	for i, dec := range d.Decisions {
		field := fmt.Sprintf("decisions[%d]", i)
		if j, twice := seen[dec.ChangeID]; twice {
			return jaring.Invalid(field+".change", "register change %d is decided twice, also at decisions[%d]", dec.ChangeID, j)
		}
		seen[dec.ChangeID] = i
		n := utf8.RuneCountInString(strings.TrimSpace(dec.Note))
		switch {
		case dec.Decision != Approve && dec.Decision != Reject:
			return jaring.Invalid(field+".decision", "want APPROVE or REJECT")
		case dec.Decision == Reject && n == 0:
			return jaring.Invalid(field+".note", "a rejection needs a note the village can be told")
		case n > MaxNote:
			return jaring.Invalid(field+".note", "has %d characters, at most %d", n, MaxNote)
		}
	}
	return nil
}

// CanDecide reports whether the deliberation of village held on day held
// may decide c: c must still be PROPOSED, be of a household of that village,
// and have been proposed on or before that day. Errors are at "change",
// relative to the decision.
func CanDecide(c *Change, village string, held time.Time) error {
	switch {
	case c.Status != Proposed:
		return &jaring.Error{Code: jaring.ECONFLICT, Field: "change", Message: fmt.Sprintf(
			"change: register change %d is %s; only a PROPOSED change is decided", c.ID, c.Status)}
	case c.RegionCode != village:
		return jaring.Invalid("change", "register change %d is of a household of %s, not of %s, the village that deliberated", c.ID, c.RegionCode, village)
	case Day(c.ProposedAt).After(held):
		return jaring.Invalid("change", "register change %d was proposed on %s, after the deliberation of %s: a deliberation decides what was proposed before it",
			c.ID, Day(c.ProposedAt).Format(jaring.DateLayout), held.Format(jaring.DateLayout))
	}
	return nil
}

// Day is the calendar day of t, where t is: the day a proposal was made on.
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return jaring.Date(y, m, d)
}

// PersonStatusAfter is the register status an approved removal of a member
// gives them: DECEASED and MOVED say so, every other ground is REMOVED.
func PersonStatusAfter(r ChangeReason) registry.PersonStatus {
	switch r {
	case Deceased:
		return registry.PersonDeceased
	case Moved:
		return registry.PersonMoved
	}
	return registry.PersonRemoved
}

// HouseholdStatusAfter is the register status an approved change of a whole
// household gives it, and whether it changes: an ADD proposes the family to
// the national register (PROPOSED), a REMOVE takes it out (REMOVED), an
// UPDATE leaves the status as it is.
func HouseholdStatusAfter(k ChangeKind) (registry.RegisterStatus, bool) {
	switch k {
	case Add:
		return registry.Proposed, true
	case Remove:
		return registry.Removed, true
	}
	return "", false
}

// ReviewStatus is where a benefit review stands.
type ReviewStatus string

// The review statuses.
const (
	ReviewOpen   ReviewStatus = "OPEN"   // waiting for the payer
	ReviewClosed ReviewStatus = "CLOSED" // the payer continued or ended the benefit
)

// ReviewOutcome is what the payer decided of a benefit under review.
type ReviewOutcome string

// The outcomes.
const (
	Continue ReviewOutcome = "CONTINUE" // the benefit goes on (the family still qualifies)
	End      ReviewOutcome = "END"      // the benefit is ENDED
)

// Review is a benefit put on the review list by a death: its payer
// continues or ends it, with a note. A benefit is never ended by the
// deliberation itself.
type Review struct {
	ID            int64
	BenefitID     int64
	HouseholdID   int64
	PersonID      int64 // the member whose death put it here
	ChangeID      int64 // the register change that recorded the death
	Reason        ChangeReason
	Status        ReviewStatus
	Outcome       *ReviewOutcome
	Note          string
	ReviewedBy    string
	ReviewedOrgID *int64
	ReviewedAt    *time.Time
	CreatedAt     time.Time
}

// MinReviewNote is the shortest note a review takes: a decision on a
// deceased person's aid is explained.
const MinReviewNote = 10

// ReviewInput is a payer's decision on a review.
type ReviewInput struct {
	Outcome ReviewOutcome
	Note    string
	At      time.Time // when it is decided; set by the Service
}

// Validate checks the decision; errors name the argument.
func (r ReviewInput) Validate() error {
	if r.Outcome != Continue && r.Outcome != End {
		return jaring.Invalid("outcome", "want CONTINUE or END")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(r.Note)); n < MinReviewNote || n > MaxNote {
		return jaring.Invalid("note", "has %d characters; say why in %d to %d", n, MinReviewNote, MaxNote)
	}
	return nil
}

// CanReview reports whether r may be closed by organisation orgID, which
// benefit's payer payerID must be.
func (r *Review) CanReview(orgID, payerID int64) error {
	switch {
	case payerID != orgID:
		return jaring.Errorf(jaring.EFORBIDDEN, "Benefit review %d is of a benefit another organisation pays; only its payer reviews it.", r.ID)
	case r.Status != ReviewOpen:
		return jaring.Errorf(jaring.ECONFLICT, "Benefit review %d is %s (%s); it was reviewed already.", r.ID, r.Status, *r.Outcome)
	}
	return nil
}
