package benefit

import (
	"context"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
)

// Scope says who a kind of aid goes to: one person, or the whole household.
type Scope string

// The scopes.
const (
	PersonScope    Scope = "PERSON"
	HouseholdScope Scope = "HOUSEHOLD"
)

// Kind is a kind of aid, the unit of exclusivity: FOOD, CASH_LIVING,
// CASH_CONDITIONAL, HEALTH_PREMIUM, MEDICAL_COST, MEDICAL_DEVICE, EDUCATION,
// HOUSING, REHABILITATION.
type Kind struct {
	Code      string
	Name      string
	Scope     Scope
	Exclusive bool // two benefits of it may not overlap for one subject
}

// Source is where the money comes from.
type Source string

// The sources of funds.
const (
	APBN     Source = "APBN"      // the national budget
	APBDProv Source = "APBD_PROV" // the province's budget
	APBDKab  Source = "APBD_KAB"  // the regency's budget
	DanaDesa Source = "DANA_DESA" // the village fund
	BAZNAS   Source = "BAZNAS"    // zakat
	CSR      Source = "CSR"       // a company's program
)

// Valid reports whether s is one of the sources above.
func (s Source) Valid() bool {
	switch s {
	case APBN, APBDProv, APBDKab, DanaDesa, BAZNAS, CSR:
		return true
	}
	return false
}

// Program is a named aid program: PKH, BPNT, or a donor's own.
type Program struct {
	ID       int64
	Code     string
	Name     string
	KindCode string
	Source   Source // the usual source of its funds
	OwnerID  *int64 // the organisation that runs it, nil for national programs
}

// Status is where a benefit stands.
type Status string

// The statuses. Only an ACTIVE benefit counts as received.
const (
	Active    Status = "ACTIVE"
	Suspended Status = "SUSPENDED"
	Ended     Status = "ENDED"
	Cancelled Status = "CANCELLED"
)

// Channel is how the aid reaches the recipient.
type Channel string

// The channels.
const (
	ChannelBank      Channel = "BANK_TRANSFER" // to a bank account (Himbara)
	ChannelKKS       Channel = "KKS_CARD"      // the KKS card at an e-Warong
	ChannelPost      Channel = "POST_OFFICE"   // PT Pos
	ChannelCash      Channel = "CASH"          // paid out in person
	ChannelInKind    Channel = "IN_KIND"       // goods: rice, a wheelchair, building material
	ChannelInsurance Channel = "INSURANCE"     // a premium paid to BPJS Kesehatan
	ChannelService   Channel = "SERVICE"       // a service rendered: treatment, rehabilitation
)

// Valid reports whether c is one of the channels above.
func (c Channel) Valid() bool {
	switch c {
	case ChannelBank, ChannelKKS, ChannelPost, ChannelCash, ChannelInKind, ChannelInsurance, ChannelService:
		return true
	}
	return false
}

// Benefit is one entry in the ledger: aid that a household, or one of its
// members, receives.
type Benefit struct {
	ID          int64
	ProgramID   int64
	KindCode    string
	Source      Source
	PayerID     int64 // the organisation that pays
	HouseholdID int64
	PersonID    *int64 // nil for household-scope aid
	Amount      int64  // rupiah, per period
	Period      jaring.Period
	Status      Status
	Channel     Channel
	ExternalRef string // the payer's own reference, unique per payer
	RecordedAt  time.Time
	Override    *Override // set when a supervisor approved it despite a clash
}

// ActiveOn reports whether b counts as received on day d: only ACTIVE
// benefits whose period holds d.
func (b *Benefit) ActiveOn(d time.Time) bool {
	return b.Status == Active && b.Period.Contains(d)
}

// ActiveOn keeps the benefits of bs received on day d; a nil d keeps all.
func ActiveOn(bs []*Benefit, d *time.Time) []*Benefit {
	if d == nil {
		return bs
	}
	out := make([]*Benefit, 0, len(bs))
	for _, b := range bs {
		if b.ActiveOn(*d) {
			out = append(out, b)
		}
	}
	return out
}

// Store keeps the ledger and its catalogues. Reads of benefits take the
// caller's scope and apply it in SQL: a benefit is seen with its household.
type Store interface {
	// FindBenefitsByHouseholds returns every benefit of the given
	// households in scope, their members' included, ordered by household,
	// then start of period, then ID.
	FindBenefitsByHouseholds(ctx context.Context, scope jaring.Scope, householdIDs []int64) ([]*Benefit, error)
	// FindBenefitsByPersons returns every benefit of the given persons whose
	// households are in scope, ordered by person, then start of period,
	// then ID.
	FindBenefitsByPersons(ctx context.Context, scope jaring.Scope, personIDs []int64) ([]*Benefit, error)
	// FindBenefitsByIDs returns the benefits in scope with the given IDs.
	FindBenefitsByIDs(ctx context.Context, scope jaring.Scope, ids []int64) ([]*Benefit, error)
	// FindOverrides returns a page of the benefits in scope recorded
	// despite a clash, newest first (page.After is a benefit ID), and
	// whether more follow.
	FindOverrides(ctx context.Context, scope jaring.Scope, page jaring.PageRequest) ([]*Benefit, bool, error)

	// FindPrograms returns every program, ordered by code.
	FindPrograms(ctx context.Context) ([]*Program, error)
	// FindProgramsByIDs returns the programs with the given IDs.
	FindProgramsByIDs(ctx context.Context, ids []int64) ([]*Program, error)
	// FindKinds returns every kind of aid, ordered by code.
	FindKinds(ctx context.Context) ([]*Kind, error)
	// FindExclusions returns every program exclusion.
	FindExclusions(ctx context.Context) ([]Exclusion, error)

	// SetKindExclusive changes rule one for a kind: whether two benefits of
	// it may overlap. Returns ENOTFOUND for an unknown kind.
	SetKindExclusive(ctx context.Context, kind string, exclusive bool) (*Kind, error)
	// AddExclusion makes two programs exclude each other, or changes the
	// reason of an exclusion. Returns ENOTFOUND naming the field of an
	// unknown program.
	AddExclusion(ctx context.Context, programA, programB, reason string) (*Exclusion, error)
	// RemoveExclusion ends an exclusion. Returns ENOTFOUND if there is none.
	RemoveExclusion(ctx context.Context, programA, programB string) error

	// RecordBenefits records a batch of prepared inputs for actor in one
	// transaction and answers one Result per input, in order. An input
	// that names a household, person or program that does not exist or is
	// outside the actor's scope gets a NOT_FOUND result, one the actor may
	// not record (see MayRecord) a FORBIDDEN one, one that reuses an
	// externalRef for a different benefit a CONFLICT one, one that clashes
	// a DOUBLE_AID one; errors name the field relative to the input
	// ("kk", "program"). The others are recorded. The error is for faults
	// that write nothing.
	RecordBenefits(ctx context.Context, actor jaring.Actor, inputs []Input) ([]Result, error)
}
