package pim

import (
	"errors"
	"fmt"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
)

// Action is what a schedule request asks for (G-RASR, G-RESR).
type Action string

// Request actions.
const (
	AdminAssign    Action = "adminAssign"
	AdminUpdate    Action = "adminUpdate"
	AdminRemove    Action = "adminRemove"
	AdminExtend    Action = "adminExtend"
	AdminRenew     Action = "adminRenew"
	SelfActivate   Action = "selfActivate"
	SelfDeactivate Action = "selfDeactivate"
	SelfExtend     Action = "selfExtend"
	SelfRenew      Action = "selfRenew"
)

// Actions lists every action.
var Actions = []Action{AdminAssign, AdminUpdate, AdminRemove, AdminExtend, AdminRenew, SelfActivate, SelfDeactivate, SelfExtend, SelfRenew}

// Self reports whether a is an action a principal takes on its own behalf.
func (a Action) Self() bool {
	return a == SelfActivate || a == SelfDeactivate || a == SelfExtend || a == SelfRenew
}

// Status is a request's status (G-REQ). TimedOut is PIM's status (as in
// Azure's PIM API) for an approval request nobody decided in 24 hours.
type Status string

// Request statuses.
const (
	StatusGranted                 Status = "Granted"
	StatusPendingApproval         Status = "PendingApproval"
	StatusPendingAdminDecision    Status = "PendingAdminDecision"
	StatusPendingProvisioning     Status = "PendingProvisioning"
	StatusPendingScheduleCreation Status = "PendingScheduleCreation"
	StatusProvisioned             Status = "Provisioned"
	StatusScheduleCreated         Status = "ScheduleCreated"
	StatusDenied                  Status = "Denied"
	StatusCanceled                Status = "Canceled"
	StatusRevoked                 Status = "Revoked"
	StatusFailed                  Status = "Failed"
	StatusTimedOut                Status = "TimedOut"
)

// Statuses lists every status.
var Statuses = []Status{StatusGranted, StatusPendingApproval, StatusPendingAdminDecision, StatusPendingProvisioning,
	StatusPendingScheduleCreation, StatusProvisioned, StatusScheduleCreated, StatusDenied, StatusCanceled, StatusRevoked,
	StatusFailed, StatusTimedOut}

// Pending reports whether the request waits for a person's decision.
func (s Status) Pending() bool { return s == StatusPendingApproval || s == StatusPendingAdminDecision }

// ExpirationType is expirationPattern.type (G-EXPAT).
type ExpirationType string

// Expiration types.
const (
	NotSpecified  ExpirationType = "notSpecified"
	NoExpiration  ExpirationType = "noExpiration"
	AfterDateTime ExpirationType = "afterDateTime"
	AfterDuration ExpirationType = "afterDuration"
)

// Expiration is expirationPattern.
type Expiration struct {
	Type        ExpirationType
	EndDateTime *time.Time
	Duration    time.Duration
}

// ScheduleInfo is requestSchedule (G-RSCHED) without recurrence, which PIM
// does not support.
type ScheduleInfo struct {
	StartDateTime *time.Time
	Expiration    Expiration
}

// Ticket is ticketInfo: information only, never validated (G-TICKET).
type Ticket struct {
	Number string
	System string
}

// Review results of an approval step.
const (
	ReviewNotReviewed = "NotReviewed"
	ReviewApprove     = "Approve"
	ReviewDeny        = "Deny"
)

// Approval is the one step of a request that waits for a decision: an
// approver's (activation) or an administrator's (extension, renewal).
type Approval struct {
	StepID                string
	Approvers             []Subject  // the rule's approvers when asked; empty: the default approvers
	Deadline              *time.Time // nil: no timeout (administrator decisions)
	JustificationRequired bool
	ReviewResult          string
	ReviewedBy            string
	ReviewedAt            *time.Time
	Justification         string
}

// Request is a role eligibility or assignment schedule request.
type Request struct {
	ID               string
	Level            Level // Eligibility: roleEligibilityScheduleRequests; Assignment: roleAssignmentScheduleRequests
	Action           Action
	PrincipalID      string
	RoleDefinitionID string
	DirectoryScopeID string
	Justification    string
	Ticket           Ticket
	ScheduleInfo     ScheduleInfo
	Status           Status
	CreatedAt        time.Time
	CreatedBy        string // the caller: a user id or an application's appId
	CreatedByApp     bool   // the caller was an application
	CompletedAt      *time.Time
	// TargetScheduleID is the schedule the request created or acts on.
	TargetScheduleID string
	// ActivatedUsing is the eligibility schedule an activation relies on.
	ActivatedUsing string
	Approval       *Approval
}

