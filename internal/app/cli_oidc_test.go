package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/app"
	"github.com/strongroom-id/strongroom/internal/app/apptest"
)

// cliBrowser plays the browser for "strongroom login": a cookie jar
// signed in to Strongroom, following the authorization request to the
// command's loopback redirect.
type cliBrowser struct {
	t    *testing.T
	c    *http.Client
	base string
	errs chan error
}

func newCLIBrowser(t *testing.T, inst *apptest.Instance) *cliBrowser {
	jar, _ := cookiejar.New(nil)
	b := &cliBrowser{t: t, base: inst.URL, errs: make(chan error, 4),
		c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	body := `{"userPrincipalName":"` + inst.Bootstrap.AdminUserPrincipalName + `","temporaryAccessPass":"` + inst.Bootstrap.AdminTemporaryAccessPass + `"}`
	resp, err := b.c.Post(inst.URL+"/api/v1/signin/tap", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("TAP sign-in: %v %v", err, resp)
	}
	resp.Body.Close()
	return b
}

// open follows u through Strongroom and delivers the code to the loopback
// listener, in the background, as a browser would.
func (b *cliBrowser) open(u string) error {
	go func() {
		for i := 0; i < 20; i++ {
			resp, err := b.c.Get(u)
			if err != nil {
				b.errs <- err
				return
			}
			resp.Body.Close()
			loc := resp.Header.Get("Location")
			if loc == "" {
				b.errs <- &url.Error{Op: "browser stopped at", URL: u, Err: io.EOF}
				return
			}
			next, _ := url.Parse(u)
			next = next.ResolveReference(&url.URL{Path: loc})
			if l, err := url.Parse(loc); err == nil && l.IsAbs() {
				next = l
			} else if err == nil {
				next, _ = url.Parse(b.base + loc)
			}
			u = next.String()
			if strings.HasPrefix(u, "http://127.0.0.1:") {
				r, err := http.Get(u)
				if err == nil {
					r.Body.Close()
				}
				b.errs <- err
				return
			}
		}
		b.errs <- io.ErrNoProgress
	}()
	return nil
}

func TestCLILoginAndAPI(t *testing.T) {
	inst := apptest.Start(t, apptest.Options{})
	cfgDir := t.TempDir()
	b := newCLIBrowser(t, inst)
	run := func(args ...string) (int, string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		m := &app.Main{Stdout: &out, Stderr: &errb, OpenBrowser: b.open,
			Getenv: func(k string) (string, bool) {
				if k == "XDG_CONFIG_HOME" {
					return cfgDir, true
				}
				return "", false
			}}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		code := m.Run(ctx, args)
		return code, out.String(), errb.String()
	}

	code, out, errs := run("login", "--url", inst.URL)
	if code != 0 || !strings.Contains(out, "Signed in to "+inst.URL+" as "+inst.Bootstrap.AdminUserPrincipalName) {
		t.Fatalf("login: %d %s %s", code, out, errs)
	}
	credPath := filepath.Join(cfgDir, "strongroom", "credentials.json")
	if st, err := os.Stat(credPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v", st, err)
	}

	// The admin API as the signed-in user (the bootstrap administrator is a
	// Global Administrator).
	code, out, errs = run("api", "GET", "/v1.0/users")
	if code != 0 || !strings.Contains(out, inst.Bootstrap.AdminUserPrincipalName) {
		t.Fatalf("api: %d %s %s", code, out, errs)
	}
	code, _, _ = run("api", "GET", "/v1.0/nothing-here")
	if code != 1 {
		t.Errorf("a 404 exits with %d", code)
	}

	// An expired access token is refreshed, and the rotated refresh token
	// kept.
	var creds map[string]map[string]any
	read := func() {
		b, _ := os.ReadFile(credPath)
		_ = json.Unmarshal(b, &creds)
	}
	read()
	oldRefresh := creds[inst.URL]["refreshToken"]
	creds[inst.URL]["expiry"] = time.Now().Add(-time.Hour).Format(time.RFC3339)
	js, _ := json.Marshal(creds)
	_ = os.WriteFile(credPath, js, 0o600)
	if code, out, errs = run("api", "GET", "/v1.0/users"); code != 0 {
		t.Fatalf("api after expiry: %d %s %s", code, out, errs)
	}
	read()
	if creds[inst.URL]["refreshToken"] == oldRefresh {
		t.Error("the refresh token was not rotated")
	}

	// Logout revokes the refresh token and forgets the tokens.
	refreshTok := creds[inst.URL]["refreshToken"].(string)
	if code, out, _ = run("logout"); code != 0 || !strings.Contains(out, "Signed out") {
		t.Fatalf("logout: %d %s", code, out)
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshTok}, "client_id": {"5d3c1e7a-3f0b-4b8e-9f1a-57a0c0de0003"}}
	resp, err := http.PostForm(inst.URL+"/oauth2/token", form)
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("refresh after logout: %v %v", err, resp.Status)
	}
	if code, _, errs = run("api", "GET", "/v1.0/users"); code == 0 || !strings.Contains(errs, "strongroom login") {
		t.Errorf("api after logout: %d %s", code, errs)
	}
}

