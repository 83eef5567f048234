package api_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/store"
)

// Role template ids, written out here rather than taken from the directory
// package so that a change there shows up as a failing test.
const (
	globalAdministrator = "62e90394-69f5-4237-9190-012177145e10"
	userAdministrator   = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	helpdeskAdmin       = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
	securityReader      = "5d6b6bb7-de71-4623-b4af-96380a352509"
)

// server is one Strongroom started for a top-level test, with the bootstrap
// automation client's token (every permission) as the default caller.
type server struct {
	*apptest.Instance
	token string
	admin *audit.AppIdentity // the automation client as an audit initiator
}

// start starts a server on database ("sqlite" or "postgres").
func start(t *testing.T, database string, opts ...func(*apptest.Options)) *server {
	t.Helper()
	o := apptest.Options{Database: database}
	for _, f := range opts {
		f(&o)
	}
	inst := apptest.Start(t, o)
	s := &server{Instance: inst, token: inst.AdminToken(t)}
	s.admin = s.appIdentity(t, inst.Bootstrap.ClientID)
	return s
}

// appIdentity is how the application appID appears as an audit initiator
// when it calls over the loopback interface.
func (s *server) appIdentity(t *testing.T, appID string) *audit.AppIdentity {
	t.Helper()
	a, err := s.Server.DB.FindApplicationByAppID(t.Context(), appID)
	if err != nil {
		t.Fatal(err)
	}
	return &audit.AppIdentity{AppID: a.AppID, DisplayName: a.DisplayName, ServicePrincipalID: a.ID, ServicePrincipalName: a.DisplayName, IPAddress: "127.0.0.1"}
}

// newApp registers an application holding perms, through the store (there
// is no API for applications yet), and returns its appId and a token.
func (s *server) newApp(t *testing.T, name string, perms ...authz.Permission) (appID, token string) {
	t.Helper()
	var a application.Application
	var secret string
	err := s.Server.DB.InTx(t.Context(), func(tx *store.Tx) error {
		var err error
		a, secret, err = application.CreateInTx(t.Context(), tx, s.Server.Keyring, name, perms)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a.AppID, s.ClientToken(t, a.AppID, secret)
}

// do calls the API as the automation client.
func (s *server) do(t testing.TB, method, path string, body any) *apptest.Response {
	t.Helper()
	return s.Do(t, method, path, s.token, body)
}

// send sends a request built by the test (custom headers or body readers).
func send(t testing.TB, req *http.Request) *apptest.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// newRequest builds a request to the server with the automation client's
// token.
func (s *server) newRequest(t testing.TB, method, path string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	return req
}

// wantStatus fails the test unless r has status.
func wantStatus(t testing.TB, r *apptest.Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
}

// graphError is Graph's error body.
type graphError struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			Date      string `json:"date"`
			RequestID string `json:"request-id"`
		} `json:"innerError"`
	} `json:"error"`
}

// wantError checks that r is a Graph error with status and code, and
// returns its message.
func wantError(t testing.TB, r *apptest.Response, status int, code string) string {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want JSON", ct)
	}
	var e graphError
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("error body %s: %v", r.Body, err)
	}
	if e.Error.Code != code {
		t.Errorf("error code %q, want %q; message: %s", e.Error.Code, code, e.Error.Message)
	}
	if e.Error.Message == "" {
		t.Errorf("error without a message: %s", r.Body)
	}
	if e.Error.InnerError.RequestID == "" || e.Error.InnerError.RequestID != r.Header.Get("request-id") {
		t.Errorf("innerError.request-id %q, want the request-id header %q", e.Error.InnerError.RequestID, r.Header.Get("request-id"))
	}
	return e.Error.Message
}

// wantMentions fails the test unless msg contains every word.
func wantMentions(t testing.TB, msg string, words ...string) {
	t.Helper()
	for _, w := range words {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q does not mention %q", msg, w)
		}
	}
}

// state is everything the directory API can write, read straight from the
// store, so that a refused request can be shown to have written nothing.
type state struct {
	Users       []directory.User
	Groups      []directory.Group
	Members     map[string][]directory.Member
	Assignments []directory.RoleAssignment
	AuditSeq    int64
}

