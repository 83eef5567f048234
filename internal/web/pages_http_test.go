package web_test

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/clock"
	"github.com/strongroom-id/strongroom/internal/totp"
)

// browser is a cookie-keeping HTTP client that does not follow redirects,
// so that tests see each answer of the pages (without JavaScript).
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path string, form url.Values, header map[string]string) answer {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(out)}
}

func (b *browser) get(path string) answer { b.t.Helper(); return b.do("GET", path, nil, nil) }

func (b *browser) post(path string, form url.Values) answer {
	b.t.Helper()
	return b.do("POST", path, form, map[string]string{"Sec-Fetch-Site": "same-origin"})
}

func want(t *testing.T, a answer, status int, texts ...string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d:\n%s", a.status, status, a.body)
	}
	for _, s := range texts {
		if !strings.Contains(a.body, s) {
			t.Errorf("the answer lacks %q:\n%s", s, a.body)
		}
	}
}

// TestPagesWithoutJavaScript drives the pages as a browser without
// JavaScript would: sign in with a pass by form, see one's security info,
// be refused the admin portal or use it, and get clear errors.
func TestPagesWithoutJavaScript(t *testing.T) {
	inst := apptest.Start(t, apptest.Options{Database: "sqlite"})
	anon := newBrowser(t, inst.URL)

	// Pages have their CSP and hashed assets; unknown paths get a page,
	// unknown API paths JSON.
	a := anon.get("/signin?return_to=//evil.example/x")
	want(t, a, 200, `autocomplete="username webauthn"`, "Sign in with a security key or passkey", `value="/mysecurityinfo"`)
	if csp := a.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q", csp)
	}
	css := regexp.MustCompile(`/static/app\.[0-9a-f]{12}\.css`).FindString(a.body)
	if css == "" {
		t.Fatal("no hashed stylesheet URL")
	}
	if s := anon.get(css); s.status != 200 || !strings.Contains(s.header.Get("Cache-Control"), "immutable") {
		t.Errorf("stylesheet: %d %v", s.status, s.header)
	}
	want(t, anon.get("/no/such/page"), 404, "We can&#39;t find that page")
	if j := anon.get("/api/v1/nothing"); j.status != 404 || !strings.Contains(j.header.Get("Content-Type"), "json") {
		t.Errorf("unknown API path: %d %s", j.status, j.body)
	}
	if j := anon.do("DELETE", "/api/v1/me", nil, nil); j.status != 405 || j.header.Get("Allow") != "GET" {
		t.Errorf("wrong method on the API: %d %v %s", j.status, j.header, j.body)
	}
	if r := anon.get("/"); r.status != 303 || r.header.Get("Location") != "/signin" {
		t.Errorf("/ signed out: %d %s", r.status, r.header.Get("Location"))
	}
	if r := anon.get("/mysecurityinfo"); r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/signin?return_to=%2Fmysecurityinfo") {
		t.Errorf("/mysecurityinfo signed out: %d %s", r.status, r.header.Get("Location"))
	}

	// A form posted from another site is refused.
	cross := anon.do("POST", "/signin", url.Values{"username": {"a@b.c"}, "method": {"tap"}, "pass": {"x"}}, map[string]string{"Sec-Fetch-Site": "cross-site"})
	if cross.status != 403 {
		t.Errorf("cross-site form: %d", cross.status)
	}

	// Field errors, then a wrong pass: the form comes back with the words.
	want(t, anon.post("/signin", url.Values{"method": {"tap"}}), 400, "Enter your user name", "Enter the Temporary Access Pass")
	want(t, anon.post("/signin", url.Values{"username": {inst.Bootstrap.AdminUserPrincipalName}, "method": {"tap"}, "pass": {"WRONGPASS"}}), 401,
		"ask your administrator for a new pass", `value="`+inst.Bootstrap.AdminUserPrincipalName+`"`)

	// The bootstrap administrator signs in with the pass, by form.
	admin := newBrowser(t, inst.URL)
	r := admin.post("/signin", url.Values{"username": {inst.Bootstrap.AdminUserPrincipalName}, "method": {"tap"},
		"pass": {inst.Bootstrap.AdminTemporaryAccessPass}, "return_to": {"/admin/users"}})
	if r.status != 303 || r.header.Get("Location") != "/admin/users" {
		t.Fatalf("TAP sign-in by form: %d %s %s", r.status, r.header.Get("Location"), r.body)
	}
	want(t, admin.get("/admin/users"), 200, "Emergency administrator")
	want(t, admin.get("/mysecurityinfo"), 200, "My security info", "Add security key or passkey")

	// The policy pages validate and save.
	want(t, admin.post("/admin/methods/tap", url.Values{"state": {"enabled"}, "include": {"all"}, "minLifetime": {"5"}, "maxLifetime": {"480"},
		"defaultLifetime": {"60"}, "defaultLength": {"8"}}), 400, "The policy was not saved", "The minimum lifetime must be between 10 and 43200")
	want(t, admin.post("/admin/methods/tap", url.Values{"state": {"enabled"}, "include": {"groups"}, "include_groups": {"No Such Group"},
		"minLifetime": {"60"}, "maxLifetime": {"480"}, "defaultLifetime": {"60"}, "defaultLength": {"8"}}), 400, "There is no group named")
	if r := admin.post("/admin/methods/tap", url.Values{"state": {"enabled"}, "include": {"all"}, "minLifetime": {"30"}, "maxLifetime": {"240"},
		"defaultLifetime": {"45"}, "defaultLength": {"10"}}); r.status != 303 {
		t.Fatalf("saving the TAP policy: %d %s", r.status, r.body)
	}
	g := inst.Do(t, "GET", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass", inst.AdminToken(t), nil)
	if m := g.Map(t); m["defaultLifetimeInMinutes"] != float64(45) || m["defaultLength"] != float64(10) {
		t.Errorf("the saved policy reads %s", g.Body)
	}
	want(t, admin.post("/admin/methods/fido2", url.Values{"state": {"enabled"}, "include": {"all"}, "enforce": {"on"}, "enforcementType": {"allow"}, "aaguids": {""}}),
		400, "An allow list with no AAGUID")

	// A user with no role gets a pass from the admin page and signs in;
	// the admin portal tells them which roles would open it.
	c := inst.Do(t, "POST", "/v1.0/users", inst.AdminToken(t), map[string]any{"userPrincipalName": "ada@example.com", "displayName": "Ada", "accountEnabled": true})
	id, _ := c.Map(t)["id"].(string)
	want(t, admin.post("/admin/users/"+id+"/tap", url.Values{"lifetime": {"5"}}), 400, "lifetimeInMinutes must be between 30 and 240")
	issued := admin.post("/admin/users/"+id+"/tap", url.Values{"lifetime": {"60"}, "once": {"on"}})
	want(t, issued, 200, "It is shown only now")
	pass := regexp.MustCompile(`id="tap-value"[^>]*value="([^"]+)"`).FindStringSubmatch(issued.body)
	if pass == nil {
		t.Fatalf("no pass on the page:\n%s", issued.body)
	}
	if h := issued.header.Get("Cache-Control"); h != "no-store" {
		t.Errorf("the page with the pass may be cached: %q", h)
	}
	user := newBrowser(t, inst.URL)
	if r := user.post("/signin", url.Values{"username": {"ada@example.com"}, "method": {"tap"}, "pass": {html.UnescapeString(pass[1])}}); r.status != 303 {
		t.Fatalf("user TAP sign-in: %d %s", r.status, r.body)
	}
	want(t, user.get("/mysecurityinfo"), 200, "One-time pass")
	want(t, user.get("/admin/users"), 403, "Roles that give access", "Global Administrator")

	// Signing out by form ends the session.
	if r := user.post("/signout", url.Values{}); r.status != 303 || r.header.Get("Location") != "/signedout" {
		t.Errorf("sign out: %d %s", r.status, r.header.Get("Location"))
	}
	want(t, user.get("/signedout"), 200, "You have signed out")
	if r := user.get("/mysecurityinfo"); r.status != 303 {
		t.Errorf("after sign-out /mysecurityinfo answers %d", r.status)
	}
}

