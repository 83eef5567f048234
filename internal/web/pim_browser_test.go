package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/testenv"
)

// TestBrowserPIMScene is the seed's scene in a real Chromium: a user opens
// My roles and activates Security Administrator; the role asks for
// authentication context c1, which a Conditional Access policy protects
// with the strength "FIDO2 Only - High Privilege"; the browser is sent to
// the step-up, the (virtual) security key answers, and the activation goes
// on without the user typing anything again; an approver approves in a
// second browser; the user opens a page that needs the role; the audit log
// shows the whole story.
func TestBrowserPIMScene(t *testing.T) {
	testenv.Chromium(t)
	inst := apptest.Start(t, apptest.Options{Database: "sqlite"})
	tok := inst.AdminToken(t)
	must := func(method, path string, body any, status int) map[string]any {
		t.Helper()
		r := inst.Do(t, method, path, tok, body)
		if r.Status != status {
			t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
		}
		if len(r.Body) == 0 {
			return nil
		}
		return r.Map(t)
	}
	const secAdmin = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	strength := must("POST", "/v1.0/policies/authenticationStrengthPolicies", map[string]any{"displayName": "FIDO2 Only - High Privilege",
		"description": "Security keys only", "allowedCombinations": []string{"fido2"}}, 201)["id"].(string)
	must("PATCH", "/v1.0/identity/conditionalAccess/authenticationContextClassReferences/c1", map[string]any{"displayName": "Privileged role activation", "isAvailable": true}, 201)
	must("POST", "/v1.0/identity/conditionalAccess/policies", map[string]any{
		"displayName": "High privilege needs a FIDO2 key", "state": "enabled",
		"conditions": map[string]any{"users": map[string]any{"includeUsers": []string{"All"}},
			"applications": map[string]any{"includeAuthenticationContextClassReferences": []string{"c1"}}, "clientAppTypes": []string{"all"}},
		"grantControls": map[string]any{"operator": "OR", "authenticationStrength": map[string]any{"id": strength}},
	}, 201)
	newUser := func(upn, name string) (string, string) {
		id := must("POST", "/v1.0/users", map[string]any{"userPrincipalName": upn, "displayName": name, "accountEnabled": true}, 201)["id"].(string)
		pass := must("POST", "/v1.0/users/"+id+"/authentication/temporaryAccessPassMethods", map[string]any{"isUsableOnce": false, "lifetimeInMinutes": 120}, 201)["temporaryAccessPass"].(string)
		return id, pass
	}
	const kUPN, aUPN = "katherine.johnson@example.com", "dorothy.vaughan@example.com"
	kID, kPass := newUser(kUPN, "Katherine Johnson")
	aID, aPass := newUser(aUPN, "Dorothy Vaughan")
	must("POST", "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests", map[string]any{"action": "adminAssign", "principalId": kID,
		"roleDefinitionId": secAdmin, "directoryScopeId": "/", "scheduleInfo": map[string]any{"expiration": map[string]any{"type": "noExpiration"}}}, 201)
	pol := inst.Do(t, "GET", "/v1.0/policies/roleManagementPolicyAssignments?$filter=roleDefinitionId%20eq%20%27"+secAdmin+"%27", tok, nil).Map(t)
	policy := pol["value"].([]any)[0].(map[string]any)["policyId"].(string)
	rule := func(id string, body map[string]any) {
		must("PATCH", "/v1.0/policies/roleManagementPolicies/"+policy+"/rules/"+id, body, 200)
	}
	rule("Enablement_EndUser_Assignment", map[string]any{"enabledRules": []string{"Justification"}})
	rule("AuthenticationContext_EndUser_Assignment", map[string]any{"isEnabled": true, "claimValue": "c1"})
	rule("Expiration_EndUser_Assignment", map[string]any{"maximumDuration": "PT4H"})
	rule("Approval_EndUser_Assignment", map[string]any{"setting": map[string]any{"isApprovalRequired": true, "approvalMode": "SingleStage",
		"approvalStages": []map[string]any{{"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": true,
			"primaryApprovers": []map[string]any{{"@odata.type": "#microsoft.graph.singleUser", "userId": aID}}}}}})

	shots := screenshotDir(t)
	// Katherine: a security key registered, then signed in with the pass
	// alone (so the session holds no key proof).
	k := newTab(t, inst.URL, shots, "desktop")
	if _, err := testenv.AddVirtualAuthenticator(k.ctx, "usb"); err != nil {
		t.Fatal(err)
	}
	k.addKeyThenSignInWithPass(kUPN, kPass, "/myroles", "myroles")
	if got := k.text(`[data-role="Security Administrator"]`); !strings.Contains(got, "security key (authentication context c1)") || !strings.Contains(got, "An approver must agree") {
		t.Errorf("My roles says %q", got)
	}
	k.shot("pim-01-my-roles")

	// Activate: the step-up asks for the key, then the request goes on by
	// itself.
	k.do(chromedp.SetValue(chromedp.CSS(`[data-activate="Security Administrator"] select`), "120"),
		chromedp.SetValue(chromedp.CSS(`[data-activate="Security Administrator"] textarea`), "Incident 4711: rotate the leaked signing key"),
		chromedp.Click(chromedp.CSS(`[data-activate="Security Administrator"] button[type=submit]`)))
	k.waitView("stepup")
	if got := k.text("main"); !strings.Contains(got, "Privileged role activation") || !strings.Contains(got, "FIDO2 Only - High Privilege") {
		t.Errorf("step-up page says %q", got)
	}
	k.shot("pim-02-step-up")
	k.do(chromedp.Click(chromedp.CSS(`[data-passkey-signin]`)))
	k.waitView("myroles")
	k.waitFor(`.alert-success`)
	if got := k.text("main"); !strings.Contains(got, "sent to its approvers") || !strings.Contains(got, "Waiting for approval") {
		t.Fatalf("after the step-up My roles says %q", got)
	}
	k.shot("pim-03-requested")

	// Dorothy approves in her own browser.
	d := newTab(t, inst.URL, shots, "approver")
	d.open("/approvals")
	d.signInWithTAP(aUPN, aPass)
	d.waitView("approvals")
	if got := d.text("main"); !strings.Contains(got, "Katherine Johnson") || !strings.Contains(got, "Incident 4711") {
		t.Fatalf("Approvals says %q", got)
	}
	d.shot("pim-04-approvals")
	d.do(chromedp.SetValue(chromedp.CSS(`form[action^="/approvals/"] textarea`), "Matches the incident; approved"),
		chromedp.Click(chromedp.CSS(`button[value=Approve]`)))
	d.waitFor(`.alert-success`)

	// The role works for Katherine at once: a page that needs it opens.
	k.open("/myroles")
	k.waitView("myroles")
	if got := k.text(`[data-role="Security Administrator"]`); !strings.Contains(got, "Active until") {
		t.Errorf("after approval My roles says %q", got)
	}
	k.open("/admin/pim")
	k.waitView("admin_pim")
	k.shot("pim-05-role-works")
	k.phone()
	k.open("/myroles")
	k.waitView("myroles")
	k.shot("pim-06-my-roles")

	// The audit log tells the story, in order.
	evs := inst.Do(t, "GET", "/v1.0/auditLogs/directoryAudits?$filter=category%20eq%20%27RoleManagement%27&$top=100", tok, nil)
	body := string(evs.Body)
	story := []string{"Add member to role completed (PIM activation)", "Add member to role request approved (PIM activation)",
		"Add member to role approval requested (PIM activation)", "Add member to role requested (PIM activation)", "Add eligible member to role in PIM completed (permanent)"}
	at := 0
	for _, s := range story { // newest first
		i := strings.Index(body[at:], s)
		if i < 0 {
			t.Errorf("the audit log lacks %q after position %d", s, at)
			continue
		}
		at += i
	}
	signins := inst.Do(t, "GET", "/v1.0/auditLogs/signIns?$top=50", tok, nil)
	if !strings.Contains(string(signins.Body), `"c1"`) {
		t.Errorf("the sign-in log does not show the c1 step-up")
	}
}
