package provider_test

import (
	"context"
	"net/http"
	"testing"

	zrp "github.com/zitadel/oidc/v3/pkg/client/rp"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
)

// RP-initiated logout: with an id_token_hint the session ends (and with it
// the refresh tokens) and the browser goes to the registered
// post_logout_redirect_uri; an unregistered one is refused; without a hint
// the user is asked.
func TestEndSession(t *testing.T) {
	e := newEnv(t, "sqlite")
	app := e.newWebApp(t, "Wiki", nil)
	u := e.newKeyUser(t, "ada@example.com")
	p := e.zitadelRP(t, app, "openid", "offline_access")
	tok := e.zitadelSignIn(t, p, u.B)

	// An unregistered post_logout_redirect_uri is refused (zitadel's rp
	// calls the endpoint itself and reports the 400).
	if u, err := zrp.EndSession(context.Background(), p, tok.IDToken, "https://evil.example.com/", "s", "", nil); err == nil {
		t.Errorf("unregistered post-logout URI accepted: %v", u)
	}
	apptest.Want(t, u.B.do(t, "GET", "/api/v1/me", nil), http.StatusOK)

	// Without an id_token_hint: a confirmation page, nothing ended.
	r := u.B.do(t, "GET", "/oauth2/logout", nil)
	if r.Status != http.StatusFound || r.Header.Get("Location") != "/oauth2/logout/confirm" {
		t.Fatalf("logout without a hint: %d %s", r.Status, r.Header.Get("Location"))
	}
	page := u.B.do(t, "GET", "/oauth2/logout/confirm", nil)
	apptest.Want(t, page, http.StatusOK)
	apptest.Want(t, u.B.do(t, "GET", "/api/v1/me", nil), http.StatusOK)

	// With the hint and the registered logout URL.
	end, err := zrp.EndSession(context.Background(), p, tok.IDToken, "http://localhost:9/signedout", "bye", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if end.String() != "http://localhost:9/signedout?state=bye" {
		t.Errorf("after logout: %s", end)
	}
	apptest.Want(t, u.B.do(t, "GET", "/api/v1/me", nil), http.StatusUnauthorized)
	if _, err := refresh(t, p, tok.RefreshToken); err == nil {
		t.Error("a refresh token survived the logout")
	}
	// The access token from the ended session is revoked too.
	apptest.Want(t, e.Do(t, "GET", "/oauth2/userinfo", tok.AccessToken, nil), http.StatusForbidden)
}
