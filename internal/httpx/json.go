package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":{"code":"InternalServerError","message":"encoding the response failed"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// Object is a JSON object read from a request, kept as raw values so that a
// handler can tell an absent property from an explicit null, reject
// properties it does not know, and report wrong types precisely.
type Object map[string]json.RawMessage

// ReadObject reads the request body as one JSON object. Annotations (keys
// with "@odata.") are kept but ignored by Allow.
func ReadObject(r *http.Request) (Object, error) {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return nil, apperr.Invalidf("The request body must be JSON (Content-Type: application/json), not %q.", ct)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, apperr.Wrap(err, apperr.TooLarge, "The request body is larger than the limit of %d bytes.", mbe.Limit)
		}
		return nil, apperr.Wrap(err, apperr.Invalid, "The request body could not be read.")
	}
	return ParseObject(body)
}

// ParseObject parses body as one JSON object.
func ParseObject(body []byte) (Object, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, apperr.Invalidf("The request body is empty; send a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var o Object
	if err := dec.Decode(&o); err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "The request body is not a valid JSON object: %s.", jsonErrorText(err))
	}
	if o == nil {
		return nil, apperr.Invalidf("The request body must be a JSON object, not null.")
	}
	if dec.More() {
		return nil, apperr.Invalidf("The request body has content after the JSON object.")
	}
	return o, nil
}

func jsonErrorText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s at byte %d", se.Error(), se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("expected a JSON object, got %s", te.Value)
	}
	return err.Error()
}

// Allow rejects any property not in allowed, naming it, as Graph does.
func (o Object) Allow(typeName string, allowed ...string) error {
	var unknown []string
	for k := range o {
		if !slices.Contains(allowed, k) && !IsAnnotation(k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return apperr.Invalidf("Property '%s' does not exist on type '%s' or is read-only; the properties you can set are: %s.", unknown[0], typeName, strings.Join(allowed, ", "))
	}
	return nil
}

// Has reports whether the property is present (even as null).
func (o Object) Has(name string) bool { _, ok := o[name]; return ok }

// IsNull reports whether the property is present and null.
func (o Object) IsNull(name string) bool {
	v, ok := o[name]
	return ok && string(bytes.TrimSpace(v)) == "null"
}

func typeName(raw json.RawMessage) string {
	s := bytes.TrimSpace(raw)
	if len(s) == 0 {
		return "nothing"
	}
	switch s[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// String returns a string property: (value, present, error). Null counts as
// present with value "" when nullable, otherwise it is an error.
func (o Object) String(name string, nullable bool) (string, bool, error) {
	raw, ok := o[name]
	if !ok {
		return "", false, nil
	}
	if string(bytes.TrimSpace(raw)) == "null" {
		if nullable {
			return "", true, nil
		}
		return "", true, apperr.Invalidf("Property '%s' cannot be null.", name)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", true, apperr.Invalidf("Property '%s' must be a string, got %s.", name, typeName(raw))
	}
	return s, true, nil
}

// StringPtr returns a *string for an optional string property (nil when
// absent).
func (o Object) StringPtr(name string, nullable bool) (*string, error) {
	s, ok, err := o.String(name, nullable)
	if err != nil || !ok {
		return nil, err
	}
	return &s, nil
}

// Bool returns a boolean property as *bool (nil when absent).
func (o Object) Bool(name string) (*bool, error) {
	raw, ok := o[name]
	if !ok {
		return nil, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil || string(bytes.TrimSpace(raw)) == "null" {
		return nil, apperr.Invalidf("Property '%s' must be a boolean (true or false), got %s.", name, typeName(raw))
	}
	return &b, nil
}

// Int returns an integer property as *int (nil when absent).
func (o Object) Int(name string) (*int, error) {
	raw, ok := o[name]
	if !ok {
		return nil, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return nil, apperr.Invalidf("Property '%s' must be an integer, got %s.", name, typeName(raw))
	}
	i, err := n.Int64()
	if err != nil || i > 1<<31-1 || i < -(1<<31) {
		return nil, apperr.Invalidf("Property '%s' must be a 32-bit integer, got %s.", name, n)
	}
	v := int(i)
	return &v, nil
}

// Time returns a DateTimeOffset property (ISO 8601 / RFC 3339) as
// *time.Time (nil when absent or null).
func (o Object) Time(name string) (*time.Time, error) {
	s, ok, err := o.String(name, true)
	if err != nil {
		return nil, apperr.Invalidf("Property '%s' must be a date and time like 2024-06-05T00:00:00Z.", name)
	}
	if !ok || s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, apperr.Invalidf("Property '%s' must be a date and time like 2024-06-05T00:00:00Z, got %q.", name, s)
	}
	t = t.UTC()
	return &t, nil
}

// Strings returns a string-array property (nil when absent).
func (o Object) Strings(name string) ([]string, bool, error) {
	raw, ok := o[name]
	if !ok {
		return nil, false, nil
	}
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil, true, nil
	}
	var ss []string
	if err := json.Unmarshal(raw, &ss); err != nil {
		return nil, true, apperr.Invalidf("Property '%s' must be an array of strings, got %s.", name, typeName(raw))
	}
	return ss, true, nil
}

// Decode unmarshals property name into v strictly (unknown fields are an
// error); absent leaves v alone and returns false.
func (o Object) Decode(name string, v any) (bool, error) {
	raw, ok := o[name]
	if !ok {
		return false, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return true, apperr.Invalidf("Property '%s' is not valid: %s.", name, strings.TrimPrefix(err.Error(), "json: "))
	}
	return true, nil
}

// IsAnnotation reports whether a JSON key is an OData annotation such as
// "@odata.type" or "members@odata.bind".
func IsAnnotation(k string) bool { return strings.Contains(k, "@odata.") }
