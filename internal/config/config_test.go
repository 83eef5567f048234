package config

import (
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// mapEnv is an environment lookup backed by a map.
func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func newFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// load runs Load with yamlDoc (if not empty) as the config file, named by
// STRONGROOM_CONFIG.
func load(t *testing.T, yamlDoc string, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	e := map[string]string{}
	for k, v := range env {
		e[k] = v
	}
	if yamlDoc != "" {
		e["STRONGROOM_CONFIG"] = writeFile(t, "strongroom.yaml", yamlDoc)
	}
	return Load(newFlagSet(), args, mapEnv(e))
}

func problems(t *testing.T, err error) []string {
	t.Helper()
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("error = %v (%T), want *ValidationError", err, err)
	}
	return verr.Problems
}

func TestLoadDefaults(t *testing.T) {
	c, err := load(t, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Default(), c); diff != "" {
		t.Errorf("Load with nothing set differs from Default (-want +got):\n%s", diff)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

// TestLoadPrecedence checks, for every setting, that each layer overrides
// the one below: default < file < env < flag.
func TestLoadPrecedence(t *testing.T) {
	fields := []struct {
		name               string
		get                func(Config) string
		yaml               string // sets the field to file
		env, envValue      string // sets it to envWant
		flag, flagValue    string // sets it to flagWant; "" when there is no flag
		def, file, envWant string
		flagWant           string
	}{
		{
			name: "DataDir", get: func(c Config) string { return c.DataDir },
			yaml: "dataDir: /file", env: "STRONGROOM_DATA_DIR", envValue: "/env", flag: "--data-dir", flagValue: "/flag",
			def: "./data", file: "/file", envWant: "/env", flagWant: "/flag",
		},
		{
			name: "Listen", get: func(c Config) string { return c.Listen },
			yaml: "listen: 'file:1'", env: "STRONGROOM_LISTEN", envValue: "env:2", flag: "--listen", flagValue: "flag:3",
			def: "localhost:8080", file: "file:1", envWant: "env:2", flagWant: "flag:3",
		},
		{
			name: "PublicURL", get: func(c Config) string { return c.PublicURL },
			yaml: "publicURL: https://file.example", env: "STRONGROOM_PUBLIC_URL", envValue: "https://env.example",
			flag: "--public-url", flagValue: "https://flag.example",
			def: "http://localhost:8080", file: "https://file.example", envWant: "https://env.example", flagWant: "https://flag.example",
		},
		{
			name: "Database", get: func(c Config) string { return c.Database.Reveal() },
			yaml: "database: sqlite:file.db", env: "STRONGROOM_DATABASE", envValue: "postgres://env/db",
			flag: "--database", flagValue: "postgres://flag/db",
			def: "", file: "sqlite:file.db", envWant: "postgres://env/db", flagWant: "postgres://flag/db",
		},
		{
			name: "TLS.CertFile", get: func(c Config) string { return c.TLS.CertFile },
			yaml: "tls: {certFile: file.pem}", env: "STRONGROOM_TLS_CERT_FILE", envValue: "env.pem",
			def: "", file: "file.pem", envWant: "env.pem",
		},
		{
			name: "TLS.KeyFile", get: func(c Config) string { return c.TLS.KeyFile },
			yaml: "tls: {keyFile: file.key}", env: "STRONGROOM_TLS_KEY_FILE", envValue: "env.key",
			def: "", file: "file.key", envWant: "env.key",
		},
		{
			name: "SecretKey", get: func(c Config) string { return c.SecretKey.Reveal() },
			yaml: "secretKey: filekey", env: "STRONGROOM_SECRET_KEY", envValue: "envkey",
			def: "", file: "filekey", envWant: "envkey",
		},
		{
			name: "SMTP.Host", get: func(c Config) string { return c.SMTP.Host },
			yaml: "smtp: {host: file.example}", env: "STRONGROOM_SMTP_HOST", envValue: "env.example",
			def: "", file: "file.example", envWant: "env.example",
		},
		{
			name: "SMTP.Port", get: func(c Config) string { return strconv.Itoa(c.SMTP.Port) },
			yaml: "smtp: {port: 25}", env: "STRONGROOM_SMTP_PORT", envValue: "465",
			def: "587", file: "25", envWant: "465",
		},
		{
			name: "SMTP.Username", get: func(c Config) string { return c.SMTP.Username },
			yaml: "smtp: {username: fileuser}", env: "STRONGROOM_SMTP_USERNAME", envValue: "envuser",
			def: "", file: "fileuser", envWant: "envuser",
		},
		{
			name: "SMTP.Password", get: func(c Config) string { return c.SMTP.Password.Reveal() },
			yaml: "smtp: {password: filepw}", env: "STRONGROOM_SMTP_PASSWORD", envValue: "envpw",
			def: "", file: "filepw", envWant: "envpw",
		},
		{
			name: "SMTP.From", get: func(c Config) string { return c.SMTP.From },
			yaml: "smtp: {from: 'File <f@example.com>'}", env: "STRONGROOM_SMTP_FROM", envValue: "Env <e@example.com>",
			def: "", file: "File <f@example.com>", envWant: "Env <e@example.com>",
		},
		{
			name: "SMTP.Security", get: func(c Config) string { return c.SMTP.Security },
			yaml: "smtp: {security: tls}", env: "STRONGROOM_SMTP_SECURITY", envValue: "none",
			def: "starttls", file: "tls", envWant: "none",
		},
		{
			name: "Log.Format", get: func(c Config) string { return c.Log.Format },
			yaml: "log: {format: json}", env: "STRONGROOM_LOG_FORMAT", envValue: "text",
			def: "text", file: "json", envWant: "text",
		},
		{
			name: "Log.Level", get: func(c Config) string { return c.Log.Level },
			yaml: "log: {level: debug}", env: "STRONGROOM_LOG_LEVEL", envValue: "warn",
			def: "info", file: "debug", envWant: "warn",
		},
		{
			name: "TrustedProxies", get: func(c Config) string { return strings.Join(c.TrustedProxies, "|") },
			yaml: "trustedProxies: [10.0.0.0/8, 192.0.2.1]", env: "STRONGROOM_TRUSTED_PROXIES", envValue: " 172.16.0.0/12 ,, ::1 ",
			def: "", file: "10.0.0.0/8|192.0.2.1", envWant: "172.16.0.0/12|::1",
		},
		{
			name: "ShutdownTimeout", get: func(c Config) string { return c.ShutdownTimeout.String() },
			yaml: "shutdownTimeout: 1m30s", env: "STRONGROOM_SHUTDOWN_TIMEOUT", envValue: "2s",
			def: "15s", file: "1m30s", envWant: "2s",
		},
	}
	for _, f := range fields {
		type layer struct {
			name string
			yaml string
			env  map[string]string
			args []string
			want string
		}
		layers := []layer{
			{name: "default", want: f.def},
			{name: "file", yaml: f.yaml, want: f.file},
			{name: "env", yaml: f.yaml, env: map[string]string{f.env: f.envValue}, want: f.envWant},
		}
		if f.flag != "" {
			layers = append(layers, layer{name: "flag", yaml: f.yaml, env: map[string]string{f.env: f.envValue}, args: []string{f.flag, f.flagValue}, want: f.flagWant})
		}
		for _, l := range layers {
			t.Run(f.name+"/"+l.name, func(t *testing.T) {
				c, err := load(t, l.yaml, l.env, l.args...)
				if err != nil {
					t.Fatal(err)
				}
				if got := f.get(c); got != l.want {
					t.Errorf("%s = %q, want %q", f.name, got, l.want)
				}
			})
		}
	}
}

// TestLoadFileWhole checks a full file against the whole Config, so that a
// key cannot set the wrong field unnoticed.
func TestLoadFileWhole(t *testing.T) {
	doc := `
dataDir: /var/lib/strongroom
listen: 0.0.0.0:9000
publicURL: https://id.example.com
database: postgres://strongroom:pw@db/strongroom
tls:
  certFile: /etc/cert.pem
  keyFile: /etc/key.pem
secretKey: c2VjcmV0
smtp:
  host: smtp.example.com
  port: 2525
  username: mailer
  password: mailpw
  from: Strongroom <strongroom@example.com>
  security: tls
log: {format: json, level: warn}
trustedProxies:
  - 10.0.0.0/8
shutdownTimeout: 30s
bootstrap: {adminUserPrincipalName: root@example.com}
webauthn:
  origins: [https://login.example.com]
  residentKey: required
passwords: {enabled: false}
rateLimits: {tokenPerSecond: 0}
`
	c, err := load(t, doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		DataDir:   "/var/lib/strongroom",
		Listen:    "0.0.0.0:9000",
		PublicURL: "https://id.example.com",
		Database:  "postgres://strongroom:pw@db/strongroom",
		TLS:       TLS{CertFile: "/etc/cert.pem", KeyFile: "/etc/key.pem"},
		SecretKey: "c2VjcmV0",
		SMTP: SMTP{Host: "smtp.example.com", Port: 2525, Username: "mailer", Password: "mailpw",
			From: "Strongroom <strongroom@example.com>", Security: "tls"},
		Log:             Log{Format: "json", Level: "warn"},
		TrustedProxies:  []string{"10.0.0.0/8"},
		ShutdownTimeout: Duration(30 * time.Second),
		Bootstrap:       Bootstrap{AdminUserPrincipalName: "root@example.com"},
		WebAuthn:        WebAuthn{Origins: []string{"https://login.example.com"}, ResidentKey: "required"},
		Passwords:       Passwords{Enabled: false},
		RateLimits:      RateLimits{TokenPerSecond: 0},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("Load (-want +got):\n%s", diff)
	}
}

func TestLoadEmptyEnvCountsAsSet(t *testing.T) {
	c, err := load(t, "smtp: {host: smtp.example.com}\ntrustedProxies: [10.0.0.0/8]", map[string]string{
		"STRONGROOM_SMTP_HOST":       "",
		"STRONGROOM_TRUSTED_PROXIES": "",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP.Host != "" || c.TrustedProxies != nil {
		t.Errorf("SMTP.Host = %q, TrustedProxies = %q; want both cleared by empty variables", c.SMTP.Host, c.TrustedProxies)
	}
}

func TestLoadSecretFiles(t *testing.T) {
	dbFile := writeFile(t, "db", "postgres://u:p@db/x\n")
	keyFile := writeFile(t, "key", "a2V5\r\n")
	pwFile := writeFile(t, "pw", "pw with two newlines\n\n")
	noNewline := writeFile(t, "plain", "plain")

	type secrets struct{ Database, SecretKey, SMTPPassword string }
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want secrets
	}{
		{
			name: "env",
			env: map[string]string{
				"STRONGROOM_DATABASE_FILE":      dbFile,
				"STRONGROOM_SECRET_KEY_FILE":    keyFile,
				"STRONGROOM_SMTP_PASSWORD_FILE": pwFile,
			},
			want: secrets{"postgres://u:p@db/x", "a2V5", "pw with two newlines\n"},
		},
		{
			name: "yaml",
			yaml: "databaseFile: " + dbFile + "\nsecretKeyFile: " + keyFile + "\nsmtp:\n  passwordFile: " + noNewline + "\n",
			want: secrets{"postgres://u:p@db/x", "a2V5", "plain"},
		},
		{
			name: "env file overrides yaml value",
			yaml: "database: sqlite:x.db\nsecretKey: yamlkey\nsmtp: {password: yamlpw}",
			env: map[string]string{
				"STRONGROOM_DATABASE_FILE":      dbFile,
				"STRONGROOM_SECRET_KEY_FILE":    keyFile,
				"STRONGROOM_SMTP_PASSWORD_FILE": noNewline,
			},
			want: secrets{"postgres://u:p@db/x", "a2V5", "plain"},
		},
		{
			name: "env value overrides yaml file",
			yaml: "databaseFile: " + dbFile + "\nsecretKeyFile: " + keyFile + "\nsmtp: {passwordFile: " + pwFile + "}",
			env: map[string]string{
				"STRONGROOM_DATABASE":      "sqlite:env.db",
				"STRONGROOM_SECRET_KEY":    "envkey",
				"STRONGROOM_SMTP_PASSWORD": "envpw",
			},
			want: secrets{"sqlite:env.db", "envkey", "envpw"},
		},
		{
			name: "flag overrides env file",
			env:  map[string]string{"STRONGROOM_DATABASE_FILE": dbFile},
			want: secrets{Database: "sqlite:flag.db"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args []string
			if strings.HasPrefix(tt.name, "flag") {
				args = []string{"--database=sqlite:flag.db"}
			}
			c, err := load(t, tt.yaml, tt.env, args...)
			if err != nil {
				t.Fatal(err)
			}
			got := secrets{c.Database.Reveal(), c.SecretKey.Reveal(), c.SMTP.Password.Reveal()}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("secrets (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadProblems(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	_, missingErr := os.ReadFile(missing)

	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want []string // %s is replaced by the config file's path
	}{
		{
			name: "env value and file both set",
			env: map[string]string{
				"STRONGROOM_DATABASE": "sqlite:x.db", "STRONGROOM_DATABASE_FILE": "db",
				"STRONGROOM_SECRET_KEY": "k", "STRONGROOM_SECRET_KEY_FILE": "k",
				"STRONGROOM_SMTP_PASSWORD": "p", "STRONGROOM_SMTP_PASSWORD_FILE": "p",
			},
			want: []string{
				"STRONGROOM_DATABASE and STRONGROOM_DATABASE_FILE are both set; use one",
				"STRONGROOM_SECRET_KEY and STRONGROOM_SECRET_KEY_FILE are both set; use one",
				"STRONGROOM_SMTP_PASSWORD and STRONGROOM_SMTP_PASSWORD_FILE are both set; use one",
			},
		},
		{
			name: "yaml value and file both set",
			yaml: "database: sqlite:x.db\ndatabaseFile: db\nsecretKeyFile: k\nsecretKey: k\nsmtp:\n  password: p\n  passwordFile: p\n",
			want: []string{
				"%s:2: database and databaseFile are both set; use one",
				"%s:3: secretKey and secretKeyFile are both set; use one",
				"%s:7: smtp.password and smtp.passwordFile are both set; use one",
			},
		},
		{
			name: "unknown keys",
			yaml: "listen: :8080\nlsiten: :9090\nsmtp:\n  passwrd: x\nlog: {colour: true}\n",
			want: []string{
				`%s:2: unknown key "lsiten"`,
				`%s:4: unknown key "smtp.passwrd"`,
				`%s:5: unknown key "log.colour"`,
			},
		},
		{
			name: "duplicate key",
			yaml: "listen: :8080\nlisten: :9090\n",
			want: []string{`%s:2: duplicate key "listen"`},
		},
		{
			name: "wrong types",
			yaml: "dataDir: [a]\nsmtp: {port: many}\nshutdownTimeout: soon\ntrustedProxies: 10.0.0.0/8\ntls: yes\n",
			want: []string{
				"%s:1: dataDir: must be a string",
				`%s:2: smtp.port: must be an integer, got "many"`,
				`%s:3: shutdownTimeout: must be a duration such as 15s, got "soon"`,
				"%s:4: trustedProxies: must be a list",
				"%s:5: tls: must be a mapping",
			},
		},
		{
			name: "not a mapping",
			yaml: "- listen\n",
			want: []string{"%s:1: must be a mapping of settings"},
		},
		{
			name: "missing secret files",
			yaml: "secretKeyFile: " + missing + "\n",
			env:  map[string]string{"STRONGROOM_SMTP_PASSWORD_FILE": missing},
			want: []string{
				"%s:1: secretKeyFile: " + missingErr.Error(),
				"STRONGROOM_SMTP_PASSWORD_FILE: " + missingErr.Error(),
			},
		},
		{
			name: "bad env values",
			env:  map[string]string{"STRONGROOM_SMTP_PORT": "smtp", "STRONGROOM_SHUTDOWN_TIMEOUT": "15"},
			want: []string{
				`STRONGROOM_SMTP_PORT: must be an integer, got "smtp"`,
				`STRONGROOM_SHUTDOWN_TIMEOUT: must be a duration such as 15s, got "15"`,
			},
		},
		{
			name: "empty secret file variable",
			env:  map[string]string{"STRONGROOM_SECRET_KEY_FILE": ""},
			want: []string{"STRONGROOM_SECRET_KEY_FILE is set but empty; name the file that holds the value, or unset it"},
		},
		{
			name: "layer and value problems together",
			yaml: "smtp: {prot: 25}\n",
			env:  map[string]string{"STRONGROOM_PUBLIC_URL": "ftp://id.contoso.com"},
			want: []string{
				`%s:1: unknown key "smtp.prot"`,
				`publicURL: must be an absolute http or https URL without user info, query or fragment, got "ftp://id.contoso.com"`,
			},
		},
		{
			name: "file and env problems together",
			yaml: "smtp: {prot: 25}\n",
			env:  map[string]string{"STRONGROOM_SMTP_PORT": "x"},
			want: []string{
				`%s:1: unknown key "smtp.prot"`,
				`STRONGROOM_SMTP_PORT: must be an integer, got "x"`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range tt.env {
				env[k] = v
			}
			var path string
			if tt.yaml != "" {
				path = writeFile(t, "strongroom.yaml", tt.yaml)
				env["STRONGROOM_CONFIG"] = path
			}
			_, err := Load(newFlagSet(), nil, mapEnv(env))
			var want []string
			for _, w := range tt.want {
				want = append(want, strings.ReplaceAll(w, "%s", path))
			}
			if diff := cmp.Diff(want, problems(t, err)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadConfigFile(t *testing.T) {
	good := writeFile(t, "good.yaml", "listen: ':7000'\n")
	missing := filepath.Join(t.TempDir(), "missing.yaml")

	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		wantListen string
		wantErr    error
	}{
		{name: "flag", args: []string{"--config", good}, wantListen: ":7000"},
		{name: "env", env: map[string]string{"STRONGROOM_CONFIG": good}, wantListen: ":7000"},
		{name: "flag wins over env", env: map[string]string{"STRONGROOM_CONFIG": missing}, args: []string{"--config=" + good}, wantListen: ":7000"},
		{name: "empty flag means no file", env: map[string]string{"STRONGROOM_CONFIG": missing}, args: []string{"--config="}, wantListen: "localhost:8080"},
		{name: "missing file from flag", args: []string{"--config", missing}, wantErr: fs.ErrNotExist},
		{name: "missing file from env", env: map[string]string{"STRONGROOM_CONFIG": missing}, wantErr: fs.ErrNotExist},
		{name: "help", args: []string{"-h"}, wantErr: flag.ErrHelp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(newFlagSet(), tt.args, mapEnv(tt.env))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Load error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && c.Listen != tt.wantListen {
				t.Errorf("Listen = %q, want %q", c.Listen, tt.wantListen)
			}
		})
	}
}

func TestLoadBadYAML(t *testing.T) {
	_, err := load(t, "listen: [\n", nil)
	var verr *ValidationError
	if err == nil || errors.As(err, &verr) {
		t.Fatalf("Load error = %v, want a YAML syntax error", err)
	}
}

func TestLoadKeepsSubcommandFlags(t *testing.T) {
	fs := newFlagSet()
	dryRun := fs.Bool("dry-run", false, "")
	c, err := Load(fs, []string{"--dry-run", "--listen", ":1234", "extra"}, mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !*dryRun || c.Listen != ":1234" || !cmp.Equal(fs.Args(), []string{"extra"}) {
		t.Errorf("dry-run = %v, Listen = %q, Args = %q", *dryRun, c.Listen, fs.Args())
	}
}

func TestLoadUnknownFlag(t *testing.T) {
	if _, err := Load(newFlagSet(), []string{"--no-such-flag"}, mapEnv(nil)); err == nil {
		t.Error("Load accepted an unknown flag")
	}
}

func TestPublicURLDerivation(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		args []string
		want string
	}{
		{name: "default", want: "http://localhost:8080"},
		{name: "listen from file", yaml: "listen: 0.0.0.0:9000", want: "http://localhost:9000"},
		{name: "port only", env: map[string]string{"STRONGROOM_LISTEN": ":9001"}, want: "http://localhost:9001"},
		{name: "IPv6 listen", args: []string{"--listen", "[::]:9002"}, want: "http://localhost:9002"},
		{name: "flag listen beats file listen", yaml: "listen: :9000", args: []string{"--listen=:9003"}, want: "http://localhost:9003"},
		{name: "TLS", yaml: "listen: :8443\ntls: {certFile: c.pem, keyFile: k.pem}", want: "https://localhost:8443"},
		{name: "set explicitly", yaml: "publicURL: https://id.example.com", args: []string{"--listen=:9004"}, want: "https://id.example.com"},
		{name: "listen without port", env: map[string]string{"STRONGROOM_LISTEN": "localhost"}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, tt.yaml, tt.env, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if c.PublicURL != tt.want {
				t.Errorf("PublicURL = %q, want %q", c.PublicURL, tt.want)
			}
		})
	}
}

func TestDatabaseDriver(t *testing.T) {
	tests := []struct {
		database   Secret
		wantDriver string
		wantDSN    string
	}{
		{"", "sqlite", filepath.Join("/srv/data", "strongroom.db")},
		{"sqlite:/var/lib/s.db", "sqlite", "/var/lib/s.db"},
		{"sqlite:rel.db", "sqlite", "rel.db"},
		{"sqlite:///var/lib/s.db", "sqlite", "/var/lib/s.db"},
		{"sqlite://rel.db", "sqlite", "rel.db"},
		{"file:/var/lib/s.db", "sqlite", "/var/lib/s.db"},
		{"file:///var/lib/s.db", "sqlite", "/var/lib/s.db"},
		{"file:rel.db", "sqlite", "rel.db"},
		{"postgres://u:p@db:5432/s?sslmode=require", "postgres", "postgres://u:p@db:5432/s?sslmode=require"},
		{"postgresql://db/s", "postgres", "postgresql://db/s"},
		{"mysql://db/s", "", ""},
		{"host=db user=u", "", ""},
		{"POSTGRES://db/s", "", ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.database), func(t *testing.T) {
			c := Default()
			c.DataDir = "/srv/data"
			c.Database = tt.database
			driver, dsn := c.DatabaseDriver()
			if driver != tt.wantDriver || dsn != tt.wantDSN {
				t.Errorf("DatabaseDriver() = %q, %q; want %q, %q", driver, dsn, tt.wantDriver, tt.wantDSN)
			}
		})
	}
}