// TestPagesPasswordAndCode sets up a password and an authenticator app on
// My security info, then signs in with the password and, as the next step
// the page asks for, a code; and checks that adding a key asks for a fresh
// sign-in once the pass sign-in is old.
func TestPagesPasswordAndCode(t *testing.T) {
	clk := clock.NewFake(time.Now())
	inst := apptest.Start(t, apptest.Options{Database: "sqlite", Clock: clk})
	tok := inst.AdminToken(t)
	c := inst.Do(t, "POST", "/v1.0/users", tok, map[string]any{"userPrincipalName": "lin@example.com", "displayName": "Lin", "accountEnabled": true})
	id, _ := c.Map(t)["id"].(string)
	p := inst.Do(t, "POST", "/v1.0/users/"+id+"/authentication/temporaryAccessPassMethods", tok, map[string]any{})
	pass, _ := p.Map(t)["temporaryAccessPass"].(string)
	if pass == "" {
		t.Fatalf("issuing a pass: %d %s", p.Status, p.Body)
	}

	b := newBrowser(t, inst.URL)
	if r := b.post("/signin", url.Values{"username": {"lin@example.com"}, "method": {"tap"}, "pass": {pass}}); r.status != 303 {
		t.Fatalf("TAP sign-in: %d %s", r.status, r.body)
	}
	// An authenticator app: the QR code and the key, then a first code.
	setup := b.post("/mysecurityinfo/totp", url.Values{})
	want(t, setup, 200, `src="data:image/png;base64,`, "Verify and add")
	secret := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(setup.body)
	action := regexp.MustCompile(`action="(/mysecurityinfo/totp/[^/"]+/confirm)#`).FindStringSubmatch(setup.body)
	if secret == nil || action == nil {
		t.Fatalf("no secret or form:\n%s", setup.body)
	}
	want(t, b.post(action[1], url.Values{"code": {"12345"}}), 400, "Code from the app")
	code, _ := totp.Code(secret[1], totp.Step(clk.Now()))
	if r := b.post(action[1], url.Values{"code": {code}, "displayName": {"Phone app"}}); r.status != 303 {
		t.Fatalf("confirming the app: %d %s", r.status, r.body)
	}
	want(t, b.get("/mysecurityinfo?done=totp-added"), 200, "Your authenticator app was added", "Phone app")

	// A password: rules first, then saved.
	want(t, b.post("/mysecurityinfo/password", url.Values{"new": {"short"}, "confirm": {"short"}}), 400, "Save password")
	want(t, b.post("/mysecurityinfo/password", url.Values{"new": {"violet harbour lantern"}, "confirm": {"violet harbor lantern"}}), 400, "The two new passwords are not the same")
	if r := b.post("/mysecurityinfo/password", url.Values{"new": {"violet harbour lantern"}, "confirm": {"violet harbour lantern"}}); r.status != 303 {
		t.Fatalf("setting the password: %d %s", r.status, r.body)
	}

	// Eleven minutes later the pass sign-in is too old to add a key.
	clk.Advance(11 * time.Minute)
	want(t, b.get("/mysecurityinfo"), 200, `data-reauth>`, "Sign in again to add a key", "/signin?reauth=1")

	// Password, then the code the page asks for.
	b2 := newBrowser(t, inst.URL)
	step := b2.post("/signin", url.Values{"username": {"lin@example.com"}, "method": {"password"}, "password": {"violet harbour lantern"}})
	want(t, step, 200, "One more step", `action="/signin/totp"`)
	want(t, b2.post("/signin/totp", url.Values{"code": {"000000"}}), 401, "One more step")
	clk.Advance(time.Minute)
	code, _ = totp.Code(secret[1], totp.Step(clk.Now()))
	if r := b2.post("/signin/totp", url.Values{"code": {code}}); r.status != 303 || r.header.Get("Location") != "/mysecurityinfo" {
		t.Fatalf("code sign-in: %d %s %s", r.status, r.header.Get("Location"), r.body)
	}
	want(t, b2.get("/mysecurityinfo"), 200, "You have a password")
}
