package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/audit"
)

// builtInRoles are the roles the foundation issue requires, with Entra's
// template ids (shared/reference/entra.md §5.7).
var builtInRoles = map[string]string{
	"62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
	"e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
	"194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
	"b1be1c3e-b65d-4f19-8427-f6fa0d97feb9": "Conditional Access Administrator",
	"c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
	"7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
	"0526716b-113d-4c15-b2c8-68e3c22b9f80": "Authentication Policy Administrator",
	"fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
	"729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
	"5d6b6bb7-de71-4623-b4af-96380a352509": "Security Reader",
	"f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
}

func assignmentJSON(id, principal, role string) map[string]any {
	return map[string]any{"id": id, "principalId": principal, "roleDefinitionId": role, "directoryScopeId": "/", "appScopeId": nil}
}

// roleTargets are the targets of assigning (or removing) a role.
func roleTargets(principal, principalName, principalType, role string, added bool) []audit.Target {
	name := builtInRoles[role]
	v := func(s string) (string, string) {
		if added {
			return "", `"` + s + `"`
		}
		return `"` + s + `"`, ""
	}
	p := func(n, s string) audit.ModifiedProperty { o, nw := v(s); return prop(n, o, nw) }
	return []audit.Target{
		{ID: principal, DisplayName: principalName, Type: principalType, ModifiedProperties: []audit.ModifiedProperty{
			p("Role.ObjectID", role), p("Role.DisplayName", name), p("Role.TemplateId", role)}},
		{ID: role, DisplayName: name, Type: "Role"},
	}
}

const (
	roleDefinitions = "/v1.0/roleManagement/directory/roleDefinitions"
	roleAssignments = "/v1.0/roleManagement/directory/roleAssignments"
)

