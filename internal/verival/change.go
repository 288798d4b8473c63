package verival

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// The register's upkeep, as SIKS-NG runs it (Permensos 3/2021): a village
// operator proposes, the village deliberation (musdes, muskel) decides, a
// verifier of Dinsos records the decisions, and the approved changes go to
// the national register (DTSEN):
//
//	PROPOSED ──deliberation APPROVE──▶ APPROVED (the register changes)
//	    └─────deliberation REJECT───▶ REJECTED (nothing changes)
//
// A proposal is never deleted: it keeps who proposed it, on what evidence,
// which deliberation decided it and its note.

// ChangeKind is what a proposal asks of the register.
type ChangeKind string

// The kinds of change.
const (
	Add    ChangeKind = "ADD"    // propose a poor family for the register
	Remove ChangeKind = "REMOVE" // take a household, or one member, out
	Update ChangeKind = "UPDATE" // correct the data of a household or member
)

// ChangeReason is the ground of a proposal.
type ChangeReason string

// The grounds (DOMAIN.md: removal and data-quality grounds; seeds 002, 004).
const (
	Deceased            ChangeReason = "DECEASED"              // the person died (a death certificate, the village's letter)
	Moved               ChangeReason = "MOVED"                 // moved out of the village, or to another KK
	Duplicate           ChangeReason = "DUPLICATE"             // registered twice: one person with two NIKs, one family with two KKs
	NotEligible         ChangeReason = "NOT_ELIGIBLE"          // off-target: not poor by the register's criteria
	NotFoundAtAddress   ChangeReason = "NOT_FOUND"             // not found at the address the register gives
	BecameStateEmployee ChangeReason = "BECAME_STATE_EMPLOYEE" // became ASN, PPPK, TNI or Polri
	BetterOff           ChangeReason = "BETTER_OFF"            // the family's business or income grew
	NewPoorFamily       ChangeReason = "NEW_POOR_FAMILY"       // a poor family not yet in the register
	DataCorrection      ChangeReason = "DATA_CORRECTION"       // the register's data of the household or member is wrong
)

// Subject is whom a reason may be given for.
type Subject string

// The subjects.
const (
	HouseholdOnly Subject = "household" // nik must be left out
	PersonOnly    Subject = "person"    // nik is required
	Either        Subject = "either"    // the whole household, or one member
)

// Rule says with which change a reason goes, and for whom.
type Rule struct {
	Reason  ChangeReason
	Change  ChangeKind
	Subject Subject
}

// Rules is the reason matrix: every reason goes with one change. A death is
// a person's; a family grown better off, or new to the register, is a
// household. Migration 012's register_change_reason_fits says the same
// (kept equal by a test), and docs/verival.md explains it.
var Rules = []Rule{
	{NewPoorFamily, Add, HouseholdOnly},
	{Deceased, Remove, PersonOnly},
	{Moved, Remove, Either},
	{Duplicate, Remove, Either},
	{NotEligible, Remove, Either},
	{NotFoundAtAddress, Remove, Either},
	{BecameStateEmployee, Remove, Either},
	{BetterOff, Remove, HouseholdOnly},
	{DataCorrection, Update, Either},
}

// RuleOf returns the rule of reason r, and whether r is a reason at all.
func RuleOf(r ChangeReason) (Rule, bool) {
	for _, rule := range Rules {
		if rule.Reason == r {
			return rule, true
		}
	}
	return Rule{}, false
}

// reasonsOf lists the reasons that go with change c, for messages.
func reasonsOf(c ChangeKind) string {
	var rs []string
	for _, rule := range Rules {
		if rule.Change == c {
			rs = append(rs, string(rule.Reason))
		}
	}
	return strings.Join(rs, ", ")
}

// ChangeStatus is where a proposal stands.
type ChangeStatus string

// The proposals' statuses.
const (
	Proposed ChangeStatus = "PROPOSED" // waiting for the village deliberation
	Approved ChangeStatus = "APPROVED" // approved: the register changed
	Rejected ChangeStatus = "REJECTED" // rejected: nothing changed
)

