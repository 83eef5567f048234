package pim

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// TestDefaults checks the defaults against entra.md §5.3.
func TestDefaults(t *testing.T) {
	s := Defaults()
	if len(s.Rules) != 17 {
		t.Fatalf("%d rules, want 17", len(s.Rules))
	}
	for i, r := range s.Rules {
		if r.ID != RuleIDs[i] {
			t.Errorf("rule %d is %s, want %s", i, r.ID, RuleIDs[i])
		}
		if err := ValidateRule(r); err != nil {
			t.Errorf("default %s does not validate: %v", r.ID, err)
		}
		wantCaller := CallerAdmin
		if r.ID == RuleExpirationEndUserAssignment || r.ID == RuleEnablementEndUserAssignment || r.ID == RuleAuthenticationContextEndUserAssignment ||
			r.ID == RuleApprovalEndUserAssignment || r.ID == RuleNotificationAdminEndUserAssignment || r.ID == RuleNotificationRequestorEndUserAssignment ||
			r.ID == RuleNotificationApproverEndUserAssignment {
			wantCaller = CallerEndUser
		}
		if r.Target.Caller != wantCaller || r.Target.Level != r.ID.Level() {
			t.Errorf("%s target %+v", r.ID, r.Target)
		}
	}
	if e := s.Expiration(RuleExpirationEndUserAssignment); !e.IsExpirationRequired || e.MaximumDuration != 8*time.Hour {
		t.Errorf("activation: %+v", e)
	}
	if e := s.Expiration(RuleExpirationAdminEligibility); e.IsExpirationRequired || e.MaximumDuration != 365*24*time.Hour {
		t.Errorf("eligibility: %+v", e)
	}
	if e := s.Expiration(RuleExpirationAdminAssignment); e.IsExpirationRequired || e.MaximumDuration != 180*24*time.Hour {
		t.Errorf("assignment: %+v", e)
	}
	if diff := cmp.Diff([]string{"MultiFactorAuthentication", "Justification"}, s.Enablement(RuleEnablementEndUserAssignment).EnabledRules); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]string{"Justification"}, s.Enablement(RuleEnablementAdminAssignment).EnabledRules); diff != "" {
		t.Error(diff)
	}
	if len(s.Enablement(RuleEnablementAdminEligibility).EnabledRules) != 0 {
		t.Error("eligibility enablement should be empty")
	}
	if s.ApprovalRequired() || !s.Approval().IsRequestorJustificationRequired || s.Approval().ApprovalMode != ApprovalSingleStage || !s.ApproverJustificationRequired() {
		t.Errorf("approval: %+v", s.Approval())
	}
	if c := s.AuthenticationContext(); c.IsEnabled || c.ClaimValue != "" {
		t.Errorf("context: %+v", c)
	}
	for _, id := range RuleIDs[8:] {
		n := s.Notification(id)
		if n.NotificationType != "Email" || n.NotificationLevel != "All" || !n.IsDefaultRecipientsEnabled || len(n.NotificationRecipients) != 0 || n.RecipientType != recipientOf(id) {
			t.Errorf("%s: %+v", id, n)
		}
	}
}

func TestMergeKeepsAllRules(t *testing.T) {
	r, _ := Defaults().Rule(RuleExpirationEndUserAssignment)
	r.Expiration = &ExpirationRule{IsExpirationRequired: true, MaximumDuration: 2 * time.Hour}
	bad := Rule{ID: RuleApprovalEndUserAssignment} // no payload: ignored
	s := Merge([]Rule{r, bad, {ID: "Nope"}})
	if len(s.Rules) != 17 || s.Expiration(RuleExpirationEndUserAssignment).MaximumDuration != 2*time.Hour || s.Approval().ApprovalMode != ApprovalSingleStage {
		t.Fatalf("merged: %+v", s)
	}
	// Settings survive JSON (how they are stored).
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Settings
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, back); diff != "" {
		t.Error(diff)
	}
}

