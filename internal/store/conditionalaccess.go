package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/cagraph"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// Conditional Access objects are stored as their Graph JSON documents
// (package cagraph), with the columns queries and constraints need. The
// created and modified times come from the columns, which keep
// microseconds; the documents keep Graph's whole seconds.

// FindCAVersion returns the Conditional Access version: it moves with
// every change to a policy, strength, named location or context.
func (c *conn) FindCAVersion(ctx context.Context) (int64, error) {
	var v int64
	err := c.queryRow(ctx, "SELECT version FROM ca_version WHERE id = 1").Scan(&v)
	return v, c.translate(err)
}

// BumpCAVersion increments the version and holds its row until the
// transaction ends, which serialises Conditional Access writes.
func (tx *Tx) BumpCAVersion(ctx context.Context) (int64, error) {
	var v int64
	err := tx.queryRow(ctx, "UPDATE ca_version SET version = version + 1 WHERE id = 1 RETURNING version").Scan(&v)
	return v, tx.translate(err)
}

func scanPolicy(s scanner) (policy.Policy, error) {
	var body string
	var created, modified time.Time
	if err := s.Scan(&body, timeCol{&created}, timeCol{&modified}); err != nil {
		return policy.Policy{}, err
	}
	p, _, err := cagraph.DecodePolicy([]byte(body), cagraph.Lenient)
	if err != nil {
		return p, apperr.Wrap(err, apperr.Internal, "reading a stored conditional access policy")
	}
	p.CreatedDateTime, p.ModifiedDateTime = created, modified
	return p, nil
}

const policyCols = "SELECT body, created_at, modified_at FROM ca_policies"

// FindCAPolicies returns every policy, oldest first.
func (c *conn) FindCAPolicies(ctx context.Context) ([]policy.Policy, error) {
	return list(ctx, c, scanPolicy, policyCols+" ORDER BY created_at, id")
}

// FindCAPolicyByID returns one policy.
func (c *conn) FindCAPolicyByID(ctx context.Context, id string) (policy.Policy, error) {
	return one(ctx, c, scanPolicy, policyCols+" WHERE id = ?", strings.ToLower(id))
}

// CreateCAPolicy inserts a policy.
func (tx *Tx) CreateCAPolicy(ctx context.Context, p policy.Policy) error {
	b, err := cagraph.MarshalPolicyDocument(p)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, "INSERT INTO ca_policies (id, display_name, state, created_at, modified_at, body) VALUES (?, ?, ?, ?, ?, ?)",
		p.ID, p.DisplayName, p.State, p.CreatedDateTime, modifiedOr(p.ModifiedDateTime, p.CreatedDateTime), string(b))
	return err
}

// UpdateCAPolicy replaces a policy.
func (tx *Tx) UpdateCAPolicy(ctx context.Context, p policy.Policy) error {
	b, err := cagraph.MarshalPolicyDocument(p)
	if err != nil {
		return err
	}
	return tx.execOne(ctx, "UPDATE ca_policies SET display_name = ?, state = ?, modified_at = ?, body = ? WHERE id = ?",
		p.DisplayName, p.State, modifiedOr(p.ModifiedDateTime, p.CreatedDateTime), string(b), p.ID)
}

// DeleteCAPolicy deletes a policy.
func (tx *Tx) DeleteCAPolicy(ctx context.Context, id string) error {
	return tx.execOne(ctx, "DELETE FROM ca_policies WHERE id = ?", strings.ToLower(id))
}

func modifiedOr(m, c time.Time) time.Time {
	if m.IsZero() {
		return c
	}
	return m
}

// execOne runs a statement that must change exactly one row; none is
// apperr.NotFound.
func (tx *Tx) execOne(ctx context.Context, q string, args ...any) error {
	res, err := tx.exec(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return apperr.NotFoundf("not found")
	}
	return nil
}

func scanStrength(s scanner) (authn.Strength, error) {
	var body string
	var created, modified time.Time
	if err := s.Scan(&body, timeCol{&created}, timeCol{&modified}); err != nil {
		return authn.Strength{}, err
	}
	st, _, err := cagraph.DecodeStrength([]byte(body), cagraph.Lenient)
	if err != nil {
		return st, apperr.Wrap(err, apperr.Internal, "reading a stored authentication strength")
	}
	st.CreatedDateTime, st.ModifiedDateTime = created, modified
	return st, nil
}

const strengthCols = "SELECT body, created_at, modified_at FROM authentication_strengths"

// FindAuthStrengths returns the custom authentication strengths, oldest
// first.
func (c *conn) FindAuthStrengths(ctx context.Context) ([]authn.Strength, error) {
	return list(ctx, c, scanStrength, strengthCols+" ORDER BY created_at, id")
}

// FindAuthStrengthByID returns one custom strength.
func (c *conn) FindAuthStrengthByID(ctx context.Context, id string) (authn.Strength, error) {
	return one(ctx, c, scanStrength, strengthCols+" WHERE id = ?", strings.ToLower(id))
}

// CreateAuthStrength inserts a custom strength.
func (tx *Tx) CreateAuthStrength(ctx context.Context, s authn.Strength) error {
	b, err := cagraph.MarshalStrength(s)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, "INSERT INTO authentication_strengths (id, display_name, created_at, modified_at, body) VALUES (?, ?, ?, ?, ?)",
		s.ID, s.DisplayName, s.CreatedDateTime, modifiedOr(s.ModifiedDateTime, s.CreatedDateTime), string(b))
	return err
}

