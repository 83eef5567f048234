package store

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/strongroom-id/strongroom/internal/directory"
)

const userCols = "id, upn, display_name, mail, account_enabled, user_type, created_at, tokens_valid_after"

func scanUser(s scanner) (directory.User, error) {
	var u directory.User
	err := s.Scan(userDest(&u)...)
	return u, err
}

// userDest lists where a user's columns (userCols, in order) go.
func userDest(u *directory.User) []any {
	return []any{&u.ID, &u.UserPrincipalName, &u.DisplayName, &u.Mail, &u.AccountEnabled, &u.UserType, timeCol{&u.CreatedDateTime}, timeCol{&u.TokensValidAfter}}
}

// upnKey is the case-insensitive form of a user principal name, which is
// what uniqueness and lookups use (as in Entra).
func upnKey(upn string) string { return strings.ToLower(upn) }

// FindUserByID returns the user with id.
func (c *conn) FindUserByID(ctx context.Context, id string) (directory.User, error) {
	return one(ctx, c, scanUser, "SELECT "+userCols+" FROM users WHERE id = ?", id)
}

// FindUserByUPN returns the user with a user principal name, ignoring case.
func (c *conn) FindUserByUPN(ctx context.Context, upn string) (directory.User, error) {
	return one(ctx, c, scanUser, "SELECT "+userCols+" FROM users WHERE upn_key = ?", upnKey(upn))
}

// FindUsers returns users matching f, ordered by id.
func (c *conn) FindUsers(ctx context.Context, f directory.UserFilter) ([]directory.User, error) {
	var w where
	if len(f.IDs) > 0 {
		w.in("id", f.IDs)
	}
	if f.UPN != "" {
		w.add("upn_key = ?", upnKey(f.UPN))
	}
	if f.DisplayName != "" {
		w.add("display_name = ?", f.DisplayName)
	}
	if f.DisplayNamePrefix != "" {
		w.add("substr(display_name, 1, ?) = ?", utf8.RuneCountInString(f.DisplayNamePrefix), f.DisplayNamePrefix)
	}
	if f.Mail != "" {
		w.add("mail = ?", f.Mail)
	}
	if f.After != "" {
		w.add("id > ?", f.After)
	}
	return list(ctx, c, scanUser, "SELECT "+userCols+" FROM users"+w.String()+" ORDER BY id"+limit(f.Limit), w.args...)
}

// CreateUser inserts u; a clashing user principal name is a Conflict.
func (tx *Tx) CreateUser(ctx context.Context, u directory.User) error {
	if u.TokensValidAfter.IsZero() {
		u.TokensValidAfter = u.CreatedDateTime
	}
	_, err := tx.exec(ctx, "INSERT INTO users ("+userCols+", upn_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		u.ID, u.UserPrincipalName, u.DisplayName, u.Mail, u.AccountEnabled, u.UserType, u.CreatedDateTime, u.TokensValidAfter, upnKey(u.UserPrincipalName))
	return err
}

// UpdateUser writes every field of u.
func (tx *Tx) UpdateUser(ctx context.Context, u directory.User) error {
	return affected(tx.exec(ctx, "UPDATE users SET upn = ?, upn_key = ?, display_name = ?, mail = ?, account_enabled = ?, user_type = ?, tokens_valid_after = ? WHERE id = ?",
		u.UserPrincipalName, upnKey(u.UserPrincipalName), u.DisplayName, u.Mail, u.AccountEnabled, u.UserType, u.TokensValidAfter, u.ID))
}

// DeleteUser removes a user and everything that points at them.
func (tx *Tx) DeleteUser(ctx context.Context, id string) error {
	for _, q := range []string{
		"DELETE FROM group_members WHERE member_id = ?",
		"DELETE FROM role_assignments WHERE principal_id = ?",
	} {
		if _, err := tx.exec(ctx, q, id); err != nil {
			return err
		}
	}
	return affected(tx.exec(ctx, "DELETE FROM users WHERE id = ?", id))
}
