package provider_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/application"
)

// The applications resource, Graph-shaped.
func TestApplicationsAPI(t *testing.T) {
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		r := e.Admin(t, "POST", "/v1.0/applications", map[string]any{
			"displayName": "Wiki", "description": "The team wiki",
			"web": map[string]any{"redirectUris": []string{"https://wiki.example.com/callback"}, "logoutUrl": "https://wiki.example.com/bye"},
		})
		apptest.Want(t, r, http.StatusCreated)
		m := r.Map(t)
		id, appID := m["id"].(string), m["appId"].(string)
		if m["displayName"] != "Wiki" || m["isFallbackPublicClient"] != false || len(m["passwordCredentials"].([]any)) != 0 ||
			r.Header.Get("Location") != e.URL+"/v1.0/applications/"+id {
			t.Errorf("created %v", m)
		}
		web := m["web"].(map[string]any)
		if !slices.Equal(strs(web["redirectUris"]), []string{"https://wiki.example.com/callback"}) || web["logoutUrl"] != "https://wiki.example.com/bye" {
			t.Errorf("web %v", web)
		}

		// Bad input changes nothing and says what is wrong.
		for name, body := range map[string]map[string]any{
			"http elsewhere":   {"displayName": "X", "web": map[string]any{"redirectUris": []string{"http://wiki.example.com/cb"}}},
			"fragment":         {"displayName": "X", "web": map[string]any{"redirectUris": []string{"https://wiki.example.com/cb#x"}}},
			"wildcard":         {"displayName": "X", "web": map[string]any{"redirectUris": []string{"https://*.example.com/cb"}}},
			"relative":         {"displayName": "X", "web": map[string]any{"redirectUris": []string{"/cb"}}},
			"public http":      {"displayName": "X", "publicClient": map[string]any{"redirectUris": []string{"http://example.com/cb"}}},
			"no name":          {"web": map[string]any{"redirectUris": []string{"https://a.example.com/cb"}}},
			"implicit":         {"displayName": "X", "web": map[string]any{"implicitGrantSettings": map[string]any{"enableIdTokenIssuance": true}}},
			"unknown property": {"displayName": "X", "color": "blue"},
			"resource access":  {"displayName": "X", "requiredResourceAccess": []any{}},
			"unknown perm":     {"displayName": "X", "permissions": []string{"Everything.All"}},
		} {
			if r := e.Admin(t, "POST", "/v1.0/applications", body); r.Status != http.StatusBadRequest {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}

		// Public clients: loopback and private-use schemes.
		r = e.Admin(t, "POST", "/v1.0/applications", map[string]any{"displayName": "Tool",
			"publicClient": map[string]any{"redirectUris": []string{"http://127.0.0.1/callback", "com.example.tool:/callback"}}})
		apptest.Want(t, r, http.StatusCreated)
		pub := r.Map(t)
		if pub["isFallbackPublicClient"] != true {
			t.Errorf("public client %v", pub)
		}
		// A public client gets no secret.
		if r := e.Admin(t, "POST", "/v1.0/applications/"+pub["id"].(string)+"/addPassword", map[string]any{}); r.Status != http.StatusBadRequest {
			t.Errorf("secret for a public client: %d", r.Status)
		}

		// Get, list, filter.
		apptest.Want(t, e.Admin(t, "GET", "/v1.0/applications/"+id, nil), http.StatusOK)
		l := e.Admin(t, "GET", "/v1.0/applications?$filter="+url.QueryEscape("appId eq '"+appID+"'"), nil)
		apptest.Want(t, l, http.StatusOK)
		if v := l.Map(t)["value"].([]any); len(v) != 1 || v[0].(map[string]any)["id"] != id {
			t.Errorf("filter by appId: %s", l.Body)
		}
		all := e.Admin(t, "GET", "/v1.0/applications", nil)
		if !strings.Contains(string(all.Body), application.CLIAppID) {
			t.Errorf("the built-in command-line app is not listed: %s", all.Body)
		}

		// Secrets: shown once, then only the hint.
		r = e.Admin(t, "POST", "/v1.0/applications/"+id+"/addPassword", map[string]any{"passwordCredential": map[string]any{"displayName": "ci"}})
		apptest.Want(t, r, http.StatusOK)
		p := r.Map(t)
		secret, keyID := p["secretText"].(string), p["keyId"].(string)
		if len(secret) < 40 || p["hint"] != secret[:3] || p["displayName"] != "ci" || p["endDateTime"] == nil {
			t.Errorf("password %v", p)
		}
		g := e.Admin(t, "GET", "/v1.0/applications/"+id, nil)
		if strings.Contains(string(g.Body), secret) || !strings.Contains(string(g.Body), keyID) {
			t.Errorf("the secret shows again, or the key does not: %s", g.Body)
		}
		cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"api://strongroom/.default"}}
		apptest.Want(t, e.post(t, "/oauth2/token", cc, appID, secret), http.StatusOK)
		apptest.Want(t, e.Admin(t, "POST", "/v1.0/applications/"+id+"/removePassword", map[string]any{"keyId": keyID}), http.StatusNoContent)
		if r := e.post(t, "/oauth2/token", cc, appID, secret); r.Status != http.StatusUnauthorized {
			t.Errorf("a removed secret still works: %d", r.Status)
		}
		apptest.Want(t, e.Admin(t, "POST", "/v1.0/applications/"+id+"/removePassword", map[string]any{"keyId": keyID}), http.StatusNotFound)

		// Update.
		apptest.Want(t, e.Admin(t, "PATCH", "/v1.0/applications/"+id, map[string]any{"displayName": "Team wiki",
			"web": map[string]any{"redirectUris": []string{"https://wiki.example.com/callback", "https://wiki.example.com/cb2"}}}), http.StatusNoContent)
		g = e.Admin(t, "GET", "/v1.0/applications/"+id, nil)
		gm := g.Map(t)
		if gm["displayName"] != "Team wiki" || len(strs(gm["web"].(map[string]any)["redirectUris"])) != 2 || gm["web"].(map[string]any)["logoutUrl"] != "https://wiki.example.com/bye" {
			t.Errorf("after update %s", g.Body)
		}

		// Built-in applications cannot be changed.
		if r := e.Admin(t, "DELETE", "/v1.0/applications/"+application.CLIAppID, nil); r.Status != http.StatusBadRequest {
			t.Errorf("deleting the built-in app: %d", r.Status)
		}

		// Delete.
		apptest.Want(t, e.Admin(t, "DELETE", "/v1.0/applications/"+id, nil), http.StatusNoContent)
		apptest.Want(t, e.Admin(t, "GET", "/v1.0/applications/"+id, nil), http.StatusNotFound)

		// Every change is audited with Entra's activity names.
		for _, name := range []string{"Add application", "Update application", "Delete application", "Update application – Certificates and secrets management"} {
			a := e.Admin(t, "GET", "/v1.0/auditLogs/directoryAudits?$filter="+url.QueryEscape("activityDisplayName eq '"+name+"'"), nil)
			apptest.Want(t, a, http.StatusOK)
			if len(a.Map(t)["value"].([]any)) == 0 {
				t.Errorf("no audit event %q", name)
			}
		}
	})
}

