package provider_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
)

// The admin pages for applications: register, edit redirect URIs, add a
// secret (shown once), remove it, delete.
func TestApplicationPages(t *testing.T) {
	e := newEnv(t, "sqlite")
	b := e.browser()
	b.signInTAP(t, e.Bootstrap.AdminUserPrincipalName, e.Bootstrap.AdminTemporaryAccessPass)
	form := func(path string, v url.Values) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", e.URL+path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", e.URL)
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	page := b.do(t, "GET", "/admin/applications", nil)
	if page.Status != http.StatusOK || !strings.Contains(string(page.Body), "Strongroom command line") || !strings.Contains(string(page.Body), "Register an application") {
		t.Fatalf("list page %d %s", page.Status, page.Body)
	}
	// A bad redirect URI is refused on the page.
	resp := form("/admin/applications", url.Values{"displayName": {"Wiki"}, "web": {"http://wiki.example.com/cb"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad URI: %d", resp.StatusCode)
	}
	resp.Body.Close()
	resp = form("/admin/applications", url.Values{"displayName": {"Wiki"}, "web": {"https://wiki.example.com/cb\n"}})
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/applications/") {
		t.Fatalf("register: %d %s", resp.StatusCode, loc)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/admin/applications/"), "?created=1")
	detail := b.do(t, "GET", loc, nil)
	if !strings.Contains(string(detail.Body), "https://wiki.example.com/cb") {
		t.Errorf("detail %s", detail.Body)
	}
	resp = form("/admin/applications/"+id+"/secrets", url.Values{"description": {"prod"}, "months": {"6"}})
	body := readAll(t, resp)
	i := strings.Index(body, `id="secret-value"`)
	if resp.StatusCode != http.StatusOK || i < 0 {
		t.Fatalf("add secret: %d %s", resp.StatusCode, body)
	}
	v := body[i:]
	v = v[strings.Index(v, `value="`)+7:]
	secret := v[:strings.IndexByte(v, '"')]
	api := e.Admin(t, "GET", "/v1.0/applications/"+id, nil).Map(t)
	appID := api["appId"].(string)
	keyID := api["passwordCredentials"].([]any)[0].(map[string]any)["keyId"].(string)
	apptest.Want(t, e.post(t, "/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, appID, secret), http.StatusOK)
	if again := b.do(t, "GET", "/admin/applications/"+id, nil); strings.Contains(string(again.Body), secret) {
		t.Error("the secret shows again")
	}
	resp = form("/admin/applications/"+id+"/secrets/"+keyID+"/delete", nil)
	resp.Body.Close()
	if r := e.post(t, "/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, appID, secret); r.Status != http.StatusUnauthorized {
		t.Errorf("removed secret: %d", r.Status)
	}
	resp = form("/admin/applications/"+id, url.Values{"displayName": {"Team wiki"}, "web": {"https://wiki.example.com/cb\nhttps://wiki.example.com/cb2"}})
	resp.Body.Close()
	if got := e.Admin(t, "GET", "/v1.0/applications/"+id, nil).Map(t); got["displayName"] != "Team wiki" || len(strs(got["web"].(map[string]any)["redirectUris"])) != 2 {
		t.Errorf("after save %v", got)
	}
	resp = form("/admin/applications/"+id+"/delete", url.Values{"confirm": {"on"}})
	resp.Body.Close()
	apptest.Want(t, e.Admin(t, "GET", "/v1.0/applications/"+id, nil), http.StatusNotFound)

	// Someone without an admin role sees the 403 page.
	u := e.newKeyUser(t, "ada@example.com")
	if r := u.B.do(t, "GET", "/admin/applications", nil); r.Status != http.StatusForbidden {
		t.Errorf("non-admin: %d", r.Status)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}
