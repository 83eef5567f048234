package pim

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const (
	alice   = "user-alice"
	bob     = "user-bob"
	admin   = "user-admin"
	app     = "app-automation"
	group   = "group-admins"
	secAdm  = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	newID   = "req-new"
	newStep = "step-new"
	newSch  = "sch-new"
)

func at(d time.Duration) time.Time { return now.Add(d) }
func ptr[T any](v T) *T            { return &v }

// settings builds a role's settings from the defaults with changes.
func settings(t *testing.T, changes ...func(*Settings)) Settings {
	t.Helper()
	s := Defaults()
	for _, c := range changes {
		c(&s)
	}
	return s
}

func set(id RuleID, change func(*Rule)) func(*Settings) {
	return func(s *Settings) {
		for i := range s.Rules {
			if s.Rules[i].ID == id {
				r := s.Rules[i]
				// copy payloads so that the defaults are never shared
				switch {
				case r.Expiration != nil:
					e := *r.Expiration
					r.Expiration = &e
				case r.Enablement != nil:
					e := *r.Enablement
					r.Enablement = &e
				case r.AuthenticationContext != nil:
					e := *r.AuthenticationContext
					r.AuthenticationContext = &e
				case r.Approval != nil:
					e := *r.Approval
					r.Approval = &e
				case r.Notification != nil:
					e := *r.Notification
					r.Notification = &e
				}
				change(&r)
				s.Rules[i] = r
			}
		}
	}
}

var (
	noMFA          = set(RuleEnablementEndUserAssignment, func(r *Rule) { r.Enablement.EnabledRules = []string{EnableJustification} })
	nothingOnAct   = set(RuleEnablementEndUserAssignment, func(r *Rule) { r.Enablement.EnabledRules = []string{} })
	ticketing      = set(RuleEnablementEndUserAssignment, func(r *Rule) { r.Enablement.EnabledRules = []string{EnableJustification, EnableTicketing} })
	withApproval   = set(RuleApprovalEndUserAssignment, func(r *Rule) { r.Approval.IsApprovalRequired = true })
	context1       = set(RuleAuthenticationContextEndUserAssignment, func(r *Rule) { r.AuthenticationContext.IsEnabled, r.AuthenticationContext.ClaimValue = true, "c1" })
	maxOneHour     = set(RuleExpirationEndUserAssignment, func(r *Rule) { r.Expiration.MaximumDuration = time.Hour })
	eligibleExpire = set(RuleExpirationAdminEligibility, func(r *Rule) {
		r.Expiration.IsExpirationRequired, r.Expiration.MaximumDuration = true, 30*24*time.Hour
	})
	activeExpire = set(RuleExpirationAdminAssignment, func(r *Rule) {
		r.Expiration.IsExpirationRequired, r.Expiration.MaximumDuration = true, 30*24*time.Hour
	})
	activeMFA = set(RuleEnablementAdminAssignment, func(r *Rule) {
		r.Enablement.EnabledRules = []string{EnableJustification, EnableMultiFactorAuthentication}
	})
	noApproverJustification = set(RuleApprovalEndUserAssignment, func(r *Rule) {
		r.Approval.IsApprovalRequired = true
		st := r.Approval.ApprovalStages[0]
		st.IsApproverJustificationRequired = false
		r.Approval.ApprovalStages = []ApprovalStage{st}
	})
)

// Callers.
var (
	aliceMFA   = Caller{ID: alice, IsUser: true, MFA: true}
	aliceNoMFA = Caller{ID: alice, IsUser: true}
	aliceC1    = Caller{ID: alice, IsUser: true, MFA: true, Contexts: []string{"c1"}}
	adminUser  = Caller{ID: admin, IsUser: true, Admin: true, MFA: true}
	adminApp   = Caller{ID: app, Admin: true}
	bobApprove = Caller{ID: bob, IsUser: true, MFA: true}
)

// Schedules.
var (
	eligPermanent = Schedule{ID: "elig-1", Level: Eligibility, PrincipalID: alice, RoleDefinitionID: secAdm, Start: at(-48 * time.Hour)}
	eligViaGroup  = Schedule{ID: "elig-g", Level: Eligibility, PrincipalID: group, RoleDefinitionID: secAdm, ViaGroup: true, Start: at(-48 * time.Hour)}
	eligEnds2h    = Schedule{ID: "elig-2h", Level: Eligibility, PrincipalID: alice, RoleDefinitionID: secAdm, Start: at(-48 * time.Hour), End: ptr(at(2 * time.Hour))}
	eligEnds10d   = Schedule{ID: "elig-10d", Level: Eligibility, PrincipalID: alice, RoleDefinitionID: secAdm, Start: at(-48 * time.Hour), End: ptr(at(10 * 24 * time.Hour))}
	eligEnds60d   = Schedule{ID: "elig-60d", Level: Eligibility, PrincipalID: alice, RoleDefinitionID: secAdm, Start: at(-48 * time.Hour), End: ptr(at(60 * 24 * time.Hour))}
	eligFuture    = Schedule{ID: "elig-f", Level: Eligibility, PrincipalID: alice, RoleDefinitionID: secAdm, Start: at(24 * time.Hour)}
	eligExpired   = Schedule{ID: "elig-x", Level: Eligibility, PrincipalID: alice, RoleDefinitionID: secAdm, Start: at(-100 * 24 * time.Hour), End: ptr(at(-10 * 24 * time.Hour))}
	activation    = Schedule{ID: "act-1", Level: Assignment, PrincipalID: alice, RoleDefinitionID: secAdm, Start: at(-time.Hour), End: ptr(at(time.Hour)), Activated: true, ActivatedUsing: "elig-1"}
	activationNew = Schedule{ID: "act-2", Level: Assignment, PrincipalID: alice, RoleDefinitionID: secAdm, Start: at(-2 * time.Minute), End: ptr(at(time.Hour)), Activated: true, ActivatedUsing: "elig-1"}
	assignedPerm  = Schedule{ID: "asg-1", Level: Assignment, PrincipalID: alice, RoleDefinitionID: secAdm, Start: at(-48 * time.Hour)}
	assigned10d   = Schedule{ID: "asg-10d", Level: Assignment, PrincipalID: alice, RoleDefinitionID: secAdm, Start: at(-48 * time.Hour), End: ptr(at(10 * 24 * time.Hour))}
	bobActivation = Schedule{ID: "act-bob", Level: Assignment, PrincipalID: bob, RoleDefinitionID: secAdm, Start: at(-time.Hour), End: ptr(at(time.Hour)), Activated: true, ActivatedUsing: "elig-g"}
)

func duration(d time.Duration) ScheduleInfo {
	return ScheduleInfo{Expiration: Expiration{Type: AfterDuration, Duration: d}}
}

func until(t time.Time) ScheduleInfo {
	return ScheduleInfo{Expiration: Expiration{Type: AfterDateTime, EndDateTime: &t}}
}

var permanent = ScheduleInfo{Expiration: Expiration{Type: NoExpiration}}

func req(level Level, action Action, principal string, info ScheduleInfo, justification string) Request {
	return Request{Level: level, Action: action, PrincipalID: principal, RoleDefinitionID: secAdm, DirectoryScopeID: "/", ScheduleInfo: info, Justification: justification}
}

func facts(c Caller, mods ...func(*Facts)) Facts {
	f := Facts{Now: now, Caller: c, NewID: newID, NewStepID: newStep, NewScheduleID: newSch}
	for _, m := range mods {
		m(&f)
	}
	return f
}

func eligible(s ...Schedule) func(*Facts) {
	return func(f *Facts) { f.Eligible = append(f.Eligible, s...) }
}
func active(s ...Schedule) func(*Facts) { return func(f *Facts) { f.Active = append(f.Active, s...) } }
func expired(s ...Schedule) func(*Facts) {
	return func(f *Facts) { f.Expired = append(f.Expired, s...) }
}
func dependents(s ...Schedule) func(*Facts) {
	return func(f *Facts) { f.Dependents = append(f.Dependents, s...) }
}
func pending(r ...Request) func(*Facts) {
	return func(f *Facts) { f.Pending = append(f.Pending, r...) }
}
func targeted(f *Facts) { f.ContextTargeted = true }

