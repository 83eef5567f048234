package policy

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/authn"
)

var update = flag.Bool("update", false, "rewrite the golden decision files in testdata/decisions")

type scenario struct {
	name     string
	about    string
	policies []Policy
	in       SignIn
	// want maps policy id to "result reason" for Evaluate.
	want      map[string]string
	block     bool
	satisfied bool
	// whatIf maps policy id to "applies reason" for WhatIf, where it differs
	// from what want implies or matters in itself.
	whatIf map[string]string
}

var samSAW = &Device{DeviceID: "dev-saw-1", DisplayName: "SAW-01", ExtensionAttributes: [15]string{"SAW"}, TrustType: "AzureAD", IsCompliant: boolp(true), Model: "Surface Pro 9"}
var surfaceCompliant = &Device{DeviceID: "dev-2", Model: "surface laptop 5", IsCompliant: boolp(true), TrustType: "AzureAD"}
var surfaceNoncompliant = &Device{DeviceID: "dev-3", Model: "Surface Laptop 5", IsCompliant: boolp(false), TrustType: "Workplace"}
var hybridJoined = &Device{DeviceID: "dev-4", TrustType: "ServerAD"}

func scenarios() []scenario {
	a := alice()
	bob := signIn(a, as("bob", UserTypeMember, "grp-staff", "grp-admins"), withRoles(roleSecurityAdmin))
	carol := signIn(a, as("carol", UserTypeMember, "grp-staff")) // eligible for Security Administrator, not active
	gina := signIn(a, as("gina", UserTypeGuest))
	root := signIn(a, as("root", UserTypeMember, "grp-breakglass"), withRoles(roleGlobalAdmin))

	return []scenario{
		// Users.
		{name: "users-all-mfa-satisfied", about: "All users, all apps, require MFA; password + authenticator code meets it.",
			policies: policies("all-mfa"), in: signIn(a, proved(passwordOTP)),
			want: map[string]string{"all-mfa": "success notSet"}, satisfied: true},
		{name: "users-all-mfa-prompt", about: "Password alone does not meet MFA; the user has a passkey registered.",
			policies: policies("all-mfa"), in: signIn(a, proved(passwordOnly), registered(&Registered{Modes: authn.SetOf(authn.Password, authn.Fido2)})),
			want: map[string]string{"all-mfa": "failure notSet"}},
		{name: "users-all-mfa-nothing-registered", about: "Password alone, and only a password registered: the control cannot be met without registering.",
			policies: policies("all-mfa"), in: signIn(a, proved(passwordOnly), registered(&Registered{Modes: authn.SetOf(authn.Password)})),
			want: map[string]string{"all-mfa": "failure notSet"}},
		{name: "users-exclusion-beats-inclusion", about: "The break-glass account is in All users and in the excluded group.",
			policies: policies("all-mfa-except-breakglass", "all-mfa"), in: signIn(root, proved(passwordOnly)),
			want: map[string]string{"all-mfa-except-breakglass": "notApplied users", "all-mfa": "failure notSet"}},
		{name: "users-nested-group", about: "alice is in grp-child, nested in grp-parent; the caller passes transitive groups.",
			policies: policies("parent-group-mfa"), in: signIn(a, proved(passwordOTP)),
			want: map[string]string{"parent-group-mfa": "success notSet"}, satisfied: true},
		{name: "users-nested-group-not-member", about: "bob is not in grp-parent.",
			policies: policies("parent-group-mfa"), in: signIn(bob, proved(passwordOnly)),
			want: map[string]string{"parent-group-mfa": "notApplied users"}, satisfied: true},
		{name: "users-role-active", about: "bob holds Security Administrator through an active assignment: phishing-resistant MFA needed.",
			policies: policies("admins-phishing-resistant"), in: signIn(bob, proved(passwordOTP)),
			want: map[string]string{"admins-phishing-resistant": "failure notSet"}},
		{name: "users-role-active-passkey", about: "bob with a passkey meets phishing-resistant MFA.",
			policies: policies("admins-phishing-resistant"), in: signIn(bob, proved(iCloudPass)),
			want: map[string]string{"admins-phishing-resistant": "success notSet"}, satisfied: true},
		{name: "users-role-eligible-only", about: "carol is only eligible for the role; eligible assignments do not count.",
			policies: policies("admins-phishing-resistant"), in: signIn(carol, proved(passwordOnly)),
			want: map[string]string{"admins-phishing-resistant": "notApplied users"}, satisfied: true},
		{name: "users-role-excluded-user", about: "root holds Global Administrator but is excluded by id.",
			policies: policies("admins-phishing-resistant"), in: signIn(root, proved(passwordOnly)),
			want: map[string]string{"admins-phishing-resistant": "notApplied users"}, satisfied: true},
		{name: "users-exclude-role", about: "A Global Reader is excluded from the staff policy by role.",
			policies: policies("staff-except-readers"), in: signIn(a, withRoles(roleGlobalReader), proved(passwordOnly)),
			want: map[string]string{"staff-except-readers": "notApplied users"}, satisfied: true},
		{name: "users-guest", about: "A guest matches GuestsOrExternalUsers and includeGuestsOrExternalUsers with internalGuest, not a b2b-only list, and is excluded from members-not-guests.",
			policies: policies("guests-legacy-value", "guests-internal", "guests-b2b-only", "members-not-guests"),
			in:       signIn(gina, to(AdminPortalAppID), proved(passwordOTP)),
			want: map[string]string{"guests-legacy-value": "success notSet", "guests-internal": "failure notSet",
				"guests-b2b-only": "notApplied users", "members-not-guests": "notApplied users"}, block: true},
		{name: "users-member-not-guest", about: "A member matches none of the guest policies.",
			policies: policies("guests-legacy-value", "guests-internal", "guests-b2b-only", "members-not-guests"),
			in:       signIn(a, to(AdminPortalAppID), proved(passwordOTP)),
			want: map[string]string{"guests-legacy-value": "notApplied users", "guests-internal": "notApplied users",
				"guests-b2b-only": "notApplied users", "members-not-guests": "success notSet"}, satisfied: true},
		{name: "users-none-and-ids", about: "None matches nobody; alice is included by id, bob excluded by id.",
			policies: policies("nobody", "alice-only-not-bob"), in: signIn(bob, proved(passwordOnly)),
			want: map[string]string{"nobody": "notApplied users", "alice-only-not-bob": "notApplied users"}, satisfied: true},
		{name: "users-included-by-id", policies: policies("alice-only-not-bob"), in: signIn(a, proved(passwordOnly)),
			want: map[string]string{"alice-only-not-bob": "failure notSet"}},
		{name: "users-workload-identity-policy", about: "A policy on workload identities never applies to a user sign-in.",
			policies: policies("workload-only"), in: signIn(a),
			want: map[string]string{"workload-only": "notApplied users"}, satisfied: true},

		// Target resources.
		{name: "apps-include-specific", about: "Payroll is blocked; the wiki is not.",
			policies: policies("payroll-block"), in: signIn(a, to(appPayroll)),
			want: map[string]string{"payroll-block": "failure notSet"}, block: true},
		{name: "apps-not-included", policies: policies("payroll-block"), in: signIn(a, to(appWiki)),
			want: map[string]string{"payroll-block": "notApplied application"}, satisfied: true},
		{name: "apps-exclusions-and-admin-portals", about: "All apps except the wiki and the admin portals; MicrosoftAdminPortals means Strongroom's admin portal; Office365 matches nothing.",
			policies: policies("all-apps-but-wiki-and-portal", "admin-portals-mfa", "office365-block"),
			in:       signIn(a, to(AdminPortalAppID), proved(passwordOnly)),
			want: map[string]string{"all-apps-but-wiki-and-portal": "notApplied application", "admin-portals-mfa": "failure notSet",
				"office365-block": "notApplied application"}},
		{name: "apps-my-account", policies: policies("all-apps-but-wiki-and-portal", "admin-portals-mfa", "office365-block"),
			in: signIn(a, to(MyAccountAppID), proved(passwordOTP)),
			want: map[string]string{"all-apps-but-wiki-and-portal": "success notSet", "admin-portals-mfa": "notApplied application",
				"office365-block": "notApplied application"}, satisfied: true},
		{name: "user-action-register-security-info", about: "Registering security info from an untrusted network needs MFA; app policies do not apply to the action.",
			policies: policies("register-security-info", "payroll-block"), in: signIn(a, action(UserActionRegisterSecurityInfo), proved(tapSession)),
			want: map[string]string{"register-security-info": "success notSet", "payroll-block": "notApplied application"}, satisfied: true},
		{name: "user-action-from-trusted", policies: policies("register-security-info"),
			in:   signIn(a, action(UserActionRegisterSecurityInfo), from("203.0.113.7", "DE"), proved(passwordOnly)),
			want: map[string]string{"register-security-info": "notApplied location"}, satisfied: true},
		{name: "user-action-not-requested", policies: policies("register-security-info"), in: signIn(a, proved(passwordOnly)),
			want: map[string]string{"register-security-info": "notApplied userActions"}, satisfied: true},
		{name: "auth-context-c1-password", about: "Step-up to c1 with a password session: phishing-resistant MFA is required.",
			policies: policies("c1-phishing-resistant", "all-mfa"), in: signIn(a, context("c1"), proved(passwordOTP)),
			want: map[string]string{"c1-phishing-resistant": "failure notSet", "all-mfa": "success notSet"}},
		{name: "auth-context-c1-tap", about: "A TAP session never meets a strength that excludes TAP.",
			policies: policies("c1-phishing-resistant"), in: signIn(a, context("c1"), proved(tapSession)),
			want: map[string]string{"c1-phishing-resistant": "failure notSet"}},
		{name: "auth-context-c1-passkey", policies: policies("c1-phishing-resistant", "all-mfa"), in: signIn(a, context("C1"), proved(iCloudPass)),
			want: map[string]string{"c1-phishing-resistant": "success notSet", "all-mfa": "success notSet"}, satisfied: true},
		{name: "auth-context-other", policies: policies("c1-phishing-resistant"), in: signIn(a, context("c2"), proved(passwordOnly)),
			want: map[string]string{"c1-phishing-resistant": "notApplied authenticationContext"}, satisfied: true},
		{name: "auth-context-none", policies: policies("c1-phishing-resistant"), in: signIn(a, proved(passwordOnly)),
			want: map[string]string{"c1-phishing-resistant": "notApplied authenticationContext"}, satisfied: true},

		// Platforms.
		{name: "platform-unknown-blocked", about: "include all, exclude the known platforms: blocks unknown platforms (AlexFilipin 302).",
			policies: policies("block-unknown-platforms", "mobile-mfa"), in: signIn(a, platform("")),
			want: map[string]string{"block-unknown-platforms": "failure notSet", "mobile-mfa": "notApplied devicePlatform"}, block: true,
			whatIf: map[string]string{"block-unknown-platforms": "false notEnoughInformation", "mobile-mfa": "false notEnoughInformation"}},
		{name: "platform-windows", policies: policies("block-unknown-platforms", "mobile-mfa"), in: signIn(a, platform(PlatformWindows)),
			want: map[string]string{"block-unknown-platforms": "notApplied devicePlatform", "mobile-mfa": "notApplied devicePlatform"}, satisfied: true},
		{name: "platform-linux", about: "Linux is not excluded, so the unknown-platform policy catches it.",
			policies: policies("block-unknown-platforms", "mobile-mfa"), in: signIn(a, platform(PlatformLinux)),
			want: map[string]string{"block-unknown-platforms": "failure notSet", "mobile-mfa": "notApplied devicePlatform"}, block: true},
		{name: "platform-ios", policies: policies("block-unknown-platforms", "mobile-mfa"), in: signIn(a, platform("ios"), proved(passwordOTP)),
			want: map[string]string{"block-unknown-platforms": "notApplied devicePlatform", "mobile-mfa": "success notSet"}, satisfied: true},

		// Locations.
		{name: "location-trusted-ipv4", policies: policies("untrusted-mfa", "branch-block"), in: signIn(a, from("203.0.113.50", "DE"), proved(passwordOnly)),
			want: map[string]string{"untrusted-mfa": "notApplied location", "branch-block": "notApplied location"}, satisfied: true},
		{name: "location-trusted-ipv6", policies: policies("untrusted-mfa", "branch-block"), in: signIn(a, from("2001:db8:1:42::1", "DE"), proved(passwordOnly)),
			want: map[string]string{"untrusted-mfa": "notApplied location", "branch-block": "notApplied location"}, satisfied: true},
		{name: "location-ipv4-mapped-ipv6", about: "An IPv4-mapped IPv6 address is its IPv4 address.",
			policies: policies("untrusted-mfa"), in: signIn(a, from("::ffff:203.0.113.50", "DE"), proved(passwordOnly)),
			want: map[string]string{"untrusted-mfa": "notApplied location"}, satisfied: true},
		{name: "location-untrusted-ipv4", policies: policies("untrusted-mfa", "branch-block"), in: signIn(a, from("198.51.100.9", "DE"), proved(passwordOnly)),
			want: map[string]string{"untrusted-mfa": "failure notSet", "branch-block": "failure notSet"}, block: true},
		{name: "location-untrusted-ipv6", policies: policies("untrusted-mfa", "branch-block"), in: signIn(a, from("2001:db8:2::9", ""), proved(passwordOTP)),
			want: map[string]string{"untrusted-mfa": "success notSet", "branch-block": "failure notSet"}, block: true},
		{name: "location-country", about: "A sign-in from Russia matches the sanctioned countries (listed in lower case).",
			policies: policies("sanctioned-block", "france-or-unknown-mfa"), in: signIn(a, from("192.0.2.1", "RU")),
			want: map[string]string{"sanctioned-block": "failure notSet", "france-or-unknown-mfa": "notApplied location"}, block: true},
		{name: "location-country-unknown", about: "An unknown country matches only locations that include unknown countries.",
			policies: policies("sanctioned-block", "france-or-unknown-mfa"), in: signIn(a, from("192.0.2.1", ""), proved(passwordOnly)),
			want: map[string]string{"sanctioned-block": "notApplied location", "france-or-unknown-mfa": "failure notSet"}},
		{name: "location-gps-unknown", about: "Strongroom has no GPS: a GPS location's country is always unknown, whatever the IP's country.",
			policies: policies("outside-us-gps-block", "gps-or-unknown-mfa"), in: signIn(a, from("192.0.2.1", "US")),
			want: map[string]string{"outside-us-gps-block": "failure notSet", "gps-or-unknown-mfa": "failure notSet"}, block: true},
		{name: "location-unknown-ip", about: "No IP and no country: All still matches; named locations do not; What If cannot tell.",
			policies: policies("untrusted-mfa", "branch-block", "all-locations-mfa", "sanctioned-block"), in: signIn(a, from("", ""), proved(passwordOTP)),
			want: map[string]string{"untrusted-mfa": "success notSet", "branch-block": "notApplied location", "all-locations-mfa": "success notSet",
				"sanctioned-block": "notApplied location"}, satisfied: true,
			whatIf: map[string]string{"untrusted-mfa": "false notEnoughInformation", "branch-block": "false notEnoughInformation",
				"all-locations-mfa": "true notSet", "sanctioned-block": "false notEnoughInformation"}},

		// Client apps.
		{name: "client-apps-browser", policies: policies("browser-mfa", "legacy-clients-block"), in: signIn(a, client(ClientAppBrowser), proved(passwordOTP)),
			want: map[string]string{"browser-mfa": "success notSet", "legacy-clients-block": "notApplied clientApps"}, satisfied: true},
		{name: "client-apps-mobile", policies: policies("browser-mfa", "legacy-clients-block"), in: signIn(a, client(ClientAppMobileAppsAndDesktopClients)),
			want: map[string]string{"browser-mfa": "notApplied clientApps", "legacy-clients-block": "notApplied clientApps"}, satisfied: true},
		{name: "client-apps-other", policies: policies("browser-mfa", "legacy-clients-block"), in: signIn(a, client(ClientAppOther)),
			want: map[string]string{"browser-mfa": "notApplied clientApps", "legacy-clients-block": "failure notSet"}, block: true},
		{name: "client-apps-unknown", policies: policies("browser-mfa", "all-mfa"), in: signIn(a, client(""), proved(passwordOTP)),
			want: map[string]string{"browser-mfa": "notApplied clientApps", "all-mfa": "success notSet"}, satisfied: true,
			whatIf: map[string]string{"browser-mfa": "false notEnoughInformation", "all-mfa": "true notSet"}},

		// Device filters.
		{name: "device-exclude-mode-saw", about: "Admins are blocked unless on a SAW (exclude mode): the SAW is excluded.",
			policies: policies("admins-block-unless-saw"), in: signIn(bob, device(samSAW)),
			want: map[string]string{"admins-block-unless-saw": "notApplied devices"}, satisfied: true},
		{name: "device-exclude-mode-unknown-device", about: "An unknown device has null properties: exclude mode does not exclude it, so the block applies.",
			policies: policies("admins-block-unless-saw"), in: signIn(bob, device(nil)),
			want: map[string]string{"admins-block-unless-saw": "failure notSet"}, block: true},
		{name: "device-include-mode-match", policies: policies("surface-compliant-mfa"), in: signIn(a, device(surfaceCompliant), proved(passwordOnly)),
			want: map[string]string{"surface-compliant-mfa": "failure notSet"}},
		{name: "device-include-mode-no-match", policies: policies("surface-compliant-mfa"), in: signIn(a, device(surfaceNoncompliant), proved(passwordOnly)),
			want: map[string]string{"surface-compliant-mfa": "notApplied devices"}, satisfied: true},
		{name: "device-include-mode-unknown-device", about: "Include mode does not include an unknown device.",
			policies: policies("surface-compliant-mfa"), in: signIn(a, device(nil), proved(passwordOnly)),
			want: map[string]string{"surface-compliant-mfa": "notApplied devices"}, satisfied: true},
		{name: "device-persistent-browser", about: "No persistent browser on unmanaged devices beats keep-me-signed-in; hybrid-joined devices are exempt.",
			policies: policies("untrusted-device-no-persistence", "keep-me-signed-in"), in: signIn(a, device(nil)),
			want: map[string]string{"untrusted-device-no-persistence": "success notSet", "keep-me-signed-in": "success notSet"}, satisfied: true},
		{name: "device-persistent-browser-hybrid", policies: policies("untrusted-device-no-persistence", "keep-me-signed-in"), in: signIn(a, device(hybridJoined)),
			want: map[string]string{"untrusted-device-no-persistence": "notApplied devices", "keep-me-signed-in": "success notSet"}, satisfied: true},

		// Risks and flows.
		{name: "risk-none-in-enforcement", about: "Enforcement passes no risk: risk policies do not apply; What If without risk cannot tell.",
			policies: policies("high-signin-risk-block", "high-user-risk-password-change", "elevated-insider-block", "device-code-block"),
			in:       signIn(a),
			want: map[string]string{"high-signin-risk-block": "notApplied signInRisk", "high-user-risk-password-change": "notApplied userRisk",
				"elevated-insider-block": "notApplied insiderRisk", "device-code-block": "notApplied authenticationFlow"}, satisfied: true,
			whatIf: map[string]string{"high-signin-risk-block": "false notEnoughInformation", "high-user-risk-password-change": "false notEnoughInformation",
				"elevated-insider-block": "false notEnoughInformation", "device-code-block": "false authenticationFlow"}},
		{name: "risk-high", about: "What an administrator asks of What If: high sign-in and user risk, elevated insider risk, device code flow.",
			policies: policies("high-signin-risk-block", "medium-signin-risk-mfa", "high-user-risk-password-change", "elevated-insider-block", "device-code-block"),
			in:       signIn(a, signInRisk(RiskHigh), userRisk(RiskHigh), insiderRisk(InsiderRiskElevated), flow(TransferDeviceCodeFlow), proved(passwordOTP)),
			want: map[string]string{"high-signin-risk-block": "failure notSet", "medium-signin-risk-mfa": "success notSet",
				"high-user-risk-password-change": "failure notSet", "elevated-insider-block": "failure notSet", "device-code-block": "failure notSet"}, block: true},
		{name: "risk-medium-low", policies: policies("high-signin-risk-block", "medium-signin-risk-mfa", "elevated-insider-block"),
			in: signIn(a, signInRisk(RiskLow), insiderRisk(InsiderRiskModerate)),
			want: map[string]string{"high-signin-risk-block": "notApplied signInRisk", "medium-signin-risk-mfa": "notApplied signInRisk",
				"elevated-insider-block": "notApplied insiderRisk"}, satisfied: true},

		// Grant controls.
		{name: "grant-and-unverifiable-fails-closed", about: "MFA AND compliant device: Strongroom cannot verify compliance, so the requirement is never met.",
			policies: policies("mfa-and-compliant"), in: signIn(a, device(surfaceCompliant), proved(passwordOTP)),
			want: map[string]string{"mfa-and-compliant": "failure notSet"}},
		{name: "grant-or-one-suffices", policies: policies("mfa-or-compliant"), in: signIn(a, proved(passwordOTP)),
			want: map[string]string{"mfa-or-compliant": "success notSet"}, satisfied: true},
		{name: "grant-or-prompt", policies: policies("mfa-or-compliant"), in: signIn(a, proved(passwordOnly)),
			want: map[string]string{"mfa-or-compliant": "failure notSet"}},
		{name: "grant-terms-and-custom", about: "Terms of use and custom controls cannot be verified.",
			policies: policies("terms-of-use"), in: signIn(a, proved(passwordOTP)),
			want: map[string]string{"terms-of-use": "failure notSet"}},
		{name: "grant-block-beats-grant", about: "One policy blocks and one requires MFA that is met: block wins.",
			policies: policies("all-mfa", "payroll-block"), in: signIn(a, to(appPayroll), proved(passwordOTP)),
			want: map[string]string{"all-mfa": "success notSet", "payroll-block": "failure notSet"}, block: true},
		{name: "grant-every-policy-must-be-satisfied", about: "Two strengths apply: the session must meet both.",
			policies: policies("otp-strength", "yubikeys-strength"), in: signIn(a, proved(passwordOTP)),
			want: map[string]string{"otp-strength": "success notSet", "yubikeys-strength": "failure notSet"}},
		{name: "grant-every-policy-met", policies: policies("otp-strength", "yubikeys-strength"),
			in:   signIn(a, proved(evidence(proof(authn.Password, time.Hour), proof(authn.SoftwareOath, time.Hour), passkey(yubiKey5, time.Minute)))),
			want: map[string]string{"otp-strength": "success notSet", "yubikeys-strength": "success notSet"}, satisfied: true},
		{name: "strength-aaguid-not-allowed", about: "A synced iCloud passkey is not one of the allowed key models.",
			policies: policies("yubikeys-strength"), in: signIn(a, proved(iCloudPass),
				registered(&Registered{Modes: authn.SetOf(authn.Fido2, authn.Password), AAGUIDs: []string{iCloud}})),
			want: map[string]string{"yubikeys-strength": "failure notSet"}},
		{name: "strength-aaguid-allowed", policies: policies("yubikeys-strength"), in: signIn(a, proved(yubiSession)),
			want: map[string]string{"yubikeys-strength": "success notSet"}, satisfied: true},

		// Sign-in frequency and session controls.
		{name: "sif-time-based-stale", about: "MFA every hour: proofs two hours old do not count.",
			policies: policies("mfa-every-1h"), in: signIn(a, proved(evidence(proof(authn.Password, 2*time.Hour), proof(authn.SoftwareOath, 2*time.Hour)))),
			want: map[string]string{"mfa-every-1h": "failure notSet"}},
		{name: "sif-time-based-mixed", about: "A fresh password with a stale code is not MFA within the hour.",
			policies: policies("mfa-every-1h"), in: signIn(a, proved(evidence(proof(authn.Password, time.Minute), proof(authn.SoftwareOath, 61*time.Minute)))),
			want: map[string]string{"mfa-every-1h": "failure notSet"}},
		{name: "sif-time-based-fresh", policies: policies("mfa-every-1h"),
			in:   signIn(a, proved(evidence(proof(authn.Password, 59*time.Minute), proof(authn.SoftwareOath, time.Hour)))),
			want: map[string]string{"mfa-every-1h": "success notSet"}, satisfied: true},
		{name: "sif-every-time-within-tolerance", about: "everyTime: a YubiKey proof 4 minutes old counts (5-minute tolerance).",
			policies: policies("c37-yubikeys-everytime"), in: signIn(a, context("c37"), proved(evidence(passkey(yubiKey5, 4*time.Minute)))),
			want: map[string]string{"c37-yubikeys-everytime": "success notSet"}, satisfied: true},
		{name: "sif-every-time-at-tolerance", policies: policies("c37-yubikeys-everytime"), in: signIn(a, context("c37"), proved(evidence(passkey(yubiKey5, 5*time.Minute)))),
			want: map[string]string{"c37-yubikeys-everytime": "success notSet"}, satisfied: true},
		{name: "sif-every-time-too-old", policies: policies("c37-yubikeys-everytime"), in: signIn(a, context("c37"), proved(evidence(passkey(yubiKey5, 6*time.Minute)))),
			want: map[string]string{"c37-yubikeys-everytime": "failure notSet"}},
		{name: "sif-session-only-stale", about: "Re-authenticate every 12 hours: a 13-hour-old session is not fresh; the 2-day policy alone would be.",
			policies: policies("reauth-every-12h", "reauth-every-2d"), in: signIn(a, proved(evidence(proof(authn.Password, 13*time.Hour)))),
			want: map[string]string{"reauth-every-12h": "failure notSet", "reauth-every-2d": "success notSet"}},
		{name: "sif-session-only-fresh", policies: policies("reauth-every-12h", "reauth-every-2d", "mfa-every-1h"), in: signIn(a, proved(passwordOTP)),
			want: map[string]string{"reauth-every-12h": "success notSet", "reauth-every-2d": "success notSet", "mfa-every-1h": "success notSet"}, satisfied: true},
		{name: "session-unenforced-controls", about: "Defender for Cloud Apps and resilience defaults are stored and reported, not enforced.",
			policies: policies("cloud-app-security"), in: signIn(a),
			want: map[string]string{"cloud-app-security": "success notSet"}, satisfied: true},

		// States and report-only.
		{name: "report-only-results", about: "Report-only policies are evaluated and never enforced.",
			policies: policies("ro-block", "ro-mfa", "ro-compliant", "ro-payroll-mfa", "ro-reauth-1h", "disabled-block"),
			in:       signIn(a, proved(evidence(proof(authn.Password, 2*time.Hour)))),
			want: map[string]string{"ro-block": "reportOnlyFailure notSet", "ro-mfa": "reportOnlyInterrupted notSet", "ro-compliant": "reportOnlyFailure notSet",
				"ro-payroll-mfa": "reportOnlyNotApplied application", "ro-reauth-1h": "reportOnlyInterrupted notSet", "disabled-block": "notEnabled policyNotEnabled"},
			satisfied: true},
		{name: "report-only-success", policies: policies("ro-mfa", "ro-reauth-1h"), in: signIn(a, proved(passwordOTP)),
			want: map[string]string{"ro-mfa": "reportOnlySuccess notSet", "ro-reauth-1h": "reportOnlySuccess notSet"}, satisfied: true},
		{name: "empty-policy", about: "A policy with no controls does nothing.", policies: policies("empty"), in: signIn(a),
			want: map[string]string{"empty": "notApplied emptyPolicy"}, satisfied: true},
		{name: "invalid-policy-fails-closed", about: "A policy whose strength is gone blocks the users it targets; one that does not target the user does not.",
			policies: policies("invalid-strength", "invalid-filter-not-targeted"), in: signIn(a, proved(passwordOTP)),
			want: map[string]string{"invalid-strength": "failure invalidPolicy", "invalid-filter-not-targeted": "notApplied users"}, block: true,
			whatIf: map[string]string{"invalid-strength": "true invalidPolicy"}},
		{name: "no-policies", policies: nil, in: signIn(a), want: map[string]string{}, satisfied: true},
	}
}

