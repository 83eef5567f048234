package postgres_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/strongroom-id/strongroom/internal/clock"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/store/postgres"
	"github.com/strongroom-id/strongroom/internal/store/sqlite"
	"github.com/strongroom-id/strongroom/internal/store/storetest"
	"github.com/strongroom-id/strongroom/internal/testenv"
)

func open(t *testing.T, clk clock.Clock) (*store.DB, func(...string)) {
	t.Helper()
	url := testenv.PostgresURL(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, url, store.Options{Clock: clk, AppVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	raw := func(stmts ...string) {
		t.Helper()
		r, err := sql.Open("pgx", url)
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
		Open:                   open,
		DisableAuditProtection: []string{"ALTER TABLE audit_events DISABLE TRIGGER USER"},
	})
}

// TestMigrationParity checks that both dialects have the same numbered
// migrations, so that neither database falls behind the other.
func TestMigrationParity(t *testing.T) {
	pg, err := postgres.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	lite, err := sqlite.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(pg) != len(lite) {
		t.Fatalf("postgres has %d migrations, sqlite %d", len(pg), len(lite))
	}
	for i := range pg {
		if pg[i].Version != lite[i].Version || pg[i].Name != lite[i].Name {
			t.Errorf("migration %d: postgres %04d_%s, sqlite %04d_%s", i+1, pg[i].Version, pg[i].Name, lite[i].Version, lite[i].Name)
		}
	}
}

func TestConcurrentMigrate(t *testing.T) {
	url := testenv.PostgresURL(t)
	ctx := context.Background()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := postgres.Open(ctx, url, store.Options{AppVersion: "test"})
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			_, err = db.Migrate(ctx)
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	db, err := postgres.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}
}
