package odata

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// Limits on a $filter, so that one request cannot make the store build an
// unbounded query.
const (
	MaxFilterLength = 2048 // characters, after URL decoding
	MaxConditions   = 20
	MaxInItems      = 100
	maxIdentifier   = 128 // OData SimpleIdentifier is at most 128 characters
)

// Op is a comparison in a $filter condition.
type Op string

// The operators Strongroom understands (OData 4.01 Part 2 §5.1.1.1 and the
// startswith canonical function).
const (
	Eq         Op = "eq"
	Ne         Op = "ne"
	Gt         Op = "gt"
	Ge         Op = "ge"
	Lt         Op = "lt"
	Le         Op = "le"
	StartsWith Op = "startswith"
	In         Op = "in"
)

var comparisonOps = map[string]Op{"eq": Eq, "ne": Ne, "gt": Gt, "ge": Ge, "lt": Lt, "le": Le}

// ValueKind is the type of a literal in a $filter, and of a property in a
// Schema.
type ValueKind int

// The kinds of value. The zero ValueKind is not a kind, so that a Field
// declared without a type matches nothing.
const (
	String   ValueKind = iota + 1 // 'quoted text'
	DateTime                      // Edm.DateTimeOffset, unquoted: 2024-01-02T03:04:05Z
	Bool                          // true or false
	Number                        // an integer or decimal number
	Null                          // null
	List                          // the parenthesised list after "in"
	GUID                          // unquoted 8-4-4-4-12 hex digits, as Graph allows for IDs
)

var kindNames = [...]string{
	String: "String", DateTime: "DateTime", Bool: "Bool", Number: "Number",
	Null: "Null", List: "List", GUID: "GUID",
}

// String returns the kind's name, as in the constant.
func (k ValueKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("ValueKind(%d)", int(k))
}

// Value is a literal from a $filter. Which field holds the value depends on
// Kind: Str for String and GUID (a GUID in lower case), Time (in UTC) for
// DateTime, Bool for Bool, Num for Number, List for List; Null has none.
type Value struct {
	Kind ValueKind
	Str  string
	Time time.Time
	Bool bool
	Num  float64
	List []Value
}

// String formats v as an OData literal that ParseFilter reads back as v.
func (v Value) String() string {
	switch v.Kind {
	case String:
		return "'" + strings.ReplaceAll(v.Str, "'", "''") + "'"
	case GUID:
		return v.Str
	case DateTime:
		return v.Time.UTC().Format(time.RFC3339Nano)
	case Bool:
		return strconv.FormatBool(v.Bool)
	case Number:
		return strconv.FormatFloat(v.Num, 'g', -1, 64)
	case Null:
		return "null"
	case List:
		items := make([]string, len(v.List))
		for i, item := range v.List {
			items[i] = item.String()
		}
		return "(" + strings.Join(items, ",") + ")"
	}
	return "?"
}

// Condition is one comparison of a property with a value. For StartsWith the
// value is the String prefix; for In it is a List.
type Condition struct {
	Property string // a property path as Graph spells it, e.g. "initiatedBy/user/id"
	Op       Op
	Value    Value
}

// String formats c in $filter syntax.
func (c Condition) String() string {
	switch c.Op {
	case StartsWith:
		return "startswith(" + c.Property + "," + c.Value.String() + ")"
	default:
		return c.Property + " " + string(c.Op) + " " + c.Value.String()
	}
}

// Filter is a parsed $filter: a conjunction of conditions, all of which a row
// must satisfy. The zero Filter matches everything.
type Filter struct {
	Conditions []Condition
}

// String formats f in $filter syntax; ParseFilter reads it back as f.
func (f Filter) String() string {
	parts := make([]string, len(f.Conditions))
	for i, c := range f.Conditions {
		parts[i] = c.String()
	}
	return strings.Join(parts, " and ")
}

// Get returns the conditions on property, in the order they were written,
// for the store to turn into SQL.
func (f Filter) Get(property string) []Condition {
	var out []Condition
	for _, c := range f.Conditions {
		if c.Property == property {
			out = append(out, c)
		}
	}
	return out
}

