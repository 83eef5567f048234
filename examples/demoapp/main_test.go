package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/fido/fidotest"
	"github.com/strongroom-id/strongroom/internal/passkey"
)

// The demo app against a real Strongroom: sign in with a pass, then the
// sensitive page asks for c1, which a policy ties to a passkey; the user
// steps up with their key and gets in.
func TestDemoApp(t *testing.T) {
	inst := apptest.Start(t, apptest.Options{})
	admin := inst.AdminToken(t)
	must := func(r *apptest.Response, status int) *apptest.Response {
		t.Helper()
		if r.Status != status {
			t.Fatalf("%d, want %d: %s", r.Status, status, r.Body)
		}
		return r
	}
	// c1, published, needs a phishing-resistant method.
	if r := inst.Do(t, "PATCH", "/v1.0/identity/conditionalAccess/authenticationContextClassReferences/c1", admin, map[string]any{"displayName": "Sensitive", "isAvailable": true}); r.Status >= 300 {
		t.Fatalf("context: %d %s", r.Status, r.Body)
	}
	must(inst.Do(t, "POST", "/v1.0/identity/conditionalAccess/policies", admin, map[string]any{"displayName": "Key for c1", "state": "enabled",
		"conditions":    map[string]any{"users": map[string]any{"includeUsers": []string{"All"}}, "applications": map[string]any{"includeAuthenticationContextClassReferences": []string{"c1"}}, "clientAppTypes": []string{"all"}},
		"grantControls": map[string]any{"operator": "OR", "authenticationStrength": map[string]any{"id": "00000000-0000-0000-0000-000000000004"}}}), http.StatusCreated)

	demo := httptest.NewServer(nil)
	defer demo.Close()
	created := must(inst.Do(t, "POST", "/v1.0/applications", admin, map[string]any{"displayName": "Demo",
		"web": map[string]any{"redirectUris": []string{demo.URL + "/callback"}, "logoutUrl": demo.URL + "/"}}), http.StatusCreated).Map(t)
	secret := must(inst.Do(t, "POST", "/v1.0/applications/"+created["id"].(string)+"/addPassword", admin, map[string]any{}), http.StatusOK).Map(t)["secretText"].(string)
	a, err := newApp(context.Background(), settings{Issuer: inst.URL, ClientID: created["appId"].(string), ClientSecret: secret, RedirectURL: demo.URL + "/callback", Context: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	demo.Config.Handler = a.routes()

	// The user: a one-time pass, and a passkey registered with it.
	user := must(inst.Do(t, "POST", "/v1.0/users", admin, map[string]any{"userPrincipalName": "ada@example.com", "displayName": "Ada"}), http.StatusCreated).Map(t)["id"].(string)
	pass := must(inst.Do(t, "POST", "/v1.0/users/"+user+"/authentication/temporaryAccessPassMethods", admin, map[string]any{"isUsableOnce": true}), http.StatusCreated).Map(t)["temporaryAccessPass"].(string)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	post := func(u string, body any) []byte {
		t.Helper()
		var rd io.Reader
		if b, ok := body.([]byte); ok {
			rd = strings.NewReader(string(b))
		} else {
			j, _ := json.Marshal(body)
			rd = strings.NewReader(string(j))
		}
		resp, err := c.Post(inst.URL+u, "application/json", rd)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("POST %s: %d %s", u, resp.StatusCode, out)
		}
		return out
	}
	get := func(u string) (*http.Response, string) {
		t.Helper()
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp, string(out)
	}
	post("/api/v1/signin/tap", map[string]string{"userPrincipalName": "ada@example.com", "temporaryAccessPass": pass})
	key := fidotest.New(t, inst.URL, "", passkey.UserHandle(user))
	opts := post("/api/v1/me/passkeys/options", map[string]any{})
	post("/api/v1/me/passkeys", map[string]any{"displayName": "Key", "credential": json.RawMessage(key.Create(t, opts))})

	// Sign in to the demo app: the pass session is enough.
	resp, body := get(demo.URL + "/login")
	if resp.Request.URL.Host != strings.TrimPrefix(demo.URL, "http://") || !strings.Contains(body, "ada@example.com") || !strings.Contains(body, `[&#34;otp&#34;,&#34;mfa&#34;]`) {
		t.Fatalf("after sign-in: %s %s", resp.Request.URL, body)
	}
	// The sensitive page: a step-up to c1.
	resp, body = get(demo.URL + "/sensitive")
	if resp.Request.URL.Path != "/stepup" || resp.Request.URL.Query().Get("context") != "c1" {
		t.Fatalf("no step-up: %s %d %s", resp.Request.URL, resp.StatusCode, body)
	}
	back := resp.Request.URL.Query().Get("return_to")
	opts = post("/api/v1/signin/passkey/options", map[string]any{"userPrincipalName": "ada@example.com"})
	post("/api/v1/signin/passkey", key.Get(t, opts))
	resp, body = get(inst.URL + back)
	if resp.Request.URL.Path != "/sensitive" || !strings.Contains(body, "You reached the sensitive page") || !strings.Contains(body, `[&#34;c1&#34;]`) {
		t.Fatalf("sensitive page: %s %d %s", resp.Request.URL, resp.StatusCode, body)
	}
}
