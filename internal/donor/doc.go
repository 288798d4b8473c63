// Package donor holds what corporate (CSR) donors publish: their programs
// and the criteria a household must meet. A donor has no public task under UU
// PDP (Law 27/2022), so it learns eligibility and counts, and the households
// referred to it, never the register.
package donor
