package verival

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// parseDate reads a date written YYYY-MM-DD or, if dayFirst, also DD-MM-YYYY
// or DD/MM/YYYY: the forms register exports use. There is no MM/DD form, so
// 03/04/1985 is 3 April whatever the spreadsheet's locale. The error says
// what is wrong, for a BAD_DATE message, without repeating the date.
func parseDate(s string, dayFirst bool) (time.Time, error) {
	y, m, d := -1, -1, -1
	if len(s) == 10 {
		switch {
		case s[4] == '-' && s[7] == '-':
			y, m, d = digits(s[0:4]), digits(s[5:7]), digits(s[8:10])
		case dayFirst && (s[2] == '-' && s[5] == '-' || s[2] == '/' && s[5] == '/'):
			d, m, y = digits(s[0:2]), digits(s[3:5]), digits(s[6:10])
		}
	}
	switch {
	case y < 0 || m < 0 || d < 0:
		if dayFirst {
			return time.Time{}, errors.New("is not written YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY")
		}
		return time.Time{}, errors.New("is not written YYYY-MM-DD")
	case m < 1 || m > 12:
		return time.Time{}, fmt.Errorf("has month %02d", m)
	case y < 1900:
		return time.Time{}, errors.New("is before 1900")
	}
	t := jaring.Date(y, time.Month(m), d)
	if d < 1 || t.Day() != d {
		return time.Time{}, fmt.Errorf("is no day: %s %d has no day %d", time.Month(m), y, d)
	}
	return t, nil
}

// digits returns the number s writes in decimal digits, or -1 if s is
// empty or holds anything else.
func digits(s string) int {
	if s == "" {
		return -1
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// parseSex reads jenis_kelamin as registers and forms write it, in any
// case: LAKI-LAKI, L, 1, PRIA for men; PEREMPUAN, P, 2, WANITA for women;
// and Jaring's own MALE and FEMALE.
func parseSex(s string) (registry.Sex, bool) {
	var b [16]byte
	switch string(codeKey(b[:0], s)) {
	case "LAKILAKI", "L", "1", "PRIA", "MALE":
		return registry.Male, true
	case "PEREMPUAN", "P", "2", "WANITA", "FEMALE":
		return registry.Female, true
	}
	return "", false
}

// parseRelationship reads hubungan_keluarga, in words or by the welfare
// register's numbers, in any case. MERTUA (a parent-in-law) is PARENT: the
// register counts "orang tua/mertua" as one, and a parent-in-law in the
// household is an elderly member for PKH like a parent. IN_LAW is the
// younger generation, MENANTU.
func parseRelationship(s string) (registry.Relationship, bool) {
	var b [24]byte
	switch string(codeKey(b[:0], s)) {
	case "KEPALAKELUARGA", "KEPALARUMAHTANGGA", "1", "HEAD":
		return registry.Head, true
	case "ISTRI", "SUAMI", "ISTRISUAMI", "SUAMIISTRI", "2", "SPOUSE":
		return registry.Spouse, true
	case "ANAK", "3", "CHILD":
		return registry.Child, true
	case "MENANTU", "4", "INLAW":
		return registry.InLaw, true
	case "CUCU", "5", "GRANDCHILD":
		return registry.Grandchild, true
	case "ORANGTUA", "MERTUA", "ORANGTUAMERTUA", "6", "7", "PARENT":
		return registry.Parent, true
	case "FAMILILAIN", "LAINNYA", "8", "9", "OTHER":
		return registry.Other, true
	}
	return "", false
}

// codeKey appends s to dst in upper case, letters and digits only: the form
// in which coded values are compared, so "Laki-laki", "LAKI LAKI" and
// "laki_laki" are one.
func codeKey(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z':
			dst = append(dst, c-'a'+'A')
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			dst = append(dst, c)
		case c >= 0x80:
			dst = append(dst, c) // never a code, but kept so that it does not become one
		}
	}
	return dst
}

// parseUnit reads an RT or RW number: one to three digits, zero-padded to
// three as Jaring stores them ("1" → "001"). There is no unit 000.
func parseUnit(s string) (string, bool) {
	n := digits(s)
	if n <= 0 || len(s) > 3 {
		return "", false
	}
	return unitNumbers[3*n : 3*n+3], true
}

// unitNumbers is "000001002…999": every unit number, padded, to slice from
// rather than allocate one for each row.
var unitNumbers = func() string {
	var b strings.Builder
	for n := range 1000 {
		fmt.Fprintf(&b, "%03d", n)
	}
	return b.String()
}()
