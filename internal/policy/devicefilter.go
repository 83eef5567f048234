package policy

import (
	"fmt"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// Device filter rules (G-CADEV, G-CAFILTER; entra.md §4.9) use the dynamic
// membership rule syntax over device.<property> names:
//
//	device.trustType -eq "AzureAD" -or device.trustType -eq "ServerAD"
//	device.model -startsWith "Surface" -and (device.isCompliant -eq True)
//	device.mdmAppId -in ["0000000a-0000-0000-c000-000000000000"]
//
// Operators, keywords, property names and true/false/null are
// case-insensitive; -and binds tighter than -or; parentheses group. String
// literals are in double quotes, and a backtick escapes a quote or a
// backtick inside one (`" and “), as in PowerShell and Entra's rule syntax.
// Lists are ["a", "b"] and go with -in and -notIn only. Each property accepts
// the operators Entra's table gives it: isCompliant, trustType, profileType
// and deviceOwnership take -eq/-ne; deviceId and mdmAppId add -in/-notIn;
// systemLabels and physicalIds take -contains/-notContains (true when some
// element contains the value); the other strings take every operator.
// Comparisons ignore case. A null property fails every positive operator and
// passes every negative one (-ne, -notStartsWith, -notEndsWith,
// -notContains, -notIn); -eq null and -eq "" test for null.

// MaxDeviceFilterRuleLength is the longest rule accepted, in bytes: the
// length limit of Entra's dynamic membership rules.
const MaxDeviceFilterRuleLength = 3072

// maxFilterDepth bounds parenthesis nesting.
const maxFilterDepth = 50

// DeviceFilter is a parsed device filter rule. It is immutable and safe for
// concurrent use.
type DeviceFilter struct {
	root *fnode
}

type fop uint8

const (
	opEq fop = iota
	opNe
	opStartsWith
	opNotStartsWith
	opEndsWith
	opNotEndsWith
	opContains
	opNotContains
	opIn
	opNotIn
)

var opNames = [...]string{"-eq", "-ne", "-startsWith", "-notStartsWith", "-endsWith", "-notEndsWith", "-contains", "-notContains", "-in", "-notIn"}

func (o fop) negative() bool {
	return o == opNe || o == opNotStartsWith || o == opNotEndsWith || o == opNotContains || o == opNotIn
}

// positive returns the positive form of a negative operator.
func (o fop) positive() fop {
	switch o {
	case opNe:
		return opEq
	case opNotStartsWith:
		return opStartsWith
	case opNotEndsWith:
		return opEndsWith
	case opNotContains:
		return opContains
	case opNotIn:
		return opIn
	}
	return o
}

type pkind uint8

const (
	kString pkind = iota
	kBool
	kList
)

type fprop struct {
	name string // as Entra spells it after "device."
	kind pkind
	ops  uint16 // allowed operators, bit per fop
}

func opset(ops ...fop) uint16 {
	var s uint16
	for _, o := range ops {
		s |= 1 << o
	}
	return s
}

var (
	allStringOps = opset(opEq, opNe, opStartsWith, opNotStartsWith, opEndsWith, opNotEndsWith, opContains, opNotContains, opIn, opNotIn)
	eqOps        = opset(opEq, opNe)
	eqInOps      = opset(opEq, opNe, opIn, opNotIn)
	containsOps  = opset(opContains, opNotContains)
)

// Property indexes; extension attributes are propExt1 … propExt1+14.
const (
	propDeviceID = iota
	propDisplayName
	propEnrollmentProfileName
	propIsCompliant
	propManufacturer
	propMdmAppID
	propModel
	propOperatingSystem
	propOperatingSystemVersion
	propOwnership
	propPhysicalIDs
	propProfileType
	propSystemLabels
	propTrustType
	propExt1
)

var props = func() []fprop {
	p := []fprop{
		propDeviceID:               {"deviceId", kString, eqInOps},
		propDisplayName:            {"displayName", kString, allStringOps},
		propEnrollmentProfileName:  {"enrollmentProfileName", kString, allStringOps},
		propIsCompliant:            {"isCompliant", kBool, eqOps},
		propManufacturer:           {"manufacturer", kString, allStringOps},
		propMdmAppID:               {"mdmAppId", kString, eqInOps},
		propModel:                  {"model", kString, allStringOps},
		propOperatingSystem:        {"operatingSystem", kString, allStringOps},
		propOperatingSystemVersion: {"operatingSystemVersion", kString, allStringOps},
		propOwnership:              {"deviceOwnership", kString, eqOps},
		propPhysicalIDs:            {"physicalIds", kList, containsOps},
		propProfileType:            {"profileType", kString, eqOps},
		propSystemLabels:           {"systemLabels", kList, containsOps},
		propTrustType:              {"trustType", kString, eqOps},
	}
	for i := 1; i <= 15; i++ {
		p = append(p, fprop{fmt.Sprintf("extensionAttribute%d", i), kString, allStringOps})
	}
	return p
}()

type nkind uint8

const (
	nCmp nkind = iota
	nAnd
	nOr
)

type fnode struct {
	kind nkind
	kids []*fnode // nAnd, nOr

	prop   int
	op     fop
	null   bool     // the value is null (or "")
	value  string   // scalar string value, or "true"/"false" for bools
	values []string // -in / -notIn
}

// ParseDeviceFilter parses a device filter rule. Errors are apperr.Invalid
// and give the 1-based byte position of the problem.
func ParseDeviceFilter(rule string) (*DeviceFilter, error) {
	if len(rule) > MaxDeviceFilterRuleLength {
		return nil, apperr.Invalidf("device filter rule is %d bytes long; the limit is %d", len(rule), MaxDeviceFilterRuleLength)
	}
	p := &fparser{src: rule}
	p.next()
	if p.tok.kind == tEOF {
		return nil, apperr.Invalidf("device filter rule is empty")
	}
	root := p.parseOr(0)
	if p.err == nil && p.tok.kind != tEOF {
		p.fail(p.tok.pos, "expected -and, -or or the end of the rule, found %s", p.tok)
	}
	if p.err != nil {
		return nil, p.err
	}
	return &DeviceFilter{root: root}, nil
}

// Match reports whether d satisfies the rule. The zero Device is an unknown
// device: every property null.
func (f *DeviceFilter) Match(d Device) bool { return f.match(&d) }

func (f *DeviceFilter) match(d *Device) bool {
	if f == nil || f.root == nil {
		return false
	}
	return f.root.eval(d)
}

// String returns the rule in canonical form: Entra's spelling of properties
// and operators, minimal parentheses. Parsing it gives the same filter.
func (f *DeviceFilter) String() string {
	if f == nil || f.root == nil {
		return ""
	}
	var b strings.Builder
	f.root.write(&b, nOr)
	return b.String()
}

func (n *fnode) eval(d *Device) bool {
	switch n.kind {
	case nAnd:
		for _, k := range n.kids {
			if !k.eval(d) {
				return false
			}
		}
		return true
	case nOr:
		for _, k := range n.kids {
			if k.eval(d) {
				return true
			}
		}
		return false
	}
	pos := n.op.positive()
	var r bool
	switch props[n.prop].kind {
	case kBool:
		if d.IsCompliant == nil {
			r = n.null
		} else {
			r = !n.null && *d.IsCompliant == (n.value == "true")
		}
	case kList:
		var list []string
		if n.prop == propPhysicalIDs {
			list = d.PhysicalIDs
		} else {
			list = d.SystemLabels
		}
		for _, v := range list {
			if containsFold(v, n.value) {
				r = true
				break
			}
		}
	default:
		v := stringProp(d, n.prop)
		switch {
		case n.null:
			r = v == ""
		case v == "":
			r = false // null fails every positive operator
		case pos == opEq:
			r = strings.EqualFold(v, n.value)
		case pos == opStartsWith:
			r = len(v) >= len(n.value) && strings.EqualFold(v[:len(n.value)], n.value)
		case pos == opEndsWith:
			r = len(v) >= len(n.value) && strings.EqualFold(v[len(v)-len(n.value):], n.value)
		case pos == opContains:
			r = containsFold(v, n.value)
		case pos == opIn:
			for _, x := range n.values {
				if strings.EqualFold(v, x) {
					r = true
					break
				}
			}
		}
	}
	if n.op.negative() {
		return !r
	}
	return r
}

func stringProp(d *Device, p int) string {
	switch p {
	case propDeviceID:
		return d.DeviceID
	case propDisplayName:
		return d.DisplayName
	case propEnrollmentProfileName:
		return d.EnrollmentProfileName
	case propManufacturer:
		return d.Manufacturer
	case propMdmAppID:
		return d.MdmAppID
	case propModel:
		return d.Model
	case propOperatingSystem:
		return d.OperatingSystem
	case propOperatingSystemVersion:
		return d.OperatingSystemVersion
	case propOwnership:
		return d.Ownership
	case propProfileType:
		return d.ProfileType
	case propTrustType:
		return d.TrustType
	}
	if i := p - propExt1; i >= 0 && i < len(d.ExtensionAttributes) {
		return d.ExtensionAttributes[i]
	}
	return ""
}

// containsFold reports whether sub is within s, ignoring case. Case is
// folded per byte window, which is exact for ASCII and for characters whose
// folded forms have the same length.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func (n *fnode) write(b *strings.Builder, parent nkind) {
	switch n.kind {
	case nAnd, nOr:
		sep := " -and "
		if n.kind == nOr {
			sep = " -or "
		}
		paren := parent == nAnd && n.kind == nOr
		if paren {
			b.WriteByte('(')
		}
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(sep)
			}
			k.write(b, n.kind)
		}
		if paren {
			b.WriteByte(')')
		}
		return
	}
	b.WriteString("device.")
	b.WriteString(props[n.prop].name)
	b.WriteByte(' ')
	b.WriteString(opNames[n.op])
	b.WriteByte(' ')
	switch {
	case n.op == opIn || n.op == opNotIn:
		b.WriteByte('[')
		for i, v := range n.values {
			if i > 0 {
				b.WriteString(", ")
			}
			writeQuoted(b, v)
		}
		b.WriteByte(']')
	case n.null:
		b.WriteString("null")
	case props[n.prop].kind == kBool:
		if n.value == "true" {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	default:
		writeQuoted(b, n.value)
	}
}

