package store

import (
	"context"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/directory"
)

const roleAssignmentCols = "id, role_definition_id, principal_id, principal_type, directory_scope_id, kind, start_at, end_at, created_at, created_by"

func scanRoleAssignment(s scanner) (directory.RoleAssignment, error) {
	var a directory.RoleAssignment
	err := s.Scan(&a.ID, &a.RoleDefinitionID, &a.PrincipalID, &a.PrincipalType, &a.DirectoryScopeID, &a.Kind,
		nullTimeCol{&a.StartDateTime}, nullTimeCol{&a.EndDateTime}, timeCol{&a.CreatedDateTime}, &a.CreatedBy)
	return a, err
}

// FindRoleAssignments returns role assignments matching f, ordered by id.
func (c *conn) FindRoleAssignments(ctx context.Context, f directory.RoleAssignmentFilter) ([]directory.RoleAssignment, error) {
	var w where
	if f.ID != "" {
		w.add("id = ?", f.ID)
	}
	if len(f.PrincipalIDs) > 0 {
		w.in("principal_id", f.PrincipalIDs)
	}
	if f.RoleDefinitionID != "" {
		w.add("role_definition_id = ?", f.RoleDefinitionID)
	}
	if f.Kind != "" {
		w.add("kind = ?", string(f.Kind))
	}
	if f.InForceAt != nil {
		w.add("(start_at IS NULL OR start_at <= ?) AND (end_at IS NULL OR end_at > ?)", *f.InForceAt, *f.InForceAt)
	}
	if f.After != "" {
		w.add("id > ?", f.After)
	}
	return list(ctx, c, scanRoleAssignment, "SELECT "+roleAssignmentCols+" FROM role_assignments"+w.String()+" ORDER BY id"+limit(f.Limit), w.args...)
}

// FindActiveRoleIDs returns the role template ids userID holds actively at
// now, directly or through a role-assignable group (one query: every
// request's authorization reads it).
func (c *conn) FindActiveRoleIDs(ctx context.Context, userID string, now time.Time) ([]string, error) {
	return list(ctx, c, func(r scanner) (string, error) {
		var s string
		return s, r.Scan(&s)
	}, `SELECT DISTINCT role_definition_id FROM role_assignments
		WHERE kind = ? AND (start_at IS NULL OR start_at <= ?) AND (end_at IS NULL OR end_at > ?)
		AND (principal_id = ? OR principal_id IN (
			SELECT m.group_id FROM group_members m JOIN groups g ON g.id = m.group_id
			WHERE m.member_id = ? AND g.is_assignable_to_role = ?))
		ORDER BY role_definition_id`, string(directory.Active), now, now, userID, userID, true)
}

// CreateRoleAssignment inserts a.
func (tx *Tx) CreateRoleAssignment(ctx context.Context, a directory.RoleAssignment) error {
	_, err := tx.exec(ctx, "INSERT INTO role_assignments ("+roleAssignmentCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		a.ID, a.RoleDefinitionID, a.PrincipalID, string(a.PrincipalType), a.DirectoryScopeID, string(a.Kind), a.StartDateTime, a.EndDateTime, a.CreatedDateTime, a.CreatedBy)
	return err
}

// DeleteRoleAssignment removes one assignment.
func (tx *Tx) DeleteRoleAssignment(ctx context.Context, id string) error {
	return affected(tx.exec(ctx, "DELETE FROM role_assignments WHERE id = ?", id))
}

// prefixed qualifies each column in a comma list with p.
func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}