func (s *server) state(t testing.TB) state {
	t.Helper()
	ctx := context.Background()
	db := s.Server.DB
	var st state
	var err error
	if st.Users, err = db.FindUsers(ctx, directory.UserFilter{}); err != nil {
		t.Fatal(err)
	}
	if st.Groups, err = db.FindGroups(ctx, directory.GroupFilter{}); err != nil {
		t.Fatal(err)
	}
	st.Members = map[string][]directory.Member{}
	for _, g := range st.Groups {
		if st.Members[g.ID], err = db.FindGroupMembers(ctx, g.ID, "", 0); err != nil {
			t.Fatal(err)
		}
	}
	if st.Assignments, err = db.FindRoleAssignments(ctx, directory.RoleAssignmentFilter{}); err != nil {
		t.Fatal(err)
	}
	st.AuditSeq = s.auditSeq(t)
	return st
}

// unchanged fails the test if the directory or the audit log differs from
// before.
func (s *server) unchanged(t testing.TB, before state) {
	t.Helper()
	if diff := cmp.Diff(before, s.state(t), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("a refused request changed the database (-before +after):\n%s", diff)
	}
}

func (s *server) auditSeq(t testing.TB) int64 {
	t.Helper()
	h, err := s.Server.DB.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h.Seq
}

