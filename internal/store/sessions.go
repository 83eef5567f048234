package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/session"
	"github.com/strongroom-id/strongroom/internal/signin"
)

const sessionCols = "id, user_id, token_hash, created_at, expires_at, proofs, contexts, complete, persistent, client_ip, user_agent"

func scanSession(s scanner) (session.Session, error) {
	var x session.Session
	var proofs, contexts string
	err := s.Scan(&x.ID, &x.UserID, &x.TokenHash, timeCol{&x.CreatedAt}, timeCol{&x.ExpiresAt}, &proofs, &contexts, &x.Complete, &x.Persistent, &x.ClientIP, &x.UserAgent)
	if err != nil {
		return x, err
	}
	if err := json.Unmarshal([]byte(proofs), &x.Proofs); err != nil {
		return x, apperr.Wrap(err, apperr.Internal, "reading a session")
	}
	if err := json.Unmarshal([]byte(contexts), &x.Contexts); err != nil {
		return x, apperr.Wrap(err, apperr.Internal, "reading a session")
	}
	return x, nil
}

func sessionJSON(s session.Session) (string, string) {
	if s.Proofs == nil {
		s.Proofs = []authn.Proof{}
	}
	if s.Contexts == nil {
		s.Contexts = []session.Context{}
	}
	p, _ := json.Marshal(s.Proofs)
	c, _ := json.Marshal(s.Contexts)
	return string(p), string(c)
}

// FindSessionByTokenHash returns the session whose token hashes to h.
func (c *conn) FindSessionByTokenHash(ctx context.Context, h []byte) (session.Session, error) {
	return one(ctx, c, scanSession, "SELECT "+sessionCols+" FROM sessions WHERE token_hash = ?", h)
}

// FindSessionByID returns a session by id.
func (c *conn) FindSessionByID(ctx context.Context, id string) (session.Session, error) {
	return one(ctx, c, scanSession, "SELECT "+sessionCols+" FROM sessions WHERE id = ?", id)
}

// FindSessionsByUser returns a user's sessions, newest first.
func (c *conn) FindSessionsByUser(ctx context.Context, userID string) ([]session.Session, error) {
	return list(ctx, c, scanSession, "SELECT "+sessionCols+" FROM sessions WHERE user_id = ? ORDER BY created_at DESC", userID)
}

// CreateSession inserts s.
func (tx *Tx) CreateSession(ctx context.Context, s session.Session) error {
	p, cx := sessionJSON(s)
	_, err := tx.exec(ctx, "INSERT INTO sessions ("+sessionCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		s.ID, s.UserID, s.TokenHash, s.CreatedAt, s.ExpiresAt, p, cx, s.Complete, s.Persistent, s.ClientIP, s.UserAgent)
	return err
}

// UpdateSession writes s's mutable state.
func (tx *Tx) UpdateSession(ctx context.Context, s session.Session) error {
	p, cx := sessionJSON(s)
	return affected(tx.exec(ctx, "UPDATE sessions SET token_hash = ?, expires_at = ?, proofs = ?, contexts = ?, complete = ?, persistent = ? WHERE id = ?",
		s.TokenHash, s.ExpiresAt, p, cx, s.Complete, s.Persistent, s.ID))
}

// DeleteSession removes one session.
func (tx *Tx) DeleteSession(ctx context.Context, id string) error {
	return affected(tx.exec(ctx, "DELETE FROM sessions WHERE id = ?", id))
}

// DeleteUserSessions removes all of a user's sessions.
func (tx *Tx) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := tx.exec(ctx, "DELETE FROM sessions WHERE user_id = ?", userID)
	return err
}

// DeleteExpired removes sessions, throttles and used challenges that can
// no longer matter at now.
func (tx *Tx) DeleteExpired(ctx context.Context) error {
	for _, q := range []string{
		"DELETE FROM sessions WHERE expires_at <= ?",
		"DELETE FROM used_challenges WHERE expires_at <= ?",
	} {
		if _, err := tx.exec(ctx, q, tx.now); err != nil {
			return err
		}
	}
	_, err := tx.exec(ctx, "DELETE FROM signin_throttle WHERE window_start <= ? AND (locked_until IS NULL OR locked_until <= ?)", tx.now.Add(-24*time.Hour), tx.now)
	return err
}

