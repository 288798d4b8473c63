package donor

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/region"
)

// Store keeps donors' programs and reads the facts their criteria ask of
// households.
type Store interface {
	// FindPrograms returns the programs of the donor with ID donorID, open
	// or closed, or, when donorID is 0, every open program; ordered by code.
	FindPrograms(ctx context.Context, donorID int64) ([]*Program, error)
	// FindProgram returns the donor program with the given ID. Returns
	// ENOTFOUND if there is none.
	FindProgram(ctx context.Context, id int64) (*Program, error)
	// CreateProgram publishes a program of actor's organisation, with the
	// program of benefit.Program it is. Returns ECONFLICT naming "code" if
	// the code is taken.
	CreateProgram(ctx context.Context, actor jaring.Actor, in ProgramInput) (*Program, error)
	// UpdateProgram replaces what program id says with in (its code
	// stays); a change of criteria bumps CriteriaVersion. Returns ENOTFOUND
	// if the actor's organisation has no such program.
	UpdateProgram(ctx context.Context, actor jaring.Actor, id int64, in ProgramInput) (*Program, error)
	// CloseProgram closes program id. Returns ENOTFOUND as UpdateProgram.
	CloseProgram(ctx context.Context, actor jaring.Actor, id int64) (*Program, error)
	// Facts returns the facts of each identifier (a KK, or the NIK of a
	// member), in the order given, in one statement whatever their number:
	// an identifier the register does not hold gets Facts with Known false.
	// Held benefits are those overlapping period.
	Facts(ctx context.Context, ids []string, period jaring.Period) ([]Facts, error)
	// Reach calls each with the facts of every household that criteria c
	// may take (in its regions, of a register status it takes), its held
	// benefits those overlapping period of the kinds c.NotReceiving names
	// (the only ones the criteria ask about).
	Reach(ctx context.Context, c Criteria, period jaring.Period, each func(Facts) error) error
}

// AuditLog is where the service records what donors asked.
type AuditLog interface {
	Write(ctx context.Context, ev *audit.Event) error
}

// Limits bound how much a donor organisation may ask. Eligibility counts
// identifiers (a batch of 10,000 is 10,000); Changes counts programs
// published and criteria changed, each of which can be used to difference
// counts out, and counts asked for.
type Limits struct {
	EligibilityRate  rate.Limit // identifiers per second, refilled
	EligibilityBurst int        // identifiers at once
	ChangesRate      rate.Limit // changes and counts per second
	ChangesBurst     int
}

// DefaultLimits: a full batch at once, then about 36,000 identifiers an
// hour; ten changes or counts at once, then one every six minutes.
var DefaultLimits = Limits{EligibilityRate: 10, EligibilityBurst: MaxBatch, ChangesRate: rate.Every(6 * time.Minute), ChangesBurst: 10}

// MaxBatch is the most identifiers one eligibilityBatch takes.
const MaxBatch = 10_000

// Service answers donors: their programs, eligibility and counts.
type Service struct {
	Store  Store
	Audit  AuditLog
	Kinds  func(code string) bool // whether a code is a kind of aid (nil: StandardKind)
	Limits Limits                 // zero: DefaultLimits
	Now    func() time.Time       // nil: time.Now

	mu       sync.Mutex
	limiters map[limiterKey]*rate.Limiter
	counts   map[reachKey]*Reach
}

type limiterKey struct {
	org  int64
	kind string
}

type reachKey struct {
	program int64
	version int
	day     string
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) kinds() func(string) bool {
	if s.Kinds == nil {
		return StandardKind
	}
	return s.Kinds
}

// limit takes n tokens of the actor organisation's limiter of kind, or
// returns LIMIT_EXCEEDED with when to try again.
func (s *Service) limit(actor jaring.Actor, kind string, n int) error {
	l := s.Limits
	if l == (Limits{}) {
		l = DefaultLimits
	}
	r, burst := l.EligibilityRate, l.EligibilityBurst
	if kind != "eligibility" {
		r, burst = l.ChangesRate, l.ChangesBurst
	}
	s.mu.Lock()
	if s.limiters == nil {
		s.limiters = map[limiterKey]*rate.Limiter{}
	}
	key := limiterKey{actor.OrgID, kind}
	lim, ok := s.limiters[key]
	if !ok {
		lim = rate.NewLimiter(r, burst)
		s.limiters[key] = lim
	}
	s.mu.Unlock()
	now := s.now()
	res := lim.ReserveN(now, n)
	if !res.OK() {
		return jaring.Limited(kind+" rate", "%d at once is more than the %d a donor may ask at once", n, burst)
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return &jaring.Error{Code: jaring.ELIMIT, Limit: kind + " rate", RetryAfter: d,
			Message: fmt.Sprintf("Your organisation has asked for as much %s as it may for now; try again in %s.", kind, d.Round(time.Second))}
	}
	return nil
}

// Programs returns the programs actor may see: a donor's own, open or
// closed; for everyone else, every open program.
func (s *Service) Programs(ctx context.Context, actor jaring.Actor) ([]*Program, error) {
	if actor.OrgKind == jaring.OrgDonor {
		return s.Store.FindPrograms(ctx, actor.OrgID)
	}
	return s.Store.FindPrograms(ctx, 0)
}

