package store

import (
	"context"
	"time"

	"github.com/strongroom-id/strongroom/internal/tap"
)

const tapCols = "id, user_id, pass_hash, created_at, start_at, lifetime_minutes, usable_once, used_at"

func scanTAP(s scanner) (tap.Pass, error) {
	var p tap.Pass
	err := s.Scan(&p.ID, &p.UserID, &p.Hash, timeCol{&p.CreatedDateTime}, timeCol{&p.StartDateTime}, &p.LifetimeInMinutes, &p.IsUsableOnce, nullTimeCol{&p.UsedDateTime})
	return p, err
}

// FindTAPByUser returns the user's pass; NotFound when there is none.
func (c *conn) FindTAPByUser(ctx context.Context, userID string) (tap.Pass, error) {
	return one(ctx, c, scanTAP, "SELECT "+tapCols+" FROM temporary_access_passes WHERE user_id = ?", userID)
}

// ReplaceTAP stores p as the user's only pass.
func (tx *Tx) ReplaceTAP(ctx context.Context, p tap.Pass) error {
	if _, err := tx.exec(ctx, "DELETE FROM temporary_access_passes WHERE user_id = ?", p.UserID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, "INSERT INTO temporary_access_passes ("+tapCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		p.ID, p.UserID, p.Hash, p.CreatedDateTime, p.StartDateTime, p.LifetimeInMinutes, p.IsUsableOnce, p.UsedDateTime)
	return err
}

// MarkTAPUsed records the first use of a one-time pass. The condition on
// used_at makes it atomic: of concurrent attempts exactly one updates the
// row; the others see NotFound.
func (tx *Tx) MarkTAPUsed(ctx context.Context, id string, at time.Time) error {
	return affected(tx.exec(ctx, "UPDATE temporary_access_passes SET used_at = ? WHERE id = ? AND used_at IS NULL", at, id))
}

// DeleteTAP removes a user's pass.
func (tx *Tx) DeleteTAP(ctx context.Context, userID string) error {
	return affected(tx.exec(ctx, "DELETE FROM temporary_access_passes WHERE user_id = ?", userID))
}
