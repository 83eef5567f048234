// Command demoapp is a small web application that signs its users in
// through Strongroom with OpenID Connect (the authorization code flow with
// PKCE, through github.com/coreos/go-oidc and golang.org/x/oauth2), shows
// what Strongroom said about the user (amr, acrs, wids, …), and has one
// "sensitive" page that needs the authentication context c1: when the ID
// token's acrs lacks c1, the app sends the user back to Strongroom with
// the claims request {"id_token":{"acrs":{"essential":true,"value":"c1"}}},
// where they step up (for example with a security key).
//
// Run it with the values "strongroom app create-demo" prints:
//
//	go run ./examples/demoapp -issuer http://localhost:8080 -client-id … -client-secret …
//	go run ./examples/demoapp -config demoapp.json
//
// then open http://localhost:9090.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// settings are what the app needs to know; from flags or a JSON file.
type settings struct {
	Issuer       string `json:"issuer"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	RedirectURL  string `json:"redirectUrl"`
	Listen       string `json:"listen"`
	// Context is the authentication context the sensitive page needs.
	Context string `json:"context"`
}

func main() {
	var s settings
	config := flag.String("config", "", "a JSON file with issuer, clientId, clientSecret, redirectUrl (as strongroom app create-demo --out writes)")
	flag.StringVar(&s.Issuer, "issuer", "http://localhost:8080", "Strongroom's public URL")
	flag.StringVar(&s.ClientID, "client-id", "", "the application's client id (appId)")
	flag.StringVar(&s.ClientSecret, "client-secret", "", "the application's client secret")
	flag.StringVar(&s.RedirectURL, "redirect-url", "http://localhost:9090/callback", "the redirect URI registered for the application")
	flag.StringVar(&s.Listen, "listen", "", "address to listen on (default: the redirect URL's host)")
	flag.StringVar(&s.Context, "context", "c1", "the authentication context the sensitive page needs")
	flag.Parse()
	if *config != "" {
		b, err := os.ReadFile(*config)
		if err != nil {
			log.Fatal(err)
		}
		if err := json.Unmarshal(b, &s); err != nil {
			log.Fatalf("%s: %v", *config, err)
		}
	}
	if s.ClientID == "" || s.ClientSecret == "" {
		log.Fatal("set -client-id and -client-secret (or -config); strongroom app create-demo prints them")
	}
	if s.Listen == "" {
		u, err := url.Parse(s.RedirectURL)
		if err != nil {
			log.Fatal(err)
		}
		s.Listen = u.Host
	}
	if s.Context == "" {
		s.Context = "c1"
	}
	a, err := newApp(context.Background(), s)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("demo app on http://%s (signing in through %s)", s.Listen, s.Issuer)
	srv := &http.Server{Addr: s.Listen, Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// app is the demo application: sessions in memory.
type app struct {
	s        settings
	provider *oidc.Provider
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	endSess  string

	mu       sync.Mutex
	sessions map[string]*session
}

// session is a browser's state: the sign-ins under way (by state) and
// the signed-in user.
type session struct {
	pending map[string]pending
	idToken string
	claims  map[string]any
}

type pending struct {
	nonce, verifier, next string
	at                    time.Time
}

func newApp(ctx context.Context, s settings) (*app, error) {
	p, err := oidc.NewProvider(ctx, s.Issuer)
	if err != nil {
		return nil, fmt.Errorf("reading %s's OpenID configuration: %w", s.Issuer, err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&meta)
	return &app{
		s: s, provider: p, endSess: meta.EndSession, sessions: map[string]*session{},
		oauth: oauth2.Config{ClientID: s.ClientID, ClientSecret: s.ClientSecret, Endpoint: p.Endpoint(), RedirectURL: s.RedirectURL,
			Scopes: []string{oidc.ScopeOpenID, "profile", "email"}},
		verifier: p.Verifier(&oidc.Config{ClientID: s.ClientID}),
	}, nil
}

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

const cookieName = "demoapp_session"

// sess returns the browser's session, creating one (and its cookie).
func (a *app) sess(w http.ResponseWriter, r *http.Request) *session {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, err := r.Cookie(cookieName); err == nil {
		if s, ok := a.sessions[c.Value]; ok {
			return s
		}
	}
	id := random()
	s := &session{pending: map[string]pending{}}
	a.sessions[id] = s
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return s
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.handleHome)
	mux.HandleFunc("GET /login", a.handleLogin)
	mux.HandleFunc("GET /callback", a.handleCallback)
	mux.HandleFunc("GET /sensitive", a.handleSensitive)
	mux.HandleFunc("POST /logout", a.handleLogout)
	return mux
}

// startSignIn sends the browser to Strongroom; claims, when set, asks for
// an authentication context.
func (a *app) startSignIn(w http.ResponseWriter, r *http.Request, next, claims string) {
	s := a.sess(w, r)
	state, p := random(), pending{nonce: random(), verifier: oauth2.GenerateVerifier(), next: next, at: time.Now()}
	a.mu.Lock()
	for k, v := range s.pending {
		if time.Since(v.at) > 10*time.Minute {
			delete(s.pending, k)
		}
	}
	s.pending[state] = p
	a.mu.Unlock()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(p.verifier), oidc.Nonce(p.nonce)}
	if claims != "" {
		opts = append(opts, oauth2.SetAuthURLParam("claims", claims))
	}
	http.Redirect(w, r, a.oauth.AuthCodeURL(state, opts...), http.StatusFound)
}

func (a *app) handleLogin(w http.ResponseWriter, r *http.Request) {
	a.startSignIn(w, r, "/", "")
}

func (a *app) handleCallback(w http.ResponseWriter, r *http.Request) {
	s := a.sess(w, r)
	q := r.URL.Query()
	a.mu.Lock()
	p, ok := s.pending[q.Get("state")]
	delete(s.pending, q.Get("state"))
	a.mu.Unlock()
	if !ok {
		a.render(w, http.StatusBadRequest, "This answer does not belong to a sign-in this browser started. Start again.", s)
		return
	}
	if e := q.Get("error"); e != "" {
		msg := "Strongroom did not sign you in: " + e
		switch e {
		case "access_denied":
			msg = "Strongroom denied access (a Conditional Access policy blocks it)."
		case "unmet_authentication_requirements":
			msg = "You could not meet what the sensitive page needs (" + a.s.Context + "), for example because you have no security key registered."
		}
		if d := q.Get("error_description"); d != "" {
			msg += " " + d
		}
		a.render(w, http.StatusForbidden, msg, s)
		return
	}
	tok, err := a.oauth.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		a.render(w, http.StatusBadGateway, "Exchanging the code failed: "+err.Error(), s)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := a.verifier.Verify(r.Context(), raw)
	if err == nil && idt.Nonce != p.nonce {
		err = errors.New("nonce mismatch")
	}
	if err != nil {
		a.render(w, http.StatusBadGateway, "The ID token is not valid: "+err.Error(), s)
		return
	}
	var c map[string]any
	_ = idt.Claims(&c)
	a.mu.Lock()
	s.idToken, s.claims = raw, c
	a.mu.Unlock()
	http.Redirect(w, r, p.next, http.StatusFound)
}

func acrs(c map[string]any) []string {
	var out []string
	list, _ := c["acrs"].([]any)
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// handleSensitive needs the context in the ID token's acrs; otherwise it
// asks Strongroom for it with the claims request.
func (a *app) handleSensitive(w http.ResponseWriter, r *http.Request) {
	s := a.sess(w, r)
	if s.claims == nil {
		a.startSignIn(w, r, "/sensitive", "")
		return
	}
	if !slices.Contains(acrs(s.claims), a.s.Context) {
		a.startSignIn(w, r, "/sensitive", `{"id_token":{"acrs":{"essential":true,"value":"`+a.s.Context+`"}}}`)
		return
	}
	a.renderPage(w, http.StatusOK, page{Title: "Sensitive page", Sensitive: true, Context: a.s.Context, Claims: claimRows(s.claims), SignedIn: true})
}

func (a *app) handleLogout(w http.ResponseWriter, r *http.Request) {
	s := a.sess(w, r)
	a.mu.Lock()
	hint := s.idToken
	s.idToken, s.claims = "", nil
	a.mu.Unlock()
	if a.endSess == "" || hint == "" {
		http.Redirect(w, r, "/", http.StatusFound)
		return
	}
	home := strings.TrimSuffix(a.s.RedirectURL, "/callback") + "/"
	q := url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {home}, "client_id": {a.s.ClientID}}
	http.Redirect(w, r, a.endSess+"?"+q.Encode(), http.StatusFound)
}

func (a *app) handleHome(w http.ResponseWriter, r *http.Request) {
	s := a.sess(w, r)
	a.renderPage(w, http.StatusOK, page{Title: "Strongroom demo app", Context: a.s.Context, Claims: claimRows(s.claims), SignedIn: s.claims != nil})
}

func (a *app) render(w http.ResponseWriter, status int, msg string, s *session) {
	a.renderPage(w, status, page{Title: "Strongroom demo app", Error: msg, Context: a.s.Context, Claims: claimRows(s.claims), SignedIn: s.claims != nil})
}

// page is the one template's data.
type page struct {
	Title     string
	Error     string
	Context   string
	Sensitive bool
	SignedIn  bool
	Claims    []claimRow
}

type claimRow struct {
	Name, Value, Note string
}

// notes explain the claims Strongroom adds.
var notes = map[string]string{
	"amr":       "how you signed in (RFC 8176): hwk/swk a device-bound or synced key, pin user verification, user presence, otp a pass or code, pwd a password, mfa multifactor",
	"acrs":      "the authentication contexts satisfied in this sign-in",
	"acr":       "1 single factor, 2 multifactor, or the context asked for with acr_values",
	"wids":      "template ids of the directory roles you hold right now",
	"sid":       "your Strongroom session",
	"auth_time": "when you last authenticated",
}

func claimRows(c map[string]any) []claimRow {
	var out []claimRow
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := c[k]
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case float64:
			s = fmt.Sprintf("%.0f", x)
			if k == "exp" || k == "iat" || k == "auth_time" {
				s += " (" + time.Unix(int64(x), 0).UTC().Format(time.RFC3339) + ")"
			}
		default:
			b, _ := json.Marshal(x)
			s = string(b)
		}
		out = append(out, claimRow{Name: k, Value: s, Note: notes[k]})
	}
	return out
}

var tmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
table{border-collapse:collapse;width:100%}td,th{text-align:left;border-bottom:1px solid #ddd;padding:.35rem .5rem;vertical-align:top}
td.v{font-family:ui-monospace,monospace;word-break:break-all}td.n{color:#555;font-size:.9em}
.err{background:#fde8e8;border:1px solid #f5b5b5;padding:.75rem;border-radius:6px}
.ok{background:#e7f6ea;border:1px solid #a6dcb1;padding:.75rem;border-radius:6px}
nav a,nav button{margin-right:1rem}
</style></head><body>
<h1>{{.Title}}</h1>
<nav><a href="/">Home</a><a href="/sensitive">Sensitive page (needs {{.Context}})</a>
{{if .SignedIn}}<form method="post" action="/logout" style="display:inline"><button>Sign out</button></form>{{else}}<a href="/login">Sign in with Strongroom</a>{{end}}</nav>
{{if .Error}}<p class="err">{{.Error}}</p>{{end}}
{{if .Sensitive}}<p class="ok">You reached the sensitive page: your ID token's acrs contains {{.Context}}.</p>{{end}}
{{if .Claims}}<h2>Your ID token's claims</h2>
<table><tr><th>Claim</th><th>Value</th><th></th></tr>
{{range .Claims}}<tr><td>{{.Name}}</td><td class="v">{{.Value}}</td><td class="n">{{.Note}}</td></tr>{{end}}
</table>{{else}}<p>You are not signed in.</p>{{end}}
</body></html>`))

func (a *app) renderPage(w http.ResponseWriter, status int, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := tmpl.Execute(w, p); err != nil {
		log.Printf("rendering: %v", err)
	}
}
