package authn

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// Limits on custom strengths.
const (
	// MaxCustomStrengths is how many custom strengths a tenant may have
	// (AS-ADV). The service enforces it; ValidateCustom sees one strength.
	MaxCustomStrengths = 15
	// MaxDisplayNameLength and MaxDescriptionLength bound a custom strength's
	// texts, in characters. Graph publishes no limit; these are Strongroom's,
	// chosen to match the lengths Graph accepts for other directory objects'
	// display names (256) and descriptions (1024).
	MaxDisplayNameLength = 256
	MaxDescriptionLength = 1024
	// MaxX509Issuers and MaxX509PolicyOIDs bound an
	// x509CertificateCombinationConfiguration (AS-ADV).
	MaxX509Issuers    = 5
	MaxX509PolicyOIDs = 5
)

// ValidateCustom checks a custom strength as Graph does on create and update
// (G-ASP, G-ASP-POST, AS-ADV) and returns an apperr.Invalid error naming
// every problem with its field path, or nil. The id, timestamps and
// requirementsSatisfied are the service's to set and are not checked beyond
// their enums.
func ValidateCustom(s Strength) error {
	var p problems
	if IsBuiltInID(s.ID) {
		p.add("id", "built-in strength %q cannot be created or changed", s.ID)
	}
	switch s.PolicyType {
	case "", PolicyTypeCustom:
	case PolicyTypeBuiltIn:
		p.add("policyType", "built-in strengths cannot be created or changed")
	default:
		p.add("policyType", "%q is not one of %q, %q", s.PolicyType, PolicyTypeBuiltIn, PolicyTypeCustom)
	}
	switch s.RequirementsSatisfied {
	case "", RequirementsMFA, RequirementsNone:
	default:
		p.add("requirementsSatisfied", "%q is not one of %q, %q", s.RequirementsSatisfied, RequirementsMFA, RequirementsNone)
	}
	switch n := utf8.RuneCountInString(s.DisplayName); {
	case strings.TrimSpace(s.DisplayName) == "":
		p.add("displayName", "is required")
	case n > MaxDisplayNameLength:
		p.add("displayName", "is %d characters long; the limit is %d", n, MaxDisplayNameLength)
	}
	if n := utf8.RuneCountInString(s.Description); n > MaxDescriptionLength {
		p.add("description", "is %d characters long; the limit is %d", n, MaxDescriptionLength)
	}

	if len(s.AllowedCombinations) == 0 {
		p.add("allowedCombinations", "at least one combination is required; valid combinations are %s", strings.Join(ValidCombinations(), "; "))
	}
	for i, c := range s.AllowedCombinations {
		path := fmt.Sprintf("allowedCombinations[%d]", i)
		if !IsValidCombination(c) {
			p.add(path, "%q is not a valid combination; valid combinations are %s", c, strings.Join(ValidCombinations(), "; "))
			continue
		}
		if slices.Index(s.AllowedCombinations, c) < i {
			p.add(path, "%q is listed more than once", c)
		}
	}

	var fido2Configs int
	for i, cc := range s.CombinationConfigurations {
		path := fmt.Sprintf("combinationConfigurations[%d]", i)
		switch cc.ODataType {
		case ODataFido2Combination:
			fido2Configs++
			validateFido2Config(&p, path, cc, s.AllowedCombinations)
		case ODataX509Combination:
			validateX509Config(&p, path, cc, s.AllowedCombinations)
		default:
			p.add(path+".@odata.type", "%q is not one of %q, %q", cc.ODataType, ODataFido2Combination, ODataX509Combination)
		}
	}
	if fido2Configs > 1 {
		p.add("combinationConfigurations", "at most one fido2 combination configuration is allowed, found %d", fido2Configs)
	}
	seen := map[string]int{}
	for i, cc := range s.CombinationConfigurations {
		if cc.ODataType != ODataX509Combination {
			continue
		}
		for _, c := range cc.AppliesToCombinations {
			if j, dup := seen[c]; dup {
				p.add(fmt.Sprintf("combinationConfigurations[%d].appliesToCombinations", i),
					"%q already has a configuration (combinationConfigurations[%d])", c, j)
			}
			seen[c] = i
		}
	}
	return p.err("invalid authentication strength")
}