func TestEvaluateScenarios(t *testing.T) {
	seen := map[string]bool{}
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			set := Compile(sc.policies, testFacts)
			d := set.Evaluate(sc.in)
			wi := set.WhatIf(sc.in, false)

			got := map[string]string{}
			for _, r := range d.Policies {
				got[r.Policy.ID] = r.Result.String() + " " + r.AnalysisReasons.String()
				seen["result:"+r.Result.String()] = true
				seen["reason:"+r.AnalysisReasons.String()] = true
			}
			if d := cmp.Diff(sc.want, got); d != "" {
				t.Errorf("results (-want +got):\n%s", d)
			}
			if d.Block != sc.block || d.Satisfied != sc.satisfied {
				t.Errorf("block=%v satisfied=%v, want block=%v satisfied=%v", d.Block, d.Satisfied, sc.block, sc.satisfied)
			}
			for _, r := range wi {
				seen["reason:"+r.AnalysisReasons.String()] = true
				want, ok := sc.whatIf[r.Policy.ID]
				if !ok {
					continue
				}
				if g := fmt.Sprintf("%v %s", r.PolicyApplies, r.AnalysisReasons); g != want {
					t.Errorf("WhatIf %s = %s, want %s", r.Policy.ID, g, want)
				}
			}
			// Evaluate is the package function over a compiled set.
			if diff := cmp.Diff(render(sc, d, wi), render(sc, Evaluate(sc.in, sc.policies, testFacts), WhatIf(sc.in, sc.policies, testFacts, false))); diff != "" {
				t.Errorf("Evaluate differs from Set.Evaluate:\n%s", diff)
			}
			golden(t, filepath.Join("testdata", "decisions", sc.name+".golden"), render(sc, d, wi))
		})
	}

	// Every result and every analysis reason Strongroom produces is covered.
	t.Run("coverage", func(t *testing.T) {
		for _, r := range []Result{ResultSuccess, ResultFailure, ResultNotApplied, ResultNotEnabled, ResultReportOnlySuccess,
			ResultReportOnlyFailure, ResultReportOnlyInterrupted, ResultReportOnlyNotApplied} {
			if !seen["result:"+r.String()] {
				t.Errorf("no scenario gives result %s", r)
			}
		}
		for _, r := range []AnalysisReason{ReasonNotSet, ReasonNotEnoughInformation, ReasonUsers, ReasonApplication, ReasonUserActions,
			ReasonAuthenticationContext, ReasonDevicePlatform, ReasonDevices, ReasonClientApps, ReasonLocation, ReasonSignInRisk,
			ReasonEmptyPolicy, ReasonInvalidPolicy, ReasonPolicyNotEnabled, ReasonUserRisk, ReasonInsiderRisk, ReasonAuthenticationFlow} {
			if !seen["reason:"+r.String()] {
				t.Errorf("no scenario gives analysis reason %s", r)
			}
		}
	})
}

