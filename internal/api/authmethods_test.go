package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/password"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/totp"
)

const (
	methodsPolicy   = "/v1.0/policies/authenticationMethodsPolicy"
	tapPolicy       = methodsPolicy + "/authenticationMethodConfigurations/TemporaryAccessPass"
	oathPolicy      = methodsPolicy + "/authenticationMethodConfigurations/SoftwareOath"
	authAdmin       = "c4e39bd9-1100-46d3-8c65-fb160da0071f"
	privAuthAdmin   = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"
	globalReader    = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
	methodsAuditSvc = "Authentication Methods"
)

func tapMethodsOf(user string) string {
	return "/v1.0/users/" + user + "/authentication/temporaryAccessPassMethods"
}

// userToken is an access token for a user, signed with the server's key as
// its token endpoint would.
func (s *server) userToken(t testing.TB, userID string) string {
	t.Helper()
	key, err := s.Server.Keys.Current()
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key.Private}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", key.ID))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	b, _ := json.Marshal(map[string]any{"iss": s.URL, "aud": "api://strongroom", "sub": userID, "oid": userID, "idtyp": "user",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	jws, err := signer.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// methodEvents returns the audit events since seq, checking that none of
// them contains secret.
func (s *server) methodEvents(t testing.TB, seq int64, secret string) []audit.Event {
	t.Helper()
	evs := s.eventsSince(t, seq)
	if secret != "" {
		b, _ := json.Marshal(evs)
		if strings.Contains(string(b), secret) {
			t.Errorf("the audit log contains the secret %q", secret)
		}
	}
	return evs
}

func wantEvent(t testing.TB, evs []audit.Event, activity, targetID string) audit.Event {
	t.Helper()
	if len(evs) != 1 {
		t.Fatalf("%d audit events, want 1 %q: %+v", len(evs), activity, evs)
	}
	e := evs[0]
	if e.ActivityDisplayName != activity || e.LoggedByService != methodsAuditSvc || len(e.TargetResources) == 0 || e.TargetResources[0].ID != targetID {
		t.Fatalf("audit event %+v, want %q on %s", e, activity, targetID)
	}
	return e
}

var defaultTAPPolicy = map[string]any{
	"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
	"id":          "TemporaryAccessPass", "state": "enabled", "defaultLifetimeInMinutes": 60.0, "defaultLength": 8.0,
	"minimumLifetimeInMinutes": 60.0, "maximumLifetimeInMinutes": 480.0, "isUsableOnce": false,
	"includeTargets": []any{map[string]any{"targetType": "group", "id": "all_users", "isRegistrationRequired": false}},
	"excludeTargets": []any{},
}

