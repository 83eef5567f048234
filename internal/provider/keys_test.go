package provider_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
)

// jwks returns the key ids in the JWKS.
func (e *env) jwks(t *testing.T) []string {
	t.Helper()
	r := e.Do(t, "GET", "/oauth2/keys", "", nil)
	apptest.Want(t, r, http.StatusOK)
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			Alg string `json:"alg"`
			Kty string `json:"kty"`
		} `json:"keys"`
	}
	r.JSON(t, &set)
	var out []string
	for _, k := range set.Keys {
		if k.Alg != "ES256" || k.Kty != "EC" {
			t.Errorf("key %+v", k)
		}
		out = append(out, k.Kid)
	}
	return out
}

func (e *env) rotate(t *testing.T) {
	t.Helper()
	if err := e.Server.Keys.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Key rotation with the fake clock: the next key is published a day before
// it signs; after the switch, a token signed with the old key still
// verifies until it expires, and the old key leaves the JWKS only once
// every token it signed has expired.
func TestJWKSRotation(t *testing.T) {
	e := newEnv(t, "sqlite")
	kid := func(tok string) string {
		t.Helper()
		jws, err := oidcParseHeader(tok)
		if err != nil {
			t.Fatal(err)
		}
		return jws
	}
	first := e.ClientToken(t, e.Bootstrap.ClientID, e.Bootstrap.ClientSecret)
	k1 := kid(first)
	if got := e.jwks(t); !slices.Equal(got, []string{k1}) {
		t.Fatalf("JWKS %v, want [%s]", got, k1)
	}

	// A day before the 30-day lifetime ends, the next key is published but
	// does not sign yet.
	e.clk.Advance(29*24*time.Hour + time.Hour)
	e.rotate(t)
	keys := e.jwks(t)
	if len(keys) != 2 || keys[0] != k1 {
		t.Fatalf("JWKS before the switch %v", keys)
	}
	k2 := keys[1]
	old := e.ClientToken(t, e.Bootstrap.ClientID, e.Bootstrap.ClientSecret)
	if kid(old) != k1 {
		t.Fatal("the next key signed before its time")
	}

	// The switch: the new key signs, the old one still verifies.
	e.clk.Advance(23*time.Hour + 30*time.Minute)
	e.rotate(t)
	fresh := e.ClientToken(t, e.Bootstrap.ClientID, e.Bootstrap.ClientSecret)
	if kid(fresh) != k2 {
		t.Fatalf("after the switch, signed with %s, want %s", kid(fresh), k2)
	}
	if got := e.jwks(t); !slices.Equal(got, []string{k1, k2}) {
		t.Fatalf("JWKS after the switch %v", got)
	}
	// The token signed with the old key 23½ hours ago has expired (tokens
	// last an hour); TestOldKeyTokenValidUntilExpiry covers a recent one.
	apptest.Want(t, e.Do(t, "GET", "/v1.0/users", old, nil), http.StatusUnauthorized)
	apptest.Want(t, e.Do(t, "GET", "/v1.0/users", fresh, nil), http.StatusOK)

	// An independent verifier (go-oidc's remote key set) accepts both keys'
	// signatures while both are published.
	ks := oidc.NewRemoteKeySet(context.Background(), e.URL+"/oauth2/keys")
	for _, tok := range []string{old, fresh} {
		if _, err := ks.VerifySignature(context.Background(), tok); err != nil {
			t.Errorf("go-oidc key set: %v", err)
		}
	}

	// The old key leaves the JWKS a day past its last token's lifetime.
	e.clk.Advance(26 * time.Hour)
	e.rotate(t)
	if got := e.jwks(t); !slices.Equal(got, []string{k2}) {
		t.Errorf("JWKS after expiry %v", got)
	}
}

// A token signed by the old key shortly before the switch keeps working
// after it, until its own expiry.
func TestOldKeyTokenValidUntilExpiry(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.clk.Advance(29*24*time.Hour + time.Hour)
	e.rotate(t)
	e.clk.Advance(23*time.Hour - 20*time.Minute)
	e.rotate(t)
	old := e.ClientToken(t, e.Bootstrap.ClientID, e.Bootstrap.ClientSecret)
	k1, _ := oidcParseHeader(old)
	e.clk.Advance(30 * time.Minute) // past the switch
	e.rotate(t)
	fresh := e.ClientToken(t, e.Bootstrap.ClientID, e.Bootstrap.ClientSecret)
	if k2, _ := oidcParseHeader(fresh); k2 == k1 {
		t.Fatal("no switch")
	}
	apptest.Want(t, e.Do(t, "GET", "/v1.0/users", old, nil), http.StatusOK)
	e.clk.Advance(31 * time.Minute) // the old token's hour is up
	apptest.Want(t, e.Do(t, "GET", "/v1.0/users", old, nil), http.StatusUnauthorized)
	apptest.Want(t, e.Do(t, "GET", "/v1.0/users", fresh, nil), http.StatusOK)
}
