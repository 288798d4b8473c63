package audit_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/jaring"
)

const (
	nikA = "1904011203850001"
	nikB = "1904015508880002"
	kkA  = "1904010506150001"
)

// event returns a normalised event with every field set.
func event() *audit.Event {
	e := &audit.Event{
		ID:         7,
		At:         time.Date(2026, time.July, 1, 9, 30, 0, 123456000, time.UTC),
		Actor:      "petugas-01",
		Org:        "SILAKSO",
		Roles:      []string{"front_office", "verifier"},
		Operation:  "query household",
		Persons:    []string{nikA, nikB},
		Households: []string{kkA},
		Fields:     []string{"Person.name", "Person.nik"},
		Variables:  json.RawMessage(`{"kk":"1904010506150001","first":20}`),
		Purpose:    "verifikasi permohonan bantuan",
		PrevHash:   bytes.Repeat([]byte{0xab}, 32),
	}
	e.Normalize()
	return e
}

func TestComputeHashCoversEveryField(t *testing.T) {
	// Each case changes one field; every field but Hash must have one, so
	// that a field added to Event later cannot go unhashed unnoticed. The
	// event is in a shard (version 3): in the legacy chain, Seq is 0 and
	// Verify checks that it stays 0.
	cases := map[string]func(e *audit.Event){
		"ID":         func(e *audit.Event) { e.ID++ },
		"Shard":      func(e *audit.Event) { e.Shard++ },
		"Seq":        func(e *audit.Event) { e.Seq++ },
		"At":         func(e *audit.Event) { e.At = e.At.Add(time.Microsecond) },
		"Actor":      func(e *audit.Event) { e.Actor = "petugas-02" },
		"Org":        func(e *audit.Event) { e.Org = "DINSOS" },
		"Roles":      func(e *audit.Event) { e.Roles = e.Roles[:1] },
		"Operation":  func(e *audit.Event) { e.Operation = "mutation recordBenefits" },
		"Persons":    func(e *audit.Event) { e.Persons = e.Persons[1:] },
		"Households": func(e *audit.Event) { e.Households = nil },
		"Fields":     func(e *audit.Event) { e.Fields = append(e.Fields, "Person.motherName") },
		"Variables":  func(e *audit.Event) { e.Variables = json.RawMessage(`{"kk":"1904010506150001","first":21}`) },
		"Purpose":    func(e *audit.Event) { e.Purpose = "penelitian" },
		"RequestID":  func(e *audit.Event) { e.RequestID = "req-1" },
		"PrevHash":   func(e *audit.Event) { e.PrevHash = bytes.Repeat([]byte{0xac}, 32) },
	}
	typ := reflect.TypeFor[audit.Event]()
	for i := range typ.NumField() {
		if name := typ.Field(i).Name; name != "Hash" && cases[name] == nil {
			t.Errorf("no case changes Event.%s: is it hashed?", name)
		}
	}
	base := sharded().ComputeHash()
	if len(base) != 32 {
		t.Fatalf("hash has %d bytes, want 32 (SHA-256)", len(base))
	}
	for name, change := range cases {
		e := sharded()
		change(e)
		if bytes.Equal(e.ComputeHash(), base) {
			t.Errorf("changing %s leaves the hash as it was", name)
		}
		// And in the legacy chain, every field but Seq counts too.
		if name == "Seq" || name == "Shard" {
			continue
		}
		e, legacy := event(), event().ComputeHash()
		change(e)
		if bytes.Equal(e.ComputeHash(), legacy) {
			t.Errorf("changing %s of a legacy event leaves the hash as it was", name)
		}
	}
	// Hash itself is not hashed: setting it changes nothing.
	e := sharded()
	e.Hash = base
	if !bytes.Equal(e.ComputeHash(), base) {
		t.Error("the hash depends on the Hash field")
	}
}

