package store

import (
	"context"

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
