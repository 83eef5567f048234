package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/testenv"
)

// TestBrowserDemoApp is issue 5's browser story in headless Chromium: a
// user with a security key (the DevTools virtual authenticator) signs in to
// the demo app with a Temporary Access Pass, opens the sensitive page,
// which needs c1 (a policy asks for a phishing-resistant method), is asked
// for the key on Strongroom's step-up page, and gets in.
func TestBrowserDemoApp(t *testing.T) {
	testenv.Chromium(t) // skips (or fails) with how to enable it
	inst := apptest.Start(t, apptest.Options{Database: "sqlite"})
	tok := inst.AdminToken(t)
	must := func(method, path string, body any) map[string]any {
		t.Helper()
		r := inst.Do(t, method, path, tok, body)
		if r.Status >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
		}
		if len(r.Body) == 0 {
			return nil
		}
		return r.Map(t)
	}
	must("PATCH", "/v1.0/identity/conditionalAccess/authenticationContextClassReferences/c1", map[string]any{"displayName": "Sensitive pages", "isAvailable": true})
	must("POST", "/v1.0/identity/conditionalAccess/policies", map[string]any{
		"displayName": "Sensitive pages need a security key", "state": "enabled",
		"conditions": map[string]any{"users": map[string]any{"includeUsers": []string{"All"}},
			"applications": map[string]any{"includeAuthenticationContextClassReferences": []string{"c1"}}, "clientAppTypes": []string{"all"}},
		"grantControls": map[string]any{"operator": "OR", "authenticationStrength": map[string]any{"id": "00000000-0000-0000-0000-000000000004"}},
	})
	const upn = "mary.jackson@example.com"
	user := must("POST", "/v1.0/users", map[string]any{"userPrincipalName": upn, "displayName": "Mary Jackson"})["id"].(string)
	pass := must("POST", "/v1.0/users/"+user+"/authentication/temporaryAccessPassMethods", map[string]any{"isUsableOnce": false, "lifetimeInMinutes": 120})["temporaryAccessPass"].(string)

	demo := httptest.NewServer(nil)
	defer demo.Close()
	created := must("POST", "/v1.0/applications", map[string]any{"displayName": "Demo",
		"web": map[string]any{"redirectUris": []string{demo.URL + "/callback"}, "logoutUrl": demo.URL + "/"}})
	secret := must("POST", "/v1.0/applications/"+created["id"].(string)+"/addPassword", map[string]any{})["secretText"].(string)
	a, err := newApp(context.Background(), settings{Issuer: inst.URL, ClientID: created["appId"].(string), ClientSecret: secret, RedirectURL: demo.URL + "/callback", Context: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	demo.Config.Handler = a.routes()

	ctx := testenv.NewBrowser(t)
	if _, err := testenv.AddVirtualAuthenticator(ctx, "usb"); err != nil {
		t.Fatal(err)
	}
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(c, actions...); err != nil {
			c2, cancel2 := context.WithTimeout(ctx, 5*time.Second)
			defer cancel2()
			loc, _ := chromedp.Run(c2, chromedp.Location())
			text, _ := chromedp.Run(c2, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			recs, _ := inst.Server.DB.FindSignIns(context.Background(), store.SignInFilter{UPN: upn})
			for _, r := range recs {
				t.Logf("sign-in %s app %s status %+v methods %v", r.CreatedDateTime, r.AppDisplayName, r.Status, r.AuthenticationMethodsUsed)
			}
			t.Fatalf("%s: %v\nat %s\n%s", what, err, loc, text)
		}
	}
	signInWithTAP := func() {
		t.Helper()
		run("the sign-in page", chromedp.WaitVisible(chromedp.CSS(`body[data-view="signin"]`)))
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if n, _ := chromedp.Run(c, chromedp.Evaluate[int](`document.querySelectorAll("label[for=method-tap]").length`)); n > 0 {
			run("choosing the pass", chromedp.Click(chromedp.CSS(`label[for=method-tap]`)), chromedp.WaitVisible(chromedp.CSS(`#pass`)))
		}
		run("signing in with the pass", chromedp.SetValue(chromedp.CSS("#username"), upn), chromedp.SetValue(chromedp.CSS("#pass"), pass),
			chromedp.Click(chromedp.CSS(`.signin-form button[type=submit]`)))
	}

	// The user registers a security key on My security info, then signs
	// out: the demo app's sign-in will be with the pass alone.
	run("opening My security info", chromedp.Navigate(inst.URL+"/mysecurityinfo"))
	signInWithTAP()
	run("registering a key", chromedp.WaitVisible(chromedp.CSS(`form[data-add-key] button[type=submit]:enabled`)),
		chromedp.SetValue(chromedp.CSS("#key-name"), "Desk key"), chromedp.Click(chromedp.CSS(`form[data-add-key] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-view="security"] .alert-success`)))
	run("signing out", chromedp.Click(chromedp.CSS(`.whoami button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`body[data-view="signedout"]`)))

	// Sign in to the demo app: Strongroom's sign-in page, then back.
	run("opening the demo app", chromedp.Navigate(demo.URL+"/login"))
	signInWithTAP()
	run("back at the demo app", chromedp.WaitVisible(chromedp.CSS(`td.v`)))
	home, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if !strings.Contains(home, upn) || !strings.Contains(home, `["otp","mfa"]`) {
		t.Errorf("demo home after sign-in: %s", home)
	}

	// The sensitive page: Strongroom asks for the key, then lets the user
	// in with c1.
	run("opening the sensitive page", chromedp.Click(chromedp.CSS(`a[href="/sensitive"]`)), chromedp.WaitVisible(chromedp.CSS(`body[data-view="stepup"]`)))
	run("stepping up with the key", chromedp.Click(chromedp.CSS(`[data-passkey-signin]`)), chromedp.WaitVisible(chromedp.CSS(`p.ok`)))
	page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if !strings.Contains(page, "You reached the sensitive page") || !strings.Contains(page, `["c1"]`) || !strings.Contains(page, `"hwk"`) {
		t.Errorf("sensitive page: %s", page)
	}
}
