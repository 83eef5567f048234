package enforcement_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/clock"
	"github.com/strongroom-id/strongroom/internal/fido/fidotest"
	"github.com/strongroom-id/strongroom/internal/geoip/geoiptest"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/policy"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/store"
)

// These tests drive a whole server over HTTP: policies through the admin
// API, sign-ins and step-ups through the sign-in JSON API, the software
// authenticator for keys, and the sign-in log to see what was decided.

// env is a server with a fake clock.
type env struct {
	*apptest.Instance
	clk *clock.Fake
}

func newEnv(t *testing.T, database string, settings map[string]string) *env {
	t.Helper()
	clk := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	return &env{Instance: apptest.Start(t, apptest.Options{Database: database, Clock: clk, Env: settings}), clk: clk}
}

// newUser creates a user and returns its id and a one-time pass.
func (e *env) newUser(t testing.TB, upn string) (string, string) {
	t.Helper()
	r := apptest.Want(t, e.Admin(t, "POST", "/v1.0/users", map[string]any{"userPrincipalName": upn, "displayName": "User " + upn}), http.StatusCreated)
	id := r.Map(t)["id"].(string)
	return id, e.newPass(t, id)
}

func (e *env) newPass(t testing.TB, userID string) string {
	t.Helper()
	r := apptest.Want(t, e.Admin(t, "POST", "/v1.0/users/"+userID+"/authentication/temporaryAccessPassMethods", map[string]any{"isUsableOnce": true}), http.StatusCreated)
	return r.Map(t)["temporaryAccessPass"].(string)
}

// signIns returns upn's sign-in log, newest first.
func (e *env) signIns(t testing.TB, upn string) []signin.Record {
	t.Helper()
	rs, err := e.Server.DB.FindSignIns(context.Background(), store.SignInFilter{UPN: upn})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// browser is a cookie jar, a user agent and, optionally, the address a
// trusted proxy reports.
type browser struct {
	e         *env
	c         *http.Client
	forwarded string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar}}
}

func (b *browser) do(t testing.TB, method, path string, body any) *apptest.Response {
	t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(v)
	default:
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, b.e.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15")
	if b.forwarded != "" {
		req.Header.Set("X-Forwarded-For", b.forwarded)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: out}
}

// answer is a sign-in or step-up answer.
type answer struct {
	Status    string         `json:"status"`
	Context   string         `json:"context"`
	DateTime  *time.Time     `json:"dateTime"`
	Methods   [][]authn.Mode `json:"methods"`
	Strengths []string       `json:"authenticationStrengths"`
	Message   string         `json:"message"`
	Policy    string         `json:"policy"`
}

func status(t testing.TB, r *apptest.Response, want string) answer {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var a answer
	r.JSON(t, &a)
	if a.Status != want {
		t.Fatalf("answer %s, want status %q", r.Body, want)
	}
	return a
}

func (b *browser) tap(t testing.TB, upn, pass string) *apptest.Response {
	t.Helper()
	return b.do(t, "POST", "/api/v1/signin/tap", map[string]string{"userPrincipalName": upn, "temporaryAccessPass": pass})
}

// register registers a new key for the signed-in user.
func (b *browser) register(t testing.TB, userID string) *fidotest.Authenticator {
	t.Helper()
	a := fidotest.New(t, b.e.URL, "", passkey.UserHandle(userID))
	r := apptest.Want(t, b.do(t, "POST", "/api/v1/me/passkeys/options", map[string]any{}), http.StatusOK)
	apptest.Want(t, b.do(t, "POST", "/api/v1/me/passkeys", map[string]any{"displayName": "Key", "credential": json.RawMessage(a.Create(t, r.Body))}), http.StatusCreated)
	return a
}

// passkey signs in (or, with context, steps up) with a key.
func (b *browser) passkey(t testing.TB, a *fidotest.Authenticator, upn, context string) *apptest.Response {
	t.Helper()
	body := map[string]any{"userPrincipalName": upn}
	path := "/api/v1/signin/passkey"
	if context != "" {
		body = map[string]any{"context": context}
		path += "?context=" + context
	}
	opts := apptest.Want(t, b.do(t, "POST", "/api/v1/signin/passkey/options", body), http.StatusOK)
	return b.do(t, "POST", path, a.Get(t, opts.Body))
}

