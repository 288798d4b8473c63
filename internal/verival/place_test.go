package verival

import (
	"strings"
	"sync"
	"testing"

	"github.com/jaring-id/jaring/internal/region"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		name    string
		names   []string // province down to the level resolved
		want    string   // the code, or "" for an issue
		reason  Reason
		field   string
		wantMsg string
	}{
		{"as the region list writes it", []string{"Kepulauan Bangka Belitung", "Kabupaten Bangka Tengah", "Koba", "Nibung"}, "19.04.01.2003", "", "", ""},
		// Exports shout, abbreviate and space as they please.
		{"upper case and abbreviations", []string{"PROV. KEP. BANGKA BELITUNG", "KAB. BANGKA TENGAH", "KEC. KOBA", "DS. NIBUNG"}, "19.04.01.2003", "", "", ""},
		{"prefixes in full", []string{"PROVINSI KEPULAUAN BANGKA BELITUNG", "KABUPATEN BANGKA TENGAH", "KECAMATAN KOBA", "DESA NIBUNG"}, "19.04.01.2003", "", "", ""},
		{"spaces and dots", []string{"  kepulauan   bangka belitung ", "Kab.Bangka  Tengah", "kec.koba", " nibung."}, "19.04.01.2003", "", "", ""},
		// Without its designation, as the province is often called.
		{"province without KEPULAUAN", []string{"BANGKA BELITUNG", "BANGKA TENGAH", "KOBA", "NIBUNG"}, "19.04.01.2003", "", "", ""},
		// Spaces do not count at all: a name written as one word matches.
		{"one word for two", []string{"BANGKA BELITUNG", "KOTA PANGKALPINANG", "PANGKALBALAM"}, "19.71.03", "", "", ""},
		{"two words for one", []string{"BANGKA BELITUNG", "BANGKA", "SUNGAI LIAT"}, "19.01.01", "", "", ""},
		// Punctuation inside a name is ignored like the rest.
		{"parentheses", []string{"BANGKA BELITUNG", "BANGKA TENGAH", "KOBA", "KURAU TIMUR"}, "19.04.01.2005", "", "", ""},
		// A village that became a kelurahan is still found under DESA: the
		// prefix only settles a tie, and there is none.
		{"DESA for a kelurahan", []string{"BANGKA BELITUNG", "BANGKA TENGAH", "KOBA", "DESA KOBA"}, "19.04.01.1001", "", "", ""},
		{"KELURAHAN for a desa", []string{"BANGKA BELITUNG", "BANGKA TENGAH", "KOBA", "KEL. NIBUNG"}, "19.04.01.2003", "", "", ""},
		// A name is found within its parent, never elsewhere: Nibung is also
		// a desa of Bangka's Puding Besar.
		{"same name, other parent", []string{"BANGKA BELITUNG", "BANGKA", "PUDING BESAR", "NIBUNG"}, "19.01.08.2003", "", "", ""},
		{"village in the wrong kecamatan", []string{"BANGKA BELITUNG", "BANGKA TENGAH", "NAMANG", "NIBUNG"}, "", UnknownRegion, "desa_kelurahan",
			`desa_kelurahan: "NIBUNG" is not a desa or kelurahan of kecamatan Namang, Kabupaten Bangka Tengah (19.04.05)`},
		{"kecamatan in the wrong kabupaten", []string{"BANGKA BELITUNG", "BELITUNG", "KOBA"}, "", UnknownRegion, "kecamatan", `"KOBA" is not a kecamatan of Kabupaten Belitung (19.02)`},
		{"kabupaten in the wrong province", []string{"RIAU", "BANGKA TENGAH"}, "", UnknownRegion, "kabupaten_kota", "of Riau (14)"},
		// A prefix is a prefix only before a name: no region is called KOTA.
		{"a prefix alone", []string{"BANGKA BELITUNG", "KOTA"}, "", UnknownRegion, "kabupaten_kota", `"KOTA" is not`},
		// KOTA and KABUPATEN are kept apart: Kota Bekasi is not Kabupaten
		// Bekasi, and Pangkal Pinang has no kabupaten.
		{"KOTA", []string{"JAWA BARAT", "KOTA BEKASI"}, "32.75", "", "", ""},
		{"KABUPATEN", []string{"JAWA BARAT", "KAB. BEKASI"}, "32.16", "", "", ""},
		{"KABUPATEN for a kota", []string{"BANGKA BELITUNG", "KABUPATEN PANGKAL PINANG"}, "", UnknownRegion, "kabupaten_kota", `"KABUPATEN PANGKAL PINANG" is not`},
		{"KOTA for a kabupaten", []string{"BANGKA BELITUNG", "KOTA BANGKA TENGAH"}, "", UnknownRegion, "kabupaten_kota", ""},
		// A bare name is enough where there is only one of it.
		{"bare name of a kota", []string{"BANGKA BELITUNG", "PANGKAL PINANG"}, "19.71", "", "", ""},
		// A bare BEKASI could be either: it is kept open for the kecamatan to
		// decide, and is an issue if it cannot.
		{"bare twin name", []string{"JAWA BARAT", "BEKASI"}, "", AmbiguousRegion, "kabupaten_kota",
			`kabupaten_kota: "BEKASI" is Kabupaten Bekasi (32.16) and Kota Bekasi (32.75), and the names below it do not tell which; write KABUPATEN or KOTA before the name`},
		{"bare twin name, kecamatan of the kota", []string{"JAWA BARAT", "BEKASI", "BEKASI TIMUR"}, "32.75.01", "", "", ""},
		{"bare twin name, kecamatan of the kabupaten", []string{"JAWA BARAT", "BEKASI", "TAMBUN SELATAN"}, "32.16.06", "", "", ""},
		{"bare twin name, kecamatan of neither", []string{"JAWA BARAT", "BEKASI", "KOBA"}, "", UnknownRegion, "kecamatan",
			`"KOBA" is not a kecamatan of Kabupaten Bekasi (32.16) or Kota Bekasi (32.75)`},
		{"bare Bandung", []string{"JAWA BARAT", "BANDUNG"}, "", AmbiguousRegion, "kabupaten_kota", "Kabupaten Bandung (32.04) and Kota Bandung (32.73)"},
		// Jakarta's cities are "Kota Administrasi", and the province DKI.
		{"Jakarta", []string{"DKI JAKARTA", "KOTA ADM. JAKARTA UTARA"}, "31.72", "", "", ""},
		{"Jakarta in full", []string{"Daerah Khusus Ibukota Jakarta", "Kota Administrasi Jakarta Utara"}, "31.72", "", "", ""},
		{"Jakarta, short", []string{"JAKARTA", "JAKARTA UTARA"}, "31.72", "", "", ""},
		{"Yogyakarta", []string{"DI YOGYAKARTA", "KOTA YOGYAKARTA"}, "34.71", "", "", ""},
		// Dropping KEPULAUAN must not make Kepulauan Riau into Riau.
		{"Riau", []string{"RIAU"}, "14", "", "", ""},
		{"Kepulauan Riau", []string{"KEP. RIAU"}, "21", "", "", ""},
		{"unknown province", []string{"BABEL"}, "", UnknownRegion, "provinsi", `provinsi: "BABEL" is not the name of a province`},
		// Villages are known for Bangka Belitung only.
		{"village elsewhere", []string{"JAWA BARAT", "KOTA BEKASI", "BEKASI TIMUR", "MARGAHAYU"}, "", UnknownRegion, "desa_kelurahan",
			"holds the villages of Kepulauan Bangka Belitung only, not those of kecamatan Bekasi Timur, Kota Bekasi (32.75.01)"},
		{"empty", []string{"BANGKA BELITUNG", " "}, "", MissingField, "kabupaten_kota", "kabupaten_kota: is empty"},
		{"punctuation only", []string{"BANGKA BELITUNG", "-"}, "", UnknownRegion, "kabupaten_kota", ""},
	}
	for _, tt := range tests {
		code, iss := regions().resolve(tt.names...)
		switch {
		case tt.want != "" && (code != tt.want || iss != nil):
			t.Errorf("%s: resolve(%q) = %q, %v; want %s", tt.name, tt.names, code, iss, tt.want)
		case tt.want == "" && (iss == nil || iss.Reason != tt.reason || iss.Field != tt.field || !strings.Contains(iss.Message, tt.wantMsg) || code != ""):
			t.Errorf("%s: resolve(%q) = %q, %v; want %s at %s containing %q", tt.name, tt.names, code, iss, tt.reason, tt.field, tt.wantMsg)
		}
	}
}

