package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/caport"
)

const caImport = "/v1.0/identity/conditionalAccess/import"

// importObjects are a group, a named location, a context and a policy
// that uses them by their source ids, plus a group token nobody mapped.
func importObjects() []any {
	return []any{
		map[string]any{"id": "src-group", "displayName": "Imported exclusions", "securityEnabled": true, "mailNickname": "imported"},
		map[string]any{"@odata.type": "#microsoft.graph.ipNamedLocation", "id": "src-office", "displayName": "Imported office",
			"isTrusted": true, "ipRanges": []any{map[string]any{"cidrAddress": "198.51.100.0/24"}}},
		map[string]any{"id": "c3", "displayName": "Imported context", "isAvailable": true},
		map[string]any{"displayName": "Imported policy", "state": "enabled",
			"conditions": map[string]any{
				"users":        map[string]any{"includeUsers": []string{"All"}, "excludeGroups": []string{"src-group", "<Unmapped>"}},
				"applications": map[string]any{"includeAuthenticationContextClassReferences": []string{"c3"}},
				"locations":    map[string]any{"includeLocations": []string{"All"}, "excludeLocations": []string{"src-office"}}},
			"grantControls": map[string]any{"operator": "OR", "authenticationStrength": "00000000-0000-0000-0000-000000000004"}},
	}
}

func TestCAImport(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		s := start(t, db)
		policies := s.caCount(t, caPolicies)

		// Permissions: Policy.ReadWrite.ConditionalAccess, and
		// Group.ReadWrite.All as well when groups are created.
		_, reader := s.newApp(t, "ca reader", authz.PolicyReadConditionalAccess)
		wantError(t, s.Do(t, "POST", caImport, reader, importObjects()), 403, "Authorization_RequestDenied")
		_, caOnly := s.newApp(t, "ca writer", authz.PolicyReadWriteConditionalAccess)
		wantMentions(t, wantError(t, s.Do(t, "POST", caImport, caOnly, importObjects()), 403, "Authorization_RequestDenied"), "Group.ReadWrite.All")
		r := s.Do(t, "POST", caImport+"?dryRun=true", caOnly, importObjects()[1:3])
		wantStatus(t, r, http.StatusOK)
		before := s.state(t)

		// A dry run, as an array: the report, nothing written.
		r = s.do(t, "POST", caImport+"?dryRun=true", importObjects())
		wantStatus(t, r, http.StatusOK)
		var rep caport.Report
		r.JSON(t, &rep)
		if !rep.DryRun || rep.Created.Policies != 1 || rep.Created.Groups != 1 || rep.Created.NamedLocations != 1 || rep.Created.AuthenticationContexts != 1 {
			t.Errorf("dry-run report %+v", rep.Created)
		}
		if len(rep.Placeholders) != 1 || rep.Placeholders[0].ID != "<Unmapped>" || rep.Placeholders[0].UsedBy[0].Property != "conditions.users.excludeGroups" {
			t.Errorf("placeholders %+v", rep.Placeholders)
		}
		s.unchanged(t, before)
		if n := s.caCount(t, caPolicies); n != policies {
			t.Errorf("a dry run created policies: %d → %d", policies, n)
		}

		// Invalid input: 400 naming the object and property; nothing written.
		bad := append(importObjects(), map[string]any{"displayName": "Bad", "state": "sometimes",
			"conditions": map[string]any{"users": map[string]any{"includeUsers": []string{"All"}}, "applications": map[string]any{"includeApplications": []string{"All"}}}})
		wantMentions(t, wantError(t, s.do(t, "POST", caImport, bad), 400, "Request_BadRequest"), "body[4]", "state", "sometimes")
		wantMentions(t, wantError(t, s.do(t, "POST", caImport, map[string]any{"objects": importObjects(), "map": map[string]any{"grups": map[string]any{}}}), 400, "Request_BadRequest"), "grups")
		wantMentions(t, wantError(t, s.do(t, "POST", caImport, `{"objects": [`), 400, "Request_BadRequest"), "JSON")
		wantMentions(t, wantError(t, s.do(t, "POST", caImport+"?dryRun=maybe", importObjects()), 400, "Request_BadRequest"), "dryRun")
		s.unchanged(t, before)

		// The import, with a mapping, in the {"objects", "map"} shape.
		g := s.createGroup(t, "Existing exclusions", false)
		seq := s.auditSeq(t)
		r = s.do(t, "POST", caImport, map[string]any{"objects": importObjects(), "map": map[string]any{"groups": map[string]any{"<Unmapped>": "Existing exclusions"}}})
		wantStatus(t, r, http.StatusOK)
		rep = caport.Report{}
		r.JSON(t, &rep)
		if rep.DryRun || len(rep.Placeholders) != 0 || len(rep.Mapped) != 1 || rep.Mapped[0].To != g {
			t.Errorf("report %+v", rep)
		}
		var pid string
		for _, o := range rep.Objects {
			if o.Kind == caport.KindPolicy {
				pid = o.ID
			}
		}
		p := s.caGet(t, caPolicies+"/"+pid)
		conds, _ := json.Marshal(p["conditions"])
		if p["state"] != "enabled" || !strings.Contains(string(conds), g) {
			t.Errorf("imported policy %v", p)
		}
		acts := s.caActivities(t, seq)
		for _, want := range []string{"Add group", "Add named location", "Add authentication context", capolicy.ActivityAddPolicy.Name} {
			if !slices.Contains(acts, want) {
				t.Errorf("audited %v, want %q", acts, want)
			}
		}
		for _, e := range s.eventsSince(t, seq) {
			if e.InitiatedBy.App == nil || e.InitiatedBy.App.AppID != s.Bootstrap.ClientID {
				t.Errorf("%s initiated by %+v, want the API caller", e.ActivityDisplayName, e.InitiatedBy)
			}
		}
		// Only POST.
		wantStatus(t, s.do(t, "GET", caImport, nil), http.StatusMethodNotAllowed)
	})
}
