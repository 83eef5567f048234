package policy

import "time"

// Limits from entra.md §4.10 (CA-PLAN, CA-NET, CA-APPS). Services enforce the
// counts; Validate checks what one object can check.
const (
	MaxPolicies         = 195  // Conditional Access policies per tenant, all states counted
	MaxNamedLocations   = 195  // IP and country named locations per tenant
	MaxIPRanges         = 2000 // IP ranges in one ipNamedLocation
	MinPrefixLength     = 9    // CIDR masks must be larger than /8, for IPv4 and IPv6 alike
	MaxAuthContexts     = 99   // c1–c99
	MaxDisplayNameChars = 256  // Strongroom's bound; Graph publishes none
)

// Policy is a conditionalAccessPolicy (G-CAP, entra.md §4.1).
type Policy struct {
	ID          string
	DisplayName string
	// State is StateEnabled, StateDisabled or StateReportOnly.
	State           string
	Conditions      Conditions
	GrantControls   *GrantControls   // nil: none
	SessionControls *SessionControls // nil: none
	// TemplateID is the CA template the policy was made from; stored, not
	// enforced.
	TemplateID       string
	CreatedDateTime  time.Time
	ModifiedDateTime time.Time
}

// Values of Policy.State (G-CAP).
const (
	StateEnabled    = "enabled"
	StateDisabled   = "disabled"
	StateReportOnly = "enabledForReportingButNotEnforced"
)

// Conditions is a conditionalAccessConditionSet (G-CACOND, entra.md §4.2).
// A nil pointer or empty list means the condition is not configured.
type Conditions struct {
	Applications       *Applications // required
	Users              *Users        // Users or ClientApplications is required
	ClientApplications *ClientApplications
	// ClientAppTypes: ClientApp* values; empty means all (CA-POL).
	ClientAppTypes []string
	Platforms      *Platforms
	Locations      *Locations
	Devices        *Devices
	// DeviceStates is the deprecated conditionalAccessDeviceStates
	// (includeStates/excludeStates); stored, not enforced. Use Devices.
	DeviceStates *DeviceStates
	// SignInRiskLevels, UserRiskLevels: Risk* values.
	SignInRiskLevels []string
	UserRiskLevels   []string
	// ServicePrincipalRiskLevels applies to workload identities only; stored,
	// validated, not enforced (Strongroom evaluates user sign-ins).
	ServicePrincipalRiskLevels []string
	// InsiderRiskLevels: InsiderRisk* values.
	InsiderRiskLevels   []string
	AuthenticationFlows *AuthenticationFlows
}

// Users is conditionalAccessUsers (G-CAUSERS, CA-USERS, entra.md §4.3).
type Users struct {
	// IncludeUsers: user ids, or UsersAll, UsersNone, UsersGuestsOrExternalUsers.
	IncludeUsers []string
	// ExcludeUsers: user ids or UsersGuestsOrExternalUsers.
	ExcludeUsers  []string
	IncludeGroups []string
	ExcludeGroups []string
	// IncludeRoles, ExcludeRoles: directory role template ids; only active
	// role assignments count.
	IncludeRoles                 []string
	ExcludeRoles                 []string
	IncludeGuestsOrExternalUsers *GuestsOrExternalUsers
	ExcludeGuestsOrExternalUsers *GuestsOrExternalUsers
}

// Special values of Users.IncludeUsers and ExcludeUsers (G-CAUSERS).
const (
	UsersAll                   = "All"
	UsersNone                  = "None"
	UsersGuestsOrExternalUsers = "GuestsOrExternalUsers"
)

// GuestsOrExternalUsers is conditionalAccessGuestsOrExternalUsers (G-CAGUEST).
type GuestsOrExternalUsers struct {
	// GuestOrExternalUserTypes: GuestType* values. Graph serialises this
	// flags enum as one comma-separated string; the domain keeps a list.
	GuestOrExternalUserTypes []string
	// ExternalTenants applies to external user types; Strongroom has no
	// external tenants, so it is stored, validated, not enforced.
	ExternalTenants *ExternalTenants
}