// eventsSince returns the audit events appended after seq, oldest first.
func (s *server) eventsSince(t testing.TB, seq int64) []audit.Event {
	t.Helper()
	evs, err := s.Server.DB.FindAuditEvents(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Event
	for _, se := range slices.Backward(evs) {
		if se.Seq <= seq {
			continue
		}
		var e audit.Event
		if err := json.Unmarshal(se.Body, &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// event is an expected audit event; wantAudit fills in who and how.
func event(activity, category, operation string, targets ...audit.Target) audit.Event {
	return audit.Event{ActivityDisplayName: activity, Category: category, OperationType: operation, TargetResources: targets}
}

// prop is an expected modified property; old and new are JSON text ("" for
// none), as Graph records them.
func prop(name, old, new string) audit.ModifiedProperty {
	return audit.ModifiedProperty{DisplayName: name, OldValue: old, NewValue: new}
}

// wantAudit checks that exactly the events want were appended after seq,
// by the request that got r, initiated by the automation client unless the
// event says otherwise.
func (s *server) wantAudit(t testing.TB, seq int64, r *apptest.Response, want ...audit.Event) {
	t.Helper()
	got := s.eventsSince(t, seq)
	for i := range want {
		w := &want[i]
		if w.InitiatedBy.App == nil && w.InitiatedBy.User == nil {
			w.InitiatedBy.App = s.admin
		}
		w.Result = audit.Success
		w.LoggedByService = "Core Directory"
		w.CorrelationID = r.Header.Get("request-id")
		w.AdditionalDetails = []audit.KeyValue{{Key: "User-Agent", Value: "Go-http-client/1.1"}}
		if w.TargetResources == nil {
			w.TargetResources = []audit.Target{}
		}
		for j := range w.TargetResources {
			if w.TargetResources[j].ModifiedProperties == nil {
				w.TargetResources[j].ModifiedProperties = []audit.ModifiedProperty{}
			}
		}
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(audit.Event{}, "ID", "ActivityDateTime"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("audit events (-want +got):\n%s", diff)
	}
	for _, e := range got {
		if e.ID == "" || e.ActivityDateTime.IsZero() {
			t.Errorf("audit event without id or time: %+v", e)
		}
	}
}

// decode decodes r's JSON body as an object.
func decode(t testing.TB, r *apptest.Response) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
	return m
}

// page is one page of a Graph collection.
type page struct {
	Context  string           `json:"@odata.context"`
	NextLink string           `json:"@odata.nextLink"`
	Value    []map[string]any `json:"value"`
}

// list gets one page of a collection, failing unless it is a 200.
func (s *server) list(t testing.TB, path string) page {
	t.Helper()
	r := s.do(t, "GET", path, nil)
	wantStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	var p page
	r.JSON(t, &p)
	if p.Value == nil {
		t.Fatalf("GET %s: no value array: %s", path, r.Body)
	}
	return p
}

// next turns an @odata.nextLink into a path on the server, checking that it
// is absolute and points at the server.
func (s *server) next(t testing.TB, link string) string {
	t.Helper()
	if !strings.HasPrefix(link, s.URL+"/v1.0/") {
		t.Fatalf("@odata.nextLink %q is not an absolute URL on %s", link, s.URL)
	}
	return strings.TrimPrefix(link, s.URL)
}

// all follows @odata.nextLink from path and returns every item, failing if
// any page is larger than max.
func (s *server) all(t testing.TB, path string, max int) []map[string]any {
	t.Helper()
	var out []map[string]any
	for n := 0; path != ""; n++ {
		if n > 1000 {
			t.Fatal("more than 1000 pages")
		}
		p := s.list(t, path)
		if len(p.Value) > max {
			t.Fatalf("page of %d items, want at most %d", len(p.Value), max)
		}
		if p.NextLink != "" && len(p.Value) == 0 {
			t.Fatalf("empty page with a nextLink")
		}
		out = append(out, p.Value...)
		path = ""
		if p.NextLink != "" {
			path = s.next(t, p.NextLink)
		}
	}
	return out
}

// ids returns the "id" of each item.
func ids(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i], _ = it["id"].(string)
	}
	return out
}

// sorted returns a sorted copy.
func sorted(ss ...string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return out
}

// q escapes a query option value.
func q(s string) string { return url.QueryEscape(s) }

// context returns the @odata.context the server writes for fragment.
func (s *server) context(fragment string) string {
	return s.URL + "/v1.0/$metadata#" + fragment
}

// forge signs claims with a key of the test's own, under kid.
func forge(t testing.TB, kid string, claims map[string]any) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
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

// parseJWT returns the header and claims of a compact JWT, unverified.
func parseJWT(t testing.TB, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWT: %q", tok)
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

// TestAuthorization calls every route without a token, with tokens that are
// not Strongroom's, and as applications that lack the permission the route
// needs, and checks that each is refused with the right status and that
// nothing was written.
func TestAuthorization(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		s := start(t, database)
		_, unrelated := s.newApp(t, "Unrelated", authz.PolicyReadAll)
		_, reader := s.newApp(t, "Reader", authz.UserReadAll, authz.GroupReadAll, authz.RoleManagementReadDirectory, authz.AuditLogReadAll)

		user := s.createUser(t, "authz-user@contoso.com", "Authz User")
		other := s.createUser(t, "authz-other@contoso.com", "Authz Other")
		group := s.createGroup(t, "Authz group", false)
		s.addMember(t, group, user)
		assignment := s.assignRole(t, user, helpdeskAdmin)
		auditID := ids(s.list(t, "/v1.0/auditLogs/directoryAudits?$top=1").Value)[0]

		routes := []struct {
			method, path string
			body         any
			perm         string // named in the 403 to an application without it
			write        bool   // the read permission is not enough
		}{
			{"GET", "/v1.0/users", nil, "User.Read.All", false},
			{"POST", "/v1.0/users", map[string]any{"userPrincipalName": "new@contoso.com", "displayName": "New"}, "User.ReadWrite.All", true},
			{"GET", "/v1.0/users/" + user, nil, "User.Read.All", false},
			{"PATCH", "/v1.0/users/" + user, map[string]any{"displayName": "Renamed"}, "User.ReadWrite.All", true},
			{"DELETE", "/v1.0/users/" + user, nil, "User.ReadWrite.All", true},
			{"GET", "/v1.0/users/" + user + "/memberOf", nil, "User.Read.All", false},
			{"GET", "/v1.0/users/" + user + "/transitiveMemberOf", nil, "User.Read.All", false},
			{"GET", "/v1.0/groups", nil, "Group.Read.All", false},
			{"POST", "/v1.0/groups", map[string]any{"displayName": "New group"}, "Group.ReadWrite.All", true},
			{"GET", "/v1.0/groups/" + group, nil, "Group.Read.All", false},
			{"PATCH", "/v1.0/groups/" + group, map[string]any{"description": "changed"}, "Group.ReadWrite.All", true},
			{"DELETE", "/v1.0/groups/" + group, nil, "Group.ReadWrite.All", true},
			{"GET", "/v1.0/groups/" + group + "/members", nil, "Group.Read.All", false},
			{"POST", "/v1.0/groups/" + group + "/members/$ref", ref(s, other), "Group.ReadWrite.All", true},
			{"DELETE", "/v1.0/groups/" + group + "/members/" + user + "/$ref", nil, "Group.ReadWrite.All", true},
			{"GET", "/v1.0/groups/" + group + "/memberOf", nil, "Group.Read.All", false},
			{"GET", "/v1.0/groups/" + group + "/transitiveMemberOf", nil, "Group.Read.All", false},
			{"GET", "/v1.0/roleManagement/directory/roleDefinitions", nil, "RoleManagement.Read.Directory", false},
			{"GET", "/v1.0/roleManagement/directory/roleDefinitions/" + globalAdministrator, nil, "RoleManagement.Read.Directory", false},
			{"GET", "/v1.0/roleManagement/directory/roleAssignments", nil, "RoleManagement.Read.Directory", false},
			{"POST", "/v1.0/roleManagement/directory/roleAssignments", map[string]any{"principalId": other, "roleDefinitionId": helpdeskAdmin, "directoryScopeId": "/"}, "RoleManagement.ReadWrite.Directory", true},
			{"GET", "/v1.0/roleManagement/directory/roleAssignments/" + assignment, nil, "RoleManagement.Read.Directory", false},
			{"DELETE", "/v1.0/roleManagement/directory/roleAssignments/" + assignment, nil, "RoleManagement.ReadWrite.Directory", true},
			{"GET", "/v1.0/auditLogs/directoryAudits", nil, "AuditLog.Read.All", false},
			{"GET", "/v1.0/auditLogs/directoryAudits/" + auditID, nil, "AuditLog.Read.All", false},
		}

		// Tokens that must not be accepted.
		header, claims := parseJWT(t, s.token)
		kid, _ := header["kid"].(string)
		_, readerClaims := parseJWT(t, reader)
		escalated := maps.Clone(readerClaims)
		escalated["roles"] = []string{"User.ReadWrite.All", "Group.ReadWrite.All", "RoleManagement.ReadWrite.Directory", "AuditLog.Read.All"}
		none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + strings.Split(s.token, ".")[1] + "."
		otherIssuer := maps.Clone(claims)
		otherIssuer["iss"] = "https://login.example.com/"
		badTokens := []struct {
			name, authorization string
		}{
			{"no token", ""},
			{"empty bearer", "Bearer "},
			{"basic scheme", "Basic " + base64.StdEncoding.EncodeToString([]byte(s.Bootstrap.ClientID+":"+s.Bootstrap.ClientSecret))},
			{"garbage", "Bearer not-a-token"},
			{"client secret as token", "Bearer " + s.Bootstrap.ClientSecret},
			{"admin claims signed by another key", "Bearer " + forge(t, kid, claims)},
			{"escalated roles signed by another key", "Bearer " + forge(t, kid, escalated)},
			{"unknown key id", "Bearer " + forge(t, "some-other-kid", claims)},
			{"alg none", "Bearer " + none},
			{"tampered payload", "Bearer " + tamper(t, reader, escalated)},
			{"another issuer", "Bearer " + forge(t, kid, otherIssuer)},
		}

		for _, rt := range routes {
			t.Run(rt.method+" "+rt.path, func(t *testing.T) {
				before := s.state(t)
				for _, bt := range badTokens {
					var body io.Reader
					if rt.body != nil {
						b, _ := json.Marshal(rt.body)
						body = bytes.NewReader(b)
					}
					req := s.newRequest(t, rt.method, rt.path, body)
					req.Header.Set("Content-Type", "application/json")
					req.Header.Del("Authorization")
					if bt.authorization != "" {
						req.Header.Set("Authorization", bt.authorization)
					}
					r := send(t, req)
					t.Run(bt.name, func(t *testing.T) {
						wantError(t, r, http.StatusUnauthorized, "InvalidAuthenticationToken")
						if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
							t.Errorf("WWW-Authenticate %q, want a Bearer challenge", r.Header.Get("WWW-Authenticate"))
						}
					})
				}

				r := s.Do(t, rt.method, rt.path, unrelated, rt.body)
				msg := wantError(t, r, http.StatusForbidden, "Authorization_RequestDenied")
				wantMentions(t, msg, rt.perm)

				r = s.Do(t, rt.method, rt.path, reader, rt.body)
				if rt.write {
					msg := wantError(t, r, http.StatusForbidden, "Authorization_RequestDenied")
					wantMentions(t, msg, rt.perm)
				} else {
					wantStatus(t, r, http.StatusOK)
				}
				s.unchanged(t, before)
			})
		}
	})
}

