package authn

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	yubiKey5 = "cb69481e-8ff7-4039-93ec-0a2729a154a8" // YubiKey 5 Series
	yubiBio  = "d8522d9f-575b-4866-88a9-ba99fa02f35b" // YubiKey Bio Series
	iCloud   = "fbfc3007-154e-4ecc-8c0b-6e020557d7bd" // iCloud Keychain (synced)
)

func pw(at time.Duration) Proof   { return Proof{Mode: Password, Time: t0.Add(at)} }
func totp(at time.Duration) Proof { return Proof{Mode: SoftwareOath, Time: t0.Add(at)} }
func tap1(at time.Duration) Proof { return Proof{Mode: TemporaryAccessPassOneTime, Time: t0.Add(at)} }
func tapN(at time.Duration) Proof { return Proof{Mode: TemporaryAccessPassMultiUse, Time: t0.Add(at)} }
func key(aaguid string, uv bool) Proof {
	return Proof{Mode: Fido2, Time: t0, AAGUID: aaguid, UserVerified: uv}
}
func ev(p ...Proof) Evidence { return Evidence{Proofs: p} }

func TestBuiltInStrengths(t *testing.T) {
	b := BuiltInStrengths()
	if len(b) != 3 {
		t.Fatalf("got %d built-ins", len(b))
	}
	type row struct {
		ID, Name, Desc string
		N              int
	}
	var got []row
	for _, s := range b {
		got = append(got, row{s.ID, s.DisplayName, s.Description, len(s.AllowedCombinations)})
		if s.PolicyType != "builtIn" || s.RequirementsSatisfied != "mfa" {
			t.Errorf("%s: policyType %q requirementsSatisfied %q", s.ID, s.PolicyType, s.RequirementsSatisfied)
		}
		if !s.CreatedDateTime.Equal(time.Date(2021, 12, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: createdDateTime %v", s.ID, s.CreatedDateTime)
		}
		if !IsBuiltInID(s.ID) {
			t.Errorf("IsBuiltInID(%s) = false", s.ID)
		}
		if bs, ok := BuiltInStrength(s.ID); !ok || !cmp.Equal(bs, s) {
			t.Errorf("BuiltInStrength(%s) mismatch", s.ID)
		}
	}
	want := []row{
		{"00000000-0000-0000-0000-000000000002", "Multifactor authentication", "Combinations of methods that satisfy strong authentication, such as a password + SMS", 19},
		{"00000000-0000-0000-0000-000000000003", "Passwordless MFA", "Passwordless methods that satisfy strong authentication, such as Passwordless sign-in with the Microsoft Authenticator", 4},
		{"00000000-0000-0000-0000-000000000004", "Phishing resistant MFA", "Phishing resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key", 3},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("built-ins (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"}, b[2].AllowedCombinations); d != "" {
		t.Errorf("phishing-resistant combinations:\n%s", d)
	}
	if d := cmp.Diff([]string{"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush"}, b[1].AllowedCombinations); d != "" {
		t.Errorf("passwordless combinations:\n%s", d)
	}
	// Callers get copies.
	b[0].AllowedCombinations[0] = "x"
	if BuiltInStrengths()[0].AllowedCombinations[0] != "windowsHelloForBusiness" {
		t.Error("BuiltInStrengths shares its slices")
	}
}

func TestValidCombinations(t *testing.T) {
	v := ValidCombinations()
	if len(v) != 24 {
		t.Fatalf("got %d valid combinations, want 24 (22 + 2)", len(v))
	}
	for i, c := range v {
		if slices.Index(v, c) != i {
			t.Errorf("%q listed twice", c)
		}
		if _, ok := ParseCombination(c); !ok {
			t.Errorf("%q does not parse", c)
		}
		if !IsValidCombination(c) {
			t.Errorf("IsValidCombination(%q) = false", c)
		}
	}
	// Every built-in combination is valid for a custom strength.
	for _, s := range BuiltInStrengths() {
		for _, c := range s.AllowedCombinations {
			if !slices.Contains(v, c) {
				t.Errorf("built-in %s combination %q not valid", s.DisplayName, c)
			}
		}
	}
	for _, c := range []string{"email", "password", "sms", "federatedSingleFactor", "x509CertificateSingleFactor"} {
		if !slices.Contains(v, c) {
			t.Errorf("missing single-factor %q", c)
		}
	}
	for _, c := range []string{"sms,password", "Fido2", "password,", "qrCodePin", "password,password", ""} {
		if IsValidCombination(c) {
			t.Errorf("IsValidCombination(%q) = true", c)
		}
	}
}

func TestModes(t *testing.T) {
	if n := len(AllModes()); n != 17 {
		t.Errorf("AllModes has %d modes, want 17", n)
	}
	var producibleModes []Mode
	for _, m := range AllModes() {
		if !m.Valid() {
			t.Errorf("%s not valid", m)
		}
		if m.Producible() {
			producibleModes = append(producibleModes, m)
		}
		if got, ok := ParseMode(strings.ToUpper(string(m))); !ok || got != m {
			t.Errorf("ParseMode(%q) = %q, %v", strings.ToUpper(string(m)), got, ok)
		}
	}
	want := []Mode{Password, SoftwareOath, Fido2, TemporaryAccessPassOneTime, TemporaryAccessPassMultiUse}
	if d := cmp.Diff(want, producibleModes); d != "" {
		t.Errorf("producible (-want +got):\n%s", d)
	}
	if Mode("unknownFutureValue").Valid() || Mode("").Valid() {
		t.Error("non-modes reported valid")
	}
	if _, ok := ParseMode("nope"); ok {
		t.Error("ParseMode(nope) ok")
	}
	if got := SetOf(Fido2, Password, Mode("x")).Modes(); !cmp.Equal(got, []Mode{Password, Fido2}) {
		t.Errorf("SetOf(...).Modes() = %v", got)
	}
	if SetOf(Password).Has(Mode("x")) {
		t.Error("Has(non-mode) = true")
	}
	if m, ok := ParseCombination("softwareOath,password"); !ok || !cmp.Equal(m, []Mode{SoftwareOath, Password}) {
		t.Errorf("ParseCombination = %v, %v", m, ok)
	}
}

func TestEvidence(t *testing.T) {
	e := ev(pw(0), totp(time.Minute), pw(2*time.Minute), Proof{Mode: "weird", Time: t0}, Proof{Mode: "weird", Time: t0})
	if !e.Has(Password) || e.Has(Fido2) {
		t.Error("Has")
	}
	if d := cmp.Diff([]Mode{Password, SoftwareOath, "weird"}, e.Modes()); d != "" {
		t.Errorf("Modes:\n%s", d)
	}
	if got := e.Since(t0.Add(time.Minute)); len(got.Proofs) != 2 || got.Proofs[0].Mode != SoftwareOath {
		t.Errorf("Since = %+v", got)
	}
	if got := e.Since(t0.Add(time.Hour)); len(got.Proofs) != 0 {
		t.Errorf("Since(later) = %+v", got)
	}
	if !e.Latest().Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("Latest = %v", e.Latest())
	}
	if !(Evidence{}).Latest().IsZero() {
		t.Error("Latest of nothing")
	}
	if !e.IsMultifactor() || ev(pw(0)).IsMultifactor() || (Evidence{}).IsMultifactor() {
		t.Error("IsMultifactor")
	}
}

