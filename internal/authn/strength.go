package authn

import (
	"slices"
	"strings"
	"time"
)

// Strength is an authentication strength, Graph's
// authenticationStrengthPolicy (G-ASP, entra.md §3.1): a named set of
// allowed method combinations, optionally narrowed by combination
// configurations.
type Strength struct {
	ID          string
	DisplayName string
	Description string
	// PolicyType is PolicyTypeBuiltIn or PolicyTypeCustom.
	PolicyType string
	// RequirementsSatisfied is RequirementsMFA when satisfying the strength
	// also satisfies multifactor authentication, else RequirementsNone. Graph
	// computes it; see RequirementsSatisfiedFor.
	RequirementsSatisfied string
	// AllowedCombinations are Graph combination strings: one mode, or modes
	// joined by commas ("password,softwareOath").
	AllowedCombinations       []string
	CombinationConfigurations []CombinationConfiguration
	CreatedDateTime           time.Time
	ModifiedDateTime          time.Time
}

// CombinationConfiguration is Graph's authenticationCombinationConfiguration
// (entra.md §3.4, G-FIDOCC, AS-ADV): a restriction on how one or more
// combinations of a strength may be met.
type CombinationConfiguration struct {
	ID string
	// ODataType is ODataFido2Combination or ODataX509Combination.
	ODataType             string
	AppliesToCombinations []string
	// AllowedAAGUIDs (fido2 only) are the authenticator models whose fido2
	// proofs count for the combination; compared ignoring case.
	AllowedAAGUIDs []string
	// AllowedIssuerSkis and AllowedPolicyOIDs (x509 only) are stored and
	// validated; Strongroom never proves a certificate, so they are not
	// enforced.
	AllowedIssuerSkis []string
	AllowedPolicyOIDs []string
}

// Values of Strength.PolicyType, Strength.RequirementsSatisfied and
// CombinationConfiguration.ODataType (G-ASP, G-FIDOCC).
const (
	PolicyTypeBuiltIn = "builtIn"
	PolicyTypeCustom  = "custom"

	RequirementsMFA  = "mfa"
	RequirementsNone = "none"

	ODataFido2Combination = "#microsoft.graph.fido2CombinationConfiguration"
	ODataX509Combination  = "#microsoft.graph.x509CertificateCombinationConfiguration"
)

// The fixed ids of the built-in strengths (G-ASP-LIST).
const (
	MultifactorAuthenticationID = "00000000-0000-0000-0000-000000000002"
	PasswordlessMFAID           = "00000000-0000-0000-0000-000000000003"
	PhishingResistantMFAID      = "00000000-0000-0000-0000-000000000004"
)

// builtInCreated is the createdDateTime of every built-in strength (G-ASP-LIST).
var builtInCreated = time.Date(2021, 12, 1, 0, 0, 0, 0, time.UTC)

// mfaCombinations is the built-in MFA strength's list, verbatim and in order
// (entra.md §3.2, G-ASP-LIST, the newer snapshot with the two
// password,x509Certificate* pairs).
var mfaCombinations = []string{
	"windowsHelloForBusiness",
	"fido2",
	"x509CertificateMultiFactor",
	"deviceBasedPush",
	"temporaryAccessPassOneTime",
	"temporaryAccessPassMultiUse",
	"password,microsoftAuthenticatorPush",
	"password,softwareOath",
	"password,hardwareOath",
	"password,x509CertificateSingleFactor",
	"password,x509CertificateMultiFactor",
	"password,sms",
	"password,voice",
	"federatedMultiFactor",
	"microsoftAuthenticatorPush,federatedSingleFactor",
	"softwareOath,federatedSingleFactor",
	"hardwareOath,federatedSingleFactor",
	"sms,federatedSingleFactor",
	"voice,federatedSingleFactor",
}

// singleFactorCombinations are the valid combinations that satisfy no MFA
// requirement (entra.md §3.3, G-AMMODES).
var singleFactorCombinations = []string{
	"x509CertificateSingleFactor",
	"sms",
	"password",
	"federatedSingleFactor",
	"email",
}

