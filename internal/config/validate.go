package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// ValidationError lists every problem found in a configuration, so that an
// operator can fix them all in one go. Each problem names the setting (or
// the file and line, or the environment variable) it is about. Problems
// never contain secret values.
type ValidationError struct {
	Problems []string
}

// Error returns the problems, one per line.
func (e *ValidationError) Error() string { return strings.Join(e.Problems, "\n") }

// Validate checks the configuration and returns a [*ValidationError]
// listing every problem, or nil. It reads the file system only to check that
// the TLS files exist.
func (c Config) Validate() error {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }

	if c.DataDir == "" {
		add("dataDir: must not be empty")
	}
	if !validListen(c.Listen) {
		add("listen: must be host:port with a numeric port (host may be empty), got %q", c.Listen)
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") ||
		u.Host == "" || u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		add("publicURL: must be an absolute http or https URL without user info, query or fragment, got %q", c.PublicURL)
	} else if u.Scheme != "https" && !isLoopbackName(u.Hostname()) {
		// WebAuthn only works in a secure context, and browsers treat
		// plain http as secure only for localhost.
		add("publicURL: must be https unless the host is localhost, 127.0.0.1 or ::1 (WebAuthn needs a secure context), got %q", c.PublicURL)
	}

	if problem := databaseProblem(c.Database.Reveal()); problem != "" {
		add("database: %s", problem)
	}

	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		add("tls: certFile and keyFile must be set together")
	}
	for _, f := range []struct{ name, path string }{{"tls.certFile", c.TLS.CertFile}, {"tls.keyFile", c.TLS.KeyFile}} {
		if f.path == "" {
			continue
		}
		if fi, err := os.Stat(f.path); err != nil {
			add("%s: %v", f.name, err)
		} else if fi.IsDir() {
			add("%s: %q is a directory", f.name, f.path)
		}
	}

	if c.SecretKey != "" {
		if _, err := DecodeSecretKey(c.SecretKey.Reveal()); err != nil {
			add("secretKey: %v", err)
		}
	}

	if c.SMTP.Port < 1 || c.SMTP.Port > 65535 {
		add("smtp.port: must be between 1 and 65535, got %d", c.SMTP.Port)
	}
	switch c.SMTP.Security {
	case "starttls", "tls", "none":
	default:
		add("smtp.security: must be starttls, tls or none, got %q", c.SMTP.Security)
	}
	if c.SMTP.Host != "" {
		if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
			add("smtp.from: must be an address such as \"Strongroom <strongroom@example.com>\" when smtp.host is set, got %q", c.SMTP.From)
		}
	}

	if c.Notify.WebhookURL != "" {
		u, err := url.Parse(c.Notify.WebhookURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add("notify.webhookURL: must be an http or https URL, got %q", c.Notify.WebhookURL)
		} else if u.Scheme == "http" && !isLoopbackName(u.Hostname()) {
			add("notify.webhookURL: must be https (http only to localhost), got %q", c.Notify.WebhookURL)
		}
		if len(c.Notify.WebhookSecret.Reveal()) < 16 {
			add("notify.webhookSecret: must be set, at least 16 characters, when notify.webhookURL is set")
		}
	}

	switch c.Log.Format {
	case "text", "json":
	default:
		add("log.format: must be text or json, got %q", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level: must be debug, info, warn or error, got %q", c.Log.Level)
	}

	for i, s := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(s); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(s); err == nil {
			continue
		}
		add("trustedProxies[%d]: must be a CIDR or an IP address, got %q", i, s)
	}

	if c.Bootstrap.AdminUserPrincipalName != "" {
		local, domain, ok := strings.Cut(c.Bootstrap.AdminUserPrincipalName, "@")
		if !ok || local == "" || domain == "" || strings.ContainsAny(c.Bootstrap.AdminUserPrincipalName, " \t") {
			add("bootstrap.adminUserPrincipalName: must look like admin@example.com, got %q", c.Bootstrap.AdminUserPrincipalName)
		}
	}
	switch c.WebAuthn.ResidentKey {
	case "preferred", "required":
	default:
		add("webauthn.residentKey: must be preferred or required, got %q", c.WebAuthn.ResidentKey)
	}
	for i, o := range c.WebAuthn.Origins {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackName(u.Hostname()))) || u.Host == "" || u.Path != "" || u.RawQuery != "" {
			add("webauthn.origins[%d]: must be an origin such as https://login.example.com, got %q", i, o)
		}
	}
	if (c.WebAuthn.MDSBlobFile == "") != (c.WebAuthn.MDSRootFile == "") {
		add("webauthn: mdsBlobFile and mdsRootFile must be set together")
	}
	for _, f := range []struct{ name, path string }{{"webauthn.mdsBlobFile", c.WebAuthn.MDSBlobFile}, {"webauthn.mdsRootFile", c.WebAuthn.MDSRootFile}, {"geoip.databaseFile", c.GeoIP.DatabaseFile}} {
		if f.path == "" {
			continue
		}
		if fi, err := os.Stat(f.path); err != nil {
			add("%s: %v", f.name, err)
		} else if fi.IsDir() {
			add("%s: %q is a directory", f.name, f.path)
		}
	}
	if c.RateLimits.TokenPerSecond < 0 {
		add("rateLimits.tokenPerSecond: must not be negative, got %v", c.RateLimits.TokenPerSecond)
	}

	if c.ShutdownTimeout <= 0 {
		add("shutdownTimeout: must be positive, got %s", c.ShutdownTimeout)
	}

	if len(p) > 0 {
		return &ValidationError{Problems: p}
	}
	return nil
}

func validListen(s string) bool {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return false
	}
	_, err = strconv.ParseUint(port, 10, 16)
	return err == nil
}

func isLoopbackName(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// databaseProblem describes what is wrong with a database URL, or returns "".
// It never repeats the URL, which may hold a password.
func databaseProblem(db string) string {
	driver, dsn := Config{Database: Secret(db), DataDir: "."}.DatabaseDriver()
	switch driver {
	case "postgres":
		if _, err := url.Parse(db); err != nil {
			return "is not a valid URL"
		}
	case "sqlite":
		if dsn == "" {
			return "the SQLite file path is empty"
		}
	default:
		return "must be postgres://…, postgresql://…, sqlite:PATH, sqlite://PATH or file:PATH"
	}
	return ""
}
