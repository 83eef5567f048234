package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
)

func TestValidate(t *testing.T) {
	base := func(muts ...mut) Policy { return pol("p", StateEnabled, append([]mut{mfa}, muts...)...) }
	tests := []struct {
		name string
		p    Policy
		want []string // substrings; nil means valid
	}{
		{"minimal", base(), nil},
		{"enum case ignored", base(cond(func(c *Conditions) { c.ClientAppTypes = []string{"All"} }), func(p *Policy) { p.State = "Enabled" }), nil},
		{"example policy entra.md 4.13", pol("p", StateReportOnly, strength(authn.PhishingResistantMFAID), everyHours(4),
			users(func(u *Users) {
				u.IncludeRoles = []string{roleGlobalAdmin}
				u.ExcludeGroups = []string{"grp-breakglass"}
			}),
			cond(func(c *Conditions) { c.ClientAppTypes = []string{"all"} })), nil},
		{"built-in strength always known", base(func(p *Policy) {
			p.GrantControls = &GrantControls{Operator: "OR", AuthenticationStrength: &StrengthRef{ID: authn.PasswordlessMFAID}}
		}), nil},
		{"built-in apps always known", base(apps(func(a *Applications) { a.IncludeApplications = []string{AdminPortalAppID, MyAccountAppID} })), nil},
		{"password change done right", pol("p", StateEnabled, grant("AND", ControlMFA, ControlPasswordChange), cond(func(c *Conditions) {
			c.UserRiskLevels = []string{RiskHigh}
			c.ClientAppTypes = []string{"all"}
		})), nil},
		{"risk remediation done right", pol("p", StateEnabled, grant("AND", ControlRiskRemediation), strength(authn.MultifactorAuthenticationID),
			cond(func(c *Conditions) { c.UserRiskLevels = []string{RiskHigh} }), func(p *Policy) { p.GrantControls.Operator = "AND" }), nil},
		{"session-only policy", pol("p", StateEnabled, everyHours(1)), nil},
		{"register device with a strength", pol("p", StateEnabled, strength(authn.PhishingResistantMFAID), apps(func(a *Applications) {
			a.IncludeUserActions = []string{UserActionRegisterDevice}
		})), nil},
		{"empty policy accepted", pol("p", StateEnabled), nil},
		{"workload identities only", pol("p", StateEnabled, block, func(p *Policy) {
			p.Conditions.Users = nil
			p.Conditions.ClientApplications = &ClientApplications{IncludeServicePrincipals: []string{ServicePrincipalsInMyTenant}}
		}), nil},

		{"no display name", base(func(p *Policy) { p.DisplayName = " " }), []string{"displayName: is required"}},
		{"long display name", base(func(p *Policy) { p.DisplayName = strings.Repeat("x", 257) }), []string{"displayName: is 257 characters long"}},
		{"bad state", base(func(p *Policy) { p.State = "on" }), []string{`state: "on" is not one of "enabled", "disabled", "enabledForReportingButNotEnforced"`}},
		{"no applications", base(func(p *Policy) { p.Conditions.Applications = nil }), []string{"conditions.applications: is required"}},
		{"empty applications", base(apps(func(a *Applications) {})), []string{"conditions.applications: include applications, a user action or authentication contexts"}},
		{"no users or client apps", base(func(p *Policy) { p.Conditions.Users = nil }), []string{"conditions.users: users or clientApplications is required"}},
		{"users with no include", base(users(func(u *Users) { u.ExcludeUsers = []string{"bob"} })), []string{"conditions.users: include at least one of"}},
		{"unknown references", base(users(func(u *Users) {
			u.IncludeUsers = []string{"alice", "mallory"}
			u.IncludeGroups = []string{"grp-staff", "grp-ghost"}
			u.ExcludeGroups = []string{"<ExclusionTempGroup>"}
			u.IncludeRoles = []string{"00000000-0000-0000-0000-00000000dead"}
		})), []string{
			`conditions.users.includeUsers: unknown user "mallory"`,
			`conditions.users.includeGroups: unknown group "grp-ghost"`,
			`conditions.users.excludeGroups: unknown group "<ExclusionTempGroup>"`,
			`conditions.users.includeRoles: unknown role "00000000-0000-0000-0000-00000000dead"`,
		}},
		{"role not a GUID", base(users(func(u *Users) { u.IncludeRoles = []string{"Global Administrator"} })), []string{`includeRoles[0]: "Global Administrator" is not a role template id`}},
		{"duplicates and empties", base(users(func(u *Users) { u.IncludeUsers = []string{"alice", "ALICE", ""} })), []string{`includeUsers[1]: "ALICE" is listed more than once`, "includeUsers[2]: empty user id"}},
		{"All mixed with ids", base(users(func(u *Users) { u.IncludeUsers = []string{"All", "alice"} })), []string{`conditions.users.includeUsers: "All" cannot be combined`}},
		{"exclude All", base(users(func(u *Users) { u.IncludeUsers = []string{"All"}; u.ExcludeUsers = []string{"All"} })), []string{`conditions.users.excludeUsers: "All" is not allowed here`}},
		{"guest types", base(users(func(u *Users) {
			u.IncludeGuestsOrExternalUsers = &GuestsOrExternalUsers{GuestOrExternalUserTypes: []string{"internalGuest", "martian"},
				ExternalTenants: &ExternalTenants{MembershipKind: "enumerated"}}
			u.ExcludeGuestsOrExternalUsers = &GuestsOrExternalUsers{}
		})), []string{`guestOrExternalUserTypes[1]: "martian" is not one of`, "externalTenants: applies only with external",
			"externalTenants.members: at least one tenant id", "excludeGuestsOrExternalUsers.guestOrExternalUserTypes: at least one type"}},
		{"external tenants bad kind", base(users(func(u *Users) {
			u.IncludeGuestsOrExternalUsers = &GuestsOrExternalUsers{GuestOrExternalUserTypes: []string{"b2bCollaborationGuest"},
				ExternalTenants: &ExternalTenants{MembershipKind: "some"}}
		})), []string{`externalTenants: membershipKind "some"`}},
		{"unknown apps and specials", base(apps(func(a *Applications) {
			a.IncludeApplications = []string{appPayroll, "0c5e2f2a-1111-4a4a-8b8b-0000000000ff", "None"}
			a.ExcludeApplications = []string{"All"}
		})), []string{`conditions.applications.includeApplications: unknown application "0c5e2f2a-1111-4a4a-8b8b-0000000000ff"`,
			`includeApplications: "None" cannot be combined`, `excludeApplications: "All" is not allowed here`}},
		{"exclude without include", base(apps(func(a *Applications) {
			a.IncludeUserActions = []string{UserActionRegisterSecurityInfo}
			a.ExcludeApplications = []string{appWiki}
		})), []string{"excludeApplications: excluding applications needs includeApplications"}},
		{"user action and contexts together", base(apps(func(a *Applications) {
			a.IncludeUserActions = []string{"urn:user:registersecurityinfo"}
			a.IncludeAuthenticationContextClassReferences = []string{"c1"}
		})), []string{"conditions.applications: target applications, user actions or authentication contexts, not more than one"}},
		{"bad user action", base(apps(func(a *Applications) { a.IncludeUserActions = []string{"urn:user:dance"} })), []string{`includeUserActions[0]: "urn:user:dance" is not one of`}},
		{"report-only user action", pol("p", StateReportOnly, mfa, apps(func(a *Applications) { a.IncludeUserActions = []string{UserActionRegisterSecurityInfo} })),
			[]string{"state: a policy on a user action cannot be \"enabledForReportingButNotEnforced\""}},
		{"auth contexts", base(apps(func(a *Applications) {
			a.IncludeAuthenticationContextClassReferences = []string{"c1", "c100", "C2", "c0", "c01", "c99", "c1"}
		})), []string{`[1]: "c100" is not an authentication context id (c1 to c99)`, `[2]: "C2" is not`, `[3]: "c0"`, `[4]: "c01"`,
			`includeAuthenticationContextClassReferences: unknown authentication context "c99"`, `[6]: "c1" is listed more than once`}},
		{"auth context with workload identities", base(apps(func(a *Applications) { a.IncludeAuthenticationContextClassReferences = []string{"c1"} }),
			func(p *Policy) {
				p.Conditions.ClientApplications = &ClientApplications{IncludeServicePrincipals: []string{ServicePrincipalsInMyTenant}}
			}), []string{"conditions.clientApplications: a policy on authentication contexts cannot target workload identities"}},
		{"client app types", base(cond(func(c *Conditions) { c.ClientAppTypes = []string{"all", "browser", "easUnsupported"} })),
			[]string{`clientAppTypes[2]: "easUnsupported" is not one of`, `conditions.clientAppTypes: "all" cannot be combined`}},
		{"platforms", base(cond(func(c *Conditions) {
			c.Platforms = &Platforms{IncludePlatforms: []string{"all", "beos"}, ExcludePlatforms: []string{"all"}}
		})), []string{`includePlatforms[1]: "beos"`, `includePlatforms: "all" cannot be combined`, `excludePlatforms[0]: "all" is not one of`}},
		{"platforms exclude only", base(cond(func(c *Conditions) { c.Platforms = &Platforms{ExcludePlatforms: []string{"iOS"}} })),
			[]string{"conditions.platforms.includePlatforms: is required when platforms are excluded"}},
		{"locations", base(cond(func(c *Conditions) {
			c.Locations = &Locations{IncludeLocations: []string{"All", "loc-hq", "loc-nowhere"}, ExcludeLocations: []string{"All", "AllTrusted"}}
		})), []string{`conditions.locations.includeLocations: unknown named location "loc-nowhere"`, `includeLocations: "All" cannot be combined`,
			`excludeLocations: "All" is not allowed here`}},
		{"locations exclude only", base(cond(func(c *Conditions) { c.Locations = &Locations{ExcludeLocations: []string{"AllTrusted"}} })),
			[]string{"includeLocations: is required when locations are excluded"}},
		{"device filter", base(cond(func(c *Conditions) {
			c.Devices = &Devices{DeviceFilter: &Filter{Mode: "sometimes", Rule: `device.model -eq "a" -and`}}
		})), []string{`conditions.devices.deviceFilter.mode: "sometimes" is not one of "include", "exclude"`,
			"conditions.devices.deviceFilter.rule: device filter rule: position 26"}},
		{"device filter empty rule", base(cond(func(c *Conditions) { c.Devices = &Devices{DeviceFilter: &Filter{Mode: "include"}} })),
			[]string{"conditions.devices.deviceFilter.rule: is required"}},
		{"application filter", base(apps(func(a *Applications) { a.ApplicationFilter = &Filter{Mode: "exclude"} })),
			[]string{"conditions.applications.applicationFilter.rule: is required"}},
		{"risk levels", base(cond(func(c *Conditions) {
			c.SignInRiskLevels = []string{"high", "extreme"}
			c.UserRiskLevels = []string{"hidden", "hidden"}
			c.ServicePrincipalRiskLevels = []string{"hidden"}
			c.InsiderRiskLevels = []string{"high"}
		})), []string{`signInRiskLevels[1]: "extreme"`, `userRiskLevels[1]: "hidden" is listed more than once`,
			`servicePrincipalRiskLevels[0]: "hidden" is not one of`, `insiderRiskLevels[0]: "high" is not one of "minor", "moderate", "elevated"`}},
		{"authentication flows", base(cond(func(c *Conditions) {
			c.AuthenticationFlows = &AuthenticationFlows{TransferMethods: []string{"carrierPigeon"}}
		})),
			[]string{`transferMethods[0]: "carrierPigeon" is not one of`}},
		{"authentication flows empty", base(cond(func(c *Conditions) { c.AuthenticationFlows = &AuthenticationFlows{} })),
			[]string{"transferMethods: at least one transfer method is required"}},
		{"mfa with strength", base(strength(authn.PhishingResistantMFAID)),
			[]string{`grantControls: "mfa" and authenticationStrength cannot be required in the same policy`}},
		{"unknown strength", pol("p", StateEnabled, strength("7f1d7c0e-0000-4000-8000-0000000000ff")),
			[]string{`grantControls.authenticationStrength: unknown authentication strength "7f1d7c0e-0000-4000-8000-0000000000ff"`}},
		{"strength without id", pol("p", StateEnabled, strength("")), []string{"grantControls.authenticationStrength.id: is required"}},
		{"bad operator and control", pol("p", StateEnabled, grant("XOR", "mfa", "fingerprint")),
			[]string{`grantControls.operator: "XOR" is not one of "AND", "OR"`, `builtInControls[1]: "fingerprint" is not one of`}},
		{"block with others", pol("p", StateEnabled, grant("OR", "block", "mfa")), []string{`"block" cannot be combined with other controls`}},
		{"password change rules", pol("p", StateEnabled, grant("OR", ControlPasswordChange, ControlRiskRemediation), cond(func(c *Conditions) {
			c.ClientAppTypes = []string{"browser"}
		}), apps(func(a *Applications) { a.IncludeApplications = []string{appWiki} })), []string{
			`"passwordChange" and "riskRemediation" cannot be required together`,
			`"passwordChange" must be required with "mfa" and operator AND`,
			`"riskRemediation" must be required with an authenticationStrength and operator AND`,
			`conditions.userRiskLevels: "riskRemediation" needs a user risk condition`,
			`conditions.applications: "riskRemediation" needs all applications ("All") with no exclusions`,
			`conditions: "riskRemediation" allows no conditions other than users, applications and user risk`,
		}},
		{"register device only mfa", pol("p", StateEnabled, grant("OR", ControlCompliantDevice), apps(func(a *Applications) {
			a.IncludeUserActions = []string{UserActionRegisterDevice}
		}), cond(func(c *Conditions) {
			c.ClientAppTypes = []string{"browser"}
			c.Devices = &Devices{DeviceFilter: &Filter{Mode: "include", Rule: `device.model -eq "x"`}}
		})), []string{`grantControls: the "urn:user:registerdevice" user action allows only the "mfa" control or an authentication strength`,
			`conditions.clientAppTypes: is not available for the "urn:user:registerdevice" user action`, "conditions.devices: is not available"}},
		{"terms of use unknown when checked", base(func(p *Policy) { p.GrantControls.TermsOfUse = []string{"tou-1", ""} }),
			[]string{"grantControls.termsOfUse[1]: empty terms of use id"}},
		{"persistent browser needs all apps", base(apps(func(a *Applications) { a.IncludeApplications = []string{appWiki} }), session(func(s *SessionControls) {
			s.PersistentBrowser = &PersistentBrowser{IsEnabled: true, Mode: "sometimes"}
		})), []string{`sessionControls.persistentBrowser.mode: "sometimes" is not one of "always", "never"`,
			`sessionControls.persistentBrowser: requires a policy on all applications`}},
		{"sign-in frequency", base(session(func(s *SessionControls) {
			s.SignInFrequency = &SignInFrequency{IsEnabled: true, Type: "minutes", Value: 0, AuthenticationType: "tertiary"}
		})), []string{`signInFrequency.type: "minutes" is not one of "days", "hours"`, "signInFrequency.value: must be greater than 0, got 0",
			`signInFrequency.authenticationType: "tertiary"`}},
		{"sign-in frequency every time with value", base(session(func(s *SessionControls) {
			s.SignInFrequency = &SignInFrequency{IsEnabled: true, Type: "hours", Value: 1, FrequencyInterval: "everyTime"}
		})), []string{`sessionControls.signInFrequency: type and value must be null when frequencyInterval is "everyTime"`}},
		{"sign-in frequency bad interval", base(session(func(s *SessionControls) {
			s.SignInFrequency = &SignInFrequency{IsEnabled: true, FrequencyInterval: "sometimes"}
		})), []string{`signInFrequency.frequencyInterval: "sometimes"`}},
		{"cloud app security type", base(session(func(s *SessionControls) {
			s.CloudAppSecurity = &CloudAppSecurity{IsEnabled: true, CloudAppSecurityType: "spy"}
		})), []string{`cloudAppSecurity.cloudAppSecurityType: "spy"`}},
		{"workload identity filter", pol("p", StateEnabled, block, func(p *Policy) {
			p.Conditions.Users = nil
			p.Conditions.ClientApplications = &ClientApplications{ExcludeServicePrincipals: []string{"sp-1"}}
		}), []string{"conditions.clientApplications.includeServicePrincipals: is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.p, testRefs)
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
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
			if n := len(Check(tt.p, testRefs)); n < len(tt.want) {
				t.Errorf("Check returned %d problems, want at least %d", n, len(tt.want))
			}
		})
	}
}