// ExternalTenants is conditionalAccessExternalTenants: either all tenants
// (ODataType ODataAllExternalTenants, MembershipKind "all") or an enumerated
// list (ODataEnumeratedExternalTenants, MembershipKind "enumerated", Members).
type ExternalTenants struct {
	ODataType      string
	MembershipKind string
	Members        []string
}

// Values for guests and external users (G-CAGUEST). Strongroom's guest users
// are GuestTypeInternalGuest.
const (
	GuestTypeNone                   = "none"
	GuestTypeInternalGuest          = "internalGuest"
	GuestTypeB2BCollaborationGuest  = "b2bCollaborationGuest"
	GuestTypeB2BCollaborationMember = "b2bCollaborationMember"
	GuestTypeB2BDirectConnectUser   = "b2bDirectConnectUser"
	GuestTypeOtherExternalUser      = "otherExternalUser"
	GuestTypeServiceProvider        = "serviceProvider"

	ODataAllExternalTenants        = "#microsoft.graph.conditionalAccessAllExternalTenants"
	ODataEnumeratedExternalTenants = "#microsoft.graph.conditionalAccessEnumeratedExternalTenants"
)

// Applications is conditionalAccessApplications (G-CAAPPS, CA-APPS,
// entra.md §4.4). A policy targets applications, user actions or
// authentication contexts, one kind at a time.
type Applications struct {
	// IncludeApplications: application (client) ids, or AppsAll, AppsNone,
	// AppsOffice365, AppsMicrosoftAdminPortals.
	IncludeApplications []string
	// ExcludeApplications: application ids, AppsOffice365,
	// AppsMicrosoftAdminPortals.
	ExcludeApplications []string
	// IncludeUserActions: UserActionRegisterSecurityInfo,
	// UserActionRegisterDevice.
	IncludeUserActions []string
	// IncludeAuthenticationContextClassReferences: c1–c99.
	IncludeAuthenticationContextClassReferences []string
	// ApplicationFilter selects applications by custom security attributes.
	// Strongroom's applications have none, so every attribute is null: in
	// include mode the filter selects no application, in exclude mode it
	// excludes none (the rule is stored, not parsed).
	ApplicationFilter *Filter
	// NetworkAccess and GlobalSecureAccess (beta) target Global Secure Access
	// traffic profiles, which Strongroom never sees: stored, never matched.
	NetworkAccess      *TrafficProfiles
	GlobalSecureAccess *TrafficProfiles
}

// TrafficProfiles is the beta conditionalAccessNetworkAccess /
// conditionalAccessGlobalSecureAccess shape.
type TrafficProfiles struct {
	IncludeTrafficProfiles []string
}

// Special application values and user actions (G-CAAPPS, CA-APPS).
const (
	AppsAll                   = "All"
	AppsNone                  = "None"
	AppsOffice365             = "Office365"             // never matches a Strongroom application
	AppsMicrosoftAdminPortals = "MicrosoftAdminPortals" // matches AdminPortalAppID

	UserActionRegisterSecurityInfo = "urn:user:registersecurityinfo"
	UserActionRegisterDevice       = "urn:user:registerdevice"
)

// Strongroom's built-in applications. Their application (client) ids are
// fixed so that policies can name them and survive export and import between
// Strongroom instances; they are version-4-shaped GUIDs chosen once for
// Strongroom and used nowhere else.
const (
	// AdminPortalAppID is Strongroom's admin portal. MicrosoftAdminPortals
	// in a policy means this application.
	AdminPortalAppID = "5d3c1e7a-3f0b-4b8e-9f1a-57a0c0de0001"
	// MyAccountAppID is Strongroom's My Account (My security info, My roles,
	// Approvals).
	MyAccountAppID = "5d3c1e7a-3f0b-4b8e-9f1a-57a0c0de0002"
)

// Filter is conditionalAccessFilter (G-CAFILTER): a rule and whether matching
// items are included or excluded.
type Filter struct {
	Mode string // FilterInclude or FilterExclude
	Rule string
}

