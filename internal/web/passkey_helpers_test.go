package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/clock"
	"github.com/strongroom-id/strongroom/internal/fido/fidotest"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/store"
)

// pkEnv is a test server for the passkey tests, with a fake clock.
type pkEnv struct {
	*apptest.Instance
	clk *clock.Fake
}

func newPKEnv(t *testing.T, database string, env map[string]string) *pkEnv {
	t.Helper()
	clk := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	return &pkEnv{Instance: apptest.Start(t, apptest.Options{Database: database, Clock: clk, Env: env}), clk: clk}
}

// withMDS writes a BLOB and its root to files and returns the settings
// that point the server at them.
func withMDS(t *testing.T, m *fidotest.MDS, blob []byte) map[string]string {
	t.Helper()
	dir := t.TempDir()
	b, r := filepath.Join(dir, "blob.jwt"), filepath.Join(dir, "root.pem")
	if err := os.WriteFile(b, blob, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r, m.Root.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"STRONGROOM_MDS_BLOB_FILE": b, "STRONGROOM_MDS_ROOT_FILE": r}
}

// pkRefused checks a refusal's status and stable code.
func pkRefused(t testing.TB, r *apptest.Response, status int, code string) {
	t.Helper()
	if r.Status != status || r.ErrorCode(t) != code {
		t.Fatalf("got %d %s, want %d with code %s", r.Status, r.Body, status, code)
	}
}

// pkStatus checks a sign-in answer's status.
func pkStatus(t testing.TB, r *apptest.Response, status string) map[string]any {
	t.Helper()
	apptest.Want(t, r, http.StatusOK)
	m := r.Map(t)
	if m["status"] != status {
		t.Fatalf("sign-in status %v, want %s: %s", m["status"], status, r.Body)
	}
	return m
}

// newUser creates a user and issues them a one-time pass; it returns the
// user's id and the pass.
func (e *pkEnv) newUser(t testing.TB, upn string) (string, string) {
	t.Helper()
	r := e.Admin(t, "POST", "/v1.0/users", map[string]any{"userPrincipalName": upn, "displayName": "User " + upn})
	apptest.Want(t, r, http.StatusCreated)
	id := r.Map(t)["id"].(string)
	r = e.Admin(t, "POST", "/v1.0/users/"+id+"/authentication/temporaryAccessPassMethods", map[string]any{"isUsableOnce": true})
	apptest.Want(t, r, http.StatusCreated)
	return id, r.Map(t)["temporaryAccessPass"].(string)
}

