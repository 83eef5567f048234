package web_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/signin"
)

const tapMethods = "/authentication/temporaryAccessPassMethods"

// A pass is usable only between its start and end, once if it is
// one-time, and the admin API says why not.
func TestTAPUsabilityOverTime(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newAMEnv(t, db, nil)
		user := e.createUser(t, "usability@contoso.com", "Usability")
		start := e.clk.Now().Add(2 * time.Hour)
		id, pass := e.issueTAP(t, user, map[string]any{"startDateTime": start.Format(time.RFC3339), "lifetimeInMinutes": 60, "isUsableOnce": true})
		reason := func(want string, usable bool) {
			t.Helper()
			m := e.tapMethod(t, user, id)
			if m["methodUsabilityReason"] != want || m["isUsable"] != usable || m["temporaryAccessPass"] != nil {
				t.Fatalf("pass %v; want reason %s, isUsable %v and no pass", m, want, usable)
			}
		}
		reason("NotYetValid", false)
		b := e.browser("198.51.100.1")
		msg := wantRefused(t, b.tap(t, "usability@contoso.com", pass), http.StatusUnauthorized, signin.CodePassNotUsable)
		if !contains(msg.Message, "not valid yet") {
			t.Errorf("not-yet-valid message %q", msg.Message)
		}

		e.clk.Set(start.Add(time.Minute))
		reason("EnabledByPolicy", true)
		wantSignIn(t, b.tap(t, "usability@contoso.com", pass), signin.StatusSignedIn)
		reason("OneTimeUsed", false)
		msg = wantRefused(t, e.browser("198.51.100.2").tap(t, "usability@contoso.com", pass), http.StatusUnauthorized, signin.CodePassNotUsable)
		if !contains(msg.Message, "one use") {
			t.Errorf("used message %q", msg.Message)
		}

		id, pass = e.issueTAP(t, user, map[string]any{"lifetimeInMinutes": 60, "isUsableOnce": false})
		reason("EnabledByPolicy", true)
		e.clk.Advance(60 * time.Minute)
		reason("Expired", false)
		msg = wantRefused(t, e.browser("198.51.100.3").tap(t, "usability@contoso.com", pass), http.StatusUnauthorized, signin.CodePassNotUsable)
		if !contains(msg.Message, "expired", "administrator") {
			t.Errorf("expired message %q", msg.Message)
		}
	})
}

// A new pass replaces the old one: the old one stops working at once.
func TestTAPReplacement(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newAMEnv(t, db, nil)
		user := e.createUser(t, "replaced@contoso.com", "Replaced")
		oldID, oldPass := e.issueTAP(t, user, nil)
		newID, newPass := e.issueTAP(t, user, nil)
		if oldID == newID || oldPass == newPass {
			t.Fatal("the second pass is the first one")
		}
		r := e.Admin(t, "GET", "/v1.0/users/"+user+tapMethods, nil)
		apptest.Want(t, r, http.StatusOK)
		var list struct {
			Value []map[string]any `json:"value"`
		}
		r.JSON(t, &list)
		if len(list.Value) != 1 || list.Value[0]["id"] != newID {
			t.Fatalf("passes after replacement: %s", r.Body)
		}
		apptest.Want(t, e.Admin(t, "GET", "/v1.0/users/"+user+tapMethods+"/"+oldID, nil), http.StatusNotFound)
		b := e.browser("198.51.100.10")
		wantRefused(t, b.tap(t, "replaced@contoso.com", oldPass), http.StatusUnauthorized, signin.CodeInvalidCredentials)
		wantSignIn(t, b.tap(t, "replaced@contoso.com", newPass), signin.StatusSignedIn)
	})
}

// Of 50 concurrent sign-ins with one one-time pass, exactly one succeeds.
func TestTAPOneTimeUnderConcurrency(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newAMEnv(t, db, nil)
		user := e.createUser(t, "race@contoso.com", "Race")
		_, pass := e.issueTAP(t, user, map[string]any{"isUsableOnce": true})
		const n = 50
		statuses := make([]string, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := e.browser(fmt.Sprintf("203.0.113.%d", i+1))
				<-start
				r := b.tap(t, "race@contoso.com", pass)
				switch r.Status {
				case http.StatusOK:
					var a signInAnswer
					r.JSON(t, &a)
					statuses[i] = a.Status
				default:
					statuses[i] = errorOf(t, r).Code
				}
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, s := range statuses {
			switch s {
			case signin.StatusSignedIn:
				won++
			case signin.CodePassNotUsable, signin.CodeAccountLocked:
			default:
				t.Errorf("unexpected outcome %q", s)
			}
		}
		if won != 1 {
			t.Fatalf("%d sign-ins succeeded, want exactly 1: %v", won, statuses)
		}
		ok := 0
		for _, r := range e.signIns(t, "race@contoso.com") {
			if r.Status.ErrorCode == 0 {
				ok++
			}
		}
		if ok != 1 {
			t.Errorf("the sign-in log has %d successes, want 1", ok)
		}
	})
}

