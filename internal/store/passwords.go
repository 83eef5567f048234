package store

import (
	"context"

	"github.com/strongroom-id/strongroom/internal/password"
)

func scanPassword(s scanner) (password.Credential, error) {
	var c password.Credential
	err := s.Scan(&c.UserID, &c.Hash, timeCol{&c.CreatedDateTime})
	return c, err
}

// FindPassword returns the user's password hash; NotFound when they have
// none.
func (c *conn) FindPassword(ctx context.Context, userID string) (password.Credential, error) {
	return one(ctx, c, scanPassword, "SELECT user_id, hash, created_at FROM passwords WHERE user_id = ?", userID)
}

// SetPassword stores the user's password, replacing any other.
func (tx *Tx) SetPassword(ctx context.Context, p password.Credential) error {
	_, err := tx.exec(ctx, `INSERT INTO passwords (user_id, hash, created_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at`, p.UserID, p.Hash, p.CreatedDateTime)
	return err
}

// RehashPassword replaces the hash of an unchanged password (same old
// hash) with one made with new parameters; NotFound when the password
// changed meanwhile.
func (tx *Tx) RehashPassword(ctx context.Context, userID, oldHash, newHash string) error {
	return affected(tx.exec(ctx, "UPDATE passwords SET hash = ? WHERE user_id = ? AND hash = ?", newHash, userID, oldHash))
}

// DeleteOtherSessions ends every session of the user but keep.
func (tx *Tx) DeleteOtherSessions(ctx context.Context, userID, keep string) error {
	_, err := tx.exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND id <> ?", userID, keep)
	return err
}
