package api_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/clock"
	"github.com/strongroom-id/strongroom/pkg/claimschallenge"
)

const (
	securityAdministrator       = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	privilegedRoleAdministrator = "e8611ab8-c189-46e8-94e1-60213ab1f814"

	assignmentRequests  = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests"
	eligibilityRequests = "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests"
	approvals           = "/v1.0/roleManagement/directory/roleAssignmentApprovals"
	pimPolicies         = "/v1.0/policies/roleManagementPolicies"
)

// pimEnv is a server on a fake clock, for PIM tests.
type pimEnv struct {
	*server
	clock *clock.Fake
	tag   string // unique per test, for addresses
}

func startPIM(t *testing.T, database string, env ...map[string]string) *pimEnv {
	t.Helper()
	return startPIMTagged(t, database, randomTag(), env...)
}

// startPIMTagged starts a server whose addresses carry tag.
func startPIMTagged(t *testing.T, database, tag string, env ...map[string]string) *pimEnv {
	t.Helper()
	clk := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	s := start(t, database, func(o *apptest.Options) {
		o.Clock = clk
		o.Env = map[string]string{"STRONGROOM_BOOTSTRAP_ADMIN_UPN": "admin-" + tag + "@contoso.com"}
		for _, e := range env {
			for k, v := range e {
				o.Env[k] = v
			}
		}
	})
	return &pimEnv{server: s, clock: clk, tag: tag}
}

// advance moves the clock and renews the automation client's token,
// which lasts an hour.
func (e *pimEnv) advance(t testing.TB, d time.Duration) {
	t.Helper()
	e.clock.Advance(d)
	e.token = e.ClientToken(t, e.Bootstrap.ClientID, e.Bootstrap.ClientSecret)
}

func randomTag() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// user creates a user with a unique address and returns its id.
func (e *pimEnv) user(t testing.TB, name string) string {
	t.Helper()
	return e.createUser(t, strings.ToLower(name)+"-"+e.tag+"@contoso.com", name)
}

// userToken mints an access token for user, as the token endpoint would
// after a sign-in that proved amr and satisfied the contexts acrs.
func (e *pimEnv) userToken(t testing.TB, user string, amr, acrs []string) string {
	t.Helper()
	key, err := e.Server.Keys.Current()
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	claims := map[string]any{"iss": e.URL, "aud": "api://strongroom", "sub": user, "oid": user, "idtyp": "user",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(48 * time.Hour).Unix(), "jti": randomTag(), "amr": amr, "acrs": acrs}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key.Private}, (&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", key.ID))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func mfa(e *pimEnv, t testing.TB, user string) string {
	return e.userToken(t, user, []string{"hwk", "pin", "mfa"}, nil)
}

// eligible makes principal eligible for role (permanently, by the
// automation client) and returns the eligibility schedule id.
func (e *pimEnv) eligible(t testing.TB, principal, role string) string {
	t.Helper()
	r := e.do(t, "POST", eligibilityRequests, map[string]any{"action": "adminAssign", "principalId": principal, "roleDefinitionId": role,
		"directoryScopeId": "/", "scheduleInfo": map[string]any{"expiration": map[string]any{"type": "noExpiration"}}})
	wantStatus(t, r, http.StatusCreated)
	m := decode(t, r)
	if m["status"] != "Provisioned" {
		t.Fatalf("eligibility request: %v", m)
	}
	return m["targetScheduleId"].(string)
}

func activation(user, role, duration, justification string) map[string]any {
	return map[string]any{"action": "selfActivate", "principalId": user, "roleDefinitionId": role, "directoryScopeId": "/", "justification": justification,
		"scheduleInfo": map[string]any{"expiration": map[string]any{"type": "afterDuration", "duration": duration}}}
}

// patchRule changes one rule of a role's policy as the automation client.
func (e *pimEnv) patchRule(t testing.TB, role, rule string, body map[string]any) *apptest.Response {
	t.Helper()
	return e.do(t, "PATCH", pimPolicies+"/"+e.policyID(t, role)+"/rules/"+rule, body)
}

func (e *pimEnv) policyID(t testing.TB, role string) string {
	t.Helper()
	r := e.do(t, "GET", "/v1.0/policies/roleManagementPolicyAssignments?$filter="+q("scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '"+role+"'"), nil)
	wantStatus(t, r, http.StatusOK)
	var p struct {
		Value []struct {
			PolicyID string `json:"policyId"`
		} `json:"value"`
	}
	r.JSON(t, &p)
	if len(p.Value) != 1 {
		t.Fatalf("policy assignments of %s: %s", role, r.Body)
	}
	return p.Value[0].PolicyID
}

// activities lists the activity names of the audit events after seq.
func (e *pimEnv) activities(t testing.TB, seq int64) []string {
	t.Helper()
	var out []string
	for _, ev := range e.eventsSince(t, seq) {
		out = append(out, ev.ActivityDisplayName)
	}
	return out
}

func wantActivities(t testing.TB, got []string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("audit log lacks %q; got %q", w, got)
		}
	}
}

// usesRole calls an endpoint that only an administrator role allows
// (reading the audit log needs AuditLog.Read.All, which Security
// Administrator grants) and returns the status.
func (e *pimEnv) usesRole(t testing.TB, token string) int {
	t.Helper()
	return e.Do(t, "GET", "/v1.0/auditLogs/directoryAudits?$top=1", token, nil).Status
}