// custom strengths used by the satisfaction table.
var (
	fido2Only   = Strength{ID: "custom-fido2", AllowedCombinations: []string{"fido2"}}
	fido2Yubi   = Strength{ID: "custom-yubi", AllowedCombinations: []string{"fido2"}, CombinationConfigurations: []CombinationConfiguration{{ODataType: ODataFido2Combination, AppliesToCombinations: []string{"fido2"}, AllowedAAGUIDs: []string{strings.ToUpper(yubiKey5), yubiBio}}}}
	fido2OrOTP  = Strength{ID: "custom-fido2-or-otp", AllowedCombinations: []string{"fido2", "password,softwareOath"}, CombinationConfigurations: []CombinationConfiguration{{ODataType: ODataFido2Combination, AppliesToCombinations: []string{"fido2"}, AllowedAAGUIDs: []string{yubiKey5}}}}
	passwordOK  = Strength{ID: "custom-password", AllowedCombinations: []string{"password"}}
	smsOnly     = Strength{ID: "custom-sms", AllowedCombinations: []string{"sms", "password,sms", "email"}}
	tapOneTime  = Strength{ID: "custom-tap", AllowedCombinations: []string{"temporaryAccessPassOneTime"}}
	x509Config  = Strength{ID: "custom-x509", AllowedCombinations: []string{"x509CertificateMultiFactor", "fido2"}, CombinationConfigurations: []CombinationConfiguration{{ODataType: ODataX509Combination, AppliesToCombinations: []string{"x509CertificateMultiFactor"}, AllowedIssuerSkis: []string{"aabb"}}}}
	emptyConfig = Strength{ID: "custom-empty-aaguids", AllowedCombinations: []string{"fido2"}, CombinationConfigurations: []CombinationConfiguration{{ODataType: ODataFido2Combination, AppliesToCombinations: []string{"fido2"}}}}
)

