package config

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Config is Strongroom's effective configuration. Build it with [Load] (or
// [Default] in tests) and check it with [Config.Validate].
type Config struct {
	// DataDir holds the SQLite database and the generated secret key.
	DataDir string `yaml:"dataDir"`
	// Listen is the host:port the server listens on.
	Listen string `yaml:"listen"`
	// PublicURL is the URL users reach the server at. It is the WebAuthn
	// origin and the OIDC issuer, so it must be https except on localhost.
	// Load derives it from Listen when no layer sets it.
	PublicURL string `yaml:"publicURL"`
	// Database is the database URL (see [Config.DatabaseDriver]); empty
	// means the SQLite file DataDir/strongroom.db.
	Database Secret `yaml:"database"`
	// TLS, when set, makes the server terminate TLS itself.
	TLS TLS `yaml:"tls"`
	// SecretKey is base64 of at least [SecretKeyLen] random bytes that key
	// HMACs and encryption (see [DecodeSecretKey]); empty means a key file
	// generated in DataDir on first start. Every node sharing one PostgreSQL
	// must have the same key.
	SecretKey Secret `yaml:"secretKey"`
	// SMTP is the outgoing mail server; email is off when its Host is empty.
	SMTP SMTP `yaml:"smtp"`
	// Notify configures notification channels besides email.
	Notify Notify `yaml:"notify"`
	// Log configures the process's slog handler.
	Log Log `yaml:"log"`
	// TrustedProxies are CIDRs or bare IP addresses whose X-Forwarded-For
	// header is believed.
	TrustedProxies []string `yaml:"trustedProxies"`
	// ShutdownTimeout bounds graceful shutdown.
	ShutdownTimeout Duration `yaml:"shutdownTimeout"`
	// Bootstrap shapes what the first start creates.
	Bootstrap Bootstrap `yaml:"bootstrap"`
	// WebAuthn configures passkeys and security keys.
	WebAuthn WebAuthn `yaml:"webauthn"`
	// Passwords switches passwords on or off for the whole tenant.
	Passwords Passwords `yaml:"passwords"`
	// GeoIP names the MaxMind-format country database for Conditional
	// Access country locations.
	GeoIP GeoIP `yaml:"geoip"`
	// RateLimits bounds request rates per client address.
	RateLimits RateLimits `yaml:"rateLimits"`
}

// Bootstrap shapes the tenant that the first start creates.
type Bootstrap struct {
	// AdminUserPrincipalName is the first administrator's name.
	AdminUserPrincipalName string `yaml:"adminUserPrincipalName"`
}

// WebAuthn configures passkeys and security keys.
type WebAuthn struct {
	// Origins are further origins (besides the public URL's) that pages
	// calling WebAuthn may have, e.g. https://login.example.com.
	Origins []string `yaml:"origins"`
	// ResidentKey is "preferred" (default) or "required": whether new
	// credentials must be discoverable (usable without a user name).
	ResidentKey string `yaml:"residentKey"`
	// MDSBlobFile is a FIDO Metadata Service (MDS3) BLOB, a JWT downloaded
	// from https://mds3.fidoalliance.org/, refreshed by the operator.
	MDSBlobFile string `yaml:"mdsBlobFile"`
	// MDSRootFile is the PEM root certificate that signs the BLOB's chain
	// (the FIDO Alliance's "Global Root - R3" for the real service).
	MDSRootFile string `yaml:"mdsRootFile"`
}

// Passwords switches passwords on or off.
type Passwords struct {
	// Enabled lets users set and sign in with passwords; off makes the
	// tenant passwordless.
	Enabled bool `yaml:"enabled"`
}

// GeoIP names the country database.
type GeoIP struct {
	// DatabaseFile is a MaxMind-format (.mmdb) country database.
	DatabaseFile string `yaml:"databaseFile"`
}

// RateLimits bounds request rates per client address.
type RateLimits struct {
	// TokenPerSecond is the token endpoint's rate per client address
	// (burst twice that); 0 turns the limit off.
	TokenPerSecond float64 `yaml:"tokenPerSecond"`
}

// TLS names the certificate and private key (PEM files) for serving TLS.
// Both or neither must be set; neither means plain HTTP, typically behind a
// proxy that terminates TLS.
type TLS struct {
	CertFile string `yaml:"certFile"`
	KeyFile  string `yaml:"keyFile"`
}

// Enabled reports whether the operator asked the server to serve TLS.
func (t TLS) Enabled() bool { return t.CertFile != "" || t.KeyFile != "" }

// SMTP configures the outgoing mail server.
type SMTP struct {
	Host     string `yaml:"host"` // empty turns email off
	Port     int    `yaml:"port"`
	Username string `yaml:"username"`
	Password Secret `yaml:"password"`
	From     string `yaml:"from"`     // RFC 5322 address, e.g. "Strongroom <strongroom@example.com>"
	Security string `yaml:"security"` // "starttls", "tls" (implicit TLS) or "none"
}

// Notify configures the webhook channel of notifications (PIM events and
// emergency-access alerts, as JSON signed with HMAC-SHA-256).
type Notify struct {
	// WebhookURL receives the JSON; empty turns the webhook off.
	WebhookURL string `yaml:"webhookURL"`
	// WebhookSecret keys the X-Strongroom-Signature header.
	WebhookSecret Secret `yaml:"webhookSecret"`
}

// Log configures logging.
type Log struct {
	Format string `yaml:"format"` // "text" or "json"
	Level  string `yaml:"level"`  // "debug", "info", "warn" or "error"
}

// Duration is a time.Duration that reads and writes, in YAML and JSON, as a
// Go duration string such as "15s".
type Duration time.Duration

