package config

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

// applyFile applies the YAML document data, read from path, on top of c. The
// document is walked by hand rather than decoded into a struct so that every
// problem (unknown key, wrong type, a secret given twice) is reported with its
// line and full key, and so that a key that is present is told apart from one
// that is absent. The returned error is for a document that is not YAML at
// all; the problems are for everything else.
func applyFile(c *Config, path string, data []byte) ([]string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	d := &fileDecoder{path: path}
	if len(doc.Content) == 0 {
		return nil, nil // empty file
	}
	var database, secretKey, webhookSecret secretNodes
	d.mapping(doc.Content[0], "", func(key string, v *yaml.Node) bool {
		switch key {
		case "dataDir":
			d.str(v, key, &c.DataDir)
		case "listen":
			d.str(v, key, &c.Listen)
		case "publicURL":
			d.str(v, key, &c.PublicURL)
		case "database":
			database.value = v
		case "databaseFile":
			database.file = v
		case "tls":
			d.mapping(v, "tls.", func(key string, v *yaml.Node) bool {
				switch key {
				case "certFile":
					d.str(v, "tls."+key, &c.TLS.CertFile)
				case "keyFile":
					d.str(v, "tls."+key, &c.TLS.KeyFile)
				default:
					return false
				}
				return true
			})
		case "secretKey":
			secretKey.value = v
		case "secretKeyFile":
			secretKey.file = v
		case "smtp":
			d.smtp(v, &c.SMTP)
		case "notify":
			d.mapping(v, "notify.", func(key string, v *yaml.Node) bool {
				switch key {
				case "webhookURL":
					d.str(v, "notify."+key, &c.Notify.WebhookURL)
				case "webhookSecret":
					webhookSecret.value = v
				case "webhookSecretFile":
					webhookSecret.file = v
				default:
					return false
				}
				return true
			})
		case "log":
			d.mapping(v, "log.", func(key string, v *yaml.Node) bool {
				switch key {
				case "format":
					d.str(v, "log."+key, &c.Log.Format)
				case "level":
					d.str(v, "log."+key, &c.Log.Level)
				default:
					return false
				}
				return true
			})
		case "trustedProxies":
			d.strs(v, key, &c.TrustedProxies)
		case "shutdownTimeout":
			d.duration(v, key, &c.ShutdownTimeout)
		case "bootstrap":
			d.mapping(v, "bootstrap.", func(key string, v *yaml.Node) bool {
				if key != "adminUserPrincipalName" {
					return false
				}
				d.str(v, "bootstrap."+key, &c.Bootstrap.AdminUserPrincipalName)
				return true
			})
		case "webauthn":
			d.mapping(v, "webauthn.", func(key string, v *yaml.Node) bool {
				name := "webauthn." + key
				switch key {
				case "origins":
					d.strs(v, name, &c.WebAuthn.Origins)
				case "residentKey":
					d.str(v, name, &c.WebAuthn.ResidentKey)
				case "mdsBlobFile":
					d.str(v, name, &c.WebAuthn.MDSBlobFile)
				case "mdsRootFile":
					d.str(v, name, &c.WebAuthn.MDSRootFile)
				default:
					return false
				}
				return true
			})
		case "passwords":
			d.mapping(v, "passwords.", func(key string, v *yaml.Node) bool {
				if key != "enabled" {
					return false
				}
				d.bool(v, "passwords."+key, &c.Passwords.Enabled)
				return true
			})
		case "geoip":
			d.mapping(v, "geoip.", func(key string, v *yaml.Node) bool {
				if key != "databaseFile" {
					return false
				}
				d.str(v, "geoip."+key, &c.GeoIP.DatabaseFile)
				return true
			})
		case "rateLimits":
			d.mapping(v, "rateLimits.", func(key string, v *yaml.Node) bool {
				if key != "tokenPerSecond" {
					return false
				}
				d.float(v, "rateLimits."+key, &c.RateLimits.TokenPerSecond)
				return true
			})
		default:
			return false
		}
		return true
	})
	d.secret(database, "database", &c.Database)
	d.secret(secretKey, "secretKey", &c.SecretKey)
	d.secret(webhookSecret, "notify.webhookSecret", &c.Notify.WebhookSecret)
	return d.sorted(), nil
}

// fileDecoder collects the problems found while walking one YAML file.
type fileDecoder struct {
	path     string
	problems []fileProblem
}

type fileProblem struct {
	line int
	text string
}

func (d *fileDecoder) problem(n *yaml.Node, format string, args ...any) {
	d.problems = append(d.problems, fileProblem{n.Line, fmt.Sprintf(format, args...)})
}

