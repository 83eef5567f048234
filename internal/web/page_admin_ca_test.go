package web_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/web"
)

// Role template ids used below.
const (
	securityReader = "5d6b6bb7-de71-4623-b4af-96380a352509"
	caAdmin        = "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9"
	yubiKey5       = "cb69481e-8ff7-4039-93ec-0a2729a154a8"
)

// signedInAs creates a user (with an active role when role is set), gives
// them a Temporary Access Pass and signs them in by form.
func signedInAs(t *testing.T, inst *apptest.Instance, upn, role string) *browser {
	t.Helper()
	tok := inst.AdminToken(t)
	c := inst.Do(t, "POST", "/v1.0/users", tok, map[string]any{"userPrincipalName": upn, "displayName": strings.Split(upn, "@")[0], "accountEnabled": true})
	id, _ := c.Map(t)["id"].(string)
	if id == "" {
		t.Fatalf("creating %s: %d %s", upn, c.Status, c.Body)
	}
	if role != "" {
		if r := inst.Do(t, "POST", "/v1.0/roleManagement/directory/roleAssignments", tok, map[string]any{"principalId": id, "roleDefinitionId": role, "directoryScopeId": "/"}); r.Status != 201 {
			t.Fatalf("assigning %s: %d %s", role, r.Status, r.Body)
		}
	}
	p := inst.Do(t, "POST", "/v1.0/users/"+id+"/authentication/temporaryAccessPassMethods", tok, map[string]any{})
	pass, _ := p.Map(t)["temporaryAccessPass"].(string)
	b := newBrowser(t, inst.URL)
	if r := b.post("/signin", url.Values{"username": {upn}, "method": {"tap"}, "pass": {pass}}); r.status != 303 {
		t.Fatalf("%s signs in: %d %s", upn, r.status, r.body)
	}
	return b
}

// wantRedirect checks a 303 to a path starting with prefix and returns it.
func wantRedirect(t *testing.T, a answer, prefix string) string {
	t.Helper()
	loc := a.header.Get("Location")
	if a.status != 303 || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("status %d to %q, want 303 to %s…:\n%s", a.status, loc, prefix, a.body)
	}
	return loc
}

func lacks(t *testing.T, a answer, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(a.body, s) {
			t.Errorf("the answer has %q", s)
		}
	}
}

