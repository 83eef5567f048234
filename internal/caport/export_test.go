package caport_test

import (
	"encoding/json"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/cagraph"
	"github.com/strongroom-id/strongroom/internal/caport"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/policy"
	"github.com/strongroom-id/strongroom/internal/store"
)

// richPolicy sets most of what a policy can hold, to check that none of
// it is lost in a round trip.
const richPolicy = `{
  "displayName": "Everything: partners on phones",
  "templateId": "c7503427-338e-4c5e-902d-abe252abfb43",
  "state": "enabledForReportingButNotEnforced",
  "conditions": {
    "clientAppTypes": ["browser", "mobileAppsAndDesktopClients"],
    "signInRiskLevels": ["high", "medium"],
    "userRiskLevels": ["high"],
    "insiderRiskLevels": "elevated",
    "platforms": {"includePlatforms": ["android", "iOS"], "excludePlatforms": []},
    "devices": {"deviceFilter": {"mode": "exclude", "rule": "device.trustType -eq \"ServerAD\" -or device.isCompliant -eq True"}},
    "applications": {"includeApplications": ["All"], "excludeApplications": ["` + adminPortal + `"]},
    "users": {
      "includeUsers": ["GuestsOrExternalUsers"],
      "includeGroups": ["{{group}}"],
      "includeGuestsOrExternalUsers": {"guestOrExternalUserTypes": "internalGuest,b2bCollaborationGuest",
        "externalTenants": {"@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants", "membershipKind": "all"}}
    },
    "locations": {"includeLocations": ["{{country}}", "{{office}}"], "excludeLocations": ["AllTrusted"]},
    "authenticationFlows": {"transferMethods": "deviceCodeFlow,authenticationTransfer"}
  },
  "grantControls": {"operator": "AND", "builtInControls": ["compliantDevice"], "termsOfUse": ["1a2b3c4d-0000-4000-8000-000000000099"],
    "authenticationStrength": {"id": "{{strength}}"}},
  "sessionControls": {
    "persistentBrowser": {"isEnabled": false, "mode": "never"},
    "signInFrequency": {"isEnabled": true, "type": "hours", "value": 4, "authenticationType": "primaryAndSecondaryAuthentication", "frequencyInterval": "timeBased"},
    "cloudAppSecurity": {"isEnabled": true, "cloudAppSecurityType": "monitorOnly"},
    "applicationEnforcedRestrictions": {"isEnabled": true},
    "disableResilienceDefaults": true
  }
}`

const adminPortal = "5d3c1e7a-3f0b-4b8e-9f1a-57a0c0de0001"

// richStrength has an x509 configuration and combinations Strongroom
// cannot prove.
const richStrength = `{"displayName": "Keys or certificates", "description": "", "allowedCombinations": ["fido2", "x509CertificateMultiFactor", "password,sms"],
  "combinationConfigurations": [{"@odata.type": "#microsoft.graph.x509CertificateCombinationConfiguration",
    "appliesToCombinations": ["x509CertificateMultiFactor"], "allowedIssuerSkis": ["9A4248C6AC8C2931AB2A86537818E92E7B6C97B6"], "allowedPolicyOIDs": []}]}`

// seed creates objects the way the API does (not through an import), from
// the fixtures and the rich policy, so that the round trip below checks
// the import against the services.
func seed(t *testing.T, e *env) {
	t.Helper()
	ctx := e.ctx
	dir := directory.NewService(store.Bind[directory.Tx](e.db))
	g, err := dir.CreateGroup(ctx, directory.GroupInput{DisplayName: "Emergency access accounts", Description: "Break-glass", MailNickname: "emergency"})
	must(t, err)
	ids := map[string]string{"group": g.ID}
	for name, text := range map[string]string{
		"office":  string(readFile(t, fixtures+"/location-office.json")),
		"country": `{"@odata.type":"#microsoft.graph.countryNamedLocation","displayName":"Blocked countries","countriesAndRegions":["KP","IR"]}`,
		"gps":     `{"@odata.type":"#microsoft.graph.countryNamedLocation","displayName":"Nowhere","countriesAndRegions":[],"includeUnknownCountriesAndRegions":true,"countryLookupMethod":"authenticatorAppGps"}`,
	} {
		l, _, err := cagraph.DecodeNamedLocation([]byte(text), cagraph.Lenient)
		must(t, err)
		l, err = e.ca.CreateNamedLocation(ctx, l)
		must(t, err)
		ids[name] = l.ID
	}
	var c1 map[string]any
	must(t, json.Unmarshal(readFile(t, fixtures+"/policy-c1.json"), &c1))
	strengthJSON, err := json.Marshal(c1["grantControls"].(map[string]any)["authenticationStrength"])
	must(t, err)
	for name, text := range map[string]string{"strength": string(strengthJSON), "certs": richStrength} {
		st, _, err := cagraph.DecodeStrength([]byte(text), cagraph.Lenient)
		must(t, err)
		st, err = e.ca.CreateStrength(ctx, st)
		must(t, err)
		ids[name] = st.ID
	}
	for _, c := range []policy.AuthenticationContext{{ID: "c1", DisplayName: "Sensitive actions", Description: "Role activation", IsAvailable: true}, {ID: "c9", DisplayName: "Unpublished"}} {
		_, _, err := e.ca.SaveContext(ctx, c.ID, func(policy.AuthenticationContext, bool) (policy.AuthenticationContext, error) { return c, nil })
		must(t, err)
	}
	c1Text := strings.NewReplacer(srcGroup, ids["group"], srcOffice, ids["office"], srcStrength, ids["strength"]).Replace(string(readFile(t, fixtures+"/policy-c1.json")))
	richText := richPolicy
	for k, v := range ids {
		richText = strings.ReplaceAll(richText, "{{"+k+"}}", v)
	}
	for _, text := range []string{c1Text, richText} {
		p, _, err := cagraph.DecodePolicy([]byte(text), cagraph.Lenient)
		must(t, err)
		_, err = e.ca.CreatePolicy(ctx, p)
		must(t, err)
	}
}