// AddSignIn appends a sign-in record.
func (tx *Tx) AddSignIn(ctx context.Context, r signin.Record) error {
	body, err := json.Marshal(r)
	if err != nil {
		return apperr.Wrap(err, apperr.Internal, "encoding a sign-in record")
	}
	_, err = tx.exec(ctx, "INSERT INTO sign_ins (id, created_at, user_id, user_principal_name, app_id, status, correlation_id, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		r.ID, r.CreatedDateTime, r.UserID, r.UserPrincipalName, r.AppID, r.Outcome(), r.CorrelationID, string(body))
	return err
}

// SignInFilter selects sign-in records, newest first; Before is the
// creation time and id of the last record of the previous page.
type SignInFilter struct {
	ID            string
	From, To      *time.Time
	UserID        string
	UPN           string
	AppID         string
	Status        string
	ExcludeStatus string // every outcome but this one
	CorrelationID string
	BeforeTime    *time.Time
	BeforeID      string
	Limit         int
}

// FindSignIns returns sign-in records matching f as stored JSON, newest
// first.
func (c *conn) FindSignIns(ctx context.Context, f SignInFilter) ([]signin.Record, error) {
	var w where
	if f.ID != "" {
		w.add("id = ?", f.ID)
	}
	if f.From != nil {
		w.add("created_at >= ?", *f.From)
	}
	if f.To != nil {
		w.add("created_at <= ?", *f.To)
	}
	if f.UserID != "" {
		w.add("user_id = ?", f.UserID)
	}
	if f.UPN != "" {
		w.add("user_principal_name = ?", f.UPN)
	}
	if f.AppID != "" {
		w.add("app_id = ?", f.AppID)
	}
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	if f.ExcludeStatus != "" {
		w.add("status <> ?", f.ExcludeStatus)
	}
	if f.CorrelationID != "" {
		w.add("correlation_id = ?", f.CorrelationID)
	}
	if f.BeforeTime != nil {
		w.add("(created_at < ? OR (created_at = ? AND id < ?))", *f.BeforeTime, *f.BeforeTime, f.BeforeID)
	}
	return list(ctx, c, func(s scanner) (signin.Record, error) {
		var body string
		var r signin.Record
		if err := s.Scan(&body); err != nil {
			return r, err
		}
		err := json.Unmarshal([]byte(body), &r)
		return r, err
	}, "SELECT body FROM sign_ins"+w.String()+" ORDER BY created_at DESC, id DESC"+limit(f.Limit), w.args...)
}

// FindThrottle returns the failure count of key (zero when none).
func (c *conn) FindThrottle(ctx context.Context, key string) (signin.Throttle, error) {
	t, err := one(ctx, c, func(s scanner) (signin.Throttle, error) {
		var t signin.Throttle
		err := s.Scan(&t.Key, &t.Failures, timeCol{&t.WindowStart}, nullTimeCol{&t.LockedUntil})
		return t, err
	}, "SELECT key, failures, window_start, locked_until FROM signin_throttle WHERE key = ?", key)
	if IsNotFound(err) {
		return signin.Throttle{Key: key}, nil
	}
	return t, err
}

// AddFailure atomically counts one failure for key at the transaction's
// time (restarting the count when the window has passed), locks the key as
// p says, and returns the new state.
func (tx *Tx) AddFailure(ctx context.Context, key string, p signin.ThrottlePolicy) (signin.Throttle, error) {
	windowStart := tx.now.Add(-p.Window)
	var t signin.Throttle
	err := tx.queryRow(ctx, `INSERT INTO signin_throttle (key, failures, window_start) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN signin_throttle.window_start < ? THEN 1 ELSE signin_throttle.failures + 1 END,
			window_start = CASE WHEN signin_throttle.window_start < ? THEN excluded.window_start ELSE signin_throttle.window_start END
		RETURNING key, failures, window_start`, key, tx.now, windowStart, windowStart).Scan(&t.Key, &t.Failures, timeCol{&t.WindowStart})
	if err != nil {
		return t, tx.translate(err)
	}
	if d := p.LockFor(t.Failures); d > 0 {
		until := tx.now.Add(d)
		t.LockedUntil = &until
		if _, err := tx.exec(ctx, "UPDATE signin_throttle SET locked_until = ? WHERE key = ?", until, key); err != nil {
			return t, err
		}
	}
	return t, nil
}

// ClearThrottle forgets key's failures (after a success).
func (tx *Tx) ClearThrottle(ctx context.Context, key string) error {
	_, err := tx.exec(ctx, "DELETE FROM signin_throttle WHERE key = ?", key)
	return err
}

// ConsumeChallenge records a WebAuthn challenge as used; a second use of
// the same challenge is a Conflict. The key is the challenge's expiry (big
// endian) followed by its hash: the same challenge always comes with the
// same expiry (both are sealed together), and keys that grow with time
// append to the index, so concurrent sign-ins that share a commit share
// its pages instead of each dirtying a random one.
func (tx *Tx) ConsumeChallenge(ctx context.Context, hash []byte, expires time.Time) error {
	key := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(hash)), uint64(expires.UnixMicro()))
	_, err := tx.exec(ctx, "INSERT INTO used_challenges (challenge_hash, expires_at) VALUES (?, ?)", append(key, hash...), expires)
	return err
}
