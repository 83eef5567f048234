package caport

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/cagraph"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// Kind is the kind of a Conditional Access object in an import. Its
// values are the names of the export's folders and of the mapping file's
// sections.
type Kind string

// Kinds of objects an import reads.
const (
	KindPolicy        Kind = "policies"
	KindNamedLocation Kind = "namedLocations"
	KindStrength      Kind = "authenticationStrengths"
	KindContext       Kind = "authenticationContexts"
	KindGroup         Kind = "groups"
)

// Kinds of objects policies refer to that an import never creates: they
// appear in placeholders and in the mapping file.
const (
	KindUser             Kind = "users"
	KindApplication      Kind = "applications"
	KindServicePrincipal Kind = "servicePrincipals"
)

// Singular returns the kind's name for messages ("named location").
func (k Kind) Singular() string {
	switch k {
	case KindPolicy:
		return "policy"
	case KindNamedLocation:
		return "named location"
	case KindStrength:
		return "authentication strength"
	case KindContext:
		return "authentication context"
	case KindGroup:
		return "group"
	case KindUser:
		return "user"
	case KindApplication:
		return "application"
	case KindServicePrincipal:
		return "service principal"
	}
	return string(k)
}

// Object is one Conditional Access object read from an import's input.
// The field of its kind is set.
type Object struct {
	// Source says where the object came from: a file name, with [i] for
	// an item of an array, or #grantControls.authenticationStrength for a
	// strength expanded inside a policy.
	Source string
	Kind   Kind
	// SourceID is the object's id in the input; "" when it has none.
	SourceID string
	Policy   policy.Policy
	Location policy.NamedLocation
	Strength authn.Strength
	Context  policy.AuthenticationContext
	Group    Group
	// Ignored are the properties Strongroom does not know, by path
	// (cagraph.Report.Ignored): they are not stored.
	Ignored []string
}

// DisplayName returns the object's display name (a context's is its own).
func (o Object) DisplayName() string {
	switch o.Kind {
	case KindPolicy:
		return o.Policy.DisplayName
	case KindNamedLocation:
		return o.Location.DisplayName
	case KindStrength:
		return o.Strength.DisplayName
	case KindContext:
		return o.Context.DisplayName
	case KindGroup:
		return o.Group.DisplayName
	}
	return ""
}

// Group is a group as an import reads it: what Strongroom keeps of
// Graph's group. Members are not part of a group's JSON and are never
// imported.
type Group struct {
	DisplayName        string
	Description        string
	MailNickname       string
	SecurityEnabled    *bool
	MailEnabled        *bool
	IsAssignableToRole bool
	// GroupTypes ("Unified", "DynamicMembership") and MembershipRule are
	// read to say in the report that Strongroom has neither.
	GroupTypes     []string
	MembershipRule string
}

// Problem is one reason an import's input is refused.
type Problem struct {
	// Source is the file (or mapping file, or request part) at fault.
	Source string `json:"source"`
	// Property is the Graph property path at fault, when known.
	Property string `json:"property,omitempty"`
	Message  string `json:"message"`
}

func (p Problem) String() string {
	s := p.Source
	if p.Property != "" {
		s += ": " + p.Property
	}
	return s + ": " + p.Message
}

// InputError is an import's invalid input: every problem found. Nothing
// was imported. It reaches callers wrapped in an apperr.Invalid error.
type InputError struct {
	Problems []Problem
}

func (e *InputError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects Problems and turns them into one error.
type problems []Problem

func (ps *problems) add(source, property, format string, args ...any) {
	*ps = append(*ps, Problem{Source: source, Property: property, Message: fmt.Sprintf(format, args...)})
}

// addErr adds err's safe message.
func (ps *problems) addErr(source, property string, err error) {
	msg := err.Error()
	if ae := apperr.As(err); ae != nil && ae.Message != "" {
		msg = ae.Message
	}
	ps.add(source, property, "%s", msg)
}

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	ie := &InputError{Problems: ps}
	what := "problem"
	if len(ps) > 1 {
		what = "problems"
	}
	return apperr.Wrap(ie, apperr.Invalid, "The import is invalid and nothing was imported (%d %s):\n%s", len(ps), what, ie.Error())
}

// Document is one input of an import: a file's contents and its name.
type Document struct {
	Name string
	Data []byte
}

