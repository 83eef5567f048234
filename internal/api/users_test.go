package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/audit"
)

// userJSON is a user as Graph returns it, without createdDateTime (see
// createdAt).
func userJSON(id, upn, name string, mail any, enabled bool, userType string) map[string]any {
	return map[string]any{"id": id, "userPrincipalName": upn, "displayName": name, "mail": mail, "accountEnabled": enabled, "userType": userType}
}

// createdAt checks that m has a Graph createdDateTime (UTC, whole seconds,
// Z) close to now, and removes it so that the rest can be compared.
func createdAt(t testing.TB, m map[string]any) {
	t.Helper()
	s, _ := m["createdDateTime"].(string)
	ct, err := time.Parse("2006-01-02T15:04:05Z", s)
	if err != nil {
		t.Errorf("createdDateTime %q is not Graph's format: %v", s, err)
	} else if d := time.Since(ct); d < -time.Minute || d > 10*time.Minute {
		t.Errorf("createdDateTime %s is not about now", s)
	}
	delete(m, "createdDateTime")
}

func userTarget(id, upn, name string, props ...audit.ModifiedProperty) audit.Target {
	return audit.Target{ID: id, DisplayName: name, Type: "User", UserPrincipalName: upn, ModifiedProperties: props}
}

// badInput is a request that must be refused without writing anything.
type badInput struct {
	name     string
	body     any // string: sent as is
	status   int
	code     string
	mentions []string // what the message must name
}

// refuse sends each bad input and checks the error and that nothing changed.
func (s *server) refuse(t *testing.T, method, path string, cases []badInput) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			before := s.state(t)
			r := s.do(t, method, path, tt.body)
			msg := wantError(t, r, tt.status, tt.code)
			wantMentions(t, msg, tt.mentions...)
			s.unchanged(t, before)
		})
	}
}

// bodyCases are malformed bodies that every JSON route refuses alike.
var bodyCases = []badInput{
	{name: "malformed JSON", body: `{"displayName": "x",`, status: 400, code: "Request_BadRequest"},
	{name: "not JSON", body: `displayName=x`, status: 400, code: "Request_BadRequest"},
	{name: "array", body: `[{"displayName": "x"}]`, status: 400, code: "Request_BadRequest"},
	{name: "null", body: `null`, status: 400, code: "Request_BadRequest"},
	{name: "string", body: `"x"`, status: 400, code: "Request_BadRequest"},
	{name: "empty", body: ``, status: 400, code: "Request_BadRequest"},
	{name: "two objects", body: `{"displayName": "x"} {"displayName": "y"}`, status: 400, code: "Request_BadRequest"},
}

