package cagraph

import (
	"encoding/json"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
)

// Strength is an authenticationStrengthPolicy as Graph returns it (G-ASP).
type Strength struct {
	ID                        string                     `json:"id"`
	CreatedDateTime           *string                    `json:"createdDateTime"`
	ModifiedDateTime          *string                    `json:"modifiedDateTime"`
	DisplayName               string                     `json:"displayName"`
	Description               *string                    `json:"description"`
	PolicyType                string                     `json:"policyType"`
	RequirementsSatisfied     string                     `json:"requirementsSatisfied"`
	AllowedCombinations       []string                   `json:"allowedCombinations"`
	CombinationConfigurations []CombinationConfiguration `json:"combinationConfigurations"`
}

// CombinationConfiguration is a fido2CombinationConfiguration or an
// x509CertificateCombinationConfiguration (G-FIDOCC, AS-ADV).
type CombinationConfiguration struct {
	ODataType             string   `json:"@odata.type"`
	ID                    string   `json:"id"`
	AppliesToCombinations []string `json:"appliesToCombinations"`
	AllowedAAGUIDs        []string `json:"allowedAAGUIDs,omitempty"`
	AllowedIssuerSkis     []string `json:"allowedIssuerSkis,omitempty"`
	AllowedPolicyOIDs     []string `json:"allowedPolicyOIDs,omitempty"`
}

// EncodeStrength returns s as Graph returns it: every property, the
// combination configurations expanded.
func EncodeStrength(s authn.Strength) Strength {
	out := Strength{ID: s.ID, CreatedDateTime: timePtr(s.CreatedDateTime), ModifiedDateTime: timePtr(s.ModifiedDateTime),
		DisplayName: s.DisplayName, Description: &s.Description, PolicyType: s.PolicyType, RequirementsSatisfied: s.RequirementsSatisfied,
		AllowedCombinations: nonNil(s.AllowedCombinations), CombinationConfigurations: []CombinationConfiguration{}}
	for _, c := range s.CombinationConfigurations {
		out.CombinationConfigurations = append(out.CombinationConfigurations, EncodeCombination(c))
	}
	return out
}

// EncodeCombination returns one combination configuration in Graph's
// shape; fido2 configurations always carry allowedAAGUIDs, x509 ones their
// issuers and OIDs.
func EncodeCombination(c authn.CombinationConfiguration) CombinationConfiguration {
	out := CombinationConfiguration{ODataType: c.ODataType, ID: c.ID, AppliesToCombinations: nonNil(c.AppliesToCombinations)}
	switch c.ODataType {
	case authn.ODataFido2Combination:
		out.AllowedAAGUIDs = nonNil(c.AllowedAAGUIDs)
	case authn.ODataX509Combination:
		out.AllowedIssuerSkis, out.AllowedPolicyOIDs = nonNil(c.AllowedIssuerSkis), nonNil(c.AllowedPolicyOIDs)
	}
	return out
}

// MarshalStrength is EncodeStrength as JSON.
func MarshalStrength(s authn.Strength) ([]byte, error) {
	b, err := json.Marshal(EncodeStrength(s))
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "encoding an authentication strength")
	}
	return b, nil
}

// DecodeStrength reads an authenticationStrengthPolicy. Read-only
// properties (policyType, requirementsSatisfied, timestamps) are read for
// the caller to check or ignore; combinationConfigurations are read too.
func DecodeStrength(data []byte, m Mode) (authn.Strength, Report, error) {
	mv, err := ParseObject(data)
	if err != nil {
		return authn.Strength{}, Report{}, err
	}
	return DecodeStrengthObject(mv, m)
}

// DecodeStrengthObject is DecodeStrength over a parsed object.
func DecodeStrengthObject(v map[string]any, m Mode) (authn.Strength, Report, error) {
	r := &reader{mode: m}
	o := r.object("", v)
	s := authn.Strength{
		ID:                    o.str("id"),
		DisplayName:           o.str("displayName"),
		Description:           o.str("description"),
		PolicyType:            o.str("policyType"),
		RequirementsSatisfied: o.str("requirementsSatisfied"),
		CreatedDateTime:       o.time("createdDateTime"),
		ModifiedDateTime:      o.time("modifiedDateTime"),
	}
	s.AllowedCombinations = readCombinations(o, "allowedCombinations")
	for i, item := range o.list("combinationConfigurations") {
		if co := r.object(indexPath(o.p("combinationConfigurations"), i), item); co != nil {
			s.CombinationConfigurations = append(s.CombinationConfigurations, readCombinationConfig(co))
		}
	}
	o.done()
	return s, r.report(), r.err("authentication strength")
}

// readCombinations reads allowedCombinations. Lenient reads fix the case of
// each mode ("FIDO2" → "fido2"); an array of one comma-joined string per
// combination is Graph's form, so a lenient read never splits on commas.
func readCombinations(o *obj, name string) []string {
	v, ok := o.get(name)
	if !ok {
		return nil
	}
	l, isList := v.([]any)
	if !isList {
		o.r.fail(o.p(name), "must be an array of combinations such as [\"fido2\", \"password,softwareOath\"], got %s", kind(v))
		return nil
	}
	out := make([]string, 0, len(l))
	for i, x := range l {
		s, isStr := x.(string)
		if !isStr {
			o.r.fail(indexPath(o.p(name), i), "must be a string, got %s", kind(x))
			continue
		}
		if o.r.mode == Lenient {
			s = canonCombination(s)
		}
		out = append(out, s)
	}
	return out
}

// canonCombination spells each mode of a combination as Graph does.
func canonCombination(c string) string {
	parts := splitComma(c)
	for i, p := range parts {
		if m, ok := authn.ParseMode(p); ok {
			parts[i] = string(m)
		}
	}
	return joinComma(parts)
}

func readCombinationConfig(o *obj) authn.CombinationConfiguration {
	c := authn.CombinationConfiguration{
		ODataType:             o.str("@odata.type"),
		ID:                    o.str("id"),
		AppliesToCombinations: o.strs("appliesToCombinations", false),
		AllowedAAGUIDs:        o.strs("allowedAAGUIDs", false),
		AllowedIssuerSkis:     o.strs("allowedIssuerSkis", false),
		AllowedPolicyOIDs:     o.strs("allowedPolicyOIDs", false),
	}
	if o.r.mode == Lenient {
		c.ODataType = canon([]string{authn.ODataFido2Combination, authn.ODataX509Combination}, c.ODataType)
		for i, x := range c.AppliesToCombinations {
			c.AppliesToCombinations[i] = canonCombination(x)
		}
	}
	o.done()
	return c
}

// DecodeCombination reads one combination configuration (the body of POST
// …/combinationConfigurations).
func DecodeCombination(data []byte, m Mode) (authn.CombinationConfiguration, Report, error) {
	mv, err := ParseObject(data)
	if err != nil {
		return authn.CombinationConfiguration{}, Report{}, err
	}
	r := &reader{mode: m}
	c := readCombinationConfig(r.object("", mv))
	return c, r.report(), r.err("combination configuration")
}

func indexPath(path string, i int) string { return path + "[" + itoa(i) + "]" }

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}
