package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/store"
)

// An operator recovers a lost bootstrap pass with "strongroom tap issue",
// next to a running server on the same database.
func TestTAPIssueCommand(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		inst := apptest.Start(t, apptest.Options{Database: database})
		run := cliCombined(inst)
		upn := inst.Bootstrap.AdminUserPrincipalName

		for _, tc := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"tap"}, 2, "usage: strongroom tap issue"},
			{[]string{"tap", "issue"}, 2, "--user is required"},
			{[]string{"tap", "issue", "--user", upn, "--lifetime", "5m"}, 1, "between 60 and 480"},
			{[]string{"tap", "issue", "--user", upn, "--lifetime", "90s"}, 1, "whole number of minutes"},
			{[]string{"tap", "issue", "--user", "nobody@strongroom.local"}, 1, "does not exist"},
		} {
			if code, out := run(tc.args...); code != tc.code || !strings.Contains(out, tc.want) {
				t.Errorf("strongroom %s: exit %d, output %q; want exit %d mentioning %q", strings.Join(tc.args, " "), code, out, tc.code, tc.want)
			}
		}

		code, out := run("tap", "issue", "--user", upn, "--lifetime", "90m", "--once")
		if code != 0 || !strings.Contains(out, "one-time") {
			t.Fatalf("tap issue: exit %d\n%s", code, out)
		}
		m := regexp.MustCompile(`(?m)^  (\S+)$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no pass in the output:\n%s", out)
		}
		pass := m[1]

		// The new pass replaced the bootstrap pass, and it signs in once.
		signIn := func(pass string) int {
			b, _ := json.Marshal(map[string]string{"userPrincipalName": upn, "temporaryAccessPass": pass})
			r := inst.Do(t, "POST", "/api/v1/signin/tap", "", b)
			return r.Status
		}
		if s := signIn(inst.Bootstrap.AdminTemporaryAccessPass); s != http.StatusUnauthorized {
			t.Errorf("the bootstrap pass after replacement: %d", s)
		}
		if s := signIn(pass); s != http.StatusOK {
			t.Errorf("the new pass: %d", s)
		}

		// Audited as the command line, never with the pass.
		evs, err := inst.Server.DB.FindAuditEvents(t.Context(), store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var e audit.Event
		if err := json.Unmarshal(evs[0].Body, &e); err != nil {
			t.Fatal(err)
		}
		if e.ActivityDisplayName != "Admin registered temporary access pass method for user" || e.InitiatedBy.App == nil ||
			e.InitiatedBy.App.DisplayName != "Strongroom operator (strongroom tap issue)" || e.TargetResources[0].UserPrincipalName != upn {
			t.Errorf("newest audit event %+v", e)
		}
		if bytes.Contains(evs[0].Body, []byte(pass)) {
			t.Error("the audit event contains the pass")
		}
	})
}