// Program returns program id as actor may see it: a donor only its own,
// everyone else only an open one. Returns ENOTFOUND otherwise.
func (s *Service) Program(ctx context.Context, actor jaring.Actor, id int64) (*Program, error) {
	p, err := s.Store.FindProgram(ctx, id)
	if err != nil {
		return nil, err
	}
	if actor.OrgKind == jaring.OrgDonor && p.DonorID != actor.OrgID || actor.OrgKind != jaring.OrgDonor && p.Status != Open {
		return nil, jaring.Errorf(jaring.ENOTFOUND, "No donor program with ID %d that you may see.", id)
	}
	return p, nil
}

// Create publishes a program of the actor's organisation, a donor's.
// Errors name the field under "input".
func (s *Service) Create(ctx context.Context, actor jaring.Actor, in ProgramInput) (*Program, error) {
	if err := onlyDonors(actor); err != nil {
		return nil, err
	}
	if err := in.Validate(s.kinds()); err != nil {
		return nil, jaring.WithField("input", err)
	}
	if err := s.limit(actor, "changes", 1); err != nil {
		return nil, err
	}
	p, err := s.Store.CreateProgram(ctx, actor, in)
	return p, jaring.WithField("input", err)
}

// Update replaces what one of the actor organisation's programs says. A
// change of its criteria counts against the organisation's limit of
// changes, as a new set of counts could be differenced from the old.
func (s *Service) Update(ctx context.Context, actor jaring.Actor, id int64, in ProgramInput) (*Program, error) {
	if err := onlyDonors(actor); err != nil {
		return nil, err
	}
	old, err := s.Program(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	in.Code = old.Code
	if err := in.Validate(s.kinds()); err != nil {
		return nil, jaring.WithField("input", err)
	}
	if !sameCriteria(old.Criteria, in.Criteria) {
		if err := s.limit(actor, "changes", 1); err != nil {
			return nil, err
		}
	}
	p, err := s.Store.UpdateProgram(ctx, actor, id, in)
	return p, jaring.WithField("input", err)
}

// Close closes one of the actor organisation's programs.
func (s *Service) Close(ctx context.Context, actor jaring.Actor, id int64) (*Program, error) {
	if err := onlyDonors(actor); err != nil {
		return nil, err
	}
	if _, err := s.Program(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.Store.CloseProgram(ctx, actor, id)
}

func onlyDonors(actor jaring.Actor) error {
	if actor.OrgKind != jaring.OrgDonor {
		return jaring.Errorf(jaring.EFORBIDDEN, "Only a donor publishes and edits its programs.")
	}
	return nil
}

func sameCriteria(a, b Criteria) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// Eligibility answers whether the household of the KK or NIK given (one of
// them) meets program's criteria: the Answer and nothing else. Returns
// EINVALID naming "nik" or "kk" for a malformed number, ENOTFOUND for a
// program the actor may not ask about.
func (s *Service) Eligibility(ctx context.Context, actor jaring.Actor, program int64, nik, kk string) (*Answer, error) {
	var id, field string
	switch {
	case (nik == "") == (kk == ""):
		return nil, jaring.Invalid("nik", "give the nik of a person, or the kk of a household: one of them")
	case nik != "":
		id, field = nik, "nik"
	default:
		id, field = kk, "kk"
	}
	answers, err := s.answer(ctx, actor, program, []string{id}, func(int) string { return field }, "query eligibility")
	if err != nil {
		return nil, err
	}
	return &answers[0], nil
}

// EligibilityBatch answers for each of up to MaxBatch NIKs or KKs, by its
// position, in one pass over the register. Returns EINVALID naming
// "ids[i]" for a malformed number.
func (s *Service) EligibilityBatch(ctx context.Context, actor jaring.Actor, program int64, ids []string) ([]Answer, error) {
	if len(ids) > MaxBatch {
		return nil, &jaring.Error{Code: jaring.ELIMIT, Field: "ids", Limit: "batch",
			Message: fmt.Sprintf("ids: at most %d identifiers a call, got %d; split the list", MaxBatch, len(ids))}
	}
	return s.answer(ctx, actor, program, ids, func(i int) string { return fmt.Sprintf("ids[%d]", i) }, "query eligibilityBatch")
}

// answer evaluates the program's criteria for ids: every identifier
// through the same statement and the same function, the known and the
// unknown alike, and records the call — who, which program, how many
// identifiers, how many eligible, never which.
func (s *Service) answer(ctx context.Context, actor jaring.Actor, programID int64, ids []string, field func(int) string, operation string) ([]Answer, error) {
	for i, id := range ids {
		if !sixteenDigits(id) {
			return nil, jaring.Invalid(field(i), "a NIK or KK is 16 digits")
		}
	}
	p, err := s.askable(ctx, actor, programID)
	if err != nil {
		return nil, err
	}
	if err := s.limit(actor, "eligibility", max(len(ids), 1)); err != nil {
		return nil, err
	}
	facts, err := s.Store.Facts(ctx, ids, p.Period)
	if err != nil {
		return nil, err
	}
	asOf := s.now()
	out := make([]Answer, len(ids))
	eligible := 0
	for i, f := range facts {
		out[i] = Evaluate(p.Criteria, p.Period, f, asOf)
		if out[i].Eligible {
			eligible++
		}
	}
	if err := s.record(ctx, operation, map[string]any{"program": p.Code, "identifiers": len(ids), "eligible": eligible}); err != nil {
		return nil, err
	}
	return out, nil
}

// askable returns the program if actor may ask about it: a donor its own,
// the front office and agencies any open one.
func (s *Service) askable(ctx context.Context, actor jaring.Actor, id int64) (*Program, error) {
	return s.Program(ctx, actor, id)
}

// record writes the audit event of a donor's question, with what it asked
// in place of the request's variables (which name the identifiers).
func (s *Service) record(ctx context.Context, operation string, what map[string]any) error {
	pending := audit.PendingFrom(ctx)
	if pending == nil || s.Audit == nil {
		return nil
	}
	ev := pending.Event(nil, nil)
	ev.Operation = operation
	ev.Variables, _ = json.Marshal(what)
	ev.Persons, ev.Households, ev.Fields = nil, nil, nil
	return s.Audit.Write(ctx, ev)
}

func sixteenDigits(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Reach is how many households a program's criteria take, by district and
// desil band, every count that could identify a household suppressed.
type Reach struct {
	Program   *Program
	Districts []string // the table's rows: district codes
	Bands     []string // its columns: DesilBands
	Table     Table
	AsOf      time.Time // the day counted
}

// Reach counts the households the program's criteria take. Counts are
// cached per program, criteria version and day: asking again with
// narrowed criteria is a change of the program, limited and audited, and a
// count repeated the same day is the same count, so one household cannot
// be differenced out by asking twice.
func (s *Service) Reach(ctx context.Context, actor jaring.Actor, programID int64) (*Reach, error) {
	p, err := s.askable(ctx, actor, programID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	key := reachKey{p.ID, p.CriteriaVersion, now.Format(jaring.DateLayout)}
	s.mu.Lock()
	cached := s.counts[key]
	s.mu.Unlock()
	if cached == nil {
		if err := s.limit(actor, "changes", 1); err != nil {
			return nil, err
		}
		if cached, err = s.count(ctx, p, now); err != nil {
			return nil, err
		}
		s.mu.Lock()
		if s.counts == nil {
			s.counts = map[reachKey]*Reach{}
		}
		for k := range s.counts { // yesterday's counts, and old criteria's
			if k.program == p.ID {
				delete(s.counts, k)
			}
		}
		s.counts[key] = cached
		s.mu.Unlock()
	}
	if err := s.record(ctx, "query programReach", map[string]any{"program": p.Code, "criteriaVersion": p.CriteriaVersion}); err != nil {
		return nil, err
	}
	return cached, nil
}

// count evaluates every household the criteria may take and tabulates
// those eligible by district and desil band. The rows are the districts of
// the program's regions, or, when it names none, those where the register
// holds households it may take.
func (s *Service) count(ctx context.Context, p *Program, asOf time.Time) (*Reach, error) {
	districts := districtsOf(p.Criteria.Regions)
	bands := DesilBands()
	col := make(map[string]int, len(bands))
	for j, b := range bands {
		col[b] = j
	}
	byDistrict := map[string][]int{}
	for _, d := range districts {
		byDistrict[d] = make([]int, len(bands))
	}
	err := s.Store.Reach(ctx, p.Criteria, p.Period, func(f Facts) error {
		d := region.ParentCode(f.RegionCode)
		cells, ok := byDistrict[d]
		if !ok && len(p.Criteria.Regions) > 0 {
			return nil
		}
		if !ok {
			cells = make([]int, len(bands))
			byDistrict[d] = cells
		}
		if Eligible(p.Criteria, p.Period, f, asOf) {
			cells[col[DesilBand(f.Desil)]]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(p.Criteria.Regions) == 0 {
		for d := range byDistrict {
			districts = append(districts, d)
		}
		slices.Sort(districts)
	}
	counts := make([][]int, len(districts))
	for i, d := range districts {
		counts[i] = byDistrict[d]
	}
	return &Reach{Program: p, Districts: districts, Bands: bands, Table: Suppress(counts), AsOf: asOf}, nil
}

// districtsOf lists the districts of the given regions (a village counts
// in its district), in code order.
func districtsOf(regions []string) []string {
	seen := map[string]bool{}
	var out []string
	var walk func(code string)
	walk = func(code string) {
		switch region.LevelOf(code) {
		case region.Village:
			code = region.ParentCode(code)
			fallthrough
		case region.District:
			if !seen[code] {
				seen[code] = true
				out = append(out, code)
			}
		default:
			for _, c := range region.Children(code) {
				walk(c.Code)
			}
		}
	}
	for _, r := range regions {
		walk(r)
	}
	slices.Sort(out)
	return out
}