// TestCAPages drives the Conditional Access pages as a browser without
// JavaScript: contexts, named locations, a strength restricted to a key
// model and a policy created, refused with errors next to their fields
// (nothing written), edited as JSON and deleted; deletions of what is in
// use are refused with the names of the policies; What If, the sign-in
// log and the audit log show the story; readers see it all read-only and
// others are refused.
func TestCAPages(t *testing.T) {
	inst := apptest.Start(t, apptest.Options{Database: "sqlite"})
	tok := inst.AdminToken(t)
	admin := newBrowser(t, inst.URL)
	upn := inst.Bootstrap.AdminUserPrincipalName
	if r := admin.post("/signin", url.Values{"username": {upn}, "method": {"tap"}, "pass": {inst.Bootstrap.AdminTemporaryAccessPass}}); r.status != 303 {
		t.Fatalf("admin sign-in: %d %s", r.status, r.body)
	}
	countPolicies := func() int {
		var l struct{ Value []map[string]any }
		inst.Do(t, "GET", "/v1.0/identity/conditionalAccess/policies", tok, nil).JSON(t, &l)
		return len(l.Value)
	}
	g := inst.Do(t, "POST", "/v1.0/groups", tok, map[string]any{"displayName": "Break glass", "mailNickname": "breakglass", "securityEnabled": true, "mailEnabled": false})
	group, _ := g.Map(t)["id"].(string)

	// The overview lists the default policy, with the section's navigation.
	want(t, admin.get("/admin/ca"), 200, "Require multifactor authentication for all users", "All users", "All resources",
		`href="/admin/ca/whatif"`, `href="/admin/signins"`, `href="/admin/audit"`, "New policy")

	// Authentication contexts: a field error, then c1.
	want(t, admin.post("/admin/ca/contexts", url.Values{"id": {"c1"}, "displayName": {""}}), 400, "The name is required", "was not added")
	wantRedirect(t, admin.post("/admin/ca/contexts", url.Values{"id": {"c1"}, "displayName": {"Activate privileged roles"}, "isAvailable": {"on"}}), "/admin/ca/contexts?done=")
	want(t, admin.get("/admin/ca/contexts"), 200, "Activate privileged roles", "Published", `<option value="c2" selected>`)
	// A form posted from another site is refused and writes nothing.
	if r := admin.do("POST", "/admin/ca/contexts", url.Values{"id": {"c9"}, "displayName": {"Planted"}}, map[string]string{"Sec-Fetch-Site": "cross-site"}); r.status != 403 {
		t.Errorf("a cross-site form: %d", r.status)
	}
	lacks(t, admin.get("/admin/ca/contexts"), "Planted")

	// Named locations: each bad line is named by its number; nothing is
	// written until all are right.
	bad := admin.post("/admin/ca/locations", url.Values{"kind": {"ip"}, "displayName": {"Office"}, "ranges": {"10.0.0.0/4\n203.0.113.0/24\nnot-an-ip"}})
	want(t, bad, 400, "Line 1:", "the mask must be larger than /8", "Line 3:", "not-an-ip", "was not saved")
	want(t, admin.get("/admin/ca/locations"), 200, "There are no named locations yet")
	wantRedirect(t, admin.post("/admin/ca/locations", url.Values{"kind": {"ip"}, "displayName": {"Office"}, "ranges": {"203.0.113.0/24\n2001:db8::/48"}, "isTrusted": {"on"}}), "/admin/ca/locations?done=location-created")
	want(t, admin.post("/admin/ca/locations", url.Values{"kind": {"country"}, "displayName": {"Abroad"}, "countries": {"NL, XYZ"}}), 400, "&#34;XYZ&#34; is not an ISO 3166-1 two-letter code")
	wantRedirect(t, admin.post("/admin/ca/locations", url.Values{"kind": {"country"}, "displayName": {"Home"}, "countries": {"nl be"}}), "/admin/ca/locations?done=")
	locs := admin.get("/admin/ca/locations")
	want(t, locs, 200, "Trusted", "203.0.113.0/24", "Countries: NL, BE")
	office := regexp.MustCompile(`href="/admin/ca/locations/([^"]+)">Office<`).FindStringSubmatch(locs.body)
	if office == nil {
		t.Fatalf("no Office location:\n%s", locs.body)
	}

	// An authentication strength: FIDO2 restricted to one key model.
	want(t, admin.get("/admin/ca/strengths/new"), 200, "YubiKey 5 Series", "Passkey or security key (FIDO2)", "Strongroom can&#39;t prove these methods")
	want(t, admin.post("/admin/ca/strengths", url.Values{"displayName": {"FIDO2 Only"}}), 400, "Tick at least one combination")
	want(t, admin.post("/admin/ca/strengths", url.Values{"displayName": {"FIDO2 Only"}, "combinations": {"password"}, "restrict": {"on"}, "otherAAGUIDs": {"not-a-guid"}}),
		400, "“not-a-guid” is not an AAGUID", "Tick “Passkey or security key (FIDO2)”")
	loc := wantRedirect(t, admin.post("/admin/ca/strengths", url.Values{"displayName": {"FIDO2 Only"}, "combinations": {"fido2"}, "restrict": {"on"}, "aaguid": {yubiKey5}}), "/admin/ca/strengths/")
	strength := strings.TrimPrefix(strings.Split(loc, "?")[0], "/admin/ca/strengths/")
	sp := admin.get(loc)
	want(t, sp, 200, "The authentication strength was created", "No Conditional Access policy uses it")
	if !regexp.MustCompile(`value="` + yubiKey5 + `" checked`).MatchString(sp.body) {
		t.Errorf("the key model is not ticked:\n%s", sp.body)
	}
	want(t, admin.post("/admin/ca/strengths/00000000-0000-0000-0000-000000000004", url.Values{"displayName": {"x"}}), 400, "built-in")

	// A policy: problems come back next to their fields, as typed, and
	// nothing is written.
	before := countPolicies()
	form := url.Values{"displayName": {"Keys for c1"}, "state": {"enabled"}, "usersMode": {"all"}, "excludeGroups": {group},
		"excludeUsers": {"nobody@example.com"}, "targetKind": {"contexts"}, "contexts": {"c1"}, "grantMode": {"grant"}, "strength": {strength},
		"controls": {"mfa"}, "operator": {"AND"}, "deviceFilterMode": {"exclude"}, "deviceFilterRule": {`device.trustType -eq "AzureAD" -and`},
		"includeLocations": {"All"}, "excludeLocations": {office[1]}}
	r := admin.post("/admin/ca/policies", form)
	want(t, r, 400, "The policy was not saved</strong>; nothing was changed", "There is no user “nobody@example.com”", "cannot be required in the same policy",
		`value="Keys for c1"`, `device.trustType -eq &#34;AzureAD&#34; -and`, `id="df-error"`)
	if n := countPolicies(); n != before {
		t.Fatalf("a refused form wrote a policy: %d policies, had %d", n, before)
	}
	form.Del("controls")
	form.Del("excludeUsers")
	form.Set("deviceFilterRule", `device.trustType -eq "AzureAD"`)
	loc = wantRedirect(t, admin.post("/admin/ca/policies", form), "/admin/ca/policies/")
	policyID := strings.TrimPrefix(strings.Split(loc, "?")[0], "/admin/ca/policies/")
	pp := admin.get(loc)
	want(t, pp, 200, "The policy was created", `value="Keys for c1"`, `value="c1" checked`, `value="`+group+`" checked`, `value="`+strength+`" selected`)
	got := inst.Do(t, "GET", "/v1.0/identity/conditionalAccess/policies/"+policyID, tok, nil)
	for _, s := range []string{`"excludeGroups":["` + group + `"]`, `"includeAuthenticationContextClassReferences":["c1"]`, `"mode":"exclude"`, `"excludeLocations":["` + office[1] + `"]`} {
		if !strings.Contains(string(got.Body), s) {
			t.Errorf("the saved policy lacks %s: %s", s, got.Body)
		}
	}

	// Its JSON, edited with the API's strict reading.
	js := admin.get(loc[:strings.Index(loc, "?")] + "/json")
	want(t, js, 200, "includeAuthenticationContextClassReferences", "&#34;authenticationStrength&#34;")
	want(t, admin.post("/admin/ca/policies/"+policyID+"/json", url.Values{"json": {`{"displayName": "x", "state": "enabled", "bogus": 1}`}}), 400, "bogus")
	doc := regexp.MustCompile(`(?s)<textarea id="json" name="json"[^>]*>(.*?)</textarea>`).FindStringSubmatch(js.body)
	if doc == nil {
		t.Fatalf("no JSON editor:\n%s", js.body)
	}
	edited := strings.Replace(html.UnescapeString(doc[1]), `"Keys for c1"`, `"Security keys for c1"`, 1)
	wantRedirect(t, admin.post("/admin/ca/policies/"+policyID+"/json", url.Values{"json": {edited}}), "/admin/ca/policies/"+policyID+"?done=policy-saved")
	want(t, admin.get("/admin/ca"), 200, "Security keys for c1", "Authentication context c1 (Activate privileged roles)", "Require strength “FIDO2 Only”")

	// In use: deletions are refused, naming the policy; nothing changes.
	want(t, admin.post("/admin/ca/strengths/"+strength+"/delete", nil), 409, "Security keys for c1")
	want(t, admin.post("/admin/ca/contexts/c1/delete", nil), 409, "published to applications", "Security keys for c1")
	want(t, admin.post("/admin/ca/locations/"+office[1]+"/delete", nil), 409, "trusted")
	want(t, admin.get("/admin/ca/strengths/"+strength), 200, "Security keys for c1")

	// What If: the policy applies to a step-up to c1, not to My Account.
	want(t, admin.get("/admin/ca/whatif?"+url.Values{"user": {upn}, "target": {"context"}, "context": {"c1"}, "ip": {"198.51.100.7"}}.Encode()), 200,
		"Allowed once the user meets every one of these", "Security keys for c1: Require strength “FIDO2 Only”", "Applies")
	want(t, admin.get("/admin/ca/whatif?"+url.Values{"user": {upn}, "target": {"context"}, "context": {"c1"}, "ip": {"203.0.113.9"}}.Encode()), 200,
		"The location is not included, or is excluded.")
	want(t, admin.get("/admin/ca/whatif?"+url.Values{"user": {upn}, "target": {"app"}, "app": {"5d3c1e7a-3f0b-4b8e-9f1a-57a0c0de0002"}}.Encode()), 200,
		"The policy is about another authentication context, or about none.")
	want(t, admin.get("/admin/ca/whatif?"+url.Values{"user": {"nobody@example.com"}, "ip": {"300.1.1.1"}}.Encode()), 400, "is not an IP address")

	// The policy is deleted after a confirmation.
	want(t, admin.get("/admin/ca/policies/"+policyID+"/delete"), 200, "Delete the policy “Security keys for c1”?")
	wantRedirect(t, admin.post("/admin/ca/policies/"+policyID+"/delete", nil), "/admin/ca?done=policy-deleted")
	if r := inst.Do(t, "GET", "/v1.0/identity/conditionalAccess/policies/"+policyID, tok, nil); r.Status != 404 {
		t.Errorf("the deleted policy answers %d", r.Status)
	}
	wantRedirect(t, admin.post("/admin/ca/strengths/"+strength+"/delete", nil), "/admin/ca/strengths?done=strength-deleted")

	// A policy created from JSON, as the API would read it.
	want(t, admin.get("/admin/ca/policies/new/json"), 200, `&#34;state&#34;: &#34;enabledForReportingButNotEnforced&#34;`)
	wantRedirect(t, admin.post("/admin/ca/policies/new/json", url.Values{"json": {`{"displayName": "From JSON", "state": "disabled",
		"conditions": {"users": {"includeUsers": ["None"]}, "applications": {"includeApplications": ["None"]}},
		"grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}`}}), "/admin/ca/policies/")
	want(t, admin.get("/admin/ca"), 200, "From JSON", "No users", "No resources")

	// The sign-in log: the admin's pass sign-in, with its policies.
	log := admin.get("/admin/signins?user=" + url.QueryEscape(upn))
	want(t, log, 200, upn, "Temporary Access Pass", "Success")
	detail := regexp.MustCompile(`href="(/admin/signins/[^"?]+)"`).FindStringSubmatch(log.body)
	if detail == nil {
		t.Fatalf("no sign-in row:\n%s", log.body)
	}
	want(t, admin.get(detail[1]), 200, "Authentication details", "Require multifactor authentication for all users", "Ask What If")
	want(t, admin.get("/admin/signins?status=failure&user=nobody@example.com"), 200, "No sign-in matches")
	want(t, admin.get("/admin/signins?from=yesterday"), 400, "Enter a date")

	// The audit log: the whole story of the policy, with what changed.
	al := admin.get("/admin/audit?" + url.Values{"activity": {"Update conditional access policy"}}.Encode())
	want(t, al, 200, "Security keys for c1")
	ev := regexp.MustCompile(`href="(/admin/audit/[^"?]+)"`).FindStringSubmatch(al.body)
	if ev == nil {
		t.Fatalf("no audit row:\n%s", al.body)
	}
	want(t, admin.get(ev[1]), 200, "ConditionalAccessPolicy", "Changed:", "<code>displayName</code>", "Old value", "New value")
	want(t, admin.get("/admin/audit?initiator=nobody@example.com"), 400, "There is no user")

	// A Security Reader sees everything read-only.
	reader := signedInAs(t, inst, "reader@example.com", securityReader)
	ro := reader.get("/admin/ca")
	want(t, ro, 200, "Require multifactor authentication for all users")
	lacks(t, ro, "New policy")
	def := regexp.MustCompile(`href="(/admin/ca/policies/[^"]+)"`).FindStringSubmatch(ro.body)
	want(t, reader.get(def[1]), 200, `<fieldset class="plain" disabled>`, "You can view this policy but not change it")
	lacks(t, reader.get(def[1]), ">Save<")
	want(t, reader.get(def[1]+"/json"), 200, `<pre class="code-block"`)
	want(t, reader.post("/admin/ca/policies", url.Values{"displayName": {"x"}}), 403, "Conditional Access Administrator")
	want(t, reader.post("/admin/ca/contexts", url.Values{"id": {"c5"}, "displayName": {"x"}}), 403)
	want(t, reader.get("/admin/signins"), 200, "Sign-in logs")
	want(t, reader.get("/admin/audit"), 200, "Audit logs")

	// A Conditional Access Administrator may not read the logs; a user
	// with no role gets nothing.
	caa := signedInAs(t, inst, "caa@example.com", caAdmin)
	want(t, caa.get("/admin/ca/policies/new"), 200, "Create policy")
	want(t, caa.get("/admin/signins"), 403, "Roles that give access")
	user := signedInAs(t, inst, "user@example.com", "")
	for _, p := range []string{"/admin/ca", "/admin/ca/strengths", "/admin/ca/whatif", "/admin/signins", "/admin/audit"} {
		want(t, user.get(p), 403, "Roles that give access")
	}

	// Paging, newest first, keeps the filter.
	defer web.SetLogPageSize(1)()
	first := admin.get("/admin/signins?status=success")
	next := regexp.MustCompile(`href="(/admin/signins\?before=[^"]+)">Older sign-ins`).FindStringSubmatch(html.UnescapeString(first.body))
	if next == nil {
		t.Fatalf("no next page:\n%s", first.body)
	}
	if !strings.Contains(next[1], "status=success") {
		t.Errorf("the next page drops the filter: %s", next[1])
	}
	second := admin.get(next[1])
	want(t, second, 200, ">Newest<", "Success")
	rowOf := func(a answer) string {
		return regexp.MustCompile(`href="/admin/signins/([^"?]+)"`).FindStringSubmatch(a.body)[1]
	}
	if rowOf(first) == rowOf(second) {
		t.Errorf("the second page repeats the first")
	}
	want(t, admin.get("/admin/signins?before=garbage"), 400, "start again from the first page")
	want(t, admin.get("/admin/audit"), 200, "Older events")
}

