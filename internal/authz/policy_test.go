package authz

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jaring-id/jaring/internal/jaring"
)

func principal(kind jaring.OrgKind, region string, roles ...Role) *Principal {
	return &Principal{Subject: "t", Org: "X", OrgKind: kind, Roles: roles, Region: region, OrgID: 7, OrgRegion: "19.04"}
}

// The real policy, asked what the domain says it must answer.
func TestPolicyDecisions(t *testing.T) {
	p, err := LoadPolicy("")
	if err != nil {
		t.Fatal(err)
	}
	var (
		frontOp  = principal(jaring.OrgFrontOffice, "", RoleOperator)
		approver = principal(jaring.OrgAgency, "", RoleApprover)
		viewer   = principal(jaring.OrgAgency, "", RoleViewer)
		donor    = principal(jaring.OrgDonor, "", RoleDonor)
		donorOp  = principal(jaring.OrgDonor, "", RoleOperator, RoleApprover) // a donor's staff with case roles
		village  = principal(jaring.OrgVillage, "19.04.01", RoleOperator)
		auditor  = principal(jaring.OrgAuditor, "", RoleAuditor)
		admin    = principal(jaring.OrgFrontOffice, "", RoleAdmin)
	)
	ops := []struct {
		name string
		pr   *Principal
		op   string
		want bool
	}{
		// Anyone may look a household up; rows decide what they find.
		{"operator looks up", frontOp, "Query.household", true},
		{"donor looks up", donor, "Query.household", true},
		// Donors never list households.
		{"donor lists", donor, "Query.households", false},
		{"village lists", village, "Query.households", true},
		{"approver records", approver, "Mutation.recordBenefits", true},
		// A viewer cannot change anything.
		{"viewer records", viewer, "Mutation.recordBenefits", false},
		{"front office operator records", frontOp, "Mutation.recordBenefits", false},
		{"auditor reads a trail", auditor, "Query.auditTrail", true},
		{"approver reads a trail", approver, "Query.auditTrail", false},
		// An operation the policy does not name is refused.
		{"unknown operation", admin, "Mutation.dropEverything", false},
	}
	for _, tt := range ops {
		if got := p.Decide(tt.pr).MayRun(tt.op); got != tt.want {
			t.Errorf("%s: MayRun(%s) = %v, want %v", tt.name, tt.op, got, tt.want)
		}
	}

	fields := []struct {
		name  string
		pr    *Principal
		field string
		want  Level
	}{
		{"approver sees a NIK", approver, "Person.nik", Clear},
		{"approver sees disability", approver, "Person.disabled", Clear},
		{"viewer sees a NIK masked", viewer, "Person.nik", Masked},
		{"viewer does not see disability", viewer, "Person.disabled", Withheld},
		{"operator does not see disability", frontOp, "Person.disabled", Withheld},
		{"donor sees a name masked", donor, "Person.name", Masked},
		{"donor does not see amounts", donor, "Benefit.amount", Withheld},
		// What a household receives is seen by all who see the household.
		{"donor sees a benefit's kind", donor, "Benefit.kind", Clear},
		{"viewer sees a benefit's period", viewer, "Benefit.period", Clear},
		// A donor's staff never see personal data in clear, whatever their roles.
		{"donor staff with case roles", donorOp, "Person.nik", Withheld},
		{"donor staff with case roles, specific", donorOp, "Person.disabled", Withheld},
		{"auditor sees all", auditor, "Person.pregnant", Clear},
		{"admin sees a KK masked", admin, "Household.kk", Masked},
		{"unclassed field", approver, "Person.salary", Withheld},
	}
	for _, tt := range fields {
		if got := p.Decide(tt.pr).See(tt.field, Subject{}); got != tt.want {
			t.Errorf("%s: See(%s) = %s, want %s", tt.name, tt.field, got, tt.want)
		}
	}

	scopes := []struct {
		name string
		pr   *Principal
		want jaring.Scope
	}{
		{"agency sees its regency", approver, jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04", OrgID: 7}},
		{"village sees its region", village, jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04.01", OrgID: 7}},
		// A village token without a region sees nothing (authentication refuses it too).
		{"village without region", principal(jaring.OrgVillage, "", RoleOperator), jaring.Scope{OrgID: 7}},
		{"donor sees what is referred to it", donor, jaring.Scope{Households: jaring.ReferredHouseholds, OrgID: 7}},
		{"auditor sees every referral", auditor, jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04", OrgID: 7, AllReferrals: true, AllReviews: true}},
		// The front office sees every benefit review; an agency those of what it pays.
		{"front office sees every review", principal(jaring.OrgFrontOffice, "", RoleVerifier), jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04", OrgID: 7, AllReviews: true}},
		// A token may narrow an agency to part of its regency.
		{"narrowed agency", principal(jaring.OrgAgency, "19.04.02", RoleApprover), jaring.Scope{Households: jaring.RegionHouseholds, Region: "19.04.02", OrgID: 7}},
	}
	for _, tt := range scopes {
		if got := p.Decide(tt.pr).Scope(tt.pr); got != tt.want {
			t.Errorf("%s: Scope = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// Decisions are shared by principals alike in roles and kind, whatever the
// order of their roles.
func TestDecisionsCached(t *testing.T) {
	p, _ := LoadPolicy("")
	a := p.Decide(principal(jaring.OrgAgency, "", RoleViewer, RoleApprover))
	b := p.Decide(principal(jaring.OrgAgency, "19.04.01", RoleApprover, RoleViewer, RoleApprover))
	if a != b {
		t.Error("two principals with the same roles and kind got different decisions")
	}
	if p.Decide(principal(jaring.OrgDonor, "", RoleViewer, RoleApprover)) == a {
		t.Error("a donor shares an agency's decisions")
	}
}

// A broken policy file is refused and the policy in force stays.
func TestHolderReload(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"model.conf", "policy.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "policy", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h, err := NewHolder(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := h.Policy()
	approver := principal(jaring.OrgAgency, "", RoleApprover)

	// A class that does not exist.
	os.WriteFile(filepath.Join(dir, "policy.csv"), []byte("g2, field:Person.nik, class:secret\n"), 0o644)
	if err := h.Reload(); err == nil || !strings.Contains(err.Error(), "the one in force stays") {
		t.Errorf("Reload of a bad policy: err = %v", err)
	}
	if h.Policy() != before {
		t.Error("a bad policy replaced the one in force")
	}
	// A model that does not parse.
	os.WriteFile(filepath.Join(dir, "model.conf"), []byte("[matchers]\nm = (((\n"), 0o644)
	if err := h.Reload(); err == nil || h.Policy() != before {
		t.Errorf("Reload of a broken model: err = %v, policy replaced: %v", err, h.Policy() != before)
	}
	// A good change is taken: approvers lose sight of NIKs.
	b, _ := os.ReadFile(filepath.Join("..", "..", "policy", "model.conf"))
	os.WriteFile(filepath.Join(dir, "model.conf"), b, 0o644)
	pol, _ := os.ReadFile(filepath.Join("..", "..", "policy", "policy.csv"))
	os.WriteFile(filepath.Join(dir, "policy.csv"), append(pol, []byte("\np, approver, *, field:Person.nik, clear, deny\n")...), 0o644)
	if err := h.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := h.Policy().Decide(approver).See("Person.nik", Subject{}); got != Withheld {
		t.Errorf("after reload, approver sees Person.nik %s, want withheld", got)
	}
	// A check that refuses keeps the old policy.
	h.check = func(*Policy) error { return os.ErrInvalid }
	now := h.Policy()
	if err := h.Reload(); err == nil || h.Policy() != now {
		t.Error("a policy the check refused was put in force")
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		field string
		in    any
		want  any
		ok    bool
	}{
		{"Person.nik", "1904015203850012", "1904********0012", true},
		{"Household.kk", "1904010506150001", "1904********0001", true},
		{"Person.name", "Ahmad  Fauzi bin Umar", "A. F. B. U.", true},
		{"Person.name", "siti", "S.", true},
		{"AuditEvent.persons", []string{"1904015203850012"}, []string{"1904********0012"}, true},
		// A date or address cannot be masked: it is withheld instead.
		{"Person.birthDate", "1985-03-12", nil, false},
		{"Household.address", "Jl. Merdeka 1", nil, false},
	}
	for _, tt := range tests {
		got, ok := Mask(tt.field, tt.in)
		if ok != tt.ok || (ok && !equalAny(got, tt.want)) {
			t.Errorf("Mask(%s, %v) = %v, %v; want %v, %v", tt.field, tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func equalAny(a, b any) bool {
	return strings.Join(toStrings(a), ",") == strings.Join(toStrings(b), ",")
}

func toStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []string:
		return v
	}
	return nil
}

// A supervisor inherits what an approver may do.
func TestRoleInheritance(t *testing.T) {
	p, _ := LoadPolicy("")
	sup := p.Decide(principal(jaring.OrgAgency, "", RoleSupervisor))
	if !sup.MayRun("Mutation.recordBenefits") {
		t.Error("a supervisor may not record benefits, though an approver may")
	}
	if got := sup.See("Person.disabled", Subject{}); got != Clear {
		t.Errorf("a supervisor sees Person.disabled %s, want clear as an approver", got)
	}
}
