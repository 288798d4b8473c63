// Package benefit is the ledger of the aid households and persons receive,
// from every agency, budget and donor, and the rules over it.
//
// A benefit names a program (PKH, BPNT, PBI-JK, …), the kind of aid it is
// (food, cash for living costs, health premium, …), the source of the funds
// (APBN, APBD, Dana Desa, BAZNAS, CSR), the organisation that pays it, an
// amount in rupiah, and the period it covers. Whether two benefits clash is
// decided by their kind and period, never by who pays: rice from APBN and
// rice from APBD clash; rice and medical costs do not.
//
// Agencies push what they pay with recordBenefits. Each item carries the
// agency's own reference (externalRef), so a batch sent twice records
// nothing twice.
package benefit