func TestMethodsPolicy(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		s := start(t, database)
		get := func(path string) map[string]any {
			t.Helper()
			r := s.do(t, "GET", path, nil)
			wantStatus(t, r, http.StatusOK)
			m := decode(t, r)
			delete(m, "@odata.context")
			return m
		}

		// The whole policy lists every configuration, Fido2 included.
		r := s.do(t, "GET", methodsPolicy, nil)
		wantStatus(t, r, http.StatusOK)
		var whole struct {
			Context        string           `json:"@odata.context"`
			ID             string           `json:"id"`
			Configurations []map[string]any `json:"authenticationMethodConfigurations"`
		}
		r.JSON(t, &whole)
		var kinds []string
		for _, c := range whole.Configurations {
			kinds = append(kinds, c["id"].(string)+" "+c["@odata.type"].(string))
		}
		if diff := cmp.Diff([]string{"Fido2 #microsoft.graph.fido2AuthenticationMethodConfiguration",
			"SoftwareOath #microsoft.graph.softwareOathAuthenticationMethodConfiguration",
			"TemporaryAccessPass #microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration"}, kinds); diff != "" || whole.ID != "authenticationMethodsPolicy" ||
			whole.Context != s.context("policies/authenticationMethodsPolicy") {
			t.Errorf("policy %s (-want +got kinds):\n%s", r.Body, diff)
		}

		if diff := cmp.Diff(defaultTAPPolicy, get(tapPolicy)); diff != "" {
			t.Errorf("default TAP configuration (-want +got):\n%s", diff)
		}
		if m := decode(t, s.do(t, "GET", tapPolicy, nil)); m["@odata.context"] != s.context("policies/authenticationMethodsPolicy/authenticationMethodConfigurations/$entity") {
			t.Errorf("@odata.context %v", m["@odata.context"])
		}

		// Bad values: 400 naming what is allowed, nothing written.
		seq := s.auditSeq(t)
		for _, tc := range []struct {
			body  any
			words []string
		}{
			{map[string]any{"defaultLength": 7}, []string{"defaultLength", "8", "48"}},
			{map[string]any{"defaultLength": 49}, []string{"defaultLength", "8", "48"}},
			{map[string]any{"minimumLifetimeInMinutes": 9}, []string{"minimumLifetimeInMinutes", "10", "43200"}},
			{map[string]any{"maximumLifetimeInMinutes": 43201}, []string{"maximumLifetimeInMinutes", "10", "43200"}},
			{map[string]any{"defaultLifetimeInMinutes": 600}, []string{"defaultLifetimeInMinutes", "60", "480"}},
			{map[string]any{"minimumLifetimeInMinutes": 500}, []string{"minimumLifetimeInMinutes", "480"}},
			{map[string]any{"state": "on"}, []string{"enabled", "disabled"}},
			{map[string]any{"isUsableOnce": "yes"}, []string{"isUsableOnce", "boolean"}},
			{map[string]any{"defaultLength": 8.5}, []string{"defaultLength", "integer"}},
			{map[string]any{"includeTargets": []any{map[string]any{"id": "not-a-group"}}}, []string{"includeTargets[0]", "group id"}},
			{map[string]any{"includeTargets": []any{map[string]any{"id": uuid.NewString()}}}, []string{"no group"}},
			{map[string]any{"includeTargets": []any{map[string]any{"id": "all_users", "colour": "red"}}}, []string{"colour"}},
			{map[string]any{"excludeTargets": []any{map[string]any{"id": "all_users"}}}, []string{"all_users", "disable"}},
			{map[string]any{"includeTargets": "all_users"}, []string{"includeTargets", "array"}},
			{map[string]any{"defaultLengthInChars": 9}, []string{"defaultLengthInChars"}},
			{map[string]any{"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration"}, []string{"@odata.type"}},
			{map[string]any{"id": "Fido2"}, []string{"read-only"}},
		} {
			b, _ := json.Marshal(tc.body)
			msg := wantError(t, s.do(t, "PATCH", tapPolicy, tc.body), http.StatusBadRequest, "Request_BadRequest")
			for _, w := range tc.words {
				if !strings.Contains(msg, w) {
					t.Errorf("PATCH %s: message %q does not mention %q", b, msg, w)
				}
			}
		}
		if diff := cmp.Diff(defaultTAPPolicy, get(tapPolicy)); diff != "" {
			t.Errorf("refused PATCHes changed the configuration (-want +got):\n%s", diff)
		}
		if n := len(s.eventsSince(t, seq)); n != 0 {
			t.Errorf("refused PATCHes wrote %d audit events", n)
		}

		// A good PATCH merges; the audit event lists what changed.
		group := s.createGroup(t, "TAP users", false)
		seq = s.auditSeq(t)
		wantStatus(t, s.do(t, "PATCH", tapPolicy, map[string]any{
			"@odata.type":              "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
			"defaultLifetimeInMinutes": 120, "maximumLifetimeInMinutes": 600, "defaultLength": 12,
			"includeTargets": []any{map[string]any{"targetType": "group", "id": group, "isRegistrationRequired": false}},
		}), http.StatusNoContent)
		want := map[string]any{}
		for k, v := range defaultTAPPolicy {
			want[k] = v
		}
		want["defaultLifetimeInMinutes"], want["maximumLifetimeInMinutes"], want["defaultLength"] = 120.0, 600.0, 12.0
		want["includeTargets"] = []any{map[string]any{"targetType": "group", "id": group, "isRegistrationRequired": false}}
		if diff := cmp.Diff(want, get(tapPolicy)); diff != "" {
			t.Errorf("after PATCH (-want +got):\n%s", diff)
		}
		e := wantEvent(t, s.eventsSince(t, seq), "Authentication Methods Policy Update", "TemporaryAccessPass")
		var changed []string
		for _, p := range e.TargetResources[0].ModifiedProperties {
			changed = append(changed, p.DisplayName)
		}
		if diff := cmp.Diff([]string{"defaultLength", "defaultLifetimeInMinutes", "includeTargets", "maximumLifetimeInMinutes"}, changed); diff != "" {
			t.Errorf("modified properties (-want +got):\n%s", diff)
		}
		// A PATCH that changes nothing is not audited.
		seq = s.auditSeq(t)
		wantStatus(t, s.do(t, "PATCH", tapPolicy, map[string]any{"defaultLength": 12}), http.StatusNoContent)
		if n := len(s.eventsSince(t, seq)); n != 0 {
			t.Errorf("an empty change wrote %d audit events", n)
		}

		// DELETE reverts to the default.
		seq = s.auditSeq(t)
		wantStatus(t, s.do(t, "DELETE", tapPolicy, nil), http.StatusNoContent)
		if diff := cmp.Diff(defaultTAPPolicy, get(tapPolicy)); diff != "" {
			t.Errorf("after DELETE (-want +got):\n%s", diff)
		}
		wantEvent(t, s.eventsSince(t, seq), "Authentication Methods Policy Reset", "TemporaryAccessPass")

		// SoftwareOath, the same way.
		defaultOath := map[string]any{"@odata.type": "#microsoft.graph.softwareOathAuthenticationMethodConfiguration", "id": "SoftwareOath", "state": "enabled",
			"includeTargets": []any{map[string]any{"targetType": "group", "id": "all_users", "isRegistrationRequired": false}}, "excludeTargets": []any{}}
		if diff := cmp.Diff(defaultOath, get(oathPolicy)); diff != "" {
			t.Errorf("default SoftwareOath configuration (-want +got):\n%s", diff)
		}
		wantError(t, s.do(t, "PATCH", oathPolicy, map[string]any{"defaultLength": 8}), http.StatusBadRequest, "Request_BadRequest")
		wantStatus(t, s.do(t, "PATCH", oathPolicy, map[string]any{"state": "disabled", "excludeTargets": []any{map[string]any{"targetType": "group", "id": group}}}), http.StatusNoContent)
		got := get(oathPolicy)
		if got["state"] != "disabled" || len(got["excludeTargets"].([]any)) != 1 {
			t.Errorf("after PATCH: %v", got)
		}
		wantStatus(t, s.do(t, "DELETE", oathPolicy, nil), http.StatusNoContent)
		if diff := cmp.Diff(defaultOath, get(oathPolicy)); diff != "" {
			t.Errorf("after DELETE (-want +got):\n%s", diff)
		}

		// Permissions.
		_, reader := s.newApp(t, "Policy reader", authz.PolicyReadAuthenticationMethod)
		_, none := s.newApp(t, "Unrelated", authz.UserReadAll)
		wantStatus(t, s.Do(t, "GET", tapPolicy, reader, nil), http.StatusOK)
		wantStatus(t, s.Do(t, "GET", methodsPolicy, reader, nil), http.StatusOK)
		msg := wantError(t, s.Do(t, "PATCH", tapPolicy, reader, map[string]any{"defaultLength": 10}), http.StatusForbidden, "Authorization_RequestDenied")
		wantMentions(t, msg, "Policy.ReadWrite.AuthenticationMethod")
		wantError(t, s.Do(t, "DELETE", oathPolicy, reader, nil), http.StatusForbidden, "Authorization_RequestDenied")
		msg = wantError(t, s.Do(t, "GET", oathPolicy, none, nil), http.StatusForbidden, "Authorization_RequestDenied")
		wantMentions(t, msg, "Policy.Read.AuthenticationMethod")
		wantError(t, s.do(t, "PUT", tapPolicy, map[string]any{}), http.StatusMethodNotAllowed, "Request_BadRequest")
	})
}