// ReadPaths reads the files named by paths; a folder is read recursively
// for files ending in .json (any case), skipping hidden files and folders.
// Files named directly are read whatever their name. Names in the result
// are relative to the folder given, or the path as given, with slashes.
func ReadPaths(paths []string) ([]Document, error) {
	var docs []Document
	var ps problems
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			ps.add(root, "", "%s", pathError(err))
			continue
		}
		if !info.IsDir() {
			b, err := os.ReadFile(root)
			if err != nil {
				ps.add(root, "", "%s", pathError(err))
				continue
			}
			docs = append(docs, Document{Name: filepath.ToSlash(root), Data: b})
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				ps.add(path, "", "%s", pathError(err))
				return nil
			}
			if path != root && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() || !strings.EqualFold(filepath.Ext(path), ".json") {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				ps.add(path, "", "%s", pathError(err))
				return nil
			}
			docs = append(docs, Document{Name: filepath.ToSlash(path), Data: b})
			return nil
		})
		if err != nil {
			ps.add(root, "", "%s", pathError(err))
		}
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, apperr.Invalidf("There is nothing to import: no .json files in %s.", strings.Join(paths, ", "))
	}
	return docs, nil
}

func pathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// Parse reads every document into objects; it reports every problem of
// every document at once.
func Parse(docs []Document) ([]Object, error) {
	var objs []Object
	var ps problems
	for _, d := range docs {
		o, p := parseDocument(d)
		objs = append(objs, o...)
		ps = append(ps, p...)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return objs, nil
}

func parseDocument(d Document) ([]Object, problems) {
	var ps problems
	text, err := decodeText(d.Data)
	if err != nil {
		ps.add(d.Name, "", "%s", err)
		return nil, ps
	}
	v, err := parseJSON(text)
	if err != nil {
		ps.add(d.Name, "", "%s", err)
		return nil, ps
	}
	r := &docReader{}
	r.value(d.Name, v, true)
	return r.objs, r.ps
}

// decodeText returns data as UTF-8 without a byte-order mark. UTF-16 is
// recognised by its byte-order mark, or, without one, by a NUL byte next
// to the first character (JSON starts with ASCII).
func decodeText(data []byte) ([]byte, error) {
	var order binary.ByteOrder
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		order, data = binary.LittleEndian, data[2:]
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		order, data = binary.BigEndian, data[2:]
	case len(data) >= 2 && data[0] != 0 && data[1] == 0:
		order = binary.LittleEndian
	case len(data) >= 2 && data[0] == 0 && data[1] != 0:
		order = binary.BigEndian
	}
	if order != nil {
		if len(data)%2 != 0 {
			return nil, errors.New("the file looks like UTF-16 but has an odd number of bytes; save it as UTF-8")
		}
		units := make([]uint16, len(data)/2)
		for i := range units {
			units[i] = order.Uint16(data[2*i:])
		}
		data = []byte(string(utf16.Decode(units)))
	}
	if !utf8.Valid(data) {
		return nil, errors.New("the file is not UTF-8 or UTF-16 text; save it as UTF-8")
	}
	return data, nil
}

// parseJSON reads one JSON value with numbers kept as json.Number, as
// cagraph expects. Syntax errors give the line and column.
func parseJSON(text []byte) (any, error) {
	if len(bytes.TrimSpace(text)) == 0 {
		return nil, errors.New("the file is empty; it should hold a JSON object or array")
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(text, se.Offset)
			return nil, fmt.Errorf("not valid JSON at line %d, column %d: %s", line, col, se.Error())
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errors.New("not valid JSON: the file ends in the middle of a value")
		}
		return nil, fmt.Errorf("not valid JSON: %s", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := position(text, dec.InputOffset())
		return nil, fmt.Errorf("not valid JSON: more after the value, at line %d, column %d", line, col)
	}
	return v, nil
}

