package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/pkg/claimschallenge"
)

// "strongroom login" signs a person in from a terminal with the
// authorization code flow, PKCE and a loopback redirect (RFC 8252): the
// command listens on 127.0.0.1 on a free port, opens the browser at the
// authorization endpoint, and receives the code. We chose this over the
// device authorization grant: the browser on the same machine runs the
// whole sign-in, passkeys included (they are bound to Strongroom's origin,
// which a device code flow on another device does not protect against
// phishing: anyone can send a victim a user code), a claims challenge is
// replayed exactly as a web application replays it, and the library
// supports it without extra storage. A machine without a browser can copy
// the printed URL to a browser on the same machine (an SSH port forward
// of the loopback port works too).

// defaultCLIScopes are what the command asks for: the user, a refresh
// token, and Strongroom's API.
var defaultCLIScopes = []string{oidc.ScopeOpenID, "profile", oidc.ScopeOfflineAccess, "api://strongroom/.default"}

// cliCredentials are the tokens "strongroom login" keeps for an issuer.
type cliCredentials struct {
	Issuer            string    `json:"issuer"`
	ClientID          string    `json:"clientId"`
	UserPrincipalName string    `json:"userPrincipalName"`
	AccessToken       string    `json:"accessToken"`
	RefreshToken      string    `json:"refreshToken"`
	IDToken           string    `json:"idToken"`
	Expiry            time.Time `json:"expiry"`
}

// credentialsPath is $XDG_CONFIG_HOME/strongroom/credentials.json (or the
// system's user configuration directory).
func (m *Main) credentialsPath() (string, error) {
	dir, ok := m.Getenv("XDG_CONFIG_HOME")
	if !ok || dir == "" {
		d, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("no configuration directory for the tokens: set XDG_CONFIG_HOME (%w)", err)
		}
		dir = d
	}
	return filepath.Join(dir, "strongroom", "credentials.json"), nil
}

func (m *Main) loadCredentials() (map[string]cliCredentials, error) {
	p, err := m.credentialsPath()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]cliCredentials{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]cliCredentials{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v): delete it and run strongroom login", p, err)
	}
	return out, nil
}

