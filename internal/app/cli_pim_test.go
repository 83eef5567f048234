package app_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/app"
	"github.com/strongroom-id/strongroom/internal/app/apptest"
)

// TestCLIPIM activates a role from the terminal with the tokens of
// "strongroom login", meeting the role's c1 claims challenge by signing in
// again in the (test's) browser, and lists the user's roles.
func TestCLIPIM(t *testing.T) {
	inst := apptest.Start(t, apptest.Options{})
	cfgDir := t.TempDir()
	b := newCLIBrowser(t, inst)
	adminTok := inst.AdminToken(t)
	do := func(method, path string, body any, status int) *apptest.Response {
		t.Helper()
		r := inst.Do(t, method, path, adminTok, body)
		if r.Status != status {
			t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
		}
		return r
	}
	const secAdmin = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	do("POST", "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests", map[string]any{"action": "adminAssign", "principalId": inst.Bootstrap.AdminUserID,
		"roleDefinitionId": secAdmin, "directoryScopeId": "/", "scheduleInfo": map[string]any{"expiration": map[string]any{"type": "noExpiration"}}}, http.StatusCreated)
	do("PATCH", "/v1.0/identity/conditionalAccess/authenticationContextClassReferences/c1", map[string]any{"displayName": "Activation", "isAvailable": true}, http.StatusCreated)
	do("POST", "/v1.0/identity/conditionalAccess/policies", map[string]any{"displayName": "MFA for c1", "state": "enabled",
		"conditions":    map[string]any{"users": map[string]any{"includeUsers": []string{"All"}}, "applications": map[string]any{"includeAuthenticationContextClassReferences": []string{"c1"}}, "clientAppTypes": []string{"all"}},
		"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"mfa"}}}, http.StatusCreated)
	pol := do("GET", "/v1.0/policies/roleManagementPolicyAssignments?$filter="+url.QueryEscape("roleDefinitionId eq '"+secAdmin+"'"), nil, http.StatusOK)
	policyID := pol.Map(t)["value"].([]any)[0].(map[string]any)["policyId"].(string)
	do("PATCH", "/v1.0/policies/roleManagementPolicies/"+policyID+"/rules/AuthenticationContext_EndUser_Assignment", map[string]any{"isEnabled": true, "claimValue": "c1"}, http.StatusOK)

	opened := 0
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
	code, out, errs := run("pim", "roles")
	if code != 0 || !strings.Contains(out, "eligible  Security Administrator") || !strings.Contains(out, "active    Global Administrator") {
		t.Fatalf("pim roles: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = run("pim", "activate", "--role", "Security Administrator")
	if code != 1 || !strings.Contains(errs, "Enablement_EndUser_Assignment") {
		t.Fatalf("without a justification: %d\n%s\n%s", code, out, errs)
	}
	opened = 0
	code, out, errs = run("pim", "activate", "--role", "security administrator", "--duration", "2h", "--justification", "INC-42", "--ticket", "INC-42")
	if code != 0 || !strings.Contains(out, "Security Administrator is active for 2h0m0s") || !strings.Contains(errs, "authentication context c1") || opened != 1 {
		t.Fatalf("activate: %d (browser opened %d times)\n%s\n%s", code, opened, out, errs)
	}
	if code, out, _ = run("pim", "roles"); !strings.Contains(out, "active    Security Administrator") {
		t.Errorf("after activation: %d\n%s", code, out)
	}
	if code, _, errs = run("pim", "activate", "--role", "Chief Wizard", "--justification", "x"); code == 0 || !strings.Contains(errs, "not a directory role") {
		t.Errorf("unknown role: %d %s", code, errs)
	}
}
