package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/clock"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/store"
)

// amEnv is a server with a fake clock for the method tests, trusting
// X-Forwarded-For from the loopback address so that each browser can come
// from an address of its own.
type amEnv struct {
	*apptest.Instance
	clk *clock.Fake
}

func newAMEnv(t *testing.T, database string, env map[string]string) *amEnv {
	t.Helper()
	clk := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	e := map[string]string{"STRONGROOM_TRUSTED_PROXIES": "127.0.0.1"}
	for k, v := range env {
		e[k] = v
	}
	return &amEnv{Instance: apptest.Start(t, apptest.Options{Database: database, Clock: clk, Env: e}), clk: clk}
}

// createUser makes a user and returns their id.
func (e *amEnv) createUser(t testing.TB, upn, name string) string {
	t.Helper()
	r := e.Admin(t, "POST", "/v1.0/users", map[string]any{"userPrincipalName": upn, "displayName": name})
	apptest.Want(t, r, http.StatusCreated)
	return r.Map(t)["id"].(string)
}

// issueTAP issues a pass for user and returns the method id and the pass.
func (e *amEnv) issueTAP(t testing.TB, user string, body map[string]any) (string, string) {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	r := e.Admin(t, "POST", "/v1.0/users/"+user+"/authentication/temporaryAccessPassMethods", body)
	apptest.Want(t, r, http.StatusCreated)
	m := r.Map(t)
	return m["id"].(string), m["temporaryAccessPass"].(string)
}

// tapMethod returns the user's pass as the admin API shows it.
func (e *amEnv) tapMethod(t testing.TB, user, id string) map[string]any {
	t.Helper()
	r := e.Admin(t, "GET", "/v1.0/users/"+user+"/authentication/temporaryAccessPassMethods/"+id, nil)
	apptest.Want(t, r, http.StatusOK)
	return r.Map(t)
}

// signIns returns the sign-in log for upn, newest first.
func (e *amEnv) signIns(t testing.TB, upn string) []signin.Record {
	t.Helper()
	rs, err := e.Server.DB.FindSignIns(t.Context(), store.SignInFilter{UPN: upn})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// amBrowser is a cookie jar at one client address.
type amBrowser struct {
	e    *amEnv
	c    *http.Client
	addr string
}

func (e *amEnv) browser(addr string) *amBrowser {
	jar, _ := cookiejar.New(nil)
	return &amBrowser{e: e, c: &http.Client{Jar: jar}, addr: addr}
}

func (b *amBrowser) do(t testing.TB, method, path string, body any) *apptest.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
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
	if b.addr != "" {
		req.Header.Set("X-Forwarded-For", b.addr)
	}
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

func (b *amBrowser) tap(t testing.TB, upn, pass string) *apptest.Response {
	t.Helper()
	return b.do(t, "POST", "/api/v1/signin/tap", map[string]string{"userPrincipalName": upn, "temporaryAccessPass": pass})
}

func (b *amBrowser) password(t testing.TB, upn, pw string) *apptest.Response {
	t.Helper()
	return b.do(t, "POST", "/api/v1/signin/password", map[string]string{"userPrincipalName": upn, "password": pw})
}

// signInAnswer is the sign-in API's answer.
type signInAnswer struct {
	Status  string     `json:"status"`
	Methods [][]string `json:"methods"`
	Message string     `json:"message"`
	Session struct {
		ExpiresDateTime time.Time `json:"expiresDateTime"`
		Complete        bool      `json:"complete"`
	} `json:"session"`
}

// wantSignIn checks a 200 answer with status and returns it.
func wantSignIn(t testing.TB, r *apptest.Response, status string) signInAnswer {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("sign-in: status %d, want 200: %s", r.Status, r.Body)
	}
	var a signInAnswer
	r.JSON(t, &a)
	if a.Status != status {
		t.Fatalf("sign-in status %q, want %q: %s", a.Status, status, r.Body)
	}
	return a
}

// apiError is the JSON error body.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func errorOf(t testing.TB, r *apptest.Response) apiError {
	t.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	r.JSON(t, &e)
	return apiError{Status: r.Status, Code: e.Error.Code, Message: e.Error.Message}
}

// wantRefused checks an error answer with status and code.
func wantRefused(t testing.TB, r *apptest.Response, status int, code string) apiError {
	t.Helper()
	e := errorOf(t, r)
	if e.Status != status || e.Code != code {
		t.Fatalf("got %d %q (%s), want %d %q", e.Status, e.Code, e.Message, status, code)
	}
	return e
}

func contains(s string, words ...string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}