// ParseFilter parses the value of $filter (already URL-decoded). It checks
// syntax and limits only; Filter.Check then checks the conditions against
// what the collection supports.
func ParseFilter(s string) (Filter, error) {
	if !utf8.ValidString(s) {
		return Filter{}, apperr.Invalidf("$filter is not valid UTF-8; percent-encode the text as UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > MaxFilterLength {
		return Filter{}, apperr.Invalidf("$filter is %d characters long; the limit is %d", n, MaxFilterLength)
	}
	if strings.Trim(s, " \t") == "" {
		return Filter{}, apperr.Invalidf("$filter is empty; give a condition such as displayName eq 'x', or leave $filter out")
	}
	p := &parser{src: s}
	if err := p.conjunction(0); err != nil {
		return Filter{}, err
	}
	p.space()
	if !p.eof() {
		// conjunction stops only at the end or at ")"; at top level a ")"
		// has no "(" to close.
		return Filter{}, p.errorf(p.pos, "found %q with no matching \"(\"", ")")
	}
	return Filter{Conditions: p.conds}, nil
}

// parser is a recursive-descent parser that reads tokens on demand, because
// what a run of characters means depends on where it is: de1e552d-… is a
// GUID after an operator but would start an identifier elsewhere.
type parser struct {
	src   string
	pos   int // byte offset into src
	conds []Condition
}

const maxDepth = 50 // parentheses nested deeper than this are surely not meant

func (p *parser) eof() bool { return p.pos >= len(p.src) }

// space skips blanks: OData's BWS is spaces and horizontal tabs.
func (p *parser) space() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

// where describes byte offset off for a message: a 1-based character
// position, or the end of the filter.
func (p *parser) where(off int) string {
	if off >= len(p.src) {
		return "at the end of the filter"
	}
	return fmt.Sprintf("at position %d", utf8.RuneCountInString(p.src[:off])+1)
}

// errorf returns an Invalid error for a problem at byte offset off. The
// position goes where format says {at}, or else at the end.
func (p *parser) errorf(off int, format string, args ...any) error {
	// The marker is replaced in the format, never in the arguments, which
	// hold user text.
	if strings.Contains(format, "{at}") {
		format = strings.Replace(format, "{at}", p.where(off), 1)
	} else {
		format += " " + p.where(off)
	}
	return apperr.Invalidf("$filter: "+format, args...)
}

// found describes what is at byte offset off, for "expected X, found Y".
func (p *parser) found(off int) string {
	if off >= len(p.src) {
		return "nothing"
	}
	if tok := p.peekWord(off); tok != "" {
		return strconv.Quote(clip(tok))
	}
	r, _ := utf8.DecodeRuneInString(p.src[off:])
	return strconv.Quote(string(r))
}

// clip shortens s for quoting in a message.
func clip(s string) string {
	const n = 40
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func isIdentStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isIdentChar(c byte) bool { return isIdentStart(c) || '0' <= c && c <= '9' }

// isBareChar reports whether c can be part of an unquoted literal: a number,
// a GUID, a date-time, true, false or null.
func isBareChar(c byte) bool { return isIdentChar(c) || c == '-' || c == '+' || c == '.' || c == ':' }

// peekWord returns the run of bare-literal characters at off, without moving.
func (p *parser) peekWord(off int) string {
	end := off
	for end < len(p.src) && isBareChar(p.src[end]) {
		end++
	}
	return p.src[off:end]
}

// ident reads an identifier at the current position, or returns "".
func (p *parser) ident() string {
	start := p.pos
	if p.eof() || !isIdentStart(p.src[p.pos]) {
		return ""
	}
	for p.pos < len(p.src) && isIdentChar(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

// peekIdent returns the identifier at the current position without moving.
func (p *parser) peekIdent() string {
	save := p.pos
	w := p.ident()
	p.pos = save
	return w
}

// conjunction parses term *( "and" term ), stopping before ")" or the end.
func (p *parser) conjunction(depth int) error {
	if err := p.term(depth); err != nil {
		return err
	}
	for {
		p.space()
		if p.eof() || p.src[p.pos] == ')' {
			return nil
		}
		at := p.pos
		w := p.ident()
		switch strings.ToLower(w) {
		case "and":
			if err := p.term(depth); err != nil {
				return err
			}
		case "or":
			return p.errorf(at, "\"or\" {at} is not supported; conditions can only be joined with \"and\" (for alternatives on one property use \"in\", as in id in ('a','b'))")
		default:
			if _, isOp := comparisonOps[strings.ToLower(w)]; isOp && len(p.conds) > 0 && p.conds[len(p.conds)-1].Op == StartsWith {
				return p.errorf(at, "the result of startswith cannot be compared with %q {at}; write startswith(property,'prefix') on its own", w)
			}
			p.pos = at
			return p.errorf(at, "expected \"and\" or the end of the filter, found %s", p.found(at))
		}
	}
}

// term parses one condition or a parenthesised conjunction.
func (p *parser) term(depth int) error {
	p.space()
	at := p.pos
	if p.eof() {
		return p.errorf(at, "expected a condition such as displayName eq 'x'")
	}
	c := p.src[p.pos]
	switch {
	case c == '(':
		if depth >= maxDepth {
			return p.errorf(at, "parentheses are nested more than %d deep", maxDepth)
		}
		p.pos++
		if err := p.conjunction(depth + 1); err != nil {
			return err
		}
		p.space()
		if p.eof() || p.src[p.pos] != ')' {
			return p.errorf(p.pos, "expected \")\" to close the \"(\" %s, found %s", p.where(at), p.found(p.pos))
		}
		p.pos++
		return nil
	case c == '\'' || c == '-' || '0' <= c && c <= '9':
		return p.errorf(at, "expected a property name {at}, found a value; put the property first, as in displayName eq 'x'")
	case !isIdentStart(c):
		return p.errorf(at, "expected a condition such as displayName eq 'x', found %s", p.found(at))
	}

	w := p.peekIdent()
	after := p.pos + len(w)
	save := p.pos
	p.pos = after
	p.space()
	callsFunction := !p.eof() && p.src[p.pos] == '('
	p.pos = save
	lw := strings.ToLower(w)
	switch {
	case lw == "and" || lw == "or":
		return p.errorf(at, "expected a condition {at}, found %q", w)
	case lw == "not":
		return p.errorf(at, "\"not\" {at} is not supported; use ne to exclude a value")
	case callsFunction && lw == "startswith":
		return p.startsWith()
	case callsFunction && (lw == "any" || lw == "all"):
		return p.errorf(at, "the lambda operator %s() is not supported", lw)
	case callsFunction:
		return p.errorf(at, "the function %s() {at} is not supported; the only function is startswith(property,'prefix')", w)
	}

	prop, err := p.path()
	if err != nil {
		return err
	}
	p.space()
	opAt := p.pos
	ow := p.ident()
	lo := strings.ToLower(ow)
	if op, ok := comparisonOps[lo]; ok {
		v, err := p.value(lo)
		if err != nil {
			return err
		}
		return p.add(at, Condition{Property: prop, Op: op, Value: v})
	}
	switch lo {
	case "in":
		v, err := p.list()
		if err != nil {
			return err
		}
		return p.add(at, Condition{Property: prop, Op: In, Value: v})
	case "add", "sub", "mul", "div", "divby", "mod":
		return p.errorf(opAt, "arithmetic (%q) is not supported", ow)
	case "has":
		return p.errorf(opAt, "the \"has\" operator {at} is not supported; use eq")
	case "":
		if !p.eof() && p.src[p.pos] == '(' {
			return p.errorf(opAt, "the function %s() {at} is not supported; the only function is startswith(property,'prefix')", prop)
		}
	}
	p.pos = opAt
	if !p.eof() && p.src[p.pos] == '.' {
		return p.errorf(opAt, "expected an operator after %q {at}, found \".\"; type casts and qualified names are not supported", clip(prop))
	}
	hint := ""
	if lo == "and" || lo == "or" || p.eof() || p.src[p.pos] == ')' {
		hint = fmt.Sprintf("; to test a true/false property, write %s eq true", clip(prop))
	}
	return p.errorf(opAt, "expected an operator (eq, ne, gt, ge, lt, le, in) after %q {at}, found %s%s", clip(prop), p.found(opAt), hint)
}

// add appends c, enforcing MaxConditions.
func (p *parser) add(at int, c Condition) error {
	if len(p.conds) == MaxConditions {
		return apperr.Invalidf("$filter has more than %d conditions (condition %d starts %s); narrow the request, or use \"in\" for several values of one property", MaxConditions, MaxConditions+1, p.where(at))
	}
	p.conds = append(p.conds, c)
	return nil
}

// path parses identifier *( "/" identifier ).
func (p *parser) path() (string, error) {
	start := p.pos
	for {
		segAt := p.pos
		seg := p.ident()
		if seg == "" {
			return "", p.errorf(segAt, "expected a property name after \"/\", found %s", p.found(segAt))
		}
		if len(seg) > maxIdentifier {
			return "", p.errorf(segAt, "property name is longer than %d characters", maxIdentifier)
		}
		if !p.eof() && p.src[p.pos] == '(' {
			if l := strings.ToLower(seg); (l == "any" || l == "all") && segAt > start {
				return "", p.errorf(segAt, "the lambda operator %s() on %q is not supported", l, p.src[start:segAt-1])
			}
		}
		if p.eof() || p.src[p.pos] != '/' {
			return p.src[start:p.pos], nil
		}
		p.pos++
	}
}

// startsWith parses startswith(path, 'prefix'), the current position being
// at the function name.
func (p *parser) startsWith() error {
	at := p.pos
	p.ident()
	p.space()
	p.pos++ // "(", checked by the caller
	p.space()
	argAt := p.pos
	if p.eof() || !isIdentStart(p.src[p.pos]) {
		return p.errorf(argAt, "expected a property name as the first argument of startswith, found %s", p.found(argAt))
	}
	prop, err := p.path()
	if err != nil {
		return err
	}
	p.space()
	if p.eof() || p.src[p.pos] != ',' {
		return p.errorf(p.pos, "expected \",\" after %q in startswith, found %s", clip(prop), p.found(p.pos))
	}
	p.pos++
	p.space()
	if p.eof() || p.src[p.pos] != '\'' {
		return p.errorf(p.pos, "expected a 'quoted string' as the second argument of startswith, found %s", p.found(p.pos))
	}
	v, err := p.value("startswith")
	if err != nil {
		return err
	}
	p.space()
	if p.eof() || p.src[p.pos] != ')' {
		return p.errorf(p.pos, "expected \")\" to close startswith, found %s", p.found(p.pos))
	}
	p.pos++
	return p.add(at, Condition{Property: prop, Op: StartsWith, Value: v})
}

// list parses "(" literal *( "," literal ) ")" after "in".
func (p *parser) list() (Value, error) {
	p.space()
	open := p.pos
	if p.eof() || p.src[p.pos] != '(' {
		return Value{}, p.errorf(open, "expected a list such as ('a','b') after \"in\", found %s", p.found(open))
	}
	p.pos++
	var items []Value
	for {
		p.space()
		if len(items) == 0 && !p.eof() && p.src[p.pos] == ')' {
			return Value{}, p.errorf(p.pos, "the list after \"in\" {at} is empty; give at least one value")
		}
		if len(items) == MaxInItems {
			return Value{}, apperr.Invalidf("$filter: the list after \"in\" that starts %s has more than %d values; split the request", p.where(open), MaxInItems)
		}
		v, err := p.value("in")
		if err != nil {
			return Value{}, err
		}
		items = append(items, v)
		p.space()
		if p.eof() {
			return Value{}, p.errorf(p.pos, "the list that starts %s is not closed; expected \",\" or \")\" {at}", p.where(open))
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ')':
			p.pos++
			return Value{Kind: List, List: items}, nil
		default:
			return Value{}, p.errorf(p.pos, "expected \",\" or \")\" in the list after \"in\", found %s", p.found(p.pos))
		}
	}
}

const valueForms = "a 'quoted string', a number, true, false, null, a date and time such as 2024-01-02T03:04:05Z, or a GUID"

// value parses one literal after the keyword after (for messages).
func (p *parser) value(after string) (Value, error) {
	p.space()
	at := p.pos
	if p.eof() {
		return Value{}, p.errorf(at, "expected a value after %q {at}; give %s", after, valueForms)
	}
	switch c := p.src[p.pos]; {
	case c == '\'':
		return p.str()
	case c == '"':
		return Value{}, p.errorf(at, "expected a value after %q {at}, found a double quote; quote strings with single quotes, as in 'x'", after)
	case c == '(':
		return Value{}, p.errorf(at, "expected a single value after %q {at}, found a list; use \"in\" to compare with a list", after)
	case !isBareChar(c):
		return Value{}, p.errorf(at, "expected a value after %q {at}, found %s; give %s", after, p.found(at), valueForms)
	}
	tok := p.peekWord(at)
	p.pos += len(tok)
	v, msg := bareLiteral(tok)
	if msg != "" {
		// msg quotes only bare-literal characters, so it holds no verbs.
		return Value{}, p.errorf(at, strings.ReplaceAll(msg, "%", "%%"))
	}
	if v.Kind == 0 {
		hint := ""
		if isIdentStart(tok[0]) {
			hint = "; quote text with single quotes, and compare properties with values, not with other properties"
		}
		return Value{}, p.errorf(at, "expected a value after %q {at}, found %q; give %s%s", after, clip(tok), valueForms, hint)
	}
	return v, nil
}

// str parses a single-quoted string, in which a doubled quote stands for
// one quote (OData ABNF SQUOTE-in-string).
func (p *parser) str() (Value, error) {
	open := p.pos
	p.pos++
	var b strings.Builder
	for {
		i := strings.IndexAny(p.src[p.pos:], "'\x00")
		if i < 0 {
			p.pos = len(p.src)
			return Value{}, p.errorf(open, "the string that starts {at} is not closed; end it with ' (and write '' for a quote inside it)")
		}
		b.WriteString(p.src[p.pos : p.pos+i])
		p.pos += i
		if p.src[p.pos] == 0 {
			return Value{}, p.errorf(p.pos, "a string cannot contain a NUL character")
		}
		p.pos++
		if p.pos < len(p.src) && p.src[p.pos] == '\'' {
			b.WriteByte('\'')
			p.pos++
			continue
		}
		return Value{Kind: String, Str: b.String()}, nil
	}
}

var (
	guidRE      = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	numberRE    = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)
	dateRE      = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}`)
	dateTimeRE  = regexp.MustCompile(`^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2})(:[0-9]{2}(\.[0-9]{1,12})?)?(Z|[+-][0-9]{2}:[0-9]{2})$`)
	noOffsetRE  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$`)
	dateTimeFix = "use the form 2024-01-02T03:04:05Z, optionally with fractional seconds or an offset such as +01:00"
)