// Export writes one file per object in folders by kind, and an export
// imports into an empty Strongroom as the same objects: the Graph JSON of
// every object is the same after the round trip but for ids and times,
// with references compared by what they name.
func TestExportImportLossless(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, newEnv func() *env) {
		a := newEnv()
		seed(t, a)
		filesA, err := a.svc.Export(a.ctx)
		must(t, err)
		var paths []string
		for _, f := range filesA {
			paths = append(paths, f.Path)
		}
		for _, want := range []string{
			"policies/Sensitive actions need a FIDO2 key.json",
			"policies/Everything_ partners on phones.json",
			"namedLocations/Head office.json",
			"authenticationStrengths/FIDO2 Only - High Privilege.json",
			"authenticationContexts/c1 Sensitive actions.json",
			"groups/Emergency access accounts.json",
		} {
			if !slices.Contains(paths, want) {
				t.Errorf("export lacks %s: %v", want, paths)
			}
		}
		if len(filesA) != 2+3+2+2+1 {
			t.Errorf("%d files: %v", len(filesA), paths)
		}

		b := newEnv()
		docs := make([]caport.Document, len(filesA))
		for i, f := range filesA {
			docs[i] = caport.Document{Name: f.Path, Data: f.Data}
		}
		rep, err := b.svc.Import(b.ctx, parse(t, docs...), caport.Options{})
		if err != nil {
			t.Fatalf("import of the export into B: %v", err)
		}
		if len(rep.Placeholders) != 0 {
			t.Errorf("placeholders %+v", rep.Placeholders)
		}
		for _, o := range rep.Objects {
			if len(o.Ignored) > 0 || o.SourceState != "" {
				t.Errorf("%s %q: ignored %v, state %s from %s", o.Kind, o.DisplayName, o.Ignored, o.State, o.SourceState)
			}
		}
		filesB, err := b.svc.Export(b.ctx)
		must(t, err)
		ca, cb := canonical(t, filesA), canonical(t, filesB)
		if len(ca) != len(filesA) {
			t.Errorf("canonical form has %d objects", len(ca))
		}
		if diff := cmp.Diff(ca, cb); diff != "" {
			t.Errorf("export → import → export is not lossless (-A +B):\n%s", diff)
		}

		// Export needs a read permission.
		ctx := authz.NewContext(a.ctx, authz.NewApp("x", "x", []authz.Permission{authz.UserReadAll}))
		if _, err := a.svc.Export(ctx); !isForbidden(err) {
			t.Errorf("export without permission: %v", err)
		}
	})
}

// canonical returns an export's objects by kind and display name, without
// ids and times, with references replaced by what they name.
func canonical(t *testing.T, files []caport.File) map[string]any {
	t.Helper()
	objs := map[string]map[string]any{}
	names := map[string]string{} // id → kind:displayName
	for _, f := range files {
		var m map[string]any
		if err := json.Unmarshal(f.Data, &m); err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		kind := path.Dir(f.Path)
		key := kind + ":" + m["displayName"].(string)
		if _, dup := objs[key]; dup {
			t.Fatalf("two %s", key)
		}
		objs[key] = m
		if id, ok := m["id"].(string); ok && kind != string(caport.KindContext) {
			names[id] = key
		}
	}
	rename := func(v any) any {
		l, ok := v.([]any)
		if !ok {
			return v
		}
		out := make([]any, len(l))
		for i, x := range l {
			out[i] = x
			if s, ok := x.(string); ok && names[s] != "" {
				out[i] = names[s]
			}
		}
		return out
	}
	out := map[string]any{}
	for key, m := range objs {
		for _, k := range []string{"id", "createdDateTime", "modifiedDateTime"} {
			delete(m, k)
		}
		if ccs, ok := m["combinationConfigurations"].([]any); ok {
			for _, c := range ccs {
				delete(c.(map[string]any), "id")
			}
		}
		if strings.HasPrefix(key, string(caport.KindPolicy)+":") {
			c := m["conditions"].(map[string]any)
			if u, ok := c["users"].(map[string]any); ok {
				u["includeGroups"], u["excludeGroups"] = rename(u["includeGroups"]), rename(u["excludeGroups"])
			}
			if l, ok := c["locations"].(map[string]any); ok {
				l["includeLocations"], l["excludeLocations"] = rename(l["includeLocations"]), rename(l["excludeLocations"])
			}
			if g, ok := m["grantControls"].(map[string]any); ok {
				if s, ok := g["authenticationStrength"].(map[string]any); ok {
					s["id"] = rename([]any{s["id"]}).([]any)[0]
				}
			}
		}
		out[key] = m
	}
	return out
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"Block legacy auth: all users":  "Block legacy auth_ all users",
		"a/b\\c?d*e<f>g|h\"i":           "a_b_c_d_e_f_g_h_i",
		"  ..hidden.  ":                 "hidden",
		"CON":                           "_CON",
		"nul.txt":                       "_nul.txt",
		"":                              "object",
		"???":                           "_",
		"Zugriff für Gäste – sperren":   "Zugriff für Gäste _ sperren",
		strings.Repeat("x", 300):        strings.Repeat("x", 120),
		"tab\there\nnewline":            "tab_here_newline",
		"100 - <RING> - Admin: Require": "100 - _RING_ - Admin_ Require",
	} {
		if got := caport.SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}
