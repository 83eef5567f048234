package enforcement

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/policy"
	"github.com/strongroom-id/strongroom/internal/signin"
)

func TestPlatform(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36":                       policy.PlatformWindows,
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15":                policy.PlatformMacOS,
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1":        policy.PlatformIOS,
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/140.0 Mobile Safari/537.36":                 policy.PlatformAndroid,
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36":                                 policy.PlatformLinux,
		"Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 Mobile Safari/537.36": policy.PlatformWindowsPhone,
		"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 Chrome/140.0 Safari/537.36":                        "",
		"curl/8.5.0": "",
		"":           "",
	} {
		if got := Platform(ua); got != want {
			t.Errorf("Platform(%q) = %q, want %q", ua, got, want)
		}
	}
}

// fixed is a Snapshots that always answers the same compiled policies.
type fixed struct{ s *capolicy.Snapshot }

func (f fixed) Snapshot(context.Context) (*capolicy.Snapshot, error) { return f.s, nil }

func snapshot(ps ...policy.Policy) fixed {
	for i := range ps {
		ps[i].ID = ps[i].DisplayName
		if ps[i].State == "" {
			ps[i].State = policy.StateEnabled
		}
	}
	return fixed{&capolicy.Snapshot{Policies: ps, Set: policy.Compile(ps, policy.Facts{})}}
}

func allApps(name string, g *policy.GrantControls) policy.Policy {
	return policy.Policy{DisplayName: name, Conditions: policy.Conditions{Users: &policy.Users{IncludeUsers: []string{policy.UsersAll}},
		Applications: &policy.Applications{IncludeApplications: []string{policy.AppsAll}}}, GrantControls: g}
}

var (
	mfa   = &policy.GrantControls{Operator: policy.OperatorOR, BuiltInControls: []string{policy.ControlMFA}}
	keys  = &policy.GrantControls{Operator: policy.OperatorOR, AuthenticationStrength: &policy.StrengthRef{ID: authn.PhishingResistantMFAID}}
	now   = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	proof = func(m authn.Mode) authn.Proof {
		return authn.Proof{Mode: m, Time: now.Add(-time.Minute), UserVerified: true}
	}
)

func attempt(registered []authn.Mode, proofs ...authn.Proof) signin.Attempt {
	return signin.Attempt{User: directory.User{ID: "u1", UserType: directory.UserTypeMember}, Evidence: authn.Evidence{Proofs: proofs},
		Registered: registered, Target: signin.Target{AppID: policy.MyAccountAppID}, Now: now}
}

