package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/pim"
	"github.com/strongroom-id/strongroom/internal/privilege"
)

// TenantID returns the tenant's id.
func (c *conn) TenantID(ctx context.Context) (string, error) {
	var id string
	err := c.queryRow(ctx, "SELECT tenant_id FROM tenant WHERE id = 1").Scan(&id)
	return id, c.translate(err)
}

// FindPolicies returns the roles' saved settings.
func (c *conn) FindPolicies(ctx context.Context) ([]privilege.StoredPolicy, error) {
	return list(ctx, c, func(s scanner) (privilege.StoredPolicy, error) {
		var p privilege.StoredPolicy
		var rules, by string
		if err := s.Scan(&p.RoleDefinitionID, &rules, timeCol{&p.ModifiedAt}, &by); err != nil {
			return p, err
		}
		if err := json.Unmarshal([]byte(rules), &p.Rules); err != nil {
			return p, apperr.Wrap(err, apperr.Internal, "reading role settings")
		}
		if err := json.Unmarshal([]byte(by), &p.ModifiedBy); err != nil {
			return p, apperr.Wrap(err, apperr.Internal, "reading role settings")
		}
		return p, nil
	}, "SELECT role_definition_id, rules, modified_at, modified_by FROM pim_policies ORDER BY role_definition_id")
}

// SavePolicy writes a role's settings.
func (tx *Tx) SavePolicy(ctx context.Context, p privilege.StoredPolicy) error {
	rules, err := json.Marshal(p.Rules)
	if err != nil {
		return apperr.Wrap(err, apperr.Internal, "encoding role settings")
	}
	by, _ := json.Marshal(p.ModifiedBy)
	_, err = tx.exec(ctx, `INSERT INTO pim_policies (role_definition_id, rules, modified_at, modified_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (role_definition_id) DO UPDATE SET rules = excluded.rules, modified_at = excluded.modified_at, modified_by = excluded.modified_by`,
		p.RoleDefinitionID, string(rules), p.ModifiedAt, string(by))
	return err
}

const scheduleCols = "ra.id, ra.role_definition_id, ra.principal_id, ra.principal_type, ra.directory_scope_id, ra.kind, ra.start_at, ra.end_at, ra.created_at, ra.created_by, " +
	"COALESCE(ps.activated, FALSE), COALESCE(ps.activated_using, ''), COALESCE(ps.created_using, ''), ps.modified_at"

const scheduleFrom = " FROM role_assignments ra LEFT JOIN pim_schedules ps ON ps.id = ra.id"

func scanSchedule(s scanner) (privilege.ScheduleRecord, error) {
	var r privilege.ScheduleRecord
	a := &r.RoleAssignment
	err := s.Scan(&a.ID, &a.RoleDefinitionID, &a.PrincipalID, &a.PrincipalType, &a.DirectoryScopeID, &a.Kind,
		nullTimeCol{&a.StartDateTime}, nullTimeCol{&a.EndDateTime}, timeCol{&a.CreatedDateTime}, &a.CreatedBy,
		&r.Activated, &r.ActivatedUsing, &r.CreatedUsing, nullTimeCol{&r.ModifiedAt})
	return r, err
}

// FindSchedules returns current role assignments with what PIM knows of
// them, ordered by id.
func (c *conn) FindSchedules(ctx context.Context, f privilege.ScheduleFilter) ([]privilege.ScheduleRecord, error) {
	var w where
	if f.ID != "" {
		w.add("ra.id = ?", f.ID)
	}
	if len(f.PrincipalIDs) > 0 {
		w.in("ra.principal_id", f.PrincipalIDs)
	}
	if f.RoleDefinitionID != "" {
		w.add("ra.role_definition_id = ?", f.RoleDefinitionID)
	}
	if f.Kind != "" {
		w.add("ra.kind = ?", string(f.Kind))
	}
	if f.ActivatedUsing != "" {
		w.add("ps.activated_using = ?", f.ActivatedUsing)
	}
	if f.InForceAt != nil {
		w.add("(ra.start_at IS NULL OR ra.start_at <= ?) AND (ra.end_at IS NULL OR ra.end_at > ?)", *f.InForceAt, *f.InForceAt)
	}
	if f.After != "" {
		w.add("ra.id > ?", f.After)
	}
	return list(ctx, c, scanSchedule, "SELECT "+scheduleCols+scheduleFrom+w.String()+" ORDER BY ra.id"+limit(f.Limit), w.args...)
}