// Change is one proposal and, once decided, its decision.
type Change struct {
	ID             int64
	HouseholdID    int64
	RegionCode     string // the household's village
	PersonID       *int64 // the member concerned; nil for the whole household
	Kind           ChangeKind
	Reason         ChangeReason
	Evidence       string
	Corrections    *Corrections // an UPDATE's corrected values; nil for none
	Status         ChangeStatus
	ProposedBy     string // the operator's login
	ProposedOrgID  int64
	ProposedAt     time.Time
	DeliberationID *int64 // the deliberation that decided it
	Note           string // the deliberation's note on its decision
	DecidedAt      *time.Time
}

// Corrections are the values an UPDATE sets, each nil when left as it is:
// the household's address, RT, RW and dusun for a change of the whole
// household, the member's name, birth date, birthplace, sex and mother's
// name for a change of one member. A NIK and a KK are not corrected here:
// they are the register's keys, changed by Dukcapil and the register export.
type Corrections struct {
	Address    *string       `json:"address,omitempty"`
	RT         *string       `json:"rt,omitempty"`
	RW         *string       `json:"rw,omitempty"`
	Dusun      *string       `json:"dusun,omitempty"`
	Name       *string       `json:"name,omitempty"`
	BirthDate  *time.Time    `json:"birthDate,omitempty"`
	BirthPlace *string       `json:"birthPlace,omitempty"`
	Sex        *registry.Sex `json:"sex,omitempty"`
	MotherName *string       `json:"motherName,omitempty"`
}

// household reports whether c corrects a household's fields.
func (c *Corrections) household() bool {
	return c.Address != nil || c.RT != nil || c.RW != nil || c.Dusun != nil
}

// person reports whether c corrects a member's fields.
func (c *Corrections) person() bool {
	return c.Name != nil || c.BirthDate != nil || c.BirthPlace != nil || c.Sex != nil || c.MotherName != nil
}

// Lengths of a proposal's text, in characters.
const (
	MinEvidence = 5    // "BA-01"
	MaxEvidence = 500  // the letter's number and subject, the minutes' reference
	MaxNote     = 2000 // a deliberation's or a reviewer's note
	MinMinutes  = 3
	MaxMinutes  = 200
	MaxAddress  = 200
	MaxName     = 100
)

// Proposal is what a village operator proposes.
type Proposal struct {
	KK          string
	NIK         string // the member concerned; "" for the whole household
	Kind        ChangeKind
	Reason      ChangeReason
	Evidence    string
	Corrections *Corrections
	At          time.Time // when it is proposed; set by the Service
}

// unitPattern is an RT or RW: three digits.
var unitPattern = regexp.MustCompile(`^\d{3}$`)

// Validate checks what can be checked without the register: the reason
// goes with the change and its subject, the evidence is there, and an
// UPDATE's corrections fit its subject and the NIK. Errors name the
// argument at fault ("reason", "corrections.birthDate"). today bounds a
// corrected birth date.
func (p Proposal) Validate(today time.Time) error {
	switch p.Kind {
	case Add, Remove, Update:
	default:
		return jaring.Invalid("change", "want ADD, REMOVE or UPDATE")
	}
	rule, ok := RuleOf(p.Reason)
	switch {
	case !ok:
		return jaring.Invalid("reason", "%q is not a reason for a register change", p.Reason)
	case rule.Change != p.Kind:
		return jaring.Invalid("reason", "%s is a reason to %s, not to %s; a %s takes %s", p.Reason, strings.ToLower(string(rule.Change)),
			strings.ToLower(string(p.Kind)), p.Kind, reasonsOf(p.Kind))
	case rule.Subject == PersonOnly && p.NIK == "":
		return jaring.Invalid("nik", "%s is a person's: give the NIK of the member concerned", p.Reason)
	case rule.Subject == HouseholdOnly && p.NIK != "":
		return jaring.Invalid("nik", "%s is of the whole household: leave the NIK out", p.Reason)
	}
	evidence := strings.TrimSpace(p.Evidence)
	if n := utf8.RuneCountInString(evidence); n < MinEvidence || n > MaxEvidence {
		return jaring.Invalid("evidence", "has %d characters; give %d to %d: the letter's number, the minutes' reference or the certificate",
			n, MinEvidence, MaxEvidence)
	}
	if p.Corrections == nil {
		return nil
	}
	if p.Kind != Update {
		return jaring.Invalid("corrections", "only an UPDATE carries corrections; leave them out")
	}
	return jaring.WithField("corrections", p.Corrections.validate(p.NIK, today))
}