// TestPIMActivationLifecycle: eligibility → activation with justification
// within the maximum → the role works on the next request → it ends at
// its end time (before any job ran) → the job removes and audits it.
func TestPIMActivationLifecycle(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		e := startPIM(t, database)
		ada := e.user(t, "Ada")
		elig := e.eligible(t, ada, securityAdministrator)
		tok := mfa(e, t, ada)
		if got := e.usesRole(t, tok); got != http.StatusForbidden {
			t.Fatalf("eligible but not active: status %d, want 403", got)
		}

		seq := e.auditSeq(t)
		r := e.Do(t, "POST", assignmentRequests, tok, activation(ada, securityAdministrator, "PT2H", "Incident 4711: rotate the leaked key"))
		wantStatus(t, r, http.StatusCreated)
		req := decode(t, r)
		if req["status"] != "Provisioned" || req["action"] != "selfActivate" || req["isValidationOnly"] != false || req["targetScheduleId"] == nil {
			t.Fatalf("activation: %v", req)
		}
		if loc := r.Header.Get("Location"); !strings.HasSuffix(loc, "/roleAssignmentScheduleRequests/"+req["id"].(string)) {
			t.Errorf("Location %q", loc)
		}
		wantActivities(t, e.activities(t, seq), "Add member to role requested (PIM activation)", "Add member to role completed (PIM activation)")

		// Usable on the very next request.
		if got := e.usesRole(t, tok); got != http.StatusOK {
			t.Fatalf("after activation: status %d, want 200", got)
		}
		// The request and the instance are visible to the user.
		mine := e.Do(t, "GET", assignmentRequests+"/filterByCurrentUser(on='principal')", tok, nil)
		wantStatus(t, mine, http.StatusOK)
		if !strings.Contains(string(mine.Body), req["id"].(string)) {
			t.Errorf("filterByCurrentUser(on='principal') lacks the request: %s", mine.Body)
		}
		inst := e.Do(t, "GET", "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')", tok, nil)
		wantStatus(t, inst, http.StatusOK)
		var instances struct {
			Value []map[string]any `json:"value"`
		}
		inst.JSON(t, &instances)
		if len(instances.Value) != 1 || instances.Value[0]["assignmentType"] != "Activated" || instances.Value[0]["roleDefinitionId"] != securityAdministrator {
			t.Fatalf("instances: %s", inst.Body)
		}
		end, _ := time.Parse(time.RFC3339, instances.Value[0]["endDateTime"].(string))
		if want := e.clock.Now().Add(2 * time.Hour); !end.Equal(want) {
			t.Errorf("activation ends %v, want %v", end, want)
		}

		// At its end it stops working, whether or not the job has run
		// (the server's own loop may run it at any moment).
		seq = e.auditSeq(t)
		e.advance(t, 2*time.Hour)
		if got := e.usesRole(t, tok); got != http.StatusForbidden {
			t.Fatalf("at the end time: status %d, want 403", got)
		}
		if _, err := e.Server.PIM.Service.ExpireDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n, _ := e.Server.PIM.Service.ExpireDue(context.Background()); n != 0 {
			t.Errorf("a second run removed %d more", n)
		}
		expired := 0
		for _, a := range e.activities(t, seq) {
			if a == "Remove member from role (PIM activation expired)" {
				expired++
			}
		}
		if expired != 1 {
			t.Errorf("%d expiries audited, want exactly 1", expired)
		}
		wantActivities(t, e.activities(t, seq), "Remove member from role")
		if got := e.usesRole(t, tok); got != http.StatusForbidden {
			t.Fatalf("after expiry: status %d, want 403", got)
		}
		// The eligibility remains: the user can activate again.
		r = e.Do(t, "GET", "/v1.0/roleManagement/directory/roleEligibilitySchedules/"+elig, e.token, nil)
		wantStatus(t, r, http.StatusOK)
		wantStatus(t, e.Do(t, "POST", assignmentRequests, tok, activation(ada, securityAdministrator, "PT1H", "again")), http.StatusCreated)
	})
}

