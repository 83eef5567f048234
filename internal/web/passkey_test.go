package web_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/fido/fidotest"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/signin"
)

const (
	cookieSignIn   = "strongroom_passkey_signin"
	cookieRegister = "strongroom_passkey_register"
)

// publicKey decodes options' publicKey member.
func publicKey(t testing.TB, options []byte) map[string]any {
	t.Helper()
	var o struct {
		PublicKey map[string]any `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &o); err != nil || o.PublicKey == nil {
		t.Fatalf("options %s: %v", options, err)
	}
	return o.PublicKey
}

func credentialIDs(pk map[string]any, member string) []string {
	var out []string
	list, _ := pk[member].([]any)
	for _, c := range list {
		out = append(out, c.(map[string]any)["id"].(string))
	}
	return out
}

func TestPasskeyRegisterAndSignIn(t *testing.T) {
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newPKEnv(t, db, nil)
		admin := e.Bootstrap.AdminUserPrincipalName
		b := e.browser()
		b.signInTAP(t, admin, e.Bootstrap.AdminTemporaryAccessPass)
		me := b.do(t, "GET", "/api/v1/me", nil).Map(t)
		adminID := me["user"].(map[string]any)["id"].(string)

		// Creation options: UV required, discoverable preferred, ES256,
		// EdDSA and RS256, no attachment, no attestation asked.
		pk := publicKey(t, b.registerOptions(t))
		if pk["rp"].(map[string]any)["id"] != "localhost" || pk["attestation"] != "none" {
			t.Errorf("rp or attestation: %v", pk)
		}
		sel := pk["authenticatorSelection"].(map[string]any)
		if sel["userVerification"] != "required" || sel["residentKey"] != "preferred" || sel["authenticatorAttachment"] != nil {
			t.Errorf("authenticatorSelection %v", sel)
		}
		var algs []float64
		for _, p := range pk["pubKeyCredParams"].([]any) {
			algs = append(algs, p.(map[string]any)["alg"].(float64))
		}
		if !slices.Equal(algs, []float64{-7, -8, -257}) {
			t.Errorf("algorithms %v", algs)
		}
		if len(b.cookie(cookieRegister)) < 40 {
			t.Errorf("no sealed state cookie")
		}

		a := fidotest.New(t, e.URL, "", passkey.UserHandle(adminID))
		key := b.mustRegister(t, a, "  Desk key  ")
		if key["displayName"] != "Desk key" || key["aaGuid"] != a.AAGUID() || key["model"] != passkey.GenericModel ||
			key["attestationLevel"] != "notAttested" || key["isUsable"] != true || key["createdDateTime"] == nil {
			t.Errorf("registered key %v", key)
		}
		if b.cookie(cookieRegister) != "" {
			t.Error("the registration cookie outlived its ceremony")
		}
		// The next options exclude the registered key.
		if ex := credentialIDs(publicKey(t, b.registerOptions(t)), "excludeCredentials"); !slices.Equal(ex, []string{a.CredentialID()}) {
			t.Errorf("excludeCredentials %v", ex)
		}
		list := b.do(t, "GET", "/api/v1/me/passkeys", nil)
		apptest.Want(t, list, http.StatusOK)
		if !strings.Contains(string(list.Body), a.AAGUID()) {
			t.Errorf("list %s", list.Body)
		}
		apptest.Want(t, b.do(t, "POST", "/api/v1/signout", nil), http.StatusNoContent)

		// Username-first: allowCredentials lists the key.
		b2 := e.browser()
		opts := b2.signInOptions(t, admin)
		rpk := publicKey(t, opts)
		if rpk["userVerification"] != "required" || rpk["rpId"] != "localhost" || !slices.Equal(credentialIDs(rpk, "allowCredentials"), []string{a.CredentialID()}) {
			t.Errorf("request options %v", rpk)
		}
		ans := pkStatus(t, b2.do(t, "POST", "/api/v1/signin/passkey", a.Get(t, opts)), signin.StatusSignedIn)
		if ans["user"].(map[string]any)["id"] != adminID {
			t.Errorf("signed in as %v", ans["user"])
		}
		me = b2.do(t, "GET", "/api/v1/me", nil).Map(t)
		m := me["methods"].([]any)[0].(map[string]any)
		if m["method"] != "fido2" || m["aaGuid"] != a.AAGUID() || m["userVerified"] != true {
			t.Errorf("me methods %v", me["methods"])
		}

		// Username-less: no allowCredentials, the user handle finds the user.
		e.clk.Advance(time.Second) // so that this sign-in's record is the newest
		b3 := e.browser()
		opts = b3.signInOptions(t, "")
		if _, ok := publicKey(t, opts)["allowCredentials"]; ok {
			t.Errorf("username-less options list credentials: %s", opts)
		}
		pkStatus(t, b3.do(t, "POST", "/api/v1/signin/passkey", a.Get(t, opts)), signin.StatusSignedIn)
		if b3.cookie(cookieSignIn) != "" {
			t.Error("the sign-in cookie outlived its ceremony")
		}

		recs := e.signIns(t, admin)
		if recs[0].Status.ErrorCode != 0 || !slices.Equal(recs[0].AuthenticationMethodsUsed, []string{"FIDO2 security key"}) ||
			recs[0].AuthenticationDetails[0].AuthenticationMethodDetail != a.AAGUID() || recs[0].AuthenticationRequirement != "multiFactorAuthentication" {
			t.Errorf("sign-in record %+v", recs[0])
		}
		if len(e.audits(t, "User registered security info")) != 1 {
			t.Error("registration not audited")
		}
		// The key's last use is recorded.
		keys := b3.do(t, "GET", "/api/v1/me/passkeys", nil).Map(t)["value"].([]any)
		if keys[0].(map[string]any)["lastUsedDateTime"] == nil {
			t.Errorf("last use not recorded: %v", keys)
		}
	})
}

func TestPasskeyAttestationFormats(t *testing.T) {
	e := newPKEnv(t, "sqlite", nil)
	id, pass := e.newUser(t, "formats@example.com")
	b := e.browser()
	b.signInTAP(t, "formats@example.com", pass)
	ca := fidotest.NewRoot(t, "Vendor")
	for _, f := range []string{fidotest.None, fidotest.PackedSelf, fidotest.PackedX5C} {
		a := fidotest.New(t, e.URL, "", passkey.UserHandle(id))
		a.Attestation = f
		if f == fidotest.PackedX5C {
			a.AttestationCert = ca.Attestation(t, a.AAGUID())
		}
		key := b.mustRegister(t, a, f)
		// Without FIDO metadata nothing is attested, whatever the format.
		if key["attestationLevel"] != "notAttested" {
			t.Errorf("%s: %v", f, key)
		}
		pkStatus(t, e.browser().signIn(t, a, "formats@example.com"), signin.StatusSignedIn)
		r := e.Admin(t, "GET", "/v1.0/users/"+id+"/authentication/fido2Methods/"+key["id"].(string), nil)
		apptest.Want(t, r, http.StatusOK)
		certs := r.Map(t)["attestationCertificates"].([]any)
		if f == fidotest.PackedX5C {
			sum := sha1.Sum(a.AttestationCert.Cert.Raw)
			if len(certs) != 1 || certs[0] != hex.EncodeToString(sum[:]) {
				t.Errorf("attestation certificates %v", certs)
			}
		} else if len(certs) != 0 {
			t.Errorf("%s: attestation certificates %v", f, certs)
		}
	}
	keys, err := e.Server.DB.FindPasskeys(context.Background(), passkey.Filter{UserID: id})
	if err != nil {
		t.Fatal(err)
	}
	var formats []string
	for _, k := range keys {
		formats = append(formats, k.AttestationFormat)
	}
	slices.Sort(formats)
	if !slices.Equal(formats, []string{"none", "packed", "packed"}) {
		t.Errorf("formats %v", formats)
	}
}

func TestPasskeySignInRefusals(t *testing.T) {
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newPKEnv(t, db, nil)
		u := e.newKeyUser(t, "refused@example.com", "")
		refused := func(t *testing.T, post func() *apptest.Response, code string, logCode int) {
			t.Helper()
			e.logged(t, logCode, func() { pkRefused(t, post(), http.StatusUnauthorized, code) })
		}

		t.Run("replayed assertion", func(t *testing.T) {
			b := e.browser()
			opts := b.signInOptions(t, u.UPN)
			state := b.cookie(cookieSignIn)
			resp := u.A.Get(t, opts)
			pkStatus(t, b.do(t, "POST", "/api/v1/signin/passkey", resp), signin.StatusSignedIn)
			// An attacker who copied both the response and the state
			// cookie replays them.
			x := e.browser()
			x.setCookie(cookieSignIn, state)
			refused(t, func() *apptest.Response { return x.do(t, "POST", "/api/v1/signin/passkey", resp) }, passkey.CodeChallengeInvalid, signin.ErrChallengeNotValid)
		})
		t.Run("challenge already used", func(t *testing.T) {
			b := e.browser()
			opts := b.signInOptions(t, "")
			state := b.cookie(cookieSignIn)
			first, second := u.A.Get(t, opts), u.A.Get(t, opts)
			pkStatus(t, b.do(t, "POST", "/api/v1/signin/passkey", first), signin.StatusSignedIn)
			b.setCookie(cookieSignIn, state)
			refused(t, func() *apptest.Response { return b.do(t, "POST", "/api/v1/signin/passkey", second) }, passkey.CodeChallengeInvalid, signin.ErrChallengeNotValid)
		})
		t.Run("challenge from another browser", func(t *testing.T) {
			b := e.browser()
			resp := u.A.Get(t, b.signInOptions(t, u.UPN))
			// Without the cookie…
			other := e.browser()
			pkRefused(t, other.do(t, "POST", "/api/v1/signin/passkey", resp), http.StatusUnauthorized, passkey.CodeChallengeInvalid)
			// …and with a ceremony of its own.
			other.signInOptions(t, u.UPN)
			refused(t, func() *apptest.Response { return other.do(t, "POST", "/api/v1/signin/passkey", resp) }, passkey.CodeChallengeInvalid, signin.ErrChallengeNotValid)
			// The browser that asked can still use it.
			pkStatus(t, b.do(t, "POST", "/api/v1/signin/passkey", resp), signin.StatusSignedIn)
		})
		variant := func(change func(a *fidotest.Authenticator)) *fidotest.Authenticator {
			a := *u.A
			change(&a)
			return &a
		}
		// Each refusal's reason is in the sign-in log (go-webauthn's
		// detail), so a test cannot pass for the wrong reason.
		for _, tc := range []struct {
			name, why string
			a         *fidotest.Authenticator
		}{
			{"wrong origin", "origin", variant(func(a *fidotest.Authenticator) { a.RP.Origin = "http://localhost.evil.example" })},
			{"wrong RP ID", "RP Hash mismatch", variant(func(a *fidotest.Authenticator) { a.RP.ID = "evil.example" })},
			{"no user verification", "User verification required", variant(func(a *fidotest.Authenticator) { a.Auth.Options.UserNotVerified = true })},
			{"no user presence", "User presence required", variant(func(a *fidotest.Authenticator) { a.Auth.Options.UserNotPresent = true })},
			{"backup eligibility changed", "Backup Eligible", variant(func(a *fidotest.Authenticator) { a.Auth.Options.BackupEligible = true })},
			{"another key with the user's handle", "no key with this credential id", variant(func(a *fidotest.Authenticator) { a.Cred = fidotest.NewCredential(t) })},
			{"the user's key under another key's id", "signature", variant(func(a *fidotest.Authenticator) {
				c := fidotest.NewCredential(t)
				c.ID = u.A.Cred.ID
				a.Cred = c
			})},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, upn := range []string{u.UPN, ""} {
					e.logged(t, signin.ErrCredentialNotValid, func() {
						pkRefused(t, e.browser().signIn(t, tc.a, upn), http.StatusUnauthorized, passkey.CodeCredentialRejected)
					})
					if !e.loggedReason(t, tc.why) {
						t.Errorf("no sign-in record says %q", tc.why)
					}
				}
			})
		}
		t.Run("tampered signature", func(t *testing.T) {
			b := e.browser()
			var resp map[string]any
			_ = json.Unmarshal(u.A.Get(t, b.signInOptions(t, "")), &resp)
			r := resp["response"].(map[string]any)
			s := []byte(r["signature"].(string))
			if s[10] == 'A' {
				s[10] = 'B'
			} else {
				s[10] = 'A'
			}
			r["signature"] = string(s)
			refused(t, func() *apptest.Response { return b.do(t, "POST", "/api/v1/signin/passkey", resp) }, passkey.CodeCredentialRejected, signin.ErrCredentialNotValid)
		})
		t.Run("not JSON", func(t *testing.T) {
			apptest.Want(t, e.browser().do(t, "POST", "/api/v1/signin/passkey", "{"), http.StatusBadRequest)
		})
	})
}

func TestPasskeyExpiredChallenge(t *testing.T) {
	e := newPKEnv(t, "sqlite", nil)
	u := e.newKeyUser(t, "slow@example.com", "")
	b := e.browser()
	opts := b.signInOptions(t, u.UPN)
	e.clk.Advance(passkey.CeremonyLifetime + time.Second)
	e.logged(t, signin.ErrChallengeNotValid, func() {
		pkRefused(t, b.do(t, "POST", "/api/v1/signin/passkey", u.A.Get(t, opts)), http.StatusUnauthorized, passkey.CodeChallengeInvalid)
	})
	// Within the lifetime it works.
	opts = b.signInOptions(t, u.UPN)
	e.clk.Advance(passkey.CeremonyLifetime - time.Second)
	pkStatus(t, b.do(t, "POST", "/api/v1/signin/passkey", u.A.Get(t, opts)), signin.StatusSignedIn)
}

func TestPasskeyCounterWentBackwards(t *testing.T) {
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newPKEnv(t, db, nil)
		id, pass := e.newUser(t, "counter@example.com")
		b := e.browser()
		b.signInTAP(t, "counter@example.com", pass)
		a := fidotest.New(t, e.URL, "", passkey.UserHandle(id))
		a.Cred.Counter = 10
		b.mustRegister(t, a, "Counting key")
		a.Cred.Counter = 11
		pkStatus(t, e.browser().signIn(t, a, ""), signin.StatusSignedIn)
		for _, n := range []uint32{11, 5} {
			a.Cred.Counter = n
			e.logged(t, signin.ErrCloneSuspected, func() {
				r := e.browser().signIn(t, a, "counter@example.com")
				pkRefused(t, r, http.StatusUnauthorized, passkey.CodeCredentialRejected)
				if !strings.Contains(pkMessage(t, r), "counter") {
					t.Errorf("message %q", pkMessage(t, r))
				}
			})
		}
		evs := e.audits(t, passkey.ActivityCloneSuspected.Name)
		if len(evs) != 2 || evs[0]["result"] != "failure" || !strings.Contains(string(mustJSON(t, evs[0])), `"ReceivedSignCount","value":"5"`) {
			t.Errorf("clone audit events %v", evs)
		}
		// A synced passkey keeps its counter at 0 and keeps working.
		s := fidotest.New(t, e.URL, "", passkey.UserHandle(id))
		b.signInTAP(t, "counter@example.com", e.reissue(t, id))
		b.mustRegister(t, s, "Synced")
		for range 2 {
			pkStatus(t, e.browser().signIn(t, s, ""), signin.StatusSignedIn)
		}
	})
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reissue gives a user a new one-time pass.
func (e *pkEnv) reissue(t testing.TB, id string) string {
	t.Helper()
	r := e.Admin(t, "POST", "/v1.0/users/"+id+"/authentication/temporaryAccessPassMethods", map[string]any{"isUsableOnce": true})
	apptest.Want(t, r, http.StatusCreated)
	return r.Map(t)["temporaryAccessPass"].(string)
}

func TestPasskeyKeyRestrictions(t *testing.T) {
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newPKEnv(t, db, nil)
		const blocked, other = "cb69481e-8ff7-4039-93ec-0a2729a154a8", "ee882879-721c-4913-9775-3dfcce97072a"
		u := e.newKeyUser(t, "restricted@example.com", blocked)
		if u.Key["model"] != "YubiKey 5 Series" {
			t.Errorf("model %v", u.Key["model"])
		}
		policy := "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2"
		apptest.Want(t, e.Admin(t, "PATCH", policy, map[string]any{"keyRestrictions": map[string]any{"isEnforced": true, "enforcementType": "block", "aaGuids": []string{strings.ToUpper(blocked)}}}), http.StatusNoContent)

		// Sign-in with the blocked model is refused, clearly.
		e.logged(t, signin.ErrCredentialNotValid, func() {
			r := e.browser().signIn(t, u.A, "")
			pkRefused(t, r, http.StatusUnauthorized, passkey.CodeKeyNotAllowed)
			if !strings.Contains(pkMessage(t, r), "no longer allows this model") {
				t.Errorf("message %q", pkMessage(t, r))
			}
		})
		// So is registering another one.
		u.B.signInTAP(t, u.UPN, e.reissue(t, u.ID))
		pkRefused(t, u.B.register(t, fidotest.New(t, e.URL, blocked, passkey.UserHandle(u.ID)), "Second"), http.StatusForbidden, passkey.CodeKeyNotAllowed)
		okKey := fidotest.New(t, e.URL, other, passkey.UserHandle(u.ID))
		u.B.mustRegister(t, okKey, "Allowed")
		// The list says which key is unusable and why.
		for _, k := range u.B.do(t, "GET", "/api/v1/me/passkeys", nil).Map(t)["value"].([]any) {
			k := k.(map[string]any)
			if blockedKey := k["aaGuid"] == blocked; blockedKey != (k["isUsable"] == false) || blockedKey != (k["usabilityReason"] == passkey.UsableKeyRestricted) {
				t.Errorf("key listed as %v", k)
			}
		}

		// An allow list that no longer names a model makes it unusable.
		apptest.Want(t, e.Admin(t, "PATCH", policy, map[string]any{"keyRestrictions": map[string]any{"enforcementType": "allow", "aaGuids": []string{blocked}}}), http.StatusNoContent)
		pkStatus(t, e.browser().signIn(t, u.A, ""), signin.StatusSignedIn)
		pkRefused(t, e.browser().signIn(t, okKey, ""), http.StatusUnauthorized, passkey.CodeKeyNotAllowed)

		// FIDO2 switched off: no sign-in, no registration.
		apptest.Want(t, e.Admin(t, "PATCH", policy, map[string]any{"state": "disabled"}), http.StatusNoContent)
		e.logged(t, signin.ErrMethodNotAllowed, func() {
			pkRefused(t, e.browser().signIn(t, u.A, ""), http.StatusUnauthorized, passkey.CodeMethodNotAllowed)
		})
		u.B.signInTAP(t, u.UPN, e.reissue(t, u.ID))
		pkRefused(t, u.B.do(t, "POST", "/api/v1/me/passkeys/options", map[string]any{}), http.StatusForbidden, passkey.CodeMethodNotAllowed)

		// Self-service registration switched off.
		apptest.Want(t, e.Admin(t, "PATCH", policy, map[string]any{"state": "enabled", "isSelfServiceRegistrationAllowed": false}), http.StatusNoContent)
		pkRefused(t, u.B.do(t, "POST", "/api/v1/me/passkeys/options", map[string]any{}), http.StatusForbidden, passkey.CodeSelfServiceRegistrationBlocked)

		// Excluding the user's group keeps them out.
		g := e.Admin(t, "POST", "/v1.0/groups", map[string]any{"displayName": "No keys", "mailNickname": "nokeys", "securityEnabled": true, "mailEnabled": false})
		apptest.Want(t, g, http.StatusCreated)
		gid := g.Map(t)["id"].(string)
		apptest.Want(t, e.Admin(t, "POST", "/v1.0/groups/"+gid+"/members/$ref", map[string]any{"@odata.id": e.URL + "/v1.0/directoryObjects/" + u.ID}), http.StatusNoContent)
		apptest.Want(t, e.Admin(t, "DELETE", policy, nil), http.StatusNoContent)
		pkStatus(t, e.browser().signIn(t, okKey, ""), signin.StatusSignedIn)
		apptest.Want(t, e.Admin(t, "PATCH", policy, map[string]any{"excludeTargets": []map[string]any{{"targetType": "group", "id": gid}}}), http.StatusNoContent)
		pkRefused(t, e.browser().signIn(t, okKey, ""), http.StatusUnauthorized, passkey.CodeMethodNotAllowed)
	})
}

func TestPasskeyRegistrationNeedsRecentMFA(t *testing.T) {
	e := newPKEnv(t, "sqlite", nil)
	options := func(b *pkBrowser) *apptest.Response {
		return b.do(t, "POST", "/api/v1/me/passkeys/options", map[string]any{})
	}
	t.Run("not signed in", func(t *testing.T) {
		pkRefused(t, options(e.browser()), http.StatusUnauthorized, "notSignedIn")
	})
	t.Run("one-time pass gives 10 minutes", func(t *testing.T) {
		_, pass := e.newUser(t, "once@example.com")
		b := e.browser()
		b.signInTAP(t, "once@example.com", pass)
		e.clk.Advance(9 * time.Minute)
		apptest.Want(t, options(b), http.StatusOK)
		e.clk.Advance(2 * time.Minute)
		pkRefused(t, options(b), http.StatusForbidden, passkey.CodeRegistrationRequiresRecentMFA)
	})
	t.Run("other MFA gives 5 minutes", func(t *testing.T) {
		id, _ := e.newUser(t, "multi@example.com")
		r := e.Admin(t, "POST", "/v1.0/users/"+id+"/authentication/temporaryAccessPassMethods", map[string]any{"isUsableOnce": false, "lifetimeInMinutes": 480})
		apptest.Want(t, r, http.StatusCreated)
		pass := r.Map(t)["temporaryAccessPass"].(string)
		b := e.browser()
		b.signInTAP(t, "multi@example.com", pass)
		e.clk.Advance(4 * time.Minute)
		opts := options(b)
		apptest.Want(t, opts, http.StatusOK)
		// The ceremony began within the window, so it may finish after.
		e.clk.Advance(3 * time.Minute)
		a := fidotest.New(t, e.URL, "", passkey.UserHandle(id))
		apptest.Want(t, b.do(t, "POST", "/api/v1/me/passkeys", map[string]any{"credential": json.RawMessage(a.Create(t, opts.Body))}), http.StatusCreated)
		pkRefused(t, options(b), http.StatusForbidden, passkey.CodeRegistrationRequiresRecentMFA)
		// A fresh passkey sign-in allows it again, for 5 minutes.
		b2 := e.browser()
		pkStatus(t, b2.signIn(t, a, ""), signin.StatusSignedIn)
		apptest.Want(t, options(b2), http.StatusOK)
		e.clk.Advance(5*time.Minute + time.Second)
		pkRefused(t, options(b2), http.StatusForbidden, passkey.CodeRegistrationRequiresRecentMFA)
	})
	t.Run("ceremony bound to its session", func(t *testing.T) {
		id, pass := e.newUser(t, "bound@example.com")
		b1 := e.browser()
		b1.signInTAP(t, "bound@example.com", pass)
		opts := b1.registerOptions(t)
		state := b1.cookie(cookieRegister)
		b2 := e.browser()
		b2.signInTAP(t, "bound@example.com", e.reissue(t, id))
		b2.setCookie(cookieRegister, state)
		a := fidotest.New(t, e.URL, "", passkey.UserHandle(id))
		pkRefused(t, b2.do(t, "POST", "/api/v1/me/passkeys", map[string]any{"credential": json.RawMessage(a.Create(t, opts))}), http.StatusBadRequest, passkey.CodeChallengeInvalid)
		// A registration challenge is single-use too.
		b1.setCookie(cookieRegister, state)
		apptest.Want(t, b1.do(t, "POST", "/api/v1/me/passkeys", map[string]any{"credential": json.RawMessage(a.Create(t, opts))}), http.StatusCreated)
		b1.setCookie(cookieRegister, state)
		a2 := fidotest.New(t, e.URL, "", passkey.UserHandle(id))
		pkRefused(t, b1.do(t, "POST", "/api/v1/me/passkeys", map[string]any{"credential": json.RawMessage(a2.Create(t, opts))}), http.StatusBadRequest, passkey.CodeChallengeInvalid)
		// Registering the same key twice is refused.
		pkRefused(t, b1.register(t, a, "Again"), http.StatusConflict, passkey.CodeAlreadyRegistered)
		// A response without user verification is refused.
		a3 := fidotest.New(t, e.URL, "", passkey.UserHandle(id))
		a3.Auth.Options.UserNotVerified = true
		pkRefused(t, b1.register(t, a3, "No PIN"), http.StatusBadRequest, passkey.CodeCredentialRejected)
		// And for another origin.
		a4 := fidotest.New(t, e.URL, "", passkey.UserHandle(id))
		a4.RP.Origin = "https://evil.example"
		pkRefused(t, b1.register(t, a4, "Phished"), http.StatusBadRequest, passkey.CodeCredentialRejected)
	})
}

func TestPasskeyUsernameFirstDoesNotRevealAccounts(t *testing.T) {
	e := newPKEnv(t, "sqlite", nil)
	u := e.newKeyUser(t, "known@example.com", "")
	_, _ = e.newUser(t, "nokey@example.com")
	b := e.browser()
	shape := func(upn string) (map[string]any, []string) {
		pk := publicKey(t, b.signInOptions(t, upn))
		ids := credentialIDs(pk, "allowCredentials")
		delete(pk, "challenge")
		delete(pk, "allowCredentials")
		return pk, ids
	}
	known, knownIDs := shape(u.UPN)
	if !slices.Equal(knownIDs, []string{u.A.CredentialID()}) {
		t.Fatalf("known user's options list %v", knownIDs)
	}
	for _, upn := range []string{"nobody@example.com", "nokey@example.com"} {
		other, ids := shape(upn)
		if len(ids) != 1 || ids[0] == u.A.CredentialID() {
			t.Errorf("%s: allowCredentials %v", upn, ids)
		}
		if string(mustJSON(t, other)) != string(mustJSON(t, known)) {
			t.Errorf("%s: options differ in shape: %v vs %v", upn, other, known)
		}
		if _, again := shape(strings.ToUpper(upn)); !slices.Equal(again, ids) {
			t.Errorf("%s: the made-up key changes between requests: %v, %v", upn, ids, again)
		}
	}
	// Answering made-up options is refused like any unknown key.
	r := b.do(t, "POST", "/api/v1/signin/passkey", u.A.Get(t, b.signInOptions(t, "nobody@example.com")))
	pkRefused(t, r, http.StatusUnauthorized, passkey.CodeCredentialRejected)
	// Naming one user and answering with another's key is refused.
	r = b.do(t, "POST", "/api/v1/signin/passkey", u.A.Get(t, b.signInOptions(t, "nokey@example.com")))
	pkRefused(t, r, http.StatusUnauthorized, passkey.CodeCredentialRejected)
	// A disabled user gets made-up options and cannot sign in.
	apptest.Want(t, e.Admin(t, "PATCH", "/v1.0/users/"+u.ID, map[string]any{"accountEnabled": false}), http.StatusNoContent)
	if _, ids := shape(u.UPN); slices.Equal(ids, knownIDs) {
		t.Error("a disabled user's keys are listed")
	}
	pkRefused(t, e.browser().signIn(t, u.A, ""), http.StatusUnauthorized, passkey.CodeCredentialRejected)
}

func TestPasskeyManage(t *testing.T) {
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newPKEnv(t, db, nil)
		u := e.newKeyUser(t, "manage@example.com", "")
		id := u.Key["id"].(string)
		r := u.B.do(t, "PATCH", "/api/v1/me/passkeys/"+id, map[string]any{"displayName": "Blue key"})
		apptest.Want(t, r, http.StatusOK)
		if r.Map(t)["displayName"] != "Blue key" {
			t.Errorf("renamed %s", r.Body)
		}
		apptest.Want(t, u.B.do(t, "PATCH", "/api/v1/me/passkeys/"+id, map[string]any{"displayName": ""}), http.StatusBadRequest)
		apptest.Want(t, u.B.do(t, "PATCH", "/api/v1/me/passkeys/"+id, map[string]any{"displayName": strings.Repeat("x", 65)}), http.StatusBadRequest)
		apptest.Want(t, u.B.do(t, "PATCH", "/api/v1/me/passkeys/"+id, map[string]any{"model": "x"}), http.StatusBadRequest)

		// Another user cannot see, rename or delete it.
		v := e.newKeyUser(t, "other@example.com", "")
		apptest.Want(t, v.B.do(t, "PATCH", "/api/v1/me/passkeys/"+id, map[string]any{"displayName": "Mine"}), http.StatusNotFound)
		apptest.Want(t, v.B.do(t, "DELETE", "/api/v1/me/passkeys/"+id+"?confirm=true", nil), http.StatusNotFound)

		// The one-time pass is spent: the key is the last method.
		pkRefused(t, u.B.do(t, "DELETE", "/api/v1/me/passkeys/"+id, nil), http.StatusConflict, passkey.CodeLastMethod)
		second := fidotest.New(t, e.URL, "", passkey.UserHandle(u.ID))
		// Registering needs recent MFA: sign in with the key again.
		pkStatus(t, u.B.signIn(t, u.A, ""), signin.StatusSignedIn)
		k2 := u.B.mustRegister(t, second, "Spare")
		apptest.Want(t, u.B.do(t, "DELETE", "/api/v1/me/passkeys/"+id, nil), http.StatusNoContent)
		pkRefused(t, e.browser().signIn(t, u.A, ""), http.StatusUnauthorized, passkey.CodeCredentialRejected)
		pkRefused(t, u.B.do(t, "DELETE", "/api/v1/me/passkeys/"+k2["id"].(string), nil), http.StatusConflict, passkey.CodeLastMethod)
		apptest.Want(t, u.B.do(t, "DELETE", "/api/v1/me/passkeys/"+k2["id"].(string)+"?confirm=maybe", nil), http.StatusBadRequest)
		apptest.Want(t, u.B.do(t, "DELETE", "/api/v1/me/passkeys/"+k2["id"].(string)+"?confirm=true", nil), http.StatusNoContent)
		if keys := u.B.do(t, "GET", "/api/v1/me/passkeys", nil).Map(t)["value"].([]any); len(keys) != 0 {
			t.Errorf("keys left: %v", keys)
		}
		if len(e.audits(t, "User deleted security info")) != 2 || len(e.audits(t, "User changed security info")) != 1 {
			t.Error("changes not audited")
		}
	})
}

func TestFido2PolicyAPI(t *testing.T) {
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newPKEnv(t, db, nil)
		const path = "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2"
		get := func() map[string]any {
			t.Helper()
			r := e.Admin(t, "GET", path, nil)
			apptest.Want(t, r, http.StatusOK)
			m := r.Map(t)
			delete(m, "@odata.context")
			return m
		}
		def := get()
		want := `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethodConfiguration","excludeTargets":[],"id":"Fido2","includeTargets":[{"id":"all_users","isRegistrationRequired":false,"targetType":"group"}],"isAttestationEnforced":false,"isSelfServiceRegistrationAllowed":true,"keyRestrictions":{"aaGuids":[],"enforcementType":"block","isEnforced":false},"state":"enabled"}`
		if string(mustJSON(t, def)) != want {
			t.Fatalf("default\n got %s\nwant %s", mustJSON(t, def), want)
		}
		g := e.Admin(t, "POST", "/v1.0/groups", map[string]any{"displayName": "Key users", "mailNickname": "keyusers", "securityEnabled": true, "mailEnabled": false})
		apptest.Want(t, g, http.StatusCreated)
		gid := g.Map(t)["id"].(string)

		// Changes merge, inside keyRestrictions too.
		for _, tc := range []struct {
			patch map[string]any
			check func(m map[string]any) bool
		}{
			{map[string]any{"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration", "isAttestationEnforced": true},
				func(m map[string]any) bool { return m["isAttestationEnforced"] == true && m["state"] == "enabled" }},
			{map[string]any{"keyRestrictions": map[string]any{"isEnforced": true, "enforcementType": "allow", "aaGuids": []string{"90A3CCDF-635C-4729-A248-9B709135078F", "90a3ccdf-635c-4729-a248-9b709135078f", "de1e552d-db1d-4423-a619-566b625cdc84"}}},
				func(m map[string]any) bool {
					return string(mustJSON(t, m["keyRestrictions"])) == `{"aaGuids":["90a3ccdf-635c-4729-a248-9b709135078f","de1e552d-db1d-4423-a619-566b625cdc84"],"enforcementType":"allow","isEnforced":true}`
				}},
			{map[string]any{"keyRestrictions": map[string]any{"isEnforced": false}},
				func(m map[string]any) bool {
					k := m["keyRestrictions"].(map[string]any)
					return k["isEnforced"] == false && len(k["aaGuids"].([]any)) == 2 && m["isAttestationEnforced"] == true
				}},
			{map[string]any{"includeTargets": []map[string]any{{"id": gid, "isRegistrationRequired": true}}, "excludeTargets": []map[string]any{}},
				func(m map[string]any) bool {
					return string(mustJSON(t, m["includeTargets"])) == `[{"id":"`+gid+`","isRegistrationRequired":true,"targetType":"group"}]`
				}},
			{map[string]any{"state": "disabled", "isSelfServiceRegistrationAllowed": false, "id": "Fido2"},
				func(m map[string]any) bool {
					return m["state"] == "disabled" && m["isSelfServiceRegistrationAllowed"] == false
				}},
		} {
			apptest.Want(t, e.Admin(t, "PATCH", path, tc.patch), http.StatusNoContent)
			if m := get(); !tc.check(m) {
				t.Errorf("after %v: %v", tc.patch, m)
			}
		}

		// Bad input: 400, and nothing changes.
		before := string(mustJSON(t, get()))
		for _, bad := range []any{
			map[string]any{"state": "on"},
			map[string]any{"state": nil},
			map[string]any{"isAttestationEnforced": "yes"},
			map[string]any{"keyRestrictions": map[string]any{"enforcementType": "maybe"}},
			map[string]any{"keyRestrictions": map[string]any{"aaGuids": []string{"not-a-guid"}}},
			map[string]any{"keyRestrictions": map[string]any{"aaGuids": "cb69481e-8ff7-4039-93ec-0a2729a154a8"}},
			map[string]any{"keyRestrictions": map[string]any{"aaGuids": nil}},
			map[string]any{"keyRestrictions": map[string]any{"colour": "blue"}},
			map[string]any{"keyRestrictions": []string{}},
			map[string]any{"keyRestrictions": map[string]any{"isEnforced": true, "enforcementType": "allow", "aaGuids": []string{}}},
			map[string]any{"includeTargets": []map[string]any{{"id": "nope"}}},
			map[string]any{"includeTargets": []map[string]any{{"id": "2f0b6cc4-9a1b-4a8c-8d55-3f3b3e4b1e11"}}},
			map[string]any{"includeTargets": []map[string]any{{"id": gid}, {"id": gid}}},
			map[string]any{"excludeTargets": []map[string]any{{"id": "all_users"}}},
			map[string]any{"includeTargets": []map[string]any{{"targetType": "device", "id": gid}}},
			map[string]any{"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration"},
			map[string]any{"id": "TemporaryAccessPass"},
			map[string]any{"defaultLength": 8},
			"[]",
			"{",
		} {
			r := e.Admin(t, "PATCH", path, bad)
			if r.Status != http.StatusBadRequest {
				t.Errorf("PATCH %v: %d %s", bad, r.Status, r.Body)
			}
		}
		if after := string(mustJSON(t, get())); after != before {
			t.Errorf("bad input changed the policy:\n%s\n%s", before, after)
		}
		if n := len(e.audits(t, "Authentication Methods Policy Update")); n != 5 {
			t.Errorf("%d policy updates audited, want 5", n)
		}

		apptest.Want(t, e.Admin(t, "DELETE", path, nil), http.StatusNoContent)
		if m := get(); string(mustJSON(t, m)) != want {
			t.Errorf("after reset: %v", m)
		}
		if len(e.audits(t, "Authentication Methods Policy Reset")) != 1 {
			t.Error("reset not audited")
		}
		// Without a token: 401; other methods: 405.
		apptest.Want(t, e.Do(t, "GET", path, "", nil), http.StatusUnauthorized)
		apptest.Want(t, e.Admin(t, "POST", path, map[string]any{}), http.StatusMethodNotAllowed)
	})
}