// Values of Filter.Mode.
const (
	FilterInclude = "include"
	FilterExclude = "exclude"
)

// ClientApplications is conditionalAccessClientApplications: workload
// identities. Strongroom evaluates user sign-ins only, so a policy that
// targets workload identities never applies to one; stored, validated.
type ClientApplications struct {
	IncludeServicePrincipals []string // ids or ServicePrincipalsInMyTenant
	ExcludeServicePrincipals []string
	ServicePrincipalFilter   *Filter
}

// ServicePrincipalsInMyTenant is the special value of
// ClientApplications.IncludeServicePrincipals.
const ServicePrincipalsInMyTenant = "ServicePrincipalsInMyTenant"

// Platforms is conditionalAccessPlatforms (G-CAPLAT). Values are Platform*.
type Platforms struct {
	IncludePlatforms []string
	ExcludePlatforms []string
}

// Device platforms (G-CAPLAT). PlatformAll appears only in IncludePlatforms.
const (
	PlatformAll          = "all"
	PlatformAndroid      = "android"
	PlatformIOS          = "iOS"
	PlatformWindows      = "windows"
	PlatformWindowsPhone = "windowsPhone"
	PlatformMacOS        = "macOS"
	PlatformLinux        = "linux"
)

// Locations is conditionalAccessLocations (G-CALOC): named location ids, or
// LocationsAll (include only) and LocationsAllTrusted.
type Locations struct {
	IncludeLocations []string
	ExcludeLocations []string
}

// Special location values (G-CALOC, CA-NET).
const (
	LocationsAll        = "All"
	LocationsAllTrusted = "AllTrusted"
)

// Devices is conditionalAccessDevices (G-CADEV).
type Devices struct {
	DeviceFilter *Filter
	// IncludeDevices and ExcludeDevices are deprecated (values such as
	// "All"); stored, not enforced.
	IncludeDevices []string
	ExcludeDevices []string
}

// DeviceStates is the deprecated conditionalAccessDeviceStates; stored, not
// enforced.
type DeviceStates struct {
	IncludeStates []string
	ExcludeStates []string
}

// AuthenticationFlows is conditionalAccessAuthenticationFlows.
type AuthenticationFlows struct {
	// TransferMethods: TransferDeviceCodeFlow, TransferAuthenticationTransfer.
	// Graph serialises this flags enum as one comma-separated string.
	TransferMethods []string
}

// Authentication flow transfer methods (G-WHATIF).
const (
	TransferDeviceCodeFlow         = "deviceCodeFlow"
	TransferAuthenticationTransfer = "authenticationTransfer"
)

// Client app types (G-CACOND).
const (
	ClientAppAll                         = "all"
	ClientAppBrowser                     = "browser"
	ClientAppMobileAppsAndDesktopClients = "mobileAppsAndDesktopClients"
	ClientAppExchangeActiveSync          = "exchangeActiveSync"
	ClientAppEASSupported                = "easSupported"
	ClientAppOther                       = "other"
)

// Risk levels (G-CACOND). RiskHidden is accepted in policies and never
// produced by Strongroom.
const (
	RiskLow    = "low"
	RiskMedium = "medium"
	RiskHigh   = "high"
	RiskHidden = "hidden"
	RiskNone   = "none"

	InsiderRiskMinor    = "minor"
	InsiderRiskModerate = "moderate"
	InsiderRiskElevated = "elevated"
)

// GrantControls is conditionalAccessGrantControls (G-CAGRANT, entra.md §4.5).
type GrantControls struct {
	Operator string // OperatorAND or OperatorOR
	// BuiltInControls: Control* values.
	BuiltInControls []string
	// CustomAuthenticationFactors are custom control ids; Strongroom cannot
	// verify them, so they are never satisfied.
	CustomAuthenticationFactors []string
	// TermsOfUse are agreement ids; Strongroom cannot verify them, so they
	// are never satisfied.
	TermsOfUse []string
	// AuthenticationStrength references an authn.Strength by id. Graph's
	// responses embed the whole strength; requests and this type carry the id.
	AuthenticationStrength *StrengthRef
}

