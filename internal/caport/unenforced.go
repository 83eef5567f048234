package caport

import (
	"fmt"
	"strings"

	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// The reasons, in package policy's terms (its package comment), why a
// stored property has no effect or can never be met.
const (
	reasonNeverSatisfied = "Strongroom cannot verify this control, so it is never satisfied (fails closed: with operator AND, or alone, the policy cannot be met)"
	reasonStored         = "stored and exported, not enforced"
	reasonNoRisk         = "stored and used by What If; Strongroom has no risk source, so at sign-in every risk is none"
	reasonWorkload       = "workload identities: Strongroom evaluates user sign-ins only, so the policy never applies to one"
)

// policyNotEnforced lists what Strongroom stores of p but does not
// enforce, by property path.
func policyNotEnforced(p policy.Policy) []NotEnforced {
	var out []NotEnforced
	add := func(prop, reason string) { out = append(out, NotEnforced{Property: prop, Reason: reason}) }
	c := p.Conditions
	if u := c.Users; u != nil {
		for _, g := range []struct {
			path string
			g    *policy.GuestsOrExternalUsers
		}{{"conditions.users.includeGuestsOrExternalUsers", u.IncludeGuestsOrExternalUsers}, {"conditions.users.excludeGuestsOrExternalUsers", u.ExcludeGuestsOrExternalUsers}} {
			if g.g == nil {
				continue
			}
			for _, t := range g.g.GuestOrExternalUserTypes {
				if !strings.EqualFold(t, policy.GuestTypeInternalGuest) && !strings.EqualFold(t, policy.GuestTypeNone) {
					add(g.path+".guestOrExternalUserTypes["+t+"]", "no Strongroom user is of this type (Strongroom's guests are internalGuest), so it never matches")
				}
			}
			if g.g.ExternalTenants != nil {
				add(g.path+".externalTenants", "Strongroom has no external tenants: "+reasonStored)
			}
		}
	}
	if a := c.Applications; a != nil {
		for _, l := range []struct {
			path string
			ids  []string
		}{{"conditions.applications.includeApplications", a.IncludeApplications}, {"conditions.applications.excludeApplications", a.ExcludeApplications}} {
			for _, id := range l.ids {
				if strings.EqualFold(id, policy.AppsOffice365) {
					add(l.path+"[Office365]", "matches no Strongroom application")
				}
			}
		}
		if a.ApplicationFilter != nil {
			add("conditions.applications.applicationFilter", "Strongroom's applications have no custom security attributes: in include mode the filter selects none, in exclude mode it excludes none")
		}
		if a.NetworkAccess != nil {
			add("conditions.applications.networkAccess", "Global Secure Access traffic, which Strongroom never sees: never matches")
		}
		if a.GlobalSecureAccess != nil {
			add("conditions.applications.globalSecureAccess", "Global Secure Access traffic, which Strongroom never sees: never matches")
		}
	}
	if c.ClientApplications != nil {
		add("conditions.clientApplications", reasonWorkload)
	}
	if len(c.ServicePrincipalRiskLevels) > 0 {
		add("conditions.servicePrincipalRiskLevels", reasonWorkload)
	}
	if len(c.SignInRiskLevels) > 0 {
		add("conditions.signInRiskLevels", reasonNoRisk)
	}
	if len(c.UserRiskLevels) > 0 {
		add("conditions.userRiskLevels", reasonNoRisk)
	}
	if len(c.InsiderRiskLevels) > 0 {
		add("conditions.insiderRiskLevels", reasonNoRisk)
	}
	if c.AuthenticationFlows != nil {
		add("conditions.authenticationFlows", "Strongroom signs in with neither device code flow nor authentication transfer: the condition never matches at sign-in (What If uses it)")
	}
	if c.DeviceStates != nil {
		add("conditions.deviceStates", "deprecated by Graph: "+reasonStored)
	}
	if d := c.Devices; d != nil {
		if len(d.IncludeDevices) > 0 || len(d.ExcludeDevices) > 0 {
			add("conditions.devices.includeDevices/excludeDevices", "deprecated by Graph: "+reasonStored)
		}
		if d.DeviceFilter != nil {
			add("conditions.devices.deviceFilter", "evaluated, but Strongroom registers no devices: at sign-in every device property is null")
		}
	}
	if g := p.GrantControls; g != nil {
		for _, ctl := range g.BuiltInControls {
			switch strings.ToLower(ctl) {
			case strings.ToLower(policy.ControlBlock), strings.ToLower(policy.ControlMFA):
			default:
				add("grantControls.builtInControls["+ctl+"]", reasonNeverSatisfied)
			}
		}
		for _, id := range g.TermsOfUse {
			add("grantControls.termsOfUse["+id+"]", reasonNeverSatisfied)
		}
		for _, id := range g.CustomAuthenticationFactors {
			add("grantControls.customAuthenticationFactors["+id+"]", reasonNeverSatisfied)
		}
	}
	if s := p.SessionControls; s != nil {
		if x := s.ApplicationEnforcedRestrictions; x != nil && x.IsEnabled {
			add("sessionControls.applicationEnforcedRestrictions", "applies to Exchange Online and SharePoint only: "+reasonStored)
		}
		if x := s.CloudAppSecurity; x != nil && x.IsEnabled {
			add("sessionControls.cloudAppSecurity", "Defender for Cloud Apps: "+reasonStored)
		}
		if x := s.DisableResilienceDefaults; x != nil && *x {
			add("sessionControls.disableResilienceDefaults", reasonStored)
		}
		if x := s.SecureSignInSession; x != nil && x.IsEnabled {
			add("sessionControls.secureSignInSession", "token protection: "+reasonStored)
		}
		if x := s.NetworkAccessSecurity; x != nil && x.IsEnabled {
			add("sessionControls.networkAccessSecurity", "Global Secure Access: "+reasonStored)
		}
		if x := s.GlobalSecureAccessFilteringProfile; x != nil && x.IsEnabled {
			add("sessionControls.globalSecureAccessFilteringProfile", "Global Secure Access: "+reasonStored)
		}
		if f := s.SignInFrequency; f != nil && f.IsEnabled && strings.EqualFold(f.AuthenticationType, policy.AuthTypeSecondary) {
			add("sessionControls.signInFrequency.authenticationType", "Strongroom applies the sign-in frequency to every proof, not to the second factor only")
		}
	}
	return out
}

// strengthNotEnforced lists the combinations of st that Strongroom can
// never satisfy, and the configurations it does not enforce.
func strengthNotEnforced(st authn.Strength) []NotEnforced {
	var out []NotEnforced
	for _, c := range st.AllowedCombinations {
		modes, ok := authn.ParseCombination(c)
		if !ok {
			continue
		}
		var cannot []string
		for _, m := range modes {
			if !m.Producible() {
				cannot = append(cannot, string(m))
			}
		}
		if len(cannot) > 0 {
			out = append(out, NotEnforced{Property: "allowedCombinations[" + c + "]",
				Reason: fmt.Sprintf("Strongroom cannot prove %s, so this combination is never satisfied", strings.Join(cannot, ", "))})
		}
	}
	for i, cc := range st.CombinationConfigurations {
		if strings.EqualFold(cc.ODataType, authn.ODataX509Combination) {
			out = append(out, NotEnforced{Property: fmt.Sprintf("combinationConfigurations[%d]", i), Reason: "certificate restrictions: Strongroom never proves a certificate; " + reasonStored})
		}
	}
	return out
}

// locationNotEnforced says when a named location can only ever see an
// unknown country.
func locationNotEnforced(l policy.NamedLocation) []NotEnforced {
	if l.IsCountry() && strings.EqualFold(l.CountryLookupMethod, policy.CountryLookupGPS) {
		return []NotEnforced{{Property: "countryLookupMethod", Reason: "Strongroom has no Authenticator GPS signal: the country is always unknown, so the location matches only when includeUnknownCountriesAndRegions is true"}}
	}
	return nil
}
