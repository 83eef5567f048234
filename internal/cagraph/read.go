package cagraph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// Mode selects how strictly Graph JSON is read; see the package comment.
type Mode uint8

// Reading modes.
const (
	// Strict is the admin API's mode: exact names and types, unknown
	// properties refused.
	Strict Mode = iota
	// Lenient is the import mode: key case ignored, comma-separated lists,
	// unknown properties reported in Report.Ignored.
	Lenient
)

// Report says what a read did not take in. Strict reads never ignore
// anything (they fail instead), so their Report is empty.
type Report struct {
	// Ignored are the paths of properties Strongroom does not know, such as
	// "conditions.times" or "sessionControls.continuousAccessEvaluation".
	Ignored []string
}

// reader walks a parsed JSON document, collecting problems with their paths.
type reader struct {
	mode    Mode
	errs    []string
	ignored []string
}

func (r *reader) fail(path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	r.errs = append(r.errs, msg)
}

// err returns the collected problems as one apperr.Invalid error.
func (r *reader) err(what string) error {
	if len(r.errs) == 0 {
		return nil
	}
	return apperr.Invalidf("invalid %s: %s", what, strings.Join(r.errs, "; "))
}

func (r *reader) report() Report { return Report{Ignored: r.ignored} }

// parse reads one JSON value with numbers kept as json.Number. A UTF-8
// byte-order mark is skipped.
func parse(data []byte) (any, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, apperr.Invalidf("The request body is empty; send a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, apperr.Wrap(err, apperr.Invalid, "The body is not valid JSON: %s at byte %d.", se.Error(), se.Offset)
		}
		return nil, apperr.Wrap(err, apperr.Invalid, "The body is not valid JSON: %s.", err.Error())
	}
	if dec.More() {
		return nil, apperr.Invalidf("The body has content after the JSON value.")
	}
	return v, nil
}

// ParseObject parses data as one JSON object, for callers that hold a
// document and want to pass it to a Decode…Object function (an import
// reading arrays of objects, a PATCH merging properties).
func ParseObject(data []byte) (map[string]any, error) {
	v, err := parse(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, apperr.Invalidf("The body must be a JSON object, not %s.", kind(v))
	}
	return m, nil
}

