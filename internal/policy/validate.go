package policy

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
)

// References answers, for Validate, whether the objects a policy names
// exist. The caller fills each lookup from the directory; a nil lookup is not
// checked (for kinds Strongroom has no store for, such as terms of use).
// Strongroom's built-in applications and authn's built-in strengths are
// always known.
type References struct {
	User                       func(id string) bool
	Group                      func(id string) bool
	Role                       func(templateID string) bool
	Application                func(appID string) bool
	ServicePrincipal           func(id string) bool
	NamedLocation              func(id string) bool
	Strength                   func(id string) bool
	AuthenticationContext      func(id string) bool
	TermsOfUse                 func(id string) bool
	CustomAuthenticationFactor func(id string) bool
}

// FieldError is one validation problem and the Graph property path it is
// about, such as conditions.users.includeGroups.
type FieldError struct {
	Path    string
	Message string
}

// Error returns "path: message".
func (e FieldError) Error() string { return e.Path + ": " + e.Message }

// Validate checks a policy as Graph does on create and update (G-CAP,
// G-CACOND, G-CAGRANT, G-CASESS, CA-RO, CA-APPS, AS-CONCEPT; entra.md §4)
// and returns an apperr.Invalid error that names every problem with its
// field path, or nil. Enum values are accepted in any case, as exports
// written by hand or by other tools spell them (e.g. clientAppTypes "All").
func Validate(p Policy, refs References) error {
	errs := Check(p, refs)
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return apperr.Invalidf("invalid conditional access policy: %s", strings.Join(msgs, "; "))
}

// Check returns every validation problem of p; Validate wraps them in one
// error. Forms use Check to show each problem next to its field.
func Check(p Policy, refs References) []FieldError {
	v := &validator{refs: refs}
	v.policy(p)
	return v.errs
}

type validator struct {
	refs References
	errs []FieldError
}

func (v *validator) add(path, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
}

// Enumerations, in Graph's spelling.
var (
	states           = []string{StateEnabled, StateDisabled, StateReportOnly}
	clientAppTypes   = []string{ClientAppAll, ClientAppBrowser, ClientAppMobileAppsAndDesktopClients, ClientAppExchangeActiveSync, ClientAppEASSupported, ClientAppOther}
	platformValues   = []string{PlatformAndroid, PlatformIOS, PlatformWindows, PlatformWindowsPhone, PlatformMacOS, PlatformLinux}
	riskLevels       = []string{RiskLow, RiskMedium, RiskHigh, RiskHidden, RiskNone}
	spRiskLevels     = []string{RiskLow, RiskMedium, RiskHigh, RiskNone}
	insiderLevels    = []string{InsiderRiskMinor, InsiderRiskModerate, InsiderRiskElevated}
	transferMethods  = []string{TransferDeviceCodeFlow, TransferAuthenticationTransfer}
	userActions      = []string{UserActionRegisterSecurityInfo, UserActionRegisterDevice}
	builtInControls  = []string{ControlBlock, ControlMFA, ControlCompliantDevice, ControlDomainJoinedDevice, ControlApprovedApplication, ControlCompliantApplication, ControlPasswordChange, ControlRiskRemediation}
	guestTypes       = []string{GuestTypeNone, GuestTypeInternalGuest, GuestTypeB2BCollaborationGuest, GuestTypeB2BCollaborationMember, GuestTypeB2BDirectConnectUser, GuestTypeOtherExternalUser, GuestTypeServiceProvider}
	filterModes      = []string{FilterInclude, FilterExclude}
	operators        = []string{OperatorAND, OperatorOR}
	frequencyTypes   = []string{FrequencyDays, FrequencyHours}
	frequencyKinds   = []string{FrequencyTimeBased, FrequencyEveryTime}
	authTypes        = []string{AuthTypePrimaryAndSecondary, AuthTypeSecondary}
	browserModes     = []string{PersistentBrowserAlways, PersistentBrowserNever}
	cloudAppSecTypes = []string{"mcasConfigured", "monitorOnly", "blockDownloads"}
)

// canon returns Graph's spelling of v from allowed, ignoring ASCII case.
func canon(allowed []string, v string) (string, bool) {
	for _, a := range allowed {
		if strings.EqualFold(a, v) {
			return a, true
		}
	}
	return "", false
}

func eq(a, b string) bool { return strings.EqualFold(a, b) }

