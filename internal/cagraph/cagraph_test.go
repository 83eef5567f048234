package cagraph

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// The shared repository of real exported policies reads leniently, and
// what it reads writes back to Graph JSON that reads strictly to the same
// policy.
func TestExportedPoliciesRoundTrip(t *testing.T) {
	var files []string
	_ = filepath.WalkDir("../caport/testdata/ca-policies", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatal("no policy files in ../caport/testdata/ca-policies (the published Entra exports, kept with their LICENSE)")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, rep, err := DecodePolicy(b, Lenient)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if len(rep.Ignored) > 0 {
			t.Logf("%s: ignored %v", filepath.Base(f), rep.Ignored)
		}
		out, err := MarshalPolicy(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		back, _, err := DecodePolicy(out, Strict)
		if err != nil {
			t.Errorf("%s: strict re-read: %v\n%s", filepath.Base(f), err, out)
			continue
		}
		if diff := cmp.Diff(normalize(p), normalize(back)); diff != "" {
			t.Errorf("%s: round trip (-read +re-read):\n%s", filepath.Base(f), diff)
		}
	}
}

// normalize makes empty lists nil, as JSON [] and an absent list mean the
// same.
func normalize(p policy.Policy) policy.Policy {
	b, _ := json.Marshal(p)
	var m any
	_ = json.Unmarshal(b, &m)
	var drop func(v any) any
	drop = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if l, ok := e.([]any); ok && len(l) == 0 {
					delete(x, k)
					continue
				}
				x[k] = drop(e)
			}
		case []any:
			for i := range x {
				x[i] = drop(x[i])
			}
		}
		return v
	}
	m = drop(m)
	b, _ = json.Marshal(m)
	var out policy.Policy
	_ = json.Unmarshal(b, &out)
	return out
}

func TestStrictNamesTheProblem(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"unknown property", `{"displayName":"x","state":"enabled","conditions":{"users":{"includeUser":["All"]}}}`, "conditions.users.includeUser"},
		{"wrong type", `{"displayName":"x","state":"enabled","conditions":{"clientAppTypes":"all"}}`, "conditions.clientAppTypes: must be an array"},
		{"strength as string", `{"displayName":"x","grantControls":{"operator":"OR","authenticationStrength":"00000000-0000-0000-0000-000000000004"}}`, "grantControls.authenticationStrength"},
		{"case matters", `{"DisplayName":"x"}`, "DisplayName"},
		{"bad int", `{"sessionControls":{"signInFrequency":{"isEnabled":true,"value":"4"}}}`, "sessionControls.signInFrequency.value"},
		{"not an object", `[1]`, "JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := DecodePolicy([]byte(tc.body), Strict)
			if !errors.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want Invalid naming %q", err, tc.want)
			}
		})
	}
}

func TestLenientForgives(t *testing.T) {
	body := "\xef\xbb\xbf" + `{"DisplayName":"x","STATE":"Enabled","conditions":{"ClientAppTypes":"Browser, mobileAppsAndDesktopClients",
	"users":{"includeUsers":"All","includeGuestsOrExternalUsers":null},"applications":{"includeApplications":["all"]},"times":{"x":1}},
	"grantControls":{"operator":"or","builtInControls":["MFA"],"authenticationStrength":"00000000-0000-0000-0000-000000000004"},
	"sessionControls":{"signInFrequency":{"isEnabled":"true","value":"4","type":"Hours"}}}`
	p, rep, err := DecodePolicy([]byte(body), Lenient)
	if err != nil {
		t.Fatal(err)
	}
	want := policy.Policy{DisplayName: "x", State: policy.StateEnabled, Conditions: policy.Conditions{
		ClientAppTypes: []string{"browser", "mobileAppsAndDesktopClients"},
		Users:          &policy.Users{IncludeUsers: []string{"All"}},
		Applications:   &policy.Applications{IncludeApplications: []string{"All"}}},
		GrantControls:   &policy.GrantControls{Operator: "OR", BuiltInControls: []string{"mfa"}, AuthenticationStrength: &policy.StrengthRef{ID: authn.PhishingResistantMFAID}},
		SessionControls: &policy.SessionControls{SignInFrequency: &policy.SignInFrequency{IsEnabled: true, Value: 4, Type: "hours"}}}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"conditions.times"}, rep.Ignored); diff != "" {
		t.Errorf("ignored (-want +got):\n%s", diff)
	}
}

