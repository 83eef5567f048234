package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/policy"
	"github.com/strongroom-id/strongroom/internal/store"
)

// Conditional Access routes: strengths, contexts, named locations,
// policies, What If and the sign-in log.

const (
	caStrengths = "/v1.0/policies/authenticationStrengthPolicies"
	caContexts  = "/v1.0/identity/conditionalAccess/authenticationContextClassReferences"
	caLocations = "/v1.0/identity/conditionalAccess/namedLocations"
	caPolicies  = "/v1.0/identity/conditionalAccess/policies"
)

// caActivities returns the activity names audited after seq.
func (s *server) caActivities(t testing.TB, seq int64) []string {
	t.Helper()
	var out []string
	for _, e := range s.eventsSince(t, seq) {
		out = append(out, e.ActivityDisplayName)
	}
	return out
}

// caCount counts the items of a Conditional Access collection.
func (s *server) caCount(t testing.TB, path string) int {
	t.Helper()
	return len(s.all(t, path, 999))
}

// caGet gets one object.
func (s *server) caGet(t testing.TB, path string) map[string]any {
	t.Helper()
	r := s.do(t, "GET", path, nil)
	wantStatus(t, r, http.StatusOK)
	return decode(t, r)
}

func caPolicyBody(name string, users, apps map[string]any, grant map[string]any) map[string]any {
	return map[string]any{"displayName": name, "state": "enabled",
		"conditions":    map[string]any{"users": users, "applications": apps, "clientAppTypes": []string{"all"}},
		"grantControls": grant}
}

