package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/clock"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/signing"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/tenant"
)

// Harness opens fresh, migrated databases for the suite.
type Harness struct {
	// Open returns a new, empty, migrated database using clk, and a
	// function that runs raw SQL on it outside Strongroom (to play an
	// attacker with database access). Both are closed by t.Cleanup.
	Open func(t *testing.T, clk clock.Clock) (*store.DB, func(stmts ...string))
	// DisableAuditProtection is the raw SQL that lifts the append-only
	// triggers, as an attacker with database access would.
	DisableAuditProtection []string
}

// T0 is the fake clock's starting time in the suite.
var T0 = time.Date(2026, 3, 1, 9, 30, 0, 123456000, time.UTC)

// Run runs the whole suite.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"Users", testUsers},
		{"UserFilters", testUserFilters},
		{"Groups", testGroups},
		{"NestedMembership", testNestedMembership},
		{"RoleAssignments", testRoleAssignments},
		{"Applications", testApplications},
		{"SigningKeys", testSigningKeys},
		{"TenantClaim", testTenantClaim},
		{"Rollback", testRollback},
		{"AuditChain", testAuditChain},
		{"AuditTamperEdit", testAuditTamperEdit},
		{"AuditTamperDelete", testAuditTamperDelete},
		{"AuditTamperDeleteLast", testAuditTamperDeleteLast},
		{"AuditAppendOnly", testAuditAppendOnly},
		{"AuditFilters", testAuditFilters},
		{"ConcurrentWrites", testConcurrentWrites},
		{"ConcurrentOutcomes", testConcurrentOutcomes},
		{"PIMRequests", testPIMRequests},
		{"PIMClaimEnded", testPIMClaimEnded},
		{"Passkeys", testPasskeys},
		{"UsedChallenges", testUsedChallenges},
		{"StatementReuse", testStatementReuse},
		{"ConditionalAccess", testConditionalAccess},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h) })
	}
}

func open(t *testing.T, h Harness) (*store.DB, *clock.Fake, func(...string)) {
	t.Helper()
	clk := clock.NewFake(T0)
	db, raw := h.Open(t, clk)
	return db, clk, raw
}

func tx(t *testing.T, db *store.DB, fn func(*store.Tx) error) {
	t.Helper()
	if err := db.InTx(context.Background(), fn); err != nil {
		t.Fatalf("transaction: %v", err)
	}
}

func mustKind(t *testing.T, err error, k apperr.Kind) {
	t.Helper()
	if !errors.Is(err, k) {
		t.Fatalf("got error %v (kind %v), want kind %v", err, apperr.KindOf(err), k)
	}
}

func user(id, upn string) directory.User {
	return directory.User{ID: id, UserPrincipalName: upn, DisplayName: "User " + id, AccountEnabled: true, UserType: directory.UserTypeMember, CreatedDateTime: T0}
}

func testUsers(t *testing.T, h Harness) {
	db, _, _ := open(t, h)
	ctx := context.Background()
	u := user("u1", "Ada@Contoso.com")
	u.Mail = "ada@contoso.com"
	tx(t, db, func(tx *store.Tx) error { return tx.CreateUser(ctx, u) })

	got, err := db.FindUserByID(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	u.TokensValidAfter = u.CreatedDateTime
	if diff := cmp.Diff(u, got); diff != "" {
		t.Errorf("FindUserByID (-want +got):\n%s", diff)
	}
	// User principal names are unique and looked up without regard to case.
	if got, err := db.FindUserByUPN(ctx, "ada@contoso.COM"); err != nil || got.ID != "u1" {
		t.Errorf("FindUserByUPN = %v, %v", got.ID, err)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, user("u2", "ADA@contoso.com")) })
	mustKind(t, err, apperr.Conflict)
	_, err = db.FindUserByID(ctx, "nobody")
	mustKind(t, err, apperr.NotFound)

	u.DisplayName, u.AccountEnabled, u.TokensValidAfter = "Ada Lovelace", false, T0.Add(time.Hour)
	tx(t, db, func(tx *store.Tx) error { return tx.UpdateUser(ctx, u) })
	got, _ = db.FindUserByID(ctx, "u1")
	if diff := cmp.Diff(u, got); diff != "" {
		t.Errorf("after UpdateUser (-want +got):\n%s", diff)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateUser(ctx, user("nobody", "x@y.z")) })
	mustKind(t, err, apperr.NotFound)
	tx(t, db, func(tx *store.Tx) error { return tx.DeleteUser(ctx, "u1") })
	_, err = db.FindUserByID(ctx, "u1")
	mustKind(t, err, apperr.NotFound)
	err = db.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteUser(ctx, "u1") })
	mustKind(t, err, apperr.NotFound)
}

