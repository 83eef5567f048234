package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/method"
)

func testWeb() *Web {
	u, _ := url.Parse("http://localhost:8080")
	return New(Deps{PublicURL: u, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now})
}

// TestEveryPageRenders executes every page template with typical data, so
// that a template referring to a missing field fails here and not in front
// of a user.
func TestEveryPageRenders(t *testing.T) {
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	used := now.Add(-3 * time.Hour)
	user := &directory.User{ID: "u1", UserPrincipalName: "ada@example.com", DisplayName: "Ada Lovelace", AccountEnabled: true, CreatedDateTime: now}
	keys := []keyView{{ID: "k1", DisplayName: "Blue key", Model: "YubiKey 5 NFC", AAGUID: "cb69481e-8ff7-4039-93ec-0a2729a154a8", Created: now, LastUsed: &used},
		{ID: "k2", DisplayName: "Phone", Created: now, Synced: true}}
	tv := &tapView{ID: "t1", Start: now, End: now.Add(time.Hour), Once: true, Usable: true, Reason: "Usable"}
	methods := userMethods{Keys: keys, TOTP: []totpView{{ID: "o1", DisplayName: "Authenticator app", Created: now}}, HasPassword: true, TAP: tv}
	targets := targetsForm{IncludeAll: false, Include: "Staff (3f0a…)", IncludeError: "bad", ExcludeError: "worse"}
	views := map[string]view{
		"error":          &errorPage{frame: frame{Title: "No access"}, Status: 403, Heading: "No", Message: "m", Next: "n", Roles: []string{"Global Administrator"}, LinkURL: "/", LinkText: "Home", RequestID: "r1"},
		"signin":         &signInPage{frame: frame{Title: "Sign in", Error: "e"}, ReturnTo: "/x", Passwords: true, Form: signInForm{UserName: "ada", Method: "tap"}, FieldErrors: map[string]string{"username": "u", "pass": "p", "password": "w"}},
		"signin-tap":     &signInPage{frame: frame{Title: "Sign in"}, ReturnTo: "/x", FieldErrors: map[string]string{}},
		"signin-next":    &signInPage{frame: frame{Title: "Sign in"}, ReturnTo: "/x", FieldErrors: map[string]string{"code": "c"}, Next: &nextStep{UserName: "ada@example.com", Proved: []string{"Password"}, Message: "m", Key: true, TOTP: true}},
		"signin-blocked": &signInPage{frame: frame{Title: "Sign in"}, FieldErrors: map[string]string{}, Next: &nextStep{Blocked: true, Message: "blocked"}},
		"signin-reg":     &signInPage{frame: frame{Title: "Sign in"}, FieldErrors: map[string]string{}, Next: &nextStep{Register: true}},
		"signedout":      &signedOutPage{frame: frame{Title: "Signed out"}},
		"security":       &securityPage{frame: frame{Title: "My security info", User: user, Notice: "ok", Error: "bad"}, Now: now, Methods: methods, Fido2: true, SelfService: true, TOTP: true, Passwords: true, ReauthURL: "/signin?reauth=1", FieldErrors: map[string]string{"code": "c", "new": "n"}, TOTPSetup: &totpSetup{ID: "p1", Secret: "ABC", QRCode: "data:image/png;base64,AA==", Expires: now}, PasswordOpen: true},
		"security-empty": &securityPage{frame: frame{Title: "My security info", User: user}, Now: now, Fido2: true, FieldErrors: map[string]string{}},
		"rename_key":     &renameKeyPage{frame: frame{Title: "Rename", User: user}, Key: keys[0], Name: "x", FieldError: "e"},
		"confirm_delete": &confirmDeletePage{frame: frame{Title: "Delete", User: user}, Key: keys[0], Last: true, Action: "/x", Back: "/y", BackText: "Back"},
		"confirm_admin":  &confirmDeletePage{frame: frame{Title: "Remove", User: user}, Key: keys[0], Last: true, Action: "/x", Back: "/y", BackText: "Ada", Owner: "Ada"},
		"admin_users":    &adminUsersPage{frame: frame{Title: "Users", User: user, Admin: true, Nav: "admin-users"}, Query: "A", Users: []directory.User{*user}, NextURL: "/admin/users?after=u1"},
		"admin_users0":   &adminUsersPage{frame: frame{Title: "Users", User: user, Admin: true}, Query: "Zed"},
		"admin_user":     &adminUserPage{frame: frame{Title: "Ada", User: user, Admin: true}, Now: now, Subject: *user, Roles: []string{"Global Administrator"}, CanRead: true, CanWrite: true, Methods: methods, Issued: &issuedPass{Secret: "ABCD2345", View: tv}, TAPPolicy: method.DefaultTAP(), Form: issueForm{Lifetime: "60"}, FieldErrors: map[string]string{"lifetime": "l", "start": "s"}},
		"admin_user_ro":  &adminUserPage{frame: frame{Title: "Ada", User: user, Admin: true}, Now: now, Subject: *user, TAPPolicy: method.DefaultTAP(), FieldErrors: map[string]string{}},
		"admin_methods":  &methodsPage{frame: frame{Title: "Methods", User: user, Admin: true}, Policy: method.Default(), CanWrite: true},
		"admin_method_fido2": &fido2Page{frame: frame{Title: "FIDO2", User: user}, CanWrite: false, Form: methodForm{State: "enabled", StateError: "s", Targets: targets},
			EnforcementType: "allow", AAGUIDs: "x", FieldErrors: map[string]string{"aaguids": "a", "enforcementType": "e"}},
		"admin_method_tap":  &tapPolicyPage{frame: frame{Title: "TAP", User: user}, CanWrite: true, Form: methodForm{State: "disabled", Targets: targets}, DefaultLifetime: "60", MinLifetime: "60", MaxLifetime: "480", DefaultLength: "8", FieldErrors: map[string]string{"minLifetime": "m"}},
		"admin_method_oath": &oathPage{frame: frame{Title: "TOTP", User: user}, CanWrite: true, Form: methodForm{State: "enabled", Targets: targetsForm{IncludeAll: true}}},
	}
	w := testWeb()
	for name, v := range views {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			r := httptest.NewRequest("GET", "/", nil)
			w.render(rec, r, http.StatusOK, v)
			body := rec.Body.String()
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, body)
			}
			if got := rec.Header().Get("Content-Security-Policy"); got != pageCSP {
				t.Errorf("CSP %q", got)
			}
			if !strings.Contains(body, "</html>") || !strings.Contains(body, "/static/app.") {
				t.Errorf("page incomplete:\n%s", body)
			}
			// No inline script or style: the CSP would block them.
			for _, bad := range []string{"<script>", "style=", " onclick=", "javascript:"} {
				if strings.Contains(body, bad) {
					t.Errorf("page has %q, which the CSP forbids", bad)
				}
			}
		})
	}
	for name := range theSite.pages {
		found := false
		for _, v := range views {
			found = found || v.template() == name
		}
		if !found {
			t.Logf("template %s is not covered by this test", name)
		}
	}
}

