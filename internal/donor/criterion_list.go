package donor

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
)

// The criteria's places in criteria, the bit of each in a verdict.
const (
	iRegistered = iota
	iRegion
	iDesil
	iSchoolAgeChild
	iElderly
	iDisability
	iPregnant
	iHouseholdSize
	iNotReceiving
)

// criteria are all the criteria, in the order an Answer lists them.
var criteria = []Criterion{iRegistered: Registered, iRegion: Region, iDesil: Desil, iSchoolAgeChild: SchoolAgeChild,
	iElderly: Elderly, iDisability: Disability, iPregnant: Pregnant, iHouseholdSize: HouseholdSize, iNotReceiving: NotReceiving}

// CriterionList is the met or unmet criteria of an Answer, as the schema's
// [Criterion!]! encodes them.
//
// It writes itself as one JSON array. gqlgen would otherwise marshal a list
// of enum values one element at a time, each in a goroutine with a field
// context of its own; an eligibilityBatch of 10,000 identifiers lists some
// 30,000 criteria, and that alone was a third of the call's allocation.
type CriterionList []Criterion

// MarshalGQL writes l as a JSON array of criterion codes, a piece at a
// time: the writer gqlgen passes is a buffer.
func (l CriterionList) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, "[")
	for i, c := range l {
		if i > 0 {
			_, _ = io.WriteString(w, ",")
		}
		if !slices.Contains(criteria, c) {
			// Only the constants are ever listed; anything else would be
			// a bug, and is still written as valid JSON.
			b, _ := json.Marshal(string(c))
			_, _ = w.Write(b)
			continue
		}
		_, _ = io.WriteString(w, `"`)
		_, _ = io.WriteString(w, string(c))
		_, _ = io.WriteString(w, `"`)
	}
	_, _ = io.WriteString(w, "]")
}

// UnmarshalGQL reads a list of criterion codes. No argument of the schema
// takes one; gqlgen requires it of a type it binds.
func (l *CriterionList) UnmarshalGQL(v any) error {
	items, ok := v.([]any)
	if !ok {
		return fmt.Errorf("criteria must be a list, not %T", v)
	}
	out := make(CriterionList, 0, len(items))
	for i, item := range items {
		s, ok := item.(string)
		if !ok || !slices.Contains(criteria, Criterion(s)) {
			return fmt.Errorf("criteria[%d]: %v is not a criterion", i, item)
		}
		out = append(out, Criterion(s))
	}
	*l = out
	return nil
}