// StrengthRef is grantControls.authenticationStrength as a request names it.
type StrengthRef struct {
	ID string
}

// Grant operators and built-in controls (G-CAGRANT).
const (
	OperatorAND = "AND"
	OperatorOR  = "OR"

	ControlBlock                = "block"
	ControlMFA                  = "mfa"
	ControlCompliantDevice      = "compliantDevice"
	ControlDomainJoinedDevice   = "domainJoinedDevice"
	ControlApprovedApplication  = "approvedApplication"
	ControlCompliantApplication = "compliantApplication"
	ControlPasswordChange       = "passwordChange"
	ControlRiskRemediation      = "riskRemediation"
)

// SessionControls is conditionalAccessSessionControls (G-CASESS, entra.md
// §4.6). Strongroom enforces SignInFrequency and PersistentBrowser; the
// others are stored, not enforced.
type SessionControls struct {
	ApplicationEnforcedRestrictions *IsEnabled // stored, not enforced (Exchange/SharePoint only)
	CloudAppSecurity                *CloudAppSecurity
	DisableResilienceDefaults       *bool // stored, not enforced
	PersistentBrowser               *PersistentBrowser
	SignInFrequency                 *SignInFrequency
	// SecureSignInSession (token protection, beta); stored, not enforced.
	SecureSignInSession *IsEnabled
	// NetworkAccessSecurity and GlobalSecureAccessFilteringProfile (beta,
	// Global Secure Access); stored, not enforced.
	NetworkAccessSecurity              *ProfileControl
	GlobalSecureAccessFilteringProfile *ProfileControl
}

// IsEnabled is a session control with only an isEnabled property.
type IsEnabled struct {
	IsEnabled bool
}

// CloudAppSecurity is cloudAppSecuritySessionControl; stored, not enforced.
type CloudAppSecurity struct {
	IsEnabled            bool
	CloudAppSecurityType string // mcasConfigured, monitorOnly, blockDownloads
}

// ProfileControl is a beta Global Secure Access session control: IsEnabled
// with PolicyID (networkAccessSecurity) or ProfileID
// (globalSecureAccessFilteringProfile).
type ProfileControl struct {
	IsEnabled bool
	PolicyID  string
	ProfileID string
}

// PersistentBrowser is persistentBrowserSessionControl (G-PBS).
type PersistentBrowser struct {
	IsEnabled bool
	Mode      string // PersistentBrowserAlways or PersistentBrowserNever
}

// Values of PersistentBrowser.Mode.
const (
	PersistentBrowserAlways = "always"
	PersistentBrowserNever  = "never"
)

// SignInFrequency is signInFrequencySessionControl (G-SIF).
type SignInFrequency struct {
	IsEnabled bool
	// Type is FrequencyDays or FrequencyHours (timeBased only).
	Type string
	// Value is the number of Type units (timeBased only); 0 means null.
	Value int32
	// AuthenticationType: primaryAndSecondaryAuthentication (default) or
	// secondaryAuthentication. Strongroom applies the window to every proof
	// either way.
	AuthenticationType string
	// FrequencyInterval: FrequencyTimeBased (default when empty) or
	// FrequencyEveryTime.
	FrequencyInterval string
}

// SignInFrequency values (G-SIF).
const (
	FrequencyDays      = "days"
	FrequencyHours     = "hours"
	FrequencyTimeBased = "timeBased"
	FrequencyEveryTime = "everyTime"

	AuthTypePrimaryAndSecondary = "primaryAndSecondaryAuthentication"
	AuthTypeSecondary           = "secondaryAuthentication"
)

// EveryTimeTolerance is how old a proof may be and still count under an
// everyTime sign-in frequency: Entra allows five minutes of clock skew and
// does not re-prompt more often (CA-SESS).
const EveryTimeTolerance = 5 * time.Minute
