package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
)

// groupJSON is a group as Graph returns it, without createdDateTime.
func groupJSON(id, name string, description any, nickname string, roleAssignable bool) map[string]any {
	return map[string]any{"id": id, "displayName": name, "description": description, "mailNickname": nickname,
		"mailEnabled": false, "securityEnabled": true, "isAssignableToRole": roleAssignable, "groupTypes": []any{}}
}

func groupTarget(id, name string, props ...audit.ModifiedProperty) audit.Target {
	return audit.Target{ID: id, DisplayName: name, Type: "Group", ModifiedProperties: props}
}

// memberTargets are the targets of adding (or removing) a member.
func memberTargets(memberID, memberName, memberType, groupID, groupName string, added bool) []audit.Target {
	id, name := `"`+groupID+`"`, `"`+groupName+`"`
	props := []audit.ModifiedProperty{prop("Group.ObjectID", "", id), prop("Group.DisplayName", "", name)}
	if !added {
		props = []audit.ModifiedProperty{prop("Group.ObjectID", id, ""), prop("Group.DisplayName", name, "")}
	}
	return []audit.Target{{ID: memberID, DisplayName: memberName, Type: memberType, ModifiedProperties: props}, groupTarget(groupID, groupName)}
}

// getJSON gets one object and returns it without createdDateTime.
func (s *server) getJSON(t testing.TB, path string) map[string]any {
	t.Helper()
	r := s.do(t, "GET", path, nil)
	wantStatus(t, r, http.StatusOK)
	m := decode(t, r)
	createdAt(t, m)
	return m
}

// withoutCreated removes createdDateTime from each item, checking it.
func withoutCreated(t testing.TB, items []map[string]any) []map[string]any {
	t.Helper()
	for _, it := range items {
		createdAt(t, it)
	}
	return items
}

