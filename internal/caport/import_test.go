package caport_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/caport"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/policy"
	"github.com/strongroom-id/strongroom/internal/store"
)

const fixtures = "testdata/fixtures"

// Ids in the fixtures, as the source tenant had them.
const (
	srcGroup    = "6a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	srcOffice   = "1f0ab7e4-5c7e-4b7a-9d1e-0a4c7f3e2b11"
	srcCountry  = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
	srcStrength = "4c3b2a19-0f8e-4d7c-b6a5-948372615041"
)

func fixtureObjects(t *testing.T) []caport.Object {
	t.Helper()
	docs, err := caport.ReadPaths([]string{fixtures})
	must(t, err)
	return parse(t, docs...)
}

func storedPolicy(t *testing.T, e *env, name string) policy.Policy {
	t.Helper()
	ps, err := e.db.FindCAPolicies(context.Background())
	must(t, err)
	for _, p := range ps {
		if p.DisplayName == name {
			return p
		}
	}
	t.Fatalf("no stored policy %q", name)
	return policy.Policy{}
}

// The hand-written fixtures use an authentication context, a custom
// strength expanded inside the policy, a named location and a group by
// id: all are created, the references rewritten to the new ids, and the
// policy keeps its state.
func TestImportFixtures(t *testing.T) {
	t.Parallel()
	objs := fixtureObjects(t)
	dialects(t, func(t *testing.T, newEnv func() *env) {
		e := newEnv()
		rep, err := e.svc.Import(e.ctx, objs, caport.Options{})
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		want := caport.Counts{Policies: 2, NamedLocations: 2, AuthenticationStrengths: 1, AuthenticationContexts: 1, Groups: 1}
		if rep.Created != want {
			t.Errorf("created %+v, want %+v", rep.Created, want)
		}
		if len(rep.Placeholders) != 0 {
			t.Errorf("placeholders %+v", rep.Placeholders)
		}
		group := object(t, rep, caport.KindGroup, "Emergency access accounts")
		office := object(t, rep, caport.KindNamedLocation, "Head office")
		country := object(t, rep, caport.KindNamedLocation, "Blocked countries")
		strength := object(t, rep, caport.KindStrength, "FIDO2 Only - High Privilege")
		for _, o := range []caport.ObjectReport{group, office, country, strength} {
			if o.Action != caport.ActionCreate || o.ID == "" || o.ID == o.SourceID {
				t.Errorf("%s %q: %+v, want created with a new id", o.Kind, o.DisplayName, o)
			}
		}
		if !slices.Equal(group.Ignored, []string{"proxyAddresses", "visibility"}) || !hasNote(group, "without members") {
			t.Errorf("group report %+v", group)
		}

		p := storedPolicy(t, e, "Sensitive actions need a FIDO2 key")
		if p.State != policy.StateEnabled {
			t.Errorf("state %q, want enabled (every reference resolved)", p.State)
		}
		if got := p.Conditions.Applications.IncludeAuthenticationContextClassReferences; !slices.Equal(got, []string{"c1"}) {
			t.Errorf("contexts %v", got)
		}
		if got := p.Conditions.Users.ExcludeGroups; !slices.Equal(got, []string{group.ID}) {
			t.Errorf("excludeGroups %v, want [%s]", got, group.ID)
		}
		if got := p.Conditions.Locations.ExcludeLocations; !slices.Equal(got, []string{office.ID}) {
			t.Errorf("excludeLocations %v, want [%s]", got, office.ID)
		}
		if got := p.GrantControls.AuthenticationStrength; got == nil || got.ID != strength.ID {
			t.Errorf("strength %+v, want %s", got, strength.ID)
		}
		if f := p.SessionControls.SignInFrequency; f == nil || f.FrequencyInterval != policy.FrequencyEveryTime {
			t.Errorf("sign-in frequency %+v", f)
		}
		pr := object(t, rep, caport.KindPolicy, p.DisplayName)
		if !slices.Contains(pr.Ignored, "conditions.times") || !hasNote(pr, "Emergency access accounts", "no members") {
			t.Errorf("policy report %+v", pr)
		}
		st, err := e.db.FindAuthStrengthByID(context.Background(), strength.ID)
		must(t, err)
		if len(st.CombinationConfigurations) != 1 || len(st.CombinationConfigurations[0].AllowedAAGUIDs) != 2 {
			t.Errorf("strength's combination configurations %+v", st.CombinationConfigurations)
		}
		c, err := e.db.FindAuthContextByID(context.Background(), "c1")
		if err != nil || !c.IsAvailable || c.DisplayName != "Sensitive actions" {
			t.Errorf("context c1: %+v %v", c, err)
		}

		// The policy in the {"value": […]} file, with PascalCase keys and
		// comma-separated strings, refers to the country location and the
		// group of other files.
		v := storedPolicy(t, e, "Block sign-ins from blocked countries")
		if !slices.Equal(v.Conditions.ClientAppTypes, []string{"browser", "mobileAppsAndDesktopClients"}) ||
			!slices.Equal(v.Conditions.Locations.IncludeLocations, []string{country.ID}) ||
			!slices.Equal(v.Conditions.Users.ExcludeGroups, []string{group.ID}) ||
			!slices.Equal(v.GrantControls.BuiltInControls, []string{"block"}) || v.GrantControls.Operator != "OR" ||
			v.State != policy.StateReportOnly {
			t.Errorf("variant policy %+v %+v", v.Conditions, v.GrantControls)
		}
		l, err := e.db.FindNamedLocationByID(context.Background(), country.ID)
		must(t, err)
		if !slices.Equal(l.CountriesAndRegions, []string{"KP", "IR"}) {
			t.Errorf("countries %v", l.CountriesAndRegions)
		}

		// Every object is audited with the API's activity names.
		evs, err := e.db.FindAuditEvents(context.Background(), store.AuditFilter{})
		must(t, err)
		var acts []string
		for _, se := range evs {
			var ev audit.Event
			must(t, json.Unmarshal(se.Body, &ev))
			acts = append(acts, ev.ActivityDisplayName)
		}
		slices.Sort(acts)
		wantActs := []string{capolicy.ActivityAddPolicy.Name, capolicy.ActivityAddPolicy.Name, capolicy.ActivityAddContext.Name,
			directory.ActivityAddGroup.Name, capolicy.ActivityAddNamedLocation.Name, capolicy.ActivityAddNamedLocation.Name, capolicy.ActivityCreateStrength.Name}
		slices.Sort(wantActs)
		if diff := cmp.Diff(wantActs, acts); diff != "" {
			t.Errorf("audited activities (-want +got):\n%s", diff)
		}

		// The compiled policies see the import at once.
		snap, err := e.ca.Snapshot(e.ctx)
		must(t, err)
		if _, ok := snap.Strength(strength.ID); !ok {
			t.Errorf("the service's snapshot lacks the imported strength")
		}
	})
}