func (b *browser) stepUp(t testing.TB, context string) *apptest.Response {
	t.Helper()
	return b.do(t, "POST", "/api/v1/me/contexts/"+context, map[string]any{})
}

// meContexts lists the contexts GET /api/v1/me says the session satisfied.
func (b *browser) meContexts(t testing.TB) []string {
	t.Helper()
	var me struct {
		Contexts []struct {
			ID string `json:"id"`
		} `json:"contexts"`
	}
	apptest.Want(t, b.do(t, "GET", "/api/v1/me", nil), http.StatusOK).JSON(t, &me)
	var out []string
	for _, c := range me.Contexts {
		out = append(out, c.ID)
	}
	return out
}

// newContext creates an authentication context.
func (e *env) newContext(t testing.TB, id, name string) {
	t.Helper()
	apptest.Want(t, e.Admin(t, "PATCH", "/v1.0/identity/conditionalAccess/authenticationContextClassReferences/"+id,
		map[string]any{"displayName": name, "isAvailable": true}), http.StatusCreated)
}

// newPolicy creates a policy and returns its id.
func (e *env) newPolicy(t testing.TB, p map[string]any) string {
	t.Helper()
	return apptest.Want(t, e.Admin(t, "POST", "/v1.0/identity/conditionalAccess/policies", p), http.StatusCreated).Map(t)["id"].(string)
}

func contextPolicy(name, context string, grant map[string]any, session map[string]any) map[string]any {
	p := map[string]any{
		"displayName": name, "state": "enabled",
		"conditions": map[string]any{
			"users":          map[string]any{"includeUsers": []string{"All"}},
			"applications":   map[string]any{"includeAuthenticationContextClassReferences": []string{context}},
			"clientAppTypes": []string{"all"},
		},
		"grantControls": grant,
	}
	if session != nil {
		p["sessionControls"] = session
	}
	return p
}

var phishingResistant = map[string]any{"operator": "OR", "authenticationStrength": map[string]any{"id": authn.PhishingResistantMFAID}}

// find returns the first record for which ok is true. Records made at the
// same fake time have no order, so tests look for the one they mean.
func find(rs []signin.Record, ok func(signin.Record) bool) (signin.Record, bool) {
	for _, r := range rs {
		if ok(r) {
			return r, true
		}
	}
	return signin.Record{}, false
}

// applied returns the result a sign-in record gives a policy ("" when it
// does not list it).
func applied(r signin.Record, policyID string) string {
	for _, p := range r.AppliedConditionalAccessPolicies {
		if p.ID == policyID {
			return p.Result
		}
	}
	return ""
}