func TestExpandedStrengthComesBack(t *testing.T) {
	p := policy.Policy{ID: "p", DisplayName: "x", State: policy.StateEnabled,
		GrantControls: &policy.GrantControls{Operator: "OR", AuthenticationStrength: &policy.StrengthRef{ID: authn.PhishingResistantMFAID}}}
	b, err := MarshalPolicy(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"displayName":"Phishing resistant MFA"`) {
		t.Fatalf("strength not expanded: %s", b)
	}
	back, _, err := DecodePolicy(b, Strict)
	if err != nil {
		t.Fatal(err)
	}
	if back.GrantControls.AuthenticationStrength.ID != authn.PhishingResistantMFAID {
		t.Fatalf("strength id lost: %+v", back.GrantControls)
	}
}

func TestStrengthAndLocationRoundTrip(t *testing.T) {
	s := authn.Strength{ID: "s1", DisplayName: "Keys", PolicyType: authn.PolicyTypeCustom, RequirementsSatisfied: authn.RequirementsMFA,
		AllowedCombinations: []string{"fido2"}, CombinationConfigurations: []authn.CombinationConfiguration{
			{ID: "c", ODataType: authn.ODataFido2Combination, AppliesToCombinations: []string{"fido2"}, AllowedAAGUIDs: []string{"cb69481e-8ff7-4039-93ec-0a2729a154a8"}}}}
	b, _ := MarshalStrength(s)
	got, _, err := DecodeStrength(b, Strict)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, got); diff != "" {
		t.Errorf("strength (-want +got):\n%s", diff)
	}
	for _, l := range []policy.NamedLocation{
		{ID: "l1", ODataType: policy.ODataIPNamedLocation, DisplayName: "HQ", IsTrusted: true, IPRanges: []policy.IPRange{{ODataType: policy.ODataIPv4Range, CIDRAddress: "10.0.0.0/16"}}},
		{ID: "l2", ODataType: policy.ODataCountryNamedLocation, DisplayName: "Nowhere", CountriesAndRegions: []string{}, IncludeUnknownCountriesAndRegions: true, CountryLookupMethod: policy.CountryLookupClientIP},
	} {
		b, _ := MarshalNamedLocation(l)
		got, _, err := DecodeNamedLocation(b, Strict)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if diff := cmp.Diff(normalizeLoc(l), normalizeLoc(got)); diff != "" {
			t.Errorf("location (-want +got):\n%s", diff)
		}
	}
}

func normalizeLoc(l policy.NamedLocation) policy.NamedLocation {
	if len(l.CountriesAndRegions) == 0 {
		l.CountriesAndRegions = nil
	}
	return l
}

func TestWhatIfRequest(t *testing.T) {
	body := `{"signInIdentity":{"@odata.type":"#microsoft.graph.userSignIn","userId":"u1"},
 "signInContext":{"@odata.type":"#microsoft.graph.authContext","authenticationContextValue":"c37"},
 "signInConditions":{"devicePlatform":"android","clientAppType":"browser","signInRiskLevel":"high","userRiskLevel":"high",
   "country":"us","ipAddress":"40.77.182.32","insiderRiskLevel":"elevated",
   "authenticationFlow":{"transferMethod":"deviceCodeFlow"},"deviceInfo":{"isCompliant":true,"extensionAttribute1":"SAW"}},
 "appliedPoliciesOnly":true}`
	req, err := DecodeWhatIf([]byte(body), Strict)
	if err != nil {
		t.Fatal(err)
	}
	s := req.SignIn
	if req.UserID != "u1" || !req.AppliedPoliciesOnly || s.AuthenticationContext != "c37" || s.Country != "US" ||
		s.IPAddress.String() != "40.77.182.32" || s.DevicePlatform != "android" || s.AuthenticationFlow != "deviceCodeFlow" ||
		s.Device == nil || s.Device.ExtensionAttributes[0] != "SAW" || s.Device.IsCompliant == nil || !*s.Device.IsCompliant {
		t.Fatalf("got %+v", req)
	}
	_, err = DecodeWhatIf([]byte(`{"signInIdentity":{"@odata.type":"#microsoft.graph.servicePrincipalSignIn","servicePrincipalId":"x"},"signInContext":{"@odata.type":"#microsoft.graph.authContext","authenticationContextValue":"c100"}}`), Strict)
	if !errors.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), "workload") || !strings.Contains(err.Error(), "c100") {
		t.Fatalf("err = %v", err)
	}
}
