package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/testenv"
)

// TestBrowserStepUp is issue 4's step-up in a real Chromium (Conditional
// Access work): a user signed in with a Temporary Access Pass who has a
// registered security key opens /stepup for c1, which a policy protects
// with "Phishing resistant MFA"; the page asks for the security key (the
// pass never meets that strength), the DevTools virtual authenticator
// answers, the browser goes on to return_to, and the session now holds c1.
func TestBrowserStepUp(t *testing.T) {
	testenv.Chromium(t) // skips (or fails) with how to enable it
	inst := apptest.Start(t, apptest.Options{Database: "sqlite"})
	tok := inst.AdminToken(t)
	must := func(method, path string, body any, status int) map[string]any {
		t.Helper()
		r := inst.Do(t, method, path, tok, body)
		if r.Status != status {
			t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
		}
		if len(r.Body) == 0 {
			return nil
		}
		return r.Map(t)
	}
	must("PATCH", "/v1.0/identity/conditionalAccess/authenticationContextClassReferences/c1", map[string]any{"displayName": "Activate privileged roles", "isAvailable": true}, 201)
	must("POST", "/v1.0/identity/conditionalAccess/policies", map[string]any{
		"displayName": "Privileged roles need a security key", "state": "enabled",
		"conditions": map[string]any{"users": map[string]any{"includeUsers": []string{"All"}},
			"applications": map[string]any{"includeAuthenticationContextClassReferences": []string{"c1"}}, "clientAppTypes": []string{"all"}},
		"grantControls": map[string]any{"operator": "OR", "authenticationStrength": map[string]any{"id": "00000000-0000-0000-0000-000000000004"}},
	}, 201)
	const upn = "katherine.johnson@example.com"
	user := must("POST", "/v1.0/users", map[string]any{"userPrincipalName": upn, "displayName": "Katherine Johnson", "accountEnabled": true}, 201)["id"].(string)
	pass := must("POST", "/v1.0/users/"+user+"/authentication/temporaryAccessPassMethods", map[string]any{"isUsableOnce": false, "lifetimeInMinutes": 120}, 201)["temporaryAccessPass"].(string)

	shots := screenshotDir(t)
	b := newTab(t, inst.URL, shots, "desktop")
	if _, err := testenv.AddVirtualAuthenticator(b.ctx, "usb"); err != nil {
		t.Fatal(err)
	}
	// A key registered, then signed in again with the pass alone.
	b.addKeyThenSignInWithPass(upn, pass, "/mysecurityinfo", "security")

	// The step-up page asks for the key.
	b.open("/stepup?context=c1&return_to=%2Fmysecurityinfo%3Fdone%3Dstepup")
	b.waitView("stepup")
	if got := b.text("main"); !strings.Contains(got, "Activate privileged roles") || !strings.Contains(got, "Phishing resistant MFA") {
		t.Errorf("step-up page says %q", got)
	}
	if got := b.text(`[data-passkey-signin]`); !strings.Contains(got, "Use your security key") {
		t.Errorf("step-up button says %q", got)
	}
	b.shot("stepup-01-asks-for-key")
	b.do(chromedp.Click(chromedp.CSS(`[data-passkey-signin]`)))
	b.waitView("security")

	// The session holds c1 now; asking again goes straight on.
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	contexts, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/api/v1/me").then(r => r.json()).then(m => m.contexts.map(c => c.id).join(","))`, chromedp.EvalAwaitPromise))
	if err != nil || contexts != "c1" {
		t.Fatalf("contexts after the step-up: %q %v", contexts, err)
	}
	b.open("/stepup?context=c1&return_to=%2Fmysecurityinfo")
	b.waitView("security")
}
