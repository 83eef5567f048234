package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/app"
	"github.com/strongroom-id/strongroom/internal/clock"
	"github.com/strongroom-id/strongroom/internal/tenant"
	"github.com/strongroom-id/strongroom/internal/testenv"
)

// Options configure a test server.
type Options struct {
	// Database is "sqlite" (default) or "postgres".
	Database string
	// DatabaseURL, when set, is used instead of a fresh database (to start
	// a second server on the same PostgreSQL database).
	DatabaseURL string
	// DataDir, when set, is used instead of a fresh temporary directory.
	DataDir string
	// Clock replaces the real clock.
	Clock clock.Clock
	// Env adds STRONGROOM_* settings.
	Env map[string]string
}

// Instance is a running test server.
type Instance struct {
	URL         string // http://localhost:PORT: a secure context for WebAuthn
	Server      *app.Server
	Bootstrap   tenant.Result
	DataDir     string
	DatabaseURL string
	Stdout      *bytes.Buffer

	tokenMu sync.Mutex
	token   string
}

// Dialects runs fn once per database dialect: SQLite always, PostgreSQL
// when the test environment provides it (or fails when it must).
func Dialects(t *testing.T, fn func(t *testing.T, database string)) {
	t.Helper()
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) { fn(t, d) })
	}
}

// Start starts a server and stops it when the test ends.
func Start(t testing.TB, o Options) *Instance {
	t.Helper()
	dataDir := o.DataDir
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	dbURL := o.DatabaseURL
	if dbURL == "" && o.Database == "postgres" {
		dbURL = testenv.PostgresURL(t)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	publicURL := fmt.Sprintf("http://localhost:%d", port)
	env := map[string]string{
		"STRONGROOM_DATA_DIR":   dataDir,
		"STRONGROOM_LISTEN":     ln.Addr().String(),
		"STRONGROOM_PUBLIC_URL": publicURL,
		"STRONGROOM_LOG_LEVEL":  "warn",
	}
	if dbURL != "" {
		env["STRONGROOM_DATABASE"] = dbURL
	}
	for k, v := range o.Env {
		env[k] = v
	}
	inst := &Instance{URL: publicURL, DataDir: dataDir, DatabaseURL: dbURL, Stdout: &bytes.Buffer{}}
	started := make(chan *app.Server, 1)
	var stderr bytes.Buffer
	m := &app.Main{
		Stdout:   inst.Stdout,
		Stderr:   &lockedWriter{w: &stderr},
		Getenv:   func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Clock:    o.Clock,
		Version:  "test",
		Listener: ln,
		Started:  func(s *app.Server) { started <- s },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"serve"}) }()
	select {
	case s := <-started:
		inst.Server = s
	case code := <-done:
		cancel()
		t.Fatalf("strongroom serve exited with %d:\n%s", code, stderr.String())
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("strongroom serve did not start within 60s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("strongroom serve did not stop within 30s")
		}
	})
	if inst.Server.Bootstrap != nil {
		inst.Bootstrap = *inst.Server.Bootstrap
	}
	return inst
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// ClientToken gets an access token with the client credentials grant.
func (i *Instance) ClientToken(t testing.TB, clientID, secret string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"api://strongroom/.default"}}
	req, _ := http.NewRequest("POST", i.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || json.Unmarshal(b, &out) != nil || out.AccessToken == "" {
		t.Fatalf("token request: %d %s", resp.StatusCode, b)
	}
	return out.AccessToken
}

// AdminToken returns (and caches) a token for the bootstrap automation
// client, which holds every permission.
func (i *Instance) AdminToken(t testing.TB) string {
	t.Helper()
	i.tokenMu.Lock()
	defer i.tokenMu.Unlock()
	if i.token == "" {
		i.token = i.ClientToken(t, i.Bootstrap.ClientID, i.Bootstrap.ClientSecret)
	}
	return i.token
}

// Admin calls the admin API as the bootstrap automation client (every
// permission) with a token fresh for the server's clock, so that it works
// after a test moves a fake clock on.
func (i *Instance) Admin(t testing.TB, method, path string, body any) *Response {
	t.Helper()
	return i.Do(t, method, path, i.ClientToken(t, i.Bootstrap.ClientID, i.Bootstrap.ClientSecret), body)
}

// Want fails the test unless r has the status; it returns r.
func Want(t testing.TB, r *Response, status int) *Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

// Response is an HTTP response with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it cannot.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
}

// Map decodes the body as a JSON object.
func (r *Response) Map(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// ErrorCode returns the Graph error code of an error response.
func (r *Response) ErrorCode(t testing.TB) string {
	t.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	r.JSON(t, &e)
	return e.Error.Code
}

// Do sends a request with an optional bearer token and body: a string or
// []byte is sent as is, anything else as JSON.
func (i *Instance) Do(t testing.TB, method, path, token string, body any) *Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, i.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}