func TestStrengths(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		s := start(t, db)
		// The three built-ins, with their fixed ids and combinations.
		list := s.all(t, caStrengths, 999)
		if got := ids(list); !slices.Equal(got, []string{authn.MultifactorAuthenticationID, authn.PasswordlessMFAID, authn.PhishingResistantMFAID}) {
			t.Fatalf("built-ins %v", got)
		}
		if list[2]["displayName"] != "Phishing resistant MFA" || fmt.Sprint(list[2]["allowedCombinations"]) != "[windowsHelloForBusiness fido2 x509CertificateMultiFactor]" || list[2]["policyType"] != "builtIn" {
			t.Errorf("phishing-resistant %v", list[2])
		}

		// Create a custom strength: audited, requirementsSatisfied computed.
		seq := s.auditSeq(t)
		r := s.do(t, "POST", caStrengths, map[string]any{"displayName": "FIDO2 Only - High Privilege", "description": "Keys", "allowedCombinations": []string{"fido2"}})
		wantStatus(t, r, http.StatusCreated)
		st := decode(t, r)
		id := st["id"].(string)
		if st["policyType"] != "custom" || st["requirementsSatisfied"] != "mfa" || r.Header.Get("Location") == "" {
			t.Errorf("created %v", st)
		}
		if got := s.caActivities(t, seq); !slices.Equal(got, []string{"Authentication Strength Policy Create"}) {
			t.Errorf("audited %v", got)
		}

		// Bad input names the field and changes nothing.
		before := s.caCount(t, caStrengths)
		wantMentions(t, wantError(t, s.do(t, "POST", caStrengths, map[string]any{"displayName": "x", "allowedCombinations": []string{"fido2", "telepathy"}}), 400, "Request_BadRequest"), "allowedCombinations[1]", "telepathy")
		wantMentions(t, wantError(t, s.do(t, "POST", caStrengths, map[string]any{"displayName": "x", "allowedCombination": []string{"fido2"}}), 400, "Request_BadRequest"), "allowedCombination")
		wantMentions(t, wantError(t, s.do(t, "POST", caStrengths, map[string]any{"displayName": "FIDO2 Only - High Privilege", "allowedCombinations": []string{"fido2"}}), 409, "Request_Conflict"), "already exists")
		if s.caCount(t, caStrengths) != before {
			t.Fatal("a refused create changed the strengths")
		}

		// Built-ins cannot change.
		for _, m := range []string{"PATCH", "DELETE"} {
			wantMentions(t, wantError(t, s.do(t, m, caStrengths+"/"+authn.PhishingResistantMFAID, map[string]any{"displayName": "Mine"}), 400, "Request_BadRequest"), "built-in")
		}

		// Update, combination configurations (the key model restriction).
		wantStatus(t, s.do(t, "PATCH", caStrengths+"/"+id, map[string]any{"description": "YubiKey 5 only"}), http.StatusNoContent)
		r = s.do(t, "POST", caStrengths+"/"+id+"/combinationConfigurations", map[string]any{
			"@odata.type": "#microsoft.graph.fido2CombinationConfiguration", "appliesToCombinations": []string{"fido2"}, "allowedAAGUIDs": []string{"cb69481e-8ff7-4039-93ec-0a2729a154a8"}})
		wantStatus(t, r, http.StatusCreated)
		cc := decode(t, r)["id"].(string)
		got := s.caGet(t, caStrengths+"/"+id)
		if got["description"] != "YubiKey 5 only" || len(got["combinationConfigurations"].([]any)) != 1 {
			t.Errorf("after update %v", got)
		}
		wantMentions(t, wantError(t, s.do(t, "POST", caStrengths+"/"+id+"/combinationConfigurations", map[string]any{
			"@odata.type": "#microsoft.graph.fido2CombinationConfiguration", "appliesToCombinations": []string{"fido2"}, "allowedAAGUIDs": []string{"not-a-guid"}}), 400, "Request_BadRequest"), "allowedAAGUIDs[0]")
		wantStatus(t, s.do(t, "PATCH", caStrengths+"/"+id+"/combinationConfigurations/"+cc, map[string]any{"allowedAAGUIDs": []string{"ee882879-721c-4913-9775-3dfcce97072a"}}), http.StatusNoContent)
		if l := s.list(t, caStrengths+"/"+id+"/combinationConfigurations"); len(l.Value) != 1 || fmt.Sprint(l.Value[0]["allowedAAGUIDs"]) != "[ee882879-721c-4913-9775-3dfcce97072a]" {
			t.Errorf("configurations %v", l.Value)
		}

		// In use by a policy: usage names it, deletion is refused naming it.
		pid := decode(t, s.do(t, "POST", caPolicies, caPolicyBody("Admins need keys", map[string]any{"includeRoles": []string{globalAdministrator}},
			map[string]any{"includeApplications": []string{"All"}}, map[string]any{"operator": "OR", "authenticationStrength": map[string]any{"id": id}})))["id"].(string)
		u := s.caGet(t, caStrengths+"/"+id+"/usage")
		if m := u["mfa"].([]any); len(m) != 1 || m[0].(map[string]any)["id"] != pid {
			t.Errorf("usage %v", u)
		}
		wantMentions(t, wantError(t, s.do(t, "DELETE", caStrengths+"/"+id, nil), 409, "Request_Conflict"), "Admins need keys")
		wantStatus(t, s.do(t, "DELETE", caPolicies+"/"+pid, nil), http.StatusNoContent)
		wantStatus(t, s.do(t, "DELETE", caStrengths+"/"+id+"/combinationConfigurations/"+cc, nil), http.StatusNoContent)
		seq = s.auditSeq(t)
		wantStatus(t, s.do(t, "DELETE", caStrengths+"/"+id, nil), http.StatusNoContent)
		if got := s.caActivities(t, seq); !slices.Equal(got, []string{"Authentication Strength Policy Delete"}) {
			t.Errorf("audited %v", got)
		}
		wantError(t, s.do(t, "GET", caStrengths+"/"+id, nil), 404, "Request_ResourceNotFound")

		// At most 15 custom strengths.
		for i := range authn.MaxCustomStrengths {
			wantStatus(t, s.do(t, "POST", caStrengths, map[string]any{"displayName": fmt.Sprintf("S%d", i), "allowedCombinations": []string{"password,softwareOath"}}), http.StatusCreated)
		}
		wantMentions(t, wantError(t, s.do(t, "POST", caStrengths, map[string]any{"displayName": "One too many", "allowedCombinations": []string{"fido2"}}), 400, "Request_BadRequest"), "15")

		// Permissions: reading needs a policy read permission, writing a
		// write one.
		_, reader := s.newApp(t, "reader", authz.PolicyReadAuthenticationMethod)
		wantStatus(t, s.Do(t, "GET", caStrengths, reader, nil), http.StatusOK)
		wantError(t, s.Do(t, "POST", caStrengths, reader, map[string]any{"displayName": "x", "allowedCombinations": []string{"fido2"}}), 403, "Authorization_RequestDenied")
		_, none := s.newApp(t, "nothing", authz.UserReadAll)
		wantError(t, s.Do(t, "GET", caStrengths, none, nil), 403, "Authorization_RequestDenied")
	})
}

