package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/cagraph"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// The Conditional Access policy editor: one form over every field of a
// policy (Graph's conditionalAccessPolicy), and its Graph JSON, which can
// be edited too and goes through the API's strict decoder. Fields the form
// does not show (workload identities, guest types, terms of use, …) are
// kept as they are and listed on the form.

// policyForm is the editor's state: what a policy holds, as the form
// shows it, and what the administrator typed.
type policyForm struct {
	DisplayName string
	State       string

	// Users: UsersMode is "all", "none" or "select".
	UsersMode                    string
	IncludeUsers, ExcludeUsers   string // one user a line
	IncludeGuests, ExcludeGuests bool
	IncludeGroups, ExcludeGroups checkList
	IncludeRoles, ExcludeRoles   checkList

	// Target resources: TargetKind is "apps", "actions" or "contexts";
	// AppsMode "all", "none" or "select".
	TargetKind               string
	AppsMode                 string
	IncludeApps, ExcludeApps checkList
	UserActions              checkList
	Contexts                 checkList

	// Conditions.
	ClientApps                         checkList
	IncludePlatforms, ExcludePlatforms checkList
	IncludeLocations, ExcludeLocations checkList
	DeviceFilterMode, DeviceFilterRule string
	SignInRisk, UserRisk               checkList

	// Grant: GrantMode is "none", "block" or "grant".
	GrantMode string
	Operator  string
	Controls  checkList
	Strengths []option // the select; "" is none

	// Session.
	FrequencyOn                               bool
	FrequencyInterval, FrequencyType          string
	FrequencyValue, FrequencyAuthType         string
	BrowserOn                                 bool
	BrowserMode                               string
	AppRestrictions, Resilience, SecureSignIn bool
	CloudAppOn                                bool
	CloudAppType                              string

	// Kept lists the settings the form does not show that the policy has.
	Kept []string
}

// policyPage is /admin/ca/policies/{id} and /admin/ca/policies/new.
type policyPage struct {
	caSection
	ID       string // empty for a new policy
	New      bool
	CanWrite bool
	Form     policyForm
	Errors   fieldErrors
	// Problems lists every problem, for the summary above the form.
	Problems []string
}

func (*policyPage) template() string { return "admin_ca_policy" }

// Enumerations as the form offers them, in Graph's spelling.
var (
	clientAppChoices = []option{
		{Value: policy.ClientAppAll, Label: "All client apps"},
		{Value: policy.ClientAppBrowser, Label: "Browser"},
		{Value: policy.ClientAppMobileAppsAndDesktopClients, Label: "Mobile apps and desktop clients"},
		{Value: policy.ClientAppExchangeActiveSync, Label: "Exchange ActiveSync clients"},
		{Value: policy.ClientAppOther, Label: "Other clients"},
	}
	platformChoices = []option{
		{Value: policy.PlatformAndroid, Label: "Android"}, {Value: policy.PlatformIOS, Label: "iOS"},
		{Value: policy.PlatformWindows, Label: "Windows"}, {Value: policy.PlatformMacOS, Label: "macOS"},
		{Value: policy.PlatformLinux, Label: "Linux"}, {Value: policy.PlatformWindowsPhone, Label: "Windows Phone"},
	}
	riskChoices = []option{
		{Value: policy.RiskHigh, Label: "High"}, {Value: policy.RiskMedium, Label: "Medium"},
		{Value: policy.RiskLow, Label: "Low"}, {Value: policy.RiskNone, Label: "No risk"},
	}
	userActionChoices = []option{
		{Value: policy.UserActionRegisterSecurityInfo, Label: "Register security information", Hint: "Adding a security key, passkey or other method in My security info."},
		{Value: policy.UserActionRegisterDevice, Label: "Register or join devices"},
	}
	controlChoices = []option{
		{Value: policy.ControlMFA, Label: "Require multifactor authentication", Hint: "The built-in strength “Multifactor authentication”."},
		{Value: policy.ControlCompliantDevice, Label: "Require device to be marked as compliant"},
		{Value: policy.ControlDomainJoinedDevice, Label: "Require hybrid joined device"},
		{Value: policy.ControlApprovedApplication, Label: "Require approved client app"},
		{Value: policy.ControlCompliantApplication, Label: "Require app protection policy"},
		{Value: policy.ControlPasswordChange, Label: "Require password change"},
		{Value: policy.ControlRiskRemediation, Label: "Require risk remediation"},
	}
)