func TestValidateNilLookupsAreNotChecked(t *testing.T) {
	p := pol("p", StateEnabled, mfa, users(func(u *Users) { u.IncludeGroups = []string{"<AdministratorGroup>"} }))
	if err := Validate(p, References{}); err != nil {
		t.Errorf("with no lookups: %v", err)
	}
	if err := Validate(p, testRefs); err == nil {
		t.Error("with lookups: want an unknown group")
	}
}

func TestCheckPaths(t *testing.T) {
	p := pol("p", "nope", mfa, users(func(u *Users) { u.IncludeGroups = []string{"grp-ghost"} }))
	got := Check(p, testRefs)
	want := []FieldError{
		{Path: "state", Message: `"nope" is not one of "enabled", "disabled", "enabledForReportingButNotEnforced"`},
		{Path: "conditions.users.includeGroups", Message: `unknown group "grp-ghost"`},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Check (-want +got):\n%s", d)
	}
	if got[1].Error() != `conditions.users.includeGroups: unknown group "grp-ghost"` {
		t.Errorf("FieldError.Error() = %q", got[1].Error())
	}
}

func TestValidateNamedLocation(t *testing.T) {
	ip := func(ranges ...string) NamedLocation {
		l := NamedLocation{ODataType: ODataIPNamedLocation, DisplayName: "office"}
		for _, r := range ranges {
			l.IPRanges = append(l.IPRanges, IPRange{CIDRAddress: r})
		}
		return l
	}
	many := ip()
	for i := 0; i < MaxIPRanges+1; i++ {
		many.IPRanges = append(many.IPRanges, IPRange{CIDRAddress: "10." + itoa(i/256) + "." + itoa(i%256) + ".0/24"})
	}
	tests := []struct {
		name string
		l    NamedLocation
		want []string
	}{
		{"ipv4 and ipv6", ip("12.34.221.11/22", "2001:db8::/48", "10.0.0.0/9", "2001:db8::1/128", "1.2.3.4/32"), nil},
		{"typed ranges", NamedLocation{ODataType: ODataIPNamedLocation, DisplayName: "x", IsTrusted: true, IPRanges: []IPRange{
			{ODataType: ODataIPv4Range, CIDRAddress: "12.34.221.11/22"}, {ODataType: "#microsoft.graph.iPv6CidrRange", CIDRAddress: "2001:db8::/48"}}}, nil},
		{"country", NamedLocation{ODataType: ODataCountryNamedLocation, DisplayName: "x", CountriesAndRegions: []string{"US", "gb"}, CountryLookupMethod: CountryLookupGPS}, nil},
		{"unknown only", NamedLocation{ODataType: ODataCountryNamedLocation, DisplayName: "x", IncludeUnknownCountriesAndRegions: true}, nil},
		{"no name", NamedLocation{ODataType: ODataIPNamedLocation, IPRanges: []IPRange{{CIDRAddress: "1.2.3.0/24"}}}, []string{"displayName: is required"}},
		{"no type", NamedLocation{DisplayName: "x"}, []string{`@odata.type: "" is not one of`}},
		{"no ranges", ip(), []string{"ipRanges: at least one IP range is required"}},
		{"too many ranges", many, []string{"ipRanges: has 2001 ranges; the limit is 2000"}},
		{"masks", ip("10.0.0.0/8", "2001::/8", "0.0.0.0/0", "10.0.0.0/9"), []string{`ipRanges[0]: "10.0.0.0/8": the mask must be larger than /8`, "ipRanges[1]", "ipRanges[2]"}},
		{"malformed", ip("10.0.0.1", "banana/24", "::ffff:1.2.3.0/120", "fe80::%eth0/64"), []string{`ipRanges[0]: "10.0.0.1" is not a CIDR range`, "ipRanges[1]",
			`ipRanges[2]: "::ffff:1.2.3.0/120": write IPv4 ranges in IPv4 form`, "ipRanges[3]"}},
		{"duplicate", ip("10.1.2.3/24", "10.1.2.0/24"), []string{`ipRanges[1]: "10.1.2.0/24" repeats ipRanges[0]`}},
		{"family mismatch", NamedLocation{ODataType: ODataIPNamedLocation, DisplayName: "x", IPRanges: []IPRange{
			{ODataType: ODataIPv6Range, CIDRAddress: "10.0.0.0/16"}, {ODataType: ODataIPv4Range, CIDRAddress: "2001:db8::/32"}, {ODataType: "#x", CIDRAddress: "10.0.0.0/16"}}},
			[]string{"ipRanges[0]: \"10.0.0.0/16\" is not an IPv6 range", "ipRanges[1]: \"2001:db8::/32\" is not an IPv4 range", `ipRanges[2]: @odata.type "#x"`}},
		{"ip with country fields", NamedLocation{ODataType: ODataIPNamedLocation, DisplayName: "x", IPRanges: []IPRange{{CIDRAddress: "1.2.3.0/24"}}, CountriesAndRegions: []string{"US"}},
			[]string{"countriesAndRegions: belongs to a country named location"}},
		{"bad countries", NamedLocation{ODataType: ODataCountryNamedLocation, DisplayName: "x", CountriesAndRegions: []string{"USA", "u1", "US", "us"},
			CountryLookupMethod: "carrier", IsTrusted: true, IPRanges: []IPRange{{CIDRAddress: "1.2.3.0/24"}}},
			[]string{`countriesAndRegions[0]: "USA" is not an ISO 3166-1 two-letter code`, "countriesAndRegions[1]", `countriesAndRegions[3]: "us" is listed more than once`,
				`countryLookupMethod: "carrier"`, "isTrusted: only IP named locations can be trusted", "ipRanges: belongs to an IP named location"}},
		{"no countries", NamedLocation{ODataType: ODataCountryNamedLocation, DisplayName: "x"}, []string{"countriesAndRegions: at least one country"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateNamedLocation(tt.l)
			checkErr(t, err, tt.want)
		})
	}
	for id, l := range testFacts.NamedLocations {
		if err := ValidateNamedLocation(l); err != nil {
			t.Errorf("fixture %s: %v", id, err)
		}
	}
}