// TestGoldenFilesHaveScenarios catches golden files left behind by renamed
// scenarios.
func TestGoldenFilesHaveScenarios(t *testing.T) {
	names := map[string]bool{}
	for _, sc := range scenarios() {
		if names[sc.name] {
			t.Errorf("scenario %s defined twice", sc.name)
		}
		names[sc.name] = true
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "decisions", "*.golden"))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".golden")
		if !names[name] {
			if *update {
				os.Remove(f)
				continue
			}
			t.Errorf("%s has no scenario; run go test ./internal/policy -update", f)
		}
	}
}

func TestLibraryPoliciesValidate(t *testing.T) {
	for id, p := range library {
		err := Validate(p, testRefs)
		if invalidFixtures[id] {
			if err == nil {
				t.Errorf("%s: want a validation error", id)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/policy -update to create it)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s differs (-want +got); if the change is intended run go test ./internal/policy -update:\n%s", path, d)
	}
}

// render writes a decision for people to read in code review.
func render(sc scenario, d Decision, wi []WhatIfResult) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	ago := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		if t.Equal(now) {
			return "now"
		}
		return "now-" + now.Sub(t).String()
	}
	list := func(s []string) string {
		if len(s) == 0 {
			return "-"
		}
		return strings.Join(s, ",")
	}
	orDash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	in := sc.in
	w("# scenario: %s\n", sc.name)
	if sc.about != "" {
		w("# %s\n", sc.about)
	}
	w("\nsign-in:\n")
	w("  user: %s (%s) groups=%s roles=%s\n", in.UserID, in.UserType, list(in.GroupIDs), list(in.RoleTemplateIDs))
	w("  target: app=%s action=%s context=%s\n", orDash(in.ApplicationID), orDash(in.UserAction), orDash(in.AuthenticationContext))
	ip := "-"
	if in.IPAddress.IsValid() {
		ip = in.IPAddress.String()
	}
	w("  from: ip=%s country=%s platform=%s client=%s\n", ip, orDash(in.Country), orDash(in.DevicePlatform), orDash(in.ClientAppType))
	dev := "unknown"
	if in.Device != nil {
		dev = in.Device.DeviceID
	}
	w("  device: %s; risk: signIn=%s user=%s insider=%s; flow=%s\n", dev, orDash(in.SignInRiskLevel), orDash(in.UserRiskLevel), orDash(in.InsiderRiskLevel), orDash(in.AuthenticationFlow))
	var ev []string
	for _, p := range in.Evidence.Proofs {
		s := string(p.Mode) + "@" + ago(p.Time)
		if p.AAGUID != "" {
			s += "[" + p.AAGUID + "]"
		}
		ev = append(ev, s)
	}
	w("  evidence: %s\n", list(ev))
	if in.Registered != nil {
		var modes []string
		for _, m := range in.Registered.Modes.Modes() {
			modes = append(modes, string(m))
		}
		w("  registered: %s aaguids=%s\n", list(modes), list(in.Registered.AAGUIDs))
	}

	w("\ndecision: block=%v satisfied=%v\n", d.Block, d.Satisfied)
	for _, p := range d.Blocking {
		w("  blocked by: %s\n", p.ID)
	}
	w("\npolicies:\n")
	for _, r := range d.Policies {
		w("  %-34s %-34s %-22s %s", r.Policy.ID, r.Policy.State, r.Result, r.AnalysisReasons)
		if r.Applies {
			w(" grant=%s session=%s", list(r.Policy.EnforcedGrantControls), list(r.Policy.EnforcedSessionControls))
		}
		if r.Policy.Invalid != "" {
			w("\n    invalid: %s", r.Policy.Invalid)
		}
		w("\n")
	}
	if len(d.Requirements) > 0 {
		w("\nrequirements:\n")
	}
	for _, r := range d.Requirements {
		w("  %s: %s satisfied=%v", r.Policy.ID, r.Operator, r.Satisfied)
		if r.Freshness.Window > 0 || r.Freshness.EveryTime {
			w(" freshness=%s everyTime=%v since=%s", r.Freshness.Window, r.Freshness.EveryTime, ago(r.Freshness.Since))
		}
		w("\n")
		for _, c := range r.Controls {
			name := c.ID
			if c.Strength != nil {
				name = fmt.Sprintf("%q", c.Strength.DisplayName)
			}
			w("    %s %s verifiable=%v satisfied=%v registered=%v\n", c.Kind, name, c.Verifiable, c.Satisfied, c.Registered)
			if c.Strength != nil && !c.Satisfied {
				var opts []string
				for _, combo := range c.Strength.SatisfyingModes() {
					var ms []string
					for _, m := range combo {
						ms = append(ms, string(m))
					}
					opts = append(opts, strings.Join(ms, "+"))
				}
				w("      satisfied by: %s\n", list(opts))
			}
		}
	}
	sess := d.Session
	w("\nsession: fresh=%v", sess.Fresh)
	if f := sess.SignInFrequency; f != nil {
		w(" signInFrequency=%s everyTime=%v since=%s", f.Window, f.EveryTime, ago(f.Since))
	}
	w(" persistentBrowser=%s unenforced=%s\n", orDash(sess.PersistentBrowser), list(sess.Unenforced))

	w("\nwhatIf:\n")
	for _, r := range wi {
		w("  %-34s policyApplies=%-5v analysisReasons=%s\n", r.Policy.ID, r.PolicyApplies, r.AnalysisReasons)
	}
	return b.String()
}