// FindRemovedSchedules returns a principal's schedules of a role and level
// that ran to their end since the time and are gone.
func (c *conn) FindRemovedSchedules(ctx context.Context, principalID, roleID string, level pim.Level, since time.Time) ([]privilege.ScheduleRecord, error) {
	return list(ctx, c, func(s scanner) (privilege.ScheduleRecord, error) {
		var r privilege.ScheduleRecord
		var lvl string
		var start time.Time
		err := s.Scan(&r.ID, &r.PrincipalID, &r.RoleDefinitionID, &lvl, timeCol{&start}, nullTimeCol{&r.EndDateTime}, &r.Activated, &r.ActivatedUsing, &r.CreatedUsing, timeCol{&r.CreatedDateTime}, nullTimeCol{&r.RemovedAt})
		r.StartDateTime = &start
		r.DirectoryScopeID = "/"
		r.Kind = "active"
		if lvl == string(pim.Eligibility) {
			r.Kind = "eligible"
		}
		return r, err
	}, `SELECT id, principal_id, role_definition_id, level, start_at, end_at, activated, activated_using, created_using, created_at, removed_at
		FROM pim_schedules WHERE principal_id = ? AND role_definition_id = ? AND level = ? AND activated = FALSE
		AND removed_at IS NOT NULL AND end_at IS NOT NULL AND end_at >= ? AND end_at <= removed_at ORDER BY end_at DESC`,
		principalID, roleID, string(level), since)
}

