package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/clock"
	"github.com/strongroom-id/strongroom/internal/directory"
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

// TestGroupCommit holds one write transaction open while others queue
// behind it: the queue then shares commits (store/group.go), and each
// member still gets its own outcome (storetest's ConcurrentOutcomes
// checks the outcomes in depth, on both databases).
func TestGroupCommit(t *testing.T) {
	db, _ := open(t, clock.Real{})
	ctx := context.Background()
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			<-release
			return tx.CreateUser(ctx, directory.User{ID: "first", UserPrincipalName: "first@contoso.com", AccountEnabled: true, UserType: directory.UserTypeMember})
		})
		if err != nil {
			t.Error(err)
		}
	})
	const queued = 15
	var started sync.WaitGroup
	started.Add(queued)
	for i := range queued {
		wg.Go(func() {
			started.Done()
			err := db.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.CreateUser(ctx, directory.User{ID: fmt.Sprint("u", i), UserPrincipalName: fmt.Sprintf("u%d@contoso.com", i), AccountEnabled: true, UserType: directory.UserTypeMember}); err != nil {
					return err
				}
				if i%3 == 0 {
					return errors.New("refused")
				}
				return nil
			})
			if (err == nil) != (i%3 != 0) {
				t.Errorf("member %d: %v", i, err)
			}
		})
	}
	started.Wait()
	time.Sleep(200 * time.Millisecond) // let the queue form behind the first
	close(release)
	wg.Wait()
	txs, commits := db.CommitStats()
	// Migrations do not count; the set-up's own transactions do not exist.
	if txs != 1+queued-queued/3 || commits >= txs {
		t.Errorf("%d transactions in %d commits: want %d sharing fewer commits", txs, commits, 1+queued-queued/3)
	}
	users, err := db.FindUsers(ctx, directory.UserFilter{})
	if err != nil || len(users) != int(txs) {
		t.Errorf("%d users (%v), want %d", len(users), err, txs)
	}
}
