package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/app"
	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/testenv"
)

// TestMain lets a test re-run this binary as "strongroom" in a child
// process, so that tests can start real, separate server processes.
func TestMain(m *testing.M) {
	if os.Getenv("STRONGROOM_APPTEST_EXEC") == "1" {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		os.Exit((&app.Main{}).Run(ctx, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// output collects a child process's output; the process writes while the
// test reads.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// strongroom starts this test binary as a strongroom process.
func strongroom(t *testing.T, env []string, args ...string) (*exec.Cmd, *output) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "STRONGROOM_APPTEST_EXEC=1"), env...)
	out := &output{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	return cmd, out
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitReady(t *testing.T, addr string, out *output) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("server on %s not ready:\n%s", addr, out.String())
}

// Two processes starting at the same moment on one empty PostgreSQL
// database bootstrap the tenant exactly once.
func TestBootstrapOnceAcrossProcesses(t *testing.T) {
	dbURL := testenv.PostgresURL(t)
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	var dirs []string
	var outs []*output
	var addrs []string
	for range 2 {
		dir, addr := t.TempDir(), freeAddr(t)
		_, out := strongroom(t, []string{
			"STRONGROOM_DATABASE=" + dbURL, "STRONGROOM_SECRET_KEY=" + key,
			"STRONGROOM_DATA_DIR=" + dir, "STRONGROOM_LISTEN=" + addr, "STRONGROOM_LOG_LEVEL=warn",
		}, "serve")
		dirs, outs, addrs = append(dirs, dir), append(outs, out), append(addrs, addr)
	}
	for i := range addrs {
		waitReady(t, addrs[i], outs[i])
	}
	files, banners := 0, 0
	for i := range dirs {
		if _, err := os.Stat(filepath.Join(dirs[i], app.BootstrapFile)); err == nil {
			files++
		}
		if strings.Contains(outs[i].String(), "Strongroom is set up") {
			banners++
		}
	}
	if files != 1 || banners != 1 {
		t.Fatalf("bootstrap files: %d, banners: %d; want exactly one of each\n--- 1:\n%s\n--- 2:\n%s", files, banners, outs[0].String(), outs[1].String())
	}
	// And the directory holds exactly one administrator.
	inst := apptest.Start(t, apptest.Options{DatabaseURL: dbURL, Env: map[string]string{"STRONGROOM_SECRET_KEY": key}})
	if inst.Server.Bootstrap != nil {
		t.Fatal("a third server bootstrapped again")
	}
	n, err := inst.Server.DB.FindUsers(context.Background(), directoryFilterAll())
	if err != nil || len(n) != 1 {
		t.Fatalf("users after concurrent bootstrap: %d, %v", len(n), err)
	}
}

func TestBootstrapOnceOnRestart(t *testing.T) {
	dir := t.TempDir()
	first := apptest.Start(t, apptest.Options{DataDir: dir})
	if first.Server.Bootstrap == nil || first.Bootstrap.ClientSecret == "" {
		t.Fatal("first start did not bootstrap")
	}
	fi, err := os.Stat(filepath.Join(dir, app.BootstrapFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("bootstrap file: %v, mode %v", err, fi.Mode().Perm())
	}
	if !strings.Contains(first.Stdout.String(), first.Bootstrap.AdminTemporaryAccessPass) {
		t.Error("the pass was not printed")
	}
	// Stop the first server before starting the second on the same files.
	first.Server.DB.Close()
	second := apptest.Start(t, apptest.Options{DataDir: dir})
	if second.Server.Bootstrap != nil {
		t.Fatal("second start bootstrapped again")
	}
	if strings.Contains(second.Stdout.String(), "Strongroom is set up") {
		t.Error("second start printed the bootstrap banner")
	}
	// The client from the first start still works against the second.
	tok := second.ClientToken(t, first.Bootstrap.ClientID, first.Bootstrap.ClientSecret)
	if r := second.Do(t, "GET", "/v1.0/users", tok, nil); r.Status != 200 {
		t.Fatalf("GET /v1.0/users = %d %s", r.Status, r.Body)
	}
}

func TestRefusesAnotherSecretKey(t *testing.T) {
	dbURL := testenv.PostgresURL(t)
	apptest.Start(t, apptest.Options{DatabaseURL: dbURL, Env: map[string]string{"STRONGROOM_SECRET_KEY": base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))}})
	var out bytes.Buffer
	m := &app.Main{Stdout: &out, Stderr: &out, Getenv: func(k string) (string, bool) {
		v, ok := map[string]string{
			"STRONGROOM_DATABASE": dbURL, "STRONGROOM_DATA_DIR": t.TempDir(), "STRONGROOM_LISTEN": freeAddr(t),
			"STRONGROOM_SECRET_KEY": base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32)),
		}[k]
		return v, ok
	}}
	if code := m.Run(context.Background(), []string{"serve"}); code == 0 || !strings.Contains(out.String(), "same secret key") {
		t.Fatalf("serve with another key: exit %d\n%s", code, out.String())
	}
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	run := func(env map[string]string, args ...string) (int, string) {
		var out bytes.Buffer
		m := &app.Main{Stdout: &out, Stderr: &out, Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
		return m.Run(context.Background(), args), out.String()
	}
	env := map[string]string{"STRONGROOM_DATA_DIR": dir}
	if code, out := run(env, "migrate"); code != 0 || !strings.Contains(out, "applied 0001_foundation") {
		t.Fatalf("migrate: %d %s", code, out)
	}
	if code, out := run(env, "migrate"); code != 0 || strings.Contains(out, "applied") {
		t.Fatalf("second migrate: %d %s", code, out)
	}
	if code, out := run(env, "audit", "verify"); code != 0 || !strings.Contains(out, "audit log intact: 0 events") {
		t.Fatalf("audit verify: %d %s", code, out)
	}
	env["STRONGROOM_SMTP_PASSWORD"] = "hunter2"
	if code, out := run(env, "config", "check", "--database", "postgres://u:pw@db/x"); code != 0 || strings.Contains(out, "hunter2") || strings.Contains(out, ":pw@") || !strings.Contains(out, "[redacted]") {
		t.Fatalf("config check: %d %s", code, out)
	}
	if code, out := run(map[string]string{"STRONGROOM_LISTEN": "nope", "STRONGROOM_PUBLIC_URL": "ftp://x"}, "config", "check"); code != 1 || !strings.Contains(out, "listen:") || !strings.Contains(out, "publicURL:") {
		t.Fatalf("invalid config check: %d %s", code, out)
	}
	if code, out := run(env, "version"); code != 0 || !strings.HasPrefix(out, "strongroom ") {
		t.Fatalf("version: %d %s", code, out)
	}
	if code, _ := run(env, "bogus"); code != 2 {
		t.Fatalf("unknown command: %d", code)
	}
	_ = fmt.Sprint()
}