func TestDecisions(t *testing.T) {
	all := []authn.Mode{authn.Fido2, authn.Password, authn.SoftwareOath}
	for _, tc := range []struct {
		name      string
		snap      fixed
		a         signin.Attempt
		satisfied bool
		blocked   string
		options   [][]authn.Mode
		strengths []string
		message   string
	}{
		{name: "no policy", snap: snapshot(), a: attempt(nil, proof(authn.Password)), satisfied: true},
		{name: "password: key or code", snap: snapshot(allApps("MFA", mfa)), a: attempt(all, proof(authn.Password)),
			options: [][]authn.Mode{{authn.Fido2}, {authn.SoftwareOath}}, strengths: []string{"Multifactor authentication"}, message: "security key or passkey, or a code"},
		{name: "only registered methods are offered", snap: snapshot(allApps("MFA", mfa)), a: attempt([]authn.Mode{authn.Password, authn.SoftwareOath}, proof(authn.Password)),
			options: [][]authn.Mode{{authn.SoftwareOath}}, strengths: []string{"Multifactor authentication"}},
		{name: "nothing yet: password then code", snap: snapshot(allApps("MFA", mfa)), a: attempt([]authn.Mode{authn.Password, authn.SoftwareOath}),
			options: [][]authn.Mode{{authn.Password, authn.SoftwareOath}}, strengths: []string{"Multifactor authentication"}, message: "your password and then a code"},
		{name: "a pass meets MFA", snap: snapshot(allApps("MFA", mfa)), a: attempt(nil, proof(authn.TemporaryAccessPassOneTime)), satisfied: true},
		{name: "a pass never meets phishing-resistant", snap: snapshot(allApps("Keys", keys)), a: attempt(all, proof(authn.TemporaryAccessPassOneTime)),
			options: [][]authn.Mode{{authn.Fido2}}, strengths: []string{"Phishing resistant MFA"}},
		{name: "every policy must be met", snap: snapshot(allApps("MFA", mfa), allApps("Keys", keys)), a: attempt(all, proof(authn.Password), proof(authn.SoftwareOath)),
			options: [][]authn.Mode{{authn.Fido2}}, strengths: []string{"Phishing resistant MFA"}},
		{name: "a key meets both", snap: snapshot(allApps("MFA", mfa), allApps("Keys", keys)), a: attempt(all, proof(authn.Fido2)), satisfied: true},
		{name: "a control Strongroom cannot check fails closed", snap: snapshot(allApps("Compliant", &policy.GrantControls{Operator: policy.OperatorAND, BuiltInControls: []string{policy.ControlMFA, policy.ControlCompliantDevice}})),
			a: attempt(all, proof(authn.Fido2)), blocked: "Compliant", message: "compliantDevice"},
		{name: "under OR the checkable control is offered", snap: snapshot(allApps("Either", &policy.GrantControls{Operator: policy.OperatorOR, BuiltInControls: []string{policy.ControlCompliantDevice, policy.ControlMFA}})),
			a: attempt(all, proof(authn.Password)), options: [][]authn.Mode{{authn.Fido2}, {authn.SoftwareOath}}, strengths: []string{"Multifactor authentication"}},
		{name: "block names the policy", snap: snapshot(allApps("Nobody", &policy.GrantControls{Operator: policy.OperatorOR, BuiltInControls: []string{policy.ControlBlock}})),
			a: attempt(all, proof(authn.Fido2)), blocked: "Nobody", message: "“Nobody”"},
		{name: "nothing registered", snap: snapshot(allApps("Keys", keys)), a: attempt(nil, proof(authn.Password)),
			strengths: []string{"Phishing resistant MFA"}, message: "Temporary Access Pass"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(tc.snap, nil).Evaluate(context.Background(), tc.a)
			if err != nil {
				t.Fatal(err)
			}
			if d.Satisfied != tc.satisfied || d.Blocked != (tc.blocked != "") || d.BlockedBy != tc.blocked {
				t.Fatalf("satisfied %v blocked %v by %q: %s", d.Satisfied, d.Blocked, d.BlockedBy, d.Message)
			}
			if diff := cmp.Diff(tc.options, d.Options); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.strengths, d.Strengths); diff != "" {
				t.Errorf("strengths (-want +got):\n%s", diff)
			}
			if !strings.Contains(d.Message, tc.message) {
				t.Errorf("message %q does not mention %q", d.Message, tc.message)
			}
			if len(d.Applied) != len(tc.snap.s.Policies) {
				t.Errorf("%d policies logged, want %d", len(d.Applied), len(tc.snap.s.Policies))
			}
		})
	}
}

func TestSignInFrequencyDecision(t *testing.T) {
	p := allApps("Hourly", mfa)
	p.SessionControls = &policy.SessionControls{SignInFrequency: &policy.SignInFrequency{IsEnabled: true, Type: policy.FrequencyHours, Value: 1}}
	r := New(snapshot(p), nil)
	a := attempt([]authn.Mode{authn.Fido2}, authn.Proof{Mode: authn.Fido2, Time: now.Add(-30 * time.Minute), UserVerified: true})
	d, _ := r.Evaluate(context.Background(), a)
	if !d.Satisfied || d.FreshFor != time.Hour || d.EveryTime {
		t.Errorf("fresh: %+v", d)
	}
	a.Evidence.Proofs[0].Time = now.Add(-2 * time.Hour)
	d, _ = r.Evaluate(context.Background(), a)
	if d.Satisfied || !cmp.Equal(d.Options, [][]authn.Mode{{authn.Fido2}}) {
		t.Errorf("stale: %+v", d)
	}
}
