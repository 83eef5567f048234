package privilege

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/pim"
)

// Deps are the service's collaborators.
type Deps struct {
	Store     Store
	Directory *directory.Service
	// Contexts answers whether a Conditional Access policy targets an
	// authentication context; NoContextPolicies when nil.
	Contexts ContextPolicies
	Now      func() time.Time
	// PublicURL is where links in notifications point.
	PublicURL string
	// Email and Webhook say which notification channels are configured.
	Email, Webhook bool
	// Wake is called after a commit that wrote notifications.
	Wake func()
	// NewID returns a fresh identifier (random UUIDs when nil).
	NewID func() string
}

// Service is PIM's service.
type Service struct {
	d Deps
}

// New returns the service.
func New(d Deps) *Service {
	if d.Contexts == nil {
		d.Contexts = NoContextPolicies{}
	}
	if d.NewID == nil {
		d.NewID = uuid.NewString
	}
	if d.Wake == nil {
		d.Wake = func() {}
	}
	return &Service{d: d}
}

// SetContextPolicies plugs in the Conditional Access engine's answer.
func (s *Service) SetContextPolicies(c ContextPolicies) { s.d.Contexts = c }

// caller describes the principal in ctx for the decision core.
func caller(ctx context.Context, auth Auth) pim.Caller {
	p := authz.FromContext(ctx)
	return pim.Caller{ID: p.ID, IsUser: p.Kind == authz.User, Admin: p.Has(authz.RoleManagementReadWriteDirectory),
		MFA: auth.MFA && p.Kind == authz.User, Contexts: auth.Contexts}
}

func identityOf(ctx context.Context) Identity {
	p := authz.FromContext(ctx)
	return Identity{ID: p.ID, DisplayName: p.DisplayName, UserPrincipalName: p.UPN, App: p.Kind == authz.App}
}

func requireUser(ctx context.Context) (authz.Principal, error) {
	p := authz.FromContext(ctx)
	if p.Kind == authz.Anonymous {
		return p, apperr.New(apperr.Unauthenticated, "Sign in or present a bearer token to call this.")
	}
	if p.Kind != authz.User {
		return p, apperr.Forbiddenf("This acts for the signed-in user; an application has no roles of its own to activate or approve.").WithCode("Authorization_RequestDenied")
	}
	return p, nil
}

// roleAssignableGroups returns the role-assignable groups principal is a
// direct member of (they cannot be nested).
func roleAssignableGroups(ctx context.Context, r directory.Reader, principal string) ([]string, error) {
	gs, err := r.FindMemberOf(ctx, principal, false)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, g := range gs {
		if g.IsAssignableToRole {
			ids = append(ids, g.ID)
		}
	}
	return ids, nil
}

// gather loads the facts about principal and role for a decision.
func (s *Service) gather(ctx context.Context, r Reader, principal, role string, level pim.Level, now time.Time) (pim.Facts, error) {
	f := pim.Facts{Now: now}
	groups, err := roleAssignableGroups(ctx, r, principal)
	if err != nil {
		return f, err
	}
	holders := append([]string{principal}, groups...)
	recs, err := r.FindSchedules(ctx, ScheduleFilter{PrincipalIDs: holders, RoleDefinitionID: role})
	if err != nil {
		return f, err
	}
	for _, rec := range recs {
		sch := rec.Schedule(rec.PrincipalID != principal)
		if !sch.Current(now) {
			continue // ended; the job has not removed it yet
		}
		if sch.Level == pim.Eligibility {
			f.Eligible = append(f.Eligible, sch)
		} else {
			f.Active = append(f.Active, sch)
		}
	}
	removed, err := r.FindRemovedSchedules(ctx, principal, role, level, now.Add(-pim.RenewalWindow))
	if err != nil {
		return f, err
	}
	for _, rec := range removed {
		f.Expired = append(f.Expired, rec.Schedule(false))
	}
	pending, err := r.FindRequests(ctx, RequestFilter{PrincipalIDs: []string{principal}, RoleDefinitionID: role, Statuses: []pim.Status{pim.StatusPendingApproval, pim.StatusPendingAdminDecision}})
	if err != nil {
		return f, err
	}
	f.Pending = pending
	f.NewID, f.NewStepID, f.NewScheduleID = s.d.NewID(), s.d.NewID(), s.d.NewID()
	return f, nil
}

