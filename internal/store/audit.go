package store

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
)

// appendAudit appends the transaction's queued events to the chain. It runs
// last in the transaction, so the head row is locked (PostgreSQL) only for
// the moment it takes; SQLite's write transactions are exclusive already.
func (tx *Tx) appendAudit(ctx context.Context) error {
	var head audit.Head
	err := tx.queryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1"+tx.d.ForUpdate).Scan(&head.Seq, &head.Hash)
	if err != nil {
		return tx.translate(err)
	}
	for _, e := range tx.events {
		if e.ID == "" {
			e.ID = uuid.NewString()
		}
		if e.ActivityDateTime.IsZero() {
			e.ActivityDateTime = tx.now
		}
		e.ActivityDateTime = e.ActivityDateTime.UTC().Truncate(time.Microsecond)
		body, err := audit.Canonical(e)
		if err != nil {
			return apperr.Wrap(err, apperr.Internal, "encoding an audit event")
		}
		seq := head.Seq + 1
		hash := audit.Hash(head.Hash, body)
		initiator := ""
		switch {
		case e.InitiatedBy.User != nil:
			initiator = e.InitiatedBy.User.ID
		case e.InitiatedBy.App != nil:
			initiator = e.InitiatedBy.App.AppID
		}
		_, err = tx.exec(ctx, `INSERT INTO audit_events (seq, id, activity_time, category, activity, initiator_id, correlation_id, result, body, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			seq, e.ID, e.ActivityDateTime, e.Category, e.ActivityDisplayName, initiator, e.CorrelationID, e.Result, string(body), head.Hash, hash)
		if err != nil {
			return err
		}
		head = audit.Head{Seq: seq, Hash: hash}
	}
	_, err = tx.exec(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", head.Seq, head.Hash)
	return err
}

// AuditFilter selects audit events. Results are newest first; Before is the
// sequence number of the last event of the previous page.
type AuditFilter struct {
	ID            string
	From, To      *time.Time // activityDateTime ge / le
	Category      string
	Activity      string
	CorrelationID string
	InitiatorID   string
	Result        string
	Before        int64
	Limit         int
}

// StoredEvent is an audit event with its position in the chain.
type StoredEvent struct {
	Seq  int64
	Body []byte // the canonical JSON, exactly as hashed
}

// FindAuditEvents returns audit events matching f, newest first.
func (c *conn) FindAuditEvents(ctx context.Context, f AuditFilter) ([]StoredEvent, error) {
	var w where
	if f.ID != "" {
		w.add("id = ?", f.ID)
	}
	if f.From != nil {
		w.add("activity_time >= ?", *f.From)
	}
	if f.To != nil {
		w.add("activity_time <= ?", *f.To)
	}
	if f.Category != "" {
		w.add("category = ?", f.Category)
	}
	if f.Activity != "" {
		w.add("activity = ?", f.Activity)
	}
	if f.CorrelationID != "" {
		w.add("correlation_id = ?", f.CorrelationID)
	}
	if f.InitiatorID != "" {
		w.add("initiator_id = ?", f.InitiatorID)
	}
	if f.Result != "" {
		w.add("result = ?", f.Result)
	}
	if f.Before > 0 {
		w.add("seq < ?", f.Before)
	}
	return list(ctx, c, func(s scanner) (StoredEvent, error) {
		var e StoredEvent
		var body string
		err := s.Scan(&e.Seq, &body)
		e.Body = []byte(body)
		return e, err
	}, "SELECT seq, body FROM audit_events"+w.String()+" ORDER BY seq DESC"+limit(f.Limit), w.args...)
}

// AuditHead returns the chain's recorded end.
func (c *conn) AuditHead(ctx context.Context) (audit.Head, error) {
	var h audit.Head
	err := c.queryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&h.Seq, &h.Hash)
	return h, c.translate(err)
}

// WalkAudit feeds every stored audit row, oldest first, to fn, reading in
// batches so that a long log does not need to fit in memory.
func (c *conn) WalkAudit(ctx context.Context, fn func(audit.Record) error) error {
	const batch = 1000
	after := int64(-1 << 62)
	for {
		recs, err := list(ctx, c, func(s scanner) (audit.Record, error) {
			var r audit.Record
			var body string
			err := s.Scan(&r.Seq, &r.ID, timeCol{&r.Time}, &r.Category, &r.Activity, &body, &r.PrevHash, &r.Hash)
			r.Body = []byte(body)
			return r, err
		}, "SELECT seq, id, activity_time, category, activity, body, prev_hash, hash FROM audit_events WHERE seq > ? ORDER BY seq"+limit(batch), after)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(recs) < batch {
			return nil
		}
		after = recs[len(recs)-1].Seq
	}
}

// VerifyAudit walks the whole chain and returns how many events it checked
// and the first problem, as an *audit.Problem.
func (c *conn) VerifyAudit(ctx context.Context) (int64, audit.Head, error) {
	v := audit.NewVerifier()
	if err := c.WalkAudit(ctx, v.Next); err != nil {
		return v.Count(), audit.Head{}, err
	}
	h, err := c.AuditHead(ctx)
	if err != nil {
		return v.Count(), h, err
	}
	return v.Count(), h, v.Finish(h)
}