// summary is an outcome in a form a table can state.
type summary struct {
	Status  Status
	Effects []string
	Audit   []string
	Notices []string
}

func summarize(o Outcome) summary {
	s := summary{Status: o.Request.Status}
	for _, e := range o.Effects {
		end := "permanent"
		if e.Schedule.End != nil {
			end = e.Schedule.End.Sub(now).String()
		}
		kind := string(e.Schedule.Level)
		if e.Schedule.Activated {
			kind = "Activation"
		}
		s.Effects = append(s.Effects, fmt.Sprintf("%s %s %s %s→%s", e.Op, kind, e.Schedule.ID, e.Schedule.Start.Sub(now), end))
	}
	for _, a := range o.Audit {
		s.Audit = append(s.Audit, a.Name)
	}
	for _, n := range o.Notices {
		c := ""
		if n.Critical {
			c = "!"
		}
		s.Notices = append(s.Notices, string(n.Rule)+":"+string(n.Event)+c)
	}
	return s
}

// wantErr is an expected refusal: the error kind, Graph code and, for a
// rule, its id.
type wantErr struct {
	kind apperr.Kind
	code string
	rule RuleID
	auth string // "mfa" or a context id for an AuthError
}

func checkErr(t *testing.T, err error, want *wantErr) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %s %s %s", want.kind, want.code, want.rule)
	}
	if !errors.Is(err, want.kind) {
		t.Errorf("error kind %s, want %s (%v)", apperr.KindOf(err), want.kind, err)
	}
	if got := apperr.As(err).Code; got != want.code {
		t.Errorf("error code %q, want %q (%v)", got, want.code, err)
	}
	rule, _ := RuleOf(err)
	if rule != want.rule {
		t.Errorf("rule %q, want %q (%v)", rule, want.rule, err)
	}
	var ae *AuthError
	switch {
	case want.auth == "" && errors.As(err, &ae):
		t.Errorf("unexpected AuthError %v", err)
	case want.auth == "mfa" && (!errors.As(err, &ae) || !ae.MFA):
		t.Errorf("want an MFA AuthError, got %v", err)
	case want.auth != "" && want.auth != "mfa" && (!errors.As(err, &ae) || ae.Context != want.auth):
		t.Errorf("want an AuthError for context %s, got %v", want.auth, err)
	}
}

func policyFailed(rule RuleID) *wantErr {
	return &wantErr{kind: apperr.Invalid, code: CodePolicyValidationFailed, rule: rule}
}

var (
	errExists     = &wantErr{kind: apperr.Conflict, code: CodeAssignmentExists}
	errNotExists  = &wantErr{kind: apperr.Invalid, code: CodeAssignmentDoesNotExist}
	errTooShort   = &wantErr{kind: apperr.Invalid, code: CodeActiveDurationTooShort}
	errPending    = &wantErr{kind: apperr.Conflict, code: CodePendingRequest}
	errInvalid    = &wantErr{kind: apperr.Invalid, code: CodeInvalidRequest}
	errForbidden  = &wantErr{kind: apperr.Forbidden, code: "Authorization_RequestDenied"}
	errMFA        = &wantErr{kind: apperr.Unauthenticated, code: CodePolicyValidationFailed, rule: RuleEnablementEndUserAssignment, auth: "mfa"}
	errMFAFallbak = &wantErr{kind: apperr.Unauthenticated, code: CodePolicyValidationFailed, rule: RuleAuthenticationContextEndUserAssignment, auth: "mfa"}
	errC1         = &wantErr{kind: apperr.Unauthenticated, code: CodeAcrsValidationFailed, rule: RuleAuthenticationContextEndUserAssignment, auth: "c1"}
)

const (
	actReq  = "Add member to role requested (PIM activation)"
	actApr  = "Add member to role approval requested (PIM activation)"
	actDone = "Add member to role completed (PIM activation)"
	actOK   = "Add member to role request approved (PIM activation)"
	actNo   = "Add member to role request denied (PIM activation)"
	actCanc = "Add member to role canceled (PIM activation)"
	deReq   = "Remove member from role requested (PIM deactivate)"
	deDone  = "Remove member from role completed (PIM deactivate)"
)

var (
	nActAdmin     = string(RuleNotificationAdminEndUserAssignment) + ":activated"
	nActRequestor = string(RuleNotificationRequestorEndUserAssignment) + ":activated"
)

