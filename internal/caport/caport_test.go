package caport_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/caport"
	"github.com/strongroom-id/strongroom/internal/clock"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/store/postgres"
	"github.com/strongroom-id/strongroom/internal/store/sqlite"
	"github.com/strongroom-id/strongroom/internal/testenv"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// The store implements the import's ports.
var (
	_ caport.Tx    = (*store.Tx)(nil)
	_ caport.Store = store.Binding[caport.Tx]{}
)

// env is one empty, migrated database with the services over it.
type env struct {
	db  *store.DB
	svc *caport.Service
	ca  *capolicy.Service
	ctx context.Context
}

// dialects runs fn on a fresh SQLite and (when configured) PostgreSQL
// database.
func dialects(t *testing.T, fn func(t *testing.T, newEnv func() *env)) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			newEnv := func() *env {
				t.Helper()
				clk := clock.NewFake(t0)
				var db *store.DB
				var err error
				if d == "sqlite" {
					db, err = sqlite.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{Clock: clk})
				} else {
					db, err = postgres.Open(context.Background(), testenv.PostgresURL(t), store.Options{Clock: clk})
				}
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if _, err := db.Migrate(context.Background()); err != nil {
					t.Fatal(err)
				}
				ca := capolicy.NewService(store.Bind[capolicy.Tx](db), clk.Now)
				ctx := authz.NewContext(context.Background(), authz.SystemPrincipal)
				ctx = audit.NewContext(ctx, audit.Actor{Initiator: audit.Initiator{App: &audit.AppIdentity{DisplayName: "test import"}}})
				return &env{db: db, ca: ca, svc: caport.NewService(store.Bind[caport.Tx](db), ca), ctx: ctx}
			}
			fn(t, newEnv)
		})
	}
}

// counts is how many Conditional Access objects and groups a database
// holds, and its audit head: what an import that wrote nothing leaves
// unchanged.
type counts struct {
	Policies, Locations, Strengths, Contexts, Groups int
	AuditSeq                                         int64
}

