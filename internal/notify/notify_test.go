package notify_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/clock"
	"github.com/strongroom-id/strongroom/internal/notify"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/store/postgres"
	"github.com/strongroom-id/strongroom/internal/store/sqlite"
	"github.com/strongroom-id/strongroom/internal/testenv"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// dialects runs fn on a fresh, migrated SQLite and (when configured)
// PostgreSQL database with a fake clock.
func dialects(t *testing.T, fn func(t *testing.T, db *store.DB, clk *clock.Fake)) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			clk := clock.NewFake(t0)
			var db *store.DB
			var err error
			if d == "sqlite" {
				db, err = sqlite.Open(filepath.Join(t.TempDir(), "n.db"), store.Options{Clock: clk})
			} else {
				db, err = postgres.Open(context.Background(), testenv.PostgresURL(t), store.Options{Clock: clk})
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			fn(t, db, clk)
		})
	}
}

// sender records what it sent and fails as told.
type sender struct {
	mu   sync.Mutex
	sent map[string]int
	fail func(m notify.Message) error
}

func (s *sender) Send(_ context.Context, m notify.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		if err := s.fail(m); err != nil {
			return err
		}
	}
	if s.sent == nil {
		s.sent = map[string]int{}
	}
	s.sent[m.ID]++
	return nil
}

func enqueue(t *testing.T, db *store.DB, n int) []string {
	t.Helper()
	var ids []string
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var ms []notify.Message
		for i := range n {
			id := fmt.Sprintf("msg-%03d", i)
			ids = append(ids, id)
			ms = append(ms, notify.Message{ID: id, Channel: notify.Email, To: fmt.Sprintf("u%d@contoso.com", i), Subject: "PIM: test", Text: "t", HTML: "<p>h</p>"})
		}
		return tx.EnqueueMessages(context.Background(), ms)
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func stats(t *testing.T, db *store.DB) store.OutboxStats {
	t.Helper()
	s, err := db.FindOutboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWorkerDeliversOnce(t *testing.T) {
	dialects(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		s := &sender{}
		w := &notify.Worker{Queue: db, Senders: map[notify.Channel]notify.Sender{notify.Email: s}, Now: clk.Now, Batch: 7}
		ids := enqueue(t, db, 30)
		n, err := w.RunOnce(context.Background())
		if err != nil || n != 30 {
			t.Fatalf("RunOnce = %d, %v", n, err)
		}
		if n, _ := w.RunOnce(context.Background()); n != 0 {
			t.Errorf("a second round sent %d", n)
		}
		for _, id := range ids {
			if s.sent[id] != 1 {
				t.Errorf("%s sent %d times", id, s.sent[id])
			}
		}
		if st := stats(t, db); st != (store.OutboxStats{Delivered: 30}) {
			t.Errorf("stats %+v", st)
		}
	})
}

func TestWorkerRollbackSendsNothing(t *testing.T) {
	dialects(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		err := db.InTx(context.Background(), func(tx *store.Tx) error {
			if err := tx.EnqueueMessages(context.Background(), []notify.Message{{ID: "m", Channel: notify.Email, To: "a@b.c", Subject: "s"}}); err != nil {
				return err
			}
			return errors.New("the change failed")
		})
		if err == nil {
			t.Fatal("no error")
		}
		if st := stats(t, db); st != (store.OutboxStats{}) {
			t.Errorf("a rolled-back change left %+v", st)
		}
	})
}

