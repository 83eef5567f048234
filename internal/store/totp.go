package store

import (
	"context"

	"github.com/strongroom-id/strongroom/internal/totp"
)

const totpCols = "id, user_id, secret, display_name, confirmed, last_used_step, created_at"

func scanTOTP(s scanner) (totp.Method, error) {
	var m totp.Method
	err := s.Scan(&m.ID, &m.UserID, &m.Secret, &m.DisplayName, &m.Confirmed, &m.LastUsedStep, timeCol{&m.CreatedDateTime})
	return m, err
}

// FindTOTPMethods returns a user's authenticator apps, pending ones too,
// oldest first.
func (c *conn) FindTOTPMethods(ctx context.Context, userID string) ([]totp.Method, error) {
	return list(ctx, c, scanTOTP, "SELECT "+totpCols+" FROM totp_methods WHERE user_id = ? ORDER BY created_at, id", userID)
}

// CreateTOTPMethod inserts m.
func (tx *Tx) CreateTOTPMethod(ctx context.Context, m totp.Method) error {
	_, err := tx.exec(ctx, "INSERT INTO totp_methods ("+totpCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
		m.ID, m.UserID, m.Secret, m.DisplayName, m.Confirmed, m.LastUsedStep, m.CreatedDateTime)
	return err
}

// ConfirmTOTPMethod makes a pending method usable, remembering the time
// step of the code that confirmed it; NotFound when it is not pending.
func (tx *Tx) ConfirmTOTPMethod(ctx context.Context, id, displayName string, step int64) error {
	return affected(tx.exec(ctx, "UPDATE totp_methods SET confirmed = ?, display_name = ?, last_used_step = ? WHERE id = ? AND confirmed = ?",
		true, displayName, step, id, false))
}

// UseTOTPStep records that a code for time step step was accepted. The
// condition makes it atomic: a code for that step or an earlier one is
// refused (NotFound), even when two requests race.
func (tx *Tx) UseTOTPStep(ctx context.Context, id string, step int64) error {
	return affected(tx.exec(ctx, "UPDATE totp_methods SET last_used_step = ? WHERE id = ? AND confirmed = ? AND last_used_step < ?", step, id, true, step))
}

// DeleteTOTPMethod removes a method.
func (tx *Tx) DeleteTOTPMethod(ctx context.Context, id string) error {
	return affected(tx.exec(ctx, "DELETE FROM totp_methods WHERE id = ?", id))
}

// DeletePendingTOTPMethods removes a user's unconfirmed registrations.
func (tx *Tx) DeletePendingTOTPMethods(ctx context.Context, userID string) error {
	_, err := tx.exec(ctx, "DELETE FROM totp_methods WHERE user_id = ? AND confirmed = ?", userID, false)
	return err
}
