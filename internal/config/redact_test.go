package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

func TestRedacted(t *testing.T) {
	c := Default()
	c.DataDir = "/var/lib/strongroom"
	c.PublicURL = "https://id.example.com"
	c.Database = "postgres://strongroom:db-hunter2@db.internal:5432/strongroom?sslmode=verify-full&sslpassword=ssl-hunter2"
	c.TLS = TLS{CertFile: "/etc/cert.pem", KeyFile: "/etc/key.pem"}
	c.SecretKey = "key-hunter2"
	c.SMTP = SMTP{Host: "smtp.example.com", Port: 587, Username: "mailer", Password: "smtp-hunter2",
		From: "Strongroom <strongroom@example.com>", Security: "starttls"}
	c.Notify = Notify{WebhookURL: "https://chat.example.com/hooks/pim", WebhookSecret: "hook-hunter2"}
	c.TrustedProxies = []string{"10.0.0.0/8"}
	c.ShutdownTimeout = Duration(30 * time.Second)

	got, err := c.Redacted()
	if err != nil {
		t.Fatal(err)
	}
	want := `dataDir: /var/lib/strongroom
listen: localhost:8080
publicURL: https://id.example.com
database: postgres://strongroom:[redacted]@db.internal:5432/strongroom?sslmode=verify-full&sslpassword=[redacted]
tls:
  certFile: /etc/cert.pem
  keyFile: /etc/key.pem
secretKey: '[redacted]'
smtp:
  host: smtp.example.com
  port: 587
  username: mailer
  password: '[redacted]'
  from: Strongroom <strongroom@example.com>
  security: starttls
notify:
  webhookURL: https://chat.example.com/hooks/pim
  webhookSecret: '[redacted]'
log:
  format: text
  level: info
trustedProxies:
  - 10.0.0.0/8
shutdownTimeout: 30s
bootstrap:
  adminUserPrincipalName: admin@strongroom.local
webauthn:
  origins: []
  residentKey: preferred
  mdsBlobFile: ""
  mdsRootFile: ""
passwords:
  enabled: true
geoip:
  databaseFile: ""
rateLimits:
  tokenPerSecond: 100
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("Redacted (-want +got):\n%s", diff)
	}
	if bytes.Contains(got, []byte("hunter2")) {
		t.Errorf("Redacted reveals a secret:\n%s", got)
	}

	// The output reads back as a config file (with the placeholders as
	// values), so `config check` output can be pasted into a file.
	if _, err := applyFile(new(Config), "redacted.yaml", got); err != nil {
		t.Errorf("Redacted output is not a valid config file: %v", err)
	}
}

func TestRedactedEmptySecrets(t *testing.T) {
	got, err := Default().Redacted()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{`database: ""`, `secretKey: ""`, `  password: ""`, "trustedProxies: []"} {
		if !strings.Contains(string(got), line+"\n") {
			t.Errorf("Redacted output lacks %q:\n%s", line, got)
		}
	}
}

func TestRedactDatabaseURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"postgres://user:pw@host/db", "postgres://user:[redacted]@host/db"},
		{"postgresql://user:p%40ss@host:5433/db", "postgresql://user:[redacted]@host:5433/db"},
		{"postgres://us%40er:pw@host/db", "postgres://us%40er:[redacted]@host/db"},
		{"postgres://:pw@host/db", "postgres://:[redacted]@host/db"},
		{"postgres://user@host/db", "postgres://user@host/db"},
		{"postgres:///db?host=/run/postgresql&password=pw", "postgres:///db?host=/run/postgresql&password=[redacted]"},
		{"postgres://host/db?PassWord=pw&sslmode=disable", "postgres://host/db?PassWord=[redacted]&sslmode=disable"},
		{"sqlite:/var/lib/s.db", "sqlite:/var/lib/s.db"},
		{"file:s.db?_pragma=busy_timeout(5000)", "file:s.db?_pragma=busy_timeout(5000)"},
		{"host=db password=pw", "[redacted]"},
		{"postgres://u:pw@host:bad/db", "[redacted]"},
	}
	for _, tt := range tests {
		if got := redactDatabaseURL(tt.in); got != tt.want {
			t.Errorf("redactDatabaseURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSecretNeverPrints(t *testing.T) {
	c := Default()
	c.Database = "postgres://u:hunter2@db/s"
	c.SecretKey = "hunter2"
	c.SMTP.Password = "hunter2"
	s := c.SMTP.Password

	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "password", s, "config", c)
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	y, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v":    fmt.Sprintf("%v", s),
		"%s":    fmt.Sprintf("%s", s),
		"%q":    fmt.Sprintf("%q", s),
		"%x":    fmt.Sprintf("%x", s),
		"%#v":   fmt.Sprintf("%#v", s),
		"%+v c": fmt.Sprintf("%+v", c),
		"%#v c": fmt.Sprintf("%#v", c),
		"slog":  logs.String(),
		"json":  string(j),
		"yaml":  string(y),
	}
	for name, out := range outputs {
		if strings.Contains(out, "hunter2") {
			t.Errorf("%s reveals the secret: %s", name, out)
		}
		if !strings.Contains(out, "[redacted]") && name != "%x" {
			t.Errorf("%s lacks [redacted]: %s", name, out)
		}
	}
	if s.Reveal() != "hunter2" {
		t.Errorf("Reveal() = %q", s.Reveal())
	}

	var empty Secret
	for name, got := range map[string]string{
		"String": empty.String(), "%v": fmt.Sprintf("%v", empty), "LogValue": empty.LogValue().String(),
	} {
		if got != "" {
			t.Errorf("empty Secret %s = %q, want \"\"", name, got)
		}
	}
	if j, _ := json.Marshal(empty); string(j) != `""` {
		t.Errorf("empty Secret JSON = %s, want \"\"", j)
	}
}

func TestDurationMarshalling(t *testing.T) {
	type doc struct {
		D Duration `yaml:"d" json:"d"`
	}
	want := doc{Duration(90 * time.Second)}

	y, err := yaml.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if string(y) != "d: 1m30s\n" {
		t.Errorf("YAML = %q", y)
	}
	var fromYAML doc
	if err := yaml.Unmarshal(y, &fromYAML); err != nil || fromYAML != want {
		t.Errorf("YAML round trip = %v, %v", fromYAML, err)
	}

	j, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if string(j) != `{"d":"1m30s"}` {
		t.Errorf("JSON = %s", j)
	}
	var fromJSON doc
	if err := json.Unmarshal(j, &fromJSON); err != nil || fromJSON != want {
		t.Errorf("JSON round trip = %v, %v", fromJSON, err)
	}

	if err := json.Unmarshal([]byte(`{"d":"soon"}`), &fromJSON); err == nil {
		t.Error("JSON accepted a bad duration")
	}
}
