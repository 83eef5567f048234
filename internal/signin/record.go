package signin

import (
	"time"
)

// Record is one sign-in attempt, shaped like Graph's signIn resource
// (https://learn.microsoft.com/en-us/graph/api/resources/signin).
type Record struct {
	ID                                   string                 `json:"id"`
	CreatedDateTime                      time.Time              `json:"createdDateTime"`
	UserDisplayName                      string                 `json:"userDisplayName"`
	UserPrincipalName                    string                 `json:"userPrincipalName"`
	UserID                               string                 `json:"userId"`
	AppID                                string                 `json:"appId"`
	AppDisplayName                       string                 `json:"appDisplayName"`
	IPAddress                            string                 `json:"ipAddress"`
	ClientAppUsed                        string                 `json:"clientAppUsed"`
	UserAgent                            string                 `json:"userAgent"`
	CorrelationID                        string                 `json:"correlationId"`
	ConditionalAccessStatus              string                 `json:"conditionalAccessStatus"` // success, failure, notApplied
	IsInteractive                        bool                   `json:"isInteractive"`
	RiskLevelAggregated                  string                 `json:"riskLevelAggregated"`
	AuthenticationRequirement            string                 `json:"authenticationRequirement"` // singleFactorAuthentication, multiFactorAuthentication
	AuthenticationMethodsUsed            []string               `json:"authenticationMethodsUsed"`
	AuthenticationDetails                []AuthenticationDetail `json:"authenticationDetails"`
	AuthenticationContextClassReferences []ContextReference     `json:"authenticationContextClassReferences"`
	AppliedConditionalAccessPolicies     []AppliedPolicy        `json:"appliedConditionalAccessPolicies"`
	Status                               Status                 `json:"status"`
	DeviceDetail                         DeviceDetail           `json:"deviceDetail"`
	Location                             Location               `json:"location"`
}

// Outcome classifies a record for filtering: success, failure or
// interrupted (more authentication was asked for).
func (r Record) Outcome() string {
	switch {
	case r.Status.ErrorCode == 0:
		return "success"
	case r.Status.ErrorCode == ErrStrongAuthRequired:
		return "interrupted"
	}
	return "failure"
}

// AuthenticationDetail is one step of a sign-in.
type AuthenticationDetail struct {
	AuthenticationMethod           string    `json:"authenticationMethod"`
	AuthenticationMethodDetail     string    `json:"authenticationMethodDetail"`
	AuthenticationStepDateTime     time.Time `json:"authenticationStepDateTime"`
	AuthenticationStepRequirement  string    `json:"authenticationStepRequirement"`
	AuthenticationStepResultDetail string    `json:"authenticationStepResultDetail"`
	Succeeded                      bool      `json:"succeeded"`
}

// ContextReference is an authentication context requested in a sign-in.
type ContextReference struct {
	ID     string `json:"id"`
	Detail string `json:"detail"` // required, previouslySatisfied
}

// AppliedPolicy is a Conditional Access policy's outcome in a sign-in.
type AppliedPolicy struct {
	ID                      string   `json:"id"`
	DisplayName             string   `json:"displayName"`
	EnforcedGrantControls   []string `json:"enforcedGrantControls"`
	EnforcedSessionControls []string `json:"enforcedSessionControls"`
	Result                  string   `json:"result"`
	// ConditionsNotSatisfied names the first condition that did not match
	// (What If vocabulary), for policies that did not apply.
	ConditionsNotSatisfied string `json:"conditionsNotSatisfied,omitempty"`
}

// Status is the outcome of a sign-in; ErrorCode 0 is success.
type Status struct {
	ErrorCode         int    `json:"errorCode"`
	FailureReason     string `json:"failureReason"`
	AdditionalDetails string `json:"additionalDetails"`
}

// DeviceDetail describes the client.
type DeviceDetail struct {
	Browser         string `json:"browser"`
	OperatingSystem string `json:"operatingSystem"`
}

// Location is where the sign-in came from.
type Location struct {
	CountryOrRegion string `json:"countryOrRegion"`
}

// Error codes, following Entra's AADSTS numbers where one fits.
const (
	ErrInvalidCredentials  = 50126  // invalid username or password / credentials
	ErrAccountLocked       = 50053  // locked: too many failed attempts
	ErrAccountDisabled     = 50057  // the account is disabled
	ErrStrongAuthRequired  = 50074  // strong authentication is required (interrupted)
	ErrBlockedByPolicy     = 53003  // blocked by Conditional Access
	ErrMethodNotAllowed    = 130500 // method blocked by the authentication methods policy
	ErrTAPNotUsable        = 130503 // the pass is not usable (expired, used, not yet valid)
	ErrCredentialNotValid  = 135011 // key not allowed / disabled
	ErrCloneSuspected      = 135012 // signature counter did not increase
	ErrChallengeNotValid   = 135013 // WebAuthn challenge expired, reused or from another session
	ErrRegistrationProblem = 135014
)