// signIns returns the sign-in log for upn, newest first.
func (e *pkEnv) signIns(t testing.TB, upn string) []signin.Record {
	t.Helper()
	rs, err := e.Server.DB.FindSignIns(context.Background(), store.SignInFilter{UPN: upn})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// countSignIns counts sign-in records with an error code (0: success).
// Records made at the same fake time have no order, so tests count.
func (e *pkEnv) countSignIns(t testing.TB, code int) int {
	t.Helper()
	rs, err := e.Server.DB.FindSignIns(context.Background(), store.SignInFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rs {
		if r.Status.ErrorCode == code {
			n++
		}
	}
	return n
}

// logged runs f and checks that it added one sign-in record with code.
func (e *pkEnv) logged(t testing.TB, code int, f func()) {
	t.Helper()
	before := e.countSignIns(t, code)
	f()
	if after := e.countSignIns(t, code); after != before+1 {
		t.Errorf("%d sign-in records with error %d added, want 1", after-before, code)
	}
}

// loggedReason reports whether a failed sign-in record's reason or detail
// mentions why.
func (e *pkEnv) loggedReason(t testing.TB, why string) bool {
	t.Helper()
	rs, err := e.Server.DB.FindSignIns(context.Background(), store.SignInFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if strings.Contains(r.Status.FailureReason+" "+r.Status.AdditionalDetails, why) {
			return true
		}
	}
	return false
}

// pkMessage returns an error response's message.
func pkMessage(t testing.TB, r *apptest.Response) string {
	t.Helper()
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	r.JSON(t, &e)
	return e.Error.Message
}

// audits returns audit events with the activity name.
func (e *pkEnv) audits(t testing.TB, activity string) []map[string]any {
	t.Helper()
	r := e.Admin(t, "GET", "/v1.0/auditLogs/directoryAudits?$filter="+url.QueryEscape("activityDisplayName eq '"+activity+"'"), nil)
	apptest.Want(t, r, http.StatusOK)
	var out struct {
		Value []map[string]any `json:"value"`
	}
	r.JSON(t, &out)
	return out.Value
}

// pkBrowser is a browser: a cookie jar and a user agent.
type pkBrowser struct {
	e   *pkEnv
	c   *http.Client
	jar *cookiejar.Jar
}

func (e *pkEnv) browser() *pkBrowser {
	jar, _ := cookiejar.New(nil)
	return &pkBrowser{e: e, c: &http.Client{Jar: jar}, jar: jar}
}

func (b *pkBrowser) do(t testing.TB, method, path string, body any) *apptest.Response {
	t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(v)
	case string:
		rd = bytes.NewReader([]byte(v))
	default:
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, b.e.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: out}
}

func (b *pkBrowser) cookie(name string) string {
	u, _ := url.Parse(b.e.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (b *pkBrowser) setCookie(name, value string) {
	u, _ := url.Parse(b.e.URL)
	b.jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

func (b *pkBrowser) signInTAP(t testing.TB, upn, pass string) {
	t.Helper()
	pkStatus(t, b.do(t, "POST", "/api/v1/signin/tap", map[string]string{"userPrincipalName": upn, "temporaryAccessPass": pass}), signin.StatusSignedIn)
}

// registerOptions asks for creation options.
func (b *pkBrowser) registerOptions(t testing.TB) []byte {
	t.Helper()
	r := b.do(t, "POST", "/api/v1/me/passkeys/options", map[string]any{})
	apptest.Want(t, r, http.StatusOK)
	return r.Body
}

// register runs a whole registration with a and returns the answer.
func (b *pkBrowser) register(t testing.TB, a *fidotest.Authenticator, name string) *apptest.Response {
	t.Helper()
	r := b.do(t, "POST", "/api/v1/me/passkeys/options", map[string]any{})
	if r.Status != http.StatusOK {
		return r
	}
	return b.do(t, "POST", "/api/v1/me/passkeys", map[string]any{"displayName": name, "credential": json.RawMessage(a.Create(t, r.Body))})
}

// mustRegister registers a and returns the key as the API shows it.
func (b *pkBrowser) mustRegister(t testing.TB, a *fidotest.Authenticator, name string) map[string]any {
	t.Helper()
	r := b.register(t, a, name)
	apptest.Want(t, r, http.StatusCreated)
	return r.Map(t)
}

// signInOptions asks for request options (username-less when upn is "").
func (b *pkBrowser) signInOptions(t testing.TB, upn string) []byte {
	t.Helper()
	body := map[string]any{}
	if upn != "" {
		body["userPrincipalName"] = upn
	}
	r := b.do(t, "POST", "/api/v1/signin/passkey/options", body)
	apptest.Want(t, r, http.StatusOK)
	return r.Body
}

// signIn runs a whole passkey sign-in with a.
func (b *pkBrowser) signIn(t testing.TB, a *fidotest.Authenticator, upn string) *apptest.Response {
	t.Helper()
	return b.do(t, "POST", "/api/v1/signin/passkey", a.Get(t, b.signInOptions(t, upn)))
}

// pkUser is a user with a browser signed in with their pass and a
// registered key.
type pkUser struct {
	ID, UPN string
	B       *pkBrowser
	A       *fidotest.Authenticator
	Key     map[string]any
}

// newKeyUser creates a user, signs them in with a one-time pass and
// registers a key (with aaguid, random when empty).
func (e *pkEnv) newKeyUser(t testing.TB, upn, aaguid string) *pkUser {
	t.Helper()
	id, pass := e.newUser(t, upn)
	b := e.browser()
	b.signInTAP(t, upn, pass)
	a := fidotest.New(t, e.URL, aaguid, passkey.UserHandle(id))
	key := b.mustRegister(t, a, "My key")
	return &pkUser{ID: id, UPN: upn, B: b, A: a, Key: key}
}
