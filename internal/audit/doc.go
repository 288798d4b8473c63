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
// of its own contents (ComputeHash) and the hash of the event before it
// (PrevHash), and events are numbered 1, 2, 3, … without gaps in the order
// they were appended. Editing an event breaks its hash; recomputing that hash
// breaks the next event's PrevHash; deleting an event leaves a gap in the
// numbers. Verify walks the chain and names the first event that is not what
// was written, which is what `jaring audit verify` reports to an auditor
// (Inspektorat, BPK).
//
// The chain cannot tell that its newest events were cut off: nothing follows
// them to point back. Keeping the latest ID and hash somewhere the database's
// administrators cannot write (a signed report to the Inspektorat, a print
// in the minutes) closes that gap.
//
// The database keeps the log append-only too (internal/postgres refuses
// UPDATE, DELETE and TRUNCATE of audit rows); the chain is what catches the
// one who can switch that off.
package audit
