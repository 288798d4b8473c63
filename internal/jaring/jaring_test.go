package jaring

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestPeriod(t *testing.T) {
	d := func(m time.Month, day int) time.Time { return Date(2026, m, day) }
	p := func(start time.Time, end *time.Time) Period { return Period{Start: start, End: end} }
	jan31, jun30, dec31 := d(1, 31), d(6, 30), d(12, 31)
	tests := []struct {
		name string
		a, b Period
		want bool
	}{
		// One ends on the 31st, the next starts on the 1st: they touch, no day is shared.
		{"touching", p(d(1, 1), &jan31), p(d(2, 1), &dec31), false},
		// Both ends count: sharing the last day is an overlap.
		{"sharing one day", p(d(1, 1), &jan31), p(jan31, &dec31), true},
		{"inside", p(d(1, 1), &dec31), p(d(3, 1), &jun30), true},
		{"disjoint", p(d(1, 1), &jan31), p(d(3, 1), &jun30), false},
		// An open end runs on: a later period overlaps it.
		{"open-ended", p(d(1, 1), nil), p(d(11, 1), &dec31), true},
		{"open-ended, ended before", p(d(7, 1), nil), p(d(1, 1), &jun30), false},
		{"both open", p(d(1, 1), nil), p(d(12, 1), nil), true},
	}
	for _, tt := range tests {
		if got := tt.a.Overlaps(tt.b); got != tt.want {
			t.Errorf("%s: %v.Overlaps(%v) = %v, want %v", tt.name, tt.a, tt.b, got, tt.want)
		}
		if got := tt.b.Overlaps(tt.a); got != tt.want {
			t.Errorf("%s: overlap is not symmetric", tt.name)
		}
	}
	year := p(d(1, 1), &dec31)
	for _, c := range []struct {
		day  time.Time
		want bool
	}{{d(1, 1), true}, {dec31, true}, {Date(2025, 12, 31), false}, {Date(2027, 1, 1), false}} {
		if got := year.Contains(c.day); got != c.want {
			t.Errorf("2026.Contains(%s) = %v, want %v", c.day.Format(DateLayout), got, c.want)
		}
	}
}

func TestPageRequest(t *testing.T) {
	n := func(i int) *int { return &i }
	s := func(v string) *string { return &v }
	tests := []struct {
		name  string
		first *int
		after *string
		want  PageRequest
		code  Code
	}{
		{"defaults", nil, nil, PageRequest{First: DefaultPageSize}, ""},
		{"a cursor of this list", n(5), s(EncodeCursor("household", 42)), PageRequest{First: 5, After: 42}, ""},
		{"empty cursor is the start", nil, s(""), PageRequest{First: DefaultPageSize}, ""},
		// A cursor of another list must not page this one.
		{"another list's cursor", nil, s(EncodeCursor("referral", 42)), PageRequest{}, EINVALID},
		{"garbage", nil, s("%%%"), PageRequest{}, EINVALID},
		{"negative", n(-1), nil, PageRequest{}, EINVALID},
		{"too many", n(MaxPageSize + 1), nil, PageRequest{}, ELIMIT},
		{"zero is allowed", n(0), nil, PageRequest{First: 0}, ""},
	}
	for _, tt := range tests {
		got, err := NewPageRequest("household", tt.first, tt.after)
		if ErrorCode(err) != tt.code {
			t.Errorf("%s: err = %v, want code %q", tt.name, err, tt.code)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("%s: = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	inner := Invalid("nik", "has %d characters", 3)
	outer := WithField("input[2]", inner)
	if ErrorField(outer) != "input[2].nik" || ErrorMessage(outer) != "input[2].nik: has 3 characters" || ErrorCode(outer) != EINVALID {
		t.Errorf("WithField = %v", outer)
	}
	if ErrorField(inner) != "nik" {
		t.Error("WithField changed the error it was given")
	}
	// A fault of ours passes through WithField untouched, and is internal.
	fault := fmt.Errorf("query: %w", errors.New("connection reset"))
	if got := WithField("input[0]", fault); got != fault || ErrorCode(got) != EINTERNAL || ErrorMessage(got) != "Internal error." {
		t.Errorf("WithField(fault) = %v (%s, %q)", got, ErrorCode(got), ErrorMessage(got))
	}
	// Codes survive wrapping.
	if ErrorCode(fmt.Errorf("find: %w", Errorf(ENOTFOUND, "No household."))) != ENOTFOUND {
		t.Error("a wrapped *Error lost its code")
	}
	if ErrorCode(nil) != "" {
		t.Error("nil has a code")
	}
}
