package odata

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, key := range [][]string{
		{},
		{""},
		{"2024-01-02T03:04:05.123456789Z", "90a3ccdf-635c-4729-a248-9b709135078f"},
		{"Zoë ☃", "a,b", "'quoted'", "=&?#%+/"},
		{strings.Repeat("x", 1000)},
		make([]string, maxCursorKeys),
	} {
		token := EncodeCursor(key)
		if strings.ContainsAny(token, "+/=") {
			t.Errorf("EncodeCursor(%q) = %q, want unpadded base64url", key, token)
		}
		got, err := DecodeCursor(token)
		if err != nil {
			t.Fatalf("DecodeCursor(EncodeCursor(%q)): %v", key, err)
		}
		if diff := cmp.Diff(key, got); diff != "" {
			t.Errorf("cursor round trip mismatch (-want +got):\n%s", diff)
		}
	}
}

func TestDecodeCursorGarbage(t *testing.T) {
	raw := func(b ...byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	valid := EncodeCursor([]string{"a", "b"})
	tests := map[string]string{
		"empty":              "",
		"not base64":         "!!!",
		"padded":             valid + "==",
		"std alphabet":       base64.RawStdEncoding.EncodeToString([]byte{cursorV1, 1, 2, 0xfb, 0xff}),
		"non-canonical bits": nonCanonical(raw(cursorV1, 1, 1, 'a')),
		"version 0":          raw(0, 1, 1, 'a'),
		"version 2":          raw(2, 1, 1, 'a'),
		"version only":       raw(cursorV1),
		"short key":          raw(cursorV1, 1, 5, 'a'),
		"missing key":        raw(cursorV1, 2, 1, 'a'),
		"trailing bytes":     raw(cursorV1, 1, 1, 'a', 'b'),
		"overlong varint":    raw(cursorV1, 0x81, 0x00, 1, 'a'),
		"huge count":         raw(cursorV1, 0xff, 0xff, 0xff, 0xff, 0x0f),
		"too many keys":      EncodeCursor(make([]string, maxCursorKeys+1)),
		"huge length":        raw(cursorV1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
		"varint overflow":    raw(cursorV1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
		"invalid UTF-8":      raw(cursorV1, 1, 1, 0xff),
		"NUL":                raw(cursorV1, 1, 1, 0),
		"too long":           EncodeCursor([]string{strings.Repeat("x", maxCursorLength)}),
		"spaces":             " " + valid,
	}
	for name, token := range tests {
		if key, err := DecodeCursor(token); !errors.Is(err, apperr.Invalid) {
			t.Errorf("%s: DecodeCursor(%q) = %q, %v; want kind Invalid", name, token, key, err)
		}
	}
	_, err := DecodeCursor("garbage")
	if got, want := apperr.As(err).Message, "the $skiptoken is not valid; start again from the first page"; got != want {
		t.Errorf("DecodeCursor message = %q, want %q", got, want)
	}
}

// nonCanonical sets an unused low bit in the last character of an unpadded
// base64url token whose length leaves unused bits, so that a lenient decoder
// would return the same bytes.
func nonCanonical(token string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, token[len(token)-1])
	return token[:len(token)-1] + string(alphabet[i|1])
}

func TestNextLink(t *testing.T) {
	tests := []struct{ base, want string }{
		{
			"https://id.example.com/v1.0/users",
			"https://id.example.com/v1.0/users?$skiptoken=TOKEN",
		},
		{
			"https://id.example.com/v1.0/users?$top=5",
			"https://id.example.com/v1.0/users?$top=5&$skiptoken=TOKEN",
		},
		{
			// The old token goes, under any spelling; order and "$" are kept.
			"https://id.example.com/v1.0/auditLogs/directoryAudits?$filter=activityDateTime%20ge%202024-01-01T00:00:00Z&skiptoken=old&$top=5&$SkipToken=older#frag",
			"https://id.example.com/v1.0/auditLogs/directoryAudits?$filter=activityDateTime%20ge%202024-01-01T00:00:00Z&$top=5&$skiptoken=TOKEN",
		},
		{
			// "+" meant a space and is written as %20; a literal plus stays %2B.
			"https://id.example.com/v1.0/users?$filter=startswith(displayName,'A+B')+and+mail+eq+'a%2Bb@x.com'",
			"https://id.example.com/v1.0/users?$filter=startswith(displayName,'A%20B')%20and%20mail%20eq%20'a%2Bb@x.com'&$skiptoken=TOKEN",
		},
		{
			// Characters that would change the query are escaped.
			"https://id.example.com/v1.0/users?$filter=displayName%20eq%20'a%26b%3Dc%23d%25e%3Bf'&x=%C3%A9",
			"https://id.example.com/v1.0/users?$filter=displayName%20eq%20'a%26b%3Dc%23d%25e%3Bf'&x=%C3%A9&$skiptoken=TOKEN",
		},
		{
			// An unparseable pair is dropped, as the server dropped it.
			"https://id.example.com/v1.0/users?bad=%zz&$top=2&&a=1;b=2",
			"https://id.example.com/v1.0/users?$top=2&$skiptoken=TOKEN",
		},
	}
	for _, tt := range tests {
		base, err := url.Parse(tt.base)
		if err != nil {
			t.Fatal(err)
		}
		before := base.String()
		if got := NextLink(base, "TOKEN"); got != tt.want {
			t.Errorf("NextLink(%s):\n got %s\nwant %s", tt.base, got, tt.want)
		}
		if base.String() != before {
			t.Errorf("NextLink modified its base: %s", base)
		}
	}
}

// TestNextLinkPreservesValues checks that a server parsing the link gets back
// exactly the options of the original request, with the new token.
func TestNextLinkPreservesValues(t *testing.T) {
	odd := "a b+c&d=e#f%g;h'i(j)k,l:m@n/o?p\"q<r>s\\t^u`v{w}x|y~z é ☃ \t"
	base := &url.URL{Scheme: "https", Host: "id.example.com", Path: "/v1.0/users"}
	base.RawQuery = url.Values{"$filter": {"displayName eq '" + strings.ReplaceAll(odd, "'", "''") + "'"}, "$top": {"5"}, "x" + odd: {odd}}.Encode()
	token := EncodeCursor([]string{odd, "id"})

	link, err := url.Parse(NextLink(base, token))
	if err != nil {
		t.Fatal(err)
	}
	got, err := url.ParseQuery(link.RawQuery)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", link.RawQuery, err)
	}
	want := base.Query()
	want.Set("$skiptoken", token)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("next link query mismatch (-want +got):\n%s", diff)
	}
	q, err := ParseQuery(got, 10, 100)
	if err != nil {
		t.Fatalf("ParseQuery(next link): %v", err)
	}
	if q.SkipToken != token {
		t.Errorf("ParseQuery(next link).SkipToken = %q, want %q", q.SkipToken, token)
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(EncodeCursor(nil))
	f.Add(EncodeCursor([]string{"2024-01-02T03:04:05Z", "90a3ccdf-635c-4729-a248-9b709135078f"}))
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, token string) {
		key, err := DecodeCursor(token)
		if err != nil {
			if !errors.Is(err, apperr.Invalid) {
				t.Fatalf("DecodeCursor(%q) error %v is not Invalid", token, err)
			}
			return
		}
		if again := EncodeCursor(key); again != token {
			t.Fatalf("DecodeCursor(%q) = %q, which encodes as %q", token, key, again)
		}
	})
}

