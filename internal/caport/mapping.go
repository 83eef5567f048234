package caport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Mapping says which Strongroom object stands for an object that policies
// in the import refer to by its id in the source tenant. Each section maps
// source ids (compared ignoring case) to a Strongroom object: its id, or
//
//   - users: the user principal name;
//   - groups, namedLocations, authenticationStrengths: the display name
//     (which must name exactly one);
//   - applications: the application (client) id or display name; this
//     section also maps workload identities
//     (conditions.clientApplications);
//   - authenticationContexts: the context id (c1 to c99).
//
// A group, named location, strength or context that is itself in the
// import and is mapped is not created: the policies use the object it is
// mapped to. The target may be an object the same import creates.
type Mapping struct {
	Groups                  map[string]string `json:"groups,omitempty" yaml:"groups,omitempty"`
	Users                   map[string]string `json:"users,omitempty" yaml:"users,omitempty"`
	NamedLocations          map[string]string `json:"namedLocations,omitempty" yaml:"namedLocations,omitempty"`
	Applications            map[string]string `json:"applications,omitempty" yaml:"applications,omitempty"`
	AuthenticationStrengths map[string]string `json:"authenticationStrengths,omitempty" yaml:"authenticationStrengths,omitempty"`
	AuthenticationContexts  map[string]string `json:"authenticationContexts,omitempty" yaml:"authenticationContexts,omitempty"`
}

// section returns the mapping for kind (servicePrincipals use
// applications).
func (m Mapping) section(k Kind) map[string]string {
	switch k {
	case KindGroup:
		return m.Groups
	case KindUser:
		return m.Users
	case KindNamedLocation:
		return m.NamedLocations
	case KindApplication, KindServicePrincipal:
		return m.Applications
	case KindStrength:
		return m.AuthenticationStrengths
	case KindContext:
		return m.AuthenticationContexts
	}
	return nil
}

// sectionKinds are the mapping file's sections, in the order the report
// lists them.
var sectionKinds = []Kind{KindGroup, KindUser, KindNamedLocation, KindApplication, KindStrength, KindContext}

// lookupMap returns the target that sec maps id to.
func lookupMap(sec map[string]string, id string) (string, bool) {
	if t, ok := sec[id]; ok {
		return t, true
	}
	for k, t := range sec {
		if strings.EqualFold(strings.TrimSpace(k), strings.TrimSpace(id)) {
			return t, true
		}
	}
	return "", false
}

// ParseMapping reads a mapping file: JSON (when it starts with "{") or
// YAML, UTF-8 or UTF-16 with a byte-order mark. Section names are
// matched ignoring case; an unknown section, a target that is not a
// non-empty string, or a source id mapped twice is an error that names
// it.
func ParseMapping(name string, data []byte) (Mapping, error) {
	var ps problems
	text, err := decodeText(data)
	if err != nil {
		ps.add(name, "", "%s", err)
		return Mapping{}, ps.err()
	}
	var raw map[string]any
	if t := bytes.TrimSpace(text); len(t) > 0 && t[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(t))
		if err := dec.Decode(&raw); err != nil {
			ps.add(name, "", "not a valid JSON mapping: %s", err)
			return Mapping{}, ps.err()
		}
	} else if err := yaml.Unmarshal(text, &raw); err != nil {
		ps.add(name, "", "not valid YAML or JSON: %s", err)
		return Mapping{}, ps.err()
	}
	var m Mapping
	sections := map[string]*map[string]string{
		"groups": &m.Groups, "users": &m.Users, "namedlocations": &m.NamedLocations, "applications": &m.Applications,
		"authenticationstrengths": &m.AuthenticationStrengths, "authenticationcontexts": &m.AuthenticationContexts,
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		dst, ok := sections[strings.ToLower(k)]
		if !ok {
			ps.add(name, k, "is not a section of a mapping file; use groups, users, namedLocations, applications, authenticationStrengths or authenticationContexts")
			continue
		}
		if *dst != nil {
			ps.add(name, k, "is given twice (section names ignore case)")
			continue
		}
		*dst = map[string]string{}
		v := raw[k]
		if v == nil {
			continue
		}
		entries, ok := v.(map[string]any)
		if !ok {
			ps.add(name, k, "must map source ids to Strongroom objects, like {\"<source id>\": \"<id or name>\"}")
			continue
		}
		froms := make([]string, 0, len(entries))
		for from := range entries {
			froms = append(froms, from)
		}
		slices.Sort(froms)
		for _, from := range froms {
			to := entries[from]
			path := k + "." + from
			s, ok := to.(string)
			if !ok || strings.TrimSpace(s) == "" {
				ps.add(name, path, "must be a Strongroom id or name (a non-empty string), got %s", describe(to))
				continue
			}
			if _, dup := lookupMap(*dst, from); dup {
				ps.add(name, path, "is mapped more than once (source ids ignore case)")
				continue
			}
			(*dst)[strings.TrimSpace(from)] = strings.TrimSpace(s)
		}
	}
	if err := ps.err(); err != nil {
		return Mapping{}, err
	}
	return m, nil
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "an empty string"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	default:
		return fmt.Sprintf("%v", x)
	}
}