func TestWhatIfAppliedOnly(t *testing.T) {
	ps := policies("all-mfa", "payroll-block", "ro-mfa", "disabled-block")
	in := signIn(alice(), proved(passwordOnly))
	all := WhatIf(in, ps, testFacts, false)
	applied := WhatIf(in, ps, testFacts, true)
	if len(all) != 4 {
		t.Fatalf("got %d results", len(all))
	}
	var ids []string
	for _, r := range applied {
		ids = append(ids, r.Policy.ID)
		if !r.PolicyApplies || r.AnalysisReasons != ReasonNotSet {
			t.Errorf("%s: applies=%v reason=%s", r.Policy.ID, r.PolicyApplies, r.AnalysisReasons)
		}
	}
	// Report-only policies show as applying, as in Graph's examples.
	if d := cmp.Diff([]string{"all-mfa", "ro-mfa"}, ids); d != "" {
		t.Errorf("applied policies:\n%s", d)
	}
	if !cmp.Equal(all[0].Policy, ps[0]) {
		t.Error("WhatIf must return the policy itself")
	}
}

func TestDecisionDetails(t *testing.T) {
	// Unsatisfied lists what is missing; strengths are resolved.
	in := signIn(alice(), context("c1"), proved(passwordOnly))
	d := Evaluate(in, policies("c1-phishing-resistant", "all-mfa", "otp-strength"), testFacts)
	var ids []string
	for _, r := range d.Unsatisfied() {
		ids = append(ids, r.Policy.ID)
	}
	if !cmp.Equal(ids, []string{"c1-phishing-resistant", "all-mfa", "otp-strength"}) {
		t.Errorf("Unsatisfied = %v", ids)
	}
	if s := d.Requirements[0].Controls[0].Strength; s == nil || s.ID != authn.PhishingResistantMFAID {
		t.Errorf("strength not resolved: %+v", s)
	}
	if s := d.Requirements[1].Controls[0].Strength; s == nil || s.ID != authn.MultifactorAuthenticationID {
		t.Errorf("mfa is the built-in MFA strength: %+v", s)
	}
	if s := d.Requirements[2].Controls[0].Strength; s == nil || s.DisplayName != "Password and authenticator code" {
		t.Errorf("custom strength not resolved: %+v", s)
	}
	// The sign-in's slices are not retained or changed.
	groups := slices.Clone(in.GroupIDs)
	Evaluate(in, policies("parent-group-mfa"), testFacts)
	if !cmp.Equal(groups, in.GroupIDs) {
		t.Error("Evaluate changed the sign-in")
	}
}

func TestIDsIgnoreCase(t *testing.T) {
	p := pol("upper", StateEnabled, block, users(func(u *Users) { u.IncludeGroups = []string{"GRP-STAFF"} }),
		apps(func(a *Applications) { a.IncludeApplications = []string{strings.ToUpper(appPayroll)} }))
	in := signIn(alice(), as("alice", UserTypeMember, "Grp-Staff"), to(appPayroll))
	if d := Evaluate(in, []Policy{p}, testFacts); !d.Block {
		t.Errorf("ids differing only in case must match: %+v", d.Policies[0])
	}
}
