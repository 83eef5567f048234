package password

import (
	"errors"
	"strings"
	"testing"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

func TestHashVerify(t *testing.T) {
	h := New(Params{})
	phc := h.Hash("correct horse battery staple")
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("PHC string %q", phc)
	}
	if ok, rehash, err := h.Verify("correct horse battery staple", phc); !ok || rehash || err != nil {
		t.Fatalf("right password: ok=%v rehash=%v err=%v", ok, rehash, err)
	}
	if ok, _, err := h.Verify("correct horse battery stapler", phc); ok || err != nil {
		t.Fatalf("wrong password: ok=%v err=%v", ok, err)
	}
	if h.Hash("x") == h.Hash("x") {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

func TestRehashWhenParametersChange(t *testing.T) {
	old := New(Params{Memory: 8192, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	phc := old.Hash("correct horse battery staple")
	cur := New(Params{})
	ok, rehash, err := cur.Verify("correct horse battery staple", phc)
	if !ok || !rehash || err != nil {
		t.Fatalf("old parameters: ok=%v rehash=%v err=%v", ok, rehash, err)
	}
	if ok, rehash, _ := cur.Verify("wrong", phc); ok || rehash {
		t.Fatalf("wrong password must not ask for a rehash")
	}
}

func TestVerifyRejectsMalformed(t *testing.T) {
	h := New(Params{})
	for _, s := range []string{"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=18$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=0$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA"} {
		if ok, _, err := h.Verify("x", s); ok || !errors.Is(err, ErrFormat) {
			t.Errorf("Verify(%q) = %v, %v; want ErrFormat", s, ok, err)
		}
	}
}

func TestCheck(t *testing.T) {
	names := []string{"ada.lovelace@contoso.com", "Ada Lovelace"}
	for _, tc := range []struct {
		pw string
		ok bool
	}{
		{"short", false},
		{"elevenchars", false},
		{"twelve chars", true},
		{"all lowercase words are fine", true},
		{"ÄÖÜ ßäöü ñçé", true}, // twelve characters, more bytes
		{"my name is Lovelace ok", false},
		{"ada.lovelace-rocks", false},
		{"i work at CONTOSO inc", false},
		{strings.Repeat("a", 257), false},
		{strings.Repeat("a", 256), true},
	} {
		err := Check(tc.pw, names...)
		if (err == nil) != tc.ok {
			t.Errorf("Check(%q) = %v, want ok=%v", tc.pw, err, tc.ok)
		}
		if err != nil && !errors.Is(err, apperr.Invalid) {
			t.Errorf("Check(%q) error kind %v, want Invalid", tc.pw, apperr.KindOf(err))
		}
	}
}

func FuzzDecode(f *testing.F) {
	h := New(Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 8, KeyLen: 16})
	f.Add(h.Hash("seed"))
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Fuzz(func(t *testing.T, phc string) {
		p, salt, key, err := decode(phc)
		if err != nil {
			return
		}
		if int(p.SaltLen) != len(salt) || int(p.KeyLen) != len(key) || p.Threads == 0 {
			t.Fatalf("decode(%q) = %+v with %d-byte salt and %d-byte key", phc, p, len(salt), len(key))
		}
	})
}
