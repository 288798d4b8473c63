// Package donor holds what corporate donors publish and what they may learn.
//
// A company's CSR program (TJSL, tanggung jawab sosial dan lingkungan)
// gives aid as the agencies do: a house repair, a wheelchair, school kits.
// It wants the households that qualify, and the regency wants it to give
// where no agency already does. But a donor has no public task under UU
// PDP (Law 27/2022): unlike Dinsos or BAZNAS it may not process the welfare
// register (DTKS, now DTSEN). So Jaring gives a donor three things and
// never the register itself:
//
//   - answers: for a KK or NIK the donor brings (a household that came to
//     it), whether the household meets the program's criteria, and which
//     criteria it meets and misses (Evaluate);
//   - counts: how many households qualify, by district and desil band, with
//     small cells suppressed (Suppress);
//   - the households the front office refers to it.
//
// An answer must not reveal who is in the register. An identifier Jaring
// does not know, a household outside the program's regions and a household
// whose register status the program does not take all get one and the same
// answer: not eligible, REGISTERED unmet, nothing else. An unknown or
// out-of-region identifier must be indistinguishable from a known
// unregistered one, or a donor trying numbers would map the register.
//
// # Criteria
//
// A program's criteria are a JSON object; every key may be left out:
//
//	{
//	  "regions": ["19.04.01"],
//	  "desilMax": 4,
//	  "registerStatus": ["REGISTERED"],
//	  "composition": {
//	    "schoolAgeChild": true,
//	    "elderly": true,
//	    "disability": true,
//	    "pregnant": true,
//	    "minSize": 4
//	  },
//	  "notReceiving": ["HOUSING"]
//	}
//
// The keys:
//
//   - regions: Kemendagri region codes, dotted (province 19, regency 19.04,
//     district 19.04.01, village 19.04.01.2003); the household's village
//     must lie in one of them. Left out: anywhere.
//   - desilMax: 1 to 10; the household's welfare decile must be at most
//     this. A household not ranked fails it.
//   - registerStatus: REGISTERED, PROPOSED or both. Left out: REGISTERED.
//   - composition: each flag set to true asks for at least one member who
//     is a school-age child (6 to 18 years old on the day asked), elderly
//     (60 or over), disabled or pregnant; minSize asks for at least that
//     many members.
//   - notReceiving: kinds of aid (FOOD, CASH_LIVING, CASH_CONDITIONAL,
//     HEALTH_PREMIUM, MEDICAL_COST, MEDICAL_DEVICE, EDUCATION, HOUSING,
//     REHABILITATION) that neither the household nor any member may hold,
//     active or suspended, over the program's period. A donor repairing
//     houses lists HOUSING so as not to repair one the RTLH program already
//     repairs.
//
// Keys are case-sensitive; an unknown key, a repeated one, a wrong type or
// a value out of range is an INVALID_INPUT error whose field is the path of
// the value, such as criteria.composition.minSize or criteria.regions[1].
//
// # Counts
//
// A count under MinCell (10), zero included, is suppressed, in a cell or a
// total; then further values are suppressed until none of the suppressed
// ones can be worked out from the others by adding and subtracting rows,
// columns and totals. Suppress documents the rule and its limits.
package donor