// FuzzNextLink checks that following a next link gives the server the same
// query options as the original request, with only the $skiptoken changed.
func FuzzNextLink(f *testing.F) {
	f.Add("$filter=startswith(displayName,'A+B')+and+mail+eq+'a%2Bb@x.com'&$top=5", "tok")
	f.Add("skiptoken=old&$SkipToken=older&x=%C3%A9&bad=%zz&a=1;b=2", EncodeCursor([]string{"a"}))
	f.Fuzz(func(t *testing.T, rawQuery, token string) {
		base := &url.URL{Scheme: "https", Host: "id.example.com", Path: "/v1.0/users", RawQuery: rawQuery}
		link, err := url.Parse(NextLink(base, token))
		if err != nil {
			t.Fatalf("NextLink(%q, %q) does not parse: %v", rawQuery, token, err)
		}
		got, err := url.ParseQuery(link.RawQuery)
		if err != nil {
			t.Fatalf("NextLink(%q, %q) has query %q: %v", rawQuery, token, link.RawQuery, err)
		}
		want := base.Query()
		for name := range want {
			if strings.EqualFold(strings.TrimPrefix(name, "$"), "skiptoken") {
				delete(want, name)
			}
		}
		want.Set("$skiptoken", token)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("NextLink(%q, %q) query mismatch (-want +got):\n%s", rawQuery, token, diff)
		}
		if link.Path != base.Path || link.Host != base.Host {
			t.Fatalf("NextLink(%q, %q) = %s: path or host changed", rawQuery, token, link)
		}
	})
}
