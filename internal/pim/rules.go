package pim

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// RuleID is one of the 17 predefined rule ids of a role management policy
// (entra.md §5.1). The ids are immutable.
type RuleID string

// The 17 rules, in Entra's order.
const (
	RuleExpirationEndUserAssignment            RuleID = "Expiration_EndUser_Assignment"
	RuleEnablementEndUserAssignment            RuleID = "Enablement_EndUser_Assignment"
	RuleAuthenticationContextEndUserAssignment RuleID = "AuthenticationContext_EndUser_Assignment"
	RuleApprovalEndUserAssignment              RuleID = "Approval_EndUser_Assignment"
	RuleExpirationAdminEligibility             RuleID = "Expiration_Admin_Eligibility"
	RuleExpirationAdminAssignment              RuleID = "Expiration_Admin_Assignment"
	RuleEnablementAdminAssignment              RuleID = "Enablement_Admin_Assignment"
	RuleEnablementAdminEligibility             RuleID = "Enablement_Admin_Eligibility"
	RuleNotificationAdminAdminEligibility      RuleID = "Notification_Admin_Admin_Eligibility"
	RuleNotificationRequestorAdminEligibility  RuleID = "Notification_Requestor_Admin_Eligibility"
	RuleNotificationApproverAdminEligibility   RuleID = "Notification_Approver_Admin_Eligibility"
	RuleNotificationAdminAdminAssignment       RuleID = "Notification_Admin_Admin_Assignment"
	RuleNotificationRequestorAdminAssignment   RuleID = "Notification_Requestor_Admin_Assignment"
	RuleNotificationApproverAdminAssignment    RuleID = "Notification_Approver_Admin_Assignment"
	RuleNotificationAdminEndUserAssignment     RuleID = "Notification_Admin_EndUser_Assignment"
	RuleNotificationRequestorEndUserAssignment RuleID = "Notification_Requestor_EndUser_Assignment"
	RuleNotificationApproverEndUserAssignment  RuleID = "Notification_Approver_EndUser_Assignment"

	// RuleEligibility is not a policy rule: it is the name Entra gives the
	// check that the principal is eligible for the role it activates.
	RuleEligibility RuleID = "EligibilityRule"
)

// RuleIDs lists the 17 rule ids in Entra's order.
var RuleIDs = []RuleID{
	RuleExpirationEndUserAssignment, RuleEnablementEndUserAssignment, RuleAuthenticationContextEndUserAssignment,
	RuleApprovalEndUserAssignment, RuleExpirationAdminEligibility, RuleExpirationAdminAssignment,
	RuleEnablementAdminAssignment, RuleEnablementAdminEligibility,
	RuleNotificationAdminAdminEligibility, RuleNotificationRequestorAdminEligibility, RuleNotificationApproverAdminEligibility,
	RuleNotificationAdminAdminAssignment, RuleNotificationRequestorAdminAssignment, RuleNotificationApproverAdminAssignment,
	RuleNotificationAdminEndUserAssignment, RuleNotificationRequestorEndUserAssignment, RuleNotificationApproverEndUserAssignment,
}

// Level says whether a rule or request is about eligibility or an active
// assignment (unifiedRoleManagementPolicyRuleTarget.level).
type Level string

// Levels.
const (
	Eligibility Level = "Eligibility"
	Assignment  Level = "Assignment"
)

// Callers of a rule target.
const (
	CallerAdmin   = "Admin"
	CallerEndUser = "EndUser"
)

// Target is unifiedRoleManagementPolicyRuleTarget (G-RMPT). Strongroom's
// targets are fixed per rule id: a PATCH may repeat the target, not change it.
type Target struct {
	Caller              string   `json:"caller"`
	Operations          []string `json:"operations"`
	Level               Level    `json:"level"`
	InheritableSettings []string `json:"inheritableSettings"`
	EnforcedSettings    []string `json:"enforcedSettings"`
}

// Kind is a rule's derived type.
type Kind string

// Rule kinds, named as the Graph types' suffixes.
const (
	KindExpiration            Kind = "Expiration"
	KindEnablement            Kind = "Enablement"
	KindAuthenticationContext Kind = "AuthenticationContext"
	KindApproval              Kind = "Approval"
	KindNotification          Kind = "Notification"
)