func TestFido2MethodsAPI(t *testing.T) {
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newPKEnv(t, db, nil)
		u := e.newKeyUser(t, "methods@example.com", "fbfc3007-154e-4ecc-8c0b-6e020557d7bd")
		v := e.newKeyUser(t, "bystander@example.com", "")
		keyID := u.Key["id"].(string)
		for _, who := range []string{u.ID, u.UPN} {
			r := e.Admin(t, "GET", "/v1.0/users/"+who+"/authentication/fido2Methods", nil)
			apptest.Want(t, r, http.StatusOK)
			var list struct {
				Context string           `json:"@odata.context"`
				Value   []map[string]any `json:"value"`
			}
			r.JSON(t, &list)
			if len(list.Value) != 1 || !strings.HasSuffix(list.Context, "/authentication/fido2Methods") {
				t.Fatalf("list %s", r.Body)
			}
			k := list.Value[0]
			if k["id"] != keyID || k["displayName"] != "My key" || k["aaGuid"] != "fbfc3007-154e-4ecc-8c0b-6e020557d7bd" ||
				k["model"] != "iCloud Keychain" || k["attestationLevel"] != "notAttested" || k["createdDateTime"] == nil {
				t.Errorf("fido2Method %v", k)
			}
			if _, ok := k["attestationCertificates"].([]any); !ok {
				t.Errorf("attestationCertificates %v", k["attestationCertificates"])
			}
		}
		r := e.Admin(t, "GET", "/v1.0/users/"+u.ID+"/authentication/fido2Methods/"+keyID+"?$select=id,model", nil)
		apptest.Want(t, r, http.StatusOK)
		if m := r.Map(t); m["model"] != "iCloud Keychain" || m["displayName"] != nil || !strings.Contains(m["@odata.context"].(string), "$entity") {
			t.Errorf("get %s", r.Body)
		}
		// The whole methods list shows it too.
		r = e.Admin(t, "GET", "/v1.0/users/"+u.ID+"/authentication/methods", nil)
		apptest.Want(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), "#microsoft.graph.fido2AuthenticationMethod") {
			t.Errorf("methods %s", r.Body)
		}
		// A key under another user is not found; neither is nonsense.
		apptest.Want(t, e.Admin(t, "GET", "/v1.0/users/"+v.ID+"/authentication/fido2Methods/"+keyID, nil), http.StatusNotFound)
		apptest.Want(t, e.Admin(t, "DELETE", "/v1.0/users/"+v.ID+"/authentication/fido2Methods/"+keyID, nil), http.StatusNotFound)
		apptest.Want(t, e.Admin(t, "GET", "/v1.0/users/"+u.ID+"/authentication/fido2Methods/nonsense", nil), http.StatusNotFound)
		apptest.Want(t, e.Admin(t, "GET", "/v1.0/users/nobody@example.com/authentication/fido2Methods", nil), http.StatusNotFound)
		apptest.Want(t, e.Do(t, "GET", "/v1.0/users/"+u.ID+"/authentication/fido2Methods", "", nil), http.StatusUnauthorized)

		// An administrator deletes it (no last-method warning), audited;
		// the key stops working at once.
		apptest.Want(t, e.Admin(t, "DELETE", "/v1.0/users/"+u.UPN+"/authentication/fido2Methods/"+keyID, nil), http.StatusNoContent)
		pkRefused(t, e.browser().signIn(t, u.A, ""), http.StatusUnauthorized, passkey.CodeCredentialRejected)
		apptest.Want(t, e.Admin(t, "GET", "/v1.0/users/"+u.ID+"/authentication/fido2Methods/"+keyID, nil), http.StatusNotFound)
		if evs := e.audits(t, "Admin deleted security info"); len(evs) != 1 || !strings.Contains(string(mustJSON(t, evs[0])), keyID) {
			t.Errorf("audit %v", evs)
		}
		pkStatus(t, e.browser().signIn(t, v.A, ""), signin.StatusSignedIn)
	})
}