// CreateScheduleInfo records what PIM knows about a new assignment.
func (tx *Tx) CreateScheduleInfo(ctx context.Context, s privilege.ScheduleRecord) error {
	_, err := tx.exec(ctx, `INSERT INTO pim_schedules (id, level, principal_id, role_definition_id, start_at, end_at, activated, activated_using, created_using, created_at, modified_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, string(s.Level()), s.PrincipalID, s.RoleDefinitionID, s.Start(), s.EndDateTime, s.Activated, s.ActivatedUsing, s.CreatedUsing, s.CreatedDateTime, s.CreatedDateTime)
	return err
}

// UpdateScheduleWindow changes an assignment's start and end.
func (tx *Tx) UpdateScheduleWindow(ctx context.Context, id string, start, end *time.Time, at time.Time) error {
	if err := affected(tx.exec(ctx, "UPDATE role_assignments SET start_at = ?, end_at = ? WHERE id = ?", start, end, id)); err != nil {
		return err
	}
	_, err := tx.exec(ctx, "UPDATE pim_schedules SET start_at = COALESCE(?, start_at), end_at = ?, modified_at = ? WHERE id = ?", start, end, at, id)
	return err
}

// MarkScheduleRemoved records that an assignment went.
func (tx *Tx) MarkScheduleRemoved(ctx context.Context, id string, at time.Time) error {
	_, err := tx.exec(ctx, "UPDATE pim_schedules SET removed_at = ?, modified_at = ? WHERE id = ? AND removed_at IS NULL", at, at, id)
	return err
}

// LockPrincipal locks the user or group row of a principal, so that
// concurrent requests about it run one after the other.
func (tx *Tx) LockPrincipal(ctx context.Context, id string) error {
	if tx.d.ForUpdate == "" {
		return nil // SQLite: the write transaction is exclusive
	}
	for _, table := range []string{"users", "groups"} {
		var got string
		err := tx.queryRow(ctx, "SELECT id FROM "+table+" WHERE id = ?"+tx.d.ForUpdate, id).Scan(&got)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return tx.translate(err)
		}
	}
	return nil
}

const requestCols = "id, level, action, principal_id, role_definition_id, directory_scope_id, status, justification, ticket_number, ticket_system, " +
	"start_at, expiration_type, expiration_end, expiration_duration, created_at, created_by, created_by_type, completed_at, target_schedule_id, activated_using, approval"

func scanRequest(s scanner) (pim.Request, error) {
	var r pim.Request
	var level, action, status, etype, byType string
	var dur int64
	var approval sql.NullString
	err := s.Scan(&r.ID, &level, &action, &r.PrincipalID, &r.RoleDefinitionID, &r.DirectoryScopeID, &status, &r.Justification, &r.Ticket.Number, &r.Ticket.System,
		nullTimeCol{&r.ScheduleInfo.StartDateTime}, &etype, nullTimeCol{&r.ScheduleInfo.Expiration.EndDateTime}, &dur, timeCol{&r.CreatedAt}, &r.CreatedBy, &byType,
		nullTimeCol{&r.CompletedAt}, &r.TargetScheduleID, &r.ActivatedUsing, &approval)
	if err != nil {
		return r, err
	}
	r.Level, r.Action, r.Status = pim.Level(level), pim.Action(action), pim.Status(status)
	r.CreatedByApp = byType == "app"
	r.ScheduleInfo.Expiration.Type = pim.ExpirationType(etype)
	r.ScheduleInfo.Expiration.Duration = time.Duration(dur)
	if approval.Valid {
		var a pim.Approval
		if err := json.Unmarshal([]byte(approval.String), &a); err != nil {
			return r, apperr.Wrap(err, apperr.Internal, "reading a request's approval")
		}
		r.Approval = &a
	}
	return r, nil
}

func approvalArgs(r pim.Request) (any, any) {
	if r.Approval == nil {
		return nil, nil
	}
	b, _ := json.Marshal(r.Approval)
	var deadline any
	if r.Status.Pending() && r.Approval.Deadline != nil {
		deadline = *r.Approval.Deadline
	}
	return string(b), deadline
}

// FindRequests returns requests matching f, ordered by id.
func (c *conn) FindRequests(ctx context.Context, f privilege.RequestFilter) ([]pim.Request, error) {
	var w where
	if f.ID != "" {
		w.add("id = ?", f.ID)
	}
	if f.Level != "" {
		w.add("level = ?", string(f.Level))
	}
	if len(f.PrincipalIDs) > 0 {
		w.in("principal_id", f.PrincipalIDs)
	}
	if f.RoleDefinitionID != "" {
		w.add("role_definition_id = ?", f.RoleDefinitionID)
	}
	if len(f.Statuses) > 0 {
		ss := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			ss[i] = string(s)
		}
		w.in("status", ss)
	}
	if f.After != "" {
		w.add("id > ?", f.After)
	}
	return list(ctx, c, scanRequest, "SELECT "+requestCols+" FROM pim_requests"+w.String()+" ORDER BY id"+limit(f.Limit), w.args...)
}

func createdByType(r pim.Request) string {
	switch {
	case r.CreatedByApp:
		return "app"
	case r.CreatedBy == "" || r.CreatedBy == "strongroom":
		return "system"
	}
	return "user"
}

// CreateRequest inserts a request.
func (tx *Tx) CreateRequest(ctx context.Context, r pim.Request, reason string) error {
	approval, deadline := approvalArgs(r)
	e := r.ScheduleInfo.Expiration
	_, err := tx.exec(ctx, "INSERT INTO pim_requests ("+requestCols+", approval_deadline, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.ID, string(r.Level), string(r.Action), r.PrincipalID, r.RoleDefinitionID, r.DirectoryScopeID, string(r.Status), r.Justification, r.Ticket.Number, r.Ticket.System,
		r.ScheduleInfo.StartDateTime, string(expirationType(e.Type)), e.EndDateTime, int64(e.Duration), r.CreatedAt, r.CreatedBy, createdByType(r), r.CompletedAt, r.TargetScheduleID, r.ActivatedUsing, approval,
		deadline, reason)
	return err
}

func expirationType(t pim.ExpirationType) pim.ExpirationType {
	if t == "" {
		return pim.NotSpecified
	}
	return t
}

// UpdateRequest writes the state of r if its status is still from. When
// another transaction changed it first, nothing is written and the answer
// is a Conflict: the first decision wins.
func (tx *Tx) UpdateRequest(ctx context.Context, r pim.Request, from pim.Status, reason string) error {
	approval, deadline := approvalArgs(r)
	res, err := tx.exec(ctx, `UPDATE pim_requests SET status = ?, completed_at = ?, target_schedule_id = ?, activated_using = ?, approval = ?, approval_deadline = ?, reason = ?
		WHERE id = ? AND status = ?`,
		string(r.Status), r.CompletedAt, r.TargetScheduleID, r.ActivatedUsing, approval, deadline, reason, r.ID, string(from))
	if err := affected(res, err); err != nil {
		if errors.Is(err, apperr.NotFound) {
			return apperr.Conflictf("This request is no longer %s: someone else decided it first.", from).WithCode(pim.CodeRequestNotPending)
		}
		return err
	}
	return nil
}

// FindRequestForUpdate reads a request and locks its row (PostgreSQL).
func (tx *Tx) FindRequestForUpdate(ctx context.Context, id string) (pim.Request, error) {
	return one(ctx, &tx.conn, scanRequest, "SELECT "+requestCols+" FROM pim_requests WHERE id = ?"+tx.d.ForUpdate, id)
}

// skipLocked is the clause that locks rows a job claims and skips those
// another transaction holds (PostgreSQL); SQLite's single writer needs none.
func (tx *Tx) skipLocked(of string) string {
	if tx.d.ForUpdate == "" {
		return ""
	}
	if of != "" {
		return " FOR UPDATE OF " + of + " SKIP LOCKED"
	}
	return " FOR UPDATE SKIP LOCKED"
}

// ClaimEndedSchedules locks up to limit assignments that ended by now.
func (tx *Tx) ClaimEndedSchedules(ctx context.Context, now time.Time, n int) ([]privilege.ScheduleRecord, error) {
	return list(ctx, &tx.conn, scanSchedule, "SELECT "+scheduleCols+scheduleFrom+" WHERE ra.end_at IS NOT NULL AND ra.end_at <= ? ORDER BY ra.end_at"+limit(n)+tx.skipLocked("ra"), now)
}

// ClaimExpiredRequests locks up to limit pending approval requests whose
// deadline passed by now.
func (tx *Tx) ClaimExpiredRequests(ctx context.Context, now time.Time, n int) ([]pim.Request, error) {
	return list(ctx, &tx.conn, scanRequest, "SELECT "+requestCols+" FROM pim_requests WHERE status = ? AND approval_deadline IS NOT NULL AND approval_deadline <= ? ORDER BY approval_deadline"+limit(n)+tx.skipLocked(""),
		string(pim.StatusPendingApproval), now)
}

// NextScheduleEnd returns the earliest end of an assignment still in
// role_assignments, if any (the expiry job sleeps until then).
func (c *conn) NextScheduleEnd(ctx context.Context) (*time.Time, error) {
	var t *time.Time
	err := c.queryRow(ctx, "SELECT end_at FROM role_assignments WHERE end_at IS NOT NULL ORDER BY end_at LIMIT 1").Scan(nullTimeCol{&t})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return t, c.translate(err)
}