// policyForm shows p; cat supplies the choices.
func (w *Web) policyForm(r *http.Request, p policy.Policy, cat *caCatalog) policyForm {
	f := policyForm{DisplayName: p.DisplayName, State: p.State, UsersMode: "select", TargetKind: "apps", AppsMode: "select", GrantMode: "none",
		Operator: policy.OperatorOR, DeviceFilterMode: policy.FilterExclude, FrequencyInterval: policy.FrequencyTimeBased,
		FrequencyType: policy.FrequencyHours, BrowserMode: policy.PersistentBrowserNever}
	c := p.Conditions
	u := c.Users
	if u == nil {
		u = &policy.Users{}
	}
	switch {
	case containsFold(u.IncludeUsers, policy.UsersAll):
		f.UsersMode = "all"
	case containsFold(u.IncludeUsers, policy.UsersNone):
		f.UsersMode = "none"
	}
	specialUser := func(id string) bool {
		return strings.EqualFold(id, policy.UsersAll) || strings.EqualFold(id, policy.UsersNone) || strings.EqualFold(id, policy.UsersGuestsOrExternalUsers)
	}
	f.IncludeGuests = containsFold(u.IncludeUsers, policy.UsersGuestsOrExternalUsers)
	f.ExcludeGuests = containsFold(u.ExcludeUsers, policy.UsersGuestsOrExternalUsers)
	names := w.userNames(r, append(slices.Clone(u.IncludeUsers), u.ExcludeUsers...))
	userLines := func(ids []string) string {
		var out []string
		for _, id := range ids {
			if !specialUser(id) {
				if n, ok := names[strings.ToLower(id)]; ok {
					id = n
				}
				out = append(out, id)
			}
		}
		return strings.Join(out, "\n")
	}
	f.IncludeUsers, f.ExcludeUsers = userLines(u.IncludeUsers), userLines(u.ExcludeUsers)
	f.IncludeGroups = choices("includeGroups", "Groups", cat.Groups, u.IncludeGroups)
	f.ExcludeGroups = choices("excludeGroups", "Groups", cat.Groups, u.ExcludeGroups)
	f.IncludeRoles = choices("includeRoles", "Directory roles", cat.Roles, u.IncludeRoles)
	f.ExcludeRoles = choices("excludeRoles", "Directory roles", cat.Roles, u.ExcludeRoles)
	f.IncludeRoles.Hint = "Only active assignments count, including PIM activations; eligible ones don't."

	a := c.Applications
	if a == nil {
		a = &policy.Applications{}
	}
	switch {
	case len(a.IncludeUserActions) > 0:
		f.TargetKind = "actions"
	case len(a.IncludeAuthenticationContextClassReferences) > 0:
		f.TargetKind = "contexts"
	}
	switch {
	case containsFold(a.IncludeApplications, policy.AppsAll):
		f.AppsMode = "all"
	case containsFold(a.IncludeApplications, policy.AppsNone):
		f.AppsMode = "none"
	}
	var apps []string
	for _, id := range a.IncludeApplications {
		if !strings.EqualFold(id, policy.AppsAll) && !strings.EqualFold(id, policy.AppsNone) {
			apps = append(apps, id)
		}
	}
	f.IncludeApps = choices("includeApplications", "Applications", cat.Apps, apps)
	f.ExcludeApps = choices("excludeApplications", "Exclude applications", cat.Apps, a.ExcludeApplications)
	f.UserActions = choices("userActions", "User actions", userActionChoices, a.IncludeUserActions)
	f.Contexts = choices("contexts", "Authentication contexts", cat.contextOptions(), a.IncludeAuthenticationContextClassReferences)
	if len(f.Contexts.Options) == 0 {
		f.Contexts.Hint = "There are no authentication contexts yet: add one under Authentication contexts."
	}

	f.ClientApps = choices("clientAppTypes", "Client apps", clientAppChoices, c.ClientAppTypes)
	f.ClientApps.Hint = "None ticked: any client app."
	var pin, pex []string
	if c.Platforms != nil {
		pin, pex = c.Platforms.IncludePlatforms, c.Platforms.ExcludePlatforms
	}
	f.IncludePlatforms = choices("includePlatforms", "Include platforms", append([]option{{Value: policy.PlatformAll, Label: "Any platform"}}, platformChoices...), pin)
	f.IncludePlatforms.Hint = "None ticked: the platform is not a condition. Strongroom reads it from the browser's User-Agent."
	f.ExcludePlatforms = choices("excludePlatforms", "Exclude platforms", platformChoices, pex)
	var lin, lex []string
	if c.Locations != nil {
		lin, lex = c.Locations.IncludeLocations, c.Locations.ExcludeLocations
	}
	locs := cat.locationOptions()
	f.IncludeLocations = choices("includeLocations", "Include locations", append([]option{{Value: policy.LocationsAll, Label: "Any location"}, {Value: policy.LocationsAllTrusted, Label: "All trusted locations"}}, locs...), lin)
	f.IncludeLocations.Hint = "None ticked: the location is not a condition."
	f.ExcludeLocations = choices("excludeLocations", "Exclude locations", append([]option{{Value: policy.LocationsAllTrusted, Label: "All trusted locations"}}, locs...), lex)
	if d := c.Devices; d != nil && d.DeviceFilter != nil {
		f.DeviceFilterMode, f.DeviceFilterRule = d.DeviceFilter.Mode, d.DeviceFilter.Rule
	}
	f.SignInRisk = choices("signInRiskLevels", "Sign-in risk", riskChoices, c.SignInRiskLevels)
	f.UserRisk = choices("userRiskLevels", "User risk", riskChoices, c.UserRiskLevels)
	for _, c := range []*checkList{&f.ClientApps, &f.IncludePlatforms, &f.ExcludePlatforms, &f.SignInRisk, &f.UserRisk} {
		c.Compact = true
	}
	f.SignInRisk.Hint = "Strongroom has no risk source yet: every sign-in has no risk. What If uses the levels you give it."

	var controls []string
	strength := ""
	if g := p.GrantControls; g != nil {
		f.GrantMode = "grant"
		if containsFold(g.BuiltInControls, policy.ControlBlock) {
			f.GrantMode = "block"
		}
		if g.Operator != "" {
			f.Operator = g.Operator
		}
		for _, x := range g.BuiltInControls {
			if !strings.EqualFold(x, policy.ControlBlock) {
				controls = append(controls, x)
			}
		}
		if g.AuthenticationStrength != nil {
			strength = g.AuthenticationStrength.ID
		}
	}
	f.Controls = choices("controls", "Grant access and require", controlChoices, controls)
	f.Controls.Scroll = false
	f.Controls.Hint = "Strongroom can check multifactor authentication and authentication strengths. It can't check the other controls: they are stored, a policy that requires one is never satisfied, and the user is told which one."
	strengths := []option{{Value: "", Label: "No authentication strength"}}
	for _, s := range cat.Strengths {
		strengths = append(strengths, option{Value: s.ID, Label: s.DisplayName})
	}
	f.Strengths = selectOptions(strengths, strength)

	if s := p.SessionControls; s != nil {
		if fr := s.SignInFrequency; fr != nil && fr.IsEnabled {
			f.FrequencyOn = true
			if fr.FrequencyInterval != "" {
				f.FrequencyInterval = fr.FrequencyInterval
			}
			if fr.Type != "" {
				f.FrequencyType = fr.Type
			}
			if fr.Value > 0 {
				f.FrequencyValue = strconv.Itoa(int(fr.Value))
			}
			f.FrequencyAuthType = fr.AuthenticationType
		}
		if b := s.PersistentBrowser; b != nil && b.IsEnabled {
			f.BrowserOn, f.BrowserMode = true, b.Mode
		}
		f.AppRestrictions = s.ApplicationEnforcedRestrictions != nil && s.ApplicationEnforcedRestrictions.IsEnabled
		f.Resilience = s.DisableResilienceDefaults != nil && *s.DisableResilienceDefaults
		f.SecureSignIn = s.SecureSignInSession != nil && s.SecureSignInSession.IsEnabled
		if ca := s.CloudAppSecurity; ca != nil && ca.IsEnabled {
			f.CloudAppOn, f.CloudAppType = true, ca.CloudAppSecurityType
		}
	}
	f.Kept = keptSettings(p)
	return f
}

