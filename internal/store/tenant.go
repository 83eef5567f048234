package store

import (
	"context"
	"errors"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/tenant"
)

// FindTenant returns the tenant; NotFound before bootstrap.
func (c *conn) FindTenant(ctx context.Context) (tenant.Tenant, error) {
	return one(ctx, c, func(s scanner) (tenant.Tenant, error) {
		var t tenant.Tenant
		err := s.Scan(&t.ID, &t.KeyCheck, timeCol{&t.CreatedAt})
		return t, err
	}, "SELECT tenant_id, key_check, created_at FROM tenant WHERE id = 1")
}

// ClaimTenant inserts the tenant row and reports whether this transaction
// created it. When two processes bootstrap at once, the second waits on the
// first's row and then finds it there, so exactly one bootstraps.
func (tx *Tx) ClaimTenant(ctx context.Context, t tenant.Tenant) (bool, error) {
	r, err := tx.exec(ctx, "INSERT INTO tenant (id, tenant_id, key_check, created_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING", t.ID, t.KeyCheck, t.CreatedAt)
	if err != nil {
		return false, err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return false, apperr.Wrap(err, apperr.Internal, "database error")
	}
	return n == 1, nil
}

// IsNotFound reports whether err is a NotFound application error.
func IsNotFound(err error) bool { return errors.Is(err, apperr.NotFound) }
