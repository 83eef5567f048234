package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/testenv"
	"github.com/strongroom-id/strongroom/internal/totp"
)

// TestBrowserOnboarding is issue 3's end-to-end story in a real headless
// Chromium, through the pages: the bootstrap administrator signs in with
// the bootstrap pass and issues a new user a one-time Temporary Access
// Pass in the admin portal; the user, in another browser, signs in with it,
// registers a security key (the DevTools virtual authenticator) on My
// security info, signs out, signs in with the key alone, and finds that the
// pass no longer works. The user's part runs again on a phone-sized screen
// with an NFC key.
//
// Screenshots of every page, desktop and phone, go to
// $STRONGROOM_SCREENSHOTS when it is set.
func TestBrowserOnboarding(t *testing.T) {
	chromium := testenv.Chromium(t) // skips (or fails) with how to enable it
	_ = chromium
	inst := apptest.Start(t, apptest.Options{Database: "sqlite"})
	shots := screenshotDir(t)
	t.Logf("screenshots in %s", shots)

	const upn = "grace.hopper@example.com"
	r := inst.Do(t, "POST", "/v1.0/users", inst.AdminToken(t), map[string]any{
		"userPrincipalName": upn, "displayName": "Grace Hopper", "accountEnabled": true,
	})
	if r.Status != 201 {
		t.Fatalf("creating the user: %d %s", r.Status, r.Body)
	}
	userID, _ := r.Map(t)["id"].(string)

	// The administrator's browser, on a desktop screen.
	admin := newTab(t, inst.URL, shots, "desktop")
	admin.open("/")
	admin.waitView("signin")
	admin.shot("01-signin")
	admin.signInWithTAP(inst.Bootstrap.AdminUserPrincipalName, inst.Bootstrap.AdminTemporaryAccessPass)
	admin.waitView("security")
	admin.shot("02-mysecurityinfo-admin")

	admin.open("/admin")
	admin.waitView("admin_users")
	admin.shot("03-admin-users")
	admin.do(chromedp.SetValue(chromedp.CSS("#q"), "Grace"), chromedp.Click(chromedp.CSS(".search-form button[type=submit]")))
	admin.waitFor(`a[href="/admin/users/` + userID + `"]`)
	admin.do(chromedp.Click(chromedp.CSS(`a[href="/admin/users/` + userID + `"]`)))
	admin.waitView("admin_user")
	admin.shot("04-admin-user")
	pass := admin.issueTAP()
	admin.shot("05-admin-user-tap-issued")

	admin.open("/admin/methods")
	admin.waitView("admin_methods")
	admin.shot("06-admin-methods")
	admin.open("/admin/methods/fido2")
	admin.waitView("admin_method_fido2")
	admin.shot("07-admin-method-fido2")
	// Bad input gets a field error and changes nothing.
	admin.do(chromedp.Click(chromedp.CSS(`input[name=enforce]`)), chromedp.Click(chromedp.CSS(`label[for=enf-allow]`)),
		chromedp.SetValue(chromedp.CSS("#aaguids"), "not-a-guid"), chromedp.Click(chromedp.CSS(`.policy-form button[type=submit]`)))
	admin.waitFor(`#aaguids-error`)
	admin.shot("08-admin-method-fido2-error")
	admin.open("/admin/methods/tap")
	admin.waitView("admin_method_tap")
	admin.shot("09-admin-method-tap")
	admin.open("/admin/methods/softwareoath")
	admin.waitView("admin_method_oath")
	admin.shot("10-admin-method-oath")

	// The user, in a browser of their own, with a USB security key.
	user := newTab(t, inst.URL, shots, "desktop")
	if _, err := testenv.AddVirtualAuthenticator(user.ctx, "usb"); err != nil {
		t.Fatal(err)
	}
	user.onboard(upn, pass, "11-user")

	// The same on a phone, with an NFC key: a new pass from the admin
	// portal (the first is spent), seen on a phone screen too.
	admin.phone()
	admin.open("/admin/users/" + userID)
	admin.waitView("admin_user")
	admin.shot("04-admin-user")
	pass2 := admin.issueTAP()
	admin.shot("05-admin-user-tap-issued")
	admin.open("/admin/users")
	admin.waitView("admin_users")
	admin.shot("03-admin-users")
	admin.open("/admin/methods")
	admin.waitView("admin_methods")
	admin.shot("06-admin-methods")
	admin.open("/admin/methods/fido2")
	admin.waitView("admin_method_fido2")
	admin.shot("07-admin-method-fido2")
	admin.open("/admin/methods/tap")
	admin.waitView("admin_method_tap")
	admin.shot("09-admin-method-tap")
	admin.open("/mysecurityinfo")
	admin.waitView("security")
	admin.shot("02-mysecurityinfo-admin")

	phone := newTab(t, inst.URL, shots, "phone")
	phone.phone()
	// This browser lacks the WebAuthn JSON helpers, as older Safari and
	// Firefox do, so webauthn.js converts options and credentials by hand.
	if _, err := chromedp.Call(phone.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
		delete PublicKeyCredential.parseRequestOptionsFromJSON;
		delete PublicKeyCredential.parseCreationOptionsFromJSON;
		delete PublicKeyCredential.prototype.toJSON;`}); err != nil {
		t.Fatal(err)
	}
	if _, err := testenv.AddVirtualAuthenticator(phone.ctx, "nfc"); err != nil {
		t.Fatal(err)
	}
	phone.open("/signin")
	if phone.eval(`typeof PublicKeyCredential.parseRequestOptionsFromJSON + typeof PublicKeyCredential.prototype.toJSON`) != "undefinedundefined" {
		t.Fatal("the phone browser still has the WebAuthn JSON helpers")
	}
	phone.onboard(upn, pass2, "11-user")

	// The dark theme follows the system setting (set before the pages
	// load: headless Chromium does not restyle a loaded page).
	user.dark()
	user.open("/signin")
	user.signInWithTAP(upn, pass)
	user.waitFor(`[data-view="signin"] .alert-error`)
	user.shot("12-dark-signin")
	admin.dark()
	admin.open("/admin/users/" + userID)
	admin.waitView("admin_user")
	admin.shot("12-dark-admin-user")
	admin.open("/mysecurityinfo")
	admin.waitView("security")
	admin.shot("12-dark-mysecurityinfo")
}

// tab is one browser with one tab, driven step by step; every step fails
// the test with what it was doing.
type tab struct {
	t      *testing.T
	ctx    context.Context
	base   string
	dir    string
	device string
}

// screenshotDir is $STRONGROOM_SCREENSHOTS (created if need be), or a
// temporary directory when it is not set.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("STRONGROOM_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// addKeyThenSignInWithPass signs in with the pass, registers a security
// key on My security info, signs out, and signs in again at path with the
// pass alone, so that the session holds no key proof (registering a key
// proves nothing about the session); it waits for view.
func (b *tab) addKeyThenSignInWithPass(upn, pass, path, view string) {
	b.t.Helper()
	b.open("/mysecurityinfo")
	b.signInWithTAP(upn, pass)
	b.waitView("security")
	b.waitFor(`form[data-add-key] button[type=submit]:enabled`)
	b.do(chromedp.SetValue(chromedp.CSS("#key-name"), "Desk key"), chromedp.Click(chromedp.CSS(`form[data-add-key] button[type=submit]`)))
	b.waitFor(`[data-view="security"] .alert-success`)
	b.do(chromedp.Click(chromedp.CSS(`.whoami button[type=submit]`)))
	b.waitView("signedout")
	b.open(path)
	b.signInWithTAP(upn, pass)
	b.waitView(view)
}

func newTab(t *testing.T, base, dir, device string) *tab {
	ctx := testenv.NewBrowser(t)
	b := &tab{t: t, ctx: ctx, base: base, dir: dir, device: device}
	b.do(chromedp.EmulateViewport(1280, 860))
	return b
}

// step bounds one browser step: nothing here waits by sleeping, but a
// page that never shows what is awaited must not hang the test.
const step = 30 * time.Second

func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s browser: %v\n%s", b.device, err, b.dump())
	}
}

// dump is the visible text of the page, for failure messages.
func (b *tab) dump() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return "(page text unavailable: " + err.Error() + ")"
	}
	return "at " + loc + ":\n" + text
}

func (b *tab) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + path))
}

// waitView waits for the page whose template is view.
func (b *tab) waitView(view string) {
	b.t.Helper()
	b.waitFor(`body[data-view="` + view + `"]`)
}

func (b *tab) waitFor(css string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(css)))
}

func (b *tab) text(css string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("%s browser: reading %s: %v\n%s", b.device, css, err, b.dump())
	}
	return s
}

// textContent is an element's text even when it is hidden (as the user's
// name is on a phone).
func (b *tab) textContent(css string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("%s browser: reading %s: %v\n%s", b.device, css, err, b.dump())
	}
	return strings.TrimSpace(s)
}

func (b *tab) shot(name string) {
	b.t.Helper()
	path := filepath.Join(b.dir, b.device+"-"+name+".png")
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	if err := testenv.Screenshot(ctx, path); err != nil {
		b.t.Fatalf("%s: %v", path, err)
	}
}

// dark asks the pages for their dark theme.
func (b *tab) dark() {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		b.t.Fatal(err)
	}
}

// phone turns the tab into a phone held upright.
func (b *tab) phone() {
	b.t.Helper()
	b.device = "phone"
	b.do(testenv.PhoneViewport())
}

// signInWithTAP fills the sign-in page's pass form and sends it.
func (b *tab) signInWithTAP(upn, pass string) {
	b.t.Helper()
	b.waitView("signin")
	if b.has(`label[for=method-tap]`) {
		b.do(chromedp.Click(chromedp.CSS(`label[for=method-tap]`)))
		b.waitFor(`#pass`)
	}
	b.do(chromedp.SetValue(chromedp.CSS("#username"), upn), chromedp.SetValue(chromedp.CSS("#pass"), pass),
		chromedp.Click(chromedp.CSS(`.signin-form button[type=submit]`)))
}