func TestAuthenticationContexts(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		s := start(t, db)
		seq := s.auditSeq(t)
		r := s.do(t, "PATCH", caContexts+"/c1", map[string]any{"displayName": "Privileged roles", "description": "PIM activation", "isAvailable": true})
		wantStatus(t, r, http.StatusCreated)
		if got := decode(t, r); got["id"] != "c1" || got["isAvailable"] != true {
			t.Errorf("created %v", got)
		}
		wantStatus(t, s.do(t, "PATCH", caContexts+"/c10", map[string]any{"displayName": "Payments"}), http.StatusCreated)
		wantStatus(t, s.do(t, "PATCH", caContexts+"/c2", map[string]any{"displayName": "Wiki"}), http.StatusCreated)
		if got := ids(s.all(t, caContexts, 999)); !slices.Equal(got, []string{"c1", "c2", "c10"}) {
			t.Errorf("listed %v", got)
		}
		// An update keeps what it does not send.
		wantStatus(t, s.do(t, "PATCH", caContexts+"/c1", map[string]any{"description": "Role activation"}), http.StatusNoContent)
		if got := s.caGet(t, caContexts+"/c1"); got["displayName"] != "Privileged roles" || got["description"] != "Role activation" || got["isAvailable"] != true {
			t.Errorf("after update %v", got)
		}
		if got := s.caActivities(t, seq); !slices.Equal(got, []string{"Add authentication context", "Add authentication context", "Add authentication context", "Update authentication context"}) {
			t.Errorf("audited %v", got)
		}
		// Ids are c1–c99; a name is required.
		wantMentions(t, wantError(t, s.do(t, "PATCH", caContexts+"/c100", map[string]any{"displayName": "x"}), 400, "Request_BadRequest"), "c1 to c99")
		wantMentions(t, wantError(t, s.do(t, "PATCH", caContexts+"/c3", map[string]any{"description": "no name"}), 400, "Request_BadRequest"), "displayName")
		wantMentions(t, wantError(t, s.do(t, "PATCH", caContexts+"/c3", map[string]any{"displayName": "x", "isPublished": true}), 400, "Request_BadRequest"), "isPublished")
		wantError(t, s.do(t, "GET", caContexts+"/c3", nil), 404, "Request_ResourceNotFound")

		// Published or used by a policy: cannot be deleted, and the answer
		// says what to undo.
		pid := decode(t, s.do(t, "POST", caPolicies, caPolicyBody("Roles need MFA", map[string]any{"includeUsers": []string{"All"}},
			map[string]any{"includeAuthenticationContextClassReferences": []string{"c1"}}, map[string]any{"operator": "OR", "builtInControls": []string{"mfa"}})))["id"].(string)
		wantMentions(t, wantError(t, s.do(t, "DELETE", caContexts+"/c1", nil), 409, "Request_Conflict"), "published", "Roles need MFA")
		wantStatus(t, s.do(t, "PATCH", caContexts+"/c1", map[string]any{"isAvailable": false}), http.StatusNoContent)
		msg := wantError(t, s.do(t, "DELETE", caContexts+"/c1", nil), 409, "Request_Conflict")
		if strings.Contains(msg, "published") || !strings.Contains(msg, "Roles need MFA") {
			t.Errorf("message %q", msg)
		}
		wantStatus(t, s.do(t, "DELETE", caPolicies+"/"+pid, nil), http.StatusNoContent)
		wantStatus(t, s.do(t, "DELETE", caContexts+"/c1", nil), http.StatusNoContent)
		wantError(t, s.do(t, "DELETE", caContexts+"/c1", nil), 404, "Request_ResourceNotFound")

		// The ports other work uses.
		ctx := context.Background()
		if ok, err := s.Server.CA.ContextPublished(ctx, "c2"); err != nil || ok {
			t.Errorf("c2 published: %v %v", ok, err)
		}
		wantStatus(t, s.do(t, "PATCH", caContexts+"/c2", map[string]any{"isAvailable": true}), http.StatusNoContent)
		if ok, err := s.Server.CA.ContextPublished(ctx, "c2"); err != nil || !ok {
			t.Errorf("c2 published after PATCH: %v %v", ok, err)
		}
		if ok, _ := s.Server.CA.ContextTargeted(ctx, "c2"); ok {
			t.Error("c2 targeted without a policy")
		}
		body := caPolicyBody("Wiki step-up", map[string]any{"includeUsers": []string{"All"}},
			map[string]any{"includeAuthenticationContextClassReferences": []string{"c2"}}, map[string]any{"operator": "OR", "builtInControls": []string{"mfa"}})
		body["state"] = "enabledForReportingButNotEnforced"
		pid = decode(t, s.do(t, "POST", caPolicies, body))["id"].(string)
		if ok, _ := s.Server.CA.ContextTargeted(ctx, "c2"); ok {
			t.Error("c2 targeted by a report-only policy")
		}
		wantStatus(t, s.do(t, "PATCH", caPolicies+"/"+pid, map[string]any{"state": "enabled"}), http.StatusNoContent)
		if ok, _ := s.Server.CA.ContextTargeted(ctx, "c2"); !ok {
			t.Error("c2 not targeted by an enabled policy")
		}

		_, reader := s.newApp(t, "reader", authz.PolicyReadConditionalAccess)
		wantStatus(t, s.Do(t, "GET", caContexts, reader, nil), http.StatusOK)
		wantError(t, s.Do(t, "PATCH", caContexts+"/c5", reader, map[string]any{"displayName": "x"}), 403, "Authorization_RequestDenied")
	})
}

