package cagraph

import (
	"encoding/json"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// Enumerations in Graph's spelling, for canonicalising values read in
// another case (G-CAP, G-CACOND, G-CAGRANT, G-CASESS).
var (
	states          = []string{policy.StateEnabled, policy.StateDisabled, policy.StateReportOnly}
	clientAppTypes  = []string{policy.ClientAppAll, policy.ClientAppBrowser, policy.ClientAppMobileAppsAndDesktopClients, policy.ClientAppExchangeActiveSync, policy.ClientAppEASSupported, policy.ClientAppOther}
	platforms       = []string{policy.PlatformAll, policy.PlatformAndroid, policy.PlatformIOS, policy.PlatformWindows, policy.PlatformWindowsPhone, policy.PlatformMacOS, policy.PlatformLinux}
	riskLevels      = []string{policy.RiskLow, policy.RiskMedium, policy.RiskHigh, policy.RiskHidden, policy.RiskNone}
	insiderLevels   = []string{policy.InsiderRiskMinor, policy.InsiderRiskModerate, policy.InsiderRiskElevated}
	transferMethods = []string{policy.TransferDeviceCodeFlow, policy.TransferAuthenticationTransfer}
	userActions     = []string{policy.UserActionRegisterSecurityInfo, policy.UserActionRegisterDevice}
	builtInControls = []string{policy.ControlBlock, policy.ControlMFA, policy.ControlCompliantDevice, policy.ControlDomainJoinedDevice, policy.ControlApprovedApplication, policy.ControlCompliantApplication, policy.ControlPasswordChange, policy.ControlRiskRemediation}
	guestTypes      = []string{policy.GuestTypeNone, policy.GuestTypeInternalGuest, policy.GuestTypeB2BCollaborationGuest, policy.GuestTypeB2BCollaborationMember, policy.GuestTypeB2BDirectConnectUser, policy.GuestTypeOtherExternalUser, policy.GuestTypeServiceProvider}
	filterModes     = []string{policy.FilterInclude, policy.FilterExclude}
	operators       = []string{policy.OperatorAND, policy.OperatorOR}
	frequencyTypes  = []string{policy.FrequencyDays, policy.FrequencyHours}
	frequencyKinds  = []string{policy.FrequencyTimeBased, policy.FrequencyEveryTime}
	authTypes       = []string{policy.AuthTypePrimaryAndSecondary, policy.AuthTypeSecondary}
	browserModes    = []string{policy.PersistentBrowserAlways, policy.PersistentBrowserNever}
	specialUsers    = []string{policy.UsersAll, policy.UsersNone, policy.UsersGuestsOrExternalUsers}
	specialApps     = []string{policy.AppsAll, policy.AppsNone, policy.AppsOffice365, policy.AppsMicrosoftAdminPortals}
	specialLocs     = []string{policy.LocationsAll, policy.LocationsAllTrusted}
)

// DecodePolicy reads a conditionalAccessPolicy. id, createdDateTime and
// modifiedDateTime are read when present (an import keeps them for its
// report); the service decides what to do with them.
func DecodePolicy(data []byte, m Mode) (policy.Policy, Report, error) {
	v, err := parse(data)
	if err != nil {
		return policy.Policy{}, Report{}, err
	}
	mv, ok := v.(map[string]any)
	if !ok {
		return policy.Policy{}, Report{}, apperr.Invalidf("A conditional access policy must be a JSON object, not %s.", kind(v))
	}
	return DecodePolicyObject(mv, m)
}

// DecodePolicyObject is DecodePolicy over a parsed object.
func DecodePolicyObject(v map[string]any, m Mode) (policy.Policy, Report, error) {
	r := &reader{mode: m}
	o := r.object("", v)
	p := policy.Policy{
		ID:          o.str("id"),
		DisplayName: o.str("displayName"),
		State:       canon(states, o.str("state")),
		TemplateID:  o.str("templateId"),
	}
	p.CreatedDateTime = o.time("createdDateTime")
	p.ModifiedDateTime = o.time("modifiedDateTime")
	// description is "Not used" (G-CAP); an empty one is accepted.
	if d := o.str("description"); d != "" {
		if r.mode == Strict {
			r.fail("description", "is not used by Conditional Access policies; leave it out")
		} else {
			r.ignored = append(r.ignored, "description")
		}
	}
	if c := o.child("conditions"); c != nil {
		p.Conditions = readConditions(c)
	}
	if g := o.child("grantControls"); g != nil {
		p.GrantControls = readGrant(g)
	}
	if s := o.child("sessionControls"); s != nil {
		p.SessionControls = readSession(s)
	}
	o.done()
	return p, r.report(), r.err("conditional access policy")
}

// time reads a DateTimeOffset (zero when absent, null or, when lenient,
// unreadable).
func (o *obj) time(name string) time.Time {
	s := o.str(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if o.r.mode == Strict {
			o.r.fail(o.p(name), "must be a date and time like 2024-06-05T00:00:00Z, got %q", s)
		}
		return time.Time{}
	}
	return t.UTC()
}

func readConditions(o *obj) policy.Conditions {
	var c policy.Conditions
	if a := o.child("applications"); a != nil {
		c.Applications = &policy.Applications{
			IncludeApplications:                         canonList(specialApps, a.strs("includeApplications", false)),
			ExcludeApplications:                         canonList(specialApps, a.strs("excludeApplications", false)),
			IncludeUserActions:                          canonList(userActions, a.strs("includeUserActions", false)),
			IncludeAuthenticationContextClassReferences: a.strs("includeAuthenticationContextClassReferences", false),
			ApplicationFilter:                           readFilter(a.child("applicationFilter")),
			NetworkAccess:                               readTraffic(a.child("networkAccess")),
			GlobalSecureAccess:                          readTraffic(a.child("globalSecureAccess")),
		}
		a.done()
	}
	if u := o.child("users"); u != nil {
		c.Users = &policy.Users{
			IncludeUsers:                 canonList(specialUsers, u.strs("includeUsers", false)),
			ExcludeUsers:                 canonList(specialUsers, u.strs("excludeUsers", false)),
			IncludeGroups:                u.strs("includeGroups", false),
			ExcludeGroups:                u.strs("excludeGroups", false),
			IncludeRoles:                 u.strs("includeRoles", false),
			ExcludeRoles:                 u.strs("excludeRoles", false),
			IncludeGuestsOrExternalUsers: readGuests(u.child("includeGuestsOrExternalUsers")),
			ExcludeGuestsOrExternalUsers: readGuests(u.child("excludeGuestsOrExternalUsers")),
		}
		u.done()
	}
	if ca := o.child("clientApplications"); ca != nil {
		c.ClientApplications = &policy.ClientApplications{
			IncludeServicePrincipals: ca.strs("includeServicePrincipals", false),
			ExcludeServicePrincipals: ca.strs("excludeServicePrincipals", false),
			ServicePrincipalFilter:   readFilter(ca.child("servicePrincipalFilter")),
		}
		ca.done()
	}
	c.ClientAppTypes = canonList(clientAppTypes, o.strs("clientAppTypes", false))
	if pl := o.child("platforms"); pl != nil {
		c.Platforms = &policy.Platforms{
			IncludePlatforms: canonList(platforms, pl.strs("includePlatforms", false)),
			ExcludePlatforms: canonList(platforms, pl.strs("excludePlatforms", false)),
		}
		pl.done()
	}
	if l := o.child("locations"); l != nil {
		c.Locations = &policy.Locations{
			IncludeLocations: canonList(specialLocs, l.strs("includeLocations", false)),
			ExcludeLocations: canonList(specialLocs, l.strs("excludeLocations", false)),
		}
		l.done()
	}
	if d := o.child("devices"); d != nil {
		c.Devices = &policy.Devices{
			DeviceFilter:   readFilter(d.child("deviceFilter")),
			IncludeDevices: d.strs("includeDevices", false),
			ExcludeDevices: d.strs("excludeDevices", false),
		}
		d.done()
	}
	if ds := o.child("deviceStates"); ds != nil {
		c.DeviceStates = &policy.DeviceStates{IncludeStates: ds.strs("includeStates", false), ExcludeStates: ds.strs("excludeStates", false)}
		ds.done()
	}
	c.SignInRiskLevels = canonList(riskLevels, o.strs("signInRiskLevels", false))
	c.UserRiskLevels = canonList(riskLevels, o.strs("userRiskLevels", false))
	c.ServicePrincipalRiskLevels = canonList(riskLevels, o.strs("servicePrincipalRiskLevels", false))
	c.InsiderRiskLevels = canonList(insiderLevels, o.strs("insiderRiskLevels", true))
	if f := o.child("authenticationFlows"); f != nil {
		c.AuthenticationFlows = &policy.AuthenticationFlows{TransferMethods: canonList(transferMethods, f.strs("transferMethods", true))}
		f.done()
	}
	o.done()
	return c
}

func readFilter(o *obj) *policy.Filter {
	if o == nil {
		return nil
	}
	f := &policy.Filter{Mode: canon(filterModes, o.str("mode")), Rule: o.str("rule")}
	o.done()
	return f
}

func readTraffic(o *obj) *policy.TrafficProfiles {
	if o == nil {
		return nil
	}
	t := &policy.TrafficProfiles{IncludeTrafficProfiles: o.strs("includeTrafficProfiles", true)}
	o.done()
	return t
}

func readGuests(o *obj) *policy.GuestsOrExternalUsers {
	if o == nil {
		return nil
	}
	g := &policy.GuestsOrExternalUsers{GuestOrExternalUserTypes: canonList(guestTypes, o.strs("guestOrExternalUserTypes", true))}
	if t := o.child("externalTenants"); t != nil {
		g.ExternalTenants = &policy.ExternalTenants{
			ODataType:      t.str("@odata.type"),
			MembershipKind: t.str("membershipKind"),
			Members:        t.strs("members", false),
		}
		t.done()
	}
	o.done()
	return g
}

func readGrant(o *obj) *policy.GrantControls {
	g := &policy.GrantControls{
		Operator:                    canon(operators, o.str("operator")),
		BuiltInControls:             canonList(builtInControls, o.strs("builtInControls", false)),
		CustomAuthenticationFactors: o.strs("customAuthenticationFactors", false),
		TermsOfUse:                  o.strs("termsOfUse", false),
	}
	if v, ok := o.get("authenticationStrength"); ok {
		path := o.p("authenticationStrength")
		switch s := v.(type) {
		case string:
			// Some exports name the strength by its id alone.
			if o.r.mode == Lenient {
				g.AuthenticationStrength = &policy.StrengthRef{ID: s}
			} else {
				o.r.fail(path, "must be an object such as {\"id\": \"00000000-0000-0000-0000-000000000004\"}, got a string")
			}
		default:
			if so := o.r.object(path, v); so != nil {
				g.AuthenticationStrength = &policy.StrengthRef{ID: so.str("id")}
				// The expanded strength, as Graph returns it, may come back.
				so.skip(strengthProperties...)
				so.done()
			}
		}
	}
	o.done()
	return g
}

// strengthProperties are an expanded authenticationStrength's properties
// besides id, accepted and ignored inside grantControls.
var strengthProperties = []string{"createdDateTime", "modifiedDateTime", "displayName", "description", "policyType",
	"requirementsSatisfied", "allowedCombinations", "combinationConfigurations"}

func readSession(o *obj) *policy.SessionControls {
	s := &policy.SessionControls{}
	if x := o.child("applicationEnforcedRestrictions"); x != nil {
		s.ApplicationEnforcedRestrictions = &policy.IsEnabled{IsEnabled: x.boolean("isEnabled")}
		x.done()
	}
	if x := o.child("cloudAppSecurity"); x != nil {
		s.CloudAppSecurity = &policy.CloudAppSecurity{IsEnabled: x.boolean("isEnabled"), CloudAppSecurityType: x.str("cloudAppSecurityType")}
		x.done()
	}
	if b, ok := o.boolPtr("disableResilienceDefaults"); ok {
		s.DisableResilienceDefaults = b
	}
	if x := o.child("persistentBrowser"); x != nil {
		s.PersistentBrowser = &policy.PersistentBrowser{IsEnabled: x.boolean("isEnabled"), Mode: canon(browserModes, x.str("mode"))}
		x.done()
	}
	if x := o.child("signInFrequency"); x != nil {
		s.SignInFrequency = &policy.SignInFrequency{
			IsEnabled:          x.boolean("isEnabled"),
			Type:               canon(frequencyTypes, x.str("type")),
			Value:              x.int32("value"),
			AuthenticationType: canon(authTypes, x.str("authenticationType")),
			FrequencyInterval:  canon(frequencyKinds, x.str("frequencyInterval")),
		}
		x.done()
	}
	if x := o.child("secureSignInSession"); x != nil {
		s.SecureSignInSession = &policy.IsEnabled{IsEnabled: x.boolean("isEnabled")}
		x.done()
	}
	if x := o.child("networkAccessSecurity"); x != nil {
		s.NetworkAccessSecurity = &policy.ProfileControl{IsEnabled: x.boolean("isEnabled"), PolicyID: x.str("policyId")}
		x.done()
	}
	if x := o.child("globalSecureAccessFilteringProfile"); x != nil {
		s.GlobalSecureAccessFilteringProfile = &policy.ProfileControl{IsEnabled: x.boolean("isEnabled"), ProfileID: x.str("profileId")}
		x.done()
	}
	o.done()
	return s
}

// Policy is a conditionalAccessPolicy as Graph returns it.
type Policy struct {
	ID               string           `json:"id"`
	TemplateID       *string          `json:"templateId"`
	DisplayName      string           `json:"displayName"`
	CreatedDateTime  *string          `json:"createdDateTime"`
	ModifiedDateTime *string          `json:"modifiedDateTime"`
	State            string           `json:"state"`
	Conditions       Conditions       `json:"conditions"`
	GrantControls    *GrantControls   `json:"grantControls"`
	SessionControls  *SessionControls `json:"sessionControls"`
}

// Conditions is conditionalAccessConditionSet.
type Conditions struct {
	UserRiskLevels             []string            `json:"userRiskLevels"`
	SignInRiskLevels           []string            `json:"signInRiskLevels"`
	ClientAppTypes             []string            `json:"clientAppTypes"`
	ServicePrincipalRiskLevels []string            `json:"servicePrincipalRiskLevels"`
	InsiderRiskLevels          *string             `json:"insiderRiskLevels"`
	Platforms                  *Platforms          `json:"platforms"`
	Locations                  *Locations          `json:"locations"`
	Devices                    *Devices            `json:"devices"`
	DeviceStates               *DeviceStates       `json:"deviceStates,omitempty"`
	ClientApplications         *ClientApplications `json:"clientApplications"`
	Applications               Applications        `json:"applications"`
	Users                      *Users              `json:"users"`
	AuthenticationFlows        *AuthFlows          `json:"authenticationFlows"`
}

// Applications is conditionalAccessApplications.
type Applications struct {
	IncludeApplications                         []string         `json:"includeApplications"`
	ExcludeApplications                         []string         `json:"excludeApplications"`
	IncludeUserActions                          []string         `json:"includeUserActions"`
	IncludeAuthenticationContextClassReferences []string         `json:"includeAuthenticationContextClassReferences"`
	ApplicationFilter                           *Filter          `json:"applicationFilter"`
	NetworkAccess                               *TrafficProfiles `json:"networkAccess,omitempty"`
	GlobalSecureAccess                          *TrafficProfiles `json:"globalSecureAccess,omitempty"`
}

// TrafficProfiles is the beta networkAccess / globalSecureAccess shape.
type TrafficProfiles struct {
	IncludeTrafficProfiles string `json:"includeTrafficProfiles"`
}

// Users is conditionalAccessUsers.
type Users struct {
	IncludeUsers                 []string `json:"includeUsers"`
	ExcludeUsers                 []string `json:"excludeUsers"`
	IncludeGroups                []string `json:"includeGroups"`
	ExcludeGroups                []string `json:"excludeGroups"`
	IncludeRoles                 []string `json:"includeRoles"`
	ExcludeRoles                 []string `json:"excludeRoles"`
	IncludeGuestsOrExternalUsers *Guests  `json:"includeGuestsOrExternalUsers"`
	ExcludeGuestsOrExternalUsers *Guests  `json:"excludeGuestsOrExternalUsers"`
}

// Guests is conditionalAccessGuestsOrExternalUsers; the types are one
// comma-separated string, as Graph serialises the flags enum.
type Guests struct {
	GuestOrExternalUserTypes string           `json:"guestOrExternalUserTypes"`
	ExternalTenants          *ExternalTenants `json:"externalTenants"`
}

// ExternalTenants is conditionalAccessExternalTenants.
type ExternalTenants struct {
	ODataType      string   `json:"@odata.type,omitempty"`
	MembershipKind string   `json:"membershipKind"`
	Members        []string `json:"members,omitempty"`
}

// ClientApplications is conditionalAccessClientApplications.
type ClientApplications struct {
	IncludeServicePrincipals []string `json:"includeServicePrincipals"`
	ExcludeServicePrincipals []string `json:"excludeServicePrincipals"`
	ServicePrincipalFilter   *Filter  `json:"servicePrincipalFilter"`
}

// Filter is conditionalAccessFilter.
type Filter struct {
	Mode string `json:"mode"`
	Rule string `json:"rule"`
}

// Platforms is conditionalAccessPlatforms.
type Platforms struct {
	IncludePlatforms []string `json:"includePlatforms"`
	ExcludePlatforms []string `json:"excludePlatforms"`
}

// Locations is conditionalAccessLocations.
type Locations struct {
	IncludeLocations []string `json:"includeLocations"`
	ExcludeLocations []string `json:"excludeLocations"`
}

// Devices is conditionalAccessDevices.
type Devices struct {
	IncludeDevices []string `json:"includeDevices,omitempty"`
	ExcludeDevices []string `json:"excludeDevices,omitempty"`
	DeviceFilter   *Filter  `json:"deviceFilter"`
}

// DeviceStates is the deprecated conditionalAccessDeviceStates.
type DeviceStates struct {
	IncludeStates []string `json:"includeStates"`
	ExcludeStates []string `json:"excludeStates"`
}

// AuthFlows is conditionalAccessAuthenticationFlows; transferMethods is
// one comma-separated string.
type AuthFlows struct {
	TransferMethods string `json:"transferMethods"`
}

// GrantControls is conditionalAccessGrantControls with the strength
// expanded.
type GrantControls struct {
	Operator                    string    `json:"operator"`
	BuiltInControls             []string  `json:"builtInControls"`
	CustomAuthenticationFactors []string  `json:"customAuthenticationFactors"`
	TermsOfUse                  []string  `json:"termsOfUse"`
	AuthenticationStrength      *Strength `json:"authenticationStrength"`
}

// SessionControls is conditionalAccessSessionControls.
type SessionControls struct {
	ApplicationEnforcedRestrictions    *IsEnabled        `json:"applicationEnforcedRestrictions"`
	CloudAppSecurity                   *CloudAppSecurity `json:"cloudAppSecurity"`
	DisableResilienceDefaults          *bool             `json:"disableResilienceDefaults"`
	PersistentBrowser                  *Persistent       `json:"persistentBrowser"`
	SignInFrequency                    *SignInFrequency  `json:"signInFrequency"`
	SecureSignInSession                *IsEnabled        `json:"secureSignInSession,omitempty"`
	NetworkAccessSecurity              *NetworkAccess    `json:"networkAccessSecurity,omitempty"`
	GlobalSecureAccessFilteringProfile *FilteringProfile `json:"globalSecureAccessFilteringProfile,omitempty"`
}

// IsEnabled is a session control with isEnabled only.
type IsEnabled struct {
	IsEnabled bool `json:"isEnabled"`
}

// CloudAppSecurity is cloudAppSecuritySessionControl.
type CloudAppSecurity struct {
	IsEnabled            bool    `json:"isEnabled"`
	CloudAppSecurityType *string `json:"cloudAppSecurityType"`
}

// Persistent is persistentBrowserSessionControl.
type Persistent struct {
	IsEnabled bool    `json:"isEnabled"`
	Mode      *string `json:"mode"`
}

// SignInFrequency is signInFrequencySessionControl.
type SignInFrequency struct {
	IsEnabled          bool    `json:"isEnabled"`
	Type               *string `json:"type"`
	Value              *int32  `json:"value"`
	AuthenticationType *string `json:"authenticationType"`
	FrequencyInterval  *string `json:"frequencyInterval"`
}

// NetworkAccess is the beta networkAccessSecurity session control.
type NetworkAccess struct {
	IsEnabled bool    `json:"isEnabled"`
	PolicyID  *string `json:"policyId"`
}

// FilteringProfile is the beta globalSecureAccessFilteringProfile control.
type FilteringProfile struct {
	IsEnabled bool    `json:"isEnabled"`
	ProfileID *string `json:"profileId"`
}

// StrengthLookup finds a strength by id, for expanding
// grantControls.authenticationStrength. authn's built-in strengths need
// not be known to it.
type StrengthLookup func(id string) (authn.Strength, bool)

// EncodePolicy returns p as Graph returns it, with the strength expanded
// through lookup (nil: built-ins only; an unknown strength is written as
// {"id": …} alone).
func EncodePolicy(p policy.Policy, lookup StrengthLookup) Policy {
	out := Policy{ID: p.ID, TemplateID: strPtr(p.TemplateID), DisplayName: p.DisplayName,
		CreatedDateTime: timePtr(p.CreatedDateTime), ModifiedDateTime: timePtr(p.ModifiedDateTime), State: p.State}
	c := p.Conditions
	oc := &out.Conditions
	oc.UserRiskLevels, oc.SignInRiskLevels = nonNil(c.UserRiskLevels), nonNil(c.SignInRiskLevels)
	oc.ClientAppTypes = nonNil(c.ClientAppTypes)
	oc.ServicePrincipalRiskLevels = nonNil(c.ServicePrincipalRiskLevels)
	if len(c.InsiderRiskLevels) > 0 {
		oc.InsiderRiskLevels = strPtr(joinComma(c.InsiderRiskLevels))
	}
	if pl := c.Platforms; pl != nil {
		oc.Platforms = &Platforms{IncludePlatforms: nonNil(pl.IncludePlatforms), ExcludePlatforms: nonNil(pl.ExcludePlatforms)}
	}
	if l := c.Locations; l != nil {
		oc.Locations = &Locations{IncludeLocations: nonNil(l.IncludeLocations), ExcludeLocations: nonNil(l.ExcludeLocations)}
	}
	if d := c.Devices; d != nil {
		oc.Devices = &Devices{IncludeDevices: d.IncludeDevices, ExcludeDevices: d.ExcludeDevices, DeviceFilter: filterJSON(d.DeviceFilter)}
	}
	if ds := c.DeviceStates; ds != nil {
		oc.DeviceStates = &DeviceStates{IncludeStates: nonNil(ds.IncludeStates), ExcludeStates: nonNil(ds.ExcludeStates)}
	}
	if ca := c.ClientApplications; ca != nil {
		oc.ClientApplications = &ClientApplications{IncludeServicePrincipals: nonNil(ca.IncludeServicePrincipals),
			ExcludeServicePrincipals: nonNil(ca.ExcludeServicePrincipals), ServicePrincipalFilter: filterJSON(ca.ServicePrincipalFilter)}
	}
	a := c.Applications
	if a == nil {
		a = &policy.Applications{}
	}
	oc.Applications = Applications{IncludeApplications: nonNil(a.IncludeApplications), ExcludeApplications: nonNil(a.ExcludeApplications),
		IncludeUserActions: nonNil(a.IncludeUserActions), IncludeAuthenticationContextClassReferences: nonNil(a.IncludeAuthenticationContextClassReferences),
		ApplicationFilter: filterJSON(a.ApplicationFilter), NetworkAccess: trafficJSON(a.NetworkAccess), GlobalSecureAccess: trafficJSON(a.GlobalSecureAccess)}
	if u := c.Users; u != nil {
		oc.Users = &Users{IncludeUsers: nonNil(u.IncludeUsers), ExcludeUsers: nonNil(u.ExcludeUsers), IncludeGroups: nonNil(u.IncludeGroups),
			ExcludeGroups: nonNil(u.ExcludeGroups), IncludeRoles: nonNil(u.IncludeRoles), ExcludeRoles: nonNil(u.ExcludeRoles),
			IncludeGuestsOrExternalUsers: guestsJSON(u.IncludeGuestsOrExternalUsers), ExcludeGuestsOrExternalUsers: guestsJSON(u.ExcludeGuestsOrExternalUsers)}
	}
	if f := c.AuthenticationFlows; f != nil {
		oc.AuthenticationFlows = &AuthFlows{TransferMethods: joinComma(f.TransferMethods)}
	}
	if g := p.GrantControls; g != nil {
		og := &GrantControls{Operator: g.Operator, BuiltInControls: nonNil(g.BuiltInControls),
			CustomAuthenticationFactors: nonNil(g.CustomAuthenticationFactors), TermsOfUse: nonNil(g.TermsOfUse)}
		if ref := g.AuthenticationStrength; ref != nil {
			st, ok := authn.BuiltInStrength(ref.ID)
			if !ok && lookup != nil {
				st, ok = lookup(ref.ID)
			}
			if ok {
				js := EncodeStrength(st)
				og.AuthenticationStrength = &js
			} else {
				og.AuthenticationStrength = &Strength{ID: ref.ID, AllowedCombinations: []string{}, CombinationConfigurations: []CombinationConfiguration{}}
			}
		}
		out.GrantControls = og
	}
	if s := p.SessionControls; s != nil {
		os := &SessionControls{DisableResilienceDefaults: s.DisableResilienceDefaults}
		if x := s.ApplicationEnforcedRestrictions; x != nil {
			os.ApplicationEnforcedRestrictions = &IsEnabled{x.IsEnabled}
		}
		if x := s.CloudAppSecurity; x != nil {
			os.CloudAppSecurity = &CloudAppSecurity{IsEnabled: x.IsEnabled, CloudAppSecurityType: strPtr(x.CloudAppSecurityType)}
		}
		if x := s.PersistentBrowser; x != nil {
			os.PersistentBrowser = &Persistent{IsEnabled: x.IsEnabled, Mode: strPtr(x.Mode)}
		}
		if x := s.SignInFrequency; x != nil {
			f := &SignInFrequency{IsEnabled: x.IsEnabled, Type: strPtr(x.Type), AuthenticationType: strPtr(x.AuthenticationType), FrequencyInterval: strPtr(x.FrequencyInterval)}
			if x.Value != 0 {
				v := x.Value
				f.Value = &v
			}
			os.SignInFrequency = f
		}
		if x := s.SecureSignInSession; x != nil {
			os.SecureSignInSession = &IsEnabled{x.IsEnabled}
		}
		if x := s.NetworkAccessSecurity; x != nil {
			os.NetworkAccessSecurity = &NetworkAccess{IsEnabled: x.IsEnabled, PolicyID: strPtr(x.PolicyID)}
		}
		if x := s.GlobalSecureAccessFilteringProfile; x != nil {
			os.GlobalSecureAccessFilteringProfile = &FilteringProfile{IsEnabled: x.IsEnabled, ProfileID: strPtr(x.ProfileID)}
		}
		out.SessionControls = os
	}
	return out
}

// MarshalPolicy is EncodePolicy as JSON.
func MarshalPolicy(p policy.Policy, lookup StrengthLookup) ([]byte, error) {
	b, err := json.Marshal(EncodePolicy(p, lookup))
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "encoding a conditional access policy")
	}
	return b, nil
}