// utf16Bytes encodes s as UTF-16 with a byte-order mark.
func utf16Bytes(s string, order binary.ByteOrder) []byte {
	var b bytes.Buffer
	var bom [2]byte
	order.PutUint16(bom[:], 0xFEFF)
	b.Write(bom[:])
	for _, u := range utf16.Encode([]rune(s)) {
		var x [2]byte
		order.PutUint16(x[:], u)
		b.Write(x[:])
	}
	return b.Bytes()
}

// The same policy reads the same whatever the encoding, key case, list
// form (array or comma-separated string), nulls, wrapping ({"value"} or an
// array) and form of authenticationStrength (id or expanded).
func TestParseVariants(t *testing.T) {
	canonical := `{"displayName":"P","state":"enabled",
		"conditions":{"clientAppTypes":["browser","mobileAppsAndDesktopClients"],"users":{"includeUsers":["All"],"excludeGroups":["g1","g2"]},
		"applications":{"includeApplications":["All"]}},
		"grantControls":{"operator":"OR","authenticationStrength":{"id":"00000000-0000-0000-0000-000000000004"}}}`
	want := parse(t, doc("canonical.json", canonical))[0].Policy
	policyC1 := string(readFile(t, fixtures+"/policy-c1.json"))
	wantC1 := parse(t, doc("policy-c1.json", policyC1))

	for _, tc := range []struct {
		name string
		data []byte
		c1   bool // the policy-c1 fixture rather than the canonical policy
	}{
		{"UTF-8 BOM", append([]byte("\xef\xbb\xbf"), canonical...), false},
		{"UTF-16LE BOM", utf16Bytes(canonical, binary.LittleEndian), false},
		{"UTF-16BE BOM", utf16Bytes(canonical, binary.BigEndian), false},
		{"UTF-16LE BOM fixture", utf16Bytes(policyC1, binary.LittleEndian), true},
		{"key case", []byte(`{"DISPLAYNAME":"P","State":"Enabled","Conditions":{"ClientAppTypes":["Browser","MobileAppsAndDesktopClients"],
			"USERS":{"includeusers":["all"],"ExcludeGroups":["g1","g2"]},"Applications":{"IncludeApplications":["all"]}},
			"GrantControls":{"Operator":"or","AuthenticationStrength":{"Id":"00000000-0000-0000-0000-000000000004"}}}`), false},
		{"comma-separated strings", []byte(`{"displayName":"P","state":"enabled","conditions":{"clientAppTypes":"browser, mobileAppsAndDesktopClients",
			"users":{"includeUsers":"All","excludeGroups":"g1,g2"},"applications":{"includeApplications":"All"}},
			"grantControls":{"operator":"OR","authenticationStrength":"00000000-0000-0000-0000-000000000004"}}`), false},
		{"explicit nulls", []byte(`{"id":null,"displayName":"P","state":"enabled","createdDateTime":null,"sessionControls":null,
			"conditions":{"clientAppTypes":["browser","mobileAppsAndDesktopClients"],"platforms":null,"locations":null,"userRiskLevels":null,
			"users":{"includeUsers":["All"],"excludeGroups":["g1","g2"],"includeGroups":null},"applications":{"includeApplications":["All"],"applicationFilter":null}},
			"grantControls":{"operator":"OR","builtInControls":null,"authenticationStrength":{"id":"00000000-0000-0000-0000-000000000004"}}}`), false},
		{"expanded built-in strength", []byte(`{"displayName":"P","state":"enabled",
			"conditions":{"clientAppTypes":["browser","mobileAppsAndDesktopClients"],"users":{"includeUsers":["All"],"excludeGroups":["g1","g2"]},
			"applications":{"includeApplications":["All"]}},
			"grantControls":{"operator":"OR","authenticationStrength":{"id":"00000000-0000-0000-0000-000000000004","displayName":"Phishing-resistant MFA",
			"policyType":"builtIn","requirementsSatisfied":"mfa","allowedCombinations":["windowsHelloForBusiness","fido2","x509CertificateMultiFactor"]}}}`), false},
		{"value list", []byte(`{"@odata.context":"x","value":[` + canonical + `]}`), false},
		{"array", []byte(`[` + canonical + `]`), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs := parse(t, caport.Document{Name: tc.name, Data: tc.data})
			if tc.c1 {
				if diff := cmp.Diff(wantC1, objs, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Source" }, cmp.Ignore())); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				return
			}
			if len(objs) != 1 || objs[0].Kind != caport.KindPolicy {
				t.Fatalf("objects %+v", objs)
			}
			if diff := cmp.Diff(want, objs[0].Policy); diff != "" {
				t.Errorf("policy (-want +got):\n%s", diff)
			}
		})
	}
}

