package archtest

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/strongroom-id/strongroom"

type pkg struct {
	ImportPath string
	Dir        string
	Imports    []string
	Deps       []string
	GoFiles    []string
}

func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[strings.TrimPrefix(p.ImportPath, module+"/")] = p
	}
	return pkgs
}

// Domain packages: types, services and decisions. They never touch a
// database driver, HTTP, a concrete store or an edge (STYLE.md).
var domain = []string{
	"internal/apperr", "internal/clock", "internal/audit", "internal/authz", "internal/directory",
	"internal/application", "internal/tap", "internal/tenant", "internal/signing", "internal/secret",
	"internal/authn", "internal/policy", "internal/pim", "internal/session", "internal/passkey",
	"internal/notify", "internal/method", "internal/password", "internal/totp", "internal/credential",
	"internal/signin", "internal/grant", "internal/capolicy", "internal/privilege", "internal/caport",
}

// Decision packages are pure: no I/O, no clock, no randomness.
var decision = []string{"internal/authn", "internal/policy", "internal/pim"}

var forbiddenForDomain = []string{"database/sql", "net/http"}

func isEdgeOrStore(imp string) bool {
	for _, p := range []string{"internal/store", "internal/api", "internal/httpx", "internal/web", "internal/signin",
		"internal/provider", "internal/app", "internal/bearer", "internal/cli", "internal/testenv"} {
		if imp == module+"/"+p || strings.HasPrefix(imp, module+"/"+p+"/") {
			return true
		}
	}
	return false
}

func TestDomainImports(t *testing.T) {
	pkgs := listPackages(t)
	for _, name := range domain {
		p, ok := pkgs[name]
		if !ok {
			continue // not written yet
		}
		for _, d := range p.Deps {
			if slices.Contains(forbiddenForDomain, d) {
				t.Errorf("%s depends on %s; domain packages must not (STYLE.md: only edges do I/O)", name, d)
			}
			if isEdgeOrStore(d) {
				t.Errorf("%s depends on %s; domain packages must not import stores or edges", name, strings.TrimPrefix(d, module+"/"))
			}
		}
	}
}

func TestOnlyWiringImportsConcreteStores(t *testing.T) {
	pkgs := listPackages(t)
	for name, p := range pkgs {
		if name == "internal/app" || strings.HasPrefix(name, "internal/store") || strings.HasPrefix(name, "cmd/") {
			continue
		}
		for _, imp := range p.Imports {
			if imp == module+"/internal/store/sqlite" || imp == module+"/internal/store/postgres" {
				t.Errorf("%s imports %s; only internal/app wires concrete stores", name, imp)
			}
		}
	}
}

func TestDecisionsArePure(t *testing.T) {
	pkgs := listPackages(t)
	banned := []string{"os", "log/slog", "log", "crypto/rand", "math/rand", "math/rand/v2", "net", "io/fs"}
	for _, name := range decision {
		p, ok := pkgs[name]
		if !ok {
			continue
		}
		for _, imp := range p.Imports {
			if slices.Contains(banned, imp) {
				t.Errorf("%s imports %s; decision packages are pure functions", name, imp)
			}
		}
		// No reading of the clock: time is passed in.
		fset := token.NewFileSet()
		for _, f := range p.GoFiles {
			file, err := parser.ParseFile(fset, filepath.Join(p.Dir, f), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "time" && (sel.Sel.Name == "Now" || sel.Sel.Name == "Since" || sel.Sel.Name == "Until") {
					t.Errorf("%s: %s reads the clock (time.%s); decisions take the time as an argument", name, fset.Position(sel.Pos()), sel.Sel.Name)
				}
				return true
			})
		}
	}
}

func TestEveryPackageHasDoc(t *testing.T) {
	for name, p := range listPackages(t) {
		if len(p.GoFiles) == 0 {
			continue
		}
		if _, err := os.Stat(filepath.Join(p.Dir, "doc.go")); err != nil && !strings.HasPrefix(name, "cmd/") && !strings.HasPrefix(name, "examples/") {
			t.Errorf("%s has no doc.go", name)
		}
	}
}