// keptSettings names what p holds that the form does not show.
func keptSettings(p policy.Policy) []string {
	var out []string
	c := p.Conditions
	add := func(ok bool, what string) {
		if ok {
			out = append(out, what)
		}
	}
	if u := c.Users; u != nil {
		add(u.IncludeGuestsOrExternalUsers != nil, "included guest or external user types")
		add(u.ExcludeGuestsOrExternalUsers != nil, "excluded guest or external user types")
	}
	add(c.ClientApplications != nil, "workload identities (service principals)")
	if a := c.Applications; a != nil {
		add(a.ApplicationFilter != nil, "an application filter")
		add(a.NetworkAccess != nil || a.GlobalSecureAccess != nil, "Global Secure Access traffic profiles")
	}
	add(c.DeviceStates != nil, "device states (deprecated)")
	if d := c.Devices; d != nil {
		add(len(d.IncludeDevices)+len(d.ExcludeDevices) > 0, "included or excluded devices (deprecated)")
	}
	add(len(c.ServicePrincipalRiskLevels) > 0, "service principal risk levels")
	add(len(c.InsiderRiskLevels) > 0, "insider risk levels")
	add(c.AuthenticationFlows != nil, "authentication flows")
	if g := p.GrantControls; g != nil {
		add(len(g.TermsOfUse) > 0, "terms of use")
		add(len(g.CustomAuthenticationFactors) > 0, "custom controls")
	}
	if s := p.SessionControls; s != nil {
		add(s.NetworkAccessSecurity != nil || s.GlobalSecureAccessFilteringProfile != nil, "Global Secure Access session controls")
	}
	add(p.TemplateID != "", "the template id")
	return out
}

// userNames maps user ids (lower case) to user principal names.
func (w *Web) userNames(r *http.Request, ids []string) map[string]string {
	out := map[string]string{}
	var want []string
	for _, id := range ids {
		if guidRE.MatchString(id) {
			want = append(want, strings.ToLower(id))
		}
	}
	if len(want) == 0 {
		return out
	}
	us, err := w.DB.FindUsers(r.Context(), directory.UserFilter{IDs: want})
	if err != nil {
		return out
	}
	for _, u := range us {
		out[strings.ToLower(u.ID)] = u.UserPrincipalName
	}
	return out
}