// UpdateAuthStrength replaces a custom strength.
func (tx *Tx) UpdateAuthStrength(ctx context.Context, s authn.Strength) error {
	b, err := cagraph.MarshalStrength(s)
	if err != nil {
		return err
	}
	return tx.execOne(ctx, "UPDATE authentication_strengths SET display_name = ?, modified_at = ?, body = ? WHERE id = ?",
		s.DisplayName, modifiedOr(s.ModifiedDateTime, s.CreatedDateTime), string(b), s.ID)
}

// DeleteAuthStrength deletes a custom strength.
func (tx *Tx) DeleteAuthStrength(ctx context.Context, id string) error {
	return tx.execOne(ctx, "DELETE FROM authentication_strengths WHERE id = ?", strings.ToLower(id))
}

func scanLocation(s scanner) (policy.NamedLocation, error) {
	var body string
	var created, modified time.Time
	if err := s.Scan(&body, timeCol{&created}, timeCol{&modified}); err != nil {
		return policy.NamedLocation{}, err
	}
	l, _, err := cagraph.DecodeNamedLocation([]byte(body), cagraph.Lenient)
	if err != nil {
		return l, apperr.Wrap(err, apperr.Internal, "reading a stored named location")
	}
	l.CreatedDateTime, l.ModifiedDateTime = created, modified
	return l, nil
}

const locationCols = "SELECT body, created_at, modified_at FROM named_locations"

// FindNamedLocations returns every named location, oldest first.
func (c *conn) FindNamedLocations(ctx context.Context) ([]policy.NamedLocation, error) {
	return list(ctx, c, scanLocation, locationCols+" ORDER BY created_at, id")
}

// FindNamedLocationByID returns one named location.
func (c *conn) FindNamedLocationByID(ctx context.Context, id string) (policy.NamedLocation, error) {
	return one(ctx, c, scanLocation, locationCols+" WHERE id = ?", strings.ToLower(id))
}

func locationKind(l policy.NamedLocation) string {
	if l.IsCountry() {
		return "country"
	}
	return "ip"
}

// CreateNamedLocation inserts a named location.
func (tx *Tx) CreateNamedLocation(ctx context.Context, l policy.NamedLocation) error {
	b, err := cagraph.MarshalNamedLocation(l)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, "INSERT INTO named_locations (id, kind, display_name, is_trusted, created_at, modified_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
		l.ID, locationKind(l), l.DisplayName, l.IsTrusted, l.CreatedDateTime, modifiedOr(l.ModifiedDateTime, l.CreatedDateTime), string(b))
	return err
}

// UpdateNamedLocation replaces a named location.
func (tx *Tx) UpdateNamedLocation(ctx context.Context, l policy.NamedLocation) error {
	b, err := cagraph.MarshalNamedLocation(l)
	if err != nil {
		return err
	}
	return tx.execOne(ctx, "UPDATE named_locations SET display_name = ?, is_trusted = ?, modified_at = ?, body = ? WHERE id = ?",
		l.DisplayName, l.IsTrusted, modifiedOr(l.ModifiedDateTime, l.CreatedDateTime), string(b), l.ID)
}

// DeleteNamedLocation deletes a named location.
func (tx *Tx) DeleteNamedLocation(ctx context.Context, id string) error {
	return tx.execOne(ctx, "DELETE FROM named_locations WHERE id = ?", strings.ToLower(id))
}

func scanContext(s scanner) (policy.AuthenticationContext, error) {
	var body string
	if err := s.Scan(&body); err != nil {
		return policy.AuthenticationContext{}, err
	}
	c, _, _, err := cagraph.DecodeContext([]byte(body), cagraph.Lenient)
	if err != nil {
		return c, apperr.Wrap(err, apperr.Internal, "reading a stored authentication context")
	}
	return c, nil
}

// FindAuthContexts returns the authentication contexts in id order (c1,
// c2, …, c10, …).
func (c *conn) FindAuthContexts(ctx context.Context) ([]policy.AuthenticationContext, error) {
	return list(ctx, c, scanContext, "SELECT body FROM authentication_contexts ORDER BY length(id), id")
}

// FindAuthContextByID returns one authentication context.
func (c *conn) FindAuthContextByID(ctx context.Context, id string) (policy.AuthenticationContext, error) {
	return one(ctx, c, scanContext, "SELECT body FROM authentication_contexts WHERE id = ?", strings.ToLower(id))
}

// SaveAuthContext creates or replaces an authentication context.
func (tx *Tx) SaveAuthContext(ctx context.Context, ac policy.AuthenticationContext) error {
	b, err := json.Marshal(cagraph.EncodeContext(ac))
	if err != nil {
		return apperr.Wrap(err, apperr.Internal, "encoding an authentication context")
	}
	_, err = tx.exec(ctx, `INSERT INTO authentication_contexts (id, display_name, is_available, body) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, is_available = excluded.is_available, body = excluded.body`,
		ac.ID, ac.DisplayName, ac.IsAvailable, string(b))
	return err
}

// DeleteAuthContext deletes an authentication context.
func (tx *Tx) DeleteAuthContext(ctx context.Context, id string) error {
	return tx.execOne(ctx, "DELETE FROM authentication_contexts WHERE id = ?", strings.ToLower(id))
}