// The hashes of events written before request IDs existed do not change:
// an event without one hashes as version 1 did (the value below was computed
// before RequestID was added), so old chains still verify. One with a request
// ID hashes otherwise, and its ID counts: it can be neither removed, nor
// added, nor changed unnoticed.
func TestComputeHashRequestID(t *testing.T) {
	const v1 = "58b5c834d80118c6bf67b41d347a415389e95ed01bb04f1dd267ef643c38fa2c"
	if got := fmt.Sprintf("%x", event().ComputeHash()); got != v1 {
		t.Errorf("hash of an event without a request ID = %s, want the version 1 hash %s", got, v1)
	}
	with := event()
	with.RequestID = "req-1"
	other := event()
	other.RequestID = "req-2"
	if bytes.Equal(with.ComputeHash(), event().ComputeHash()) || bytes.Equal(with.ComputeHash(), other.ComputeHash()) {
		t.Error("the request ID does not count in the hash")
	}
	// Moving the end of the purpose into the request ID is another event.
	a, b := event(), event()
	a.Purpose, a.RequestID = "ab", "c"
	b.Purpose, b.RequestID = "a", "bc"
	if bytes.Equal(a.ComputeHash(), b.ComputeHash()) {
		t.Error("purpose and request ID are not told apart")
	}
}

// sharded returns event() as the 3rd event of shard 12.
func sharded() *audit.Event {
	e := event()
	e.Shard, e.Seq = 12, 3
	return e
}

// Version 3 hashes every event of a shard, with or without a request ID;
// moving an event between shards, or into or out of the legacy chain,
// changes its hash, so a legacy hash is no good in a shard and the reverse.
func TestComputeHashShard(t *testing.T) {
	legacy := event()
	withID := event()
	withID.RequestID = "req-1"
	hashes := map[string][]byte{"legacy v1": legacy.ComputeHash(), "legacy v2": withID.ComputeHash()}
	for _, shard := range []int{1, 2, audit.Shards} {
		for _, rid := range []string{"", "req-1"} {
			e := event()
			e.Shard, e.Seq, e.RequestID = shard, 7, rid
			hashes[fmt.Sprintf("shard %d, request ID %q", shard, rid)] = e.ComputeHash()
		}
	}
	seen := map[string]string{}
	for name, h := range hashes {
		if other, ok := seen[string(h)]; ok {
			t.Errorf("%s and %s hash alike", name, other)
		}
		seen[string(h)] = name
	}
}

// ShardOf is stable (part of the stored format: the values below must never
// change), in 1 to Shards, and follows the first household, else the first
// person, else the actor.
func TestShardOf(t *testing.T) {
	e := event()
	if got := audit.ShardOf(e); got != 29 {
		t.Errorf("ShardOf(an event about KK %s) = %d, want 29 as always", kkA, got)
	}
	other := event()
	other.Operation, other.Persons, other.Actor = "mutation recordBenefits", nil, "someone else"
	if audit.ShardOf(other) != audit.ShardOf(e) {
		t.Error("two events about one household are in different shards")
	}
	noKK := event()
	noKK.Households = nil
	byNIK := &audit.Event{Actor: "x", Persons: []string{nikA}}
	if audit.ShardOf(noKK) != audit.ShardOf(byNIK) {
		t.Error("an event without households is not placed by its first NIK")
	}
	byActor := &audit.Event{Actor: "petugas-01"}
	if audit.ShardOf(byActor) != audit.ShardOf(&audit.Event{Actor: "petugas-01", Operation: "export"}) {
		t.Error("an event without persons is not placed by its actor")
	}
	counts := make([]int, audit.Shards+1)
	for i := range 6400 {
		s := audit.ShardOf(&audit.Event{Households: []string{fmt.Sprintf("19040105061%05d", i)}})
		if s < 1 || s > audit.Shards {
			t.Fatalf("ShardOf = %d, not one of 1 to %d", s, audit.Shards)
		}
		counts[s]++
	}
	// 6,400 households spread over every shard, none holding thrice its share.
	for s, n := range counts[1:] {
		if n == 0 || n > 300 {
			t.Errorf("shard %d holds %d of 6400 households", s+1, n)
		}
	}
}

