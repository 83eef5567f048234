package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/grant"
)

const authRequestCols = "id, client_id, created_at, expires_at, params, interactions, done, session_id, authentication, code_hash, code_expires_at, code_used_at, family_id, access_token_id, access_expires_at"

func scanAuthRequest(s scanner) (grant.Request, error) {
	var (
		r                     grant.Request
		params                string
		sessionID, auth       *string
		familyID, accessToken *string
	)
	err := s.Scan(&r.ID, &r.ClientID, timeCol{&r.CreatedAt}, timeCol{&r.ExpiresAt}, &params, &r.Interactions, &r.Done, &sessionID, &auth,
		&r.CodeHash, nullTimeCol{&r.CodeExpires}, nullTimeCol{&r.CodeUsed}, &familyID, &accessToken, nullTimeCol{&r.AccessExpiresAt})
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(params), &r.Params); err != nil {
		return r, apperr.Wrap(err, apperr.Internal, "reading an authorization request")
	}
	if auth != nil && *auth != "" {
		r.Auth = new(grant.Authentication)
		if err := json.Unmarshal([]byte(*auth), r.Auth); err != nil {
			return r, apperr.Wrap(err, apperr.Internal, "reading an authorization request")
		}
	}
	r.SessionID, r.FamilyID, r.AccessTokenID = deref(sessionID), deref(familyID), deref(accessToken)
	if len(r.CodeHash) == 0 {
		r.CodeHash = nil
	}
	return r, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain data types are encoded here
	}
	return string(b)
}

// FindAuthRequest returns an authorization request by id.
func (c *conn) FindAuthRequest(ctx context.Context, id string) (grant.Request, error) {
	return one(ctx, c, scanAuthRequest, "SELECT "+authRequestCols+" FROM oidc_auth_requests WHERE id = ?", id)
}

// FindAuthRequestByCode returns the request whose code hashes to h.
func (c *conn) FindAuthRequestByCode(ctx context.Context, h []byte) (grant.Request, error) {
	return one(ctx, c, scanAuthRequest, "SELECT "+authRequestCols+" FROM oidc_auth_requests WHERE code_hash = ?", h)
}

// CreateAuthRequest inserts a new authorization request.
func (tx *Tx) CreateAuthRequest(ctx context.Context, r grant.Request) error {
	_, err := tx.exec(ctx, "INSERT INTO oidc_auth_requests (id, client_id, created_at, expires_at, params, interactions, done) VALUES (?, ?, ?, ?, ?, ?, ?)",
		r.ID, r.ClientID, r.CreatedAt, r.ExpiresAt, mustJSON(r.Params), r.Interactions, r.Done)
	return err
}

// UpdateAuthRequest writes a request's sign-in state.
func (tx *Tx) UpdateAuthRequest(ctx context.Context, r grant.Request) error {
	var auth any
	if r.Auth != nil {
		auth = mustJSON(r.Auth)
	}
	return affected(tx.exec(ctx, "UPDATE oidc_auth_requests SET interactions = ?, done = ?, session_id = ?, authentication = ? WHERE id = ?",
		r.Interactions, r.Done, nullIfEmpty(r.SessionID), auth, r.ID))
}

// SetAuthCode records the code of a done request that has none yet.
func (tx *Tx) SetAuthCode(ctx context.Context, id string, h []byte, expires, keepUntil time.Time) error {
	return affected(tx.exec(ctx, "UPDATE oidc_auth_requests SET code_hash = ?, code_expires_at = ?, expires_at = ? WHERE id = ? AND done = ? AND code_hash IS NULL",
		h, expires, keepUntil, id, true))
}

// RedeemAuthCode marks a request's code used, once.
func (tx *Tx) RedeemAuthCode(ctx context.Context, r grant.Request) error {
	return affected(tx.exec(ctx, "UPDATE oidc_auth_requests SET code_used_at = ?, family_id = ?, access_token_id = ?, access_expires_at = ? WHERE id = ? AND code_used_at IS NULL",
		tx.now, nullIfEmpty(r.FamilyID), nullIfEmpty(r.AccessTokenID), r.AccessExpiresAt, r.ID))
}

// DeleteAuthRequest removes a request.
func (tx *Tx) DeleteAuthRequest(ctx context.Context, id string) error {
	return affected(tx.exec(ctx, "DELETE FROM oidc_auth_requests WHERE id = ?", id))
}

const refreshCols = "id, token_hash, family_id, client_id, user_id, session_id, scopes, audience, authentication, created_at, expires_at, access_token_id, access_expires_at, rotated_at, revoked_at"

func scanRefreshToken(s scanner) (grant.RefreshToken, error) {
	var (
		t                       grant.RefreshToken
		userID, sessionID       string
		scopes, audience, auth2 string
	)
	err := s.Scan(&t.ID, &t.Hash, &t.FamilyID, &t.ClientID, &userID, &sessionID, &scopes, &audience, &auth2,
		timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, &t.AccessTokenID, timeCol{&t.AccessExpiresAt}, nullTimeCol{&t.RotatedAt}, nullTimeCol{&t.RevokedAt})
	if err != nil {
		return t, err
	}
	for _, x := range []struct {
		s string
		v any
	}{{scopes, &t.Scopes}, {audience, &t.Audience}, {auth2, &t.Auth}} {
		if err := json.Unmarshal([]byte(x.s), x.v); err != nil {
			return t, apperr.Wrap(err, apperr.Internal, "reading a refresh token")
		}
	}
	return t, nil
}

