package cagraph

import (
	"net/netip"
	"strings"

	"github.com/strongroom-id/strongroom/internal/policy"
)

// WhatIfRequest is the body of POST /identity/conditionalAccess/evaluate
// (G-WHATIF), read into a hypothetical sign-in. The user's groups, roles
// and type come from the directory, not from the request.
type WhatIfRequest struct {
	// UserID is signInIdentity.userId (an id or, as a convenience, a user
	// principal name).
	UserID string
	// SignIn holds the target and the conditions; UserID, GroupIDs,
	// RoleTemplateIDs, UserType, Evidence and Now are the caller's to fill.
	SignIn              policy.SignIn
	AppliedPoliciesOnly bool
}

// OData types of What If requests (G-WHATIF, G-AUTHCTX).
const (
	ODataUserSignIn             = "#microsoft.graph.userSignIn"
	ODataServicePrincipalSignIn = "#microsoft.graph.servicePrincipalSignIn"
	ODataApplicationContext     = "#microsoft.graph.applicationContext"
	ODataUserActionContext      = "#microsoft.graph.userActionContext"
	ODataAuthContext            = "#microsoft.graph.authContext"
)

// userActionNames maps Graph's userAction enum (userActionContext) to the
// user actions policies name (CA-APPS).
var userActionNames = map[string]string{
	"registersecurityinformation": policy.UserActionRegisterSecurityInfo,
	"registerorjoindevices":       policy.UserActionRegisterDevice,
}

// DecodeWhatIf reads a What If request. A workload identity
// (servicePrincipalSignIn) is refused: Strongroom evaluates user sign-ins.
func DecodeWhatIf(data []byte, m Mode) (WhatIfRequest, error) {
	mv, err := ParseObject(data)
	if err != nil {
		return WhatIfRequest{}, err
	}
	r := &reader{mode: m}
	o := r.object("", mv)
	var out WhatIfRequest

	if id := o.child("signInIdentity"); id == nil {
		r.fail("signInIdentity", "is required: {\"@odata.type\": \"%s\", \"userId\": \"<user id>\"}", ODataUserSignIn)
	} else {
		switch t := id.str("@odata.type"); {
		case strings.EqualFold(t, ODataServicePrincipalSignIn):
			r.fail("signInIdentity", "Strongroom evaluates user sign-ins only; workload identities (%s) are not supported", ODataServicePrincipalSignIn)
			id.skip("servicePrincipalId")
		case t == "" || strings.EqualFold(t, ODataUserSignIn):
			out.UserID = strings.TrimSpace(id.str("userId"))
			if out.UserID == "" {
				r.fail("signInIdentity.userId", "is required")
			}
		default:
			r.fail("signInIdentity.@odata.type", "%q is not %q", t, ODataUserSignIn)
		}
		id.done()
	}

	if sc := o.child("signInContext"); sc != nil {
		t := sc.str("@odata.type")
		switch {
		case strings.EqualFold(t, ODataApplicationContext):
			apps := sc.strs("includeApplications", false)
			switch len(apps) {
			case 0:
				r.fail("signInContext.includeApplications", "name the application (client) id to evaluate")
			case 1:
				out.SignIn.ApplicationID = apps[0]
			default:
				r.fail("signInContext.includeApplications", "Strongroom evaluates one application at a time; got %d", len(apps))
			}
		case strings.EqualFold(t, ODataUserActionContext):
			a := sc.str("userAction")
			if v, ok := userActionNames[strings.ToLower(a)]; ok {
				out.SignIn.UserAction = v
			} else if v := canon(userActions, a); v == policy.UserActionRegisterSecurityInfo || v == policy.UserActionRegisterDevice {
				out.SignIn.UserAction = v
			} else {
				r.fail("signInContext.userAction", "%q is not one of \"registerSecurityInformation\", \"registerOrJoinDevices\"", a)
			}
		case strings.EqualFold(t, ODataAuthContext):
			v := sc.str("authenticationContextValue")
			if !policy.IsAuthContextID(v) {
				r.fail("signInContext.authenticationContextValue", "%q is not an authentication context id (c1 to c99)", v)
			}
			out.SignIn.AuthenticationContext = v
		default:
			r.fail("signInContext.@odata.type", "%q is not one of %q, %q, %q", t, ODataApplicationContext, ODataUserActionContext, ODataAuthContext)
		}
		sc.done()
	} else {
		r.fail("signInContext", "is required: an application, a user action or an authentication context")
	}

	if c := o.child("signInConditions"); c != nil {
		s := &out.SignIn
		if p := c.str("devicePlatform"); p != "" {
			s.DevicePlatform = canon(platforms, p)
			if !contains(platforms[1:], s.DevicePlatform) {
				r.fail("signInConditions.devicePlatform", "%q is not one of %s", p, strings.Join(platforms[1:], ", "))
			}
		}
		if a := c.str("clientAppType"); a != "" {
			s.ClientAppType = canon(clientAppTypes, a)
			if !contains(clientAppTypes[1:], s.ClientAppType) {
				r.fail("signInConditions.clientAppType", "%q is not one of %s", a, strings.Join(clientAppTypes[1:], ", "))
			}
		}
		s.SignInRiskLevel = riskLevel(r, c, "signInRiskLevel", riskLevels)
		s.UserRiskLevel = riskLevel(r, c, "userRiskLevel", riskLevels)
		s.InsiderRiskLevel = riskLevel(r, c, "insiderRiskLevel", insiderLevels)
		c.skip("servicePrincipalRiskLevel")
		if country := c.str("country"); country != "" {
			if len(country) != 2 || !isLetters(country) {
				r.fail("signInConditions.country", "%q is not an ISO 3166-1 two-letter code", country)
			}
			s.Country = strings.ToUpper(country)
		}
		if ip := c.str("ipAddress"); ip != "" {
			a, err := netip.ParseAddr(strings.TrimSpace(ip))
			if err != nil {
				r.fail("signInConditions.ipAddress", "%q is not an IP address", ip)
			}
			s.IPAddress = a.Unmap()
		}
		if f := c.child("authenticationFlow"); f != nil {
			if t := f.str("transferMethod"); t != "" {
				s.AuthenticationFlow = canon(transferMethods, t)
				if !contains(transferMethods, s.AuthenticationFlow) && !strings.EqualFold(t, "none") {
					r.fail("signInConditions.authenticationFlow.transferMethod", "%q is not one of %s", t, strings.Join(transferMethods, ", "))
				}
				if strings.EqualFold(t, "none") {
					s.AuthenticationFlow = ""
				}
			}
			f.done()
		}
		if d := c.child("deviceInfo"); d != nil {
			s.Device = readDevice(d)
		}
		c.done()
	}
	if b, ok := o.boolPtr("appliedPoliciesOnly"); ok && b != nil {
		out.AppliedPoliciesOnly = *b
	}
	o.done()
	return out, r.err("What If request")
}

