package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/policy"
	"github.com/strongroom-id/strongroom/internal/signin"
)

// TestCAPagesRender executes the Conditional Access and log templates in
// the states the HTTP tests do not reach (settings the form keeps, a
// refused deletion, every kind of result), so that a template referring
// to a missing field fails here.
func TestCAPagesRender(t *testing.T) {
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	user := &directory.User{ID: "u1", UserPrincipalName: "ada@example.com", DisplayName: "Ada"}
	fr := func(title, sub string) caSection { s := caFrame(title, sub); s.User = user; s.Admin = true; return s }
	cat := &caCatalog{Groups: []option{{Value: "g1", Label: "Staff"}}, Roles: []option{{Value: directory.GlobalAdministrator, Label: "Global Administrator"}},
		Apps: []option{{Value: policy.MyAccountAppID, Label: "My Account"}}, Strengths: authn.BuiltInStrengths(),
		Contexts:  []policy.AuthenticationContext{{ID: "c1", DisplayName: "Roles", IsAvailable: false}},
		Locations: []policy.NamedLocation{{ID: "l1", DisplayName: "Office", ODataType: policy.ODataIPNamedLocation, IPRanges: []policy.IPRange{{CIDRAddress: "203.0.113.0/24"}}, IsTrusted: true}}}
	t0 := true
	full := policy.Policy{ID: "p1", DisplayName: "Everything", State: policy.StateReportOnly, TemplateID: "t1", Conditions: policy.Conditions{
		Users:              &policy.Users{IncludeUsers: []string{policy.UsersGuestsOrExternalUsers}, IncludeGroups: []string{"gone"}, IncludeGuestsOrExternalUsers: &policy.GuestsOrExternalUsers{GuestOrExternalUserTypes: []string{"internalGuest"}}},
		Applications:       &policy.Applications{IncludeApplications: []string{policy.AppsOffice365}},
		ClientApplications: &policy.ClientApplications{IncludeServicePrincipals: []string{policy.ServicePrincipalsInMyTenant}},
		Platforms:          &policy.Platforms{IncludePlatforms: []string{policy.PlatformAll}, ExcludePlatforms: []string{policy.PlatformIOS}},
		Devices:            &policy.Devices{DeviceFilter: &policy.Filter{Mode: policy.FilterInclude, Rule: `device.model -eq "x"`}},
		SignInRiskLevels:   []string{policy.RiskHidden}, AuthenticationFlows: &policy.AuthenticationFlows{TransferMethods: []string{policy.TransferDeviceCodeFlow}}},
		GrantControls: &policy.GrantControls{Operator: policy.OperatorAND, BuiltInControls: []string{policy.ControlMFA}, TermsOfUse: []string{"tou"}},
		SessionControls: &policy.SessionControls{SignInFrequency: &policy.SignInFrequency{IsEnabled: true, Type: policy.FrequencyDays, Value: 7},
			PersistentBrowser: &policy.PersistentBrowser{IsEnabled: true, Mode: policy.PersistentBrowserAlways}, DisableResilienceDefaults: &t0,
			CloudAppSecurity: &policy.CloudAppSecurity{IsEnabled: true, CloudAppSecurityType: "blockDownloads"}}}
	w := testWeb()
	r := httptest.NewRequest("GET", "/", nil)
	pp := &policyPage{caSection: fr("Everything", "policies"), ID: "p1", Form: w.policyForm(r, full, cat)}
	pp.setErrors(fieldErrors{"general": "g", "includeGroups": "unknown group", "deviceFilter": "position 3", "signInFrequency": "f"})
	if len(pp.Form.Kept) < 4 {
		t.Errorf("kept settings: %v", pp.Form.Kept)
	}
	js, err := policyJSON(full)
	if err != nil || !strings.HasPrefix(js, "{\n  \"id\": \"p1\",\n  \"templateId\": \"t1\",\n  \"displayName\"") {
		t.Errorf("policy JSON in Graph's order: %v\n%s", err, js)
	}
	sf := w.strengthForm(r, authn.Strength{AllowedCombinations: []string{"fido2", "sms"}, CombinationConfigurations: []authn.CombinationConfiguration{
		{ODataType: authn.ODataFido2Combination, AppliesToCombinations: []string{"fido2"}, AllowedAAGUIDs: []string{"cb69481e-8ff7-4039-93ec-0a2729a154a8"}}}})
	if !sf.Restrict || !sf.Models.Options[0].Checked || len(sf.Others.Selected()) != 1 {
		t.Errorf("strength form: %+v", sf)
	}
	rec := signin.Record{ID: "s1", CreatedDateTime: now, UserPrincipalName: "ada@example.com", AppDisplayName: "My Account", Status: signin.Status{ErrorCode: signin.ErrBlockedByPolicy, FailureReason: "Blocked", AdditionalDetails: "Block"},
		AuthenticationContextClassReferences: []signin.ContextReference{{ID: "c1", Detail: "previouslySatisfied"}},
		AppliedConditionalAccessPolicies:     []signin.AppliedPolicy{{ID: "p1", DisplayName: "Block", Result: "failure", EnforcedGrantControls: []string{"block"}}}}
	ev := audit.Event{ID: "e1", ActivityDisplayName: "Delete named location", Result: audit.Failure, ResultReason: "no", InitiatedBy: audit.Initiator{App: &audit.AppIdentity{DisplayName: "CLI", AppID: "a1"}},
		TargetResources: []audit.Target{{ID: "l1", DisplayName: "Office", ModifiedProperties: []audit.ModifiedProperty{audit.Change("NamedLocation", map[string]any{"a": 1}, nil), audit.Change("Name", "x", "y")}}}}
	results, decision := whatIfRows([]policy.WhatIfResult{{Policy: full, PolicyApplies: true}, {Policy: policy.Policy{ID: "p2", DisplayName: "Off", State: policy.StateDisabled}, AnalysisReasons: policy.ReasonPolicyNotEnabled},
		{Policy: policy.Policy{ID: "p3", DisplayName: "Where", State: policy.StateEnabled, GrantControls: &policy.GrantControls{BuiltInControls: []string{policy.ControlBlock}}}, PolicyApplies: true}}, cat)
	if !decision.Blocked || len(decision.ReportOnly) != 1 || !results[0].Applies {
		t.Errorf("What If decision: %+v %+v", decision, results)
	}
	views := map[string]view{
		"policy":        pp,
		"policy-ro":     &policyPage{caSection: fr("New", "policies"), New: true, Form: w.policyForm(r, newPolicy(), cat), Errors: fieldErrors{}},
		"json":          &policyJSONPage{caSection: fr("x", "policies"), ID: "p1", CanWrite: true, JSON: js, Problems: []string{"bogus: unknown"}},
		"json-ro":       &policyJSONPage{caSection: fr("x", "policies"), ID: "p1", JSON: js},
		"refused":       &confirmPage{caSection: fr("Delete", "strengths"), Heading: "Delete?", Refused: true, Back: "/b", BackText: "b"},
		"confirm-ro":    &confirmPage{caSection: fr("Delete", "strengths"), Heading: "Delete?", Back: "/b", BackText: "b"},
		"strength":      &strengthPage{caSection: fr("s", "strengths"), Strength: authn.BuiltInStrengths()[2], BuiltIn: true, Form: sf, FieldErrors: fieldErrors{"aaguids": "a", "combinations": "c"}},
		"context":       &contextPage{caSection: fr("c1", "contexts"), Context: cat.Contexts[0], FieldErrors: fieldErrors{"id": "i"}},
		"contexts":      &contextsPage{caSection: fr("c", "contexts"), CanWrite: true, FreeIDs: []string{"c2"}, FieldErrors: fieldErrors{"id": "i", "displayName": "d"}},
		"location":      &locationPage{caSection: fr("l", "locations"), Location: cat.Locations[0], CanWrite: true, Form: locationFormOf(cat.Locations[0]), LineErrors: []string{"Line 1: x"}, FieldErrors: fieldErrors{"ranges": "r"}},
		"country":       &locationPage{caSection: fr("l", "locations"), New: true, CanWrite: true, Form: locationForm{Kind: "country"}, FieldErrors: fieldErrors{"countries": "c"}},
		"whatif":        &whatIfPage{caSection: fr("What If", "whatif"), Asked: true, Results: results, Decision: decision, Form: whatIfForm{Target: "context"}, FieldErrors: fieldErrors{}},
		"signin":        &signInDetailPage{frame: frame{Title: "s", User: user, Admin: true}, Rec: rec, Applied: []appliedRow{{AppliedPolicy: rec.AppliedConditionalAccessPolicies[0], Result: "Failure"}}, WhatIfURL: "/x"},
		"audit-event":   &auditEventPage{frame: frame{Title: "e", User: user, Admin: true}, Event: ev, Targets: []targetView{{Target: ev.TargetResources[0], Properties: []propertyView{propertyOf(ev.TargetResources[0].ModifiedProperties[0]), propertyOf(ev.TargetResources[0].ModifiedProperties[1])}}}},
		"signins-empty": &signInsPage{frame: frame{Title: "s", User: user, Admin: true}, FieldErrors: fieldErrors{"from": "f"}, FirstURL: "/admin/signins"},
		"audit-empty":   &auditPage{frame: frame{Title: "a", User: user, Admin: true}, FieldErrors: fieldErrors{"initiator": "i"}, NextURL: "/admin/audit?before=x"},
	}
	for name, v := range views {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			w.render(rec, httptest.NewRequest("GET", "/", nil), http.StatusOK, v)
			body := rec.Body.String()
			if rec.Code != http.StatusOK || !strings.Contains(body, "</html>") {
				t.Fatalf("status %d:\n%s", rec.Code, body)
			}
			for _, bad := range []string{"<script>", "style=", " onclick=", "javascript:"} {
				if strings.Contains(body, bad) {
					t.Errorf("page has %q, which the CSP forbids", bad)
				}
			}
		})
	}
}
