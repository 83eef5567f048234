package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of a generated secret key.
const KeySize = 32

// Keyring holds the subkeys derived from the secret key.
type Keyring struct {
	hmacKey []byte
	aead    cipher.AEAD
	check   string
}

// New derives a keyring from the secret key, which must be at least 32 bytes.
func New(key []byte) (*Keyring, error) {
	if len(key) < KeySize {
		return nil, fmt.Errorf("the secret key must be at least %d bytes, got %d", KeySize, len(key))
	}
	hk, err := hkdf.Key(sha256.New, key, nil, "strongroom hmac v1", 32)
	if err != nil {
		return nil, err
	}
	sk, err := hkdf.Key(sha256.New, key, nil, "strongroom seal v1", 32)
	if err != nil {
		return nil, err
	}
	ck, err := hkdf.Key(sha256.New, key, nil, "strongroom key check v1", 16)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(sk)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keyring{hmacKey: hk, aead: aead, check: hex.EncodeToString(ck)}, nil
}

// Check is a value derived from the key that is safe to store: every node
// sharing a database must have the same key, and comparing checks tells.
func (k *Keyring) Check() string { return k.check }

// Hash returns the keyed hash of a server-generated secret for purpose (so
// that a hash for one purpose is useless for another).
func (k *Keyring) Hash(purpose, s string) []byte {
	m := hmac.New(sha256.New, k.hmacKey)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(s))
	return m.Sum(nil)
}

// Equal reports, in constant time, whether s hashes to h for purpose.
func (k *Keyring) Equal(purpose, s string, h []byte) bool {
	return hmac.Equal(k.Hash(purpose, s), h)
}

// Seal encrypts and authenticates plaintext, bound to purpose.
func (k *Keyring) Seal(purpose string, plaintext []byte) []byte {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	_, _ = rand.Read(nonce)
	return k.aead.Seal(nonce, nonce, plaintext, []byte(purpose))
}

// ErrOpen means sealed data was not produced by this key for this purpose.
var ErrOpen = errors.New("secret: cannot open sealed data")

// Open reverses Seal.
func (k *Keyring) Open(purpose string, sealed []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n+k.aead.Overhead() {
		return nil, ErrOpen
	}
	out, err := k.aead.Open(nil, sealed[:n], sealed[n:], []byte(purpose))
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

// ParseKey decodes a configured key given in base64 (standard or URL,
// padded or not) or hex.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) >= KeySize {
			return b, nil
		}
	}
	if b, err := hex.DecodeString(s); err == nil && len(b) >= KeySize {
		return b, nil
	}
	return nil, fmt.Errorf("the secret key must be base64 or hex of at least %d random bytes", KeySize)
}

// LoadOrCreateKeyFile reads the key file at path, creating it with a fresh
// random key (mode 0600) when it does not exist. It refuses a key file that
// others can read.
func LoadOrCreateKeyFile(path string) (key []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			return nil, false, fmt.Errorf("%s is readable by other users (mode %v); run chmod 600 on it", path, fi.Mode().Perm())
		}
		key, err := ParseKey(string(b))
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		return key, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	key = make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // another process won the race
			return LoadOrCreateKeyFile(path)
		}
		return nil, false, err
	}
	defer f.Close()
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		return nil, false, err
	}
	return key, true, f.Sync()
}

// Alphabets for generated secrets.
const (
	// Readable has no look-alike characters (no 0/O/o, 1/l/I, 5/S, 2/Z, 8/B,
	// u/v), for secrets people type, such as Temporary Access Passes.
	Readable = "34679ACDEFGHJKLMNPQRTUWXYabcdefghijkmnpqrstwxyz" + "!#%+=?"
	// URLSafe is base64url's alphabet, for secrets machines copy.
	URLSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)

// Generate returns n characters drawn uniformly from alphabet with a
// cryptographic random source (rejection sampling, so there is no bias).
func Generate(alphabet string, n int) string {
	if len(alphabet) < 2 || len(alphabet) > 256 {
		panic("secret: alphabet size out of range")
	}
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+16)
	for len(out) < n {
		_, _ = rand.Read(buf)
		for _, b := range buf {
			if int(b) < limit {
				out = append(out, alphabet[int(b)%len(alphabet)])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out)
}