// saveCredentials writes the tokens, readable by the user only.
func (m *Main) saveCredentials(all map[string]cliCredentials) error {
	p, err := m.credentialsPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// issuerFor picks the Strongroom to talk to: --url, then STRONGROOM_URL,
// then the only one signed in to, then http://localhost:8080.
func (m *Main) issuerFor(flagURL string, all map[string]cliCredentials) string {
	if flagURL != "" {
		return strings.TrimRight(flagURL, "/")
	}
	if v, ok := m.Getenv("STRONGROOM_URL"); ok && v != "" {
		return strings.TrimRight(v, "/")
	}
	if len(all) == 1 {
		for k := range all {
			return k
		}
	}
	return "http://localhost:8080"
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (m *Main) openBrowser(u string) error {
	if m.OpenBrowser != nil {
		return m.OpenBrowser(u)
	}
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		cmd = exec.Command("xdg-open", u)
	}
	return cmd.Start()
}

// interactiveLogin runs one authorization code flow through the browser
// and returns the tokens. claims, when set, is a claims request to replay
// (a claims challenge).
func (m *Main) interactiveLogin(ctx context.Context, issuer, claims string, scopes []string, timeout time.Duration) (cliCredentials, error) {
	p, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return cliCredentials{}, fmt.Errorf("reading %s's OpenID configuration: %w", issuer, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return cliCredentials{}, err
	}
	defer ln.Close()
	conf := oauth2.Config{ClientID: application.CLIAppID, Endpoint: p.Endpoint(), Scopes: scopes,
		RedirectURL: fmt.Sprintf("http://127.0.0.1:%d/callback", ln.Addr().(*net.TCPAddr).Port)}
	state, nonce, verifier := randomToken(), randomToken(), oauth2.GenerateVerifier()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)}
	if claims != "" {
		opts = append(opts, oauth2.SetAuthURLParam("claims", claims))
	}
	authURL := conf.AuthCodeURL(state, opts...)

	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		var res result
		switch {
		case q.Get("state") != state:
			res.err = errors.New("the answer from the browser does not belong to this sign-in (state mismatch)")
		case q.Get("error") != "":
			res.err = fmt.Errorf("sign-in failed: %s: %s", q.Get("error"), q.Get("error_description"))
		default:
			res.code = q.Get("code")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		if res.err != nil {
			fmt.Fprintf(w, "<!doctype html><title>Strongroom</title><p>%s</p><p>You can close this window.</p>", html.EscapeString(res.err.Error()))
		} else {
			fmt.Fprint(w, "<!doctype html><title>Strongroom</title><p>You are signed in to the strongroom command. You can close this window.</p>")
		}
		select {
		case done <- res:
		default:
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	fmt.Fprintf(m.Stderr, "Opening your browser to sign in. If it does not open, visit:\n\n  %s\n\n", authURL)
	if err := m.openBrowser(authURL); err != nil {
		fmt.Fprintf(m.Stderr, "(could not open a browser: %v)\n", err)
	}
	var res result
	select {
	case res = <-done:
	case <-time.After(timeout):
		return cliCredentials{}, fmt.Errorf("no sign-in within %s", timeout)
	case <-ctx.Done():
		return cliCredentials{}, ctx.Err()
	}
	if res.err != nil {
		return cliCredentials{}, res.err
	}
	tok, err := conf.Exchange(ctx, res.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return cliCredentials{}, fmt.Errorf("exchanging the code: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&oidc.Config{ClientID: application.CLIAppID}).Verify(ctx, raw)
	if err != nil {
		return cliCredentials{}, fmt.Errorf("the ID token is not valid: %w", err)
	}
	if idt.Nonce != nonce {
		return cliCredentials{}, errors.New("the ID token does not belong to this sign-in (nonce mismatch)")
	}
	var c struct {
		PreferredUsername string `json:"preferred_username"`
	}
	_ = idt.Claims(&c)
	return cliCredentials{Issuer: issuer, ClientID: application.CLIAppID, UserPrincipalName: c.PreferredUsername,
		AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, IDToken: raw, Expiry: tok.Expiry}, nil
}

// loginCommand: strongroom login [--url URL] [--context cN] [--claims JSON].
func (m *Main) loginCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("strongroom login", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	u := fs.String("url", "", "Strongroom's public URL (default $STRONGROOM_URL, or the server you last signed in to)")
	cx := fs.String("context", "", "also prove an authentication context now (c1…c99)")
	claims := fs.String("claims", "", "a claims request (JSON) to send, as a claims challenge asks")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for the browser")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cx != "" {
		if !claimschallenge.IsContextID(*cx) {
			return fmt.Errorf("--context must be c1 to c99, not %q", *cx)
		}
		*claims = claimschallenge.ClaimsRequest(*cx)
	}
	all, err := m.loadCredentials()
	if err != nil {
		return err
	}
	issuer := m.issuerFor(*u, all)
	c, err := m.interactiveLogin(ctx, issuer, *claims, defaultCLIScopes, *timeout)
	if err != nil {
		return err
	}
	all[issuer] = c
	if err := m.saveCredentials(all); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Signed in to %s as %s.\n", issuer, c.UserPrincipalName)
	return nil
}

// logoutCommand: strongroom logout [--url URL]: revokes the refresh token
// (RFC 7009) and forgets the tokens.
func (m *Main) logoutCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("strongroom logout", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	u := fs.String("url", "", "Strongroom's public URL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	all, err := m.loadCredentials()
	if err != nil {
		return err
	}
	issuer := m.issuerFor(*u, all)
	c, ok := all[issuer]
	if !ok {
		fmt.Fprintf(m.Stdout, "Not signed in to %s.\n", issuer)
		return nil
	}
	if c.RefreshToken != "" {
		form := url.Values{"token": {c.RefreshToken}, "token_type_hint": {"refresh_token"}, "client_id": {c.ClientID}}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, issuer+"/oauth2/revoke", strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			} else {
				fmt.Fprintf(m.Stderr, "could not revoke the refresh token: %v\n", err)
			}
		}
	}
	delete(all, issuer)
	if err := m.saveCredentials(all); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Signed out of %s.\n", issuer)
	return nil
}

// freshToken returns a usable access token, refreshing it (and storing
// the rotated refresh token) when it is about to expire.
func (m *Main) freshToken(ctx context.Context, c *cliCredentials) (string, error) {
	if c.AccessToken != "" && time.Until(c.Expiry) > time.Minute {
		return c.AccessToken, nil
	}
	if c.RefreshToken == "" {
		return "", errors.New("the stored sign-in has expired: run strongroom login")
	}
	p, err := oidc.NewProvider(ctx, c.Issuer)
	if err != nil {
		return "", err
	}
	conf := oauth2.Config{ClientID: c.ClientID, Endpoint: p.Endpoint()}
	tok, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: c.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
	if err != nil {
		return "", fmt.Errorf("the stored sign-in has ended (%v): run strongroom login", err)
	}
	c.AccessToken, c.Expiry = tok.AccessToken, tok.Expiry
	if tok.RefreshToken != "" {
		c.RefreshToken = tok.RefreshToken
	}
	return c.AccessToken, nil
}

// apiCommand: strongroom api [--url URL] METHOD PATH [BODY | @FILE | -].
func (m *Main) apiCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("strongroom api", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	u := fs.String("url", "", "Strongroom's public URL")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for the browser when a step-up is needed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) < 2 || len(rest) > 3 || !strings.HasPrefix(rest[1], "/") {
		fmt.Fprintln(m.Stderr, "usage: strongroom api [--url URL] METHOD /v1.0/PATH [BODY | @FILE | -]")
		return exitError(2)
	}
	method, path := strings.ToUpper(rest[0]), rest[1]
	var body []byte
	if len(rest) == 3 {
		switch b := rest[2]; {
		case b == "-":
			in := m.Stdin
			if in == nil {
				in = os.Stdin
			}
			data, err := io.ReadAll(in)
			if err != nil {
				return err
			}
			body = data
		case strings.HasPrefix(b, "@"):
			data, err := os.ReadFile(b[1:])
			if err != nil {
				return err
			}
			body = data
		default:
			body = []byte(b)
		}
	}
	all, err := m.loadCredentials()
	if err != nil {
		return err
	}
	issuer := m.issuerFor(*u, all)
	c, ok := all[issuer]
	if !ok {
		return fmt.Errorf("not signed in to %s: run strongroom login --url %s", issuer, issuer)
	}
	for attempt := 0; ; attempt++ {
		tok, err := m.freshToken(ctx, &c)
		if err != nil {
			return err
		}
		all[issuer] = c
		if err := m.saveCredentials(all); err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, method, issuer+path, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		out, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		// A claims challenge: sign in again with its claims request (a
		// step-up in the browser), then retry once.
		if ch, cerr := claimschallenge.FromResponse(resp); cerr == nil && attempt == 0 {
			what := "more authentication"
			if id, ok := ch.Context(); ok {
				what = "the authentication context " + id
			}
			fmt.Fprintf(m.Stderr, "The API asks for %s; sign in again in the browser.\n", what)
			nc, err := m.interactiveLogin(ctx, issuer, ch.Claims, defaultCLIScopes, *timeout)
			if err != nil {
				return err
			}
			c = nc
			continue
		}
		var pretty bytes.Buffer
		if json.Indent(&pretty, out, "", "  ") == nil {
			out = append(pretty.Bytes(), '\n')
		}
		_, _ = m.Stdout.Write(out)
		if resp.StatusCode >= 400 {
			fmt.Fprintf(m.Stderr, "HTTP %s\n", resp.Status)
			return exitError(1)
		}
		return nil
	}
}

