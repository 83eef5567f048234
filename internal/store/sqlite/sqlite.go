package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations returns the embedded SQLite migrations.
func Migrations() ([]store.Migration, error) { return store.LoadMigrations(migrationFS, "migrations") }

// Dialect returns the SQLite dialect.
func Dialect() (*store.Dialect, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	return &store.Dialect{
		Name:       "sqlite",
		Time:       func(t time.Time) any { return t.Format(store.SQLiteTimeLayout) },
		Translate:  translate,
		Migrations: ms,
		MigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, app_version TEXT NOT NULL, applied_at TEXT NOT NULL)`,
		// The writer pool has one connection and begins IMMEDIATE
		// transactions, which already excludes every other writer.
		LockMigrations:  func(context.Context, *sql.Conn) (func(), error) { return func() {}, nil },
		CacheStatements: true,
		GroupCommit:     true,
	}, nil
}

// translate maps SQLite result codes to application errors.
func translate(err error) error {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return apperr.Wrap(err, apperr.Conflict, "conflict")
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return apperr.Wrap(err, apperr.Invalid, "a referenced object does not exist")
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return apperr.Wrap(err, apperr.Invalid, "invalid value")
	case sqlite3.SQLITE_CONSTRAINT_TRIGGER:
		return apperr.Wrap(err, apperr.Forbidden, "not allowed")
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_BUSY_SNAPSHOT:
		return apperr.Wrap(err, apperr.Unavailable, "the database is busy; try again")
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR:
		return apperr.Wrap(err, apperr.Unavailable, "the database cannot be written")
	}
	return nil
}

// Open opens (creating if needed) the SQLite database at path.
func Open(path string, o store.Options) (*store.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	d, err := Dialect()
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "foreign_keys(1)", "busy_timeout(10000)", "synchronous(NORMAL)", "temp_store(MEMORY)", "cache_size(-16000)"} {
		q.Add("_pragma", p)
	}
	q.Set("_time_format", "sqlite")
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	wq := url.Values{}
	for k, v := range q {
		wq[k] = v
	}
	wq.Set("_txlock", "immediate")
	// The writer does not checkpoint on commit (which would put a
	// checkpoint's writes and fsyncs on the path of whichever request
	// crossed the threshold); a background checkpointer does (below).
	wq.Add("_pragma", "wal_autocheckpoint(0)")
	writer, err := sql.Open("sqlite", base+"?"+wq.Encode())
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	reader, err := sql.Open("sqlite", base+"?"+q.Encode())
	if err != nil {
		writer.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	reader.SetConnMaxIdleTime(0)
	// Open the writer first so that WAL mode is set before readers connect.
	if err := writer.Ping(); err != nil {
		writer.Close()
		reader.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
		writer.Close()
		reader.Close()
		return nil, err
	}
	db := store.New(writer, reader, d, o)
	stop := checkpoint(reader, checkpointInterval)
	db.OnClose(stop)
	return db, nil
}

// checkpointInterval is how often the background checkpointer runs.
var checkpointInterval = time.Second

// checkpoint copies the write-ahead log into the database every interval
// from a reader connection, in PASSIVE mode (never blocking readers or the
// writer); once a checkpoint has caught up, the next write starts the log
// from its beginning again, so it stays small. The returned function
// stops it after a last full (TRUNCATE) checkpoint.
func checkpoint(pool *sql.DB, interval time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				// An error (busy, closing) is retried on the next tick.
				_, _ = pool.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
			}
		}
	}()
	return func() {
		cancel()
		<-done
		_, _ = pool.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	}
}