// resolveUsers turns lines (user principal names or ids) into user ids;
// an unknown name is an error on the field.
func (w *Web) resolveUsers(r *http.Request, text string) ([]string, string) {
	var out, unknown []string
	for _, l := range lines(text) {
		if id := guidRE.FindString(l); id != "" && len(l) == len(id) {
			out = append(out, strings.ToLower(id))
			continue
		}
		u, err := w.DB.FindUserByUPN(r.Context(), l)
		switch {
		case errors.Is(err, apperr.NotFound):
			unknown = append(unknown, "“"+l+"”")
		case err != nil:
			return nil, "The users could not be looked up. Try again."
		default:
			out = append(out, u.ID)
		}
	}
	if len(unknown) > 0 {
		return out, "There is no user " + strings.Join(unknown, ", ") + ". Write one user name (like ada@example.com) or user id a line."
	}
	return out, ""
}

// parsePolicyForm reads the form onto base (the stored policy, or an
// empty one), so that the settings the form does not show are kept, and
// returns the policy and the form as typed.
func (w *Web) parsePolicyForm(r *http.Request, base policy.Policy, cat *caCatalog, fe fieldErrors) (policy.Policy, policyForm) {
	pf := r.PostForm
	p := base
	p.DisplayName = strings.TrimSpace(pf.Get("displayName"))
	p.State = pf.Get("state")

	// Users.
	u := &policy.Users{}
	if base.Conditions.Users != nil {
		u.IncludeGuestsOrExternalUsers, u.ExcludeGuestsOrExternalUsers = base.Conditions.Users.IncludeGuestsOrExternalUsers, base.Conditions.Users.ExcludeGuestsOrExternalUsers
	}
	usersMode := pf.Get("usersMode")
	switch usersMode {
	case "all":
		u.IncludeUsers = []string{policy.UsersAll}
	case "none":
		u.IncludeUsers = []string{policy.UsersNone}
	default:
		usersMode = "select"
		ids, msg := w.resolveUsers(r, pf.Get("includeUsers"))
		fe.add("includeUsers", msg)
		u.IncludeUsers = ids
		if pf.Get("includeGuests") == "on" {
			u.IncludeUsers = append(u.IncludeUsers, policy.UsersGuestsOrExternalUsers)
		}
		u.IncludeGroups = formValues(r, "includeGroups")
		u.IncludeRoles = formValues(r, "includeRoles")
	}
	ids, msg := w.resolveUsers(r, pf.Get("excludeUsers"))
	fe.add("excludeUsers", msg)
	u.ExcludeUsers = ids
	if pf.Get("excludeGuests") == "on" {
		u.ExcludeUsers = append(u.ExcludeUsers, policy.UsersGuestsOrExternalUsers)
	}
	u.ExcludeGroups = formValues(r, "excludeGroups")
	u.ExcludeRoles = formValues(r, "excludeRoles")
	p.Conditions.Users = u

	// Target resources.
	a := &policy.Applications{}
	if base.Conditions.Applications != nil {
		b := base.Conditions.Applications
		a.ApplicationFilter, a.NetworkAccess, a.GlobalSecureAccess = b.ApplicationFilter, b.NetworkAccess, b.GlobalSecureAccess
	}
	kind, appsMode := pf.Get("targetKind"), pf.Get("appsMode")
	switch kind {
	case "actions":
		a.IncludeUserActions = formValues(r, "userActions")
		a.ApplicationFilter, a.NetworkAccess, a.GlobalSecureAccess = nil, nil, nil
	case "contexts":
		a.IncludeAuthenticationContextClassReferences = formValues(r, "contexts")
		a.ApplicationFilter, a.NetworkAccess, a.GlobalSecureAccess = nil, nil, nil
	default:
		kind = "apps"
		switch appsMode {
		case "all":
			a.IncludeApplications = []string{policy.AppsAll}
		case "none":
			a.IncludeApplications = []string{policy.AppsNone}
		default:
			appsMode = "select"
			a.IncludeApplications = formValues(r, "includeApplications")
		}
		a.ExcludeApplications = formValues(r, "excludeApplications")
	}
	p.Conditions.Applications = a

	// Conditions.
	p.Conditions.ClientAppTypes = formValues(r, "clientAppTypes")
	p.Conditions.Platforms = nil
	if in, ex := formValues(r, "includePlatforms"), formValues(r, "excludePlatforms"); len(in)+len(ex) > 0 {
		p.Conditions.Platforms = &policy.Platforms{IncludePlatforms: in, ExcludePlatforms: ex}
	}
	p.Conditions.Locations = nil
	if in, ex := formValues(r, "includeLocations"), formValues(r, "excludeLocations"); len(in)+len(ex) > 0 {
		p.Conditions.Locations = &policy.Locations{IncludeLocations: in, ExcludeLocations: ex}
	}
	var devices *policy.Devices
	if base.Conditions.Devices != nil {
		d := *base.Conditions.Devices
		d.DeviceFilter = nil
		devices = &d
	}
	rule := strings.TrimSpace(pf.Get("deviceFilterRule"))
	if rule != "" {
		if devices == nil {
			devices = &policy.Devices{}
		}
		devices.DeviceFilter = &policy.Filter{Mode: pf.Get("deviceFilterMode"), Rule: rule}
	} else if devices != nil && len(devices.IncludeDevices)+len(devices.ExcludeDevices) == 0 {
		devices = nil
	}
	p.Conditions.Devices = devices
	p.Conditions.SignInRiskLevels = formValues(r, "signInRiskLevels")
	p.Conditions.UserRiskLevels = formValues(r, "userRiskLevels")

	// Grant.
	grantMode := pf.Get("grantMode")
	var keepTerms, keepCustom []string
	if g := base.GrantControls; g != nil {
		keepTerms, keepCustom = g.TermsOfUse, g.CustomAuthenticationFactors
	}
	switch grantMode {
	case "block":
		p.GrantControls = &policy.GrantControls{Operator: policy.OperatorOR, BuiltInControls: []string{policy.ControlBlock}}
	case "grant":
		g := &policy.GrantControls{Operator: pf.Get("operator"), BuiltInControls: formValues(r, "controls"), TermsOfUse: keepTerms, CustomAuthenticationFactors: keepCustom}
		if id := strings.TrimSpace(pf.Get("strength")); id != "" {
			g.AuthenticationStrength = &policy.StrengthRef{ID: id}
		}
		if len(g.BuiltInControls)+len(g.TermsOfUse)+len(g.CustomAuthenticationFactors) == 0 && g.AuthenticationStrength == nil {
			fe.add("grant", "Choose at least one control to require, or choose Block access.")
		}
		p.GrantControls = g
	default:
		grantMode = "none"
		p.GrantControls = nil
	}

	// Session.
	s := &policy.SessionControls{}
	if base.SessionControls != nil {
		s.NetworkAccessSecurity, s.GlobalSecureAccessFilteringProfile = base.SessionControls.NetworkAccessSecurity, base.SessionControls.GlobalSecureAccessFilteringProfile
	}
	var freqValue string
	if pf.Get("frequency") == "on" {
		fr := &policy.SignInFrequency{IsEnabled: true, FrequencyInterval: pf.Get("frequencyInterval"), AuthenticationType: pf.Get("frequencyAuthType")}
		if fr.AuthenticationType == "" {
			fr.AuthenticationType = policy.AuthTypePrimaryAndSecondary
		}
		if fr.FrequencyInterval != policy.FrequencyEveryTime {
			fr.Type = pf.Get("frequencyType")
			freqValue = strings.TrimSpace(pf.Get("frequencyValue"))
			n, err := strconv.Atoi(freqValue)
			if err != nil || n <= 0 || n > 365*24 {
				fe.add("signInFrequency", "Enter how many hours or days, a whole number from 1.")
			}
			fr.Value = int32(min(max(n, 0), 365*24))
		}
		s.SignInFrequency = fr
	}
	if pf.Get("browser") == "on" {
		s.PersistentBrowser = &policy.PersistentBrowser{IsEnabled: true, Mode: pf.Get("browserMode")}
	}
	if pf.Get("appRestrictions") == "on" {
		s.ApplicationEnforcedRestrictions = &policy.IsEnabled{IsEnabled: true}
	}
	if pf.Get("resilience") == "on" {
		t := true
		s.DisableResilienceDefaults = &t
	}
	if pf.Get("secureSignIn") == "on" {
		s.SecureSignInSession = &policy.IsEnabled{IsEnabled: true}
	}
	if pf.Get("cloudApp") == "on" {
		s.CloudAppSecurity = &policy.CloudAppSecurity{IsEnabled: true, CloudAppSecurityType: pf.Get("cloudAppType")}
	}
	if *s == (policy.SessionControls{}) {
		s = nil
	}
	p.SessionControls = s

	// The form as typed: the policy's view, with the raw inputs and modes.
	f := w.policyForm(r, p, cat)
	f.DisplayName = pf.Get("displayName")
	f.UsersMode, f.TargetKind, f.AppsMode, f.GrantMode = usersMode, kind, appsMode, grantMode
	f.IncludeUsers, f.ExcludeUsers = strings.TrimSpace(pf.Get("includeUsers")), strings.TrimSpace(pf.Get("excludeUsers"))
	f.DeviceFilterRule = pf.Get("deviceFilterRule")
	if m := pf.Get("deviceFilterMode"); m != "" {
		f.DeviceFilterMode = m
	}
	if s := p.SessionControls; s != nil && s.SignInFrequency != nil {
		f.FrequencyValue = freqValue
	}
	if pf.Get("frequency") != "on" {
		f.FrequencyInterval, f.FrequencyType, f.FrequencyValue = pf.Get("frequencyInterval"), pf.Get("frequencyType"), pf.Get("frequencyValue")
	}
	return p, f
}