// TestPIMRuleViolations: each rule refuses with Graph's code, names its
// rule, and writes nothing.
func TestPIMRuleViolations(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		e := startPIM(t, database)
		ada := e.user(t, "Ada")
		bob := e.user(t, "Bob")
		e.eligible(t, ada, securityAdministrator)
		adaTok, bobTok := mfa(e, t, ada), mfa(e, t, bob)

		withTicket := func(m map[string]any) map[string]any {
			m["ticketInfo"] = map[string]any{"ticketNumber": "CHG-1", "ticketSystem": "ServiceNow"}
			return m
		}
		tests := []struct {
			name, token, path string
			before            func(t *testing.T)
			body              map[string]any
			status            int
			code, rule        string
		}{
			{name: "over the maximum duration", token: adaTok, path: assignmentRequests, body: activation(ada, securityAdministrator, "PT9H", "x"),
				status: 400, code: "RoleAssignmentRequestPolicyValidationFailed", rule: "Expiration_EndUser_Assignment"},
			{name: "permanent activation", token: adaTok, path: assignmentRequests, body: map[string]any{"action": "selfActivate", "principalId": ada, "roleDefinitionId": securityAdministrator,
				"directoryScopeId": "/", "justification": "x", "scheduleInfo": map[string]any{"expiration": map[string]any{"type": "noExpiration"}}},
				status: 400, code: "RoleAssignmentRequestPolicyValidationFailed", rule: "Expiration_EndUser_Assignment"},
			{name: "missing justification", token: adaTok, path: assignmentRequests, body: activation(ada, securityAdministrator, "PT1H", ""),
				status: 400, code: "RoleAssignmentRequestPolicyValidationFailed", rule: "Enablement_EndUser_Assignment"},
			{name: "not eligible", token: bobTok, path: assignmentRequests, body: activation(bob, securityAdministrator, "PT1H", "x"),
				status: 400, code: "RoleAssignmentRequestPolicyValidationFailed", rule: "EligibilityRule"},
			{name: "someone else's activation", token: bobTok, path: assignmentRequests, body: activation(ada, securityAdministrator, "PT1H", "x"),
				status: 403, code: "Authorization_RequestDenied"},
			{name: "missing ticket", token: adaTok, path: assignmentRequests, body: activation(ada, securityAdministrator, "PT1H", "x"),
				before: func(t *testing.T) {
					wantStatus(t, e.patchRule(t, securityAdministrator, "Enablement_EndUser_Assignment", map[string]any{
						"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule", "enabledRules": []string{"MultiFactorAuthentication", "Justification", "Ticketing"}}), 200)
				},
				status: 400, code: "RoleAssignmentRequestPolicyValidationFailed", rule: "Enablement_EndUser_Assignment"},
			{name: "permanent eligibility not allowed", token: e.token, path: eligibilityRequests,
				body: map[string]any{"action": "adminAssign", "principalId": bob, "roleDefinitionId": securityAdministrator, "directoryScopeId": "/", "scheduleInfo": map[string]any{"expiration": map[string]any{"type": "noExpiration"}}},
				before: func(t *testing.T) {
					wantStatus(t, e.patchRule(t, securityAdministrator, "Expiration_Admin_Eligibility", map[string]any{"isExpirationRequired": true, "maximumDuration": "P30D"}), 200)
				},
				status: 400, code: "RoleAssignmentRequestPolicyValidationFailed", rule: "Expiration_Admin_Eligibility"},
			{name: "eligibility longer than allowed", token: e.token, path: eligibilityRequests,
				body:   map[string]any{"action": "adminAssign", "principalId": bob, "roleDefinitionId": securityAdministrator, "directoryScopeId": "/", "scheduleInfo": map[string]any{"expiration": map[string]any{"type": "afterDuration", "duration": "P31D"}}},
				status: 400, code: "RoleAssignmentRequestPolicyValidationFailed", rule: "Expiration_Admin_Eligibility"},
			{name: "active assignment without justification", token: e.token, path: assignmentRequests,
				body:   map[string]any{"action": "adminAssign", "principalId": bob, "roleDefinitionId": securityAdministrator, "directoryScopeId": "/", "scheduleInfo": map[string]any{"expiration": map[string]any{"type": "noExpiration"}}},
				status: 400, code: "RoleAssignmentRequestPolicyValidationFailed", rule: "Enablement_Admin_Assignment"},
			{name: "deactivate with nothing active", token: adaTok, path: assignmentRequests,
				body:   map[string]any{"action": "selfDeactivate", "principalId": ada, "roleDefinitionId": securityAdministrator, "directoryScopeId": "/"},
				status: 400, code: "RoleAssignmentDoesNotExist"},
			{name: "unknown role", token: e.token, path: eligibilityRequests,
				body:   map[string]any{"action": "adminAssign", "principalId": bob, "roleDefinitionId": "00000000-0000-0000-0000-000000000000", "directoryScopeId": "/"},
				status: 400, code: "Request_BadRequest"},
			{name: "a user cannot assign", token: adaTok, path: eligibilityRequests,
				body:   map[string]any{"action": "adminAssign", "principalId": ada, "roleDefinitionId": privilegedRoleAdministrator, "directoryScopeId": "/"},
				status: 403, code: "Authorization_RequestDenied"},
			{name: "unknown property", token: adaTok, path: assignmentRequests,
				body:   withTicket(map[string]any{"action": "selfActivate", "principalId": ada, "roleDefinitionId": securityAdministrator, "reason": "x"}),
				status: 400, code: "Request_BadRequest"},
			{name: "bad duration", token: adaTok, path: assignmentRequests, body: activation(ada, securityAdministrator, "8 hours", "x"),
				status: 400, code: "Request_BadRequest"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.before != nil {
					tt.before(t)
				}
				before := e.state(t)
				r := e.Do(t, "POST", tt.path, tt.token, tt.body)
				msg := wantError(t, r, tt.status, tt.code)
				if tt.rule != "" {
					wantMentions(t, msg, `"`+tt.rule+`"`)
				}
				e.unchanged(t, before)
			})
		}

		// Deactivating within five minutes of activating is refused.
		wantStatus(t, e.patchRule(t, securityAdministrator, "Enablement_EndUser_Assignment", map[string]any{"enabledRules": []string{"MultiFactorAuthentication", "Justification"}}), 200)
		wantStatus(t, e.Do(t, "POST", assignmentRequests, adaTok, activation(ada, securityAdministrator, "PT1H", "x")), http.StatusCreated)
		deactivate := map[string]any{"action": "selfDeactivate", "principalId": ada, "roleDefinitionId": securityAdministrator, "directoryScopeId": "/"}
		e.advance(t, 4*time.Minute)
		wantError(t, e.Do(t, "POST", assignmentRequests, adaTok, deactivate), 400, "ActiveDurationTooShort")
		if got := e.usesRole(t, adaTok); got != http.StatusOK {
			t.Fatalf("refused deactivation changed the role: %d", got)
		}
		e.advance(t, 2*time.Minute)
		seq := e.auditSeq(t)
		r := e.Do(t, "POST", assignmentRequests, adaTok, deactivate)
		wantStatus(t, r, http.StatusCreated)
		if m := decode(t, r); m["status"] != "Revoked" {
			t.Errorf("deactivation: %v", m)
		}
		wantActivities(t, e.activities(t, seq), "Remove member from role requested (PIM deactivate)", "Remove member from role completed (PIM deactivate)")
		if got := e.usesRole(t, adaTok); got != http.StatusForbidden {
			t.Fatalf("after deactivation: %d", got)
		}
	})
}