// Kinds come from @odata.type or, without it, from the shape.
func TestParseKinds(t *testing.T) {
	for _, tc := range []struct {
		json string
		want caport.Kind
	}{
		{`{"@odata.type":"#microsoft.graph.conditionalAccessPolicy","displayName":"p","conditions":null}`, caport.KindPolicy},
		{`{"displayName":"p","state":"enabled","conditions":{},"sessionControls":{}}`, caport.KindPolicy},
		{`{"@odata.type":"#microsoft.graph.ipNamedLocation","displayName":"l"}`, caport.KindNamedLocation},
		{`{"displayName":"l","ipRanges":[{"cidrAddress":"10.0.0.0/16"}]}`, caport.KindNamedLocation},
		{`{"displayName":"l","countriesAndRegions":["FR"]}`, caport.KindNamedLocation},
		{`{"displayName":"s","allowedCombinations":["fido2"]}`, caport.KindStrength},
		{`{"@odata.type":"microsoft.graph.authenticationStrengthPolicy","displayName":"s"}`, caport.KindStrength},
		{`{"id":"c7","displayName":"c","isAvailable":false}`, caport.KindContext},
		{`{"displayName":"g","securityEnabled":true}`, caport.KindGroup},
		{`{"displayName":"g","MailNickname":"g"}`, caport.KindGroup},
		{`{"@odata.type":"#microsoft.graph.group","displayName":"g"}`, caport.KindGroup},
	} {
		objs, err := caport.Parse([]caport.Document{doc("x.json", tc.json)})
		if err != nil || len(objs) != 1 || objs[0].Kind != tc.want {
			t.Errorf("%s: %+v %v, want one %s", tc.json, objs, err, tc.want)
		}
	}
}

