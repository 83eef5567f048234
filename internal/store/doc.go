// Package store is Strongroom's storage: one implementation of every
// service's storage port, over database/sql, for SQLite and PostgreSQL.
//
// Queries are hand-written SQL in the subset both databases speak the same
// way (standard joins, ON CONFLICT, RETURNING, WITH RECURSIVE), written with
// ? placeholders. What differs lives in a Dialect, supplied by the packages
// store/sqlite and store/postgres: placeholder style, how a time is stored
// (fixed-width UTC text in SQLite, timestamptz in PostgreSQL), driver error
// codes, row locking, and the embedded migrations, which are per dialect.
// One conformance suite (store/storetest) runs against both.
//
// Writes happen only inside InTx. A transaction takes its time once from
// the injected clock, collects audit events, and appends them to the
// hash-chained audit log just before it commits, so a change and its audit
// record are committed together or not at all.
package store
