package region

import "testing"

func TestLookup(t *testing.T) {
	tests := []struct {
		code  string
		level Level
		name  string
	}{
		{"19", Province, "Kepulauan Bangka Belitung"},
		{"19.04", Regency, "Kabupaten Bangka Tengah"},
		{"19.04.01", District, "Koba"},
	}
	for _, tt := range tests {
		r, ok := Lookup(tt.code)
		if !ok {
			t.Fatalf("Lookup(%q): not found", tt.code)
		}
		if r.Level != tt.level || r.Name != tt.name {
			t.Errorf("Lookup(%q) = %+v, want level %s name %q", tt.code, r, tt.level, tt.name)
		}
	}
	if _, ok := Lookup("19.99"); ok {
		t.Error("Lookup(19.99): found a regency that does not exist")
	}
}

// Bangka Tengah is the demo regency: DOMAIN.md says six districts and 63
// villages, 7 of them kelurahan.
func TestBangkaTengah(t *testing.T) {
	districts := Children("19.04")
	if len(districts) != 6 {
		t.Fatalf("19.04 has %d districts, want 6", len(districts))
	}
	villages, kelurahan := 0, 0
	for _, d := range districts {
		for _, v := range Children(d.Code) {
			villages++
			if v.Code[len(d.Code)+1] == '1' {
				kelurahan++
			}
		}
	}
	if villages != 63 || kelurahan != 7 {
		t.Errorf("19.04 has %d villages, %d kelurahan; want 63 and 7", villages, kelurahan)
	}
}

func TestCodes(t *testing.T) {
	tests := []struct {
		code   string
		valid  bool
		parent string
	}{
		{"19", true, ""},
		{"19.04.01.2001", true, "19.04.01"},
		{"19.4", false, "19"},
		{"1904", false, ""},
		{"19.04.01.200", false, "19.04.01"},
		{"", false, ""},
	}
	for _, tt := range tests {
		if got := ValidCode(tt.code); got != tt.valid {
			t.Errorf("ValidCode(%q) = %v, want %v", tt.code, got, tt.valid)
		}
		if got := ParentCode(tt.code); got != tt.parent {
			t.Errorf("ParentCode(%q) = %q, want %q", tt.code, got, tt.parent)
		}
	}
	if len(All()) < 7000 {
		t.Errorf("All() has %d regions, want the whole country", len(All()))
	}
}