func TestTAPMethods(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		s := start(t, database)
		user := s.createUser(t, "tap-user@contoso.com", "TAP user")

		seq := s.auditSeq(t)
		r := s.do(t, "POST", tapMethodsOf(user), map[string]any{})
		wantStatus(t, r, http.StatusCreated)
		m := decode(t, r)
		pass, _ := m["temporaryAccessPass"].(string)
		id, _ := m["id"].(string)
		if len(pass) != 8 || m["lifetimeInMinutes"] != 60.0 || m["isUsableOnce"] != false || m["isUsable"] != true || m["methodUsabilityReason"] != "EnabledByPolicy" {
			t.Fatalf("created pass %v", m)
		}
		if r.Header.Get("Location") != s.URL+tapMethodsOf(user)+"/"+id {
			t.Errorf("Location %q", r.Header.Get("Location"))
		}
		if m["@odata.context"] != s.context("users('"+user+"')/authentication/temporaryAccessPassMethods/$entity") {
			t.Errorf("@odata.context %v", m["@odata.context"])
		}
		created, _ := time.Parse(time.RFC3339, m["createdDateTime"].(string))
		started, _ := time.Parse(time.RFC3339, m["startDateTime"].(string))
		if created.IsZero() || !started.Equal(created) {
			t.Errorf("createdDateTime %v, startDateTime %v: a pass without a start starts now", m["createdDateTime"], m["startDateTime"])
		}
		e := wantEvent(t, s.methodEvents(t, seq, pass), "Admin registered temporary access pass method for user", user)
		if e.InitiatedBy.App == nil || e.InitiatedBy.App.AppID != s.Bootstrap.ClientID {
			t.Errorf("initiator %+v", e.InitiatedBy)
		}

		// The pass is never shown again.
		got := decode(t, s.do(t, "GET", tapMethodsOf(user)+"/"+id, nil))
		if got["temporaryAccessPass"] != nil || got["id"] != id || got["isUsable"] != true {
			t.Errorf("GET pass %v", got)
		}
		list := s.list(t, tapMethodsOf("tap-user@contoso.com"))
		if len(list.Value) != 1 || list.Value[0]["temporaryAccessPass"] != nil || list.Value[0]["id"] != id {
			t.Errorf("list %v", list.Value)
		}

		// Bad requests: 400 naming the allowed range, nothing written.
		seq = s.auditSeq(t)
		for _, tc := range []struct {
			body  any
			words []string
		}{
			{map[string]any{"lifetimeInMinutes": 59}, []string{"lifetimeInMinutes", "between 60 and 480"}},
			{map[string]any{"lifetimeInMinutes": 481}, []string{"lifetimeInMinutes", "between 60 and 480"}},
			{map[string]any{"lifetimeInMinutes": 60.5}, []string{"lifetimeInMinutes", "integer"}},
			{map[string]any{"isUsableOnce": 1}, []string{"isUsableOnce"}},
			{map[string]any{"startDateTime": "tomorrow"}, []string{"startDateTime"}},
			{map[string]any{"startDateTime": time.Now().Add(-2 * time.Hour).Format(time.RFC3339), "lifetimeInMinutes": 60}, []string{"already past"}},
			{map[string]any{"temporaryAccessPass": "mine"}, []string{"temporaryAccessPass"}},
		} {
			msg := wantError(t, s.do(t, "POST", tapMethodsOf(user), tc.body), http.StatusBadRequest, "Request_BadRequest")
			wantMentions(t, msg, tc.words...)
		}
		if l := s.list(t, tapMethodsOf(user)); len(l.Value) != 1 || l.Value[0]["id"] != id {
			t.Errorf("refused requests changed the passes: %v", l.Value)
		}
		if n := len(s.eventsSince(t, seq)); n != 0 {
			t.Errorf("refused requests wrote %d audit events", n)
		}

		// The policy's defaults and rules apply.
		wantStatus(t, s.do(t, "PATCH", tapPolicy, map[string]any{"isUsableOnce": true, "defaultLifetimeInMinutes": 90, "defaultLength": 20}), http.StatusNoContent)
		msg := wantError(t, s.do(t, "POST", tapMethodsOf(user), map[string]any{"isUsableOnce": false}), http.StatusBadRequest, "Request_BadRequest")
		wantMentions(t, msg, "isUsableOnce", "one-time")
		r = s.do(t, "POST", tapMethodsOf(user), nil)
		wantStatus(t, r, http.StatusCreated)
		m = decode(t, r)
		if m["isUsableOnce"] != true || m["lifetimeInMinutes"] != 90.0 || len(m["temporaryAccessPass"].(string)) != 20 {
			t.Errorf("pass with the policy's defaults %v", m)
		}
		id = m["id"].(string)

		// DELETE revokes; audited.
		seq = s.auditSeq(t)
		wantStatus(t, s.do(t, "DELETE", tapMethodsOf(user)+"/"+id, nil), http.StatusNoContent)
		wantEvent(t, s.eventsSince(t, seq), "Admin deleted temporary access pass method for user", user)
		if l := s.list(t, tapMethodsOf(user)); len(l.Value) != 0 {
			t.Errorf("after DELETE: %v", l.Value)
		}
		wantError(t, s.do(t, "DELETE", tapMethodsOf(user)+"/"+id, nil), http.StatusNotFound, "Request_ResourceNotFound")
		wantError(t, s.do(t, "GET", tapMethodsOf(user)+"/"+id, nil), http.StatusNotFound, "Request_ResourceNotFound")
		wantError(t, s.do(t, "POST", tapMethodsOf(uuid.NewString()), nil), http.StatusNotFound, "Request_ResourceNotFound")
		wantError(t, s.do(t, "GET", tapMethodsOf("nobody@contoso.com"), nil), http.StatusNotFound, "Request_ResourceNotFound")
	})
}