// Bad input is refused with every problem, each naming its file (and item,
// and property or line).
func TestParseErrors(t *testing.T) {
	_, err := caport.Parse([]caport.Document{
		doc("good.json", `{"id":"c2","displayName":"ok","isAvailable":true}`),
		doc("broken.json", "{\n  \"displayName\": \"x\",\n  \"state\" \"enabled\"\n}"),
		doc("list.json", `[{"id":"c3","displayName":"ok","isAvailable":true}, {"displayName":"what am I"}]`),
		doc("types.json", `{"displayName":"p","conditions":{"users":{"includeUsers":[1]}}}`),
		doc("user.json", `{"@odata.type":"#microsoft.graph.user","displayName":"u"}`),
		doc("empty.json", "  \n"),
		doc("scalar.json", `"hello"`),
		doc("trailing.json", `{"id":"c4","displayName":"ok","isAvailable":true} {}`),
	})
	ps := problems(t, err)
	got := map[string]string{}
	for _, p := range ps {
		got[p.Source] = p.Property + " " + p.Message
	}
	for source, words := range map[string][]string{
		"broken.json":    {"line 3"},
		"list.json[1]":   {"cannot tell what kind"},
		"types.json":     {"conditions.users.includeUsers[0]", "must be a string"},
		"user.json":      {"#microsoft.graph.user"},
		"empty.json":     {"empty"},
		"scalar.json":    {"a string"},
		"trailing.json":  {"more after the value"},
		"good.json":      nil,
		"list.json[0]":   nil,
		"does-not-exist": nil,
	} {
		msg, ok := got[source]
		if words == nil {
			if ok {
				t.Errorf("%s: unexpected problem %q", source, msg)
			}
			continue
		}
		for _, w := range words {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: problem %q does not mention %q (problems: %v)", source, msg, w, ps)
			}
		}
	}
	if !strings.Contains(err.Error(), "nothing was imported") {
		t.Errorf("error %q", err)
	}
}

// A dry run reports what the import does, and writes and audits nothing.
func TestDryRun(t *testing.T) {
	t.Parallel()
	objs := fixtureObjects(t)
	dialects(t, func(t *testing.T, newEnv func() *env) {
		e := newEnv()
		before := e.counts(t)
		dry, err := e.svc.Import(e.ctx, objs, caport.Options{DryRun: true})
		must(t, err)
		if after := e.counts(t); after != before {
			t.Fatalf("a dry run changed the database: %+v → %+v", before, after)
		}
		if !dry.DryRun || dry.Created.Policies != 2 || dry.Created.Groups != 1 {
			t.Errorf("dry-run report %+v", dry.Created)
		}
		for _, o := range dry.Objects {
			if o.Action == caport.ActionCreate && o.ID != "" && o.Kind != caport.KindContext {
				t.Errorf("dry run reports id %s for %q, which does not exist", o.ID, o.DisplayName)
			}
		}
		real, err := e.svc.Import(e.ctx, objs, caport.Options{})
		must(t, err)
		// Same report but for the ids and the dry-run flag.
		ignore := cmp.FilterPath(func(p cmp.Path) bool {
			s := p.Last().String()
			return s == ".ID" || s == ".DryRun"
		}, cmp.Ignore())
		if diff := cmp.Diff(dry, real, ignore); diff != "" {
			t.Errorf("dry run and import differ (-dry +real):\n%s", diff)
		}
	})
}