// BuiltInStrengths returns the three built-in strengths with their fixed
// ids, names, descriptions and allowedCombinations (entra.md §3.2,
// G-ASP-LIST). Each call returns fresh slices.
func BuiltInStrengths() []Strength {
	mk := func(id, name, desc string, combos []string) Strength {
		return Strength{
			ID:                    id,
			DisplayName:           name,
			Description:           desc,
			PolicyType:            PolicyTypeBuiltIn,
			RequirementsSatisfied: RequirementsMFA,
			AllowedCombinations:   slices.Clone(combos),
			CreatedDateTime:       builtInCreated,
			ModifiedDateTime:      builtInCreated,
		}
	}
	return []Strength{
		mk(MultifactorAuthenticationID, "Multifactor authentication",
			"Combinations of methods that satisfy strong authentication, such as a password + SMS",
			mfaCombinations),
		mk(PasswordlessMFAID, "Passwordless MFA",
			"Passwordless methods that satisfy strong authentication, such as Passwordless sign-in with the Microsoft Authenticator",
			[]string{"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush"}),
		mk(PhishingResistantMFAID, "Phishing resistant MFA",
			"Phishing resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key",
			[]string{"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"}),
	}
}

// BuiltInStrength returns the built-in strength with the given id.
func BuiltInStrength(id string) (Strength, bool) {
	for _, s := range BuiltInStrengths() {
		if s.ID == id {
			return s, true
		}
	}
	return Strength{}, false
}

// IsBuiltInID reports whether id is one of the built-in strengths' ids;
// built-ins cannot be created, updated or deleted (G-ASP).
func IsBuiltInID(id string) bool {
	return id == MultifactorAuthenticationID || id == PasswordlessMFAID || id == PhishingResistantMFAID
}

// ValidCombinations returns every combination a custom strength may allow:
// Graph's 22 authenticationCombinations (G-AMMODES) plus the two
// password,x509Certificate* pairs that the built-in MFA strength lists
// (entra.md §3.2–3.3). The MFA strength's entries come first, in its order.
func ValidCombinations() []string {
	return slices.Concat(mfaCombinations, singleFactorCombinations)
}

// IsValidCombination reports whether c is, spelled exactly, one of
// ValidCombinations.
func IsValidCombination(c string) bool {
	return slices.Contains(mfaCombinations, c) || slices.Contains(singleFactorCombinations, c)
}

// RequirementsSatisfiedFor returns the requirementsSatisfied value Graph
// reports for a strength with these combinations: RequirementsMFA when every
// combination is one the built-in MFA strength allows (so meeting the
// strength always meets MFA), else RequirementsNone. Graph does not document
// the computation; this is Strongroom's reading of it.
func RequirementsSatisfiedFor(combinations []string) string {
	if len(combinations) == 0 {
		return RequirementsNone
	}
	for _, c := range combinations {
		if !slices.Contains(mfaCombinations, c) {
			return RequirementsNone
		}
	}
	return RequirementsMFA
}

// SatisfiedBy reports whether e meets s: some allowed combination has every
// one of its modes proved in e (order irrelevant), a fido2 proof counts only
// when user verification happened and, where a fido2CombinationConfiguration
// applies, only when its AAGUID is allowed (ignoring case; AS-ADV). Modes
// Strongroom cannot produce never count.
func (s Strength) SatisfiedBy(e Evidence) bool {
	return s.Matcher().Satisfied(e, time.Time{})
}

// SatisfiedSince is SatisfiedBy over the proofs made at or after t, without
// copying the evidence.
func (s Strength) SatisfiedSince(e Evidence, t time.Time) bool {
	return s.Matcher().Satisfied(e, t)
}

// SatisfyingModes returns the combinations of s that Strongroom can produce,
// each as its modes, in the strength's order: what the enforcement layer can
// offer a user who must meet s.
func (s Strength) SatisfyingModes() [][]Mode {
	var out [][]Mode
	for _, c := range s.AllowedCombinations {
		set, ok := combinationSet(c)
		if !ok || set&^producible != 0 {
			continue
		}
		modes, _ := ParseCombination(c)
		out = append(out, modes)
	}
	return out
}

