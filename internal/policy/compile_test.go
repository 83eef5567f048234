package policy

import (
	"strings"
	"testing"
	"time"
)

// TestCompileInvalid checks that whatever Validate would reject, if it
// reaches Compile anyway, fails closed with a reason an administrator can
// read.
func TestCompileInvalid(t *testing.T) {
	tests := []struct {
		name string
		p    Policy
		want string
	}{
		{"unknown state", pol("p", "on", mfa), `state "on" is not one of`},
		{"unknown platform", pol("p", StateEnabled, mfa, cond(func(c *Conditions) {
			c.Platforms = &Platforms{IncludePlatforms: []string{"beos"}, ExcludePlatforms: []string{"amiga"}}
		})), `platform "beos" is not known; platform "amiga" is not known`},
		{"unknown location", pol("p", StateEnabled, mfa, cond(func(c *Conditions) {
			c.Locations = &Locations{IncludeLocations: []string{"loc-gone"}, ExcludeLocations: []string{"loc-gone-too", "All"}}
		})), `named location "loc-gone" does not exist; named location "loc-gone-too" does not exist; "All" cannot be excluded`},
		{"unknown client app", pol("p", StateEnabled, mfa, cond(func(c *Conditions) { c.ClientAppTypes = []string{"fax"} })), `client app type "fax" is not known`},
		{"bad device filter mode", pol("p", StateEnabled, mfa, cond(func(c *Conditions) {
			c.Devices = &Devices{DeviceFilter: &Filter{Mode: "maybe", Rule: `device.model -eq "x"`}}
		})), `device filter mode "maybe"`},
		{"bad application filter mode", pol("p", StateEnabled, mfa, apps(func(a *Applications) {
			a.IncludeApplications = []string{AppsAll}
			a.ApplicationFilter = &Filter{Mode: "maybe", Rule: "x"}
		})), `applicationFilter mode "maybe"`},
		{"unknown risk", pol("p", StateEnabled, mfa, cond(func(c *Conditions) {
			c.SignInRiskLevels = []string{"extreme"}
			c.InsiderRiskLevels = []string{"high"}
		})), `sign-in risk level "extreme" is not known; insider risk level "high" is not known`},
		{"unknown transfer", pol("p", StateEnabled, mfa, cond(func(c *Conditions) {
			c.AuthenticationFlows = &AuthenticationFlows{TransferMethods: []string{"qr"}}
		})), `transfer method "qr" is not known`},
		{"bad frequency", pol("p", StateEnabled, mfa, session(func(s *SessionControls) {
			s.SignInFrequency = &SignInFrequency{IsEnabled: true, Type: "weeks", Value: -1}
		})), `sign-in frequency type "weeks" is not one of "days", "hours"; sign-in frequency value -1 is not positive`},
		{"bad persistent browser", pol("p", StateEnabled, session(func(s *SessionControls) {
			s.PersistentBrowser = &PersistentBrowser{IsEnabled: true, Mode: "sometimes"}
		})), `persistent browser mode "sometimes"`},
		{"missing strength", pol("p", StateEnabled, strength("gone")), `authentication strength "gone" does not exist`},
		{"unknown user action", pol("p", StateEnabled, mfa, apps(func(a *Applications) {
			a.IncludeUserActions = []string{UserActionRegisterSecurityInfo, "urn:user:dance"}
		})), `user action "urn:user:dance"`},
	}
	in := signIn(alice(), action(UserActionRegisterSecurityInfo), to(appWiki), proved(passwordOTP))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Evaluate(in, []Policy{tt.p}, testFacts)
			r := d.Policies[0]
			if !strings.Contains(r.Policy.Invalid, tt.want) {
				t.Errorf("Invalid = %q, want it to contain %q", r.Policy.Invalid, tt.want)
			}
			if r.Result != ResultFailure || r.AnalysisReasons != ReasonInvalidPolicy || !d.Block || d.Satisfied {
				t.Errorf("result %s %s block=%v satisfied=%v; an invalid policy must fail closed", r.Result, r.AnalysisReasons, d.Block, d.Satisfied)
			}
			if err := Validate(tt.p, testRefs); err == nil {
				t.Error("Validate accepts it")
			}
		})
	}

	// A report-only invalid policy reports failure and does not block.
	p := tests[0].p
	p.State = StateReportOnly
	p.GrantControls = &GrantControls{Operator: "OR", AuthenticationStrength: &StrengthRef{ID: "gone"}}
	d := Evaluate(in, []Policy{p}, testFacts)
	if d.Block || d.Policies[0].Result != ResultReportOnlyFailure {
		t.Errorf("report-only invalid: block=%v result=%s", d.Block, d.Policies[0].Result)
	}
}

func TestStrictestFrequency(t *testing.T) {
	tests := []struct {
		ps        []Policy
		everyTime bool
		window    time.Duration
	}{
		{policies("reauth-every-2d", "mfa-every-1h", "reauth-every-12h"), false, time.Hour},
		{policies("mfa-every-1h", "c37-yubikeys-everytime"), true, EveryTimeTolerance},
		{policies("c37-yubikeys-everytime", "mfa-every-1h"), true, EveryTimeTolerance},
	}
	in := signIn(alice(), context("c37"), proved(passwordOTP))
	for _, tt := range tests {
		d := Evaluate(in, tt.ps, testFacts)
		f := d.Session.SignInFrequency
		if f == nil || f.EveryTime != tt.everyTime || f.Window != tt.window || !f.Since.Equal(now.Add(-tt.window)) {
			t.Errorf("strictest of %d policies = %+v", len(tt.ps), f)
		}
	}
	// Report-only frequencies never reach the session.
	if d := Evaluate(in, policies("ro-reauth-1h"), testFacts); d.Session.SignInFrequency != nil {
		t.Error("report-only frequency applied")
	}
}

func TestCompileSharesStrengthsAndFilters(t *testing.T) {
	ps := policies("yubikeys-strength", "c37-yubikeys-everytime", "admins-block-unless-saw")
	p := library["admins-block-unless-saw"]
	p.ID = "same-rule"
	ps = append(ps, p)
	s := Compile(ps, testFacts)
	if len(s.filters) != 1 {
		t.Errorf("%d filters compiled for one rule", len(s.filters))
	}
	if s.cps[0].controls[0].matcher != s.cps[1].controls[0].matcher {
		t.Error("the same strength compiled twice")
	}
}

func TestSetIsSafeForConcurrentUse(t *testing.T) {
	ps, facts, in := benchWorld(MaxPolicies)
	s := Compile(ps, facts)
	want := s.Evaluate(in)
	done := make(chan Decision)
	for g := 0; g < 8; g++ {
		go func() {
			var d Decision
			for i := 0; i < 50; i++ {
				d = s.Evaluate(in)
				s.WhatIf(in, true)
			}
			done <- d
		}()
	}
	for g := 0; g < 8; g++ {
		d := <-done
		if d.Block != want.Block || d.Satisfied != want.Satisfied || len(d.Requirements) != len(want.Requirements) {
			t.Fatal("concurrent evaluations disagree")
		}
	}
}