// tamper replaces the claims of a genuine token and keeps its signature.
func tamper(t testing.TB, tok string, claims map[string]any) string {
	t.Helper()
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
}

// TestPermissionRemoval checks that a permission taken from an application
// stops working at once, even for a token issued while it held it.
func TestPermissionRemoval(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		s := start(t, database)
		appID, token := s.newApp(t, "Short-lived", authz.UserReadAll)
		wantStatus(t, s.Do(t, "GET", "/v1.0/users", token, nil), http.StatusOK)
		err := s.Server.DB.InTx(t.Context(), func(tx *store.Tx) error {
			a, err := tx.FindApplicationByAppID(t.Context(), appID)
			if err != nil {
				return err
			}
			return tx.ExecForTest(t.Context(), "DELETE FROM application_permissions WHERE application_id = ?", a.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		msg := wantError(t, s.Do(t, "GET", "/v1.0/users", token, nil), http.StatusForbidden, "Authorization_RequestDenied")
		wantMentions(t, msg, "User.Read.All")
	})
}

// TestRouting checks what is not a route.
func TestRouting(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite")
	tests := []struct {
		method, path string
		status       int
		code         string
		allow        string
	}{
		{"GET", "/v1.0/nothing", http.StatusNotFound, "Request_ResourceNotFound", ""},
		{"GET", "/v1.0/users/x/manager", http.StatusNotFound, "Request_ResourceNotFound", ""},
		{"PUT", "/v1.0/applications", http.StatusMethodNotAllowed, "Request_BadRequest", "GET, POST"},
		{"PUT", "/v1.0/users", http.StatusMethodNotAllowed, "Request_BadRequest", "GET, POST"},
		{"DELETE", "/v1.0/users", http.StatusMethodNotAllowed, "Request_BadRequest", "GET, POST"},
		{"PUT", "/v1.0/users/x", http.StatusMethodNotAllowed, "Request_BadRequest", "GET, PATCH, DELETE"},
		{"POST", "/v1.0/auditLogs/directoryAudits", http.StatusMethodNotAllowed, "Request_BadRequest", "GET"},
		{"GET", "/v1.0/groups/x/members/$ref", http.StatusMethodNotAllowed, "Request_BadRequest", "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := s.do(t, tt.method, tt.path, nil)
			wantError(t, r, tt.status, tt.code)
			if got := r.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
		})
	}
}