// TestMetrics checks what /metrics says about requests and, on SQLite,
// about write transactions and the commits they shared.
func TestMetrics(t *testing.T) {
	inst := apptest.Start(t, apptest.Options{})
	// A few concurrent writes: creating users as the administrator.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			r := inst.Admin(t, "POST", "/v1.0/users", map[string]any{"displayName": "M", "userPrincipalName": fmt.Sprintf("m%d@contoso.com", i), "accountEnabled": true})
			if r.Status != http.StatusCreated {
				t.Errorf("create user: %d %s", r.Status, r.Body)
			}
		})
	}
	wg.Wait()
	r := inst.Do(t, "GET", "/metrics", "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("metrics: %d", r.Status)
	}
	value := func(name string) float64 {
		for _, line := range strings.Split(string(r.Body), "\n") {
			if rest, ok := strings.CutPrefix(line, name+" "); ok {
				var v float64
				if _, err := fmt.Sscan(rest, &v); err == nil {
					return v
				}
			}
		}
		t.Fatalf("metrics lack %s:\n%s", name, r.Body)
		return 0
	}
	txs, commits := value("strongroom_db_write_transactions_total"), value("strongroom_db_commits_total")
	if txs < 8 || commits < 1 || commits > txs {
		t.Errorf("%v write transactions in %v commits, want at least the 8 user creations", txs, commits)
	}
	if !strings.Contains(string(r.Body), `strongroom_http_requests_total{code="201",method="POST",route="POST /v1.0/users"} 8`) {
		t.Errorf("metrics do not count the 8 user creations:\n%s", r.Body)
	}
}
