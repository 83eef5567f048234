package provider_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/enforcement"
	"github.com/strongroom-id/strongroom/internal/fido/fidotest"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/signin"
)

// publish creates authentication contexts, published to apps.
func (e *env) publish(t testing.TB, ids ...string) {
	t.Helper()
	for _, id := range ids {
		r := e.Admin(t, "PATCH", "/v1.0/identity/conditionalAccess/authenticationContextClassReferences/"+id,
			map[string]any{"displayName": "Context " + id, "description": "test", "isAvailable": true})
		if r.Status != http.StatusCreated && r.Status != http.StatusNoContent && r.Status != http.StatusOK {
			t.Fatalf("publishing %s: %d %s", id, r.Status, r.Body)
		}
	}
}

// policy creates an enabled Conditional Access policy for every user.
func (e *env) policy(t testing.TB, name string, applications, grant map[string]any) {
	t.Helper()
	r := e.Admin(t, "POST", "/v1.0/identity/conditionalAccess/policies", map[string]any{
		"displayName": name, "state": "enabled",
		"conditions":    map[string]any{"users": map[string]any{"includeUsers": []string{"All"}}, "applications": applications, "clientAppTypes": []string{"all"}},
		"grantControls": grant,
	})
	apptest.Want(t, r, http.StatusCreated)
}

// phishingResistant is the built-in "Phishing-resistant MFA" strength.
const phishingResistant = "00000000-0000-0000-0000-000000000004"

// requireKeyFor makes context id need a passkey, with a real policy.
func (e *env) requireKeyFor(t testing.TB, id string) {
	t.Helper()
	e.publish(t, id)
	e.policy(t, id+" needs a security key", map[string]any{"includeAuthenticationContextClassReferences": []string{id}},
		map[string]any{"operator": "OR", "authenticationStrength": map[string]any{"id": phishingResistant}})
}

// rules stands in for the Conditional Access engine where a real policy
// cannot express the case: c2 can never be met by anyone (no method would
// do), c3 needs a passkey proved every time. The rest goes to the real
// engine.
type rules struct {
	signin.Requirements
}

func (r rules) Evaluate(ctx context.Context, a signin.Attempt) (signin.Decision, error) {
	hasKey := slices.ContainsFunc(a.Evidence.Proofs, func(p authn.Proof) bool { return p.Mode == authn.Fido2 && p.UserVerified })
	switch a.Target.Context {
	case "c3":
		if hasKey {
			return signin.Decision{Satisfied: true, CAStatus: "success", EveryTime: true}, nil
		}
		return signin.Decision{CAStatus: "failure", Message: "Use your security key or passkey.", Options: [][]authn.Mode{{authn.Fido2}}}, nil
	case "c2":
		return signin.Decision{CAStatus: "failure", Message: "No method you have registered meets this requirement."}, nil
	}
	return r.Requirements.Evaluate(ctx, a)
}

const blockPolicy = "Block Legacy Wiki"

// useRules puts rules in front of the real Conditional Access engine.
func (e *env) useRules(t testing.TB) {
	e.Server.SignIn.SetRequirements(rules{enforcement.New(e.Server.CA, nil)})
	e.publish(t, "c2", "c3")
}

// tapUserWithKey is a user signed in with a one-time pass who registered
// a passkey in that session: the session has proved the pass only.
func (e *env) tapUserWithKey(t *testing.T, upn string) *keyUser {
	t.Helper()
	id, pass := e.newUser(t, upn, nil)
	b := e.browser()
	b.signInTAP(t, upn, pass)
	a := fidotest.New(t, e.URL, "", passkey.UserHandle(id))
	b.register(t, a)
	return &keyUser{ID: id, UPN: upn, A: a, B: b}
}

func idTokenClaims(c string) oauth2.AuthCodeOption {
	return oauth2.SetAuthURLParam("claims", `{"id_token":{"acrs":{"essential":true,"value":"`+c+`"}}}`)
}

