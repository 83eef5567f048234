package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/cagraph"
	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// policyCommand runs "strongroom policy whatif": Conditional Access What
// If from the server's machine, on the database the server uses, as
// Strongroom itself. It changes nothing.
func (m *Main) policyCommand(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "whatif" {
		fmt.Fprintln(m.Stderr, "usage: strongroom policy whatif --user UPN [--app ID | --user-action registersecurityinfo | --context cN] [--ip ADDR] [--country CC] [--platform P] [--client-app T] [--applied] [--json] [flags]")
		return exitError(2)
	}
	var (
		user, app, action, cx, ip, country, platform, clientApp, signInRisk, userRisk string
		applied, asJSON                                                               bool
	)
	cfg, err := m.loadConfig("policy whatif", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&user, "user", "", "user principal name (or id) of the user signing in (required)")
		fs.StringVar(&app, "app", "", "application (client) id signed in to; \"myaccount\" and \"admin\" name Strongroom's own (the default is My Account)")
		fs.StringVar(&action, "user-action", "", "user action instead of an application: registersecurityinfo or registerdevice")
		fs.StringVar(&cx, "context", "", "authentication context instead of an application: c1 to c99")
		fs.StringVar(&ip, "ip", "", "client IP address")
		fs.StringVar(&country, "country", "", "country of the client, ISO 3166 two-letter code")
		fs.StringVar(&platform, "platform", "", "device platform: android, iOS, windows, windowsPhone, macOS or linux")
		fs.StringVar(&clientApp, "client-app", "browser", "client app type: browser, mobileAppsAndDesktopClients, exchangeActiveSync or other")
		fs.StringVar(&signInRisk, "sign-in-risk", "", "sign-in risk: none, low, medium or high")
		fs.StringVar(&userRisk, "user-risk", "", "user risk: none, low, medium or high")
		fs.BoolVar(&applied, "applied", false, "list only the policies that apply")
		fs.BoolVar(&asJSON, "json", false, "print Graph's whatIfAnalysisResult JSON instead of a table")
	})
	if err != nil {
		return err
	}
	if user == "" {
		fmt.Fprintln(m.Stderr, "strongroom policy whatif: --user is required")
		return exitError(2)
	}
	targets := 0
	for _, v := range []string{app, action, cx} {
		if v != "" {
			targets++
		}
	}
	if targets > 1 {
		fmt.Fprintln(m.Stderr, "strongroom policy whatif: give one of --app, --user-action and --context")
		return exitError(2)
	}
	// The request goes through the same strict reading as the API's.
	req := map[string]any{"signInIdentity": map[string]any{"@odata.type": cagraph.ODataUserSignIn, "userId": user}, "appliedPoliciesOnly": applied}
	switch {
	case action != "":
		a := action
		if !strings.HasPrefix(a, "urn:") {
			a = "urn:user:" + strings.ToLower(a)
		}
		req["signInContext"] = map[string]any{"@odata.type": cagraph.ODataUserActionContext, "userAction": a}
	case cx != "":
		req["signInContext"] = map[string]any{"@odata.type": cagraph.ODataAuthContext, "authenticationContextValue": cx}
	default:
		switch strings.ToLower(app) {
		case "", "myaccount":
			app = policy.MyAccountAppID
		case "admin":
			app = policy.AdminPortalAppID
		}
		req["signInContext"] = map[string]any{"@odata.type": cagraph.ODataApplicationContext, "includeApplications": []string{app}}
	}
	conds := map[string]any{}
	for k, v := range map[string]string{"ipAddress": ip, "country": country, "devicePlatform": platform, "clientAppType": clientApp,
		"signInRiskLevel": signInRisk, "userRiskLevel": userRisk} {
		if v != "" {
			conds[k] = v
		}
	}
	req["signInConditions"] = conds
	body, _ := json.Marshal(req)
	q, err := cagraph.DecodeWhatIf(body, cagraph.Strict)
	if err != nil {
		return err
	}

	db, err := m.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CheckSchema(ctx); err != nil {
		return err
	}
	ca, _, err := conditionalAccess(ctx, cfg, db, m.Clock.Now)
	if err != nil {
		return err
	}
	ctx = authz.NewContext(ctx, authz.SystemPrincipal)
	results, err := ca.WhatIf(ctx, q.UserID, q.SignIn, q.AppliedPoliciesOnly)
	if err != nil {
		return err
	}
	snap, err := ca.Snapshot(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]cagraph.WhatIfResult, len(results))
		for i, r := range results {
			out[i] = cagraph.EncodeWhatIf(r, snap.Strength)
		}
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"value": out})
	}
	m.printWhatIf(q, results, snap)
	return nil
}

