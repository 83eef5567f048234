package store

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/method"
)

// FindMethodPolicy returns the authentication methods policy; a
// configuration never saved has its default.
func (c *conn) FindMethodPolicy(ctx context.Context) (method.Policy, error) {
	p := method.Default()
	rows, err := list(ctx, c, func(s scanner) ([2]string, error) {
		var r [2]string
		err := s.Scan(&r[0], &r[1])
		return r, err
	}, "SELECT id, body FROM method_configurations")
	if err != nil {
		return p, err
	}
	for _, r := range rows {
		var target any
		switch r[0] {
		case method.TemporaryAccessPassID:
			target = &p.TAP
		case method.Fido2ID:
			target = &p.Fido2
		case method.SoftwareOathID:
			target = &p.SoftwareOath
		default:
			continue
		}
		if err := json.Unmarshal([]byte(r[1]), target); err != nil {
			return p, apperr.Wrap(err, apperr.Internal, "reading the %s configuration", r[0])
		}
	}
	return p, nil
}

// SaveMethodConfiguration stores one method configuration.
func (tx *Tx) SaveMethodConfiguration(ctx context.Context, id string, cfg any) error {
	b, err := json.Marshal(cfg)
	if err != nil {
		return apperr.Wrap(err, apperr.Internal, "encoding the %s configuration", id)
	}
	_, err = tx.exec(ctx, `INSERT INTO method_configurations (id, body, modified_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET body = excluded.body, modified_at = excluded.modified_at`, id, string(b), tx.now)
	return err
}

// DeleteMethodConfiguration reverts a configuration to its default.
func (tx *Tx) DeleteMethodConfiguration(ctx context.Context, id string) error {
	_, err := tx.exec(ctx, "DELETE FROM method_configurations WHERE id = ?", id)
	return err
}

// RegisteredModes lists the methods a user has registered and could use:
// a usable Temporary Access Pass, security keys and passkeys, TOTP, a
// password. Each method's table contributes its part.
func (c *conn) RegisteredModes(ctx context.Context, userID string) ([]authn.Mode, error) {
	var out []authn.Mode
	p, err := c.FindTAPByUser(ctx, userID)
	switch {
	case err == nil:
		if p.UsedDateTime == nil {
			if p.IsUsableOnce {
				out = append(out, authn.TemporaryAccessPassOneTime)
			} else {
				out = append(out, authn.TemporaryAccessPassMultiUse)
			}
		}
	case !IsNotFound(err):
		return nil, err
	}
	// fido2: a passkey or security key whose model the FIDO2 policy's key
	// restrictions still allow, with FIDO2 enabled.
	aaguids, err := c.passkeyAAGUIDs(ctx, userID)
	if err != nil {
		return nil, err
	}
	if len(aaguids) > 0 {
		pol, err := c.FindMethodPolicy(ctx)
		if err != nil {
			return nil, err
		}
		if pol.Fido2.State == method.Enabled && slices.ContainsFunc(aaguids, pol.Fido2.KeyRestrictions.Allows) {
			out = append(out, authn.Fido2)
		}
	}
	// password and TOTP (an authenticator app, with SoftwareOath enabled)
	var n int
	if err := c.queryRow(ctx, "SELECT COUNT(*) FROM passwords WHERE user_id = ?", userID).Scan(&n); err != nil {
		return nil, c.translate(err)
	}
	if n > 0 {
		out = append(out, authn.Password)
	}
	if err := c.queryRow(ctx, "SELECT COUNT(*) FROM totp_methods WHERE user_id = ? AND confirmed = ?", userID, true).Scan(&n); err != nil {
		return nil, c.translate(err)
	}
	if n > 0 {
		pol, err := c.FindMethodPolicy(ctx)
		if err != nil {
			return nil, err
		}
		if pol.SoftwareOath.State == method.Enabled {
			out = append(out, authn.SoftwareOath)
		}
	}
	return out, nil
}
