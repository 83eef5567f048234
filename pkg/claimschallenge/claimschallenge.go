package claimschallenge

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

var contextID = regexp.MustCompile(`^c([1-9]|[1-9][0-9])$`)

// IsContextID reports whether s is an authentication context id, c1 to c99.
func IsContextID(s string) bool { return contextID.MatchString(s) }

// ClaimsRequest returns the claims request (OpenID Connect Core §5.5) that
// asks for authentication context id in the access token:
// {"access_token":{"acrs":{"essential":true,"value":"c1"}}}.
func ClaimsRequest(id string) string {
	return claimsFor("access_token", id)
}

// IDTokenClaimsRequest is ClaimsRequest for the ID token, which is what a
// web application that signs users in asks for.
func IDTokenClaimsRequest(id string) string {
	return claimsFor("id_token", id)
}

func claimsFor(member, id string) string {
	b, _ := json.Marshal(map[string]any{member: map[string]any{"acrs": map[string]any{"essential": true, "value": id}}})
	return string(b)
}

// Challenge is a claims challenge: what a resource server tells a client
// to ask the authorization server for.
type Challenge struct {
	// AuthorizationURI is the authorization endpoint to replay the claims
	// request to.
	AuthorizationURI string
	// ClientID identifies the resource (the API's client id, as Entra
	// sends it).
	ClientID string
	// Claims is the claims request to replay, as JSON.
	Claims string
	// Error is insufficient_claims for a claims challenge.
	Error string
	// Type is cc_type, authcontext for an authentication context.
	Type string
}

// ForContext returns the challenge for authentication context id.
func ForContext(authorizationURI, clientID, id string) Challenge {
	return Challenge{AuthorizationURI: authorizationURI, ClientID: clientID, Claims: ClaimsRequest(id), Error: "insufficient_claims", Type: "authcontext"}
}