// Schedule is a role eligibility or assignment schedule of a principal, as
// the service found it: one row of role_assignments with what PIM knows
// about it.
type Schedule struct {
	ID               string
	Level            Level
	PrincipalID      string // who holds it: the principal, or a group the principal is in
	RoleDefinitionID string
	ViaGroup         bool // held through a role-assignable group
	Start            time.Time
	End              *time.Time // nil: permanent
	Activated        bool       // an activation (selfActivate), not an administrator's assignment
	ActivatedUsing   string     // the eligibility schedule it was activated with
	CreatedUsing     string     // the request that created it
}

// InForce reports whether s is in force at now (the end is exclusive, as in
// directory.RoleAssignment.InForce).
func (s Schedule) InForce(now time.Time) bool {
	return !now.Before(s.Start) && (s.End == nil || now.Before(*s.End))
}

// Current reports whether s is in force at now or starts later.
func (s Schedule) Current(now time.Time) bool { return s.End == nil || now.Before(*s.End) }

func (s Schedule) variant() string {
	if s.End == nil {
		return VariantPermanent
	}
	return VariantTimebound
}

// Caller is who submits or decides a request, and what their session or
// token proved.
type Caller struct {
	ID     string
	IsUser bool // false: an application
	// Admin: the caller may manage role assignments (an active Privileged
	// Role Administrator or Global Administrator, or an application with
	// RoleManagement.ReadWrite.Directory); the service decides it.
	Admin bool
	// MFA: the session or token carries multifactor authentication.
	MFA bool
	// Contexts are the authentication contexts the session or token has
	// satisfied, fresh per the Conditional Access policies.
	Contexts []string
}

// Facts are what the service gathered for a decision.
type Facts struct {
	Now    time.Time
	Caller Caller
	// ContextTargeted: an enabled Conditional Access policy targets the
	// activation's authentication context. When none does, activation falls
	// back to requiring MFA (PIM-SET).
	ContextTargeted bool
	// Eligible and Active are the principal's current (in force or future)
	// eligibility and active schedules for the role, held directly or
	// through role-assignable groups.
	Eligible []Schedule
	Active   []Schedule
	// Expired are the principal's direct schedules at the request's level
	// that ended within the renewal window (RenewalWindow).
	Expired []Schedule
	// Dependents are the activations made with the schedule a request
	// removes (they go with it).
	Dependents []Schedule
	// Target is the schedule a decision or cancellation concerns, when it
	// still exists.
	Target *Schedule
	// Pending are the principal's pending requests for the role.
	Pending []Request
	// Identifiers for what the decision may create.
	NewID, NewStepID, NewScheduleID string
}

// Windows of PIM's operational rules (PIM-ACT, PIM-SET).
const (
	// MinActiveDuration: an activation cannot be deactivated, nor requested
	// for, less than five minutes.
	MinActiveDuration = 5 * time.Minute
	// ExtendWindow: users may ask to extend an assignment that ends within
	// 14 days.
	ExtendWindow = 14 * 24 * time.Hour
	// RenewalWindow: users may ask to renew an assignment that ended within
	// 90 days.
	RenewalWindow = 90 * 24 * time.Hour
)

// EffectOp is what an effect does to a schedule.
type EffectOp string

// Effect operations.
const (
	CreateSchedule EffectOp = "create"
	UpdateSchedule EffectOp = "update"
	RemoveSchedule EffectOp = "remove"
)

// Effect is a change to a schedule (a role_assignments row), with the
// activity to audit for it when it is not the request's own principal's
// (removals that follow an eligibility).
type Effect struct {
	Op       EffectOp
	Schedule Schedule
	Activity *audit.Activity
}

// Event names what a notification is about.
type Event string

