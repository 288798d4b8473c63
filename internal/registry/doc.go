// Package registry holds the people Jaring serves: households, each keyed by
// its family card number (KK, Kartu Keluarga), and persons, each keyed by the
// national identity number (NIK, Nomor Induk Kependudukan) printed on the
// KTP. It also holds the rules that check those numbers at the boundary.
//
// A household carries the village it lives in, its address, its place in the
// welfare register (DTKS, merged in 2025 into DTSEN under Inpres 4/2025) and
// its welfare decile, desil 1 (poorest tenth) to 10, which programs use as a
// cut-off: PKH desil 1–4, Sembako and PBI-JK desil 1–5.
//
// Disability and pregnancy are specific personal data under UU PDP (Law
// 27/2022, art. 4): they are stored for eligibility and shown only where the
// policy allows.
package registry