// policyFields maps a policy property path (without indexes) to the form
// field its problem is shown next to; the first matching prefix wins.
var policyFields = []struct{ path, field string }{
	{"displayName", "displayName"},
	{"state", "state"},
	{"conditions.users.includeUsers", "includeUsers"},
	{"conditions.users.excludeUsers", "excludeUsers"},
	{"conditions.users.includeGroups", "includeGroups"},
	{"conditions.users.excludeGroups", "excludeGroups"},
	{"conditions.users.includeRoles", "includeRoles"},
	{"conditions.users.excludeRoles", "excludeRoles"},
	{"conditions.users.includeGuests", "includeUsers"},
	{"conditions.users.excludeGuests", "excludeUsers"},
	{"conditions.users", "users"},
	{"conditions.clientApplications", "users"},
	{"conditions.applications.includeApplications", "includeApplications"},
	{"conditions.applications.excludeApplications", "excludeApplications"},
	{"conditions.applications.includeUserActions", "userActions"},
	{"conditions.applications.includeAuthenticationContextClassReferences", "contexts"},
	{"conditions.applications", "target"},
	{"conditions.clientAppTypes", "clientAppTypes"},
	{"conditions.platforms.includePlatforms", "includePlatforms"},
	{"conditions.platforms.excludePlatforms", "excludePlatforms"},
	{"conditions.platforms", "includePlatforms"},
	{"conditions.locations.includeLocations", "includeLocations"},
	{"conditions.locations.excludeLocations", "excludeLocations"},
	{"conditions.locations", "includeLocations"},
	{"conditions.devices", "deviceFilter"},
	{"conditions.signInRiskLevels", "signInRiskLevels"},
	{"conditions.userRiskLevels", "userRiskLevels"},
	{"conditions", "conditions"},
	{"grantControls.authenticationStrength", "strength"},
	{"grantControls.operator", "grant"},
	{"grantControls", "grant"},
	{"sessionControls.signInFrequency", "signInFrequency"},
	{"sessionControls.persistentBrowser", "persistentBrowser"},
	{"sessionControls.cloudAppSecurity", "cloudApp"},
	{"sessionControls", "session"},
}

