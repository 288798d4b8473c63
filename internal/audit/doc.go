// Package audit keeps the record of who processed whose personal data, when
// and for what purpose: one Event for every operation that revealed personal
// data in clear (a household looked up at the SLRT desk, a referral opened in
// an agency's inbox) or changed state (an application verified, aid recorded,
// a household proposed out of the register after musdes). Reads are recorded
// as well as writes, because under the personal data protection law (UU No. 27
// Tahun 2022 tentang Pelindungan Data Pribadi, UU PDP) the controller records
// every processing activity (art. 31), and a person may ask who has seen their
// data: their trail is every event whose Persons hold their NIK, and a
// household's is every event whose Households hold its KK.
//
// The record is append-only and hash-chained. Each event carries the SHA-256
// of its own contents (ComputeHash) and the hash of the event before it in
// its chain (PrevHash). There are Shards chains, plus the legacy chain of the
// events written before they existed (Shard 0, numbered by ID 1, 2, 3, …
// without gaps, closed); each new event goes to the chain of its first
// household (ShardOf) and is numbered there, Seq 1, 2, 3, … without gaps, so
// that changes to households of different chains need not wait for one
// another. Editing an event breaks its hash; recomputing that hash breaks
// the next event's PrevHash; deleting an event leaves a gap in its chain's
// numbers; moving it to another chain breaks its hash, which covers its
// Shard and Seq. Verify walks every chain and names the first event that is
// not what was written, which is what `jaring audit verify` reports to an
// auditor (Inspektorat, BPK).
//
// A chain cannot tell that its newest events were cut off: nothing follows
// them to point back. Keeping each chain's head (Report.Heads, and the
// Digest over them) somewhere the database's administrators cannot write (a
// signed report to the Inspektorat, a print in the minutes) closes that gap.
//
// The database keeps the log append-only too (internal/postgres refuses
// UPDATE, DELETE and TRUNCATE of audit rows); the chain is what catches the
// one who can switch that off.
package audit
