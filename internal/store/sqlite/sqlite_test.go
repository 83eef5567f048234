package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/strongroom-id/strongroom/internal/clock"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/store/sqlite"
	"github.com/strongroom-id/strongroom/internal/store/storetest"
)

// Open returns a fresh migrated SQLite store for tests in other packages.
func open(t *testing.T, clk clock.Clock) (*store.DB, func(...string)) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := sqlite.Open(path, store.Options{Clock: clk, AppVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw := func(stmts ...string) {
		t.Helper()
		r, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for _, s := range stmts {
			if _, err := r.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	return db, raw
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		Open: open,
		DisableAuditProtection: []string{
			"DROP TRIGGER audit_events_append_only_update",
			"DROP TRIGGER audit_events_append_only_delete",
		},
	})
}

func TestMigrateIsIdempotentAndRecordsVersion(t *testing.T) {
	db, _ := open(t, clock.Real{})
	ctx := context.Background()
	applied, err := db.Migrate(ctx)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate = %v, %v", applied, err)
	}
	recs, err := db.AppliedMigrations(ctx)
	if err != nil || len(recs) == 0 || recs[0].AppVersion != "test" || recs[0].Version != 1 {
		t.Fatalf("AppliedMigrations = %+v, %v", recs, err)
	}
	if err := db.CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	db, raw := open(t, clock.Real{})
	raw("INSERT INTO schema_migrations (version, name, app_version, applied_at) VALUES (9999, 'future', 'v99', 'x')")
	ctx := context.Background()
	if _, err := db.Migrate(ctx); err == nil {
		t.Fatal("Migrate accepted a schema newer than the binary")
	}
	if err := db.CheckSchema(ctx); err == nil {
		t.Fatal("CheckSchema accepted a schema newer than the binary")
	}
}