func TestRoleDefinitions(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		s := start(t, database)

		p := s.list(t, roleDefinitions)
		if p.Context != s.context("roleManagement/directory/roleDefinitions") || p.NextLink != "" {
			t.Errorf("@odata.context %q, @odata.nextLink %q", p.Context, p.NextLink)
		}
		got := map[string]map[string]any{}
		for _, rd := range p.Value {
			got[rd["id"].(string)] = rd
		}
		for id, name := range builtInRoles {
			rd, ok := got[id]
			if !ok {
				t.Errorf("role %s (%s) missing", name, id)
				continue
			}
			if rd["displayName"] != name || rd["templateId"] != id || rd["isBuiltIn"] != true || rd["isEnabled"] != true {
				t.Errorf("role %s: %v", name, rd)
			}
			wantPriv := id != "0526716b-113d-4c15-b2c8-68e3c22b9f80"
			if rd["isPrivileged"] != wantPriv {
				t.Errorf("role %s: isPrivileged %v, want %v", name, rd["isPrivileged"], wantPriv)
			}
		}

		helpdesk := map[string]any{
			"@odata.context": s.context("roleManagement/directory/roleDefinitions/$entity"),
			"id":             helpdeskAdmin, "templateId": helpdeskAdmin, "displayName": "Helpdesk Administrator",
			"description": "Can read users and groups and help non-administrators with their sign-in.",
			"isBuiltIn":   true, "isEnabled": true, "isPrivileged": true, "version": "1",
			"rolePermissions": []any{map[string]any{"allowedResourceActions": []any{"User.Read.All", "Group.Read.All", "UserAuthenticationMethod.Read.All"}, "condition": nil}},
		}
		r := s.do(t, "GET", roleDefinitions+"/"+helpdeskAdmin, nil)
		wantStatus(t, r, http.StatusOK)
		if diff := cmp.Diff(helpdesk, decode(t, r)); diff != "" {
			t.Errorf("GET Helpdesk Administrator (-want +got):\n%s", diff)
		}
		delete(helpdesk, "@odata.context")
		if diff := cmp.Diff(helpdesk, got[helpdeskAdmin]); diff != "" {
			t.Errorf("Helpdesk Administrator in the list (-want +got):\n%s", diff)
		}
		ga := got[globalAdministrator]["rolePermissions"].([]any)[0].(map[string]any)["allowedResourceActions"].([]any)
		for _, perm := range []any{"User.ReadWrite.All", "Group.ReadWrite.All", "RoleManagement.ReadWrite.Directory", "AuditLog.Read.All", "Policy.ReadWrite.ConditionalAccess"} {
			if !slices.Contains(ga, perm) {
				t.Errorf("Global Administrator lacks %s: %v", perm, ga)
			}
		}

		r = s.do(t, "GET", roleDefinitions+"/"+helpdeskAdmin+"?$select=displayName", nil)
		wantStatus(t, r, http.StatusOK)
		if diff := cmp.Diff(map[string]any{"@odata.context": s.context("roleManagement/directory/roleDefinitions/$entity"), "id": helpdeskAdmin, "displayName": "Helpdesk Administrator"}, decode(t, r)); diff != "" {
			t.Errorf("$select (-want +got):\n%s", diff)
		}
		for _, id := range []string{"3f2504e0-4f89-41d3-9a0c-0305e82c3301", s.Bootstrap.AdminUserID, "Global Administrator"} {
			wantError(t, s.do(t, "GET", roleDefinitions+"/"+id, nil), 404, "Request_ResourceNotFound")
		}

		// Paging keeps the catalogue order.
		if diff := cmp.Diff(ids(p.Value), ids(s.all(t, roleDefinitions+"?$top=5", 5))); diff != "" {
			t.Errorf("pages of 5 (-want +got):\n%s", diff)
		}

		filters := []struct {
			filter string
			want   []string
		}{
			{"displayName eq 'Global Administrator'", []string{globalAdministrator}},
			{"displayName eq 'global administrator'", nil},
			{"startswith(displayName,'Privileged')", []string{"e8611ab8-c189-46e8-94e1-60213ab1f814", "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"}},
			{"id eq '" + securityReader + "'", []string{securityReader}},
			{"id eq " + securityReader, []string{securityReader}},
			{"templateId eq '" + userAdministrator + "'", []string{userAdministrator}},
			{"startswith(displayName,'Global') and templateId eq '" + globalAdministrator + "'", []string{globalAdministrator}},
			{"id eq '3f2504e0-4f89-41d3-9a0c-0305e82c3301'", nil},
		}
		for _, tt := range filters {
			got := ids(s.list(t, roleDefinitions+"?$filter="+q(tt.filter)).Value)
			if diff := cmp.Diff(sorted(tt.want...), sorted(got...), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("$filter=%s (-want +got):\n%s", tt.filter, diff)
			}
		}
		refused := []struct {
			filter   string
			mentions []string
		}{
			{"isBuiltIn eq true", []string{"isBuiltIn"}},
			{"description eq 'x'", []string{"description"}},
			{"displayName ne 'Global Administrator'", []string{"ne"}},
			{"id in ('" + globalAdministrator + "')", []string{"in"}},
			{"displayName eq 'a' and displayName eq 'b'", []string{"displayName"}},
		}
		for _, tt := range refused {
			msg := wantError(t, s.do(t, "GET", roleDefinitions+"?$filter="+q(tt.filter), nil), 400, "Request_BadRequest")
			wantMentions(t, msg, tt.mentions...)
		}
		// AQEBeA is a well-formed cursor for a role that does not exist.
		for _, opt := range []string{"$skiptoken=garbage", "$skiptoken=AQEBeA", "$skiptoken=AQA", "$top=0", "$orderby=displayName", "$select=rolePermission", "$expand=inheritsPermissionsFrom"} {
			wantError(t, s.do(t, "GET", roleDefinitions+"?"+opt, nil), 400, "Request_BadRequest")
		}
	})
}

