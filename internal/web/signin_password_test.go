package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/password"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/totp"
)

// signedInWithTAP returns a browser signed in with a fresh one-time pass.
func (e *amEnv) signedInWithTAP(t testing.TB, user, upn, addr string) *amBrowser {
	t.Helper()
	_, pass := e.issueTAP(t, user, map[string]any{"isUsableOnce": true})
	b := e.browser(addr)
	wantSignIn(t, b.tap(t, upn, pass), signin.StatusSignedIn)
	return b
}

func (e *amEnv) storedHash(t testing.TB, user string) string {
	t.Helper()
	c, err := e.Server.DB.FindPassword(t.Context(), user)
	if err != nil {
		t.Fatal(err)
	}
	return c.Hash
}

func TestPassword(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newAMEnv(t, db, nil)
		const upn = "ada.lovelace@contoso.com"
		user := e.createUser(t, upn, "Ada Lovelace")
		b := e.signedInWithTAP(t, user, upn, "198.51.100.60")

		// Setting a first password: the rules, then success.
		for _, pw := range []string{"short", "lovelace engines rock", "my name is ada.lovelace"} {
			wantRefused(t, b.do(t, "POST", "/api/v1/me/password", map[string]any{"newPassword": pw}), http.StatusBadRequest, "Request_BadRequest")
		}
		const first = "correct horse battery staple"
		apptest.Want(t, b.do(t, "POST", "/api/v1/me/password", map[string]any{"newPassword": first}), http.StatusNoContent)
		if h := e.storedHash(t, user); !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, first) {
			t.Errorf("stored hash %q", h)
		}

		// Signing in: a first factor only, the user has no second one.
		b2 := e.browser("198.51.100.61")
		a := wantSignIn(t, b2.password(t, upn, first), signin.StatusAdditionalAuthenticationRequired)
		if len(a.Methods) != 0 || a.Session.Complete || !contains(a.Message, "Temporary Access Pass") {
			t.Errorf("answer %+v", a)
		}
		wantRefused(t, b2.do(t, "GET", "/api/v1/me/totp", nil), http.StatusUnauthorized, "notSignedIn")
		// With a multi-use pass, the pass is what would finish it.
		e.issueTAP(t, user, map[string]any{"isUsableOnce": false})
		a = wantSignIn(t, e.browser("198.51.100.62").password(t, upn, first), signin.StatusAdditionalAuthenticationRequired)
		if diff := cmp.Diff([][]string{{"temporaryAccessPassMultiUse"}}, a.Methods); diff != "" {
			t.Errorf("second factors offered (-want +got):\n%s", diff)
		}

		// A wrong password and an unknown user look the same.
		wrong := errorOf(t, e.browser("198.51.100.63").password(t, upn, "not the password at all"))
		unknown := errorOf(t, e.browser("198.51.100.64").password(t, "nobody@contoso.com", first))
		if wrong != unknown || wrong.Status != http.StatusUnauthorized || wrong.Code != signin.CodeInvalidCredentials {
			t.Errorf("wrong password %+v, unknown user %+v", wrong, unknown)
		}
		logged := false
		for _, r := range e.signIns(t, upn) {
			if r.IPAddress == "198.51.100.63" {
				logged = r.Status.ErrorCode == signin.ErrInvalidCredentials && len(r.AuthenticationDetails) == 1 &&
					r.AuthenticationDetails[0].AuthenticationMethod == "Password" && !r.AuthenticationDetails[0].Succeeded
			}
		}
		if !logged {
			t.Error("the wrong password is not in the sign-in log as a failed password")
		}

		// Changing needs the current password; other sessions end.
		wantRefused(t, b.do(t, "POST", "/api/v1/me/password", map[string]any{"newPassword": "a different long passphrase"}), http.StatusBadRequest, "Request_BadRequest")
		wantRefused(t, b.do(t, "POST", "/api/v1/me/password", map[string]any{"currentPassword": "wrong current one", "newPassword": "a different long passphrase"}),
			http.StatusBadRequest, signin.CodeInvalidCredentials)
		apptest.Want(t, b2.do(t, "GET", "/api/v1/me", nil), http.StatusOK)
		apptest.Want(t, b.do(t, "POST", "/api/v1/me/password", map[string]any{"currentPassword": first, "newPassword": "a different long passphrase"}), http.StatusNoContent)
		wantRefused(t, b2.do(t, "GET", "/api/v1/me", nil), http.StatusUnauthorized, "notSignedIn")
		apptest.Want(t, b.do(t, "GET", "/api/v1/me", nil), http.StatusOK)
		wantRefused(t, e.browser("198.51.100.65").password(t, upn, first), http.StatusUnauthorized, signin.CodeInvalidCredentials)
		wantSignIn(t, e.browser("198.51.100.66").password(t, upn, "a different long passphrase"), signin.StatusAdditionalAuthenticationRequired)

		// A first password needs a recent second factor.
		const upn2 = "grace@contoso.com"
		user2 := e.createUser(t, upn2, "Grace Hopper")
		b3 := e.signedInWithTAP(t, user2, upn2, "198.51.100.67")
		e.clk.Advance(11 * time.Minute)
		wantRefused(t, b3.do(t, "POST", "/api/v1/me/password", map[string]any{"newPassword": "correct horse battery staple"}), http.StatusForbidden, "recentMfaRequired")
	})
}

