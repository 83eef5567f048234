package provider_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	zrp "github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/client/rs"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
)

// zitadelRP is a relying party built on zitadel's own rp package.
func (e *env) zitadelRP(t testing.TB, c client, scopes ...string) zrp.RelyingParty {
	t.Helper()
	p, err := zrp.NewRelyingPartyOIDC(context.Background(), e.URL, c.AppID, c.Secret, callbackURL, scopes, zrp.WithSigningAlgsFromDiscovery())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// zitadelSignIn runs the code flow with zitadel's rp in b.
func (e *env) zitadelSignIn(t testing.TB, p zrp.RelyingParty, b *browser) *zoidc.Tokens[*zoidc.IDTokenClaims] {
	t.Helper()
	verifier := randomString() + randomString()
	state := randomString()
	u := zrp.AuthURL(state, p, zrp.WithCodeChallenge(zoidc.NewSHACodeChallenge(verifier)))
	cb, resp := b.follow(t, u)
	if cb.Query().Get("code") == "" || cb.Query().Get("state") != state {
		t.Fatalf("callback %s (%d %s)", cb, resp.Status, resp.Body)
	}
	tok, err := zrp.CodeExchange[*zoidc.IDTokenClaims](context.Background(), cb.Query().Get("code"), p, zrp.WithCodeVerifier(verifier))
	if err != nil {
		t.Fatalf("zitadel code exchange: %v", err)
	}
	return tok
}

func refresh(t testing.TB, p zrp.RelyingParty, token string) (*zoidc.Tokens[*zoidc.IDTokenClaims], error) {
	t.Helper()
	return zrp.RefreshTokens[*zoidc.IDTokenClaims](context.Background(), p, token, "", "")
}

// Refresh tokens rotate on every use; presenting one that was rotated
// revokes the whole family, including the newest token and the access
// tokens it issued.
func TestRefreshRotationAndReuse(t *testing.T) {
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		app := e.newWebApp(t, "Wiki", nil)
		u := e.newKeyUser(t, "ada@example.com")
		p := e.zitadelRP(t, app, "openid", "profile", "offline_access")
		first := e.zitadelSignIn(t, p, u.B)
		if first.RefreshToken == "" || first.IDTokenClaims.Subject != u.ID {
			t.Fatalf("first tokens %+v", first)
		}
		second, err := refresh(t, p, first.RefreshToken)
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
			t.Fatal("the refresh token was not rotated")
		}
		if second.IDTokenClaims == nil || second.IDTokenClaims.Subject != u.ID || !slices.Equal(second.IDTokenClaims.Audience, []string{app.AppID}) {
			t.Errorf("refreshed ID token %+v", second.IDTokenClaims)
		}
		third, err := refresh(t, p, second.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		// The first token again: reuse. It fails, and so does the newest.
		if _, err := refresh(t, p, first.RefreshToken); err == nil {
			t.Fatal("a rotated refresh token was accepted")
		}
		if _, err := refresh(t, p, third.RefreshToken); err == nil {
			t.Fatal("the family survived the reuse of one of its tokens")
		}
		// The access tokens the family issued are refused too.
		rsrv, err := rs.NewResourceServerClientCredentials(context.Background(), e.URL, app.AppID, app.Secret)
		if err != nil {
			t.Fatal(err)
		}
		in, err := rs.Introspect[*zoidc.IntrospectionResponse](context.Background(), rsrv, third.AccessToken)
		if err != nil || in.Active {
			t.Errorf("introspection of a revoked family's token: active %v, %v", in.Active, err)
		}
		apptest.Want(t, e.Do(t, "GET", "/oauth2/userinfo", third.AccessToken, nil), http.StatusForbidden)
	})
}