// The command meets a claims challenge by itself: the API asks for c1 (a
// role activation bound to c1), the command signs in again with the claims
// request, and the retry succeeds.
func TestCLIClaimsChallenge(t *testing.T) {
	inst := apptest.Start(t, apptest.Options{})
	cfgDir := t.TempDir()
	b := newCLIBrowser(t, inst)
	adminTok := inst.AdminToken(t)
	do := func(method, path string, body any) *apptest.Response {
		t.Helper()
		return inst.Do(t, method, path, adminTok, body)
	}
	// The administrator's id.
	users := do("GET", "/v1.0/users?$filter="+url.QueryEscape("userPrincipalName eq '"+inst.Bootstrap.AdminUserPrincipalName+"'"), nil)
	adminID := users.Map(t)["value"].([]any)[0].(map[string]any)["id"].(string)
	const secAdmin = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	if r := do("POST", "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests", map[string]any{"action": "adminAssign", "principalId": adminID,
		"roleDefinitionId": secAdmin, "directoryScopeId": "/", "scheduleInfo": map[string]any{"expiration": map[string]any{"type": "noExpiration"}}}); r.Status != http.StatusCreated {
		t.Fatalf("making the administrator eligible: %d %s", r.Status, r.Body)
	}
	// c1 is published and a policy requires MFA for it; activation of the
	// role requires c1.
	if r := do("PATCH", "/v1.0/identity/conditionalAccess/authenticationContextClassReferences/c1", map[string]any{"displayName": "Activation", "isAvailable": true}); r.Status >= 300 {
		t.Fatalf("context: %d %s", r.Status, r.Body)
	}
	if r := do("POST", "/v1.0/identity/conditionalAccess/policies", map[string]any{"displayName": "MFA for c1", "state": "enabled",
		"conditions":    map[string]any{"users": map[string]any{"includeUsers": []string{"All"}}, "applications": map[string]any{"includeAuthenticationContextClassReferences": []string{"c1"}}, "clientAppTypes": []string{"all"}},
		"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"mfa"}}}); r.Status != http.StatusCreated {
		t.Fatalf("policy: %d %s", r.Status, r.Body)
	}
	pol := do("GET", "/v1.0/policies/roleManagementPolicyAssignments?$filter="+url.QueryEscape("scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '"+secAdmin+"'"), nil)
	policyID := pol.Map(t)["value"].([]any)[0].(map[string]any)["policyId"].(string)
	if r := do("PATCH", "/v1.0/policies/roleManagementPolicies/"+policyID+"/rules/AuthenticationContext_EndUser_Assignment", map[string]any{
		"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule", "isEnabled": true, "claimValue": "c1"}); r.Status != http.StatusOK {
		t.Fatalf("role setting: %d %s", r.Status, r.Body)
	}

	var opened int
	run := func(args ...string) (int, string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		m := &app.Main{Stdout: &out, Stderr: &errb, OpenBrowser: func(u string) error { opened++; return b.open(u) },
			Getenv: func(k string) (string, bool) {
				if k == "XDG_CONFIG_HOME" {
					return cfgDir, true
				}
				return "", false
			}}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		return m.Run(ctx, args), out.String(), errb.String()
	}
	if code, out, errs := run("login", "--url", inst.URL); code != 0 {
		t.Fatalf("login: %d %s %s", code, out, errs)
	}
	activation, _ := json.Marshal(map[string]any{"action": "selfActivate", "principalId": adminID, "roleDefinitionId": secAdmin, "directoryScopeId": "/",
		"justification": "incident 42", "scheduleInfo": map[string]any{"expiration": map[string]any{"type": "afterDuration", "duration": "PT1H"}}})
	code, out, errs := run("api", "POST", "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests", string(activation))
	if code != 0 || !strings.Contains(errs, "authentication context c1") || opened != 2 {
		t.Fatalf("activation: %d (browser opened %d times)\n%s\n%s", code, opened, out, errs)
	}
}