// validate checks corrections for the member with NIK nik ("" for the
// household); errors name the field relative to the corrections.
func (c *Corrections) validate(nik string, today time.Time) error {
	switch {
	case !c.household() && !c.person():
		return jaring.Invalid("", "name at least one value to correct, or leave corrections out")
	case nik == "" && c.person():
		return jaring.Invalid(c.firstPersonField(), "corrects a member: give the member's NIK, or correct the household's address, rt, rw or dusun")
	case nik != "" && c.household():
		return jaring.Invalid(c.firstHouseholdField(), "corrects the household: leave the NIK out to correct the household's data")
	}
	text := func(field string, v *string, max int) error {
		if v == nil {
			return nil
		}
		n := utf8.RuneCountInString(strings.TrimSpace(*v))
		if n == 0 || n > max {
			return jaring.Invalid(field, "has %d characters; give 1 to %d", n, max)
		}
		return nil
	}
	unit := func(field string, v *string) error {
		if v != nil && !unitPattern.MatchString(*v) {
			return jaring.Invalid(field, "%q is not 3 digits, such as 001", *v)
		}
		return nil
	}
	for _, err := range []error{text("address", c.Address, MaxAddress), unit("rt", c.RT), unit("rw", c.RW),
		text("dusun", c.Dusun, MaxName), text("name", c.Name, MaxName), text("birthPlace", c.BirthPlace, MaxName),
		text("motherName", c.MotherName, MaxName)} {
		if err != nil {
			return err
		}
	}
	if nik == "" {
		return nil
	}
	// The NIK carries the birth date and the sex: a correction brings the
	// register in line with it, never away from it.
	n, err := registry.ParseNIK(nik)
	if err != nil {
		return nil // the Service refuses it at "nik"
	}
	if d := c.BirthDate; d != nil {
		switch {
		case d.After(today) || d.Year() < 1900:
			return jaring.Invalid("birthDate", "%s is no birth date: not after today, not before 1900", d.Format(jaring.DateLayout))
		case d.Day() != n.BirthDate.Day() || d.Month() != n.BirthDate.Month() || d.Year()%100 != n.BirthDate.Year()%100:
			return jaring.Invalid("birthDate", "%s is not the birth date the NIK carries (%s); correct the NIK with Dukcapil first",
				d.Format(jaring.DateLayout), n.BirthDate.Format("02-01-06"))
		}
	}
	if c.Sex != nil && *c.Sex != n.Sex {
		return jaring.Invalid("sex", "%s is not the sex the NIK carries (%s); correct the NIK with Dukcapil first", *c.Sex, n.Sex)
	}
	return nil
}

func (c *Corrections) firstPersonField() string {
	switch {
	case c.Name != nil:
		return "name"
	case c.BirthDate != nil:
		return "birthDate"
	case c.BirthPlace != nil:
		return "birthPlace"
	case c.Sex != nil:
		return "sex"
	}
	return "motherName"
}

func (c *Corrections) firstHouseholdField() string {
	switch {
	case c.Address != nil:
		return "address"
	case c.RT != nil:
		return "rt"
	case c.RW != nil:
		return "rw"
	}
	return "dusun"
}

// CanPropose reports whether the register, as it stands, lets change k be
// proposed for a household in status household, or for a member in status
// person (nil for a change of the whole household): only a family outside
// the register is proposed in, only one in it (or proposed for it) is taken
// out, and only an active member is. A refusal is ECONFLICT at "change",
// naming the status; subject is how the message names whom it is about.
func CanPropose(k ChangeKind, household registry.RegisterStatus, person *registry.PersonStatus, subject string) error {
	conflict := func(format string, args ...any) error {
		return &jaring.Error{Code: jaring.ECONFLICT, Field: "change", Message: "change: " + fmt.Sprintf(format, args...)}
	}
	switch {
	case k == Add && household != registry.Unregistered && household != registry.Removed:
		return conflict("%s is %s in the register; only a family outside it (UNREGISTERED or REMOVED) is proposed for it", subject, household)
	case k == Remove && person == nil && household != registry.Registered && household != registry.Proposed:
		return conflict("%s is %s in the register; only a family in it (REGISTERED or PROPOSED) is taken out", subject, household)
	case k == Remove && person != nil && *person != registry.PersonActive:
		return conflict("%s is %s in the register already", subject, *person)
	}
	return nil
}

