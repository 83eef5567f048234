package store

import (
	"fmt"
	"time"
)

// SQLiteTimeLayout is how SQLite stores times: fixed-width UTC text with
// microseconds, so that text order is time order.
const SQLiteTimeLayout = "2006-01-02T15:04:05.000000Z"

// timeCol scans a time column from either dialect into *t.
type timeCol struct{ t *time.Time }

func (s timeCol) Scan(v any) error {
	t, err := toTime(v)
	if err != nil {
		return err
	}
	*s.t = t
	return nil
}

// nullTimeCol scans a nullable time column into **t.
type nullTimeCol struct{ t **time.Time }

func (s nullTimeCol) Scan(v any) error {
	if v == nil {
		*s.t = nil
		return nil
	}
	t, err := toTime(v)
	if err != nil {
		return err
	}
	*s.t = &t
	return nil
}

func toTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v.UTC(), nil
	case string:
		return parseTime(v)
	case []byte:
		return parseTime(string(v))
	case nil:
		return time.Time{}, nil
	}
	return time.Time{}, fmt.Errorf("store: cannot scan %T into a time", v)
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{SQLiteTimeLayout, time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("store: cannot parse time %q", s)
}
