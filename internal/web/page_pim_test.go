package web_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/signin"
)

const secAdmin = "194ae4cb-b126-40b2-bd5b-6091b380977d"

// formClient posts forms with a pkBrowser's cookies and does not follow
// redirects, so that the test sees each answer.
type formClient struct {
	t *testing.T
	b *pkBrowser
	c *http.Client
}

func formsOf(t *testing.T, b *pkBrowser) formClient {
	return formClient{t, b, &http.Client{Jar: b.jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (f formClient) do(method, path string, form url.Values) answer {
	f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, f.b.e.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := f.c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(out)}
}

func (f formClient) get(path string) answer { f.t.Helper(); return f.do("GET", path, nil) }
func (f formClient) post(path string, v url.Values) answer {
	f.t.Helper()
	return f.do("POST", path, v)
}

func redirected(t *testing.T, a answer, prefix string) string {
	t.Helper()
	loc := a.header.Get("Location")
	if a.status != http.StatusSeeOther || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("status %d to %q, want 303 to %s…:\n%s", a.status, loc, prefix, a.body)
	}
	return loc
}

// TestPIMPagesStepUpAndApproval drives My roles and Approvals without
// JavaScript: activation asks for the c1 step-up, which the user performs
// with their key; the activation then goes through without retyping;
// another user approves; the role works.
func TestPIMPagesStepUpAndApproval(t *testing.T) {
	e := newPKEnv(t, "sqlite", nil)
	must := func(method, path string, body any, status int) *apptest.Response {
		t.Helper()
		r := e.Admin(t, method, path, body)
		if r.Status != status {
			t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
		}
		return r
	}
	must("PATCH", "/v1.0/identity/conditionalAccess/authenticationContextClassReferences/c1", map[string]any{"displayName": "Activate privileged roles", "isAvailable": true}, 201)
	must("POST", "/v1.0/identity/conditionalAccess/policies", map[string]any{
		"displayName": "Privileged roles need a security key", "state": "enabled",
		"conditions": map[string]any{"users": map[string]any{"includeUsers": []string{"All"}},
			"applications": map[string]any{"includeAuthenticationContextClassReferences": []string{"c1"}}, "clientAppTypes": []string{"all"}},
		"grantControls": map[string]any{"operator": "OR", "authenticationStrength": map[string]any{"id": "00000000-0000-0000-0000-000000000004"}},
	}, 201)
	ada := e.newKeyUser(t, "ada.pim@example.com", "")
	bob := e.newKeyUser(t, "bob.pim@example.com", "")
	must("POST", "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests", map[string]any{"action": "adminAssign", "principalId": ada.ID,
		"roleDefinitionId": secAdmin, "directoryScopeId": "/", "scheduleInfo": map[string]any{"expiration": map[string]any{"type": "noExpiration"}}}, 201)
	policy := must("GET", "/v1.0/policies/roleManagementPolicyAssignments?$filter="+url.QueryEscape("roleDefinitionId eq '"+secAdmin+"'"), nil, 200).Map(t)["value"].([]any)[0].(map[string]any)["policyId"].(string)
	rule := func(id string, body map[string]any) {
		must("PATCH", "/v1.0/policies/roleManagementPolicies/"+policy+"/rules/"+id, body, 200)
	}
	rule("Enablement_EndUser_Assignment", map[string]any{"enabledRules": []string{"Justification"}})
	rule("AuthenticationContext_EndUser_Assignment", map[string]any{"isEnabled": true, "claimValue": "c1"})
	rule("Approval_EndUser_Assignment", map[string]any{"setting": map[string]any{"isApprovalRequired": true, "approvalMode": "SingleStage",
		"approvalStages": []map[string]any{{"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": true,
			"primaryApprovers": []map[string]any{{"@odata.type": "#microsoft.graph.singleUser", "userId": bob.ID}}}}}})

	// Ada's browser signed in with her pass (newKeyUser): no key proof
	// in the session, so c1's "Phishing-resistant MFA" is not met.
	adaB := ada.B
	af := formsOf(t, adaB)
	want(t, af.get("/myroles"), 200, "Security Administrator", "Request Security Administrator", "a fresh proof with your security key (authentication context c1)")

	// A missing justification comes back with the field marked.
	a := af.post("/myroles/activate", url.Values{"role": {secAdmin}, "minutes": {"60"}})
	want(t, a, 400, "The following policy rules failed", `aria-invalid="true"`)

	// The key's step-up is asked for; the form travels sealed.
	loc := redirected(t, af.post("/myroles/activate", url.Values{"role": {secAdmin}, "minutes": {"120"}, "justification": {"Incident 4711"}}), "/stepup?")
	u, _ := url.Parse(loc)
	if u.Query().Get("context") != "c1" || !strings.HasPrefix(u.Query().Get("return_to"), "/myroles/resume?state=") {
		t.Fatalf("step-up URL %s", loc)
	}
	resume := u.Query().Get("return_to")
	if strings.Contains(resume, "4711") {
		t.Error("the pending form is readable in the URL")
	}
	// Without the step-up, resuming asks again.
	redirected(t, af.get(resume), "/stepup?")
	// A tampered state is refused.
	want(t, af.get(resume+"x"), 400, "can no longer be resumed")
	// Another user cannot resume it.
	want(t, formsOf(t, bob.B).get(resume), 400, "can no longer be resumed")

	// The step-up with the key (as /stepup's script does).
	opts := adaB.do(t, "POST", "/api/v1/signin/passkey/options", map[string]any{"userPrincipalName": ada.UPN, "context": "c1"})
	apptest.Want(t, opts, 200)
	pkStatus(t, adaB.do(t, "POST", "/api/v1/signin/passkey?context=c1", ada.A.Get(t, opts.Body)), signin.StatusSignedIn)
	redirected(t, af.get(resume), "/myroles?done=requested")
	want(t, af.get("/myroles?done=requested"), 200, "Waiting for approval", "sent to its approvers")

	// The approver decides on the Approvals page.
	bf := formsOf(t, bob.B)
	ap := bf.get("/approvals")
	want(t, ap, 200, "Activate Security Administrator", "Incident 4711", "ada.pim@example.com", "2 hours")
	id := regexp.MustCompile(`action="/approvals/([0-9a-f-]+)"`).FindStringSubmatch(ap.body)
	if id == nil {
		t.Fatalf("no request on the Approvals page:\n%s", ap.body)
	}
	want(t, af.get("/approvals"), 200, "Nothing is waiting for you")
	want(t, af.post("/approvals/"+id[1], url.Values{"decision": {"Approve"}, "justification": {"mine"}}), 403, "cannot approve or deny your own request")
	want(t, bf.post("/approvals/"+id[1], url.Values{"decision": {"Approve"}}), 400, "Approvers must give a justification")
	redirected(t, bf.post("/approvals/"+id[1], url.Values{"decision": {"Approve"}, "justification": {"Matches INC 4711"}}), "/approvals?done=Approve")

	// The role is active and works: the admin portal's PIM pages open.
	want(t, af.get("/myroles"), 200, "Active until", "left")
	want(t, af.get("/admin/pim"), 200, "Privileged roles", "Security Administrator")

	// The audit log tells the story.
	r := must("GET", "/v1.0/auditLogs/directoryAudits?$filter="+url.QueryEscape("category eq 'RoleManagement'")+"&$top=100", nil, 200)
	for _, act := range []string{"Add member to role requested (PIM activation)", "Add member to role approval requested (PIM activation)",
		"Add member to role request approved (PIM activation)", "Add member to role completed (PIM activation)"} {
		if !strings.Contains(string(r.Body), act) {
			t.Errorf("audit log lacks %q", act)
		}
	}
}

// TestPIMAdminPages: the settings editor, assignments and emergency access.
func TestPIMAdminPages(t *testing.T) {
	e := newPKEnv(t, "sqlite", nil)
	admin := e.browser()
	admin.signInTAP(t, e.Bootstrap.AdminUserPrincipalName, e.Bootstrap.AdminTemporaryAccessPass)
	f := formsOf(t, admin)
	want(t, f.get("/admin/pim"), 200, "Security Administrator", "8 hours")
	page := f.get("/admin/pim/roles/" + secAdmin)
	want(t, page, 200, "On activation, require", "Activation maximum duration", "Require approval to activate", "Critical emails only", "Nobody is assigned this role")

	// Settings: invalid, then valid.
	base := url.Values{"require": {"context"}, "context": {"c100"}, "maxMinutes": {"120"}, "justification": {"on"}, "ticket": {"on"},
		"approval": {"on"}, "approvers": {"nobody@example.com"}, "approverReason": {"on"}, "permanentEligible": {"on"}, "eligibleDays": {"365"},
		"activeDays": {"30"}, "activeJustify": {"on"}}
	for _, id := range []string{"Notification_Admin_Admin_Eligibility", "Notification_Requestor_Admin_Eligibility", "Notification_Approver_Admin_Eligibility",
		"Notification_Admin_Admin_Assignment", "Notification_Requestor_Admin_Assignment", "Notification_Approver_Admin_Assignment",
		"Notification_Admin_EndUser_Assignment", "Notification_Requestor_EndUser_Assignment", "Notification_Approver_EndUser_Assignment"} {
		base.Set("level-"+id, "All")
		base.Set("default-"+id, "on")
	}
	base.Set("level-Notification_Admin_EndUser_Assignment", "Critical")
	base.Set("extra-Notification_Admin_EndUser_Assignment", "soc@example.com; it@example.com")
	want(t, f.post("/admin/pim/roles/"+secAdmin+"/settings", base), 400, "Choose an authentication context", "There is no user")
	_, _ = e.newUser(t, "approver@example.com")
	base.Set("context", "c1")
	base.Set("approvers", "approver@example.com")
	redirected(t, f.post("/admin/pim/roles/"+secAdmin+"/settings", base), "/admin/pim/roles/"+secAdmin+"?done=settings")
	pol := e.Admin(t, "GET", "/v1.0/policies/roleManagementPolicies?$expand=rules&$filter="+url.QueryEscape("scopeId eq '/' and scopeType eq 'DirectoryRole'"), nil)
	body := string(pol.Body)
	for _, s := range []string{`"maximumDuration":"PT2H"`, `"claimValue":"c1"`, `"Ticketing"`, `"notificationLevel":"Critical"`, `"soc@example.com"`, `"isApprovalRequired":true`} {
		if !strings.Contains(body, s) {
			t.Errorf("saved settings lack %s", s)
		}
	}
	want(t, f.get("/admin/pim/roles/"+secAdmin+"?done=settings"), 200, "Role settings saved", "approver@example.com", `value="c1"`)

	// Assignments: add eligible until a date, change, remove.
	cyID, _ := e.newUser(t, "cy@example.com")
	want(t, f.post("/admin/pim/roles/"+secAdmin+"/assignments", url.Values{"kind": {"eligible"}, "principal": {"nobody@example.com"}}), 400, "There is no user")
	redirected(t, f.post("/admin/pim/roles/"+secAdmin+"/assignments", url.Values{"kind": {"eligible"}, "principal": {"cy@example.com"}, "until": {"2099-12-31"}}), "/admin/pim/roles/")
	roleP := f.get("/admin/pim/roles/" + secAdmin)
	want(t, roleP, 200, "cy@example.com", "Eligible", "31 Dec 2099")
	sid := regexp.MustCompile(`/assignments/([0-9a-f-]+)/remove`).FindStringSubmatch(roleP.body)
	if sid == nil {
		t.Fatal("no assignment row")
	}
	redirected(t, f.post("/admin/pim/roles/"+secAdmin+"/assignments/"+sid[1]+"/update", url.Values{"until": {"2098-01-31"}}), "/admin/pim/roles/")
	want(t, f.get("/admin/pim/roles/"+secAdmin), 200, "31 Jan 2098")
	// An active assignment needs a justification by default.
	want(t, f.post("/admin/pim/roles/"+secAdmin+"/assignments", url.Values{"kind": {"active"}, "principal": {cyID}, "until": {"2099-01-01"}}), 400, "justification")
	redirected(t, f.post("/admin/pim/roles/"+secAdmin+"/assignments/"+sid[1]+"/remove", url.Values{}), "/admin/pim/roles/")
	want(t, f.get("/admin/pim/roles/"+secAdmin), 200, "Nobody is assigned this role")

	want(t, f.get("/admin/pim/emergency"), 200, e.Bootstrap.AdminUserPrincipalName, "only one emergency access account")

	// Someone without a role sees which roles would open it.
	cy := e.newKeyUser(t, "dee@example.com", "")
	want(t, formsOf(t, cy.B).get("/admin/pim"), 403, "Roles that give access", "Global Administrator")
	want(t, formsOf(t, cy.B).get("/myroles"), 200, "You are not eligible for any administrator role")
}