func TestSubmit(t *testing.T) {
	tests := []struct {
		name     string
		req      Request
		settings []func(*Settings)
		facts    Facts
		want     summary
		err      *wantErr
	}{
		// selfActivate: the main path and each rule.
		{name: "activate within the maximum", req: req(Assignment, SelfActivate, alice, duration(2*time.Hour), "incident 42"),
			facts: facts(aliceMFA, eligible(eligPermanent)),
			want: summary{Status: StatusProvisioned, Effects: []string{"create Activation sch-new 0s→2h0m0s"},
				Audit: []string{actReq, actDone}, Notices: []string{nActAdmin, nActRequestor}}},
		{name: "activate for exactly the maximum", req: req(Assignment, SelfActivate, alice, duration(8*time.Hour), "x"),
			facts: facts(aliceMFA, eligible(eligPermanent)),
			want:  summary{Status: StatusProvisioned, Effects: []string{"create Activation sch-new 0s→8h0m0s"}, Audit: []string{actReq, actDone}, Notices: []string{nActAdmin, nActRequestor}}},
		{name: "activate without a duration gets the maximum", req: req(Assignment, SelfActivate, alice, ScheduleInfo{}, "x"),
			facts: facts(aliceMFA, eligible(eligPermanent)),
			want:  summary{Status: StatusProvisioned, Effects: []string{"create Activation sch-new 0s→8h0m0s"}, Audit: []string{actReq, actDone}, Notices: []string{nActAdmin, nActRequestor}}},
		{name: "activate until a time", req: req(Assignment, SelfActivate, alice, until(at(3*time.Hour)), "x"),
			facts: facts(aliceMFA, eligible(eligPermanent)),
			want:  summary{Status: StatusProvisioned, Effects: []string{"create Activation sch-new 0s→3h0m0s"}, Audit: []string{actReq, actDone}, Notices: []string{nActAdmin, nActRequestor}}},
		{name: "activate later: schedule created", req: req(Assignment, SelfActivate, alice, ScheduleInfo{StartDateTime: ptr(at(time.Hour)), Expiration: Expiration{Type: AfterDuration, Duration: time.Hour}}, "x"),
			facts: facts(aliceMFA, eligible(eligPermanent)),
			want:  summary{Status: StatusScheduleCreated, Effects: []string{"create Activation sch-new 1h0m0s→2h0m0s"}, Audit: []string{actReq, actDone}, Notices: []string{nActAdmin, nActRequestor}}},
		{name: "activate through a group's eligibility", req: req(Assignment, SelfActivate, alice, duration(time.Hour), "x"),
			facts: facts(aliceMFA, eligible(eligViaGroup)),
			want:  summary{Status: StatusProvisioned, Effects: []string{"create Activation sch-new 0s→1h0m0s"}, Audit: []string{actReq, actDone}, Notices: []string{nActAdmin, nActRequestor}}},
		{name: "activation ends with the eligibility", req: req(Assignment, SelfActivate, alice, duration(8*time.Hour), "x"),
			facts: facts(aliceMFA, eligible(eligEnds2h)),
			want:  summary{Status: StatusProvisioned, Effects: []string{"create Activation sch-new 0s→2h0m0s"}, Audit: []string{actReq, actDone}, Notices: []string{nActAdmin, nActRequestor}}},
		{name: "over the maximum", req: req(Assignment, SelfActivate, alice, duration(9*time.Hour), "x"),
			facts: facts(aliceMFA, eligible(eligPermanent)), err: policyFailed(RuleExpirationEndUserAssignment)},
		{name: "over a lowered maximum", req: req(Assignment, SelfActivate, alice, duration(2*time.Hour), "x"), settings: []func(*Settings){maxOneHour},
			facts: facts(aliceMFA, eligible(eligPermanent)), err: policyFailed(RuleExpirationEndUserAssignment)},
		{name: "permanent activation", req: req(Assignment, SelfActivate, alice, permanent, "x"),
			facts: facts(aliceMFA, eligible(eligPermanent)), err: policyFailed(RuleExpirationEndUserAssignment)},
		{name: "under five minutes", req: req(Assignment, SelfActivate, alice, duration(4*time.Minute), "x"),
			facts: facts(aliceMFA, eligible(eligPermanent)), err: errTooShort},
		{name: "not eligible", req: req(Assignment, SelfActivate, alice, duration(time.Hour), "x"),
			facts: facts(aliceMFA), err: policyFailed(RuleEligibility)},
		{name: "eligible only later", req: req(Assignment, SelfActivate, alice, duration(time.Hour), "x"),
			facts: facts(aliceMFA, eligible(eligFuture)), err: policyFailed(RuleEligibility)},
		{name: "eligibility has ended", req: req(Assignment, SelfActivate, alice, duration(time.Hour), "x"),
			facts: Facts{Now: at(3 * time.Hour), Caller: aliceMFA, Eligible: []Schedule{eligEnds2h}, NewID: newID}, err: policyFailed(RuleEligibility)},
		{name: "already active", req: req(Assignment, SelfActivate, alice, duration(time.Hour), "x"),
			facts: facts(aliceMFA, eligible(eligPermanent), active(activation)), err: errExists},
		{name: "already pending", req: req(Assignment, SelfActivate, alice, duration(time.Hour), "x"),
			facts: facts(aliceMFA, eligible(eligPermanent), pending(Request{ID: "r0", Action: SelfActivate, Status: StatusPendingApproval})), err: errPending},
		{name: "justification missing", req: req(Assignment, SelfActivate, alice, duration(time.Hour), "  "),
			facts: facts(aliceMFA, eligible(eligPermanent)), err: policyFailed(RuleEnablementEndUserAssignment)},
		{name: "no justification needed when the rule is off", req: req(Assignment, SelfActivate, alice, duration(time.Hour), ""), settings: []func(*Settings){nothingOnAct},
			facts: facts(aliceNoMFA, eligible(eligPermanent)),
			want:  summary{Status: StatusProvisioned, Effects: []string{"create Activation sch-new 0s→1h0m0s"}, Audit: []string{actReq, actDone}, Notices: []string{nActAdmin, nActRequestor}}},
		{name: "ticket missing", req: req(Assignment, SelfActivate, alice, duration(time.Hour), "x"), settings: []func(*Settings){ticketing},
			facts: facts(aliceMFA, eligible(eligPermanent)), err: policyFailed(RuleEnablementEndUserAssignment)},
		{name: "ticket given", req: func() Request {
			r := req(Assignment, SelfActivate, alice, duration(time.Hour), "x")
			r.Ticket = Ticket{Number: "INC-1", System: "ServiceNow"}
			return r
		}(), settings: []func(*Settings){ticketing}, facts: facts(aliceMFA, eligible(eligPermanent)),
			want: summary{Status: StatusProvisioned, Effects: []string{"create Activation sch-new 0s→1h0m0s"}, Audit: []string{actReq, actDone}, Notices: []string{nActAdmin, nActRequestor}}},
		{name: "MFA required (default)", req: req(Assignment, SelfActivate, alice, duration(time.Hour), "x"),
			facts: facts(aliceNoMFA, eligible(eligPermanent)), err: errMFA},
		{name: "MFA not required", req: req(Assignment, SelfActivate, alice, duration(time.Hour), "x"), settings: []func(*Settings){noMFA},
			facts: facts(aliceNoMFA, eligible(eligPermanent)),
			want:  summary{Status: StatusProvisioned, Effects: []string{"create Activation sch-new 0s→1h0m0s"}, Audit: []string{actReq, actDone}, Notices: []string{nActAdmin, nActRequestor}}},
		{name: "context c1 required and missing", req: req(Assignment, SelfActivate, alice, duration(time.Hour), "x"), settings: []func(*Settings){noMFA, context1},
			facts: facts(aliceMFA, eligible(eligPermanent), targeted), err: errC1},
		{name: "context c1 satisfied", req: req(Assignment, SelfActivate, alice, duration(time.Hour), "x"), settings: []func(*Settings){noMFA, context1},
			facts: facts(aliceC1, eligible(eligPermanent), targeted),
			want:  summary{Status: StatusProvisioned, Effects: []string{"create Activation sch-new 0s→1h0m0s"}, Audit: []string{actReq, actDone}, Notices: []string{nActAdmin, nActRequestor}}},
		{name: "context c1 not targeted by a policy: falls back to MFA", req: req(Assignment, SelfActivate, alice, duration(time.Hour), "x"), settings: []func(*Settings){noMFA, context1},
			facts: facts(aliceNoMFA, eligible(eligPermanent)), err: errMFAFallbak},
		{name: "context c1 not targeted, MFA present", req: req(Assignment, SelfActivate, alice, duration(time.Hour), "x"), settings: []func(*Settings){noMFA, context1},
			facts: facts(aliceMFA, eligible(eligPermanent)),
			want:  summary{Status: StatusProvisioned, Effects: []string{"create Activation sch-new 0s→1h0m0s"}, Audit: []string{actReq, actDone}, Notices: []string{nActAdmin, nActRequestor}}},
		{name: "justification checked before the step-up", req: req(Assignment, SelfActivate, alice, duration(time.Hour), ""), settings: []func(*Settings){context1},
			facts: facts(aliceNoMFA, eligible(eligPermanent), targeted), err: policyFailed(RuleEnablementEndUserAssignment)},
		{name: "approval required: pending", req: req(Assignment, SelfActivate, alice, duration(time.Hour), "x"), settings: []func(*Settings){withApproval},
			facts: facts(aliceMFA, eligible(eligPermanent)),
			want: summary{Status: StatusPendingApproval, Audit: []string{actReq, actApr},
				Notices: []string{string(RuleNotificationApproverEndUserAssignment) + ":approvalRequested!", string(RuleNotificationRequestorEndUserAssignment) + ":activationPending"}}},
		{name: "approval requires the requestor's justification", req: req(Assignment, SelfActivate, alice, duration(time.Hour), ""), settings: []func(*Settings){nothingOnAct, withApproval},
			facts: facts(aliceMFA, eligible(eligPermanent)), err: policyFailed(RuleApprovalEndUserAssignment)},
		{name: "someone else's role", req: req(Assignment, SelfActivate, bob, duration(time.Hour), "x"),
			facts: facts(aliceMFA, eligible(eligPermanent)), err: errForbidden},
		{name: "an application cannot activate", req: req(Assignment, SelfActivate, app, duration(time.Hour), "x"),
			facts: facts(adminApp), err: errForbidden},
		{name: "activation is not an eligibility action", req: req(Eligibility, SelfActivate, alice, duration(time.Hour), "x"),
			facts: facts(aliceMFA, eligible(eligPermanent)), err: errInvalid},
		{name: "scope other than the directory", req: func() Request {
			r := req(Assignment, SelfActivate, alice, duration(time.Hour), "x")
			r.DirectoryScopeID = "/au"
			return r
		}(),
			facts: facts(aliceMFA, eligible(eligPermanent)), err: errInvalid},
		{name: "unknown action", req: req(Assignment, "selfDestruct", alice, duration(time.Hour), "x"), facts: facts(aliceMFA), err: errInvalid},
		{name: "afterDuration without a duration", req: req(Assignment, SelfActivate, alice, ScheduleInfo{Expiration: Expiration{Type: AfterDuration}}, "x"),
			facts: facts(aliceMFA, eligible(eligPermanent)), err: errInvalid},
		{name: "afterDateTime in the past", req: req(Assignment, SelfActivate, alice, until(at(-time.Hour)), "x"),
			facts: facts(aliceMFA, eligible(eligPermanent)), err: errInvalid},
		{name: "unknown expiration type", req: req(Assignment, SelfActivate, alice, ScheduleInfo{Expiration: Expiration{Type: "whenever"}}, "x"),
			facts: facts(aliceMFA, eligible(eligPermanent)), err: errInvalid},

		// selfDeactivate.
		{name: "deactivate", req: req(Assignment, SelfDeactivate, alice, ScheduleInfo{}, ""),
			facts: facts(aliceMFA, active(activation)),
			want:  summary{Status: StatusRevoked, Effects: []string{"remove Activation act-1 -1h0m0s→1h0m0s"}, Audit: []string{deReq, deDone}}},
		{name: "deactivate within five minutes", req: req(Assignment, SelfDeactivate, alice, ScheduleInfo{}, ""),
			facts: facts(aliceMFA, active(activationNew)), err: errTooShort},
		{name: "deactivate with nothing active", req: req(Assignment, SelfDeactivate, alice, ScheduleInfo{}, ""),
			facts: facts(aliceMFA), err: errNotExists},
		{name: "deactivate an administrator's assignment", req: req(Assignment, SelfDeactivate, alice, ScheduleInfo{}, ""),
			facts: facts(aliceMFA, active(assignedPerm)), err: errNotExists},
		{name: "give up one's own eligibility", req: req(Eligibility, SelfDeactivate, alice, ScheduleInfo{}, ""),
			facts: facts(aliceMFA, eligible(eligPermanent), dependents(activation)),
			want: summary{Status: StatusRevoked, Effects: []string{"remove Eligibility elig-1 -48h0m0s→permanent", "remove Activation act-1 -1h0m0s→1h0m0s"},
				Audit: []string{"Remove eligible member from role in PIM requested (permanent)", "Remove eligible member from role in PIM completed (permanent)"}}},
		{name: "give up an eligibility held through a group", req: req(Eligibility, SelfDeactivate, alice, ScheduleInfo{}, ""),
			facts: facts(aliceMFA, eligible(eligViaGroup)), err: errNotExists},

		// adminAssign.
		{name: "assign eligible permanently", req: req(Eligibility, AdminAssign, alice, permanent, ""),
			facts: facts(adminUser),
			want: summary{Status: StatusProvisioned, Effects: []string{"create Eligibility sch-new 0s→permanent"},
				Audit:   []string{"Add eligible member to role in PIM requested (permanent)", "Add eligible member to role in PIM completed (permanent)"},
				Notices: []string{string(RuleNotificationAdminAdminEligibility) + ":assigned", string(RuleNotificationRequestorAdminEligibility) + ":assigned"}}},
		{name: "assign eligible for a time", req: req(Eligibility, AdminAssign, alice, duration(10*24*time.Hour), ""),
			facts: facts(adminApp),
			want: summary{Status: StatusProvisioned, Effects: []string{"create Eligibility sch-new 0s→240h0m0s"},
				Audit:   []string{"Add eligible member to role in PIM requested (timebound)", "Add eligible member to role in PIM completed (timebound)"},
				Notices: []string{string(RuleNotificationAdminAdminEligibility) + ":assigned", string(RuleNotificationRequestorAdminEligibility) + ":assigned"}}},
		{name: "assign eligible to a group", req: req(Eligibility, AdminAssign, group, ScheduleInfo{}, ""),
			facts: facts(adminApp),
			want: summary{Status: StatusProvisioned, Effects: []string{"create Eligibility sch-new 0s→permanent"},
				Audit:   []string{"Add eligible member to role in PIM requested (permanent)", "Add eligible member to role in PIM completed (permanent)"},
				Notices: []string{string(RuleNotificationAdminAdminEligibility) + ":assigned", string(RuleNotificationRequestorAdminEligibility) + ":assigned"}}},
		{name: "assign eligible from tomorrow", req: req(Eligibility, AdminAssign, alice, ScheduleInfo{StartDateTime: ptr(at(24 * time.Hour)), Expiration: Expiration{Type: NoExpiration}}, ""),
			facts: facts(adminApp),
			want: summary{Status: StatusScheduleCreated, Effects: []string{"create Eligibility sch-new 24h0m0s→permanent"},
				Audit:   []string{"Add eligible member to role in PIM requested (permanent)", "Add eligible member to role in PIM completed (permanent)"},
				Notices: []string{string(RuleNotificationAdminAdminEligibility) + ":assigned", string(RuleNotificationRequestorAdminEligibility) + ":assigned"}}},
		{name: "permanent eligibility not allowed", req: req(Eligibility, AdminAssign, alice, permanent, ""), settings: []func(*Settings){eligibleExpire},
			facts: facts(adminApp), err: policyFailed(RuleExpirationAdminEligibility)},
		{name: "eligibility longer than allowed", req: req(Eligibility, AdminAssign, alice, duration(31*24*time.Hour), ""), settings: []func(*Settings){eligibleExpire},
			facts: facts(adminApp), err: policyFailed(RuleExpirationAdminEligibility)},
		{name: "already eligible", req: req(Eligibility, AdminAssign, alice, permanent, ""),
			facts: facts(adminApp, eligible(eligPermanent)), err: errExists},
		{name: "eligible through a group only: direct assignment allowed", req: req(Eligibility, AdminAssign, alice, permanent, ""),
			facts: facts(adminApp, eligible(eligViaGroup)),
			want: summary{Status: StatusProvisioned, Effects: []string{"create Eligibility sch-new 0s→permanent"},
				Audit:   []string{"Add eligible member to role in PIM requested (permanent)", "Add eligible member to role in PIM completed (permanent)"},
				Notices: []string{string(RuleNotificationAdminAdminEligibility) + ":assigned", string(RuleNotificationRequestorAdminEligibility) + ":assigned"}}},
		{name: "assign active needs a justification by default", req: req(Assignment, AdminAssign, alice, permanent, ""),
			facts: facts(adminApp), err: policyFailed(RuleEnablementAdminAssignment)},
		{name: "assign active", req: req(Assignment, AdminAssign, alice, duration(24*time.Hour), "on call"),
			facts: facts(adminApp),
			want: summary{Status: StatusProvisioned, Effects: []string{"create Assignment sch-new 0s→24h0m0s"},
				Audit:   []string{"Add member to role in PIM requested (timebound)", "Add member to role in PIM completed (timebound)"},
				Notices: []string{string(RuleNotificationAdminAdminAssignment) + ":assigned", string(RuleNotificationRequestorAdminAssignment) + ":assigned"}}},
		{name: "permanent active not allowed", req: req(Assignment, AdminAssign, alice, permanent, "x"), settings: []func(*Settings){activeExpire},
			facts: facts(adminApp), err: policyFailed(RuleExpirationAdminAssignment)},
		{name: "active assignment needs MFA: an application cannot", req: req(Assignment, AdminAssign, alice, permanent, "x"), settings: []func(*Settings){activeMFA},
			facts: facts(adminApp), err: policyFailed(RuleEnablementAdminAssignment)},
		{name: "active assignment needs MFA: a user without it", req: req(Assignment, AdminAssign, alice, permanent, "x"), settings: []func(*Settings){activeMFA},
			facts: facts(Caller{ID: admin, IsUser: true, Admin: true}), err: &wantErr{kind: apperr.Unauthenticated, code: CodePolicyValidationFailed, rule: RuleEnablementAdminAssignment, auth: "mfa"}},
		{name: "already active", req: req(Assignment, AdminAssign, alice, permanent, "x"),
			facts: facts(adminApp, active(activation)), err: errExists},
		{name: "not an administrator", req: req(Eligibility, AdminAssign, alice, permanent, ""),
			facts: facts(aliceMFA), err: errForbidden},

		// adminUpdate, adminExtend, adminRenew, adminRemove.
		{name: "update an eligibility's end", req: req(Eligibility, AdminUpdate, alice, until(at(5*24*time.Hour)), ""),
			facts: facts(adminApp, eligible(eligEnds10d)),
			want: summary{Status: StatusProvisioned, Effects: []string{"update Eligibility elig-10d -48h0m0s→120h0m0s"}, Audit: []string{"Update eligible member in PIM completed"},
				Notices: []string{string(RuleNotificationAdminAdminEligibility) + ":updated", string(RuleNotificationRequestorAdminEligibility) + ":updated"}}},
		{name: "update to permanent", req: req(Eligibility, AdminUpdate, alice, permanent, ""),
			facts: facts(adminApp, eligible(eligEnds10d)),
			want: summary{Status: StatusProvisioned, Effects: []string{"update Eligibility elig-10d -48h0m0s→permanent"}, Audit: []string{"Update eligible member in PIM completed"},
				Notices: []string{string(RuleNotificationAdminAdminEligibility) + ":updated", string(RuleNotificationRequestorAdminEligibility) + ":updated"}}},
		{name: "update to permanent when not allowed", req: req(Eligibility, AdminUpdate, alice, permanent, ""), settings: []func(*Settings){eligibleExpire},
			facts: facts(adminApp, eligible(eligEnds10d)), err: policyFailed(RuleExpirationAdminEligibility)},
		{name: "update to an end in the past", req: req(Eligibility, AdminUpdate, alice, until(at(-time.Hour)), ""),
			facts: facts(adminApp, eligible(eligEnds10d)), err: errInvalid},
		{name: "update what does not exist", req: req(Eligibility, AdminUpdate, alice, permanent, ""),
			facts: facts(adminApp), err: errNotExists},
		{name: "update an active assignment", req: req(Assignment, AdminUpdate, alice, until(at(48*time.Hour)), "x"),
			facts: facts(adminApp, active(assigned10d)),
			want: summary{Status: StatusProvisioned, Effects: []string{"update Assignment asg-10d -48h0m0s→48h0m0s"}, Audit: []string{"Update member in PIM completed"},
				Notices: []string{string(RuleNotificationAdminAdminAssignment) + ":updated", string(RuleNotificationRequestorAdminAssignment) + ":updated"}}},
		{name: "extend", req: req(Eligibility, AdminExtend, alice, until(at(20*24*time.Hour)), ""),
			facts: facts(adminApp, eligible(eligEnds10d)),
			want: summary{Status: StatusProvisioned, Effects: []string{"update Eligibility elig-10d -48h0m0s→480h0m0s"},
				Audit:   []string{"Update member in PIM requested (extend)", "Update member in PIM approved by admin (extend/renew)"},
				Notices: []string{string(RuleNotificationAdminAdminEligibility) + ":extended", string(RuleNotificationRequestorAdminEligibility) + ":extended"}}},
		{name: "extend to an earlier end", req: req(Eligibility, AdminExtend, alice, until(at(5*24*time.Hour)), ""),
			facts: facts(adminApp, eligible(eligEnds10d)), err: errInvalid},
		{name: "extend a permanent one", req: req(Eligibility, AdminExtend, alice, until(at(20*24*time.Hour)), ""),
			facts: facts(adminApp, eligible(eligPermanent)), err: errInvalid},
		{name: "extend beyond the maximum", req: req(Eligibility, AdminExtend, alice, until(at(40*24*time.Hour)), ""), settings: []func(*Settings){eligibleExpire},
			facts: facts(adminApp, eligible(eligEnds10d)), err: policyFailed(RuleExpirationAdminEligibility)},
		{name: "renew an expired eligibility", req: req(Eligibility, AdminRenew, alice, duration(30*24*time.Hour), ""),
			facts: facts(adminApp, expired(eligExpired)),
			want: summary{Status: StatusProvisioned, Effects: []string{"create Eligibility sch-new 0s→720h0m0s"},
				Audit:   []string{"Add eligible member to role in PIM requested (renew)", "Add eligible member to role in PIM completed (renew)"},
				Notices: []string{string(RuleNotificationAdminAdminEligibility) + ":renewed", string(RuleNotificationRequestorAdminEligibility) + ":renewed"}}},
		{name: "renew with nothing expired", req: req(Eligibility, AdminRenew, alice, duration(30*24*time.Hour), ""),
			facts: facts(adminApp), err: errNotExists},
		{name: "renew what is still current", req: req(Eligibility, AdminRenew, alice, duration(30*24*time.Hour), ""),
			facts: facts(adminApp, eligible(eligEnds10d), expired(eligExpired)), err: errExists},
		{name: "remove an eligibility and what was activated with it", req: req(Eligibility, AdminRemove, alice, ScheduleInfo{}, ""),
			facts: facts(adminApp, eligible(eligPermanent), dependents(activation)),
			want: summary{Status: StatusRevoked, Effects: []string{"remove Eligibility elig-1 -48h0m0s→permanent", "remove Activation act-1 -1h0m0s→1h0m0s"},
				Audit:   []string{"Remove eligible member from role in PIM requested (permanent)", "Remove eligible member from role in PIM completed (permanent)"},
				Notices: []string{string(RuleNotificationAdminAdminEligibility) + ":removed", string(RuleNotificationRequestorAdminEligibility) + ":removed"}}},
		{name: "remove a group's eligibility and its members' activations", req: req(Eligibility, AdminRemove, group, ScheduleInfo{}, ""),
			facts: facts(adminApp, eligible(Schedule{ID: "elig-g", Level: Eligibility, PrincipalID: group, RoleDefinitionID: secAdm, Start: at(-48 * time.Hour)}), dependents(bobActivation)),
			want: summary{Status: StatusRevoked, Effects: []string{"remove Eligibility elig-g -48h0m0s→permanent", "remove Activation act-bob -1h0m0s→1h0m0s"},
				Audit:   []string{"Remove eligible member from role in PIM requested (permanent)", "Remove eligible member from role in PIM completed (permanent)"},
				Notices: []string{string(RuleNotificationAdminAdminEligibility) + ":removed", string(RuleNotificationRequestorAdminEligibility) + ":removed"}}},
		{name: "remove an activation", req: req(Assignment, AdminRemove, alice, ScheduleInfo{}, ""),
			facts: facts(adminApp, active(activation)),
			want: summary{Status: StatusRevoked, Effects: []string{"remove Activation act-1 -1h0m0s→1h0m0s"},
				Audit:   []string{"Remove member from role in PIM requested (timebound)", "Remove member from role in PIM completed (timebound)"},
				Notices: []string{string(RuleNotificationAdminAdminAssignment) + ":removed", string(RuleNotificationRequestorAdminAssignment) + ":removed"}}},
		{name: "remove by schedule id", req: func() Request {
			r := req(Assignment, AdminRemove, alice, ScheduleInfo{}, "")
			r.TargetScheduleID = "asg-1"
			return r
		}(),
			facts: facts(adminApp, active(assignedPerm)),
			want: summary{Status: StatusRevoked, Effects: []string{"remove Assignment asg-1 -48h0m0s→permanent"},
				Audit:   []string{"Remove member from role in PIM requested (permanent)", "Remove member from role in PIM completed (permanent)"},
				Notices: []string{string(RuleNotificationAdminAdminAssignment) + ":removed", string(RuleNotificationRequestorAdminAssignment) + ":removed"}}},
		{name: "remove a schedule id that is not the principal's", req: func() Request {
			r := req(Assignment, AdminRemove, alice, ScheduleInfo{}, "")
			r.TargetScheduleID = "nope"
			return r
		}(),
			facts: facts(adminApp, active(assignedPerm)), err: errNotExists},
		{name: "remove what does not exist", req: req(Eligibility, AdminRemove, alice, ScheduleInfo{}, ""),
			facts: facts(adminApp), err: errNotExists},

		// selfExtend and selfRenew.
		{name: "ask to extend in the last 14 days", req: req(Eligibility, SelfExtend, alice, until(at(40*24*time.Hour)), "project continues"),
			facts: facts(aliceMFA, eligible(eligEnds10d)),
			want: summary{Status: StatusPendingAdminDecision, Audit: []string{"Update member in PIM requested (extend)"},
				Notices: []string{string(RuleNotificationApproverAdminEligibility) + ":extensionRequested!"}}},
		{name: "ask to extend too early", req: req(Eligibility, SelfExtend, alice, until(at(90*24*time.Hour)), "x"),
			facts: facts(aliceMFA, eligible(eligEnds60d)), err: errInvalid},
		{name: "ask to extend without saying why", req: req(Eligibility, SelfExtend, alice, until(at(40*24*time.Hour)), ""),
			facts: facts(aliceMFA, eligible(eligEnds10d)), err: errInvalid},
		{name: "ask to extend a permanent one", req: req(Eligibility, SelfExtend, alice, until(at(40*24*time.Hour)), "x"),
			facts: facts(aliceMFA, eligible(eligPermanent)), err: errInvalid},
		{name: "ask to extend twice", req: req(Eligibility, SelfExtend, alice, until(at(40*24*time.Hour)), "x"),
			facts: facts(aliceMFA, eligible(eligEnds10d), pending(Request{ID: "r0", Level: Eligibility, Action: SelfExtend, Status: StatusPendingAdminDecision})), err: errPending},
		{name: "ask to extend an active assignment", req: req(Assignment, SelfExtend, alice, until(at(20*24*time.Hour)), "x"),
			facts: facts(aliceMFA, active(assigned10d)),
			want: summary{Status: StatusPendingAdminDecision, Audit: []string{"Update member in PIM requested (extend)"},
				Notices: []string{string(RuleNotificationApproverAdminAssignment) + ":extensionRequested!"}}},
		{name: "ask to renew", req: req(Eligibility, SelfRenew, alice, duration(30*24*time.Hour), "still needed"),
			facts: facts(aliceMFA, expired(eligExpired)),
			want: summary{Status: StatusPendingAdminDecision, Audit: []string{"Add eligible member to role in PIM requested (renew)"},
				Notices: []string{string(RuleNotificationApproverAdminEligibility) + ":renewalRequested!"}}},
		{name: "ask to renew with nothing expired", req: req(Eligibility, SelfRenew, alice, duration(30*24*time.Hour), "x"),
			facts: facts(aliceMFA), err: errNotExists},
		{name: "ask to renew what is current", req: req(Eligibility, SelfRenew, alice, duration(30*24*time.Hour), "x"),
			facts: facts(aliceMFA, eligible(eligEnds10d), expired(eligExpired)), err: errExists},
		{name: "ask to extend someone else's", req: req(Eligibility, SelfExtend, bob, until(at(40*24*time.Hour)), "x"),
			facts: facts(aliceMFA), err: errForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Submit(tt.req, settings(t, tt.settings...), tt.facts)
			checkErr(t, err, tt.err)
			if tt.err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, summarize(out), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
			r := out.Request
			if r.ID != newID || !r.CreatedAt.Equal(now) || r.CreatedBy != tt.facts.Caller.ID {
				t.Errorf("request id %q created %v by %q", r.ID, r.CreatedAt, r.CreatedBy)
			}
			switch r.Status {
			case StatusProvisioned, StatusScheduleCreated, StatusRevoked:
				if r.CompletedAt == nil || !r.CompletedAt.Equal(now) || r.TargetScheduleID == "" {
					t.Errorf("completed %v, target schedule %q", r.CompletedAt, r.TargetScheduleID)
				}
			case StatusPendingApproval:
				if r.Approval == nil || r.Approval.StepID != newStep || r.Approval.Deadline == nil || !r.Approval.Deadline.Equal(at(24*time.Hour)) || r.CompletedAt != nil {
					t.Errorf("pending approval: %+v, completed %v", r.Approval, r.CompletedAt)
				}
			}
			if r.Action == SelfActivate && r.ActivatedUsing == "" {
				t.Error("an activation records the eligibility it used")
			}
		})
	}
}