func (b *tab) eval(js string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("%s browser: %s: %v", b.device, js, err)
	}
	return v
}

func (b *tab) has(css string) bool {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q) !== null`, css)))
	if err != nil {
		b.t.Fatalf("%s browser: %v", b.device, err)
	}
	return n
}

// issueTAP issues a one-time pass on the admin user page and reads it from
// the page.
func (b *tab) issueTAP() string {
	b.t.Helper()
	b.waitView("admin_user")
	b.do(chromedp.Click(chromedp.CSS(`#once`)), chromedp.Click(chromedp.CSS(`form[action$="/tap"] button[type=submit]`)))
	b.waitFor(`#tap-value`)
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	pass, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#tap-value")))
	if err != nil || len(pass) < 8 {
		b.t.Fatalf("reading the pass: %q %v\n%s", pass, err, b.dump())
	}
	if got := b.text(`[data-tap-status] .method-name`); !strings.Contains(got, "Usable") {
		b.t.Errorf("the new pass shows as %q", got)
	}
	return pass
}

// passwordAndCode adds an authenticator app and a password on My security
// info, then signs in with the password and finishes with the key, which
// the page offers as the next step (username-first this time).
func (b *tab) passwordAndCode(upn, prefix string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(`form[action^="/mysecurityinfo/totp#"] button`)))
	b.waitFor(`img.qr`)
	b.shot(prefix + "-09a-totp-setup")
	secret := b.text(`#totp-secret`)
	code, err := totp.Code(secret, totp.Step(time.Now()))
	if err != nil {
		b.t.Fatal(err)
	}
	b.do(chromedp.SetValue(chromedp.CSS("#totp-code"), code), chromedp.Click(chromedp.CSS(`.totp-setup button[type=submit]`)))
	b.waitFor(`[data-view="security"] .alert-success`)
	b.do(chromedp.Click(chromedp.CSS(`.disclosure summary`)), chromedp.WaitVisible(chromedp.CSS(`#pw-new`)))
	b.shot(prefix + "-09b-password-form")
	b.do(chromedp.SetValue(chromedp.CSS("#pw-new"), "violet harbour lantern"), chromedp.SetValue(chromedp.CSS("#pw-confirm"), "violet harbour lantern"),
		chromedp.Click(chromedp.CSS(`.password-form button[type=submit]`)))
	b.waitFor(`[data-view="security"] .alert-success`)
	b.shot(prefix + "-09c-mysecurityinfo-all-methods")

	b.do(chromedp.Click(chromedp.CSS(`.whoami button[type=submit]`)))
	b.waitView("signedout")
	b.open("/signin")
	b.waitView("signin")
	b.do(chromedp.Click(chromedp.CSS(`label[for=method-password]`)), chromedp.SetValue(chromedp.CSS("#username"), upn),
		chromedp.SetValue(chromedp.CSS("#password"), "violet harbour lantern"), chromedp.Click(chromedp.CSS(`.signin-form button[type=submit]`)))
	b.waitFor(`form[action="/signin/totp"]`)
	b.shot(prefix + "-09d-signin-next-step")
	b.do(chromedp.Click(chromedp.CSS(`[data-passkey-signin]`)))
	b.waitView("security")
}