// claimsOf decodes the claims of a challenge.
func claimsOf(t testing.TB, r *apptest.Response) string {
	t.Helper()
	ch, err := claimschallenge.Parse(r.Header.Get("WWW-Authenticate"))
	if err != nil {
		t.Fatalf("no claims challenge in %q: %v", r.Header.Get("WWW-Authenticate"), err)
	}
	return ch.Claims
}

// TestPIMAuthenticationRequirements: MFA by default; an authentication
// context with a claims challenge; MFA instead when no enabled policy
// targets the context.
func TestPIMAuthenticationRequirements(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		e := startPIM(t, database)
		users := map[string]string{}
		for _, n := range []string{"Ada", "Bob", "Cy", "Di"} {
			users[n] = e.user(t, n)
			e.eligible(t, users[n], securityAdministrator)
		}
		ada, bob, cy, di := users["Ada"], users["Bob"], users["Cy"], users["Di"]
		single := func(u string) string { return e.userToken(t, u, []string{"pwd"}, nil) }

		// Default: MFA.
		r := e.Do(t, "POST", assignmentRequests, single(ada), activation(ada, securityAdministrator, "PT1H", "x"))
		msg := wantError(t, r, http.StatusUnauthorized, "RoleAssignmentRequestPolicyValidationFailed")
		wantMentions(t, msg, "Enablement_EndUser_Assignment", "Multifactor")
		if got := claimsOf(t, r); got != `{"access_token":{"amr":{"essential":true,"values":["mfa"]}}}` {
			t.Errorf("MFA claims %s", got)
		}
		wantStatus(t, e.Do(t, "POST", assignmentRequests, mfa(e, t, ada), activation(ada, securityAdministrator, "PT1H", "x")), http.StatusCreated)

		// A context: c1, MFA off.
		wantStatus(t, e.patchRule(t, securityAdministrator, "Enablement_EndUser_Assignment", map[string]any{"enabledRules": []string{"Justification"}}), 200)
		wantStatus(t, e.patchRule(t, securityAdministrator, "AuthenticationContext_EndUser_Assignment", map[string]any{
			"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule", "isEnabled": true, "claimValue": "c1"}), 200)

		// No enabled policy targets c1: MFA instead.
		r = e.Do(t, "POST", assignmentRequests, single(bob), activation(bob, securityAdministrator, "PT1H", "x"))
		msg = wantError(t, r, http.StatusUnauthorized, "RoleAssignmentRequestPolicyValidationFailed")
		wantMentions(t, msg, "AuthenticationContext_EndUser_Assignment")
		wantStatus(t, e.Do(t, "POST", assignmentRequests, mfa(e, t, bob), activation(bob, securityAdministrator, "PT1H", "x")), http.StatusCreated)

		// An enabled policy targets c1: the context is required.
		wantStatus(t, e.do(t, "PATCH", "/v1.0/identity/conditionalAccess/authenticationContextClassReferences/c1", map[string]any{
			"displayName": "Privileged role activation", "description": "FIDO2 security key", "isAvailable": true}), http.StatusCreated)
		r = e.do(t, "POST", "/v1.0/identity/conditionalAccess/policies", map[string]any{
			"displayName": "Security key for privileged activation", "state": "enabled",
			"conditions":    map[string]any{"users": map[string]any{"includeUsers": []string{"All"}}, "applications": map[string]any{"includeAuthenticationContextClassReferences": []string{"c1"}}, "clientAppTypes": []string{"all"}},
			"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"mfa"}}})
		wantStatus(t, r, http.StatusCreated)
		r = e.Do(t, "POST", assignmentRequests, mfa(e, t, cy), activation(cy, securityAdministrator, "PT1H", "x"))
		msg = wantError(t, r, http.StatusUnauthorized, "RoleAssignmentRequestAcrsValidationFailed")
		wantMentions(t, msg, "AuthenticationContext_EndUser_Assignment", "c1")
		if got := claimsOf(t, r); got != `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}` {
			t.Errorf("context claims %s", got)
		}
		if h := r.Header.Get("WWW-Authenticate"); !strings.Contains(h, `error="insufficient_claims"`) || !strings.Contains(h, `claims="`+base64.RawURLEncoding.EncodeToString([]byte(`{"access_token":{"acrs":{"essential":true,"value":"c1"}}}`))+`"`) {
			t.Errorf("WWW-Authenticate %q", h)
		}
		// isValidationOnly asks the same without changing anything.
		body := activation(cy, securityAdministrator, "PT1H", "x")
		body["isValidationOnly"] = true
		wantError(t, e.Do(t, "POST", assignmentRequests, mfa(e, t, cy), body), http.StatusUnauthorized, "RoleAssignmentRequestAcrsValidationFailed")
		okTok := e.userToken(t, cy, []string{"hwk", "pin", "mfa"}, []string{"c1"})
		before := e.state(t)
		r = e.Do(t, "POST", assignmentRequests, okTok, body)
		wantStatus(t, r, http.StatusCreated)
		if m := decode(t, r); m["isValidationOnly"] != true || m["status"] != "Provisioned" {
			t.Errorf("validation only: %v", m)
		}
		e.unchanged(t, before)
		if got := e.usesRole(t, okTok); got != http.StatusForbidden {
			t.Errorf("validation only activated the role: %d", got)
		}
		// With the context in the token it works.
		wantStatus(t, e.Do(t, "POST", assignmentRequests, okTok, activation(cy, securityAdministrator, "PT1H", "x")), http.StatusCreated)
		if got := e.usesRole(t, okTok); got != http.StatusOK {
			t.Errorf("after a c1 activation: %d", got)
		}
		// A report-only policy does not count: back to MFA.
		wantStatus(t, e.do(t, "PATCH", "/v1.0/identity/conditionalAccess/authenticationContextClassReferences/c2", map[string]any{
			"displayName": "Trial", "isAvailable": true}), http.StatusCreated)
		wantStatus(t, e.do(t, "POST", "/v1.0/identity/conditionalAccess/policies", map[string]any{
			"displayName": "Trial of c2", "state": "enabledForReportingButNotEnforced",
			"conditions":    map[string]any{"users": map[string]any{"includeUsers": []string{"All"}}, "applications": map[string]any{"includeAuthenticationContextClassReferences": []string{"c2"}}, "clientAppTypes": []string{"all"}},
			"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"mfa"}}}), http.StatusCreated)
		wantStatus(t, e.patchRule(t, securityAdministrator, "AuthenticationContext_EndUser_Assignment", map[string]any{"isEnabled": true, "claimValue": "c2"}), 200)
		r = e.Do(t, "POST", assignmentRequests, single(di), activation(di, securityAdministrator, "PT1H", "x"))
		wantError(t, r, http.StatusUnauthorized, "RoleAssignmentRequestPolicyValidationFailed")
		if got := claimsOf(t, r); !strings.Contains(got, `"amr"`) {
			t.Errorf("report-only policy: claims %s, want MFA", got)
		}
		wantStatus(t, e.Do(t, "POST", assignmentRequests, mfa(e, t, di), activation(di, securityAdministrator, "PT1H", "x")), http.StatusCreated)
	})
}

// requireApproval turns approval on for role, with the named approvers
// (none: the default approvers).
func (e *pimEnv) requireApproval(t testing.TB, role string, approvers ...string) {
	t.Helper()
	var subs []map[string]any
	for _, a := range approvers {
		subs = append(subs, map[string]any{"@odata.type": "#microsoft.graph.singleUser", "userId": a})
	}
	if subs == nil {
		subs = []map[string]any{}
	}
	r := e.patchRule(t, role, "Approval_EndUser_Assignment", map[string]any{
		"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
		"setting": map[string]any{"isApprovalRequired": true, "isApprovalRequiredForExtension": false, "isRequestorJustificationRequired": true,
			"approvalMode": "SingleStage", "approvalStages": []map[string]any{{"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": true,
				"escalationTimeInMinutes": 0, "isEscalationEnabled": false, "primaryApprovers": subs, "escalationApprovers": []any{}}}}})
	wantStatus(t, r, http.StatusOK)
}

func (e *pimEnv) stepOf(t testing.TB, token, approval string) string {
	t.Helper()
	r := e.Do(t, "GET", approvals+"/"+approval, token, nil)
	wantStatus(t, r, http.StatusOK)
	var a struct {
		Steps []struct {
			ID string `json:"id"`
		} `json:"steps"`
	}
	r.JSON(t, &a)
	return a.Steps[0].ID
}

// TestPIMApproval: an approver approves; the requester cannot; the
// duration starts at approval; the first decision wins; cancel.
func TestPIMApproval(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		e := startPIM(t, database)
		ada, bob, carol := e.user(t, "Ada"), e.user(t, "Bob"), e.user(t, "Carol")
		e.eligible(t, ada, securityAdministrator)
		e.requireApproval(t, securityAdministrator, bob)
		adaTok, bobTok, carolTok := mfa(e, t, ada), mfa(e, t, bob), mfa(e, t, carol)

		seq := e.auditSeq(t)
		r := e.Do(t, "POST", assignmentRequests, adaTok, activation(ada, securityAdministrator, "PT2H", "Quarterly access review"))
		wantStatus(t, r, http.StatusCreated)
		req := decode(t, r)
		id, _ := req["id"].(string)
		if req["status"] != "PendingApproval" || req["approvalId"] != id {
			t.Fatalf("pending: %v", req)
		}
		wantActivities(t, e.activities(t, seq), "Add member to role requested (PIM activation)", "Add member to role approval requested (PIM activation)")
		if got := e.usesRole(t, adaTok); got != http.StatusForbidden {
			t.Fatalf("pending request gave the role: %d", got)
		}
		// A second request while one is pending is refused.
		wantError(t, e.Do(t, "POST", assignmentRequests, adaTok, activation(ada, securityAdministrator, "PT1H", "x")), http.StatusConflict, "PendingRoleAssignmentRequest")

		step := e.stepOf(t, bobTok, id)
		r = e.Do(t, "GET", approvals+"/"+id, bobTok, nil)
		if !strings.Contains(string(r.Body), `"assignedToMe":true`) {
			t.Errorf("approver's view: %s", r.Body)
		}
		mine := e.Do(t, "GET", assignmentRequests+"/filterByCurrentUser(on='approver')", bobTok, nil)
		wantStatus(t, mine, http.StatusOK)
		if !strings.Contains(string(mine.Body), id) {
			t.Errorf("on='approver' lacks the request: %s", mine.Body)
		}
		approve := map[string]any{"reviewResult": "Approve", "justification": "Matches the change ticket"}
		wantError(t, e.Do(t, "PATCH", approvals+"/"+id+"/steps/"+step, adaTok, approve), http.StatusForbidden, "SelfApprovalNotAllowed")
		wantError(t, e.Do(t, "PATCH", approvals+"/"+id+"/steps/"+step, carolTok, approve), http.StatusForbidden, "NotAnApprover")
		wantError(t, e.Do(t, "PATCH", approvals+"/"+id+"/steps/"+step, bobTok, map[string]any{"reviewResult": "Approve"}), http.StatusBadRequest, "RoleAssignmentRequestPolicyValidationFailed")
		wantError(t, e.Do(t, "PATCH", approvals+"/"+id+"/steps/"+step, e.token, approve), http.StatusForbidden, "Authorization_RequestDenied")

		e.advance(t, 10*time.Minute)
		approvedAt := e.clock.Now()
		seq = e.auditSeq(t)
		wantStatus(t, e.Do(t, "PATCH", approvals+"/"+id+"/steps/"+step, bobTok, approve), http.StatusNoContent)
		wantActivities(t, e.activities(t, seq), "Add member to role request approved (PIM activation)", "Add member to role completed (PIM activation)")
		if got := e.usesRole(t, adaTok); got != http.StatusOK {
			t.Fatalf("after approval: %d", got)
		}
		r = e.Do(t, "GET", assignmentRequests+"/"+id, adaTok, nil)
		wantStatus(t, r, http.StatusOK)
		if m := decode(t, r); m["status"] != "Provisioned" {
			t.Errorf("after approval: %v", m)
		}
		sch := decode(t, e.Do(t, "GET", "/v1.0/roleManagement/directory/roleAssignmentSchedules/"+decode(t, r)["targetScheduleId"].(string), e.token, nil))
		si := sch["scheduleInfo"].(map[string]any)
		start, _ := time.Parse(time.RFC3339, si["startDateTime"].(string))
		end, _ := time.Parse(time.RFC3339, si["expiration"].(map[string]any)["endDateTime"].(string))
		if !start.Equal(approvedAt) || !end.Equal(approvedAt.Add(2*time.Hour)) {
			t.Errorf("activation %v–%v, want from the approval %v for 2h", start, end, approvedAt)
		}
		// The first decision stands.
		wantError(t, e.Do(t, "PATCH", approvals+"/"+id+"/steps/"+step, bobTok, map[string]any{"reviewResult": "Deny", "justification": "late"}), http.StatusConflict, "RequestNotPending")

		// Cancel: only the requester, only while pending.
		dan := e.user(t, "Dan")
		e.eligible(t, dan, securityAdministrator)
		danTok := mfa(e, t, dan)
		r = e.Do(t, "POST", assignmentRequests, danTok, activation(dan, securityAdministrator, "PT1H", "x"))
		wantStatus(t, r, http.StatusCreated)
		did := decode(t, r)["id"].(string)
		wantError(t, e.Do(t, "POST", assignmentRequests+"/"+did+"/cancel", bobTok, nil), http.StatusForbidden, "Authorization_RequestDenied")
		seq = e.auditSeq(t)
		wantStatus(t, e.Do(t, "POST", assignmentRequests+"/"+did+"/cancel", danTok, nil), http.StatusNoContent)
		wantActivities(t, e.activities(t, seq), "Add member to role canceled (PIM activation)")
		wantError(t, e.Do(t, "POST", assignmentRequests+"/"+did+"/cancel", danTok, nil), http.StatusConflict, "RequestNotCancelable")
		wantError(t, e.Do(t, "PATCH", approvals+"/"+did+"/steps/"+e.stepOf(t, bobTok, did), bobTok, approve), http.StatusConflict, "RequestNotPending")
	})
}

// TestPIMConcurrentDecisions: an approve and a deny that arrive together
// resolve to exactly one decision.
func TestPIMConcurrentDecisions(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		e := startPIM(t, database)
		bob, carol := e.user(t, "Bob"), e.user(t, "Carol")
		e.requireApproval(t, securityAdministrator, bob, carol)
		bobTok, carolTok := mfa(e, t, bob), mfa(e, t, carol)
		for i := range 8 {
			u := e.user(t, fmt.Sprintf("Requester%d", i))
			e.eligible(t, u, securityAdministrator)
			tok := mfa(e, t, u)
			r := e.Do(t, "POST", assignmentRequests, tok, activation(u, securityAdministrator, "PT1H", "x"))
			wantStatus(t, r, http.StatusCreated)
			id := decode(t, r)["id"].(string)
			step := e.stepOf(t, bobTok, id)
			seq := e.auditSeq(t)
			var wg sync.WaitGroup
			results := make([]*apptest.Response, 2)
			for j, d := range []struct {
				token, result string
			}{{bobTok, "Approve"}, {carolTok, "Deny"}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[j] = e.Do(t, "PATCH", approvals+"/"+id+"/steps/"+step, d.token, map[string]any{"reviewResult": d.result, "justification": "decided"})
				}()
			}
			wg.Wait()
			won := -1
			for j, res := range results {
				switch res.Status {
				case http.StatusNoContent:
					if won >= 0 {
						t.Fatalf("round %d: both decisions won", i)
					}
					won = j
				case http.StatusConflict:
					if res.ErrorCode(t) != "RequestNotPending" {
						t.Errorf("round %d: loser's error %s", i, res.Body)
					}
				default:
					t.Fatalf("round %d: decision status %d: %s", i, res.Status, res.Body)
				}
			}
			if won < 0 {
				t.Fatalf("round %d: no decision won", i)
			}
			st := decode(t, e.Do(t, "GET", assignmentRequests+"/"+id, e.token, nil))["status"]
			want := map[int]string{0: "Provisioned", 1: "Denied"}[won]
			if st != want {
				t.Errorf("round %d: status %v, want %s", i, st, want)
			}
			decisions := 0
			for _, a := range e.activities(t, seq) {
				if a == "Add member to role request approved (PIM activation)" || a == "Add member to role request denied (PIM activation)" {
					decisions++
				}
			}
			if decisions != 1 {
				t.Errorf("round %d: %d decisions audited, want 1", i, decisions)
			}
			if got := e.usesRole(t, tok); (got == http.StatusOK) != (won == 0) {
				t.Errorf("round %d: role usable %v after %s won", i, got == http.StatusOK, want)
			}
		}
	})
}

