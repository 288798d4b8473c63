package audit

import "hash/fnv"

// Shards is the number of chains that new events are spread over, numbered 1
// to Shards; chain 0 is the legacy chain of the events written before
// migration 015, which is closed. Each chain has its own lock, so changes to
// households of different chains commit side by side instead of queueing
// behind one lock; 64 makes two busy households share a chain rarely, while a
// full verification still holds one head per chain. Migration 015's CHECK on
// audit_event.shard holds the same number: changing it takes a migration,
// and moves households to other chains from then on (each chain stays whole).
const Shards = 64

// ShardOf returns the chain, 1 to Shards, that e belongs in: by a stable hash
// (FNV-1a) of its first household's KK, or of its first person's NIK if it
// names no household, or of its actor if it names neither. Call Normalize
// first, so that "first" means the smallest. The events about one household
// (that name it first) are thus in one chain, in the order they were
// appended. The mapping is part of the stored format: it never changes
// within one value of Shards.
func ShardOf(e *Event) int {
	key := e.Actor
	switch {
	case len(e.Households) > 0:
		key = e.Households[0]
	case len(e.Persons) > 0:
		key = e.Persons[0]
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32()%Shards) + 1
}
