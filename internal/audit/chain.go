package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jaring-id/jaring/internal/jaring"
)

// hashDomain starts every encoding that ComputeHash hashes, so that the hash
// of an event cannot be mistaken for the hash of anything else, and so that a
// later encoding can be told apart from an earlier one.
//
// Version 1 is every field but RequestID; version 2, for an event with a
// RequestID, is version 1's fields and then the RequestID. An event without
// one is hashed as version 1, so the chains written before request IDs
// existed (migration 014) still verify, and an event's RequestID can be
// neither removed nor added unnoticed: either changes its version.
const (
	hashDomain   = "jaring audit event v1"
	hashDomainV2 = "jaring audit event v2"
)

// ComputeHash returns the SHA-256 of every field of e except Hash, PrevHash
// included: the value Hash must hold.
//
// Each field is written in a fixed order, a string as its length and its
// bytes, a list as its length and its strings, so that no two different
// events share an encoding ("ab","c" is not "a","bc"). At counts as the
// microseconds since 1970 that PostgreSQL stores, whatever its time zone.
// Variables count in their canonical form (see Normalize), so that the same
// variables hash alike after jsonb has reordered their keys and respaced
// them; nil, empty and `null` are all "no variables". The lists are hashed in
// the order given: call Normalize first. The RequestID is hashed when there is
// one (see hashDomain).
func (e *Event) ComputeHash() []byte {
	h := sha256.New()
	if e.RequestID == "" {
		putString(h, hashDomain)
	} else {
		putString(h, hashDomainV2)
	}
	putInt(h, e.ID)
	putInt(h, e.At.UnixMicro())
	putString(h, e.Actor)
	putString(h, e.Org)
	putStrings(h, e.Roles)
	putString(h, e.Operation)
	putStrings(h, e.Persons)
	putStrings(h, e.Households)
	putStrings(h, e.Fields)
	putBytes(h, canonicalJSON(e.Variables))
	putString(h, e.Purpose)
	if e.RequestID != "" {
		putString(h, e.RequestID)
	}
	// nil and empty differ in the database (NULL and ''), so they differ here.
	if e.PrevHash == nil {
		h.Write([]byte{0})
	} else {
		h.Write([]byte{1})
		putBytes(h, e.PrevHash)
	}
	return h.Sum(nil)
}

func putInt(h hash.Hash, n int64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	h.Write(b[:])
}

func putBytes(h hash.Hash, b []byte) {
	putInt(h, int64(len(b)))
	h.Write(b)
}

func putString(h hash.Hash, s string) {
	putInt(h, int64(len(s)))
	h.Write([]byte(s))
}

func putStrings(h hash.Hash, ss []string) {
	putInt(h, int64(len(ss)))
	for _, s := range ss {
		putString(h, s)
	}
}

// Normalize puts e in the form in which it is stored and hashed: At in UTC,
// truncated to the microsecond that PostgreSQL keeps; Persons, Households and
// Fields sorted, without duplicates; Variables in canonical JSON, nil when
// there are none. Roles keep their order.
func (e *Event) Normalize() {
	e.At = e.At.Truncate(time.Microsecond).UTC()
	e.Persons = sortedSet(e.Persons)
	e.Households = sortedSet(e.Households)
	e.Fields = sortedSet(e.Fields)
	e.Variables = canonicalJSON(e.Variables)
}

func sortedSet(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	slices.Sort(ss)
	return slices.Compact(ss)
}

