package config

import (
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestValidate(t *testing.T) {
	cert := writeFile(t, "cert.pem", "cert")
	key := writeFile(t, "key.pem", "key")
	missing := filepath.Join(t.TempDir(), "missing.pem")
	key32 := base64.StdEncoding.EncodeToString(make([]byte, 32))
	key31 := base64.StdEncoding.EncodeToString(make([]byte, 31))
	urlKey := base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("\xff", 33)))

	tests := []struct {
		name string
		edit func(c *Config)
		want []string
	}{
		{name: "defaults", edit: func(c *Config) {}},
		{
			name: "everything set and valid",
			edit: func(c *Config) {
				c.Listen = "0.0.0.0:443"
				c.PublicURL = "https://id.example.com/strongroom"
				c.Database = "postgres://u:p@db/s"
				c.TLS = TLS{CertFile: cert, KeyFile: key}
				c.SecretKey = Secret(key32)
				c.SMTP = SMTP{Host: "smtp.example.com", Port: 465, Password: "pw", From: "Strongroom <s@example.com>", Security: "tls"}
				c.Log = Log{Format: "json", Level: "debug"}
				c.TrustedProxies = []string{"10.0.0.0/8", "192.0.2.1", "2001:db8::/32", "::1"}
			},
		},
		{name: "loopback http URLs", edit: func(c *Config) { c.PublicURL = "http://127.0.0.1:8080" }},
		{name: "IPv6 loopback", edit: func(c *Config) { c.PublicURL = "http://[::1]:8080/" }},
		{name: "URL-safe unpadded key", edit: func(c *Config) { c.SecretKey = Secret(urlKey) }},
		{name: "sqlite forms", edit: func(c *Config) { c.Database = "file:/var/lib/s.db" }},
		{name: "email off ignores from", edit: func(c *Config) { c.SMTP.From = "not an address" }},
		{
			name: "public URL not absolute",
			edit: func(c *Config) { c.PublicURL = "ftp://x" },
			want: []string{`publicURL: must be an absolute http or https URL without user info, query or fragment, got "ftp://x"`},
		},
		{
			name: "public URL with query",
			edit: func(c *Config) { c.PublicURL = "https://id.example.com/?a=b" },
			want: []string{`publicURL: must be an absolute http or https URL without user info, query or fragment, got "https://id.example.com/?a=b"`},
		},
		{
			name: "public URL with fragment",
			edit: func(c *Config) { c.PublicURL = "https://id.example.com/#x" },
			want: []string{`publicURL: must be an absolute http or https URL without user info, query or fragment, got "https://id.example.com/#x"`},
		},
		{
			name: "public URL plain http off localhost",
			edit: func(c *Config) { c.PublicURL = "http://id.example.com" },
			want: []string{`publicURL: must be https unless the host is localhost, 127.0.0.1 or ::1 (WebAuthn needs a secure context), got "http://id.example.com"`},
		},
		{
			name: "TLS half set and missing",
			edit: func(c *Config) { c.TLS.CertFile = missing },
			want: []string{
				"tls: certFile and keyFile must be set together",
				"tls.certFile: stat " + missing + ": no such file or directory",
			},
		},
		{
			name: "TLS file is a directory",
			edit: func(c *Config) { c.TLS = TLS{CertFile: cert, KeyFile: filepath.Dir(key)} },
			want: []string{`tls.keyFile: "` + filepath.Dir(key) + `" is a directory`},
		},
		{
			name: "secret key too short",
			edit: func(c *Config) { c.SecretKey = Secret(key31) },
			want: []string{"secretKey: must be at least 32 bytes, got 31"},
		},
		{
			name: "secret key not base64",
			edit: func(c *Config) { c.SecretKey = "correct horse battery staple" },
			want: []string{"secretKey: must be base64 (standard or URL alphabet, padded or not)"},
		},
		{
			name: "database scheme unknown",
			edit: func(c *Config) { c.Database = "mysql://root:hunter2@db/s" },
			want: []string{"database: must be postgres://…, postgresql://…, sqlite:PATH, sqlite://PATH or file:PATH"},
		},
		{
			name: "database URL invalid",
			edit: func(c *Config) { c.Database = "postgres://u:hunter2@db:port/s" },
			want: []string{"database: is not a valid URL"},
		},
		{
			name: "sqlite path empty",
			edit: func(c *Config) { c.Database = "sqlite:" },
			want: []string{"database: the SQLite file path is empty"},
		},
		{
			name: "several problems at once",
			edit: func(c *Config) {
				c.DataDir = ""
				c.Listen = "localhost"
				c.PublicURL = ""
				c.SMTP = SMTP{Host: "smtp.example.com", Port: 70000, From: "nobody", Security: "ssl"}
				c.Log = Log{Format: "xml", Level: "trace"}
				c.TrustedProxies = []string{"10.0.0.0/8", "10.0.0.0/33", "proxy.example.com"}
				c.ShutdownTimeout = 0
			},
			want: []string{
				"dataDir: must not be empty",
				`listen: must be host:port with a numeric port (host may be empty), got "localhost"`,
				`publicURL: must be an absolute http or https URL without user info, query or fragment, got ""`,
				"smtp.port: must be between 1 and 65535, got 70000",
				`smtp.security: must be starttls, tls or none, got "ssl"`,
				`smtp.from: must be an address such as "Strongroom <strongroom@example.com>" when smtp.host is set, got "nobody"`,
				`log.format: must be text or json, got "xml"`,
				`log.level: must be debug, info, warn or error, got "trace"`,
				`trustedProxies[1]: must be a CIDR or an IP address, got "10.0.0.0/33"`,
				`trustedProxies[2]: must be a CIDR or an IP address, got "proxy.example.com"`,
				"shutdownTimeout: must be positive, got 0s",
			},
		},
		{
			name: "negative timeout and listen port out of range",
			edit: func(c *Config) {
				c.Listen = ":65536"
				c.ShutdownTimeout = Duration(-time.Second)
			},
			want: []string{
				`listen: must be host:port with a numeric port (host may be empty), got ":65536"`,
				"shutdownTimeout: must be positive, got -1s",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.edit(&c)
			err := c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate() = %v (%T), want *ValidationError", err, err)
			}
			if diff := cmp.Diff(tt.want, verr.Problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if got, want := err.Error(), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("Error() = %q, want %q", got, want)
			}
			for _, secret := range []string{"hunter2", "correct horse"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("Error() reveals a secret: %q", err.Error())
				}
			}
		})
	}
}

func TestDecodeSecretKey(t *testing.T) {
	raw := []byte(strings.Repeat("\xfb\xff", 20)) // 40 bytes whose base64 differs between alphabets
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		got, err := DecodeSecretKey(enc.EncodeToString(raw))
		if err != nil {
			t.Fatalf("DecodeSecretKey(%q): %v", enc.EncodeToString(raw), err)
		}
		if !cmp.Equal(got, raw) {
			t.Errorf("DecodeSecretKey(%q) = %x, want %x", enc.EncodeToString(raw), got, raw)
		}
	}
}