// A hash made with weaker parameters is replaced at the next sign-in.
func TestPasswordRehash(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newAMEnv(t, db, nil)
		user := e.createUser(t, "old-hash@contoso.com", "Old hash")
		weak := password.New(password.Params{Memory: 4096, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
		err := e.Server.DB.InTx(t.Context(), func(tx *store.Tx) error {
			return tx.SetPassword(t.Context(), password.Credential{UserID: user, Hash: weak.Hash("an old but long password"), CreatedDateTime: tx.Now()})
		})
		if err != nil {
			t.Fatal(err)
		}
		wantRefused(t, e.browser("198.51.100.70").password(t, "old-hash@contoso.com", "a wrong password"), http.StatusUnauthorized, signin.CodeInvalidCredentials)
		if h := e.storedHash(t, user); !strings.HasPrefix(h, "$argon2id$v=19$m=4096,t=1,p=1$") {
			t.Fatalf("a failed sign-in rehashed: %q", h)
		}
		wantSignIn(t, e.browser("198.51.100.71").password(t, "old-hash@contoso.com", "an old but long password"), signin.StatusAdditionalAuthenticationRequired)
		h := e.storedHash(t, user)
		if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
			t.Fatalf("hash after sign-in %q, want the current parameters", h)
		}
		if ok, _, _ := password.New(password.Default).Verify("an old but long password", h); !ok {
			t.Fatal("the new hash does not verify")
		}
		wantSignIn(t, e.browser("198.51.100.72").password(t, "old-hash@contoso.com", "an old but long password"), signin.StatusAdditionalAuthenticationRequired)
	})
}