func TestValidateRule(t *testing.T) {
	rule := func(id RuleID, change func(*Rule)) Rule {
		s := settings(t, set(id, change))
		r, _ := s.Rule(id)
		return r
	}
	ok := []Rule{
		rule(RuleExpirationEndUserAssignment, func(r *Rule) { r.Expiration.MaximumDuration = 30 * time.Minute }),
		rule(RuleExpirationEndUserAssignment, func(r *Rule) { r.Expiration.MaximumDuration = 24 * time.Hour }),
		rule(RuleExpirationAdminEligibility, func(r *Rule) {
			r.Expiration.IsExpirationRequired = true
			r.Expiration.MaximumDuration = 15 * 24 * time.Hour
		}),
		rule(RuleEnablementEndUserAssignment, func(r *Rule) {
			r.Enablement.EnabledRules = []string{"Ticketing", "Justification", "MultiFactorAuthentication"}
		}),
		rule(RuleAuthenticationContextEndUserAssignment, func(r *Rule) { r.AuthenticationContext.IsEnabled, r.AuthenticationContext.ClaimValue = true, "c99" }),
		rule(RuleApprovalEndUserAssignment, func(r *Rule) {
			r.Approval.IsApprovalRequired = true
			r.Approval.ApprovalStages[0].PrimaryApprovers = []Subject{{Type: SubjectUser, ID: "u1"}, {Type: SubjectGroup, ID: "g1"}}
		}),
		rule(RuleNotificationAdminEndUserAssignment, func(r *Rule) {
			r.Notification.NotificationLevel, r.Notification.NotificationRecipients = NotifyCritical, []string{"soc@contoso.com"}
		}),
		rule(RuleNotificationAdminEndUserAssignment, func(r *Rule) { r.Target = Target{Caller: "EndUser", Operations: []string{"All"}, Level: "Assignment"} }),
	}
	for _, r := range ok {
		if err := ValidateRule(r); err != nil {
			t.Errorf("%s refused: %v", r.ID, err)
		}
	}
	bad := []struct {
		name string
		r    Rule
	}{
		{"activation over 24 hours", rule(RuleExpirationEndUserAssignment, func(r *Rule) { r.Expiration.MaximumDuration = 25 * time.Hour })},
		{"activation under 30 minutes", rule(RuleExpirationEndUserAssignment, func(r *Rule) { r.Expiration.MaximumDuration = 29 * time.Minute })},
		{"activation without expiry", rule(RuleExpirationEndUserAssignment, func(r *Rule) { r.Expiration.IsExpirationRequired = false })},
		{"eligibility expiry over a year", rule(RuleExpirationAdminEligibility, func(r *Rule) {
			r.Expiration.IsExpirationRequired = true
			r.Expiration.MaximumDuration = 400 * 24 * time.Hour
		})},
		{"eligibility expiry zero", rule(RuleExpirationAdminEligibility, func(r *Rule) { r.Expiration.IsExpirationRequired = true; r.Expiration.MaximumDuration = 0 })},
		{"ticketing on admin assignment", rule(RuleEnablementAdminAssignment, func(r *Rule) { r.Enablement.EnabledRules = []string{"Ticketing"} })},
		{"unknown enablement", rule(RuleEnablementEndUserAssignment, func(r *Rule) { r.Enablement.EnabledRules = []string{"Prayer"} })},
		{"duplicate enablement", rule(RuleEnablementEndUserAssignment, func(r *Rule) { r.Enablement.EnabledRules = []string{"Justification", "Justification"} })},
		{"context c0", rule(RuleAuthenticationContextEndUserAssignment, func(r *Rule) { r.AuthenticationContext.IsEnabled, r.AuthenticationContext.ClaimValue = true, "c0" })},
		{"context c100", rule(RuleAuthenticationContextEndUserAssignment, func(r *Rule) { r.AuthenticationContext.IsEnabled, r.AuthenticationContext.ClaimValue = true, "c100" })},
		{"context enabled without a value", rule(RuleAuthenticationContextEndUserAssignment, func(r *Rule) { r.AuthenticationContext.IsEnabled = true })},
		{"two stages", rule(RuleApprovalEndUserAssignment, func(r *Rule) {
			r.Approval.ApprovalStages = append(r.Approval.ApprovalStages, r.Approval.ApprovalStages[0])
		})},
		{"timeout of two days", rule(RuleApprovalEndUserAssignment, func(r *Rule) {
			st := r.Approval.ApprovalStages[0]
			st.ApprovalStageTimeOutInDays = 2
			r.Approval.ApprovalStages = []ApprovalStage{st}
		})},
		{"escalation", rule(RuleApprovalEndUserAssignment, func(r *Rule) {
			st := r.Approval.ApprovalStages[0]
			st.IsEscalationEnabled = true
			r.Approval.ApprovalStages = []ApprovalStage{st}
		})},
		{"approver of unknown type", rule(RuleApprovalEndUserAssignment, func(r *Rule) {
			r.Approval.ApprovalStages[0].PrimaryApprovers = []Subject{{Type: "#microsoft.graph.requestorManager", ID: "x"}}
		})},
		{"approver without id", rule(RuleApprovalEndUserAssignment, func(r *Rule) {
			r.Approval.ApprovalStages[0].PrimaryApprovers = []Subject{{Type: SubjectUser}}
		})},
		{"approval required with NoApproval", rule(RuleApprovalEndUserAssignment, func(r *Rule) { r.Approval.IsApprovalRequired, r.Approval.ApprovalMode = true, ApprovalNone })},
		{"unknown approval mode", rule(RuleApprovalEndUserAssignment, func(r *Rule) { r.Approval.ApprovalMode = "Jury" })},
		{"notification by SMS", rule(RuleNotificationAdminEndUserAssignment, func(r *Rule) { r.Notification.NotificationType = "Sms" })},
		{"recipient type changed", rule(RuleNotificationAdminEndUserAssignment, func(r *Rule) { r.Notification.RecipientType = RecipientApprover })},
		{"unknown level", rule(RuleNotificationAdminEndUserAssignment, func(r *Rule) { r.Notification.NotificationLevel = "Some" })},
		{"bad recipient", rule(RuleNotificationAdminEndUserAssignment, func(r *Rule) { r.Notification.NotificationRecipients = []string{"not an address"} })},
		{"named recipient", rule(RuleNotificationAdminEndUserAssignment, func(r *Rule) { r.Notification.NotificationRecipients = []string{"SOC <soc@contoso.com>"} })},
		{"target changed", rule(RuleNotificationAdminEndUserAssignment, func(r *Rule) { r.Target = Target{Caller: "Admin", Operations: []string{"all"}, Level: "Assignment"} })},
		{"payload of another kind", Rule{ID: RuleExpirationEndUserAssignment, Enablement: &EnablementRule{}}},
	}
	for _, tt := range bad {
		err := ValidateRule(tt.r)
		if !errors.Is(err, apperr.Invalid) || apperr.As(err).Code != "InvalidPolicyRule" {
			t.Errorf("%s: %v, want InvalidPolicyRule", tt.name, err)
			continue
		}
		if msg := apperr.As(err).Message; len(msg) < len(tt.r.ID) || msg[:len("Rule "+string(tt.r.ID))] != "Rule "+string(tt.r.ID) {
			t.Errorf("%s: message %q does not name the rule", tt.name, msg)
		}
	}
	if err := ValidateRule(Rule{ID: "Expiration_Everyone"}); !errors.Is(err, apperr.NotFound) {
		t.Errorf("unknown rule: %v", err)
	}
	// With replaces one rule and leaves the others.
	s := Defaults()
	s2, err := s.With(ok[0])
	if err != nil || s2.Expiration(RuleExpirationEndUserAssignment).MaximumDuration != 30*time.Minute || s.Expiration(RuleExpirationEndUserAssignment).MaximumDuration != 8*time.Hour {
		t.Errorf("With: %v", err)
	}
	if _, err := s.With(bad[0].r); err == nil {
		t.Error("With accepted an invalid rule")
	}
}

