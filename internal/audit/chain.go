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
//
// Versions 1 and 2 hash only events of the legacy chain (Shard 0), whose
// order is the IDs'. Version 3 hashes every event of shards 1 to Shards: its
// Shard and Seq, then its ID and the fields of version 2, RequestID always
// (empty or not). Which version an event is hashed under follows from its
// Shard, so moving an event into or out of the legacy chain, or from one
// shard to another, breaks its hash.
const (
	hashDomain   = "jaring audit event v1"
	hashDomainV2 = "jaring audit event v2"
	hashDomainV3 = "jaring audit event v3"
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
// the order given: call Normalize first. Shard, Seq and RequestID count as
// hashDomain says; a legacy event's Seq does not count (Verify checks that it
// is 0).
func (e *Event) ComputeHash() []byte {
	h := sha256.New()
	switch {
	case e.Shard != 0:
		putString(h, hashDomainV3)
		putInt(h, int64(e.Shard))
		putInt(h, e.Seq)
	case e.RequestID == "":
		putString(h, hashDomain)
	default:
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
	if e.Shard != 0 || e.RequestID != "" {
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
	Shard  int   // its shard
	Seq    int64 // its place in its shard (0 in the legacy chain)
	Reason string
}

func (b *Broken) String() string {
	if b.Shard == 0 {
		return fmt.Sprintf("audit event %d (legacy chain): %s", b.ID, b.Reason)
	}
	return fmt.Sprintf("audit event %d (shard %d, seq %d): %s", b.ID, b.Shard, b.Seq, b.Reason)
}

// Head is the newest event of one shard's chain, as Verify found it. Kept
// where the database's administrators cannot write, it shows later whether
// the chain was cut back: the event at Seq (ID, in the legacy chain) must
// still be there with this Hash.
type Head struct {
	Shard  int
	Events int64 // the number of events in the shard's chain
	ID     int64
	Seq    int64 // 0 in the legacy chain
	Hash   []byte
}

// Report is what Verify found: the number of events found intact, the first
// that is not (nil if the whole log holds) and the head of every shard that
// holds events, in shard order (up to the break, if there is one).
type Report struct {
	Checked int64
	Broken  *Broken
	Heads   []Head
}

// headsDomain starts the encoding that Digest hashes.
const headsDomain = "jaring audit heads v1"

// Digest returns the SHA-256 of r's heads (each one's shard, number of
// events, ID, seq and hash, in shard order): one value that stands for the
// state of every chain at the moment of the report, short enough for the
// minutes of a meeting or a signed letter to the Inspektorat, with the list
// of heads beside it.
func (r *Report) Digest() []byte {
	h := sha256.New()
	putString(h, headsDomain)
	putInt(h, int64(len(r.Heads)))
	for _, hd := range r.Heads {
		putInt(h, int64(hd.Shard))
		putInt(h, hd.Events)
		putInt(h, hd.ID)
		putInt(h, hd.Seq)
		putBytes(h, hd.Hash)
	}
	return h.Sum(nil)
}

// Verify walks the audit log as next returns it (nil, nil at the end): the
// legacy chain (Shard 0) in the order of its IDs, then each shard's chain,
// shard after shard, in the order of its Seqs. It checks that
//
//   - the legacy chain starts at ID 1 without a PrevHash and skips no ID,
//     and its events have no Seq;
//   - every other shard is one of 1 to Shards, and its chain starts at Seq 1
//     without a PrevHash, skips no Seq, and its IDs rise along it, above
//     every ID of the legacy chain;
//   - every event's PrevHash is the Hash of the event before it in its chain
//     and every event's Hash is the hash of its contents.
//
// A missing event leaves a gap in the IDs or Seqs of its chain, an inserted
// one breaks the hash of the event whose place it took (or the PrevHash of
// the one after it), and an edited one breaks its own hash. It returns the
// number of events found intact, the first that is not, and the heads of the
// chains. An error from next stops the walk and is returned as it is.
//
// Verify cannot see that the newest events of a chain were removed; see the
// package documentation and Head.
func Verify(next func() (*Event, error)) (Report, error) {
	var r Report
	var prev *Event // the event before in the same chain; nil at a chain's start
	var legacyLast int64
	for {
		e, err := next()
		if err != nil {
			return r, err
		}
		if e == nil {
			return r, nil
		}
		if prev != nil && e.Shard != prev.Shard {
			if prev.Shard == 0 {
				legacyLast = prev.ID
			}
			prev = nil
		}
		if b := check(e, prev, legacyLast, r.Heads); b != nil {
			r.Broken = b
			return r, nil
		}
		r.Checked++
		if prev == nil {
			r.Heads = append(r.Heads, Head{Shard: e.Shard})
		}
		hd := &r.Heads[len(r.Heads)-1]
		hd.Events++
		hd.ID, hd.Seq, hd.Hash = e.ID, e.Seq, e.Hash
		prev = e
	}
}

// check checks e against the event before it in its chain (nil for none),
// legacyLast, the last ID of the legacy chain, and the heads of the chains
// walked so far.
func check(e, prev *Event, legacyLast int64, heads []Head) *Broken {
	broken := func(format string, args ...any) *Broken {
		return &Broken{ID: e.ID, Shard: e.Shard, Seq: e.Seq, Reason: fmt.Sprintf(format, args...)}
	}
	if e.Shard == 0 {
		var prevID int64
		if prev != nil {
			prevID = prev.ID
		}
		switch {
		case len(heads) > 0 && prev == nil:
			return broken("a legacy event after the chains of shards 1 to %d (shards out of order)", Shards)
		case e.Seq != 0:
			return broken("a legacy event with seq %d", e.Seq)
		case prevID == 0 && e.ID != 1:
			return broken("the chain starts at id %d, not 1 (an event is missing)", e.ID)
		case e.ID <= prevID:
			return broken("it follows event %d (ids out of order or repeated)", prevID)
		case e.ID != prevID+1:
			return broken("ids skip from %d to %d (an event is missing)", prevID, e.ID)
		}
		return checkHash(e, prev, broken)
	}
	switch {
	case e.Shard < 0 || e.Shard > Shards:
		return broken("shard %d is not one of 0 to %d", e.Shard, Shards)
	case prev == nil && len(heads) > 0 && heads[len(heads)-1].Shard >= e.Shard:
		return broken("shard %d follows shard %d (shards out of order)", e.Shard, heads[len(heads)-1].Shard)
	case prev == nil && e.Seq != 1:
		return broken("shard %d starts at seq %d, not 1 (an event is missing)", e.Shard, e.Seq)
	case prev != nil && e.Seq <= prev.Seq:
		return broken("it follows seq %d of shard %d (seqs out of order or repeated)", prev.Seq, e.Shard)
	case prev != nil && e.Seq != prev.Seq+1:
		return broken("seqs of shard %d skip from %d to %d (an event is missing)", e.Shard, prev.Seq, e.Seq)
	case e.ID <= legacyLast:
		return broken("its id is not above the legacy chain's last, %d", legacyLast)
	case prev != nil && e.ID <= prev.ID:
		return broken("its id is not above the id %d of the event before it in shard %d", prev.ID, e.Shard)
	}
	return checkHash(e, prev, broken)
}

// checkHash checks e's hash and its link to prev.
func checkHash(e, prev *Event, broken func(string, ...any) *Broken) *Broken {
	switch {
	case !bytes.Equal(e.ComputeHash(), e.Hash):
		return broken("its hash does not match its contents")
	case prev == nil && e.PrevHash != nil:
		return broken("it is the first event but has a prev_hash")
	case prev != nil && !bytes.Equal(e.PrevHash, prev.Hash):
		return broken("its prev_hash does not match the hash of event %d", prev.ID)
	}
	return nil
}
