package verival

import (
	"strings"
	"testing"

	"github.com/jaring-id/jaring/internal/registry"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		dayFirst bool
		want     string // YYYY-MM-DD, or "" for an error
		wantErr  string
	}{
		// The three forms the register export uses, all one day.
		{"ISO", "1985-03-12", true, "1985-03-12", ""},
		{"day first with dashes", "12-03-1985", true, "1985-03-12", ""},
		{"day first with slashes", "12/03/1985", true, "1985-03-12", ""},
		// Day first always: 03/04 is 3 April, never March 4th.
		{"no month-first reading", "03/04/1985", true, "1985-04-03", ""},
		// The benefits file takes ISO dates only.
		{"day first where ISO only", "12-03-1985", false, "", "not written YYYY-MM-DD"},
		// Mixed separators are no form at all.
		{"mixed separators", "12-03/1985", true, "", "not written"},
		{"slashes the ISO way", "1985/03/12", true, "", "not written"},
		// Unpadded day and month are refused, not guessed at.
		{"unpadded", "1-3-1985", true, "", "not written"},
		{"two-digit year", "12-03-85", true, "", "not written"},
		// A spreadsheet's date-time is not a date.
		{"with a time", "1985-03-12 00:00:00", true, "", "not written"},
		{"month 13", "1985-13-01", true, "", "month 13"},
		{"30 February", "30-02-1985", true, "", "February 1985 has no day 30"},
		{"29 February in a leap year", "29/02/1996", true, "1996-02-29", ""},
		{"29 February in another year", "29/02/1997", true, "", "February 1997 has no day 29"},
		{"day 00", "00-01-1985", true, "", "no day 0"},
		// A typo of the century: no one in the register was born before 1900.
		{"before 1900", "1885-03-12", true, "", "before 1900"},
		{"empty", "", true, "", "not written"},
		{"signs are not digits", "+985-03-12", true, "", "not written"},
	}
	for _, tt := range tests {
		got, err := parseDate(tt.in, tt.dayFirst)
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: parseDate(%q) = %v, %v; want an error containing %q", tt.name, tt.in, got, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || got.Format("2006-01-02") != tt.want):
			t.Errorf("%s: parseDate(%q) = %v, %v; want %s", tt.name, tt.in, got, err, tt.want)
		}
	}
}

func TestParseSex(t *testing.T) {
	tests := []struct {
		in   string
		want registry.Sex // "" for a value Jaring does not read
	}{
		{"LAKI-LAKI", registry.Male},
		// Case, spaces and hyphens do not matter.
		{"Laki laki", registry.Male},
		{"L", registry.Male},
		{"1", registry.Male},
		{"pria", registry.Male},
		{"PEREMPUAN", registry.Female},
		{"p", registry.Female},
		{"2", registry.Female},
		{"Wanita", registry.Female},
		// Jaring's own codes, so that its exports read back.
		{"FEMALE", registry.Female},
		// Neither: refused rather than guessed.
		{"LAKI", ""},
		{"3", ""},
		{"X", ""},
		// Letters outside ASCII are kept, so they cannot make a code.
		{"LÄKI-LAKI", ""},
	}
	for _, tt := range tests {
		got, ok := parseSex(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("parseSex(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestParseRelationship(t *testing.T) {
	tests := []struct {
		in   string
		want registry.Relationship
	}{
		{"KEPALA KELUARGA", registry.Head},
		// The welfare register counts by household (rumah tangga).
		{"Kepala Rumah Tangga", registry.Head},
		{"1", registry.Head},
		{"ISTRI", registry.Spouse},
		{"suami", registry.Spouse},
		// Exports often write the pair as one value.
		{"ISTRI/SUAMI", registry.Spouse},
		{"2", registry.Spouse},
		{"ANAK", registry.Child},
		{"3", registry.Child},
		{"MENANTU", registry.InLaw},
		{"4", registry.InLaw},
		{"CUCU", registry.Grandchild},
		{"5", registry.Grandchild},
		{"ORANG TUA", registry.Parent},
		{"6", registry.Parent},
		// A parent-in-law is a parent to the register, not an in-law like
		// MENANTU: the older generation.
		{"MERTUA", registry.Parent},
		{"7", registry.Parent},
		{"FAMILI LAIN", registry.Other},
		{"LAINNYA", registry.Other},
		{"8", registry.Other},
		{"9", registry.Other},
		// Jaring's own codes read back.
		{"IN_LAW", registry.InLaw},
		{"TETANGGA", ""},
		{"10", ""},
	}
	for _, tt := range tests {
		got, ok := parseRelationship(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("parseRelationship(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestParseUnit(t *testing.T) {
	tests := []struct {
		in, want string // want "" for a value refused
	}{
		{"001", "001"},
		// One or two digits are padded as Jaring stores them.
		{"1", "001"},
		{"07", "007"},
		{"12", "012"},
		{"999", "999"},
		// There is no RT 000, and a fourth digit is a typo.
		{"000", ""},
		{"0", ""},
		{"1234", ""},
		{"0001", ""},
		{"RT 01", ""},
		{"-1", ""},
	}
	for _, tt := range tests {
		got, ok := parseUnit(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("parseUnit(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}