func TestSatisfiedBy(t *testing.T) {
	b := BuiltInStrengths()
	mfa, pwless, phish := b[0], b[1], b[2]
	strengths := []Strength{mfa, pwless, phish, fido2Only, fido2Yubi, fido2OrOTP, passwordOK, smsOnly, tapOneTime, x509Config, emptyConfig}

	// want lists, per evidence, the ids of the strengths it satisfies.
	tests := []struct {
		name string
		e    Evidence
		want []string
	}{
		{"nothing", ev(), nil},
		{"password", ev(pw(0)), []string{"custom-password"}},
		{"software OATH alone", ev(totp(0)), nil},
		{"password + software OATH", ev(pw(0), totp(time.Minute)), []string{mfa.ID, "custom-fido2-or-otp", "custom-password"}},
		{"software OATH then password (order irrelevant)", ev(totp(0), pw(time.Minute)), []string{mfa.ID, "custom-fido2-or-otp", "custom-password"}},
		{"YubiKey 5 with UV", ev(key(yubiKey5, true)), []string{mfa.ID, pwless.ID, phish.ID, "custom-fido2", "custom-yubi", "custom-fido2-or-otp", "custom-x509"}},
		{"YubiKey 5 upper-case AAGUID", ev(key(strings.ToUpper(yubiKey5), true)), []string{mfa.ID, pwless.ID, phish.ID, "custom-fido2", "custom-yubi", "custom-fido2-or-otp", "custom-x509"}},
		{"YubiKey Bio", ev(key(yubiBio, true)), []string{mfa.ID, pwless.ID, phish.ID, "custom-fido2", "custom-yubi", "custom-x509"}},
		{"synced passkey (iCloud)", ev(Proof{Mode: Fido2, Time: t0, AAGUID: iCloud, UserVerified: true, BackupEligible: true}), []string{mfa.ID, pwless.ID, phish.ID, "custom-fido2", "custom-x509"}},
		{"passkey without AAGUID", ev(key("", true)), []string{mfa.ID, pwless.ID, phish.ID, "custom-fido2", "custom-x509"}},
		{"key without user verification", ev(key(yubiKey5, false)), nil},
		{"key without UV plus password", ev(key(yubiKey5, false), pw(0)), []string{"custom-password"}},
		{"TAP one-time", ev(tap1(0)), []string{mfa.ID, "custom-tap"}},
		{"TAP multi-use", ev(tapN(0)), []string{mfa.ID}},
		{"forged SMS proofs never count", ev(pw(0), Proof{Mode: SMS, Time: t0}, Proof{Mode: Email, Time: t0}), []string{"custom-password"}},
		{"forged WHfB and certificate never count", ev(Proof{Mode: WindowsHelloForBusiness, Time: t0}, Proof{Mode: X509CertificateMultiFactor, Time: t0}), nil},
		{"unknown mode", ev(Proof{Mode: "quantum", Time: t0}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range strengths {
				if s.SatisfiedBy(tt.e) {
					got = append(got, s.ID)
				}
				// SatisfiedBy equals the matcher with no cut-off.
				if s.SatisfiedBy(tt.e) != s.Matcher().Satisfied(tt.e, time.Time{}) {
					t.Errorf("%s: SatisfiedBy and Matcher disagree", s.ID)
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("satisfied strengths (-want +got):\n%s", d)
			}
			if tt.e.IsMultifactor() != mfa.SatisfiedBy(tt.e) {
				t.Error("IsMultifactor differs from the built-in MFA strength")
			}
		})
	}
}

func TestSatisfiedSince(t *testing.T) {
	mfa, _ := BuiltInStrength(MultifactorAuthenticationID)
	e := ev(pw(0), totp(10*time.Minute))
	if !mfa.SatisfiedSince(e, t0) {
		t.Error("all proofs at or after t0")
	}
	if mfa.SatisfiedSince(e, t0.Add(time.Minute)) {
		t.Error("password is older than the cut-off")
	}
	if !mfa.SatisfiedSince(ev(pw(0), totp(10*time.Minute), pw(11*time.Minute)), t0.Add(time.Minute)) {
		t.Error("fresh password and OTP")
	}
	var nilMatcher *Matcher
	if nilMatcher.Satisfied(e, time.Time{}) || nilMatcher.Achievable(SetOf(Fido2), nil) {
		t.Error("nil matcher satisfied")
	}
}

func TestSatisfiedSinceDoesNotAllocate(t *testing.T) {
	mfa, _ := BuiltInStrength(MultifactorAuthenticationID)
	m := mfa.Matcher()
	e := ev(pw(0), key(yubiKey5, true), totp(time.Minute))
	if n := testing.AllocsPerRun(100, func() { m.Satisfied(e, t0) }); n != 0 {
		t.Errorf("Satisfied allocates %v times", n)
	}
}

func TestSatisfyingModesAndNextSteps(t *testing.T) {
	mfa, _ := BuiltInStrength(MultifactorAuthenticationID)
	phish, _ := BuiltInStrength(PhishingResistantMFAID)

	want := [][]Mode{{Fido2}, {TemporaryAccessPassOneTime}, {TemporaryAccessPassMultiUse}, {Password, SoftwareOath}}
	if d := cmp.Diff(want, mfa.SatisfyingModes()); d != "" {
		t.Errorf("MFA SatisfyingModes:\n%s", d)
	}
	if d := cmp.Diff([][]Mode{{Fido2}}, phish.SatisfyingModes()); d != "" {
		t.Errorf("phishing-resistant SatisfyingModes:\n%s", d)
	}
	if got := smsOnly.SatisfyingModes(); got != nil {
		t.Errorf("sms-only SatisfyingModes = %v", got)
	}

	if got := mfa.NextSteps(ev(pw(0))); !cmp.Equal(got, [][]Mode{{Fido2}, {TemporaryAccessPassOneTime}, {TemporaryAccessPassMultiUse}, {SoftwareOath}}) {
		t.Errorf("MFA NextSteps after password = %v", got)
	}
	if got := mfa.NextSteps(ev(pw(0), totp(0))); got != nil {
		t.Errorf("NextSteps when satisfied = %v", got)
	}
	if got := fido2Yubi.NextSteps(ev(key(iCloud, true))); !cmp.Equal(got, [][]Mode{{Fido2}}) {
		t.Errorf("NextSteps with a disallowed key = %v", got)
	}
	if got := fido2OrOTP.NextSteps(ev()); !cmp.Equal(got, [][]Mode{{Fido2}, {Password, SoftwareOath}}) {
		t.Errorf("NextSteps from nothing = %v", got)
	}

	if !fido2Yubi.AllowsAAGUID(strings.ToLower(yubiKey5)) || fido2Yubi.AllowsAAGUID(iCloud) {
		t.Error("AllowsAAGUID with restriction")
	}
	if !phish.AllowsAAGUID(iCloud) || passwordOK.AllowsAAGUID(yubiKey5) {
		t.Error("AllowsAAGUID without restriction / without fido2")
	}
	if emptyConfig.AllowsAAGUID(yubiKey5) {
		t.Error("an empty allow-list allows nothing")
	}
}

func TestAchievable(t *testing.T) {
	mfa, _ := BuiltInStrength(MultifactorAuthenticationID)
	y := fido2Yubi.Matcher()
	tests := []struct {
		name    string
		m       *Matcher
		reg     ModeSet
		aaguids []string
		want    bool
	}{
		{"mfa with password only", mfa.Matcher(), SetOf(Password), nil, false},
		{"mfa with password and OTP", mfa.Matcher(), SetOf(Password, SoftwareOath), nil, true},
		{"mfa with a key", mfa.Matcher(), SetOf(Fido2), []string{iCloud}, true},
		{"yubi with an allowed key", y, SetOf(Fido2), []string{yubiKey5}, true},
		{"yubi with a disallowed key", y, SetOf(Fido2), []string{iCloud}, false},
		{"yubi with unknown key models", y, SetOf(Fido2), nil, true},
		{"sms strength", smsOnly.Matcher(), SetOf(Password, SMS, Email), nil, false},
	}
	for _, tt := range tests {
		if got := tt.m.Achievable(tt.reg, tt.aaguids); got != tt.want {
			t.Errorf("%s: Achievable = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRequirementsSatisfiedFor(t *testing.T) {
	tests := []struct {
		combos []string
		want   string
	}{
		{nil, "none"},
		{[]string{"fido2"}, "mfa"},
		{[]string{"fido2", "password,softwareOath"}, "mfa"},
		{[]string{"fido2", "password"}, "none"},
		{[]string{"email"}, "none"},
	}
	for _, tt := range tests {
		if got := RequirementsSatisfiedFor(tt.combos); got != tt.want {
			t.Errorf("RequirementsSatisfiedFor(%q) = %q, want %q", tt.combos, got, tt.want)
		}
	}
}

func TestValidateCustom(t *testing.T) {
	ok := Strength{DisplayName: "FIDO2 Only - High Privilege", PolicyType: "custom", AllowedCombinations: []string{"fido2"}}
	with := func(f func(*Strength)) Strength {
		s := ok
		s.AllowedCombinations = slices.Clone(ok.AllowedCombinations)
		f(&s)
		return s
	}
	fido2Cfg := func(aaguids ...string) CombinationConfiguration {
		return CombinationConfiguration{ODataType: ODataFido2Combination, AppliesToCombinations: []string{"fido2"}, AllowedAAGUIDs: aaguids}
	}
	x509Cfg := func(applies []string, skis, oids []string) CombinationConfiguration {
		return CombinationConfiguration{ODataType: ODataX509Combination, AppliesToCombinations: applies, AllowedIssuerSkis: skis, AllowedPolicyOIDs: oids}
	}
	tests := []struct {
		name string
		s    Strength
		want []string // substrings of the error; nil = valid
	}{
		{"minimal", ok, nil},
		{"no policy type", with(func(s *Strength) { s.PolicyType = "" }), nil},
		{"every valid combination", with(func(s *Strength) { s.AllowedCombinations = ValidCombinations() }), nil},
		{"fido2 with AAGUIDs", with(func(s *Strength) {
			s.CombinationConfigurations = []CombinationConfiguration{fido2Cfg(yubiKey5, strings.ToUpper(yubiBio))}
		}), nil},
		{"x509 config", with(func(s *Strength) {
			s.AllowedCombinations = []string{"x509CertificateMultiFactor", "x509CertificateSingleFactor"}
			s.CombinationConfigurations = []CombinationConfiguration{x509Cfg([]string{"x509CertificateMultiFactor", "x509CertificateSingleFactor"}, []string{"0A1B2C3D"}, []string{"1.2.3.4"})}
		}), nil},
		{"missing name", with(func(s *Strength) { s.DisplayName = "  " }), []string{"displayName: is required"}},
		{"long name", with(func(s *Strength) { s.DisplayName = strings.Repeat("é", 257) }), []string{"displayName: is 257 characters long; the limit is 256"}},
		{"long description", with(func(s *Strength) { s.Description = strings.Repeat("x", 1025) }), []string{"description:"}},
		{"built-in type", with(func(s *Strength) { s.PolicyType = "builtIn" }), []string{"policyType: built-in"}},
		{"bad type", with(func(s *Strength) { s.PolicyType = "other" }), []string{"policyType:"}},
		{"built-in id", with(func(s *Strength) { s.ID = PhishingResistantMFAID }), []string{"id: built-in"}},
		{"bad requirementsSatisfied", with(func(s *Strength) { s.RequirementsSatisfied = "all" }), []string{"requirementsSatisfied:"}},
		{"no combinations", with(func(s *Strength) { s.AllowedCombinations = nil }), []string{"allowedCombinations: at least one", "fido2"}},
		{"bad combination", with(func(s *Strength) { s.AllowedCombinations = []string{"fido2", "sms,password"} }),
			[]string{`allowedCombinations[1]: "sms,password" is not a valid combination; valid combinations are windowsHelloForBusiness; fido2;`}},
		{"wrong case", with(func(s *Strength) { s.AllowedCombinations = []string{"FIDO2"} }), []string{`allowedCombinations[0]: "FIDO2" is not a valid`}},
		{"duplicate", with(func(s *Strength) { s.AllowedCombinations = []string{"fido2", "password", "fido2"} }), []string{`allowedCombinations[2]: "fido2" is listed more than once`}},
		{"fido2 config on other combination", with(func(s *Strength) {
			c := fido2Cfg(yubiKey5)
			c.AppliesToCombinations = []string{"password"}
			s.CombinationConfigurations = []CombinationConfiguration{c}
		}), []string{"combinationConfigurations[0].appliesToCombinations: a fido2 combination configuration applies to exactly"}},
		{"fido2 config without fido2 allowed", with(func(s *Strength) {
			s.AllowedCombinations = []string{"password"}
			s.CombinationConfigurations = []CombinationConfiguration{fido2Cfg(yubiKey5)}
		}), []string{`"fido2" is not among`}},
		{"bad AAGUID", with(func(s *Strength) {
			s.CombinationConfigurations = []CombinationConfiguration{fido2Cfg(yubiKey5, "not-a-guid", "cb69481e-8ff7-4039-93ec-0a2729a154aZ")}
		}), []string{`allowedAAGUIDs[1]: "not-a-guid" is not a GUID`, `allowedAAGUIDs[2]`}},
		{"duplicate AAGUID", with(func(s *Strength) {
			s.CombinationConfigurations = []CombinationConfiguration{fido2Cfg(yubiKey5, strings.ToUpper(yubiKey5))}
		}), []string{"allowedAAGUIDs[1]:", "more than once"}},
		{"no AAGUIDs", with(func(s *Strength) { s.CombinationConfigurations = []CombinationConfiguration{fido2Cfg()} }), []string{"allowedAAGUIDs: at least one"}},
		{"two fido2 configs", with(func(s *Strength) {
			s.CombinationConfigurations = []CombinationConfiguration{fido2Cfg(yubiKey5), fido2Cfg(yubiBio)}
		}), []string{"at most one fido2"}},
		{"fido2 config with x509 fields", with(func(s *Strength) {
			c := fido2Cfg(yubiKey5)
			c.AllowedPolicyOIDs = []string{"1.2"}
			s.CombinationConfigurations = []CombinationConfiguration{c}
		}), []string{"belong to an x509"}},
		{"unknown config type", with(func(s *Strength) {
			s.CombinationConfigurations = []CombinationConfiguration{{ODataType: "#microsoft.graph.smsCombinationConfiguration"}}
		}), []string{"combinationConfigurations[0].@odata.type:"}},
		{"x509 too many", with(func(s *Strength) {
			s.AllowedCombinations = []string{"x509CertificateMultiFactor"}
			s.CombinationConfigurations = []CombinationConfiguration{x509Cfg([]string{"x509CertificateMultiFactor"},
				[]string{"01", "02", "03", "04", "05", "06"}, []string{"1.1", "1.2", "1.3", "1.4", "1.5", "1.6"})}
		}), []string{"allowedIssuerSkis: has 6 entries; the limit is 5", "allowedPolicyOIDs: has 6 entries; the limit is 5"}},
		{"x509 bad values", with(func(s *Strength) {
			s.AllowedCombinations = []string{"x509CertificateMultiFactor"}
			s.CombinationConfigurations = []CombinationConfiguration{x509Cfg([]string{"x509CertificateMultiFactor", "fido2", "x509CertificateSingleFactor"}, []string{"xyz"}, []string{"1..2"})}
		}), []string{"appliesToCombinations[1]", "appliesToCombinations[2]: \"x509CertificateSingleFactor\" is not among", "allowedIssuerSkis[0]", "allowedPolicyOIDs[0]"}},
		{"x509 empty", with(func(s *Strength) {
			s.AllowedCombinations = []string{"x509CertificateMultiFactor"}
			s.CombinationConfigurations = []CombinationConfiguration{{ODataType: ODataX509Combination, AllowedAAGUIDs: []string{yubiKey5}}}
		}), []string{"appliesToCombinations: is required", "at least one of allowedIssuerSkis", "allowedAAGUIDs: belongs to a fido2"}},
		{"x509 configured twice", with(func(s *Strength) {
			s.AllowedCombinations = []string{"x509CertificateMultiFactor"}
			s.CombinationConfigurations = []CombinationConfiguration{
				x509Cfg([]string{"x509CertificateMultiFactor"}, []string{"01"}, nil),
				x509Cfg([]string{"x509CertificateMultiFactor"}, []string{"02"}, nil),
			}
		}), []string{"combinationConfigurations[1].appliesToCombinations: \"x509CertificateMultiFactor\" already has a configuration"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateCustom(tt.s)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, apperr.Invalid) {
				t.Fatalf("error %v is not Invalid", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestIsGUID(t *testing.T) {
	for s, want := range map[string]bool{
		yubiKey5:                               true,
		strings.ToUpper(yubiKey5):              true,
		"cb69481e8ff7403993ec0a2729a154a8":     false,
		"cb69481e-8ff7-4039-93ec-0a2729a154a":  false,
		"cb69481e-8ff7-4039-93ec+0a2729a154a8": false,
		"":                                     false,
	} {
		if IsGUID(s) != want {
			t.Errorf("IsGUID(%q) = %v", s, !want)
		}
	}
}

func TestMatcherSeveralFido2Configs(t *testing.T) {
	// ValidateCustom allows one fido2 configuration; if several reach a
	// matcher, a key must pass all of them.
	s := Strength{AllowedCombinations: []string{"fido2"}, CombinationConfigurations: []CombinationConfiguration{
		{ODataType: ODataFido2Combination, AppliesToCombinations: []string{"fido2"}, AllowedAAGUIDs: []string{yubiKey5, iCloud}},
		{ODataType: ODataFido2Combination, AppliesToCombinations: []string{"fido2"}, AllowedAAGUIDs: []string{strings.ToUpper(yubiKey5)}},
	}}
	if !s.SatisfiedBy(ev(key(yubiKey5, true))) || s.SatisfiedBy(ev(key(iCloud, true))) {
		t.Error("intersection of allow-lists")
	}
}
