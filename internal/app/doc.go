// Package app wires Strongroom together: it is the only package that knows
// the concrete types (the SQLite or PostgreSQL store, the services, the HTTP
// edges) and the subcommands of the strongroom binary. Main is a value that
// tests can run in-process.
package app