// sorted returns the problems in file order, each prefixed with path:line.
func (d *fileDecoder) sorted() []string {
	slices.SortStableFunc(d.problems, func(a, b fileProblem) int { return cmp.Compare(a.line, b.line) })
	var out []string
	for _, p := range d.problems {
		out = append(out, fmt.Sprintf("%s:%d: %s", d.path, p.line, p.text))
	}
	return out
}

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// mapping calls field for each key of the mapping n; field returns false for
// a key it does not know. prefix is the dotted path of n, for messages.
func (d *fileDecoder) mapping(n *yaml.Node, prefix string, field func(key string, v *yaml.Node) bool) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		if prefix == "" {
			d.problem(n, "must be a mapping of settings")
		} else {
			d.problem(n, "%s: must be a mapping", prefix[:len(prefix)-1])
		}
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case seen[k.Value]:
			d.problem(k, "duplicate key %q", prefix+k.Value)
		case !field(k.Value, v):
			d.problem(k, "unknown key %q", prefix+k.Value)
		}
		seen[k.Value] = true
	}
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func (d *fileDecoder) scalar(n *yaml.Node, name, what string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		d.problem(n, "%s: must be %s", name, what)
		return "", false
	}
	if isNull(n) {
		return "", true
	}
	return n.Value, true
}

func (d *fileDecoder) str(n *yaml.Node, name string, dst *string) {
	if s, ok := d.scalar(n, name, "a string"); ok {
		*dst = s
	}
}

func (d *fileDecoder) int(n *yaml.Node, name string, dst *int) {
	s, ok := d.scalar(n, name, "an integer")
	if !ok {
		return
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		d.problem(n, "%s: must be an integer, got %q", name, s)
		return
	}
	*dst = v
}

func (d *fileDecoder) bool(n *yaml.Node, name string, dst *bool) {
	s, ok := d.scalar(n, name, "true or false")
	if !ok {
		return
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		d.problem(n, "%s: must be true or false, got %q", name, s)
		return
	}
	*dst = v
}

func (d *fileDecoder) float(n *yaml.Node, name string, dst *float64) {
	s, ok := d.scalar(n, name, "a number")
	if !ok {
		return
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		d.problem(n, "%s: must be a number, got %q", name, s)
		return
	}
	*dst = v
}

func (d *fileDecoder) duration(n *yaml.Node, name string, dst *Duration) {
	s, ok := d.scalar(n, name, "a duration such as 15s")
	if !ok {
		return
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		d.problem(n, "%s: must be a duration such as 15s, got %q", name, s)
		return
	}
	*dst = Duration(v)
}

func (d *fileDecoder) strs(n *yaml.Node, name string, dst *[]string) {
	n = resolve(n)
	if isNull(n) {
		*dst = nil
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.problem(n, "%s: must be a list", name)
		return
	}
	var list []string
	for i, item := range n.Content {
		if s, ok := d.scalar(item, fmt.Sprintf("%s[%d]", name, i), "a string"); ok {
			list = append(list, s)
		}
	}
	*dst = list
}

// secretNodes are the nodes of a secret x and its xFile sibling, either of
// which may be nil.
type secretNodes struct{ value, file *yaml.Node }

func (d *fileDecoder) secret(s secretNodes, name string, dst *Secret) {
	switch {
	case s.value != nil && s.file != nil:
		d.problem(s.file, "%s and %sFile are both set; use one", name, name)
	case s.value != nil:
		if v, ok := d.scalar(s.value, name, "a string"); ok {
			*dst = Secret(v)
		}
	case s.file != nil:
		var path string
		d.str(s.file, name+"File", &path)
		if path == "" {
			return
		}
		v, err := readSecretFile(path)
		if err != nil {
			d.problem(s.file, "%sFile: %v", name, err)
			return
		}
		*dst = Secret(v)
	}
}

func (d *fileDecoder) smtp(n *yaml.Node, s *SMTP) {
	var password secretNodes
	d.mapping(n, "smtp.", func(key string, v *yaml.Node) bool {
		name := "smtp." + key
		switch key {
		case "host":
			d.str(v, name, &s.Host)
		case "port":
			d.int(v, name, &s.Port)
		case "username":
			d.str(v, name, &s.Username)
		case "password":
			password.value = v
		case "passwordFile":
			password.file = v
		case "from":
			d.str(v, name, &s.From)
		case "security":
			d.str(v, name, &s.Security)
		default:
			return false
		}
		return true
	})
	d.secret(password, "smtp.password", &s.Password)
}