// Input that fails validation once its references are resolved imports
// nothing, not even the valid objects before it, and names the file and
// the property.
func TestInvalidImportWritesNothing(t *testing.T) {
	t.Parallel()
	objs := fixtureObjects(t)
	bad := parse(t, doc("bad-policy.json", `{"displayName":"Bad","state":"enabled",
		"conditions":{"users":{"includeUsers":["All"]},"applications":{"includeApplications":["All"]},"clientAppTypes":["fax"]},
		"grantControls":{"operator":"OR","builtInControls":["mfa"],"authenticationStrength":{"id":"00000000-0000-0000-0000-000000000004"}}}`))
	dialects(t, func(t *testing.T, newEnv func() *env) {
		e := newEnv()
		before := e.counts(t)
		_, err := e.svc.Import(e.ctx, append(slices.Clone(objs), bad...), caport.Options{})
		ps := problems(t, err)
		var props []string
		for _, p := range ps {
			if p.Source != "bad-policy.json" {
				t.Errorf("problem in the wrong file: %+v", p)
			}
			props = append(props, p.Property)
		}
		for _, want := range []string{"conditions.clientAppTypes[0]", "grantControls"} {
			if !slices.Contains(props, want) {
				t.Errorf("problems %+v do not name %s", ps, want)
			}
		}
		if after := e.counts(t); after != before {
			t.Errorf("an invalid import changed the database: %+v → %+v", before, after)
		}

		// Two objects with one id, and a strength that Strongroom cannot
		// have twice.
		dup := parse(t, doc("dup.json", `{"id":"`+srcGroup+`","displayName":"Other","securityEnabled":true}`))
		_, err = e.svc.Import(e.ctx, append(slices.Clone(objs), dup...), caport.Options{})
		if ps := problems(t, err); len(ps) != 1 || ps[0].Source != "dup.json" || !strings.Contains(ps[0].Message, "group-breakglass.json") {
			t.Errorf("duplicate id: %+v", ps)
		}
		if after := e.counts(t); after != before {
			t.Errorf("an invalid import changed the database: %+v → %+v", before, after)
		}
	})
}