// position turns a byte offset into a 1-based line and column.
func position(text []byte, off int64) (line, col int) {
	if off > int64(len(text)) {
		off = int64(len(text))
	}
	before := text[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	if col == 0 {
		col = 1
	}
	return line, col
}

type docReader struct {
	objs []Object
	ps   problems
}

// value reads a document's value: an object, an array of them, or a
// {"value": […]} list.
func (r *docReader) value(source string, v any, top bool) {
	switch x := v.(type) {
	case []any:
		if !top {
			r.ps.add(source, "", "an array inside an array; give objects, or arrays of objects")
			return
		}
		for i, item := range x {
			r.value(fmt.Sprintf("%s[%d]", source, i), item, false)
		}
	case map[string]any:
		if list, ok := valueList(x); ok && top {
			for i, item := range list {
				r.value(fmt.Sprintf("%s value[%d]", source, i), item, false)
			}
			return
		}
		r.object(source, x)
	default:
		r.ps.add(source, "", "must be a JSON object or an array of objects, not %s", cagraph.JSONKind(v))
	}
}

// valueList recognises a Graph list response: "value" holding an array,
// with nothing else but OData annotations.
func valueList(m map[string]any) ([]any, bool) {
	var list []any
	found := false
	for k, v := range m {
		switch {
		case strings.EqualFold(k, "value"):
			l, ok := v.([]any)
			if !ok {
				return nil, false
			}
			list, found = l, true
		case strings.HasPrefix(k, "@"):
		default:
			return nil, false
		}
	}
	return list, found
}

// lookup returns m's value for key in any case.
func lookup(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

func has(m map[string]any, keys ...string) bool {
	for _, k := range keys {
		if v, ok := lookup(m, k); ok && v != nil {
			return true
		}
	}
	return false
}

func stringOf(m map[string]any, key string) string {
	v, _ := lookup(m, key)
	switch s := v.(type) {
	case string:
		return strings.TrimSpace(s)
	case json.Number:
		return s.String()
	}
	return ""
}

// OData types of the objects an import reads.
const (
	odataPolicy   = "#microsoft.graph.conditionalAccessPolicy"
	odataStrength = "#microsoft.graph.authenticationStrengthPolicy"
	odataContext  = "#microsoft.graph.authenticationContextClassReference"
	odataGroup    = "#microsoft.graph.group"
)

var odataKinds = map[string]Kind{
	"conditionalaccesspolicy":             KindPolicy,
	"ipnamedlocation":                     KindNamedLocation,
	"countrynamedlocation":                KindNamedLocation,
	"authenticationstrengthpolicy":        KindStrength,
	"authenticationcontextclassreference": KindContext,
	"group":                               KindGroup,
}

// detectKind tells an object's kind from @odata.type, else from its shape.
func detectKind(m map[string]any) (Kind, error) {
	if t := stringOf(m, "@odata.type"); t != "" {
		name := strings.ToLower(strings.TrimPrefix(t, "#"))
		name = strings.TrimPrefix(name, "microsoft.graph.")
		if k, ok := odataKinds[name]; ok {
			return k, nil
		}
		return "", fmt.Errorf("@odata.type %q is not a kind Strongroom imports (conditional access policies, named locations, authentication strengths and contexts, groups)", t)
	}
	switch {
	case has(m, "conditions"):
		return KindPolicy, nil
	case has(m, "ipRanges", "countriesAndRegions"):
		return KindNamedLocation, nil
	case has(m, "allowedCombinations"):
		return KindStrength, nil
	case has(m, "securityEnabled", "mailNickname", "groupTypes"):
		return KindGroup, nil
	case policy.IsAuthContextID(strings.ToLower(stringOf(m, "id"))) && has(m, "isAvailable"):
		return KindContext, nil
	}
	return "", errors.New("cannot tell what kind of object this is: give it an @odata.type, or the properties of a conditional access policy (conditions), named location (ipRanges or countriesAndRegions), authentication strength (allowedCombinations), authentication context (an id c1 to c99 and isAvailable) or group (securityEnabled, mailNickname or groupTypes)")
}

// object reads one object of any kind.
func (r *docReader) object(source string, m map[string]any) {
	kind, err := detectKind(m)
	if err != nil {
		r.ps.add(source, "", "%s", err)
		return
	}
	o := Object{Source: source, Kind: kind, SourceID: stringOf(m, "id")}
	var rep cagraph.Report
	switch kind {
	case KindPolicy:
		o.Policy, rep, err = cagraph.DecodePolicyObject(m, cagraph.Lenient)
		if err == nil {
			r.inlineStrength(source, m)
		}
	case KindNamedLocation:
		if !has(m, "@odata.type") {
			// Graph needs the type on create; an export may leave it out.
			m = cloneMap(m)
			m["@odata.type"] = policy.ODataIPNamedLocation
			if has(m, "countriesAndRegions") {
				m["@odata.type"] = policy.ODataCountryNamedLocation
			}
		}
		o.Location, rep, err = cagraph.DecodeNamedLocationObject(m, cagraph.Lenient)
	case KindStrength:
		o.Strength, rep, err = cagraph.DecodeStrengthObject(m, cagraph.Lenient)
	case KindContext:
		o.Context, _, rep, err = cagraph.DecodeContextObject(m, cagraph.Lenient)
		o.Context.ID = strings.ToLower(o.Context.ID)
		o.SourceID = o.Context.ID
	case KindGroup:
		o.Group, rep.Ignored, err = readGroup(m)
	}
	if err != nil {
		r.ps.addErr(source, "", err)
		return
	}
	o.Ignored = rep.Ignored
	r.objs = append(r.objs, o)
}

// cloneMap returns a shallow copy of m.
func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// inlineStrength reads a strength expanded inside a policy's
// grantControls (as Graph returns policies) as an object of the import,
// so that a custom strength comes with the policy that uses it.
func (r *docReader) inlineStrength(source string, m map[string]any) {
	g, _ := lookup(m, "grantControls")
	gm, ok := g.(map[string]any)
	if !ok {
		return
	}
	s, _ := lookup(gm, "authenticationStrength")
	sm, ok := s.(map[string]any)
	if !ok || !has(sm, "allowedCombinations") {
		return
	}
	id := stringOf(sm, "id")
	if authn.IsBuiltInID(strings.ToLower(id)) || strings.EqualFold(stringOf(sm, "policyType"), authn.PolicyTypeBuiltIn) {
		return
	}
	src := source + "#grantControls.authenticationStrength"
	st, rep, err := cagraph.DecodeStrengthObject(sm, cagraph.Lenient)
	if err != nil {
		r.ps.addErr(src, "", err)
		return
	}
	r.objs = append(r.objs, Object{Source: src, Kind: KindStrength, SourceID: id, Strength: st, Ignored: rep.Ignored})
}

// groupProperties are the group properties Strongroom keeps or reports
// on; the others are reported as ignored.
var groupProperties = []string{"id", "displayName", "description", "mailNickname", "securityEnabled", "mailEnabled",
	"isAssignableToRole", "groupTypes", "membershipRule", "createdDateTime"}

// readGroup reads a Graph group leniently, like cagraph's Lenient mode:
// any key case, nulls as absent, quoted booleans.
func readGroup(m map[string]any) (Group, []string, error) {
	var g Group
	var errs []string
	str := func(key string) string {
		v, _ := lookup(m, key)
		switch s := v.(type) {
		case nil:
		case string:
			return s
		default:
			errs = append(errs, fmt.Sprintf("%s: must be a string, got %s", key, cagraph.JSONKind(v)))
		}
		return ""
	}
	boolean := func(key string) *bool {
		v, _ := lookup(m, key)
		switch b := v.(type) {
		case nil:
			return nil
		case bool:
			return &b
		case string:
			switch strings.ToLower(strings.TrimSpace(b)) {
			case "true":
				t := true
				return &t
			case "false":
				f := false
				return &f
			}
		}
		errs = append(errs, fmt.Sprintf("%s: must be a boolean (true or false), got %s", key, cagraph.JSONKind(v)))
		return nil
	}
	g.DisplayName = strings.TrimSpace(str("displayName"))
	g.Description = str("description")
	g.MailNickname = strings.TrimSpace(str("mailNickname"))
	g.SecurityEnabled = boolean("securityEnabled")
	g.MailEnabled = boolean("mailEnabled")
	if b := boolean("isAssignableToRole"); b != nil {
		g.IsAssignableToRole = *b
	}
	g.MembershipRule = str("membershipRule")
	switch t := func() any { v, _ := lookup(m, "groupTypes"); return v }().(type) {
	case nil:
	case string:
		for part := range strings.SplitSeq(t, ",") {
			if part = strings.TrimSpace(part); part != "" {
				g.GroupTypes = append(g.GroupTypes, part)
			}
		}
	case []any:
		for i, x := range t {
			s, ok := x.(string)
			if !ok {
				errs = append(errs, fmt.Sprintf("groupTypes[%d]: must be a string, got %s", i, cagraph.JSONKind(x)))
				continue
			}
			g.GroupTypes = append(g.GroupTypes, s)
		}
	default:
		errs = append(errs, fmt.Sprintf("groupTypes: must be an array of strings, got %s", cagraph.JSONKind(t)))
	}
	if g.DisplayName == "" {
		errs = append(errs, "displayName: is required")
	}
	var ignored []string
	for k, v := range m {
		if strings.HasPrefix(k, "@") || strings.Contains(k, "@odata.") || v == nil {
			continue
		}
		if !slices.ContainsFunc(groupProperties, func(p string) bool { return strings.EqualFold(p, k) }) {
			ignored = append(ignored, k)
		}
	}
	slices.Sort(ignored)
	if len(errs) > 0 {
		return g, ignored, apperr.Invalidf("invalid group: %s", strings.Join(errs, "; "))
	}
	return g, ignored, nil
}
