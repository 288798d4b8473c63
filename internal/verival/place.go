package verival

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/jaring-id/jaring/internal/region"
)

// Place is where a row says a household lives: the four region names as the
// file writes them, from the province down to the village.
type Place struct {
	Province string // provinsi
	Regency  string // kabupaten_kota
	District string // kecamatan
	Village  string // desa_kelurahan
}

// ResolvePlace returns the code of the village that p names, each name
// matched among the regions of its level within the one above it (see
// docs/imports.md, "How region names are matched"). A name that matches
// nothing there is UNKNOWN_REGION, naming its column and the name given; a
// name that fits two regions the names below it do not tell apart is
// AMBIGUOUS_REGION; an empty one is MISSING_FIELD. Villages are known for
// Kepulauan Bangka Belitung only, so elsewhere the village is always
// UNKNOWN_REGION.
//
// ResolvePlace is safe for concurrent use; it builds its index of the
// region list the first time it is called.
func ResolvePlace(p Place) (code string, issue *Issue) {
	return regions().resolve(p.Province, p.Regency, p.District, p.Village)
}

// The levels of a Place, in order, with their columns in the register
// export.
var placeLevels = [...]struct {
	level  region.Level
	column string
	noun   string // how a message names a region of the level
}{
	{region.Province, "provinsi", "province"},
	{region.Regency, "kabupaten_kota", "kabupaten or kota"},
	{region.District, "kecamatan", "kecamatan"},
	{region.Village, "desa_kelurahan", "desa or kelurahan"},
}

// kind is what a name's prefix says a region is, where one level holds two
// kinds: a regency is a kabupaten or a kota, a village a desa or a
// kelurahan. The region codes say the same: regencies 71–99 are cities,
// villages whose number starts with 1 are kelurahan.
type kind byte

const (
	anyKind   kind = '*'
	kabupaten kind = 'B'
	kota      kind = 'K'
	desa      kind = 'D'
	kelurahan kind = 'L'
)

// regionIndex finds regions by name within their parent. Its keys are
// parent code, kind and normalised name, each region being filed under its
// own kind and under anyKind; a key that two regions share holds both.
type regionIndex struct {
	byName map[string][]string // key → codes
	// villages holds the districts whose villages the region list has.
	villages map[string]bool
}

var regions = sync.OnceValue(func() *regionIndex {
	all := region.All()
	ix := &regionIndex{byName: make(map[string][]string, 2*len(all)), villages: make(map[string]bool)}
	file := func(parent string, k kind, name []byte, code string) {
		key := string(indexKey(nil, parent, k, name))
		ix.byName[key] = append(ix.byName[key], code)
	}
	for _, r := range all {
		parent := r.ParentCode()
		name, k := appendName(nil, r.Level, r.Name)
		switch r.Level {
		case region.Regency:
			k = kabupaten
			if r.Code[len(parent)+1] >= '7' {
				k = kota
			}
		case region.Village:
			k = desa
			if r.Code[len(parent)+1] == '1' {
				k = kelurahan
			}
			ix.villages[parent] = true
		}
		if k != anyKind {
			file(parent, k, name, r.Code)
		}
		file(parent, anyKind, name, r.Code)
	}
	// A province may also go by its name without its designation, as
	// exports often write it (BANGKA BELITUNG, JAKARTA), but never where that
	// is another province's name: Kepulauan Riau stays apart from Riau.
	for _, r := range all {
		if r.Level != region.Province {
			continue
		}
		name, _ := appendName(nil, r.Level, r.Name)
		for _, d := range provinceDesignations {
			short, ok := bytes.CutPrefix(name, []byte(d))
			if !ok || len(short) == 0 {
				continue
			}
			key := string(indexKey(nil, "", anyKind, short))
			if _, taken := ix.byName[key]; !taken {
				ix.byName[key] = []string{r.Code}
			}
		}
	}
	return ix
})

// indexKey appends the index key of a name within parent to dst.
func indexKey(dst []byte, parent string, k kind, name []byte) []byte {
	dst = append(dst, parent...)
	dst = append(dst, '/', byte(k), '/')
	return append(dst, name...)
}