// OpenConflict is the CONFLICT of a second open proposal of one change for
// one household or member: it names the first, which the deliberation
// decides first.
func OpenConflict(first *Change, subject string) error {
	return &jaring.Error{Code: jaring.ECONFLICT, Field: "change", Message: fmt.Sprintf(
		"change: %s already has an open %s proposal (register change %d of %s); the village deliberation decides it first",
		subject, first.Kind, first.ID, first.ProposedAt.Format(jaring.DateLayout))}
}

// ChangeFilter narrows a list of proposals. Zero fields do not filter.
type ChangeFilter struct {
	Region string        // a region-code prefix: a village, or a district's villages
	Status *ChangeStatus // PROPOSED, APPROVED or REJECTED
}

// Store keeps proposals, deliberations and benefit reviews. Reads take the
// caller's scope and apply it in SQL: a proposal or review is seen when its
// household is in scope (a review, besides, when the caller's organisation
// pays its benefit, unless the scope sees all reviews), a deliberation when
// one of the proposals it decided is. Writes take the actor, whose scope
// bounds them the same way: a row outside it is as a row that does not
// exist (ENOTFOUND). Every write records its audit event in its own
// transaction, naming every household touched and all their members.
type Store interface {
	// ProposeChange records a proposal. Returns ENOTFOUND at "kk" if the
	// actor's scope sees no household with the KK (whether or not one
	// exists), ENOTFOUND at "nik" if the NIK is of no member of it, and
	// ECONFLICT at "change" if the register's status does not allow the
	// change (CanPropose) or an open proposal of the same change for the
	// same household or member exists (naming it).
	ProposeChange(ctx context.Context, actor jaring.Actor, p Proposal) (*Change, error)
	// RecordDeliberation records a deliberation and applies its decisions
	// in one transaction, locking the proposals and then their households
	// in ID order: every decision applies, or none does. A decision refused
	// is an error at "decisions[i].change": ENOTFOUND for a proposal the
	// actor may not see, ECONFLICT for one already decided or whose change
	// the register no longer allows, EINVALID for one of another village or
	// made after the deliberation. Returns ECONFLICT at "minutesRef" for
	// minutes recorded before.
	RecordDeliberation(ctx context.Context, actor jaring.Actor, d NewDeliberation) (*Deliberation, error)
	// ReviewBenefit closes review id of a benefit the actor's organisation
	// pays: END ends the benefit, CONTINUE leaves it. Returns ENOTFOUND for
	// a review the actor may not see, EFORBIDDEN for one of a benefit
	// another organisation pays, ECONFLICT for one already closed.
	ReviewBenefit(ctx context.Context, actor jaring.Actor, id int64, r ReviewInput) (*Review, error)
	// ExportChanges returns the approved changes decided by deliberations
	// held from one day to another, both included, in scope, in the order
	// of the deliberations' days, then of the changes, and records the
	// export in the same transaction.
	ExportChanges(ctx context.Context, actor jaring.Actor, from, to time.Time) ([]ExportRow, error)

	// FindChanges returns a page of the proposals in scope that match
	// filter, in the order of their IDs, and whether more follow.
	FindChanges(ctx context.Context, scope jaring.Scope, filter ChangeFilter, page jaring.PageRequest) ([]*Change, bool, error)
	// CountChanges counts the proposals in scope that match filter.
	CountChanges(ctx context.Context, scope jaring.Scope, filter ChangeFilter) (int, error)
	// FindChangesByIDs returns the proposals in scope with the given IDs.
	FindChangesByIDs(ctx context.Context, scope jaring.Scope, ids []int64) ([]*Change, error)
	// FindChangesByDeliberations returns the proposals in scope decided by
	// the given deliberations, ordered by deliberation, then ID.
	FindChangesByDeliberations(ctx context.Context, scope jaring.Scope, ids []int64) ([]*Change, error)
	// FindDeliberationsByIDs returns the deliberations with the given IDs
	// that decided a proposal in scope.
	FindDeliberationsByIDs(ctx context.Context, scope jaring.Scope, ids []int64) ([]*Deliberation, error)
	// FindReviews returns a page of the reviews in scope in the given
	// status, in the order of their IDs, and whether more follow.
	FindReviews(ctx context.Context, scope jaring.Scope, status ReviewStatus, page jaring.PageRequest) ([]*Review, bool, error)
}