func testUserFilters(t *testing.T, h Harness) {
	db, _, _ := open(t, h)
	ctx := context.Background()
	tx(t, db, func(tx *store.Tx) error {
		for i := range 25 {
			u := user(fmt.Sprintf("id%02d", i), fmt.Sprintf("user%02d@contoso.com", i))
			u.DisplayName = fmt.Sprintf("Name %d", i%5)
			if i == 7 {
				u.Mail = "seven@contoso.com"
			}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	ids := func(us []directory.User) []string {
		var out []string
		for _, u := range us {
			out = append(out, u.ID)
		}
		return out
	}
	// Keyset paging: three pages of 10, 10, 5 in id order, stable when rows
	// are inserted before the cursor between pages.
	p1, _ := db.FindUsers(ctx, directory.UserFilter{Limit: 10})
	tx(t, db, func(tx *store.Tx) error { return tx.CreateUser(ctx, user("id00a", "early@contoso.com")) })
	p2, _ := db.FindUsers(ctx, directory.UserFilter{Limit: 10, After: p1[9].ID})
	p3, _ := db.FindUsers(ctx, directory.UserFilter{Limit: 10, After: p2[9].ID})
	if len(p1) != 10 || len(p2) != 10 || len(p3) != 5 || p2[0].ID != "id10" || p3[4].ID != "id24" {
		t.Errorf("pages = %v / %v / %v", ids(p1), ids(p2), ids(p3))
	}
	got, _ := db.FindUsers(ctx, directory.UserFilter{DisplayName: "Name 3"})
	if diff := cmp.Diff([]string{"id03", "id08", "id13", "id18", "id23"}, ids(got)); diff != "" {
		t.Errorf("displayName eq (-want +got):\n%s", diff)
	}
	got, _ = db.FindUsers(ctx, directory.UserFilter{DisplayNamePrefix: "Name", Limit: 3})
	if len(got) != 3 {
		t.Errorf("prefix: %v", ids(got))
	}
	got, _ = db.FindUsers(ctx, directory.UserFilter{Mail: "seven@contoso.com"})
	if diff := cmp.Diff([]string{"id07"}, ids(got)); diff != "" {
		t.Errorf("mail eq (-want +got):\n%s", diff)
	}
	got, _ = db.FindUsers(ctx, directory.UserFilter{UPN: "USER12@contoso.com"})
	if diff := cmp.Diff([]string{"id12"}, ids(got)); diff != "" {
		t.Errorf("upn eq (-want +got):\n%s", diff)
	}
	got, _ = db.FindUsers(ctx, directory.UserFilter{IDs: []string{"id01", "id02", "nope"}})
	if diff := cmp.Diff([]string{"id01", "id02"}, ids(got)); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
}

func group(id string, roleAssignable bool) directory.Group {
	return directory.Group{ID: id, DisplayName: "Group " + id, MailNickname: id, SecurityEnabled: true, IsAssignableToRole: roleAssignable, CreatedDateTime: T0}
}

func testGroups(t *testing.T, h Harness) {
	db, _, _ := open(t, h)
	ctx := context.Background()
	g := group("g1", true)
	g.Description = "Admins"
	tx(t, db, func(tx *store.Tx) error {
		if err := tx.CreateGroup(ctx, g); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, user("u1", "a@b.c")); err != nil {
			return err
		}
		return tx.AddGroupMember(ctx, "g1", directory.Member{ID: "u1", Type: directory.MemberUser})
	})
	got, err := db.FindGroupByID(ctx, "g1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(g, got); diff != "" {
		t.Errorf("FindGroupByID (-want +got):\n%s", diff)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		return tx.AddGroupMember(ctx, "g1", directory.Member{ID: "u1", Type: directory.MemberUser})
	})
	mustKind(t, err, apperr.Conflict)
	err = db.InTx(ctx, func(tx *store.Tx) error {
		return tx.AddGroupMember(ctx, "missing", directory.Member{ID: "u1", Type: directory.MemberUser})
	})
	mustKind(t, err, apperr.Invalid)
	ms, _ := db.FindGroupMembers(ctx, "g1", "", 0)
	if diff := cmp.Diff([]directory.Member{{ID: "u1", Type: directory.MemberUser}}, ms); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	g.DisplayName, g.Description = "Renamed", ""
	tx(t, db, func(tx *store.Tx) error { return tx.UpdateGroup(ctx, g) })
	got, _ = db.FindGroupByID(ctx, "g1")
	if got.DisplayName != "Renamed" || got.Description != "" {
		t.Errorf("after update: %+v", got)
	}
	tx(t, db, func(tx *store.Tx) error { return tx.RemoveGroupMember(ctx, "g1", "u1") })
	err = db.InTx(ctx, func(tx *store.Tx) error { return tx.RemoveGroupMember(ctx, "g1", "u1") })
	mustKind(t, err, apperr.NotFound)
	tx(t, db, func(tx *store.Tx) error { return tx.DeleteGroup(ctx, "g1") })
	_, err = db.FindGroupByID(ctx, "g1")
	mustKind(t, err, apperr.NotFound)
}

func testNestedMembership(t *testing.T, h Harness) {
	db, _, raw := open(t, h)
	ctx := context.Background()
	// u1 ∈ g1 ∈ g2 ∈ g3, and u1 ∈ g4.
	tx(t, db, func(tx *store.Tx) error {
		for _, id := range []string{"g1", "g2", "g3", "g4"} {
			if err := tx.CreateGroup(ctx, group(id, false)); err != nil {
				return err
			}
		}
		if err := tx.CreateUser(ctx, user("u1", "a@b.c")); err != nil {
			return err
		}
		for _, e := range [][3]string{{"g1", "u1", "user"}, {"g2", "g1", "group"}, {"g3", "g2", "group"}, {"g4", "u1", "user"}} {
			if err := tx.AddGroupMember(ctx, e[0], directory.Member{ID: e[1], Type: directory.MemberType(e[2])}); err != nil {
				return err
			}
		}
		return nil
	})
	names := func(gs []directory.Group) []string {
		var out []string
		for _, g := range gs {
			out = append(out, g.ID)
		}
		return out
	}
	direct, _ := db.FindMemberOf(ctx, "u1", false)
	if diff := cmp.Diff([]string{"g1", "g4"}, names(direct)); diff != "" {
		t.Errorf("direct memberOf (-want +got):\n%s", diff)
	}
	all, _ := db.FindMemberOf(ctx, "u1", true)
	if diff := cmp.Diff([]string{"g1", "g2", "g3", "g4"}, names(all)); diff != "" {
		t.Errorf("transitive memberOf (-want +got):\n%s", diff)
	}
	ids, err := db.FindTransitiveGroupIDs(ctx, "u1")
	slices.Sort(ids)
	if diff := cmp.Diff([]string{"g1", "g2", "g3", "g4"}, ids); err != nil || diff != "" {
		t.Errorf("transitive group ids (-want +got): %v\n%s", err, diff)
	}
	// A cycle that got into the data behind Strongroom's back (the service
	// refuses to make one) must not hang the recursive query.
	raw("INSERT INTO group_members (group_id, member_id, member_type, created_at) VALUES ('g1', 'g3', 'group', '" + T0.Format(store.SQLiteTimeLayout) + "')")
	all, err = db.FindMemberOf(ctx, "u1", true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"g1", "g2", "g3", "g4"}, names(all)); diff != "" {
		t.Errorf("transitive memberOf with a cycle (-want +got):\n%s", diff)
	}
	ids, err = db.FindTransitiveGroupIDs(ctx, "u1")
	slices.Sort(ids)
	if diff := cmp.Diff([]string{"g1", "g2", "g3", "g4"}, ids); err != nil || diff != "" {
		t.Errorf("transitive group ids with a cycle (-want +got): %v\n%s", err, diff)
	}
}