func TestNamedLocations(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		s := start(t, db)
		seq := s.auditSeq(t)
		r := s.do(t, "POST", caLocations, map[string]any{"@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "HQ", "isTrusted": true,
			"ipRanges": []map[string]any{{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "12.34.221.11/22"}, {"@odata.type": "#microsoft.graph.iPv6CidrRange", "cidrAddress": "2001:db8::/48"}}})
		wantStatus(t, r, http.StatusCreated)
		hq := decode(t, r)["id"].(string)
		r = s.do(t, "POST", caLocations, map[string]any{"@odata.type": "#microsoft.graph.countryNamedLocation", "displayName": "Embargoed", "countriesAndRegions": []string{"KP", "IR"}})
		wantStatus(t, r, http.StatusCreated)
		emb := decode(t, r)
		if emb["countryLookupMethod"] != "clientIpAddress" || emb["includeUnknownCountriesAndRegions"] != false || emb["@odata.type"] != "#microsoft.graph.countryNamedLocation" {
			t.Errorf("country location %v", emb)
		}
		if got := s.caActivities(t, seq); !slices.Equal(got, []string{"Add named location", "Add named location"}) {
			t.Errorf("audited %v", got)
		}

		before := s.caCount(t, caLocations)
		wantMentions(t, wantError(t, s.do(t, "POST", caLocations, map[string]any{"@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "Too wide",
			"ipRanges": []map[string]any{{"cidrAddress": "10.0.0.0/8"}}}), 400, "Request_BadRequest"), "ipRanges[0]", "/8")
		many := make([]map[string]any, policy.MaxIPRanges+1)
		for i := range many {
			many[i] = map[string]any{"cidrAddress": fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)}
		}
		wantMentions(t, wantError(t, s.do(t, "POST", caLocations, map[string]any{"@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "Many", "ipRanges": many}), 400, "Request_BadRequest"), "2000")
		wantMentions(t, wantError(t, s.do(t, "POST", caLocations, map[string]any{"@odata.type": "#microsoft.graph.countryNamedLocation", "displayName": "Bad", "countriesAndRegions": []string{"XYZ"}}), 400, "Request_BadRequest"), "countriesAndRegions[0]")
		wantMentions(t, wantError(t, s.do(t, "POST", caLocations, map[string]any{"displayName": "Untyped"}), 400, "Request_BadRequest"), "@odata.type")
		if s.caCount(t, caLocations) != before {
			t.Fatal("a refused create changed the locations")
		}

		// Update keeps the kind; a trusted location must be untrusted
		// before it is deleted; a used one cannot be deleted.
		wantStatus(t, s.do(t, "PATCH", caLocations+"/"+hq, map[string]any{"@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "Head office"}), http.StatusNoContent)
		if got := s.caGet(t, caLocations+"/"+hq); got["displayName"] != "Head office" || got["isTrusted"] != true || len(got["ipRanges"].([]any)) != 2 {
			t.Errorf("after update %v", got)
		}
		wantMentions(t, wantError(t, s.do(t, "PATCH", caLocations+"/"+hq, map[string]any{"@odata.type": "#microsoft.graph.countryNamedLocation"}), 400, "Request_BadRequest"), "kind")
		wantMentions(t, wantError(t, s.do(t, "DELETE", caLocations+"/"+hq, nil), 409, "Request_Conflict"), "trusted")
		pid := decode(t, s.do(t, "POST", caPolicies, map[string]any{"displayName": "Block embargoed", "state": "enabled",
			"conditions": map[string]any{"users": map[string]any{"includeUsers": []string{"All"}}, "applications": map[string]any{"includeApplications": []string{"All"}},
				"locations": map[string]any{"includeLocations": []string{emb["id"].(string)}}},
			"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"block"}}}))["id"].(string)
		wantMentions(t, wantError(t, s.do(t, "DELETE", caLocations+"/"+emb["id"].(string), nil), 409, "Request_Conflict"), "Block embargoed")
		wantStatus(t, s.do(t, "DELETE", caPolicies+"/"+pid, nil), http.StatusNoContent)
		wantStatus(t, s.do(t, "DELETE", caLocations+"/"+emb["id"].(string), nil), http.StatusNoContent)
		wantStatus(t, s.do(t, "PATCH", caLocations+"/"+hq, map[string]any{"@odata.type": "#microsoft.graph.ipNamedLocation", "isTrusted": false}), http.StatusNoContent)
		wantStatus(t, s.do(t, "DELETE", caLocations+"/"+hq, nil), http.StatusNoContent)

		// At most 195 locations (made through the store for speed).
		err := s.Server.DB.InTx(context.Background(), func(tx *store.Tx) error {
			for i := range policy.MaxNamedLocations {
				l := policy.NamedLocation{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), ODataType: policy.ODataCountryNamedLocation,
					DisplayName: fmt.Sprint("L", i), CountriesAndRegions: []string{"FR"}, CreatedDateTime: tx.Now()}
				if err := tx.CreateNamedLocation(context.Background(), l); err != nil {
					return err
				}
			}
			_, err := tx.BumpCAVersion(context.Background())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		wantMentions(t, wantError(t, s.do(t, "POST", caLocations, map[string]any{"@odata.type": "#microsoft.graph.countryNamedLocation", "displayName": "One more", "countriesAndRegions": []string{"DE"}}), 400, "Request_BadRequest"), "195")
		if p := s.list(t, caLocations); len(p.Value) != 100 || p.NextLink == "" {
			t.Errorf("first page of %d, next %q", len(p.Value), p.NextLink)
		}
	})
}

func TestPolicies(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		s := start(t, db)
		// A new tenant starts with the default policy, enabled.
		list := s.all(t, caPolicies, 999)
		if len(list) != 1 || list[0]["displayName"] != capolicy.DefaultPolicyName || list[0]["state"] != "enabled" {
			t.Fatalf("bootstrap policies %v", list)
		}

		admins := s.createGroup(t, "Admins", false)
		breakGlass := s.createUser(t, "bg@contoso.com", "Break glass")
		wantStatus(t, s.do(t, "PATCH", caContexts+"/c1", map[string]any{"displayName": "Roles"}), http.StatusCreated)
		body := map[string]any{
			"displayName": "Admins: phishing-resistant MFA", "state": "enabledForReportingButNotEnforced",
			"conditions": map[string]any{"clientAppTypes": []string{"all"},
				"users":        map[string]any{"includeRoles": []string{globalAdministrator}, "includeGroups": []string{admins}, "excludeUsers": []string{breakGlass}},
				"applications": map[string]any{"includeApplications": []string{"All"}},
				"platforms":    map[string]any{"includePlatforms": []string{"all"}, "excludePlatforms": []string{"linux"}},
				"devices":      map[string]any{"deviceFilter": map[string]any{"mode": "exclude", "rule": `device.extensionAttribute1 -eq "SAW"`}}},
			"grantControls":   map[string]any{"operator": "OR", "authenticationStrength": map[string]any{"id": authn.PhishingResistantMFAID}},
			"sessionControls": map[string]any{"signInFrequency": map[string]any{"isEnabled": true, "type": "hours", "value": 4, "frequencyInterval": "timeBased"}},
		}
		seq := s.auditSeq(t)
		r := s.do(t, "POST", caPolicies, body)
		wantStatus(t, r, http.StatusCreated)
		p := decode(t, r)
		id := p["id"].(string)
		strength := p["grantControls"].(map[string]any)["authenticationStrength"].(map[string]any)
		if strength["displayName"] != "Phishing resistant MFA" || strength["allowedCombinations"] == nil {
			t.Errorf("authenticationStrength not expanded: %v", strength)
		}
		if got := s.caActivities(t, seq); !slices.Equal(got, []string{"Add conditional access policy"}) {
			t.Errorf("audited %v", got)
		}
		// What comes back reads back to the same policy: GET, then PATCH
		// the whole of it.
		got := s.caGet(t, caPolicies+"/"+id)
		delete(got, "@odata.context")
		wantStatus(t, s.do(t, "PATCH", caPolicies+"/"+id, got), http.StatusNoContent)
		again := s.caGet(t, caPolicies+"/"+id)
		delete(again, "@odata.context")
		delete(got, "modifiedDateTime")
		delete(again, "modifiedDateTime")
		if diff := cmp.Diff(got, again); diff != "" {
			t.Errorf("GET → PATCH → GET (-before +after):\n%s", diff)
		}

		// Bad input: 400 naming the field, nothing written.
		count := s.caCount(t, caPolicies)
		seq = s.auditSeq(t)
		for _, tc := range []struct {
			change func(m map[string]any)
			words  []string
		}{
			{func(m map[string]any) {
				cond(m)["users"].(map[string]any)["includeGroups"] = []string{"7c9ba1c5-0000-4000-8000-000000000000"}
			}, []string{"conditions.users.includeGroups", "7c9ba1c5"}},
			{func(m map[string]any) {
				m["grantControls"] = map[string]any{"operator": "OR", "builtInControls": []string{"mfa"}, "authenticationStrength": map[string]any{"id": authn.MultifactorAuthenticationID}}
			}, []string{"mfa", "authenticationStrength"}},
			{func(m map[string]any) {
				cond(m)["applications"] = map[string]any{"includeUserActions": []string{"urn:user:registersecurityinfo"}}
			}, []string{"state", "report-only"}},
			{func(m map[string]any) {
				cond(m)["applications"] = map[string]any{"includeAuthenticationContextClassReferences": []string{"c9"}}
			}, []string{"c9"}},
			{func(m map[string]any) {
				cond(m)["devices"] = map[string]any{"deviceFilter": map[string]any{"mode": "exclude", "rule": "device.trustType -eq"}}
			}, []string{"conditions.devices.deviceFilter.rule"}},
			{func(m map[string]any) { m["state"] = "on" }, []string{"state"}},
			{func(m map[string]any) { cond(m)["locations"] = map[string]any{"includeLocations": []string{"nowhere"}} }, []string{"named location", "nowhere"}},
			{func(m map[string]any) {
				m["grantControls"] = map[string]any{"operator": "OR", "authenticationStrength": map[string]any{"id": "7c9ba1c5-0000-4000-8000-00000000aaaa"}}
			}, []string{"authenticationStrength"}},
			{func(m map[string]any) { cond(m)["userz"] = map[string]any{} }, []string{"conditions.userz"}},
		} {
			m := clone(body)
			tc.change(m)
			wantMentions(t, wantError(t, s.do(t, "POST", caPolicies, m), 400, "Request_BadRequest"), tc.words...)
			wantError(t, s.do(t, "PATCH", caPolicies+"/"+id, m), 400, "Request_BadRequest")
		}
		if s.caCount(t, caPolicies) != count || s.auditSeq(t) != seq {
			t.Fatal("refused requests changed something")
		}
		wantError(t, s.do(t, "GET", caPolicies+"/nope", nil), 404, "Request_ResourceNotFound")
		wantError(t, s.do(t, "PATCH", caPolicies+"/nope", map[string]any{"state": "disabled"}), 404, "Request_ResourceNotFound")

		// Update and delete are audited.
		seq = s.auditSeq(t)
		wantStatus(t, s.do(t, "PATCH", caPolicies+"/"+id, map[string]any{"state": "enabled"}), http.StatusNoContent)
		if s.caGet(t, caPolicies+"/"+id)["state"] != "enabled" {
			t.Error("state not changed")
		}
		wantStatus(t, s.do(t, "DELETE", caPolicies+"/"+id, nil), http.StatusNoContent)
		if got := s.caActivities(t, seq); !slices.Equal(got, []string{"Update conditional access policy", "Delete conditional access policy"}) {
			t.Errorf("audited %v", got)
		}
		wantError(t, s.do(t, "DELETE", caPolicies+"/"+id, nil), 404, "Request_ResourceNotFound")

		// At most 195 policies, counting every state (made through the
		// store for speed), paged 100 at a time.
		err := s.Server.DB.InTx(context.Background(), func(tx *store.Tx) error {
			for i := range policy.MaxPolicies - 1 {
				p := capolicy.DefaultPolicy()
				p.DisplayName, p.State = fmt.Sprint("P", i), policy.StateDisabled
				if _, err := capolicy.CreatePolicyInTx(context.Background(), tx, p, policy.References{}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Server.CA.Changed(context.Background()); err != nil {
			t.Fatal(err)
		}
		wantMentions(t, wantError(t, s.do(t, "POST", caPolicies, body), 400, "Request_BadRequest"), "195")
		if all := s.all(t, caPolicies, 100); len(all) != policy.MaxPolicies {
			t.Errorf("listed %d policies", len(all))
		}

		_, reader := s.newApp(t, "reader", authz.PolicyReadConditionalAccess)
		wantStatus(t, s.Do(t, "GET", caPolicies+"?$top=2", reader, nil), http.StatusOK)
		wantError(t, s.Do(t, "POST", caPolicies, reader, body), 403, "Authorization_RequestDenied")
		_, other := s.newApp(t, "methods", authz.PolicyReadWriteAuthenticationMethod)
		wantError(t, s.Do(t, "GET", caPolicies, other, nil), 403, "Authorization_RequestDenied")
	})
}

func cond(m map[string]any) map[string]any { return m["conditions"].(map[string]any) }

// clone deep-copies a JSON-shaped map.
func clone(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = clone(sub)
		}
		out[k] = v
	}
	return out
}

func TestWhatIf(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		s := start(t, db)
		admins := s.createGroup(t, "Admins", false)
		nested := s.createGroup(t, "Tier 0", false)
		s.addMember(t, admins, nested)
		user := s.createUser(t, "ops@contoso.com", "Ops")
		s.addMember(t, nested, user)
		wantStatus(t, s.do(t, "PATCH", caContexts+"/c1", map[string]any{"displayName": "Roles"}), http.StatusCreated)
		loc := decode(t, s.do(t, "POST", caLocations, map[string]any{"@odata.type": "#microsoft.graph.countryNamedLocation", "displayName": "Embargoed", "countriesAndRegions": []string{"KP"}}))["id"].(string)
		blockID := decode(t, s.do(t, "POST", caPolicies, map[string]any{"displayName": "Admins: block embargoed countries", "state": "enabled",
			"conditions": map[string]any{"users": map[string]any{"includeGroups": []string{admins}}, "applications": map[string]any{"includeApplications": []string{"All"}},
				"locations": map[string]any{"includeLocations": []string{loc}}},
			"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"block"}}}))["id"].(string)
		ctxID := decode(t, s.do(t, "POST", caPolicies, caPolicyBody("c1 needs keys", map[string]any{"includeUsers": []string{"All"}},
			map[string]any{"includeAuthenticationContextClassReferences": []string{"c1"}}, map[string]any{"operator": "OR", "authenticationStrength": map[string]any{"id": authn.PhishingResistantMFAID}})))["id"].(string)

		ask := func(sc map[string]any, cond map[string]any, only bool) map[string]map[string]any {
			t.Helper()
			r := s.do(t, "POST", "/v1.0/identity/conditionalAccess/evaluate", map[string]any{
				"signInIdentity": map[string]any{"@odata.type": "#microsoft.graph.userSignIn", "userId": user},
				"signInContext":  sc, "signInConditions": cond, "appliedPoliciesOnly": only})
			wantStatus(t, r, http.StatusOK)
			var out struct {
				Value []map[string]any `json:"value"`
			}
			r.JSON(t, &out)
			m := map[string]map[string]any{}
			for _, v := range out.Value {
				m[v["id"].(string)] = v
			}
			return m
		}
		app := map[string]any{"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": []string{policy.MyAccountAppID}}
		res := ask(app, map[string]any{"country": "KP", "ipAddress": "203.0.113.9"}, false)
		if res[blockID]["policyApplies"] != true || res[blockID]["analysisReasons"] != "notSet" || res[blockID]["displayName"] == nil {
			t.Errorf("block policy (nested group) %v", res[blockID])
		}
		if res[ctxID]["policyApplies"] != false || res[ctxID]["analysisReasons"] != "authenticationContext" {
			t.Errorf("context policy for an app %v", res[ctxID])
		}
		res = ask(app, map[string]any{}, true)
		if _, ok := res[blockID]; ok || len(res) != 1 {
			t.Errorf("without a location, applied only: %v", res)
		}
		res = ask(map[string]any{"@odata.type": "#microsoft.graph.authContext", "authenticationContextValue": "c1"}, map[string]any{}, true)
		if _, ok := res[ctxID]; !ok || len(res) != 1 {
			t.Errorf("for c1: %v", res)
		}
		// Bad requests name the field.
		wantMentions(t, wantError(t, s.do(t, "POST", "/v1.0/identity/conditionalAccess/evaluate", map[string]any{
			"signInIdentity": map[string]any{"@odata.type": "#microsoft.graph.userSignIn", "userId": user},
			"signInContext":  map[string]any{"@odata.type": "#microsoft.graph.authContext", "authenticationContextValue": "c0"}}), 400, "Request_BadRequest"), "authenticationContextValue")
		wantMentions(t, wantError(t, s.do(t, "POST", "/v1.0/identity/conditionalAccess/evaluate", map[string]any{
			"signInIdentity": map[string]any{"@odata.type": "#microsoft.graph.userSignIn", "userId": "nobody@contoso.com"}, "signInContext": app}), 400, "Request_BadRequest"), "signInIdentity.userId")
		_, none := s.newApp(t, "none", authz.UserReadAll)
		wantError(t, s.Do(t, "POST", "/v1.0/identity/conditionalAccess/evaluate", none, map[string]any{}), 403, "Authorization_RequestDenied")
	})
}

func TestSignInLog(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		s := start(t, db)
		upn := s.Bootstrap.AdminUserPrincipalName
		// The bootstrap pass signs the administrator in; a wrong pass fails.
		signInTAP := func(pass string) int {
			r := s.Do(t, "POST", "/api/v1/signin/tap", "", map[string]any{"userPrincipalName": upn, "temporaryAccessPass": pass})
			return r.Status
		}
		if st := signInTAP("WRONG-PASS-0000"); st != http.StatusUnauthorized {
			t.Fatalf("wrong pass: %d", st)
		}
		if st := signInTAP(s.Bootstrap.AdminTemporaryAccessPass); st != http.StatusOK {
			t.Fatalf("bootstrap pass: %d", st)
		}
		all := s.all(t, "/v1.0/auditLogs/signIns?$top=1", 1)
		if len(all) != 2 {
			t.Fatalf("%d sign-ins", len(all))
		}
		ok := s.list(t, "/v1.0/auditLogs/signIns?$filter="+q("status/errorCode eq 0")).Value
		if len(ok) != 1 || ok[0]["userPrincipalName"] != upn || ok[0]["conditionalAccessStatus"] != "success" {
			t.Fatalf("successes %v", ok)
		}
		pols := ok[0]["appliedConditionalAccessPolicies"].([]any)
		if len(pols) != 1 || pols[0].(map[string]any)["displayName"] != capolicy.DefaultPolicyName || pols[0].(map[string]any)["result"] != "success" {
			t.Errorf("applied policies %v", pols)
		}
		failed := s.list(t, "/v1.0/auditLogs/signIns?$filter="+q("status/errorCode ne 0 and userPrincipalName eq '"+upn+"'")).Value
		if len(failed) != 1 || failed[0]["id"] == ok[0]["id"] {
			t.Errorf("failures %v", failed)
		}
		if got := s.caGet(t, "/v1.0/auditLogs/signIns/"+ok[0]["id"].(string)); got["id"] != ok[0]["id"] {
			t.Errorf("one sign-in %v", got)
		}
		if got := s.list(t, "/v1.0/auditLogs/signIns?$filter="+q("createdDateTime ge 2000-01-01T00:00:00Z and appId eq '"+policy.MyAccountAppID+"'")).Value; len(got) != 2 {
			t.Errorf("by date and app: %d", len(got))
		}
		if got := s.list(t, "/v1.0/auditLogs/signIns?$filter="+q("createdDateTime le 2000-01-01T00:00:00Z")).Value; len(got) != 0 {
			t.Errorf("before 2000: %d", len(got))
		}
		wantError(t, s.do(t, "GET", "/v1.0/auditLogs/signIns?$filter="+q("status/errorCode eq 12"), nil), 400, "Request_BadRequest")
		wantError(t, s.do(t, "GET", "/v1.0/auditLogs/signIns?$filter="+q("ipAddress eq '1.2.3.4'"), nil), 400, "Request_BadRequest")
		wantError(t, s.do(t, "GET", "/v1.0/auditLogs/signIns?$skiptoken=garbage", nil), 400, "Request_BadRequest")
		wantError(t, s.do(t, "GET", "/v1.0/auditLogs/signIns/nope", nil), 404, "Request_ResourceNotFound")
		_, none := s.newApp(t, "none", authz.PolicyReadAll)
		wantError(t, s.Do(t, "GET", "/v1.0/auditLogs/signIns", none, nil), 403, "Authorization_RequestDenied")
	})
}