func TestComputeHashUnambiguous(t *testing.T) {
	// Pairs of different events whose fields concatenate alike: a hash
	// without length prefixes would confuse them.
	tests := []struct {
		name string
		a, b func(e *audit.Event)
	}{
		{"a string's end moved into the next",
			func(e *audit.Event) { e.Actor, e.Org = "ab", "c" },
			func(e *audit.Event) { e.Actor, e.Org = "a", "bc" }},
		{"one list item split in two",
			func(e *audit.Event) { e.Roles = []string{"ab"} },
			func(e *audit.Event) { e.Roles = []string{"a", "b"} }},
		{"an item moved from one list to the next",
			func(e *audit.Event) { e.Roles, e.Operation = []string{"x"}, "op" },
			func(e *audit.Event) { e.Roles, e.Operation = nil, "xop" }},
		{"no roles and one empty role",
			func(e *audit.Event) { e.Roles = nil },
			func(e *audit.Event) { e.Roles = []string{""} }},
		// NULL and an empty bytea are different rows.
		{"no prev_hash and an empty one",
			func(e *audit.Event) { e.PrevHash = nil },
			func(e *audit.Event) { e.PrevHash = []byte{} }},
		{"variables and purpose",
			func(e *audit.Event) { e.Variables, e.Purpose = json.RawMessage(`"a"`), "b" },
			func(e *audit.Event) { e.Variables, e.Purpose = json.RawMessage(`"ab"`), "" }},
	}
	for _, tt := range tests {
		a, b := event(), event()
		tt.a(a)
		tt.b(b)
		if bytes.Equal(a.ComputeHash(), b.ComputeHash()) {
			t.Errorf("%s: two different events share a hash", tt.name)
		}
	}
}

func TestComputeHashVariablesCanonical(t *testing.T) {
	same := []struct {
		name string
		a, b string
	}{
		// What jsonb does to what it stores: keys reordered, spaces added.
		{"jsonb's key order and spacing", `{"kk":"1904010506150001","first":20,"after":null}`, `{"kk": "1904010506150001", "after": null, "first": 20}`},
		{"nested objects", `{"a":{"y":1,"x":[{"q":1,"p":2}]}}`, `{"a": {"x": [{"p": 2, "q": 1}], "y": 1}}`},
		// jsonb keeps numeric's scale (1.0 stays 1.0) but rewrites exponents.
		{"numbers by value", `[1, 1.0, 1e0, 10e-1, 0.25, 1200]`, `[1.00, 1E+0, 1, 1, 2.5e-1, 1.2e3]`},
		{"minus zero", `-0`, `0.0`},
		// A NIK sent as a number keeps all 16 digits, and 17 digits too.
		{"big integers stay exact", `19040112038500011`, `19040112038500011.0`},
		{"escapes", `"\u00e9\/"`, `"é/"`},
		// No variables, however said.
		{"nil and null", "", "null"},
		{"null with spaces", " null\n", ""},
	}
	for _, tt := range same {
		a, b := event(), event()
		a.Variables, b.Variables = json.RawMessage(tt.a), json.RawMessage(tt.b)
		if !bytes.Equal(a.ComputeHash(), b.ComputeHash()) {
			t.Errorf("%s: %s and %s hash differently", tt.name, tt.a, tt.b)
		}
		// Normalize gives both one form, which hashes as they did.
		ha := a.ComputeHash()
		a.Normalize()
		b.Normalize()
		if !bytes.Equal(a.Variables, b.Variables) || !bytes.Equal(a.ComputeHash(), ha) {
			t.Errorf("%s: Normalize gives %s and %s", tt.name, a.Variables, b.Variables)
		}
	}
	differ := []struct {
		name string
		a, b string
	}{
		{"a number and a string", `{"first":1}`, `{"first":"1"}`},
		{"numbers one part in 10^17 apart", `19040112038500011`, `19040112038500012`},
		{"array order matters", `[1,2]`, `[2,1]`},
		{"null is not an empty object", `null`, `{}`},
		{"null inside is a value", `{"a":null}`, `{}`},
	}
	for _, tt := range differ {
		a, b := event(), event()
		a.Variables, b.Variables = json.RawMessage(tt.a), json.RawMessage(tt.b)
		if bytes.Equal(a.ComputeHash(), b.ComputeHash()) {
			t.Errorf("%s: %s and %s hash alike", tt.name, tt.a, tt.b)
		}
	}
}

