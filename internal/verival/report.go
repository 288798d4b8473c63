package verival

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
)

// Report is the account of one import: the closing line of the command
// (String) and, with --report FILE, its JSON. Every row read ends up in
// exactly one of Inserted, Updated, Unchanged and Quarantined, and Check
// says whether the counts bear that out. In a dry run the counts say what
// the import would have done, and nothing is written.
type Report struct {
	File       string    `json:"file"`
	DryRun     bool      `json:"dryRun"`
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`

	Read        int `json:"read"`        // rows read from the file: the non-blank lines after the header
	Inserted    int `json:"inserted"`    // rows that added a household, person or benefit
	Updated     int `json:"updated"`     // rows that changed one
	Unchanged   int `json:"unchanged"`   // rows that matched what Jaring already holds
	Quarantined int `json:"quarantined"` // rows held back with their issues, whole
	// Flagged counts the rows imported all the same and kept as data
	// issues for a look (POSSIBLE_DUPLICATE_PERSON); they are counted in
	// Inserted, Updated or Unchanged too.
	Flagged int `json:"flagged,omitempty"`

	// Reasons counts the quarantined rows by reason. A row held back for
	// two reasons counts under both, so the counts may add up to more than
	// Quarantined; a row with one reason twice (two empty fields) counts
	// once.
	Reasons map[Reason]int `json:"reasons,omitempty"`

	// ImportID is the run's ID in the database, 0 for a dry run.
	ImportID int64 `json:"importId,omitempty"`
	// ImportedBefore is when the same content was last imported by the
	// same organisation, if it was: an import that changes nothing the
	// second time says so.
	ImportedBefore *time.Time `json:"importedBefore,omitempty"`
}

// Quarantine counts one row quarantined for issues, which must not be
// empty: a row is held back for a reason.
func (r *Report) Quarantine(issues []Issue) {
	r.Quarantined++
	if r.Reasons == nil {
		r.Reasons = make(map[Reason]int)
	}
	for i, iss := range issues {
		if !slices.ContainsFunc(issues[:i], func(prev Issue) bool { return prev.Reason == iss.Reason }) {
			r.Reasons[iss.Reason]++
		}
	}
}

// Check reports whether the report is consistent: no count below zero,
// every row read accounted for exactly once, every quarantined row counted
// under at least one known reason, and the import finished no earlier than
// it started. The error is an EINTERNAL *jaring.Error, for an importer that
// has lost or doubled rows is at fault, not its user.
func (r *Report) Check() error {
	counts := []struct {
		name string
		n    int
	}{{"read", r.Read}, {"inserted", r.Inserted}, {"updated", r.Updated}, {"unchanged", r.Unchanged}, {"quarantined", r.Quarantined}}
	for _, c := range counts {
		if c.n < 0 {
			return jaring.Errorf(jaring.EINTERNAL, "report of %s: %s is %d", r.File, c.name, c.n)
		}
	}
	if sum := r.Inserted + r.Updated + r.Unchanged + r.Quarantined; sum != r.Read {
		return jaring.Errorf(jaring.EINTERNAL, "report of %s: read %d rows, but inserted, updated, unchanged and quarantined add up to %d", r.File, r.Read, sum)
	}
	known := Reasons()
	total := 0
	for reason, n := range r.Reasons {
		switch {
		case !slices.Contains(known, reason):
			return jaring.Errorf(jaring.EINTERNAL, "report of %s: %q is not a reason", r.File, reason)
		case n < 1 || n > r.Quarantined:
			return jaring.Errorf(jaring.EINTERNAL, "report of %s: %d rows quarantined for %s, of %d quarantined", r.File, n, reason, r.Quarantined)
		}
		total += n
	}
	if total < r.Quarantined {
		return jaring.Errorf(jaring.EINTERNAL, "report of %s: %d rows quarantined, but only %d counted by reason", r.File, r.Quarantined, total)
	}
	if r.Flagged < 0 || r.Flagged > r.Read-r.Quarantined {
		return jaring.Errorf(jaring.EINTERNAL, "report of %s: %d rows flagged, of %d imported", r.File, r.Flagged, r.Read-r.Quarantined)
	}
	if r.FinishedAt.Before(r.StartedAt) {
		return jaring.Errorf(jaring.EINTERNAL, "report of %s: finished at %s, before it started at %s", r.File, r.FinishedAt.Format(time.RFC3339), r.StartedAt.Format(time.RFC3339))
	}
	return nil
}

// String is the report's closing line:
//
//	register.txt: read 1200 rows: 1100 inserted, 40 updated, 30 unchanged, 30 quarantined (INVALID_NIK 20, UNKNOWN_REGION 12) in 1.234s
//
// with the reasons most frequent first, and "; dry run, nothing written"
// after a dry run.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: read %d row%s: %d inserted, %d updated, %d unchanged, %d quarantined",
		r.File, r.Read, plural(r.Read), r.Inserted, r.Updated, r.Unchanged, r.Quarantined)
	if len(r.Reasons) > 0 {
		reasons := slices.SortedFunc(maps.Keys(r.Reasons), func(a, b Reason) int {
			return cmp.Or(cmp.Compare(r.Reasons[b], r.Reasons[a]), cmp.Compare(a, b))
		})
		for i, reason := range reasons {
			sep := ", "
			if i == 0 {
				sep = " ("
			}
			fmt.Fprintf(&b, "%s%s %d", sep, reason, r.Reasons[reason])
		}
		b.WriteString(")")
	}
	if r.Flagged > 0 {
		fmt.Fprintf(&b, ", %d imported and flagged for a look", r.Flagged)
	}
	if !r.StartedAt.IsZero() && !r.FinishedAt.IsZero() {
		fmt.Fprintf(&b, " in %s", r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond))
	}
	switch {
	case r.DryRun:
		b.WriteString("; dry run, nothing written")
	case r.Inserted+r.Updated == 0 && r.ImportedBefore != nil:
		fmt.Fprintf(&b, "; nothing changed: the same file was imported on %s", r.ImportedBefore.UTC().Format("2006-01-02 15:04 MST"))
	case r.Inserted+r.Updated == 0:
		b.WriteString("; nothing changed")
	}
	return b.String()
}