// ODataType is the Graph @odata.type of rules of kind k.
func (k Kind) ODataType() string {
	return "#microsoft.graph.unifiedRoleManagementPolicy" + string(k) + "Rule"
}

// Rule is one rule of a role's settings. Exactly one payload is set, the
// one of the kind its id names.
type Rule struct {
	ID                    RuleID                     `json:"id"`
	Target                Target                     `json:"target"`
	Expiration            *ExpirationRule            `json:"expiration,omitempty"`
	Enablement            *EnablementRule            `json:"enablement,omitempty"`
	AuthenticationContext *AuthenticationContextRule `json:"authenticationContext,omitempty"`
	Approval              *ApprovalSettings          `json:"approval,omitempty"`
	Notification          *NotificationRule          `json:"notification,omitempty"`
}

// Kind returns the kind id names.
func (id RuleID) Kind() Kind {
	k, _, _ := strings.Cut(string(id), "_")
	return Kind(k)
}

// Level returns the level id names.
func (id RuleID) Level() Level {
	if strings.HasSuffix(string(id), "_Eligibility") {
		return Eligibility
	}
	return Assignment
}

// Known reports whether id is one of the 17 rules.
func (id RuleID) Known() bool { return slices.Contains(RuleIDs, id) }

// ExpirationRule is unifiedRoleManagementPolicyExpirationRule (G-RMP-EXP).
type ExpirationRule struct {
	IsExpirationRequired bool          `json:"isExpirationRequired"`
	MaximumDuration      time.Duration `json:"maximumDuration"`
}

// Values of EnablementRule.EnabledRules (G-RMP-ENA).
const (
	EnableMultiFactorAuthentication = "MultiFactorAuthentication"
	EnableJustification             = "Justification"
	EnableTicketing                 = "Ticketing"
)

// EnablementRule is unifiedRoleManagementPolicyEnablementRule.
type EnablementRule struct {
	EnabledRules []string `json:"enabledRules"`
}

// Has reports whether the rule enables what.
func (e EnablementRule) Has(what string) bool { return slices.Contains(e.EnabledRules, what) }

// AuthenticationContextRule is
// unifiedRoleManagementPolicyAuthenticationContextRule (G-RMP-AC).
type AuthenticationContextRule struct {
	IsEnabled  bool   `json:"isEnabled"`
	ClaimValue string `json:"claimValue"` // "" is null
}

// Approval modes (G-APRSET).
const (
	ApprovalSingleStage = "SingleStage"
	ApprovalSerial      = "Serial"
	ApprovalParallel    = "Parallel"
	ApprovalNone        = "NoApproval"
)

// ApprovalSettings is approvalSettings (G-APRSET), the payload of
// unifiedRoleManagementPolicyApprovalRule.
type ApprovalSettings struct {
	IsApprovalRequired               bool            `json:"isApprovalRequired"`
	IsApprovalRequiredForExtension   bool            `json:"isApprovalRequiredForExtension"`
	IsRequestorJustificationRequired bool            `json:"isRequestorJustificationRequired"`
	ApprovalMode                     string          `json:"approvalMode"`
	ApprovalStages                   []ApprovalStage `json:"approvalStages"`
}

// ApprovalStage is unifiedApprovalStage (G-APRSTAGE).
type ApprovalStage struct {
	ApprovalStageTimeOutInDays      int       `json:"approvalStageTimeOutInDays"`
	IsApproverJustificationRequired bool      `json:"isApproverJustificationRequired"`
	EscalationTimeInMinutes         int       `json:"escalationTimeInMinutes"`
	IsEscalationEnabled             bool      `json:"isEscalationEnabled"`
	PrimaryApprovers                []Subject `json:"primaryApprovers"`
	EscalationApprovers             []Subject `json:"escalationApprovers"`
}

// Subject types of approvers (Graph subjectSet types).
const (
	SubjectUser  = "#microsoft.graph.singleUser"
	SubjectGroup = "#microsoft.graph.groupMembers"
)

// Subject is an approver: one user (ID is userId) or the members of a
// group (ID is groupId).
type Subject struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Description string `json:"description"`
}

