package api

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/bearer"
	"github.com/strongroom-id/strongroom/pkg/claimschallenge"
)

type oneKey struct{ k *ecdsa.PrivateKey }

func (o oneKey) FindPublic(_ context.Context, kid string) (crypto.PublicKey, bool) {
	return &o.k.PublicKey, kid == "k"
}

// RequireContext lets through a user token with the context, challenges
// one without, and refuses an application's token.
func TestRequireContext(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k}, (&jose.SignerOptions{}).WithHeader("kid", "k"))
	u, _ := url.Parse("https://id.example.com")
	a := &API{Deps: Deps{PublicURL: u, Verifier: &bearer.Verifier{Issuer: "https://id.example.com", Audience: "api://strongroom", Keys: oneKey{k}, Now: time.Now}}}
	token := func(c map[string]any) string {
		c["iss"], c["aud"], c["exp"], c["sub"] = "https://id.example.com", "api://strongroom", time.Now().Add(time.Hour).Unix(), "u1"
		b, _ := json.Marshal(c)
		o, _ := signer.Sign(b)
		s, _ := o.CompactSerialize()
		return s
	}
	call := func(tok string) (error, string) {
		r := httptest.NewRequest("POST", "/v1.0/x", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		return a.RequireContext(w, r, "c1"), w.Header().Get("WWW-Authenticate")
	}
	if err, _ := call(token(map[string]any{"idtyp": "user", "acrs": []string{"c1", "c2"}})); err != nil {
		t.Errorf("with c1: %v", err)
	}
	err, h := call(token(map[string]any{"idtyp": "user", "acrs": []string{"c2"}}))
	ch, perr := claimschallenge.Parse(h)
	if !errors.Is(err, apperr.Unauthenticated) || apperr.As(err).Code != "insufficient_claims" || perr != nil ||
		ch.Claims != `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}` || ch.AuthorizationURI != "https://id.example.com/oauth2/authorize" || ch.ClientID != ResourceClientID {
		t.Errorf("without c1: %v %q", err, h)
	}
	if err, _ := call(token(map[string]any{"idtyp": "app", "acrs": []string{"c1"}})); !errors.Is(err, apperr.Forbidden) {
		t.Errorf("application: %v", err)
	}
}
