package provider_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/clock"
	"github.com/strongroom-id/strongroom/internal/fido/fidotest"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/store"
)

// callbackURL is where test clients say they receive codes; nothing
// listens there: the browser stops at the redirect.
const callbackURL = "http://localhost:9/callback"

// env is a Strongroom server on a loopback port with a fake clock that
// starts at the real time (the token library reads the real clock for a
// token's iat; the two agree until a test moves the fake one on).
type env struct {
	*apptest.Instance
	clk *clock.Fake
}

func newEnv(t *testing.T, database string) *env {
	t.Helper()
	clk := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	return &env{Instance: apptest.Start(t, apptest.Options{Database: database, Clock: clk}), clk: clk}
}

// client is a registered application.
type client struct {
	ID, AppID, Secret string
}

// newWebApp registers a confidential client with one secret.
func (e *env) newWebApp(t testing.TB, name string, extra map[string]any) client {
	t.Helper()
	body := map[string]any{"displayName": name, "web": map[string]any{"redirectUris": []string{callbackURL}, "logoutUrl": "http://localhost:9/signedout"}}
	for k, v := range extra {
		body[k] = v
	}
	r := e.Admin(t, "POST", "/v1.0/applications", body)
	apptest.Want(t, r, http.StatusCreated)
	m := r.Map(t)
	c := client{ID: m["id"].(string), AppID: m["appId"].(string)}
	r = e.Admin(t, "POST", "/v1.0/applications/"+c.ID+"/addPassword", map[string]any{"passwordCredential": map[string]any{"displayName": "test"}})
	apptest.Want(t, r, http.StatusOK)
	c.Secret = r.Map(t)["secretText"].(string)
	return c
}

// newPublicApp registers a public client with a loopback redirect URI.
func (e *env) newPublicApp(t testing.TB, name string) client {
	t.Helper()
	r := e.Admin(t, "POST", "/v1.0/applications", map[string]any{"displayName": name, "publicClient": map[string]any{"redirectUris": []string{"http://127.0.0.1/callback"}}})
	apptest.Want(t, r, http.StatusCreated)
	m := r.Map(t)
	return client{ID: m["id"].(string), AppID: m["appId"].(string)}
}

// newUser creates a user with a one-time pass and returns the id and pass.
func (e *env) newUser(t testing.TB, upn string, body map[string]any) (string, string) {
	t.Helper()
	r := e.Admin(t, "POST", "/v1.0/users", map[string]any{"userPrincipalName": upn, "displayName": "User " + upn, "mail": upn})
	apptest.Want(t, r, http.StatusCreated)
	id := r.Map(t)["id"].(string)
	if body == nil {
		body = map[string]any{"isUsableOnce": true}
	}
	r = e.Admin(t, "POST", "/v1.0/users/"+id+"/authentication/temporaryAccessPassMethods", body)
	apptest.Want(t, r, http.StatusCreated)
	return id, r.Map(t)["temporaryAccessPass"].(string)
}

// browser is a cookie jar that does not follow redirects by itself.
type browser struct {
	e   *env
	c   *http.Client
	jar *cookiejar.Jar
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, jar: jar, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(t testing.TB, method, u string, body any) *apptest.Response {
	t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(v)
	default:
		j, _ := json.Marshal(v)
		rd = bytes.NewReader(j)
	}
	if strings.HasPrefix(u, "/") {
		u = b.e.URL + u
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return &apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: out}
}

func status(t testing.TB, r *apptest.Response, s string) map[string]any {
	t.Helper()
	apptest.Want(t, r, http.StatusOK)
	m := r.Map(t)
	if m["status"] != s {
		t.Fatalf("status %v, want %s: %s", m["status"], s, r.Body)
	}
	return m
}

func (b *browser) signInTAP(t testing.TB, upn, pass string) {
	t.Helper()
	status(t, b.do(t, "POST", "/api/v1/signin/tap", map[string]string{"userPrincipalName": upn, "temporaryAccessPass": pass}), signin.StatusSignedIn)
}

// register registers a passkey in the browser's session.
func (b *browser) register(t testing.TB, a *fidotest.Authenticator) {
	t.Helper()
	r := b.do(t, "POST", "/api/v1/me/passkeys/options", map[string]any{})
	apptest.Want(t, r, http.StatusOK)
	apptest.Want(t, b.do(t, "POST", "/api/v1/me/passkeys", map[string]any{"displayName": "Key", "credential": json.RawMessage(a.Create(t, r.Body))}), http.StatusCreated)
}

// signInKey signs in (or steps up) with a passkey.
func (b *browser) signInKey(t testing.TB, a *fidotest.Authenticator, upn string) map[string]any {
	t.Helper()
	r := b.do(t, "POST", "/api/v1/signin/passkey/options", map[string]any{"userPrincipalName": upn})
	apptest.Want(t, r, http.StatusOK)
	return b.do(t, "POST", "/api/v1/signin/passkey", a.Get(t, r.Body)).Map(t)
}

// keyUser is a user with a registered passkey, and a fresh browser signed
// in with only that key.
type keyUser struct {
	ID, UPN string
	A       *fidotest.Authenticator
	B       *browser
}

