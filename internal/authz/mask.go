package authz

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jaring-id/jaring/internal/jaring"
)

// maskers say how a field is masked. A field with no masker that is to be
// masked is withheld: a masked date or flag would still tell.
var maskers = map[string]func(string) string{
	"Person.nik":             MaskNumber,
	"Household.kk":           MaskNumber,
	"Person.name":            MaskName,
	"Person.motherName":      MaskName,
	"AuditEvent.actor":       MaskName,
	"AuditEvent.persons":     MaskNumber,
	"AuditEvent.households":  MaskNumber,
	"DataIssue.kk":           MaskNumber,
	"DataIssue.nik":          MaskNumber,
	"DataIssueResolution.by": MaskName,
}

// Maskable reports whether field "Type.field" can be shown masked.
func Maskable(field string) bool {
	_, ok := maskers[field]
	return ok
}

// Mask masks v, a string or list of strings of field "Type.field"; ok is
// false when the field cannot be masked.
func Mask(field string, v any) (out any, ok bool) {
	m, ok := maskers[field]
	if !ok {
		return nil, false
	}
	switch v := v.(type) {
	case string:
		return m(v), true
	case *string:
		if v == nil {
			return v, true
		}
		s := m(*v)
		return &s, true
	case []string:
		masked := make([]string, len(v))
		for i, s := range v {
			masked[i] = m(s)
		}
		return masked, true
	}
	return nil, false
}

// MaskNumber keeps the first four digits (the province and regency) and
// the last four of a NIK or KK: 1904********0012.
func MaskNumber(s string) string { return jaring.MaskNumber(s) }

// MaskName keeps the initials of a name: "Ahmad Fauzi" → "A. F.".
func MaskName(s string) string {
	var parts []string
	for _, w := range strings.Fields(s) {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLetter(r) {
			parts = append(parts, string(unicode.ToUpper(r))+".")
		}
	}
	return strings.Join(parts, " ")
}