// dependents adds the activations made with the schedules an outcome
// removes, and the target schedule of a request.
func dependents(ctx context.Context, r Reader, ids ...string) ([]pim.Schedule, error) {
	var out []pim.Schedule
	for _, id := range ids {
		if id == "" {
			continue
		}
		recs, err := r.FindSchedules(ctx, ScheduleFilter{ActivatedUsing: id})
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			out = append(out, rec.Schedule(false))
		}
	}
	return out, nil
}

func findSchedule(ctx context.Context, r Reader, id string) (*pim.Schedule, error) {
	if id == "" {
		return nil, nil
	}
	recs, err := r.FindSchedules(ctx, ScheduleFilter{ID: id, Limit: 1})
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	sch := recs[0].Schedule(false)
	return &sch, nil
}

// principalTarget describes a user or group for the audit log.
func principalTarget(ctx context.Context, r directory.Reader, id string, props []audit.ModifiedProperty) audit.Target {
	if props == nil {
		props = []audit.ModifiedProperty{}
	}
	if u, err := r.FindUserByID(ctx, id); err == nil {
		return audit.Target{ID: u.ID, DisplayName: u.DisplayName, Type: "User", UserPrincipalName: u.UserPrincipalName, ModifiedProperties: props}
	}
	if g, err := r.FindGroupByID(ctx, id); err == nil {
		return audit.Target{ID: g.ID, DisplayName: g.DisplayName, Type: "Group", ModifiedProperties: props}
	}
	return audit.Target{ID: id, Type: "User", ModifiedProperties: props}
}

func roleTarget(roleID string) audit.Target {
	rd, _ := directory.Role(roleID)
	return audit.Target{ID: roleID, DisplayName: rd.DisplayName, Type: "Role", ModifiedProperties: []audit.ModifiedProperty{}}
}

func timeString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// requestEvent is one audit event about a request.
func requestEvent(ctx context.Context, r directory.Reader, act audit.Activity, req pim.Request, sch *pim.Schedule) audit.Event {
	props := []audit.ModifiedProperty{
		audit.Change("Role.DisplayName", nil, roleName(req.RoleDefinitionID)),
		audit.Change("Role.TemplateId", nil, req.RoleDefinitionID),
	}
	e := audit.New(ctx, act, principalTarget(ctx, r, req.PrincipalID, props), roleTarget(req.RoleDefinitionID))
	e = e.Detail("RequestId", req.ID).Detail("RequestType", string(req.Action)).Detail("Status", string(req.Status))
	if req.Justification != "" {
		e = e.Detail("Justification", req.Justification)
	}
	if req.Ticket.Number != "" {
		e = e.Detail("TicketNumber", req.Ticket.Number)
	}
	if req.Ticket.System != "" {
		e = e.Detail("TicketSystem", req.Ticket.System)
	}
	if sch != nil {
		start := sch.Start
		e = e.Detail("StartTime", timeString(&start))
		if sch.End != nil {
			e = e.Detail("ExpirationTime", timeString(sch.End))
		}
	}
	if a := req.Approval; a != nil && a.ReviewResult != "" && a.ReviewResult != pim.ReviewNotReviewed {
		e = e.Detail("ReviewResult", a.ReviewResult).Detail("ReviewedBy", a.ReviewedBy)
		if a.Justification != "" {
			e = e.Detail("ReviewJustification", a.Justification)
		}
	}
	return e
}

func roleName(id string) string {
	rd, ok := directory.Role(id)
	if !ok {
		return id
	}
	return rd.DisplayName
}