// Ten wrong passes lock the account: the eleventh attempt is refused even
// with the right pass until the lock ends, and the log has every attempt.
// Fifty failures from one address lock the address for every account.
func TestTAPLockout(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newAMEnv(t, db, nil)
		user := e.createUser(t, "locked@contoso.com", "Locked")
		_, pass := e.issueTAP(t, user, nil)
		for i := range 10 {
			b := e.browser(fmt.Sprintf("192.0.2.%d", i+1))
			wantRefused(t, b.tap(t, "locked@contoso.com", "wrong-pass"), http.StatusUnauthorized, signin.CodeInvalidCredentials)
		}
		locked := wantRefused(t, e.browser("192.0.2.200").tap(t, "locked@contoso.com", pass), http.StatusTooManyRequests, signin.CodeAccountLocked)
		if !contains(locked.Message, "minute") {
			t.Errorf("lockout message %q does not say how long", locked.Message)
		}
		log := e.signIns(t, "locked@contoso.com")
		if len(log) != 11 {
			t.Fatalf("sign-in log has %d attempts, want 11", len(log))
		}
		// The fake clock stands still, so count rather than order.
		count := map[int]int{}
		for _, r := range log {
			count[r.Status.ErrorCode]++
			if r.UserID != user {
				t.Errorf("record without the user's id: %+v", r)
			}
		}
		if count[signin.ErrInvalidCredentials] != 10 || count[signin.ErrAccountLocked] != 1 {
			t.Errorf("sign-in log error codes %v, want ten %d and one %d", count, signin.ErrInvalidCredentials, signin.ErrAccountLocked)
		}
		e.clk.Advance(61 * time.Second)
		wantSignIn(t, e.browser("192.0.2.201").tap(t, "locked@contoso.com", pass), signin.StatusSignedIn)

		// One address spraying many accounts.
		other := e.createUser(t, "bystander@contoso.com", "Bystander")
		_, otherPass := e.issueTAP(t, other, nil)
		spray := e.browser("198.18.0.1")
		for i := range 50 {
			wantRefused(t, spray.tap(t, fmt.Sprintf("nobody%d@contoso.com", i), "guess-guess"), http.StatusUnauthorized, signin.CodeInvalidCredentials)
		}
		wantRefused(t, spray.tap(t, "bystander@contoso.com", otherPass), http.StatusTooManyRequests, signin.CodeAccountLocked)
		wantSignIn(t, e.browser("198.18.0.2").tap(t, "bystander@contoso.com", otherPass), signin.StatusSignedIn)
		if n := len(e.signIns(t, "nobody7@contoso.com")); n != 1 {
			t.Errorf("an unknown account's attempt is logged %d times, want once", n)
		}
		e.clk.Advance(11 * time.Minute)
		wantSignIn(t, spray.tap(t, "bystander@contoso.com", otherPass), signin.StatusSignedIn)
	})
}

// Only users in the policy's targets may sign in with a pass; exclusion
// beats inclusion.
func TestTAPScope(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newAMEnv(t, db, nil)
		user := e.createUser(t, "scoped@contoso.com", "Scoped")
		r := e.Admin(t, "POST", "/v1.0/groups", map[string]any{"displayName": "No passes", "securityEnabled": true, "mailEnabled": false})
		apptest.Want(t, r, http.StatusCreated)
		group := r.Map(t)["id"].(string)
		r = e.Admin(t, "POST", "/v1.0/groups", map[string]any{"displayName": "Pass users", "securityEnabled": true, "mailEnabled": false})
		apptest.Want(t, r, http.StatusCreated)
		other := r.Map(t)["id"].(string)
		apptest.Want(t, e.Admin(t, "POST", "/v1.0/groups/"+group+"/members/$ref", map[string]any{"@odata.id": e.URL + "/v1.0/directoryObjects/" + user}), http.StatusNoContent)
		const policy = "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass"
		apptest.Want(t, e.Admin(t, "PATCH", policy, map[string]any{"excludeTargets": []any{map[string]any{"targetType": "group", "id": group}}}), http.StatusNoContent)

		id, pass := e.issueTAP(t, user, nil)
		m := e.tapMethod(t, user, id)
		if m["isUsable"] != false || m["methodUsabilityReason"] != "DisabledByPolicy" {
			t.Fatalf("excluded user's pass: %v", m)
		}
		b := e.browser("198.51.100.20")
		msg := wantRefused(t, b.tap(t, "scoped@contoso.com", pass), http.StatusUnauthorized, signin.CodePassNotUsable)
		if !contains(msg.Message, "not enabled for your account") {
			t.Errorf("disabled-by-policy message %q", msg.Message)
		}

		// Included through another group only: not in it, so still out.
		apptest.Want(t, e.Admin(t, "PATCH", policy, map[string]any{"excludeTargets": []any{}, "includeTargets": []any{map[string]any{"id": other}}}), http.StatusNoContent)
		if m := e.tapMethod(t, user, id); m["methodUsabilityReason"] != "DisabledByPolicy" {
			t.Fatalf("user outside the included group: %v", m)
		}
		apptest.Want(t, e.Admin(t, "PATCH", policy, map[string]any{"includeTargets": []any{map[string]any{"targetType": "group", "id": group}}}), http.StatusNoContent)
		if m := e.tapMethod(t, user, id); m["methodUsabilityReason"] != "EnabledByPolicy" {
			t.Fatalf("user in the included group: %v", m)
		}
		// Included and excluded by the same group: exclusion wins.
		apptest.Want(t, e.Admin(t, "PATCH", policy, map[string]any{"excludeTargets": []any{map[string]any{"id": group}}}), http.StatusNoContent)
		wantRefused(t, b.tap(t, "scoped@contoso.com", pass), http.StatusUnauthorized, signin.CodePassNotUsable)
		apptest.Want(t, e.Admin(t, "DELETE", policy, nil), http.StatusNoContent)
		wantSignIn(t, b.tap(t, "scoped@contoso.com", pass), signin.StatusSignedIn)

		// A policy that demands one-time passes disables a multi-use one.
		id, pass = e.issueTAP(t, user, map[string]any{"isUsableOnce": false})
		apptest.Want(t, e.Admin(t, "PATCH", policy, map[string]any{"isUsableOnce": true}), http.StatusNoContent)
		if m := e.tapMethod(t, user, id); m["methodUsabilityReason"] != "DisabledByPolicy" {
			t.Fatalf("multi-use pass under a one-time policy: %v", m)
		}
		wantRefused(t, e.browser("198.51.100.21").tap(t, "scoped@contoso.com", pass), http.StatusUnauthorized, signin.CodePassNotUsable)
	})
}