// A mapping resolves references to objects outside the import: by id,
// display name or user principal name; a mapped object of the import is
// not created; a mapping target that does not exist is invalid input.
func TestMapping(t *testing.T) {
	t.Parallel()
	mapYAML := `
groups:
  "<ExclusionTempGroup>": Emergency access accounts   # created by this import
  "<ExclusionPermGroup>": Existing exclusions          # already in Strongroom
users:
  aaaaaaaa-0000-4000-8000-000000000001: alice@example.com
Applications:
  797f4846-ba00-4fd7-ba43-dac1f8f63013: ` + policy.AdminPortalAppID + `
authenticationStrengths:
  ` + srcStrength + `: Phishing resistant MFA
authenticationContexts:
  c1: c2
namedLocations:
  unused-location: Head office
`
	m, err := caport.ParseMapping("map.yaml", []byte(mapYAML))
	must(t, err)
	objs := fixtureObjects(t)
	extra := parse(t, doc("mapped.json", `{"displayName":"Admins from Entra","state":"enabledForReportingButNotEnforced",
		"conditions":{"users":{"includeUsers":["aaaaaaaa-0000-4000-8000-000000000001"],"excludeGroups":["<ExclusionTempGroup>","<ExclusionPermGroup>"]},
		"applications":{"includeApplications":["797f4846-ba00-4fd7-ba43-dac1f8f63013"]}},
		"grantControls":{"operator":"OR","authenticationStrength":{"id":"`+srcStrength+`"}}}`))
	dialects(t, func(t *testing.T, newEnv func() *env) {
		e := newEnv()
		must(t, e.db.InTx(context.Background(), func(tx *store.Tx) error {
			if err := tx.CreateUser(context.Background(), directory.User{ID: "1c6f0b47-5d0e-4a0f-9a55-3a2f1d2c0b01", UserPrincipalName: "alice@example.com",
				DisplayName: "Alice", AccountEnabled: true, UserType: directory.UserTypeMember, CreatedDateTime: t0}); err != nil {
				return err
			}
			return tx.CreateGroup(context.Background(), directory.Group{ID: "7d1e2f30-4a5b-4c6d-8e7f-9a0b1c2d3e4f", DisplayName: "Existing exclusions",
				MailNickname: "existing", SecurityEnabled: true, CreatedDateTime: t0})
		}))
		rep, err := e.svc.Import(e.ctx, append(slices.Clone(objs), extra...), caport.Options{Mapping: m, MappingSource: "map.yaml"})
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		if len(rep.Placeholders) != 0 {
			t.Errorf("placeholders %+v", rep.Placeholders)
		}
		// The context c1 of the import is c2 here; the inline strength is
		// mapped to the built-in one and not created.
		if rep.Created.AuthenticationStrengths != 0 || rep.Created.AuthenticationContexts != 1 {
			t.Errorf("created %+v", rep.Created)
		}
		if _, err := e.db.FindAuthContextByID(context.Background(), "c2"); err != nil {
			t.Errorf("context c2: %v", err)
		}
		group := object(t, rep, caport.KindGroup, "Emergency access accounts")
		p := storedPolicy(t, e, "Admins from Entra")
		if p.State != policy.StateReportOnly {
			t.Errorf("state %q: a fully mapped policy keeps its state", p.State)
		}
		if got := p.Conditions.Users.ExcludeGroups; !slices.Equal(got, []string{group.ID, "7d1e2f30-4a5b-4c6d-8e7f-9a0b1c2d3e4f"}) {
			t.Errorf("excludeGroups %v", got)
		}
		if got := p.Conditions.Users.IncludeUsers; !slices.Equal(got, []string{"1c6f0b47-5d0e-4a0f-9a55-3a2f1d2c0b01"}) {
			t.Errorf("includeUsers %v", got)
		}
		if got := p.Conditions.Applications.IncludeApplications; !slices.Equal(got, []string{policy.AdminPortalAppID}) {
			t.Errorf("includeApplications %v", got)
		}
		if got := p.GrantControls.AuthenticationStrength.ID; got != authn.PhishingResistantMFAID {
			t.Errorf("strength %s", got)
		}
		c1 := storedPolicy(t, e, "Sensitive actions need a FIDO2 key")
		if got := c1.Conditions.Applications.IncludeAuthenticationContextClassReferences; !slices.Equal(got, []string{"c2"}) {
			t.Errorf("contexts %v", got)
		}
		if !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "namedLocations.unused-location") }) {
			t.Errorf("warnings %v lack the unused mapping", rep.Warnings)
		}
		if !slices.ContainsFunc(rep.Mapped, func(m caport.Mapped) bool {
			return m.Kind == caport.KindUser && m.To == "1c6f0b47-5d0e-4a0f-9a55-3a2f1d2c0b01" && m.DisplayName == "alice@example.com"
		}) {
			t.Errorf("mapped %+v", rep.Mapped)
		}

		// A target that is not there: nothing is imported.
		before := e.counts(t)
		bad, err := caport.ParseMapping("bad.json", []byte(`{"groups":{"<ExclusionTempGroup>":"No such group"}}`))
		must(t, err)
		_, err = e.svc.Import(e.ctx, extra, caport.Options{Mapping: bad, MappingSource: "bad.json"})
		ps := problems(t, err)
		if len(ps) != 1 || ps[0].Source != "bad.json" || ps[0].Property != "groups.<ExclusionTempGroup>" || !strings.Contains(ps[0].Message, "No such group") {
			t.Errorf("problems %+v", ps)
		}
		if after := e.counts(t); after != before {
			t.Errorf("changed: %+v → %+v", before, after)
		}
	})
}

