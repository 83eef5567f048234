package policy

import "strings"

// idFilter is a 65 536-bit Bloom-style filter over the ids a Set indexes
// (users, groups, roles, applications), so that the ids a sign-in carries
// that no policy names, most of a user's 200 groups, cost a few
// nanoseconds instead of a map lookup. It ignores ASCII case, like the
// indexes behind it.
type idFilter [1024]uint64

// idHash hashes the last eight bytes of id, folded to lower case, and its
// length. Directory ids are GUIDs whose tail is random.
func idHash(id string) uint32 {
	var x uint64
	n := len(id)
	start := max(0, n-8)
	for i := start; i < n; i++ {
		x = x<<8 | uint64(id[i])
	}
	x |= 0x2020202020202020 // fold ASCII letters to lower case
	x ^= uint64(n) << 56
	return uint32((x * 0x9E3779B97F4A7C15) >> 48)
}

func (f *idFilter) add(id string) {
	h := idHash(id)
	f[h>>6] |= 1 << (h & 63)
}

func (f *idFilter) mayContain(id string) bool {
	h := idHash(id)
	return f[h>>6]&(1<<(h&63)) != 0
}

// hasUpper reports whether s has an ASCII upper-case letter, eight bytes
// at a time.
func hasUpper(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		h := x &^ highs              // each byte's low seven bits
		geA := h + (0x80-'A')*ones   // high bit set where byte ≥ 'A'
		gtZ := h + (0x80-'Z'-1)*ones // high bit set where byte > 'Z'
		if geA&^gtZ&^x&highs != 0 {  // ≥ 'A', ≤ 'Z', and ASCII
			return true
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			return true
		}
	}
	return false
}

// lookupID finds id in m, ignoring ASCII case (the keys are lower case).
func lookupID(f *idFilter, m map[string]*incExc, id string) *incExc {
	if id == "" || !f.mayContain(id) {
		return nil
	}
	if e, ok := m[id]; ok {
		return e
	}
	if hasUpper(id) {
		return m[strings.ToLower(id)]
	}
	return nil
}