// Who may issue, see and revoke passes (entra.md §1.4).
func TestTAPAuthorization(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		s := start(t, database)
		member := s.createUser(t, "member@contoso.com", "Member")
		ga := s.createUser(t, "ga@contoso.com", "Global admin")
		aa := s.createUser(t, "aa@contoso.com", "Authentication admin")
		paa := s.createUser(t, "paa@contoso.com", "Privileged authentication admin")
		gr := s.createUser(t, "gr@contoso.com", "Global reader")
		s.assignRole(t, ga, globalAdministrator)
		s.assignRole(t, aa, authAdmin)
		s.assignRole(t, paa, privAuthAdmin)
		s.assignRole(t, gr, globalReader)
		as := func(u string) string { return s.userToken(t, u) }

		// An Authentication Administrator: members yes, admins no.
		seq := s.auditSeq(t)
		r := s.Do(t, "POST", tapMethodsOf(member), as(aa), map[string]any{})
		wantStatus(t, r, http.StatusCreated)
		e := wantEvent(t, s.methodEvents(t, seq, decode(t, r)["temporaryAccessPass"].(string)), "Admin registered temporary access pass method for user", member)
		if e.InitiatedBy.User == nil || e.InitiatedBy.User.ID != aa {
			t.Errorf("initiator %+v, want the Authentication Administrator", e.InitiatedBy)
		}
		msg := wantError(t, s.Do(t, "POST", tapMethodsOf(ga), as(aa), map[string]any{}), http.StatusForbidden, "Authorization_RequestDenied")
		wantMentions(t, msg, "Privileged Authentication Administrator")
		wantError(t, s.Do(t, "POST", tapMethodsOf(paa), as(aa), map[string]any{}), http.StatusForbidden, "Authorization_RequestDenied")

		// A Privileged Authentication Administrator: admins too.
		r = s.Do(t, "POST", tapMethodsOf(ga), as(paa), map[string]any{})
		wantStatus(t, r, http.StatusCreated)
		gaPass := decode(t, r)["id"].(string)
		wantError(t, s.Do(t, "DELETE", tapMethodsOf(ga)+"/"+gaPass, as(aa), nil), http.StatusForbidden, "Authorization_RequestDenied")

		// Nobody issues a pass for themselves.
		for _, u := range []string{ga, paa} {
			msg = wantError(t, s.Do(t, "POST", tapMethodsOf(u), as(u), map[string]any{}), http.StatusForbidden, "Authorization_RequestDenied")
			wantMentions(t, msg, "yourself")
		}
		r = s.Do(t, "POST", tapMethodsOf(paa), as(ga), map[string]any{})
		wantStatus(t, r, http.StatusCreated)

		// A Global Reader sees passes (never the code) and changes nothing.
		l := struct {
			Value []map[string]any `json:"value"`
		}{}
		r = s.Do(t, "GET", tapMethodsOf(ga), as(gr), nil)
		wantStatus(t, r, http.StatusOK)
		r.JSON(t, &l)
		if len(l.Value) != 1 || l.Value[0]["temporaryAccessPass"] != nil {
			t.Errorf("global reader's view %s", r.Body)
		}
		msg = wantError(t, s.Do(t, "POST", tapMethodsOf(member), as(gr), map[string]any{}), http.StatusForbidden, "Authorization_RequestDenied")
		wantMentions(t, msg, "UserAuthenticationMethod.ReadWrite.All")
		// A plain member has no roles at all.
		wantError(t, s.Do(t, "GET", tapMethodsOf(ga), as(member), nil), http.StatusForbidden, "Authorization_RequestDenied")

		// Applications: UserAuthenticationMethod.ReadWrite.All, admins included.
		_, readApp := s.newApp(t, "Method reader", authz.UserAuthenticationMethodReadAll)
		_, writeApp := s.newApp(t, "Method writer", authz.UserAuthenticationMethodReadWriteAll)
		_, userApp := s.newApp(t, "User reader", authz.UserReadAll)
		wantStatus(t, s.Do(t, "GET", tapMethodsOf(ga), readApp, nil), http.StatusOK)
		msg = wantError(t, s.Do(t, "POST", tapMethodsOf(member), readApp, map[string]any{}), http.StatusForbidden, "Authorization_RequestDenied")
		wantMentions(t, msg, "UserAuthenticationMethod.ReadWrite.All")
		wantError(t, s.Do(t, "DELETE", tapMethodsOf(ga)+"/"+gaPass, readApp, nil), http.StatusForbidden, "Authorization_RequestDenied")
		msg = wantError(t, s.Do(t, "GET", tapMethodsOf(ga), userApp, nil), http.StatusForbidden, "Authorization_RequestDenied")
		wantMentions(t, msg, "UserAuthenticationMethod.Read.All")
		// Without the permission, an unknown user is a 403 too: nothing leaks.
		wantError(t, s.Do(t, "GET", tapMethodsOf(uuid.NewString()), userApp, nil), http.StatusForbidden, "Authorization_RequestDenied")
		wantStatus(t, s.Do(t, "POST", tapMethodsOf(ga), writeApp, map[string]any{}), http.StatusCreated)
	})
}

