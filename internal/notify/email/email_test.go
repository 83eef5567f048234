package email_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/notify"
	"github.com/strongroom-id/strongroom/internal/notify/email"
	"github.com/strongroom-id/strongroom/internal/testenv"
)

var msg = notify.Message{ID: "8b7a0c2e-1111-4a4a-9c9c-000000000001", Channel: notify.Email, To: "ada@contoso.com",
	Subject: "PIM: Ada activated the Security Administrator role — ünïcode", Text: "Line one\nRole: Security Administrator\nA very long line " + strings.Repeat("x", 120),
	HTML: "<!doctype html><p>Hello <b>Ada</b> é</p>", CreatedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}

func TestBuild(t *testing.T) {
	from := &mail.Address{Name: "Strongroom", Address: "pim@contoso.com"}
	to := &mail.Address{Address: "ada@contoso.com"}
	raw, err := email.Build(from, to, msg, "<"+msg.ID+"@id.contoso.com>")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := email.Build(from, to, msg, "<"+msg.ID+"@id.contoso.com>")
	if !bytes.Equal(raw, again) {
		t.Error("Build is not deterministic: a resend would differ")
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subj, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subj != msg.Subject {
		t.Errorf("Subject %q (%v)", subj, err)
	}
	if got := m.Header.Get("Message-ID"); got != "<"+msg.ID+"@id.contoso.com>" {
		t.Errorf("Message-ID %q", got)
	}
	if d, err := m.Header.Date(); err != nil || !d.Equal(msg.CreatedAt) {
		t.Errorf("Date %v %v", d, err)
	}
	if f, _ := m.Header.AddressList("From"); len(f) != 1 || f[0].Address != "pim@contoso.com" || f[0].Name != "Strongroom" {
		t.Errorf("From %v", f)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q", m.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var types, bodies []string
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(quotedprintable.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, p.Header.Get("Content-Type"))
		bodies = append(bodies, strings.ReplaceAll(string(b), "\r\n", "\n"))
	}
	if len(types) != 2 || types[0] != "text/plain; charset=utf-8" || types[1] != "text/html; charset=utf-8" {
		t.Fatalf("parts %v", types)
	}
	if bodies[0] != msg.Text || bodies[1] != msg.HTML {
		t.Errorf("bodies %q", bodies)
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line longer than RFC 5322 allows: %d", len(line))
		}
	}
	if _, err := email.Build(from, to, notify.Message{ID: "x", Subject: "a\r\nBcc: evil@example.com"}, "<x@y>"); err == nil {
		t.Error("a subject with a line break was accepted")
	}
}

// smtpOpts shape the fake server.
type smtpOpts struct {
	implicit   bool
	offerTLS   bool
	rejectRcpt bool
}

// fakeSMTP is a small SMTP server for the security modes.
type fakeSMTP struct {
	smtpOpts
	ln  net.Listener
	tls *tls.Config

	mu  sync.Mutex
	got []received
}

type received struct {
	from, to, data, auth string
	secure               bool
}

func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func (f *fakeSMTP) start(t *testing.T) (string, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.ln = ln
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
}

func (f *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	secure := false
	if f.implicit {
		c = tls.Server(c, f.tls)
		secure = true
	}
	tp := textproto.NewConn(c)
	var r received
	_ = tp.PrintfLine("220 fake ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			lines := []string{"fake"}
			if f.offerTLS && !secure {
				lines = append(lines, "STARTTLS")
			}
			if secure {
				lines = append(lines, "AUTH PLAIN")
			}
			lines = append(lines, "8BITMIME")
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				_ = tp.PrintfLine("250%s%s", sep, l)
			}
		case "STARTTLS":
			_ = tp.PrintfLine("220 go ahead")
			tc := tls.Server(c, f.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, secure = tc, true
			tp = textproto.NewConn(c)
		case "AUTH":
			_, b64, _ := strings.Cut(arg, " ")
			b, _ := base64.StdEncoding.DecodeString(b64)
			r.auth = string(b)
			_ = tp.PrintfLine("235 authenticated")
		case "MAIL":
			r.from = arg
			_ = tp.PrintfLine("250 ok")
		case "RCPT":
			if f.rejectRcpt {
				_ = tp.PrintfLine("550 no such user")
				continue
			}
			r.to = arg
			_ = tp.PrintfLine("250 ok")
		case "DATA":
			_ = tp.PrintfLine("354 go ahead")
			b, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			r.data, r.secure = string(b), secure
			f.mu.Lock()
			f.got = append(f.got, r)
			f.mu.Unlock()
			_ = tp.PrintfLine("250 queued")
		case "QUIT":
			_ = tp.PrintfLine("221 bye")
			return
		default:
			_ = tp.PrintfLine("502 not implemented")
		}
	}
}