// apply carries out an outcome inside tx: schedule effects, the request,
// audit events and notifications. fromStatus is the request's status
// before (empty for a new request).
func (s *Service) apply(ctx context.Context, tx Tx, out pim.Outcome, settings pim.Settings, fromStatus pim.Status) (pim.Request, error) {
	req := out.Request
	now := tx.Now()
	var sched *pim.Schedule
	for i, eff := range out.Effects {
		sch := eff.Schedule
		switch eff.Op {
		case pim.CreateSchedule:
			kind := directory.Active
			if sch.Level == pim.Eligibility {
				kind = directory.Eligible
			}
			start := sch.Start
			a, err := s.d.Directory.AssignInTx(ctx, tx, directory.RoleAssignmentInput{RoleDefinitionID: sch.RoleDefinitionID, PrincipalID: sch.PrincipalID,
				DirectoryScopeID: "/", Kind: kind, StartDateTime: &start, EndDateTime: sch.End})
			if err != nil {
				return req, err
			}
			if req.TargetScheduleID == sch.ID {
				req.TargetScheduleID = a.ID
			}
			sch.ID = a.ID
			rec := ScheduleRecord{RoleAssignment: a, Activated: sch.Activated, ActivatedUsing: sch.ActivatedUsing, CreatedUsing: req.ID}
			if err := tx.CreateScheduleInfo(ctx, rec); err != nil {
				return req, err
			}
		case pim.UpdateSchedule:
			start := sch.Start
			if err := tx.UpdateScheduleWindow(ctx, sch.ID, &start, sch.End, now); err != nil {
				return req, err
			}
		case pim.RemoveSchedule:
			as, err := tx.FindRoleAssignments(ctx, directory.RoleAssignmentFilter{ID: sch.ID, Limit: 1})
			if err != nil {
				return req, err
			}
			if len(as) == 1 {
				if err := s.d.Directory.UnassignInTx(ctx, tx, as[0]); err != nil {
					return req, err
				}
			}
			if err := tx.MarkScheduleRemoved(ctx, sch.ID, now); err != nil {
				return req, err
			}
			if eff.Activity != nil {
				e := audit.New(ctx, *eff.Activity, principalTarget(ctx, tx, sch.PrincipalID, nil), roleTarget(sch.RoleDefinitionID)).
					Detail("RequestId", req.ID).Detail("Reason", "The eligibility it was activated with was removed.")
				tx.Audit(e)
			}
		}
		out.Effects[i].Schedule = sch
		if i == 0 {
			sched = &out.Effects[i].Schedule
		}
	}
	var err error
	if fromStatus == "" {
		err = tx.CreateRequest(ctx, req, out.Reason)
	} else {
		err = tx.UpdateRequest(ctx, req, fromStatus, out.Reason)
	}
	if err != nil {
		return req, err
	}
	for _, act := range out.Audit {
		e := requestEvent(ctx, tx, act, req, sched)
		if out.Reason != "" && act == pim.ActivityActivationApproved && req.Status == pim.StatusFailed {
			e = e.Failed(out.Reason)
		}
		tx.Audit(e)
	}
	if err := s.notify(ctx, tx, settings, req, sched, out.Notices); err != nil {
		return req, err
	}
	return req, nil
}

// settingsFor returns a role's settings (the defaults when never saved).
func settingsFor(ctx context.Context, r Reader, role string) (pim.Settings, *StoredPolicy, error) {
	ps, err := r.FindPolicies(ctx)
	if err != nil {
		return pim.Settings{}, nil, err
	}
	for _, p := range ps {
		if p.RoleDefinitionID == role {
			return pim.Merge(p.Rules), &p, nil
		}
	}
	return pim.Defaults(), nil, nil
}

// checkRole refuses an unknown role definition.
func checkRole(id string) error {
	if _, ok := directory.Role(id); !ok {
		return apperr.Invalidf("roleDefinitionId %q is not a known role definition.", id).WithCode("Request_BadRequest")
	}
	return nil
}

