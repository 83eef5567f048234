package store

import (
	"context"

	"github.com/strongroom-id/strongroom/internal/signing"
)

// FindSigningKeys returns every stored signing key.
func (c *conn) FindSigningKeys(ctx context.Context) ([]signing.Key, error) {
	return list(ctx, c, func(s scanner) (signing.Key, error) {
		var k signing.Key
		err := s.Scan(&k.ID, &k.Algorithm, &k.Sealed, timeCol{&k.CreatedAt}, timeCol{&k.NotBefore}, nullTimeCol{&k.NotAfter}, nullTimeCol{&k.ExpiresAt})
		return k, err
	}, "SELECT id, algorithm, private_key, created_at, not_before, not_after, expires_at FROM signing_keys ORDER BY not_before, id")
}

// CreateSigningKey stores a new key.
func (tx *Tx) CreateSigningKey(ctx context.Context, k signing.Key) error {
	_, err := tx.exec(ctx, "INSERT INTO signing_keys (id, algorithm, private_key, created_at, not_before, not_after, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		k.ID, k.Algorithm, k.Sealed, k.CreatedAt, k.NotBefore, k.NotAfter, k.ExpiresAt)
	return err
}

// UpdateSigningKey writes a key's retirement times.
func (tx *Tx) UpdateSigningKey(ctx context.Context, k signing.Key) error {
	return affected(tx.exec(ctx, "UPDATE signing_keys SET not_after = ?, expires_at = ? WHERE id = ?", k.NotAfter, k.ExpiresAt, k.ID))
}

// DeleteExpiredSigningKeys removes keys that left the JWKS before now.
func (tx *Tx) DeleteExpiredSigningKeys(ctx context.Context) error {
	_, err := tx.exec(ctx, "DELETE FROM signing_keys WHERE expires_at IS NOT NULL AND expires_at < ?", tx.now)
	return err
}