// A policy requiring phishing-resistant MFA for c1: a session from a
// Temporary Access Pass must present a passkey before c1 is satisfied (a
// pass never meets a strength without it), in the same session; a passkey
// session satisfies c1 at once.
func TestStepUpNeedsPasskey(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		e.newContext(t, "c1", "Activate privileged roles")
		pid := e.newPolicy(t, contextPolicy("c1: phishing-resistant MFA", "c1", phishingResistant, nil))

		const upn = "ada@contoso.com"
		id, pass := e.newUser(t, upn)
		b := e.browser()
		status(t, b.tap(t, upn, pass), signin.StatusSignedIn)
		key := b.register(t, id)

		a := status(t, b.stepUp(t, "c1"), signin.StatusAdditionalAuthenticationRequired)
		if diff := cmp.Diff([][]authn.Mode{{authn.Fido2}}, a.Methods); diff != "" {
			t.Errorf("methods (-want +got):\n%s", diff)
		}
		if !slices.Equal(a.Strengths, []string{"Phishing resistant MFA"}) || !strings.Contains(a.Message, "security key") {
			t.Errorf("answer %+v", a)
		}
		if got := b.meContexts(t); len(got) != 0 {
			t.Fatalf("contexts before the key: %v", got)
		}
		// The sign-in log shows the step-up as interrupted, with the policy.
		if r, ok := find(e.signIns(t, upn), func(r signin.Record) bool { return r.Status.ErrorCode == signin.ErrStrongAuthRequired }); !ok || applied(r, pid) != "failure" {
			t.Errorf("log after the unmet step-up: %+v", r)
		}

		// The key, in the same session, for c1.
		status(t, b.passkey(t, key, upn, "c1"), signin.StatusSignedIn)
		if got := b.meContexts(t); !slices.Equal(got, []string{"c1"}) {
			t.Fatalf("contexts after the key: %v", got)
		}
		a = status(t, b.stepUp(t, "c1"), "satisfied")
		if a.DateTime == nil || a.Context != "c1" {
			t.Errorf("satisfied answer %+v", a)
		}
		if r, ok := find(e.signIns(t, upn), func(r signin.Record) bool {
			return r.Status.ErrorCode == 0 && len(r.AuthenticationContextClassReferences) == 1 && slices.Contains(r.AuthenticationMethodsUsed, "FIDO2 security key")
		}); !ok || applied(r, pid) != "success" || r.ConditionalAccessStatus != "success" {
			t.Errorf("log after the step-up: %+v", r)
		}

		// A session that began with the key meets c1 at once.
		b2 := e.browser()
		status(t, b2.passkey(t, key, upn, ""), signin.StatusSignedIn)
		status(t, b2.stepUp(t, "c1"), "satisfied")

		// Mistakes.
		apptest.Want(t, b2.stepUp(t, "c100"), http.StatusBadRequest)
		apptest.Want(t, b2.stepUp(t, "c7"), http.StatusNotFound)
		apptest.Want(t, e.browser().stepUp(t, "c1"), http.StatusUnauthorized)
		apptest.Want(t, e.browser().do(t, "POST", "/api/v1/signin/passkey/options", map[string]any{"context": "c1"}), http.StatusUnauthorized)
		apptest.Want(t, b2.do(t, "POST", "/api/v1/signin/passkey/options", map[string]any{"context": "c1x"}), http.StatusBadRequest)
	})
}

// A block policy with an exclusion group: the excluded user signs in,
// everyone else is blocked and told the policy's name; the log says so.
func TestBlockWithExclusionGroup(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		g := apptest.Want(t, e.Admin(t, "POST", "/v1.0/groups", map[string]any{"displayName": "Break glass", "mailNickname": "breakglass", "securityEnabled": true, "mailEnabled": false}), http.StatusCreated).Map(t)["id"].(string)
		inID, inPass := e.newUser(t, "excluded@contoso.com")
		_, outPass := e.newUser(t, "blocked@contoso.com")
		apptest.Want(t, e.Admin(t, "POST", "/v1.0/groups/"+g+"/members/$ref", map[string]any{"@odata.id": e.URL + "/v1.0/directoryObjects/" + inID}), http.StatusNoContent)
		pid := e.newPolicy(t, map[string]any{
			"displayName": "Block everyone but break glass", "state": "enabled",
			"conditions": map[string]any{
				"users":          map[string]any{"includeUsers": []string{"All"}, "excludeGroups": []string{g}},
				"applications":   map[string]any{"includeApplications": []string{"All"}},
				"clientAppTypes": []string{"all"},
			},
			"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"block"}},
		})

		status(t, e.browser().tap(t, "excluded@contoso.com", inPass), signin.StatusSignedIn)
		a := status(t, e.browser().tap(t, "blocked@contoso.com", outPass), signin.StatusBlocked)
		if a.Policy != "Block everyone but break glass" || !strings.Contains(a.Message, "Block everyone but break glass") {
			t.Errorf("blocked answer %+v", a)
		}
		rs := e.signIns(t, "blocked@contoso.com")
		if rs[0].Status.ErrorCode != signin.ErrBlockedByPolicy || applied(rs[0], pid) != "failure" || rs[0].ConditionalAccessStatus != "failure" {
			t.Errorf("blocked log %+v", rs[0])
		}
		if rs := e.signIns(t, "excluded@contoso.com"); applied(rs[0], pid) != "notApplied" {
			t.Errorf("excluded log %+v", rs[0].AppliedConditionalAccessPolicies)
		}
	})
}

