package store

import (
	"context"
	"encoding/json"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/passkey"
)

const passkeyCols = "id, user_id, credential_id, public_key, aaguid, sign_count, transports, user_verified, backup_eligible, backup_state, attestation_format, attestation_trusted, attestation_certificates, display_name, model, created_at, last_used_at"

// passkeyRow receives a passkey's columns (passkeyCols, in order).
type passkeyRow struct {
	c                 passkey.Credential
	count             int64
	transports, certs string
}

func (r *passkeyRow) dest() []any {
	return []any{&r.c.ID, &r.c.UserID, &r.c.CredentialID, &r.c.PublicKey, &r.c.AAGUID, &r.count, &r.transports, &r.c.UserVerified, &r.c.BackupEligible,
		&r.c.BackupState, &r.c.AttestationFormat, &r.c.AttestationTrusted, &r.certs, &r.c.DisplayName, &r.c.Model, timeCol{&r.c.CreatedAt}, nullTimeCol{&r.c.LastUsedAt}}
}

func (r *passkeyRow) credential() (passkey.Credential, error) {
	r.c.SignCount = uint32(r.count)
	if err := json.Unmarshal([]byte(r.transports), &r.c.Transports); err != nil {
		return r.c, apperr.Wrap(err, apperr.Internal, "reading a passkey")
	}
	if err := json.Unmarshal([]byte(r.certs), &r.c.AttestationCertificates); err != nil {
		return r.c, apperr.Wrap(err, apperr.Internal, "reading a passkey")
	}
	return r.c, nil
}

func scanPasskey(s scanner) (passkey.Credential, error) {
	var r passkeyRow
	if err := s.Scan(r.dest()...); err != nil {
		return r.c, err
	}
	return r.credential()
}

// FindPasskeyByID returns a passkey by Strongroom's id.
func (c *conn) FindPasskeyByID(ctx context.Context, id string) (passkey.Credential, error) {
	return one(ctx, c, scanPasskey, "SELECT "+passkeyCols+" FROM passkeys WHERE id = ?", id)
}

// FindPasskeyByCredentialID returns the passkey with the authenticator's
// credential id and its owner, in one query (a sign-in needs both).
func (c *conn) FindPasskeyByCredentialID(ctx context.Context, credentialID []byte) (passkey.Credential, directory.User, error) {
	var u directory.User
	k, err := one(ctx, c, func(s scanner) (passkey.Credential, error) {
		var r passkeyRow
		if err := s.Scan(append(r.dest(), userDest(&u)...)...); err != nil {
			return r.c, err
		}
		return r.credential()
	}, "SELECT "+prefixed("p.", passkeyCols)+", "+prefixed("u.", userCols)+" FROM passkeys p JOIN users u ON u.id = p.user_id WHERE p.credential_id = ?", credentialID)
	return k, u, err
}

// FindPasskeys returns passkeys matching f, oldest first.
func (c *conn) FindPasskeys(ctx context.Context, f passkey.Filter) ([]passkey.Credential, error) {
	var w where
	if f.UserID != "" {
		w.add("user_id = ?", f.UserID)
	}
	return list(ctx, c, scanPasskey, "SELECT "+passkeyCols+" FROM passkeys"+w.String()+" ORDER BY created_at, id", w.args...)
}

// CreatePasskey stores a new passkey; a credential id registered before
// is a Conflict.
func (tx *Tx) CreatePasskey(ctx context.Context, p passkey.Credential) error {
	_, err := tx.exec(ctx, "INSERT INTO passkeys ("+passkeyCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		p.ID, p.UserID, p.CredentialID, p.PublicKey, p.AAGUID, int64(p.SignCount), jsonList(p.Transports), p.UserVerified, p.BackupEligible,
		p.BackupState, p.AttestationFormat, p.AttestationTrusted, jsonList(p.AttestationCertificates), p.DisplayName, p.Model, p.CreatedAt, p.LastUsedAt)
	return err
}

// UpdatePasskey changes a passkey's editable fields.
func (tx *Tx) UpdatePasskey(ctx context.Context, id string, u passkey.Update) error {
	if u.DisplayName == nil {
		return nil
	}
	return affected(tx.exec(ctx, "UPDATE passkeys SET display_name = ? WHERE id = ?", *u.DisplayName, id))
}

// UpdatePasskeyUse records a sign-in with the passkey when its sign count
// is still oldCount; NotFound otherwise (another sign-in changed it, or the
// key is gone). The condition makes the counter check atomic.
func (tx *Tx) UpdatePasskeyUse(ctx context.Context, id string, oldCount uint32, u passkey.Use) error {
	return affected(tx.exec(ctx, "UPDATE passkeys SET sign_count = ?, backup_state = ?, last_used_at = ? WHERE id = ? AND sign_count = ?",
		int64(u.SignCount), u.BackupState, u.At, id, int64(oldCount)))
}

// DeletePasskey removes a passkey.
func (tx *Tx) DeletePasskey(ctx context.Context, id string) error {
	return affected(tx.exec(ctx, "DELETE FROM passkeys WHERE id = ?", id))
}

// passkeyAAGUIDs lists the AAGUIDs of a user's passkeys (for
// RegisteredModes).
// CountPasskeysByModel returns how many keys of each AAGUID the tenant
// has (for the admin pages' lists of key models).
func (c *conn) CountPasskeysByModel(ctx context.Context) (map[string]int, error) {
	type row struct {
		aaguid string
		n      int
	}
	rows, err := list(ctx, c, func(s scanner) (row, error) {
		var r row
		err := s.Scan(&r.aaguid, &r.n)
		return r, err
	}, "SELECT aaguid, COUNT(*) FROM passkeys GROUP BY aaguid")
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.aaguid] = r.n
	}
	return out, nil
}

func (c *conn) passkeyAAGUIDs(ctx context.Context, userID string) ([]string, error) {
	return list(ctx, c, func(s scanner) (string, error) {
		var a string
		err := s.Scan(&a)
		return a, err
	}, "SELECT aaguid FROM passkeys WHERE user_id = ?", userID)
}
