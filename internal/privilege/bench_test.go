package privilege_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/clock"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/privilege"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/store/postgres"
	"github.com/strongroom-id/strongroom/internal/store/sqlite"
	"github.com/strongroom-id/strongroom/internal/testenv"
)

func openDB(tb testing.TB, database string) *store.DB {
	tb.Helper()
	var db *store.DB
	var err error
	if database == "sqlite" {
		db, err = sqlite.Open(filepath.Join(tb.TempDir(), "b.db"), store.Options{Clock: clock.Real{}})
	} else {
		db, err = postgres.Open(context.Background(), testenv.PostgresURL(tb), store.Options{Clock: clock.Real{}})
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

// seedActivations writes n users, each with an activation of Security
// Administrator that ends at ends(i).
func seedActivations(tb testing.TB, db *store.DB, n int, ends func(i int) time.Time) {
	tb.Helper()
	ctx := context.Background()
	const batch = 1000
	for lo := 0; lo < n; lo += batch {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			now := tx.Now()
			for i := lo; i < min(lo+batch, n); i++ {
				u := directory.User{ID: uuid.NewString(), UserPrincipalName: fmt.Sprintf("u%d@contoso.com", i), DisplayName: fmt.Sprintf("User %d", i),
					Mail: fmt.Sprintf("u%d@contoso.com", i), AccountEnabled: true, UserType: "Member", CreatedDateTime: now}
				if err := tx.CreateUser(ctx, u); err != nil {
					return err
				}
				end := ends(i)
				start := now.Add(-time.Minute)
				a := directory.RoleAssignment{ID: uuid.NewString(), RoleDefinitionID: directory.SecurityAdministrator, PrincipalID: u.ID, PrincipalType: directory.MemberUser,
					DirectoryScopeID: "/", Kind: directory.Active, StartDateTime: &start, EndDateTime: &end, CreatedDateTime: now, CreatedBy: u.ID}
				if err := tx.CreateRoleAssignment(ctx, a); err != nil {
					return err
				}
				if err := tx.CreateScheduleInfo(ctx, privilege.ScheduleRecord{RoleAssignment: a, Activated: true, ActivatedUsing: "elig", CreatedUsing: uuid.NewString()}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// lateness reads, from the audit log, how long after its end each
// activation was removed.
func lateness(tb testing.TB, db *store.DB) []time.Duration {
	tb.Helper()
	evs, err := db.FindAuditEvents(context.Background(), store.AuditFilter{Activity: "Remove member from role (PIM activation expired)"})
	if err != nil {
		tb.Fatal(err)
	}
	var out []time.Duration
	for _, se := range evs {
		var e audit.Event
		if err := json.Unmarshal(se.Body, &e); err != nil {
			tb.Fatal(err)
		}
		for _, kv := range e.AdditionalDetails {
			if kv.Key == "ExpirationTime" {
				end, _ := time.Parse(time.RFC3339, kv.Value)
				out = append(out, e.ActivityDateTime.Sub(end))
			}
		}
	}
	slices.Sort(out)
	return out
}

// BenchmarkExpiryLateness measures how long after its end an activation is
// removed (and audited, and its holder's email written) by the job loop,
// with 10 000 activations. "spread": they end evenly over 20 seconds;
// "burst": all at the same instant. Target: under one second. (The role
// stops working at its end regardless: authorization checks the end.)
//
//	go test ./internal/privilege -run XXX -bench ExpiryLateness -benchtime 1x
func BenchmarkExpiryLateness(b *testing.B) {
	const n = 10000
	for _, database := range []string{"sqlite", "postgres"} {
		for _, shape := range []string{"spread", "burst"} {
			b.Run(database+"/"+shape, func(b *testing.B) {
				for range b.N {
					db := openDB(b, database)
					first := time.Now().Add(8 * time.Second).Truncate(time.Millisecond)
					ends := func(i int) time.Time {
						if shape == "burst" {
							return first
						}
						return first.Add(time.Duration(i) * 20 * time.Second / n)
					}
					seedActivations(b, db, n, ends)
					svc := privilege.New(privilege.Deps{Store: store.Bind[privilege.Tx](db), Directory: directory.NewService(store.Bind[directory.Tx](db)),
						Now: clock.Real{}.Now, PublicURL: "https://id.contoso.com", Email: true})
					ctx, cancel := context.WithCancel(context.Background())
					done := make(chan struct{})
					go func() {
						defer close(done)
						svc.RunJobs(ctx, time.Second, db, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
					}()
					deadline := ends(n - 1).Add(30 * time.Second)
					var lat []time.Duration
					for time.Now().Before(deadline) {
						time.Sleep(250 * time.Millisecond)
						if next, _ := db.NextScheduleEnd(ctx); next == nil {
							break
						}
					}
					cancel()
					<-done
					lat = lateness(b, db)
					if len(lat) != n {
						b.Fatalf("%d of %d activations removed", len(lat), n)
					}
					b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-late-ms")
					b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-late-ms")
					b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "max-late-ms")
				}
			})
		}
	}
}
