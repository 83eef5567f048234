package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/testenv"
)

// TestBrowserCAPages opens the Conditional Access pages and the logs in a
// real headless Chromium, on a desktop and on a phone: the policy editor
// hides what a choice makes irrelevant (without JavaScript), and What If
// answers. Screenshots go to $STRONGROOM_SCREENSHOTS when it is set.
func TestBrowserCAPages(t *testing.T) {
	testenv.Chromium(t) // skips (or fails) with how to enable it
	inst := apptest.Start(t, apptest.Options{Database: "sqlite"})
	shots := screenshotDir(t)
	tok := inst.AdminToken(t)
	must := func(method, path string, body any, status int) map[string]any {
		t.Helper()
		r := inst.Do(t, method, path, tok, body)
		if r.Status != status {
			t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
		}
		if status == 204 {
			return nil
		}
		return r.Map(t)
	}
	group := must("POST", "/v1.0/groups", map[string]any{"displayName": "Emergency access", "mailNickname": "ea", "securityEnabled": true, "mailEnabled": false}, 201)["id"].(string)
	must("PATCH", "/v1.0/identity/conditionalAccess/authenticationContextClassReferences/c1", map[string]any{"displayName": "Activate privileged roles", "description": "PIM activation of admin roles", "isAvailable": true}, 201)
	office := must("POST", "/v1.0/identity/conditionalAccess/namedLocations", map[string]any{"@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "Head office",
		"isTrusted": true, "ipRanges": []any{map[string]any{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "203.0.113.0/24"}}}, 201)["id"].(string)
	strength := must("POST", "/v1.0/policies/authenticationStrengthPolicies", map[string]any{"displayName": "FIDO2 Only - High Privilege", "description": "Security keys of approved models",
		"allowedCombinations": []string{"fido2"}, "combinationConfigurations": []any{map[string]any{"@odata.type": "#microsoft.graph.fido2CombinationConfiguration",
			"appliesToCombinations": []string{"fido2"}, "allowedAAGUIDs": []string{yubiKey5}}}}, 201)["id"].(string)
	policy := must("POST", "/v1.0/identity/conditionalAccess/policies", map[string]any{"displayName": "Privileged roles need a security key", "state": "enabled",
		"conditions": map[string]any{"users": map[string]any{"includeUsers": []string{"All"}, "excludeGroups": []string{group}},
			"applications": map[string]any{"includeAuthenticationContextClassReferences": []string{"c1"}}, "clientAppTypes": []string{"all"},
			"locations": map[string]any{"includeLocations": []string{"All"}, "excludeLocations": []string{office}}},
		"grantControls":   map[string]any{"operator": "OR", "authenticationStrength": map[string]any{"id": strength}},
		"sessionControls": map[string]any{"signInFrequency": map[string]any{"isEnabled": true, "frequencyInterval": "everyTime", "authenticationType": "primaryAndSecondaryAuthentication"}}}, 201)["id"].(string)
	must("POST", "/v1.0/identity/conditionalAccess/policies", map[string]any{"displayName": "Block legacy clients", "state": "enabledForReportingButNotEnforced",
		"conditions": map[string]any{"users": map[string]any{"includeUsers": []string{"All"}}, "applications": map[string]any{"includeApplications": []string{"All"}},
			"clientAppTypes": []string{"exchangeActiveSync", "other"}}, "grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"block"}}}, 201)
	// A user a policy blocks, and a failed sign-in for the log.
	bo := must("POST", "/v1.0/users", map[string]any{"userPrincipalName": "bo@example.com", "displayName": "Bo", "accountEnabled": true}, 201)["id"].(string)
	must("POST", "/v1.0/identity/conditionalAccess/policies", map[string]any{"displayName": "Block contractors", "state": "enabled",
		"conditions":    map[string]any{"users": map[string]any{"includeUsers": []string{bo}}, "applications": map[string]any{"includeApplications": []string{"All"}}},
		"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"block"}}}, 201)
	boPass := func() string {
		return must("POST", "/v1.0/users/"+bo+"/authentication/temporaryAccessPassMethods", map[string]any{"isUsableOnce": false}, 201)["temporaryAccessPass"].(string)
	}
	newBrowser(t, inst.URL).post("/signin", url.Values{"username": {inst.Bootstrap.AdminUserPrincipalName}, "method": {"tap"}, "pass": {"WRONGPASS"}})

	b := newTab(t, inst.URL, shots, "desktop")
	b.open("/signin")
	b.signInWithTAP(inst.Bootstrap.AdminUserPrincipalName, inst.Bootstrap.AdminTemporaryAccessPass)
	b.waitView("security")
	pages := []struct{ name, path, view string }{
		{"ca-01-policies", "/admin/ca", "admin_ca"},
		{"ca-02-policy", "/admin/ca/policies/" + policy, "admin_ca_policy"},
		{"ca-03-policy-json", "/admin/ca/policies/" + policy + "/json", "admin_ca_policy_json"},
		{"ca-04-strengths", "/admin/ca/strengths", "admin_ca_strengths"},
		{"ca-05-strength", "/admin/ca/strengths/" + strength, "admin_ca_strength"},
		{"ca-06-contexts", "/admin/ca/contexts", "admin_ca_contexts"},
		{"ca-07-locations", "/admin/ca/locations", "admin_ca_locations"},
		{"ca-08-location", "/admin/ca/locations/" + office, "admin_ca_location"},
		{"ca-09-whatif", "/admin/ca/whatif?" + url.Values{"user": {inst.Bootstrap.AdminUserPrincipalName}, "target": {"context"}, "context": {"c1"}, "ip": {"198.51.100.7"}}.Encode(), "admin_ca_whatif"},
		{"ca-10-signins", "/admin/signins", "admin_signins"},
		{"ca-12-audit", "/admin/audit", "admin_audit"},
		{"ca-14-policy-delete", "/admin/ca/policies/" + policy + "/delete", "admin_ca_delete"},
	}
	visit := func() {
		for _, p := range pages {
			b.open(p.path)
			b.waitView(p.view)
			b.shot(p.name)
		}
		b.open("/admin/signins")
		b.waitView("admin_signins")
		b.do(chromedp.Click(chromedp.CSS(`.log-table tbody tr:first-child a`)))
		b.waitView("admin_signin")
		b.shot("ca-11-signin")
		b.open("/admin/audit?activity=" + url.QueryEscape("Add conditional access policy"))
		b.waitView("admin_audit")
		b.do(chromedp.Click(chromedp.CSS(`.log-table tbody tr:first-child a`)))
		b.waitView("admin_audit_event")
		b.shot("ca-13-audit-event")
	}
	visit()

	// The editor hides what does not apply: all users hides the pickers,
	// contexts show instead of applications; choosing "Select users"
	// shows them again.
	b.open("/admin/ca/policies/" + policy)
	b.waitView("admin_ca_policy")
	for css, visible := range map[string]bool{".when-users-select": false, ".when-target-apps": false, ".when-target-contexts": true, ".when-frequency": true, ".when-periodic": false, ".when-browser": false} {
		if got := b.eval(`String(getComputedStyle(document.querySelector("` + css + `")).display !== "none")`); got != map[bool]string{true: "true", false: "false"}[visible] {
			t.Errorf("%s visible: %s, want %v", css, got, visible)
		}
	}
	b.do(chromedp.Click(chromedp.CSS(`label[for=users-select]`)))
	if b.eval(`getComputedStyle(document.querySelector(".when-users-select")).display`) == "none" {
		t.Error("choosing Select users leaves the pickers hidden")
	}
	// A bad device filter comes back with the parser's words by the field.
	b.do(chromedp.SetValue(chromedp.CSS("#deviceFilterRule"), `device.model -eq`), chromedp.Click(chromedp.CSS(`.ca-form .form-actions button[type=submit]`)))
	b.waitFor("#df-error")
	if !strings.Contains(b.text(".problem-list"), "problem") {
		t.Errorf("no problem summary: %s", b.dump())
	}
	b.shot("ca-15-policy-errors")

	blocked := func() {
		u := newTab(t, inst.URL, shots, b.device)
		if b.device == "phone" {
			u.phone()
		}
		u.open("/signin")
		u.signInWithTAP("bo@example.com", boPass())
		u.waitFor(".todo")
		if !strings.Contains(u.text("main"), "Block contractors") {
			t.Errorf("the blocked page does not name the policy: %s", u.dump())
		}
		u.shot("ca-17-signin-blocked")
	}
	blocked()

	b.phone()
	blocked()
	visit()
	b.open("/admin/ca/policies/new")
	b.waitView("admin_ca_policy")
	b.shot("ca-16-policy-new")
}
