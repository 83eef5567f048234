package store

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// Migration is one numbered, forward-only schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// LoadMigrations reads NNNN_name.sql files from dir in fsys, in order, and
// checks that they are numbered 1, 2, 3… without gaps.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %q is not named NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		v, _ := strconv.Atoi(m[1])
		out = append(out, Migration{Version: v, Name: m[2], SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations must be numbered from 1 without gaps; found %04d at position %d", m.Version, i+1)
		}
	}
	return out, nil
}

// SchemaVersion returns the version the database is at (0 when empty) and
// the latest version this binary knows.
func (db *DB) SchemaVersion(ctx context.Context) (current, latest int, err error) {
	latest = len(db.d.Migrations)
	var exists int
	err = db.reader.QueryRowContext(ctx, db.rebind("SELECT COUNT(*) FROM schema_migrations")).Scan(&exists)
	if err != nil {
		// No migrations table yet: an empty database.
		return 0, latest, nil
	}
	var v *int64
	if err := db.reader.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, latest, db.translate(err)
	}
	if v != nil {
		current = int(*v)
	}
	return current, latest, nil
}

// CheckSchema returns an error unless the schema is exactly at the version
// this binary expects.
func (db *DB) CheckSchema(ctx context.Context) error {
	cur, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	switch {
	case cur > latest:
		return apperr.New(apperr.Unavailable, "the database schema is at version %d, newer than this Strongroom knows (%d): run a newer Strongroom", cur, latest)
	case cur < latest:
		return apperr.New(apperr.Unavailable, "the database schema is at version %d and needs migrating to %d: run `strongroom migrate`", cur, latest)
	}
	return nil
}

// Migrate applies every pending migration, each in its own transaction,
// recording it with the application version. It refuses to touch a schema
// newer than this binary knows. Concurrent runs (several nodes starting at
// once) are serialised by the dialect's lock.
func (db *DB) Migrate(ctx context.Context) (applied []Migration, err error) {
	err = db.group.lock(func() error {
		applied, err = db.migrate(ctx)
		return err
	})
	return applied, err
}

func (db *DB) migrate(ctx context.Context) ([]Migration, error) {
	c, err := db.writer.Conn(ctx)
	if err != nil {
		return nil, db.translate(err)
	}
	defer c.Close()
	unlock, err := db.d.LockMigrations(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("locking for migration: %w", err)
	}
	defer unlock()
	if _, err := c.ExecContext(ctx, db.d.MigrationsTable); err != nil {
		return nil, fmt.Errorf("creating the migrations table: %w", err)
	}
	var cur *int64
	if err := c.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&cur); err != nil {
		return nil, fmt.Errorf("reading the schema version: %w", err)
	}
	have := 0
	if cur != nil {
		have = int(*cur)
	}
	if have > len(db.d.Migrations) {
		return nil, fmt.Errorf("the database schema is at version %d, newer than this Strongroom knows (%d): refusing to start; run a newer Strongroom", have, len(db.d.Migrations))
	}
	var applied []Migration
	for _, m := range db.d.Migrations[have:] {
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			return applied, err
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			_ = tx.Rollback()
			return applied, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
		ins := db.rebind("INSERT INTO schema_migrations (version, name, app_version, applied_at) VALUES (?, ?, ?, ?)")
		if _, err := tx.ExecContext(ctx, ins, m.Version, m.Name, db.version, db.clock.Now().UTC().Format(SQLiteTimeLayout)); err != nil {
			_ = tx.Rollback()
			return applied, fmt.Errorf("recording migration %04d: %w", m.Version, err)
		}
		if err := tx.Commit(); err != nil {
			return applied, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
		applied = append(applied, m)
	}
	return applied, nil
}

// MigrationRecord is one applied migration as recorded in the database.
type MigrationRecord struct {
	Version    int
	Name       string
	AppVersion string
	AppliedAt  string
}

// AppliedMigrations lists the migrations recorded in the database.
func (db *DB) AppliedMigrations(ctx context.Context) ([]MigrationRecord, error) {
	return list(ctx, &db.conn, func(s scanner) (MigrationRecord, error) {
		var r MigrationRecord
		err := s.Scan(&r.Version, &r.Name, &r.AppVersion, &r.AppliedAt)
		return r, err
	}, "SELECT version, name, app_version, applied_at FROM schema_migrations ORDER BY version")
}