// An application asks for c1 with the claims parameter; the session (a
// pass) does not meet it, so the user steps up with a passkey, and the
// tokens carry acrs ["c1"].
func TestClaimsRequestStepUp(t *testing.T) {
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		e.requireKeyFor(t, "c1")
		app := e.newWebApp(t, "Payroll", nil)
		u := e.tapUserWithKey(t, "ada@example.com")
		r := e.rp(t, app, "openid", "offline_access")

		// Without a context, the pass session is enough.
		plain := r.signIn(t, u.B)
		if len(strs(plain.Claims["acrs"])) != 0 {
			t.Errorf("acrs without a request: %v", plain.Claims["acrs"])
		}

		f := r.start(idTokenClaims("c1"))
		stop, resp := u.B.follow(t, f.authURL)
		if stop.Path != "/stepup" || stop.Query().Get("context") != "c1" {
			t.Fatalf("no step-up: %s %d %s", stop, resp.Status, resp.Body)
		}
		// The step-up page names what will do.
		page := u.B.do(t, "GET", stop.String(), nil)
		if page.Status != http.StatusOK || !strings.Contains(string(page.Body), "security key") {
			t.Errorf("step-up page %d %s", page.Status, page.Body)
		}
		if m := u.B.signInKey(t, u.A, u.UPN); m["status"] != signin.StatusSignedIn {
			t.Fatalf("step-up with the key: %v", m)
		}
		cb, resp := u.B.follow(t, stop.Query().Get("return_to"))
		tok := r.exchange(t, f, f.code(t, cb))
		if got := strs(tok.Claims["acrs"]); !slices.Equal(got, []string{"c1"}) {
			t.Errorf("ID token acrs %v", got)
		}
		if got := strs(tok.Claims["amr"]); !slices.Equal(got, []string{"otp", "hwk", "pin", "user", "mfa"}) {
			t.Errorf("amr %v", got)
		}
		at := claims(t, tok.AccessToken)
		if got := strs(at["acrs"]); !slices.Equal(got, []string{"c1"}) {
			t.Errorf("access token acrs %v", got)
		}
		// A refreshed token keeps c1 (its proof counts for the session).
		nt, err := r.conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err != nil {
			t.Fatal(err)
		}
		if got := strs(claims(t, nt.AccessToken)["acrs"]); !slices.Equal(got, []string{"c1"}) {
			t.Errorf("refreshed acrs %v", got)
		}

		// Now the session has the key: c1 with acr_values needs no prompt,
		// and acr names the context.
		tok = r.signIn(t, u.B, oauth2.SetAuthURLParam("acr_values", "c1"))
		if tok.Claims["acr"] != "c1" || !slices.Equal(strs(tok.Claims["acrs"]), []string{"c1"}) {
			t.Errorf("acr %v acrs %v", tok.Claims["acr"], tok.Claims["acrs"])
		}
	})
}

// A context proved "every time" is not carried into refreshed tokens once
// its few minutes have passed.
func TestEveryTimeContextNotRefreshed(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.useRules(t)
	app := e.newWebApp(t, "Payroll", nil)
	u := e.newKeyUser(t, "ada@example.com")
	r := e.rp(t, app, "openid", "offline_access")
	tok := r.signIn(t, u.B, idTokenClaims("c3"))
	if got := strs(tok.Claims["acrs"]); !slices.Equal(got, []string{"c3"}) {
		t.Fatalf("acrs %v", got)
	}
	e.clk.Advance(6 * time.Minute)
	nt, err := r.conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatal(err)
	}
	if got := strs(claims(t, nt.AccessToken)["acrs"]); len(got) != 0 {
		t.Errorf("refreshed acrs %v after the every-time window", got)
	}
}

// A context no method of the user can meet ends with
// unmet_authentication_requirements; prompt=none asks for interaction.
func TestUnmetContext(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.useRules(t)
	e.requireKeyFor(t, "c1")
	app := e.newWebApp(t, "Payroll", nil)
	u := e.newKeyUser(t, "ada@example.com")
	r := e.rp(t, app)
	stop, resp := u.B.follow(t, r.start(idTokenClaims("c2")).authURL)
	if resp.Status != http.StatusForbidden {
		t.Fatalf("unmet page: %s %d %s", stop, resp.Status, resp.Body)
	}
	if got := authorizeError(t, u.B, cancelLink(t, resp.Body)); got != "unmet_authentication_requirements" {
		t.Errorf("error %q", got)
	}
	f := r.start(idTokenClaims("c1"), oauth2.SetAuthURLParam("prompt", "none"))
	// The key session meets c1 without a prompt.
	if got := authorizeError(t, u.B, f.authURL); got != "" {
		t.Errorf("prompt=none with a met context: %q", got)
	}
	tap := e.tapUserWithKey(t, "bob@example.com")
	if got := authorizeError(t, tap.B, r.start(idTokenClaims("c1"), oauth2.SetAuthURLParam("prompt", "none")).authURL); got != "interaction_required" {
		t.Errorf("prompt=none with an unmet context: %q", got)
	}
}