// MarshalPolicyDocument writes p as a stored or exported document: Graph
// JSON with grantControls.authenticationStrength as {"id": …} alone, the
// form every Graph client and Strongroom's own reads accept.
func MarshalPolicyDocument(p policy.Policy) ([]byte, error) {
	b, err := MarshalPolicy(p, func(string) (authn.Strength, bool) { return authn.Strength{}, false })
	if err != nil || p.GrantControls == nil || p.GrantControls.AuthenticationStrength == nil {
		return b, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "encoding a conditional access policy")
	}
	if g, ok := m["grantControls"].(map[string]any); ok {
		g["authenticationStrength"] = map[string]any{"id": p.GrantControls.AuthenticationStrength.ID}
	}
	b, err = json.Marshal(m)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "encoding a conditional access policy")
	}
	return b, nil
}

func filterJSON(f *policy.Filter) *Filter {
	if f == nil {
		return nil
	}
	return &Filter{Mode: f.Mode, Rule: f.Rule}
}

func trafficJSON(t *policy.TrafficProfiles) *TrafficProfiles {
	if t == nil {
		return nil
	}
	return &TrafficProfiles{IncludeTrafficProfiles: joinComma(t.IncludeTrafficProfiles)}
}

func guestsJSON(g *policy.GuestsOrExternalUsers) *Guests {
	if g == nil {
		return nil
	}
	out := &Guests{GuestOrExternalUserTypes: joinComma(g.GuestOrExternalUserTypes)}
	if t := g.ExternalTenants; t != nil {
		out.ExternalTenants = &ExternalTenants{ODataType: t.ODataType, MembershipKind: t.MembershipKind, Members: t.Members}
	}
	return out
}

func joinComma(l []string) string {
	s := ""
	for i, x := range l {
		if i > 0 {
			s += ","
		}
		s += x
	}
	return s
}

// graphTime formats a time as Graph does (UTC, RFC 3339 with Z).
func graphTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func timePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := graphTime(t)
	return &s
}
