package donor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/region"
	"github.com/jaring-id/jaring/internal/registry"
)

// Criteria say whom a donor's program is for. The donor writes them as JSON
// (see the package documentation); they are stored with the program and
// shown back as written. The zero value takes every REGISTERED household,
// anywhere.
type Criteria struct {
	// Regions are region-code prefixes ("19.04", "19.04.01.2003"); the
	// household's village must lie in one of them. Empty: anywhere.
	Regions []string `json:"regions,omitempty"`
	// DesilMax is the highest welfare decile, 1–10, a household may be
	// ranked at; an unranked household fails it. Nil: any, unranked too.
	DesilMax *int `json:"desilMax,omitempty"`
	// RegisterStatus lists the register statuses the program takes.
	// Empty: REGISTERED only.
	RegisterStatus []registry.RegisterStatus `json:"registerStatus,omitempty"`
	// Composition is who must live in the household.
	Composition Composition `json:"composition,omitzero"`
	// NotReceiving lists kinds of aid (benefit.Kind codes such as FOOD or
	// HOUSING) that no one in the household may already hold over the
	// program's period.
	NotReceiving []string `json:"notReceiving,omitempty"`
}

// Composition says who must live in a household: each flag that is set
// asks for at least one member who is so, MinSize for at least that many
// members. The zero value asks nothing.
type Composition struct {
	SchoolAgeChild bool `json:"schoolAgeChild,omitempty"` // aged SchoolAgeFrom to SchoolAgeTo
	Elderly        bool `json:"elderly,omitempty"`        // aged ElderlyFrom or over
	Disability     bool `json:"disability,omitempty"`     // with a disability
	Pregnant       bool `json:"pregnant,omitempty"`       // pregnant
	MinSize        int  `json:"minSize,omitempty"`        // members, 0 for any number
}

// The ages of the composition flags, in whole years on the day asked.
const (
	SchoolAgeFrom = 6  // the twelve years of schooling, from primary (SD)…
	SchoolAgeTo   = 18 // …to senior secondary (SMA, SMK)
	ElderlyFrom   = 60 // lanjut usia, 60 and over (UU 13/1998 art. 1)
)

// StandardKind reports whether code is one of the kinds of aid Jaring's
// catalogue is seeded with (FOOD, CASH_LIVING, CASH_CONDITIONAL,
// HEALTH_PREMIUM, MEDICAL_COST, MEDICAL_DEVICE, EDUCATION, HOUSING,
// REHABILITATION). ParseCriteria checks NotReceiving against it; a caller
// that holds the live catalogue (benefit.Store.FindKinds) passes that to
// Criteria.Validate instead.
func StandardKind(code string) bool {
	switch code {
	case "FOOD", "CASH_LIVING", "CASH_CONDITIONAL", "HEALTH_PREMIUM", "MEDICAL_COST",
		"MEDICAL_DEVICE", "EDUCATION", "HOUSING", "REHABILITATION":
		return true
	}
	return false
}

// ParseCriteria reads criteria written as JSON and validates them with
// StandardKind. It is strict, so that a donor's slip is an error rather
// than a criterion silently dropped: an unknown or repeated key, a value of
// the wrong type (null included) and a value out of range are EINVALID, with
// Field the path of the value ("criteria.regions[1]",
// "criteria.composition.minSize") and a message that says what is allowed.
// An empty list is the same as leaving the key out.
func ParseCriteria(data []byte) (Criteria, error) {
	if !json.Valid(data) {
		return Criteria{}, jaring.Invalid("criteria", "is not valid JSON; write an object such as {\"desilMax\": 4}")
	}
	if err := criteriaShape.check("criteria", data); err != nil {
		return Criteria{}, err
	}
	var c Criteria
	if err := json.Unmarshal(data, &c); err != nil {
		// The shape was checked, so this is a fault of ours.
		return Criteria{}, fmt.Errorf("decode checked criteria: %w", err)
	}
	c.Regions = nilIfEmpty(c.Regions)
	c.RegisterStatus = nilIfEmpty(c.RegisterStatus)
	c.NotReceiving = nilIfEmpty(c.NotReceiving)
	if err := c.Validate(StandardKind); err != nil {
		return Criteria{}, err
	}
	return c, nil
}