func TestValidateAuthenticationContext(t *testing.T) {
	tests := []struct {
		c    AuthenticationContext
		want []string
	}{
		{AuthenticationContext{ID: "c1", DisplayName: "Activate privileged roles", IsAvailable: true}, nil},
		{AuthenticationContext{ID: "c99", DisplayName: "x"}, nil},
		{AuthenticationContext{ID: "c100", DisplayName: "x"}, []string{`id: "c100" is not an authentication context id`}},
		{AuthenticationContext{ID: "C1", DisplayName: "x"}, []string{`id: "C1"`}},
		{AuthenticationContext{ID: "c1"}, []string{"displayName: is required"}},
		{AuthenticationContext{ID: "c1", DisplayName: "x", Description: strings.Repeat("d", 1025)}, []string{"description: is 1025 characters long"}},
	}
	for _, tt := range tests {
		checkErr(t, ValidateAuthenticationContext(tt.c), tt.want)
	}
	for id, want := range map[string]bool{"c1": true, "c9": true, "c10": true, "c99": true, "c0": false, "c100": false, "c": false, "cx": false, "c-1": false, "c+1": false, "d1": false, "c05": false} {
		if IsAuthContextID(id) != want {
			t.Errorf("IsAuthContextID(%q) = %v", id, !want)
		}
	}
}

func checkErr(t *testing.T, err error, want []string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Errorf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, apperr.Invalid) {
		t.Fatalf("error %v is not Invalid", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %q:\n%v", w, err)
		}
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
