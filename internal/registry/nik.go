package registry

import (
	"fmt"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/region"
)

// NIK is a parsed national identity number: PP KK CC DDMMYY SSSS, the
// district where it was first issued, the birth date (day + 40 for women)
// and a serial from 0001.
type NIK struct {
	Number       string
	DistrictCode string // "19.04.01": where the NIK was issued, not where the person lives now
	BirthDate    time.Time
	Sex          Sex
	Serial       int
	// KnownDistrict is false when the district is not in today's region
	// codes. Districts are split and renamed, and a NIK keeps the code it was
	// issued under, so this is a data-quality flag, not an invalid NIK.
	KnownDistrict bool
}

// KK is a parsed family card number: the issuing district, the recording
// date and a serial.
type KK struct {
	Number        string
	DistrictCode  string
	RecordedOn    time.Time
	Serial        int
	KnownDistrict bool
}

// ParseNIK checks a NIK and returns its parts. The error is an EINVALID
// *jaring.Error that says what is wrong, for the caller to place at a field
// with jaring.WithField.
func ParseNIK(s string) (NIK, error) {
	return parseNIK(s, time.Now())
}

func parseNIK(s string, now time.Time) (NIK, error) {
	district, known, err := parseNumber(s)
	if err != nil {
		return NIK{}, err
	}
	day, month, yy := atoi(s[6:8]), atoi(s[8:10]), atoi(s[10:12])
	sex := Male
	if day > 40 {
		sex, day = Female, day-40
	}
	date, err := makeDate(day, month, yy, now)
	if err != nil {
		return NIK{}, err
	}
	serial := atoi(s[12:])
	if serial == 0 {
		return NIK{}, invalidf("serial 0000 is not issued; serials start at 0001")
	}
	return NIK{Number: s, DistrictCode: district, BirthDate: date, Sex: sex, Serial: serial, KnownDistrict: known}, nil
}

// ParseKK checks a family card number and returns its parts; errors as for
// ParseNIK.
func ParseKK(s string) (KK, error) {
	return parseKK(s, time.Now())
}

func parseKK(s string, now time.Time) (KK, error) {
	district, known, err := parseNumber(s)
	if err != nil {
		return KK{}, err
	}
	date, err := makeDate(atoi(s[6:8]), atoi(s[8:10]), atoi(s[10:12]), now)
	if err != nil {
		return KK{}, err
	}
	if date.After(now) {
		return KK{}, invalidf("recording date %s is in the future", date.Format(jaring.DateLayout))
	}
	serial := atoi(s[12:])
	if serial == 0 {
		return KK{}, invalidf("serial 0000 is not issued; serials start at 0001")
	}
	return KK{Number: s, DistrictCode: district, RecordedOn: date, Serial: serial, KnownDistrict: known}, nil
}

// parseNumber checks what NIK and KK share: 16 digits that start with the
// code of a known province.
func parseNumber(s string) (district string, known bool, err error) {
	if len(s) != 16 {
		return "", false, invalidf("has %d characters, want 16 digits", len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false, invalidf("character %d is %q, want only digits", i+1, s[i])
		}
	}
	if _, ok := region.Lookup(s[0:2]); !ok {
		return "", false, invalidf("starts with %s, which is not a province code", s[0:2])
	}
	district = s[0:2] + "." + s[2:4] + "." + s[4:6]
	_, known = region.Lookup(district)
	return district, known, nil
}

// makeDate turns DD MM YY into a date. Two-digit years up to this year's are
// taken as 20YY, the rest as 19YY: a NIK is issued to the living.
func makeDate(day, month, yy int, now time.Time) (time.Time, error) {
	year := 1900 + yy
	if 2000+yy <= now.Year() {
		year = 2000 + yy
	}
	if month < 1 || month > 12 {
		return time.Time{}, invalidf("month %02d is not a month", month)
	}
	d := jaring.Date(year, time.Month(month), day)
	if day < 1 || d.Day() != day {
		return time.Time{}, invalidf("day %02d is not a day of %s %d", day, time.Month(month), year)
	}
	return d, nil
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func invalidf(format string, args ...any) *jaring.Error {
	return jaring.Errorf(jaring.EINVALID, "%s", fmt.Sprintf(format, args...))
}
