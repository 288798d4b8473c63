// Package referral is the front office's workflow (SiLakso, SLRT, Puskesos;
// Permensos 15/2018): a resident applies for aid or complains, the front
// office checks the documents (KTP, KK, SKTM, register status) and refers the
// application to one or more back offices (Dinsos, Dinkes, Dindik, Perkim,
// Kesra, BAZNAS) or CSR donors, each of which accepts or rejects its
// referral; an accepted referral is fulfilled when its benefit is recorded.
package referral