func validateFido2Config(p *problems, path string, cc CombinationConfiguration, allowed []string) {
	if len(cc.AppliesToCombinations) != 1 || cc.AppliesToCombinations[0] != string(Fido2) {
		p.add(path+".appliesToCombinations", "a fido2 combination configuration applies to exactly [\"fido2\"], got %q", cc.AppliesToCombinations)
	} else if !slices.Contains(allowed, string(Fido2)) {
		p.add(path+".appliesToCombinations", "\"fido2\" is not among the strength's allowedCombinations")
	}
	if len(cc.AllowedAAGUIDs) == 0 {
		p.add(path+".allowedAAGUIDs", "at least one AAGUID is required")
	}
	for j, a := range cc.AllowedAAGUIDs {
		ap := fmt.Sprintf("%s.allowedAAGUIDs[%d]", path, j)
		if !IsGUID(a) {
			p.add(ap, "%q is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", a)
			continue
		}
		if slices.IndexFunc(cc.AllowedAAGUIDs, func(b string) bool { return strings.EqualFold(a, b) }) < j {
			p.add(ap, "%q is listed more than once", a)
		}
	}
	if len(cc.AllowedIssuerSkis) > 0 || len(cc.AllowedPolicyOIDs) > 0 {
		p.add(path, "allowedIssuerSkis and allowedPolicyOIDs belong to an x509 certificate combination configuration")
	}
}

func validateX509Config(p *problems, path string, cc CombinationConfiguration, allowed []string) {
	if len(cc.AppliesToCombinations) == 0 {
		p.add(path+".appliesToCombinations", "is required")
	}
	for j, c := range cc.AppliesToCombinations {
		cp := fmt.Sprintf("%s.appliesToCombinations[%d]", path, j)
		switch {
		case c != string(X509CertificateSingleFactor) && c != string(X509CertificateMultiFactor):
			p.add(cp, "%q is not one of %q, %q", c, X509CertificateSingleFactor, X509CertificateMultiFactor)
		case !slices.Contains(allowed, c):
			p.add(cp, "%q is not among the strength's allowedCombinations", c)
		case slices.Index(cc.AppliesToCombinations, c) < j:
			p.add(cp, "%q is listed more than once", c)
		}
	}
	if len(cc.AllowedIssuerSkis) == 0 && len(cc.AllowedPolicyOIDs) == 0 {
		p.add(path, "at least one of allowedIssuerSkis and allowedPolicyOIDs is required")
	}
	if n := len(cc.AllowedIssuerSkis); n > MaxX509Issuers {
		p.add(path+".allowedIssuerSkis", "has %d entries; the limit is %d", n, MaxX509Issuers)
	}
	if n := len(cc.AllowedPolicyOIDs); n > MaxX509PolicyOIDs {
		p.add(path+".allowedPolicyOIDs", "has %d entries; the limit is %d", n, MaxX509PolicyOIDs)
	}
	for j, s := range cc.AllowedIssuerSkis {
		if !isHex(s) {
			p.add(fmt.Sprintf("%s.allowedIssuerSkis[%d]", path, j), "%q is not a hexadecimal subject key identifier", s)
		}
	}
	for j, o := range cc.AllowedPolicyOIDs {
		if !isOID(o) {
			p.add(fmt.Sprintf("%s.allowedPolicyOIDs[%d]", path, j), "%q is not an object identifier such as 1.2.3.4", o)
		}
	}
	if len(cc.AllowedAAGUIDs) > 0 {
		p.add(path+".allowedAAGUIDs", "belongs to a fido2 combination configuration")
	}
}

// IsGUID reports whether s is a GUID in its 36-character textual form, in
// either case.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHexDigit(c) {
				return false
			}
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isHex(s string) bool {
	if s == "" || len(s)%2 != 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHexDigit(s[i]) {
			return false
		}
	}
	return true
}

func isOID(s string) bool {
	if len(s) > 256 {
		return false
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return false
	}
	for _, part := range parts {
		if part == "" {
			return false
		}
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return false
			}
		}
	}
	return true
}

// problems collects validation failures, each with its field path.
type problems []string

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, path+": "+fmt.Sprintf(format, args...))
}

func (p problems) err(what string) error {
	if len(p) == 0 {
		return nil
	}
	return apperr.Invalidf("%s: %s", what, strings.Join(p, "; "))
}
