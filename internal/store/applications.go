package store

import (
	"context"
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/authz"
)

const applicationCols = "id, app_id, display_name, created_at, description, web_redirect_uris, public_redirect_uris, logout_url, built_in"

func scanApplication(s scanner) (application.Application, error) {
	var a application.Application
	var web, public string
	err := s.Scan(&a.ID, &a.AppID, &a.DisplayName, timeCol{&a.CreatedDateTime}, &a.Description, &web, &public, &a.LogoutURL, &a.BuiltIn)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(web), &a.WebRedirectURIs); err != nil {
		return a, apperr.Wrap(err, apperr.Internal, "reading an application")
	}
	if err := json.Unmarshal([]byte(public), &a.PublicClientRedirectURIs); err != nil {
		return a, apperr.Wrap(err, apperr.Internal, "reading an application")
	}
	if len(a.WebRedirectURIs) == 0 {
		a.WebRedirectURIs = nil
	}
	if len(a.PublicClientRedirectURIs) == 0 {
		a.PublicClientRedirectURIs = nil
	}
	return a, nil
}

func jsonList(ss []string) string {
	if ss == nil {
		ss = []string{}
	}
	b, _ := json.Marshal(ss)
	return string(b)
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

// FindApplications returns applications matching f, ordered by id, with
// their passwords and permissions.
func (c *conn) FindApplications(ctx context.Context, f application.Filter) ([]application.Application, error) {
	var w where
	if len(f.IDs) > 0 {
		w.in("id", f.IDs)
	}
	if f.AppID != "" {
		w.add("app_id = ?", f.AppID)
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
	as, err := list(ctx, c, scanApplication, "SELECT "+applicationCols+" FROM applications"+w.String()+" ORDER BY id"+limit(f.Limit), w.args...)
	if err != nil {
		return nil, err
	}
	for i := range as {
		if as[i], err = c.loadApplication(ctx, as[i]); err != nil {
			return nil, err
		}
	}
	return as, nil
}

// loadApplication reads an application's passwords and permissions, in
// one query (the client-credentials grant reads them on every request).
func (c *conn) loadApplication(ctx context.Context, a application.Application) (application.Application, error) {
	type row struct {
		kind string
		p    application.Password
	}
	rows, err := list(ctx, c, func(s scanner) (row, error) {
		var (
			r          row
			start, end *time.Time
		)
		err := s.Scan(&r.kind, &r.p.KeyID, &r.p.DisplayName, &r.p.Hint, &r.p.Hash, nullTimeCol{&start}, nullTimeCol{&end})
		if start != nil && end != nil {
			r.p.StartDateTime, r.p.EndDateTime = *start, *end
		}
		return r, err
	}, `SELECT 'p', key_id, display_name, hint, secret_hash, start_at, end_at FROM application_passwords WHERE application_id = ?
		UNION ALL SELECT 'r', permission, '', '', NULL, NULL, NULL FROM application_permissions WHERE application_id = ?
		ORDER BY 1, 6, 2`, a.ID, a.ID)
	if err != nil {
		return a, err
	}
	a.Passwords, a.Permissions = nil, nil
	for _, r := range rows {
		if r.kind == "p" {
			a.Passwords = append(a.Passwords, r.p)
		} else {
			a.Permissions = append(a.Permissions, authz.Permission(r.p.KeyID))
		}
	}
	return a, nil
}

// CreateApplication inserts an application and its permissions.
func (tx *Tx) CreateApplication(ctx context.Context, a application.Application) error {
	if _, err := tx.exec(ctx, "INSERT INTO applications ("+applicationCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		a.ID, a.AppID, a.DisplayName, a.CreatedDateTime, a.Description, jsonList(a.WebRedirectURIs), jsonList(a.PublicClientRedirectURIs), a.LogoutURL, a.BuiltIn); err != nil {
		return err
	}
	return tx.insertPermissions(ctx, a)
}

func (tx *Tx) insertPermissions(ctx context.Context, a application.Application) error {
	for _, p := range a.Permissions {
		if _, err := tx.exec(ctx, "INSERT INTO application_permissions (application_id, permission) VALUES (?, ?)", a.ID, string(p)); err != nil {
			return err
		}
	}
	return nil
}

// UpdateApplication writes a's changeable properties and replaces its
// permissions.
func (tx *Tx) UpdateApplication(ctx context.Context, a application.Application) error {
	if err := affected(tx.exec(ctx, "UPDATE applications SET display_name = ?, description = ?, web_redirect_uris = ?, public_redirect_uris = ?, logout_url = ? WHERE id = ?",
		a.DisplayName, a.Description, jsonList(a.WebRedirectURIs), jsonList(a.PublicClientRedirectURIs), a.LogoutURL, a.ID)); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, "DELETE FROM application_permissions WHERE application_id = ?", a.ID); err != nil {
		return err
	}
	return tx.insertPermissions(ctx, a)
}

// DeleteApplication removes an application with its passwords and
// permissions, and the refresh tokens issued to it.
func (tx *Tx) DeleteApplication(ctx context.Context, id string) error {
	var appID string
	if err := tx.queryRow(ctx, "SELECT app_id FROM applications WHERE id = ?", id).Scan(&appID); err != nil {
		return tx.translate(err)
	}
	if _, err := tx.exec(ctx, "DELETE FROM oidc_refresh_tokens WHERE client_id = ?", appID); err != nil {
		return err
	}
	return affected(tx.exec(ctx, "DELETE FROM applications WHERE id = ?", id))
}

// AddApplicationPassword stores a client secret's hash.
func (tx *Tx) AddApplicationPassword(ctx context.Context, applicationID string, p application.Password) error {
	_, err := tx.exec(ctx, "INSERT INTO application_passwords (key_id, application_id, display_name, hint, secret_hash, start_at, end_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		p.KeyID, applicationID, p.DisplayName, p.Hint, p.Hash, p.StartDateTime, p.EndDateTime)
	return err
}

// RemoveApplicationPassword deletes one client secret.
func (tx *Tx) RemoveApplicationPassword(ctx context.Context, applicationID, keyID string) error {
	return affected(tx.exec(ctx, "DELETE FROM application_passwords WHERE application_id = ? AND key_id = ?", applicationID, keyID))
}
