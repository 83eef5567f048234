package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Mailpit is a client for the parts of Mailpit's HTTP API that tests use
// (https://mailpit.axllent.org/docs/api-v1/). API is the base URL, as SMTP
// returns it, for example "http://127.0.0.1:8025".
type Mailpit struct {
	API string
}

// MailAddress is one address of a message, as Mailpit reports it.
type MailAddress struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// MailSummary is one message in Mailpit's list of messages.
type MailSummary struct {
	ID        string        `json:"ID"`        // Mailpit's database ID, for Message
	MessageID string        `json:"MessageID"` // the Message-ID header
	From      MailAddress   `json:"From"`
	To        []MailAddress `json:"To"`
	Cc        []MailAddress `json:"Cc"`
	Bcc       []MailAddress `json:"Bcc"`
	Subject   string        `json:"Subject"`
	Created   time.Time     `json:"Created"` // when Mailpit received it
	Snippet   string        `json:"Snippet"`
}

// SentTo reports whether addr is among the message's To, Cc or Bcc
// addresses, ignoring case.
func (m MailSummary) SentTo(addr string) bool {
	for _, list := range [][]MailAddress{m.To, m.Cc, m.Bcc} {
		for _, a := range list {
			if strings.EqualFold(a.Address, addr) {
				return true
			}
		}
	}
	return false
}

// MailMessage is one whole message, with its text and HTML bodies.
type MailMessage struct {
	ID        string        `json:"ID"`
	MessageID string        `json:"MessageID"`
	From      MailAddress   `json:"From"`
	To        []MailAddress `json:"To"`
	Cc        []MailAddress `json:"Cc"`
	Bcc       []MailAddress `json:"Bcc"`
	ReplyTo   []MailAddress `json:"ReplyTo"`
	Subject   string        `json:"Subject"`
	Date      time.Time     `json:"Date"` // the Date header
	Text      string        `json:"Text"`
	HTML      string        `json:"HTML"`
}

// messagesPage is the body of GET /api/v1/messages.
type messagesPage struct {
	Total    int           `json:"total"`
	Start    int           `json:"start"`
	Messages []MailSummary `json:"messages"`
}

// pageSize is how many messages Messages asks for at a time; Mailpit's
// default page is 50.
const pageSize = 500

// Messages returns every message in the mailbox, newest first.
func (m Mailpit) Messages(ctx context.Context) ([]MailSummary, error) {
	var all []MailSummary
	for {
		q := url.Values{"start": {strconv.Itoa(len(all))}, "limit": {strconv.Itoa(pageSize)}}
		var page messagesPage
		if err := m.do(ctx, http.MethodGet, "/api/v1/messages?"+q.Encode(), nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Messages...)
		if len(page.Messages) == 0 || len(all) >= page.Total {
			return all, nil
		}
	}
}

// Message returns the message with Mailpit's ID id.
func (m Mailpit) Message(ctx context.Context, id string) (MailMessage, error) {
	var msg MailMessage
	err := m.do(ctx, http.MethodGet, "/api/v1/message/"+url.PathEscape(id), nil, &msg)
	return msg, err
}

// Delete deletes the messages with the given IDs and leaves the others.
func (m Mailpit) Delete(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	return m.do(ctx, http.MethodDelete, "/api/v1/messages", struct{ IDs []string }{ids}, nil)
}

// DeleteAll empties the mailbox. Other test packages share it while they
// run, so prefer waiting for an address unique to the test.
func (m Mailpit) DeleteAll(ctx context.Context) error {
	return m.do(ctx, http.MethodDelete, "/api/v1/messages", nil, nil)
}

// WaitFor polls the mailbox every 100 ms until done reports true for its
// messages, and returns them. When ctx ends first it returns the last
// messages seen and an error that wraps the context's error.
func (m Mailpit) WaitFor(ctx context.Context, done func([]MailSummary) bool) ([]MailSummary, error) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last []MailSummary
	var lastErr error
	for {
		msgs, err := m.Messages(ctx)
		if err == nil {
			last = msgs
			if done(msgs) {
				return msgs, nil
			}
		} else if ctx.Err() == nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr != nil {
				return last, fmt.Errorf("mailpit: waiting for mail: %w (last error: %v)", ctx.Err(), lastErr)
			}
			return last, fmt.Errorf("mailpit: waiting for mail: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// do sends one request to the API and decodes a JSON answer into out, when
// out is not nil.
func (m Mailpit) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(m.API, "/")+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("mailpit: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("mailpit: %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("mailpit: %s %s: decoding answer: %w", method, path, err)
	}
	return nil
}