func TestSendSecurityModes(t *testing.T) {
	serverTLS, roots := selfSigned(t)
	tests := []struct {
		name     string
		security string
		server   smtpOpts
		user     string
		wantErr  bool
		perm     bool
	}{
		{name: "STARTTLS with authentication", security: email.StartTLS, server: smtpOpts{offerTLS: true}, user: "mailer"},
		{name: "implicit TLS with authentication", security: email.TLS, server: smtpOpts{implicit: true}, user: "mailer"},
		{name: "none, local relay", security: email.None, server: smtpOpts{}},
		{name: "STARTTLS asked, not offered: refused", security: email.StartTLS, server: smtpOpts{}, wantErr: true},
		{name: "recipient refused: permanent", security: email.None, server: smtpOpts{rejectRcpt: true}, wantErr: true, perm: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &fakeSMTP{smtpOpts: tt.server, tls: serverTLS}
			host, port := srv.start(t)
			s, err := email.New(email.Config{Host: host, Port: port, Username: tt.user, Password: "s3cret", From: "Strongroom <pim@contoso.com>",
				Security: tt.security, Domain: "id.contoso.com", TLSConfig: &tls.Config{RootCAs: roots}, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			err = s.Send(context.Background(), msg)
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				if notify.IsPermanent(err) != tt.perm {
					t.Errorf("permanent %v, want %v: %v", notify.IsPermanent(err), tt.perm, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if len(srv.got) != 1 {
				t.Fatalf("%d messages", len(srv.got))
			}
			g := srv.got[0]
			if !strings.HasPrefix(g.from, "FROM:<pim@contoso.com>") || !strings.HasPrefix(g.to, "TO:<ada@contoso.com>") || !strings.Contains(g.data, "Message-ID: <"+msg.ID+"@id.contoso.com>") {
				t.Errorf("received %+v", g)
			}
			if wantSecure := tt.security != email.None; g.secure != wantSecure {
				t.Errorf("sent over TLS %v, want %v", g.secure, wantSecure)
			}
			if tt.user != "" && g.auth != "\x00mailer\x00s3cret" {
				t.Errorf("AUTH PLAIN %q", g.auth)
			}
		})
	}
	if _, err := email.New(email.Config{From: "not an address", Security: email.None}); err == nil {
		t.Error("a bad sender was accepted")
	}
	if _, err := email.New(email.Config{From: "a@b.c", Security: "ssl3"}); err == nil {
		t.Error("an unknown security mode was accepted")
	}
}

// TestSendToMailpit sends through a real SMTP server and reads it back.
func TestSendToMailpit(t *testing.T) {
	addr, api := testenv.SMTP(t)
	host, p, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(p)
	s, err := email.New(email.Config{Host: host, Port: port, From: "Strongroom <pim@contoso.com>", Security: email.None, Domain: "id.contoso.com"})
	if err != nil {
		t.Fatal(err)
	}
	m := msg
	var b [6]byte
	_, _ = rand.Read(b[:])
	m.ID = "mailpit-" + base64.RawURLEncoding.EncodeToString(b[:])
	m.To = "mailpit-" + strings.ToLower(base64.RawURLEncoding.EncodeToString(b[:])) + "@contoso.com"
	m.To = strings.ReplaceAll(strings.ReplaceAll(m.To, "_", "x"), "-", "x")
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	box := testenv.Mailpit{API: api}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := box.WaitFor(ctx, func(ms []testenv.MailSummary) bool {
		for _, x := range ms {
			if x.SentTo(m.To) {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range got {
		if !x.SentTo(m.To) {
			continue
		}
		full, err := box.Message(ctx, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if full.Subject != m.Subject || full.MessageID != m.ID+"@id.contoso.com" || !strings.Contains(full.Text, "Role: Security Administrator") || !strings.Contains(full.HTML, "<b>Ada</b>") {
			t.Errorf("at Mailpit: %+v", full)
		}
	}
}