// bareLiteral classifies an unquoted literal. It returns a zero Value and no
// message when tok is not a literal at all, and a message when tok is a
// literal of a recognisable kind that is malformed.
func bareLiteral(tok string) (Value, string) {
	switch strings.ToLower(tok) {
	case "true":
		return Value{Kind: Bool, Bool: true}, ""
	case "false":
		return Value{Kind: Bool, Bool: false}, ""
	case "null":
		return Value{Kind: Null}, ""
	}
	switch {
	case guidRE.MatchString(tok):
		return Value{Kind: GUID, Str: strings.ToLower(tok)}, ""
	case dateRE.MatchString(tok):
		return dateTime(tok)
	case numberRE.MatchString(tok):
		n, err := strconv.ParseFloat(tok, 64)
		if err != nil || math.IsInf(n, 0) {
			return Value{}, fmt.Sprintf("the number %q {at} is out of range", clip(tok))
		}
		return Value{Kind: Number, Num: n}, ""
	}
	return Value{}, ""
}

// dateTime parses an OData dateTimeOffsetValue: seconds are optional, the
// offset is not.
func dateTime(tok string) (Value, string) {
	m := dateTimeRE.FindStringSubmatch(tok)
	if m == nil {
		switch {
		case len(tok) == len("2024-01-02"):
			return Value{}, fmt.Sprintf("%q {at} is a date without a time; %s", tok, dateTimeFix)
		case noOffsetRE.MatchString(tok):
			return Value{}, fmt.Sprintf("the date and time %q {at} has no time zone; add Z for UTC or an offset such as +01:00 (a + in a URL must be sent as %%2B, or it arrives as a space)", clip(tok))
		}
		return Value{}, fmt.Sprintf("%q {at} is not a valid date and time; %s", clip(tok), dateTimeFix)
	}
	s := tok
	if m[2] == "" { // no seconds: OData allows hh:mm
		s = m[1] + ":00" + m[4]
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if off := m[4]; off != "Z" && (off[1:3] > "23" || off[4:6] > "59") {
		err = errors.New("offset out of range") // time.Parse allows +24:00
	}
	if err != nil {
		return Value{}, fmt.Sprintf("%q {at} is not a valid date and time; %s", clip(tok), dateTimeFix)
	}
	// Keep to years that every store and RFC 3339 can represent in UTC.
	if t = t.UTC(); t.Year() < 1 || t.Year() > 9999 {
		return Value{}, fmt.Sprintf("the date and time %q {at} is out of range", clip(tok))
	}
	return Value{Kind: DateTime, Time: t}, ""
}
