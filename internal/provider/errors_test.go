package provider_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
)

func TestMain(m *testing.M) {
	// The OpenID library logs every refused request at warning level to
	// the default logger; the tests refuse many on purpose.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

// authorizeError follows an authorization request and returns the error
// the client receives at its redirect URI ("" when it gets a code).
func authorizeError(t *testing.T, b *browser, u string) string {
	t.Helper()
	cb, r := b.follow(t, u)
	if cb.Host == "" || cb.Path == "/signin" || cb.Path == "/stepup" {
		t.Fatalf("no redirect to the client: %s %d %s", cb, r.Status, r.Body)
	}
	if e := cb.Query().Get("error"); e != "" {
		return e
	}
	// Errors for implicit response types travel in the fragment.
	frag, _ := url.ParseQuery(cb.Fragment)
	return frag.Get("error")
}

func TestBadAuthorizationRequests(t *testing.T) {
	e := newEnv(t, "sqlite")
	app := e.newWebApp(t, "Wiki", map[string]any{"web": map[string]any{"redirectUris": []string{callbackURL, "https://wiki.example.com/callback"}}})
	pub := e.newPublicApp(t, "CLI")
	u := e.newKeyUser(t, "ada@example.com")
	authz := func(v url.Values) string { return e.URL + "/oauth2/authorize?" + v.Encode() }
	base := func(clientID string) url.Values {
		return url.Values{"client_id": {clientID}, "response_type": {"code"}, "scope": {"openid"}, "redirect_uri": {callbackURL},
			"state": {"s"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
	}

	// Unknown client and mismatched redirect URI: no redirect, an error
	// page (RFC 6749 §4.1.2.1: never redirect to an unverified URI).
	for name, v := range map[string]url.Values{
		"unknown client":    base("00000000-0000-0000-0000-000000000000"),
		"mismatched uri":    func() url.Values { v := base(app.AppID); v.Set("redirect_uri", callbackURL+"/other"); return v }(),
		"uri with a suffix": func() url.Values { v := base(app.AppID); v.Set("redirect_uri", callbackURL+"?x=1"); return v }(),
	} {
		r := u.B.do(t, "GET", authz(v), nil)
		if r.Status != http.StatusBadRequest || r.Header.Get("Location") != "" {
			t.Errorf("%s: %d %v %s", name, r.Status, r.Header.Get("Location"), r.Body)
		}
	}

	for name, tc := range map[string]struct {
		v    url.Values
		want string
	}{
		// (The library refuses an http redirect URI for implicit response
		// types before Strongroom sees them; with https the client hears.)
		"implicit": {func() url.Values {
			v := base(app.AppID)
			v.Set("response_type", "token")
			v.Set("redirect_uri", "https://wiki.example.com/callback")
			return v
		}(), "unsupported_response_type"},
		"hybrid": {func() url.Values {
			v := base(app.AppID)
			v.Set("response_type", "id_token")
			v.Set("redirect_uri", "https://wiki.example.com/callback")
			return v
		}(), "unsupported_response_type"},
		"plain pkce":          {func() url.Values { v := base(app.AppID); v.Set("code_challenge_method", "plain"); return v }(), "invalid_request"},
		"pkce without method": {func() url.Values { v := base(app.AppID); v.Del("code_challenge_method"); return v }(), "invalid_request"},
		"public without pkce": {func() url.Values {
			v := base(pub.AppID)
			v.Set("redirect_uri", "http://127.0.0.1:4711/callback")
			v.Del("code_challenge")
			v.Del("code_challenge_method")
			return v
		}(), "invalid_request"},
		"bad claims": {func() url.Values { v := base(app.AppID); v.Set("claims", "{not json"); return v }(), "invalid_request"},
		"bad context": {func() url.Values {
			v := base(app.AppID)
			v.Set("claims", `{"id_token":{"acrs":{"essential":true,"value":"c100"}}}`)
			return v
		}(), "invalid_request"},
		"prompt none, no session": {func() url.Values { v := base(app.AppID); v.Set("prompt", "none"); return v }(), "login_required"},
	} {
		b := u.B
		if name == "prompt none, no session" {
			b = e.browser()
		}
		if got := authorizeError(t, b, authz(tc.v)); got != tc.want {
			t.Errorf("%s: error %q, want %q (%s)", name, got, tc.want, tc.v.Encode())
		}
	}

	// A public client's loopback redirect URI works on any port (RFC 8252
	// §7.3), and nothing else.
	v := base(pub.AppID)
	v.Set("redirect_uri", "http://127.0.0.1:4711/callback")
	if got := authorizeError(t, u.B, authz(v)); got != "" {
		t.Errorf("loopback on another port: %q", got)
	}
	v.Set("redirect_uri", "http://127.0.0.1:4711/other")
	if r := u.B.do(t, "GET", authz(v), nil); r.Status != http.StatusBadRequest {
		t.Errorf("loopback with another path: %d", r.Status)
	}
	// The web client's exact URI on another port is refused.
	v = base(app.AppID)
	v.Set("redirect_uri", "http://localhost:10/callback")
	if r := u.B.do(t, "GET", authz(v), nil); r.Status != http.StatusBadRequest {
		t.Errorf("web client on another port: %d", r.Status)
	}
}

func TestBadTokenRequests(t *testing.T) {
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		app := e.newWebApp(t, "Wiki", nil)
		u := e.newKeyUser(t, "ada@example.com")
		r := e.rp(t, app)
		codeFor := func() (flow, string) {
			f := r.start()
			cb, _ := u.B.follow(t, f.authURL)
			return f, f.code(t, cb)
		}
		exchange := func(code, verifier, redirect string) *apptest.Response {
			v := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}}
			if verifier != "" {
				v.Set("code_verifier", verifier)
			}
			return e.post(t, "/oauth2/token", v, app.AppID, app.Secret)
		}
		check := func(name string, resp *apptest.Response, code string) {
			t.Helper()
			if got := oauthError(t, resp); got != code {
				t.Errorf("%s: %d %s, want %s", name, resp.Status, resp.Body, code)
			}
		}

		f, code := codeFor()
		check("missing verifier", exchange(code, "", callbackURL), "invalid_request")
		check("wrong verifier", exchange(code, oauth2.GenerateVerifier(), callbackURL), "invalid_grant")
		check("other redirect uri", exchange(code, f.verifier, callbackURL+"/x"), "invalid_grant")
		check("wrong secret", e.post(t, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {callbackURL}, "code_verifier": {f.verifier}}, app.AppID, "wrong"), "invalid_client")

		// The code works once; the second use fails and revokes what the
		// first gave.
		ok := exchange(code, f.verifier, callbackURL)
		apptest.Want(t, ok, http.StatusOK)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		ok.JSON(t, &tok)
		apptest.Want(t, e.Do(t, "GET", "/oauth2/userinfo", tok.AccessToken, nil), http.StatusOK)
		check("reused code", exchange(code, f.verifier, callbackURL), "invalid_grant")
		apptest.Want(t, e.Do(t, "GET", "/oauth2/userinfo", tok.AccessToken, nil), http.StatusForbidden)

		// A code lives 60 seconds.
		f, code = codeFor()
		e.clk.Advance(61 * time.Second)
		check("expired code", exchange(code, f.verifier, callbackURL), "invalid_grant")
		check("unknown code", exchange("nonsense", f.verifier, callbackURL), "invalid_grant")
		check("unsupported grant", e.post(t, "/oauth2/token", url.Values{"grant_type": {"password"}, "username": {"x"}, "password": {"y"}}, app.AppID, app.Secret), "unsupported_grant_type")
	})
}

