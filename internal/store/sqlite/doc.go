// Package sqlite opens Strongroom's store on an embedded SQLite database
// (modernc.org/sqlite, pure Go): WAL journal, foreign keys on, a busy
// timeout, and one writer connection so that writes are serialised while
// readers run concurrently.
package sqlite