func TestErrorPages(t *testing.T) {
	w := testWeb()
	for _, tc := range []struct {
		err    error
		status int
		want   string
	}{
		{apperr.NotFoundf("gone"), 404, "We can&#39;t find that page"},
		{apperr.Forbiddenf("no"), 403, "You don&#39;t have access"},
		{apperr.New(apperr.Unauthenticated, "who"), 401, "/signin?return_to="},
		{apperr.New(apperr.Internal, "boom"), 500, "request id"},
	} {
		rec := httptest.NewRecorder()
		w.renderError(rec, httptest.NewRequest("GET", "/x", nil), tc.err)
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%v: %d, want %d with %q:\n%s", tc.err, rec.Code, tc.status, tc.want, rec.Body.String())
		}
	}
}

func TestStaticAssets(t *testing.T) {
	w := testWeb()
	for _, name := range []string{"app.css", "webauthn.js", "icon.svg"} {
		a := theSite.assets[name]
		if a == nil {
			t.Fatalf("no asset %s", name)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /static/{file}", w.handleStatic)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", a.url, nil))
		if rec.Code != 200 || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") || rec.Body.Len() != len(a.body) {
			t.Errorf("%s: %d %v", a.url, rec.Code, rec.Header())
		}
		rec = httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", "/static/"+name, nil))
		if rec.Code != 404 {
			t.Errorf("unhashed %s: %d", name, rec.Code)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/mysecurityinfo":      "/mysecurityinfo",
		"/admin/users?q=a":     "/admin/users?q=a",
		"":                     "/",
		"//evil.example/x":     "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"javascript:alert(1)":  "/",
		"mysecurityinfo":       "/",
		"/x\r\nSet-Cookie: a":  "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRolesGranting(t *testing.T) {
	got := rolesGranting([]authz.Permission{authz.PolicyReadAuthenticationMethod})
	if len(got) > 5 {
		t.Errorf("rolesGranting lists %d roles: %v", len(got), got)
	}
	for _, want := range []string{"Global Administrator", "Authentication Policy Administrator"} {
		found := false
		for _, g := range got {
			found = found || g == want
		}
		if !found {
			t.Errorf("rolesGranting: %v lacks %s", got, want)
		}
	}
}
