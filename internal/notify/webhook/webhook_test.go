package webhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/notify"
	"github.com/strongroom-id/strongroom/internal/notify/webhook"
)

func TestSend(t *testing.T) {
	secret := []byte("a-webhook-secret-of-some-length")
	now := time.Unix(1_800_000_000, 0)
	var status atomic.Int32
	status.Store(204)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts, _ := strconv.ParseInt(r.Header.Get(webhook.HeaderTimestamp), 10, 64)
		if ts != now.Unix() || !webhook.Verify(secret, ts, body, r.Header.Get(webhook.HeaderSignature)) || r.Header.Get(webhook.HeaderDelivery) != "evt-1" ||
			r.Header.Get("Content-Type") != "application/json" || string(body) != `{"type":"pim.activated"}` {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	s := &webhook.Sender{URL: srv.URL, Secret: secret, Now: func() time.Time { return now }}
	m := notify.Message{ID: "evt-1", Channel: notify.Webhook, Event: []byte(`{"type":"pim.activated"}`)}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	for code, permanent := range map[int32]bool{400: true, 404: true, 429: false, 500: false, 503: false} {
		status.Store(code)
		err := s.Send(context.Background(), m)
		if err == nil || notify.IsPermanent(err) != permanent {
			t.Errorf("status %d: %v (permanent %v)", code, err, notify.IsPermanent(err))
		}
	}
	// A wrong secret does not verify.
	status.Store(204)
	bad := &webhook.Sender{URL: srv.URL, Secret: []byte("another secret"), Now: s.Now}
	if err := bad.Send(context.Background(), m); err == nil || !notify.IsPermanent(err) {
		t.Errorf("wrong secret: %v", err)
	}
	if webhook.Verify(secret, now.Unix(), []byte("{}"), webhook.Sign(secret, now.Unix()+1, []byte("{}"))) {
		t.Error("a signature for another time verified")
	}
}
