package donor

import "github.com/jaring-id/jaring/internal/jaring"

// Program is a donor's program: a benefit.Program whose owner is the donor,
// with whom it is for and how much it can give.
type Program struct {
	ProgramID   int64
	DonorID     int64
	Description string
	Criteria    Criteria
	Period      jaring.Period // the days its aid covers, which NOT_RECEIVING is checked over
	Budget      int64         // rupiah
	Quota       int           // recipients
}