// propertyWords turns Graph property names in a validation message into
// the form's words.
var propertyWords = strings.NewReplacer(
	"includeUsers, includeGroups, includeRoles, includeGuestsOrExternalUsers", "users, groups, roles or guests",
	"includeApplications", "included applications", "excludeApplications", "excluded applications",
	"includeUsers", "included users", "excludeUsers", "excluded users",
	"includePlatforms", "included platforms", "includeLocations", "included locations",
	"authenticationStrength", "an authentication strength", "users or clientApplications", "users",
	"frequencyInterval", "the interval", "(includeApplications \"All\")", "(All resources)",
)

// placePolicyProblems puts the validation problems next to their fields.
func placePolicyProblems(problems []policy.FieldError, fe fieldErrors) {
	for _, pr := range problems {
		path := stripIndex(pr.Path)
		field := "general"
		for _, m := range policyFields {
			if path == m.path || strings.HasPrefix(path, m.path+".") {
				field = m.field
				break
			}
		}
		fe.add(field, sentence(propertyWords.Replace(pr.Message)))
	}
}

// problemList lists every problem, each once, in the form's order.
func problemList(fe fieldErrors) []string {
	order := []string{"general", "displayName", "state", "users", "includeUsers", "includeGroups", "includeRoles", "excludeUsers", "excludeGroups",
		"excludeRoles", "target", "includeApplications", "excludeApplications", "userActions", "contexts", "conditions", "clientAppTypes",
		"includePlatforms", "excludePlatforms", "includeLocations", "excludeLocations", "deviceFilter", "signInRiskLevels", "userRiskLevels",
		"grant", "strength", "session", "signInFrequency", "persistentBrowser", "cloudApp"}
	var out []string
	for _, k := range order {
		if v := fe[k]; v != "" {
			out = append(out, v)
		}
	}
	for k, v := range fe {
		if !slices.Contains(order, k) {
			out = append(out, v)
		}
	}
	return out
}

// setErrors puts the field errors on the form's check lists and the page.
func (p *policyPage) setErrors(fe fieldErrors) {
	p.Errors = fe
	f := &p.Form
	for _, c := range []*checkList{&f.IncludeGroups, &f.ExcludeGroups, &f.IncludeRoles, &f.ExcludeRoles, &f.IncludeApps, &f.ExcludeApps,
		&f.UserActions, &f.Contexts, &f.ClientApps, &f.IncludePlatforms, &f.ExcludePlatforms, &f.IncludeLocations, &f.ExcludeLocations,
		&f.SignInRisk, &f.UserRisk} {
		c.Error = fe[c.Name]
	}
	p.Problems = problemList(fe)
}

func (w *Web) newPolicyPage(r *http.Request, p policy.Policy, cat *caCatalog) *policyPage {
	title := p.DisplayName
	if p.ID == "" {
		title = "New policy"
	}
	pg := &policyPage{caSection: caFrame(title, "policies"), ID: p.ID, New: p.ID == "", CanWrite: canWriteCA(r), Form: w.policyForm(r, p, cat), Errors: fieldErrors{}}
	return pg
}

// newPolicy is what a new policy starts as: report-only, so that its
// effect shows in the sign-in log before it is turned on.
func newPolicy() policy.Policy {
	return policy.Policy{State: policy.StateReportOnly, Conditions: policy.Conditions{Users: &policy.Users{}, Applications: &policy.Applications{}}}
}

// handleAdminCAPolicyNew: GET /admin/ca/policies/new.
func (w *Web) handleAdminCAPolicyNew(rw http.ResponseWriter, r *http.Request, c *current) error {
	cat, err := w.loadCACatalog(r)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	w.render(rw, r, http.StatusOK, w.newPolicyPage(r, newPolicy(), cat))
	return nil
}

