package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations returns the embedded PostgreSQL migrations.
func Migrations() ([]store.Migration, error) { return store.LoadMigrations(migrationFS, "migrations") }

// migrationLock is the advisory lock key that serialises migrations.
const migrationLock = 0x5354524f4e47 // "STRONG"

// Dialect returns the PostgreSQL dialect.
func Dialect() (*store.Dialect, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	return &store.Dialect{
		Name:       "postgres",
		Numbered:   true,
		Time:       func(t time.Time) any { return t },
		Translate:  translate,
		ForUpdate:  " FOR UPDATE",
		Migrations: ms,
		MigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, app_version TEXT NOT NULL, applied_at TEXT NOT NULL)`,
		LockMigrations: func(ctx context.Context, c *sql.Conn) (func(), error) {
			if _, err := c.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
				return nil, err
			}
			return func() { _, _ = c.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", migrationLock) }, nil
		},
	}, nil
}

// translate maps PostgreSQL SQLSTATE codes to application errors.
func translate(err error) error {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Code {
	case "23505": // unique_violation
		return apperr.Wrap(err, apperr.Conflict, "conflict")
	case "23503": // foreign_key_violation
		return apperr.Wrap(err, apperr.Invalid, "a referenced object does not exist")
	case "23514", "23502", "22001", "22P02": // check, not null, string too long, invalid text
		return apperr.Wrap(err, apperr.Invalid, "invalid value")
	case "42501": // insufficient_privilege (the append-only audit trigger)
		return apperr.Wrap(err, apperr.Forbidden, "not allowed")
	case "40001", "40P01", "55P03": // serialization failure, deadlock, lock not available
		return apperr.Wrap(err, apperr.Unavailable, "the database is busy; try again")
	case "57P01", "57P02", "57P03", "08000", "08003", "08006":
		return apperr.Wrap(err, apperr.Unavailable, "the database is unavailable")
	}
	return nil
}

// Open connects to the PostgreSQL database at url.
func Open(ctx context.Context, url string, o store.Options) (*store.DB, error) {
	d, err := Dialect()
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	return store.New(db, db, d, o), nil
}
