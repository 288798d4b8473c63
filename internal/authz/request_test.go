package authz

import (
	"strings"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
)

var today = jaring.Date(2026, time.June, 30)

func request(t *testing.T, pr *Principal, purpose string) *Request {
	t.Helper()
	p, err := LoadPolicy("")
	if err != nil {
		t.Fatal(err)
	}
	return NewRequest(p, pr, purpose, today.Add(9*time.Hour))
}

// See is the one answer for a field and its subject: the policy's grant, the
// child rule, maskability and the purpose, in one place.
func TestRequestSee(t *testing.T) {
	var (
		operator = principal(jaring.OrgFrontOffice, "", RoleOperator)
		approver = principal(jaring.OrgAgency, "", RoleApprover)
		viewer   = principal(jaring.OrgAgency, "", RoleViewer)
		donor    = principal(jaring.OrgDonor, "", RoleDonor)
	)
	adult, child := Subject{}, Subject{Child: true}
	tests := []struct {
		name    string
		pr      *Principal
		purpose string
		field   string
		subject Subject
		want    Level
		code    jaring.Code // of Err, for a withheld field
		record  bool
	}{
		{"operator reads an adult's name", operator, "intake", "Person.name", adult, Clear, "", true},
		// A child's personal data is specific data: an operator may not see it.
		{"operator reads a child's name", operator, "intake", "Person.name", child, Withheld, jaring.EFORBIDDEN, false},
		// The child rule covers every field that carries a child's data.
		{"operator reads a child applicant's NIK", operator, "intake", "Application.applicantNik", child, Withheld, jaring.EFORBIDDEN, false},
		{"approver reads a child's name", approver, "assessment", "Person.name", child, Clear, "", true},
		// A viewer sees personal data masked, a child's not at all (it sees no specific data).
		{"viewer, adult's NIK", viewer, "", "Person.nik", adult, Masked, "", false},
		{"viewer, child's NIK", viewer, "", "Person.nik", child, Withheld, jaring.EFORBIDDEN, false},
		// A field with no mask that is to be masked is withheld: a masked date still tells.
		{"viewer, birth date", viewer, "", "Person.birthDate", adult, Withheld, jaring.EFORBIDDEN, false},
		// In clear needs a purpose; the error names the header.
		{"approver without purpose", approver, "", "Person.nik", adult, Withheld, jaring.EINVALID, false},
		// Public data needs none, and is not recorded.
		{"public without purpose", donor, "", "Benefit.kind", adult, Clear, "", false},
		{"donor, name", donor, "", "Person.name", adult, Masked, "", false},
	}
	for _, tt := range tests {
		got := request(t, tt.pr, tt.purpose).See(tt.field, tt.subject)
		if got.Level != tt.want || jaring.ErrorCode(got.Err) != tt.code || got.Record != tt.record {
			t.Errorf("%s: See(%s) = %+v, want %s (error %q, record %v)", tt.name, tt.field, got, tt.want, tt.code, tt.record)
		}
		if tt.code == jaring.EINVALID && jaring.ErrorField(got.Err) != PurposeHeader {
			t.Errorf("%s: error %v does not name %s", tt.name, got.Err, PurposeHeader)
		}
	}
}

// Messages name households and persons masked at most, and not at all for a
// role that may not see the field for every subject.
func TestRequestMention(t *testing.T) {
	kk := "1904010506150001"
	approver := request(t, principal(jaring.OrgAgency, "", RoleApprover), "x").Actor()
	if got := approver.MentionKK(kk); got != "the household with KK 1904********0001" {
		t.Errorf("approver: %q (never in clear in a message)", got)
	}
	donor := request(t, principal(jaring.OrgDonor, "", RoleDonor), "").Actor()
	if got := donor.MentionKK(kk); strings.Contains(got, kk) || !strings.Contains(got, "1904********0001") {
		t.Errorf("donor: %q", got)
	}
	// A viewer sees no child's NIK, so a message names no NIK to it at all.
	viewer := request(t, principal(jaring.OrgAgency, "", RoleViewer), "").Actor()
	if got := viewer.MentionNIK("1904012001150003"); got != "that person" {
		t.Errorf("viewer: %q", got)
	}
	var nobody jaring.Actor
	if got := nobody.MentionKK(kk); got != "that household" {
		t.Errorf("an actor without disclosure: %q", got)
	}
}

// A filter on a field needs the right to read it in clear, purpose included.
func TestRequestReadClear(t *testing.T) {
	tests := []struct {
		name    string
		pr      *Principal
		purpose string
		field   string
		code    jaring.Code
	}{
		{"approver, desil, with purpose", principal(jaring.OrgAgency, "", RoleApprover), "x", "Household.desil", ""},
		{"approver, desil, no purpose", principal(jaring.OrgAgency, "", RoleApprover), "", "Household.desil", jaring.EINVALID},
		// The front office may not see desil, so it may not narrow a list by it.
		{"operator, desil", principal(jaring.OrgFrontOffice, "", RoleOperator), "x", "Household.desil", jaring.EFORBIDDEN},
		{"village operator, desil", principal(jaring.OrgVillage, "19.04.01", RoleOperator), "x", "Household.desil", jaring.EFORBIDDEN},
		{"operator, register status", principal(jaring.OrgFrontOffice, "", RoleOperator), "x", "Household.registerStatus", ""},
		// Public fields need no purpose.
		{"operator, region", principal(jaring.OrgFrontOffice, "", RoleOperator), "", "Household.region", ""},
	}
	for _, tt := range tests {
		if err := request(t, tt.pr, tt.purpose).ReadClear(tt.field); jaring.ErrorCode(err) != tt.code {
			t.Errorf("%s: ReadClear(%s) = %v, want %q", tt.name, tt.field, err, tt.code)
		}
	}
}