// String is the WWW-Authenticate header value, in Entra's form; claims is
// base64url encoded.
func (c Challenge) String() string {
	q := func(s string) string { return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"` }
	return "Bearer realm=" + q("") + ", authorization_uri=" + q(c.AuthorizationURI) + ", client_id=" + q(c.ClientID) +
		", error=" + q(c.Error) + ", claims=" + q(base64.RawURLEncoding.EncodeToString([]byte(c.Claims))) + ", cc_type=" + q(c.Type)
}

// Context returns the authentication context the challenge asks for in
// the access token, if it names one.
func (c Challenge) Context() (string, bool) {
	var req map[string]map[string]struct {
		Value  string   `json:"value"`
		Values []string `json:"values"`
	}
	if json.Unmarshal([]byte(c.Claims), &req) != nil {
		return "", false
	}
	for _, member := range []string{"access_token", "id_token"} {
		if a, ok := req[member]["acrs"]; ok {
			if a.Value != "" {
				return a.Value, true
			}
			if len(a.Values) > 0 {
				return a.Values[0], true
			}
		}
	}
	return "", false
}

var authParam = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))`)

// ErrNoChallenge means a response carries no claims challenge.
var ErrNoChallenge = errors.New("claimschallenge: no claims challenge")

// Parse reads a claims challenge from a WWW-Authenticate header value. It
// accepts the claims in base64url or standard base64, padded or not.
func Parse(header string) (Challenge, error) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return Challenge{}, ErrNoChallenge
	}
	params := map[string]string{}
	for _, m := range authParam.FindAllStringSubmatch(rest, -1) {
		v := m[3]
		if m[3] == "" {
			v = strings.NewReplacer(`\\`, `\`, `\"`, `"`).Replace(m[2])
		}
		params[strings.ToLower(m[1])] = v
	}
	if params["error"] != "insufficient_claims" || params["claims"] == "" {
		return Challenge{}, ErrNoChallenge
	}
	claims, err := decodeBase64(params["claims"])
	if err != nil || !json.Valid(claims) {
		return Challenge{}, fmt.Errorf("claimschallenge: the claims parameter is not base64-encoded JSON")
	}
	return Challenge{AuthorizationURI: params["authorization_uri"], ClientID: params["client_id"], Claims: string(claims),
		Error: params["error"], Type: params["cc_type"]}, nil
}

// FromResponse returns the claims challenge of a 401 response.
func FromResponse(resp *http.Response) (Challenge, error) {
	if resp.StatusCode != http.StatusUnauthorized {
		return Challenge{}, ErrNoChallenge
	}
	for _, h := range resp.Header.Values("WWW-Authenticate") {
		if c, err := Parse(h); err == nil {
			return c, nil
		}
	}
	return Challenge{}, ErrNoChallenge
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// Claims are the access-token claims the package reads. Raw holds them
// all.
type Claims struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audience  audience `json:"aud"`
	Expiry    int64    `json:"exp"`
	NotBefore int64    `json:"nbf"`
	IssuedAt  int64    `json:"iat"`
	ID        string   `json:"jti"`
	ClientID  string   `json:"client_id"`
	// ACRS are the authentication contexts the token's sign-in satisfied.
	ACRS []string `json:"acrs"`
	AMR  []string `json:"amr"`
	// IDType is "user" for a user's token and "app" for an application's.
	IDType string         `json:"idtyp"`
	Raw    map[string]any `json:"-"`
}

// HasContext reports whether the token carries authentication context id.
func (c *Claims) HasContext(id string) bool { return slices.Contains(c.ACRS, id) }

type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*a = audience{s}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return errors.New("aud must be a string or an array of strings")
	}
	*a = ss
	return nil
}

// Verifier verifies access tokens of one issuer for one audience, with
// the issuer's published keys (fetched from its jwks_uri, refreshed when
// an unknown key id appears, at most every RefreshInterval).
type Verifier struct {
	Issuer   string
	Audience string
	// AuthorizationEndpoint is where challenges send clients.
	AuthorizationEndpoint string
	// Algorithms accepted; ES256 when empty. "none" and HMAC algorithms are
	// never accepted.
	Algorithms []jose.SignatureAlgorithm
	// HTTPClient fetches discovery and keys; http.DefaultClient when nil.
	HTTPClient *http.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Leeway is the allowed clock difference; 30 seconds when zero.
	Leeway time.Duration
	// RefreshInterval is the least time between two key fetches; one
	// minute when zero.
	RefreshInterval time.Duration

	jwksURI string
	mu      sync.Mutex
	keys    jose.JSONWebKeySet
	fetched time.Time
}

// NewVerifier reads the issuer's discovery document
// (<issuer>/.well-known/openid-configuration) and returns a verifier for
// tokens with audience aud.
func NewVerifier(ctx context.Context, issuer, aud string) (*Verifier, error) {
	v := &Verifier{Issuer: strings.TrimRight(issuer, "/"), Audience: aud}
	var d struct {
		Issuer                string `json:"issuer"`
		JWKSURI               string `json:"jwks_uri"`
		AuthorizationEndpoint string `json:"authorization_endpoint"`
	}
	if err := v.getJSON(ctx, v.Issuer+"/.well-known/openid-configuration", &d); err != nil {
		return nil, fmt.Errorf("claimschallenge: discovery: %w", err)
	}
	if strings.TrimRight(d.Issuer, "/") != v.Issuer || d.JWKSURI == "" {
		return nil, fmt.Errorf("claimschallenge: discovery at %s names issuer %q and jwks_uri %q", v.Issuer, d.Issuer, d.JWKSURI)
	}
	v.Issuer, v.jwksURI, v.AuthorizationEndpoint = d.Issuer, d.JWKSURI, d.AuthorizationEndpoint
	return v, nil
}

func (v *Verifier) client() *http.Client {
	if v.HTTPClient != nil {
		return v.HTTPClient
	}
	return http.DefaultClient
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) getJSON(ctx context.Context, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := v.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out)
}

// key returns the published key with id kid, fetching the key set when it
// is unknown (a new key after a rotation).
func (v *Verifier) key(ctx context.Context, kid string) (*jose.JSONWebKey, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if ks := v.keys.Key(kid); len(ks) > 0 {
		return &ks[0], nil
	}
	every := v.RefreshInterval
	if every == 0 {
		every = time.Minute
	}
	if !v.fetched.IsZero() && v.now().Sub(v.fetched) < every {
		return nil, fmt.Errorf("unknown key id %q", kid)
	}
	var set jose.JSONWebKeySet
	if err := v.getJSON(ctx, v.jwksURI, &set); err != nil {
		return nil, fmt.Errorf("fetching keys: %w", err)
	}
	v.keys, v.fetched = set, v.now()
	if ks := v.keys.Key(kid); len(ks) > 0 {
		return &ks[0], nil
	}
	return nil, fmt.Errorf("unknown key id %q", kid)
}

// ErrInvalidToken wraps every verification failure.
var ErrInvalidToken = errors.New("invalid token")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidToken, fmt.Sprintf(format, args...))
}

// Verify checks raw's signature, issuer, audience and validity window.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	algs := v.Algorithms
	if len(algs) == 0 {
		algs = []jose.SignatureAlgorithm{jose.ES256}
	}
	jws, err := jose.ParseSigned(raw, algs)
	if err != nil {
		return nil, invalid("not a JWS signed with %v", algs)
	}
	if len(jws.Signatures) != 1 {
		return nil, invalid("expected one signature")
	}
	k, err := v.key(ctx, jws.Signatures[0].Header.KeyID)
	if err != nil {
		return nil, invalid("%v", err)
	}
	payload, err := jws.Verify(k)
	if err != nil {
		return nil, invalid("bad signature")
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, invalid("claims: %v", err)
	}
	_ = json.Unmarshal(payload, &c.Raw)
	if c.Issuer != v.Issuer {
		return nil, invalid("issuer %q", c.Issuer)
	}
	if v.Audience != "" && !slices.Contains(c.Audience, v.Audience) {
		return nil, invalid("audience %v does not include %q", []string(c.Audience), v.Audience)
	}
	leeway := v.Leeway
	if leeway == 0 {
		leeway = 30 * time.Second
	}
	now := v.now()
	if c.Expiry == 0 || !now.Before(time.Unix(c.Expiry, 0).Add(leeway)) {
		return nil, invalid("expired")
	}
	if c.NotBefore != 0 && now.Add(leeway).Before(time.Unix(c.NotBefore, 0)) {
		return nil, invalid("not valid yet")
	}
	return &c, nil
}

type claimsKey struct{}

// FromContext returns the verified claims Require put in the request's
// context.
func FromContext(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok
}

// NewContext returns ctx carrying c.
func NewContext(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, c)
}

// bearer extracts a bearer token (RFC 6750 §2.1).
func bearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// WriteChallenge answers 401 with the claims challenge for context id.
func WriteChallenge(w http.ResponseWriter, authorizationURI, clientID, id string) {
	w.Header().Set("WWW-Authenticate", ForContext(authorizationURI, clientID, id).String())
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = fmt.Fprintf(w, `{"error":"insufficient_claims","error_description":%q}`+"\n",
		"This operation needs the authentication context "+id+": sign in again with the claims request in the WWW-Authenticate header.")
}

// Check verifies the request's bearer token and that it carries context
// id. On failure it writes the answer (401 invalid_token, or 401 with the
// claims challenge) and returns false.
func (v *Verifier) Check(w http.ResponseWriter, r *http.Request, id, clientID string) (*Claims, bool) {
	raw, ok := bearer(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm=""`)
		http.Error(w, "a bearer token is required", http.StatusUnauthorized)
		return nil, false
	}
	c, err := v.Verify(r.Context(), raw)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", error="invalid_token"`)
		http.Error(w, "the access token is not valid", http.StatusUnauthorized)
		return nil, false
	}
	if !c.HasContext(id) {
		WriteChallenge(w, v.AuthorizationEndpoint, clientID, id)
		return c, false
	}
	return c, true
}

// Require returns middleware that lets a request through to next only
// with a valid access token whose acrs contains context id, and otherwise
// answers 401 with the claims challenge. clientID is the resource's client
// id, named in the challenge. The claims are in the request's context
// (FromContext).
func (v *Verifier) Require(id, clientID string, next http.Handler) http.Handler {
	if !IsContextID(id) {
		panic("claimschallenge: " + id + " is not an authentication context id (c1 to c99)")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := v.Check(w, r, id, clientID)
		if !ok {
			return
		}
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), c)))
	})
}
