package policy

import (
	"net/netip"
	"time"

	"github.com/strongroom-id/strongroom/internal/authn"
)

// SignIn is everything Evaluate knows about one sign-in or step-up: who, to
// what, from where, with what, and what the session has proved so far.
type SignIn struct {
	UserID string
	// UserType is UserTypeMember or UserTypeGuest (Graph user.userType).
	// Strongroom's guests are internalGuest for guestOrExternalUserTypes.
	UserType string
	// GroupIDs are every group the user is in, directly or through nested
	// groups: the caller resolves nesting (CA-USERS).
	GroupIDs []string
	// RoleTemplateIDs are the directory roles the user holds through an
	// active assignment in force now, including PIM activations; eligible
	// assignments do not count.
	RoleTemplateIDs []string

	// The target. ApplicationID is the application (client) id signed in to;
	// UserAction a user action such as UserActionRegisterSecurityInfo;
	// AuthenticationContext an authentication context id (c1–c99) asked for
	// at step-up. A step-up inside an application sets both ApplicationID
	// and AuthenticationContext, and policies on either apply, as at Entra's
	// token endpoint (AUTHCTX-DEV).
	ApplicationID         string
	UserAction            string
	AuthenticationContext string

	// IPAddress is the client address; the zero Addr is unknown.
	IPAddress netip.Addr
	// Country is the ISO 3166-1 alpha-2 code of IPAddress, or "" when
	// unknown.
	Country string
	// DevicePlatform is a Platform* value from the User-Agent, or "" for an
	// unknown platform.
	DevicePlatform string
	// ClientAppType is ClientAppBrowser, ClientAppMobileAppsAndDesktopClients,
	// ClientAppExchangeActiveSync or ClientAppOther; "" is unknown.
	ClientAppType string
	// Device is the registered device signing in, or nil for an unknown or
	// unregistered one (every property null; entra.md §4.9).
	Device *Device

	// Risk levels: Risk* values, InsiderRisk* for insider risk. Enforcement
	// passes RiskNone (and "" for insider risk) until a risk source exists;
	// What If passes what the administrator asks about. In Evaluate an empty
	// sign-in or user risk is RiskNone.
	SignInRiskLevel  string
	UserRiskLevel    string
	InsiderRiskLevel string
	// AuthenticationFlow is the transfer method (TransferDeviceCodeFlow,
	// TransferAuthenticationTransfer), or "" for none.
	AuthenticationFlow string

	// Evidence is what the session has proved so far.
	Evidence authn.Evidence
	// Registered is what the user has registered, so that the decision can
	// say which controls they can meet now; nil when unknown.
	Registered *Registered

	// Now is the time of the decision.
	Now time.Time
}

// Registered describes a user's registered methods.
type Registered struct {
	Modes authn.ModeSet
	// AAGUIDs are the models of the user's registered FIDO2 keys and
	// passkeys; nil when unknown (any model is assumed).
	AAGUIDs []string
}

// Values of SignIn.UserType (Graph user.userType).
const (
	UserTypeMember = "Member"
	UserTypeGuest  = "Guest"
)

// Facts are the tenant's objects policies refer to. They change rarely and
// are compiled with the policies.
type Facts struct {
	// Strengths are the custom authentication strengths by id; authn's
	// built-in strengths are always known and need not be listed.
	Strengths map[string]authn.Strength
	// NamedLocations by id.
	NamedLocations map[string]NamedLocation
}

// Result is a policy's outcome for a sign-in, Graph's
// appliedConditionalAccessPolicy result (CA-RO). It is a small integer so
// that a decision over 195 policies stays small; String and MarshalText give
// Graph's spelling.
type Result uint8

// Results. Enforced policies give success, failure, notApplied or
// notEnabled; report-only policies give the reportOnly ones. The zero value
// is Graph's "unknown" and is never produced.
const (
	ResultUnknown               Result = iota
	ResultSuccess                      // "success"
	ResultFailure                      // "failure"
	ResultNotApplied                   // "notApplied"
	ResultNotEnabled                   // "notEnabled"
	ResultReportOnlySuccess            // "reportOnlySuccess"
	ResultReportOnlyFailure            // "reportOnlyFailure"
	ResultReportOnlyInterrupted        // "reportOnlyInterrupted": "User action required", would prompt
	ResultReportOnlyNotApplied         // "reportOnlyNotApplied"
)