func (e *env) counts(t *testing.T) counts {
	t.Helper()
	ctx := context.Background()
	ps, err := e.db.FindCAPolicies(ctx)
	must(t, err)
	ls, err := e.db.FindNamedLocations(ctx)
	must(t, err)
	ss, err := e.db.FindAuthStrengths(ctx)
	must(t, err)
	cs, err := e.db.FindAuthContexts(ctx)
	must(t, err)
	gs, err := e.db.FindGroups(ctx, directory.GroupFilter{})
	must(t, err)
	h, err := e.db.AuditHead(ctx)
	must(t, err)
	return counts{len(ps), len(ls), len(ss), len(cs), len(gs), h.Seq}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// parse reads named documents.
func parse(t *testing.T, docs ...caport.Document) []caport.Object {
	t.Helper()
	objs, err := caport.Parse(docs)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return objs
}

func doc(name, text string) caport.Document { return caport.Document{Name: name, Data: []byte(text)} }

// problems returns the problems of an import's invalid-input error.
func problems(t *testing.T, err error) []caport.Problem {
	t.Helper()
	var ie *caport.InputError
	if !errors.Is(err, apperr.Invalid) || !errors.As(err, &ie) {
		t.Fatalf("error %v: want apperr.Invalid wrapping *caport.InputError", err)
	}
	return ie.Problems
}

func object(t *testing.T, r caport.Report, kind caport.Kind, name string) caport.ObjectReport {
	t.Helper()
	for _, o := range r.Objects {
		if o.Kind == kind && o.DisplayName == name {
			return o
		}
	}
	t.Fatalf("no %s %q in the report: %+v", kind, name, r.Objects)
	return caport.ObjectReport{}
}

func hasNote(o caport.ObjectReport, words ...string) bool {
	return slices.ContainsFunc(o.Notes, func(n string) bool {
		for _, w := range words {
			if !strings.Contains(n, w) {
				return false
			}
		}
		return true
	})
}

const repo = "testdata/ca-policies/AlexFilipin-ConditionalAccess/PolicyRepository"

// Every file of the AlexFilipin repository imports: its group tokens and
// unknown application and location ids are reported as placeholders and
// dropped, and the policies that lost them are imported disabled; 201
// and 211 (report-only on a user action, which Graph refuses) are
// imported disabled too. Nothing is silently dropped.
func TestImportRepository(t *testing.T) {
	t.Parallel()
	docs, err := caport.ReadPaths([]string{repo})
	must(t, err)
	files, _ := filepath.Glob(repo + "/*/*.json")
	if len(docs) != len(files) || len(docs) < 59 {
		t.Fatalf("read %d documents from %d files", len(docs), len(files))
	}
	objs := parse(t, docs...)
	dialects(t, func(t *testing.T, newEnv func() *env) {
		e := newEnv()
		rep, err := e.svc.Import(e.ctx, objs, caport.Options{})
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		if rep.Created.Policies != len(files) || rep.Created.Groups != 0 {
			t.Errorf("created %+v, want %d policies", rep.Created, len(files))
		}
		if got := e.counts(t).Policies; got != len(files) {
			t.Errorf("%d policies stored, want %d", got, len(files))
		}
		// Placeholders: the group tokens, by kind, with who uses them.
		var tokens []string
		for _, p := range rep.Placeholders {
			if p.Kind == caport.KindGroup {
				tokens = append(tokens, p.ID)
			}
			if len(p.UsedBy) == 0 || p.UsedBy[0].Property == "" || p.UsedBy[0].Source == "" {
				t.Errorf("placeholder %+v without its uses", p)
			}
		}
		for _, want := range []string{"<ExclusionTempGroup>", "<AdministratorGroup>", "<EmergencyAccessAccountsGroup>"} {
			if !slices.Contains(tokens, want) {
				t.Errorf("placeholders %v lack %s", tokens, want)
			}
		}
		if !slices.ContainsFunc(rep.Placeholders, func(p caport.Placeholder) bool {
			return p.Kind == caport.KindNamedLocation && p.ID == "3d46dbda-8382-466a-856d-eb00cbc6b910"
		}) {
			t.Errorf("the location 800 excludes is not a placeholder: %+v", rep.Placeholders)
		}
		// A policy that lost references is disabled and says why.
		p100 := object(t, rep, caport.KindPolicy, "100 - <RING> - Admin protection - All apps: Require Strong Auth For admins")
		if p100.State != "disabled" || p100.SourceState != "enabledForReportingButNotEnforced" || !hasNote(p100, "state: imported disabled", "5 groups") ||
			!hasNote(p100, "includeRoles", "96 role template ids") {
			t.Errorf("policy 100: %+v", p100)
		}
		// 201 and 211: report-only on a user action.
		for _, prefix := range []string{"201 - ", "211 - "} {
			i := slices.IndexFunc(rep.Objects, func(o caport.ObjectReport) bool { return strings.HasPrefix(o.DisplayName, prefix) })
			if i < 0 || rep.Objects[i].State != "disabled" || !hasNote(rep.Objects[i], "user action", "cannot be report-only") {
				t.Errorf("policy %s: %+v", prefix, rep.Objects[i])
			}
		}
		// Unenforced properties are named.
		p101 := object(t, rep, caport.KindPolicy, "101 - <RING> - Admin protection - All apps: Require trusted device For admins")
		if !slices.ContainsFunc(p101.NotEnforced, func(n caport.NotEnforced) bool {
			return n.Property == "grantControls.builtInControls[compliantDevice]"
		}) {
			t.Errorf("policy 101 does not report compliantDevice: %+v", p101.NotEnforced)
		}
		// The file with "GrantControls" keeps its grant controls.
		stored, err := e.db.FindCAPolicies(context.Background())
		must(t, err)
		for _, p := range stored {
			if strings.HasPrefix(p.DisplayName, "509 - ") && (p.GrantControls == nil || p.SessionControls == nil ||
				p.SessionControls.SignInFrequency == nil || p.SessionControls.SignInFrequency.Value != 1) {
				t.Errorf("509 (with \"GrantControls\") lost its controls: %+v %+v", p.GrantControls, p.SessionControls)
			}
			if p.State == "enabled" {
				t.Errorf("%q imported enabled", p.DisplayName)
			}
		}
		// Audited as the API does it.
		evs, err := e.db.FindAuditEvents(context.Background(), store.AuditFilter{})
		must(t, err)
		adds := 0
		for _, se := range evs {
			var ev audit.Event
			must(t, json.Unmarshal(se.Body, &ev))
			if ev.ActivityDisplayName == "Add conditional access policy" && ev.InitiatedBy.App != nil && ev.InitiatedBy.App.DisplayName == "test import" {
				adds++
			}
		}
		if adds != len(files) {
			t.Errorf("%d policy creations audited, want %d", adds, len(files))
		}
	})
}

// readFile reads a test file.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	return b
}