// A country block through a test GeoIP database, the client address
// coming from a trusted proxy's X-Forwarded-For.
func TestCountryBlock(t *testing.T) {
	t.Parallel()
	db := geoiptest.WriteFile(t, map[string]string{"203.0.113.0/24": "KP", "198.51.100.0/24": "FR"})
	apptest.Dialects(t, func(t *testing.T, database string) {
		e := newEnv(t, database, map[string]string{"STRONGROOM_GEOIP_DATABASE_FILE": db, "STRONGROOM_TRUSTED_PROXIES": "127.0.0.1"})
		loc := apptest.Want(t, e.Admin(t, "POST", "/v1.0/identity/conditionalAccess/namedLocations", map[string]any{
			"@odata.type": "#microsoft.graph.countryNamedLocation", "displayName": "Embargoed", "countriesAndRegions": []string{"KP"}}), http.StatusCreated).Map(t)["id"].(string)
		e.newPolicy(t, map[string]any{
			"displayName": "Block embargoed countries", "state": "enabled",
			"conditions": map[string]any{
				"users":          map[string]any{"includeUsers": []string{"All"}},
				"applications":   map[string]any{"includeApplications": []string{"All"}},
				"locations":      map[string]any{"includeLocations": []string{loc}},
				"clientAppTypes": []string{"all"},
			},
			"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"block"}},
		})
		_, p1 := e.newUser(t, "traveller@contoso.com")
		b := e.browser()
		b.forwarded = "203.0.113.9"
		a := status(t, b.tap(t, "traveller@contoso.com", p1), signin.StatusBlocked)
		if a.Policy != "Block embargoed countries" {
			t.Errorf("answer %+v", a)
		}
		if rs := e.signIns(t, "traveller@contoso.com"); rs[0].IPAddress != "203.0.113.9" {
			t.Errorf("logged address %q", rs[0].IPAddress)
		}
		_, p2 := e.newUser(t, "home@contoso.com")
		b = e.browser()
		b.forwarded = "198.51.100.9"
		status(t, b.tap(t, "home@contoso.com", p2), signin.StatusSignedIn)
	})
}

// signInFrequency everyTime: a proof counts for five minutes (Entra's
// tolerance), then the context asks for a fresh one.
func TestSignInFrequencyEveryTime(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		e.newContext(t, "c2", "Approve payments")
		e.newPolicy(t, contextPolicy("c2: a fresh proof every time", "c2", map[string]any{"operator": "OR", "builtInControls": []string{"mfa"}},
			map[string]any{"signInFrequency": map[string]any{"isEnabled": true, "frequencyInterval": "everyTime", "authenticationType": "primaryAndSecondaryAuthentication"}}))
		const upn = "grace@contoso.com"
		id, pass := e.newUser(t, upn)
		b := e.browser()
		status(t, b.tap(t, upn, pass), signin.StatusSignedIn)
		key := b.register(t, id)
		b = e.browser()
		status(t, b.passkey(t, key, upn, ""), signin.StatusSignedIn)

		status(t, b.stepUp(t, "c2"), "satisfied")
		e.clk.Advance(4 * time.Minute)
		status(t, b.stepUp(t, "c2"), "satisfied")
		e.clk.Advance(2 * time.Minute)
		a := status(t, b.stepUp(t, "c2"), signin.StatusAdditionalAuthenticationRequired)
		if diff := cmp.Diff([][]authn.Mode{{authn.Fido2}}, a.Methods); diff != "" {
			t.Errorf("methods (-want +got):\n%s", diff)
		}
		status(t, b.passkey(t, key, upn, "c2"), signin.StatusSignedIn)
		status(t, b.stepUp(t, "c2"), "satisfied")
	})
}

// A report-only policy is evaluated and logged, never enforced.
func TestReportOnlyIsLoggedNotEnforced(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		pid := e.newPolicy(t, map[string]any{
			"displayName": "Would block everyone", "state": "enabledForReportingButNotEnforced",
			"conditions": map[string]any{
				"users":          map[string]any{"includeUsers": []string{"All"}},
				"applications":   map[string]any{"includeApplications": []string{"All"}},
				"clientAppTypes": []string{"all"},
			},
			"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"block"}},
		})
		_, pass := e.newUser(t, "linus@contoso.com")
		status(t, e.browser().tap(t, "linus@contoso.com", pass), signin.StatusSignedIn)
		rs := e.signIns(t, "linus@contoso.com")
		if applied(rs[0], pid) != "reportOnlyFailure" || rs[0].Status.ErrorCode != 0 || rs[0].ConditionalAccessStatus != "success" {
			t.Errorf("log %+v", rs[0])
		}
		// The bootstrap policy applied too: every user needs MFA, and the
		// pass met it.
		var names []string
		for _, p := range rs[0].AppliedConditionalAccessPolicies {
			if p.Result == "success" {
				names = append(names, p.DisplayName)
			}
		}
		if !slices.Equal(names, []string{"Require multifactor authentication for all users"}) {
			t.Errorf("policies that applied: %v", names)
		}
	})
}