var resultNames = [...]string{"unknown", "success", "failure", "notApplied", "notEnabled",
	"reportOnlySuccess", "reportOnlyFailure", "reportOnlyInterrupted", "reportOnlyNotApplied"}

// String returns Graph's spelling of r.
func (r Result) String() string {
	if int(r) < len(resultNames) {
		return resultNames[r]
	}
	return "unknown"
}

// MarshalText returns Graph's spelling of r.
func (r Result) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// AnalysisReason is Graph's whatIfAnalysisReasons (G-WIRES): why a policy
// does not apply, or ReasonNotSet when it does. String and MarshalText give
// Graph's spelling.
type AnalysisReason uint8

// The whatIfAnalysisReasons values (G-WIRES). Strongroom never gives
// invalidCondition, workloadIdentities or time.
const (
	ReasonNotSet                AnalysisReason = iota // "notSet": the policy applies
	ReasonNotEnoughInformation                        // "notEnoughInformation"
	ReasonInvalidCondition                            // "invalidCondition"
	ReasonUsers                                       // "users"
	ReasonWorkloadIdentities                          // "workloadIdentities"
	ReasonApplication                                 // "application"
	ReasonUserActions                                 // "userActions"
	ReasonAuthenticationContext                       // "authenticationContext"
	ReasonDevicePlatform                              // "devicePlatform"
	ReasonDevices                                     // "devices"
	ReasonClientApps                                  // "clientApps"
	ReasonLocation                                    // "location"
	ReasonSignInRisk                                  // "signInRisk"
	ReasonEmptyPolicy                                 // "emptyPolicy"
	ReasonInvalidPolicy                               // "invalidPolicy"
	ReasonPolicyNotEnabled                            // "policyNotEnabled"
	ReasonUserRisk                                    // "userRisk"
	ReasonTime                                        // "time"
	ReasonInsiderRisk                                 // "insiderRisk"
	ReasonAuthenticationFlow                          // "authenticationFlow"
)

var reasonNames = [...]string{"notSet", "notEnoughInformation", "invalidCondition", "users", "workloadIdentities",
	"application", "userActions", "authenticationContext", "devicePlatform", "devices", "clientApps", "location",
	"signInRisk", "emptyPolicy", "invalidPolicy", "policyNotEnabled", "userRisk", "time", "insiderRisk", "authenticationFlow"}

// String returns Graph's spelling of r.
func (r AnalysisReason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "unknownFutureValue"
}

