package pim

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
)

func invalid(code, format string, args ...any) error {
	return apperr.Invalidf(format, args...).WithCode(code)
}

func conflict(code, format string, args ...any) error {
	return apperr.Conflictf(format, args...).WithCode(code)
}

func forbidden(code, format string, args ...any) error {
	return apperr.Forbiddenf(format, args...).WithCode(code)
}

// Submit decides a new request r (as the caller gave it) under the role's
// settings s and the facts f. It returns the request with its id, creation
// and status, and what follows from it; or an error saying which rule or
// check refused it. Nothing is decided twice: an approval request waits in
// PendingApproval until Review, TimeOut or Cancel.
func Submit(r Request, s Settings, f Facts) (Outcome, error) {
	r.ID = f.NewID
	r.CreatedAt = f.Now
	r.CreatedBy = f.Caller.ID
	r.CreatedByApp = !f.Caller.IsUser
	r.Status = ""
	r.CompletedAt = nil
	r.Approval = nil
	if r.DirectoryScopeID == "" {
		r.DirectoryScopeID = "/"
	}
	if err := checkShape(r); err != nil {
		return Outcome{}, err
	}
	if r.Action.Self() {
		if !f.Caller.IsUser {
			return Outcome{}, forbidden("Authorization_RequestDenied", "%s is for users acting on their own roles; an application cannot %s.", r.Action, r.Action)
		}
		if f.Caller.ID != r.PrincipalID {
			return Outcome{}, forbidden("Authorization_RequestDenied", "%s acts on your own roles: principalId must be your own id.", r.Action)
		}
	} else if !f.Caller.Admin {
		return Outcome{}, forbidden("Authorization_RequestDenied", "%s needs an active Privileged Role Administrator or Global Administrator role (or RoleManagement.ReadWrite.Directory).", r.Action)
	}
	switch r.Action {
	case SelfActivate:
		return activate(r, s, f)
	case SelfDeactivate:
		return deactivate(r, f)
	case AdminAssign:
		return adminAssign(r, s, f, false)
	case AdminRenew:
		return adminAssign(r, s, f, true)
	case AdminUpdate, AdminExtend:
		return adminUpdate(r, s, f)
	case AdminRemove:
		return adminRemove(r, f)
	case SelfExtend, SelfRenew:
		return selfExtend(r, s, f)
	}
	return Outcome{}, invalid(CodeInvalidRequest, "action %q is not one of %s.", r.Action, actionList())
}

