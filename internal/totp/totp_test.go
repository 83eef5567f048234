package totp

import (
	"strings"
	"testing"
	"time"
)

// RFC 6238 Appendix B, SHA-1, truncated to six digits.
func TestRFC6238Vectors(t *testing.T) {
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // "12345678901234567890"
	for _, tc := range []struct {
		unix int64
		code string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}} {
		got, err := Code(secret, Step(time.Unix(tc.unix, 0)))
		if err != nil || got != tc.code {
			t.Errorf("code at %d = %q, %v; want %q", tc.unix, got, err, tc.code)
		}
	}
}

func TestMatchSkew(t *testing.T) {
	k, err := NewKey("Strongroom", "ada@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(k.URI, "otpauth://totp/Strongroom:ada@contoso.com?") || !strings.HasPrefix(k.QRCodeData, "data:image/png;base64,") || len(k.Secret) != 32 {
		t.Fatalf("key %+v", k)
	}
	now := time.Unix(1_800_000_015, 0)
	step := Step(now)
	for d, want := range map[int64]bool{-2: false, -1: true, 0: true, 1: true, 2: false} {
		code, _ := Code(k.Secret, step+d)
		got, ok := Match(k.Secret, code[:3]+" "+code[3:], now)
		if ok != want || ok && got != step+d {
			t.Errorf("code of step %+d: got step %d ok=%v, want ok=%v", d, got-step, ok, want)
		}
	}
	if _, ok := Match(k.Secret, "12345", now); ok {
		t.Error("five digits matched")
	}
}
