package enforcement_test

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/enforcement"
	"github.com/strongroom-id/strongroom/internal/policy"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/store/sqlite"
)

// The benchmarks measure one sign-in decision through the engine the
// sign-in service calls (Requirements.Evaluate): the cached compiled
// policies, the engine's view of the attempt, the evaluation and the
// translation into what the sign-in log and pages need (every policy's
// result). The tenant is real, in SQLite: users, 1 400 groups, 50 named
// locations, 195 policies shaped like a large tenant's. The number of users
// in the directory does not enter a decision (the attempt carries the
// user's groups and roles, resolved by the sign-in service), which the
// 100- and 10 000-user runs show.

func gid(kind, i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", kind, i) }

const (
	roleSecurityAdmin = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	roleGlobalAdmin   = "62e90394-69f5-4237-9190-012177145e10"
)

type benchTenant struct {
	ca      *capolicy.Service
	reqs    *enforcement.Requirements
	attempt signin.Attempt
}

func newBenchTenant(b *testing.B, users, policies int) *benchTenant {
	b.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for i := range users {
			u := directory.User{ID: gid(0x5e, i), UserPrincipalName: fmt.Sprintf("user%05d@contoso.com", i), DisplayName: fmt.Sprint("User ", i),
				AccountEnabled: true, UserType: directory.UserTypeMember, CreatedDateTime: now, TokensValidAfter: now}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		for i := range 1400 {
			g := directory.Group{ID: gid(0x6, i), DisplayName: fmt.Sprint("Group ", i), MailNickname: fmt.Sprint("g", i), SecurityEnabled: true, CreatedDateTime: now}
			if err := tx.CreateGroup(ctx, g); err != nil {
				return err
			}
		}
		for i := range 50 {
			l := policy.NamedLocation{ID: gid(0x10c, i), ODataType: policy.ODataIPNamedLocation, DisplayName: fmt.Sprint("L", i), IsTrusted: i%3 == 0, CreatedDateTime: now}
			if i%5 == 4 {
				l = policy.NamedLocation{ID: gid(0x10c, i), ODataType: policy.ODataCountryNamedLocation, DisplayName: fmt.Sprint("L", i),
					CountriesAndRegions: []string{"RU", "KP", "IR"}, CreatedDateTime: now}
			} else {
				for r := range 20 {
					l.IPRanges = append(l.IPRanges, policy.IPRange{CIDRAddress: fmt.Sprintf("10.%d.%d.0/24", i, r)})
				}
			}
			if err := tx.CreateNamedLocation(ctx, l); err != nil {
				return err
			}
		}
		for i := range policies {
			if _, err := capolicy.CreatePolicyInTx(ctx, tx, benchPolicy(i), policy.References{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	ca := capolicy.NewService(store.Bind[capolicy.Tx](db), func() time.Time { return now })
	if _, err := ca.Snapshot(ctx); err != nil {
		b.Fatal(err)
	}
	groups := make([]string, 200)
	for i := range groups {
		groups[i] = gid(0x6, i*7) // the user is in every 7th group
	}
	u := directory.User{ID: gid(0x5e, users/2), UserType: directory.UserTypeMember}
	return &benchTenant{
		ca:   ca,
		reqs: enforcement.New(ca, nil),
		attempt: signin.Attempt{User: u, GroupIDs: groups, RoleIDs: []string{roleSecurityAdmin},
			Evidence: authn.Evidence{Proofs: []authn.Proof{
				{Mode: authn.Password, Time: now.Add(-20 * time.Minute)},
				{Mode: authn.SoftwareOath, Time: now.Add(-19 * time.Minute)},
				{Mode: authn.Fido2, Time: now.Add(-2 * time.Minute), UserVerified: true, AAGUID: "cb69481e-8ff7-4039-93ec-0a2729a154a8"}}},
			Registered: []authn.Mode{authn.Fido2, authn.Password, authn.SoftwareOath},
			Target:     signin.Target{AppID: gid(0xa, 3)},
			ClientIP:   netip.MustParseAddr("10.3.7.9"),
			UserAgent:  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/140.0",
			Now:        now,
		},
	}
}

// benchPolicy is policy i of a large tenant: the mix of
// internal/policy's benchmark (users, groups, roles, guests; all or listed
// apps, contexts; locations, platforms, device filters, risk; mfa,
// strengths, unverifiable controls, blocks; sign-in frequency).
func benchPolicy(i int) policy.Policy {
	p := policy.Policy{DisplayName: fmt.Sprintf("%03d - bench policy", i), State: policy.StateEnabled}
	switch i % 10 {
	case 7:
		p.State = policy.StateReportOnly
	case 9:
		p.State = policy.StateDisabled
	}
	u := &policy.Users{ExcludeGroups: []string{gid(0x6, 9999), gid(0x6, i*13+1)}}
	switch i % 4 {
	case 0:
		u.IncludeUsers = []string{policy.UsersAll}
	case 1:
		u.IncludeGroups = []string{gid(0x6, i*7+i%2), gid(0x6, 5000+i)}
	case 2:
		u.IncludeRoles = []string{roleGlobalAdmin, roleSecurityAdmin}
	case 3:
		u.IncludeGroups = []string{gid(0x6, i*3+1)}
		u.IncludeGuestsOrExternalUsers = &policy.GuestsOrExternalUsers{GuestOrExternalUserTypes: []string{policy.GuestTypeInternalGuest}}
	}
	a := &policy.Applications{IncludeApplications: []string{policy.AppsAll}}
	if i%3 == 1 {
		a.IncludeApplications = []string{gid(0xa, i%40), gid(0xa, (i+1)%40), gid(0xa, (i+2)%40), policy.AppsMicrosoftAdminPortals}
	}
	if i%11 == 5 {
		a = &policy.Applications{IncludeAuthenticationContextClassReferences: []string{fmt.Sprintf("c%d", 1+i%20)}}
	}
	c := policy.Conditions{Users: u, Applications: a, ClientAppTypes: []string{policy.ClientAppBrowser, policy.ClientAppMobileAppsAndDesktopClients}}
	if i%5 == 0 {
		c.Locations = &policy.Locations{IncludeLocations: []string{policy.LocationsAll}, ExcludeLocations: []string{policy.LocationsAllTrusted, gid(0x10c, i%50)}}
	}
	if i%6 == 3 {
		c.Platforms = &policy.Platforms{IncludePlatforms: []string{policy.PlatformAll}, ExcludePlatforms: []string{policy.PlatformAndroid, policy.PlatformIOS, policy.PlatformWindows, policy.PlatformMacOS}}
	}
	if i%8 == 2 {
		c.Devices = &policy.Devices{DeviceFilter: &policy.Filter{Mode: policy.FilterExclude, Rule: `device.extensionAttribute1 -eq "SAW" -or device.trustType -eq "ServerAD"`}}
	}
	p.Conditions = c
	switch i % 7 {
	case 0, 1, 4:
		p.GrantControls = &policy.GrantControls{Operator: policy.OperatorOR, BuiltInControls: []string{policy.ControlMFA}}
	case 2, 5:
		p.GrantControls = &policy.GrantControls{Operator: policy.OperatorOR, AuthenticationStrength: &policy.StrengthRef{ID: authn.PhishingResistantMFAID}}
	case 3:
		p.GrantControls = &policy.GrantControls{Operator: policy.OperatorOR, BuiltInControls: []string{policy.ControlMFA, policy.ControlCompliantDevice}}
	case 6:
		p.GrantControls = &policy.GrantControls{Operator: policy.OperatorOR, BuiltInControls: []string{policy.ControlBlock}}
		p.Conditions.Locations = &policy.Locations{IncludeLocations: []string{gid(0x10c, 4+5*(i%10))}}
	}
	if i%9 == 0 {
		p.SessionControls = &policy.SessionControls{SignInFrequency: &policy.SignInFrequency{IsEnabled: true, Type: policy.FrequencyHours, Value: int32(1 + i%12), FrequencyInterval: policy.FrequencyTimeBased}}
	}
	return p
}

func benchRequirements(b *testing.B, users, policies int) {
	t := newBenchTenant(b, users, policies)
	ctx := context.Background()
	var d signin.Decision
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if d, err = t.reqs.Evaluate(ctx, t.attempt); err != nil {
			b.Fatal(err)
		}
	}
	if !d.Satisfied || len(d.Applied) != policies {
		b.Fatalf("decision: satisfied %v, %d policies logged; blocked by %q: %s", d.Satisfied, len(d.Applied), d.BlockedBy, d.Message)
	}
}

// BenchmarkRequirements195Policies10000Users is DESIGN.md's scenario
// through the engine: 195 policies, a user in 200 groups, 10 000 users.
func BenchmarkRequirements195Policies10000Users(b *testing.B) {
	benchRequirements(b, 10000, policy.MaxPolicies)
}

// BenchmarkRequirements195Policies100Users is the same tenant with 100
// users: the same cost.
func BenchmarkRequirements195Policies100Users(b *testing.B) {
	benchRequirements(b, 100, policy.MaxPolicies)
}

// BenchmarkRequirements10Policies10000Users is a small policy set.
func BenchmarkRequirements10Policies10000Users(b *testing.B) { benchRequirements(b, 10000, 10) }

// BenchmarkSetEvaluate195PoliciesSameTenant is the pure evaluation of the
// same sign-in on the same compiled policies, without the engine's
// translation (next steps, messages, the sign-in log's list of every
// policy with its result): the difference is what Requirements adds.
func BenchmarkSetEvaluate195PoliciesSameTenant(b *testing.B) {
	t := newBenchTenant(b, 10000, policy.MaxPolicies)
	snap, err := t.ca.Snapshot(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	a := t.attempt
	in := policy.SignIn{UserID: a.User.ID, UserType: policy.UserTypeMember, GroupIDs: a.GroupIDs, RoleTemplateIDs: a.RoleIDs,
		ApplicationID: a.Target.AppID, IPAddress: a.ClientIP, DevicePlatform: enforcement.Platform(a.UserAgent), ClientAppType: policy.ClientAppBrowser,
		SignInRiskLevel: policy.RiskNone, UserRiskLevel: policy.RiskNone, Evidence: a.Evidence,
		Registered: &policy.Registered{Modes: authn.SetOf(a.Registered...)}, Now: a.Now}
	b.ReportAllocs()
	for b.Loop() {
		snap.Set.Evaluate(in)
	}
}
