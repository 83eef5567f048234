package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// envVar is one STRONGROOM_* variable and how it sets the configuration.
type envVar struct {
	name string
	// file says that name+"_FILE" may give the value instead, for secrets.
	file bool
	// set applies the value; its error becomes a problem naming the variable.
	set func(c *Config, v string) error
}

// envVars lists every variable but STRONGROOM_CONFIG, which Load reads
// before the file. doc.go lists them all for operators; a test keeps the
// two in step.
var envVars = []envVar{
	{"STRONGROOM_DATA_DIR", false, func(c *Config, v string) error { c.DataDir = v; return nil }},
	{"STRONGROOM_LISTEN", false, func(c *Config, v string) error { c.Listen = v; return nil }},
	{"STRONGROOM_PUBLIC_URL", false, func(c *Config, v string) error { c.PublicURL = v; return nil }},
	{"STRONGROOM_DATABASE", true, func(c *Config, v string) error { c.Database = Secret(v); return nil }},
	{"STRONGROOM_TLS_CERT_FILE", false, func(c *Config, v string) error { c.TLS.CertFile = v; return nil }},
	{"STRONGROOM_TLS_KEY_FILE", false, func(c *Config, v string) error { c.TLS.KeyFile = v; return nil }},
	{"STRONGROOM_SECRET_KEY", true, func(c *Config, v string) error { c.SecretKey = Secret(v); return nil }},
	{"STRONGROOM_SMTP_HOST", false, func(c *Config, v string) error { c.SMTP.Host = v; return nil }},
	{"STRONGROOM_SMTP_PORT", false, func(c *Config, v string) error {
		p, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("must be an integer, got %q", v)
		}
		c.SMTP.Port = p
		return nil
	}},
	{"STRONGROOM_SMTP_USERNAME", false, func(c *Config, v string) error { c.SMTP.Username = v; return nil }},
	{"STRONGROOM_SMTP_PASSWORD", true, func(c *Config, v string) error { c.SMTP.Password = Secret(v); return nil }},
	{"STRONGROOM_SMTP_FROM", false, func(c *Config, v string) error { c.SMTP.From = v; return nil }},
	{"STRONGROOM_SMTP_SECURITY", false, func(c *Config, v string) error { c.SMTP.Security = v; return nil }},
	{"STRONGROOM_NOTIFY_WEBHOOK_URL", false, func(c *Config, v string) error { c.Notify.WebhookURL = v; return nil }},
	{"STRONGROOM_NOTIFY_WEBHOOK_SECRET", true, func(c *Config, v string) error { c.Notify.WebhookSecret = Secret(v); return nil }},
	{"STRONGROOM_LOG_FORMAT", false, func(c *Config, v string) error { c.Log.Format = v; return nil }},
	{"STRONGROOM_LOG_LEVEL", false, func(c *Config, v string) error { c.Log.Level = v; return nil }},
	{"STRONGROOM_TRUSTED_PROXIES", false, func(c *Config, v string) error { c.TrustedProxies = splitList(v); return nil }},
	{"STRONGROOM_BOOTSTRAP_ADMIN_UPN", false, func(c *Config, v string) error { c.Bootstrap.AdminUserPrincipalName = v; return nil }},
	{"STRONGROOM_WEBAUTHN_ORIGINS", false, func(c *Config, v string) error { c.WebAuthn.Origins = splitList(v); return nil }},
	{"STRONGROOM_WEBAUTHN_RESIDENT_KEY", false, func(c *Config, v string) error { c.WebAuthn.ResidentKey = v; return nil }},
	{"STRONGROOM_MDS_BLOB_FILE", false, func(c *Config, v string) error { c.WebAuthn.MDSBlobFile = v; return nil }},
	{"STRONGROOM_MDS_ROOT_FILE", false, func(c *Config, v string) error { c.WebAuthn.MDSRootFile = v; return nil }},
	{"STRONGROOM_PASSWORDS_ENABLED", false, func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("must be true or false, got %q", v)
		}
		c.Passwords.Enabled = b
		return nil
	}},
	{"STRONGROOM_GEOIP_DATABASE_FILE", false, func(c *Config, v string) error { c.GeoIP.DatabaseFile = v; return nil }},
	{"STRONGROOM_TOKEN_RATE_LIMIT", false, func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("must be a number of requests per second, got %q", v)
		}
		c.RateLimits.TokenPerSecond = f
		return nil
	}},
	{"STRONGROOM_SHUTDOWN_TIMEOUT", false, func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("must be a duration such as 15s, got %q", v)
		}
		c.ShutdownTimeout = Duration(d)
		return nil
	}},
}

// applyEnv applies the set variables on top of c. A variable that is set to
// the empty string counts as set: STRONGROOM_SMTP_HOST= turns email off even
// when the file configures it.
func applyEnv(c *Config, env func(string) (string, bool)) []string {
	var problems []string
	for _, e := range envVars {
		v, ok := env(e.name)
		if e.file {
			path, fromFile := env(e.name + "_FILE")
			switch {
			case ok && fromFile:
				problems = append(problems, fmt.Sprintf("%s and %s_FILE are both set; use one", e.name, e.name))
				continue
			case fromFile && path == "":
				problems = append(problems, fmt.Sprintf("%s_FILE is set but empty; name the file that holds the value, or unset it", e.name))
				continue
			case fromFile:
				s, err := readSecretFile(path)
				if err != nil {
					problems = append(problems, fmt.Sprintf("%s_FILE: %v", e.name, err))
					continue
				}
				v, ok = s, true
			}
		}
		if !ok {
			continue
		}
		if err := e.set(c, v); err != nil {
			problems = append(problems, e.name+": "+err.Error())
		}
	}
	return problems
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(v string) []string {
	var list []string
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			list = append(list, p)
		}
	}
	return list
}
