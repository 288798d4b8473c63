package authz

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jaring-id/jaring/internal/jaring"
)

// PurposeHeader is where a caller says why it reads personal data.
const PurposeHeader = "X-Purpose"

// Subject is whom a field's value is about, as far as the policy cares. The
// zero Subject is an adult, or no person at all.
type Subject struct {
	Child bool // under 18 on the day of the request
}

// SubjectBorn returns the Subject of a person born on birth, on day today.
func SubjectBorn(birth, today time.Time) Subject {
	return Subject{Child: birth.AddDate(18, 0, 0).After(today)}
}

// Request is what one request's caller may do and see: the principal, the
// decisions of its roles, the purpose it declared and the day. It answers
// for every field of the response (See) and, as a jaring.Disclosure, for the
// messages and filters of the services.
type Request struct {
	Principal *Principal
	Decisions *Decisions
	Purpose   string    // X-Purpose, already checked; "" when none was given
	Today     time.Time // midnight UTC of the request's day: who is a child
}

// NewRequest returns the Request of principal p under policy, declaring
// purpose, at now.
func NewRequest(policy *Policy, p *Principal, purpose string, now time.Time) *Request {
	return &Request{
		Principal: p,
		Decisions: policy.Decide(p),
		Purpose:   purpose,
		Today:     jaring.Date(now.Year(), now.Month(), now.Day()),
	}
}

// Sight is how one field of one subject goes out.
type Sight struct {
	Level Level
	// Err is why a withheld field is withheld: FORBIDDEN for the role, or
	// INVALID_INPUT naming X-Purpose when only a purpose is missing.
	Err error
	// Record is set when the field goes out in clear and is personal or
	// specific: the reading must be audited.
	Record bool
}

// See decides how field of subject s goes out in this request: the policy's
// answer (Decisions.See), and reading personal data in clear needs a
// declared purpose.
func (r *Request) See(field string, s Subject) Sight {
	level := r.Decisions.See(field, s)
	switch {
	case level == Withheld:
		return Sight{Level: Withheld, Err: forbidden(field)}
	case r.Decisions.NeedsPurpose(field, level):
		if r.Purpose == "" {
			return Sight{Level: Withheld, Err: purposeNeeded("reading " + field + " in clear")}
		}
		return Sight{Level: Clear, Record: true}
	}
	return Sight{Level: level}
}

// Mention implements jaring.Disclosure: value of field masked if the role
// may see the field at least masked for every subject, children's included,
// and "" otherwise.
func (r *Request) Mention(field, value string) string {
	if r.Decisions.See(field, Subject{Child: true}) == Withheld {
		return ""
	}
	if m, ok := Mask(field, value); ok {
		return m.(string)
	}
	return ""
}

// ReadClear implements jaring.Disclosure: nil if the role may read field in
// clear for every subject and a purpose was declared.
func (r *Request) ReadClear(field string) error {
	if r.Decisions.See(field, Subject{Child: true}) != Clear {
		return jaring.Errorf(jaring.EFORBIDDEN, "Your role may not read %s in clear, so it may not filter on it either.", field)
	}
	if r.Decisions.NeedsPurpose(field, Clear) && r.Purpose == "" {
		return purposeNeeded("filtering on " + field)
	}
	return nil
}

// Actor returns the request's caller as the services know it.
func (r *Request) Actor() jaring.Actor {
	p := r.Principal
	return jaring.Actor{
		Login:       p.Subject,
		Org:         p.Org,
		OrgID:       p.OrgID,
		OrgKind:     p.OrgKind,
		Scope:       r.Decisions.Scope(p),
		MayOverride: r.Decisions.MayRun(ActionOverrideDoubleAid),
		Sees:        r,
	}
}

// forbidden is the error of a withheld field.
func forbidden(field string) error {
	return jaring.Errorf(jaring.EFORBIDDEN, "Your role may not see %s.", field)
}

func purposeNeeded(what string) error {
	return &jaring.Error{Code: jaring.EINVALID, Field: PurposeHeader, Message: PurposeHeader + ": " + what +
		" needs a purpose: send the header " + PurposeHeader + " saying why (for example \"verifikasi permohonan SLK-2026-000136\")"}
}

// Purpose lengths, in characters after trimming: enough for "verifikasi
// permohonan SLK-2026-000136 atas permintaan kepala desa", short enough to be
// kept for ever in the audit log.
const (
	MinPurpose = 3
	MaxPurpose = 200
)

// CheckPurpose returns the X-Purpose header's value as it is kept: trimmed,
// "" when none was given. A purpose that is not UTF-8 text without control
// characters, or shorter than MinPurpose or longer than MaxPurpose
// characters, is INVALID_INPUT naming the header.
func CheckPurpose(raw string) (string, error) {
	p := strings.TrimSpace(raw)
	if p == "" {
		return "", nil
	}
	invalid := func(format string, args ...any) error {
		return &jaring.Error{Code: jaring.EINVALID, Field: PurposeHeader, Message: PurposeHeader + ": " + fmt.Sprintf(format, args...)}
	}
	if !utf8.ValidString(p) {
		return "", invalid("is not valid UTF-8 text")
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return "", invalid("contains the control character %U; say why you read in plain words", r)
		}
	}
	switch n := utf8.RuneCountInString(p); {
	case n < MinPurpose:
		return "", invalid("%q is too short to say why; give %d to %d characters", p, MinPurpose, MaxPurpose)
	case n > MaxPurpose:
		return "", invalid("has %d characters; give %d to %d, a sentence saying why", n, MinPurpose, MaxPurpose)
	}
	return p, nil
}