// Notification levels and recipient types (G-RMP-NOT).
const (
	NotifyNone     = "None"
	NotifyCritical = "Critical"
	NotifyAll      = "All"

	RecipientRequestor = "Requestor"
	RecipientApprover  = "Approver"
	RecipientAdmin     = "Admin"

	NotificationEmail = "Email"
)

// MaxRecipients is Entra's limit on recipients per event (PIM-SET).
const MaxRecipients = 1000

// NotificationRule is unifiedRoleManagementPolicyNotificationRule.
type NotificationRule struct {
	NotificationType           string   `json:"notificationType"`
	RecipientType              string   `json:"recipientType"`
	NotificationLevel          string   `json:"notificationLevel"`
	IsDefaultRecipientsEnabled bool     `json:"isDefaultRecipientsEnabled"`
	NotificationRecipients     []string `json:"notificationRecipients"`
}

// Recipients returns who gets a message under n: the default recipients
// (when enabled) and the extra ones, without duplicates (ignoring case),
// at most MaxRecipients. A level of None sends nothing; Critical sends
// only critical messages (those that ask the recipient to act).
func (n NotificationRule) Recipients(defaults []string, critical bool) []string {
	switch n.NotificationLevel {
	case NotifyNone:
		return nil
	case NotifyCritical:
		if !critical {
			return nil
		}
	}
	var out []string
	seen := map[string]bool{}
	add := func(a string) {
		a = strings.TrimSpace(a)
		k := strings.ToLower(a)
		if a == "" || seen[k] || len(out) >= MaxRecipients {
			return
		}
		seen[k] = true
		out = append(out, a)
	}
	if n.IsDefaultRecipientsEnabled {
		for _, a := range defaults {
			add(a)
		}
	}
	for _, a := range n.NotificationRecipients {
		add(a)
	}
	return out
}

// Activation duration bounds (PIM-SET; the issue settles on 30 minutes to
// 24 hours), and the bounds Strongroom puts on assignment expiry.
const (
	MinActivationDuration = 30 * time.Minute
	MaxActivationDuration = 24 * time.Hour
	MinAssignmentDuration = time.Hour
	MaxAssignmentDuration = 366 * 24 * time.Hour
	// ApprovalTimeout is how long approvers have (PIM-APR: 24 hours, not
	// configurable).
	ApprovalTimeout = 24 * time.Hour
	// MaxJustification bounds justifications and ticket fields.
	MaxJustification = 500
)

func target(id RuleID) Target {
	caller := CallerAdmin
	if strings.Contains(string(id), "_EndUser_") {
		caller = CallerEndUser
	}
	return Target{Caller: caller, Operations: []string{"all"}, Level: id.Level(), InheritableSettings: []string{}, EnforcedSettings: []string{}}
}

// Defaults returns Entra's default settings of a role (entra.md §5.3):
// activation up to 8 hours with MFA and justification, no approval, no
// authentication context, permanent eligibility and active assignment
// allowed, justification on active assignment, every notification on.
func Defaults() Settings {
	var rules []Rule
	for _, id := range RuleIDs {
		r := Rule{ID: id, Target: target(id)}
		switch id {
		case RuleExpirationEndUserAssignment:
			r.Expiration = &ExpirationRule{IsExpirationRequired: true, MaximumDuration: 8 * time.Hour}
		case RuleExpirationAdminEligibility:
			r.Expiration = &ExpirationRule{IsExpirationRequired: false, MaximumDuration: 365 * 24 * time.Hour}
		case RuleExpirationAdminAssignment:
			r.Expiration = &ExpirationRule{IsExpirationRequired: false, MaximumDuration: 180 * 24 * time.Hour}
		case RuleEnablementEndUserAssignment:
			r.Enablement = &EnablementRule{EnabledRules: []string{EnableMultiFactorAuthentication, EnableJustification}}
		case RuleEnablementAdminAssignment:
			r.Enablement = &EnablementRule{EnabledRules: []string{EnableJustification}}
		case RuleEnablementAdminEligibility:
			r.Enablement = &EnablementRule{EnabledRules: []string{}}
		case RuleAuthenticationContextEndUserAssignment:
			r.AuthenticationContext = &AuthenticationContextRule{}
		case RuleApprovalEndUserAssignment:
			r.Approval = &ApprovalSettings{IsRequestorJustificationRequired: true, ApprovalMode: ApprovalSingleStage,
				ApprovalStages: []ApprovalStage{{ApprovalStageTimeOutInDays: 1, IsApproverJustificationRequired: true, PrimaryApprovers: []Subject{}, EscalationApprovers: []Subject{}}}}
		default:
			recipient := RecipientAdmin
			switch {
			case strings.HasPrefix(string(id), "Notification_Requestor_"):
				recipient = RecipientRequestor
			case strings.HasPrefix(string(id), "Notification_Approver_"):
				recipient = RecipientApprover
			}
			r.Notification = &NotificationRule{NotificationType: NotificationEmail, RecipientType: recipient, NotificationLevel: NotifyAll,
				IsDefaultRecipientsEnabled: true, NotificationRecipients: []string{}}
		}
		rules = append(rules, r)
	}
	return Settings{Rules: rules}
}

