package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The environment variables that enable tests with real components.
const (
	EnvPostgres   = "STRONGROOM_TEST_POSTGRES"
	EnvSMTP       = "STRONGROOM_TEST_SMTP"
	EnvMailpit    = "STRONGROOM_TEST_MAILPIT"
	EnvChromium   = "STRONGROOM_TEST_CHROMIUM"
	EnvRequireAll = "STRONGROOM_TEST_REQUIRE_ALL"
)

// lookup returns the value of the environment variable name. When it is
// unset or empty, the test skips with a message that says how to enable it,
// or fails when STRONGROOM_TEST_REQUIRE_ALL asks for every component.
func lookup(t testing.TB, what, name string) string {
	t.Helper()
	if v := os.Getenv(name); v != "" {
		return v
	}
	msg := what + " tests skipped: set " + name + " (scripts/test does this)"
	if required() {
		t.Fatalf("%s; failing instead because %s is set", msg, EnvRequireAll)
	}
	t.Skip(msg)
	return ""
}

func required() bool {
	v, err := strconv.ParseBool(os.Getenv(EnvRequireAll))
	return err == nil && v
}

// PostgresURL creates a database of its own for the test on the server named
// by STRONGROOM_TEST_POSTGRES and returns its URL. The database is dropped,
// with any connections still open to it, when the test ends. Without the
// variable the test skips (or fails under STRONGROOM_TEST_REQUIRE_ALL).
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := lookup(t, "PostgreSQL", EnvPostgres)

	name := "sr_" + randomHex(8)
	dbURL, err := withDatabase(base, name)
	if err != nil {
		t.Fatalf("testenv: %s: %v", EnvPostgres, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := adminExec(ctx, base, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("testenv: creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// t.Context is already done while cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := adminExec(ctx, base, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("testenv: dropping database %s: %v", name, err)
		}
	})
	return dbURL
}

// adminExec runs one statement on a fresh connection to the server's base
// database. CREATE and DROP DATABASE cannot run inside a transaction, and a
// short-lived connection keeps no session open on the server between tests.
func adminExec(ctx context.Context, base, sql string) error {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase returns the connection string base with its database replaced
// by name. It accepts both URL and keyword/value forms; in the latter a later
// dbname overrides an earlier one.
func withDatabase(base, name string) (string, error) {
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		return base + " dbname=" + name, nil
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// SMTP returns the address of the SMTP server that tests may send mail to
// (STRONGROOM_TEST_SMTP) and the base URL of the Mailpit API that shows what
// arrived there (STRONGROOM_TEST_MAILPIT). Without either variable the test
// skips (or fails under STRONGROOM_TEST_REQUIRE_ALL).
func SMTP(t testing.TB) (smtpAddr, mailpitAPI string) {
	t.Helper()
	smtpAddr = lookup(t, "SMTP", EnvSMTP)
	mailpitAPI = lookup(t, "SMTP", EnvMailpit)
	return smtpAddr, strings.TrimRight(mailpitAPI, "/")
}

// Chromium returns the path of the Chromium binary for browser tests
// (STRONGROOM_TEST_CHROMIUM). Without it the test skips (or fails under
// STRONGROOM_TEST_REQUIRE_ALL).
func Chromium(t testing.TB) string {
	t.Helper()
	return lookup(t, "Browser", EnvChromium)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