func TestPasskeyMetadata(t *testing.T) {
	const good, revoked, unlisted = "0d9b2e56-566b-c393-2940-f821b7f15d6d", "5b6a9e3f-6f33-4b8e-a7a3-2a3c2c7b0f10", "7f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	m := fidotest.NewMDS(t)
	blob := m.BLOB(t,
		fidotest.Entry{AAGUID: good, Description: "Test Key 5 NFC"},
		fidotest.Entry{AAGUID: revoked, Description: "Leaky Key", Status: "REVOKED", EarlierStatus: "FIDO_CERTIFIED_L1"},
	)
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newPKEnv(t, db, withMDS(t, m, blob))
		id, pass := e.newUser(t, "mds@example.com")
		b := e.browser()
		b.signInTAP(t, "mds@example.com", pass)
		key := func(aaguid, attestation string, ca *fidotest.CA) *fidotest.Authenticator {
			a := fidotest.New(t, e.URL, aaguid, passkey.UserHandle(id))
			a.Attestation = attestation
			if ca != nil {
				a.AttestationCert = ca.Attestation(t, aaguid)
			}
			return a
		}

		// The model name comes from the metadata.
		first := key(good, fidotest.None, nil)
		k := b.mustRegister(t, first, "")
		if k["model"] != "Test Key 5 NFC" || k["displayName"] != "Test Key 5 NFC" {
			t.Errorf("key %v", k)
		}
		// A revoked model cannot register.
		r := b.register(t, key(revoked, fidotest.None, nil), "Leaky")
		pkRefused(t, r, http.StatusForbidden, passkey.CodeAuthenticatorNotTrusted)
		if !strings.Contains(pkMessage(t, r), "REVOKED") {
			t.Errorf("message %q", pkMessage(t, r))
		}
		// Attestation with a chain to the vendor's listed root is attested.
		a := key(good, fidotest.PackedX5C, m.AttestationRoot)
		if k := b.mustRegister(t, a, "Attested"); k["attestationLevel"] != "attested" {
			t.Errorf("key %v", k)
		}

		// Enforced attestation: "direct" is asked for, and only a chain
		// that validates against the metadata will do.
		apptest.Want(t, e.Admin(t, "PATCH", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2", map[string]any{"isAttestationEnforced": true}), http.StatusNoContent)
		if got := publicKey(t, b.registerOptions(t))["attestation"]; got != "direct" {
			t.Errorf("attestation conveyance %v", got)
		}
		for _, tc := range []struct {
			name string
			a    *fidotest.Authenticator
		}{
			{"none", key(good, fidotest.None, nil)},
			{"self", key(good, fidotest.PackedSelf, nil)},
			{"chain to another root", key(good, fidotest.PackedX5C, fidotest.NewRoot(t, "Counterfeit"))},
			{"model not in the metadata", key(unlisted, fidotest.PackedX5C, m.AttestationRoot)},
		} {
			pkRefused(t, b.register(t, tc.a, tc.name), http.StatusForbidden, passkey.CodeAttestationRequired)
		}
		if k := b.mustRegister(t, key(good, fidotest.PackedX5C, m.AttestationRoot), "Enforced"); k["attestationLevel"] != "attested" || k["model"] != "Test Key 5 NFC" {
			t.Errorf("key %v", k)
		}
		// Attestation is checked at registration only: older keys work.
		pkStatus(t, e.browser().signIn(t, first, ""), signin.StatusSignedIn)
	})
}
