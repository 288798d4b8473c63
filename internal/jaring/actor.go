package jaring

import "strings"

// Actor is who asks or acts: the person, their organisation, the rows they
// may see and what the policy lets them see of a field. Every service method
// takes one and every store method its Scope, so that no read or write can be
// made without saying for whom. internal/authz makes Actors from verified
// tokens; system tasks (seeding, the command line) use System.
type Actor struct {
	Login   string  // the person's login, the token's subject
	Org     string  // the organisation's code, "DINSOS"
	OrgID   int64   // the organisation's ID
	OrgKind OrgKind // the organisation's kind
	Scope   Scope   // the rows the actor may see and act on
	// MayOverride lets the actor approve aid despite a clash (a supervisor).
	MayOverride bool
	// Sees says how the actor may see personal fields: what a message may
	// name, whether a filter may use a field. Nil sees nothing personal.
	Sees Disclosure
}

// System is the actor of system tasks: every row, no person behind it.
func System() Actor {
	return Actor{Login: "system", Org: "SYSTEM", Scope: Unrestricted(), Sees: systemDisclosure{}}
}

// Disclosure says how an actor may see personal data outside the fields of a
// response: in an error message, or through a filter. internal/authz
// implements it from the policy, so the rule stays in one place.
type Disclosure interface {
	// Mention returns value, the content of field ("Household.kk"), as a
	// message may name it to this actor: masked (1904********0012) if its
	// role may see the field at least masked for every subject, children's
	// included; "" if it may not see it at all. Messages never carry an
	// identifier in clear, so naming one needs no purpose and reveals
	// nothing that would have to be audited.
	Mention(field, value string) string
	// ReadClear returns nil if the actor may read field in clear now — its
	// role may, and it has declared a purpose — and otherwise the error to
	// answer: FORBIDDEN, or INVALID_INPUT naming the missing purpose. A
	// filter on a field needs the same right, as filtering is a way of
	// reading.
	ReadClear(field string) error
}

type systemDisclosure struct{}

func (systemDisclosure) Mention(_, value string) string { return MaskNumber(value) }
func (systemDisclosure) ReadClear(string) error         { return nil }

// MentionKK is how a message names the household with the given KK to a:
// "the household with KK 1904********0001", or "that household" when a may
// not see KKs at all.
func (a Actor) MentionKK(kk string) string {
	if m := a.mention("Household.kk", kk); m != "" {
		return "the household with KK " + m
	}
	return "that household"
}

// MentionNIK is how a message names the person with the given NIK to a.
func (a Actor) MentionNIK(nik string) string {
	if m := a.mention("Person.nik", nik); m != "" {
		return "the person with NIK " + m
	}
	return "that person"
}

func (a Actor) mention(field, value string) string {
	if a.Sees == nil || value == "" {
		return ""
	}
	return a.Sees.Mention(field, value)
}

// ReadClear reports whether a may read field in clear now; see Disclosure.
func (a Actor) ReadClear(field string) error {
	if a.Sees == nil {
		return Errorf(EFORBIDDEN, "Your role may not read %s.", field)
	}
	return a.Sees.ReadClear(field)
}

// MaskNumber keeps the first four digits (the province and regency) and the
// last four of a NIK or KK: 1904********0012. Shorter values are hidden
// whole.
func MaskNumber(s string) string {
	if len(s) <= 8 {
		return strings.Repeat("*", len(s))
	}
	return s[:4] + strings.Repeat("*", len(s)-8) + s[len(s)-4:]
}