// obj is one JSON object being read. Keys read are marked; done reports
// the rest.
type obj struct {
	r    *reader
	path string
	m    map[string]any
	fold map[string]string // lower-case key → key (lenient)
	used map[string]bool
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// object reads v as an object; null gives nil without a problem.
func (r *reader) object(path string, v any) *obj {
	switch m := v.(type) {
	case nil:
		return nil
	case map[string]any:
		o := &obj{r: r, path: path, m: m, used: map[string]bool{}}
		if r.mode == Lenient {
			o.fold = make(map[string]string, len(m))
			for k := range m {
				o.fold[strings.ToLower(k)] = k
			}
		}
		return o
	case []any:
		if len(m) == 0 && r.mode == Lenient {
			return nil // some exports write [] for an unset object
		}
	}
	r.fail(path, "must be an object, got %s", kind(v))
	return nil
}

// key finds the key spelled name (any case when lenient) and marks it used.
func (o *obj) key(name string) (string, bool) {
	if _, ok := o.m[name]; ok {
		o.used[name] = true
		return name, true
	}
	if o.fold != nil {
		if k, ok := o.fold[strings.ToLower(name)]; ok {
			o.used[k] = true
			return k, true
		}
	}
	return "", false
}

// get returns the value of name: (value, present and not null).
func (o *obj) get(name string) (any, bool) {
	if o == nil {
		return nil, false
	}
	k, ok := o.key(name)
	if !ok || o.m[k] == nil {
		return nil, false
	}
	return o.m[k], true
}

// skip marks properties as read without reading them (read-only ones).
func (o *obj) skip(names ...string) {
	if o == nil {
		return
	}
	for _, n := range names {
		o.key(n)
	}
}

func (o *obj) p(name string) string { return joinPath(o.path, name) }

// done reports the keys nobody read: an error when strict, Report.Ignored
// when lenient. OData annotations are never reported.
func (o *obj) done() {
	if o == nil {
		return
	}
	var rest []string
	for k := range o.m {
		if !o.used[k] && !strings.Contains(k, "@") {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		if o.r.mode == Strict {
			o.r.fail(o.p(k), "is not a property Strongroom knows here (check the spelling; names are case-sensitive)")
		} else {
			o.r.ignored = append(o.r.ignored, o.p(k))
		}
	}
}

// child reads name as an object (nil when absent or null).
func (o *obj) child(name string) *obj {
	v, ok := o.get(name)
	if !ok {
		return nil
	}
	return o.r.object(o.p(name), v)
}

// str reads a string property ("" when absent or null).
func (o *obj) str(name string) string {
	v, ok := o.get(name)
	if !ok {
		return ""
	}
	switch s := v.(type) {
	case string:
		return s
	case json.Number:
		if o.r.mode == Lenient {
			return s.String()
		}
	}
	o.r.fail(o.p(name), "must be a string, got %s", kind(v))
	return ""
}

// boolean reads a boolean property (false when absent or null).
func (o *obj) boolean(name string) bool {
	b, _ := o.boolPtr(name)
	return b != nil && *b
}

// boolPtr reads a boolean property; nil when absent or null.
func (o *obj) boolPtr(name string) (*bool, bool) {
	v, ok := o.get(name)
	if !ok {
		return nil, false
	}
	switch b := v.(type) {
	case bool:
		return &b, true
	case string:
		if o.r.mode == Lenient {
			if x, err := strconv.ParseBool(strings.TrimSpace(b)); err == nil {
				return &x, true
			}
		}
	}
	o.r.fail(o.p(name), "must be a boolean (true or false), got %s", kind(v))
	return nil, true
}

// int32 reads a 32-bit integer property (0 when absent or null).
func (o *obj) int32(name string) int32 {
	v, ok := o.get(name)
	if !ok {
		return 0
	}
	var text string
	switch n := v.(type) {
	case json.Number:
		text = n.String()
	case string:
		if o.r.mode == Lenient {
			text = strings.TrimSpace(n)
		}
	}
	i, err := strconv.ParseInt(text, 10, 32)
	if text == "" || err != nil {
		o.r.fail(o.p(name), "must be a 32-bit integer, got %s", kind(v))
		return 0
	}
	return int32(i)
}

// strs reads a list of strings (nil when absent or null). commaString
// accepts Graph's serialisation of a flags enum, one comma-separated
// string; lenient reads accept that form for every list.
func (o *obj) strs(name string, commaString bool) []string {
	v, ok := o.get(name)
	if !ok {
		return nil
	}
	switch l := v.(type) {
	case []any:
		out := make([]string, 0, len(l))
		for i, x := range l {
			s, ok := x.(string)
			if !ok {
				o.r.fail(fmt.Sprintf("%s[%d]", o.p(name), i), "must be a string, got %s", kind(x))
				continue
			}
			if o.r.mode == Lenient {
				s = strings.TrimSpace(s)
			}
			out = append(out, s)
		}
		return out
	case string:
		if commaString || o.r.mode == Lenient {
			return splitComma(l)
		}
	}
	o.r.fail(o.p(name), "must be an array of strings, got %s", kind(v))
	return nil
}

// splitComma splits "a, b,c" into its non-empty trimmed parts.
func splitComma(s string) []string {
	out := []string{}
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// list reads name as an array of values (nil when absent or null).
func (o *obj) list(name string) []any {
	v, ok := o.get(name)
	if !ok {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		if o.r.mode == Lenient {
			if m, isObj := v.(map[string]any); isObj {
				return []any{m} // one object where a list of one was meant
			}
		}
		o.r.fail(o.p(name), "must be an array, got %s", kind(v))
		return nil
	}
	return l
}

// JSONKind names a decoded JSON value's type for messages ("a string",
// "an array", …).
func JSONKind(v any) string { return kind(v) }

// kind names a JSON value's type for messages.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// canon returns Graph's spelling of v from allowed when it matches
// ignoring case, else v unchanged (validation names it).
func canon(allowed []string, v string) string {
	for _, a := range allowed {
		if strings.EqualFold(a, v) {
			return a
		}
	}
	return v
}

func canonList(allowed, vs []string) []string {
	for i, v := range vs {
		vs[i] = canon(allowed, v)
	}
	return vs
}

// nonNil returns l, or an empty list for nil, so that JSON says [].
func nonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// strPtr returns nil for "" (JSON null).
func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