// A refresh token dies with the browser session it came from, and with
// the user's account.
func TestRefreshBoundToSession(t *testing.T) {
	e := newEnv(t, "sqlite")
	app := e.newWebApp(t, "Wiki", nil)
	u := e.newKeyUser(t, "ada@example.com")
	p := e.zitadelRP(t, app, "openid", "offline_access")
	tok := e.zitadelSignIn(t, p, u.B)
	apptest.Want(t, u.B.do(t, "POST", "/api/v1/signout", nil), http.StatusNoContent)
	if _, err := refresh(t, p, tok.RefreshToken); err == nil {
		t.Fatal("a refresh token outlived its session")
	}

	// Disabling the user refuses their refresh tokens.
	b := e.browser()
	b.signInKey(t, u.A, u.UPN)
	tok = e.zitadelSignIn(t, p, b)
	if _, err := refresh(t, p, tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	apptest.Want(t, e.Admin(t, "PATCH", "/v1.0/users/"+u.ID, map[string]any{"accountEnabled": false}), http.StatusNoContent)
	if _, err := refresh(t, p, tok.RefreshToken); err == nil {
		t.Fatal("a disabled user's refresh token was accepted")
	}
}

// offline_access is needed for a refresh token.
func TestNoRefreshWithoutOfflineAccess(t *testing.T) {
	e := newEnv(t, "sqlite")
	app := e.newWebApp(t, "Wiki", nil)
	u := e.newKeyUser(t, "ada@example.com")
	tok := e.zitadelSignIn(t, e.zitadelRP(t, app, "openid"), u.B)
	if tok.RefreshToken != "" {
		t.Fatal("a refresh token without offline_access")
	}
}

// Revocation (RFC 7009): a refresh token ends its family; an access token
// goes on the revocation list, which introspection, userinfo and the admin
// API honour.
func TestRevocation(t *testing.T) {
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		app := e.newWebApp(t, "Wiki", nil)
		other := e.newWebApp(t, "Other", nil)
		u := e.newKeyUser(t, "ada@example.com")
		p := e.zitadelRP(t, app, "openid", "offline_access", "api://strongroom/.default")
		tok := e.zitadelSignIn(t, p, u.B)

		// The admin API accepts the user's token (the bootstrap admin has
		// no roles here, so a read of the user itself is refused, not
		// unauthenticated).
		if r := e.Do(t, "GET", "/v1.0/users", tok.AccessToken, nil); r.Status != http.StatusForbidden {
			t.Fatalf("admin API with a user token: %d %s", r.Status, r.Body)
		}
		// Another client may not revoke this client's refresh token.
		r := e.post(t, "/oauth2/revoke", url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}}, other.AppID, other.Secret)
		if r.Status == http.StatusOK {
			t.Fatalf("another client revoked the token: %s", r.Body)
		}
		if err := zrp.RevokeToken(context.Background(), p, tok.RefreshToken, "refresh_token"); err != nil {
			t.Fatalf("revoking the refresh token: %v", err)
		}
		if _, err := refresh(t, p, tok.RefreshToken); err == nil {
			t.Fatal("a revoked refresh token was accepted")
		}

		tok = e.zitadelSignIn(t, p, u.B)
		if err := zrp.RevokeToken(context.Background(), p, tok.AccessToken, "access_token"); err != nil {
			t.Fatalf("revoking the access token: %v", err)
		}
		if r := e.Do(t, "GET", "/v1.0/users", tok.AccessToken, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("admin API with a revoked token: %d %s", r.Status, r.Body)
		}
		apptest.Want(t, e.Do(t, "GET", "/oauth2/userinfo", tok.AccessToken, nil), http.StatusForbidden)
		// An unknown token is not an error (RFC 7009 §2.2).
		apptest.Want(t, e.post(t, "/oauth2/revoke", url.Values{"token": {"not-a-token"}}, app.AppID, app.Secret), http.StatusOK)
		// Unauthenticated revocation is refused.
		if r := e.post(t, "/oauth2/revoke", url.Values{"token": {tok.RefreshToken}}, "", ""); r.Status != http.StatusUnauthorized {
			t.Errorf("unauthenticated revocation: %d %s", r.Status, r.Body)
		}
	})
}