func riskLevel(r *reader, o *obj, name string, allowed []string) string {
	v := o.str(name)
	if v == "" {
		return ""
	}
	c := canon(allowed, v)
	if !contains(allowed, c) {
		r.fail(o.p(name), "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
	return c
}

func readDevice(o *obj) *policy.Device {
	d := &policy.Device{
		DeviceID:               o.str("deviceId"),
		DisplayName:            o.str("displayName"),
		EnrollmentProfileName:  o.str("enrollmentProfileName"),
		Manufacturer:           o.str("manufacturer"),
		MdmAppID:               o.str("mdmAppId"),
		Model:                  o.str("model"),
		OperatingSystem:        o.str("operatingSystem"),
		OperatingSystemVersion: o.str("operatingSystemVersion"),
		Ownership:              o.str("ownership"),
		PhysicalIDs:            o.strs("physicalIds", false),
		ProfileType:            o.str("profileType"),
		SystemLabels:           o.strs("systemLabels", false),
		TrustType:              o.str("trustType"),
	}
	if b, ok := o.boolPtr("isCompliant"); ok {
		d.IsCompliant = b
	}
	for i := range d.ExtensionAttributes {
		d.ExtensionAttributes[i] = o.str("extensionAttribute" + itoa(i+1))
	}
	o.done()
	return d
}

func contains(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// WhatIfResult is a whatIfAnalysisResult (G-WIRES): the full policy with
// policyApplies and analysisReasons.
type WhatIfResult struct {
	Policy
	PolicyApplies   bool   `json:"policyApplies"`
	AnalysisReasons string `json:"analysisReasons"`
}

// EncodeWhatIf returns one What If result in Graph's shape.
func EncodeWhatIf(r policy.WhatIfResult, lookup StrengthLookup) WhatIfResult {
	return WhatIfResult{Policy: EncodePolicy(r.Policy, lookup), PolicyApplies: r.PolicyApplies, AnalysisReasons: r.AnalysisReasons.String()}
}
