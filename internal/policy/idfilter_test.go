package policy

import (
	"strings"
	"testing"
)

func TestHasUpper(t *testing.T) {
	for _, s := range []string{"", "a", "cb69481e-8ff7-4039-93ec-0a2729a154a8", "abcdefgh@[`{", "\x80\xc1\xdaxyz0123456789", "é-ü-ß-naïve-ascii-only-lower"} {
		if hasUpper(s) {
			t.Errorf("hasUpper(%q) = true", s)
		}
	}
	for _, s := range []string{"A", "Z", "cb69481e-8ff7-4039-93ec-0a2729a154A8", "xxxxxxxxQ", "Cb69481e", "abcdefgZ"} {
		if !hasUpper(s) {
			t.Errorf("hasUpper(%q) = false", s)
		}
	}
	// Exhaustive over single bytes in every position of a word.
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 9; pos++ {
			b := []byte(strings.Repeat("a", 9))
			b[pos] = byte(c)
			want := 'A' <= c && c <= 'Z'
			if got := hasUpper(string(b)); got != want {
				t.Fatalf("hasUpper with byte %#x at %d = %v", c, pos, got)
			}
		}
	}
}

func TestIDFilter(t *testing.T) {
	var f idFilter
	f.add("cb69481e-8ff7-4039-93ec-0a2729a154a8")
	f.add("grp")
	for _, id := range []string{"cb69481e-8ff7-4039-93ec-0a2729a154a8", "CB69481E-8FF7-4039-93EC-0A2729A154A8", "grp", "GRP"} {
		if !f.mayContain(id) {
			t.Errorf("mayContain(%q) = false", id)
		}
	}
	m := map[string]*incExc{"grp": {}}
	if lookupID(&f, m, "GrP") == nil || lookupID(&f, m, "grp") == nil || lookupID(&f, m, "") != nil || lookupID(&f, m, "other") != nil {
		t.Error("lookupID")
	}
}
