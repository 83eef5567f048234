package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// Default is OWASP's argon2id recommendation (Password Storage Cheat
// Sheet): 19 MiB, two passes, one lane.
var Default = Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Hasher hashes passwords with fixed parameters.
type Hasher struct {
	Params Params

	dummyOnce sync.Once
	dummy     string
}

// New returns a hasher with p (Default when p is the zero value).
func New(p Params) *Hasher {
	if p == (Params{}) {
		p = Default
	}
	return &Hasher{Params: p}
}

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of an argon2id hash of pw with a fresh salt.
func (h *Hasher) Hash(pw string) string {
	salt := make([]byte, h.Params.SaltLen)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, h.Params.Time, h.Params.Memory, h.Params.Threads, h.Params.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.Params.Memory, h.Params.Time, h.Params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// ErrFormat means a stored hash is not an argon2id PHC string.
var ErrFormat = errors.New("password: not an argon2id PHC string")

// decode parses an argon2id PHC string.
func decode(phc string) (Params, []byte, []byte, error) {
	parts := strings.Split(phc, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrFormat
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return Params{}, nil, nil, ErrFormat
	}
	var p Params
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil || threads == 0 || threads > 255 || p.Time == 0 || p.Memory == 0 {
		return Params{}, nil, nil, ErrFormat
	}
	p.Threads = uint8(threads)
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) == 0 {
		return Params{}, nil, nil, ErrFormat
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return Params{}, nil, nil, ErrFormat
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// maxMemory bounds the cost a stored hash may ask for (1 GiB), so that a
// tampered row cannot make a sign-in exhaust the server.
const maxMemory = 1 << 20

// Verify reports whether pw matches the PHC string phc, in constant time,
// and whether phc was made with other parameters than the hasher's (so
// the caller should store a fresh Hash(pw) now that it knows pw).
func (h *Hasher) Verify(pw, phc string) (ok, rehash bool, err error) {
	p, salt, key, err := decode(phc)
	if err != nil {
		return false, false, err
	}
	if p.Memory > maxMemory || p.Time > 64 {
		return false, false, ErrFormat
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	return true, p != withLens(h.Params, p), nil
}

// withLens returns want with p's salt and key lengths, so that comparing
// parameters ignores lengths that are at least as long.
func withLens(want, p Params) Params {
	if p.SaltLen >= want.SaltLen {
		want.SaltLen = p.SaltLen
	}
	if p.KeyLen >= want.KeyLen {
		want.KeyLen = p.KeyLen
	}
	return want
}

// VerifyDummy spends the time of a verification without a stored hash,
// so that an unknown account cannot be told from a wrong password by the
// time the answer takes.
func (h *Hasher) VerifyDummy(pw string) {
	h.dummyOnce.Do(func() { h.dummy = h.Hash("strongroom dummy password " + time.Now().String()) })
	_, _, _ = h.Verify(pw, h.dummy)
}

// Length limits for a new password, in characters.
const (
	MinLength = 12
	MaxLength = 256
)

// Check applies the rules for a new password: at least MinLength and at
// most MaxLength characters, and not containing the user's names (each of
// names: the user principal name, its part before @, the display name and
// each of its words of four or more letters), compared without case.
// There are no composition rules (NIST SP 800-63B §3.1.1.2).
func Check(pw string, names ...string) error {
	if !utf8.ValidString(pw) {
		return apperr.Invalidf("The password is not valid text.")
	}
	n := utf8.RuneCountInString(pw)
	if n < MinLength {
		return apperr.Invalidf("The password must be at least %d characters long; a few unrelated words make a good one.", MinLength)
	}
	if n > MaxLength {
		return apperr.Invalidf("The password must be at most %d characters long.", MaxLength)
	}
	lower := strings.ToLower(pw)
	for _, w := range nameWords(names) {
		if strings.Contains(lower, w) {
			return apperr.Invalidf("The password must not contain your name or user name.")
		}
	}
	return nil
}

// nameWords returns the lowercase words of names worth refusing in a
// password: whole names, user names before @, and words of four or more
// letters.
func nameWords(names []string) []string {
	var out []string
	add := func(s string) {
		s = strings.ToLower(strings.TrimSpace(s))
		if utf8.RuneCountInString(s) >= 4 {
			out = append(out, s)
		}
	}
	for _, n := range names {
		add(n)
		if local, _, ok := strings.Cut(n, "@"); ok {
			add(local)
			for _, w := range strings.FieldsFunc(local, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
				add(w)
			}
		}
		for _, w := range strings.FieldsFunc(n, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			add(w)
		}
	}
	return out
}

// Credential is a user's stored password.
type Credential struct {
	UserID          string
	Hash            string // PHC string
	CreatedDateTime time.Time
}

// GraphMethodID is the fixed id Graph gives every password method
// (passwordAuthenticationMethod).
const GraphMethodID = "28c10230-6103-485e-b985-444c60001490"