func indexFold(list []string, v string) int {
	for i, x := range list {
		if strings.EqualFold(x, v) {
			return i
		}
	}
	return -1
}

func containsFoldList(list []string, v string) bool { return indexFold(list, v) >= 0 }

func quoteList(vals ...string) string {
	q := make([]string, len(vals))
	for i, s := range vals {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// enumList checks every value of a list against an enumeration and for
// repeats.
func (v *validator) enumList(path string, list, allowed []string) {
	for i, x := range list {
		if _, ok := canon(allowed, x); !ok {
			v.add(fmt.Sprintf("%s[%d]", path, i), "%q is not one of %s", x, quoteList(allowed...))
		} else if indexFold(list, x) < i {
			v.add(fmt.Sprintf("%s[%d]", path, i), "%q is listed more than once", x)
		}
	}
}

// refList checks a list of object ids: not empty strings, not repeated, and
// known to the lookup. special values are accepted as they are.
func (v *validator) refList(path, what string, list []string, lookup func(string) bool, special ...string) {
	for i, id := range list {
		if containsFoldList(special, id) {
			if indexFold(list, id) < i {
				v.add(fmt.Sprintf("%s[%d]", path, i), "%q is listed more than once", id)
			}
			continue
		}
		switch {
		case strings.TrimSpace(id) == "":
			v.add(fmt.Sprintf("%s[%d]", path, i), "empty %s id", what)
		case indexFold(list, id) < i:
			v.add(fmt.Sprintf("%s[%d]", path, i), "%q is listed more than once", id)
		case lookup != nil && !lookup(id):
			v.add(path, "unknown %s %q", what, id)
		}
	}
}

// exclusive reports a special value that must stand alone in its list.
func (v *validator) exclusive(path string, list []string, values ...string) {
	if len(list) < 2 {
		return
	}
	for _, s := range values {
		if containsFoldList(list, s) {
			v.add(path, "%q cannot be combined with other values", s)
		}
	}
}

// forbidden reports special values that may not appear in a list.
func (v *validator) forbidden(path string, list []string, values ...string) {
	for _, s := range values {
		if containsFoldList(list, s) {
			v.add(path, "%q is not allowed here", s)
		}
	}
}

func (v *validator) policy(p Policy) {
	if n := utf8.RuneCountInString(p.DisplayName); strings.TrimSpace(p.DisplayName) == "" {
		v.add("displayName", "is required")
	} else if n > MaxDisplayNameChars {
		v.add("displayName", "is %d characters long; the limit is %d", n, MaxDisplayNameChars)
	}
	state, ok := canon(states, p.State)
	if !ok {
		v.add("state", "%q is not one of %s", p.State, quoteList(states...))
	}
	c := p.Conditions
	v.users(c.Users, c.ClientApplications)
	v.clientApplications(c.ClientApplications)
	v.applications(c.Applications)
	v.conditions(c)

	if c.Applications != nil {
		if len(c.Applications.IncludeUserActions) > 0 && state == StateReportOnly {
			// CA-RO: user-action policies can't be report-only.
			v.add("state", "a policy on a user action cannot be %q (report-only)", StateReportOnly)
		}
		if len(c.Applications.IncludeAuthenticationContextClassReferences) > 0 && c.ClientApplications != nil {
			// CA-APPS: authentication context can't be combined with
			// workload identities.
			v.add("conditions.clientApplications", "a policy on authentication contexts cannot target workload identities")
		}
	}
	v.grant(p)
	v.session(p)
}

func (v *validator) users(u *Users, ca *ClientApplications) {
	if u == nil {
		if ca == nil {
			v.add("conditions.users", "users or clientApplications is required")
		}
		return
	}
	const path = "conditions.users"
	if ca == nil && len(u.IncludeUsers) == 0 && len(u.IncludeGroups) == 0 && len(u.IncludeRoles) == 0 && u.IncludeGuestsOrExternalUsers == nil {
		v.add(path, "include at least one of includeUsers, includeGroups, includeRoles, includeGuestsOrExternalUsers")
	}
	v.refList(path+".includeUsers", "user", u.IncludeUsers, v.refs.User, UsersAll, UsersNone, UsersGuestsOrExternalUsers)
	v.exclusive(path+".includeUsers", u.IncludeUsers, UsersAll, UsersNone)
	v.refList(path+".excludeUsers", "user", u.ExcludeUsers, v.refs.User, UsersGuestsOrExternalUsers)
	v.forbidden(path+".excludeUsers", u.ExcludeUsers, UsersAll, UsersNone)
	v.refList(path+".includeGroups", "group", u.IncludeGroups, v.refs.Group)
	v.refList(path+".excludeGroups", "group", u.ExcludeGroups, v.refs.Group)
	v.refList(path+".includeRoles", "role", u.IncludeRoles, v.refs.Role)
	v.refList(path+".excludeRoles", "role", u.ExcludeRoles, v.refs.Role)
	for _, r := range [...]struct {
		name string
		list []string
	}{{"includeRoles", u.IncludeRoles}, {"excludeRoles", u.ExcludeRoles}} {
		for i, id := range r.list {
			if !authn.IsGUID(id) {
				v.add(fmt.Sprintf("%s.%s[%d]", path, r.name, i), "%q is not a role template id (a GUID)", id)
			}
		}
	}
	v.guests(path+".includeGuestsOrExternalUsers", u.IncludeGuestsOrExternalUsers)
	v.guests(path+".excludeGuestsOrExternalUsers", u.ExcludeGuestsOrExternalUsers)
}

func (v *validator) guests(path string, g *GuestsOrExternalUsers) {
	if g == nil {
		return
	}
	if len(g.GuestOrExternalUserTypes) == 0 {
		v.add(path+".guestOrExternalUserTypes", "at least one type is required")
	}
	v.enumList(path+".guestOrExternalUserTypes", g.GuestOrExternalUserTypes, guestTypes)
	v.exclusive(path+".guestOrExternalUserTypes", g.GuestOrExternalUserTypes, GuestTypeNone)
	if t := g.ExternalTenants; t != nil {
		external := false
		for _, x := range g.GuestOrExternalUserTypes {
			if c, ok := canon(guestTypes, x); ok && c != GuestTypeNone && c != GuestTypeInternalGuest {
				external = true
			}
		}
		if !external {
			v.add(path+".externalTenants", "applies only with external guest or user types")
		}
		switch {
		case eq(t.MembershipKind, "all") && (t.ODataType == "" || eq(t.ODataType, ODataAllExternalTenants)):
			if len(t.Members) > 0 {
				v.add(path+".externalTenants.members", "must be empty when membershipKind is \"all\"")
			}
		case eq(t.MembershipKind, "enumerated") && (t.ODataType == "" || eq(t.ODataType, ODataEnumeratedExternalTenants)):
			if len(t.Members) == 0 {
				v.add(path+".externalTenants.members", "at least one tenant id is required when membershipKind is \"enumerated\"")
			}
			for i, m := range t.Members {
				if !authn.IsGUID(m) {
					v.add(fmt.Sprintf("%s.externalTenants.members[%d]", path, i), "%q is not a tenant id (a GUID)", m)
				}
			}
		default:
			v.add(path+".externalTenants", "membershipKind %q with @odata.type %q is not \"all\" (%s) or \"enumerated\" (%s)",
				t.MembershipKind, t.ODataType, ODataAllExternalTenants, ODataEnumeratedExternalTenants)
		}
	}
}

func (v *validator) clientApplications(ca *ClientApplications) {
	if ca == nil {
		return
	}
	const path = "conditions.clientApplications"
	if len(ca.IncludeServicePrincipals) == 0 && ca.ServicePrincipalFilter == nil {
		v.add(path+".includeServicePrincipals", "is required")
	}
	v.refList(path+".includeServicePrincipals", "service principal", ca.IncludeServicePrincipals, v.refs.ServicePrincipal, ServicePrincipalsInMyTenant)
	v.refList(path+".excludeServicePrincipals", "service principal", ca.ExcludeServicePrincipals, v.refs.ServicePrincipal)
	v.filter(path+".servicePrincipalFilter", ca.ServicePrincipalFilter, false)
}

func (v *validator) applications(a *Applications) {
	const path = "conditions.applications"
	if a == nil {
		v.add(path, "is required")
		return
	}
	appLookup := func(id string) bool {
		if eq(id, AdminPortalAppID) || eq(id, MyAccountAppID) {
			return true
		}
		return v.refs.Application == nil || v.refs.Application(id)
	}
	v.refList(path+".includeApplications", "application", a.IncludeApplications, appLookup, AppsAll, AppsNone, AppsOffice365, AppsMicrosoftAdminPortals)
	v.exclusive(path+".includeApplications", a.IncludeApplications, AppsAll, AppsNone)
	v.refList(path+".excludeApplications", "application", a.ExcludeApplications, appLookup, AppsOffice365, AppsMicrosoftAdminPortals)
	v.forbidden(path+".excludeApplications", a.ExcludeApplications, AppsAll, AppsNone)
	v.enumList(path+".includeUserActions", a.IncludeUserActions, userActions)
	for i, id := range a.IncludeAuthenticationContextClassReferences {
		p := fmt.Sprintf("%s.includeAuthenticationContextClassReferences[%d]", path, i)
		switch {
		case !IsAuthContextID(id):
			v.add(p, "%q is not an authentication context id (c1 to c99)", id)
		case indexFold(a.IncludeAuthenticationContextClassReferences, id) < i:
			v.add(p, "%q is listed more than once", id)
		case v.refs.AuthenticationContext != nil && !v.refs.AuthenticationContext(id):
			v.add(path+".includeAuthenticationContextClassReferences", "unknown authentication context %q", id)
		}
	}
	v.filter(path+".applicationFilter", a.ApplicationFilter, false)

	kinds := 0
	if len(a.IncludeApplications) > 0 || a.ApplicationFilter != nil || a.NetworkAccess != nil || a.GlobalSecureAccess != nil {
		kinds++
	}
	if len(a.IncludeUserActions) > 0 {
		kinds++
	}
	if len(a.IncludeAuthenticationContextClassReferences) > 0 {
		kinds++
	}
	switch {
	case kinds == 0:
		v.add(path, "include applications, a user action or authentication contexts")
	case kinds > 1:
		v.add(path, "target applications, user actions or authentication contexts, not more than one of them")
	}
	if len(a.ExcludeApplications) > 0 && len(a.IncludeApplications) == 0 {
		v.add(path+".excludeApplications", "excluding applications needs includeApplications")
	}
}

// filter checks a conditionalAccessFilter; parse tells whether the rule is a
// device filter Strongroom parses.
func (v *validator) filter(path string, f *Filter, parse bool) {
	if f == nil {
		return
	}
	if _, ok := canon(filterModes, f.Mode); !ok {
		v.add(path+".mode", "%q is not one of %s", f.Mode, quoteList(filterModes...))
	}
	switch {
	case strings.TrimSpace(f.Rule) == "":
		v.add(path+".rule", "is required")
	case parse:
		if _, err := ParseDeviceFilter(f.Rule); err != nil {
			v.add(path+".rule", "%s", apperr.As(err).Message)
		}
	case len(f.Rule) > MaxDeviceFilterRuleLength:
		v.add(path+".rule", "is %d bytes long; the limit is %d", len(f.Rule), MaxDeviceFilterRuleLength)
	}
}

func (v *validator) conditions(c Conditions) {
	v.enumList("conditions.clientAppTypes", c.ClientAppTypes, clientAppTypes)
	v.exclusive("conditions.clientAppTypes", c.ClientAppTypes, ClientAppAll)

	if pl := c.Platforms; pl != nil {
		const path = "conditions.platforms"
		if len(pl.IncludePlatforms) == 0 && len(pl.ExcludePlatforms) > 0 {
			v.add(path+".includePlatforms", "is required when platforms are excluded")
		}
		v.enumList(path+".includePlatforms", pl.IncludePlatforms, append([]string{PlatformAll}, platformValues...))
		v.exclusive(path+".includePlatforms", pl.IncludePlatforms, PlatformAll)
		v.enumList(path+".excludePlatforms", pl.ExcludePlatforms, platformValues)
	}

	if l := c.Locations; l != nil {
		const path = "conditions.locations"
		if len(l.IncludeLocations) == 0 && len(l.ExcludeLocations) > 0 {
			v.add(path+".includeLocations", "is required when locations are excluded")
		}
		v.refList(path+".includeLocations", "named location", l.IncludeLocations, v.refs.NamedLocation, LocationsAll, LocationsAllTrusted)
		v.exclusive(path+".includeLocations", l.IncludeLocations, LocationsAll)
		v.refList(path+".excludeLocations", "named location", l.ExcludeLocations, v.refs.NamedLocation, LocationsAllTrusted)
		v.forbidden(path+".excludeLocations", l.ExcludeLocations, LocationsAll)
	}

	if d := c.Devices; d != nil {
		v.filter("conditions.devices.deviceFilter", d.DeviceFilter, true)
	}
	v.enumList("conditions.signInRiskLevels", c.SignInRiskLevels, riskLevels)
	v.enumList("conditions.userRiskLevels", c.UserRiskLevels, riskLevels)
	v.enumList("conditions.servicePrincipalRiskLevels", c.ServicePrincipalRiskLevels, spRiskLevels)
	v.enumList("conditions.insiderRiskLevels", c.InsiderRiskLevels, insiderLevels)
	if f := c.AuthenticationFlows; f != nil {
		if len(f.TransferMethods) == 0 {
			v.add("conditions.authenticationFlows.transferMethods", "at least one transfer method is required")
		}
		v.enumList("conditions.authenticationFlows.transferMethods", f.TransferMethods, transferMethods)
	}

	if a := c.Applications; a != nil && containsFoldList(a.IncludeUserActions, UserActionRegisterDevice) {
		// CA-APPS: register-device: client apps, device filter and device
		// state conditions are unavailable.
		if len(c.ClientAppTypes) > 0 && !(len(c.ClientAppTypes) == 1 && eq(c.ClientAppTypes[0], ClientAppAll)) {
			v.add("conditions.clientAppTypes", "is not available for the %q user action", UserActionRegisterDevice)
		}
		if c.Devices != nil && c.Devices.DeviceFilter != nil {
			v.add("conditions.devices", "is not available for the %q user action", UserActionRegisterDevice)
		}
	}
}

// onlyAllApps reports whether a policy targets all applications with no
// exclusions.
func onlyAllApps(a *Applications) bool {
	return a != nil && len(a.IncludeApplications) == 1 && eq(a.IncludeApplications[0], AppsAll) &&
		len(a.ExcludeApplications) == 0 && a.ApplicationFilter == nil
}

func (v *validator) grant(p Policy) {
	g := p.GrantControls
	if g == nil {
		return
	}
	const path = "grantControls"
	v.enumList(path+".builtInControls", g.BuiltInControls, builtInControls)
	has := func(c string) bool { return containsFoldList(g.BuiltInControls, c) }
	controls := len(g.BuiltInControls) + len(g.CustomAuthenticationFactors) + len(g.TermsOfUse)
	if g.AuthenticationStrength != nil {
		controls++
	}
	op, opOK := canon(operators, g.Operator)
	if !opOK && (controls > 0 || g.Operator != "") {
		v.add(path+".operator", "%q is not one of %s", g.Operator, quoteList(operators...))
	}
	if has(ControlBlock) && controls > 1 {
		v.add(path+".builtInControls", "\"block\" cannot be combined with other controls")
	}
	if g.AuthenticationStrength != nil {
		id := g.AuthenticationStrength.ID
		switch {
		case strings.TrimSpace(id) == "":
			v.add(path+".authenticationStrength.id", "is required")
		case authn.IsBuiltInID(id):
		case v.refs.Strength != nil && !v.refs.Strength(id):
			v.add(path+".authenticationStrength", "unknown authentication strength %q", id)
		}
		if has(ControlMFA) {
			// AS-CONCEPT: the built-in MFA strength is the mfa control.
			v.add(path, "\"mfa\" and authenticationStrength cannot be required in the same policy")
		}
	}
	v.refList(path+".termsOfUse", "terms of use", g.TermsOfUse, v.refs.TermsOfUse)
	v.refList(path+".customAuthenticationFactors", "custom control", g.CustomAuthenticationFactors, v.refs.CustomAuthenticationFactor)

	// G-CAGRANT constraints on passwordChange and riskRemediation.
	pwd, rem := has(ControlPasswordChange), has(ControlRiskRemediation)
	if pwd && rem {
		v.add(path+".builtInControls", "\"passwordChange\" and \"riskRemediation\" cannot be required together")
	}
	if pwd && (!has(ControlMFA) || op != OperatorAND) {
		v.add(path+".builtInControls", "\"passwordChange\" must be required with \"mfa\" and operator AND")
	}
	if rem && (g.AuthenticationStrength == nil || op != OperatorAND) {
		v.add(path+".builtInControls", "\"riskRemediation\" must be required with an authenticationStrength and operator AND")
	}
	if pwd || rem {
		name := ControlPasswordChange
		if rem {
			name = ControlRiskRemediation
		}
		c := p.Conditions
		if len(c.UserRiskLevels) == 0 {
			v.add("conditions.userRiskLevels", "%q needs a user risk condition", name)
		}
		if !onlyAllApps(c.Applications) {
			v.add("conditions.applications", "%q needs all applications (\"All\") with no exclusions", name)
		}
		clientAppsAll := len(c.ClientAppTypes) == 0 || len(c.ClientAppTypes) == 1 && eq(c.ClientAppTypes[0], ClientAppAll)
		if !clientAppsAll || c.Platforms != nil || c.Locations != nil || c.Devices != nil ||
			len(c.SignInRiskLevels) > 0 || len(c.InsiderRiskLevels) > 0 || c.AuthenticationFlows != nil || c.ClientApplications != nil {
			v.add("conditions", "%q allows no conditions other than users, applications and user risk", name)
		}
	}

	if a := p.Conditions.Applications; a != nil && containsFoldList(a.IncludeUserActions, UserActionRegisterDevice) {
		// CA-APPS allows only mfa on register-device; Entra also accepts an
		// authentication strength there (the AlexFilipin repository's policy
		// 211 requires phishing-resistant MFA), so Strongroom allows either.
		onlyMFA := len(g.BuiltInControls) == 1 && has(ControlMFA) && controls == 1
		onlyStrength := g.AuthenticationStrength != nil && controls == 1
		if !onlyMFA && !onlyStrength {
			v.add(path, "the %q user action allows only the \"mfa\" control or an authentication strength", UserActionRegisterDevice)
		}
	}
}

func (v *validator) session(p Policy) {
	s := p.SessionControls
	if s == nil {
		return
	}
	const path = "sessionControls"
	if b := s.PersistentBrowser; b != nil {
		if _, ok := canon(browserModes, b.Mode); !ok && (b.IsEnabled || b.Mode != "") {
			v.add(path+".persistentBrowser.mode", "%q is not one of %s", b.Mode, quoteList(browserModes...))
		}
		if b.IsEnabled {
			a := p.Conditions.Applications
			if a == nil || len(a.IncludeApplications) != 1 || !eq(a.IncludeApplications[0], AppsAll) {
				// G-CASESS: persistentBrowser requires All apps.
				v.add(path+".persistentBrowser", "requires a policy on all applications (includeApplications \"All\")")
			}
		}
	}
	if f := s.SignInFrequency; f != nil {
		const fp = path + ".signInFrequency"
		kind, ok := canon(frequencyKinds, f.FrequencyInterval)
		if f.FrequencyInterval == "" {
			kind, ok = FrequencyTimeBased, true
		}
		if !ok {
			v.add(fp+".frequencyInterval", "%q is not one of %s", f.FrequencyInterval, quoteList(frequencyKinds...))
		}
		if f.AuthenticationType != "" {
			if _, ok := canon(authTypes, f.AuthenticationType); !ok {
				v.add(fp+".authenticationType", "%q is not one of %s", f.AuthenticationType, quoteList(authTypes...))
			}
		}
		switch {
		case !f.IsEnabled:
		case kind == FrequencyTimeBased:
			if _, ok := canon(frequencyTypes, f.Type); !ok {
				v.add(fp+".type", "%q is not one of %s", f.Type, quoteList(frequencyTypes...))
			}
			if f.Value <= 0 {
				v.add(fp+".value", "must be greater than 0, got %d", f.Value)
			}
		case kind == FrequencyEveryTime:
			if f.Type != "" || f.Value != 0 {
				v.add(fp, "type and value must be null when frequencyInterval is %q", FrequencyEveryTime)
			}
		}
	}
	if c := s.CloudAppSecurity; c != nil && (c.IsEnabled || c.CloudAppSecurityType != "") {
		if _, ok := canon(cloudAppSecTypes, c.CloudAppSecurityType); !ok {
			v.add(path+".cloudAppSecurity.cloudAppSecurityType", "%q is not one of %s", c.CloudAppSecurityType, quoteList(cloudAppSecTypes...))
		}
	}
}

// problems collects validation failures of objects other than policies.
type problems []string

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, path+": "+fmt.Sprintf(format, args...))
}

func (p *problems) displayName(s string) {
	if strings.TrimSpace(s) == "" {
		p.add("displayName", "is required")
	} else if n := utf8.RuneCountInString(s); n > MaxDisplayNameChars {
		p.add("displayName", "is %d characters long; the limit is %d", n, MaxDisplayNameChars)
	}
}

func (p problems) err(what string) error {
	if len(p) == 0 {
		return nil
	}
	return apperr.Invalidf("%s: %s", what, strings.Join(p, "; "))
}