// appCommand: strongroom app create-demo [--redirect-uri URL] [--out FILE]
// registers the demo application (examples/demoapp) on this server's
// database, as Strongroom itself, and prints its settings.
func (m *Main) appCommand(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "create-demo" {
		fmt.Fprintln(m.Stderr, "usage: strongroom app create-demo [--redirect-uri URL] [--out FILE] [flags]")
		return exitError(2)
	}
	var redirect, out, name string
	cfg, err := m.loadConfig("app create-demo", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&redirect, "redirect-uri", "http://localhost:9090/callback", "the demo app's redirect URI")
		fs.StringVar(&name, "name", "Strongroom demo app", "the application's display name")
		fs.StringVar(&out, "out", "", "also write the settings to this file (mode 0600), for demoapp -config")
	})
	if err != nil {
		return err
	}
	ru, err := url.Parse(redirect)
	if err != nil || ru.Scheme == "" || ru.Host == "" {
		return fmt.Errorf("--redirect-uri must be an absolute URL, not %q", redirect)
	}
	home := (&url.URL{Scheme: ru.Scheme, Host: ru.Host, Path: "/"}).String()
	db, err := m.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CheckSchema(ctx); err != nil {
		return err
	}
	kr, err := m.keyring(cfg)
	if err != nil {
		return err
	}
	if err := checkKey(ctx, db, kr); err != nil {
		return err
	}
	svc := application.NewService(store.Bind[application.WriteTx](db), kr)
	ctx = authz.NewContext(ctx, authz.SystemPrincipal)
	ctx = audit.NewContext(ctx, audit.Actor{Initiator: audit.Initiator{App: &audit.AppIdentity{DisplayName: "Strongroom operator (strongroom app create-demo)", ServicePrincipalName: "strongroom-cli"}}})
	app, err := svc.Create(ctx, application.Input{DisplayName: name, Description: "The demo application of the README's tour (examples/demoapp).",
		WebRedirectURIs: []string{redirect}, LogoutURL: home})
	if err != nil {
		return err
	}
	_, secret, err := svc.AddPassword(ctx, app.ID, application.PasswordInput{DisplayName: "demo"})
	if err != nil {
		return err
	}
	settings := map[string]string{"issuer": cfg.PublicURL, "clientId": app.AppID, "clientSecret": secret, "redirectUrl": redirect}
	b, _ := json.MarshalIndent(settings, "", "  ")
	if out != "" {
		if err := os.WriteFile(out, append(b, '\n'), 0o600); err != nil {
			return err
		}
	}
	fmt.Fprintf(m.Stdout, "%s\n\nRegistered %q (the secret is shown once). Start the demo with:\n\n  go run ./examples/demoapp -issuer %s -client-id %s -client-secret %s\n",
		b, name, cfg.PublicURL, app.AppID, secret)
	if out != "" {
		fmt.Fprintf(m.Stdout, "\nor: go run ./examples/demoapp -config %s\n", out)
	}
	fmt.Fprintln(m.Stdout, "\nIts sensitive page asks for the authentication context c1: create c1 and publish it to apps (isAvailable).")
	return nil
}