// TestPIMRequestTimeout: an undecided request expires after 24 hours.
func TestPIMRequestTimeout(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		e := startPIM(t, database)
		ada, eve, bob := e.user(t, "Ada"), e.user(t, "Eve"), e.user(t, "Bob")
		e.eligible(t, ada, securityAdministrator)
		e.eligible(t, eve, securityAdministrator)
		e.requireApproval(t, securityAdministrator, bob)
		bobTok := mfa(e, t, bob)
		var ids []string
		for _, u := range []string{ada, eve} {
			r := e.Do(t, "POST", assignmentRequests, mfa(e, t, u), activation(u, securityAdministrator, "PT1H", "x"))
			wantStatus(t, r, http.StatusCreated)
			ids = append(ids, decode(t, r)["id"].(string))
		}
		// The job expires them (the server's own loop may be first).
		seq := e.auditSeq(t)
		e.advance(t, 24*time.Hour)
		if _, err := e.Server.PIM.Service.TimeOutDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		timedOut := 0
		for _, a := range e.activities(t, seq) {
			if a == "PIM activation request expired" {
				timedOut++
			}
		}
		if timedOut != 2 {
			t.Errorf("%d timeouts audited, want exactly 2", timedOut)
		}
		for _, id := range ids {
			if st := decode(t, e.Do(t, "GET", assignmentRequests+"/"+id, e.token, nil))["status"]; st != "TimedOut" {
				t.Errorf("request %s: %v, want TimedOut", id, st)
			}
		}
		// … and a late approval is refused.
		wantError(t, e.Do(t, "PATCH", approvals+"/"+ids[0]+"/steps/"+e.stepOf(t, bobTok, ids[0]), bobTok, map[string]any{"reviewResult": "Approve", "justification": "late"}), http.StatusConflict, "RequestNotPending")
		// The requester may ask again.
		wantStatus(t, e.Do(t, "POST", assignmentRequests, mfa(e, t, ada), activation(ada, securityAdministrator, "PT1H", "again")), http.StatusCreated)

		// An approval that arrives after the deadline, before the job ran,
		// records the timeout itself.
		e.advance(t, 24*time.Hour+time.Second)
		pending := decode(t, e.Do(t, "GET", assignmentRequests+"/filterByCurrentUser(on='approver')", bobTok, nil))["value"].([]any)
		var late string
		for _, p := range pending {
			if m := p.(map[string]any); m["status"] == "PendingApproval" {
				late = m["id"].(string)
			}
		}
		if late == "" {
			t.Fatal("no pending request to approve late")
		}
		wantError(t, e.Do(t, "PATCH", approvals+"/"+late+"/steps/"+e.stepOf(t, bobTok, late), bobTok, map[string]any{"reviewResult": "Approve", "justification": "late"}), http.StatusConflict, "RequestNotPending")
		if st := decode(t, e.Do(t, "GET", assignmentRequests+"/"+late, e.token, nil))["status"]; st != "TimedOut" {
			t.Errorf("late approval left %v, want TimedOut", st)
		}
	})
}