// Application permissions: reading needs Application.Read.All, changing
// Application.ReadWrite.All, and granting permissions to an application
// needs role management as well as the permissions themselves.
func TestApplicationsPermissions(t *testing.T) {
	e := newEnv(t, "sqlite")
	reader := e.newWebApp(t, "Reader", map[string]any{"permissions": []string{"Application.Read.All"}})
	writer := e.newWebApp(t, "Writer", map[string]any{"permissions": []string{"Application.ReadWrite.All"}})
	rt := e.ClientToken(t, reader.AppID, reader.Secret)
	wt := e.ClientToken(t, writer.AppID, writer.Secret)
	apptest.Want(t, e.Do(t, "GET", "/v1.0/applications", rt, nil), http.StatusOK)
	apptest.Want(t, e.Do(t, "POST", "/v1.0/applications", rt, map[string]any{"displayName": "X"}), http.StatusForbidden)
	apptest.Want(t, e.Do(t, "POST", "/v1.0/applications", wt, map[string]any{"displayName": "X"}), http.StatusCreated)
	// The writer cannot hand out permissions (it would escalate itself).
	apptest.Want(t, e.Do(t, "POST", "/v1.0/applications", wt, map[string]any{"displayName": "Y", "permissions": []string{"User.ReadWrite.All"}}), http.StatusForbidden)
	apptest.Want(t, e.Do(t, "PATCH", "/v1.0/applications/"+writer.ID, wt, map[string]any{"permissions": []string{"Application.ReadWrite.All", "RoleManagement.ReadWrite.Directory"}}), http.StatusForbidden)
	// Removing one's own permission is allowed.
	apptest.Want(t, e.Do(t, "PATCH", "/v1.0/applications/"+writer.ID, wt, map[string]any{"permissions": []string{}}), http.StatusNoContent)
	apptest.Want(t, e.Do(t, "POST", "/v1.0/applications", wt, map[string]any{"displayName": "Z"}), http.StatusForbidden)
}
