package graph

import (
	"strings"

	"github.com/jaring-id/jaring/graph/model"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/jaring"
)

// meOf is what the caller of access may run and see, asked of the decisions
// the request itself is held to: each operation as checkOperation asks it
// (Decisions.MayRun), each field as applyFieldPolicy does (Decisions.Access,
// which is See for an adult's row and a child's, and NeedsPurpose). There is
// no second table to drift from the first.
func meOf(access *authz.Request, org *jaring.Organisation) *model.Me {
	p, d := access.Principal, access.Decisions
	m := &model.Me{
		Organisation: org,
		Kind:         p.OrgKind,
		Roles:        authz.RoleNames(p.Roles),
		Purpose:      access.Purpose != "",
		Operations:   []string{},
		Capabilities: []string{},
	}
	if p.Region != "" {
		m.Region = lookupRegion(p.Region)
	}
	for _, op := range Operations() {
		if d.MayRun(op) {
			m.Operations = append(m.Operations, op)
		}
	}
	for _, c := range authz.Capabilities {
		if d.MayRun(c) {
			m.Capabilities = append(m.Capabilities, c)
		}
	}
	var t *model.TypeAccess
	for _, field := range Fields() { // sorted: each type's fields together
		typ, name, _ := strings.Cut(field, ".")
		if t == nil || t.Type != typ {
			t = &model.TypeAccess{Type: typ, Clear: []string{}, Masked: []string{}, Withheld: []string{},
				NeedsPurpose: []string{}, DependsOnRow: []*model.RowDependence{}}
			m.Types = append(m.Types, t)
		}
		a := d.Access(field)
		switch a.Level {
		case authz.Clear:
			t.Clear = append(t.Clear, name)
		case authz.Masked:
			t.Masked = append(t.Masked, name)
		default:
			t.Withheld = append(t.Withheld, name)
		}
		if a.NeedsPurpose {
			t.NeedsPurpose = append(t.NeedsPurpose, name)
		}
		if a.ChildRule {
			t.DependsOnRow = append(t.DependsOnRow, &model.RowDependence{Field: name, Rule: model.RowRuleChild, Level: fieldLevel(a.ChildLevel)})
		}
	}
	return m
}

// fieldLevel is level as the schema names it.
func fieldLevel(level authz.Level) model.FieldLevel {
	switch level {
	case authz.Clear:
		return model.FieldLevelClear
	case authz.Masked:
		return model.FieldLevelMasked
	}
	return model.FieldLevelWithheld
}