// handleAdminCAPolicy: GET /admin/ca/policies/{id}.
func (w *Web) handleAdminCAPolicy(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := w.CA.GetPolicy(r.Context(), r.PathValue("id"))
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	cat, err := w.loadCACatalog(r)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	pg := w.newPolicyPage(r, p, cat)
	pg.Notice = caNotices[r.URL.Query().Get("done")]
	w.render(rw, r, http.StatusOK, pg)
	return nil
}

// handleAdminCAPolicyCreate: POST /admin/ca/policies.
func (w *Web) handleAdminCAPolicyCreate(rw http.ResponseWriter, r *http.Request, c *current) error {
	return w.savePolicyForm(rw, r, newPolicy())
}

// handleAdminCAPolicySave: POST /admin/ca/policies/{id}.
func (w *Web) handleAdminCAPolicySave(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := w.CA.GetPolicy(r.Context(), r.PathValue("id"))
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	return w.savePolicyForm(rw, r, p)
}

// savePolicyForm checks the posted form against base and creates or
// updates the policy; with any problem nothing is written and the form
// comes back as typed, each problem next to its field.
func (w *Web) savePolicyForm(rw http.ResponseWriter, r *http.Request, base policy.Policy) error {
	if err := readForm(r); err != nil {
		return err
	}
	if !canWriteCA(r) {
		w.renderForbidden(rw, r, permsCAWrite)
		return nil
	}
	cat, err := w.loadCACatalog(r)
	if err != nil {
		return err
	}
	fe := fieldErrors{}
	p, f := w.parsePolicyForm(r, base, cat, fe)
	problems, err := w.CA.CheckPolicy(r.Context(), p)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	placePolicyProblems(problems, fe)
	if len(fe) == 0 {
		if base.ID == "" {
			var created policy.Policy
			created, err = w.CA.CreatePolicy(r.Context(), p)
			if err == nil {
				return redirectDone(rw, r, "/admin/ca/policies/"+url.PathEscape(created.ID), "policy-created")
			}
		} else {
			_, err = w.CA.UpdatePolicy(r.Context(), base.ID, func(policy.Policy) (policy.Policy, error) { return p, nil })
			if err == nil {
				return redirectDone(rw, r, "/admin/ca/policies/"+url.PathEscape(base.ID), "policy-saved")
			}
		}
		switch {
		case errors.Is(err, apperr.Invalid):
			placePolicyProblems(serviceProblems(err), fe)
		case errors.Is(err, apperr.Forbidden):
			return w.handleServiceError(rw, r, err, permsCAWrite...)
		default:
			return err
		}
	}
	pg := w.newPolicyPage(r, base, cat)
	pg.Form = f
	pg.setErrors(fe)
	w.render(rw, r, http.StatusBadRequest, pg)
	return nil
}

// ---------------------------------------------------------------- JSON

// policyJSONPage is /admin/ca/policies/{id}/json: the policy's Graph JSON,
// and a form to edit it (read with the API's strict decoder).
type policyJSONPage struct {
	caSection
	ID       string
	New      bool
	CanWrite bool
	JSON     string
	Problems []string
}

func (*policyJSONPage) template() string { return "admin_ca_policy_json" }

// policyDocument is a policy's Graph JSON in Graph's property order,
// with grantControls.authenticationStrength as {"id": …} alone: the form
// stored and exported documents use, and short enough to edit.
type policyDocument struct {
	ID               string                   `json:"id,omitempty"`
	TemplateID       *string                  `json:"templateId"`
	DisplayName      string                   `json:"displayName"`
	CreatedDateTime  *string                  `json:"createdDateTime,omitempty"`
	ModifiedDateTime *string                  `json:"modifiedDateTime,omitempty"`
	State            string                   `json:"state"`
	Conditions       cagraph.Conditions       `json:"conditions"`
	GrantControls    *grantDocument           `json:"grantControls"`
	SessionControls  *cagraph.SessionControls `json:"sessionControls"`
}

type grantDocument struct {
	Operator                    string      `json:"operator"`
	BuiltInControls             []string    `json:"builtInControls"`
	CustomAuthenticationFactors []string    `json:"customAuthenticationFactors"`
	TermsOfUse                  []string    `json:"termsOfUse"`
	AuthenticationStrength      *strengthID `json:"authenticationStrength"`
}

type strengthID struct {
	ID string `json:"id"`
}

// policyJSON is p's Graph JSON as a policyDocument, indented.
func policyJSON(p policy.Policy) (string, error) {
	e := cagraph.EncodePolicy(p, nil)
	d := policyDocument{ID: e.ID, TemplateID: e.TemplateID, DisplayName: e.DisplayName, CreatedDateTime: e.CreatedDateTime,
		ModifiedDateTime: e.ModifiedDateTime, State: e.State, Conditions: e.Conditions, SessionControls: e.SessionControls}
	if g := e.GrantControls; g != nil {
		d.GrantControls = &grantDocument{Operator: g.Operator, BuiltInControls: g.BuiltInControls, CustomAuthenticationFactors: g.CustomAuthenticationFactors, TermsOfUse: g.TermsOfUse}
		if g.AuthenticationStrength != nil {
			d.GrantControls.AuthenticationStrength = &strengthID{ID: g.AuthenticationStrength.ID}
		}
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return "", apperr.Wrap(err, apperr.Internal, "encoding a policy")
	}
	return string(b), nil
}