// Validate checks the values of c; knownKinds reports whether a code is a
// kind of aid in the catalogue. It returns EINVALID errors placed as
// ParseCriteria places them, for criteria built in Go as for criteria read
// from JSON.
//
// A program may take REGISTERED and PROPOSED households, never UNREGISTERED
// or REMOVED ones: answering for those would tell a donor that Jaring knows
// a household the register does not hold, or once held, which is just what
// the uniform answer of Evaluate hides.
func (c Criteria) Validate(knownKinds func(code string) bool) error {
	for i, code := range c.Regions {
		field := fmt.Sprintf("criteria.regions[%d]", i)
		if !region.ValidCode(code) {
			return jaring.Invalid(field, "%q is not a region code; write a dotted Kemendagri code such as 19, 19.04, 19.04.01 or 19.04.01.2003", code)
		}
		if _, ok := region.Lookup(code); !ok {
			return jaring.Invalid(field, "no region has the code %s; write the code of a province, regency, district or village", code)
		}
		if j := slices.Index(c.Regions[:i], code); j >= 0 {
			return jaring.Invalid(field, "%s is already listed at regions[%d]; list each region once", code, j)
		}
	}
	if d := c.DesilMax; d != nil && (*d < 1 || *d > 10) {
		return jaring.Invalid("criteria.desilMax", "must be a desil from 1 to 10, got %d", *d)
	}
	for i, s := range c.RegisterStatus {
		field := fmt.Sprintf("criteria.registerStatus[%d]", i)
		switch {
		case s == registry.Unregistered || s == registry.Removed:
			return jaring.Invalid(field, "a program may not take %s households: a donor may learn nothing of households outside the register; use REGISTERED or PROPOSED", s)
		case !answerable(s):
			return jaring.Invalid(field, "%q is not a register status; use REGISTERED or PROPOSED", s)
		}
		if j := slices.Index(c.RegisterStatus[:i], s); j >= 0 {
			return jaring.Invalid(field, "%s is already listed at registerStatus[%d]; list each status once", s, j)
		}
	}
	if n := c.Composition.MinSize; n < 0 {
		return jaring.Invalid("criteria.composition.minSize", "must be a number of members of at least 1, or left out, got %d", n)
	}
	for i, kind := range c.NotReceiving {
		field := fmt.Sprintf("criteria.notReceiving[%d]", i)
		if !knownKinds(kind) {
			return jaring.Invalid(field, "%q is not a kind of aid; use a kind code such as FOOD, CASH_LIVING or HOUSING", kind)
		}
		if j := slices.Index(c.NotReceiving[:i], kind); j >= 0 {
			return jaring.Invalid(field, "%s is already listed at notReceiving[%d]; list each kind once", kind, j)
		}
	}
	return nil
}

// answerable reports whether a donor may be answered about households of
// register status s at all.
func answerable(s registry.RegisterStatus) bool {
	return s == registry.Registered || s == registry.Proposed
}

// takes reports whether the program takes households of register status s.
// It checks answerable itself, so that criteria built in Go and never
// validated cannot open the register either.
func (c Criteria) takes(s registry.RegisterStatus) bool {
	if len(c.RegisterStatus) == 0 {
		return s == registry.Registered
	}
	return answerable(s) && slices.Contains(c.RegisterStatus, s)
}

func nilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

