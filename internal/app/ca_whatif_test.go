package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/capolicy"
)

// "strongroom policy whatif" answers from the server's database: a table
// for people, Graph's JSON for scripts.
func TestPolicyWhatIfCommand(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		inst := apptest.Start(t, apptest.Options{Database: database})
		run := cliCombined(inst)
		tok := inst.AdminToken(t)
		if r := inst.Do(t, "PATCH", "/v1.0/identity/conditionalAccess/authenticationContextClassReferences/c1", tok, map[string]any{"displayName": "Roles"}); r.Status != 201 {
			t.Fatalf("context: %d %s", r.Status, r.Body)
		}
		if r := inst.Do(t, "POST", "/v1.0/identity/conditionalAccess/policies", tok, map[string]any{
			"displayName": "Roles need keys", "state": "enabled",
			"conditions": map[string]any{"users": map[string]any{"includeUsers": []string{"All"}},
				"applications": map[string]any{"includeAuthenticationContextClassReferences": []string{"c1"}}},
			"grantControls": map[string]any{"operator": "OR", "authenticationStrength": map[string]any{"id": "00000000-0000-0000-0000-000000000004"}}}); r.Status != 201 {
			t.Fatalf("policy: %d %s", r.Status, r.Body)
		}
		upn := inst.Bootstrap.AdminUserPrincipalName

		for _, tc := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"policy"}, 2, "usage: strongroom policy whatif"},
			{[]string{"policy", "whatif"}, 2, "--user is required"},
			{[]string{"policy", "whatif", "--user", upn, "--app", "x", "--context", "c1"}, 2, "one of --app"},
			{[]string{"policy", "whatif", "--user", upn, "--context", "c100"}, 1, "authenticationContextValue"},
			{[]string{"policy", "whatif", "--user", "nobody@strongroom.local"}, 1, "signInIdentity.userId"},
		} {
			if code, out := run(tc.args...); code != tc.code || !strings.Contains(out, tc.want) {
				t.Errorf("strongroom %s: exit %d, output %q; want exit %d mentioning %q", strings.Join(tc.args, " "), code, out, tc.code, tc.want)
			}
		}

		code, out := run("policy", "whatif", "--user", upn, "--ip", "203.0.113.5", "--platform", "macOS")
		if code != 0 || !strings.Contains(out, "My Account") || !strings.Contains(out, "1 of 2 policies apply") {
			t.Fatalf("whatif for My Account: exit %d\n%s", code, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, capolicy.DefaultPolicyName) && !strings.Contains(line, "yes") {
				t.Errorf("default policy line %q", line)
			}
			if strings.HasPrefix(line, "Roles need keys") && !strings.Contains(line, "authenticationContext") {
				t.Errorf("context policy line %q", line)
			}
		}
		code, out = run("policy", "whatif", "--user", upn, "--context", "c1", "--applied", "--json")
		var res struct {
			Value []struct {
				DisplayName     string `json:"displayName"`
				PolicyApplies   bool   `json:"policyApplies"`
				AnalysisReasons string `json:"analysisReasons"`
			} `json:"value"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res.Value) != 1 || res.Value[0].DisplayName != "Roles need keys" || !res.Value[0].PolicyApplies {
			t.Fatalf("whatif --json: exit %d\n%s", code, out)
		}
	})
}