// The session a pass starts never outlives the pass.
func TestTAPSessionNeverOutlivesPass(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newAMEnv(t, db, nil)
		user := e.createUser(t, "capped@contoso.com", "Capped")
		id, pass := e.issueTAP(t, user, map[string]any{"lifetimeInMinutes": 60})
		m := e.tapMethod(t, user, id)
		start, err := time.Parse(time.RFC3339, m["startDateTime"].(string))
		if err != nil {
			t.Fatal(err)
		}
		end := start.Add(60 * time.Minute)
		b := e.browser("198.51.100.30")
		a := wantSignIn(t, b.tap(t, "capped@contoso.com", pass), signin.StatusSignedIn)
		if a.Session.ExpiresDateTime.After(end) {
			t.Errorf("session ends %v, after the pass's end %v", a.Session.ExpiresDateTime, end)
		}
		r := b.do(t, "GET", "/api/v1/me", nil)
		apptest.Want(t, r, http.StatusOK)
		var me struct {
			Session struct {
				ExpiresDateTime time.Time `json:"expiresDateTime"`
			} `json:"session"`
		}
		r.JSON(t, &me)
		if me.Session.ExpiresDateTime.IsZero() || me.Session.ExpiresDateTime.After(end) {
			t.Errorf("/api/v1/me session ends %v, want at most %v", me.Session.ExpiresDateTime, end)
		}
		e.clk.Set(end.Add(-time.Second))
		apptest.Want(t, b.do(t, "GET", "/api/v1/me", nil), http.StatusOK)
		e.clk.Set(end)
		wantRefused(t, b.do(t, "GET", "/api/v1/me", nil), http.StatusUnauthorized, "notSignedIn")
	})
}

// An unknown account, a wrong pass, an account without a pass and a
// disabled account get the same answer.
func TestTAPErrorsDoNotRevealAccounts(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, db string) {
		e := newAMEnv(t, db, nil)
		withPass := e.createUser(t, "has-pass@contoso.com", "Has pass")
		e.createUser(t, "no-pass@contoso.com", "No pass")
		disabled := e.createUser(t, "disabled@contoso.com", "Disabled")
		e.issueTAP(t, withPass, nil)
		_, disabledPass := e.issueTAP(t, disabled, nil)
		apptest.Want(t, e.Admin(t, "PATCH", "/v1.0/users/"+disabled, map[string]any{"accountEnabled": false}), http.StatusNoContent)
		var got []apiError
		for i, c := range [][2]string{
			{"nobody@contoso.com", "abcdefgh"},
			{"has-pass@contoso.com", "abcdefgh"},
			{"no-pass@contoso.com", "abcdefgh"},
			{"disabled@contoso.com", disabledPass},
		} {
			got = append(got, errorOf(t, e.browser(fmt.Sprintf("198.51.100.%d", 40+i)).tap(t, c[0], c[1])))
		}
		for i, g := range got {
			if g != got[0] {
				t.Errorf("answer %d %+v differs from %+v", i, g, got[0])
			}
		}
		if got[0].Status != http.StatusUnauthorized || got[0].Code != signin.CodeInvalidCredentials {
			t.Errorf("answer %+v", got[0])
		}
	})
}
