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

	// BlockSize is the most households Stream holds in memory at once. A
	// regency of up to BlockSize households is one block, drawn exactly as
	// a whole; a larger one is drawn in blocks of nearly equal size, whose
	// applications each pick their households within their own block.
	BlockSize = 5_000

	// The second words of the PCG streams. Each part of the data draws from
	// its own stream, so a change to how benefits or applications are drawn
	// leaves the households, KKs and NIKs of a seed as they were.
	streamRegistry     = 0x4a6172696e675231 // "JaringR1"
	streamBenefits     = 0x4a6172696e674231 // "JaringB1"
	streamApplications = 0x4a6172696e674131 // "JaringA1"

	openEnd = 1 << 20 // the year offset of a period with no end
)

// DefaultAsOf is the day the demo describes unless told otherwise: the day
// the README's examples are written for.
var DefaultAsOf = jaring.Date(2026, time.June, 30)

var (
	// refDate is the day ages are reckoned at. It is fixed, not AsOf, so
	// that what is drawn never depends on AsOf. Everyone is born before it.
	refDate     = jaring.Date(2026, time.January, 1)
	defaultAsOf = DefaultAsOf
	// KKs are recorded in this range, whatever AsOf is.
	kkFirst = jaring.Date(2008, time.January, 1)
	kkLast  = jaring.Date(2024, time.December, 31)
)

// Generate builds a demo regency. Deterministic: uses math/rand/v2 with
// rand.NewPCG(seed, constant), never time.Now, never map iteration order.
// It holds the whole regency in memory: Stream is for large ones.
func Generate(opts Options) *Data {
	var all *Data
	_ = Stream(opts, func(d *Data) error {
		if all == nil {
			all = d
			return nil
		}
		all.Households = append(all.Households, d.Households...)
		all.Persons = append(all.Persons, d.Persons...)
		all.Benefits = append(all.Benefits, d.Benefits...)
		all.Applications = append(all.Applications, d.Applications...)
		all.Referrals = append(all.Referrals, d.Referrals...)
		return nil
	})
	return all
}

// Stream generates the regency Generate does, in blocks of at most
// BlockSize households, and hands each block to emit in turn; the first
// block also carries the organisations and donor programs. Rows of a block
// refer only to rows of the same block or to the organisations and
// programs, so each block can be loaded as it comes, in constant memory.
// Returns the first error of emit, after which nothing more is drawn.
func Stream(opts Options, emit func(*Data) error) error {
	if opts.Households <= 0 {
		opts.Households = defaultHouseholds
	}
	if opts.AsOf.IsZero() {
		opts.AsOf = defaultAsOf
	}
	asOf := jaring.Date(opts.AsOf.Date())
	rr := rand.New(rand.NewPCG(opts.Seed, streamRegistry))
	rb := rand.New(rand.NewPCG(opts.Seed, streamBenefits))
	ra := rand.New(rand.NewPCG(opts.Seed, streamApplications))
	g := &generator{
		seq:       map[string]int{},
		donorUsed: map[string]int{},
		kkSerial:  map[uint64]int{},
		nikSerial: map[uint64]int{},
	}
	g.plan(rr, opts.Households)
	blocks := (opts.Households + BlockSize - 1) / BlockSize
	g.blocks = blocks
	for b := range blocks {
		// Nearly equal blocks, so that the last is not a handful of
		// households sharing a block's share of applications.
		n := opts.Households*(b+1)/blocks - opts.Households*b/blocks
		g.n, g.block = n, b
		for range n {
			// Each household's registry draws, then its benefits' from
			// their own stream: the same draws as the whole register
			// first and then the whole ledger.
			h := g.nextHousehold(rr)
			g.householdBenefits(rb, h)
		}
		g.applications(ra)
		d := g.data(asOf, b == 0)
		if err := emit(d); err != nil {
			return err
		}
		g.households, g.bens, g.apps, g.persons = nil, nil, nil, 0
	}
	return nil
}