// newKeyUser creates a user, signs in with a pass, registers a passkey
// (synced when synced is set), then signs in anew with the key alone.
func (e *env) newKeyUser(t testing.TB, upn string) *keyUser {
	t.Helper()
	id, pass := e.newUser(t, upn, nil)
	b := e.browser()
	b.signInTAP(t, upn, pass)
	a := fidotest.New(t, e.URL, "", passkey.UserHandle(id))
	b.register(t, a)
	b2 := e.browser()
	if m := b2.signInKey(t, a, upn); m["status"] != signin.StatusSignedIn {
		t.Fatalf("passkey sign-in: %v", m)
	}
	return &keyUser{ID: id, UPN: upn, A: a, B: b2}
}

// follow drives the browser from u until it leaves Strongroom (the
// client's redirect URI, returned) or reaches a page that needs the user
// (the sign-in or step-up page, returned with its response).
func (b *browser) follow(t testing.TB, u string) (*url.URL, *apptest.Response) {
	t.Helper()
	for i := 0; i < 20; i++ {
		r := b.do(t, "GET", u, nil)
		if r.Status != http.StatusFound && r.Status != http.StatusSeeOther {
			cur, _ := url.Parse(u)
			return cur, r
		}
		loc, err := url.Parse(r.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		base, _ := url.Parse(b.e.URL)
		if strings.HasPrefix(u, "/") {
			u = b.e.URL + u
		}
		cur, _ := url.Parse(u)
		next := cur.ResolveReference(loc)
		if next.Host != base.Host || next.Path == "/signin" || next.Path == "/stepup" {
			return next, r
		}
		u = next.String()
	}
	t.Fatal("too many redirects")
	return nil, nil
}

// rp is a relying party built on github.com/coreos/go-oidc and
// golang.org/x/oauth2.
type rp struct {
	p        *oidc.Provider
	conf     oauth2.Config
	verifier *oidc.IDTokenVerifier
	e        *env
}

func (e *env) rp(t testing.TB, c client, scopes ...string) *rp {
	t.Helper()
	ctx := context.Background()
	p, err := oidc.NewProvider(ctx, e.URL)
	if err != nil {
		t.Fatal(err)
	}
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	}
	redirect := callbackURL
	if c.Secret == "" {
		redirect = "http://127.0.0.1:53117/callback"
	}
	return &rp{p: p, e: e, conf: oauth2.Config{ClientID: c.AppID, ClientSecret: c.Secret, Endpoint: p.Endpoint(), RedirectURL: redirect, Scopes: scopes},
		verifier: p.Verifier(&oidc.Config{ClientID: c.AppID})}
}

func randomString() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// flow is one authorization code flow in progress.
type flow struct {
	state, nonce, verifier string
	authURL                string
}

func (r *rp) start(opts ...oauth2.AuthCodeOption) flow {
	f := flow{state: randomString(), nonce: randomString(), verifier: oauth2.GenerateVerifier()}
	opts = append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(f.verifier), oidc.Nonce(f.nonce)}, opts...)
	f.authURL = r.conf.AuthCodeURL(f.state, opts...)
	return f
}

// code checks a callback and returns its code.
func (f flow) code(t testing.TB, cb *url.URL) string {
	t.Helper()
	q := cb.Query()
	if q.Get("error") != "" {
		t.Fatalf("authorization error %s: %s", q.Get("error"), q.Get("error_description"))
	}
	if q.Get("state") != f.state || q.Get("code") == "" {
		t.Fatalf("callback %s", cb)
	}
	return q.Get("code")
}

// tokens is what a code exchange gave, verified.
type tokens struct {
	*oauth2.Token
	IDToken *oidc.IDToken
	Claims  map[string]any
}

func (r *rp) exchange(t testing.TB, f flow, code string) tokens {
	t.Helper()
	tok, err := r.conf.Exchange(context.Background(), code, oauth2.VerifierOption(f.verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return r.verify(t, tok, f.nonce)
}

func (r *rp) verify(t testing.TB, tok *oauth2.Token, nonce string) tokens {
	t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.verifier.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	if nonce != "" && idt.Nonce != nonce {
		t.Fatalf("nonce %q, want %q", idt.Nonce, nonce)
	}
	var c map[string]any
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	return tokens{Token: tok, IDToken: idt, Claims: c}
}

// signIn runs a whole authorization code flow in b and returns the tokens.
func (r *rp) signIn(t testing.TB, b *browser, opts ...oauth2.AuthCodeOption) tokens {
	t.Helper()
	f := r.start(opts...)
	cb, resp := b.follow(t, f.authURL)
	if cb.Host == "" || cb.Path == "/signin" || cb.Path == "/stepup" {
		t.Fatalf("the flow stopped at %s: %d %s", cb, resp.Status, resp.Body)
	}
	return r.exchange(t, f, f.code(t, cb))
}

// claims decodes a JWT's payload without verifying it.
func claims(t testing.TB, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", raw)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func strs(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// tokenRequest posts a form to the token endpoint (or another) and
// returns the answer.
func (e *env) post(t testing.TB, path string, form url.Values, clientID, secret string) *apptest.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", e.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if clientID != "" && secret != "" {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// oauthError returns the error code of an OAuth error answer.
func oauthError(t testing.TB, r *apptest.Response) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error
}

func storeFilter(upn string) store.SignInFilter { return store.SignInFilter{UPN: upn} }

// oidcParseHeader returns a JWS's key id.
func oidcParseHeader(tok string) (string, error) {
	parts := strings.Split(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return "", err
	}
	var h struct {
		Kid string `json:"kid"`
	}
	err = json.Unmarshal(b, &h)
	return h.Kid, err
}