// Submit decides and, unless validationOnly, records a new schedule
// request from the caller in ctx. auth is what the caller's session or
// token proved. A refusal for want of MFA or an authentication context is
// a *pim.AuthError, so that the edge can ask for a step-up.
func (s *Service) Submit(ctx context.Context, in pim.Request, auth Auth, validationOnly bool) (pim.Request, error) {
	p := authz.FromContext(ctx)
	if p.Kind == authz.Anonymous {
		return pim.Request{}, apperr.New(apperr.Unauthenticated, "Sign in or present a bearer token to call this.")
	}
	if !in.Action.Self() {
		if err := authz.Require(ctx, authz.RoleManagementReadWriteDirectory); err != nil {
			return pim.Request{}, err
		}
	}
	if err := checkRole(in.RoleDefinitionID); err != nil {
		return pim.Request{}, err
	}
	var out pim.Request
	err := s.d.Store.InTx(ctx, func(t Tx) error {
		tx := memo(t)
		now := tx.Now()
		if err := tx.LockPrincipal(ctx, in.PrincipalID); err != nil {
			return err
		}
		if _, _, err := directory.ResolveObject(ctx, tx, in.PrincipalID); err != nil {
			if errors.Is(err, apperr.NotFound) {
				return apperr.Invalidf("principalId %q is not a user or group in this directory.", in.PrincipalID).WithCode("Request_BadRequest")
			}
			return err
		}
		settings, _, err := settingsFor(ctx, tx, in.RoleDefinitionID)
		if err != nil {
			return err
		}
		f, err := s.gather(ctx, tx, in.PrincipalID, in.RoleDefinitionID, in.Level, now)
		if err != nil {
			return err
		}
		f.Caller = caller(ctx, auth)
		if c := settings.AuthenticationContext(); in.Action == pim.SelfActivate && c.IsEnabled && c.ClaimValue != "" {
			if f.ContextTargeted, err = s.d.Contexts.TargetsContext(ctx, c.ClaimValue); err != nil {
				return err
			}
		}
		if in.Action == pim.AdminRemove || in.Action == pim.SelfDeactivate {
			var ids []string
			for _, e := range append(slices.Clone(f.Eligible), f.Active...) {
				ids = append(ids, e.ID)
			}
			if f.Dependents, err = dependents(ctx, tx, ids...); err != nil {
				return err
			}
		}
		o, err := pim.Submit(in, settings, f)
		if err != nil {
			return err
		}
		if validationOnly {
			out = o.Request
			return errValidationOnly
		}
		out, err = s.apply(ctx, tx, o, settings, "")
		return err
	})
	if errors.Is(err, errValidationOnly) {
		return out, nil
	}
	return out, err
}

// errValidationOnly rolls back a validation-only request.
var errValidationOnly = errors.New("validation only")

// isApprover reports whether user may decide request r: a named approver,
// a member of a named group, or (no approvers named) an active Privileged
// Role Administrator or Global Administrator.
func isApprover(ctx context.Context, rd directory.Reader, r pim.Request, user string, now time.Time) (bool, error) {
	if user == r.PrincipalID || user == r.CreatedBy {
		return false, nil
	}
	var approvers []pim.Subject
	if r.Approval != nil {
		approvers = r.Approval.Approvers
	}
	if len(approvers) == 0 {
		roles, err := directory.ActiveRoleIDs(ctx, rd, user, now)
		if err != nil {
			return false, err
		}
		return slices.Contains(roles, directory.GlobalAdministrator) || slices.Contains(roles, directory.PrivilegedRoleAdministrator), nil
	}
	var groups []directory.Group
	for _, a := range approvers {
		switch a.Type {
		case pim.SubjectUser:
			if a.ID == user {
				return true, nil
			}
		case pim.SubjectGroup:
			if groups == nil {
				var err error
				if groups, err = rd.FindMemberOf(ctx, user, true); err != nil {
					return false, err
				}
			}
			if slices.ContainsFunc(groups, func(g directory.Group) bool { return g.ID == a.ID }) {
				return true, nil
			}
		}
	}
	return false, nil
}

