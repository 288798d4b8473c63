package authz

// FieldAccess is how a principal sees one field ("Type.field") before any
// row is read: what See answers for an adult's row, or a row that is about
// no one, and what a row can change. It is what a caller may ask of the
// policy to know what to show (the graph's `me`); every value comes from
// See and NeedsPurpose, the decisions the response is held to.
type FieldAccess struct {
	Field string
	// Level is how the field is seen in an adult's row, given a purpose.
	Level Level
	// NeedsPurpose: the field is seen in clear and is personal or specific
	// data, so without X-Purpose it is withheld with INVALID_INPUT naming
	// the header (Request.See).
	NeedsPurpose bool
	// ChildRule: in a child's row the field is seen otherwise, at
	// ChildLevel (a child's personal data is specific data). A list of
	// persons (AuditEvent.persons) applies it to each child it names.
	ChildRule  bool
	ChildLevel Level
}

// Access returns how the principal sees field, row by row as See decides it:
// for an adult (the zero Subject) and for a child.
func (d *Decisions) Access(field string) FieldAccess {
	adult := d.See(field, Subject{})
	child := d.See(field, Subject{Child: true})
	return FieldAccess{
		Field:        field,
		Level:        adult,
		NeedsPurpose: d.NeedsPurpose(field, adult) || d.NeedsPurpose(field, child),
		ChildRule:    child != adult,
		ChildLevel:   child,
	}
}

// NeedsPurpose reports whether showing field at level needs a declared
// purpose: personal and specific data in clear does; masked data and public
// data do not.
func (d *Decisions) NeedsPurpose(field string, level Level) bool {
	return level == Clear && d.Class(field) != Public
}
