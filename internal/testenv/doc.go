// Package testenv gives tests the real components that Strongroom runs
// against: a PostgreSQL database, an SMTP server with Mailpit's API to read
// what was sent, and a headless Chromium with virtual WebAuthn authenticators.
//
// Each component comes from an environment variable that scripts/test sets
// after it starts the component:
//
//	STRONGROOM_TEST_POSTGRES  postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
//	STRONGROOM_TEST_SMTP      127.0.0.1:PORT (Mailpit's SMTP listener)
//	STRONGROOM_TEST_MAILPIT   http://127.0.0.1:PORT (Mailpit's web API)
//	STRONGROOM_TEST_CHROMIUM  /usr/bin/chromium
//
// Without a variable, the test that needs it skips with a message saying how
// to enable it, so that plain `go test ./...` passes with no services. With
// STRONGROOM_TEST_REQUIRE_ALL=1, which scripts/test also sets, a missing
// variable fails the test instead, so CI cannot skip silently.
//
// Test packages run in parallel and share one PostgreSQL server and one
// Mailpit. PostgresURL therefore gives each caller a database of its own.
// Mail has no such isolation: send to an address unique to the test and wait
// for it with Mailpit.WaitFor, rather than emptying the box with DeleteAll
// while other packages may be reading theirs.
package testenv