// The admin's view of a user's other methods: password, authenticator
// apps, passkeys, and all of them together.
func TestUserMethods(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		s := start(t, database)
		user := s.createUser(t, "methods@contoso.com", "Methods")
		base := "/v1.0/users/" + user + "/authentication/"
		if l := s.list(t, base+"methods"); len(l.Value) != 0 {
			t.Fatalf("a new user's methods: %v", l.Value)
		}
		if l := s.list(t, base+"passwordMethods"); len(l.Value) != 0 {
			t.Fatalf("a new user's passwords: %v", l.Value)
		}

		// A pass, then a password, an authenticator app (and a pending one,
		// not shown) and a passkey, stored as their services would.
		r := s.do(t, "POST", tapMethodsOf(user), nil)
		wantStatus(t, r, http.StatusCreated)
		tapID := decode(t, r)["id"].(string)
		oathID, pendingID, keyID := uuid.NewString(), uuid.NewString(), uuid.NewString()
		err := s.Server.DB.InTx(t.Context(), func(tx *store.Tx) error {
			now := tx.Now()
			if err := tx.SetPassword(t.Context(), password.Credential{UserID: user, Hash: password.New(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}).Hash("a long passphrase"), CreatedDateTime: now}); err != nil {
				return err
			}
			for _, m := range []totp.Method{
				{ID: oathID, UserID: user, Secret: s.Server.Keyring.Seal(totp.SealPurpose, []byte("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")), DisplayName: "Phone", Confirmed: true, CreatedDateTime: now.Add(time.Second)},
				{ID: pendingID, UserID: user, Secret: s.Server.Keyring.Seal(totp.SealPurpose, []byte("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")), CreatedDateTime: now.Add(2 * time.Second)},
			} {
				if err := tx.CreateTOTPMethod(t.Context(), m); err != nil {
					return err
				}
			}
			return tx.CreatePasskey(t.Context(), passkey.Credential{ID: keyID, UserID: user, CredentialID: []byte("credential-" + keyID), PublicKey: []byte{1},
				AAGUID: "cb69481e-8ff7-4039-93ec-0a2729a154a8", Transports: []string{"usb"}, UserVerified: true, AttestationFormat: "packed",
				AttestationTrusted: true, AttestationCertificates: []string{"00ff"}, DisplayName: "YubiKey", Model: "YubiKey 5", CreatedAt: now.Add(3 * time.Second)})
		})
		if err != nil {
			t.Fatal(err)
		}
		pws := s.list(t, base+"passwordMethods")
		if diff := cmp.Diff([]map[string]any{{"id": password.GraphMethodID, "password": nil}}, withoutCreated(t, pws.Value)); diff != "" {
			t.Errorf("passwordMethods (-want +got):\n%s", diff)
		}
		if pws.Context != s.context("users('"+user+"')/authentication/passwordMethods") {
			t.Errorf("@odata.context %q", pws.Context)
		}
		if m := decode(t, s.do(t, "GET", base+"passwordMethods/"+password.GraphMethodID, nil)); m["password"] != nil || m["id"] != password.GraphMethodID {
			t.Errorf("password method %v", m)
		}
		oaths := s.list(t, base+"softwareOathMethods")
		if diff := cmp.Diff([]map[string]any{{"id": oathID, "secretKey": nil}}, oaths.Value); diff != "" {
			t.Errorf("softwareOathMethods (-want +got):\n%s", diff)
		}
		wantError(t, s.do(t, "GET", base+"softwareOathMethods/"+pendingID, nil), http.StatusNotFound, "Request_ResourceNotFound")

		all := s.list(t, base+"methods")
		var kinds []string
		for _, m := range all.Value {
			kinds = append(kinds, m["@odata.type"].(string)+" "+m["id"].(string))
			if m["password"] != nil || m["secretKey"] != nil || m["temporaryAccessPass"] != nil {
				t.Errorf("a secret in the methods list: %v", m)
			}
		}
		if diff := cmp.Diff([]string{
			"#microsoft.graph.passwordAuthenticationMethod " + password.GraphMethodID,
			"#microsoft.graph.temporaryAccessPassAuthenticationMethod " + tapID,
			"#microsoft.graph.softwareOathAuthenticationMethod " + oathID,
			"#microsoft.graph.fido2AuthenticationMethod " + keyID,
		}, kinds); diff != "" {
			t.Errorf("methods (-want +got):\n%s", diff)
		}
		key := decode(t, s.do(t, "GET", base+"methods/"+keyID, nil))
		if key["aaGuid"] != "cb69481e-8ff7-4039-93ec-0a2729a154a8" || key["model"] != "YubiKey 5" || key["attestationLevel"] != "attested" || key["displayName"] != "YubiKey" {
			t.Errorf("fido2 method %v", key)
		}
		// $select keeps each item's @odata.type, as Graph does for a
		// collection of derived types.
		if sel := s.list(t, base+"methods?$select=id"); len(sel.Value) != 4 || len(sel.Value[0]) != 2 || sel.Value[0]["@odata.type"] == nil {
			t.Errorf("$select=id: %v", sel.Value)
		}

		// Removing an authenticator app: audited; needs the write permission.
		_, readApp := s.newApp(t, "Method reader", authz.UserAuthenticationMethodReadAll)
		wantStatus(t, s.Do(t, "GET", base+"softwareOathMethods/"+oathID, readApp, nil), http.StatusOK)
		wantError(t, s.Do(t, "DELETE", base+"softwareOathMethods/"+oathID, readApp, nil), http.StatusForbidden, "Authorization_RequestDenied")
		seq := s.auditSeq(t)
		wantStatus(t, s.do(t, "DELETE", base+"softwareOathMethods/"+oathID, nil), http.StatusNoContent)
		wantEvent(t, s.eventsSince(t, seq), "Admin deleted security info", user)
		wantError(t, s.do(t, "DELETE", base+"softwareOathMethods/"+oathID, nil), http.StatusNotFound, "Request_ResourceNotFound")
		if l := s.list(t, base+"methods"); len(l.Value) != 3 {
			t.Errorf("after removing the app: %v", l.Value)
		}
		wantError(t, s.do(t, "GET", "/v1.0/users/"+uuid.NewString()+"/authentication/methods", nil), http.StatusNotFound, "Request_ResourceNotFound")
	})
}