// pendingActivation is an activation waiting for approval, submitted an
// hour ago for two hours.
func pendingActivation() Request {
	return Request{ID: "req-1", Level: Assignment, Action: SelfActivate, PrincipalID: alice, RoleDefinitionID: secAdm, DirectoryScopeID: "/",
		Justification: "incident", ScheduleInfo: duration(2 * time.Hour), Status: StatusPendingApproval, CreatedAt: at(-time.Hour), CreatedBy: alice,
		ActivatedUsing: "elig-1",
		Approval:       &Approval{StepID: "step-1", Deadline: ptr(at(23 * time.Hour)), JustificationRequired: true, ReviewResult: ReviewNotReviewed}}
}

func TestReview(t *testing.T) {
	approve := Decision{Result: ReviewApprove, Justification: "ok", IsApprover: true}
	deny := Decision{Result: ReviewDeny, Justification: "no", IsApprover: true}
	decided := string(RuleNotificationApproverEndUserAssignment) + ":decided"
	tests := []struct {
		name     string
		req      Request
		decision Decision
		settings []func(*Settings)
		facts    Facts
		want     summary
		err      *wantErr
	}{
		{name: "approve: the duration starts now", req: pendingActivation(), decision: approve, facts: facts(bobApprove, eligible(eligPermanent)),
			want: summary{Status: StatusProvisioned, Effects: []string{"create Activation sch-new 0s→2h0m0s"}, Audit: []string{actOK, actDone},
				Notices: []string{string(RuleNotificationRequestorEndUserAssignment) + ":approved", decided, nActAdmin}}},
		{name: "deny", req: pendingActivation(), decision: deny, facts: facts(bobApprove, eligible(eligPermanent)),
			want: summary{Status: StatusDenied, Audit: []string{actNo}, Notices: []string{string(RuleNotificationRequestorEndUserAssignment) + ":denied", decided}}},
		{name: "approve own request", req: pendingActivation(), decision: approve, facts: facts(aliceMFA, eligible(eligPermanent)),
			err: &wantErr{kind: apperr.Forbidden, code: CodeSelfApproval}},
		{name: "deny own request", req: pendingActivation(), decision: deny, facts: facts(aliceMFA, eligible(eligPermanent)),
			err: &wantErr{kind: apperr.Forbidden, code: CodeSelfApproval}},
		{name: "not an approver", req: pendingActivation(), decision: Decision{Result: ReviewApprove, Justification: "ok"}, facts: facts(bobApprove, eligible(eligPermanent)),
			err: &wantErr{kind: apperr.Forbidden, code: CodeNotApprover}},
		{name: "an application cannot approve", req: pendingActivation(), decision: approve, facts: facts(adminApp, eligible(eligPermanent)),
			err: &wantErr{kind: apperr.Forbidden, code: CodeNotApprover}},
		{name: "justification required", req: pendingActivation(), decision: Decision{Result: ReviewApprove, IsApprover: true}, facts: facts(bobApprove, eligible(eligPermanent)),
			err: policyFailed(RuleApprovalEndUserAssignment)},
		{name: "justification not required", req: func() Request { r := pendingActivation(); r.Approval.JustificationRequired = false; return r }(),
			decision: Decision{Result: ReviewApprove, IsApprover: true}, facts: facts(bobApprove, eligible(eligPermanent)),
			want: summary{Status: StatusProvisioned, Effects: []string{"create Activation sch-new 0s→2h0m0s"}, Audit: []string{actOK, actDone},
				Notices: []string{string(RuleNotificationRequestorEndUserAssignment) + ":approved", decided, nActAdmin}}},
		{name: "neither approve nor deny", req: pendingActivation(), decision: Decision{Result: "Maybe", Justification: "x", IsApprover: true}, facts: facts(bobApprove, eligible(eligPermanent)),
			err: errInvalid},
		{name: "after the deadline", req: pendingActivation(), decision: approve, facts: Facts{Now: at(23 * time.Hour), Caller: bobApprove, Eligible: []Schedule{eligPermanent}},
			err: &wantErr{kind: apperr.Conflict, code: CodeRequestNotPending}},
		{name: "eligibility gone meanwhile: failed", req: pendingActivation(), decision: approve, facts: facts(bobApprove),
			want: summary{Status: StatusFailed, Audit: []string{actOK}, Notices: []string{string(RuleNotificationRequestorEndUserAssignment) + ":failed", decided}}},
		{name: "already active meanwhile: failed", req: pendingActivation(), decision: approve, facts: facts(bobApprove, eligible(eligPermanent), active(assignedPerm)),
			want: summary{Status: StatusFailed, Audit: []string{actOK}, Notices: []string{string(RuleNotificationRequestorEndUserAssignment) + ":failed", decided}}},
		{name: "the requested end has passed: failed", req: func() Request { r := pendingActivation(); r.ScheduleInfo = until(at(-time.Minute)); return r }(),
			decision: approve, facts: facts(bobApprove, eligible(eligPermanent)),
			want: summary{Status: StatusFailed, Audit: []string{actOK}, Notices: []string{string(RuleNotificationRequestorEndUserAssignment) + ":failed", decided}}},
		{name: "the maximum was lowered meanwhile", req: pendingActivation(), decision: approve, settings: []func(*Settings){maxOneHour}, facts: facts(bobApprove, eligible(eligPermanent)),
			want: summary{Status: StatusProvisioned, Effects: []string{"create Activation sch-new 0s→1h0m0s"}, Audit: []string{actOK, actDone},
				Notices: []string{string(RuleNotificationRequestorEndUserAssignment) + ":approved", decided, nActAdmin}}},
		{name: "an extension is not for the approvals API", req: Request{ID: "r", Level: Eligibility, Action: SelfExtend, PrincipalID: alice, Status: StatusPendingAdminDecision, Approval: &Approval{}},
			decision: approve, facts: facts(bobApprove), err: errInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Review(tt.req, tt.decision, settings(t, tt.settings...), tt.facts)
			checkErr(t, err, tt.err)
			if tt.err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, summarize(out), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
			a := out.Request.Approval
			if a.ReviewResult != tt.decision.Result || a.ReviewedBy != tt.facts.Caller.ID || a.ReviewedAt == nil || out.Request.CompletedAt == nil {
				t.Errorf("approval step after the decision: %+v", a)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	extend := Request{ID: "r-ext", Level: Eligibility, Action: SelfExtend, PrincipalID: alice, RoleDefinitionID: secAdm, Justification: "x",
		ScheduleInfo: until(at(40 * 24 * time.Hour)), Status: StatusPendingAdminDecision, CreatedBy: alice, TargetScheduleID: "elig-10d",
		Approval: &Approval{StepID: "s", ReviewResult: ReviewNotReviewed}}
	renew := extend
	renew.ID, renew.Action, renew.ScheduleInfo, renew.TargetScheduleID = "r-ren", SelfRenew, duration(30*24*time.Hour), ""
	approve := Decision{Result: ReviewApprove}
	tests := []struct {
		name     string
		req      Request
		decision Decision
		settings []func(*Settings)
		facts    Facts
		want     summary
		err      *wantErr
	}{
		{name: "approve an extension", req: extend, decision: approve, facts: facts(adminUser, func(f *Facts) { f.Target = &eligEnds10d }),
			want: summary{Status: StatusProvisioned, Effects: []string{"update Eligibility elig-10d -48h0m0s→960h0m0s"}, Audit: []string{"Update member in PIM approved by admin (extend/renew)"},
				Notices: []string{string(RuleNotificationRequestorAdminEligibility) + ":extensionApproved", string(RuleNotificationAdminAdminEligibility) + ":extended"}}},
		{name: "deny an extension", req: extend, decision: Decision{Result: ReviewDeny}, facts: facts(adminUser, func(f *Facts) { f.Target = &eligEnds10d }),
			want: summary{Status: StatusDenied, Audit: []string{"Update member in PIM denied by admin (extend/renew)"},
				Notices: []string{string(RuleNotificationRequestorAdminEligibility) + ":extensionDenied"}}},
		{name: "the assignment is gone", req: extend, decision: approve, facts: facts(adminUser),
			want: summary{Status: StatusFailed, Audit: []string{"Update member in PIM approved by admin (extend/renew)"}, Notices: []string{string(RuleNotificationRequestorAdminEligibility) + ":failed"}}},
		{name: "beyond the maximum since set", req: extend, decision: approve, settings: []func(*Settings){eligibleExpire}, facts: facts(adminUser, func(f *Facts) { f.Target = &eligEnds10d }),
			want: summary{Status: StatusFailed, Audit: []string{"Update member in PIM approved by admin (extend/renew)"}, Notices: []string{string(RuleNotificationRequestorAdminEligibility) + ":failed"}}},
		{name: "approve a renewal", req: renew, decision: approve, facts: facts(adminUser, expired(eligExpired)),
			want: summary{Status: StatusProvisioned, Effects: []string{"create Eligibility sch-new 0s→720h0m0s"}, Audit: []string{"Update member in PIM approved by admin (extend/renew)"},
				Notices: []string{string(RuleNotificationRequestorAdminEligibility) + ":extensionApproved", string(RuleNotificationAdminAdminEligibility) + ":extended"}}},
		{name: "a renewal when already current", req: renew, decision: approve, facts: facts(adminUser, eligible(eligEnds10d)),
			want: summary{Status: StatusFailed, Audit: []string{"Update member in PIM approved by admin (extend/renew)"}, Notices: []string{string(RuleNotificationRequestorAdminEligibility) + ":failed"}}},
		{name: "not an administrator", req: extend, decision: approve, facts: facts(bobApprove), err: &wantErr{kind: apperr.Forbidden, code: CodeNotApprover}},
		{name: "an administrator's own request", req: func() Request { r := extend; r.PrincipalID, r.CreatedBy = admin, admin; return r }(), decision: approve,
			facts: facts(adminUser), err: &wantErr{kind: apperr.Forbidden, code: CodeSelfApproval}},
		{name: "an activation is for approvers", req: pendingActivation(), decision: approve, facts: facts(adminUser), err: errInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Decide(tt.req, tt.decision, settings(t, tt.settings...), tt.facts)
			checkErr(t, err, tt.err)
			if tt.err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, summarize(out), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStatusTransitions drives every status through every event and checks
// the one allowed next status, or that the event is refused with the
// request unchanged.
func TestStatusTransitions(t *testing.T) {
	type event string
	const (
		approve     event = "approve"
		deny        event = "deny"
		adminOK     event = "admin approves"
		adminNo     event = "admin denies"
		cancel      event = "cancel"
		timeout     event = "timeout"
		earlyTimout event = "timeout before the deadline"
	)
	events := []event{approve, deny, adminOK, adminNo, cancel, timeout, earlyTimout}
	// next[status][event] is the status after the event; absent: refused.
	activationNext := map[Status]map[event]Status{
		StatusPendingApproval: {approve: StatusProvisioned, deny: StatusDenied, cancel: StatusCanceled, timeout: StatusTimedOut},
		StatusScheduleCreated: {cancel: StatusCanceled},
		StatusGranted:         {cancel: StatusCanceled},
	}
	extensionNext := map[Status]map[event]Status{
		StatusPendingAdminDecision: {adminOK: StatusProvisioned, adminNo: StatusDenied, cancel: StatusCanceled},
	}
	future := Schedule{ID: "sch-future", Level: Assignment, PrincipalID: alice, RoleDefinitionID: secAdm, Start: at(time.Hour), End: ptr(at(3 * time.Hour)), Activated: true, ActivatedUsing: "elig-1"}
	for _, kind := range []string{"activation", "extension"} {
		for _, st := range Statuses {
			for _, ev := range events {
				t.Run(fmt.Sprintf("%s/%s/%s", kind, st, ev), func(t *testing.T) {
					var r Request
					next := activationNext
					if kind == "activation" {
						r = pendingActivation()
					} else {
						next = extensionNext
						r = Request{ID: "r-ext", Level: Eligibility, Action: SelfExtend, PrincipalID: alice, RoleDefinitionID: secAdm, Justification: "x",
							ScheduleInfo: until(at(40 * 24 * time.Hour)), CreatedBy: alice, TargetScheduleID: "elig-10d", Approval: &Approval{StepID: "s", ReviewResult: ReviewNotReviewed}}
					}
					r.Status = st
					if st == StatusScheduleCreated || st == StatusGranted {
						r.TargetScheduleID = future.ID
					}
					f := facts(bobApprove, eligible(eligPermanent, eligEnds10d))
					f.Target = &eligEnds10d
					if kind == "activation" {
						f.Target = &future
					}
					var out Outcome
					var err error
					switch ev {
					case approve, deny:
						res := map[event]string{approve: ReviewApprove, deny: ReviewDeny}[ev]
						out, err = Review(r, Decision{Result: res, Justification: "because", IsApprover: true}, Defaults(), f)
					case adminOK, adminNo:
						res := map[event]string{adminOK: ReviewApprove, adminNo: ReviewDeny}[ev]
						f.Caller = adminUser
						out, err = Decide(r, Decision{Result: res}, Defaults(), f)
					case cancel:
						f.Caller = aliceMFA
						out, err = Cancel(r, f)
					case timeout:
						out, err = TimeOut(r, at(23*time.Hour))
					case earlyTimout:
						out, err = TimeOut(r, at(22*time.Hour))
					}
					want, allowed := next[st][ev]
					if !allowed {
						if err == nil {
							t.Fatalf("%s on a %s request allowed: now %s", ev, st, out.Request.Status)
						}
						if k := apperr.KindOf(err); k != apperr.Conflict && k != apperr.Invalid {
							t.Errorf("refusal of kind %s (%v), want conflict or invalid", k, err)
						}
						return
					}
					if err != nil {
						t.Fatalf("%s on a %s request refused: %v", ev, st, err)
					}
					if out.Request.Status != want {
						t.Errorf("%s on %s: status %s, want %s", ev, st, out.Request.Status, want)
					}
					if out.Request.CompletedAt == nil {
						t.Error("a decided request has a completion time")
					}
					if len(out.Audit) == 0 {
						t.Error("every transition is audited")
					}
				})
			}
		}
	}
}

func TestCancel(t *testing.T) {
	future := Schedule{ID: "sch-future", Level: Eligibility, PrincipalID: alice, RoleDefinitionID: secAdm, Start: at(time.Hour)}
	started := future
	started.Start = at(-time.Hour)
	adminReq := Request{ID: "r-adm", Level: Eligibility, Action: AdminAssign, PrincipalID: alice, RoleDefinitionID: secAdm, Status: StatusScheduleCreated, CreatedBy: app, TargetScheduleID: future.ID}
	tests := []struct {
		name   string
		req    Request
		caller Caller
		target *Schedule
		want   summary
		err    *wantErr
	}{
		{name: "requester cancels a pending activation", req: pendingActivation(), caller: aliceMFA,
			want: summary{Status: StatusCanceled, Audit: []string{actCanc}}},
		{name: "someone else cannot", req: pendingActivation(), caller: bobApprove, err: errForbidden},
		{name: "an administrator cannot cancel a user's request", req: pendingActivation(), caller: adminUser, err: errForbidden},
		{name: "an administrator cancels a scheduled assignment", req: adminReq, caller: adminUser, target: &future,
			want: summary{Status: StatusCanceled, Effects: []string{"remove Eligibility sch-future 1h0m0s→permanent"}, Audit: []string{"Add eligible member to role in PIM canceled (permanent)"}}},
		{name: "too late: the schedule started", req: adminReq, caller: adminUser, target: &started, err: &wantErr{kind: apperr.Conflict, code: CodeRequestNotCancelable}},
		{name: "a renewal request", req: Request{ID: "r", Level: Assignment, Action: SelfRenew, PrincipalID: alice, Status: StatusPendingAdminDecision, CreatedBy: alice},
			caller: aliceMFA, want: summary{Status: StatusCanceled, Audit: []string{"Add member to role in PIM canceled (renew)"}}},
		{name: "an extension request", req: Request{ID: "r", Level: Assignment, Action: SelfExtend, PrincipalID: alice, Status: StatusPendingAdminDecision, CreatedBy: alice},
			caller: aliceMFA, want: summary{Status: StatusCanceled, Audit: []string{"Update member in PIM canceled (extend)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts(tt.caller)
			f.Target = tt.target
			out, err := Cancel(tt.req, f)
			checkErr(t, err, tt.err)
			if tt.err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, summarize(out), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTimeOut(t *testing.T) {
	r := pendingActivation()
	out, err := TimeOut(r, at(23*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := summary{Status: StatusTimedOut, Audit: []string{"PIM activation request expired"}, Notices: []string{string(RuleNotificationRequestorEndUserAssignment) + ":requestExpired"}}
	if diff := cmp.Diff(want, summarize(out), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := TimeOut(r, at(23*time.Hour-time.Nanosecond)); err == nil {
		t.Error("timed out before the deadline")
	}
	if !Expired(r, at(23*time.Hour)) || Expired(r, at(22*time.Hour)) {
		t.Error("Expired disagrees with the deadline")
	}
}

func TestEnd(t *testing.T) {
	tests := []struct {
		s        Schedule
		activity string
		notice   RuleID
	}{
		{activation, "Remove member from role (PIM activation expired)", RuleNotificationRequestorEndUserAssignment},
		{eligEnds2h, "Remove eligible member from role in PIM completed (timebound)", RuleNotificationRequestorAdminEligibility},
		{Schedule{ID: "a", Level: Assignment, End: ptr(at(time.Hour))}, "Remove member from role in PIM completed (timebound)", RuleNotificationRequestorAdminAssignment},
	}
	for _, tt := range tests {
		act, n, err := End(tt.s, *tt.s.End)
		if err != nil || act.Name != tt.activity || n.Rule != tt.notice {
			t.Errorf("End(%s) = %q %v %v", tt.s.ID, act.Name, n, err)
		}
		if _, _, err := End(tt.s, tt.s.End.Add(-time.Nanosecond)); err == nil {
			t.Errorf("End(%s) before its end succeeded", tt.s.ID)
		}
	}
	if _, _, err := End(eligPermanent, now); err == nil {
		t.Error("a permanent schedule ended")
	}
}

func TestActivationRequirement(t *testing.T) {
	tests := []struct {
		name     string
		settings []func(*Settings)
		targeted bool
		want     Requirement
	}{
		{"defaults: MFA", nil, false, Requirement{MFA: true}},
		{"nothing", []func(*Settings){nothingOnAct}, false, Requirement{}},
		{"context targeted", []func(*Settings){noMFA, context1}, true, Requirement{Context: "c1"}},
		{"context not targeted: MFA", []func(*Settings){noMFA, context1}, false, Requirement{MFA: true}},
		{"both", []func(*Settings){context1}, true, Requirement{MFA: true, Context: "c1"}},
	}
	for _, tt := range tests {
		if got := ActivationRequirement(settings(t, tt.settings...), tt.targeted); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
