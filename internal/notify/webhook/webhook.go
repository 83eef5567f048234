package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/strongroom-id/strongroom/internal/notify"
)

// Header names.
const (
	HeaderDelivery  = "X-Strongroom-Delivery"
	HeaderTimestamp = "X-Strongroom-Timestamp"
	HeaderSignature = "X-Strongroom-Signature"
)

// Sender posts webhook messages.
type Sender struct {
	URL    string
	Secret []byte
	Client *http.Client
	Now    func() time.Time
}

// Sign returns the signature header value for body sent at ts.
func Sign(secret []byte, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a signature header in constant time.
func Verify(secret []byte, ts int64, body []byte, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature))
}

// Send posts m.Event. A 2xx answer is delivery; 4xx other than 408 and 429
// is permanent; anything else is retried.
func (s *Sender) Send(ctx context.Context, m notify.Message) error {
	if len(m.Event) == 0 {
		return notify.Permanent(errors.New("webhook: empty event"))
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(m.Event))
	if err != nil {
		return notify.Permanent(fmt.Errorf("webhook: %w", err))
	}
	ts := now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Strongroom-Webhook/1")
	req.Header.Set(HeaderDelivery, m.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(s.Secret, ts, m.Event))
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests:
		return notify.Permanent(fmt.Errorf("webhook: %s answered %s", s.URL, resp.Status))
	}
	return fmt.Errorf("webhook: %s answered %s", s.URL, resp.Status)
}