func TestUsers(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		s := start(t, database)

		t.Run("create", func(t *testing.T) {
			tests := []struct {
				name string
				body map[string]any
				want map[string]any // without id
			}{
				{"every property",
					map[string]any{"userPrincipalName": "ada@contoso.com", "displayName": "Ada Lovelace", "mail": "ada@contoso.com", "accountEnabled": true, "userType": "Member"},
					userJSON("", "ada@contoso.com", "Ada Lovelace", "ada@contoso.com", true, "Member")},
				{"defaults",
					map[string]any{"userPrincipalName": "grace@contoso.com", "displayName": "Grace Hopper"},
					userJSON("", "grace@contoso.com", "Grace Hopper", nil, true, "Member")},
				{"guest, disabled, null mail",
					map[string]any{"userPrincipalName": "visitor@example.org", "displayName": "Visitor", "mail": nil, "accountEnabled": false, "userType": "Guest"},
					userJSON("", "visitor@example.org", "Visitor", nil, false, "Guest")},
				{"as a Graph script sends it",
					map[string]any{"@odata.type": "#microsoft.graph.user", "userPrincipalName": "alan@contoso.com", "displayName": "Alan Turing", "accountEnabled": true,
						"mailNickname": "alan", "passwordProfile": map[string]any{"forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d"}},
					userJSON("", "alan@contoso.com", "Alan Turing", nil, true, "Member")},
				{"surrounding spaces in the user principal name",
					map[string]any{"userPrincipalName": "  spaced@contoso.com ", "displayName": "Spaced"},
					userJSON("", "spaced@contoso.com", "Spaced", nil, true, "Member")},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					seq := s.auditSeq(t)
					r := s.do(t, "POST", "/v1.0/users", tt.body)
					wantStatus(t, r, http.StatusCreated)
					got := decode(t, r)
					id, _ := got["id"].(string)
					if id == "" {
						t.Fatalf("no id in %s", r.Body)
					}
					if loc := r.Header.Get("Location"); loc != s.URL+"/v1.0/users/"+id {
						t.Errorf("Location %q, want %q", loc, s.URL+"/v1.0/users/"+id)
					}
					createdAt(t, got)
					want := tt.want
					want["id"] = id
					want["@odata.context"] = s.context("users/$entity")
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("response (-want +got):\n%s", diff)
					}

					// The same user comes back from GET.
					g := s.do(t, "GET", "/v1.0/users/"+id, nil)
					wantStatus(t, g, http.StatusOK)
					again := decode(t, g)
					createdAt(t, again)
					if diff := cmp.Diff(want, again); diff != "" {
						t.Errorf("GET after create (-want +got):\n%s", diff)
					}

					mail := ""
					if m, ok := want["mail"].(string); ok {
						mail = `"` + m + `"`
					}
					upn, name := want["userPrincipalName"].(string), want["displayName"].(string)
					props := []audit.ModifiedProperty{prop("UserPrincipalName", "", `"`+upn+`"`), prop("DisplayName", "", `"`+name+`"`)}
					if mail != "" {
						props = append(props, prop("Mail", "", mail))
					}
					enabled := "true"
					if !want["accountEnabled"].(bool) {
						enabled = "false"
					}
					props = append(props, prop("AccountEnabled", "", enabled), prop("UserType", "", `"`+want["userType"].(string)+`"`))
					s.wantAudit(t, seq, r, event("Add user", "UserManagement", "Add", userTarget(id, upn, name, props...)))
				})
			}
		})

		t.Run("create refused", func(t *testing.T) {
			s.createUser(t, "taken@contoso.com", "Taken")
			valid := func(kv ...any) map[string]any {
				m := map[string]any{"userPrincipalName": "fresh@contoso.com", "displayName": "Fresh"}
				for i := 0; i < len(kv); i += 2 {
					if kv[i+1] == deleted {
						delete(m, kv[i].(string))
						continue
					}
					m[kv[i].(string)] = kv[i+1]
				}
				return m
			}
			cases := append(slices.Clone(bodyCases),
				badInput{name: "displayName a number", body: valid("displayName", 5), status: 400, code: "Request_BadRequest", mentions: []string{"displayName"}},
				badInput{name: "accountEnabled a string", body: valid("accountEnabled", "yes"), status: 400, code: "Request_BadRequest", mentions: []string{"accountEnabled"}},
				badInput{name: "accountEnabled null", body: valid("accountEnabled", nil), status: 400, code: "Request_BadRequest", mentions: []string{"accountEnabled"}},
				badInput{name: "userPrincipalName an array", body: valid("userPrincipalName", []string{"a@contoso.com"}), status: 400, code: "Request_BadRequest", mentions: []string{"userPrincipalName"}},
				badInput{name: "userPrincipalName null", body: valid("userPrincipalName", nil), status: 400, code: "Request_BadRequest", mentions: []string{"userPrincipalName"}},
				badInput{name: "mail an object", body: valid("mail", map[string]any{}), status: 400, code: "Request_BadRequest", mentions: []string{"mail"}},
				badInput{name: "mailNickname a number", body: valid("mailNickname", 1), status: 400, code: "Request_BadRequest", mentions: []string{"mailNickname"}},
				badInput{name: "unknown property", body: valid("jobTitle", "Engineer"), status: 400, code: "Request_BadRequest", mentions: []string{"jobTitle"}},
				badInput{name: "read-only id", body: valid("id", "00000000-0000-0000-0000-000000000001"), status: 400, code: "Request_BadRequest", mentions: []string{"'id'"}},
				badInput{name: "read-only createdDateTime", body: valid("createdDateTime", "2020-01-01T00:00:00Z"), status: 400, code: "Request_BadRequest", mentions: []string{"createdDateTime"}},
				badInput{name: "missing userPrincipalName", body: valid("userPrincipalName", deleted), status: 400, code: "Request_BadRequest", mentions: []string{"userPrincipalName"}},
				badInput{name: "missing displayName", body: valid("displayName", deleted), status: 400, code: "Request_BadRequest", mentions: []string{"displayName"}},
				badInput{name: "blank displayName", body: valid("displayName", "   "), status: 400, code: "Request_BadRequest", mentions: []string{"displayName"}},
				badInput{name: "displayName too long", body: valid("displayName", strings.Repeat("é", 257)), status: 400, code: "Request_BadRequest", mentions: []string{"displayName"}},
				badInput{name: "userPrincipalName without domain", body: valid("userPrincipalName", "fresh"), status: 400, code: "Request_BadRequest", mentions: []string{"userPrincipalName"}},
				badInput{name: "userPrincipalName with a space", body: valid("userPrincipalName", "fr esh@contoso.com"), status: 400, code: "Request_BadRequest", mentions: []string{"userPrincipalName"}},
				badInput{name: "userPrincipalName with two @", body: valid("userPrincipalName", "a@b@contoso.com"), status: 400, code: "Request_BadRequest", mentions: []string{"userPrincipalName"}},
				badInput{name: "userPrincipalName too long", body: valid("userPrincipalName", strings.Repeat("a", 64)+"@"+strings.Repeat("b", 45)+".com"), status: 400, code: "Request_BadRequest", mentions: []string{"userPrincipalName"}},
				badInput{name: "invalid mail", body: valid("mail", "not mail"), status: 400, code: "Request_BadRequest", mentions: []string{"mail"}},
				badInput{name: "mail with a name", body: valid("mail", "Fresh <fresh@contoso.com>"), status: 400, code: "Request_BadRequest", mentions: []string{"mail"}},
				badInput{name: "unknown userType", body: valid("userType", "Administrator"), status: 400, code: "Request_BadRequest", mentions: []string{"userType"}},
				badInput{name: "groupTypes is not a user property", body: valid("groupTypes", []string{}), status: 400, code: "Request_BadRequest", mentions: []string{"groupTypes"}},
				badInput{name: "taken userPrincipalName", body: valid("userPrincipalName", "taken@contoso.com"), status: 409, code: "Request_BadRequest", mentions: []string{"userPrincipalName"}},
				badInput{name: "taken userPrincipalName in other case", body: valid("userPrincipalName", "TAKEN@Contoso.COM"), status: 409, code: "Request_BadRequest", mentions: []string{"userPrincipalName"}},
			)
			s.refuse(t, "POST", "/v1.0/users", cases)

			t.Run("not JSON content type", func(t *testing.T) {
				before := s.state(t)
				req := s.newRequest(t, "POST", "/v1.0/users", strings.NewReader(`{"userPrincipalName":"fresh@contoso.com","displayName":"Fresh"}`))
				req.Header.Set("Content-Type", "text/plain")
				wantError(t, send(t, req), 400, "Request_BadRequest")
				s.unchanged(t, before)
			})
			s.refuseTooLarge(t, "POST", "/v1.0/users", `{"userPrincipalName":"big@contoso.com","displayName":"`, `"}`)
		})

		t.Run("get", func(t *testing.T) {
			id := s.createUser(t, "Mixed.Case@Contoso.com", "Mixed Case")
			want := userJSON(id, "Mixed.Case@Contoso.com", "Mixed Case", nil, true, "Member")
			want["@odata.context"] = s.context("users/$entity")
			for _, key := range []string{id, "Mixed.Case@Contoso.com", "mixed.case@contoso.com", "MIXED.CASE@CONTOSO.COM"} {
				r := s.do(t, "GET", "/v1.0/users/"+key, nil)
				wantStatus(t, r, http.StatusOK)
				got := decode(t, r)
				createdAt(t, got)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("GET /users/%s (-want +got):\n%s", key, diff)
				}
			}

			r := s.do(t, "GET", "/v1.0/users/"+id+"?$select=displayName,accountEnabled", nil)
			wantStatus(t, r, http.StatusOK)
			if diff := cmp.Diff(map[string]any{"@odata.context": s.context("users/$entity"), "id": id, "displayName": "Mixed Case", "accountEnabled": true}, decode(t, r)); diff != "" {
				t.Errorf("$select (-want +got):\n%s", diff)
			}

			tests := []struct {
				path     string
				status   int
				code     string
				mentions []string
			}{
				{"/v1.0/users/3f2504e0-4f89-41d3-9a0c-0305e82c3301", 404, "Request_ResourceNotFound", []string{"3f2504e0-4f89-41d3-9a0c-0305e82c3301"}},
				{"/v1.0/users/not-an-id", 404, "Request_ResourceNotFound", nil},
				{"/v1.0/users/nobody@contoso.com", 404, "Request_ResourceNotFound", []string{"nobody@contoso.com"}},
				{"/v1.0/users/" + id + "?$select=jobTitle", 400, "Request_BadRequest", []string{"jobTitle"}},
				{"/v1.0/users/" + id + "?$select=", 400, "Request_BadRequest", nil},
				{"/v1.0/users/" + id + "?$filter=" + q("displayName eq 'x'"), 400, "Request_BadRequest", nil},
				{"/v1.0/users/" + id + "?$orderby=displayName", 400, "Request_BadRequest", nil},
				{"/v1.0/users/" + id + "?$search=x", 400, "Request_BadRequest", []string{"$search"}},
			}
			for _, tt := range tests {
				msg := wantError(t, s.do(t, "GET", tt.path, nil), tt.status, tt.code)
				wantMentions(t, msg, tt.mentions...)
			}
		})

		t.Run("list", func(t *testing.T) {
			p := s.list(t, "/v1.0/users")
			if p.Context != s.context("users") {
				t.Errorf("@odata.context %q, want %q", p.Context, s.context("users"))
			}
			if p.NextLink != "" {
				t.Errorf("@odata.nextLink %q on a short list", p.NextLink)
			}
			st := s.state(t)
			var want []string
			for _, u := range st.Users {
				want = append(want, u.ID)
			}
			if diff := cmp.Diff(want, ids(p.Value)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			for _, u := range p.Value {
				var keys []string
				for k := range u {
					keys = append(keys, k)
				}
				if diff := cmp.Diff(sorted("id", "userPrincipalName", "displayName", "mail", "accountEnabled", "userType", "createdDateTime"), sorted(keys...)); diff != "" {
					t.Errorf("user properties (-want +got):\n%s", diff)
				}
			}
			admin := p.Value[slices.Index(ids(p.Value), s.Bootstrap.AdminUserID)]
			createdAt(t, admin)
			if diff := cmp.Diff(userJSON(s.Bootstrap.AdminUserID, s.Bootstrap.AdminUserPrincipalName, "Emergency administrator", nil, true, "Member"), admin); diff != "" {
				t.Errorf("bootstrap administrator (-want +got):\n%s", diff)
			}

			p = s.list(t, "/v1.0/users?$select=userPrincipalName")
			for _, u := range p.Value {
				if len(u) != 2 || u["id"] == nil || u["userPrincipalName"] == nil {
					t.Errorf("$select=userPrincipalName gave %v", u)
				}
			}
		})

		t.Run("paging", func(t *testing.T) {
			for i := range 7 {
				s.createUser(t, "page"+string(rune('a'+i))+"@contoso.com", "Page "+string(rune('A'+i)))
			}
			want := ids(s.list(t, "/v1.0/users?$top=999").Value)
			got := ids(s.all(t, "/v1.0/users?$top=2", 2))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pages of 2 (-want +got):\n%s", diff)
			}

			// The nextLink keeps the other options.
			filtered := s.all(t, "/v1.0/users?$top=3&$select=displayName&$filter="+q("startswith(displayName,'Page ')"), 3)
			if len(filtered) != 7 {
				t.Errorf("got %d users starting with 'Page ', want 7", len(filtered))
			}
			for _, u := range filtered {
				if len(u) != 2 || !strings.HasPrefix(u["displayName"].(string), "Page ") {
					t.Errorf("page after nextLink lost $filter or $select: %v", u)
				}
			}

			// A user created between pages neither shifts the listing nor
			// repeats anyone: the cursor is the last id seen.
			first := s.list(t, "/v1.0/users?$top=3")
			if first.NextLink == "" {
				t.Fatal("no nextLink")
			}
			cursor := ids(first.Value)[2]
			var added []string
			for i := range 6 {
				added = append(added, s.createUser(t, "between"+string(rune('a'+i))+"@contoso.com", "Between"))
			}
			seen := append(ids(first.Value), ids(s.all(t, s.next(t, first.NextLink), 3))...)
			if !slices.IsSorted(seen) || len(slices.Compact(slices.Clone(seen))) != len(seen) {
				t.Errorf("pages out of order or repeated: %v", seen)
			}
			var original []string
			for _, id := range seen {
				if slices.Contains(added, id) {
					if id < cursor {
						t.Errorf("user %s, created before the cursor %s after page one, was listed", id, cursor)
					}
					continue
				}
				original = append(original, id)
			}
			if diff := cmp.Diff(want, original); diff != "" {
				t.Errorf("users present before paging (-want +got):\n%s", diff)
			}

			for _, bad := range []string{"$skiptoken=garbage", "$skiptoken=", "$skiptoken=AQA", "$skiptoken=AQIBYQFi", "$skiptoken=AQFh%3D", "$top=0", "$top=1000", "$top=-1", "$top=two", "$top=2&$top=3", "$skip=2"} {
				wantError(t, s.do(t, "GET", "/v1.0/users?"+bad, nil), 400, "Request_BadRequest")
			}
		})

		t.Run("filter", func(t *testing.T) {
			ada := s.do(t, "POST", "/v1.0/users", map[string]any{"userPrincipalName": "f.ada@contoso.com", "displayName": "Fil Ada", "mail": "ada@example.com"})
			wantStatus(t, ada, 201)
			grace := s.do(t, "POST", "/v1.0/users", map[string]any{"userPrincipalName": "f.grace@contoso.com", "displayName": "Fil Grace", "mail": "grace@example.com"})
			wantStatus(t, grace, 201)
			alan := s.do(t, "POST", "/v1.0/users", map[string]any{"userPrincipalName": "f.alan@contoso.com", "displayName": "Fil Alan"})
			wantStatus(t, alan, 201)
			a, g, l := decode(t, ada)["id"].(string), decode(t, grace)["id"].(string), decode(t, alan)["id"].(string)

			tests := []struct {
				filter string
				want   []string
			}{
				{"userPrincipalName eq 'f.ada@contoso.com'", []string{a}},
				{"userPrincipalName eq 'F.Ada@CONTOSO.com'", []string{a}},
				{"userPrincipalName eq 'nobody@contoso.com'", nil},
				{"displayName eq 'Fil Grace'", []string{g}},
				{"displayName eq 'fil grace'", nil},
				{"startswith(displayName,'Fil ')", []string{a, g, l}},
				{"startswith(displayName,'Fil A')", []string{a, l}},
				{"mail eq 'grace@example.com'", []string{g}},
				{"id eq '" + l + "'", []string{l}},
				{"id eq " + l, []string{l}},
				{"id in ('" + a + "', '" + g + "')", []string{a, g}},
				{"startswith(displayName,'Fil ') and mail eq 'ada@example.com'", []string{a}},
				{"startswith(displayName,'Fil ') and displayName eq 'Fil Alan'", []string{l}},
				{"displayName eq 'Fil Ada' and userPrincipalName eq 'f.grace@contoso.com'", nil},
			}
			for _, tt := range tests {
				p := s.list(t, "/v1.0/users?$filter="+q(tt.filter))
				if diff := cmp.Diff(sorted(tt.want...), sorted(ids(p.Value)...), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("$filter=%s (-want +got):\n%s", tt.filter, diff)
				}
			}

			refused := []struct {
				filter   string
				mentions []string
			}{
				{"accountEnabled eq true", []string{"accountEnabled"}},
				{"userType eq 'Guest'", []string{"userType"}},
				{"jobTitle eq 'x'", []string{"jobTitle"}},
				{"userprincipalname eq 'f.ada@contoso.com'", []string{"userprincipalname", "userPrincipalName"}},
				{"userPrincipalName ne 'f.ada@contoso.com'", []string{"userPrincipalName", "ne"}},
				{"displayName gt 'A'", []string{"displayName", "gt"}},
				{"startswith(userPrincipalName,'f.')", []string{"userPrincipalName", "startswith"}},
				{"startswith(mail,'ada')", []string{"mail", "startswith"}},
				{"mail eq null", []string{"mail"}},
				{"userPrincipalName eq ''", []string{"userPrincipalName"}},
				{"displayName eq 5", []string{"displayName"}},
				{"id eq '" + a + "' and id eq '" + g + "'", []string{"id"}},
				{"id eq '" + a + "' and id in ('" + g + "')", []string{"id"}},
				{"startswith(displayName,'Fil') and startswith(displayName,'Fil A')", []string{"displayName"}},
				{"displayName eq 'Fil Ada' or displayName eq 'Fil Alan'", nil},
				{"displayName eq", nil},
				{"(displayName eq 'x'", nil},
			}
			for _, tt := range refused {
				msg := wantError(t, s.do(t, "GET", "/v1.0/users?$filter="+q(tt.filter), nil), 400, "Request_BadRequest")
				wantMentions(t, msg, tt.mentions...)
			}
			for _, opt := range []string{"$orderby=displayName", "$count=true", "$expand=memberOf", "$search=" + q(`"displayName:Fil"`), "$select=jobTitle", "$format=json"} {
				wantError(t, s.do(t, "GET", "/v1.0/users?"+opt, nil), 400, "Request_BadRequest")
			}
		})

		t.Run("update", func(t *testing.T) {
			id := s.createUser(t, "upd@contoso.com", "Upd")
			target := func(upn, name string, props ...audit.ModifiedProperty) audit.Target {
				return userTarget(id, upn, name, props...)
			}
			tests := []struct {
				name  string
				path  string // after /v1.0/users/
				body  map[string]any
				want  map[string]any
				audit []audit.Event
			}{
				{"rename and set mail", id,
					map[string]any{"displayName": "Updated", "mail": "upd@example.com"},
					userJSON(id, "upd@contoso.com", "Updated", "upd@example.com", true, "Member"),
					[]audit.Event{event("Update user", "UserManagement", "Update", target("upd@contoso.com", "Updated",
						prop("DisplayName", `"Upd"`, `"Updated"`), prop("Mail", "", `"upd@example.com"`)))}},
				{"nothing changes", id,
					map[string]any{"displayName": "Updated"},
					userJSON(id, "upd@contoso.com", "Updated", "upd@example.com", true, "Member"),
					nil},
				{"empty object", id,
					map[string]any{},
					userJSON(id, "upd@contoso.com", "Updated", "upd@example.com", true, "Member"),
					nil},
				{"by user principal name, in other case", "UPD@contoso.com",
					map[string]any{"userPrincipalName": "renamed@contoso.com", "userType": "Guest"},
					userJSON(id, "renamed@contoso.com", "Updated", "upd@example.com", true, "Guest"),
					[]audit.Event{event("Update user", "UserManagement", "Update", target("renamed@contoso.com", "Updated",
						prop("UserPrincipalName", `"upd@contoso.com"`, `"renamed@contoso.com"`), prop("UserType", `"Member"`, `"Guest"`)))}},
				{"clear mail with null", id,
					map[string]any{"mail": nil},
					userJSON(id, "renamed@contoso.com", "Updated", nil, true, "Guest"),
					[]audit.Event{event("Update user", "UserManagement", "Update", target("renamed@contoso.com", "Updated",
						prop("Mail", `"upd@example.com"`, "")))}},
				{"change the case of the user principal name", id,
					map[string]any{"userPrincipalName": "Renamed@Contoso.com"},
					userJSON(id, "Renamed@Contoso.com", "Updated", nil, true, "Guest"),
					[]audit.Event{event("Update user", "UserManagement", "Update", target("Renamed@Contoso.com", "Updated",
						prop("UserPrincipalName", `"renamed@contoso.com"`, `"Renamed@Contoso.com"`)))}},
				{"disable", id,
					map[string]any{"accountEnabled": false},
					userJSON(id, "Renamed@Contoso.com", "Updated", nil, false, "Guest"),
					[]audit.Event{event("Disable account", "UserManagement", "Update", target("Renamed@Contoso.com", "Updated",
						prop("AccountEnabled", "true", "false")))}},
				{"disable again", id,
					map[string]any{"accountEnabled": false},
					userJSON(id, "Renamed@Contoso.com", "Updated", nil, false, "Guest"),
					nil},
				{"enable", id,
					map[string]any{"accountEnabled": true, "@odata.type": "#microsoft.graph.user"},
					userJSON(id, "Renamed@Contoso.com", "Updated", nil, true, "Guest"),
					[]audit.Event{event("Enable account", "UserManagement", "Update", target("Renamed@Contoso.com", "Updated",
						prop("AccountEnabled", "false", "true")))}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					old, err := s.Server.DB.FindUserByID(t.Context(), id)
					if err != nil {
						t.Fatal(err)
					}
					seq := s.auditSeq(t)
					r := s.do(t, "PATCH", "/v1.0/users/"+tt.path, tt.body)
					wantStatus(t, r, http.StatusNoContent)
					if len(r.Body) != 0 {
						t.Errorf("204 with a body: %s", r.Body)
					}
					s.wantAudit(t, seq, r, tt.audit...)
					g := s.do(t, "GET", "/v1.0/users/"+id, nil)
					wantStatus(t, g, http.StatusOK)
					got := decode(t, g)
					createdAt(t, got)
					tt.want["@odata.context"] = s.context("users/$entity")
					if diff := cmp.Diff(tt.want, got); diff != "" {
						t.Errorf("after PATCH (-want +got):\n%s", diff)
					}

					// Disabling ends the user's sessions and tokens; nothing
					// else does.
					u, err := s.Server.DB.FindUserByID(t.Context(), id)
					if err != nil {
						t.Fatal(err)
					}
					disabled := old.AccountEnabled && !u.AccountEnabled
					if revoked := u.TokensValidAfter.After(old.TokensValidAfter); revoked != disabled {
						t.Errorf("tokensValidAfter moved from %v to %v; want moved: %v", old.TokensValidAfter, u.TokensValidAfter, disabled)
					}
				})
			}

			s.createUser(t, "other@contoso.com", "Other")
			cases := append(slices.Clone(bodyCases),
				badInput{name: "displayName a boolean", body: map[string]any{"displayName": true}, status: 400, code: "Request_BadRequest", mentions: []string{"displayName"}},
				badInput{name: "displayName null", body: map[string]any{"displayName": nil}, status: 400, code: "Request_BadRequest", mentions: []string{"displayName"}},
				badInput{name: "blank displayName", body: map[string]any{"displayName": ""}, status: 400, code: "Request_BadRequest", mentions: []string{"displayName"}},
				badInput{name: "accountEnabled a number", body: map[string]any{"accountEnabled": 0}, status: 400, code: "Request_BadRequest", mentions: []string{"accountEnabled"}},
				badInput{name: "accountEnabled null", body: map[string]any{"accountEnabled": nil}, status: 400, code: "Request_BadRequest", mentions: []string{"accountEnabled"}},
				badInput{name: "unknown property", body: map[string]any{"displayName": "X", "officeLocation": "1"}, status: 400, code: "Request_BadRequest", mentions: []string{"officeLocation"}},
				badInput{name: "read-only id", body: map[string]any{"id": id}, status: 400, code: "Request_BadRequest", mentions: []string{"'id'"}},
				badInput{name: "password on update", body: map[string]any{"passwordProfile": map[string]any{"password": "x"}}, status: 400, code: "Request_BadRequest", mentions: []string{"passwordProfile"}},
				badInput{name: "invalid userPrincipalName", body: map[string]any{"userPrincipalName": "@contoso.com"}, status: 400, code: "Request_BadRequest", mentions: []string{"userPrincipalName"}},
				badInput{name: "invalid mail", body: map[string]any{"mail": "@"}, status: 400, code: "Request_BadRequest", mentions: []string{"mail"}},
				badInput{name: "invalid userType", body: map[string]any{"userType": "member"}, status: 400, code: "Request_BadRequest", mentions: []string{"userType"}},
				badInput{name: "valid change with an invalid one", body: map[string]any{"displayName": "Changed", "mail": "bad"}, status: 400, code: "Request_BadRequest", mentions: []string{"mail"}},
				badInput{name: "taken userPrincipalName", body: map[string]any{"userPrincipalName": "OTHER@contoso.com"}, status: 409, code: "Request_BadRequest", mentions: []string{"userPrincipalName"}},
			)
			s.refuse(t, "PATCH", "/v1.0/users/"+id, cases)
			s.refuseTooLarge(t, "PATCH", "/v1.0/users/"+id, `{"displayName":"`, `"}`)
			s.refuse(t, "PATCH", "/v1.0/users/3f2504e0-4f89-41d3-9a0c-0305e82c3301", []badInput{
				{name: "unknown id", body: map[string]any{"displayName": "X"}, status: 404, code: "Request_ResourceNotFound"},
			})
			s.refuse(t, "PATCH", "/v1.0/users/nobody@contoso.com", []badInput{
				{name: "unknown user principal name", body: map[string]any{"displayName": "X"}, status: 404, code: "Request_ResourceNotFound"},
			})
		})

		t.Run("delete", func(t *testing.T) {
			id := s.createUser(t, "leaver@contoso.com", "Leaver")
			group := s.createGroup(t, "Leaver's group", false)
			s.addMember(t, group, id)
			s.assignRole(t, id, helpdeskAdmin)

			seq := s.auditSeq(t)
			r := s.do(t, "DELETE", "/v1.0/users/"+id, nil)
			wantStatus(t, r, http.StatusNoContent)
			s.wantAudit(t, seq, r, event("Delete user", "UserManagement", "Delete", userTarget(id, "leaver@contoso.com", "Leaver")))

			wantError(t, s.do(t, "GET", "/v1.0/users/"+id, nil), 404, "Request_ResourceNotFound")
			if got := s.list(t, "/v1.0/groups/"+group+"/members").Value; len(got) != 0 {
				t.Errorf("deleted user still a member: %v", got)
			}
			if got := s.list(t, "/v1.0/roleManagement/directory/roleAssignments?$filter="+q("principalId eq '"+id+"'")).Value; len(got) != 0 {
				t.Errorf("deleted user still holds roles: %v", got)
			}

			byUPN := s.createUser(t, "Leaver2@contoso.com", "Leaver 2")
			wantStatus(t, s.do(t, "DELETE", "/v1.0/users/leaver2@CONTOSO.com", nil), http.StatusNoContent)
			wantError(t, s.do(t, "GET", "/v1.0/users/"+byUPN, nil), 404, "Request_ResourceNotFound")

			s.refuse(t, "DELETE", "/v1.0/users/"+id, []badInput{{name: "already deleted", status: 404, code: "Request_ResourceNotFound"}})
			s.refuse(t, "DELETE", "/v1.0/users/nobody@contoso.com", []badInput{{name: "unknown user principal name", status: 404, code: "Request_ResourceNotFound"}})
		})
	})
}

// deleted marks a property to leave out of a body.
var deleted = new(struct{})

// refuseTooLarge sends a body just over 1 MiB, with and without a
// Content-Length, and checks for 413 and that nothing was written.
func (s *server) refuseTooLarge(t *testing.T, method, path, prefix, suffix string) {
	t.Helper()
	big := prefix + strings.Repeat("a", 1<<20) + suffix
	for _, chunked := range []bool{false, true} {
		name := "over 1 MiB with Content-Length"
		if chunked {
			name = "over 1 MiB chunked"
		}
		t.Run(name, func(t *testing.T) {
			before := s.state(t)
			var body = strings.NewReader(big)
			req := s.newRequest(t, method, path, body)
			if chunked {
				req = s.newRequest(t, method, path, struct{ *strings.Reader }{body})
			}
			req.Header.Set("Content-Type", "application/json")
			wantError(t, send(t, req), http.StatusRequestEntityTooLarge, "RequestEntityTooLarge")
			s.unchanged(t, before)
		})
	}
}