// findRequest returns a request of the level by id, as NotFound in Graph's
// words when there is none.
func findRequest(ctx context.Context, r Reader, level pim.Level, id string) (pim.Request, error) {
	rs, err := r.FindRequests(ctx, RequestFilter{ID: id, Level: level, Limit: 1})
	if err != nil {
		return pim.Request{}, err
	}
	if len(rs) == 0 {
		return pim.Request{}, notFound(id)
	}
	return rs[0], nil
}

func notFound(id string) error {
	return apperr.NotFoundf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id).WithCode("Request_ResourceNotFound")
}

// canRead reports whether the caller may read request r: role management
// readers see all, others their own and those they may approve.
func (s *Service) canRead(ctx context.Context, r pim.Request) (bool, error) {
	p := authz.FromContext(ctx)
	if p.Has(authz.RoleManagementReadDirectory) {
		return true, nil
	}
	if p.Kind != authz.User {
		return false, nil
	}
	if r.PrincipalID == p.ID || r.CreatedBy == p.ID {
		return true, nil
	}
	return isApprover(ctx, s.d.Store, r, p.ID, s.d.Now())
}

// GetRequest returns one request of a level.
func (s *Service) GetRequest(ctx context.Context, level pim.Level, id string) (pim.Request, error) {
	if _, err := anyone(ctx); err != nil {
		return pim.Request{}, err
	}
	r, err := findRequest(ctx, s.d.Store, level, id)
	if err != nil {
		return r, err
	}
	ok, err := s.canRead(ctx, r)
	if err != nil {
		return r, err
	}
	if !ok {
		return pim.Request{}, authz.Require(ctx, authz.RoleManagementReadDirectory)
	}
	return r, nil
}

func anyone(ctx context.Context) (authz.Principal, error) {
	p := authz.FromContext(ctx)
	if p.Kind == authz.Anonymous {
		return p, apperr.New(apperr.Unauthenticated, "Sign in or present a bearer token to call this.")
	}
	return p, nil
}

// ListRequests returns one page of a level's requests (role management
// readers only).
func (s *Service) ListRequests(ctx context.Context, f RequestFilter) ([]pim.Request, error) {
	if err := authz.Require(ctx, authz.RoleManagementReadDirectory); err != nil {
		return nil, err
	}
	return s.d.Store.FindRequests(ctx, f)
}

// Filters of filterByCurrentUser.
const (
	OnPrincipal = "principal"
	OnApprover  = "approver"
)

// MyRequests returns the signed-in user's requests (on principal: theirs,
// not those of their groups, as in Entra) or those they may approve (on
// approver: pending ones, and those they decided).
func (s *Service) MyRequests(ctx context.Context, level pim.Level, on string) ([]pim.Request, error) {
	p, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	switch on {
	case OnPrincipal:
		return s.d.Store.FindRequests(ctx, RequestFilter{Level: level, PrincipalIDs: []string{p.ID}})
	case OnApprover:
		rs, err := s.d.Store.FindRequests(ctx, RequestFilter{Level: level})
		if err != nil {
			return nil, err
		}
		now := s.d.Now()
		var out []pim.Request
		for _, r := range rs {
			if r.Approval == nil {
				continue
			}
			if r.Approval.ReviewedBy == p.ID {
				out = append(out, r)
				continue
			}
			if !r.Status.Pending() {
				continue
			}
			ok, err := s.mayDecide(ctx, r, p, now)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, r)
			}
		}
		return out, nil
	}
	return nil, apperr.Invalidf("filterByCurrentUser takes on='principal' or on='approver', not %q.", on).WithCode("Request_BadRequest")
}