// Introspection (RFC 7662) needs client authentication and describes a
// token to the client it was issued to.
func TestIntrospection(t *testing.T) {
	e := newEnv(t, "sqlite")
	app := e.newWebApp(t, "Wiki", nil)
	other := e.newWebApp(t, "Other", nil)
	u := e.newKeyUser(t, "ada@example.com")
	tok := e.rp(t, app).signIn(t, u.B)
	rsrv, err := rs.NewResourceServerClientCredentials(context.Background(), e.URL, app.AppID, app.Secret)
	if err != nil {
		t.Fatal(err)
	}
	in, err := rs.Introspect[*zoidc.IntrospectionResponse](context.Background(), rsrv, tok.AccessToken)
	if err != nil || !in.Active {
		t.Fatalf("introspection: %+v %v", in, err)
	}
	if in.Subject != u.ID || in.ClientID != app.AppID || in.Username != u.UPN || !slices.Equal([]string(in.AuthenticationMethodsReferences), []string{"hwk", "pin", "user", "mfa"}) ||
		in.Claims["idtyp"] != "user" || in.Expiration.AsTime().IsZero() {
		t.Errorf("introspection %+v", in)
	}
	// Another client learns nothing.
	o, err := rs.NewResourceServerClientCredentials(context.Background(), e.URL, other.AppID, other.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if in, err := rs.Introspect[*zoidc.IntrospectionResponse](context.Background(), o, tok.AccessToken); err != nil || in.Active {
		t.Errorf("introspection by another client: active %v %v", in.Active, err)
	}
	// Without client authentication: refused.
	if r := e.post(t, "/oauth2/introspect", url.Values{"token": {tok.AccessToken}}, "", ""); r.Status != http.StatusUnauthorized {
		t.Errorf("unauthenticated introspection: %d %s", r.Status, r.Body)
	}
	// A garbage token is inactive.
	if in, err := rs.Introspect[*zoidc.IntrospectionResponse](context.Background(), rsrv, "garbage"); err != nil || in.Active {
		t.Errorf("garbage: %+v %v", in, err)
	}
}

// Client credentials still work, with the application's permissions.
func TestClientCredentials(t *testing.T) {
	e := newEnv(t, "sqlite")
	app := e.newWebApp(t, "Reader", map[string]any{"permissions": []string{"User.Read.All"}})
	cc := clientcredentials.Config{ClientID: app.AppID, ClientSecret: app.Secret, TokenURL: e.URL + "/oauth2/token", Scopes: []string{"api://strongroom/.default"}}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := claims(t, tok.AccessToken)
	if c["idtyp"] != "app" || !slices.Equal(strs(c["roles"]), []string{"User.Read.All"}) || !slices.Equal(strs(c["aud"]), []string{"api://strongroom"}) {
		t.Errorf("app token %v", c)
	}
	apptest.Want(t, e.Do(t, "GET", "/v1.0/users", tok.AccessToken, nil), http.StatusOK)
	if r := e.Do(t, "POST", "/v1.0/users", tok.AccessToken, map[string]any{"userPrincipalName": "x@example.com", "displayName": "X"}); r.Status != http.StatusForbidden {
		t.Errorf("write with a read permission: %d", r.Status)
	}
	// A wrong secret and an unknown client look the same.
	for _, c := range [][2]string{{app.AppID, "wrong"}, {"00000000-0000-0000-0000-000000000000", "wrong"}} {
		r := e.post(t, "/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, c[0], c[1])
		if r.Status != http.StatusUnauthorized || oauthError(t, r) != "invalid_client" {
			t.Errorf("bad client %v: %d %s", c, r.Status, r.Body)
		}
	}
	// A public client cannot use the grant.
	pub := e.newPublicApp(t, "CLI")
	r := e.post(t, "/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {pub.AppID}}, "", "")
	if r.Status == http.StatusOK {
		t.Errorf("a public client got a client-credentials token: %s", r.Body)
	}
}

// Tokens from a Temporary Access Pass session never outlive the pass.
func TestTAPSessionTokenLifetime(t *testing.T) {
	e := newEnv(t, "sqlite")
	app := e.newWebApp(t, "Wiki", nil)
	// A multi-use pass of the minimum lifetime (60 minutes); 40 minutes in,
	// tokens may last 20 more, not an hour.
	_, pass := e.newUser(t, "tap@example.com", map[string]any{"isUsableOnce": false, "lifetimeInMinutes": 60})
	b := e.browser()
	b.signInTAP(t, "tap@example.com", pass)
	end := e.clk.Now().Add(60 * time.Minute)
	e.clk.Advance(40 * time.Minute)
	r := e.rp(t, app, "openid", "offline_access")
	tok := r.signIn(t, b)
	if got := strs(tok.Claims["amr"]); !slices.Equal(got, []string{"otp", "mfa"}) {
		t.Errorf("TAP amr %v", got)
	}
	at := claims(t, tok.AccessToken)
	if exp := time.Unix(int64(at["exp"].(float64)), 0); exp.After(end) {
		t.Errorf("access token expires %v, after the pass's end %v", exp, end)
	}
	if exp := tok.IDToken.Expiry; exp.After(time.Now().Add(21 * time.Minute)) {
		t.Errorf("ID token expires %v, more than the pass's 20 minutes left", exp)
	}
	// The refresh token dies with the pass's session.
	e.clk.Advance(21 * time.Minute)
	ts := r.conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken})
	if _, err := ts.Token(); err == nil {
		t.Error("a refresh token outlived the pass")
	}
}

// The cleanup job deletes expired authorization requests, refresh tokens
// and revocation entries.
func TestGrantCleanup(t *testing.T) {
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		app := e.newWebApp(t, "Wiki", nil)
		u := e.newKeyUser(t, "ada@example.com")
		r := e.rp(t, app, "openid", "offline_access")
		tok := r.signIn(t, u.B)
		f := r.start()
		stop, _ := e.browser().follow(t, f.authURL) // a request left at the sign-in page
		id, _ := url.ParseQuery(strings.TrimPrefix(stop.Query().Get("return_to"), "/oauth2/login?"))
		if _, err := e.Server.Grants.Find(context.Background(), id.Get("authRequestID")); err != nil {
			t.Fatalf("pending request: %v", err)
		}
		if err := e.Server.Grants.RevokeAccess(context.Background(), "some-token-id", e.clk.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(13 * time.Hour) // past the session, the request, the revocation
		if err := e.Server.Grants.Cleanup(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Server.DB.FindAuthRequest(context.Background(), id.Get("authRequestID")); err == nil {
			t.Error("an expired authorization request survived the cleanup")
		}
		if revoked, _ := e.Server.DB.IsTokenRevoked(context.Background(), "some-token-id"); revoked {
			t.Error("an expired revocation entry survived the cleanup")
		}
		if _, err := e.Server.Grants.FindRefresh(context.Background(), tok.RefreshToken); err == nil {
			t.Error("an expired refresh token survived the cleanup")
		}
	})
}