// Settings are one role's settings: the 17 rules, in Entra's order.
type Settings struct {
	Rules []Rule `json:"rules"`
}

// Merge returns the defaults with the stored rules laid over them, so that
// a stored policy always has all 17 rules in order.
func Merge(stored []Rule) Settings {
	s := Defaults()
	for _, r := range stored {
		if i := slices.IndexFunc(s.Rules, func(x Rule) bool { return x.ID == r.ID }); i >= 0 && validPayload(r) {
			s.Rules[i] = r
		}
	}
	return s
}

func validPayload(r Rule) bool {
	switch r.ID.Kind() {
	case KindExpiration:
		return r.Expiration != nil
	case KindEnablement:
		return r.Enablement != nil
	case KindAuthenticationContext:
		return r.AuthenticationContext != nil
	case KindApproval:
		return r.Approval != nil
	case KindNotification:
		return r.Notification != nil
	}
	return false
}

// Rule returns the rule id.
func (s Settings) Rule(id RuleID) (Rule, bool) {
	for _, r := range s.Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

func (s Settings) rule(id RuleID) Rule {
	if r, ok := s.Rule(id); ok && validPayload(r) {
		return r
	}
	r, _ := Defaults().Rule(id)
	return r
}

// Expiration returns an expiration rule's payload.
func (s Settings) Expiration(id RuleID) ExpirationRule { return *s.rule(id).Expiration }

// Enablement returns an enablement rule's payload.
func (s Settings) Enablement(id RuleID) EnablementRule { return *s.rule(id).Enablement }

// AuthenticationContext returns the activation's authentication context rule.
func (s Settings) AuthenticationContext() AuthenticationContextRule {
	return *s.rule(RuleAuthenticationContextEndUserAssignment).AuthenticationContext
}

// Approval returns the activation's approval settings.
func (s Settings) Approval() ApprovalSettings { return *s.rule(RuleApprovalEndUserAssignment).Approval }

// Notification returns a notification rule's payload.
func (s Settings) Notification(id RuleID) NotificationRule { return *s.rule(id).Notification }

// ApprovalRequired reports whether activation needs approval.
func (s Settings) ApprovalRequired() bool {
	a := s.Approval()
	return a.IsApprovalRequired && a.ApprovalMode != ApprovalNone
}

// Approvers returns the activation's primary approvers (empty: the
// default approvers, the active Privileged Role Administrators and Global
// Administrators).
func (s Settings) Approvers() []Subject {
	a := s.Approval()
	if len(a.ApprovalStages) == 0 {
		return nil
	}
	return a.ApprovalStages[0].PrimaryApprovers
}

// ApproverJustificationRequired reports whether approvers must justify.
func (s Settings) ApproverJustificationRequired() bool {
	a := s.Approval()
	return len(a.ApprovalStages) > 0 && a.ApprovalStages[0].IsApproverJustificationRequired
}

// With returns s with r in place of the rule of the same id, after
// validating r. The error is Invalid and names the rule.
func (s Settings) With(r Rule) (Settings, error) {
	if err := ValidateRule(r); err != nil {
		return s, err
	}
	out := Settings{Rules: slices.Clone(s.Rules)}
	i := slices.IndexFunc(out.Rules, func(x Rule) bool { return x.ID == r.ID })
	if i < 0 {
		return s, ruleInvalid(r.ID, "is not a rule of this policy")
	}
	out.Rules[i] = r
	return out, nil
}

func ruleInvalid(id RuleID, format string, args ...any) *apperr.Error {
	return apperr.Invalidf("Rule %s: %s", id, fmt.Sprintf(format, args...)).WithCode("InvalidPolicyRule")
}

var claimValue = regexp.MustCompile(`^c([1-9]|[1-9][0-9])$`)

// IsContextID reports whether s is an authentication context id, c1 to c99.
func IsContextID(s string) bool { return claimValue.MatchString(s) }

// ValidateRule checks one rule as a PATCH gives it: a known id, the payload
// of its kind, its fixed target, and values within Entra's bounds. Checks
// that need the directory (approvers exist) are the service's.
func ValidateRule(r Rule) error {
	if !r.ID.Known() {
		return apperr.NotFoundf("There is no rule %q in a role management policy; the rule ids are %s.", r.ID, joinIDs(RuleIDs)).WithCode("Request_ResourceNotFound")
	}
	if !validPayload(r) {
		return ruleInvalid(r.ID, "the rule is of type %s; send @odata.type %q with its properties.", r.ID.Kind(), r.ID.Kind().ODataType())
	}
	if err := checkTarget(r); err != nil {
		return err
	}
	switch r.ID.Kind() {
	case KindExpiration:
		e := r.Expiration
		lo, hi := MinAssignmentDuration, MaxAssignmentDuration
		if r.ID == RuleExpirationEndUserAssignment {
			lo, hi = MinActivationDuration, MaxActivationDuration
			if !e.IsExpirationRequired {
				return ruleInvalid(r.ID, "activations always expire: isExpirationRequired must be true.")
			}
		}
		if e.IsExpirationRequired || r.ID == RuleExpirationEndUserAssignment {
			if e.MaximumDuration < lo || e.MaximumDuration > hi {
				return ruleInvalid(r.ID, "maximumDuration must be between %s and %s (%s to %s), not %s.", FormatDuration(lo), FormatDuration(hi), humanDuration(lo), humanDuration(hi), FormatDuration(e.MaximumDuration))
			}
		} else if e.MaximumDuration < 0 || e.MaximumDuration > hi {
			return ruleInvalid(r.ID, "maximumDuration must be at most %s, not %s.", FormatDuration(hi), FormatDuration(e.MaximumDuration))
		}
	case KindEnablement:
		allowed := []string{EnableMultiFactorAuthentication, EnableJustification}
		if r.ID == RuleEnablementEndUserAssignment {
			allowed = append(allowed, EnableTicketing)
		}
		seen := map[string]bool{}
		for _, v := range r.Enablement.EnabledRules {
			if !slices.Contains(allowed, v) {
				return ruleInvalid(r.ID, "enabledRules may contain %s, not %q.", strings.Join(allowed, ", "), v)
			}
			if seen[v] {
				return ruleInvalid(r.ID, "enabledRules lists %s twice.", v)
			}
			seen[v] = true
		}
	case KindAuthenticationContext:
		c := r.AuthenticationContext
		if c.IsEnabled && !IsContextID(c.ClaimValue) {
			return ruleInvalid(r.ID, "claimValue must be an authentication context id, c1 to c99, when isEnabled is true; got %q.", c.ClaimValue)
		}
		if !c.IsEnabled && c.ClaimValue != "" && !IsContextID(c.ClaimValue) {
			return ruleInvalid(r.ID, "claimValue must be null or an authentication context id, c1 to c99; got %q.", c.ClaimValue)
		}
	case KindApproval:
		return validateApproval(r.ID, *r.Approval)
	case KindNotification:
		n := r.Notification
		if n.NotificationType != NotificationEmail {
			return ruleInvalid(r.ID, "notificationType must be Email, not %q.", n.NotificationType)
		}
		if n.RecipientType != recipientOf(r.ID) {
			return ruleInvalid(r.ID, "recipientType of this rule is %s, not %q.", recipientOf(r.ID), n.RecipientType)
		}
		if !slices.Contains([]string{NotifyNone, NotifyCritical, NotifyAll}, n.NotificationLevel) {
			return ruleInvalid(r.ID, "notificationLevel must be None, Critical or All, not %q.", n.NotificationLevel)
		}
		if len(n.NotificationRecipients) > MaxRecipients {
			return ruleInvalid(r.ID, "notificationRecipients may hold at most %d addresses.", MaxRecipients)
		}
		for _, a := range n.NotificationRecipients {
			p, err := mail.ParseAddress(a)
			if err != nil || p.Address != a || p.Name != "" {
				return ruleInvalid(r.ID, "%q in notificationRecipients is not an email address such as alerts@contoso.com.", a)
			}
		}
	}
	return nil
}

func recipientOf(id RuleID) string {
	switch {
	case strings.HasPrefix(string(id), "Notification_Requestor_"):
		return RecipientRequestor
	case strings.HasPrefix(string(id), "Notification_Approver_"):
		return RecipientApprover
	}
	return RecipientAdmin
}

func checkTarget(r Rule) error {
	want := target(r.ID)
	t := r.Target
	if t.Caller == "" && t.Level == "" && len(t.Operations) == 0 {
		return nil // absent: the fixed target stands
	}
	ops := make([]string, len(t.Operations))
	for i, o := range t.Operations {
		ops[i] = strings.ToLower(o)
	}
	if !strings.EqualFold(t.Caller, want.Caller) || !strings.EqualFold(string(t.Level), string(want.Level)) ||
		!slices.Equal(ops, []string{"all"}) || len(t.InheritableSettings) > 0 || len(t.EnforcedSettings) > 0 {
		return ruleInvalid(r.ID, "the target of this rule is fixed: caller %s, operations [all], level %s; leave target out or send it unchanged.", want.Caller, want.Level)
	}
	return nil
}

func validateApproval(id RuleID, a ApprovalSettings) error {
	if !slices.Contains([]string{ApprovalSingleStage, ApprovalSerial, ApprovalParallel, ApprovalNone}, a.ApprovalMode) {
		return ruleInvalid(id, "approvalMode must be SingleStage, Serial, Parallel or NoApproval, not %q.", a.ApprovalMode)
	}
	if len(a.ApprovalStages) > 1 {
		return ruleInvalid(id, "Strongroom supports one approval stage; multi-stage approval is not supported (as in Entra's approvals API).")
	}
	if a.IsApprovalRequired && a.ApprovalMode == ApprovalNone {
		return ruleInvalid(id, "isApprovalRequired is true but approvalMode is NoApproval; use SingleStage.")
	}
	if a.IsApprovalRequired && len(a.ApprovalStages) == 0 {
		return ruleInvalid(id, "isApprovalRequired is true but approvalStages is empty; give one stage.")
	}
	for _, st := range a.ApprovalStages {
		if st.ApprovalStageTimeOutInDays != 1 {
			return ruleInvalid(id, "approvalStageTimeOutInDays must be 1: approvers have 24 hours, as in Entra.")
		}
		if st.IsEscalationEnabled || len(st.EscalationApprovers) > 0 || st.EscalationTimeInMinutes != 0 {
			return ruleInvalid(id, "escalation is not supported: isEscalationEnabled must be false, escalationTimeInMinutes 0 and escalationApprovers empty.")
		}
		seen := map[string]bool{}
		for _, sub := range st.PrimaryApprovers {
			if sub.Type != SubjectUser && sub.Type != SubjectGroup {
				return ruleInvalid(id, "an approver must be %s (with userId) or %s (with groupId), not %q.", SubjectUser, SubjectGroup, sub.Type)
			}
			if sub.ID == "" {
				return ruleInvalid(id, "an approver of type %s has no id.", sub.Type)
			}
			if seen[sub.ID] {
				return ruleInvalid(id, "approver %s is listed twice.", sub.ID)
			}
			seen[sub.ID] = true
		}
	}
	return nil
}

func joinIDs(ids []RuleID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}