func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '`' {
			b.WriteByte('`')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}

// Lexer and parser.

type tkind uint8

const (
	tEOF tkind = iota
	tLParen
	tRParen
	tLBrack
	tRBrack
	tComma
	tString
	tOp    // -word
	tIdent // device.x, true, false, null, or any other bare word
	tBad
)

type token struct {
	kind tkind
	pos  int // 1-based byte position
	text string
}

// String describes the token for error messages.
func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "the end of the rule"
	case tString:
		return fmt.Sprintf("string %q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

type fparser struct {
	src string
	off int
	tok token
	err error
}

func (p *fparser) fail(pos int, format string, args ...any) {
	if p.err == nil {
		p.err = apperr.Invalidf("device filter rule: position %d: %s", pos, fmt.Sprintf(format, args...))
	}
	p.tok = token{kind: tEOF, pos: len(p.src) + 1}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isWordByte(c byte) bool {
	return c == '.' || c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func (p *fparser) next() {
	if p.err != nil {
		return
	}
	for p.off < len(p.src) && isSpace(p.src[p.off]) {
		p.off++
	}
	start := p.off
	pos := start + 1
	if p.off >= len(p.src) {
		p.tok = token{kind: tEOF, pos: pos}
		return
	}
	c := p.src[p.off]
	if k := punct(c); k != tBad {
		p.off++
		p.tok = token{kind: k, pos: pos, text: string(c)}
		return
	}
	if c == '"' {
		var b strings.Builder
		p.off++
		for {
			if p.off >= len(p.src) {
				p.fail(pos, "string is not closed with a double quote")
				return
			}
			ch := p.src[p.off]
			if ch == '`' && p.off+1 < len(p.src) && (p.src[p.off+1] == '"' || p.src[p.off+1] == '`') {
				b.WriteByte(p.src[p.off+1])
				p.off += 2
				continue
			}
			p.off++
			if ch == '"' {
				break
			}
			b.WriteByte(ch)
		}
		p.tok = token{kind: tString, pos: pos, text: b.String()}
		return
	}
	if isWordByte(c) {
		for p.off < len(p.src) && isWordByte(p.src[p.off]) {
			p.off++
		}
		text := p.src[start:p.off]
		if c == '-' {
			p.tok = token{kind: tOp, pos: pos, text: text}
		} else {
			p.tok = token{kind: tIdent, pos: pos, text: text}
		}
		return
	}
	if c == '\'' {
		p.fail(pos, "strings take double quotes, not single quotes")
		return
	}
	p.fail(pos, "unexpected character %q", rune(c))
}

func punct(c byte) tkind {
	switch c {
	case '(':
		return tLParen
	case ')':
		return tRParen
	case '[':
		return tLBrack
	case ']':
		return tRBrack
	case ',':
		return tComma
	}
	return tBad
}

func (p *fparser) parseOr(depth int) *fnode {
	left := p.parseAnd(depth)
	if p.err != nil {
		return nil
	}
	kids := []*fnode{left}
	for p.tok.kind == tOp && strings.EqualFold(p.tok.text, "-or") {
		p.next()
		right := p.parseAnd(depth)
		if p.err != nil {
			return nil
		}
		kids = append(kids, right)
	}
	return group(nOr, kids)
}

func (p *fparser) parseAnd(depth int) *fnode {
	left := p.parsePrimary(depth)
	if p.err != nil {
		return nil
	}
	kids := []*fnode{left}
	for p.tok.kind == tOp && strings.EqualFold(p.tok.text, "-and") {
		p.next()
		right := p.parsePrimary(depth)
		if p.err != nil {
			return nil
		}
		kids = append(kids, right)
	}
	return group(nAnd, kids)
}

// group builds an n-ary node, flattening children of the same kind so that
// a rule and its canonical String form parse to the same tree.
func group(k nkind, kids []*fnode) *fnode {
	if len(kids) == 1 {
		return kids[0]
	}
	n := &fnode{kind: k}
	for _, c := range kids {
		if c.kind == k {
			n.kids = append(n.kids, c.kids...)
		} else {
			n.kids = append(n.kids, c)
		}
	}
	return n
}

func (p *fparser) parsePrimary(depth int) *fnode {
	switch p.tok.kind {
	case tLParen:
		if depth >= maxFilterDepth {
			p.fail(p.tok.pos, "parentheses are nested more than %d deep", maxFilterDepth)
			return nil
		}
		open := p.tok.pos
		p.next()
		n := p.parseOr(depth + 1)
		if p.err != nil {
			return nil
		}
		if p.tok.kind != tRParen {
			p.fail(p.tok.pos, "expected ) to close the ( at position %d, found %s", open, p.tok)
			return nil
		}
		p.next()
		return n
	case tIdent:
		return p.parseComparison()
	}
	p.fail(p.tok.pos, "expected a device property such as device.trustType or (, found %s", p.tok)
	return nil
}

func (p *fparser) parseComparison() *fnode {
	ptok := p.tok
	name, ok := strings.CutPrefix(ptok.text, "device.")
	if !ok && len(ptok.text) > 7 && strings.EqualFold(ptok.text[:7], "device.") {
		name, ok = ptok.text[7:], true
	}
	if !ok {
		p.fail(ptok.pos, "expected a device property such as device.trustType, found %q", ptok.text)
		return nil
	}
	prop := -1
	for i, pr := range props {
		if strings.EqualFold(pr.name, name) {
			prop = i
			break
		}
	}
	if prop < 0 {
		p.fail(ptok.pos, "unknown device property %q; known properties are %s", ptok.text, propNames())
		return nil
	}
	p.next()
	otok := p.tok
	if otok.kind != tOp {
		p.fail(otok.pos, "expected an operator such as -eq after device.%s, found %s", props[prop].name, otok)
		return nil
	}
	op := fop(255)
	for i, name := range opNames {
		if strings.EqualFold(name, otok.text) {
			op = fop(i)
			break
		}
	}
	if op == 255 {
		p.fail(otok.pos, "unknown operator %q; operators are %s", otok.text, strings.Join(opNames[:], " "))
		return nil
	}
	if props[prop].ops&(1<<op) == 0 {
		var allowed []string
		for i, name := range opNames {
			if props[prop].ops&(1<<i) != 0 {
				allowed = append(allowed, name)
			}
		}
		p.fail(otok.pos, "operator %s does not apply to device.%s; use %s", opNames[op], props[prop].name, strings.Join(allowed, " "))
		return nil
	}
	p.next()
	n := &fnode{kind: nCmp, prop: prop, op: op}
	vtok := p.tok
	if op == opIn || op == opNotIn {
		if vtok.kind != tLBrack {
			p.fail(vtok.pos, "%s takes a list such as [\"a\", \"b\"], found %s", opNames[op], vtok)
			return nil
		}
		p.next()
		for {
			if p.tok.kind != tString {
				p.fail(p.tok.pos, "expected a string in the list, found %s", p.tok)
				return nil
			}
			n.values = append(n.values, p.tok.text)
			p.next()
			if p.tok.kind == tRBrack {
				p.next()
				return n
			}
			if p.tok.kind != tComma {
				p.fail(p.tok.pos, "expected , or ] in the list, found %s", p.tok)
				return nil
			}
			p.next()
		}
	}
	switch {
	case vtok.kind == tIdent && strings.EqualFold(vtok.text, "null"):
		if op != opEq && op != opNe {
			p.fail(vtok.pos, "null goes with -eq and -ne only")
			return nil
		}
		n.null = true
	case props[prop].kind == kBool:
		v := ""
		if vtok.kind == tIdent || vtok.kind == tString {
			v = strings.ToLower(vtok.text)
		}
		if v != "true" && v != "false" {
			p.fail(vtok.pos, "device.%s takes True or False, found %s", props[prop].name, vtok)
			return nil
		}
		n.value = v
	case vtok.kind == tString:
		n.value = vtok.text
		if n.value == "" {
			if props[prop].kind == kList || (op != opEq && op != opNe) {
				p.fail(vtok.pos, "an empty string goes with -eq and -ne only")
				return nil
			}
			n.null = true
		}
	case vtok.kind == tLBrack:
		p.fail(vtok.pos, "a list goes with -in and -notIn only")
		return nil
	default:
		p.fail(vtok.pos, "expected a value in double quotes after %s, found %s", opNames[op], vtok)
		return nil
	}
	p.next()
	return n
}

func propNames() string {
	names := make([]string, 0, 16)
	for _, pr := range props[:propExt1] {
		names = append(names, "device."+pr.name)
	}
	names = append(names, "device.extensionAttribute1–15")
	return strings.Join(names, ", ")
}
