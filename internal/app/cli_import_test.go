package app_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/caport"
)

// writeFiles writes files (path → content) under a new folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// "strongroom import" and "strongroom export" work on the server's
// database while it runs: the server sees the import at once, a dry run
// and invalid input change nothing, and the export re-imports.
func TestImportExportCommands(t *testing.T) {
	t.Parallel()
	apptest.Dialects(t, func(t *testing.T, database string) {
		inst := apptest.Start(t, apptest.Options{Database: database})
		run := cli(inst)
		tok := inst.AdminToken(t)
		count := func() int {
			r := inst.Do(t, "GET", "/v1.0/identity/conditionalAccess/policies", tok, nil)
			var list struct{ Value []map[string]any }
			r.JSON(t, &list)
			return len(list.Value)
		}
		policies := count()

		in := writeFiles(t, map[string]string{
			"entra/groups/admins.json": `{"id":"g-admins","displayName":"CLI admins","securityEnabled":true}`,
			"entra/policies/p.json": `{"displayName":"CLI policy","state":"enabled","conditions":{"users":{"includeGroups":["g-admins"],"excludeGroups":["<BreakGlass>"]},
				"applications":{"includeApplications":["All"]}},"grantControls":{"operator":"OR","builtInControls":["mfa","compliantDevice"]}}`,
			"entra/README.md": "not JSON, not read",
			"map.yaml":        "groups:\n  \"<BreakGlass>\": CLI admins\n",
			"bad/p.json":      `{"displayName":"Broken","state":"enabled","conditions":{"users":{"includeUsers":["All"]},"applications":{"includeApplications":["All"]},"clientAppTypes":["carrier pigeon"]}}`,
		})

		for _, tc := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"import"}, 2, "usage: strongroom import"},
			{[]string{"export"}, 2, "usage: strongroom export"},
			{[]string{"import", filepath.Join(in, "missing")}, 1, "missing"},
			{[]string{"import", filepath.Join(in, "entra"), filepath.Join(in, "bad")}, 1, "p.json: conditions.clientAppTypes[0]"},
			{[]string{"import", "--map", filepath.Join(in, "entra/README.md"), filepath.Join(in, "entra")}, 1, "README.md"},
		} {
			code, out, errOut := run(tc.args...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Errorf("strongroom %s: exit %d, output %q %q; want exit %d mentioning %q", strings.Join(tc.args, " "), code, out, errOut, tc.code, tc.want)
			}
		}
		if n := count(); n != policies {
			t.Fatalf("refused imports created policies: %d → %d", policies, n)
		}

		// A dry run (flags after the path work too), as JSON.
		code, out, errOut := run("import", filepath.Join(in, "entra"), "--dry-run", "--json")
		var rep caport.Report
		if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || !rep.DryRun || rep.Created.Policies != 1 || len(rep.Placeholders) != 1 {
			t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
		}
		if n := count(); n != policies {
			t.Fatalf("a dry run created policies")
		}

		// The import, with the mapping: the server sees it at once.
		code, out, errOut = run("import", "--map", filepath.Join(in, "map.yaml"), filepath.Join(in, "entra"))
		if code != 0 || !strings.Contains(out, "Imported: 1 policy, 1 group.") || !strings.Contains(out, "not enforced: grantControls.builtInControls[compliantDevice]") ||
			!strings.Contains(out, `group "<BreakGlass>" → `) {
			t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
		}
		if n := count(); n != policies+1 {
			t.Errorf("%d policies after the import, want %d", n, policies+1)
		}

		// Export, then the export reads back as the same objects.
		dir := filepath.Join(t.TempDir(), "export")
		code, out, errOut = run("export", dir)
		if code != 0 || !strings.Contains(out, "1 group") {
			t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
		}
		if _, err := os.Stat(filepath.Join(dir, "policies", "CLI policy.json")); err != nil {
			t.Errorf("exported policy: %v", err)
		}
		if code, _, errOut := run("export", dir); code != 1 || !strings.Contains(errOut, "not empty") {
			t.Errorf("export into a full folder: exit %d %s", code, errOut)
		}
		code, out, errOut = run("import", "--dry-run", dir)
		if code != 0 || !strings.Contains(out, "would create") || strings.Contains(out, "Unresolved") {
			t.Errorf("dry run of the export: exit %d\n%s%s", code, out, errOut)
		}
	})
}
