// Package apptest starts a whole Strongroom server in-process for tests: a
// real HTTP listener on a loopback port, a real database (SQLite in a
// temporary directory, or a fresh PostgreSQL database when the test
// environment has one), and the bootstrap result to call it with.
package apptest