// Every region is found by its own name and those above it, as the region
// list writes them and as an export would: in capitals, without the
// KABUPATEN or KOTA where the name is the only one of its kind.
func TestResolveEveryRegion(t *testing.T) {
	for _, r := range region.All() {
		var chain []region.Region
		for c := r.Code; c != ""; c = region.ParentCode(c) {
			up, _ := region.Lookup(c)
			chain = append([]region.Region{up}, chain...)
		}
		var asListed, shouted []string
		for _, up := range chain {
			asListed = append(asListed, up.Name)
			name := strings.ToUpper(up.Name)
			if up.Level == region.Regency {
				bare := strings.TrimPrefix(strings.TrimPrefix(name, "KABUPATEN "), "KOTA ")
				if codes, _ := regions().resolve(chain[0].Name, bare); codes != "" {
					name = bare
				}
			}
			shouted = append(shouted, name)
		}
		for _, names := range [][]string{asListed, shouted} {
			if code, iss := regions().resolve(names...); code != r.Code {
				t.Errorf("resolve(%q) = %q, %v; want %s", names, code, iss, r.Code)
			}
		}
	}
}

// A lookup that finds its region allocates nothing, so a row's place costs
// no garbage.
func TestResolveAllocates(t *testing.T) {
	p := Place{"PROV. KEP. BANGKA BELITUNG", "KAB. BANGKA TENGAH", "KEC. KOBA", "DS. NIBUNG"}
	ResolvePlace(p) // build the index
	if n := testing.AllocsPerRun(100, func() { ResolvePlace(p) }); n != 0 {
		t.Errorf("ResolvePlace allocates %v times, want 0", n)
	}
}

// ResolvePlace is safe for concurrent use, its index built once by whoever
// comes first.
func TestResolvePlaceConcurrent(t *testing.T) {
	places := []struct {
		p    Place
		want string
	}{
		{Place{"BANGKA BELITUNG", "BANGKA TENGAH", "KOBA", "NIBUNG"}, "19.04.01.2003"},
		{Place{"BANGKA BELITUNG", "BANGKA", "PUDING BESAR", "NIBUNG"}, "19.01.08.2003"},
		{Place{"BANGKA BELITUNG", "PANGKAL PINANG", "BUKIT INTAN", "?"}, ""},
	}
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			for i := range 200 {
				tt := places[(g+i)%len(places)]
				if code, _ := ResolvePlace(tt.p); code != tt.want {
					t.Errorf("ResolvePlace(%v) = %q, want %q", tt.p, code, tt.want)
					return
				}
			}
		})
	}
	wg.Wait()
}