// forge returns a token with the claims of tok, re-signed with alg "none"
// or HS256 (with the key id of the real one).
func forge(t *testing.T, tok, alg string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var h map[string]any
	_ = json.Unmarshal(hb, &h)
	h["alg"] = alg
	hj, _ := json.Marshal(h)
	head := base64.RawURLEncoding.EncodeToString(hj)
	switch alg {
	case "none":
		return head + "." + parts[1] + "."
	default:
		m := hmac.New(sha256.New, []byte(`{"kty":"EC"}`))
		m.Write([]byte(head + "." + parts[1]))
		return head + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
}

// Tokens signed with "none" or an HMAC key are refused everywhere.
func TestForgedTokens(t *testing.T) {
	e := newEnv(t, "sqlite")
	app := e.newWebApp(t, "Wiki", nil)
	u := e.newKeyUser(t, "ada@example.com")
	tok := e.rp(t, app, "openid", "api://strongroom/.default").signIn(t, u.B)
	adminTok := e.ClientToken(t, e.Bootstrap.ClientID, e.Bootstrap.ClientSecret)
	for _, alg := range []string{"none", "HS256"} {
		if r := e.Do(t, "GET", "/oauth2/userinfo", forge(t, tok.AccessToken, alg), nil); r.Status != http.StatusUnauthorized {
			t.Errorf("userinfo with %s: %d %s", alg, r.Status, r.Body)
		}
		if r := e.Do(t, "GET", "/v1.0/users", forge(t, adminTok, alg), nil); r.Status != http.StatusUnauthorized {
			t.Errorf("admin API with %s: %d %s", alg, r.Status, r.Body)
		}
		in := e.post(t, "/oauth2/introspect", url.Values{"token": {forge(t, tok.AccessToken, alg)}}, app.AppID, app.Secret)
		if in.Map(t)["active"] != false {
			t.Errorf("introspection of a %s token: %s", alg, in.Body)
		}
	}
	// The genuine ones work.
	apptest.Want(t, e.Do(t, "GET", "/oauth2/userinfo", tok.AccessToken, nil), http.StatusOK)
	apptest.Want(t, e.Do(t, "GET", "/v1.0/users", adminTok, nil), http.StatusOK)
}
