package donor

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// Unit is what a program's quota counts.
type Unit string

// The units of a quota.
const (
	Households Unit = "HOUSEHOLD" // one place per household given aid
	Persons    Unit = "PERSON"    // one place per person given aid
)

// Status is whether a program takes more recipients.
type Status string

// The statuses of a program.
const (
	Open   Status = "OPEN"
	Closed Status = "CLOSED"
)

// Program is a donor's program: a benefit.Program whose owner is the donor,
// with whom it is for (Criteria) and how much it can give.
type Program struct {
	ID          int64 // the program's, as benefit.Program's
	Code        string
	Name        string
	KindCode    string
	DonorID     int64
	Description string
	Criteria    Criteria
	// Period is the days its aid covers, over which NOT_RECEIVING is
	// checked.
	Period    jaring.Period
	Budget    int64 // rupiah; 0 for none
	Quota     int   // places; 0 for none
	QuotaUnit Unit
	Amount    int64 // rupiah per recipient; 0 when it varies
	Status    Status
	// CriteriaVersion changes whenever the criteria do: counts are cached
	// by it.
	CriteriaVersion int
	UpdatedAt       time.Time
}

// Usage is what a program has given so far: its places taken and the
// rupiah it has paid, counting every benefit of it not cancelled.
type Usage struct {
	Recipients int
	Spent      int64
}

// Admits reports whether p may give a benefit of amount, to a recipient
// new to it (newRecipient) or not, with u used so far: it must be open,
// the amount within what it gives one recipient, and its quota and budget
// not exhausted. Refusals are CONFLICT naming what is exhausted, or
// EINVALID naming the amount; fields are relative to the benefit.
func (p *Program) Admits(u Usage, amount int64, newRecipient bool) error {
	switch {
	case p.Status != Open:
		return &jaring.Error{Code: jaring.ECONFLICT, Field: "program", Message: fmt.Sprintf("program: %s is closed and gives no more aid", p.Code)}
	case p.Amount > 0 && amount > p.Amount:
		return jaring.Invalid("amount", "%s gives at most %d rupiah to one recipient, asked for %d", p.Code, p.Amount, amount)
	case newRecipient && p.Quota > 0 && u.Recipients >= p.Quota:
		return &jaring.Error{Code: jaring.ECONFLICT, Field: "program", Message: fmt.Sprintf(
			"program: the quota of %s is exhausted: all %d places (%s) are taken", p.Code, p.Quota, strings.ToLower(string(p.QuotaUnit))+"s")}
	case p.Budget > 0 && u.Spent+amount > p.Budget:
		return &jaring.Error{Code: jaring.ECONFLICT, Field: "program", Message: fmt.Sprintf(
			"program: the budget of %s is exhausted: %d of %d rupiah are spent, and %d more do not fit", p.Code, u.Spent, p.Budget, amount)}
	}
	return nil
}

// Lengths of a program's text, in characters.
const (
	MaxName        = 200
	MaxDescription = 2000
)

// ProgramInput is a program as a donor publishes it, or the whole of it
// when edited.
type ProgramInput struct {
	Code        string // "CSRA_KURSI_RODA"; fixed once created
	Name        string
	KindCode    string
	Description string
	Criteria    Criteria
	Period      jaring.Period
	Budget      int64
	Quota       int
	QuotaUnit   Unit
	Amount      int64
}

// Validate checks what can be checked without the database; knownKinds
// reports whether a code is a kind of aid. Errors name the field relative
// to the input ("criteria.desilMax", "period.end").
func (in *ProgramInput) Validate(knownKinds func(string) bool) error {
	if in.QuotaUnit == "" {
		in.QuotaUnit = Households
	}
	n := func(s string) int { return utf8.RuneCountInString(strings.TrimSpace(s)) }
	switch {
	case !validCode(in.Code):
		return jaring.Invalid("code", "%q is not a program code: 2 to 32 capital letters, digits, _ or -, starting with a letter, such as CSRA_KURSI_RODA", in.Code)
	case n(in.Name) == 0 || n(in.Name) > MaxName:
		return jaring.Invalid("name", "give a name of 1 to %d characters", MaxName)
	case n(in.Description) > MaxDescription:
		return jaring.Invalid("description", "has %d characters, at most %d", n(in.Description), MaxDescription)
	case !knownKinds(in.KindCode):
		return jaring.Invalid("kind", "%q is not a kind of aid; the kinds query lists them", in.KindCode)
	case in.Budget < 0 || in.Budget > 1_000_000_000_000:
		return jaring.Invalid("budget", "must be from 0 to 1,000,000,000,000 rupiah, got %d", in.Budget)
	case in.Quota < 0:
		return jaring.Invalid("quota", "must not be negative, got %d", in.Quota)
	case in.Budget == 0 && in.Quota == 0:
		return jaring.Invalid("budget", "give a budget, a quota or both: a program without either cannot be held to its means")
	case in.QuotaUnit != Households && in.QuotaUnit != Persons:
		return jaring.Invalid("quotaUnit", "want HOUSEHOLD or PERSON")
	case in.Amount < 0 || in.Amount > benefit.MaxAmount:
		return jaring.Invalid("amount", "must be from 0 to %d rupiah per recipient, got %d", benefit.MaxAmount, in.Amount)
	case in.Budget > 0 && in.Amount > in.Budget:
		return jaring.Invalid("amount", "%d rupiah per recipient is more than the budget of %d", in.Amount, in.Budget)
	case in.Period.Start.IsZero():
		return jaring.Invalid("period.start", "is required: the first day the aid covers")
	case in.Period.End != nil && in.Period.End.Before(in.Period.Start):
		return jaring.Invalid("period.end", "is before period.start")
	}
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	return in.Criteria.Validate(knownKinds)
}

func validCode(s string) bool {
	if len(s) < 2 || len(s) > 32 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Statuses are the register statuses c takes, for a store to narrow what
// it reads; Evaluate still decides.
func (c Criteria) Statuses() []registry.RegisterStatus {
	if len(c.RegisterStatus) == 0 {
		return []registry.RegisterStatus{registry.Registered}
	}
	var out []registry.RegisterStatus
	for _, s := range c.RegisterStatus {
		if answerable(s) {
			out = append(out, s)
		}
	}
	return out
}