// A context a policy blocks: the step-up API and page say which policy;
// a user with nothing that meets a context is sent to register a key when
// a policy on registering security info allows it with what they proved.
func TestStepUpBlockedOrRegister(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		e.newContext(t, "c3", "Payroll exports")
		e.newContext(t, "c1", "Privileged roles")
		e.newPolicy(t, contextPolicy("No payroll exports", "c3", map[string]any{"operator": "OR", "builtInControls": []string{"block"}}, nil))
		e.newPolicy(t, contextPolicy("c1: phishing-resistant MFA", "c1", phishingResistant, nil))
		_, pass := e.newUser(t, "ken@contoso.com")
		b := e.browser()
		status(t, b.tap(t, "ken@contoso.com", pass), signin.StatusSignedIn)

		a := status(t, b.stepUp(t, "c3"), signin.StatusBlocked)
		if a.Policy != "No payroll exports" || !strings.Contains(a.Message, "No payroll exports") {
			t.Errorf("blocked answer %+v", a)
		}
		page := b.do(t, "GET", "/stepup?context=c3&return_to=%2Fmysecurityinfo", nil)
		if page.Status != http.StatusForbidden || !strings.Contains(string(page.Body), "No payroll exports") {
			t.Errorf("blocked page %d:\n%s", page.Status, page.Body)
		}
		// The step-up did not end the session.
		apptest.Want(t, b.do(t, "GET", "/api/v1/me", nil), http.StatusOK)

		// No key, and no policy on registering: nothing to offer.
		a = status(t, b.stepUp(t, "c1"), signin.StatusAdditionalAuthenticationRequired)
		var raw map[string]any
		if len(a.Methods) != 0 || !strings.Contains(a.Message, "Temporary Access Pass") {
			t.Errorf("without registration policy %+v", a)
		}
		// A policy lets users register security info with multifactor
		// authentication, which the pass met: register.
		e.newPolicy(t, map[string]any{"displayName": "Register with MFA", "state": "enabled",
			"conditions": map[string]any{"users": map[string]any{"includeUsers": []string{"All"}},
				"applications": map[string]any{"includeUserActions": []string{"urn:user:registersecurityinfo"}}},
			"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"mfa"}}})
		r := b.stepUp(t, "c1")
		a = status(t, r, signin.StatusAdditionalAuthenticationRequired)
		r.JSON(t, &raw)
		if raw["registrationRequired"] != true || !strings.Contains(a.Message, "My security info") {
			t.Errorf("with registration policy %s", r.Body)
		}
		page = b.do(t, "GET", "/stepup?context=c1&return_to=%2Fmysecurityinfo", nil)
		if page.Status != http.StatusOK || !strings.Contains(string(page.Body), "Add a security key") {
			t.Errorf("register page %d:\n%s", page.Status, page.Body)
		}
	})
}

// persistentBrowser: "always" makes the session cookie outlive the
// browser (it gets an expiry); without such a policy it ends with the
// browser.
func TestPersistentBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	_, p1 := e.newUser(t, "first@contoso.com")
	r := e.browser().tap(t, "first@contoso.com", p1)
	status(t, r, signin.StatusSignedIn)
	if c := sessionCookie(r); c == nil || !c.Expires.IsZero() {
		t.Fatalf("without a policy the cookie is %+v", c)
	}
	e.newPolicy(t, map[string]any{"displayName": "Stay signed in", "state": "enabled",
		"conditions": map[string]any{"users": map[string]any{"includeUsers": []string{"All"}},
			"applications": map[string]any{"includeApplications": []string{"All"}}},
		"sessionControls": map[string]any{"persistentBrowser": map[string]any{"isEnabled": true, "mode": "always"}}})
	_, p2 := e.newUser(t, "second@contoso.com")
	r = e.browser().tap(t, "second@contoso.com", p2)
	status(t, r, signin.StatusSignedIn)
	if c := sessionCookie(r); c == nil || c.Expires.IsZero() {
		t.Fatalf("with persistentBrowser always the cookie is %+v", c)
	}
}