// TestPIMGroupEligibility: members of an eligible role-assignable group
// may activate; removing the group's eligibility ends their activations.
func TestPIMGroupEligibility(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		e := startPIM(t, database)
		ada, bob := e.user(t, "Ada"), e.user(t, "Bob")
		g := e.createGroup(t, "Security on-call "+e.tag, true)
		e.addMember(t, g, ada)
		elig := e.eligible(t, g, securityAdministrator)
		adaTok, bobTok := mfa(e, t, ada), mfa(e, t, bob)

		r := e.Do(t, "GET", "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')", adaTok, nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), `"memberType":"Group"`) || !strings.Contains(string(r.Body), elig) {
			t.Errorf("inherited eligibility: %s", r.Body)
		}
		wantError(t, e.Do(t, "POST", assignmentRequests, bobTok, activation(bob, securityAdministrator, "PT1H", "x")), http.StatusBadRequest, "RoleAssignmentRequestPolicyValidationFailed")
		wantStatus(t, e.Do(t, "POST", assignmentRequests, adaTok, activation(ada, securityAdministrator, "PT1H", "on call")), http.StatusCreated)
		if got := e.usesRole(t, adaTok); got != http.StatusOK {
			t.Fatalf("member's activation: %d", got)
		}
		// Removing the group's eligibility takes the activation with it.
		seq := e.auditSeq(t)
		r = e.do(t, "POST", eligibilityRequests, map[string]any{"action": "adminRemove", "principalId": g, "roleDefinitionId": securityAdministrator, "directoryScopeId": "/"})
		wantStatus(t, r, http.StatusCreated)
		if m := decode(t, r); m["status"] != "Revoked" {
			t.Errorf("adminRemove: %v", m)
		}
		wantActivities(t, e.activities(t, seq), "Remove eligible member from role in PIM completed (permanent)", "Remove member from role completed (PIM deactivate)")
		if got := e.usesRole(t, adaTok); got != http.StatusForbidden {
			t.Fatalf("after the group's eligibility went: %d", got)
		}
	})
}