// onboard is the user's story: pass, key, sign out, key alone, pass
// refused.
func (b *tab) onboard(upn, pass, prefix string) {
	b.t.Helper()
	b.open("/mysecurityinfo") // not signed in: to sign-in and back
	b.waitView("signin")
	b.shot(prefix + "-01-signin")
	b.signInWithTAP(upn, pass)
	b.waitView("security")
	b.shot(prefix + "-02-mysecurityinfo-new")

	keyName := "Key on " + b.device
	b.waitFor(`form[data-add-key] button[type=submit]:enabled`)
	b.do(chromedp.SetValue(chromedp.CSS("#key-name"), keyName), chromedp.Click(chromedp.CSS(`form[data-add-key] button[type=submit]`)))
	b.waitFor(`[data-view="security"] .alert-success`)
	if got := b.text(`[data-add-key-panel] .method-list`); !strings.Contains(got, keyName) {
		b.t.Fatalf("after adding a key the list shows %q\n%s", got, b.dump())
	}
	b.shot(prefix + "-03-mysecurityinfo-key-added")

	// Rename and delete pages (without deleting).
	b.do(chromedp.Click(chromedp.CSS(`.method-actions a[href$="/rename"]`)))
	b.waitView("rename_key")
	b.shot(prefix + "-04-rename-key")
	b.open("/mysecurityinfo")
	b.waitView("security")
	b.do(chromedp.Click(chromedp.CSS(`.method-actions a[href$="/delete"]`)))
	b.waitView("confirm_delete")
	b.shot(prefix + "-05-confirm-delete")

	// Not an administrator: the admin portal says which role is needed.
	b.open("/admin/users")
	b.waitView("error")
	if got := b.text("main"); !strings.Contains(got, "Global Administrator") {
		b.t.Errorf("403 page: %q", got)
	}
	b.shot(prefix + "-06-admin-forbidden")
	b.open("/no/such/page")
	b.waitView("error")
	b.shot(prefix + "-07-not-found")

	// Sign out, then sign in with the key alone.
	b.open("/mysecurityinfo")
	b.waitView("security")
	b.do(chromedp.Click(chromedp.CSS(`.whoami button[type=submit]`)))
	b.waitView("signedout")
	b.shot(prefix + "-08-signedout")
	b.do(chromedp.Click(chromedp.CSS(`main a[href="/signin"]`)))
	b.waitView("signin")
	b.do(chromedp.Click(chromedp.CSS(`[data-passkey-signin]`)))
	b.waitView("security")
	if got := b.textContent(`.whoami-name`); got != "Grace Hopper" {
		b.t.Errorf("signed in as %q", got)
	}
	b.shot(prefix + "-09-signed-in-with-key")
	if b.device == "desktop" {
		b.passwordAndCode(upn, prefix)
	}

	// The one-time pass is spent.
	b.do(chromedp.Click(chromedp.CSS(`.whoami button[type=submit]`)))
	b.waitView("signedout")
	b.open("/signin")
	b.signInWithTAP(upn, pass)
	b.waitFor(`[data-view="signin"] .alert-error`)
	if got := b.text(`[data-view="signin"] .alert-error`); !strings.Contains(got, "used") {
		b.t.Errorf("spent pass: the page says %q", got)
	}
	b.shot(prefix + "-10-signin-pass-spent")
}
