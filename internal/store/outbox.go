package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/notify"
)

// outboxBody is what an outbox row's body holds.
type outboxBody struct {
	Text  string          `json:"text,omitempty"`
	HTML  string          `json:"html,omitempty"`
	Event json.RawMessage `json:"event,omitempty"`
}

// EnqueueMessages writes messages to the outbox in the transaction; they
// are delivered after it commits, and never if it rolls back.
func (tx *Tx) EnqueueMessages(ctx context.Context, ms []notify.Message) error {
	for _, m := range ms {
		if m.CreatedAt.IsZero() {
			m.CreatedAt = tx.now
		}
		b, err := json.Marshal(outboxBody{Text: m.Text, HTML: m.HTML, Event: m.Event})
		if err != nil {
			return apperr.Wrap(err, apperr.Internal, "encoding a notification")
		}
		if _, err := tx.exec(ctx, "INSERT INTO outbox (id, channel, recipient, subject, body, created_at, available_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			m.ID, string(m.Channel), m.To, m.Subject, string(b), m.CreatedAt, m.CreatedAt); err != nil {
			return err
		}
	}
	return nil
}

func scanMessage(s scanner) (notify.Message, error) {
	var m notify.Message
	var ch, body string
	if err := s.Scan(&m.ID, &ch, &m.To, &m.Subject, &body, timeCol{&m.CreatedAt}, &m.Attempts); err != nil {
		return m, err
	}
	m.Channel = notify.Channel(ch)
	var b outboxBody
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		return m, apperr.Wrap(err, apperr.Internal, "reading a notification")
	}
	m.Text, m.HTML, m.Event = b.Text, b.HTML, b.Event
	return m, nil
}

// ClaimMessages leases up to n due messages until now+lease. On PostgreSQL
// concurrent claimers skip each other's rows (FOR UPDATE SKIP LOCKED); on
// SQLite the single writer serialises them.
func (db *DB) ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, n int) ([]notify.Message, error) {
	var out []notify.Message
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		out, err = list(ctx, &tx.conn, scanMessage, `UPDATE outbox SET lease_until = ?, attempts = attempts + 1
			WHERE id IN (SELECT id FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL AND available_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
				ORDER BY available_at`+limit(n)+tx.skipLocked("")+`)
			RETURNING id, channel, recipient, subject, body, created_at, attempts`, now.Add(lease), now, now)
		return err
	})
	return out, err
}

// MarkDelivered records that message id was accepted.
func (db *DB) MarkDelivered(ctx context.Context, id string, at time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, "UPDATE outbox SET delivered_at = ?, lease_until = NULL, last_error = '' WHERE id = ?", at, id)
		return err
	})
}

// Retry releases message id to be tried again from next.
func (db *DB) Retry(ctx context.Context, id string, next time.Time, lastErr string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, "UPDATE outbox SET available_at = ?, lease_until = NULL, last_error = ? WHERE id = ? AND delivered_at IS NULL", next, clipError(lastErr), id)
		return err
	})
}

// Abandon gives up on message id.
func (db *DB) Abandon(ctx context.Context, id string, at time.Time, lastErr string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, "UPDATE outbox SET failed_at = ?, lease_until = NULL, last_error = ? WHERE id = ? AND delivered_at IS NULL", at, clipError(lastErr), id)
		return err
	})
}

func clipError(s string) string {
	if len(s) > 1000 {
		return s[:1000]
	}
	return s
}

// OutboxStats counts the outbox's messages by state (for metrics and
// tests).
type OutboxStats struct {
	Pending, Delivered, Failed int
}

// FindOutboxStats counts the outbox.
func (c *conn) FindOutboxStats(ctx context.Context) (OutboxStats, error) {
	var s OutboxStats
	err := c.queryRow(ctx, `SELECT
		COALESCE(SUM(CASE WHEN delivered_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM outbox`).Scan(&s.Pending, &s.Delivered, &s.Failed)
	return s, c.translate(err)
}