// TestPIMPolicies: the 17 rules with Entra's defaults, reading and
// changing them, who may.
func TestPIMPolicies(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		e := startPIM(t, database)
		r := e.do(t, "GET", pimPolicies+"?$filter="+url.QueryEscape("scopeId eq '/' and scopeType eq 'DirectoryRole'")+"&$expand=rules", nil)
		wantStatus(t, r, http.StatusOK)
		var list struct {
			Value []struct {
				ID        string           `json:"id"`
				ScopeType string           `json:"scopeType"`
				Rules     []map[string]any `json:"rules"`
			} `json:"value"`
		}
		r.JSON(t, &list)
		if len(list.Value) < 11 {
			t.Fatalf("%d policies", len(list.Value))
		}
		for _, p := range list.Value {
			if !strings.HasPrefix(p.ID, "DirectoryRole_"+e.Bootstrap.TenantID+"_") || p.ScopeType != "DirectoryRole" || len(p.Rules) != 17 {
				t.Errorf("policy %s (%s): %d rules", p.ID, p.ScopeType, len(p.Rules))
			}
		}
		if r := e.do(t, "GET", pimPolicies+"?$filter="+url.QueryEscape("scopeId eq '/' and scopeType eq 'Directory'"), nil); !strings.Contains(string(r.Body), `"value":[]`) {
			t.Errorf("other scope type: %s", r.Body)
		}
		pid := e.policyID(t, securityAdministrator)
		rule := decode(t, e.do(t, "GET", pimPolicies+"/"+pid+"/rules/Expiration_EndUser_Assignment", nil))
		if rule["maximumDuration"] != "PT8H" || rule["isExpirationRequired"] != true || rule["@odata.type"] != "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule" {
			t.Errorf("default activation rule: %v", rule)
		}
		en := decode(t, e.do(t, "GET", pimPolicies+"/"+pid+"/rules/Enablement_EndUser_Assignment", nil))
		if fmt.Sprint(en["enabledRules"]) != "[MultiFactorAuthentication Justification]" {
			t.Errorf("default enablement: %v", en)
		}

		seq := e.auditSeq(t)
		r = e.do(t, "PATCH", pimPolicies+"/"+pid+"/rules/Expiration_EndUser_Assignment", map[string]any{
			"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule", "id": "Expiration_EndUser_Assignment",
			"isExpirationRequired": true, "maximumDuration": "PT4H",
			"target": map[string]any{"caller": "EndUser", "operations": []string{"All"}, "level": "Assignment", "inheritableSettings": []any{}, "enforcedSettings": []any{}}})
		wantStatus(t, r, http.StatusOK)
		if decode(t, r)["maximumDuration"] != "PT4H" {
			t.Errorf("patched: %s", r.Body)
		}
		evs := e.eventsSince(t, seq)
		if len(evs) != 1 || evs[0].ActivityDisplayName != "Update role setting in PIM" || evs[0].LoggedByService != "PIM" {
			t.Fatalf("audit: %+v", evs)
		}
		if p := evs[0].TargetResources[0].ModifiedProperties; len(p) != 1 || !strings.Contains(p[0].OldValue, "PT8H") || !strings.Contains(p[0].NewValue, "PT4H") {
			t.Errorf("modified properties: %+v", p)
		}
		bad := []struct {
			rule string
			body map[string]any
		}{
			{"Expiration_EndUser_Assignment", map[string]any{"maximumDuration": "PT25H"}},
			{"Expiration_EndUser_Assignment", map[string]any{"maximumDuration": "PT20M"}},
			{"AuthenticationContext_EndUser_Assignment", map[string]any{"isEnabled": true, "claimValue": "c100"}},
			{"Notification_Admin_EndUser_Assignment", map[string]any{"notificationRecipients": []string{"not-an-address"}}},
			{"Approval_EndUser_Assignment", map[string]any{"setting": map[string]any{"isApprovalRequired": true, "approvalMode": "SingleStage",
				"approvalStages": []map[string]any{{"approvalStageTimeOutInDays": 1, "primaryApprovers": []map[string]any{{"@odata.type": "#microsoft.graph.singleUser", "userId": "00000000-0000-0000-0000-00000000dead"}}}}}}},
			{"Enablement_EndUser_Assignment", map[string]any{"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule"}},
		}
		for _, b := range bad {
			before := e.auditSeq(t)
			msg := wantError(t, e.do(t, "PATCH", pimPolicies+"/"+pid+"/rules/"+b.rule, b.body), http.StatusBadRequest, "InvalidPolicyRule")
			wantMentions(t, msg, b.rule)
			if e.auditSeq(t) != before {
				t.Errorf("a refused PATCH of %s was audited", b.rule)
			}
		}
		wantError(t, e.do(t, "PATCH", pimPolicies+"/"+pid+"/rules/Nope", map[string]any{}), http.StatusNotFound, "Request_ResourceNotFound")

		// A user changes settings only with an active Privileged Role
		// Administrator (or Global Administrator) role.
		pra := e.user(t, "Pra")
		praTok := mfa(e, t, pra)
		change := map[string]any{"maximumDuration": "PT3H"}
		wantError(t, e.Do(t, "PATCH", pimPolicies+"/"+pid+"/rules/Expiration_EndUser_Assignment", praTok, change), http.StatusForbidden, "Authorization_RequestDenied")
		e.eligible(t, pra, privilegedRoleAdministrator)
		wantError(t, e.Do(t, "PATCH", pimPolicies+"/"+pid+"/rules/Expiration_EndUser_Assignment", praTok, change), http.StatusForbidden, "Authorization_RequestDenied")
		wantStatus(t, e.Do(t, "POST", assignmentRequests, praTok, activation(pra, privilegedRoleAdministrator, "PT1H", "settings")), http.StatusCreated)
		wantStatus(t, e.Do(t, "PATCH", pimPolicies+"/"+pid+"/rules/Expiration_EndUser_Assignment", praTok, change), http.StatusOK)

		// Emergency access accounts: the bootstrap administrator.
		r = e.do(t, "GET", "/v1.0/roleManagement/directory/emergencyAccessAccounts", nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), e.Bootstrap.AdminUserID) {
			t.Errorf("emergency accounts: %s", r.Body)
		}
	})
}
