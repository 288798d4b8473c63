package demo

import (
	"math/rand/v2"
	"time"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/donor"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/region"
	"github.com/jaring-id/jaring/internal/registry"
)

// ---------------------------------------------------------------------------
// The generator's working state. Years are offsets from AsOf's year (0 this
// year, -1 the last) until data() turns them into dates.

type generator struct {
	// Over the whole regency.
	villages, province, home []region.Region
	alloc                    []int          // households of each village
	village, drawn           int            // the village being drawn, and its households drawn so far
	kkSerial, nikSerial      map[uint64]int // prefix → last serial; looked up, never ranged over
	seq                      map[string]int // refPrefix|year offset → last serial; looked up, never ranged over
	donorUsed                map[string]int // donor program code → benefits given (not cancelled)
	appsNumbered             int            // applications of the blocks before
	block, blocks            int            // the block being drawn, of how many

	// Of the block being drawn.
	n          int // households
	households []*household
	persons    int
	bens       []*ben
	apps       []*app
}

type household struct {
	kk        string
	village   string // village code
	district  string // district code
	kelurahan bool
	address   string
	rt, rw    string
	desil     int // 0: not ranked
	status    registry.RegisterStatus
	members   []*member // head first, then by birth date
	bens      []*ben
	ledger    []*benefit.Benefit // bens that count, as the rules see them
}

type member struct {
	nik, name     string
	birthPlace    string
	mother        string
	sex           registry.Sex
	rel           registry.Relationship
	birth         time.Time
	age           int // at refDate
	disabled      bool
	pregnant      bool
	eth           ethnicity
	clan          *clan // Chinese-Indonesian members only
	indonesianise bool  // writes the clan's Indonesian name
}

type ben struct {
	h        *household
	nik      string // "" for household scope
	prog     *program
	from, to int // year offsets; to == openEnd for no end
	status   benefit.Status
	amount   int64
	channel  benefit.Channel
	seq      int
}

type app struct {
	h         *household
	applicant *member
	typ       referral.ApplicationType
	kind      string
	category  string
	desc      string
	docs      referral.Documents
	status    referral.ApplicationStatus
	reason    string
	u         float64 // where in the year up to AsOf it was submitted
	refs      []*ref
}

type ref struct {
	to     string
	prog   *program // asked for, nil for none
	status referral.ReferralStatus
	reason string
	ben    *ben
	v, w   float64 // how long after the last step it was created, and decided
	// eligibility is, for a referral to a donor's program, the answer it
	// was made on.
	eligibility *donor.Answer
}

// ---------------------------------------------------------------------------
// Random helpers.

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// weighted returns an index into weights, with probability proportional to
// its weight.
func weighted(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := r.IntN(total)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}