// lookup returns the codes of the regions of level under parent that name
// matches. A KABUPATEN or KOTA prefix must fit the regency; a DESA or
// KELURAHAN prefix only settles a tie, because villages change from desa to
// kelurahan and files lag behind. The slice is shared: do not modify it.
func (ix *regionIndex) lookup(level region.Level, parent, name string) []string {
	var nameBuf, keyBuf [96]byte // on the stack: a lookup allocates nothing
	n, k := appendName(nameBuf[:0], level, name)
	if len(n) == 0 {
		return nil
	}
	key := indexKey(keyBuf[:0], parent, k, n)
	codes := ix.byName[string(key)]
	if len(codes) == 0 && k != anyKind && level == region.Village {
		codes = ix.byName[string(indexKey(key[:0], parent, anyKind, n))]
	}
	return codes
}

// resolve matches names, from the province down, each among the children of
// the regions the one above matched, and returns the code of the region the
// last one names. Where a name fits two regions (a bare BEKASI), both are
// kept, and the next name decides between them.
func (ix *regionIndex) resolve(names ...string) (string, *Issue) {
	var bufs [2][4]string // the regions matched at this level and the one above
	parents := append(bufs[0][:0], "")
	ambiguous := -1 // the first level at which a name fitted more than one region
	var ambiguousCodes []string
	for i, name := range names {
		lvl := placeLevels[i]
		if strings.TrimSpace(name) == "" {
			iss := issuef(MissingField, lvl.column, "is empty; give the name of the %s", lvl.noun)
			return "", &iss
		}
		found := bufs[(i+1)%2][:0]
		for _, p := range parents {
			found = append(found, ix.lookup(lvl.level, p, name)...)
		}
		if len(found) == 0 {
			return "", ix.unknown(i, name, parents)
		}
		if len(found) > 1 && ambiguous < 0 {
			ambiguous, ambiguousCodes = i, slices.Clone(found)
		}
		parents = found
	}
	if len(parents) > 1 {
		lvl := placeLevels[ambiguous]
		iss := issuef(AmbiguousRegion, lvl.column, "%q is %s, and the names below it do not tell which; write %s",
			names[ambiguous], regionNames(ambiguousCodes, " and "), prefixHint(lvl.level))
		return "", &iss
	}
	return parents[0], nil
}

// unknown is the issue for name, at level i, matching no region under
// parents.
func (ix *regionIndex) unknown(i int, name string, parents []string) *Issue {
	lvl := placeLevels[i]
	var iss Issue
	switch {
	case lvl.level == region.Province:
		iss = issuef(UnknownRegion, lvl.column, "%q is not the name of a province; check its spelling", name)
	case lvl.level == region.Village && !ix.anyVillages(parents):
		iss = issuef(UnknownRegion, lvl.column, "%q cannot be placed: Jaring's region list holds the villages of Kepulauan Bangka Belitung only, not those of %s",
			name, regionNames(parents, " or "))
	default:
		iss = issuef(UnknownRegion, lvl.column, "%q is not a %s of %s; check its spelling, and the names above it",
			name, lvl.noun, regionNames(parents, " or "))
	}
	return &iss
}

func (ix *regionIndex) anyVillages(districts []string) bool {
	for _, d := range districts {
		if ix.villages[d] {
			return true
		}
	}
	return false
}

// regionNames names regions for a message, joined by sep: "Kabupaten
// Bekasi (32.16)", "kecamatan Koba, Kabupaten Bangka Tengah (19.04.01)".
func regionNames(codes []string, sep string) string {
	parts := make([]string, len(codes))
	for i, c := range codes {
		r, _ := region.Lookup(c)
		parts[i] = fmt.Sprintf("%s (%s)", r.Name, c)
		if r.Level == region.District {
			up, _ := region.Lookup(region.ParentCode(c))
			parts[i] = fmt.Sprintf("kecamatan %s, %s (%s)", r.Name, up.Name, c)
		}
	}
	return strings.Join(parts, sep)
}

func prefixHint(level region.Level) string {
	if level == region.Village {
		return "DESA or KELURAHAN before the name"
	}
	return "KABUPATEN or KOTA before the name"
}

