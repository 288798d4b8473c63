package benefit

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// MaxBatch is the most items one recordBenefits call may carry: large enough
// for a month of a regency's payments in a few calls, small enough to keep
// one transaction short.
const MaxBatch = 1000

// MaxAmount is the largest amount one benefit may carry, in rupiah: more than
// any program pays one recipient, and it catches a misplaced decimal point.
const MaxAmount = 1_000_000_000

// Input is one benefit as a payer reports it. Either KK (household-scope aid)
// or NIK (person-scope aid) names the recipient; Kind and Source default to
// the program's.
type Input struct {
	KK          string
	NIK         string
	Program     string
	Kind        string
	Source      Source
	Payer       string
	Amount      int64
	Period      jaring.Period
	Channel     Channel
	ExternalRef string
	// OverrideReason asks to record the benefit despite a clash, saying why
	// (at least MinOverrideReason characters); only a supervisor may.
	OverrideReason string
	// Override is set by the Service from OverrideReason and the actor.
	Override *Override
}

// ResultStatus is what became of one input.
type ResultStatus string

// The result statuses. A refused item's status is the code of its error
// (StatusOf), so the two always agree.
const (
	Recorded        ResultStatus = "RECORDED"         // written now
	AlreadyRecorded ResultStatus = "ALREADY_RECORDED" // the same benefit was written before; nothing changed
	Invalid         ResultStatus = "INVALID"          // refused: INVALID_INPUT
	NotFound        ResultStatus = "NOT_FOUND"        // refused: a household, person or program it names is not one the caller may see
	Forbidden       ResultStatus = "FORBIDDEN"        // refused: not the caller's to record
	RefConflict     ResultStatus = "CONFLICT"         // refused: its externalRef names another benefit
	DoubleAid       ResultStatus = "DOUBLE_AID"       // refused: it clashes with aid already held
)

// StatusOf is the status of an item refused with err.
func StatusOf(err error) ResultStatus {
	switch jaring.ErrorCode(err) {
	case jaring.ENOTFOUND:
		return NotFound
	case jaring.EFORBIDDEN:
		return Forbidden
	case jaring.ECONFLICT:
		return RefConflict
	case jaring.EDOUBLEAID:
		return DoubleAid
	}
	return Invalid
}

// Result answers one input of a batch.
type Result struct {
	ExternalRef string
	Status      ResultStatus
	Benefit     *Benefit // the benefit recorded now or before; nil when refused
	Err         error    // a *jaring.Error when refused
	// Clashes are the benefits it clashes with: why it was refused
	// (DOUBLE_AID), or what a supervisor overrode (RECORDED).
	Clashes []Clash
}

// Refused returns the Result of an input refused with err (a
// *jaring.Error), and the clashes behind a DOUBLE_AID.
func Refused(in Input, err error, clashes []Clash) Result {
	return Result{ExternalRef: in.ExternalRef, Status: StatusOf(err), Err: err, Clashes: clashes}
}

// Prepare readies one input that actor reports: the payer is the actor's
// organisation (naming another is EFORBIDDEN), an override is the actor's
// to give (a supervisor's, with a justification of MinOverrideReason to
// MaxOverrideReason characters), and the rest must pass Validate. Errors
// name the field relative to the input.
func Prepare(actor jaring.Actor, in Input) (Input, error) {
	return prepare(actor, in, true)
}

// PrepareForReferral is Prepare for the benefit that fulfils a referral:
// the recipient may be left out, as it is the household referred.
func PrepareForReferral(actor jaring.Actor, in Input) (Input, error) {
	return prepare(actor, in, in.KK != "" || in.NIK != "")
}

// MaxOverrideReason bounds an override's justification: a paragraph.
const MaxOverrideReason = 2000

func prepare(actor jaring.Actor, in Input, checkRecipient bool) (Input, error) {
	if in.Payer != "" && in.Payer != actor.Org {
		return in, &jaring.Error{Code: jaring.EFORBIDDEN, Field: "payer",
			Message: fmt.Sprintf("payer: you record what %s pays, not what %s pays", actor.Org, in.Payer)}
	}
	in.Payer = actor.Org
	if in.OverrideReason != "" {
		if !actor.MayOverride {
			return in, &jaring.Error{Code: jaring.EFORBIDDEN, Field: "override", Message: "override: only a supervisor may approve aid despite a clash"}
		}
		switch n := utf8.RuneCountInString(strings.TrimSpace(in.OverrideReason)); {
		case n < MinOverrideReason:
			return in, jaring.Invalid("override", "a justification of at least %d characters is needed, got %d", MinOverrideReason, n)
		case n > MaxOverrideReason:
			return in, jaring.Invalid("override", "has %d characters, at most %d", n, MaxOverrideReason)
		}
		in.Override = &Override{Reason: strings.TrimSpace(in.OverrideReason), By: actor.Login, OrgID: actor.OrgID}
	}
	if checkRecipient {
		if err := validateRecipient(in); err != nil {
			return in, err
		}
	}
	return in, validateRest(in)
}

