package demo

import (
	"math/rand/v2"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
)

// Options of a generated regency.
type Options struct {
	Seed       uint64    // same Seed and same Households → identical Data, byte for byte
	Households int       // default 2000 when 0
	AsOf       time.Time // the day the data describes; only the years of benefit periods and application dates depend on it; zero means 30 June 2026
}

const (
	defaultHouseholds = 2000
	regency           = "19.04"

	// The second words of the PCG streams. Each part of the data draws from
	// its own stream, so a change to how benefits or applications are drawn
	// leaves the households, KKs and NIKs of a seed as they were.
	streamRegistry     = 0x4a6172696e675231 // "JaringR1"
	streamBenefits     = 0x4a6172696e674231 // "JaringB1"
	streamApplications = 0x4a6172696e674131 // "JaringA1"

	openEnd = 1 << 20 // the year offset of a period with no end
)

var (
	// refDate is the day ages are reckoned at. It is fixed, not AsOf, so
	// that what is drawn never depends on AsOf. Everyone is born before it.
	refDate     = jaring.Date(2026, time.January, 1)
	defaultAsOf = jaring.Date(2026, time.June, 30)
	// KKs are recorded in this range, whatever AsOf is.
	kkFirst = jaring.Date(2008, time.January, 1)
	kkLast  = jaring.Date(2024, time.December, 31)
)

// Generate builds a demo regency. Deterministic: uses math/rand/v2 with
// rand.NewPCG(seed, constant), never time.Now, never map iteration order.
func Generate(opts Options) *Data {
	if opts.Households <= 0 {
		opts.Households = defaultHouseholds
	}
	if opts.AsOf.IsZero() {
		opts.AsOf = defaultAsOf
	}
	g := &generator{
		n:         opts.Households,
		seq:       map[string]int{},
		donorUsed: map[string]int{},
	}
	g.registry(rand.New(rand.NewPCG(opts.Seed, streamRegistry)))
	g.benefits(rand.New(rand.NewPCG(opts.Seed, streamBenefits)))
	g.applications(rand.New(rand.NewPCG(opts.Seed, streamApplications)))
	return g.data(jaring.Date(opts.AsOf.Date()))
}