func (w *Web) policyJSONPage(r *http.Request) (*policyJSONPage, policy.Policy, error) {
	id := r.PathValue("id")
	p := newPolicy()
	if id != "" {
		var err error
		if p, err = w.CA.GetPolicy(r.Context(), id); err != nil {
			return nil, p, err
		}
	}
	title := p.DisplayName
	if id == "" {
		title = "New policy"
	}
	js, err := policyJSON(p)
	if err != nil {
		return nil, p, err
	}
	return &policyJSONPage{caSection: caFrame(title+" · JSON", "policies"), ID: id, New: id == "", CanWrite: canWriteCA(r), JSON: js}, p, nil
}

// handleAdminCAPolicyJSON: GET /admin/ca/policies/{id}/json and
// /admin/ca/policies/new/json.
func (w *Web) handleAdminCAPolicyJSON(rw http.ResponseWriter, r *http.Request, c *current) error {
	pg, _, err := w.policyJSONPage(r)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	w.render(rw, r, http.StatusOK, pg)
	return nil
}

// handleAdminCAPolicyJSONSave: POST /admin/ca/policies/{id}/json (and
// …/new/json): the whole policy as Graph JSON, read strictly as the API
// reads it; id and times in it are ignored.
func (w *Web) handleAdminCAPolicyJSONSave(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := readForm(r); err != nil {
		return err
	}
	if !canWriteCA(r) {
		w.renderForbidden(rw, r, permsCAWrite)
		return nil
	}
	pg, base, err := w.policyJSONPage(r)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	pg.JSON = r.PostForm.Get("json")
	p, _, err := cagraph.DecodePolicy([]byte(pg.JSON), cagraph.Strict)
	if err == nil {
		var problems []policy.FieldError
		if problems, err = w.CA.CheckPolicy(r.Context(), p); err != nil {
			return w.handleServiceError(rw, r, err, permsCARead...)
		}
		for _, pr := range problems {
			pg.Problems = append(pg.Problems, pr.Error())
		}
	}
	if err == nil && len(pg.Problems) == 0 {
		if base.ID == "" {
			var created policy.Policy
			if created, err = w.CA.CreatePolicy(r.Context(), p); err == nil {
				return redirectDone(rw, r, "/admin/ca/policies/"+url.PathEscape(created.ID), "policy-created")
			}
		} else {
			if _, err = w.CA.UpdatePolicy(r.Context(), base.ID, func(policy.Policy) (policy.Policy, error) { return p, nil }); err == nil {
				return redirectDone(rw, r, "/admin/ca/policies/"+url.PathEscape(base.ID), "policy-saved")
			}
		}
	}
	if err != nil {
		if !errors.Is(err, apperr.Invalid) {
			return w.handleServiceError(rw, r, err, permsCAWrite...)
		}
		for _, pr := range serviceProblems(err) {
			pg.Problems = append(pg.Problems, strings.TrimPrefix(pr.Path+": "+pr.Message, ": "))
		}
	}
	pg.Error = "The policy was not saved. Correct the JSON; nothing was changed."
	w.render(rw, r, http.StatusBadRequest, pg)
	return nil
}

// ---------------------------------------------------------------- delete

func (w *Web) policyDeletePage(r *http.Request) (*confirmPage, policy.Policy, error) {
	p, err := w.CA.GetPolicy(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, p, err
	}
	back := "/admin/ca/policies/" + url.PathEscape(p.ID)
	text := "It stops applying at the next sign-in. This can't be undone; to stop it for a while, turn it off instead."
	return &confirmPage{caSection: caFrame("Delete "+p.DisplayName, "policies"), Heading: "Delete the policy “" + p.DisplayName + "”?", Text: text,
		Action: back + "/delete", Back: back, BackText: p.DisplayName, Button: "Delete policy", CanWrite: canWriteCA(r)}, p, nil
}

// handleAdminCAPolicyDeleteConfirm: GET /admin/ca/policies/{id}/delete.
func (w *Web) handleAdminCAPolicyDeleteConfirm(rw http.ResponseWriter, r *http.Request, c *current) error {
	pg, _, err := w.policyDeletePage(r)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	w.render(rw, r, http.StatusOK, pg)
	return nil
}

// handleAdminCAPolicyDelete: POST /admin/ca/policies/{id}/delete.
func (w *Web) handleAdminCAPolicyDelete(rw http.ResponseWriter, r *http.Request, c *current) error {
	pg, p, err := w.policyDeletePage(r)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	if err := w.CA.DeletePolicy(r.Context(), p.ID); err != nil {
		return w.renderRefused(rw, r, pg, err, permsCAWrite)
	}
	return redirectDone(rw, r, "/admin/ca", "policy-deleted")
}