func TestRoleAssignments(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		s := start(t, database)
		admin := s.Bootstrap.AdminUserID

		p := s.list(t, roleAssignments)
		if p.Context != s.context("roleManagement/directory/roleAssignments") {
			t.Errorf("@odata.context %q", p.Context)
		}
		if len(p.Value) != 1 {
			t.Fatalf("bootstrap assignments: %v", p.Value)
		}
		bootstrapGA := ids(p.Value)[0]
		if diff := cmp.Diff(assignmentJSON(bootstrapGA, admin, globalAdministrator), p.Value[0]); diff != "" {
			t.Errorf("bootstrap assignment (-want +got):\n%s", diff)
		}

		user := s.createUser(t, "helper@contoso.com", "Helper")
		roleGroup := s.createGroup(t, "Readers", true)
		plainGroup := s.createGroup(t, "Not for roles", false)
		var helperAssignment string

		t.Run("create", func(t *testing.T) {
			tests := []struct {
				name                   string
				body                   map[string]any
				principal, pname, kind string
				role                   string
			}{
				{"user", map[string]any{"principalId": user, "roleDefinitionId": helpdeskAdmin, "directoryScopeId": "/"}, user, "Helper", "User", helpdeskAdmin},
				{"role-assignable group, scope left out", map[string]any{"@odata.type": "#microsoft.graph.unifiedRoleAssignment", "principalId": roleGroup, "roleDefinitionId": securityReader}, roleGroup, "Readers", "Group", securityReader},
				{"another role for the same user", map[string]any{"principalId": user, "roleDefinitionId": securityReader, "directoryScopeId": "/", "appScopeId": nil}, user, "Helper", "User", securityReader},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					seq := s.auditSeq(t)
					r := s.do(t, "POST", roleAssignments, tt.body)
					wantStatus(t, r, http.StatusCreated)
					got := decode(t, r)
					id, _ := got["id"].(string)
					if loc := r.Header.Get("Location"); id == "" || loc != s.URL+roleAssignments+"/"+id {
						t.Errorf("Location %q for id %q", loc, id)
					}
					want := assignmentJSON(id, tt.principal, tt.role)
					want["@odata.context"] = s.context("roleManagement/directory/roleAssignments/$entity")
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("response (-want +got):\n%s", diff)
					}
					g := s.do(t, "GET", roleAssignments+"/"+id, nil)
					wantStatus(t, g, http.StatusOK)
					if diff := cmp.Diff(want, decode(t, g)); diff != "" {
						t.Errorf("GET after create (-want +got):\n%s", diff)
					}
					s.wantAudit(t, seq, r, event("Add member to role", "RoleManagement", "Assign", roleTargets(tt.principal, tt.pname, tt.kind, tt.role, true)...))
					if tt.principal == user && tt.role == helpdeskAdmin {
						helperAssignment = id
					}
				})
			}
		})

		t.Run("create refused", func(t *testing.T) {
			body := func(principal, role string) map[string]any {
				return map[string]any{"principalId": principal, "roleDefinitionId": role, "directoryScopeId": "/"}
			}
			with := func(m map[string]any, k string, v any) map[string]any { m[k] = v; return m }
			cases := append(slices.Clone(bodyCases),
				badInput{name: "already assigned", body: body(user, helpdeskAdmin), status: 409, code: "RoleAssignmentExists"},
				badInput{name: "group already assigned", body: body(roleGroup, securityReader), status: 409, code: "RoleAssignmentExists"},
				badInput{name: "group not role-assignable", body: body(plainGroup, helpdeskAdmin), status: 400, code: "Request_BadRequest", mentions: []string{"Not for roles"}},
				badInput{name: "unknown role", body: body(user, "3f2504e0-4f89-41d3-9a0c-0305e82c3301"), status: 400, code: "Request_BadRequest", mentions: []string{"roleDefinitionId"}},
				badInput{name: "role by name", body: body(user, "Global Administrator"), status: 400, code: "Request_BadRequest", mentions: []string{"roleDefinitionId"}},
				badInput{name: "unknown principal", body: body("3f2504e0-4f89-41d3-9a0c-0305e82c3301", helpdeskAdmin), status: 400, code: "Request_BadRequest", mentions: []string{"principalId"}},
				badInput{name: "principal by user principal name", body: body("helper@contoso.com", globalAdministrator), status: 400, code: "Request_BadRequest", mentions: []string{"principalId"}},
				badInput{name: "missing principalId", body: map[string]any{"roleDefinitionId": helpdeskAdmin}, status: 400, code: "Request_BadRequest", mentions: []string{"principalId"}},
				badInput{name: "missing roleDefinitionId", body: map[string]any{"principalId": user}, status: 400, code: "Request_BadRequest", mentions: []string{"roleDefinitionId"}},
				badInput{name: "principalId a number", body: with(body(user, userAdministrator), "principalId", 42), status: 400, code: "Request_BadRequest", mentions: []string{"principalId"}},
				badInput{name: "roleDefinitionId null", body: with(body(user, userAdministrator), "roleDefinitionId", nil), status: 400, code: "Request_BadRequest", mentions: []string{"roleDefinitionId"}},
				badInput{name: "administrative unit scope", body: with(body(user, userAdministrator), "directoryScopeId", "/administrativeUnits/3f2504e0-4f89-41d3-9a0c-0305e82c3301"), status: 400, code: "Request_BadRequest", mentions: []string{"directoryScopeId"}},
				badInput{name: "app scope", body: with(body(user, userAdministrator), "appScopeId", "/"), status: 400, code: "Request_BadRequest", mentions: []string{"appScopeId"}},
				badInput{name: "unknown property", body: with(body(user, userAdministrator), "condition", "x"), status: 400, code: "Request_BadRequest", mentions: []string{"condition"}},
				badInput{name: "read-only id", body: with(body(user, userAdministrator), "id", "x"), status: 400, code: "Request_BadRequest", mentions: []string{"'id'"}},
			)
			s.refuse(t, "POST", roleAssignments, cases)
			s.refuseTooLarge(t, "POST", roleAssignments, `{"roleDefinitionId":"`+helpdeskAdmin+`","principalId":"`, `"}`)
		})

		t.Run("get and list", func(t *testing.T) {
			if helperAssignment == "" {
				t.Skip("create failed")
			}
			// More assignments to page through.
			for _, role := range []string{userAdministrator, "f2ef992c-3afb-46b9-b7cf-a126ee74c451", "c4e39bd9-1100-46d3-8c65-fb160da0071f"} {
				s.assignRole(t, s.createUser(t, "holder-"+role[:8]+"@contoso.com", "Holder"), role)
			}
			var all []string
			for _, a := range s.state(t).Assignments {
				all = append(all, a.ID)
			}
			if diff := cmp.Diff(all, ids(s.list(t, roleAssignments).Value)); diff != "" {
				t.Errorf("list (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(all, ids(s.all(t, roleAssignments+"?$top=2", 2))); diff != "" {
				t.Errorf("pages of 2 (-want +got):\n%s", diff)
			}
			first := s.list(t, roleAssignments+"?$top=2")
			cursor := ids(first.Value)[1]
			var added []string
			for i := range 4 {
				added = append(added, s.assignRole(t, s.createUser(t, "between-"+string(rune('a'+i))+"@contoso.com", "Between"), helpdeskAdmin))
			}
			var original []string
			seen := append(ids(first.Value), ids(s.all(t, s.next(t, first.NextLink), 2))...)
			for _, id := range seen {
				if !slices.Contains(added, id) {
					original = append(original, id)
				} else if id < cursor {
					t.Errorf("assignment %s before the cursor listed", id)
				}
			}
			if diff := cmp.Diff(all, original); diff != "" || !slices.IsSorted(seen) {
				t.Errorf("assignments present before paging (-want +got):\n%s\nseen: %v", diff, seen)
			}

			r := s.do(t, "GET", roleAssignments+"/"+helperAssignment+"?$select=roleDefinitionId", nil)
			wantStatus(t, r, http.StatusOK)
			if diff := cmp.Diff(map[string]any{"@odata.context": s.context("roleManagement/directory/roleAssignments/$entity"), "id": helperAssignment, "roleDefinitionId": helpdeskAdmin}, decode(t, r)); diff != "" {
				t.Errorf("$select (-want +got):\n%s", diff)
			}
			for _, id := range []string{"3f2504e0-4f89-41d3-9a0c-0305e82c3301", user, helpdeskAdmin} {
				wantError(t, s.do(t, "GET", roleAssignments+"/"+id, nil), 404, "Request_ResourceNotFound")
			}

			helpdeskHolders := []string{helperAssignment}
			helpdeskHolders = append(helpdeskHolders, added...)
			filters := []struct {
				filter string
				want   []string
			}{
				{"principalId eq '" + admin + "'", []string{bootstrapGA}},
				{"roleDefinitionId eq '" + helpdeskAdmin + "'", helpdeskHolders},
				{"principalId eq '" + user + "' and roleDefinitionId eq '" + helpdeskAdmin + "'", []string{helperAssignment}},
				{"principalId eq '" + admin + "' and roleDefinitionId eq '" + helpdeskAdmin + "'", nil},
				{"id eq '" + bootstrapGA + "'", []string{bootstrapGA}},
				{"principalId eq '" + plainGroup + "'", nil},
			}
			for _, tt := range filters {
				got := ids(s.list(t, roleAssignments+"?$filter="+q(tt.filter)).Value)
				if diff := cmp.Diff(sorted(tt.want...), sorted(got...), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("$filter=%s (-want +got):\n%s", tt.filter, diff)
				}
			}
			refused := []struct {
				filter   string
				mentions []string
			}{
				{"directoryScopeId eq '/'", []string{"directoryScopeId"}},
				{"principalId ne '" + admin + "'", []string{"ne"}},
				{"roleDefinitionId in ('" + helpdeskAdmin + "')", []string{"in"}},
				{"principalId eq '" + admin + "' and principalId eq '" + user + "'", []string{"principalId"}},
				{"principalId eq null", []string{"principalId"}},
			}
			for _, tt := range refused {
				msg := wantError(t, s.do(t, "GET", roleAssignments+"?$filter="+q(tt.filter), nil), 400, "Request_BadRequest")
				wantMentions(t, msg, tt.mentions...)
			}
			for _, opt := range []string{"$skiptoken=garbage", "$skiptoken=AQA", "$top=1000", "$expand=principal", "$select=principal"} {
				wantError(t, s.do(t, "GET", roleAssignments+"?"+opt, nil), 400, "Request_BadRequest")
			}
		})

		t.Run("delete", func(t *testing.T) {
			if helperAssignment == "" {
				t.Skip("create failed")
			}
			seq := s.auditSeq(t)
			r := s.do(t, "DELETE", roleAssignments+"/"+helperAssignment, nil)
			wantStatus(t, r, http.StatusNoContent)
			s.wantAudit(t, seq, r, event("Remove member from role", "RoleManagement", "Unassign", roleTargets(user, "Helper", "User", helpdeskAdmin, false)...))
			wantError(t, s.do(t, "GET", roleAssignments+"/"+helperAssignment, nil), 404, "Request_ResourceNotFound")
			s.refuse(t, "DELETE", roleAssignments+"/"+helperAssignment, []badInput{{name: "again", status: 404, code: "Request_ResourceNotFound"}})
			s.refuse(t, "DELETE", roleAssignments+"/3f2504e0-4f89-41d3-9a0c-0305e82c3301", []badInput{{name: "unknown", status: 404, code: "Request_ResourceNotFound"}})
			// It can be assigned again.
			s.assignRole(t, user, helpdeskAdmin)
		})

		t.Run("last Global Administrator", func(t *testing.T) {
			protect := func(t *testing.T, holder, assignment string) {
				t.Helper()
				s.refuse(t, "DELETE", roleAssignments+"/"+assignment, []badInput{{name: "remove the assignment", status: 409, code: "Request_Conflict"}})
				s.refuse(t, "PATCH", "/v1.0/users/"+holder, []badInput{{name: "disable", body: map[string]any{"accountEnabled": false}, status: 409, code: "Request_Conflict"}})
				s.refuse(t, "DELETE", "/v1.0/users/"+holder, []badInput{{name: "delete", status: 409, code: "Request_Conflict"}})
			}
			t.Run("bootstrap administrator alone", func(t *testing.T) { protect(t, admin, bootstrapGA) })

			// Neither a disabled holder nor a group holder counts as another
			// Global Administrator.
			disabled := s.createUser(t, "disabled-ga@contoso.com", "Disabled GA")
			wantStatus(t, s.do(t, "PATCH", "/v1.0/users/"+disabled, map[string]any{"accountEnabled": false}), http.StatusNoContent)
			s.assignRole(t, disabled, globalAdministrator)
			gaGroup := s.createGroup(t, "Global admins", true)
			s.addMember(t, gaGroup, user)
			s.assignRole(t, gaGroup, globalAdministrator)
			t.Run("with a disabled and a group holder", func(t *testing.T) { protect(t, admin, bootstrapGA) })

			// Another enabled, permanent holder lets the first go, and then
			// is protected in turn.
			successor := s.createUser(t, "successor@contoso.com", "Successor")
			successorGA := s.assignRole(t, successor, globalAdministrator)
			seq := s.auditSeq(t)
			r := s.do(t, "DELETE", roleAssignments+"/"+bootstrapGA, nil)
			wantStatus(t, r, http.StatusNoContent)
			s.wantAudit(t, seq, r, event("Remove member from role", "RoleManagement", "Unassign", roleTargets(admin, "Emergency administrator", "User", globalAdministrator, false)...))
			t.Run("successor alone", func(t *testing.T) { protect(t, successor, successorGA) })

			// Disabling the holder of a GA assignment who is not the last
			// one is allowed and revokes nothing else.
			again := s.assignRole(t, admin, globalAdministrator)
			seq = s.auditSeq(t)
			r = s.do(t, "PATCH", "/v1.0/users/"+successor, map[string]any{"accountEnabled": false})
			wantStatus(t, r, http.StatusNoContent)
			s.wantAudit(t, seq, r, event("Disable account", "UserManagement", "Update", userTarget(successor, "successor@contoso.com", "Successor", prop("AccountEnabled", "true", "false"))))
			t.Run("admin again alone", func(t *testing.T) { protect(t, admin, again) })
		})
	})
}
