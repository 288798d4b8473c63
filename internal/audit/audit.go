package audit

import (
	"encoding/json"
	"time"
)

// Event records one operation that revealed personal data in clear or
// changed state (UU PDP art. 31: every processing activity is recorded).
type Event struct {
	ID int64 // assigned when appended; unique, increasing along each chain
	// Shard is the chain the event belongs to: 0 for the legacy chain of the
	// events written before migration 015, 1 to Shards for the others (see
	// ShardOf). Seq is the event's place in its shard's chain, 1, 2, 3, …
	// without gaps; 0 in the legacy chain, whose order is the IDs'.
	Shard      int
	Seq        int64
	At         time.Time
	Actor      string          // the token's subject
	Org        string          // the actor's organisation code
	Roles      []string        // the actor's roles
	Operation  string          // "query household", "mutation recordBenefits"
	Persons    []string        // NIKs of the persons concerned, sorted, unique
	Households []string        // KKs of the households concerned, sorted, unique
	Fields     []string        // "Type.field" seen in clear, sorted, unique
	Variables  json.RawMessage // the operation's variables, secrets removed; may be nil
	Purpose    string          // the X-Purpose the caller gave
	// RequestID is the X-Request-ID of the HTTP request that did it, the
	// same that its log lines carry; "" for what the command line did.
	RequestID string
	PrevHash  []byte // the hash of the event before it; nil for the first
	Hash      []byte // over every field above, PrevHash included
}