// NextSteps returns, for each combination Strongroom can produce, the modes
// e still lacks to meet s (a fido2 proof from a disallowed key, or without
// user verification, is lacking). It returns nil when e already meets s.
// Duplicates are removed; shorter steps come first.
func (s Strength) NextSteps(e Evidence) [][]Mode {
	m := s.Matcher()
	if m.Satisfied(e, time.Time{}) {
		return nil
	}
	proven := m.proven(e, time.Time{})
	var out [][]Mode
	var seen []ModeSet
	for _, c := range m.combos {
		missing := c &^ proven
		if slices.Contains(seen, missing) {
			continue
		}
		seen = append(seen, missing)
		out = append(out, missing.Modes())
	}
	slices.SortStableFunc(out, func(a, b []Mode) int { return len(a) - len(b) })
	return out
}

// AllowsAAGUID reports whether a fido2 proof from authenticator model aaguid
// could count towards s: s allows the fido2 combination and no fido2
// combination configuration excludes aaguid.
func (s Strength) AllowsAAGUID(aaguid string) bool {
	m := s.Matcher()
	if !slices.Contains(m.combos, Fido2.set()) {
		return false
	}
	return m.allows(aaguid)
}

// Matcher is a strength prepared for repeated checks: its combinations as
// mode sets, without the ones Strongroom cannot produce, and its AAGUID
// allow-list. The zero Matcher is satisfied by nothing.
type Matcher struct {
	combos          []ModeSet
	fido2Restricted bool
	aaguids         []string // as configured; compared ignoring case
}

// Matcher prepares s for repeated checks.
func (s Strength) Matcher() *Matcher {
	m := &Matcher{}
	for _, c := range s.AllowedCombinations {
		set, ok := combinationSet(c)
		if !ok || set&^producible != 0 || slices.Contains(m.combos, set) {
			continue // malformed, or never producible: never satisfied
		}
		m.combos = append(m.combos, set)
	}
	for _, cc := range s.CombinationConfigurations {
		if cc.ODataType != ODataFido2Combination || !slices.Contains(cc.AppliesToCombinations, string(Fido2)) {
			continue
		}
		// Several fido2 configurations all apply: a key must pass each.
		if m.fido2Restricted {
			m.aaguids = intersectFold(m.aaguids, cc.AllowedAAGUIDs)
		} else {
			m.fido2Restricted = true
			m.aaguids = slices.Clone(cc.AllowedAAGUIDs)
		}
	}
	return m
}

func intersectFold(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.ContainsFunc(b, func(y string) bool { return strings.EqualFold(x, y) }) {
			out = append(out, x)
		}
	}
	return out
}

func (m *Matcher) allows(aaguid string) bool {
	if !m.fido2Restricted {
		return true
	}
	for _, a := range m.aaguids {
		if strings.EqualFold(a, aaguid) {
			return true
		}
	}
	return false
}

// proven returns the modes proved in e at or after t that count for m.
func (m *Matcher) proven(e Evidence, t time.Time) ModeSet {
	var set ModeSet
	for i := range e.Proofs {
		p := &e.Proofs[i]
		if p.Time.Before(t) {
			continue
		}
		b := p.Mode.set() & producible
		if b == 0 {
			continue
		}
		if p.Mode == Fido2 && (!p.UserVerified || !m.allows(p.AAGUID)) {
			continue
		}
		set |= b
	}
	return set
}

// Satisfied reports whether the proofs in e made at or after t meet the
// strength. It does not allocate.
func (m *Matcher) Satisfied(e Evidence, t time.Time) bool {
	if m == nil || len(m.combos) == 0 {
		return false
	}
	proven := m.proven(e, t)
	for _, c := range m.combos {
		if c&^proven == 0 {
			return true
		}
	}
	return false
}

// Achievable reports whether some combination of the strength could be met
// with the given registered modes and, for fido2, registered key models
// (nil aaguids: any model). It answers "can this user meet the strength
// without registering anything new?".
func (m *Matcher) Achievable(registered ModeSet, aaguids []string) bool {
	if m == nil {
		return false
	}
	if registered.Has(Fido2) && m.fido2Restricted && aaguids != nil &&
		!slices.ContainsFunc(aaguids, m.allows) {
		registered &^= Fido2.set()
	}
	for _, c := range m.combos {
		if c&^registered == 0 {
			return true
		}
	}
	return false
}

// mfaMatcher backs Evidence.IsMultifactor.
var mfaMatcher = Strength{AllowedCombinations: mfaCombinations}.Matcher()