// mayDecide reports whether p may decide pending request r: an approver of
// an activation, or an administrator for an extension or renewal.
func (s *Service) mayDecide(ctx context.Context, r pim.Request, p authz.Principal, now time.Time) (bool, error) {
	if p.ID == r.PrincipalID || p.ID == r.CreatedBy {
		return false, nil
	}
	if r.Status == pim.StatusPendingAdminDecision {
		return p.Has(authz.RoleManagementReadWriteDirectory), nil
	}
	return isApprover(ctx, s.d.Store, r, p.ID, now)
}

// Cancel cancels a request of a level.
func (s *Service) Cancel(ctx context.Context, level pim.Level, id string) error {
	if _, err := anyone(ctx); err != nil {
		return err
	}
	return s.d.Store.InTx(ctx, func(tx Tx) error {
		r, err := tx.FindRequestForUpdate(ctx, id)
		if errors.Is(err, apperr.NotFound) || err == nil && r.Level != level {
			return notFound(id)
		}
		if err != nil {
			return err
		}
		settings, _, err := settingsFor(ctx, tx, r.RoleDefinitionID)
		if err != nil {
			return err
		}
		f := pim.Facts{Now: tx.Now(), Caller: caller(ctx, Auth{})}
		if f.Target, err = findSchedule(ctx, tx, r.TargetScheduleID); err != nil {
			return err
		}
		o, err := pim.Cancel(r, f)
		if err != nil {
			return err
		}
		_, err = s.apply(ctx, tx, o, settings, r.Status)
		return err
	})
}

// Review decides pending activation request id (its approval step
// stepID): the caller approves or denies. Concurrent decisions resolve to
// exactly one: the request row is locked and its update is conditional on
// it still being pending.
func (s *Service) Review(ctx context.Context, id, stepID, result, justification string) (pim.Request, error) {
	p, err := requireUser(ctx)
	if err != nil {
		return pim.Request{}, err
	}
	var out pim.Request
	var expiredAt *time.Time
	err = s.d.Store.InTx(ctx, func(tx Tx) error {
		r, err := tx.FindRequestForUpdate(ctx, id)
		if errors.Is(err, apperr.NotFound) {
			return notFound(id)
		}
		if err != nil {
			return err
		}
		if r.Approval == nil || stepID != "" && r.Approval.StepID != stepID {
			return notFound(stepID)
		}
		now := tx.Now()
		if pim.Expired(r, now) {
			// Record the timeout now rather than wait for the job, and
			// commit it; the approver is told afterwards.
			o, err := pim.TimeOut(r, now)
			if err != nil {
				return err
			}
			settings, _, err := settingsFor(ctx, tx, r.RoleDefinitionID)
			if err != nil {
				return err
			}
			if out, err = s.apply(systemContext(ctx), tx, o, settings, r.Status); err != nil {
				return err
			}
			expiredAt = r.Approval.Deadline
			return nil
		}
		settings, _, err := settingsFor(ctx, tx, r.RoleDefinitionID)
		if err != nil {
			return err
		}
		f, err := s.gather(ctx, tx, r.PrincipalID, r.RoleDefinitionID, r.Level, now)
		if err != nil {
			return err
		}
		f.Caller = caller(ctx, Auth{})
		ok, err := isApprover(ctx, tx, r, p.ID, now)
		if err != nil {
			return err
		}
		o, err := pim.Review(r, pim.Decision{Result: result, Justification: justification, IsApprover: ok}, settings, f)
		if err != nil {
			return err
		}
		out, err = s.apply(ctx, tx, o, settings, r.Status)
		return err
	})
	if err == nil && expiredAt != nil {
		return out, apperr.Conflictf("This request expired at %s: nobody decided it within 24 hours. The requester must ask again.", expiredAt.UTC().Format(time.RFC3339)).WithCode(pim.CodeRequestNotPending)
	}
	return out, err
}