// The rules of the regency belong to the regency: only the front office's
// admins change kinds and exclusions.
func TestRuleChangesBelongToTheRegency(t *testing.T) {
	p, _ := LoadPolicy("")
	for _, kind := range []jaring.OrgKind{jaring.OrgFrontOffice, jaring.OrgAgency, jaring.OrgDonor, jaring.OrgVillage, jaring.OrgAuditor, jaring.OrgIntegrator} {
		d := p.Decide(principal(kind, "19.04.01", RoleAdmin))
		for _, op := range []string{"Mutation.setKindExclusive", "Mutation.addProgramExclusion", "Mutation.removeProgramExclusion"} {
			if got, want := d.MayRun(op), kind == jaring.OrgFrontOffice; got != want {
				t.Errorf("admin of a %s: MayRun(%s) = %v, want %v", kind, op, got, want)
			}
		}
	}
}

func TestCheckPurpose(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"  verifikasi SLK-1  ", "verifikasi SLK-1", true},
		{"", "", true},    // none given: reading in clear is refused field by field
		{"   ", "", true}, // blank is none
		{"ok", "", false}, // too short to say why
		{"abc", "abc", true},
		{strings.Repeat("a", MaxPurpose), strings.Repeat("a", MaxPurpose), true},
		{strings.Repeat("a", MaxPurpose+1), "", false},
		// Counted in characters, not bytes.
		{strings.Repeat("é", MaxPurpose), strings.Repeat("é", MaxPurpose), true},
		{"bad \xff byte", "", false},
		{"nul \x00 inside", "", false},
	}
	for _, tt := range tests {
		got, err := CheckPurpose(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("CheckPurpose(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil && (jaring.ErrorCode(err) != jaring.EINVALID || jaring.ErrorField(err) != PurposeHeader) {
			t.Errorf("CheckPurpose(%q): %v, want INVALID_INPUT naming %s", tt.in, err, PurposeHeader)
		}
	}
}

// Access tells, before any row is read, what See will answer for a row: the
// adult's level, whether it needs a purpose, and where a child's row differs.
func TestAccess(t *testing.T) {
	p, err := LoadPolicy("")
	if err != nil {
		t.Fatal(err)
	}
	var (
		operator = principal(jaring.OrgFrontOffice, "", RoleOperator)
		approver = principal(jaring.OrgAgency, "", RoleApprover)
		viewer   = principal(jaring.OrgAgency, "", RoleViewer)
		donor    = principal(jaring.OrgDonor, "", RoleDonor)
		auditor  = principal(jaring.OrgAuditor, "", RoleAuditor)
	)
	tests := []struct {
		name  string
		pr    *Principal
		field string
		want  FieldAccess
	}{
		// Clear for an adult, with a purpose; a child's NIK is specific data, which an operator may not see.
		{"operator, NIK", operator, "Person.nik", FieldAccess{Level: Clear, NeedsPurpose: true, ChildRule: true, ChildLevel: Withheld}},
		{"viewer, NIK", viewer, "Person.nik", FieldAccess{Level: Masked, ChildRule: true, ChildLevel: Withheld}},
		// An auditor sees specific data in clear: a child's row changes nothing.
		{"auditor, NIK", auditor, "Person.nik", FieldAccess{Level: Clear, NeedsPurpose: true, ChildLevel: Clear}},
		// Specific data is seen as specific data, a child's or not.
		{"approver, disability", approver, "Person.disabled", FieldAccess{Level: Clear, NeedsPurpose: true, ChildLevel: Clear}},
		// A household's fields are its family's: no child rule.
		{"donor, KK", donor, "Household.kk", FieldAccess{Level: Masked, ChildLevel: Masked}},
		{"operator, desil", operator, "Household.desil", FieldAccess{Level: Withheld, ChildLevel: Withheld}},
		// Public data needs no purpose.
		{"donor, benefit kind", donor, "Benefit.kind", FieldAccess{Level: Clear, ChildLevel: Clear}},
		// A list of NIKs: each child's is left out for an operator.
		{"operator, persons of an event", operator, "AuditEvent.persons", FieldAccess{Level: Clear, NeedsPurpose: true, ChildRule: true, ChildLevel: Withheld}},
		{"operator, an applicant's NIK", operator, "Application.applicantNik", FieldAccess{Level: Clear, NeedsPurpose: true, ChildRule: true, ChildLevel: Withheld}},
	}
	for _, tt := range tests {
		tt.want.Field = tt.field
		d := p.Decide(tt.pr)
		got := d.Access(tt.field)
		if got != tt.want {
			t.Errorf("%s: Access(%s) = %+v, want %+v", tt.name, tt.field, got, tt.want)
		}
		// The request the response is held to answers the same.
		for _, s := range []Subject{{}, {Child: true}} {
			want := got.Level
			if s.Child {
				want = got.ChildLevel
			}
			with := request(t, tt.pr, "x").See(tt.field, s)
			without := request(t, tt.pr, "").See(tt.field, s)
			if with.Level != want {
				t.Errorf("%s: See(%s, %+v) with a purpose = %s, Access says %s", tt.name, tt.field, s, with.Level, want)
			}
			if needs := want == Clear && got.NeedsPurpose; (without.Level == Withheld && jaring.ErrorCode(without.Err) == jaring.EINVALID) != needs {
				t.Errorf("%s: See(%s, %+v) without a purpose = %+v, Access says needs a purpose: %v", tt.name, tt.field, s, without, got.NeedsPurpose)
			}
		}
	}
}
