package testenv

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
)

func TestWithDatabase(t *testing.T) {
	tests := []struct {
		base, want string
	}{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "postgres://postgres@127.0.0.1:5432/sr_x?sslmode=disable"},
		{"postgresql://u:p@h/", "postgresql://u:p@h/sr_x"},
		{"host=/tmp dbname=postgres", "host=/tmp dbname=postgres dbname=sr_x"},
	}
	for _, tt := range tests {
		got, err := withDatabase(tt.base, "sr_x")
		if err != nil || got != tt.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", tt.base, got, err, tt.want)
		}
	}
}

func TestPostgresURL(t *testing.T) {
	t.Parallel()
	base := lookup(t, "PostgreSQL", EnvPostgres)
	ctx := t.Context()

	var name string
	t.Run("fresh database", func(t *testing.T) {
		conn, err := pgx.Connect(ctx, PostgresURL(t))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(name, "sr_") {
			t.Errorf("database %q, want a fresh sr_ database", name)
		}
		var tables int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("fresh database has %d tables", tables)
		}
		if _, err := conn.Exec(ctx, "CREATE TABLE t (id int PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		// The connection is still open when the cleanup drops the database:
		// WITH (FORCE) must deal with it.
	})

	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s still exists after its test ended", name)
	}
}

func TestSMTPAndMailpit(t *testing.T) {
	t.Parallel()
	addr, api := SMTP(t)
	mp := Mailpit{API: api}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	// A recipient of its own keeps this test apart from other packages that
	// share the Mailpit.
	to := "testenv-" + randomHex(6) + "@example.test"
	subject := "Sign-in code " + randomHex(3)
	body := strings.Join([]string{
		"From: Strongroom <noreply@strongroom.test>",
		"To: Test User <" + to + ">",
		"Subject: " + subject,
		"Date: " + time.Now().Format(time.RFC1123Z),
		"MIME-Version: 1.0",
		`Content-Type: multipart/alternative; boundary="b1"`,
		"",
		"--b1",
		"Content-Type: text/plain; charset=utf-8",
		"",
		"Your code is 123456.",
		"--b1",
		"Content-Type: text/html; charset=utf-8",
		"",
		"<p>Your code is <b>123456</b>.</p>",
		"--b1--",
		"",
	}, "\r\n")
	if err := smtp.SendMail(addr, nil, "noreply@strongroom.test", []string{to}, []byte(body)); err != nil {
		t.Fatalf("sending through %s: %v", addr, err)
	}

	var sent MailSummary
	_, err := mp.WaitFor(ctx, func(msgs []MailSummary) bool {
		for _, m := range msgs {
			if m.SentTo(to) {
				sent = m
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	if sent.ID == "" || sent.Subject != subject || sent.From.Address != "noreply@strongroom.test" ||
		len(sent.To) != 1 || sent.To[0].Name != "Test User" || sent.Created.IsZero() {
		t.Errorf("summary = %+v; want ID, subject %q, From noreply@strongroom.test, To Test User <%s>, Created", sent, subject, to)
	}

	msg, err := mp.Message(ctx, sent.ID)
	if err != nil {
		t.Fatal(err)
	}
	if msg.ID != sent.ID || msg.Subject != subject || len(msg.To) != 1 || msg.To[0].Address != to || msg.Date.IsZero() {
		t.Errorf("message = %+v; want ID %s, subject %q, To %s, Date", msg, sent.ID, subject, to)
	}
	if !strings.Contains(msg.Text, "Your code is 123456.") {
		t.Errorf("Text = %q", msg.Text)
	}
	if !strings.Contains(msg.HTML, "<b>123456</b>") {
		t.Errorf("HTML = %q", msg.HTML)
	}

	if err := mp.Delete(ctx, sent.ID); err != nil {
		t.Fatal(err)
	}
	msgs, err := mp.Messages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.ID == sent.ID {
			t.Errorf("message %s still there after Delete", sent.ID)
		}
	}

	if _, err := mp.Message(ctx, "no-such-id"); err == nil {
		t.Error("Message of an unknown ID: no error")
	}
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	if _, err := mp.WaitFor(short, func([]MailSummary) bool { return false }); err == nil {
		t.Error("WaitFor of a condition that never holds: no error")
	}
}

// registerPage creates a passkey with navigator.credentials.create for RP ID
// localhost, then signs in with it (no allowCredentials: a resident key),
// and reports the authenticator data flags of both ceremonies.
const registerPage = `<!doctype html>
<html><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>testenv</title></head>
<body style="margin:0">
<h1>WebAuthn</h1>
<div style="height:3000px;background:linear-gradient(#fff,#36c)"></div>
<script>
async function ceremony() {
  const rand = n => crypto.getRandomValues(new Uint8Array(n));
  const cred = await navigator.credentials.create({publicKey: {
    rp: {id: "localhost", name: "Strongroom test"},
    user: {id: new TextEncoder().encode("user-1"), name: "user@example.test", displayName: "User"},
    challenge: rand(32),
    pubKeyCredParams: [{type: "public-key", alg: -7}],
    authenticatorSelection: {residentKey: "required", userVerification: "required"},
  }});
  const created = new Uint8Array(cred.response.getAuthenticatorData());
  const got = await navigator.credentials.get({publicKey: {
    rpId: "localhost", challenge: rand(32), userVerification: "required",
  }});
  return {
    id: cred.id,
    transports: cred.response.getTransports(),
    createFlags: created[32],
    getFlags: new Uint8Array(got.response.authenticatorData)[32],
    sameCredential: got.id === cred.id,
    userHandle: new TextDecoder().decode(got.response.userHandle),
  };
}
</script></body></html>`

func TestBrowserWebAuthn(t *testing.T) {
	t.Parallel()
	ctx := NewBrowser(t)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, registerPage)
	}))
	defer srv.Close()
	pageURL := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)

	id, err := AddVirtualAuthenticator(ctx, "internal")
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Fatal("AddVirtualAuthenticator returned no ID")
	}

	if err := chromedp.Do(ctx, PhoneViewport(), chromedp.Navigate(pageURL)); err != nil {
		t.Fatal(err)
	}
	type result struct {
		ID             string   `json:"id"`
		Transports     []string `json:"transports"`
		CreateFlags    byte     `json:"createFlags"`
		GetFlags       byte     `json:"getFlags"`
		SameCredential bool     `json:"sameCredential"`
		UserHandle     string   `json:"userHandle"`
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[result](`ceremony()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("WebAuthn ceremony on %s: %v", pageURL, err)
	}
	// Authenticator data flags (WebAuthn §6.1): UP 0x01, UV 0x04, AT 0x40.
	const up, uv, at = 0x01, 0x04, 0x40
	if res.ID == "" || res.CreateFlags&(up|uv|at) != up|uv|at || res.GetFlags&(up|uv) != up|uv {
		t.Errorf("ceremony = %+v; want a credential with UP, UV, AT on create and UP, UV on get", res)
	}
	if !res.SameCredential || res.UserHandle != "user-1" {
		t.Errorf("sign-in with the resident key: %+v", res)
	}
	if len(res.Transports) != 1 || res.Transports[0] != "internal" {
		t.Errorf("transports = %v, want [internal]", res.Transports)
	}

	shot := filepath.Join(t.TempDir(), "phone.png")
	if err := Screenshot(ctx, shot); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	// 390 CSS pixels at scale 2, and the whole 3000 px page, not the 844 px
	// viewport.
	if cfg.Width != 780 || cfg.Height < 2*3000 {
		t.Errorf("screenshot is %dx%d, want 780 wide and at least 6000 high", cfg.Width, cfg.Height)
	}
}

// recorder stands in for a *testing.T to see whether lookup skips or fails.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Skip(args ...any)               { r.skipped = fmt.Sprint(args...) }
func (r *recorder) Fatalf(format string, a ...any) { r.failed = fmt.Sprintf(format, a...) }

func TestMissingVariable(t *testing.T) {
	const msg = "PostgreSQL tests skipped: set STRONGROOM_TEST_POSTGRES (scripts/test does this)"
	t.Setenv(EnvPostgres, "")

	t.Setenv(EnvRequireAll, "")
	r := &recorder{TB: t}
	lookup(r, "PostgreSQL", EnvPostgres)
	if r.skipped != msg || r.failed != "" {
		t.Errorf("without %s: skipped %q, failed %q; want a skip with %q", EnvRequireAll, r.skipped, r.failed, msg)
	}

	t.Setenv(EnvRequireAll, "1")
	r = &recorder{TB: t}
	lookup(r, "PostgreSQL", EnvPostgres)
	if !strings.HasPrefix(r.failed, msg) {
		t.Errorf("with %s=1: failed %q; want a failure starting %q", EnvRequireAll, r.failed, msg)
	}
}