// Decide is an administrator's decision on a user's request to extend or
// renew an assignment.
func (s *Service) Decide(ctx context.Context, id, result, justification string) (pim.Request, error) {
	if _, err := requireUser(ctx); err != nil {
		return pim.Request{}, err
	}
	if err := authz.Require(ctx, authz.RoleManagementReadWriteDirectory); err != nil {
		return pim.Request{}, err
	}
	var out pim.Request
	err := s.d.Store.InTx(ctx, func(tx Tx) error {
		r, err := tx.FindRequestForUpdate(ctx, id)
		if errors.Is(err, apperr.NotFound) {
			return notFound(id)
		}
		if err != nil {
			return err
		}
		settings, _, err := settingsFor(ctx, tx, r.RoleDefinitionID)
		if err != nil {
			return err
		}
		f, err := s.gather(ctx, tx, r.PrincipalID, r.RoleDefinitionID, r.Level, tx.Now())
		if err != nil {
			return err
		}
		f.Caller = caller(ctx, Auth{})
		if f.Target, err = findSchedule(ctx, tx, r.TargetScheduleID); err != nil {
			return err
		}
		o, err := pim.Decide(r, pim.Decision{Result: result, Justification: justification}, settings, f)
		if err != nil {
			return err
		}
		out, err = s.apply(ctx, tx, o, settings, r.Status)
		return err
	})
	return out, err
}

// systemContext runs as Strongroom itself (jobs), keeping ctx's values
// otherwise.
func systemContext(ctx context.Context) context.Context {
	ctx = authz.NewContext(ctx, authz.SystemPrincipal)
	return audit.NewContext(ctx, audit.Actor{Initiator: audit.Initiator{App: &audit.AppIdentity{DisplayName: "MS-PIM", ServicePrincipalName: "MS-PIM"}}})
}

// ApprovalView is a request's approval with the caller's relation to it.
type ApprovalView struct {
	Request      pim.Request
	AssignedToMe bool
}

// GetApproval returns the approval of request id, for the requester, its
// approvers and role management readers.
func (s *Service) GetApproval(ctx context.Context, id string) (ApprovalView, error) {
	p, err := anyone(ctx)
	if err != nil {
		return ApprovalView{}, err
	}
	rs, err := s.d.Store.FindRequests(ctx, RequestFilter{ID: id, Limit: 1})
	if err != nil {
		return ApprovalView{}, err
	}
	if len(rs) == 0 || rs[0].Approval == nil {
		return ApprovalView{}, notFound(id)
	}
	r := rs[0]
	mine := false
	if p.Kind == authz.User && r.Status.Pending() {
		if mine, err = s.mayDecide(ctx, r, p, s.d.Now()); err != nil {
			return ApprovalView{}, err
		}
	}
	if !mine {
		ok, err := s.canRead(ctx, r)
		if err != nil {
			return ApprovalView{}, err
		}
		if !ok {
			return ApprovalView{}, notFound(id)
		}
	}
	return ApprovalView{Request: r, AssignedToMe: mine}, nil
}

// ActivationRequirement says what activating role requires of the caller's
// authentication now (MFA, or an authentication context), so that an edge
// can check the session or step up before submitting.
func (s *Service) ActivationRequirement(ctx context.Context, role string) (pim.Requirement, error) {
	settings, _, err := settingsFor(ctx, s.d.Store, role)
	if err != nil {
		return pim.Requirement{}, err
	}
	targeted := false
	if c := settings.AuthenticationContext(); c.IsEnabled && c.ClaimValue != "" {
		if targeted, err = s.d.Contexts.TargetsContext(ctx, c.ClaimValue); err != nil {
			return pim.Requirement{}, err
		}
	}
	return pim.ActivationRequirement(settings, targeted), nil
}

// Settings returns a role's settings, for anyone signed in (My roles shows
// what activation asks for).
func (s *Service) Settings(ctx context.Context, role string) (pim.Settings, error) {
	if _, err := anyone(ctx); err != nil {
		return pim.Settings{}, err
	}
	if err := checkRole(role); err != nil {
		return pim.Settings{}, err
	}
	st, _, err := settingsFor(ctx, s.d.Store, role)
	return st, err
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