// An operator can switch passwords off: the endpoints refuse and a stored
// password never counts.
func TestPasswordsDisabled(t *testing.T) {
	t.Parallel()
	e := newAMEnv(t, "sqlite", map[string]string{"STRONGROOM_PASSWORDS_ENABLED": "false"})
	const upn = "passwordless@contoso.com"
	user := e.createUser(t, upn, "Passwordless")
	err := e.Server.DB.InTx(t.Context(), func(tx *store.Tx) error {
		return tx.SetPassword(t.Context(), password.Credential{UserID: user, Hash: password.New(password.Default).Hash("a password from before"), CreatedDateTime: tx.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	wantRefused(t, e.browser("198.51.100.80").password(t, upn, "a password from before"), http.StatusForbidden, signin.CodeMethodNotAllowed)
	b := e.signedInWithTAP(t, user, upn, "198.51.100.81")
	wantRefused(t, b.do(t, "POST", "/api/v1/me/password", map[string]any{"newPassword": "correct horse battery staple"}), http.StatusForbidden, signin.CodeMethodNotAllowed)
	if n := len(e.signIns(t, upn)); n != 1 {
		t.Errorf("%d sign-in records, want only the pass's", n)
	}
}

func TestTOTP(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newAMEnv(t, db, nil)
		const upn = "codes@contoso.com"
		user := e.createUser(t, upn, "Codes")
		wantRefused(t, e.browser("198.51.100.90").do(t, "POST", "/api/v1/signin/totp", map[string]any{"code": "123456"}), http.StatusUnauthorized, "notSignedIn")
		b := e.signedInWithTAP(t, user, upn, "198.51.100.91")

		// Registration: options, then a first code.
		r := b.do(t, "POST", "/api/v1/me/totp/options", map[string]any{})
		apptest.Want(t, r, http.StatusOK)
		var opts struct {
			ID, Secret, OtpauthURI, QRCodePng string
		}
		r.JSON(t, &opts)
		if opts.ID == "" || len(opts.Secret) != 32 || !strings.HasPrefix(opts.OtpauthURI, "otpauth://totp/Strongroom:"+upn+"?") ||
			!strings.Contains(opts.OtpauthURI, "secret="+opts.Secret) || !strings.HasPrefix(opts.QRCodePng, "data:image/png;base64,") {
			t.Fatalf("options %s", r.Body)
		}
		list := func(b *amBrowser) []map[string]any {
			t.Helper()
			r := b.do(t, "GET", "/api/v1/me/totp", nil)
			apptest.Want(t, r, http.StatusOK)
			var l struct {
				Value []map[string]any `json:"value"`
			}
			r.JSON(t, &l)
			return l.Value
		}
		if l := list(b); len(l) != 0 {
			t.Fatalf("a pending registration is listed: %v", l)
		}
		code := func() string {
			t.Helper()
			c, err := totp.Code(opts.Secret, totp.Step(e.clk.Now()))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		wrongCode := func() string {
			c := []byte(code())
			c[0] = '0' + (c[0]-'0'+1)%10
			return string(c)
		}
		wantRefused(t, b.do(t, "POST", "/api/v1/me/totp", map[string]any{"id": opts.ID, "code": wrongCode()}), http.StatusBadRequest, "invalidCode")
		r = b.do(t, "POST", "/api/v1/me/totp", map[string]any{"id": opts.ID, "code": code(), "displayName": "Phone"})
		apptest.Want(t, r, http.StatusCreated)
		if m := r.Map(t); m["id"] != opts.ID || m["displayName"] != "Phone" {
			t.Errorf("registered %v", m)
		}
		if l := list(b); len(l) != 1 || l[0]["displayName"] != "Phone" {
			t.Errorf("list %v", l)
		}
		confirmCode := code()
		apptest.Want(t, b.do(t, "POST", "/api/v1/me/password", map[string]any{"newPassword": "correct horse battery staple"}), http.StatusNoContent)

		// Password, then code.
		b2 := e.browser("198.51.100.92")
		a := wantSignIn(t, b2.password(t, upn, "correct horse battery staple"), signin.StatusAdditionalAuthenticationRequired)
		if diff := cmp.Diff([][]string{{"softwareOath"}}, a.Methods); diff != "" {
			t.Errorf("second factors offered (-want +got):\n%s", diff)
		}
		// The code that confirmed the registration cannot sign in.
		msg := wantRefused(t, b2.do(t, "POST", "/api/v1/signin/totp", map[string]any{"code": confirmCode}), http.StatusUnauthorized, signin.CodeInvalidCredentials)
		if !contains(msg.Message, "already used") {
			t.Errorf("reuse message %q", msg.Message)
		}
		e.clk.Advance(totp.Period * time.Second)
		fresh := code()
		wantSignIn(t, b2.do(t, "POST", "/api/v1/signin/totp", map[string]any{"code": fresh[:3] + " " + fresh[3:]}), signin.StatusSignedIn)
		r = b2.do(t, "GET", "/api/v1/me", nil)
		apptest.Want(t, r, http.StatusOK)
		var me struct {
			Session struct{ Complete bool }
			Methods []struct{ Method string }
		}
		r.JSON(t, &me)
		if !me.Session.Complete || len(me.Methods) != 2 || me.Methods[0].Method != "password" || me.Methods[1].Method != "softwareOath" {
			t.Errorf("/api/v1/me %s", r.Body)
		}

		// The same code again, in another browser: refused.
		b3 := e.browser("198.51.100.93")
		wantSignIn(t, b3.password(t, upn, "correct horse battery staple"), signin.StatusAdditionalAuthenticationRequired)
		wantRefused(t, b3.do(t, "POST", "/api/v1/signin/totp", map[string]any{"code": fresh}), http.StatusUnauthorized, signin.CodeInvalidCredentials)

		// Wrong codes are throttled: one failure since the last success
		// (which cleared the count), nine more lock the account.
		for range 9 {
			wantRefused(t, b3.do(t, "POST", "/api/v1/signin/totp", map[string]any{"code": wrongCode()}), http.StatusUnauthorized, signin.CodeInvalidCredentials)
		}
		e.clk.Advance(totp.Period * time.Second)
		wantRefused(t, b3.do(t, "POST", "/api/v1/signin/totp", map[string]any{"code": code()}), http.StatusTooManyRequests, signin.CodeAccountLocked)
		e.clk.Advance(totp.Period * time.Second)
		wantSignIn(t, b3.do(t, "POST", "/api/v1/signin/totp", map[string]any{"code": code()}), signin.StatusSignedIn)
		oath := 0
		for _, rec := range e.signIns(t, upn) {
			for _, d := range rec.AuthenticationDetails {
				if d.AuthenticationMethod == "OATH verification code" && !d.Succeeded {
					oath++
				}
			}
		}
		if oath != 11 {
			t.Errorf("%d failed code attempts in the sign-in log, want 11", oath)
		}

		// A registration left pending expires.
		r = b3.do(t, "POST", "/api/v1/me/totp/options", map[string]any{})
		apptest.Want(t, r, http.StatusOK)
		var late struct{ ID, Secret string }
		r.JSON(t, &late)
		e.clk.Advance(totp.PendingLifetime + time.Second)
		c, _ := totp.Code(late.Secret, totp.Step(e.clk.Now()))
		wantRefused(t, b3.do(t, "POST", "/api/v1/me/totp", map[string]any{"id": late.ID, "code": c}), http.StatusNotFound, "registrationNotFound")

		// The policy switches codes off.
		apptest.Want(t, e.Admin(t, "PATCH", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/SoftwareOath", map[string]any{"state": "disabled"}), http.StatusNoContent)
		b4 := e.browser("198.51.100.94")
		wantSignIn(t, b4.password(t, upn, "correct horse battery staple"), signin.StatusAdditionalAuthenticationRequired)
		wantRefused(t, b4.do(t, "POST", "/api/v1/signin/totp", map[string]any{"code": code()}), http.StatusForbidden, signin.CodeMethodNotAllowed)
		apptest.Want(t, e.Admin(t, "DELETE", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/SoftwareOath", nil), http.StatusNoContent)

		// Removing the app.
		apptest.Want(t, b3.do(t, "DELETE", "/api/v1/me/totp/"+opts.ID, nil), http.StatusNoContent)
		if l := list(b3); len(l) != 0 {
			t.Errorf("after delete: %v", l)
		}
		wantRefused(t, b3.do(t, "DELETE", "/api/v1/me/totp/"+opts.ID, nil), http.StatusNotFound, "Request_ResourceNotFound")
	})
}
