package claimschallenge_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/strongroom-id/strongroom/pkg/claimschallenge"
)

func TestChallengeRoundTrip(t *testing.T) {
	c := claimschallenge.ForContext("https://id.example.com/oauth2/authorize", "api://payroll", "c1")
	h := c.String()
	for _, part := range []string{`Bearer realm=""`, `authorization_uri="https://id.example.com/oauth2/authorize"`, `client_id="api://payroll"`,
		`error="insufficient_claims"`, `claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzEifX19"`, `cc_type="authcontext"`} {
		if !strings.Contains(h, part) {
			t.Errorf("header %s lacks %s", h, part)
		}
	}
	got, err := claimschallenge.Parse(h)
	if err != nil || got != c {
		t.Fatalf("Parse: %+v %v", got, err)
	}
	if id, ok := got.Context(); !ok || id != "c1" {
		t.Errorf("Context %q %v", id, ok)
	}
}

// Entra's documented header: standard base64 with padding.
func TestParseEntra(t *testing.T) {
	h := `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzEifX19", cc_type="authcontext"`
	c, err := claimschallenge.Parse(h)
	if err != nil {
		t.Fatal(err)
	}
	if c.Claims != `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}` || c.ClientID != "00000003-0000-0000-c000-000000000000" || c.Type != "authcontext" {
		t.Errorf("%+v", c)
	}
	for _, bad := range []string{``, `Basic realm="x"`, `Bearer error="invalid_token"`, `Bearer error="insufficient_claims", claims="!!!"`} {
		if _, err := claimschallenge.Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(claimschallenge.ForContext("https://x/authorize", "id", "c7").String())
	f.Add(`Bearer realm="", error="insufficient_claims", claims="e30"`)
	f.Fuzz(func(t *testing.T, h string) {
		c, err := claimschallenge.Parse(h)
		if err == nil && !json.Valid([]byte(c.Claims)) {
			t.Fatalf("Parse(%q) returned invalid claims %q", h, c.Claims)
		}
	})
}

// issuer is a minimal OpenID provider: discovery, a JWKS, and tokens.
type issuer struct {
	srv *httptest.Server
	key *ecdsa.PrivateKey
}

func newIssuer(t *testing.T) *issuer {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	is := &issuer{key: k}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": is.srv.URL, "jwks_uri": is.srv.URL + "/keys", "authorization_endpoint": is.srv.URL + "/authorize"})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) token(t *testing.T, claims map[string]any, alg jose.SignatureAlgorithm, key any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k1").WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	obj, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := obj.CompactSerialize()
	return out
}

func TestRequire(t *testing.T) {
	is := newIssuer(t)
	v, err := claimschallenge.NewVerifier(context.Background(), is.srv.URL, "api://payroll")
	if err != nil {
		t.Fatal(err)
	}
	h := v.Require("c1", "api://payroll", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := claimschallenge.FromContext(r.Context())
		_, _ = w.Write([]byte("ran for " + c.Subject))
	}))
	exp := time.Now().Add(time.Hour).Unix()
	base := map[string]any{"iss": is.srv.URL, "aud": "api://payroll", "sub": "u1", "exp": exp}
	with := func(extra map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	call := func(tok string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/payroll/run", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		h.ServeHTTP(rec, req)
		return rec
	}

	ok := call(is.token(t, with(map[string]any{"acrs": []string{"c1"}}), jose.ES256, is.key))
	if ok.Code != 200 || ok.Body.String() != "ran for u1" {
		t.Errorf("with c1: %d %s", ok.Code, ok.Body)
	}
	lacking := call(is.token(t, with(map[string]any{"acrs": []string{"c2"}}), jose.ES256, is.key))
	c, err := claimschallenge.Parse(lacking.Header().Get("WWW-Authenticate"))
	if lacking.Code != 401 || err != nil || c.AuthorizationURI != is.srv.URL+"/authorize" || c.Claims != claimschallenge.ClaimsRequest("c1") {
		t.Errorf("without c1: %d %v %+v", lacking.Code, err, c)
	}
	for name, tok := range map[string]string{
		"none":           "",
		"wrong audience": is.token(t, with(map[string]any{"aud": "api://other", "acrs": []string{"c1"}}), jose.ES256, is.key),
		"expired":        is.token(t, with(map[string]any{"exp": time.Now().Add(-time.Hour).Unix(), "acrs": []string{"c1"}}), jose.ES256, is.key),
		"hmac":           is.token(t, with(map[string]any{"acrs": []string{"c1"}}), jose.HS256, []byte("0123456789abcdef0123456789abcdef")),
	} {
		r := call(tok)
		if r.Code != 401 || strings.Contains(r.Header().Get("WWW-Authenticate"), "insufficient_claims") {
			t.Errorf("%s: %d %s", name, r.Code, r.Header().Get("WWW-Authenticate"))
		}
	}
}