// cancelLink finds the link back to the application on a page.
func cancelLink(t *testing.T, page []byte) string {
	t.Helper()
	s := string(page)
	i := strings.Index(s, "/oauth2/login/cancel?")
	if i < 0 {
		t.Fatalf("no link back to the application in %s", page)
	}
	j := strings.IndexByte(s[i:], '"')
	return strings.ReplaceAll(s[i:i+j], "&amp;", "&")
}

// A blocked sign-in shows the user which policy blocked it and tells the
// application access_denied.
func TestBlockedSignIn(t *testing.T) {
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		app := e.newWebApp(t, "Legacy Wiki", nil)
		e.policy(t, blockPolicy, map[string]any{"includeApplications": []string{app.AppID}}, map[string]any{"operator": "OR", "builtInControls": []string{"block"}})
		u := e.newKeyUser(t, "ada@example.com")
		r := e.rp(t, app)
		_, resp := u.B.follow(t, r.start().authURL)
		if resp.Status != http.StatusForbidden || !strings.Contains(string(resp.Body), blockPolicy) {
			t.Fatalf("blocked page %d %s", resp.Status, resp.Body)
		}
		if got := authorizeError(t, u.B, cancelLink(t, resp.Body)); got != "access_denied" {
			t.Errorf("error %q", got)
		}
		if got := authorizeError(t, u.B, r.start(oauth2.SetAuthURLParam("prompt", "none")).authURL); got != "access_denied" {
			t.Errorf("prompt=none: %q", got)
		}
		// The sign-in log shows the failure for the application.
		recs, err := e.Server.DB.FindSignIns(context.Background(), storeFilter(u.UPN))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(recs, func(r signin.Record) bool {
			return r.AppID == app.AppID && r.Status.ErrorCode == signin.ErrBlockedByPolicy
		}) {
			t.Errorf("no blocked sign-in record for the application")
		}
	})
}

// prompt=login and max_age send the user to re-authenticate; login_hint
// fills in the user name.
func TestPromptLoginMaxAgeAndLoginHint(t *testing.T) {
	e := newEnv(t, "sqlite")
	app := e.newWebApp(t, "Wiki", nil)
	u := e.newKeyUser(t, "ada@example.com")
	r := e.rp(t, app)

	reauth := func(opts ...oauth2.AuthCodeOption) {
		t.Helper()
		f := r.start(opts...)
		stop, _ := u.B.follow(t, f.authURL)
		if stop.Path != "/signin" || stop.Query().Get("reauth") != "1" || stop.Query().Get("username") != u.UPN {
			t.Fatalf("no re-authentication: %s", stop)
		}
		e.clk.Advance(time.Second)
		u.B.signInKey(t, u.A, u.UPN)
		cb, _ := u.B.follow(t, stop.Query().Get("return_to"))
		tok := r.exchange(t, f, f.code(t, cb))
		if at := tok.IDToken.Claims; at == nil {
			t.Fatal("no claims")
		}
		authTime := int64(tok.Claims["auth_time"].(float64))
		if authTime < e.clk.Now().Unix()-1 {
			t.Errorf("auth_time %v is not the re-authentication's (%v)", authTime, e.clk.Now().Unix())
		}
	}
	reauth(oauth2.SetAuthURLParam("prompt", "login"))
	e.clk.Advance(2 * time.Minute)
	reauth(oauth2.SetAuthURLParam("max_age", "60"))
	// A recent enough sign-in needs nothing.
	r.signIn(t, u.B, oauth2.SetAuthURLParam("max_age", "600"))

	// Without a session, login_hint pre-fills the sign-in page.
	stop, _ := e.browser().follow(t, r.start(oauth2.SetAuthURLParam("login_hint", "bob@example.com")).authURL)
	if stop.Path != "/signin" || stop.Query().Get("username") != "bob@example.com" || !strings.HasPrefix(stop.Query().Get("return_to"), "/oauth2/login?") {
		t.Errorf("sign-in page %s", stop)
	}
}

// Signing in to an application is refused after too many trips to the
// sign-in page that change nothing.
func TestInteractionLoopEnds(t *testing.T) {
	e := newEnv(t, "sqlite")
	app := e.newWebApp(t, "Wiki", nil)
	r := e.rp(t, app)
	b := e.browser()
	u := r.start().authURL
	var stop *url.URL
	for i := 0; i < 10; i++ {
		stop, _ = b.follow(t, u)
		if stop.Path != "/signin" {
			break
		}
		u = e.URL + stop.Query().Get("return_to")
	}
	if stop.Query().Get("error") != "access_denied" {
		t.Errorf("after many trips: %s", stop)
	}
}
