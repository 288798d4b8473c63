// Package region knows the Kemendagri codes of Indonesia's provinces,
// regencies and cities, districts (kecamatan) and, for Kepulauan Bangka
// Belitung, villages (desa and kelurahan).
//
// Codes are dotted: province "19", regency "19.04" (01–69 regencies, 71–99
// cities), district "19.04.01", village "19.04.01.2001" (first digit 1 for a
// kelurahan, 2 for a desa). The data is the decree Kepmendagri No.
// 300.2.2-2138/2430 of 2025, embedded from regions.csv.
package region

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

//go:embed regions.csv
var regionsCSV string

// Level is the tier of a region in the administrative hierarchy.
type Level string

// The levels, from the top.
const (
	Province Level = "PROVINCE"
	Regency  Level = "REGENCY"
	District Level = "DISTRICT"
	Village  Level = "VILLAGE"
)

// Region is one administrative area.
type Region struct {
	Code  string
	Level Level
	Name  string
}

// ParentCode returns the code of the region that contains r, or "" for a
// province.
func (r Region) ParentCode() string { return ParentCode(r.Code) }

// ParentCode returns the code of the region that contains code, or "".
func ParentCode(code string) string {
	i := strings.LastIndexByte(code, '.')
	if i < 0 {
		return ""
	}
	return code[:i]
}

var codePattern = regexp.MustCompile(`^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$`)

// ValidCode reports whether code has the shape of a region code at any level.
// It does not say whether the region exists; use Lookup for that.
func ValidCode(code string) bool { return codePattern.MatchString(code) }

// LevelOf returns the level a well-formed code is at.
func LevelOf(code string) Level {
	switch strings.Count(code, ".") {
	case 0:
		return Province
	case 1:
		return Regency
	case 2:
		return District
	}
	return Village
}

var (
	loadOnce sync.Once
	all      []Region
	byCode   map[string]int
)

func load() {
	r := csv.NewReader(strings.NewReader(regionsCSV))
	rows, err := r.ReadAll()
	if err != nil {
		panic(fmt.Sprintf("region: embedded regions.csv: %v", err))
	}
	levels := map[string]Level{"province": Province, "regency": Regency, "district": District, "village": Village}
	all = make([]Region, 0, len(rows))
	byCode = make(map[string]int, len(rows))
	for i, row := range rows {
		if i == 0 {
			continue // header: code,level,name
		}
		lvl, ok := levels[row[1]]
		if !ok || !ValidCode(row[0]) || LevelOf(row[0]) != lvl {
			panic(fmt.Sprintf("region: embedded regions.csv line %d: bad row %q", i+1, row))
		}
		byCode[row[0]] = len(all)
		all = append(all, Region{Code: row[0], Level: lvl, Name: row[2]})
	}
	// Parents first, so that a loader can insert in this order.
	sort.SliceStable(all, func(i, j int) bool { return all[i].Code < all[j].Code })
	for i, r := range all {
		byCode[r.Code] = i
	}
}

// All returns every known region, sorted by code (so parents come before
// their children). The slice is shared: do not modify it.
func All() []Region {
	loadOnce.Do(load)
	return all
}

// Lookup returns the region with the given code.
func Lookup(code string) (Region, bool) {
	loadOnce.Do(load)
	i, ok := byCode[code]
	if !ok {
		return Region{}, false
	}
	return all[i], true
}

// Children returns the regions directly under code, sorted by code.
func Children(code string) []Region {
	var out []Region
	for _, r := range All() {
		if ParentCode(r.Code) == code && r.Code != code {
			out = append(out, r)
		}
	}
	return out
}

// Compact returns code without dots ("19.04.01" → "190401"), the form the
// first digits of a NIK or KK take.
func Compact(code string) string { return strings.ReplaceAll(code, ".", "") }
