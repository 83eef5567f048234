package policy

import (
	"net/netip"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/authn"
)

// The test tenant. Ids are readable; roles use Entra's template ids.
const (
	roleSecurityAdmin = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	roleGlobalAdmin   = "62e90394-69f5-4237-9190-012177145e10"
	roleGlobalReader  = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"

	appPayroll = "0c5e2f2a-1111-4a4a-8b8b-000000000001"
	appWiki    = "0c5e2f2a-1111-4a4a-8b8b-000000000002"

	yubiKey5 = "cb69481e-8ff7-4039-93ec-0a2729a154a8"
	iCloud   = "fbfc3007-154e-4ecc-8c0b-6e020557d7bd"

	strengthYubiKeys = "7f1d7c0e-0000-4000-8000-00000000aa01"
	strengthOTPOnly  = "7f1d7c0e-0000-4000-8000-00000000aa02"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var testFacts = Facts{
	Strengths: map[string]authn.Strength{
		strengthYubiKeys: {
			ID: strengthYubiKeys, DisplayName: "FIDO2 Only - High Privilege", PolicyType: "custom",
			AllowedCombinations: []string{"fido2"},
			CombinationConfigurations: []authn.CombinationConfiguration{{
				ODataType: authn.ODataFido2Combination, AppliesToCombinations: []string{"fido2"}, AllowedAAGUIDs: []string{yubiKey5},
			}},
		},
		strengthOTPOnly: {
			ID: strengthOTPOnly, DisplayName: "Password and authenticator code", PolicyType: "custom",
			AllowedCombinations: []string{"password,softwareOath", "password,sms"},
		},
	},
	NamedLocations: map[string]NamedLocation{
		"loc-hq": {ID: "loc-hq", ODataType: ODataIPNamedLocation, DisplayName: "Headquarters", IsTrusted: true, IPRanges: []IPRange{
			{ODataType: ODataIPv4Range, CIDRAddress: "203.0.113.0/24"},
			{ODataType: ODataIPv6Range, CIDRAddress: "2001:db8:1::/48"},
		}},
		"loc-branch": {ID: "loc-branch", ODataType: ODataIPNamedLocation, DisplayName: "Branch office (untrusted)", IPRanges: []IPRange{
			{CIDRAddress: "198.51.100.0/24"},
			{CIDRAddress: "2001:db8:2::/48"},
		}},
		"loc-sanctioned": {ID: "loc-sanctioned", ODataType: ODataCountryNamedLocation, DisplayName: "Sanctioned countries", CountriesAndRegions: []string{"KP", "ru"}},
		"loc-france-or-unknown": {ID: "loc-france-or-unknown", ODataType: ODataCountryNamedLocation, DisplayName: "France and unknown",
			CountriesAndRegions: []string{"FR"}, IncludeUnknownCountriesAndRegions: true},
		"loc-gps-or-unknown": {ID: "loc-gps-or-unknown", ODataType: ODataCountryNamedLocation, DisplayName: "GPS: Norway or unknown",
			CountriesAndRegions: []string{"NO"}, CountryLookupMethod: CountryLookupGPS, IncludeUnknownCountriesAndRegions: true},
		"loc-us-gps": {ID: "loc-us-gps", ODataType: ODataCountryNamedLocation, DisplayName: "US by GPS",
			CountriesAndRegions: []string{"US"}, CountryLookupMethod: CountryLookupGPS},
	},
}

// testRefs knows every object of the test tenant.
var testRefs = func() References {
	set := func(ids ...string) func(string) bool {
		return func(id string) bool {
			for _, x := range ids {
				if strings.EqualFold(x, id) {
					return true
				}
			}
			return false
		}
	}
	return References{
		User:                  set("alice", "bob", "carol", "gina", "root"),
		Group:                 set("grp-staff", "grp-parent", "grp-child", "grp-breakglass", "grp-admins", "grp-contractors"),
		Role:                  set(roleSecurityAdmin, roleGlobalAdmin, roleGlobalReader),
		Application:           set(appPayroll, appWiki),
		NamedLocation:         set("loc-hq", "loc-branch", "loc-sanctioned", "loc-france-or-unknown", "loc-us-gps", "loc-gps-or-unknown"),
		Strength:              set(strengthYubiKeys, strengthOTPOnly),
		AuthenticationContext: set("c1", "c2", "c37"),
	}
}()

// Policy builders.

type mut func(*Policy)

func pol(id, state string, muts ...mut) Policy {
	p := Policy{
		ID: id, DisplayName: id, State: state,
		Conditions: Conditions{
			Users:        &Users{IncludeUsers: []string{UsersAll}},
			Applications: &Applications{IncludeApplications: []string{AppsAll}},
		},
	}
	for _, m := range muts {
		m(&p)
	}
	return p
}

func users(f func(u *Users)) mut {
	return func(p *Policy) { u := &Users{}; f(u); p.Conditions.Users = u }
}

func apps(f func(a *Applications)) mut {
	return func(p *Policy) { a := &Applications{}; f(a); p.Conditions.Applications = a }
}

func grant(op string, controls ...string) mut {
	return func(p *Policy) {
		p.GrantControls = &GrantControls{Operator: op, BuiltInControls: controls}
	}
}

func strength(id string) mut {
	return func(p *Policy) {
		if p.GrantControls == nil {
			p.GrantControls = &GrantControls{Operator: OperatorOR}
		}
		p.GrantControls.AuthenticationStrength = &StrengthRef{ID: id}
	}
}

func cond(f func(c *Conditions)) mut { return func(p *Policy) { f(&p.Conditions) } }

func session(f func(s *SessionControls)) mut {
	return func(p *Policy) {
		if p.SessionControls == nil {
			p.SessionControls = &SessionControls{}
		}
		f(p.SessionControls)
	}
}

func everyHours(h int32) mut {
	return session(func(s *SessionControls) {
		s.SignInFrequency = &SignInFrequency{IsEnabled: true, Type: FrequencyHours, Value: h, FrequencyInterval: FrequencyTimeBased}
	})
}

var mfa = grant(OperatorOR, ControlMFA)
var block = grant(OperatorOR, ControlBlock)

// library holds every policy the scenarios use, by id.
var library = func() map[string]Policy {
	ps := []Policy{
		pol("all-mfa", StateEnabled, mfa),
		pol("all-mfa-except-breakglass", StateEnabled, mfa, users(func(u *Users) {
			u.IncludeUsers = []string{UsersAll}
			u.ExcludeGroups = []string{"grp-breakglass"}
		})),
		pol("parent-group-mfa", StateEnabled, mfa, users(func(u *Users) { u.IncludeGroups = []string{"grp-parent"} })),
		pol("admins-phishing-resistant", StateEnabled, strength(authn.PhishingResistantMFAID), users(func(u *Users) {
			u.IncludeRoles = []string{roleSecurityAdmin, roleGlobalAdmin}
			u.ExcludeUsers = []string{"root"}
		})),
		pol("staff-except-readers", StateEnabled, mfa, users(func(u *Users) {
			u.IncludeGroups = []string{"grp-staff"}
			u.ExcludeRoles = []string{roleGlobalReader}
		})),
		pol("guests-legacy-value", StateEnabled, grant(OperatorOR, ControlMFA), users(func(u *Users) {
			u.IncludeUsers = []string{UsersGuestsOrExternalUsers}
		})),
		pol("guests-internal", StateEnabled, block, users(func(u *Users) {
			u.IncludeGuestsOrExternalUsers = &GuestsOrExternalUsers{GuestOrExternalUserTypes: []string{GuestTypeInternalGuest, GuestTypeB2BCollaborationGuest}}
		}), apps(func(a *Applications) { a.IncludeApplications = []string{AppsMicrosoftAdminPortals} })),
		pol("guests-b2b-only", StateEnabled, block, users(func(u *Users) {
			u.IncludeGuestsOrExternalUsers = &GuestsOrExternalUsers{
				GuestOrExternalUserTypes: []string{GuestTypeB2BCollaborationGuest},
				ExternalTenants:          &ExternalTenants{ODataType: ODataAllExternalTenants, MembershipKind: "all"},
			}
		})),
		pol("members-not-guests", StateEnabled, mfa, users(func(u *Users) {
			u.IncludeUsers = []string{UsersAll}
			u.ExcludeUsers = []string{UsersGuestsOrExternalUsers}
		})),
		pol("nobody", StateEnabled, block, users(func(u *Users) { u.IncludeUsers = []string{UsersNone} })),
		pol("alice-only-not-bob", StateEnabled, mfa, users(func(u *Users) {
			u.IncludeUsers = []string{"alice", "bob"}
			u.ExcludeUsers = []string{"bob"}
		})),
		pol("payroll-block", StateEnabled, block, apps(func(a *Applications) { a.IncludeApplications = []string{appPayroll} })),
		pol("all-apps-but-wiki-and-portal", StateEnabled, mfa, apps(func(a *Applications) {
			a.IncludeApplications = []string{AppsAll}
			a.ExcludeApplications = []string{appWiki, AppsMicrosoftAdminPortals}
		})),
		pol("admin-portals-mfa", StateEnabled, mfa, apps(func(a *Applications) { a.IncludeApplications = []string{AppsMicrosoftAdminPortals} })),
		pol("office365-block", StateEnabled, block, apps(func(a *Applications) { a.IncludeApplications = []string{AppsOffice365} })),
		pol("register-security-info", StateEnabled, mfa, apps(func(a *Applications) {
			a.IncludeUserActions = []string{UserActionRegisterSecurityInfo}
		}), cond(func(c *Conditions) {
			c.Locations = &Locations{IncludeLocations: []string{LocationsAll}, ExcludeLocations: []string{LocationsAllTrusted}}
		})),
		pol("c1-phishing-resistant", StateEnabled, strength(authn.PhishingResistantMFAID), apps(func(a *Applications) {
			a.IncludeAuthenticationContextClassReferences = []string{"c1"}
		})),
		pol("c37-yubikeys-everytime", StateEnabled, strength(strengthYubiKeys), apps(func(a *Applications) {
			a.IncludeAuthenticationContextClassReferences = []string{"c37"}
		}), session(func(s *SessionControls) {
			s.SignInFrequency = &SignInFrequency{IsEnabled: true, FrequencyInterval: FrequencyEveryTime, AuthenticationType: AuthTypePrimaryAndSecondary}
		})),
		pol("block-unknown-platforms", StateEnabled, block, cond(func(c *Conditions) {
			c.Platforms = &Platforms{IncludePlatforms: []string{PlatformAll}, ExcludePlatforms: []string{PlatformAndroid, PlatformIOS, PlatformWindows, PlatformMacOS}}
		})),
		pol("mobile-mfa", StateEnabled, mfa, cond(func(c *Conditions) {
			c.Platforms = &Platforms{IncludePlatforms: []string{PlatformIOS, PlatformAndroid}}
		})),
		pol("untrusted-mfa", StateEnabled, mfa, cond(func(c *Conditions) {
			c.Locations = &Locations{IncludeLocations: []string{LocationsAll}, ExcludeLocations: []string{LocationsAllTrusted}}
		})),
		pol("branch-block", StateEnabled, block, cond(func(c *Conditions) {
			c.Locations = &Locations{IncludeLocations: []string{"loc-branch"}}
		})),
		pol("sanctioned-block", StateEnabled, block, cond(func(c *Conditions) {
			c.Locations = &Locations{IncludeLocations: []string{"loc-sanctioned"}}
		})),
		pol("france-or-unknown-mfa", StateEnabled, mfa, cond(func(c *Conditions) {
			c.Locations = &Locations{IncludeLocations: []string{"loc-france-or-unknown"}}
		})),
		pol("outside-us-gps-block", StateEnabled, block, cond(func(c *Conditions) {
			c.Locations = &Locations{IncludeLocations: []string{LocationsAll}, ExcludeLocations: []string{"loc-us-gps"}}
		})),
		pol("gps-or-unknown-mfa", StateEnabled, mfa, cond(func(c *Conditions) {
			c.Locations = &Locations{IncludeLocations: []string{"loc-gps-or-unknown"}}
		})),
		pol("all-locations-mfa", StateEnabled, mfa, cond(func(c *Conditions) {
			c.Locations = &Locations{IncludeLocations: []string{LocationsAll}}
		})),
		pol("browser-mfa", StateEnabled, mfa, cond(func(c *Conditions) { c.ClientAppTypes = []string{ClientAppBrowser} })),
		pol("legacy-clients-block", StateEnabled, block, cond(func(c *Conditions) {
			c.ClientAppTypes = []string{ClientAppExchangeActiveSync, ClientAppOther}
		})),
		pol("admins-block-unless-saw", StateEnabled, block, users(func(u *Users) {
			u.IncludeRoles = []string{roleSecurityAdmin, roleGlobalAdmin}
		}), cond(func(c *Conditions) {
			c.Devices = &Devices{DeviceFilter: &Filter{Mode: FilterExclude, Rule: `device.extensionAttribute1 -eq "SAW"`}}
		})),
		pol("surface-compliant-mfa", StateEnabled, mfa, cond(func(c *Conditions) {
			c.Devices = &Devices{DeviceFilter: &Filter{Mode: FilterInclude, Rule: `device.model -startsWith "Surface" -and (device.isCompliant -eq True)`}}
		})),
		pol("untrusted-device-no-persistence", StateEnabled, cond(func(c *Conditions) {
			c.Devices = &Devices{DeviceFilter: &Filter{Mode: FilterExclude, Rule: `device.isCompliant -eq True -or device.trustType -eq "ServerAD"`}}
		}), session(func(s *SessionControls) {
			s.PersistentBrowser = &PersistentBrowser{IsEnabled: true, Mode: PersistentBrowserNever}
		})),
		pol("keep-me-signed-in", StateEnabled, session(func(s *SessionControls) {
			s.PersistentBrowser = &PersistentBrowser{IsEnabled: true, Mode: PersistentBrowserAlways}
		})),
		pol("high-signin-risk-block", StateEnabled, block, cond(func(c *Conditions) { c.SignInRiskLevels = []string{RiskHigh} })),
		pol("medium-signin-risk-mfa", StateEnabled, mfa, cond(func(c *Conditions) { c.SignInRiskLevels = []string{RiskMedium, RiskHigh} })),
		pol("high-user-risk-password-change", StateEnabled, grant(OperatorAND, ControlMFA, ControlPasswordChange), cond(func(c *Conditions) {
			c.UserRiskLevels = []string{RiskHigh}
		})),
		pol("elevated-insider-block", StateEnabled, block, cond(func(c *Conditions) { c.InsiderRiskLevels = []string{InsiderRiskElevated} })),
		pol("device-code-block", StateEnabled, block, cond(func(c *Conditions) {
			c.AuthenticationFlows = &AuthenticationFlows{TransferMethods: []string{TransferDeviceCodeFlow}}
		})),
		pol("mfa-and-compliant", StateEnabled, grant(OperatorAND, ControlMFA, ControlCompliantDevice)),
		pol("mfa-or-compliant", StateEnabled, grant(OperatorOR, ControlMFA, ControlCompliantDevice, ControlDomainJoinedDevice)),
		pol("terms-of-use", StateEnabled, func(p *Policy) {
			p.GrantControls = &GrantControls{Operator: OperatorOR, TermsOfUse: []string{"tou-1"}, CustomAuthenticationFactors: []string{"duo"}}
		}),
		pol("otp-strength", StateEnabled, strength(strengthOTPOnly)),
		pol("yubikeys-strength", StateEnabled, strength(strengthYubiKeys)),
		pol("mfa-every-1h", StateEnabled, mfa, everyHours(1)),
		pol("reauth-every-12h", StateEnabled, everyHours(12)),
		pol("reauth-every-2d", StateEnabled, session(func(s *SessionControls) {
			s.SignInFrequency = &SignInFrequency{IsEnabled: true, Type: FrequencyDays, Value: 2}
		})),
		pol("cloud-app-security", StateEnabled, session(func(s *SessionControls) {
			s.CloudAppSecurity = &CloudAppSecurity{IsEnabled: true, CloudAppSecurityType: "monitorOnly"}
			t := true
			s.DisableResilienceDefaults = &t
		})),
		pol("ro-block", StateReportOnly, block),
		pol("ro-mfa", StateReportOnly, mfa),
		pol("ro-compliant", StateReportOnly, grant(OperatorOR, ControlCompliantDevice)),
		pol("ro-payroll-mfa", StateReportOnly, mfa, apps(func(a *Applications) { a.IncludeApplications = []string{appPayroll} })),
		pol("ro-reauth-1h", StateReportOnly, everyHours(1)),
		pol("disabled-block", StateDisabled, block),
		pol("empty", StateEnabled),
		pol("invalid-strength", StateEnabled, strength("7f1d7c0e-0000-4000-8000-0000000000ff")),
		pol("invalid-filter-not-targeted", StateEnabled, mfa, users(func(u *Users) { u.IncludeGroups = []string{"grp-contractors"} }), cond(func(c *Conditions) {
			c.Devices = &Devices{DeviceFilter: &Filter{Mode: FilterInclude, Rule: `device.model -like "x"`}}
		})),
		pol("workload-only", StateEnabled, block, func(p *Policy) {
			p.Conditions.Users = nil
			p.Conditions.ClientApplications = &ClientApplications{IncludeServicePrincipals: []string{ServicePrincipalsInMyTenant}}
		}),
	}
	m := map[string]Policy{}
	for _, p := range ps {
		if _, dup := m[p.ID]; dup {
			panic("duplicate policy " + p.ID)
		}
		m[p.ID] = p
	}
	return m
}()

// invalidFixtures are library policies that break Validate on purpose.
var invalidFixtures = map[string]bool{"invalid-strength": true, "invalid-filter-not-targeted": true}

func policies(ids ...string) []Policy {
	out := make([]Policy, len(ids))
	for i, id := range ids {
		p, ok := library[id]
		if !ok {
			panic("no policy " + id)
		}
		out[i] = p
	}
	return out
}

// Evidence builders: a mode proved some time before now.
func proof(m authn.Mode, ago time.Duration) authn.Proof {
	return authn.Proof{Mode: m, Time: now.Add(-ago)}
}

func passkey(aaguid string, ago time.Duration) authn.Proof {
	return authn.Proof{Mode: authn.Fido2, Time: now.Add(-ago), AAGUID: aaguid, UserVerified: true}
}

func evidence(p ...authn.Proof) authn.Evidence { return authn.Evidence{Proofs: p} }

var (
	passwordOnly = evidence(proof(authn.Password, 2*time.Minute))
	passwordOTP  = evidence(proof(authn.Password, 2*time.Minute), proof(authn.SoftwareOath, time.Minute))
	tapSession   = evidence(proof(authn.TemporaryAccessPassOneTime, time.Minute))
	yubiSession  = evidence(passkey(yubiKey5, time.Minute))
	iCloudPass   = evidence(passkey(iCloud, time.Minute))
)

// Sign-in builders.

func alice() SignIn {
	return SignIn{
		UserID: "alice", UserType: UserTypeMember,
		GroupIDs:       []string{"grp-staff", "grp-child", "grp-parent"}, // grp-child is nested in grp-parent
		ApplicationID:  appWiki,
		IPAddress:      netip.MustParseAddr("192.0.2.10"),
		Country:        "DE",
		DevicePlatform: PlatformWindows,
		ClientAppType:  ClientAppBrowser,
		Now:            now,
	}
}

type sin func(*SignIn)

func signIn(base SignIn, muts ...sin) SignIn {
	for _, m := range muts {
		m(&base)
	}
	return base
}

func as(user, userType string, groups ...string) sin {
	return func(s *SignIn) { s.UserID, s.UserType, s.GroupIDs = user, userType, groups }
}
func withRoles(roles ...string) sin { return func(s *SignIn) { s.RoleTemplateIDs = roles } }
func to(app string) sin             { return func(s *SignIn) { s.ApplicationID = app } }
func action(a string) sin           { return func(s *SignIn) { s.ApplicationID, s.UserAction = "", a } }
func context(c string) sin          { return func(s *SignIn) { s.AuthenticationContext = c } }
func from(ip, country string) sin {
	return func(s *SignIn) { s.IPAddress, s.Country = addr(ip), country }
}
func platform(p string) sin        { return func(s *SignIn) { s.DevicePlatform = p } }
func client(c string) sin          { return func(s *SignIn) { s.ClientAppType = c } }
func device(d *Device) sin         { return func(s *SignIn) { s.Device = d } }
func proved(e authn.Evidence) sin  { return func(s *SignIn) { s.Evidence = e } }
func registered(r *Registered) sin { return func(s *SignIn) { s.Registered = r } }
func signInRisk(level string) sin  { return func(s *SignIn) { s.SignInRiskLevel = level } }
func userRisk(level string) sin    { return func(s *SignIn) { s.UserRiskLevel = level } }
func insiderRisk(level string) sin { return func(s *SignIn) { s.InsiderRiskLevel = level } }
func flow(f string) sin            { return func(s *SignIn) { s.AuthenticationFlow = f } }
func unknownFacts() sin {
	return func(s *SignIn) {
		s.IPAddress, s.Country, s.DevicePlatform, s.ClientAppType = netip.Addr{}, "", "", ""
	}
}

func addr(s string) netip.Addr {
	if s == "" {
		return netip.Addr{}
	}
	return netip.MustParseAddr(s)
}

func boolp(b bool) *bool { return &b }