// Notification events.
const (
	EventAssigned            Event = "assigned"            // eligible or active assignment made
	EventUpdated             Event = "updated"             // its window changed
	EventExtended            Event = "extended"            // an administrator extended it
	EventRenewed             Event = "renewed"             // an administrator renewed it
	EventRemoved             Event = "removed"             // an administrator removed it
	EventExpired             Event = "expired"             // an assignment reached its end
	EventActivated           Event = "activated"           // a role was activated
	EventApprovalRequested   Event = "approvalRequested"   // an activation waits for approvers
	EventActivationPending   Event = "activationPending"   // to the requestor: waiting for approval
	EventApproved            Event = "approved"            // to the requestor
	EventDenied              Event = "denied"              // to the requestor
	EventDecided             Event = "decided"             // to the approvers: someone decided
	EventRequestExpired      Event = "requestExpired"      // nobody decided in time
	EventActivationExpired   Event = "activationExpired"   // an activation ended
	EventFailed              Event = "failed"              // approved, but could not be provisioned
	EventExtensionRequested  Event = "extensionRequested"  // a user asks to extend
	EventRenewalRequested    Event = "renewalRequested"    // a user asks to renew
	EventExtensionApproved   Event = "extensionApproved"   // an administrator granted it
	EventExtensionDenied     Event = "extensionDenied"     // an administrator refused it
	EventEmergencyAccessUsed Event = "emergencyAccessUsed" // an emergency-access account signed in
)

// Notice is a notification to send under a rule. Critical notices ask the
// recipient to act (approve or deny): they still go out under "critical
// emails only".
type Notice struct {
	Rule     RuleID
	Event    Event
	Critical bool
}

// Outcome is a decision's result: the request's new state, the schedule
// effects, the activities to audit (about the request's principal and
// role) and the notices to send.
type Outcome struct {
	Request Request
	// Reason says why a request Failed (for the audit log).
	Reason  string
	Effects []Effect
	Audit   []audit.Activity
	Notices []Notice
}

// Graph error codes of requests.
const (
	CodePolicyValidationFailed = "RoleAssignmentRequestPolicyValidationFailed"
	CodeAcrsValidationFailed   = "RoleAssignmentRequestAcrsValidationFailed"
	CodeAssignmentExists       = "RoleAssignmentExists"
	CodeAssignmentDoesNotExist = "RoleAssignmentDoesNotExist"
	CodeActiveDurationTooShort = "ActiveDurationTooShort"
	CodePendingRequest         = "PendingRoleAssignmentRequest"
	CodeRequestNotPending      = "RequestNotPending"
	CodeRequestNotCancelable   = "RequestNotCancelable"
	CodeSelfApproval           = "SelfApprovalNotAllowed"
	CodeNotApprover            = "NotAnApprover"
	CodeInvalidRequest         = "InvalidRoleAssignmentRequest"
)

// RuleError is a request refused by a policy rule. Its apperr.Error says
// which, in Graph's words.
type RuleError struct {
	Rule RuleID
	Err  *apperr.Error
}

func (e *RuleError) Error() string { return e.Err.Error() }

// Unwrap returns the application error.
func (e *RuleError) Unwrap() error { return e.Err }

func violation(rule RuleID, format string, args ...any) error {
	msg := fmt.Sprintf("The following policy rules failed: [%q]. %s", string(rule), fmt.Sprintf(format, args...))
	return &RuleError{Rule: rule, Err: apperr.Invalidf("%s", msg).WithCode(CodePolicyValidationFailed)}
}

// AuthError is an activation refused because the caller's session or token
// lacks what the role's settings require: multifactor authentication, or
// the authentication context Context. The caller can satisfy it (step up)
// and submit again: the API answers with a claims challenge, the pages
// perform the step-up.
type AuthError struct {
	Rule    RuleID
	MFA     bool
	Context string
	Err     *apperr.Error
}

func (e *AuthError) Error() string { return e.Err.Error() }

// Unwrap returns the application error.
func (e *AuthError) Unwrap() error { return e.Err }

// RuleOf returns the rule that refused err, if a rule did.
func RuleOf(err error) (RuleID, bool) {
	var re *RuleError
	if errors.As(err, &re) {
		return re.Rule, true
	}
	var ae *AuthError
	if errors.As(err, &ae) {
		return ae.Rule, true
	}
	return "", false
}

// Requirement is what activation requires of the caller's authentication.
type Requirement struct {
	MFA     bool
	Context string // an authentication context id, or ""
}

// ActivationRequirement returns what activating needs under s: MFA when
// the enablement rule asks for it, the authentication context when its rule
// is on and a Conditional Access policy targets it, and MFA instead when
// none does (PIM-SET's fallback).
func ActivationRequirement(s Settings, contextTargeted bool) Requirement {
	var r Requirement
	if c := s.AuthenticationContext(); c.IsEnabled && c.ClaimValue != "" {
		if contextTargeted {
			r.Context = c.ClaimValue
		} else {
			r.MFA = true
		}
	}
	if s.Enablement(RuleEnablementEndUserAssignment).Has(EnableMultiFactorAuthentication) {
		r.MFA = true
	}
	return r
}
