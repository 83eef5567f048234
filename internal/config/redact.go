package config

import (
	"bytes"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Redacted returns the configuration as YAML, in the file's format, with
// every secret shown as "[redacted]" (or "" when unset). The database URL
// keeps everything but its password, so an operator can still see which
// server and database are meant: postgres://user:[redacted]@host/db.
func (c Config) Redacted() ([]byte, error) {
	var n yaml.Node
	if err := n.Encode(c); err != nil {
		return nil, err
	}
	// Secret marshals as "[redacted]"; put back the partly shown URL.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "database" {
			v := n.Content[i+1]
			v.Value, v.Tag, v.Style = redactDatabaseURL(c.Database.Reveal()), "!!str", 0
		}
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// redactDatabaseURL replaces the password in a PostgreSQL URL, both in the
// user info and in query parameters such as password and sslpassword. A
// SQLite path has nothing to hide. Anything else is hidden whole, since it
// cannot be told apart from a secret.
func redactDatabaseURL(db string) string {
	if db == "" {
		return ""
	}
	switch driver, _ := (Config{Database: Secret(db)}).DatabaseDriver(); driver {
	case "sqlite":
		return db
	case "postgres":
	default:
		return redacted
	}
	u, err := url.Parse(db)
	if err != nil {
		return redacted
	}
	if u.RawQuery != "" {
		params := strings.Split(u.RawQuery, "&")
		for i, kv := range params {
			k, _, _ := strings.Cut(kv, "=")
			if name, err := url.QueryUnescape(k); err != nil || strings.Contains(strings.ToLower(name), "password") {
				params[i] = k + "=" + redacted
			}
		}
		u.RawQuery = strings.Join(params, "&")
	}
	_, hasPassword := u.User.Password()
	if !hasPassword {
		return u.String()
	}
	// url.URL would percent-encode the brackets of "[redacted]", so write
	// the URL without the password and put it back in by hand. The first
	// "@" ends the user info: an "@" in the user name is escaped.
	u.User = url.User(u.User.Username())
	s := u.String()
	at := strings.Index(s, "@")
	return s[:at] + ":" + redacted + s[at:]
}
