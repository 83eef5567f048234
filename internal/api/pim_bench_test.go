package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/clock"
)

// BenchmarkPIMActivation measures a self-activation without approval end
// to end, as a client sees it: POST roleAssignmentScheduleRequests with a
// user's token (verification, rules, eligibility, the role assignment,
// the request, audit events, notifications in the outbox, commit), and
// then the role's first use. It reports p50 and p99 latency of the
// activation; the target is p99 < 50 ms on SQLite.
//
//	go test ./internal/api -run XXX -bench PIMActivation -benchtime 300x
func BenchmarkPIMActivation(b *testing.B) {
	for _, database := range []string{"sqlite", "postgres"} {
		b.Run(database, func(b *testing.B) {
			clk := clock.NewFake(time.Now().UTC().Truncate(time.Second))
			tag := randomTag()
			inst := apptest.Start(b, apptest.Options{Database: database, Clock: clk, Env: map[string]string{
				"STRONGROOM_BOOTSTRAP_ADMIN_UPN": "admin-" + tag + "@contoso.com",
				// Email on (to nowhere that answers): the outbox rows are
				// part of every activation's transaction.
				"STRONGROOM_SMTP_HOST": "127.0.0.1", "STRONGROOM_SMTP_PORT": "9", "STRONGROOM_SMTP_SECURITY": "none", "STRONGROOM_SMTP_FROM": "pim@contoso.com"}})
			e := &pimEnv{server: &server{Instance: inst, token: inst.AdminToken(b)}, clock: clk, tag: tag}
			users := make([]string, b.N)
			tokens := make([]string, b.N)
			for i := range b.N {
				users[i] = e.createUser(b, fmt.Sprintf("bench%d-%s@contoso.com", i, tag), fmt.Sprintf("Bench %d", i))
				e.eligible(b, users[i], securityAdministrator)
				tokens[i] = mfa(e, b, users[i])
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				r := e.Do(b, "POST", assignmentRequests, tokens[i], activation(users[i], securityAdministrator, "PT1H", "benchmark"))
				lat = append(lat, time.Since(start))
				if r.Status != http.StatusCreated {
					b.Fatalf("activation: %d %s", r.Status, r.Body)
				}
				if got := e.usesRole(b, tokens[i]); got != http.StatusOK {
					b.Fatalf("role not usable on the next request: %d", got)
				}
			}
			b.StopTimer()
			// Baseline in the same run: an authenticated read of the role
			// catalogue (token verification, routing, JSON, no writes).
			base := make([]time.Duration, 0, 200)
			for range 200 {
				start := time.Now()
				if r := e.Do(b, "GET", "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')", tokens[0], nil); r.Status != http.StatusOK {
					b.Fatalf("baseline: %d", r.Status)
				}
				base = append(base, time.Since(start))
			}
			slices.Sort(base)
			slices.Sort(lat)
			b.ReportMetric(float64(base[len(base)/2].Microseconds())/1000, "baseline-p50-ms")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")

		})
	}
}