func TestComputeHashAt(t *testing.T) {
	// PostgreSQL keeps microseconds and no time zone: the hash must not
	// change when At comes back from the database.
	e := event()
	h := e.ComputeHash()
	wib := time.FixedZone("WIB", 7*3600)
	for _, at := range []time.Time{e.At.In(wib), e.At.Add(999 * time.Nanosecond), e.At.Local()} {
		f := event()
		f.At = at
		if !bytes.Equal(f.ComputeHash(), h) {
			t.Errorf("At = %v hashes differently from %v", at, e.At)
		}
	}
}

func TestNormalize(t *testing.T) {
	e := &audit.Event{
		At:         time.Date(2026, 7, 1, 16, 30, 0, 123456789, time.FixedZone("WIB", 7*3600)),
		Roles:      []string{"verifier", "front_office", "verifier"},
		Persons:    []string{nikB, nikA, nikB},
		Households: []string{},
		Fields:     []string{"Person.nik", "Person.name", "Person.nik", "Household.kk"},
		Variables:  json.RawMessage(`{ "b": 2, "a": 1.50 }`),
	}
	e.Normalize()
	want := &audit.Event{
		At:        time.Date(2026, 7, 1, 9, 30, 0, 123456000, time.UTC),
		Roles:     []string{"verifier", "front_office", "verifier"}, // roles keep their order
		Persons:   []string{nikA, nikB},
		Fields:    []string{"Household.kk", "Person.name", "Person.nik"},
		Variables: json.RawMessage(`{"a":15e-1,"b":2}`),
	}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("Normalize =\n%+v\nwant\n%+v", e, want)
	}
	e.Variables = json.RawMessage("null")
	e.Normalize()
	if e.Variables != nil {
		t.Errorf("null variables normalise to %q, want nil", e.Variables)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(e *audit.Event)
		field  string // "" for valid
	}{
		{"complete", func(e *audit.Event) {}, ""},
		{"no variables, persons or households", func(e *audit.Event) { e.Variables, e.Persons, e.Households = nil, nil, nil }, ""},
		// Nobody acted: worthless as a record.
		{"no actor", func(e *audit.Event) { e.Actor = "" }, "actor"},
		{"no operation", func(e *audit.Event) { e.Operation = "" }, "operation"},
		// The trail is searched by NIK: anything else would never be found.
		{"a name for a NIK", func(e *audit.Event) { e.Persons = []string{"Siti Aminah"} }, "persons"},
		{"a short KK", func(e *audit.Event) { e.Households = []string{"190401"} }, "households"},
		// PostgreSQL refuses these; refusing them here keeps one bad event
		// from failing a whole batch.
		{"NUL in purpose", func(e *audit.Event) { e.Purpose = "a\x00b" }, "purpose"},
		{"bad UTF-8 in a role", func(e *audit.Event) { e.Roles = []string{"\xff"} }, "roles"},
		{"variables not JSON", func(e *audit.Event) { e.Variables = json.RawMessage(`{"a":`) }, "variables"},
		{"variables followed by more", func(e *audit.Event) { e.Variables = json.RawMessage(`{} {}`) }, "variables"},
		{"NUL in variables", func(e *audit.Event) { e.Variables = json.RawMessage(`{"a":"\u0000"}`) }, "variables"},
		// The six characters \u0000 are text, not a NUL.
		{"an escaped backslash-u", func(e *audit.Event) { e.Variables = json.RawMessage(`{"a":"\\u0000"}`) }, ""},
		// The request ID is echoed in logs and headers: the server's rule holds in the log too.
		{"a request ID", func(e *audit.Event) { e.RequestID = "01J9Z-abc.def_1" }, ""},
		{"a request ID with a space", func(e *audit.Event) { e.RequestID = "a b" }, "requestID"},
		{"a request ID too long", func(e *audit.Event) { e.RequestID = strings.Repeat("a", 65) }, "requestID"},
	}
	for _, tt := range tests {
		e := event()
		tt.change(e)
		err := e.Validate()
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: Validate = %v, want nil", tt.name, err)
		case tt.field != "" && (jaring.ErrorCode(err) != jaring.EINVALID || jaring.ErrorField(err) != tt.field):
			t.Errorf("%s: Validate = %v, want INVALID_INPUT at %s", tt.name, err, tt.field)
		}
	}
}

