package registry

import (
	"strings"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
)

var today = jaring.Date(2026, time.November, 22)

func TestParseNIK(t *testing.T) {
	tests := []struct {
		name    string
		nik     string
		sex     Sex
		birth   string
		known   bool
		wantErr string // a part of the message; "" for a valid NIK
	}{
		// The plain case: a man from Koba born 12 March 1985.
		{"male", "1904011203850001", Male, "1985-03-12", true, ""},
		// Women carry day + 40: 52 is the 12th.
		{"female day+40", "1904015203850002", Female, "1985-03-12", true, ""},
		// A two-digit year up to this one is this century.
		{"born this century", "1904010101100003", Male, "2010-01-01", true, ""},
		// 29 February exists in 1996 (and for a woman, day 69).
		{"29 February leap", "1904016902960001", Female, "1996-02-29", true, ""},
		// …but not in 1997.
		{"29 February not leap", "1904012902970001", "", "", false, "day 29 is not a day of February 1997"},
		// Day 40 is neither a man's day nor a woman's.
		{"day 40", "1904014001850001", "", "", false, "day 40"},
		{"day 00", "1904010001850001", "", "", false, "day 00"},
		{"month 13", "1904011213850001", "", "", false, "month 13 is not a month"},
		{"15 digits", "190401120385000", "", "", false, "has 15 characters, want 16 digits"},
		{"17 digits", "19040112038500011", "", "", false, "has 17 characters"},
		{"letters", "19040112038500O1", "", "", false, `character 15 is 'O'`},
		{"empty", "", "", "", false, "has 0 characters"},
		// 00 and 99 are no province codes.
		{"unknown province", "9904011203850001", "", "", false, "99, which is not a province code"},
		{"serial 0000", "1904011203850000", "", "", false, "serial 0000"},
		// A district that no longer exists is a flag, not an error: a NIK
		// keeps the code it was first issued under.
		{"unknown district", "1904991203850001", Male, "1985-03-12", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseNIK(tt.nik, today)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("parseNIK(%q) = %+v, want an error containing %q", tt.nik, got, tt.wantErr)
				}
				if jaring.ErrorCode(err) != jaring.EINVALID || !strings.Contains(jaring.ErrorMessage(err), tt.wantErr) {
					t.Fatalf("parseNIK(%q) error = %q (%s), want EINVALID containing %q", tt.nik, jaring.ErrorMessage(err), jaring.ErrorCode(err), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseNIK(%q): %v", tt.nik, err)
			}
			if got.Sex != tt.sex || got.BirthDate.Format(jaring.DateLayout) != tt.birth || got.KnownDistrict != tt.known {
				t.Errorf("parseNIK(%q) = sex %s, born %s, known district %v; want %s, %s, %v",
					tt.nik, got.Sex, got.BirthDate.Format(jaring.DateLayout), got.KnownDistrict, tt.sex, tt.birth, tt.known)
			}
			if got.DistrictCode != tt.nik[0:2]+"."+tt.nik[2:4]+"."+tt.nik[4:6] {
				t.Errorf("parseNIK(%q).DistrictCode = %q", tt.nik, got.DistrictCode)
			}
		})
	}
}

func TestParseKK(t *testing.T) {
	tests := []struct {
		name    string
		kk      string
		wantErr string
	}{
		// Issued in Koba, recorded 5 June 2015.
		{"valid", "1904010506150001", ""},
		// KK dates carry no +40.
		{"day+40", "1904014506150001", "day 45"},
		{"month 13", "1904010513150001", "month 13"},
		{"future", "1904010112260001", "in the future"},
		{"15 digits", "190401050615000", "has 15 characters"},
		{"letters", "19040105061500a1", "character 15"},
		{"unknown province", "0004010506150001", "00, which is not a province code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseKK(tt.kk, today)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("parseKK(%q): %v", tt.kk, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(jaring.ErrorMessage(err), tt.wantErr)):
				t.Fatalf("parseKK(%q) error = %v, want one containing %q", tt.kk, err, tt.wantErr)
			}
		})
	}
}

// The error of a parse, placed at a field, names the field for the caller.
func TestParseErrorNamesField(t *testing.T) {
	_, err := ParseNIK("123")
	e := jaring.WithField("input[2].nik", err)
	if jaring.ErrorField(e) != "input[2].nik" || !strings.HasPrefix(jaring.ErrorMessage(e), "input[2].nik: has 3 characters") {
		t.Errorf("WithField = %v", e)
	}
}