// createUser creates a user and returns its id.
func (s *server) createUser(t testing.TB, upn, name string) string {
	t.Helper()
	r := s.do(t, "POST", "/v1.0/users", map[string]any{"userPrincipalName": upn, "displayName": name, "accountEnabled": true})
	wantStatus(t, r, http.StatusCreated)
	return decode(t, r)["id"].(string)
}

// createGroup creates a security group and returns its id.
func (s *server) createGroup(t testing.TB, name string, roleAssignable bool) string {
	t.Helper()
	r := s.do(t, "POST", "/v1.0/groups", map[string]any{"displayName": name, "securityEnabled": true, "mailEnabled": false, "isAssignableToRole": roleAssignable})
	wantStatus(t, r, http.StatusCreated)
	return decode(t, r)["id"].(string)
}

// ref is a $ref body pointing at a directory object.
func ref(s *server, id string) map[string]any {
	return map[string]any{"@odata.id": s.URL + "/v1.0/directoryObjects/" + id}
}

// addMember adds member to group.
func (s *server) addMember(t testing.TB, group, member string) {
	t.Helper()
	wantStatus(t, s.do(t, "POST", "/v1.0/groups/"+group+"/members/$ref", ref(s, member)), http.StatusNoContent)
}

// assignRole assigns role to principal and returns the assignment id.
func (s *server) assignRole(t testing.TB, principal, role string) string {
	t.Helper()
	r := s.do(t, "POST", "/v1.0/roleManagement/directory/roleAssignments", map[string]any{"principalId": principal, "roleDefinitionId": role, "directoryScopeId": "/"})
	wantStatus(t, r, http.StatusCreated)
	return decode(t, r)["id"].(string)
}