// criteriaShape is the JSON shape of Criteria, which ParseCriteria checks
// before decoding: encoding/json would take unknown keys, repeated keys,
// keys in the wrong case and nulls without a word, and names no path in
// its errors.
var criteriaShape = shape{kind: jsonObject, want: "an object of criteria", keys: []key{
	{"regions", list("region codes", shape{kind: jsonString, want: "a region code such as \"19.04.01\""})},
	{"desilMax", shape{kind: jsonInteger, want: "a desil from 1 to 10"}},
	{"registerStatus", list("register statuses", shape{kind: jsonString, want: "a register status, REGISTERED or PROPOSED"})},
	{"composition", shape{kind: jsonObject, want: "an object of composition flags", keys: []key{
		{"schoolAgeChild", flag},
		{"elderly", flag},
		{"disability", flag},
		{"pregnant", flag},
		{"minSize", shape{kind: jsonInteger, want: "a number of members of at least 1"}},
	}}},
	{"notReceiving", list("kinds of aid", shape{kind: jsonString, want: "a kind of aid such as \"HOUSING\""})},
}}

var flag = shape{kind: jsonBool, want: "true or false"}

func list(of string, elem shape) shape {
	return shape{kind: jsonArray, want: "a list of " + of, elem: &elem}
}

// jsonKind is the type of a JSON value, as a message names it.
type jsonKind string

const (
	jsonObject  jsonKind = "an object"
	jsonArray   jsonKind = "a list"
	jsonString  jsonKind = "a string"
	jsonInteger jsonKind = "a whole number"
	jsonNumber  jsonKind = "a number with a fraction or exponent"
	jsonBool    jsonKind = "true or false"
	jsonNull    jsonKind = "null"
)

// shape is what a JSON value must look like.
type shape struct {
	kind jsonKind
	want string // what is allowed, for the message
	keys []key  // an object's keys, in the documented order
	elem *shape // a list's elements
}

type key struct {
	name  string
	shape shape
}

// check reports the first place where the valid JSON value data, found at
// path, departs from s.
func (s shape) check(path string, data []byte) error {
	if got := kindOf(data); got != s.kind {
		return jaring.Invalid(path, "must be %s, got %s", s.want, got)
	}
	switch s.kind {
	case jsonInteger:
		if _, err := strconv.Atoi(string(bytes.TrimSpace(data))); err != nil {
			return jaring.Invalid(path, "must be %s, got a number out of range", s.want)
		}
	case jsonObject:
		return s.checkObject(path, data)
	case jsonArray:
		var elems []json.RawMessage
		if err := json.Unmarshal(data, &elems); err != nil {
			return fmt.Errorf("split list at %s: %w", path, err)
		}
		for i, e := range elems {
			if err := s.elem.check(fmt.Sprintf("%s[%d]", path, i), e); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkObject reads the members one by one, as unmarshalling into a map
// would hide a repeated key.
func (s shape) checkObject(path string, data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return fmt.Errorf("open object at %s: %w", path, err)
	}
	var seen []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("read key at %s: %w", path, err)
		}
		name := tok.(string) // a key, as the object is valid JSON
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return fmt.Errorf("read value at %s.%s: %w", path, name, err)
		}
		field := path + "." + name
		i := slices.IndexFunc(s.keys, func(k key) bool { return k.name == name })
		switch {
		case i < 0:
			return jaring.Invalid(field, "is not a key of %s; the keys are %s", path, s.keyNames())
		case slices.Contains(seen, name):
			return jaring.Invalid(field, "is given twice; give each key once")
		}
		seen = append(seen, name)
		if err := s.keys[i].shape.check(field, value); err != nil {
			return err
		}
	}
	return nil
}

func (s shape) keyNames() string {
	names := make([]string, len(s.keys))
	for i, k := range s.keys {
		names[i] = k.name
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// kindOf returns the type of the valid JSON value data.
func kindOf(data []byte) jsonKind {
	data = bytes.TrimSpace(data)
	switch data[0] {
	case '{':
		return jsonObject
	case '[':
		return jsonArray
	case '"':
		return jsonString
	case 't', 'f':
		return jsonBool
	case 'n':
		return jsonNull
	}
	if bytes.ContainsAny(data, ".eE") {
		return jsonNumber
	}
	return jsonInteger
}