func TestWorkerRetriesWithBackoff(t *testing.T) {
	dialects(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		failures := 2
		s := &sender{fail: func(notify.Message) error {
			if failures > 0 {
				failures--
				return errors.New("connection refused")
			}
			return nil
		}}
		w := &notify.Worker{Queue: db, Senders: map[notify.Channel]notify.Sender{notify.Email: s}, Now: clk.Now}
		enqueue(t, db, 1)
		ctx := context.Background()
		if n, _ := w.RunOnce(ctx); n != 0 {
			t.Fatal("delivered despite the failure")
		}
		if n, _ := w.RunOnce(ctx); n != 0 || failures != 1 {
			t.Fatal("retried before the backoff")
		}
		clk.Advance(notify.Backoff(1))
		if n, _ := w.RunOnce(ctx); n != 0 || failures != 0 {
			t.Fatalf("second attempt: failures left %d", failures)
		}
		clk.Advance(notify.Backoff(2) - time.Second)
		if n, _ := w.RunOnce(ctx); n != 0 {
			t.Fatal("third attempt before its backoff")
		}
		clk.Advance(time.Second)
		if n, _ := w.RunOnce(ctx); n != 1 || s.sent["msg-000"] != 1 {
			t.Fatalf("third attempt: %v", s.sent)
		}
	})
}

func TestWorkerGivesUp(t *testing.T) {
	dialects(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		s := &sender{fail: func(m notify.Message) error {
			if m.ID == "msg-000" {
				return notify.Permanent(errors.New("550 no such user"))
			}
			return errors.New("timeout")
		}}
		w := &notify.Worker{Queue: db, Senders: map[notify.Channel]notify.Sender{notify.Email: s}, Now: clk.Now, GiveUpAfter: time.Hour}
		enqueue(t, db, 2)
		ctx := context.Background()
		_, _ = w.RunOnce(ctx)
		if st := stats(t, db); st.Failed != 1 || st.Pending != 1 {
			t.Fatalf("after a permanent error: %+v", st)
		}
		for range 20 {
			clk.Advance(10 * time.Minute)
			_, _ = w.RunOnce(ctx)
		}
		if st := stats(t, db); st.Failed != 2 || st.Pending != 0 {
			t.Fatalf("after an hour of failures: %+v", st)
		}
	})
}

// A worker that claims messages and dies before sending loses none: they
// are claimed again when the lease ends, and sent once.
func TestWorkerCrashAfterClaim(t *testing.T) {
	dialects(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		enqueue(t, db, 5)
		ctx := context.Background()
		claimed, err := db.ClaimMessages(ctx, clk.Now(), 2*time.Minute, 10)
		if err != nil || len(claimed) != 5 {
			t.Fatalf("claim: %d %v", len(claimed), err)
		}
		// The claimer dies here.
		s := &sender{}
		w := &notify.Worker{Queue: db, Senders: map[notify.Channel]notify.Sender{notify.Email: s}, Now: clk.Now, Lease: 2 * time.Minute}
		if n, _ := w.RunOnce(ctx); n != 0 {
			t.Fatal("claimed messages were sent during their lease")
		}
		clk.Advance(2 * time.Minute)
		if n, _ := w.RunOnce(ctx); n != 5 {
			t.Fatalf("after the lease: %d", n)
		}
		for id, c := range s.sent {
			if c != 1 {
				t.Errorf("%s sent %d times", id, c)
			}
		}
	})
}

// Several workers at once (as several processes would) send each message
// exactly once.
func TestWorkersConcurrently(t *testing.T) {
	dialects(t, func(t *testing.T, db *store.DB, clk *clock.Fake) {
		enqueue(t, db, 200)
		s := &sender{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := &notify.Worker{Queue: db, Senders: map[notify.Channel]notify.Sender{notify.Email: s}, Now: clk.Now, Batch: 5}
				if _, err := w.RunOnce(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if len(s.sent) != 200 {
			t.Errorf("%d distinct messages sent, want 200", len(s.sent))
		}
		for id, c := range s.sent {
			if c != 1 {
				t.Errorf("%s sent %d times", id, c)
			}
		}
	})
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{5 * time.Second, 5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second}
	for n, w := range want {
		if got := notify.Backoff(n); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, w)
		}
	}
	if notify.Backoff(100) != time.Hour {
		t.Error("backoff is not capped at an hour")
	}
}
