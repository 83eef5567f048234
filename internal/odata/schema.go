package odata

import (
	"fmt"
	"slices"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// Schema says which properties of a collection can be filtered on, with
// which operators, and what type each holds. Keys are property paths spelled
// exactly as Graph spells them ("initiatedBy/user/id").
type Schema map[string]Field

// Field is one filterable property.
type Field struct {
	Type ValueKind // String, DateTime, Bool, Number or GUID
	Ops  []Op
}

// Check reports, as an Invalid error, the first condition of f that s does
// not support: an unknown property, an operator the property does not
// support, or a value of the wrong type. The message lists what is
// supported, so that the caller can fix the request without the docs.
//
// Property names are matched exactly, as Graph matches them. null may be
// compared with eq and ne on any property. A String property also accepts an
// unquoted GUID, and a GUID property a quoted one (Graph writes
// id eq '…'); in both cases Value.Str holds the text. An unquoted GUID is in
// lower case; a quoted one is as written, so a store should lower-case it
// before comparing.
func (f Filter) Check(s Schema) error {
	for _, c := range f.Conditions {
		field, ok := s[c.Property]
		if !ok {
			if len(s) == 0 {
				return apperr.Invalidf("$filter is not supported on this collection")
			}
			return apperr.Invalidf("$filter on %q is not supported%s; supported: %s", c.Property, didYouMean(c.Property, keys(s)), s.describe())
		}
		if !slices.Contains(field.Ops, c.Op) {
			return apperr.Invalidf("$filter on %q with %q is not supported; supported: %s", c.Property, string(c.Op), s.describe())
		}
		if err := checkValue(c, field.Type); err != nil {
			return err
		}
	}
	return nil
}

// checkValue checks that c's value fits a property of type t.
func checkValue(c Condition, t ValueKind) error {
	if c.Op == In {
		for _, item := range c.Value.List {
			if item.Kind == Null {
				return apperr.Invalidf("$filter: the list for %q contains null, which never matches; use %s eq null", c.Property, c.Property)
			}
			if !fits(item, t) {
				return mismatch(c.Property, t, item)
			}
		}
		return nil
	}
	if c.Value.Kind == Null {
		if c.Op != Eq && c.Op != Ne {
			return apperr.Invalidf("$filter: %q can only be compared with null using eq or ne, not %q", c.Property, string(c.Op))
		}
		return nil
	}
	if c.Op == StartsWith && t != String {
		return apperr.Invalidf("$filter: startswith needs a text property, and %q %s", c.Property, holds(t))
	}
	if !fits(c.Value, t) {
		return mismatch(c.Property, t, c.Value)
	}
	return nil
}

// fits reports whether a literal v can be compared with a property of type t.
func fits(v Value, t ValueKind) bool {
	switch {
	case v.Kind == t:
		return true
	case t == String && v.Kind == GUID:
		return true
	case t == GUID && v.Kind == String:
		return guidRE.MatchString(v.Str)
	}
	return false
}

func mismatch(prop string, t ValueKind, v Value) error {
	return apperr.Invalidf("$filter: %q %s, so it cannot be compared with %s", prop, holds(t), describeValue(v))
}

// holds says what a property of type t holds and how to write a value for it.
func holds(t ValueKind) string {
	switch t {
	case String:
		return "holds text (write a 'quoted string')"
	case DateTime:
		return "holds a date and time (write it unquoted, like 2024-01-02T03:04:05Z)"
	case Bool:
		return "holds true or false"
	case Number:
		return "holds a number"
	case GUID:
		return "holds an ID (a GUID like 00000000-0000-0000-0000-000000000000)"
	}
	return "cannot be compared"
}

func describeValue(v Value) string {
	s := clip(v.String())
	switch v.Kind {
	case String:
		if t, msg := bareLiteral(v.Str); msg == "" && t.Kind == DateTime {
			return "the string " + s + " (leave out the quotes for a date and time)"
		}
		if guidRE.MatchString(v.Str) {
			return "the ID " + s
		}
		return "the string " + s
	case DateTime:
		return "the date and time " + s
	case Bool:
		return s
	case Number:
		return "the number " + s
	case GUID:
		return "the ID " + s
	}
	return s
}

// describe lists the supported properties and their operators, sorted by
// property so that the message is stable.
func (s Schema) describe() string {
	parts := make([]string, 0, len(s))
	for _, name := range keys(s) {
		ops := make([]string, len(s[name].Ops))
		for i, op := range s[name].Ops {
			ops[i] = string(op)
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", name, strings.Join(ops, ", ")))
	}
	return strings.Join(parts, ", ")
}

func keys(s Schema) []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// didYouMean suggests the allowed name that differs from name only in case:
// Graph spells property names in camelCase and matches them exactly.
func didYouMean(name string, allowed []string) string {
	for _, a := range allowed {
		if strings.EqualFold(a, name) {
			return fmt.Sprintf(" (did you mean %q?)", a)
		}
	}
	return ""
}
