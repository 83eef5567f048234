package bearer

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Claims are the access-token claims Strongroom reads.
type Claims struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audience  Audience `json:"aud"`
	Expiry    int64    `json:"exp"`
	NotBefore int64    `json:"nbf"`
	IssuedAt  int64    `json:"iat"`
	ID        string   `json:"jti"`
	ClientID  string   `json:"client_id"`
	Scope     string   `json:"scope"`
	// Strongroom and Entra-style claims.
	IDType    string   `json:"idtyp"` // "app" or "user"
	ObjectID  string   `json:"oid"`
	Roles     []string `json:"roles"` // application permissions (app tokens)
	WIDs      []string `json:"wids"`  // active directory role template ids at issue (user tokens)
	ACRS      []string `json:"acrs"`  // satisfied authentication contexts
	AMR       []string `json:"amr"`
	AuthTime  int64    `json:"auth_time"`
	SessionID string   `json:"sid"`
	UPN       string   `json:"upn"`
	Name      string   `json:"name"`
}

// Audience is a JWT "aud": a string or an array of strings.
type Audience []string

// UnmarshalJSON accepts either form.
func (a *Audience) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = Audience{s}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return errors.New("aud must be a string or an array of strings")
	}
	*a = ss
	return nil
}

// KeyFinder finds a published verification key by key id.
type KeyFinder interface {
	FindPublic(ctx context.Context, kid string) (crypto.PublicKey, bool)
}

// RevocationList tells whether an access token was revoked before its
// expiry (RFC 7009), by its token id (jti).
type RevocationList interface {
	IsRevoked(ctx context.Context, tokenID string) (bool, error)
}

// Verifier checks tokens for one issuer and audience.
type Verifier struct {
	Issuer   string
	Audience string
	Keys     KeyFinder
	Now      func() time.Time
	Skew     time.Duration // allowed clock difference; 0 means 30 seconds
	// Revocations, when set, refuses revoked tokens.
	Revocations RevocationList
}

// ErrInvalid is wrapped by every verification failure.
var ErrInvalid = errors.New("invalid token")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Verify checks raw and returns its claims.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	// Only ES256 is accepted: a token with alg "none" or HS256 fails here,
	// whatever its key id says.
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return nil, invalid("not a compact JWS signed with ES256: %v", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, invalid("expected exactly one signature")
	}
	h := jws.Signatures[0].Header
	if h.KeyID == "" {
		return nil, invalid("no key id")
	}
	if typ, ok := h.ExtraHeaders[jose.HeaderType].(string); ok && !strings.EqualFold(typ, "JWT") && !strings.EqualFold(typ, "at+jwt") {
		return nil, invalid("unexpected typ %q", typ)
	}
	key, ok := v.Keys.FindPublic(ctx, h.KeyID)
	if !ok {
		return nil, invalid("unknown key id %q", h.KeyID)
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return nil, invalid("bad signature")
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, invalid("claims: %v", err)
	}
	if c.Issuer != v.Issuer {
		return nil, invalid("issuer %q is not %q", c.Issuer, v.Issuer)
	}
	if v.Audience != "" && !slices.Contains(c.Audience, v.Audience) {
		return nil, invalid("audience %v does not include %q", []string(c.Audience), v.Audience)
	}
	skew := v.Skew
	if skew == 0 {
		skew = 30 * time.Second
	}
	now := v.Now()
	if c.Expiry == 0 || !now.Before(time.Unix(c.Expiry, 0).Add(skew)) {
		return nil, invalid("expired")
	}
	if c.NotBefore != 0 && now.Add(skew).Before(time.Unix(c.NotBefore, 0)) {
		return nil, invalid("not valid yet")
	}
	if v.Revocations != nil && c.ID != "" {
		revoked, err := v.Revocations.IsRevoked(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		if revoked {
			return nil, invalid("revoked")
		}
	}
	return &c, nil
}

// FromHeader extracts a bearer token from the Authorization header.
func FromHeader(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}