func TestRecipients(t *testing.T) {
	n := NotificationRule{NotificationLevel: NotifyAll, IsDefaultRecipientsEnabled: true, NotificationRecipients: []string{"soc@contoso.com", "ADA@contoso.com"}}
	defaults := []string{"ada@contoso.com", "grace@contoso.com", "ada@contoso.com", ""}
	if diff := cmp.Diff([]string{"ada@contoso.com", "grace@contoso.com", "soc@contoso.com"}, n.Recipients(defaults, false)); diff != "" {
		t.Error(diff)
	}
	n.IsDefaultRecipientsEnabled = false
	if diff := cmp.Diff([]string{"soc@contoso.com", "ADA@contoso.com"}, n.Recipients(defaults, false)); diff != "" {
		t.Error(diff)
	}
	n.NotificationLevel = NotifyCritical
	if got := n.Recipients(defaults, false); got != nil {
		t.Errorf("critical only, non-critical message: %v", got)
	}
	if got := n.Recipients(defaults, true); len(got) != 2 {
		t.Errorf("critical only, critical message: %v", got)
	}
	n.NotificationLevel = NotifyNone
	if got := n.Recipients(defaults, true); got != nil {
		t.Errorf("level None: %v", got)
	}
	many := make([]string, 1500)
	for i := range many {
		many[i] = string(rune('a'+i%26)) + time.Duration(i).String() + "@x.com"
	}
	n = NotificationRule{NotificationLevel: NotifyAll, IsDefaultRecipientsEnabled: true}
	if got := n.Recipients(many, false); len(got) != MaxRecipients {
		t.Errorf("%d recipients, want at most %d", len(got), MaxRecipients)
	}
}

