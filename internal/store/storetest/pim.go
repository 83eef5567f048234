package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/pim"
	"github.com/strongroom-id/strongroom/internal/privilege"
	"github.com/strongroom-id/strongroom/internal/store"
)

// testPIMRequests: a request with its approval reads back as written; a
// conditional update from a status that changed meanwhile writes nothing
// (the first decision wins).
func testPIMRequests(t *testing.T, h Harness) {
	db, _, _ := open(t, h)
	ctx := context.Background()
	start, end, deadline := T0.Add(time.Minute), T0.Add(3*time.Hour), T0.Add(24*time.Hour)
	r := pim.Request{ID: "r1", Level: pim.Assignment, Action: pim.SelfActivate, PrincipalID: "u1", RoleDefinitionID: directory.SecurityAdministrator,
		DirectoryScopeID: "/", Justification: "incident", Ticket: pim.Ticket{Number: "INC-1", System: "Desk"},
		ScheduleInfo: pim.ScheduleInfo{StartDateTime: &start, Expiration: pim.Expiration{Type: pim.AfterDateTime, EndDateTime: &end}},
		Status:       pim.StatusPendingApproval, CreatedAt: T0, CreatedBy: "u1", ActivatedUsing: "e1",
		Approval: &pim.Approval{StepID: "s1", Approvers: []pim.Subject{{Type: pim.SubjectUser, ID: "u2"}}, Deadline: &deadline, JustificationRequired: true, ReviewResult: pim.ReviewNotReviewed}}
	tx(t, db, func(tx *store.Tx) error { return tx.CreateRequest(ctx, r, "") })
	got, err := db.FindRequests(ctx, privilege.RequestFilter{ID: "r1"})
	if err != nil || len(got) != 1 {
		t.Fatalf("FindRequests: %v %v", got, err)
	}
	if diff := cmp.Diff(r, got[0]); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if got, _ := db.FindRequests(ctx, privilege.RequestFilter{Statuses: []pim.Status{pim.StatusDenied}}); len(got) != 0 {
		t.Errorf("status filter: %v", got)
	}
	// Two decisions: the first wins, the second finds the status changed.
	approved := r
	approved.Status = pim.StatusProvisioned
	denied := r
	denied.Status = pim.StatusDenied
	tx(t, db, func(tx *store.Tx) error { return tx.UpdateRequest(ctx, approved, pim.StatusPendingApproval, "") })
	err = db.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateRequest(ctx, denied, pim.StatusPendingApproval, "") })
	mustKind(t, err, apperr.Conflict)
	if got, _ := db.FindRequests(ctx, privilege.RequestFilter{ID: "r1"}); got[0].Status != pim.StatusProvisioned {
		t.Errorf("status after both decisions: %s", got[0].Status)
	}
	// An expired pending request is claimed by the timeout job.
	r2 := r
	r2.ID = "r2"
	tx(t, db, func(tx *store.Tx) error { return tx.CreateRequest(ctx, r2, "") })
	tx(t, db, func(tx *store.Tx) error {
		rs, err := tx.ClaimExpiredRequests(ctx, deadline.Add(-time.Second), 10)
		if err != nil || len(rs) != 0 {
			t.Errorf("claimed before the deadline: %v %v", rs, err)
		}
		rs, err = tx.ClaimExpiredRequests(ctx, deadline, 10)
		if err != nil || len(rs) != 1 || rs[0].ID != "r2" {
			t.Errorf("claimed at the deadline: %v %v", rs, err)
		}
		return nil
	})
}

// testPIMClaimEnded: concurrent expiry transactions claim disjoint sets of
// ended assignments (SKIP LOCKED on PostgreSQL, the single writer on
// SQLite), and together all of them.
func testPIMClaimEnded(t *testing.T, h Harness) {
	db, _, _ := open(t, h)
	ctx := context.Background()
	const n = 60
	tx(t, db, func(tx *store.Tx) error {
		for i := range n {
			end := T0.Add(-time.Duration(i) * time.Second)
			a := directory.RoleAssignment{ID: fmt.Sprintf("a%02d", i), RoleDefinitionID: directory.SecurityAdministrator, PrincipalID: fmt.Sprintf("u%d", i),
				PrincipalType: directory.MemberUser, DirectoryScopeID: "/", Kind: directory.Active, EndDateTime: &end, CreatedDateTime: T0.Add(-time.Hour), CreatedBy: "x"}
			if err := tx.CreateRoleAssignment(ctx, a); err != nil {
				return err
			}
			if err := tx.CreateScheduleInfo(ctx, privilege.ScheduleRecord{RoleAssignment: a, Activated: true, ActivatedUsing: "e", CreatedUsing: "r"}); err != nil {
				return err
			}
		}
		// One that has not ended.
		later := T0.Add(time.Hour)
		return tx.CreateRoleAssignment(ctx, directory.RoleAssignment{ID: "live", RoleDefinitionID: directory.SecurityAdministrator, PrincipalID: "v",
			PrincipalType: directory.MemberUser, DirectoryScopeID: "/", Kind: directory.Active, EndDateTime: &later, CreatedDateTime: T0, CreatedBy: "x"})
	})
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got := 0
				err := db.InTx(ctx, func(tx *store.Tx) error {
					recs, err := tx.ClaimEndedSchedules(ctx, T0, 7)
					if err != nil {
						return err
					}
					got = len(recs)
					for _, r := range recs {
						if !r.Activated || r.ActivatedUsing != "e" {
							t.Errorf("claimed %+v without its PIM information", r)
						}
						mu.Lock()
						seen[r.ID]++
						mu.Unlock()
						if err := tx.DeleteRoleAssignment(ctx, r.ID); err != nil {
							return err
						}
						if err := tx.MarkScheduleRemoved(ctx, r.ID, T0); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil && !errorsIsBusy(err) {
					t.Error(err)
					return
				}
				if err == nil && got == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d assignments removed, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("%s claimed %d times", id, c)
		}
	}
	if left, _ := db.FindSchedules(ctx, privilege.ScheduleFilter{}); len(left) != 1 || left[0].ID != "live" {
		t.Errorf("left: %+v", left)
	}
	next, err := db.NextScheduleEnd(ctx)
	if err != nil || next == nil || !next.Equal(T0.Add(time.Hour)) {
		t.Errorf("NextScheduleEnd = %v, %v", next, err)
	}
}

func errorsIsBusy(err error) bool { return apperr.KindOf(err) == apperr.Unavailable }
