package odata

import (
	"encoding/base64"
	"encoding/binary"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// A cursor is the sort key of the last row of a page. Its encoding is
//
//	version (1 byte, cursorV1) | uvarint count | count × (uvarint length | bytes)
//
// in base64url without padding. The token is opaque to clients but not
// secret or signed: it holds only values of a row the caller has already
// seen, and a forged one can only start a listing somewhere the caller could
// reach with $filter anyway.
const (
	cursorV1        = 1
	maxCursorKeys   = 16
	maxCursorLength = maxOptionLength // characters of token
)

var cursorEncoding = base64.RawURLEncoding.Strict()

// errBadCursor is returned for every bad token alike: what exactly is wrong
// with a made-up token is of no use to the client.
var errBadCursor error = apperr.Invalidf("the $skiptoken is not valid; start again from the first page")

// EncodeCursor returns the $skiptoken for a page whose last row has the sort
// key key.
func EncodeCursor(key []string) string {
	b := []byte{cursorV1}
	b = binary.AppendUvarint(b, uint64(len(key)))
	for _, k := range key {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
	}
	return cursorEncoding.EncodeToString(b)
}

// DecodeCursor returns the sort key in a $skiptoken made by EncodeCursor.
// Anything else, including a token that decodes but is not in canonical
// form, is an Invalid error that tells the client to start over: a client
// can only have a bad token by making one up or mangling one.
func DecodeCursor(token string) ([]string, error) {
	bad := errBadCursor
	if token == "" || len(token) > maxCursorLength {
		return nil, bad
	}
	b, err := cursorEncoding.DecodeString(token)
	if err != nil || len(b) < 2 || b[0] != cursorV1 {
		return nil, bad
	}
	b = b[1:]
	n, w := binary.Uvarint(b)
	if w <= 0 || n > maxCursorKeys {
		return nil, bad
	}
	b = b[w:]
	key := make([]string, 0, n)
	for range n {
		l, w := binary.Uvarint(b)
		if w <= 0 || l > uint64(len(b)-w) {
			return nil, bad
		}
		k := string(b[w : w+int(l)])
		if !utf8.ValidString(k) || strings.IndexByte(k, 0) >= 0 {
			return nil, bad // keys come from text columns
		}
		key = append(key, k)
		b = b[w+int(l):]
	}
	// Trailing bytes and non-minimal varints would make two tokens mean the
	// same page; only the canonical encoding is accepted.
	if len(b) != 0 || EncodeCursor(key) != token {
		return nil, bad
	}
	return key, nil
}

// NextLink returns the @odata.nextLink for the page after the one requested
// at base: base with its $skiptoken (under any spelling) replaced by token,
// and every other query parameter kept, in order, re-escaped so that the
// link survives being followed as is. base should be absolute, as Graph's
// nextLinks are; its fragment is dropped.
func NextLink(base *url.URL, token string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(base.RawQuery, "&") {
		if part == "" || strings.Contains(part, ";") {
			continue // url.ParseQuery drops these, so the request never saw them
		}
		rawName, rawValue, _ := strings.Cut(part, "=")
		name, err1 := url.QueryUnescape(rawName)
		value, err2 := url.QueryUnescape(rawValue)
		if err1 != nil || err2 != nil {
			continue // likewise
		}
		if strings.EqualFold(strings.TrimPrefix(name, "$"), "skiptoken") {
			continue
		}
		b.WriteString(escapeQuery(name))
		b.WriteByte('=')
		b.WriteString(escapeQuery(value))
		b.WriteByte('&')
	}
	b.WriteString("$skiptoken=")
	b.WriteString(escapeQuery(token))

	u := *base
	u.RawQuery = b.String()
	u.ForceQuery = false
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// escapeQuery percent-encodes s for a query name or value (RFC 3986 §3.4).
// Unlike url.QueryEscape it keeps "$", "'", "(", ")", ",", ":", "@", "/" and
// "*" readable, as in Graph's own links ($filter=startswith(displayName,'a')),
// and writes a space as %20, not "+". It escapes what would change the
// meaning of the query: "&", "=", "+", ";", "#", "%" and everything outside
// ASCII.
func escapeQuery(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~$'()*,:@/!?", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
