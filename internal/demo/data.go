package demo

import (
	"time"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/donor"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/registry"
)

// Data is a generated regency. Rows refer to each other by natural keys
// (organisation and program codes, KK, NIK, application numbers), never by
// database IDs, so a loader can insert them into any empty database.
type Data struct {
	Organisations []Organisation
	DonorPrograms []DonorProgram
	Households    []registry.Household // ID, CreatedAt and UpdatedAt unset
	Persons       []Person
	Benefits      []Benefit
	Applications  []Application
	Referrals     []Referral
}

// Organisation is a demo front office, agency, donor, village or auditor.
type Organisation struct {
	Code       string
	Name       string
	Kind       jaring.OrgKind
	RegionCode string // "" for none
}

// DonorProgram is a program a CSR donor publishes.
type DonorProgram struct {
	Code        string // program code, for example "CSRA_KURSI_RODA"
	Name        string
	Kind        string // a kind code
	Source      benefit.Source
	Donor       string // the donor's organisation code
	Description string
	Criteria    donor.Criteria
	Budget      int64
	Quota       int
	QuotaUnit   donor.Unit
	Amount      int64 // per recipient
	OpenFrom    time.Time
	OpenUntil   *time.Time
}

// Person is a member of the household with the given KK.
type Person struct {
	registry.Person // ID, HouseholdID and CreatedAt unset
	KK              string
}

// Benefit is one ledger entry; NIK is "" for household-scope aid.
type Benefit struct {
	KK          string
	NIK         string
	Program     string // program code
	Kind        string // kind code, always the program's kind
	Source      benefit.Source
	Payer       string // organisation code
	Amount      int64
	Period      jaring.Period
	Status      benefit.Status
	Channel     benefit.Channel
	ExternalRef string // unique per payer
}

// Application is a request or complaint taken by the front office.
type Application struct {
	Number       string
	KK           string
	ApplicantNIK string // a member of the household with KK
	Type         referral.ApplicationType
	Category     string
	Kind         string // "" for a complaint
	Description  string
	Documents    referral.Documents
	Status       referral.ApplicationStatus
	StatusReason string
	SubmittedBy  string // organisation code, "SILAKSO"
	SubmittedAt  time.Time
}

// Referral sends an application to one organisation.
type Referral struct {
	Application string // application number
	From        string // organisation code
	To          string // organisation code
	Program     string // program code, "" for none
	Status      referral.ReferralStatus
	Reason      string
	// BenefitPayer and BenefitRef name the benefit that fulfilled the
	// referral (its payer and externalRef); both "" unless FULFILLED.
	BenefitPayer string
	BenefitRef   string
	CreatedAt    time.Time
	DecidedAt    *time.Time
	// Eligibility is, for a referral to a donor's program, the answer it
	// was made on.
	Eligibility *donor.Answer
}