// The words a name may start with that say what it is rather than which it
// is, by level. A prefix is only taken as one when a name follows it.
var (
	provincePrefixes = []string{"PROVINSI", "PROV"}
	regencyPrefixes  = map[string]kind{"KABUPATEN": kabupaten, "KAB": kabupaten, "KOTA": kota, "KOTAMADYA": kota, "KODYA": kota}
	districtPrefixes = []string{"KECAMATAN", "KEC"}
	villagePrefixes  = map[string]kind{"DESA": desa, "DS": desa, "KELURAHAN": kelurahan, "KEL": kelurahan}
	// Jakarta's cities are "Kota Administrasi", written KOTA ADM. too.
	administrative = []string{"ADMINISTRASI", "ADM"}
)

// Abbreviations, expanded wherever they stand as a word, so that they match
// the names as the region list writes them in full. DKI and DI only at the
// province level, where no name has such a word.
var (
	abbreviations         = map[string]string{"KEP": "KEPULAUAN"}
	provinceAbbreviations = map[string]string{"DKI": "DAERAHKHUSUSIBUKOTA", "DI": "DAERAHISTIMEWA", "KEP": "KEPULAUAN"}
)

// provinceDesignations are the words a province's name may be written
// without.
var provinceDesignations = []string{"DAERAHKHUSUSIBUKOTA", "DAERAHISTIMEWA", "KEPULAUAN"}

// appendName appends the normalised form of a region name of level to dst
// and returns the kind its prefix says. The form is upper case, letters and
// digits only, without spaces: "Kab. Bangka  Tengah" and "BANGKA TENGAH"
// are both BANGKATENGAH, and "PANGKALPINANG" matches Pangkal Pinang.
// Apostrophes are dropped inside a word; other punctuation parts words.
func appendName(dst []byte, level region.Level, s string) ([]byte, kind) {
	k := anyKind
	w, rest := nextWord(s)
	if more, _ := nextWord(rest); more != "" {
		switch level {
		case region.Province:
			if wordIn(w, provincePrefixes) {
				w, rest = nextWord(rest)
			}
		case region.Regency:
			if pk, ok := wordKind(w, regencyPrefixes); ok {
				k = pk
				w, rest = nextWord(rest)
				if more, _ := nextWord(rest); more != "" && wordIn(w, administrative) {
					w, rest = nextWord(rest)
				}
			}
		case region.District:
			if wordIn(w, districtPrefixes) {
				w, rest = nextWord(rest)
			}
		case region.Village:
			if pk, ok := wordKind(w, villagePrefixes); ok {
				k = pk
				w, rest = nextWord(rest)
			}
		}
	}
	abbr := abbreviations
	if level == region.Province {
		abbr = provinceAbbreviations
	}
	for ; w != ""; w, rest = nextWord(rest) {
		if full, ok := wordAbbr(w, abbr); ok {
			dst = append(dst, full...)
			continue
		}
		for i := 0; i < len(w); i++ {
			switch c := w[i]; {
			case 'a' <= c && c <= 'z':
				dst = append(dst, c-'a'+'A')
			case c == '\'' || c == '`':
			default:
				dst = append(dst, c)
			}
		}
	}
	return dst, k
}

// nextWord returns the first word of s and what follows it. A word is a run
// of letters, digits, apostrophes and non-ASCII bytes (whose letters are
// left as they are).
func nextWord(s string) (word, rest string) {
	i := 0
	for i < len(s) && !wordByte(s[i]) {
		i++
	}
	j := i
	for j < len(s) && wordByte(s[j]) {
		j++
	}
	return s[i:j], s[j:]
}

func wordByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '\'' || c == '`' || c >= 0x80
}

func wordIn(w string, list []string) bool {
	for _, p := range list {
		if strings.EqualFold(w, p) {
			return true
		}
	}
	return false
}

// wordKind and wordAbbr look w up in a map of upper-case words without
// allocating for words too long to be in it.
func wordKind(w string, m map[string]kind) (kind, bool) {
	var b [16]byte
	if len(w) > len(b) {
		return 0, false
	}
	k, ok := m[string(upper(b[:0], w))]
	return k, ok
}

func wordAbbr(w string, m map[string]string) (string, bool) {
	var b [16]byte
	if len(w) > len(b) {
		return "", false
	}
	full, ok := m[string(upper(b[:0], w))]
	return full, ok
}

func upper(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
