// Package verival reads the files that feed Jaring's register and ledger
// before they touch the database: verifikasi dan validasi, the checking of
// register data that Permensos 3/2021 asks of every regency before it
// proposes changes to the welfare register (DTKS, since 2025 DTSEN).
//
// Two formats come in. The register export that regencies already exchange
// is pipe-delimited, one person per line, and names the household by its
// family card number (KK) and the person by the NIK of their KTP;
// RegisterReader reads it. The benefits file is a CSV that an
// agency or donor fills with what it pays; BenefitReader reads it into
// benefit.Input values. Both readers stream: memory stays the same whether
// a file holds one village or the whole province.
//
// Nothing here knows the database. Each row comes out with its line number,
// its text exactly as in the file and its Issues, each a Reason code naming
// the column at fault, so that an import can load the good rows with COPY
// and quarantine the bad ones whole, for an operator to correct at the
// source. The checks that need the whole register (a NIK used twice, aid of
// one kind paid twice, one person registered under two NIKs) run later in
// SQL; their Reason codes are defined here so that one list covers every
// ground on which a row is held back, the grounds field operators already
// use when a village deliberation (musdes, muskel) reviews the register.
//
// docs/imports.md describes both formats for the operators who prepare them.
//
// The register's upkeep lives here too (change.go, deliberation.go,
// service.go): a village operator proposes a change (ADD, REMOVE or UPDATE,
// each with its grounds) after the village deliberation; a verifier of
// Dinsos records the deliberation's decisions, which apply all at once or
// not at all; a death puts the benefits the person held on a review list for
// their payers, never ending one silently; and the approved changes are
// exported as CSV for the national register (SIKS-NG). docs/verival.md
// describes the workflow, the reason matrix and the export.
package verival