// chain returns n events chained as an appender would chain them.
func chain(n int) []*audit.Event {
	evs := make([]*audit.Event, n)
	var prev []byte
	for i := range evs {
		e := event()
		e.ID, e.PrevHash = int64(i+1), prev
		e.At = e.At.Add(time.Duration(i) * time.Second)
		e.Persons = []string{fmt.Sprintf("19040112038500%02d", i%100)}
		e.Hash = e.ComputeHash()
		evs[i], prev = e, e.Hash
	}
	return evs
}

// from returns a next function over evs.
func from(evs []*audit.Event) func() (*audit.Event, error) {
	return func() (*audit.Event, error) {
		if len(evs) == 0 {
			return nil, nil
		}
		e := evs[0]
		evs = evs[1:]
		return e, nil
	}
}

// rehash recomputes e's hash, as a tamperer who knows the scheme would.
func rehash(e *audit.Event) { e.Hash = e.ComputeHash() }

func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(evs []*audit.Event) []*audit.Event
		checked int64
		id      int64  // of the broken event; 0 for an intact chain
		reason  string // part of the reason
	}{
		{"intact", func(evs []*audit.Event) []*audit.Event { return evs }, 50, 0, ""},
		{"empty", func([]*audit.Event) []*audit.Event { return nil }, 0, 0, ""},
		{"one field changed",
			func(evs []*audit.Event) []*audit.Event { evs[40].Purpose = "lain"; return evs },
			40, 41, "its hash does not match its contents"},
		{"the hash changed",
			func(evs []*audit.Event) []*audit.Event { evs[40].Hash[0] ^= 1; return evs },
			40, 41, "its hash does not match its contents"},
		// Rehashing the changed event moves the break to the next one.
		{"changed and rehashed",
			func(evs []*audit.Event) []*audit.Event { evs[40].Actor = "x"; rehash(evs[40]); return evs },
			41, 42, "its prev_hash does not match the hash of event 41"},
		{"an event removed",
			func(evs []*audit.Event) []*audit.Event { return slices.Delete(evs, 41, 42) },
			41, 43, "ids skip from 41 to 43 (an event is missing)"},
		// Renumbering after a removal breaks the renumbered event's hash.
		{"removed and renumbered",
			func(evs []*audit.Event) []*audit.Event {
				evs = slices.Delete(evs, 41, 42)
				for _, e := range evs[41:] {
					e.ID--
				}
				return evs
			},
			41, 42, "its hash does not match its contents"},
		{"two swapped",
			func(evs []*audit.Event) []*audit.Event { evs[10], evs[11] = evs[11], evs[10]; return evs },
			10, 12, "ids skip from 10 to 12"},
		{"one repeated",
			func(evs []*audit.Event) []*audit.Event { return slices.Insert(evs, 11, evs[10]) },
			11, 11, "follows event 11"},
		{"the first removed",
			func(evs []*audit.Event) []*audit.Event { return evs[1:] },
			0, 2, "starts at id 2, not 1"},
		{"the first given a prev_hash",
			func(evs []*audit.Event) []*audit.Event {
				evs[0].PrevHash = make([]byte, 32)
				rehash(evs[0])
				return evs
			},
			0, 1, "first event but has a prev_hash"},
		{"a prev_hash emptied and rehashed",
			func(evs []*audit.Event) []*audit.Event { evs[5].PrevHash = nil; rehash(evs[5]); return evs },
			5, 6, "prev_hash does not match the hash of event 5"},
	}
	for _, tt := range tests {
		r, err := audit.Verify(from(tt.tamper(chain(50))))
		checked, broken := r.Checked, r.Broken
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		switch {
		case tt.id == 0 && broken != nil:
			t.Errorf("%s: Verify = %v, want an intact chain", tt.name, broken)
		case tt.id != 0 && (broken == nil || broken.ID != tt.id || !strings.Contains(broken.Reason, tt.reason)):
			t.Errorf("%s: Verify = %v, want event %d broken: %q", tt.name, broken, tt.id, tt.reason)
		}
		if checked != tt.checked {
			t.Errorf("%s: Verify checked %d events, want %d", tt.name, checked, tt.checked)
		}
	}

	// An error reading the chain is returned, with the count so far.
	evs := chain(3)
	boom := errors.New("connection reset")
	n := 0
	r, err := audit.Verify(func() (*audit.Event, error) {
		if n == 2 {
			return nil, boom
		}
		n++
		return evs[n-1], nil
	})
	if !errors.Is(err, boom) || r.Broken != nil || r.Checked != 2 {
		t.Errorf("Verify with a failing reader = %d, %v, %v; want 2, nil, the error", r.Checked, r.Broken, err)
	}
}