// String returns the duration in Go syntax.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Default returns the built-in defaults: the bottom layer of [Load].
func Default() Config {
	c := Config{
		DataDir:         "./data",
		Listen:          "localhost:8080",
		SMTP:            SMTP{Port: 587, Security: "starttls"},
		Log:             Log{Format: "text", Level: "info"},
		ShutdownTimeout: Duration(15 * time.Second),
		Bootstrap:       Bootstrap{AdminUserPrincipalName: "admin@strongroom.local"},
		WebAuthn:        WebAuthn{ResidentKey: "preferred"},
		Passwords:       Passwords{Enabled: true},
		RateLimits:      RateLimits{TokenPerSecond: 100},
	}
	c.PublicURL = derivePublicURL(c.Listen, c.TLS)
	return c
}

// derivePublicURL is the public URL of a server reached on this machine:
// http://localhost:PORT, or https when TLS is set. It is "" when listen has
// no port, which Validate then reports.
func derivePublicURL(listen string, tls TLS) string {
	_, port, err := net.SplitHostPort(listen)
	if err != nil || port == "" {
		return ""
	}
	scheme := "http"
	if tls.Enabled() {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort("localhost", port)
}

// Load builds the effective configuration from the defaults, the YAML file,
// the environment and the flags, in that order of precedence.
//
// It registers --config, --data-dir, --listen, --public-url and --database on
// fs and parses args with it, so a subcommand can add its own flags to fs
// first; only flags the user set override the other layers. env looks up an
// environment variable (os.LookupEnv in production).
//
// A missing or unparsable config file is returned as is (errors.Is works
// with fs.ErrNotExist). Problems with the settings themselves, such as an
// unknown YAML key or both STRONGROOM_X and STRONGROOM_X_FILE being set, are
// all collected into one [*ValidationError]. Load does not call
// [Config.Validate].
func Load(fs *flag.FlagSet, args []string, env func(string) (string, bool)) (Config, error) {
	d := Default()
	fs.String("config", "", "read configuration from YAML `file` (env STRONGROOM_CONFIG)")
	fs.String("data-dir", d.DataDir, "data `directory` (env STRONGROOM_DATA_DIR)")
	fs.String("listen", d.Listen, "listen `address`, host:port (env STRONGROOM_LISTEN)")
	fs.String("public-url", "", "`URL` users reach the server at; default http://localhost:PORT from --listen (env STRONGROOM_PUBLIC_URL)")
	fs.String("database", "", "database `URL`: postgres://…, sqlite:PATH; default SQLite in the data directory (env STRONGROOM_DATABASE)")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	set := map[string]string{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = f.Value.String() })

	c := d
	c.PublicURL = "" // derived below unless a layer sets it
	var problems []string

	path, ok := set["config"]
	if !ok {
		path, _ = env("STRONGROOM_CONFIG")
	}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config file: %w", err)
		}
		p, err := applyFile(&c, path, data)
		if err != nil {
			return Config{}, err
		}
		problems = append(problems, p...)
	}

	problems = append(problems, applyEnv(&c, env)...)

	if v, ok := set["data-dir"]; ok {
		c.DataDir = v
	}
	if v, ok := set["listen"]; ok {
		c.Listen = v
	}
	if v, ok := set["public-url"]; ok {
		c.PublicURL = v
	}
	if v, ok := set["database"]; ok {
		c.Database = Secret(v)
	}

	if c.PublicURL == "" {
		c.PublicURL = derivePublicURL(c.Listen, c.TLS)
	}
	if len(problems) > 0 {
		// Report what the values say too, so that every problem is listed
		// at once (those of the layers that were read, then the rest).
		var verr *ValidationError
		if errors.As(c.Validate(), &verr) {
			for _, p := range verr.Problems {
				if !slices.Contains(problems, p) {
					problems = append(problems, p)
				}
			}
		}
		return Config{}, &ValidationError{Problems: problems}
	}
	return c, nil
}

// readSecretFile reads a secret from a file, dropping one trailing newline
// (which editors and `echo` add).
func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := strings.TrimSuffix(string(b), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

// DatabaseDriver names the database/sql driver and its data source:
// "sqlite" and the file path for "" (DataDir/strongroom.db), "sqlite:PATH",
// "sqlite://PATH" and "file:PATH" (also "file://PATH"); or "postgres" and the
// URL as given for "postgres://…" and "postgresql://…". The schemes are
// matched case-sensitively, as pgx does. For any other value it returns two
// empty strings; [Config.Validate] reports those.
func (c Config) DatabaseDriver() (driver, dsn string) {
	db := c.Database.Reveal()
	switch {
	case db == "":
		return "sqlite", filepath.Join(c.DataDir, "strongroom.db")
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		return "postgres", db
	}
	for _, prefix := range []string{"sqlite://", "sqlite:", "file://", "file:"} {
		if path, ok := strings.CutPrefix(db, prefix); ok {
			return "sqlite", path
		}
	}
	return "", ""
}

// SecretKeyLen is the minimum length, in bytes, of a decoded secret key.
const SecretKeyLen = 32

// DecodeSecretKey decodes a secret key given in any form SecretKey accepts:
// base64 in the standard or URL alphabet, padded or not. It fails when the
// key is shorter than [SecretKeyLen] bytes. The error never contains the key.
func DecodeSecretKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(b) < SecretKeyLen {
			return nil, fmt.Errorf("must be at least %d bytes, got %d", SecretKeyLen, len(b))
		}
		return b, nil
	}
	return nil, errors.New("must be base64 (standard or URL alphabet, padded or not)")
}