func sessionCookie(r *apptest.Response) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if strings.Contains(c.Name, "strongroom_session") {
			return c
		}
	}
	return nil
}

// Several nodes on one PostgreSQL: a change made through one node is in
// force on it when the call returns, and on the others within about a
// second (Recheck), without any node waiting for the database.
func TestChangeReachesOtherNodes(t *testing.T) {
	t.Parallel()
	key := map[string]string{"STRONGROOM_SECRET_KEY": "c3Ryb25ncm9vbSBjb25kaXRpb25hbCBhY2Nlc3MgdGVzdCE="}
	a := newEnv(t, "postgres", key)
	b := &env{Instance: apptest.Start(t, apptest.Options{DatabaseURL: a.DatabaseURL, Clock: a.clk, Env: key}), clk: a.clk}
	ctx := context.Background()
	if ok, _ := b.Server.CA.ContextTargeted(ctx, "c4"); ok {
		t.Fatal("c4 targeted before any policy")
	}
	a.newContext(t, "c4", "Delete users")
	a.newPolicy(t, contextPolicy("c4 needs MFA", "c4", map[string]any{"operator": "OR", "builtInControls": []string{"mfa"}}, nil))
	if ok, _ := a.Server.CA.ContextTargeted(ctx, "c4"); !ok {
		t.Fatal("the node that made the change does not see it")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, err := b.Server.CA.ContextTargeted(ctx, "c4")
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the other node did not see the change within 5 seconds")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A user whose methods cannot meet what signing in requires, and whom a
// policy on registering security info lets register with what they
// proved, registers a key from the unfinished sign-in, then finishes it
// with the key. Without such a policy the unfinished session cannot
// register anything.
func TestRegistrationDuringSignIn(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newEnv(t, db, nil)
		userID, pass := e.newUser(t, "ken@contoso.com")
		e.newPolicy(t, map[string]any{"displayName": "Keys for My Account", "state": "enabled",
			"conditions": map[string]any{"users": map[string]any{"includeUsers": []string{userID}},
				"applications": map[string]any{"includeApplications": []string{policy.MyAccountAppID}}, "clientAppTypes": []string{"all"}},
			"grantControls": phishingResistant})
		b := e.browser()
		// A pass does not meet phishing-resistant MFA, and Ken has no key.
		status(t, b.tap(t, "ken@contoso.com", pass), signin.StatusAdditionalAuthenticationRequired)
		apptest.Want(t, b.do(t, "POST", "/api/v1/me/passkeys/options", map[string]any{}), http.StatusUnauthorized)
		if page := b.do(t, "GET", "/mysecurityinfo", nil); strings.Contains(string(page.Body), "data-registering") {
			t.Fatalf("an unfinished sign-in reached My security info without a registration policy:\n%s", page.Body)
		}

		e.newPolicy(t, map[string]any{"displayName": "Register with MFA", "state": "enabled",
			"conditions": map[string]any{"users": map[string]any{"includeUsers": []string{"All"}},
				"applications": map[string]any{"includeUserActions": []string{"urn:user:registersecurityinfo"}}},
			"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"mfa"}}})
		var raw map[string]any
		r := b.tap(t, "ken@contoso.com", e.newPass(t, userID))
		status(t, r, signin.StatusAdditionalAuthenticationRequired)
		if r.JSON(t, &raw); raw["registrationRequired"] != true {
			t.Fatalf("sign-in answer %s; want registrationRequired", r.Body)
		}
		page := b.do(t, "GET", "/mysecurityinfo", nil)
		if page.Status != http.StatusOK || !strings.Contains(string(page.Body), "data-registering") {
			t.Fatalf("My security info during registration: %d\n%s", page.Status, page.Body)
		}
		a := b.register(t, userID)
		// Registering did not finish the sign-in: only adding a method is open.
		apptest.Want(t, b.do(t, "GET", "/api/v1/me/passkeys", nil), http.StatusUnauthorized)
		status(t, b.passkey(t, a, "ken@contoso.com", ""), signin.StatusSignedIn)
		apptest.Want(t, b.do(t, "GET", "/api/v1/me/passkeys", nil), http.StatusOK)
	})
}