// log returns a legacy chain of legacy events and then, after it, the chains
// of the given shards, n events each, ids rising across them as a sequence
// would give them: every other one, as if rolled-back appends used up the
// others.
func log(legacy int, shards []int, n int) []*audit.Event {
	evs := chain(legacy)
	id := int64(legacy) + 3
	for _, s := range shards {
		var prev []byte
		for seq := range n {
			e := event()
			e.Shard, e.Seq, e.ID, e.PrevHash = s, int64(seq+1), id, prev
			e.RequestID = []string{"", "req-9"}[seq%2]
			e.Persons = []string{fmt.Sprintf("19040112038501%02d", seq)}
			e.Hash = e.ComputeHash()
			evs, prev, id = append(evs, e), e.Hash, id+2
		}
	}
	return evs
}

// find returns the event of evs in shard at seq.
func find(evs []*audit.Event, shard int, seq int64) int {
	return slices.IndexFunc(evs, func(e *audit.Event) bool { return e.Shard == shard && e.Seq == seq })
}

func TestVerifyShards(t *testing.T) {
	// 10 legacy events, then shards 3, 7 and 64 with 5 events each; the
	// event named is given by shard and seq (seq 0: the legacy id).
	tests := []struct {
		name       string
		tamper     func(evs []*audit.Event) []*audit.Event
		shard      int
		seq        int64 // 0 for an intact log
		reason     string
		checkedMin int64
	}{
		{"intact", func(evs []*audit.Event) []*audit.Event { return evs }, 0, 0, "", 25},
		{"edited", func(evs []*audit.Event) []*audit.Event { evs[find(evs, 7, 3)].Purpose = "lain"; return evs },
			7, 3, "its hash does not match its contents", 17},
		{"removed", func(evs []*audit.Event) []*audit.Event { i := find(evs, 7, 3); return slices.Delete(evs, i, i+1) },
			7, 4, "seqs of shard 7 skip from 2 to 4 (an event is missing)", 17},
		{"the first of a shard removed", func(evs []*audit.Event) []*audit.Event {
			i := find(evs, 7, 1)
			return slices.Delete(evs, i, i+1)
		}, 7, 2, "shard 7 starts at seq 2, not 1", 15},
		// An event slipped in at seq 3, with the right hash and prev_hash,
		// the later ones renumbered: the old seq 3 no longer hashes.
		{"inserted", func(evs []*audit.Event) []*audit.Event {
			i := find(evs, 7, 3)
			forged := *evs[i]
			forged.Purpose, forged.ID = "palsu", forged.ID-1
			forged.Hash = forged.ComputeHash()
			for _, e := range evs[i : i+3] {
				e.Seq++
			}
			return slices.Insert(evs, i, &forged)
		}, 7, 4, "its hash does not match its contents", 18},
		// Moved to another shard: its hash covers its shard.
		{"moved", func(evs []*audit.Event) []*audit.Event {
			e := evs[find(evs, 64, 5)]
			e.Shard = 63
			slices.SortStableFunc(evs, func(a, b *audit.Event) int { return a.Shard - b.Shard })
			return evs
		}, 63, 5, "shard 63 starts at seq 5", 20},
		// Moved into the legacy chain: hashed as version 1 or 2, not 3.
		{"moved to the legacy chain", func(evs []*audit.Event) []*audit.Event {
			i := find(evs, 3, 1)
			e := evs[i]
			e.Shard, e.Seq, e.ID, e.PrevHash = 0, 0, 11, evs[9].Hash
			return evs
		}, 0, 11, "its hash does not match its contents", 10},
		{"an id lowered below the one before", func(evs []*audit.Event) []*audit.Event {
			e := evs[find(evs, 3, 2)]
			e.ID = evs[find(evs, 3, 1)].ID
			return evs
		}, 3, 2, "is not above the id", 11},
		{"an id among the legacy ones", func(evs []*audit.Event) []*audit.Event { evs[find(evs, 3, 1)].ID = 4; return evs },
			3, 1, "above the legacy chain's last, 10", 10},
		{"shards out of order", func(evs []*audit.Event) []*audit.Event {
			slices.SortStableFunc(evs, func(a, b *audit.Event) int { return -(a.Shard - b.Shard) })
			return evs
		}, 7, 1, "shard 7 follows shard 64 (shards out of order)", 5},
		{"the legacy chain last", func(evs []*audit.Event) []*audit.Event {
			return append(evs[10:], evs[:10]...)
		}, 0, 1, "a legacy event after the chains of shards 1 to 64", 15},
		{"a shard beyond Shards", func(evs []*audit.Event) []*audit.Event {
			for _, e := range evs[find(evs, 64, 1):] {
				e.Shard = 65
			}
			return evs
		}, 65, 1, "not one of 0 to 64", 20},
	}
	for _, tt := range tests {
		r, err := audit.Verify(from(tt.tamper(log(10, []int{3, 7, 64}, 5))))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		b := r.Broken
		switch {
		case tt.seq == 0 && b != nil:
			t.Errorf("%s: Verify = %v, want an intact log", tt.name, b)
		case tt.seq != 0 && (b == nil || b.Shard != tt.shard || (b.Seq != tt.seq && b.ID != tt.seq) || !strings.Contains(b.Reason, tt.reason)):
			t.Errorf("%s: Verify = %v, want shard %d, seq %d broken: %q", tt.name, b, tt.shard, tt.seq, tt.reason)
		case r.Checked < tt.checkedMin:
			t.Errorf("%s: Verify checked %d events, want at least %d", tt.name, r.Checked, tt.checkedMin)
		}
	}

	// The heads: one per chain, each the newest event, and a digest that
	// any change to a head changes.
	evs := log(10, []int{3, 7, 64}, 5)
	r, err := audit.Verify(from(evs))
	if err != nil || r.Broken != nil || r.Checked != 25 {
		t.Fatalf("Verify = %+v, %v", r, err)
	}
	want := []audit.Head{
		{Shard: 0, Events: 10, ID: 10, Hash: evs[9].Hash},
		{Shard: 3, Events: 5, ID: evs[14].ID, Seq: 5, Hash: evs[14].Hash},
		{Shard: 7, Events: 5, ID: evs[19].ID, Seq: 5, Hash: evs[19].Hash},
		{Shard: 64, Events: 5, ID: evs[24].ID, Seq: 5, Hash: evs[24].Hash},
	}
	if !reflect.DeepEqual(r.Heads, want) {
		t.Errorf("heads = %+v, want %+v", r.Heads, want)
	}
	digest := r.Digest()
	shorter, _ := audit.Verify(from(evs[:24]))
	if len(digest) != 32 || bytes.Equal(shorter.Digest(), digest) {
		t.Error("the digest does not change when a shard's newest event is removed")
	}
	if again, _ := audit.Verify(from(log(10, []int{3, 7, 64}, 5))); !bytes.Equal(again.Digest(), digest) {
		t.Error("the digest of the same log differs")
	}
}