// TestBlockedSignInSaysWhy: a user blocked by a policy is told which
// policy, what to do and a reference; the reference finds the attempt in
// the sign-in log. A user whose methods can't meet a strength is told so,
// without being sent where they can't go.
func TestBlockedSignInSaysWhy(t *testing.T) {
	inst := apptest.Start(t, apptest.Options{Database: "sqlite"})
	tok := inst.AdminToken(t)
	c := inst.Do(t, "POST", "/v1.0/users", tok, map[string]any{"userPrincipalName": "bo@example.com", "displayName": "Bo", "accountEnabled": true})
	id, _ := c.Map(t)["id"].(string)
	policyFor := func(name string, grant map[string]any) {
		t.Helper()
		r := inst.Do(t, "POST", "/v1.0/identity/conditionalAccess/policies", tok, map[string]any{"displayName": name, "state": "enabled",
			"conditions":    map[string]any{"users": map[string]any{"includeUsers": []string{id}}, "applications": map[string]any{"includeApplications": []string{"All"}}},
			"grantControls": grant})
		if r.Status != 201 {
			t.Fatalf("creating %s: %d %s", name, r.Status, r.Body)
		}
	}
	signIn := func() answer {
		t.Helper()
		p := inst.Do(t, "POST", "/v1.0/users/"+id+"/authentication/temporaryAccessPassMethods", tok, map[string]any{})
		pass, _ := p.Map(t)["temporaryAccessPass"].(string)
		return newBrowser(t, inst.URL).post("/signin", url.Values{"username": {"bo@example.com"}, "method": {"tap"}, "pass": {pass}})
	}

	policyFor("Keys only for Bo", map[string]any{"operator": "OR", "authenticationStrength": map[string]any{"id": "00000000-0000-0000-0000-000000000004"}})
	a := signIn()
	want(t, a, 200, "Signing in here needs Phishing resistant MFA, and none of the methods you have registered meets it",
		"Ask your administrator to help you add a security key or passkey that meets Phishing resistant MFA", `<code class="ref">`)
	lacks(t, a, "Register a security key or passkey in My security info")

	policyFor("Block Bo", map[string]any{"operator": "OR", "builtInControls": []string{"block"}})
	a = signIn()
	want(t, a, 403, "Access blocked", "bo@example.com", "Block Bo", "What you can do", "contact your administrator")
	ref := regexp.MustCompile(`<code class="ref">([^<]+)</code>`).FindStringSubmatch(a.body)
	if ref == nil {
		t.Fatalf("no reference:\n%s", a.body)
	}
	admin := newBrowser(t, inst.URL)
	if r := admin.post("/signin", url.Values{"username": {inst.Bootstrap.AdminUserPrincipalName}, "method": {"tap"}, "pass": {inst.Bootstrap.AdminTemporaryAccessPass}}); r.status != 303 {
		t.Fatalf("admin sign-in: %d %s", r.status, r.body)
	}
	log := admin.get("/admin/signins?ref=" + url.QueryEscape(ref[1]))
	want(t, log, 200, "bo@example.com", "Failure", "Access has been blocked by Conditional Access policies.")
	detail := regexp.MustCompile(`href="(/admin/signins/[^"?]+)"`).FindStringSubmatch(log.body)
	if detail == nil {
		t.Fatalf("no sign-in row:\n%s", log.body)
	}
	want(t, admin.get(detail[1]), 200, "Block Bo", "Failure", "block")
}