func testRoleAssignments(t *testing.T, h Harness) {
	db, _, _ := open(t, h)
	ctx := context.Background()
	end := T0.Add(time.Hour)
	start := T0.Add(-time.Hour)
	as := []directory.RoleAssignment{
		{ID: "a1", RoleDefinitionID: directory.GlobalAdministrator, PrincipalID: "u1", PrincipalType: directory.MemberUser, DirectoryScopeID: "/", Kind: directory.Active, CreatedDateTime: T0, CreatedBy: "x"},
		{ID: "a2", RoleDefinitionID: directory.SecurityAdministrator, PrincipalID: "u1", PrincipalType: directory.MemberUser, DirectoryScopeID: "/", Kind: directory.Active, StartDateTime: &start, EndDateTime: &end, CreatedDateTime: T0, CreatedBy: "x"},
		{ID: "a3", RoleDefinitionID: directory.SecurityReader, PrincipalID: "g1", PrincipalType: directory.MemberGroup, DirectoryScopeID: "/", Kind: directory.Eligible, CreatedDateTime: T0, CreatedBy: "x"},
	}
	tx(t, db, func(tx *store.Tx) error {
		for _, a := range as {
			if err := tx.CreateRoleAssignment(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	got, _ := db.FindRoleAssignments(ctx, directory.RoleAssignmentFilter{})
	if diff := cmp.Diff(as, got); diff != "" {
		t.Errorf("all (-want +got):\n%s", diff)
	}
	ids := func(at time.Time) []string {
		got, err := db.FindRoleAssignments(ctx, directory.RoleAssignmentFilter{PrincipalIDs: []string{"u1", "g1"}, Kind: directory.Active, InForceAt: &at})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range got {
			out = append(out, a.ID)
		}
		return out
	}
	if diff := cmp.Diff([]string{"a1", "a2"}, ids(T0)); diff != "" {
		t.Errorf("in force at T0 (-want +got):\n%s", diff)
	}
	// The end is exclusive: at the end time the role no longer counts.
	if diff := cmp.Diff([]string{"a1"}, ids(end)); diff != "" {
		t.Errorf("in force at end (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a1"}, ids(start.Add(-time.Microsecond))); diff != "" {
		t.Errorf("in force before start (-want +got):\n%s", diff)
	}
	// Active role ids: direct, and through a role-assignable group the user
	// is a direct member of (not through an ordinary group; never eligible).
	tx(t, db, func(tx *store.Tx) error {
		if err := tx.CreateUser(ctx, user("u1", "a@b.c")); err != nil {
			return err
		}
		for _, g := range []directory.Group{group("rg", true), group("ng", false)} {
			if err := tx.CreateGroup(ctx, g); err != nil {
				return err
			}
			if err := tx.AddGroupMember(ctx, g.ID, directory.Member{ID: "u1", Type: directory.MemberUser}); err != nil {
				return err
			}
		}
		for _, a := range []directory.RoleAssignment{
			{ID: "a4", RoleDefinitionID: directory.GlobalReader, PrincipalID: "rg", PrincipalType: directory.MemberGroup, DirectoryScopeID: "/", Kind: directory.Active, CreatedDateTime: T0, CreatedBy: "x"},
			{ID: "a5", RoleDefinitionID: directory.HelpdeskAdministrator, PrincipalID: "ng", PrincipalType: directory.MemberGroup, DirectoryScopeID: "/", Kind: directory.Active, CreatedDateTime: T0, CreatedBy: "x"},
			{ID: "a6", RoleDefinitionID: directory.SecurityReader, PrincipalID: "rg", PrincipalType: directory.MemberGroup, DirectoryScopeID: "/", Kind: directory.Eligible, CreatedDateTime: T0, CreatedBy: "x"},
		} {
			if err := tx.CreateRoleAssignment(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	for _, c := range []struct {
		at   time.Time
		want []string
	}{
		{T0, []string{directory.GlobalAdministrator, directory.SecurityAdministrator, directory.GlobalReader}},
		{end, []string{directory.GlobalAdministrator, directory.GlobalReader}},
	} {
		got, err := db.FindActiveRoleIDs(ctx, "u1", c.at)
		want := slices.Clone(c.want)
		slices.Sort(want)
		if diff := cmp.Diff(want, got); err != nil || diff != "" {
			t.Errorf("active role ids at %v (-want +got): %v\n%s", c.at, err, diff)
		}
	}

	tx(t, db, func(tx *store.Tx) error { return tx.DeleteRoleAssignment(ctx, "a2") })
	err := db.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteRoleAssignment(ctx, "a2") })
	mustKind(t, err, apperr.NotFound)
}

func testApplications(t *testing.T, h Harness) {
	db, _, _ := open(t, h)
	ctx := context.Background()
	a := application.Application{ID: "o1", AppID: "c1", DisplayName: "Automation", Permissions: []authz.Permission{authz.UserReadWriteAll, authz.AuditLogReadAll}, CreatedDateTime: T0}
	p := application.Password{KeyID: "k1", DisplayName: "s", Hint: "abc", Hash: []byte{1, 2, 3}, StartDateTime: T0, EndDateTime: T0.Add(time.Hour)}
	tx(t, db, func(tx *store.Tx) error {
		if err := tx.CreateApplication(ctx, a); err != nil {
			return err
		}
		return tx.AddApplicationPassword(ctx, a.ID, p)
	})
	got, err := db.FindApplicationByAppID(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	a.Passwords = []application.Password{p}
	a.Permissions = []authz.Permission{authz.AuditLogReadAll, authz.UserReadWriteAll}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	_, err = db.FindApplicationByAppID(ctx, "nope")
	mustKind(t, err, apperr.NotFound)
	err = db.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateApplication(ctx, application.Application{ID: "o2", AppID: "c1", DisplayName: "dup", CreatedDateTime: T0})
	})
	mustKind(t, err, apperr.Conflict)
}

func testSigningKeys(t *testing.T, h Harness) {
	db, _, _ := open(t, h)
	ctx := context.Background()
	na := T0.Add(time.Hour)
	k := signing.Key{ID: "k1", Algorithm: "ES256", Sealed: []byte("sealed"), CreatedAt: T0, NotBefore: T0}
	tx(t, db, func(tx *store.Tx) error { return tx.CreateSigningKey(ctx, k) })
	k.NotAfter, k.ExpiresAt = &na, &na
	tx(t, db, func(tx *store.Tx) error { return tx.UpdateSigningKey(ctx, k) })
	got, err := db.FindSigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]signing.Key{k}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func testTenantClaim(t *testing.T, h Harness) {
	db, _, _ := open(t, h)
	ctx := context.Background()
	_, err := db.FindTenant(ctx)
	mustKind(t, err, apperr.NotFound)
	// Many concurrent claims: exactly one wins.
	var wins int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var won bool
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				won, err = tx.ClaimTenant(ctx, tenant.Tenant{ID: fmt.Sprint("t", i), KeyCheck: "kc", CreatedAt: T0})
				return err
			})
			if err != nil {
				t.Error(err)
			}
			if won {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d claims won, want exactly 1", wins)
	}
	if tn, err := db.FindTenant(ctx); err != nil || tn.KeyCheck != "kc" {
		t.Errorf("FindTenant = %+v, %v", tn, err)
	}
}

func testRollback(t *testing.T, h Harness) {
	db, _, _ := open(t, h)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUser(ctx, user("u1", "a@b.c")); err != nil {
			return err
		}
		tx.Audit(audit.Event{Category: "UserManagement", ActivityDisplayName: "Add user"})
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if _, err := db.FindUserByID(ctx, "u1"); !errors.Is(err, apperr.NotFound) {
		t.Errorf("user written despite rollback: %v", err)
	}
	if evs, _ := db.FindAuditEvents(ctx, store.AuditFilter{}); len(evs) != 0 {
		t.Errorf("audit written despite rollback: %d events", len(evs))
	}
	if h, _ := db.AuditHead(ctx); h.Seq != 0 {
		t.Errorf("audit head moved despite rollback: %d", h.Seq)
	}
}

// writeEvents commits n audited transactions, one event each, a minute apart.
func writeEvents(t *testing.T, db *store.DB, clk *clock.Fake, n int) {
	t.Helper()
	ctx := audit.NewContext(context.Background(), audit.Actor{
		Initiator:     audit.Initiator{User: &audit.UserIdentity{ID: "admin", UserPrincipalName: "admin@contoso.com"}},
		CorrelationID: "corr",
	})
	for i := range n {
		tx(t, db, func(tx *store.Tx) error {
			act := audit.Activity{Category: "UserManagement", Name: "Add user", Operation: "Add", Service: "Core Directory"}
			if i%2 == 1 {
				act = audit.Activity{Category: "GroupManagement", Name: "Add group", Operation: "Add", Service: "Core Directory"}
			}
			tx.Audit(audit.New(ctx, act, audit.Target{ID: fmt.Sprint("obj", i), DisplayName: fmt.Sprint("Object ", i), Type: "User"}))
			return nil
		})
		clk.Advance(time.Minute)
	}
}

func testAuditChain(t *testing.T, h Harness) {
	db, clk, _ := open(t, h)
	ctx := context.Background()
	n, _, err := db.VerifyAudit(ctx)
	if err != nil || n != 0 {
		t.Fatalf("empty log: %d, %v", n, err)
	}
	writeEvents(t, db, clk, 5)
	// Two events in one transaction chain in order.
	tx(t, db, func(tx *store.Tx) error {
		tx.Audit(audit.Event{Category: "A", ActivityDisplayName: "one"})
		tx.Audit(audit.Event{Category: "A", ActivityDisplayName: "two"})
		return nil
	})
	n, head, err := db.VerifyAudit(ctx)
	if err != nil || n != 7 || head.Seq != 7 {
		t.Fatalf("VerifyAudit = %d, %d, %v", n, head.Seq, err)
	}
	evs, _ := db.FindAuditEvents(ctx, store.AuditFilter{Limit: 2})
	if len(evs) != 2 || evs[0].Seq != 7 || evs[1].Seq != 6 {
		t.Errorf("newest first: %+v", evs)
	}
}

func testAuditTamperEdit(t *testing.T, h Harness) {
	db, clk, raw := open(t, h)
	writeEvents(t, db, clk, 5)
	raw(h.DisableAuditProtection...)
	raw("UPDATE audit_events SET body = replace(body, 'Object 2', 'Object X') WHERE seq = 3")
	_, _, err := db.VerifyAudit(context.Background())
	var p *audit.Problem
	if !errors.As(err, &p) || p.Seq != 3 {
		t.Fatalf("edited body: got %v, want a problem at #3", err)
	}
}

func testAuditTamperDelete(t *testing.T, h Harness) {
	db, clk, raw := open(t, h)
	writeEvents(t, db, clk, 5)
	raw(h.DisableAuditProtection...)
	raw("DELETE FROM audit_events WHERE seq = 2")
	_, _, err := db.VerifyAudit(context.Background())
	var p *audit.Problem
	if !errors.As(err, &p) || p.Seq != 3 {
		t.Fatalf("deleted row: got %v, want a problem at #3", err)
	}
}

func testAuditTamperDeleteLast(t *testing.T, h Harness) {
	db, clk, raw := open(t, h)
	writeEvents(t, db, clk, 5)
	raw(h.DisableAuditProtection...)
	raw("DELETE FROM audit_events WHERE seq = 5")
	_, _, err := db.VerifyAudit(context.Background())
	var p *audit.Problem
	if !errors.As(err, &p) || p.Seq != 5 {
		t.Fatalf("deleted last row: got %v, want a problem at #5", err)
	}
}

func testAuditAppendOnly(t *testing.T, h Harness) {
	db, clk, _ := open(t, h)
	writeEvents(t, db, clk, 2)
	ctx := context.Background()
	// Even through Strongroom's own connection, rows cannot change.
	err := db.InTx(ctx, func(tx *store.Tx) error { return tx.ExecForTest(ctx, "DELETE FROM audit_events") })
	mustKind(t, err, apperr.Forbidden)
	err = db.InTx(ctx, func(tx *store.Tx) error { return tx.ExecForTest(ctx, "UPDATE audit_events SET category = 'x'") })
	mustKind(t, err, apperr.Forbidden)
	if n, _, err := db.VerifyAudit(ctx); err != nil || n != 2 {
		t.Errorf("after refused tampering: %d, %v", n, err)
	}
}

func testAuditFilters(t *testing.T, h Harness) {
	db, clk, _ := open(t, h)
	writeEvents(t, db, clk, 6)
	ctx := context.Background()
	from, to := T0.Add(time.Minute), T0.Add(3*time.Minute)
	evs, err := db.FindAuditEvents(ctx, store.AuditFilter{From: &from, To: &to})
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for _, e := range evs {
		seqs = append(seqs, e.Seq)
	}
	if diff := cmp.Diff([]int64{4, 3, 2}, seqs); diff != "" {
		t.Errorf("time range (-want +got):\n%s", diff)
	}
	evs, _ = db.FindAuditEvents(ctx, store.AuditFilter{Category: "GroupManagement", Before: 6})
	if len(evs) != 2 || evs[0].Seq != 4 {
		t.Errorf("category before 6: %+v", evs)
	}
	evs, _ = db.FindAuditEvents(ctx, store.AuditFilter{InitiatorID: "admin", CorrelationID: "corr", Activity: "Add user", Result: "success"})
	if len(evs) != 3 {
		t.Errorf("initiator/correlation/activity: %d events", len(evs))
	}
}

func testConcurrentWrites(t *testing.T, h Harness) {
	db, _, _ := open(t, h)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.CreateUser(ctx, user(fmt.Sprint("u", i), fmt.Sprintf("u%d@contoso.com", i))); err != nil {
					return err
				}
				tx.Audit(audit.Event{Category: "UserManagement", ActivityDisplayName: "Add user"})
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	n, _, err := db.VerifyAudit(ctx)
	if err != nil || n != 20 {
		t.Errorf("after concurrent writes: %d events, %v", n, err)
	}
}

// testConcurrentOutcomes runs many transactions at once, some failing,
// some panicking, some hitting a constraint half-way: with group commit
// they may share one database transaction, and each must still keep
// exactly its own outcome (the failed ones leave nothing, the others
// everything, their after-commit hooks run, and the audit chain holds).
func testConcurrentOutcomes(t *testing.T, h Harness) {
	db, _, _ := open(t, h)
	ctx := context.Background()
	tx(t, db, func(tx *store.Tx) error { return tx.CreateUser(ctx, user("taken", "taken@contoso.com")) })
	boom := errors.New("boom")
	const n = 48
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		after = map[int]bool{}
	)
	want := map[string]bool{"taken": true}
	kind := func(i int) string {
		switch {
		case i%8 == 3:
			return "panic"
		case i%4 == 1:
			return "error"
		case i%6 == 5:
			return "conflict"
		}
		return "ok"
	}
	for i := range n {
		if kind(i) == "ok" {
			want[fmt.Sprint("u", i)] = true
			want[fmt.Sprint("v", i)] = true
		}
	}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil && kind(i) != "panic" {
					t.Errorf("transaction %d panicked: %v", i, p)
				}
			}()
			err := db.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.CreateUser(ctx, user(fmt.Sprint("u", i), fmt.Sprintf("u%d@contoso.com", i))); err != nil {
					return err
				}
				tx.Audit(audit.Event{Category: "UserManagement", ActivityDisplayName: "Add user"})
				second := user(fmt.Sprint("v", i), fmt.Sprintf("v%d@contoso.com", i))
				switch kind(i) {
				case "panic":
					panic("member panics")
				case "error":
					return boom
				case "conflict":
					second.UserPrincipalName = "taken@contoso.com"
				}
				if err := tx.CreateUser(ctx, second); err != nil {
					return err
				}
				tx.AfterCommit(func() {
					mu.Lock()
					after[i] = true
					mu.Unlock()
				})
				return nil
			})
			switch kind(i) {
			case "ok":
				if err != nil {
					t.Errorf("transaction %d: %v", i, err)
				}
			case "error":
				if !errors.Is(err, boom) {
					t.Errorf("transaction %d: err = %v, want boom", i, err)
				}
			case "conflict":
				if !errors.Is(err, apperr.Conflict) {
					t.Errorf("transaction %d: err = %v, want a conflict", i, err)
				}
			case "panic":
				t.Errorf("transaction %d returned instead of panicking", i)
			}
		}()
	}
	wg.Wait()
	users, err := db.FindUsers(ctx, directory.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, u := range users {
		got[u.ID] = true
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("users after concurrent transactions (-want +got):\n%s", diff)
	}
	for i := range n {
		if after[i] != (kind(i) == "ok") {
			t.Errorf("transaction %d (%s): after-commit hook ran = %v", i, kind(i), after[i])
		}
	}
	if evs, _, err := db.VerifyAudit(ctx); err != nil || evs != int64(len(want)-1)/2 {
		t.Errorf("audit chain: %d events, %v; want %d", evs, err, (len(want)-1)/2)
	}
}
