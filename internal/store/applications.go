package store

import (
	"context"

	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/authz"
)

const applicationCols = "id, app_id, display_name, created_at"

func scanApplication(s scanner) (application.Application, error) {
	var a application.Application
	err := s.Scan(&a.ID, &a.AppID, &a.DisplayName, timeCol{&a.CreatedDateTime})
	return a, err
}

// FindApplicationByID returns an application with its passwords and
// permissions.
func (c *conn) FindApplicationByID(ctx context.Context, id string) (application.Application, error) {
	a, err := one(ctx, c, scanApplication, "SELECT "+applicationCols+" FROM applications WHERE id = ?", id)
	if err != nil {
		return a, err
	}
	return c.loadApplication(ctx, a)
}

// FindApplicationByAppID returns an application by its client id.
func (c *conn) FindApplicationByAppID(ctx context.Context, appID string) (application.Application, error) {
	a, err := one(ctx, c, scanApplication, "SELECT "+applicationCols+" FROM applications WHERE app_id = ?", appID)
	if err != nil {
		return a, err
	}
	return c.loadApplication(ctx, a)
}

func (c *conn) loadApplication(ctx context.Context, a application.Application) (application.Application, error) {
	var err error
	a.Passwords, err = list(ctx, c, func(s scanner) (application.Password, error) {
		var p application.Password
		err := s.Scan(&p.KeyID, &p.DisplayName, &p.Hint, &p.Hash, timeCol{&p.StartDateTime}, timeCol{&p.EndDateTime})
		return p, err
	}, "SELECT key_id, display_name, hint, secret_hash, start_at, end_at FROM application_passwords WHERE application_id = ? ORDER BY start_at, key_id", a.ID)
	if err != nil {
		return a, err
	}
	a.Permissions, err = list(ctx, c, func(s scanner) (authz.Permission, error) {
		var p authz.Permission
		err := s.Scan(&p)
		return p, err
	}, "SELECT permission FROM application_permissions WHERE application_id = ? ORDER BY permission", a.ID)
	return a, err
}

// CreateApplication inserts an application and its permissions.
func (tx *Tx) CreateApplication(ctx context.Context, a application.Application) error {
	if _, err := tx.exec(ctx, "INSERT INTO applications ("+applicationCols+") VALUES (?, ?, ?, ?)", a.ID, a.AppID, a.DisplayName, a.CreatedDateTime); err != nil {
		return err
	}
	for _, p := range a.Permissions {
		if _, err := tx.exec(ctx, "INSERT INTO application_permissions (application_id, permission) VALUES (?, ?)", a.ID, string(p)); err != nil {
			return err
		}
	}
	return nil
}

// AddApplicationPassword stores a client secret's hash.
func (tx *Tx) AddApplicationPassword(ctx context.Context, applicationID string, p application.Password) error {
	_, err := tx.exec(ctx, "INSERT INTO application_passwords (key_id, application_id, display_name, hint, secret_hash, start_at, end_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		p.KeyID, applicationID, p.DisplayName, p.Hint, p.Hash, p.StartDateTime, p.EndDateTime)
	return err
}
