package config

import (
	"encoding/json"
	"log/slog"
)

// redacted is what a non-empty Secret shows instead of its value.
const redacted = "[redacted]"

// Secret is a string that must not end up in logs or output. It prints, logs
// and marshals (YAML and JSON) as "[redacted]", or as "" when empty so that
// "not set" stays visible. Use [Secret.Reveal] where the value is needed.
type Secret string

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) shown() string {
	if s == "" {
		return ""
	}
	return redacted
}

// String implements fmt.Stringer, for %v, %s and %q.
func (s Secret) String() string { return s.shown() }

// GoString implements fmt.GoStringer, for %#v.
func (s Secret) GoString() string { return `config.Secret("` + s.shown() + `")` }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.shown()) }

// MarshalYAML implements yaml.Marshaler.
func (s Secret) MarshalYAML() (any, error) { return s.shown(), nil }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.shown()) }
