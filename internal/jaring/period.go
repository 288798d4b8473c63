package jaring

import "time"

// DateLayout is how dates are written in the API and in files: 2026-01-31.
const DateLayout = "2006-01-02"

// Date returns midnight UTC of the given day: Jaring's dates carry no time.
func Date(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
}

// ParseDate parses a date written as 2026-01-31.
func ParseDate(s string) (time.Time, error) {
	return time.Parse(DateLayout, s)
}

// Period is the days a benefit covers, both ends included. A nil End means
// the benefit runs until it is ended.
type Period struct {
	Start time.Time
	End   *time.Time
}

// Contains reports whether day d falls within p.
func (p Period) Contains(d time.Time) bool {
	if d.Before(p.Start) {
		return false
	}
	return p.End == nil || !d.After(*p.End)
}

// Overlaps reports whether p and q share at least one day. Periods that
// touch (one ends on the 31st, the next starts on the 1st) do not overlap.
func (p Period) Overlaps(q Period) bool {
	if p.End != nil && p.End.Before(q.Start) {
		return false
	}
	if q.End != nil && q.End.Before(p.Start) {
		return false
	}
	return true
}