// MayRecord says whether actor may record a benefit of program p paid from
// source: a program that an organisation runs (a donor's own) is recorded
// only by it, and a donor records only its own programs, from its own funds
// (CSR). Errors name the field relative to the input.
func MayRecord(actor jaring.Actor, p *Program, source Source) error {
	switch {
	case p.OwnerID != nil && *p.OwnerID != actor.OrgID:
		return &jaring.Error{Code: jaring.EFORBIDDEN, Field: "program",
			Message: fmt.Sprintf("program: %s is another organisation's program; only it records what it gives", p.Code)}
	case actor.OrgKind == jaring.OrgDonor && p.OwnerID == nil:
		return &jaring.Error{Code: jaring.EFORBIDDEN, Field: "program",
			Message: fmt.Sprintf("program: a donor records only its own programs, not %s", p.Code)}
	case actor.OrgKind == jaring.OrgDonor && source != CSR:
		return &jaring.Error{Code: jaring.EFORBIDDEN, Field: "source",
			Message: fmt.Sprintf("source: a donor gives from its own funds (CSR), not %s", source)}
	}
	return nil
}

// Validate checks what can be checked of an input without the database: the
// numbers' shapes, the codes' shapes, the amount and the period. The error is
// an EINVALID *jaring.Error naming the field relative to the input.
func Validate(in Input) error {
	if err := validateRecipient(in); err != nil {
		return err
	}
	return validateRest(in)
}

func validateRecipient(in Input) error {
	switch {
	case in.KK == "" && in.NIK == "":
		return jaring.Invalid("kk", "give the household's kk, or the nik for aid to one person")
	case in.NIK != "":
		if _, err := registry.ParseNIK(in.NIK); err != nil {
			return jaring.WithField("nik", err)
		}
		if in.KK != "" {
			if _, err := registry.ParseKK(in.KK); err != nil {
				return jaring.WithField("kk", err)
			}
		}
	default:
		if _, err := registry.ParseKK(in.KK); err != nil {
			return jaring.WithField("kk", err)
		}
	}
	return nil
}

func validateRest(in Input) error {
	if strings.TrimSpace(in.Program) == "" {
		return jaring.Invalid("program", "is required, a program code such as PKH")
	}
	if in.Source != "" && !in.Source.Valid() {
		return jaring.Invalid("source", "%q is not a source of funds", in.Source)
	}
	if strings.TrimSpace(in.Payer) == "" {
		return jaring.Invalid("payer", "is required, the paying organisation's code")
	}
	if in.Amount < 0 || in.Amount > MaxAmount {
		return jaring.Invalid("amount", "must be from 0 to %d rupiah, got %d", MaxAmount, in.Amount)
	}
	if in.Period.Start.IsZero() {
		return jaring.Invalid("period.start", "is required")
	}
	if in.Period.End != nil && in.Period.End.Before(in.Period.Start) {
		return jaring.Invalid("period.end", "%s is before period.start %s",
			in.Period.End.Format(jaring.DateLayout), in.Period.Start.Format(jaring.DateLayout))
	}
	if in.Channel != "" && !in.Channel.Valid() {
		return jaring.Invalid("channel", "%q is not a channel", in.Channel)
	}
	ref := strings.TrimSpace(in.ExternalRef)
	switch {
	case ref == "":
		return jaring.Invalid("externalRef", "is required: the payer's own reference, which makes a repeated batch harmless")
	case ref != in.ExternalRef:
		return jaring.Invalid("externalRef", "must not start or end with spaces")
	case utf8.RuneCountInString(ref) > 100:
		return jaring.Invalid("externalRef", "has %d characters, at most 100", utf8.RuneCountInString(ref))
	}
	return nil
}

// Same reports whether b records the same benefit as other: a repeated push
// of one payment, which is harmless, as against a second benefit sent under a
// reused reference, which is a mistake.
func (b *Benefit) Same(other *Benefit) bool {
	endsEqual := (b.Period.End == nil) == (other.Period.End == nil) &&
		(b.Period.End == nil || b.Period.End.Equal(*other.Period.End))
	personsEqual := (b.PersonID == nil) == (other.PersonID == nil) &&
		(b.PersonID == nil || *b.PersonID == *other.PersonID)
	return b.ProgramID == other.ProgramID && b.KindCode == other.KindCode && b.Source == other.Source &&
		b.PayerID == other.PayerID && b.HouseholdID == other.HouseholdID && personsEqual &&
		b.Amount == other.Amount && b.Period.Start.Equal(other.Period.Start) && endsEqual &&
		b.Channel == other.Channel && b.ExternalRef == other.ExternalRef
}
