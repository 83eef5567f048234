package api

import (
	"encoding/json"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// toMap turns a DTO into a generic object (for $select).
func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "encoding failed")
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "encoding failed")
	}
	return m, nil
}

// nullString is "" → null in JSON.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// graphTime formats a time as Graph does (UTC, RFC 3339, Z).
func graphTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// graphTimePtr formats an optional time.
func graphTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := graphTime(*t)
	return &s
}
