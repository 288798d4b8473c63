package verival

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/region"
)

// DataIssue is a row of an import file that was held back (Quarantined),
// or imported and flagged for a look (POSSIBLE_DUPLICATE_PERSON), kept
// whole: the file, the line, its bytes exactly as read and every issue
// found with it. Data issues are personal data: they are read with their
// region's scope and shown by the field policy like the register's rows.
type DataIssue struct {
	ID          int64
	ImportID    int64
	Kind        ImportKind
	OrgID       int64 // the organisation that imported the file
	File        string
	Line        int
	Raw         []byte // not always UTF-8: a BAD_ENCODING line is kept as it came
	Reasons     []Reason
	Issues      []Issue
	Quarantined bool
	KK, NIK     string // as read, when they parse; "" otherwise
	RegionCode  string // the row's village, its household's region, or the importer's
	HouseholdID *int64 // the household the row names, if in the register
	PersonID    *int64 // the person the row names, if in the register
	// RelatedPersonID is the other person a DUPLICATE_NIK or
	// POSSIBLE_DUPLICATE_PERSON row may be.
	RelatedPersonID *int64
	// BenefitID is the benefit a DOUBLE_AID row clashes with.
	BenefitID  *int64
	Status     IssueStatus
	Resolution *Resolution
	CreatedAt  time.Time
}

// IssueStatus is where a data issue stands.
type IssueStatus string

// The statuses of a data issue.
const (
	IssueOpen     IssueStatus = "OPEN"
	IssueResolved IssueStatus = "RESOLVED"
)

// Resolution is how a data issue was closed.
type Resolution struct {
	Note  string
	By    string // the login of who closed it
	OrgID int64
	At    time.Time
}

// Lengths of a resolution note, in characters: a sentence saying what was
// done, not a word.
const (
	MinResolutionNote = 10
	MaxResolutionNote = 1000
)

// IssueFilter chooses data issues.
type IssueFilter struct {
	Status   IssueStatus // "" for any
	Reason   Reason      // "" for any
	Kind     ImportKind  // "" for any
	Region   string      // a region-code prefix, "" for every region in scope
	ImportID int64       // 0 for any
}

// QuarantineStore keeps the data issues.
type QuarantineStore interface {
	// FindDataIssues returns a page of the data issues in scope that match
	// filter, newest first (page.After is an issue ID), and whether more
	// follow. An issue is in scope when its row is: its region for callers
	// limited to a region, its household for those who see referred
	// households; and always for the organisation that imported it, whose
	// file it came from.
	FindDataIssues(ctx context.Context, scope jaring.Scope, filter IssueFilter, page jaring.PageRequest) ([]*DataIssue, bool, error)
	// FindDataIssuesByIDs returns the issues in scope with the given IDs.
	FindDataIssuesByIDs(ctx context.Context, scope jaring.Scope, ids []int64) ([]*DataIssue, error)
	// ResolveDataIssue closes an open issue in scope with a note, audited.
	// Returns ENOTFOUND if there is none in scope, ECONFLICT if it is
	// resolved already.
	ResolveDataIssue(ctx context.Context, actor jaring.Actor, id int64, note string) (*DataIssue, error)
}

// Quarantine is the entry point of data issues: it checks what callers
// give, once, and asks the store within the caller's scope.
type Quarantine struct {
	Store QuarantineStore
}

// DataIssues returns a page of the data issues the actor may see. Returns
// EINVALID naming the filter's field at fault.
func (q *Quarantine) DataIssues(ctx context.Context, a jaring.Actor, f IssueFilter, page jaring.PageRequest) ([]*DataIssue, bool, error) {
	if err := f.check(); err != nil {
		return nil, false, err
	}
	return q.Store.FindDataIssues(ctx, a.Scope, f, page)
}

// DataIssuesByIDs returns the issues with the given IDs that the actor may
// see; the others are left out.
func (q *Quarantine) DataIssuesByIDs(ctx context.Context, a jaring.Actor, ids []int64) ([]*DataIssue, error) {
	return q.Store.FindDataIssuesByIDs(ctx, a.Scope, ids)
}

// Resolve closes an open data issue with a note saying what was done:
// corrected at the source, confirmed with Dukcapil, two people after all.
// Returns EINVALID naming "note", ENOTFOUND if the actor may see no such
// issue, ECONFLICT if it is resolved already.
func (q *Quarantine) Resolve(ctx context.Context, a jaring.Actor, id int64, note string) (*DataIssue, error) {
	note = strings.TrimSpace(note)
	switch n := utf8.RuneCountInString(note); {
	case n < MinResolutionNote:
		return nil, jaring.Invalid("note", "say what was done, in at least %d characters; got %d", MinResolutionNote, n)
	case n > MaxResolutionNote:
		return nil, jaring.Invalid("note", "has %d characters, at most %d", n, MaxResolutionNote)
	}
	return q.Store.ResolveDataIssue(ctx, a, id, note)
}

func (f IssueFilter) check() error {
	switch f.Status {
	case "", IssueOpen, IssueResolved:
	default:
		return jaring.Invalid("filter.status", "%q is not a status of a data issue; OPEN or RESOLVED", f.Status)
	}
	if f.Reason != "" && !isReason(f.Reason) {
		return jaring.Invalid("filter.reason", "%q is not a reason code; docs/imports.md lists them", f.Reason)
	}
	switch f.Kind {
	case "", RegisterImport, BenefitsImport:
	default:
		return jaring.Invalid("filter.kind", "%q is not a kind of import; REGISTER or BENEFITS", f.Kind)
	}
	if f.Region != "" {
		if !region.ValidCode(f.Region) {
			return jaring.Invalid("filter.region", "%q is not a region code; write it dotted, as 19.04 or 19.04.01", f.Region)
		}
		if _, ok := region.Lookup(f.Region); !ok {
			return jaring.Invalid("filter.region", "no region has the code %s", f.Region)
		}
	}
	if f.ImportID < 0 {
		return jaring.Invalid("filter.import", "is not an import's ID")
	}
	return nil
}

func isReason(r Reason) bool {
	for _, x := range Reasons() {
		if x == r {
			return true
		}
	}
	return false
}