func TestParseMapping(t *testing.T) {
	m, err := caport.ParseMapping("m.json", utf16Bytes(`{"Groups":{"a":"b"},"users":{}}`, binary.LittleEndian))
	must(t, err)
	if m.Groups["a"] != "b" || m.Users == nil {
		t.Errorf("mapping %+v", m)
	}
	// JSON indented with tabs (not YAML).
	if _, err := caport.ParseMapping("m.json", []byte("{\n\t\"groups\": {\"a\": \"b\"}\n}")); err != nil {
		t.Errorf("tab-indented JSON: %v", err)
	}
	for _, tc := range []struct{ text, property string }{
		{`{"group":{"a":"b"}}`, "group"},
		{`{"groups":{"a":""}}`, "groups.a"},
		{`{"groups":{"a":1}}`, "groups.a"},
		{"groups:\n  a: b\n  A: c\n", "groups.a"},
		{`{"groups":["a"]}`, "groups"},
	} {
		_, err := caport.ParseMapping("m", []byte(tc.text))
		if ps := problems(t, err); len(ps) != 1 || ps[0].Property != tc.property {
			t.Errorf("%s: problems %+v, want one about %s", tc.text, ps, tc.property)
		}
	}
}

// Groups are created only with Group.ReadWrite.All; an import needs
// Policy.ReadWrite.ConditionalAccess.
func TestImportPermissions(t *testing.T) {
	t.Parallel()
	objs := fixtureObjects(t)
	dialects(t, func(t *testing.T, newEnv func() *env) {
		e := newEnv()
		app := func(perms ...authz.Permission) context.Context {
			return authz.NewContext(e.ctx, authz.NewApp("app", "app", perms))
		}
		if _, err := e.svc.Import(app(authz.PolicyReadConditionalAccess), objs, caport.Options{DryRun: true}); !isForbidden(err) {
			t.Errorf("read-only caller: %v", err)
		}
		if _, err := e.svc.Import(app(authz.PolicyReadWriteConditionalAccess), objs, caport.Options{DryRun: true}); !isForbidden(err) || !strings.Contains(err.Error(), "Group.ReadWrite.All") {
			t.Errorf("caller without Group.ReadWrite.All: %v", err)
		}
		noGroups := slices.DeleteFunc(slices.Clone(objs), func(o caport.Object) bool { return o.Kind == caport.KindGroup })
		m := caport.Mapping{Groups: map[string]string{srcGroup: "Nobody"}}
		_, err := e.svc.Import(app(authz.PolicyReadWriteConditionalAccess), noGroups, caport.Options{DryRun: true, Mapping: m})
		if ps := problems(t, err); len(ps) != 1 || !strings.Contains(ps[0].Message, "Nobody") {
			t.Errorf("without groups: %v", err)
		}
	})
}

func isForbidden(err error) bool { return errors.Is(err, apperr.Forbidden) }