func TestGroups(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		s := start(t, database)
		_, groupWriter := s.newApp(t, "Group writer", authz.GroupReadWriteAll, authz.UserReadAll)

		t.Run("create", func(t *testing.T) {
			tests := []struct {
				name  string
				body  map[string]any
				want  map[string]any // without id
				props []audit.ModifiedProperty
			}{
				{"display name only",
					map[string]any{"displayName": "Sales Team"},
					groupJSON("", "Sales Team", nil, "SalesTeam", false),
					[]audit.ModifiedProperty{prop("DisplayName", "", `"Sales Team"`), prop("MailNickname", "", `"SalesTeam"`), prop("IsAssignableToRole", "", "false")}},
				{"as a Graph script sends it",
					map[string]any{"@odata.type": "#microsoft.graph.group", "displayName": "Engineering", "description": "Builds things", "mailNickname": "eng",
						"mailEnabled": false, "securityEnabled": true, "groupTypes": []string{}},
					groupJSON("", "Engineering", "Builds things", "eng", false),
					[]audit.ModifiedProperty{prop("DisplayName", "", `"Engineering"`), prop("MailNickname", "", `"eng"`), prop("Description", "", `"Builds things"`), prop("IsAssignableToRole", "", "false")}},
				{"role-assignable",
					map[string]any{"displayName": "Tier 0 admins", "mailNickname": "tier0", "isAssignableToRole": true, "securityEnabled": true, "mailEnabled": false},
					groupJSON("", "Tier 0 admins", nil, "tier0", true),
					[]audit.ModifiedProperty{prop("DisplayName", "", `"Tier 0 admins"`), prop("MailNickname", "", `"tier0"`), prop("IsAssignableToRole", "", "true")}},
				{"same display name as another group",
					map[string]any{"displayName": "Sales Team", "description": "", "groupTypes": nil},
					groupJSON("", "Sales Team", nil, "SalesTeam", false),
					[]audit.ModifiedProperty{prop("DisplayName", "", `"Sales Team"`), prop("MailNickname", "", `"SalesTeam"`), prop("IsAssignableToRole", "", "false")}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					seq := s.auditSeq(t)
					r := s.do(t, "POST", "/v1.0/groups", tt.body)
					wantStatus(t, r, http.StatusCreated)
					got := decode(t, r)
					id, _ := got["id"].(string)
					if loc := r.Header.Get("Location"); id == "" || loc != s.URL+"/v1.0/groups/"+id {
						t.Errorf("Location %q for id %q", loc, id)
					}
					createdAt(t, got)
					tt.want["id"] = id
					tt.want["@odata.context"] = s.context("groups/$entity")
					if diff := cmp.Diff(tt.want, got); diff != "" {
						t.Errorf("response (-want +got):\n%s", diff)
					}
					if diff := cmp.Diff(tt.want, s.getJSON(t, "/v1.0/groups/"+id)); diff != "" {
						t.Errorf("GET after create (-want +got):\n%s", diff)
					}
					s.wantAudit(t, seq, r, event("Add group", "GroupManagement", "Add", groupTarget(id, tt.want["displayName"].(string), tt.props...)))
				})
			}
		})

		t.Run("create refused", func(t *testing.T) {
			cases := append(slices.Clone(bodyCases),
				badInput{name: "missing displayName", body: map[string]any{"mailNickname": "x"}, status: 400, code: "Request_BadRequest", mentions: []string{"displayName"}},
				badInput{name: "blank displayName", body: map[string]any{"displayName": " "}, status: 400, code: "Request_BadRequest", mentions: []string{"displayName"}},
				badInput{name: "displayName null", body: map[string]any{"displayName": nil}, status: 400, code: "Request_BadRequest", mentions: []string{"displayName"}},
				badInput{name: "displayName a number", body: map[string]any{"displayName": 1}, status: 400, code: "Request_BadRequest", mentions: []string{"displayName"}},
				badInput{name: "description a boolean", body: map[string]any{"displayName": "G", "description": false}, status: 400, code: "Request_BadRequest", mentions: []string{"description"}},
				badInput{name: "description too long", body: map[string]any{"displayName": "G", "description": strings.Repeat("d", 1025)}, status: 400, code: "Request_BadRequest", mentions: []string{"description"}},
				badInput{name: "mailNickname with a space", body: map[string]any{"displayName": "G", "mailNickname": "a b"}, status: 400, code: "Request_BadRequest", mentions: []string{"mailNickname"}},
				badInput{name: "mailNickname too long", body: map[string]any{"displayName": "G", "mailNickname": strings.Repeat("n", 65)}, status: 400, code: "Request_BadRequest", mentions: []string{"mailNickname"}},
				badInput{name: "Microsoft 365 group", body: map[string]any{"displayName": "G", "groupTypes": []string{"Unified"}}, status: 400, code: "Request_BadRequest", mentions: []string{"groupTypes"}},
				badInput{name: "groupTypes a string", body: map[string]any{"displayName": "G", "groupTypes": "Unified"}, status: 400, code: "Request_BadRequest", mentions: []string{"groupTypes"}},
				badInput{name: "mail-enabled", body: map[string]any{"displayName": "G", "mailEnabled": true}, status: 400, code: "Request_BadRequest", mentions: []string{"mailEnabled"}},
				badInput{name: "not security-enabled", body: map[string]any{"displayName": "G", "securityEnabled": false}, status: 400, code: "Request_BadRequest", mentions: []string{"securityEnabled"}},
				badInput{name: "securityEnabled a string", body: map[string]any{"displayName": "G", "securityEnabled": "true"}, status: 400, code: "Request_BadRequest", mentions: []string{"securityEnabled"}},
				badInput{name: "isAssignableToRole a string", body: map[string]any{"displayName": "G", "isAssignableToRole": "yes"}, status: 400, code: "Request_BadRequest", mentions: []string{"isAssignableToRole"}},
				badInput{name: "unknown property", body: map[string]any{"displayName": "G", "visibility": "Private"}, status: 400, code: "Request_BadRequest", mentions: []string{"visibility"}},
				badInput{name: "members@odata.bind is not supported", body: map[string]any{"displayName": "G", "members": []string{}}, status: 400, code: "Request_BadRequest", mentions: []string{"members"}},
				badInput{name: "read-only id", body: map[string]any{"displayName": "G", "id": "x"}, status: 400, code: "Request_BadRequest", mentions: []string{"'id'"}},
			)
			s.refuse(t, "POST", "/v1.0/groups", cases)
			s.refuseTooLarge(t, "POST", "/v1.0/groups", `{"displayName":"G","description":"`, `"}`)

			t.Run("role-assignable without RoleManagement.ReadWrite.Directory", func(t *testing.T) {
				before := s.state(t)
				r := s.Do(t, "POST", "/v1.0/groups", groupWriter, map[string]any{"displayName": "Sneaky admins", "isAssignableToRole": true})
				msg := wantError(t, r, http.StatusForbidden, "Authorization_RequestDenied")
				wantMentions(t, msg, "RoleManagement.ReadWrite.Directory")
				s.unchanged(t, before)
			})
		})

		t.Run("get and list", func(t *testing.T) {
			var created []string
			for _, name := range []string{"List Alpha", "List Beta", "List Gamma", "List Delta", "Other"} {
				created = append(created, s.createGroup(t, name, false))
			}
			alpha, beta, other := created[0], created[1], created[4]
			want := groupJSON(alpha, "List Alpha", nil, "ListAlpha", false)
			want["@odata.context"] = s.context("groups/$entity")
			if diff := cmp.Diff(want, s.getJSON(t, "/v1.0/groups/"+alpha)); diff != "" {
				t.Errorf("GET (-want +got):\n%s", diff)
			}
			r := s.do(t, "GET", "/v1.0/groups/"+alpha+"?$select=displayName,isAssignableToRole", nil)
			wantStatus(t, r, http.StatusOK)
			if diff := cmp.Diff(map[string]any{"@odata.context": s.context("groups/$entity"), "id": alpha, "displayName": "List Alpha", "isAssignableToRole": false}, decode(t, r)); diff != "" {
				t.Errorf("$select (-want +got):\n%s", diff)
			}
			user := s.createUser(t, "not-a-group@contoso.com", "Not a group")
			for _, path := range []string{"/v1.0/groups/3f2504e0-4f89-41d3-9a0c-0305e82c3301", "/v1.0/groups/" + user, "/v1.0/groups/" + user + "/members",
				"/v1.0/groups/" + user + "/memberOf", "/v1.0/groups/" + user + "/transitiveMemberOf", "/v1.0/users/" + alpha, "/v1.0/users/" + alpha + "/memberOf"} {
				wantError(t, s.do(t, "GET", path, nil), http.StatusNotFound, "Request_ResourceNotFound")
			}
			wantError(t, s.do(t, "GET", "/v1.0/groups/"+alpha+"?$select=visibility", nil), 400, "Request_BadRequest")

			p := s.list(t, "/v1.0/groups")
			if p.Context != s.context("groups") {
				t.Errorf("@odata.context %q", p.Context)
			}
			var all []string
			for _, g := range s.state(t).Groups {
				all = append(all, g.ID)
			}
			if diff := cmp.Diff(all, ids(p.Value)); diff != "" {
				t.Errorf("list (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(all, ids(s.all(t, "/v1.0/groups?$top=2", 2))); diff != "" {
				t.Errorf("pages of 2 (-want +got):\n%s", diff)
			}

			// Stable when a group is created between pages.
			first := s.list(t, "/v1.0/groups?$top=2")
			cursor := ids(first.Value)[1]
			var added []string
			for range 5 {
				added = append(added, s.createGroup(t, "Between", false))
			}
			var seen, original []string
			seen = append(ids(first.Value), ids(s.all(t, s.next(t, first.NextLink), 2))...)
			for _, id := range seen {
				if !slices.Contains(added, id) {
					original = append(original, id)
				} else if id < cursor {
					t.Errorf("group %s before the cursor listed", id)
				}
			}
			if diff := cmp.Diff(all, original); diff != "" || !slices.IsSorted(seen) {
				t.Errorf("groups present before paging (-want +got):\n%s\nseen: %v", diff, seen)
			}

			filters := []struct {
				filter string
				want   []string
			}{
				{"displayName eq 'List Beta'", []string{beta}},
				{"displayName eq 'list beta'", nil},
				{"startswith(displayName,'List ')", created[:4]},
				{"id eq '" + other + "'", []string{other}},
				{"id eq " + other, []string{other}},
				{"id in ('" + alpha + "','" + other + "')", []string{alpha, other}},
				{"startswith(displayName,'List') and id eq '" + other + "'", nil},
			}
			for _, tt := range filters {
				got := ids(s.list(t, "/v1.0/groups?$filter="+q(tt.filter)).Value)
				if diff := cmp.Diff(sorted(tt.want...), sorted(got...), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("$filter=%s (-want +got):\n%s", tt.filter, diff)
				}
			}
			refused := []struct {
				filter   string
				mentions []string
			}{
				{"mailNickname eq 'ListAlpha'", []string{"mailNickname"}},
				{"securityEnabled eq true", []string{"securityEnabled"}},
				{"isAssignableToRole eq true", []string{"isAssignableToRole"}},
				{"displayName ne 'x'", []string{"ne"}},
				{"startswith(id,'a')", []string{"startswith"}},
				{"displayName eq null", []string{"displayName"}},
			}
			for _, tt := range refused {
				msg := wantError(t, s.do(t, "GET", "/v1.0/groups?$filter="+q(tt.filter), nil), 400, "Request_BadRequest")
				wantMentions(t, msg, tt.mentions...)
			}
			for _, opt := range []string{"$skiptoken=garbage", "$skiptoken=AQA", "$top=0", "$orderby=displayName", "$count=true", "$expand=members", "$select=visibility"} {
				wantError(t, s.do(t, "GET", "/v1.0/groups?"+opt, nil), 400, "Request_BadRequest")
			}
		})

		t.Run("update", func(t *testing.T) {
			id := s.createGroup(t, "Before", false)
			tests := []struct {
				name  string
				body  map[string]any
				want  map[string]any
				audit []audit.Event
			}{
				{"every property", map[string]any{"displayName": "After", "description": "Now described", "mailNickname": "after"},
					groupJSON(id, "After", "Now described", "after", false),
					[]audit.Event{event("Update group", "GroupManagement", "Update", groupTarget(id, "After",
						prop("DisplayName", `"Before"`, `"After"`), prop("Description", "", `"Now described"`), prop("MailNickname", `"Before"`, `"after"`)))}},
				{"nothing changes", map[string]any{"displayName": "After", "@odata.type": "#microsoft.graph.group"},
					groupJSON(id, "After", "Now described", "after", false), nil},
				{"clear description", map[string]any{"description": nil},
					groupJSON(id, "After", nil, "after", false),
					[]audit.Event{event("Update group", "GroupManagement", "Update", groupTarget(id, "After", prop("Description", `"Now described"`, "")))}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					seq := s.auditSeq(t)
					r := s.do(t, "PATCH", "/v1.0/groups/"+id, tt.body)
					wantStatus(t, r, http.StatusNoContent)
					s.wantAudit(t, seq, r, tt.audit...)
					tt.want["@odata.context"] = s.context("groups/$entity")
					if diff := cmp.Diff(tt.want, s.getJSON(t, "/v1.0/groups/"+id)); diff != "" {
						t.Errorf("after PATCH (-want +got):\n%s", diff)
					}
				})
			}
			cases := append(slices.Clone(bodyCases),
				badInput{name: "isAssignableToRole cannot change", body: map[string]any{"isAssignableToRole": true}, status: 400, code: "Request_BadRequest", mentions: []string{"isAssignableToRole"}},
				badInput{name: "securityEnabled is read-only here", body: map[string]any{"securityEnabled": true}, status: 400, code: "Request_BadRequest", mentions: []string{"securityEnabled"}},
				badInput{name: "groupTypes", body: map[string]any{"groupTypes": []string{}}, status: 400, code: "Request_BadRequest", mentions: []string{"groupTypes"}},
				badInput{name: "displayName null", body: map[string]any{"displayName": nil}, status: 400, code: "Request_BadRequest", mentions: []string{"displayName"}},
				badInput{name: "displayName blank", body: map[string]any{"displayName": ""}, status: 400, code: "Request_BadRequest", mentions: []string{"displayName"}},
				badInput{name: "description a number", body: map[string]any{"description": 3}, status: 400, code: "Request_BadRequest", mentions: []string{"description"}},
				badInput{name: "mailNickname null", body: map[string]any{"mailNickname": nil}, status: 400, code: "Request_BadRequest", mentions: []string{"mailNickname"}},
				badInput{name: "mailNickname invalid", body: map[string]any{"displayName": "Changed", "mailNickname": "a@b"}, status: 400, code: "Request_BadRequest", mentions: []string{"mailNickname"}},
				badInput{name: "unknown property", body: map[string]any{"classification": "x"}, status: 400, code: "Request_BadRequest", mentions: []string{"classification"}},
			)
			s.refuse(t, "PATCH", "/v1.0/groups/"+id, cases)
			s.refuseTooLarge(t, "PATCH", "/v1.0/groups/"+id, `{"description":"`, `"}`)
			s.refuse(t, "PATCH", "/v1.0/groups/3f2504e0-4f89-41d3-9a0c-0305e82c3301", []badInput{{name: "unknown id", body: map[string]any{"displayName": "X"}, status: 404, code: "Request_ResourceNotFound"}})
		})

		t.Run("members", func(t *testing.T) {
			group := s.createGroup(t, "Team", false)
			u1 := s.createUser(t, "member1@contoso.com", "Member One")
			u2 := s.createUser(t, "member2@contoso.com", "Member Two")
			sub := s.createGroup(t, "Subteam", false)

			adds := []struct {
				name, id, display, typ string
				body                   map[string]any
			}{
				{"user by directoryObjects URL", u1, "Member One", "User", ref(s, u1)},
				{"user by Graph's users URL", u2, "Member Two", "User", map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/users/" + u2}},
				{"group", sub, "Subteam", "Group", map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + sub + "/"}},
			}
			for _, tt := range adds {
				t.Run("add "+tt.name, func(t *testing.T) {
					seq := s.auditSeq(t)
					r := s.do(t, "POST", "/v1.0/groups/"+group+"/members/$ref", tt.body)
					wantStatus(t, r, http.StatusNoContent)
					s.wantAudit(t, seq, r, event("Add member to group", "GroupManagement", "Assign", memberTargets(tt.id, tt.display, tt.typ, group, "Team", true)...))
				})
			}

			p := s.list(t, "/v1.0/groups/"+group+"/members")
			if p.Context != s.context("directoryObjects") {
				t.Errorf("@odata.context %q", p.Context)
			}
			wantMembers := map[string]map[string]any{
				u1:  userJSON(u1, "member1@contoso.com", "Member One", nil, true, "Member"),
				u2:  userJSON(u2, "member2@contoso.com", "Member Two", nil, true, "Member"),
				sub: groupJSON(sub, "Subteam", nil, "Subteam", false),
			}
			wantMembers[u1]["@odata.type"] = "#microsoft.graph.user"
			wantMembers[u2]["@odata.type"] = "#microsoft.graph.user"
			wantMembers[sub]["@odata.type"] = "#microsoft.graph.group"
			var want []map[string]any
			for _, id := range sorted(u1, u2, sub) {
				want = append(want, wantMembers[id])
			}
			if diff := cmp.Diff(want, withoutCreated(t, p.Value)); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(sorted(u1, u2, sub), ids(s.all(t, "/v1.0/groups/"+group+"/members?$top=1", 1))); diff != "" {
				t.Errorf("members one per page (-want +got):\n%s", diff)
			}
			for _, m := range s.list(t, "/v1.0/groups/"+group+"/members?$select=displayName").Value {
				if len(m) != 3 || m["displayName"] == nil || m["@odata.type"] == nil {
					t.Errorf("$select=displayName on members gave %v", m)
				}
			}
			for _, opt := range []string{"$filter=" + q("displayName eq 'Member One'"), "$skiptoken=garbage", "$select=nothing"} {
				wantError(t, s.do(t, "GET", "/v1.0/groups/"+group+"/members?"+opt, nil), 400, "Request_BadRequest")
			}

			u3 := s.createUser(t, "member3@contoso.com", "Member Three")
			cases := append(slices.Clone(bodyCases),
				badInput{name: "already a member", body: ref(s, u1), status: 409, code: "Request_BadRequest"},
				badInput{name: "group already a member", body: ref(s, sub), status: 409, code: "Request_BadRequest"},
				badInput{name: "unknown object", body: ref(s, "3f2504e0-4f89-41d3-9a0c-0305e82c3301"), status: 404, code: "Request_ResourceNotFound"},
				badInput{name: "itself", body: ref(s, group), status: 400, code: "Request_BadRequest"},
				badInput{name: "no @odata.id", body: map[string]any{}, status: 400, code: "Request_BadRequest", mentions: []string{"@odata.id"}},
				badInput{name: "@odata.id a number", body: map[string]any{"@odata.id": 7}, status: 400, code: "Request_BadRequest", mentions: []string{"@odata.id"}},
				badInput{name: "@odata.id null", body: map[string]any{"@odata.id": nil}, status: 400, code: "Request_BadRequest", mentions: []string{"@odata.id"}},
				badInput{name: "@odata.id empty", body: map[string]any{"@odata.id": ""}, status: 400, code: "Request_BadRequest", mentions: []string{"@odata.id"}},
				badInput{name: "@odata.id with a query", body: map[string]any{"@odata.id": s.URL + "/v1.0/directoryObjects/" + u3 + "?x=1"}, status: 400, code: "Request_BadRequest", mentions: []string{"@odata.id"}},
				badInput{name: "another property", body: map[string]any{"@odata.id": s.URL + "/v1.0/directoryObjects/" + u3, "id": u3}, status: 400, code: "Request_BadRequest", mentions: []string{"id"}},
			)
			s.refuse(t, "POST", "/v1.0/groups/"+group+"/members/$ref", cases)
			s.refuseTooLarge(t, "POST", "/v1.0/groups/"+group+"/members/$ref", `{"@odata.id":"`, `"}`)
			s.refuse(t, "POST", "/v1.0/groups/3f2504e0-4f89-41d3-9a0c-0305e82c3301/members/$ref", []badInput{{name: "unknown group", body: ref(s, u3), status: 404, code: "Request_ResourceNotFound"}})
			wantError(t, s.do(t, "GET", "/v1.0/groups/3f2504e0-4f89-41d3-9a0c-0305e82c3301/members", nil), 404, "Request_ResourceNotFound")

			t.Run("remove", func(t *testing.T) {
				for _, m := range []struct{ id, name, typ string }{{u1, "Member One", "User"}, {sub, "Subteam", "Group"}} {
					seq := s.auditSeq(t)
					r := s.do(t, "DELETE", "/v1.0/groups/"+group+"/members/"+m.id+"/$ref", nil)
					wantStatus(t, r, http.StatusNoContent)
					s.wantAudit(t, seq, r, event("Remove member from group", "GroupManagement", "Unassign", memberTargets(m.id, m.name, m.typ, group, "Team", false)...))
				}
				if diff := cmp.Diff([]string{u2}, ids(s.list(t, "/v1.0/groups/"+group+"/members").Value)); diff != "" {
					t.Errorf("members after removal (-want +got):\n%s", diff)
				}
				for _, tt := range []struct{ name, path string }{
					{"no longer a member", "/v1.0/groups/" + group + "/members/" + u1 + "/$ref"},
					{"never a member", "/v1.0/groups/" + group + "/members/" + u3 + "/$ref"},
					{"unknown object", "/v1.0/groups/" + group + "/members/3f2504e0-4f89-41d3-9a0c-0305e82c3301/$ref"},
					{"unknown group", "/v1.0/groups/3f2504e0-4f89-41d3-9a0c-0305e82c3301/members/" + u2 + "/$ref"},
				} {
					s.refuse(t, "DELETE", tt.path, []badInput{{name: tt.name, status: 404, code: "Request_ResourceNotFound"}})
				}
			})
		})

		t.Run("nesting", func(t *testing.T) {
			a := s.createGroup(t, "Nest A", false)
			b := s.createGroup(t, "Nest B", false)
			c := s.createGroup(t, "Nest C", false)
			u := s.createUser(t, "nested@contoso.com", "Nested")
			var d string // made in "diamond"
			s.addMember(t, a, b)
			s.addMember(t, b, c)
			s.addMember(t, c, u)

			memberOf := func(path string) []string {
				t.Helper()
				p := s.list(t, path)
				if p.Context != s.context("directoryObjects") {
					t.Errorf("GET %s: @odata.context %q", path, p.Context)
				}
				for _, g := range p.Value {
					if g["@odata.type"] != "#microsoft.graph.group" || g["securityEnabled"] != true {
						t.Errorf("GET %s: %v is not a group", path, g)
					}
				}
				return ids(p.Value)
			}
			check := func(t *testing.T, want map[string][]string) {
				t.Helper()
				for path, w := range want {
					if diff := cmp.Diff(sorted(w...), memberOf(path), cmpopts.EquateEmpty()); diff != "" {
						t.Errorf("GET %s (-want +got):\n%s", path, diff)
					}
				}
			}
			chain := map[string][]string{
				"/v1.0/users/" + u + "/memberOf":                                 {c},
				"/v1.0/users/" + u + "/transitiveMemberOf":                       {a, b, c},
				"/v1.0/users/NESTED@contoso.com/transitiveMemberOf":              {a, b, c},
				"/v1.0/groups/" + c + "/memberOf":                                {b},
				"/v1.0/groups/" + c + "/transitiveMemberOf":                      {a, b},
				"/v1.0/groups/" + b + "/transitiveMemberOf":                      {a},
				"/v1.0/groups/" + a + "/memberOf":                                {},
				"/v1.0/groups/" + a + "/transitiveMemberOf":                      {},
				"/v1.0/users/" + s.Bootstrap.AdminUserID + "/memberOf":           {},
				"/v1.0/users/" + s.Bootstrap.AdminUserID + "/transitiveMemberOf": {},
			}
			check(t, chain)

			g := s.getJSON(t, "/v1.0/groups/"+c)
			delete(g, "@odata.context")
			g["@odata.type"] = "#microsoft.graph.group"
			if diff := cmp.Diff([]map[string]any{g}, withoutCreated(t, s.list(t, "/v1.0/users/"+u+"/memberOf").Value)); diff != "" {
				t.Errorf("memberOf item (-want +got):\n%s", diff)
			}

			t.Run("cycles refused", func(t *testing.T) {
				s.refuse(t, "POST", "/v1.0/groups/"+c+"/members/$ref", []badInput{
					{name: "C contains A", body: ref(s, a), status: 400, code: "Request_BadRequest", mentions: []string{"Nest A", "Nest C"}},
					{name: "C contains B", body: ref(s, b), status: 400, code: "Request_BadRequest", mentions: []string{"Nest B", "Nest C"}},
					{name: "C contains C", body: ref(s, c), status: 400, code: "Request_BadRequest"},
				})
				s.refuse(t, "POST", "/v1.0/groups/"+b+"/members/$ref", []badInput{
					{name: "B contains A", body: ref(s, a), status: 400, code: "Request_BadRequest", mentions: []string{"Nest A", "Nest B"}},
				})
				check(t, chain)
			})

			t.Run("diamond", func(t *testing.T) {
				d = s.createGroup(t, "Nest D", false)
				s.addMember(t, a, d)
				s.addMember(t, d, c)
				check(t, map[string][]string{
					"/v1.0/users/" + u + "/memberOf":            {c},
					"/v1.0/users/" + u + "/transitiveMemberOf":  {a, b, c, d},
					"/v1.0/groups/" + c + "/transitiveMemberOf": {a, b, d},
				})
				if diff := cmp.Diff(sorted(a, b, c, d), ids(s.all(t, "/v1.0/users/"+u+"/transitiveMemberOf?$top=1", 1))); diff != "" {
					t.Errorf("transitiveMemberOf one per page (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(sorted(a, b, d), ids(s.all(t, "/v1.0/groups/"+c+"/transitiveMemberOf?$top=2", 2))); diff != "" {
					t.Errorf("group transitiveMemberOf two per page (-want +got):\n%s", diff)
				}
				s.refuse(t, "POST", "/v1.0/groups/"+c+"/members/$ref", []badInput{
					{name: "C contains D", body: ref(s, d), status: 400, code: "Request_BadRequest", mentions: []string{"Nest C", "Nest D"}},
				})
				for _, opt := range []string{"$filter=" + q("displayName eq 'Nest A'"), "$skiptoken=garbage", "$select=visibility", "$top=0"} {
					wantError(t, s.do(t, "GET", "/v1.0/users/"+u+"/transitiveMemberOf?"+opt, nil), 400, "Request_BadRequest")
					wantError(t, s.do(t, "GET", "/v1.0/groups/"+c+"/memberOf?"+opt, nil), 400, "Request_BadRequest")
				}
				for _, path := range []string{"/v1.0/users/3f2504e0-4f89-41d3-9a0c-0305e82c3301/memberOf", "/v1.0/users/nobody@contoso.com/transitiveMemberOf",
					"/v1.0/groups/3f2504e0-4f89-41d3-9a0c-0305e82c3301/transitiveMemberOf"} {
					wantError(t, s.do(t, "GET", path, nil), 404, "Request_ResourceNotFound")
				}
			})

			t.Run("delete a group in the middle", func(t *testing.T) {
				seq := s.auditSeq(t)
				r := s.do(t, "DELETE", "/v1.0/groups/"+b, nil)
				wantStatus(t, r, http.StatusNoContent)
				s.wantAudit(t, seq, r, event("Delete group", "GroupManagement", "Delete", groupTarget(b, "Nest B")))
				wantError(t, s.do(t, "GET", "/v1.0/groups/"+b, nil), 404, "Request_ResourceNotFound")
				check(t, map[string][]string{
					"/v1.0/users/" + u + "/transitiveMemberOf":  {a, c, d},
					"/v1.0/groups/" + c + "/memberOf":           {d},
					"/v1.0/groups/" + a + "/transitiveMemberOf": {},
				})
				if slices.Contains(ids(s.list(t, "/v1.0/groups/"+a+"/members").Value), b) {
					t.Error("deleted group still a member of its parent")
				}
				s.refuse(t, "DELETE", "/v1.0/groups/"+b, []badInput{{name: "again", status: 404, code: "Request_ResourceNotFound"}})
				s.refuse(t, "DELETE", "/v1.0/groups/"+u, []badInput{{name: "a user's id", status: 404, code: "Request_ResourceNotFound"}})
			})
		})

		t.Run("role-assignable", func(t *testing.T) {
			admins := s.createGroup(t, "Role holders", true)
			plain := s.createGroup(t, "Plain", false)
			u := s.createUser(t, "holder@contoso.com", "Holder")
			s.addMember(t, admins, u)
			s.refuse(t, "POST", "/v1.0/groups/"+admins+"/members/$ref", []badInput{
				{name: "group member", body: ref(s, plain), status: 400, code: "Request_BadRequest"},
			})
			for _, tt := range []struct {
				name, method, path string
				body               any
			}{
				{"add member", "POST", "/v1.0/groups/" + admins + "/members/$ref", ref(s, s.createUser(t, "holder2@contoso.com", "Holder 2"))},
				{"remove member", "DELETE", "/v1.0/groups/" + admins + "/members/" + u + "/$ref", nil},
				{"rename", "PATCH", "/v1.0/groups/" + admins, map[string]any{"displayName": "Renamed"}},
				{"delete", "DELETE", "/v1.0/groups/" + admins, nil},
			} {
				t.Run(tt.name+" without RoleManagement.ReadWrite.Directory", func(t *testing.T) {
					before := s.state(t)
					msg := wantError(t, s.Do(t, tt.method, tt.path, groupWriter, tt.body), http.StatusForbidden, "Authorization_RequestDenied")
					wantMentions(t, msg, "RoleManagement.ReadWrite.Directory")
					s.unchanged(t, before)
				})
			}
			// The same application manages ordinary groups.
			wantStatus(t, s.Do(t, "POST", "/v1.0/groups/"+plain+"/members/$ref", groupWriter, ref(s, u)), http.StatusNoContent)
		})
	})
}