func actionList() string {
	s := make([]string, len(Actions))
	for i, a := range Actions {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// checkShape checks what needs no facts.
func checkShape(r Request) error {
	if !slices.Contains(Actions, r.Action) {
		return invalid(CodeInvalidRequest, "action %q is not one of %s.", r.Action, actionList())
	}
	if r.Level != Eligibility && r.Level != Assignment {
		return invalid(CodeInvalidRequest, "unknown request level %q.", r.Level)
	}
	if r.Level == Eligibility && r.Action == SelfActivate {
		return invalid(CodeInvalidRequest, "Activate a role with roleAssignmentScheduleRequests (action selfActivate); an eligibility is not activated.")
	}
	if r.PrincipalID == "" || r.RoleDefinitionID == "" {
		return invalid(CodeInvalidRequest, "principalId and roleDefinitionId are required.")
	}
	if r.DirectoryScopeID != "/" {
		return invalid(CodeInvalidRequest, "directoryScopeId must be \"/\" (the whole directory); Strongroom has no administrative units.")
	}
	if utf8.RuneCountInString(r.Justification) > MaxJustification || utf8.RuneCountInString(r.Ticket.Number) > MaxJustification || utf8.RuneCountInString(r.Ticket.System) > MaxJustification {
		return invalid(CodeInvalidRequest, "justification and ticket fields may be at most %d characters.", MaxJustification)
	}
	e := r.ScheduleInfo.Expiration
	switch e.Type {
	case "", NotSpecified, NoExpiration:
		if e.EndDateTime != nil || e.Duration != 0 {
			return invalid(CodeInvalidRequest, "expiration type %s takes neither endDateTime nor duration.", orNotSpecified(e.Type))
		}
	case AfterDuration:
		if e.EndDateTime != nil {
			return invalid(CodeInvalidRequest, "expiration type afterDuration takes a duration and no endDateTime.")
		}
		if e.Duration <= 0 {
			return invalid(CodeInvalidRequest, "expiration type afterDuration needs a positive duration such as PT8H.")
		}
	case AfterDateTime:
		if e.Duration != 0 {
			return invalid(CodeInvalidRequest, "expiration type afterDateTime takes an endDateTime and no duration.")
		}
		if e.EndDateTime == nil {
			return invalid(CodeInvalidRequest, "expiration type afterDateTime needs an endDateTime.")
		}
	default:
		return invalid(CodeInvalidRequest, "expiration type must be noExpiration, afterDateTime or afterDuration, not %q.", e.Type)
	}
	return nil
}

func orNotSpecified(t ExpirationType) ExpirationType {
	if t == "" {
		return NotSpecified
	}
	return t
}

// window resolves a schedule's start and end from the request: the start
// is the requested one or now, whichever is later; an unspecified
// expiration means def (nil: permanent).
func window(info ScheduleInfo, now time.Time, def *time.Duration) (time.Time, *time.Time, error) {
	start := now
	if info.StartDateTime != nil && info.StartDateTime.After(now) {
		start = *info.StartDateTime
	}
	var end *time.Time
	switch info.Expiration.Type {
	case AfterDuration:
		e := start.Add(info.Expiration.Duration)
		end = &e
	case AfterDateTime:
		e := *info.Expiration.EndDateTime
		if !e.After(start) {
			return start, nil, invalid(CodeInvalidRequest, "endDateTime %s is not after the start %s.", e.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339))
		}
		end = &e
	case NoExpiration:
	default:
		if def != nil {
			e := start.Add(*def)
			end = &e
		}
	}
	return start, end, nil
}

// checkExpiration applies an expiration rule to a window.
func checkExpiration(id RuleID, rule ExpirationRule, from time.Time, end *time.Time, what string) error {
	if !rule.IsExpirationRequired {
		return nil
	}
	if end == nil {
		return violation(id, "Permanent %s is not allowed for this role: give an end within %s.", what, humanDuration(rule.MaximumDuration))
	}
	if end.Sub(from) > rule.MaximumDuration {
		return violation(id, "The %s would last %s, more than the maximum of %s (%s) for this role.", what, humanDuration(end.Sub(from)), humanDuration(rule.MaximumDuration), FormatDuration(rule.MaximumDuration))
	}
	return nil
}

// checkEnablement applies an enablement rule (justification, ticket, MFA).
func checkEnablement(id RuleID, rule EnablementRule, r Request, c Caller) error {
	if rule.Has(EnableJustification) && strings.TrimSpace(r.Justification) == "" {
		return violation(id, "A justification is required: say why.")
	}
	if rule.Has(EnableTicketing) && strings.TrimSpace(r.Ticket.Number) == "" {
		return violation(id, "Ticket information is required: give the ticket number.")
	}
	if rule.Has(EnableMultiFactorAuthentication) && !c.MFA {
		if !c.IsUser {
			return violation(id, "Multifactor authentication is required, which an application cannot perform; a signed-in administrator must do this.")
		}
		return mfaRequired(id)
	}
	return nil
}

func mfaRequired(id RuleID) error {
	return &AuthError{Rule: id, MFA: true, Err: apperr.New(apperr.Unauthenticated,
		"The following policy rules failed: [%q]. Multifactor authentication is required: sign in again with a second factor (for example a security key), then submit the request again.", string(id)).WithCode(CodePolicyValidationFailed)}
}

func contextRequired(c string) error {
	return &AuthError{Rule: RuleAuthenticationContextEndUserAssignment, Context: c, Err: apperr.New(apperr.Unauthenticated,
		"The following policy rules failed: [%q]. Activating this role requires authentication context %s: complete the step-up it asks for (for example your security key), then submit the request again.", string(RuleAuthenticationContextEndUserAssignment), c).WithCode(CodeAcrsValidationFailed)}
}

// bestEligibility picks the eligibility that covers at: a direct one before
// one held through a group, the longest-lasting first.
func bestEligibility(es []Schedule, at time.Time) (Schedule, bool) {
	var best Schedule
	found := false
	for _, e := range es {
		if e.Level != Eligibility || !e.InForce(at) {
			continue
		}
		if !found || better(e, best) {
			best, found = e, true
		}
	}
	return best, found
}

func better(a, b Schedule) bool {
	if a.ViaGroup != b.ViaGroup {
		return !a.ViaGroup
	}
	if a.End == nil || b.End == nil {
		return a.End == nil && b.End != nil
	}
	return a.End.After(*b.End)
}

// activeFor returns the principal's current active schedules.
func activeFor(f Facts) []Schedule {
	var out []Schedule
	for _, a := range f.Active {
		if a.Level == Assignment && a.Current(f.Now) {
			out = append(out, a)
		}
	}
	return out
}

func activate(r Request, s Settings, f Facts) (Outcome, error) {
	now := f.Now
	max := s.Expiration(RuleExpirationEndUserAssignment).MaximumDuration
	if r.ScheduleInfo.Expiration.Type == NoExpiration {
		return Outcome{}, violation(RuleExpirationEndUserAssignment, "An activation cannot be permanent: ask for at most %s.", humanDuration(max))
	}
	start, end, err := window(r.ScheduleInfo, now, &max)
	if err != nil {
		return Outcome{}, err
	}
	elig, ok := bestEligibility(f.Eligible, start)
	if !ok {
		return Outcome{}, violation(RuleEligibility, "You are not eligible for this role at %s: an administrator must make you (or a group you are in) eligible first.", start.UTC().Format(time.RFC3339))
	}
	if len(activeFor(f)) > 0 {
		return Outcome{}, conflict(CodeAssignmentExists, "The Role assignment already exists: the role is already active for you.")
	}
	for _, p := range f.Pending {
		if p.Action == SelfActivate && p.Status.Pending() {
			return Outcome{}, conflict(CodePendingRequest, "There is already a pending request to activate this role (%s); wait for its decision or cancel it.", p.ID)
		}
	}
	if err := checkExpiration(RuleExpirationEndUserAssignment, s.Expiration(RuleExpirationEndUserAssignment), start, end, "activation"); err != nil {
		return Outcome{}, err
	}
	if end.Sub(start) < MinActiveDuration {
		return Outcome{}, invalid(CodeActiveDurationTooShort, "The active duration is too short. The minimum required is 5 minutes.")
	}
	en := s.Enablement(RuleEnablementEndUserAssignment)
	if err := checkEnablement(RuleEnablementEndUserAssignment, EnablementRule{EnabledRules: slices.DeleteFunc(slices.Clone(en.EnabledRules), func(x string) bool { return x == EnableMultiFactorAuthentication })}, r, f.Caller); err != nil {
		return Outcome{}, err
	}
	approval := s.ApprovalRequired()
	if approval && s.Approval().IsRequestorJustificationRequired && strings.TrimSpace(r.Justification) == "" {
		return Outcome{}, violation(RuleApprovalEndUserAssignment, "A justification is required for the approvers: say why.")
	}
	// What the caller's authentication must show, checked last so that a
	// step-up is asked for only once everything else is right.
	req := ActivationRequirement(s, f.ContextTargeted)
	if req.Context != "" && !slices.Contains(f.Caller.Contexts, req.Context) {
		return Outcome{}, contextRequired(req.Context)
	}
	if req.MFA && !f.Caller.MFA {
		rule := RuleEnablementEndUserAssignment
		if !en.Has(EnableMultiFactorAuthentication) {
			rule = RuleAuthenticationContextEndUserAssignment // the fallback
		}
		return Outcome{}, mfaRequired(rule)
	}
	r.ActivatedUsing = elig.ID
	if approval {
		deadline := now.Add(ApprovalTimeout)
		r.Status = StatusPendingApproval
		r.Approval = &Approval{StepID: f.NewStepID, Approvers: slices.Clone(s.Approvers()), Deadline: &deadline,
			JustificationRequired: s.ApproverJustificationRequired(), ReviewResult: ReviewNotReviewed}
		return Outcome{Request: r,
			Audit: []audit.Activity{ActivityActivationRequested, ActivityActivationApprovalRequested},
			Notices: []Notice{
				{Rule: RuleNotificationApproverEndUserAssignment, Event: EventApprovalRequested, Critical: true},
				{Rule: RuleNotificationRequestorEndUserAssignment, Event: EventActivationPending},
			}}, nil
	}
	return provision(r, elig, start, capEnd(*end, elig), f, []audit.Activity{ActivityActivationRequested, ActivityActivationCompleted},
		[]Notice{{Rule: RuleNotificationAdminEndUserAssignment, Event: EventActivated}, {Rule: RuleNotificationRequestorEndUserAssignment, Event: EventActivated}})
}

// capEnd keeps an activation within its eligibility.
func capEnd(end time.Time, elig Schedule) time.Time {
	if elig.End != nil && elig.End.Before(end) {
		return *elig.End
	}
	return end
}

// provision creates an activation's schedule.
func provision(r Request, elig Schedule, start, end time.Time, f Facts, acts []audit.Activity, notices []Notice) (Outcome, error) {
	sch := Schedule{ID: f.NewScheduleID, Level: Assignment, PrincipalID: r.PrincipalID, RoleDefinitionID: r.RoleDefinitionID,
		Start: start, End: &end, Activated: true, ActivatedUsing: elig.ID, CreatedUsing: r.ID}
	r.TargetScheduleID = sch.ID
	r.ActivatedUsing = elig.ID
	r.Status = StatusProvisioned
	if start.After(f.Now) {
		r.Status = StatusScheduleCreated
	}
	now := f.Now
	r.CompletedAt = &now
	return Outcome{Request: r, Effects: []Effect{{Op: CreateSchedule, Schedule: sch}}, Audit: acts, Notices: notices}, nil
}

func deactivate(r Request, f Facts) (Outcome, error) {
	now := f.Now
	if r.Level == Eligibility {
		var target *Schedule
		for _, e := range f.Eligible {
			if e.Level == Eligibility && !e.ViaGroup && e.Current(now) {
				target = &e
				break
			}
		}
		if target == nil {
			return Outcome{}, invalid(CodeAssignmentDoesNotExist, "The Role assignment does not exist: you hold no eligibility for this role of your own (one through a group is removed by an administrator).")
		}
		return remove(r, *target, f, RemoveActivity(Eligibility, PhaseRequested, target.variant()), RemoveActivity(Eligibility, PhaseCompleted, target.variant()))
	}
	var act, assigned *Schedule
	for _, a := range activeFor(f) {
		switch {
		case a.Activated && !a.ViaGroup:
			act = &a
		case !a.Activated:
			assigned = &a
		}
	}
	if act == nil {
		if assigned != nil {
			return Outcome{}, invalid(CodeAssignmentDoesNotExist, "This role was assigned to you by an administrator, not activated: only an administrator can remove it.")
		}
		return Outcome{}, invalid(CodeAssignmentDoesNotExist, "The Role assignment does not exist: the role is not active for you.")
	}
	if act.InForce(now) && now.Sub(act.Start) < MinActiveDuration {
		return Outcome{}, invalid(CodeActiveDurationTooShort, "The active duration is too short. The minimum required is 5 minutes: you can deactivate this role from %s.", act.Start.Add(MinActiveDuration).UTC().Format(time.RFC3339))
	}
	out, err := remove(r, *act, f, ActivityDeactivationRequested, ActivityDeactivationCompleted)
	return out, err
}

// remove ends schedule target and whatever was activated with it.
func remove(r Request, target Schedule, f Facts, requested, completed audit.Activity) (Outcome, error) {
	now := f.Now
	r.TargetScheduleID = target.ID
	r.Status = StatusRevoked
	r.CompletedAt = &now
	effects := []Effect{{Op: RemoveSchedule, Schedule: target}}
	for _, d := range f.Dependents {
		if d.ActivatedUsing == target.ID && d.ID != target.ID {
			act := ActivityDeactivationCompleted
			effects = append(effects, Effect{Op: RemoveSchedule, Schedule: d, Activity: &act})
		}
	}
	out := Outcome{Request: r, Effects: effects, Audit: []audit.Activity{requested, completed}}
	if !r.Action.Self() {
		out.Notices = []Notice{{Rule: adminRule(target.Level), Event: EventRemoved}, {Rule: requestorRule(target.Level), Event: EventRemoved}}
	}
	return out, nil
}

func adminRule(l Level) RuleID {
	if l == Eligibility {
		return RuleNotificationAdminAdminEligibility
	}
	return RuleNotificationAdminAdminAssignment
}

func requestorRule(l Level) RuleID {
	if l == Eligibility {
		return RuleNotificationRequestorAdminEligibility
	}
	return RuleNotificationRequestorAdminAssignment
}

func approverRule(l Level) RuleID {
	if l == Eligibility {
		return RuleNotificationApproverAdminEligibility
	}
	return RuleNotificationApproverAdminAssignment
}

func expirationRule(l Level) RuleID {
	if l == Eligibility {
		return RuleExpirationAdminEligibility
	}
	return RuleExpirationAdminAssignment
}

func enablementRule(l Level) RuleID {
	if l == Eligibility {
		return RuleEnablementAdminEligibility
	}
	return RuleEnablementAdminAssignment
}

func levelNoun(l Level) string {
	if l == Eligibility {
		return "eligible assignment"
	}
	return "active assignment"
}

// schedulesAt returns the principal's direct current schedules at level l.
func schedulesAt(f Facts, l Level, principal string) []Schedule {
	src := f.Active
	if l == Eligibility {
		src = f.Eligible
	}
	var out []Schedule
	for _, s := range src {
		if s.Level == l && !s.ViaGroup && s.PrincipalID == principal && s.Current(f.Now) {
			out = append(out, s)
		}
	}
	return out
}

// targetSchedule finds the schedule an admin request acts on: the one
// named by targetScheduleId, or the principal's direct one at the level.
func targetSchedule(r Request, f Facts, allowActivated bool) (Schedule, error) {
	for _, s := range schedulesAt(f, r.Level, r.PrincipalID) {
		if (r.TargetScheduleID == "" || s.ID == r.TargetScheduleID) && (allowActivated || !s.Activated) {
			return s, nil
		}
	}
	return Schedule{}, invalid(CodeAssignmentDoesNotExist, "The Role assignment does not exist: the principal holds no %s of this role directly.", levelNoun(r.Level))
}

func adminAssign(r Request, s Settings, f Facts, renew bool) (Outcome, error) {
	now := f.Now
	if cur := schedulesAt(f, r.Level, r.PrincipalID); len(cur) > 0 {
		return Outcome{}, conflict(CodeAssignmentExists, "The Role assignment already exists: the principal already holds an %s of this role.", levelNoun(r.Level))
	}
	if renew {
		found := false
		for _, e := range f.Expired {
			if e.Level == r.Level && e.PrincipalID == r.PrincipalID {
				found = true
			}
		}
		if !found {
			return Outcome{}, invalid(CodeAssignmentDoesNotExist, "There is no %s of this role that ended in the last 90 days to renew; use adminAssign.", levelNoun(r.Level))
		}
	}
	start, end, err := window(r.ScheduleInfo, now, nil)
	if err != nil {
		return Outcome{}, err
	}
	if err := checkExpiration(expirationRule(r.Level), s.Expiration(expirationRule(r.Level)), start, end, levelNoun(r.Level)); err != nil {
		return Outcome{}, err
	}
	if err := checkEnablement(enablementRule(r.Level), s.Enablement(enablementRule(r.Level)), r, f.Caller); err != nil {
		return Outcome{}, err
	}
	sch := Schedule{ID: f.NewScheduleID, Level: r.Level, PrincipalID: r.PrincipalID, RoleDefinitionID: r.RoleDefinitionID, Start: start, End: end, CreatedUsing: r.ID}
	v := sch.variant()
	event := EventAssigned
	if renew {
		v, event = VariantRenew, EventRenewed
	}
	r.TargetScheduleID = sch.ID
	r.Status = StatusProvisioned
	if start.After(now) {
		r.Status = StatusScheduleCreated
	}
	r.CompletedAt = &now
	return Outcome{Request: r, Effects: []Effect{{Op: CreateSchedule, Schedule: sch}},
		Audit:   []audit.Activity{AddActivity(r.Level, PhaseRequested, v), AddActivity(r.Level, PhaseCompleted, v)},
		Notices: []Notice{{Rule: adminRule(r.Level), Event: event}, {Rule: requestorRule(r.Level), Event: event}}}, nil
}

// newWindow computes an update's or extension's window from the existing
// schedule: an unspecified start keeps the schedule's, an unspecified
// expiration keeps its end.
func newWindow(r Request, cur Schedule, now time.Time) (time.Time, *time.Time, error) {
	start := cur.Start
	if r.ScheduleInfo.StartDateTime != nil {
		start = *r.ScheduleInfo.StartDateTime
		if start.Before(now) && !cur.Start.Before(now) {
			start = now
		}
	}
	end := cur.End
	switch r.ScheduleInfo.Expiration.Type {
	case AfterDuration:
		e := start.Add(r.ScheduleInfo.Expiration.Duration)
		if start.Before(now) && r.Action != AdminUpdate {
			e = now.Add(r.ScheduleInfo.Expiration.Duration)
		}
		end = &e
	case AfterDateTime:
		end = r.ScheduleInfo.Expiration.EndDateTime
	case NoExpiration:
		end = nil
	}
	if end != nil && !end.After(now) {
		return start, end, invalid(CodeInvalidRequest, "The new end %s has already passed; to take the role away, use adminRemove.", end.UTC().Format(time.RFC3339))
	}
	if end != nil && !end.After(start) {
		return start, end, invalid(CodeInvalidRequest, "The new end is not after the start.")
	}
	return start, end, nil
}

func adminUpdate(r Request, s Settings, f Facts) (Outcome, error) {
	now := f.Now
	cur, err := targetSchedule(r, f, false)
	if err != nil {
		return Outcome{}, err
	}
	if r.Action == AdminExtend && cur.End == nil {
		return Outcome{}, invalid(CodeInvalidRequest, "This %s is permanent: there is nothing to extend.", levelNoun(r.Level))
	}
	start, end, err := newWindow(r, cur, now)
	if err != nil {
		return Outcome{}, err
	}
	if r.Action == AdminExtend && (end == nil || !end.After(*cur.End)) {
		return Outcome{}, invalid(CodeInvalidRequest, "An extension must end later than the current end, %s.", cur.End.UTC().Format(time.RFC3339))
	}
	from := start
	if from.Before(now) {
		from = now
	}
	if err := checkExpiration(expirationRule(r.Level), s.Expiration(expirationRule(r.Level)), from, end, levelNoun(r.Level)); err != nil {
		return Outcome{}, err
	}
	if err := checkEnablement(enablementRule(r.Level), s.Enablement(enablementRule(r.Level)), r, f.Caller); err != nil {
		return Outcome{}, err
	}
	upd := cur
	upd.Start, upd.End = start, end
	r.TargetScheduleID = cur.ID
	r.Status = StatusProvisioned
	r.CompletedAt = &now
	out := Outcome{Request: r, Effects: []Effect{{Op: UpdateSchedule, Schedule: upd}}}
	if r.Action == AdminExtend {
		out.Audit = []audit.Activity{ActivityExtendRequested, ActivityExtendApproved}
		out.Notices = []Notice{{Rule: adminRule(r.Level), Event: EventExtended}, {Rule: requestorRule(r.Level), Event: EventExtended}}
		return out, nil
	}
	out.Audit = []audit.Activity{ActivityActiveUpdated}
	if r.Level == Eligibility {
		out.Audit = []audit.Activity{ActivityEligibleUpdated}
	}
	out.Notices = []Notice{{Rule: adminRule(r.Level), Event: EventUpdated}, {Rule: requestorRule(r.Level), Event: EventUpdated}}
	return out, nil
}

func adminRemove(r Request, f Facts) (Outcome, error) {
	cur, err := targetSchedule(r, f, r.Level == Assignment)
	if err != nil {
		return Outcome{}, err
	}
	return remove(r, cur, f, RemoveActivity(r.Level, PhaseRequested, cur.variant()), RemoveActivity(r.Level, PhaseCompleted, cur.variant()))
}

func selfExtend(r Request, s Settings, f Facts) (Outcome, error) {
	now := f.Now
	for _, p := range f.Pending {
		if (p.Action == SelfExtend || p.Action == SelfRenew) && p.Level == r.Level && p.Status.Pending() {
			return Outcome{}, conflict(CodePendingRequest, "There is already a pending request to extend or renew this role (%s).", p.ID)
		}
	}
	if strings.TrimSpace(r.Justification) == "" {
		return Outcome{}, invalid(CodeInvalidRequest, "A justification is required: say why you need the role for longer.")
	}
	var acts []audit.Activity
	var event Event
	if r.Action == SelfExtend {
		cur, err := targetSchedule(r, f, false)
		if err != nil {
			return Outcome{}, err
		}
		if cur.End == nil {
			return Outcome{}, invalid(CodeInvalidRequest, "Your %s is permanent: there is nothing to extend.", levelNoun(r.Level))
		}
		if cur.End.Sub(now) > ExtendWindow {
			return Outcome{}, invalid(CodeInvalidRequest, "You can ask to extend an assignment in its last 14 days; this one ends %s.", cur.End.UTC().Format(time.RFC3339))
		}
		start, end, err := newWindow(r, cur, now)
		if err != nil {
			return Outcome{}, err
		}
		if end == nil && r.ScheduleInfo.Expiration.Type != NoExpiration || end != nil && !end.After(*cur.End) {
			return Outcome{}, invalid(CodeInvalidRequest, "Say until when: an extension must end later than %s.", cur.End.UTC().Format(time.RFC3339))
		}
		from := start
		if from.Before(now) {
			from = now
		}
		if err := checkExpiration(expirationRule(r.Level), s.Expiration(expirationRule(r.Level)), from, end, levelNoun(r.Level)); err != nil {
			return Outcome{}, err
		}
		r.TargetScheduleID = cur.ID
		acts, event = []audit.Activity{ActivityExtendRequested}, EventExtensionRequested
	} else {
		if cur := schedulesAt(f, r.Level, r.PrincipalID); len(cur) > 0 {
			return Outcome{}, conflict(CodeAssignmentExists, "The Role assignment already exists: there is nothing to renew.")
		}
		found := false
		for _, e := range f.Expired {
			found = found || e.Level == r.Level && e.PrincipalID == r.PrincipalID
		}
		if !found {
			return Outcome{}, invalid(CodeAssignmentDoesNotExist, "You have no %s of this role that ended in the last 90 days to renew.", levelNoun(r.Level))
		}
		start, end, err := window(r.ScheduleInfo, now, nil)
		if err != nil {
			return Outcome{}, err
		}
		if err := checkExpiration(expirationRule(r.Level), s.Expiration(expirationRule(r.Level)), start, end, levelNoun(r.Level)); err != nil {
			return Outcome{}, err
		}
		acts, event = []audit.Activity{AddActivity(r.Level, PhaseRequested, VariantRenew)}, EventRenewalRequested
	}
	r.Status = StatusPendingAdminDecision
	r.Approval = &Approval{StepID: f.NewStepID, ReviewResult: ReviewNotReviewed}
	return Outcome{Request: r, Audit: acts, Notices: []Notice{{Rule: approverRule(r.Level), Event: event, Critical: true}}}, nil
}

// Decision is an approver's or administrator's answer to a pending request.
type Decision struct {
	Result        string // ReviewApprove or ReviewDeny
	Justification string
	// IsApprover: the reviewer is one of the request's approvers (named,
	// a member of a named group, or by default an active Privileged Role
	// Administrator or Global Administrator); the service decides it.
	IsApprover bool
}

// Expired reports whether r's approval deadline has passed at now.
func Expired(r Request, now time.Time) bool {
	return r.Status == StatusPendingApproval && r.Approval != nil && r.Approval.Deadline != nil && !now.Before(*r.Approval.Deadline)
}

func checkReviewer(r Request, d Decision, c Caller) error {
	if !c.IsUser {
		return forbidden(CodeNotApprover, "Only people approve requests; an application cannot.")
	}
	if c.ID == r.PrincipalID || c.ID == r.CreatedBy {
		return forbidden(CodeSelfApproval, "You cannot approve or deny your own request: another approver must decide it.")
	}
	if d.Result != ReviewApprove && d.Result != ReviewDeny {
		return invalid(CodeInvalidRequest, "reviewResult must be Approve or Deny, not %q.", d.Result)
	}
	if utf8.RuneCountInString(d.Justification) > MaxJustification {
		return invalid(CodeInvalidRequest, "justification may be at most %d characters.", MaxJustification)
	}
	return nil
}

func notPending(r Request) error {
	return conflict(CodeRequestNotPending, "This request is no longer pending: it is %s. The first decision stands.", r.Status)
}

// Review decides a pending activation request: the reviewer (f.Caller)
// approves or denies it. The requester never decides their own request; the
// first decision wins (a decided request is no longer pending); an approval
// past its deadline is refused (TimeOut records it). Approval creates the
// activation from the moment of approval.
func Review(r Request, d Decision, s Settings, f Facts) (Outcome, error) {
	now := f.Now
	if r.Action == SelfExtend || r.Action == SelfRenew {
		return Outcome{}, invalid(CodeInvalidRequest, "Extension and renewal requests are decided by an administrator (Approvals page, or adminExtend/adminRenew); the approvals API cannot decide them, as in Entra.")
	}
	if r.Action != SelfActivate || r.Approval == nil {
		return Outcome{}, invalid(CodeInvalidRequest, "This request has no approval step.")
	}
	if r.Status != StatusPendingApproval {
		return Outcome{}, notPending(r)
	}
	if Expired(r, now) {
		return Outcome{}, conflict(CodeRequestNotPending, "This request expired at %s: nobody decided it within 24 hours. The requester must ask again.", r.Approval.Deadline.UTC().Format(time.RFC3339))
	}
	if err := checkReviewer(r, d, f.Caller); err != nil {
		return Outcome{}, err
	}
	if !d.IsApprover {
		return Outcome{}, forbidden(CodeNotApprover, "You are not an approver of this request.")
	}
	if r.Approval.JustificationRequired && strings.TrimSpace(d.Justification) == "" {
		return Outcome{}, violation(RuleApprovalEndUserAssignment, "Approvers must give a justification for their decision.")
	}
	a := *r.Approval
	a.ReviewResult, a.ReviewedBy, a.ReviewedAt, a.Justification = d.Result, f.Caller.ID, &now, d.Justification
	r.Approval = &a
	decided := Notice{Rule: RuleNotificationApproverEndUserAssignment, Event: EventDecided}
	if d.Result == ReviewDeny {
		r.Status = StatusDenied
		r.CompletedAt = &now
		return Outcome{Request: r, Audit: []audit.Activity{ActivityActivationDenied},
			Notices: []Notice{{Rule: RuleNotificationRequestorEndUserAssignment, Event: EventDenied}, decided}}, nil
	}
	fail := func(why string) (Outcome, error) {
		r.Status = StatusFailed
		r.CompletedAt = &now
		return Outcome{Request: r, Reason: why, Audit: []audit.Activity{ActivityActivationApproved},
			Notices: []Notice{{Rule: RuleNotificationRequestorEndUserAssignment, Event: EventFailed}, decided}}, nil
	}
	max := s.Expiration(RuleExpirationEndUserAssignment).MaximumDuration
	info := r.ScheduleInfo
	start, end, err := window(ScheduleInfo{StartDateTime: info.StartDateTime, Expiration: info.Expiration}, now, &max)
	if err != nil || end == nil {
		return fail("the requested window has passed")
	}
	if end.Sub(start) > max {
		e := start.Add(max)
		end = &e
	}
	elig, ok := bestEligibility(f.Eligible, start)
	if !ok {
		return fail("no longer eligible")
	}
	if len(activeFor(f)) > 0 {
		return fail("already active")
	}
	return provision(r, elig, start, capEnd(*end, elig), f, []audit.Activity{ActivityActivationApproved, ActivityActivationCompleted},
		[]Notice{{Rule: RuleNotificationRequestorEndUserAssignment, Event: EventApproved}, decided,
			{Rule: RuleNotificationAdminEndUserAssignment, Event: EventActivated}})
}

// Decide is an administrator's decision on a user's request to extend or
// renew (PendingAdminDecision). f.Target is the schedule to extend, if it
// still exists.
func Decide(r Request, d Decision, s Settings, f Facts) (Outcome, error) {
	now := f.Now
	if r.Action != SelfExtend && r.Action != SelfRenew {
		return Outcome{}, invalid(CodeInvalidRequest, "Only extension and renewal requests wait for an administrator's decision.")
	}
	if r.Status != StatusPendingAdminDecision {
		return Outcome{}, notPending(r)
	}
	if err := checkReviewer(r, d, f.Caller); err != nil {
		return Outcome{}, err
	}
	if !f.Caller.Admin {
		return Outcome{}, forbidden(CodeNotApprover, "Extension and renewal requests are decided by a Privileged Role Administrator or Global Administrator.")
	}
	a := Approval{StepID: "", ReviewResult: d.Result, ReviewedBy: f.Caller.ID, ReviewedAt: &now, Justification: d.Justification}
	if r.Approval != nil {
		a.StepID = r.Approval.StepID
	}
	r.Approval = &a
	r.CompletedAt = &now
	if d.Result == ReviewDeny {
		r.Status = StatusDenied
		return Outcome{Request: r, Audit: []audit.Activity{ActivityExtendDenied},
			Notices: []Notice{{Rule: requestorRule(r.Level), Event: EventExtensionDenied}}}, nil
	}
	fail := func(why string) (Outcome, error) {
		r.Status = StatusFailed
		return Outcome{Request: r, Reason: why, Audit: []audit.Activity{ActivityExtendApproved}, Notices: []Notice{{Rule: requestorRule(r.Level), Event: EventFailed}}}, nil
	}
	var eff Effect
	if r.Action == SelfExtend {
		if f.Target == nil || !f.Target.Current(now) {
			return fail("the assignment to extend no longer exists")
		}
		start, end, err := newWindow(r, *f.Target, now)
		if err != nil {
			return fail("the requested end has passed")
		}
		upd := *f.Target
		upd.Start, upd.End = start, end
		eff = Effect{Op: UpdateSchedule, Schedule: upd}
	} else {
		if len(schedulesAt(f, r.Level, r.PrincipalID)) > 0 {
			return fail("the principal already holds the role")
		}
		start, end, err := window(r.ScheduleInfo, now, nil)
		if err != nil {
			return fail("the requested end has passed")
		}
		eff = Effect{Op: CreateSchedule, Schedule: Schedule{ID: f.NewScheduleID, Level: r.Level, PrincipalID: r.PrincipalID,
			RoleDefinitionID: r.RoleDefinitionID, Start: start, End: end, CreatedUsing: r.ID}}
	}
	from := eff.Schedule.Start
	if from.Before(now) {
		from = now
	}
	if err := checkExpiration(expirationRule(r.Level), s.Expiration(expirationRule(r.Level)), from, eff.Schedule.End, levelNoun(r.Level)); err != nil {
		return fail("the requested window breaks the role's expiration rule")
	}
	r.TargetScheduleID = eff.Schedule.ID
	r.Status = StatusProvisioned
	return Outcome{Request: r, Effects: []Effect{eff}, Audit: []audit.Activity{ActivityExtendApproved},
		Notices: []Notice{{Rule: requestorRule(r.Level), Event: EventExtensionApproved}, {Rule: adminRule(r.Level), Event: EventExtended}}}, nil
}

// Cancel withdraws a request: one still waiting for a decision, or one
// granted for a later start whose schedule has not begun (f.Target). Only
// the request's creator may cancel it, or for an administrator's request
// any administrator.
func Cancel(r Request, f Facts) (Outcome, error) {
	now := f.Now
	c := f.Caller
	if c.ID != r.CreatedBy && !(c.Admin && !r.Action.Self()) {
		return Outcome{}, forbidden("Authorization_RequestDenied", "Only the requester can cancel this request.")
	}
	var act audit.Activity
	var effects []Effect
	switch {
	case r.Status == StatusPendingApproval && r.Action == SelfActivate:
		act = ActivityActivationCanceled
	case r.Status == StatusPendingAdminDecision && (r.Action == SelfExtend || r.Action == SelfRenew):
		act = ActivityExtendCanceled
		if r.Action == SelfRenew {
			act = AddActivity(r.Level, PhaseCanceled, VariantRenew)
		}
	case r.Status == StatusGranted || r.Status == StatusScheduleCreated:
		if f.Target == nil || !f.Target.Start.After(now) {
			return Outcome{}, conflict(CodeRequestNotCancelable, "The schedule this request created is already in force; remove it instead (selfDeactivate or adminRemove).")
		}
		effects = []Effect{{Op: RemoveSchedule, Schedule: *f.Target}}
		switch r.Action {
		case SelfActivate:
			act = ActivityActivationCanceled
		case AdminRenew:
			act = AddActivity(r.Level, PhaseCanceled, VariantRenew)
		default:
			act = AddActivity(r.Level, PhaseCanceled, f.Target.variant())
		}
	default:
		return Outcome{}, conflict(CodeRequestNotCancelable, "Only a pending request, or one granted for a later start, can be canceled; this one is %s.", r.Status)
	}
	r.Status = StatusCanceled
	r.CompletedAt = &now
	return Outcome{Request: r, Effects: effects, Audit: []audit.Activity{act}}, nil
}

// TimeOut ends an activation request nobody decided before its deadline.
func TimeOut(r Request, now time.Time) (Outcome, error) {
	if !Expired(r, now) {
		return Outcome{}, conflict(CodeRequestNotPending, "This request has not expired.")
	}
	r.Status = StatusTimedOut
	r.CompletedAt = &now
	return Outcome{Request: r, Audit: []audit.Activity{ActivityRequestExpired},
		Notices: []Notice{{Rule: RuleNotificationRequestorEndUserAssignment, Event: EventRequestExpired}}}, nil
}

// End is what follows when schedule s reaches its end: the activity to
// audit as it is removed and the notice to its holder. A role stops
// working at its end whether or not this has run (authorization checks the
// end itself); End only records and tells.
func End(s Schedule, now time.Time) (audit.Activity, Notice, error) {
	if s.End == nil || now.Before(*s.End) {
		return audit.Activity{}, Notice{}, conflict(CodeInvalidRequest, "This schedule has not ended.")
	}
	switch {
	case s.Activated:
		return ActivityActivationExpired, Notice{Rule: RuleNotificationRequestorEndUserAssignment, Event: EventActivationExpired}, nil
	case s.Level == Eligibility:
		return RemoveActivity(Eligibility, PhaseCompleted, VariantTimebound), Notice{Rule: RuleNotificationRequestorAdminEligibility, Event: EventExpired}, nil
	default:
		return RemoveActivity(Assignment, PhaseCompleted, VariantTimebound), Notice{Rule: RuleNotificationRequestorAdminAssignment, Event: EventExpired}, nil
	}
}
