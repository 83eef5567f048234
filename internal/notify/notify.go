package notify

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Channel is how a message travels.
type Channel string

// Channels.
const (
	Email   Channel = "email"
	Webhook Channel = "webhook"
)

// Message is one notification to one recipient.
type Message struct {
	ID      string
	Channel Channel
	// To is the recipient's email address ("" for a webhook).
	To      string
	Subject string
	// Text and HTML are an email's two parts.
	Text string
	HTML string
	// Event is a webhook's JSON body.
	Event     json.RawMessage
	CreatedAt time.Time
	// Attempts counts delivery attempts, this one included, when claimed.
	Attempts int
}

// Outbox writes messages inside the caller's transaction.
type Outbox interface {
	EnqueueMessages(ctx context.Context, ms []Message) error
}

// Queue is the worker's view of the outbox.
type Queue interface {
	// ClaimMessages leases up to limit due messages (not delivered, not
	// given up, available, not leased) until now+lease and returns them.
	// Concurrent workers, in one process or several, never claim the same
	// message at once.
	ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Message, error)
	// MarkDelivered records that the server accepted message id.
	MarkDelivered(ctx context.Context, id string, at time.Time) error
	// Retry releases message id, to be tried again from next.
	Retry(ctx context.Context, id string, next time.Time, lastErr string) error
	// Abandon gives up on message id.
	Abandon(ctx context.Context, id string, at time.Time, lastErr string) error
}

// Sender delivers messages of one channel.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// permanent marks an error that retrying cannot fix (a recipient the
// server refuses).
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so that the worker gives up on the message at once.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Backoff is the wait before attempt n+1 after n failed attempts: 5 s,
// 10 s, 20 s, … doubling, at most an hour.
func Backoff(n int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Worker delivers the outbox.
type Worker struct {
	Queue   Queue
	Senders map[Channel]Sender
	Now     func() time.Time
	Log     *slog.Logger
	// Lease is how long a claimed message is reserved; longer than any
	// send may take (default 2 minutes).
	Lease time.Duration
	// Batch is how many messages one round claims (default 20).
	Batch int
	// GiveUpAfter is how long after its creation a failing message is
	// abandoned (default 24 hours).
	GiveUpAfter time.Duration

	once sync.Once
	wake chan struct{}
}

func (w *Worker) init() {
	w.once.Do(func() {
		w.wake = make(chan struct{}, 1)
		if w.Lease == 0 {
			w.Lease = 2 * time.Minute
		}
		if w.Batch == 0 {
			w.Batch = 20
		}
		if w.GiveUpAfter == 0 {
			w.GiveUpAfter = 24 * time.Hour
		}
		if w.Log == nil {
			w.Log = slog.New(slog.DiscardHandler)
		}
	})
}

// Wake asks a running worker to look at the outbox now (after a commit
// that enqueued messages).
func (w *Worker) Wake() {
	w.init()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// RunOnce delivers what is due now, round after round until nothing is
// left, and returns how many messages were delivered.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.init()
	delivered := 0
	for {
		ms, err := w.Queue.ClaimMessages(ctx, w.Now(), w.Lease, w.Batch)
		if err != nil {
			return delivered, err
		}
		for _, m := range ms {
			if w.deliver(ctx, m) {
				delivered++
			}
		}
		if len(ms) < w.Batch || ctx.Err() != nil {
			return delivered, ctx.Err()
		}
	}
}

// deliver sends one message and records the result.
func (w *Worker) deliver(ctx context.Context, m Message) bool {
	s, ok := w.Senders[m.Channel]
	var err error
	if !ok {
		err = Permanent(errors.New("no sender for channel " + string(m.Channel)))
	} else {
		err = s.Send(ctx, m)
	}
	now := w.Now()
	if err == nil {
		if err := w.Queue.MarkDelivered(context.WithoutCancel(ctx), m.ID, now); err != nil {
			// The message went out but is not marked: it may be sent again
			// when its lease ends (with the same Message-ID).
			w.Log.Error("notify: marking a delivered message", "id", m.ID, "err", err)
		}
		return true
	}
	if IsPermanent(err) || now.Sub(m.CreatedAt) >= w.GiveUpAfter {
		w.Log.Error("notify: giving up on a message", "id", m.ID, "channel", m.Channel, "to", m.To, "attempts", m.Attempts, "err", err)
		if err := w.Queue.Abandon(context.WithoutCancel(ctx), m.ID, now, err.Error()); err != nil {
			w.Log.Error("notify: abandoning a message", "id", m.ID, "err", err)
		}
		return false
	}
	next := now.Add(Backoff(m.Attempts))
	w.Log.Warn("notify: delivery failed; will retry", "id", m.ID, "channel", m.Channel, "to", m.To, "attempts", m.Attempts, "retry_at", next, "err", err)
	if err := w.Queue.Retry(context.WithoutCancel(ctx), m.ID, next, err.Error()); err != nil {
		w.Log.Error("notify: releasing a message", "id", m.ID, "err", err)
	}
	return false
}

// Run delivers until ctx ends: at once when woken, else every poll.
func (w *Worker) Run(ctx context.Context, poll time.Duration) {
	w.init()
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.Log.Warn("notify: outbox round failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-t.C:
		}
	}
}