// canonicalJSON returns v decoded and encoded again: no spaces, object keys
// sorted, numbers written by their value (1, 1.0, 1e0 and 10e-1 are all
// "1"), which is a form jsonb's own normalisation does not change. It returns
// nil for no variables (nil, empty, `null`), and v unchanged if it is not
// JSON at all, so that a hash still covers every byte of it.
func canonicalJSON(v json.RawMessage) []byte {
	t := bytes.TrimSpace(v)
	if len(t) == 0 || string(t) == "null" {
		return nil
	}
	x, ok := decodeJSON(t)
	if !ok {
		return v
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(canonicalNumbers(x)); err != nil {
		return v
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// decodeJSON decodes one JSON value, keeping numbers as written.
func decodeJSON(v []byte) (any, bool) {
	d := json.NewDecoder(bytes.NewReader(v))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		return nil, false
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, false // something follows the value
	}
	return x, true
}

// canonicalNumbers replaces every number in x by its canonical form. Numbers
// are kept as text rather than float64 so that a 17-digit number, which
// jsonb keeps exactly, is hashed exactly.
func canonicalNumbers(x any) any {
	switch x := x.(type) {
	case map[string]any:
		for k, v := range x {
			x[k] = canonicalNumbers(v)
		}
	case []any:
		for i, v := range x {
			x[i] = canonicalNumbers(v)
		}
	case json.Number:
		return json.Number(canonicalNumber(string(x)))
	}
	return x
}

// canonicalNumber writes the JSON number s as its significant digits and a
// power of ten: "0.250" and "2.5e-1" become "25e-2", "1200" becomes "12e2",
// "-0" becomes "0". Any two numbers of equal value get one form, whatever
// scale jsonb's numeric keeps.
func canonicalNumber(s string) string {
	neg := strings.HasPrefix(s, "-")
	m := strings.TrimPrefix(s, "-")
	exp := 0
	if i := strings.IndexAny(m, "eE"); i >= 0 {
		e, err := strconv.Atoi(m[i+1:])
		if err != nil {
			return s // an exponent beyond int: leave it as written
		}
		m, exp = m[:i], e
	}
	whole, frac, _ := strings.Cut(m, ".")
	digits := strings.TrimLeft(whole+frac, "0")
	exp -= len(frac)
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	if trimmed == "" {
		return "0"
	}
	if exp != 0 {
		trimmed += "e" + strconv.Itoa(exp)
	}
	if neg {
		trimmed = "-" + trimmed
	}
	return trimmed
}

// Validate checks that e can be stored: it names an actor and an operation,
// its Persons are NIKs and its Households KKs (16 digits), its Variables are
// JSON, its RequestID, if any, is one jaring.ValidRequestID takes, and its
// text is UTF-8 without NUL characters, which PostgreSQL refuses. Returns
// EINVALID naming the field at fault.
func (e *Event) Validate() error {
	if e.Actor == "" {
		return jaring.Invalid("actor", "an audit event names who acted")
	}
	if e.Operation == "" {
		return jaring.Invalid("operation", "an audit event names its operation")
	}
	for _, nik := range e.Persons {
		if !sixteenDigits(nik) {
			return jaring.Invalid("persons", "%q is not a NIK of 16 digits", nik)
		}
	}
	for _, kk := range e.Households {
		if !sixteenDigits(kk) {
			return jaring.Invalid("households", "%q is not a KK of 16 digits", kk)
		}
	}
	if e.RequestID != "" && !jaring.ValidRequestID(e.RequestID) {
		return jaring.Invalid("requestID", "%q is not a request ID of 1 to %d letters, digits, '.', '_' and '-'", e.RequestID, jaring.MaxRequestIDLen)
	}
	texts := []struct {
		field string
		ss    []string
	}{
		{"actor", []string{e.Actor}}, {"org", []string{e.Org}}, {"roles", e.Roles},
		{"operation", []string{e.Operation}}, {"fields", e.Fields}, {"purpose", []string{e.Purpose}},
	}
	for _, t := range texts {
		for _, s := range t.ss {
			if !text(s) {
				return jaring.Invalid(t.field, "%q is not UTF-8 text without NUL characters", s)
			}
		}
	}
	if len(bytes.TrimSpace(e.Variables)) > 0 {
		x, ok := decodeJSON(e.Variables)
		if !ok || !utf8.Valid(e.Variables) {
			return jaring.Invalid("variables", "not JSON")
		}
		if !jsonText(x) {
			return jaring.Invalid("variables", "JSON with a NUL character, which jsonb refuses")
		}
	}
	return nil
}

// text reports whether PostgreSQL takes s as text.
func text(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// jsonText reports whether every string and key in x is text.
func jsonText(x any) bool {
	switch x := x.(type) {
	case map[string]any:
		for k, v := range x {
			if !text(k) || !jsonText(v) {
				return false
			}
		}
	case []any:
		for _, v := range x {
			if !jsonText(v) {
				return false
			}
		}
	case string:
		return text(x)
	}
	return true
}

func sixteenDigits(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Broken names the first event of a chain that is not as it was appended,
// and why.
type Broken struct {
	ID     int64 // the event at fault; for a missing event, the one after the gap
	Reason string
}

func (b *Broken) String() string { return fmt.Sprintf("audit event %d: %s", b.ID, b.Reason) }

// Verify walks a chain of events in the order of their IDs, as next returns
// them (nil, nil at the end), and checks that it starts at ID 1 without a
// PrevHash, that no ID is skipped, that every event's PrevHash is the Hash of
// the event before it and that every event's Hash is the hash of its
// contents. It returns the number of events found intact and the first that
// is not, or a nil *Broken if the whole chain holds. An error from next stops
// the walk and is returned as it is.
//
// Verify cannot see that the newest events were removed; see the package
// documentation.
func Verify(next func() (*Event, error)) (checked int64, broken *Broken, err error) {
	var prevID int64
	var prevHash []byte
	for {
		e, err := next()
		if err != nil {
			return checked, nil, err
		}
		if e == nil {
			return checked, nil, nil
		}
		if b := check(e, prevID, prevHash); b != nil {
			return checked, b, nil
		}
		checked++
		prevID, prevHash = e.ID, e.Hash
	}
}

// check checks e against the event before it (prevID 0 for none).
func check(e *Event, prevID int64, prevHash []byte) *Broken {
	broken := func(format string, args ...any) *Broken {
		return &Broken{ID: e.ID, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case prevID == 0 && e.ID != 1:
		return broken("the chain starts at id %d, not 1 (an event is missing)", e.ID)
	case e.ID <= prevID:
		return broken("it follows event %d (ids out of order or repeated)", prevID)
	case e.ID != prevID+1:
		return broken("ids skip from %d to %d (an event is missing)", prevID, e.ID)
	case !bytes.Equal(e.ComputeHash(), e.Hash):
		return broken("its hash does not match its contents")
	case prevID == 0 && e.PrevHash != nil:
		return broken("it is the first event but has a prev_hash")
	case prevID != 0 && !bytes.Equal(e.PrevHash, prevHash):
		return broken("its prev_hash does not match the hash of event %d", prevID)
	}
	return nil
}