// MarshalText returns Graph's spelling of r.
func (r AnalysisReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Decision is the outcome of evaluating a sign-in against every policy.
type Decision struct {
	// Block is true when an enabled policy that applies blocks access (or is
	// invalid and therefore fails closed). Block beats grant (CA-POL).
	Block bool
	// Blocking are the policies that block.
	Blocking []*PolicyInfo
	// Requirements holds one entry per enabled, applying policy with grant
	// controls other than block, in policy order. All must be satisfied
	// (CA-POL).
	Requirements []Requirement
	// Satisfied is true when access can be granted now: no block, every
	// requirement satisfied by the evidence within its freshness window, and
	// the session fresh enough for the strictest sign-in frequency.
	Satisfied bool
	// Session is the combination of the session controls of the enabled,
	// applying policies.
	Session SessionDecision
	// Policies holds a result for every policy, in the order given.
	Policies []PolicyResult
}

// PolicyInfo is what a decision says about a policy, shared by every
// decision of a Set; callers must not modify it.
type PolicyInfo struct {
	ID          string
	DisplayName string
	State       string
	// EnforcedGrantControls names the policy's grant controls: builtInControls
	// values, "authenticationStrength", and terms-of-use and custom control
	// ids (Graph appliedConditionalAccessPolicy.enforcedGrantControls).
	EnforcedGrantControls []string
	// EnforcedSessionControls names the policy's enabled session controls by
	// Graph property name.
	EnforcedSessionControls []string
	// Invalid says why the policy cannot be evaluated as written (unknown
	// named location or strength, unparsable device filter, unknown enum
	// value); empty for a valid policy.
	Invalid string
}

// PolicyResult is one policy's outcome for a sign-in.
type PolicyResult struct {
	Policy *PolicyInfo
	Result Result
	// Applies is What If's policyApplies: the policy is on (enabled or
	// report-only), has controls, and every condition matches.
	Applies bool
	// AnalysisReasons is ReasonNotSet when the policy applies, else the
	// first condition that did not match (or policyNotEnabled, emptyPolicy,
	// notEnoughInformation). An invalid policy whose users and target match
	// applies and gives ReasonInvalidPolicy.
	AnalysisReasons AnalysisReason
}

// Requirement is what one enabled, applying policy demands.
type Requirement struct {
	Policy *PolicyInfo
	// Operator is OperatorAND (every control) or OperatorOR (any one).
	Operator string
	Controls []Control
	// Freshness is the policy's sign-in frequency: only proofs made at or
	// after Freshness.Since count towards its controls.
	Freshness Freshness
	Satisfied bool
}

// ControlKind names a grant control.
type ControlKind string

// Control kinds: the built-in control names of G-CAGRANT, plus strengths,
// terms of use and custom controls.
const (
	KindMFA                    ControlKind = ControlMFA
	KindAuthenticationStrength ControlKind = "authenticationStrength"
	KindCompliantDevice        ControlKind = ControlCompliantDevice
	KindDomainJoinedDevice     ControlKind = ControlDomainJoinedDevice
	KindApprovedApplication    ControlKind = ControlApprovedApplication
	KindCompliantApplication   ControlKind = ControlCompliantApplication
	KindPasswordChange         ControlKind = ControlPasswordChange
	KindRiskRemediation        ControlKind = ControlRiskRemediation
	KindTermsOfUse             ControlKind = "termsOfUse"
	KindCustomFactor           ControlKind = "customAuthenticationFactor"
)

// Control is one grant control of a requirement and how the sign-in stands
// against it.
type Control struct {
	Kind ControlKind
	// ID is the strength id, terms-of-use agreement id, custom control id,
	// or the built-in control's name.
	ID string
	// Strength is the strength to meet, for KindAuthenticationStrength and
	// for KindMFA (the built-in "Multifactor authentication" strength,
	// AS-CONCEPT). Shared; do not modify.
	Strength *authn.Strength
	// Verifiable is false for controls Strongroom cannot check (device
	// compliance and join state, app protection, password change, risk
	// remediation, terms of use, custom controls). They are never satisfied:
	// Strongroom fails closed and tells the user which control it is.
	Verifiable bool
	Satisfied  bool
	// Registered is true when the user has registered methods that would
	// satisfy the control (SignIn.Registered known and sufficient).
	Registered bool
}

// Freshness is a sign-in frequency turned into a cut-off (G-SIF, CA-SESS).
type Freshness struct {
	// EveryTime is the everyTime interval: a fresh proof for each use, with
	// EveryTimeTolerance.
	EveryTime bool
	// Window is how old a proof may be: Type×Value for timeBased,
	// EveryTimeTolerance for everyTime, 0 for no limit.
	Window time.Duration
	// Since is SignIn.Now − Window; proofs at or after it count. Zero when
	// there is no limit.
	Since time.Time
}

// SessionDecision combines the session controls of the enabled policies that
// apply (report-only policies never contribute).
type SessionDecision struct {
	// SignInFrequency is the strictest sign-in frequency (everyTime, else
	// the shortest window), nil when none applies.
	SignInFrequency *Freshness
	// Fresh is true when the session has a proof within SignInFrequency (or
	// no frequency applies).
	Fresh bool
	// PersistentBrowser is PersistentBrowserNever when any policy says never,
	// else PersistentBrowserAlways when one says always, else "".
	PersistentBrowser string
	// Unenforced names session controls of applying policies that
	// Strongroom stores but does not enforce (Graph property names).
	Unenforced []string
}

// Unsatisfied returns the requirements not yet met.
func (d Decision) Unsatisfied() []Requirement {
	var out []Requirement
	for _, r := range d.Requirements {
		if !r.Satisfied {
			out = append(out, r)
		}
	}
	return out
}

// WhatIfResult is Graph's whatIfAnalysisResult (G-WIRES): the policy with
// whether it applies and, if not, why.
type WhatIfResult struct {
	Policy          Policy
	PolicyApplies   bool
	AnalysisReasons AnalysisReason
}
