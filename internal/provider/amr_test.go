package provider_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/fido/fidotest"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/signin"
)

// amr (RFC 8176) for each way of signing in: a pass, a device-bound key, a
// synced passkey, a password with an authenticator code.
func TestAMRPerMethod(t *testing.T) {
	e := newEnv(t, "sqlite")
	app := e.newWebApp(t, "Wiki", nil)
	r := e.rp(t, app)
	amr := func(b *browser) []string {
		t.Helper()
		return strs(r.signIn(t, b).Claims["amr"])
	}

	// A Temporary Access Pass.
	id, pass := e.newUser(t, "pass@example.com", nil)
	b := e.browser()
	b.signInTAP(t, "pass@example.com", pass)
	if got := amr(b); !slices.Equal(got, []string{"otp", "mfa"}) {
		t.Errorf("pass: %v", got)
	}

	// A device-bound security key.
	hw := fidotest.New(t, e.URL, "", passkey.UserHandle(id))
	b.register(t, hw)
	kb := e.browser()
	kb.signInKey(t, hw, "pass@example.com")
	if got := amr(kb); !slices.Equal(got, []string{"hwk", "pin", "user", "mfa"}) {
		t.Errorf("security key: %v", got)
	}

	// A synced passkey (backup eligible).
	id2, pass2 := e.newUser(t, "synced@example.com", nil)
	b2 := e.browser()
	b2.signInTAP(t, "synced@example.com", pass2)
	sw := fidotest.New(t, e.URL, "", passkey.UserHandle(id2))
	sw.Auth.Options.BackupEligible, sw.Auth.Options.BackupState = true, true
	b2.register(t, sw)
	sb := e.browser()
	if m := sb.signInKey(t, sw, "synced@example.com"); m["status"] != signin.StatusSignedIn {
		t.Fatalf("synced passkey sign-in: %v", m)
	}
	if got := amr(sb); !slices.Equal(got, []string{"swk", "pin", "user", "mfa"}) {
		t.Errorf("synced passkey: %v", got)
	}

	// A password, then a code from an authenticator app.
	_, pass3 := e.newUser(t, "pwd@example.com", nil)
	b3 := e.browser()
	b3.signInTAP(t, "pwd@example.com", pass3)
	const pw = "correct horse battery staple"
	apptest.Want(t, b3.do(t, "POST", "/api/v1/me/password", map[string]any{"newPassword": pw}), http.StatusNoContent)
	opts := b3.do(t, "POST", "/api/v1/me/totp/options", map[string]any{})
	apptest.Want(t, opts, http.StatusOK)
	o := opts.Map(t)
	code, err := totp.GenerateCode(o["secret"].(string), e.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	apptest.Want(t, b3.do(t, "POST", "/api/v1/me/totp", map[string]any{"id": o["id"], "code": code, "displayName": "Phone"}), http.StatusCreated)
	e.clk.Advance(31 * time.Second) // a code is good once
	pb := e.browser()
	status(t, pb.do(t, "POST", "/api/v1/signin/password", map[string]string{"userPrincipalName": "pwd@example.com", "password": pw}), signin.StatusAdditionalAuthenticationRequired)
	code, _ = totp.GenerateCode(o["secret"].(string), e.clk.Now())
	status(t, pb.do(t, "POST", "/api/v1/signin/totp", map[string]string{"code": code}), signin.StatusSignedIn)
	if got := amr(pb); !slices.Equal(got, []string{"pwd", "otp", "mfa"}) {
		t.Errorf("password and code: %v", got)
	}
}
