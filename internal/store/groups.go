package store

import (
	"context"
	"unicode/utf8"

	"github.com/strongroom-id/strongroom/internal/directory"
)

const groupCols = "id, display_name, description, mail_nickname, security_enabled, mail_enabled, is_assignable_to_role, created_at"

func scanGroup(s scanner) (directory.Group, error) {
	var g directory.Group
	err := s.Scan(&g.ID, &g.DisplayName, &g.Description, &g.MailNickname, &g.SecurityEnabled, &g.MailEnabled, &g.IsAssignableToRole, timeCol{&g.CreatedDateTime})
	return g, err
}

// FindGroupByID returns the group with id.
func (c *conn) FindGroupByID(ctx context.Context, id string) (directory.Group, error) {
	return one(ctx, c, scanGroup, "SELECT "+groupCols+" FROM groups WHERE id = ?", id)
}

// FindGroups returns groups matching f, ordered by id.
func (c *conn) FindGroups(ctx context.Context, f directory.GroupFilter) ([]directory.Group, error) {
	var w where
	if len(f.IDs) > 0 {
		w.in("id", f.IDs)
	}
	if f.DisplayName != "" {
		w.add("display_name = ?", f.DisplayName)
	}
	if f.DisplayNamePrefix != "" {
		w.add("substr(display_name, 1, ?) = ?", utf8.RuneCountInString(f.DisplayNamePrefix), f.DisplayNamePrefix)
	}
	if f.After != "" {
		w.add("id > ?", f.After)
	}
	return list(ctx, c, scanGroup, "SELECT "+groupCols+" FROM groups"+w.String()+" ORDER BY id"+limit(f.Limit), w.args...)
}

// FindGroupMembers returns a group's direct members, ordered by id.
func (c *conn) FindGroupMembers(ctx context.Context, groupID, after string, n int) ([]directory.Member, error) {
	return list(ctx, c, func(s scanner) (directory.Member, error) {
		var m directory.Member
		err := s.Scan(&m.ID, &m.Type)
		return m, err
	}, "SELECT member_id, member_type FROM group_members WHERE group_id = ? AND member_id > ? ORDER BY member_id"+limit(n), groupID, after)
}

// FindMemberOf returns the groups id belongs to, directly or transitively.
// The recursive query follows group_members upwards; UNION (not UNION ALL)
// stops it on any cycle that might exist in old data.
func (c *conn) FindMemberOf(ctx context.Context, id string, transitive bool) ([]directory.Group, error) {
	if !transitive {
		return list(ctx, c, scanGroup, "SELECT "+prefixed("g.", groupCols)+" FROM groups g JOIN group_members m ON m.group_id = g.id WHERE m.member_id = ? ORDER BY g.id", id)
	}
	return list(ctx, c, scanGroup, `WITH RECURSIVE up(id) AS (
		SELECT group_id FROM group_members WHERE member_id = ?
		UNION
		SELECT m.group_id FROM group_members m JOIN up ON m.member_id = up.id
	) SELECT `+prefixed("g.", groupCols)+` FROM groups g JOIN up ON up.id = g.id ORDER BY g.id`, id)
}

// FindTransitiveGroupIDs returns the ids of the groups id is a member of,
// directly or through nested groups (the sign-in path needs only ids).
func (c *conn) FindTransitiveGroupIDs(ctx context.Context, id string) ([]string, error) {
	return list(ctx, c, func(r scanner) (string, error) {
		var s string
		return s, r.Scan(&s)
	}, `WITH RECURSIVE up(id) AS (
		SELECT group_id FROM group_members WHERE member_id = ?
		UNION
		SELECT m.group_id FROM group_members m JOIN up ON m.member_id = up.id
	) SELECT id FROM up`, id)
}

// CreateGroup inserts g.
func (tx *Tx) CreateGroup(ctx context.Context, g directory.Group) error {
	_, err := tx.exec(ctx, "INSERT INTO groups ("+groupCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		g.ID, g.DisplayName, g.Description, g.MailNickname, g.SecurityEnabled, g.MailEnabled, g.IsAssignableToRole, g.CreatedDateTime)
	return err
}

// UpdateGroup writes g's mutable fields.
func (tx *Tx) UpdateGroup(ctx context.Context, g directory.Group) error {
	return affected(tx.exec(ctx, "UPDATE groups SET display_name = ?, description = ?, mail_nickname = ? WHERE id = ?",
		g.DisplayName, g.Description, g.MailNickname, g.ID))
}

// DeleteGroup removes a group, its memberships both ways and its role
// assignments.
func (tx *Tx) DeleteGroup(ctx context.Context, id string) error {
	for _, q := range []string{
		"DELETE FROM group_members WHERE member_id = ?",
		"DELETE FROM group_members WHERE group_id = ?",
		"DELETE FROM role_assignments WHERE principal_id = ?",
	} {
		if _, err := tx.exec(ctx, q, id); err != nil {
			return err
		}
	}
	return affected(tx.exec(ctx, "DELETE FROM groups WHERE id = ?", id))
}

// AddGroupMember adds a direct member; an existing membership is a Conflict.
func (tx *Tx) AddGroupMember(ctx context.Context, groupID string, m directory.Member) error {
	_, err := tx.exec(ctx, "INSERT INTO group_members (group_id, member_id, member_type, created_at) VALUES (?, ?, ?, ?)", groupID, m.ID, m.Type, tx.now)
	return err
}

// RemoveGroupMember removes a direct member; NotFound if it was not one.
func (tx *Tx) RemoveGroupMember(ctx context.Context, groupID, memberID string) error {
	return affected(tx.exec(ctx, "DELETE FROM group_members WHERE group_id = ? AND member_id = ?", groupID, memberID))
}