func (m *Main) printWhatIf(q cagraph.WhatIfRequest, results []policy.WhatIfResult, snap *capolicy.Snapshot) {
	s := q.SignIn
	target := "application " + s.ApplicationID
	switch {
	case s.ApplicationID == policy.MyAccountAppID:
		target = "My Account"
	case s.ApplicationID == policy.AdminPortalAppID:
		target = "the admin portal"
	case s.UserAction != "":
		target = "user action " + s.UserAction
	case s.AuthenticationContext != "":
		target = "authentication context " + s.AuthenticationContext
		if c, ok := snap.Contexts[s.AuthenticationContext]; ok {
			target += " (" + c.DisplayName + ")"
		}
	}
	from := []string{}
	if s.IPAddress.IsValid() {
		from = append(from, "from "+s.IPAddress.String())
	}
	if s.Country != "" {
		from = append(from, "in "+s.Country)
	}
	if s.DevicePlatform != "" {
		from = append(from, "on "+s.DevicePlatform)
	}
	if s.ClientAppType != "" {
		from = append(from, "with a "+s.ClientAppType+" client")
	}
	fmt.Fprintf(m.Stdout, "What If: %s signing in to %s %s\n\n", q.UserID, target, strings.Join(from, ", "))
	tw := tabwriter.NewWriter(m.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "POLICY\tSTATE\tAPPLIES\tWHY NOT\tREQUIRES")
	applying := 0
	for _, r := range results {
		p := r.Policy
		applies, why := "no", r.AnalysisReasons.String()
		if r.PolicyApplies {
			applies, why = "yes", "-"
			applying++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.DisplayName, stateWord(p.State), applies, why, requires(p, snap))
	}
	_ = tw.Flush()
	fmt.Fprintf(m.Stdout, "\n%d of %d policies apply.\n", applying, len(results))
}

func stateWord(s string) string {
	switch s {
	case policy.StateReportOnly:
		return "report-only"
	case "":
		return "-"
	}
	return s
}

// requires summarises a policy's grant and session controls.
func requires(p policy.Policy, snap *capolicy.Snapshot) string {
	var parts []string
	if g := p.GrantControls; g != nil {
		var ctl []string
		ctl = append(ctl, g.BuiltInControls...)
		if g.AuthenticationStrength != nil {
			name := g.AuthenticationStrength.ID
			if st, ok := snap.Strength(name); ok {
				name = st.DisplayName
			}
			ctl = append(ctl, "strength “"+name+"”")
		}
		ctl = append(ctl, g.TermsOfUse...)
		ctl = append(ctl, g.CustomAuthenticationFactors...)
		if len(ctl) > 0 {
			op := " or "
			if g.Operator == policy.OperatorAND {
				op = " and "
			}
			parts = append(parts, strings.Join(ctl, op))
		}
	}
	if sc := p.SessionControls; sc != nil {
		if f := sc.SignInFrequency; f != nil && f.IsEnabled {
			if f.FrequencyInterval == policy.FrequencyEveryTime {
				parts = append(parts, "sign-in every time")
			} else {
				parts = append(parts, fmt.Sprintf("sign-in every %d %s", f.Value, f.Type))
			}
		}
		if b := sc.PersistentBrowser; b != nil && b.IsEnabled {
			parts = append(parts, "persistent browser "+b.Mode)
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}
