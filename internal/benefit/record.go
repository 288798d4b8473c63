package benefit

import (
	"context"
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

// The result statuses.
const (
	Recorded        ResultStatus = "RECORDED"         // written now
	AlreadyRecorded ResultStatus = "ALREADY_RECORDED" // the same benefit was written before; nothing changed
	Invalid         ResultStatus = "INVALID"          // refused; Err says why
	Forbidden       ResultStatus = "FORBIDDEN"        // refused: not the caller's to record
	DoubleAid       ResultStatus = "DOUBLE_AID"       // refused: it clashes with aid already held
)

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

// Actor is who records: the paying organisation and the person acting for it.
type Actor struct {
	Org         string // organisation code: the payer
	OrgID       int64
	Login       string
	MayOverride bool         // a supervisor, who may approve despite a clash
	Scope       jaring.Scope // the households the actor may record for
}

// Service records benefits.
type Service struct {
	Store Store
}

// Record checks a batch that actor's organisation reports and records the
// inputs that pass, answering one Result per input in input order. An input
// that fails its checks is INVALID with an error naming its field
// ("input[3].nik"); one that names another payer, or asks for an override
// the actor may not give, is FORBIDDEN; one that clashes with aid already
// held is DOUBLE_AID, naming the benefits it clashes with. The others are
// recorded in one transaction. Returns ELIMIT for a batch over MaxBatch.
func (s *Service) Record(ctx context.Context, actor Actor, inputs []Input) ([]Result, error) {
	if len(inputs) > MaxBatch {
		return nil, &jaring.Error{Code: jaring.ELIMIT, Field: "input",
			Message: fmt.Sprintf("input: at most %d benefits a call, got %d; split the batch", MaxBatch, len(inputs))}
	}
	results := make([]Result, len(inputs))
	var valid []Input
	var at []int // at[j] is the index in inputs of valid[j]
	for i, in := range inputs {
		results[i].ExternalRef = in.ExternalRef
		in, err := Prepare(actor, in)
		if err != nil {
			results[i].Status, results[i].Err = Invalid, jaring.WithField(fmt.Sprintf("input[%d]", i), err)
			if jaring.ErrorCode(err) == jaring.EFORBIDDEN {
				results[i].Status = Forbidden
			}
			continue
		}
		valid = append(valid, in)
		at = append(at, i)
	}
	if len(valid) == 0 {
		return results, nil
	}
	stored, err := s.Store.RecordBenefits(ctx, actor.Scope, valid)
	if err != nil {
		return nil, fmt.Errorf("record benefits: %w", err)
	}
	for j, r := range stored {
		i := at[j]
		if r.Err != nil {
			r.Err = jaring.WithField(fmt.Sprintf("input[%d]", i), r.Err)
		}
		results[i] = r
	}
	return results, nil
}

// Prepare readies one input that actor reports: the payer is the actor's
// organisation (naming another is EFORBIDDEN), an override is the actor's
// to give (a supervisor's, with a justification of MinOverrideReason
// characters), and the rest must pass Validate. Errors name the field
// relative to the input.
func Prepare(actor Actor, in Input) (Input, error) {
	return prepare(actor, in, true)
}

// PrepareForReferral is Prepare for the benefit that fulfils a referral:
// the recipient may be left out, as it is the household referred.
func PrepareForReferral(actor Actor, in Input) (Input, error) {
	return prepare(actor, in, in.KK != "" || in.NIK != "")
}

func prepare(actor Actor, in Input, checkRecipient bool) (Input, error) {
	if in.Payer != "" && in.Payer != actor.Org {
		return in, &jaring.Error{Code: jaring.EFORBIDDEN, Field: "payer",
			Message: fmt.Sprintf("payer: you record what %s pays, not what %s pays", actor.Org, in.Payer)}
	}
	in.Payer = actor.Org
	if in.OverrideReason != "" {
		if !actor.MayOverride {
			return in, &jaring.Error{Code: jaring.EFORBIDDEN, Field: "override", Message: "override: only a supervisor may approve aid despite a clash"}
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(in.OverrideReason)); n < MinOverrideReason {
			return in, jaring.Invalid("override", "a justification of at least %d characters is needed, got %d", MinOverrideReason, n)
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