// FindRefreshToken returns the refresh token whose value hashes to h.
func (c *conn) FindRefreshToken(ctx context.Context, h []byte) (grant.RefreshToken, error) {
	return one(ctx, c, scanRefreshToken, "SELECT "+refreshCols+" FROM oidc_refresh_tokens WHERE token_hash = ?", h)
}

// FindRefreshTokenByID returns a refresh token by id.
func (c *conn) FindRefreshTokenByID(ctx context.Context, id string) (grant.RefreshToken, error) {
	return one(ctx, c, scanRefreshToken, "SELECT "+refreshCols+" FROM oidc_refresh_tokens WHERE id = ?", id)
}

// CreateRefreshToken inserts a refresh token.
func (tx *Tx) CreateRefreshToken(ctx context.Context, t grant.RefreshToken) error {
	_, err := tx.exec(ctx, "INSERT INTO oidc_refresh_tokens ("+refreshCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		t.ID, t.Hash, t.FamilyID, t.ClientID, t.Auth.UserID, t.Auth.SessionID, jsonList(t.Scopes), jsonList(t.Audience), mustJSON(t.Auth),
		t.CreatedAt, t.ExpiresAt, t.AccessTokenID, t.AccessExpiresAt, t.RotatedAt, t.RevokedAt)
	return err
}

// RotateRefreshToken marks a live token rotated.
func (tx *Tx) RotateRefreshToken(ctx context.Context, id string, at time.Time) error {
	return affected(tx.exec(ctx, "UPDATE oidc_refresh_tokens SET rotated_at = ? WHERE id = ? AND rotated_at IS NULL AND revoked_at IS NULL", at, id))
}

// RevokeRefreshToken revokes one refresh token.
func (tx *Tx) RevokeRefreshToken(ctx context.Context, id string, at time.Time) error {
	_, err := tx.exec(ctx, "UPDATE oidc_refresh_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", at, id)
	return err
}

// RevokeRefreshFamily revokes every token of a family and returns the
// unexpired access tokens the family issued.
func (tx *Tx) RevokeRefreshFamily(ctx context.Context, familyID string, at time.Time) ([]grant.RevokedToken, error) {
	if _, err := tx.exec(ctx, "UPDATE oidc_refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL", at, familyID); err != nil {
		return nil, err
	}
	return list(ctx, &tx.conn, scanRevoked, "SELECT access_token_id, access_expires_at FROM oidc_refresh_tokens WHERE family_id = ? AND access_expires_at > ?", familyID, at)
}

func scanRevoked(s scanner) (grant.RevokedToken, error) {
	var r grant.RevokedToken
	err := s.Scan(&r.ID, timeCol{&r.ExpiresAt})
	return r, err
}

// SessionTokens returns the unexpired access tokens issued from a session.
func (tx *Tx) SessionTokens(ctx context.Context, sessionID string, now time.Time) ([]grant.RevokedToken, error) {
	a, err := list(ctx, &tx.conn, scanRevoked, "SELECT access_token_id, access_expires_at FROM oidc_refresh_tokens WHERE session_id = ? AND access_expires_at > ?", sessionID, now)
	if err != nil {
		return nil, err
	}
	b, err := list(ctx, &tx.conn, scanRevoked, "SELECT access_token_id, access_expires_at FROM oidc_auth_requests WHERE session_id = ? AND access_token_id IS NOT NULL AND access_expires_at > ?", sessionID, now)
	return append(a, b...), err
}

// RevokeTokens adds access tokens to the revocation list.
func (tx *Tx) RevokeTokens(ctx context.Context, ts []grant.RevokedToken) error {
	for _, t := range ts {
		if t.ID == "" {
			continue
		}
		if _, err := tx.exec(ctx, "INSERT INTO oidc_revoked_tokens (token_id, expires_at) VALUES (?, ?) ON CONFLICT (token_id) DO NOTHING", t.ID, t.ExpiresAt); err != nil {
			return err
		}
	}
	return nil
}

// IsTokenRevoked reports whether an access token id is on the revocation
// list.
func (c *conn) IsTokenRevoked(ctx context.Context, id string) (bool, error) {
	var n int
	err := c.queryRow(ctx, "SELECT COUNT(*) FROM oidc_revoked_tokens WHERE token_id = ?", id).Scan(&n)
	return n > 0, c.translate(err)
}

// DeleteExpiredGrants removes authorization requests, refresh tokens and
// revocation entries that can no longer matter.
func (tx *Tx) DeleteExpiredGrants(ctx context.Context) error {
	for _, q := range []string{
		"DELETE FROM oidc_auth_requests WHERE expires_at <= ?",
		"DELETE FROM oidc_refresh_tokens WHERE expires_at <= ?",
		"DELETE FROM oidc_revoked_tokens WHERE expires_at <= ?",
	} {
		if _, err := tx.exec(ctx, q, tx.now); err != nil {
			return err
		}
	}
	return nil
}