// The import's rules for states: an enabled policy that loses a reference
// is disabled, as is a report-only policy on a user action; an emptied
// inclusion targets no one; a strength both in its own file and expanded
// in a policy is created once.
func TestImportRules(t *testing.T) {
	t.Parallel()
	strengthFile := doc("strength.json", `{"@odata.type":"#microsoft.graph.authenticationStrengthPolicy","id":"`+srcStrength+`",
		"displayName":"FIDO2 Only - High Privilege","description":"Security keys of the approved models","allowedCombinations":["fido2"],
		"combinationConfigurations":[{"@odata.type":"#microsoft.graph.fido2CombinationConfiguration","appliesToCombinations":["fido2"],
		"allowedAAGUIDs":["ee882879-721c-4913-9775-3dfcce97072a","cb69481e-8ff7-4039-93ec-0a2729a154a8"]}]}`)
	objs := append(fixtureObjects(t), parse(t, strengthFile,
		doc("enabled.json", `{"displayName":"Enabled, exclusion missing","state":"enabled",
			"conditions":{"users":{"includeUsers":["All"],"excludeGroups":["<BreakGlass>"],"excludeUsers":["0f0f0f0f-0000-4000-8000-000000000001"]},
			"applications":{"includeApplications":["All"]}},"grantControls":{"operator":"OR","builtInControls":["block"]}}`),
		doc("emptied.json", `{"displayName":"Only unknown apps and locations","state":"enabled",
			"conditions":{"users":{"includeGroups":["<Nobody>"]},"applications":{"includeApplications":["00000002-0000-0ff1-ce00-000000000000"]},
			"locations":{"includeLocations":["0e0e0e0e-0000-4000-8000-000000000001"]}},
			"grantControls":{"operator":"OR","authenticationStrength":{"id":"0d0d0d0d-0000-4000-8000-000000000001"}}}`),
		doc("action.json", `{"displayName":"Register security info","state":"enabledForReportingButNotEnforced",
			"conditions":{"users":{"includeUsers":["All"]},"applications":{"includeUserActions":["urn:user:registersecurityinfo"]}},
			"grantControls":{"operator":"OR","builtInControls":["mfa"]}}`))...)
	dialects(t, func(t *testing.T, newEnv func() *env) {
		e := newEnv()
		rep, err := e.svc.Import(e.ctx, objs, caport.Options{})
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		if rep.Created.AuthenticationStrengths != 1 {
			t.Errorf("created %d strengths, want 1", rep.Created.AuthenticationStrengths)
		}
		n := 0
		for _, o := range rep.Objects {
			if o.Kind == caport.KindStrength {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%d strength reports, want one for each of the two", n)
		}

		enabled := storedPolicy(t, e, "Enabled, exclusion missing")
		if enabled.State != policy.StateDisabled || len(enabled.Conditions.Users.ExcludeGroups) != 0 || len(enabled.Conditions.Users.ExcludeUsers) != 0 {
			t.Errorf("enabled policy with missing exclusions: %s %+v", enabled.State, enabled.Conditions.Users)
		}
		if r := object(t, rep, caport.KindPolicy, enabled.DisplayName); r.SourceState != policy.StateEnabled || !hasNote(r, "1 user, 1 group") {
			t.Errorf("report %+v", r)
		}

		emptied := storedPolicy(t, e, "Only unknown apps and locations")
		c := emptied.Conditions
		if emptied.State != policy.StateDisabled || !slices.Equal(c.Users.IncludeUsers, []string{"None"}) ||
			!slices.Equal(c.Applications.IncludeApplications, []string{"None"}) || c.Locations != nil ||
			emptied.GrantControls.AuthenticationStrength != nil {
			t.Errorf("emptied policy: %s %+v %+v %+v %+v", emptied.State, c.Users, c.Applications, c.Locations, emptied.GrantControls)
		}
		if r := object(t, rep, caport.KindPolicy, emptied.DisplayName); !hasNote(r, "includeUsers is set to None") ||
			!hasNote(r, "includeApplications is set to None") || !hasNote(r, "location condition is removed", "wider") {
			t.Errorf("notes %v", r.Notes)
		}

		action := storedPolicy(t, e, "Register security info")
		if r := object(t, rep, caport.KindPolicy, action.DisplayName); action.State != policy.StateDisabled || !hasNote(r, "cannot be report-only") || len(r.Notes) != 1 {
			t.Errorf("report-only user action: %s %v", action.State, r.Notes)
		}
		kinds := map[caport.Kind]int{}
		for _, p := range rep.Placeholders {
			kinds[p.Kind]++
		}
		want := map[caport.Kind]int{caport.KindGroup: 2, caport.KindUser: 1, caport.KindApplication: 1, caport.KindNamedLocation: 1, caport.KindStrength: 1}
		if diff := cmp.Diff(want, kinds); diff != "" {
			t.Errorf("placeholders by kind (-want +got):\n%s", diff)
		}

		// The same id with another definition is refused.
		other := parse(t, doc("other.json", strings.Replace(string(strengthFile.Data), `"allowedCombinations":["fido2"]`, `"allowedCombinations":["fido2","windowsHelloForBusiness"]`, 1)))
		before := e.counts(t)
		_, err = e.svc.Import(e.ctx, append(fixtureObjects(t), other...), caport.Options{})
		if ps := problems(t, err); len(ps) != 1 || !strings.Contains(ps[0].Message, "differs") {
			t.Errorf("problems %+v", ps)
		}
		if after := e.counts(t); after != before {
			t.Errorf("changed: %+v → %+v", before, after)
		}
	})
}
