package provider_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
)

func TestDiscovery(t *testing.T) {
	e := newEnv(t, "sqlite")
	r := e.Do(t, "GET", "/.well-known/openid-configuration", "", nil)
	apptest.Want(t, r, http.StatusOK)
	m := r.Map(t)
	for k, v := range map[string]any{
		"issuer":                          e.URL,
		"authorization_endpoint":          e.URL + "/oauth2/authorize",
		"token_endpoint":                  e.URL + "/oauth2/token",
		"userinfo_endpoint":               e.URL + "/oauth2/userinfo",
		"jwks_uri":                        e.URL + "/oauth2/keys",
		"revocation_endpoint":             e.URL + "/oauth2/revoke",
		"introspection_endpoint":          e.URL + "/oauth2/introspect",
		"end_session_endpoint":            e.URL + "/oauth2/logout",
		"claims_parameter_supported":      true,
		"request_uri_parameter_supported": false,
	} {
		if !cmp.Equal(m[k], v) {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	for k, v := range map[string][]string{
		"response_types_supported":              {"code"},
		"code_challenge_methods_supported":      {"S256"},
		"id_token_signing_alg_values_supported": {"ES256"},
		"grant_types_supported":                 {"authorization_code", "refresh_token", "client_credentials"},
	} {
		if got := strs(m[k]); !slices.Equal(got, v) {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	for _, c := range []string{"acrs", "wids", "amr", "sid"} {
		if !slices.Contains(strs(m["claims_supported"]), c) {
			t.Errorf("claims_supported lacks %s", c)
		}
	}
	if _, ok := m["device_authorization_endpoint"]; ok {
		t.Error("discovery advertises a device endpoint Strongroom does not serve")
	}
}

// A passkey session signs in to a confidential application with the code
// flow and PKCE; the ID token carries Strongroom's claims.
func TestCodeFlowWithPasskey(t *testing.T) {
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		app := e.newWebApp(t, "Wiki", nil)
		u := e.newKeyUser(t, "ada@example.com")
		r := e.rp(t, app, "openid", "profile", "email")
		tok := r.signIn(t, u.B)

		c := tok.Claims
		if c["sub"] != u.ID || c["oid"] != u.ID || c["preferred_username"] != u.UPN || c["name"] != "User "+u.UPN || c["email"] != u.UPN {
			t.Errorf("user claims %v", c)
		}
		if !slices.Equal(tok.IDToken.Audience, []string{app.AppID}) || c["azp"] != app.AppID {
			t.Errorf("audience %v azp %v", tok.IDToken.Audience, c["azp"])
		}
		// A device-bound key with user verification: hwk, pin, user, and
		// multifactor.
		if got := strs(c["amr"]); !slices.Equal(got, []string{"hwk", "pin", "user", "mfa"}) {
			t.Errorf("amr %v", got)
		}
		if c["acr"] != "2" || len(strs(c["acrs"])) != 0 || c["sid"] == "" || c["auth_time"] == nil {
			t.Errorf("acr %v acrs %v sid %v auth_time %v", c["acr"], c["acrs"], c["sid"], c["auth_time"])
		}
		if _, ok := c["wids"]; !ok {
			t.Error("no wids")
		}

		// The access token: a JWT for the client, with the user's claims.
		at := claims(t, tok.AccessToken)
		if at["sub"] != u.ID || at["idtyp"] != "user" || at["client_id"] != app.AppID || !slices.Equal(strs(at["aud"]), []string{app.AppID}) ||
			!slices.Equal(strs(at["amr"]), []string{"hwk", "pin", "user", "mfa"}) || at["sid"] != c["sid"] || at["scp"] != "openid profile email" {
			t.Errorf("access token %v", at)
		}
		if exp := time.Unix(int64(at["exp"].(float64)), 0); exp.Sub(e.clk.Now()) > time.Hour+time.Second {
			t.Errorf("access token lives until %v", exp)
		}

		// Userinfo answers with the same user.
		ui := e.Do(t, "GET", "/oauth2/userinfo", tok.AccessToken, nil)
		apptest.Want(t, ui, http.StatusOK)
		if m := ui.Map(t); m["sub"] != u.ID || m["preferred_username"] != u.UPN {
			t.Errorf("userinfo %v", m)
		}
		info, err := r.p.UserInfo(context.Background(), r.conf.TokenSource(context.Background(), tok.Token))
		if err != nil || info.Subject != u.ID || info.Email != u.UPN {
			t.Errorf("go-oidc userinfo %+v %v", info, err)
		}
	})
}
