package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/app"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/store/postgres"
	"github.com/strongroom-id/strongroom/internal/tenant"
	"github.com/strongroom-id/strongroom/internal/testenv"
)

// client calls one server process's API with a token.
type client struct {
	t     *testing.T
	base  string
	token string
}

func (c client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func clientToken(t *testing.T, base string, r tenant.Result) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"api://strongroom/.default"}}
	req, _ := http.NewRequest("POST", base+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(r.ClientID), url.QueryEscape(r.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return out.AccessToken
}

// TestPIMAcrossProcesses runs PIM on one PostgreSQL with several server
// processes: a process killed (SIGKILL) after committing changes but
// before delivering their email loses none, and with two processes
// running, every expiry is processed, audited and emailed exactly once.
func TestPIMAcrossProcesses(t *testing.T) {
	dbURL := testenv.PostgresURL(t)
	smtpAddr, mailpitAPI := testenv.SMTP(t)
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	tag := fmt.Sprintf("%x", time.Now().UnixNano())
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	env := func(dir, addr, smtp string) []string {
		host, port, _ := net.SplitHostPort(smtp)
		return []string{"STRONGROOM_DATABASE=" + dbURL, "STRONGROOM_SECRET_KEY=" + key, "STRONGROOM_DATA_DIR=" + dir, "STRONGROOM_LISTEN=" + addr,
			"STRONGROOM_LOG_LEVEL=warn", "STRONGROOM_BOOTSTRAP_ADMIN_UPN=admin-" + tag + "@contoso.com",
			"STRONGROOM_SMTP_HOST=" + host, "STRONGROOM_SMTP_PORT=" + port, "STRONGROOM_SMTP_SECURITY=none", "STRONGROOM_SMTP_FROM=Strongroom <pim@contoso.com>"}
	}

	// Process A: its mail server is down.
	dirA, addrA := t.TempDir(), freeAddr(t)
	cmdA, outA := strongroom(t, env(dirA, addrA, dead), "serve")
	waitReady(t, addrA, outA)
	b, err := os.ReadFile(filepath.Join(dirA, app.BootstrapFile))
	if err != nil {
		t.Fatal(err)
	}
	var boot tenant.Result
	if err := json.Unmarshal(b, &boot); err != nil {
		t.Fatal(err)
	}
	a := client{t, "http://" + addrA, clientToken(t, "http://"+addrA, boot)}

	const n = 6
	var users []string
	for i := range n {
		st, m := a.do("POST", "/v1.0/users", map[string]any{"userPrincipalName": fmt.Sprintf("u%d-%s@contoso.com", i, tag), "displayName": fmt.Sprintf("User %d", i)})
		if st != 201 {
			t.Fatalf("create user: %d %v", st, m)
		}
		users = append(users, m["id"].(string))
	}
	// Time-bound active assignments that end in a few seconds (activations
	// last at least five minutes; the expiry job treats both alike).
	for _, u := range users {
		st, m := a.do("POST", "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests", map[string]any{"action": "adminAssign", "principalId": u,
			"roleDefinitionId": "5d6b6bb7-de71-4623-b4af-96380a352509", "directoryScopeId": "/", "justification": "drill",
			"scheduleInfo": map[string]any{"expiration": map[string]any{"type": "afterDuration", "duration": "PT6S"}}})
		if st != 201 || m["status"] != "Provisioned" {
			t.Fatalf("adminAssign: %d %v", st, m)
		}
	}
	// Kill A before it could deliver anything.
	if err := cmdA.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmdA.Wait()
	db, err := postgres.Open(context.Background(), dbURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if st, err := db.FindOutboxStats(context.Background()); err != nil || st.Delivered != 0 || st.Pending != 2*n {
		t.Fatalf("outbox when A died: %+v %v", st, err)
	}

	// Processes B and C share the database and a working mail server.
	for range 2 {
		dir, addr := t.TempDir(), freeAddr(t)
		_, out := strongroom(t, env(dir, addr, smtpAddr), "serve")
		waitReady(t, addr, out)
	}
	box := testenv.Mailpit{API: mailpitAPI}
	// A may have been killed between claiming messages and recording the
	// failed attempt: those come back when their two-minute lease ends.
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	count := func(ms []testenv.MailSummary, to, subject string) int {
		c := 0
		for _, m := range ms {
			if m.SentTo(to) && strings.Contains(m.Subject, subject) {
				c++
			}
		}
		return c
	}
	want := func(ms []testenv.MailSummary) bool {
		for i := range n {
			to := fmt.Sprintf("u%d-%s@contoso.com", i, tag)
			if count(ms, to, "was given an active assignment") == 0 || count(ms, to, "has ended") == 0 {
				return false
			}
		}
		return count(ms, "admin-"+tag+"@contoso.com", "was given an active assignment") >= n
	}
	msgs, err := box.WaitFor(ctx, want)
	if err != nil {
		t.Fatalf("mail: %v (%d messages)", err, len(msgs))
	}
	// Let both processes run a few more rounds, then count.
	time.Sleep(3 * time.Second)
	msgs, err = box.Messages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		to := fmt.Sprintf("u%d-%s@contoso.com", i, tag)
		if c := count(msgs, to, "was given an active assignment"); c != 1 {
			t.Errorf("%s: %d assignment messages, want 1", to, c)
		}
		if c := count(msgs, to, "has ended"); c != 1 {
			t.Errorf("%s: %d expiry messages, want 1", to, c)
		}
	}
	if c := count(msgs, "admin-"+tag+"@contoso.com", "was given an active assignment"); c != n {
		t.Errorf("administrator: %d alerts, want %d", c, n)
	}
	evs, err := db.FindAuditEvents(context.Background(), store.AuditFilter{Activity: "Remove member from role in PIM completed (timebound)"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != n {
		t.Errorf("%d expiries audited, want exactly %d", len(evs), n)
	}
	if st, err := db.FindOutboxStats(context.Background()); err != nil || st.Pending != 0 || st.Failed != 0 {
		t.Errorf("outbox at the end: %+v %v", st, err)
	}
}
