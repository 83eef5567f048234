package totp

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	pqtotp "github.com/pquerna/otp/totp"
)

// The parameters every authenticator app understands (RFC 6238 defaults).
const (
	Period = 30 // seconds per time step
	Digits = 6
	Skew   = 1 // steps accepted before and after the current one
)

// Key is a new secret as the user receives it.
type Key struct {
	Secret     string // base32, unpadded, as typed into an app by hand
	URI        string // otpauth://totp/…
	QRCodePNG  []byte // the URI as a QR code
	QRCodeData string // the PNG as a data: URL
}

// NewKey makes a random 160-bit secret (RFC 4226 §4 recommends 160 bits)
// for account at issuer.
func NewKey(issuer, account string) (Key, error) {
	k, err := pqtotp.Generate(pqtotp.GenerateOpts{Issuer: issuer, AccountName: account, Period: Period, SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Key{}, fmt.Errorf("totp: generating a key: %w", err)
	}
	img, err := k.Image(256, 256)
	if err != nil {
		return Key{}, fmt.Errorf("totp: drawing the QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Key{}, fmt.Errorf("totp: encoding the QR code: %w", err)
	}
	return Key{Secret: k.Secret(), URI: k.URL(), QRCodePNG: buf.Bytes(),
		QRCodeData: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// Step is the RFC 6238 time step of t.
func Step(t time.Time) int64 { return t.Unix() / Period }

// Code returns the code for secret at time step step (for tests and tools).
func Code(secret string, step int64) (string, error) {
	return hotp.GenerateCodeCustom(secret, uint64(step), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// Normalize strips the spaces and dashes people type inside a code.
func Normalize(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(code))
}

// Match reports the time step, within Skew of now, for which code is
// valid. When several are (a collision), the latest wins. Each comparison
// is in constant time.
func Match(secret, code string, now time.Time) (int64, bool) {
	code = Normalize(code)
	if len(code) != Digits {
		return 0, false
	}
	cur := Step(now)
	found, ok := int64(0), false
	for s := cur - Skew; s <= cur+Skew; s++ {
		want, err := Code(secret, s)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			found, ok = s, true
		}
	}
	return found, ok
}