func TestDuration(t *testing.T) {
	good := map[string]time.Duration{
		"PT8H": 8 * time.Hour, "P365D": 365 * 24 * time.Hour, "PT30M": 30 * time.Minute, "P1DT12H": 36 * time.Hour,
		"P2W": 14 * 24 * time.Hour, "PT1H30M": 90 * time.Minute, "PT0.5H": 30 * time.Minute, "PT90S": 90 * time.Second, "pt5h": 5 * time.Hour,
	}
	for s, want := range good {
		got, err := ParseDuration(s)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "P", "PT", "8H", "P1Y", "P2M", "PT1.5H30M", "PT8", "P1H", "PT1D", "PT-1H", "PT1H1H", "P1DT", "PTxH", "P99999999999999D"} {
		if d, err := ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", s, d)
		}
	}
	formats := map[time.Duration]string{8 * time.Hour: "PT8H", 365 * 24 * time.Hour: "P365D", 30 * time.Minute: "PT30M", 36 * time.Hour: "P1DT12H",
		90 * time.Minute: "PT1H30M", 0: "PT0S", 90 * time.Second: "PT1M30S", 1500 * time.Millisecond: "PT1.5S"}
	for d, want := range formats {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
		if back, err := ParseDuration(want); err != nil || back != d {
			t.Errorf("round trip %q: %v %v", want, back, err)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"PT8H", "P365D", "P1DT2H3M4.5S", "P2W", "PT0.5H", "P1Y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("negative duration %v from %q", d, s)
		}
		if back, err := ParseDuration(FormatDuration(d)); err != nil || back-d > time.Microsecond || d-back > time.Microsecond {
			t.Fatalf("%q → %v → %q → %v %v", s, d, FormatDuration(d), back, err)
		}
	})
}
