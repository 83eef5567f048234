package web

import (
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// What If: a hypothetical sign-in evaluated against every policy, each
// policy's result and the reason in plain words, and what the sign-in
// would have to do. It is a question, not a change: a GET form.

// whatIfForm is the question.
type whatIfForm struct {
	User                                  string
	Target                                string // "app", "action" or "context"
	App, Action, Context                  string
	IP, Country                           string
	Platform, ClientApp                   string
	SignInRisk, UserRisk                  string
	TrustType, Compliant, OS, Ownership   string
	Model, Manufacturer, DeviceName, Ext1 string
}

// whatIfRow is one policy's answer.
type whatIfRow struct {
	ID, Name          string
	State, StateClass string
	Applies           bool
	Unknown           bool // notEnoughInformation
	Reason            string
	Grant             string
}

// whatIfDecision sums the enabled policies that apply.
type whatIfDecision struct {
	Blocked    bool
	BlockedBy  []string
	Requires   []string // "Policy: require …"
	ReportOnly []string
	Unknown    []string
}

// whatIfPage is /admin/ca/whatif.
type whatIfPage struct {
	caSection
	Form        whatIfForm
	Apps        []option
	Actions     []option
	Contexts    []option
	Platforms   []option
	ClientApps  []option
	Risks       []option
	FieldErrors fieldErrors
	Asked       bool
	Results     []whatIfRow
	Decision    whatIfDecision
}

func (*whatIfPage) template() string { return "admin_ca_whatif" }

// reasonWords says in plain words why a policy does or does not apply
// (Graph's whatIfAnalysisReasons).
func reasonWords(r policy.AnalysisReason) string {
	switch r {
	case policy.ReasonNotSet:
		return "Applies: every condition matches."
	case policy.ReasonNotEnoughInformation:
		return "Can't tell: the policy has a condition on a fact the question leaves out (IP address or country, platform, client app or risk)."
	case policy.ReasonUsers:
		return "The user is not included, or is excluded (directly, by a group or by a role)."
	case policy.ReasonWorkloadIdentities:
		return "The policy is for workload identities, not users."
	case policy.ReasonApplication:
		return "The application is not included, or is excluded."
	case policy.ReasonUserActions:
		return "The policy is about another user action, or about none."
	case policy.ReasonAuthenticationContext:
		return "The policy is about another authentication context, or about none."
	case policy.ReasonDevicePlatform:
		return "The device platform is not included, or is excluded."
	case policy.ReasonDevices:
		return "The device does not match the device filter."
	case policy.ReasonClientApps:
		return "The client app type is not one the policy names."
	case policy.ReasonLocation:
		return "The location is not included, or is excluded."
	case policy.ReasonSignInRisk:
		return "The sign-in risk is not one the policy names."
	case policy.ReasonUserRisk:
		return "The user risk is not one the policy names."
	case policy.ReasonInsiderRisk:
		return "The insider risk is not one the policy names."
	case policy.ReasonAuthenticationFlow:
		return "The authentication flow is not one the policy names."
	case policy.ReasonEmptyPolicy:
		return "The policy has no grant or session controls, so it does nothing."
	case policy.ReasonInvalidPolicy:
		return "The policy can't be evaluated as written (an unknown reference or a broken device filter), so it blocks until it is fixed."
	case policy.ReasonPolicyNotEnabled:
		return "The policy is off."
	}
	return r.String()
}

func whatIfFormOf(r *http.Request) whatIfForm {
	q := r.URL.Query()
	g := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	f := whatIfForm{User: g("user"), Target: g("target"), App: g("app"), Action: g("action"), Context: g("context"), IP: g("ip"), Country: g("country"),
		Platform: g("platform"), ClientApp: g("clientApp"), SignInRisk: g("signInRisk"), UserRisk: g("userRisk"), TrustType: g("trustType"),
		Compliant: g("compliant"), OS: g("os"), Ownership: g("ownership"), Model: g("model"), Manufacturer: g("manufacturer"), DeviceName: g("deviceName"), Ext1: g("ext1")}
	if f.Target == "" {
		f.Target = "app"
	}
	if f.App == "" {
		f.App = policy.MyAccountAppID
	}
	if f.ClientApp == "" && q.Get("user") == "" {
		f.ClientApp = policy.ClientAppBrowser
	}
	return f
}

// signIn turns the question into a hypothetical sign-in; problems go on
// their fields.
func (f whatIfForm) signIn(fe fieldErrors) policy.SignIn {
	var in policy.SignIn
	switch f.Target {
	case "action":
		in.UserAction = f.Action
	case "context":
		in.AuthenticationContext = f.Context
		if !policy.IsAuthContextID(f.Context) {
			fe.add("context", "Choose an authentication context.")
		}
	default:
		in.ApplicationID = f.App
	}
	if f.IP != "" {
		a, err := netip.ParseAddr(f.IP)
		if err != nil {
			fe.add("ip", "“"+f.IP+"” is not an IP address, such as 203.0.113.7 or 2001:db8::1.")
		}
		in.IPAddress = a.Unmap()
	}
	if f.Country != "" {
		if len(f.Country) != 2 || strings.Trim(strings.ToUpper(f.Country), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			fe.add("country", "Write a two-letter ISO country code, such as NL or US.")
		}
		in.Country = strings.ToUpper(f.Country)
	}
	in.DevicePlatform, in.ClientAppType, in.SignInRiskLevel, in.UserRiskLevel = f.Platform, f.ClientApp, f.SignInRisk, f.UserRisk
	d := policy.Device{TrustType: f.TrustType, OperatingSystem: f.OS, Ownership: f.Ownership, Model: f.Model, Manufacturer: f.Manufacturer, DisplayName: f.DeviceName}
	d.ExtensionAttributes[0] = f.Ext1
	switch f.Compliant {
	case "true", "false":
		b := f.Compliant == "true"
		d.IsCompliant = &b
	}
	if d.IsCompliant != nil || d.TrustType+d.OperatingSystem+d.Ownership+d.Model+d.Manufacturer+d.DisplayName+f.Ext1 != "" {
		in.Device = &d
	}
	return in
}

// handleAdminWhatIf: GET /admin/ca/whatif, the form and, when a user is
// given, the answer.
func (w *Web) handleAdminWhatIf(rw http.ResponseWriter, r *http.Request, c *current) error {
	cat, err := w.loadCACatalog(r)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	p := &whatIfPage{caSection: caFrame("What If", "whatif"), Form: whatIfFormOf(r), Apps: cat.Apps, Actions: userActionChoices, Contexts: cat.contextOptions(),
		FieldErrors: fieldErrors{}}
	p.Platforms = append([]option{{Value: "", Label: "Not given"}}, platformChoices...)
	p.ClientApps = []option{{Value: "", Label: "Not given"}}
	for _, o := range clientAppChoices[1:] {
		p.ClientApps = append(p.ClientApps, o)
	}
	p.Risks = append([]option{{Value: "", Label: "Not given"}}, riskChoices...)
	if r.URL.Query().Get("user") == "" && r.URL.Query().Get("target") == "" {
		w.render(rw, r, http.StatusOK, p)
		return nil
	}
	p.Asked = true
	if p.Form.User == "" {
		p.FieldErrors.add("user", "Enter a user name, like ada@example.com, or a user id.")
	}
	in := p.Form.signIn(p.FieldErrors)
	status := http.StatusOK
	if len(p.FieldErrors) == 0 {
		results, err := w.CA.WhatIf(r.Context(), p.Form.User, in, false)
		switch {
		case errors.Is(err, apperr.Invalid):
			p.FieldErrors.add("user", sentence(strings.TrimPrefix(apperr.As(err).Message, "signInIdentity.userId: ")))
		case err != nil:
			return w.handleServiceError(rw, r, err, permsCARead...)
		default:
			p.Results, p.Decision = whatIfRows(results, cat)
		}
	}
	if len(p.FieldErrors) > 0 {
		p.Asked, status = false, http.StatusBadRequest
		p.Error = "Correct the fields marked below."
	}
	w.render(rw, r, status, p)
	return nil
}

// whatIfRows turns the results into rows, applying policies first, and
// sums up what the sign-in would meet.
func whatIfRows(results []policy.WhatIfResult, cat *caCatalog) ([]whatIfRow, whatIfDecision) {
	var applies, others []whatIfRow
	var d whatIfDecision
	for _, res := range results {
		p := res.Policy
		state, class := stateWords(p.State)
		row := whatIfRow{ID: p.ID, Name: p.DisplayName, State: state, StateClass: class, Applies: res.PolicyApplies,
			Unknown: res.AnalysisReasons == policy.ReasonNotEnoughInformation, Reason: reasonWords(res.AnalysisReasons), Grant: cat.grantWords(p)}
		if res.PolicyApplies && res.AnalysisReasons == policy.ReasonInvalidPolicy {
			row.Reason = reasonWords(policy.ReasonInvalidPolicy)
		}
		switch {
		case row.Unknown:
			d.Unknown = append(d.Unknown, p.DisplayName)
		case !res.PolicyApplies:
		case p.State == policy.StateReportOnly:
			d.ReportOnly = append(d.ReportOnly, p.DisplayName+": "+row.Grant)
		case p.State == policy.StateEnabled:
			g := p.GrantControls
			if res.AnalysisReasons == policy.ReasonInvalidPolicy || (g != nil && containsFold(g.BuiltInControls, policy.ControlBlock)) {
				d.Blocked = true
				d.BlockedBy = append(d.BlockedBy, p.DisplayName)
			} else {
				d.Requires = append(d.Requires, p.DisplayName+": "+row.Grant)
			}
		}
		if res.PolicyApplies {
			applies = append(applies, row)
		} else {
			others = append(others, row)
		}
	}
	return append(applies, others...), d
}

// whatIfURL is a What If question for a user and an application, as the
// sign-in log links to it.
func whatIfURL(user, appID string) string {
	return "/admin/ca/whatif?" + url.Values{"user": {user}, "target": {"app"}, "app": {appID}}.Encode()
}
