package email

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/notify"
)

// Security values.
const (
	StartTLS = "starttls"
	TLS      = "tls"
	None     = "none"
)

// Config is the SMTP server and the sender.
type Config struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string // "Strongroom <strongroom@example.com>"
	Security string // StartTLS, TLS or None
	// Domain is the right-hand side of Message-IDs (the public URL's host).
	Domain string
	// Timeout bounds one whole delivery (default 30 s).
	Timeout time.Duration
	// TLSConfig, when set, replaces the default (server name checked
	// against Host; tests add their own root).
	TLSConfig *tls.Config
}

// Sender delivers email.
type Sender struct {
	cfg  Config
	from *mail.Address
}

// New returns a sender; it checks the sender address.
func New(c Config) (*Sender, error) {
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return nil, fmt.Errorf("email: sender %q: %w", c.From, err)
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Domain == "" {
		if _, d, ok := strings.Cut(from.Address, "@"); ok {
			c.Domain = d
		} else {
			c.Domain = "strongroom.invalid"
		}
	}
	switch c.Security {
	case StartTLS, TLS, None:
	default:
		return nil, fmt.Errorf("email: security must be starttls, tls or none, not %q", c.Security)
	}
	return &Sender{cfg: c, from: from}, nil
}

// MessageID is the Message-ID header of outbox message id.
func (s *Sender) MessageID(id string) string { return "<" + id + "@" + s.cfg.Domain + ">" }

// Send delivers m: it returns nil once the server accepted the message
// (the reply to the end of DATA), a notify.Permanent error when the server
// refused it for good (5xx), and another error when trying again may help.
func (s *Sender) Send(ctx context.Context, m notify.Message) error {
	if m.To == "" {
		return notify.Permanent(errors.New("email: no recipient"))
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return notify.Permanent(fmt.Errorf("email: recipient %q: %w", m.To, err))
	}
	body, err := Build(s.from, to, m, s.MessageID(m.ID))
	if err != nil {
		return notify.Permanent(err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("email: connecting to %s: %w", addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	tc := s.tlsConfig()
	if s.cfg.Security == TLS {
		t := tls.Client(conn, tc)
		if err := t.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("email: TLS with %s: %w", addr, err)
		}
		conn = t
	}
	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		return classify("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(helloName(s.cfg.Domain)); err != nil {
		return classify("EHLO", err)
	}
	if s.cfg.Security == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("email: %s does not offer STARTTLS; refusing to send in the clear (set smtp.security to none only for a trusted relay)", addr)
		}
		if err := c.StartTLS(tc); err != nil {
			return classify("STARTTLS", err)
		}
	}
	if s.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return classify("AUTH", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return classify("MAIL FROM", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return classify("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return classify("DATA", err)
	}
	if _, err := w.Write(body); err != nil {
		return classify("DATA", err)
	}
	if err := w.Close(); err != nil {
		return classify("end of DATA", err)
	}
	// Accepted. QUIT is a courtesy; its failure changes nothing.
	_ = c.Quit()
	return nil
}

func (s *Sender) tlsConfig() *tls.Config {
	if s.cfg.TLSConfig != nil {
		c := s.cfg.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = s.cfg.Host
		}
		return c
	}
	return &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
}

func helloName(domain string) string {
	if domain == "" || strings.ContainsAny(domain, " :/") {
		return "localhost"
	}
	return domain
}

// classify turns an SMTP reply into a permanent error for 5xx codes.
func classify(step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return notify.Permanent(fmt.Errorf("email: %s refused: %w", step, err))
	}
	return fmt.Errorf("email: %s: %w", step, err)
}

// Build returns the RFC 5322 message for m: headers, then a
// multipart/alternative body with the text part first and the HTML part
// second (the last is preferred), both quoted-printable UTF-8. Everything
// in it depends only on m, so a resend is byte for byte the same.
func Build(from, to *mail.Address, m notify.Message, messageID string) ([]byte, error) {
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("email: a subject cannot contain a line break")
	}
	sum := sha256.Sum256([]byte(m.ID))
	boundary := "strongroom-" + hex.EncodeToString(sum[:12])
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", from.String())
	h("To", to.String())
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", m.CreatedAt.UTC().Format(time.RFC1123Z))
	h("Message-ID", messageID)
	h("MIME-Version", "1.0")
	h("Auto-Submitted", "auto-generated")
	h("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	part := func(ctype, content string) error {
		b.WriteString("--" + boundary + "\r\n")
		b.WriteString("Content-Type: " + ctype + "; charset=utf-8\r\n")
		b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
		qw := quotedprintable.NewWriter(&b)
		if _, err := qw.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(content, "\r\n", "\n"), "\n", "\r\n"))); err != nil {
			return err
		}
		if err := qw.Close(); err != nil {
			return err
		}
		b.WriteString("\r\n")
		return nil
	}
	if err := part("text/plain", m.Text); err != nil {
		return nil, err
	}
	if err := part("text/html", m.HTML); err != nil {
		return nil, err
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes(), nil
}
