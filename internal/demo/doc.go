// Package demo generates the demo regency that `jaring seed --demo` loads
// into an empty database: Kabupaten Bangka Tengah (region code 19.04), its
// front office SiLakso, the agencies, donors, village operators and auditor
// it works with, a couple of thousand households in its 63 villages with
// their members, the aid they receive, and a year of applications and
// referrals.
//
// The data is realistic enough to demonstrate the product and safe to
// publish: every NIK and KK is well formed and checks against its holder's
// sex and birth date, but the people, companies and numbers are invented.
//
// Generate is deterministic. The same Options give the same Data, byte for
// byte: it draws from math/rand/v2's PCG seeded with Options.Seed, never
// reads the clock and never ranges over a map. Options.AsOf only dates the
// data: it sets the years of benefit periods and external references and
// the dates of applications and referrals, and never changes what is drawn,
// so the households, persons, KKs and NIKs of a seed (the ones the README
// tells users to query) are the same whatever AsOf is. Ages, and the
// eligibility that hangs on them, are reckoned at 1 January 2026 for the
// same reason.
//
// Stream draws the same regency in blocks of up to BlockSize households, so
// that Seed can write a province's worth in constant memory; a regency of
// one block (the default 2,000 households) is drawn exactly as a whole.
//
// The ledger obeys the rule Jaring exists to enforce: no household or
// person holds two ACTIVE or SUSPENDED benefits of the same kind for
// overlapping periods (household-scope aid counting against every member),
// and BLT Dana Desa never runs alongside PKH or BPNT in one household. Every
// FULFILLED referral names a benefit in the ledger that its addressee pays.
package demo
