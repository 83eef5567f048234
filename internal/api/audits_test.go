package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/clock"
)

const directoryAudits = "/v1.0/auditLogs/directoryAudits"

func TestAudits(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		t0 := time.Now().UTC().Truncate(time.Second)
		clk := clock.NewFake(t0)
		s := start(t, database, func(o *apptest.Options) { o.Clock = clk })
		auditorID, auditor := s.newApp(t, "Auditor", authz.UserReadWriteAll, authz.GroupReadWriteAll, authz.AuditLogReadAll)
		adminID := s.Bootstrap.ClientID

		// Four changes, a minute apart, by two applications.
		at := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
		stamp := func(n int) string { return at(n).Format(time.RFC3339) }
		clk.Set(at(1))
		user := s.createUser(t, "audited@contoso.com", "Audited")
		clk.Set(at(2))
		r := s.Do(t, "POST", "/v1.0/groups", auditor, map[string]any{"displayName": "Audited group"})
		wantStatus(t, r, http.StatusCreated)
		group := decode(t, r)["id"].(string)
		clk.Set(at(3))
		s.addMember(t, group, user)
		clk.Set(at(4))
		req := s.newRequest(t, "PATCH", "/v1.0/users/"+user, strings.NewReader(`{"displayName":"Audited twice"}`))
		req.Header.Set("Authorization", "Bearer "+auditor)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("client-request-id", "ticket-4711")
		req.Header.Set("User-Agent", "audit-test/1.0")
		wantStatus(t, send(t, req), http.StatusNoContent)

		all := s.list(t, directoryAudits+"?$top=999")
		if all.Context != s.context("auditLogs/directoryAudits") || all.NextLink != "" {
			t.Errorf("@odata.context %q, @odata.nextLink %q", all.Context, all.NextLink)
		}
		var names []string
		for _, e := range all.Value[:4] {
			names = append(names, e["activityDisplayName"].(string))
		}
		if diff := cmp.Diff([]string{"Update user", "Add member to group", "Add group", "Add user"}, names); diff != "" {
			t.Fatalf("newest events (-want +got):\n%s", diff)
		}
		if len(all.Value) != int(s.auditSeq(t)) {
			t.Errorf("listed %d events, the chain holds %d", len(all.Value), s.auditSeq(t))
		}
		for i := 1; i < len(all.Value); i++ {
			if all.Value[i]["activityDateTime"].(string) > all.Value[i-1]["activityDateTime"].(string) {
				t.Errorf("event %d is newer than event %d", i, i-1)
			}
		}
		update, addMember, addGroup, addUser := all.Value[0], all.Value[1], all.Value[2], all.Value[3]

		t.Run("shape", func(t *testing.T) {
			want := map[string]any{
				"id":                  update["id"],
				"category":            "UserManagement",
				"correlationId":       "ticket-4711",
				"result":              "success",
				"resultReason":        "",
				"activityDisplayName": "Update user",
				"activityDateTime":    stamp(4),
				"loggedByService":     "Core Directory",
				"operationType":       "Update",
				"initiatedBy": map[string]any{"user": nil, "app": map[string]any{
					"appId": auditorID, "displayName": "Auditor", "servicePrincipalId": s.appIdentity(t, auditorID).ServicePrincipalID,
					"servicePrincipalName": "Auditor", "ipAddress": "127.0.0.1"}},
				"targetResources": []any{map[string]any{"id": user, "displayName": "Audited twice", "type": "User", "userPrincipalName": "audited@contoso.com",
					"modifiedProperties": []any{map[string]any{"displayName": "DisplayName", "oldValue": `"Audited"`, "newValue": `"Audited twice"`}}}},
				"additionalDetails": []any{map[string]any{"key": "User-Agent", "value": "audit-test/1.0"}},
			}
			if diff := cmp.Diff(want, update); diff != "" {
				t.Errorf("listed event (-want +got):\n%s", diff)
			}
			r := s.do(t, "GET", directoryAudits+"/"+update["id"].(string), nil)
			wantStatus(t, r, http.StatusOK)
			want["@odata.context"] = s.context("auditLogs/directoryAudits/$entity")
			if diff := cmp.Diff(want, decode(t, r)); diff != "" {
				t.Errorf("GET event (-want +got):\n%s", diff)
			}
			if addUser["initiatedBy"].(map[string]any)["app"].(map[string]any)["appId"] != adminID || addGroup["activityDateTime"] != stamp(2) {
				t.Errorf("Add user by %v, Add group at %v", addUser["initiatedBy"], addGroup["activityDateTime"])
			}

			r = s.do(t, "GET", directoryAudits+"/"+update["id"].(string)+"?$select=activityDisplayName,initiatedBy", nil)
			wantStatus(t, r, http.StatusOK)
			if diff := cmp.Diff(map[string]any{"@odata.context": s.context("auditLogs/directoryAudits/$entity"), "id": update["id"],
				"activityDisplayName": "Update user", "initiatedBy": want["initiatedBy"]}, decode(t, r)); diff != "" {
				t.Errorf("$select on one event (-want +got):\n%s", diff)
			}
			for _, e := range s.list(t, directoryAudits+"?$select=category").Value {
				if len(e) != 2 || e["category"] == nil {
					t.Errorf("$select=category gave %v", e)
				}
			}
			wantError(t, s.do(t, "GET", directoryAudits+"/3f2504e0-4f89-41d3-9a0c-0305e82c3301", nil), 404, "Request_ResourceNotFound")
			wantError(t, s.do(t, "GET", directoryAudits+"/"+update["id"].(string)+"?$select=nothing", nil), 400, "Request_BadRequest")
		})

		t.Run("filter", func(t *testing.T) {
			bootstrap := len(all.Value) - 4 // events before the first change
			tests := []struct {
				filter string
				want   []map[string]any // newest first; nil with count
				count  int
			}{
				{filter: "activityDateTime ge " + stamp(3), want: []map[string]any{update, addMember}},
				{filter: "activityDateTime ge " + at(3).Add(-time.Second).Format("2006-01-02T15:04:05.000Z"), want: []map[string]any{update, addMember}},
				{filter: "activityDateTime ge " + at(3).In(time.FixedZone("", 3600)).Format(time.RFC3339), want: []map[string]any{update, addMember}},
				{filter: "activityDateTime ge " + at(3).Add(time.Second).Format(time.RFC3339), want: []map[string]any{update}},
				{filter: "activityDateTime le " + stamp(2), count: bootstrap + 2},
				{filter: "activityDateTime le " + at(1).Add(-time.Second).Format(time.RFC3339), count: bootstrap},
				{filter: "activityDateTime ge " + stamp(2) + " and activityDateTime le " + stamp(3), want: []map[string]any{addMember, addGroup}},
				{filter: "activityDateTime ge " + stamp(5), want: nil},
				{filter: "category eq 'GroupManagement'", want: []map[string]any{addMember, addGroup}},
				{filter: "category eq 'groupmanagement'", want: nil},
				{filter: "activityDisplayName eq 'Add group'", want: []map[string]any{addGroup}},
				{filter: "initiatedBy/app/appId eq '" + auditorID + "'", want: []map[string]any{update, addGroup}},
				{filter: "initiatedBy/app/appId eq '" + adminID + "'", want: []map[string]any{addMember, addUser}},
				{filter: "initiatedBy/app/appId eq '" + auditorID + "' and category eq 'UserManagement'", want: []map[string]any{update}},
				{filter: "initiatedBy/user/id eq '" + s.Bootstrap.AdminUserID + "'", want: nil},
				{filter: "correlationId eq 'ticket-4711'", want: []map[string]any{update}},
				{filter: "id eq '" + addGroup["id"].(string) + "'", want: []map[string]any{addGroup}},
				{filter: "result eq 'success'", count: len(all.Value)},
				{filter: "result eq 'failure'", want: nil},
			}
			for _, tt := range tests {
				got := s.list(t, directoryAudits+"?$filter="+q(tt.filter)).Value
				if tt.want == nil && tt.count > 0 {
					if len(got) != tt.count {
						t.Errorf("$filter=%s: %d events, want %d", tt.filter, len(got), tt.count)
					}
					continue
				}
				if diff := cmp.Diff(ids(tt.want), ids(got), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("$filter=%s (-want +got):\n%s", tt.filter, diff)
				}
			}

			refused := []struct {
				filter   string
				mentions []string
			}{
				{"activityDateTime eq " + stamp(1), []string{"activityDateTime", "eq"}},
				{"activityDateTime gt " + stamp(1), []string{"activityDateTime", "gt"}},
				{"activityDateTime ge '" + stamp(1) + "'", []string{"activityDateTime"}},
				{"activityDateTime ge 2024-01-01", []string{"2024-01-01"}},
				{"activityDateTime ge 2024-01-01T00:00:00", []string{"2024-01-01T00:00:00"}},
				{"activityDateTime ge " + stamp(1) + " and activityDateTime ge " + stamp(2), []string{"activityDateTime"}},
				{"category ne 'UserManagement'", []string{"ne"}},
				{"category eq ''", []string{"category"}},
				{"loggedByService eq 'Core Directory'", []string{"loggedByService"}},
				{"initiatedBy/app/displayName eq 'Auditor'", []string{"initiatedBy/app/displayName"}},
				{"targetResources/any(t: t/id eq '" + user + "')", nil},
				{"startswith(activityDisplayName,'Add')", []string{"startswith"}},
			}
			for _, tt := range refused {
				msg := wantError(t, s.do(t, "GET", directoryAudits+"?$filter="+q(tt.filter), nil), 400, "Request_BadRequest")
				wantMentions(t, msg, tt.mentions...)
			}
		})

		t.Run("paging", func(t *testing.T) {
			if diff := cmp.Diff(ids(all.Value), ids(s.all(t, directoryAudits+"?$top=3", 3))); diff != "" {
				t.Errorf("pages of 3 (-want +got):\n%s", diff)
			}
			first := s.list(t, directoryAudits+"?$top=2&$filter="+q("activityDateTime ge "+stamp(1)))
			if diff := cmp.Diff(ids([]map[string]any{update, addMember}), ids(first.Value)); diff != "" {
				t.Errorf("first page (-want +got):\n%s", diff)
			}
			// Newer events do not shift the pages that follow.
			clk.Set(at(5))
			s.createUser(t, "late@contoso.com", "Late")
			rest := s.all(t, s.next(t, first.NextLink), 2)
			if diff := cmp.Diff(ids([]map[string]any{addGroup, addUser}), ids(rest)); diff != "" {
				t.Errorf("pages after an insert (-want +got):\n%s", diff)
			}
			for _, bad := range []string{"$skiptoken=garbage", "$skiptoken=AQA", "$skiptoken=AQIBYQFi", "$skiptoken=AQEBeA", "$skiptoken=AQEBMA", "$skiptoken=AQECLTE",
				"$top=0", "$top=1000", "$orderby=activityDateTime", "$count=true", "$search=x", "$select=nothing"} {
				wantError(t, s.do(t, "GET", directoryAudits+"?"+bad, nil), 400, "Request_BadRequest")
			}
		})

		t.Run("refused requests write nothing", func(t *testing.T) {
			seq := s.auditSeq(t)
			wantError(t, s.Do(t, "POST", "/v1.0/users", auditor, map[string]any{"userPrincipalName": "audited@contoso.com", "displayName": "Clash"}), 409, "Request_BadRequest")
			wantError(t, s.Do(t, "POST", roleAssignments, auditor, map[string]any{"principalId": user, "roleDefinitionId": helpdeskAdmin}), 403, "Authorization_RequestDenied")
			wantError(t, s.Do(t, "GET", "/v1.0/users", "", nil), 401, "InvalidAuthenticationToken")
			if got := s.eventsSince(t, seq); len(got) != 0 {
				t.Errorf("refused requests were audited: %+v", got)
			}
		})
	})
}
