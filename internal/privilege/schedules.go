package privilege

import (
	"context"
	"slices"

	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/pim"
)

// Schedules returns one page of schedules (instances: with InForceAt set)
// for role management readers.
func (s *Service) Schedules(ctx context.Context, f ScheduleFilter) ([]ScheduleRecord, error) {
	if err := authz.Require(ctx, authz.RoleManagementReadDirectory); err != nil {
		return nil, err
	}
	return s.d.Store.FindSchedules(ctx, f)
}

// Held is a schedule the signed-in user holds, directly or through a
// group.
type Held struct {
	ScheduleRecord
	Group *directory.Group // the group it comes through; nil when direct
}

// MySchedules returns the signed-in user's current schedules of a kind,
// direct and through role-assignable groups.
func (s *Service) MySchedules(ctx context.Context, kind directory.AssignmentKind) ([]Held, error) {
	p, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	return s.held(ctx, s.d.Store, p.ID, kind)
}

func (s *Service) held(ctx context.Context, r Reader, user string, kind directory.AssignmentKind) ([]Held, error) {
	gs, err := r.FindMemberOf(ctx, user, false)
	if err != nil {
		return nil, err
	}
	groups := map[string]directory.Group{}
	ids := []string{user}
	for _, g := range gs {
		if g.IsAssignableToRole {
			groups[g.ID] = g
			ids = append(ids, g.ID)
		}
	}
	recs, err := r.FindSchedules(ctx, ScheduleFilter{PrincipalIDs: ids, Kind: kind})
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	var out []Held
	for _, rec := range recs {
		if rec.EndDateTime != nil && !now.Before(*rec.EndDateTime) {
			continue
		}
		h := Held{ScheduleRecord: rec}
		if g, ok := groups[rec.PrincipalID]; ok {
			h.Group = &g
		}
		out = append(out, h)
	}
	return out, nil
}

// MyRole is one role on the My roles page.
type MyRole struct {
	Role        directory.RoleDefinition
	Eligible    []Held // how the user may activate it
	Active      []Held // in force or starting later
	Pending     *pim.Request
	Settings    pim.Settings
	Requirement pim.Requirement
}

// MyRoles returns the roles the signed-in user is eligible for or holds,
// in catalogue order, with what activating each asks for.
func (s *Service) MyRoles(ctx context.Context) ([]MyRole, error) {
	p, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	elig, err := s.held(ctx, s.d.Store, p.ID, directory.Eligible)
	if err != nil {
		return nil, err
	}
	act, err := s.held(ctx, s.d.Store, p.ID, directory.Active)
	if err != nil {
		return nil, err
	}
	pending, err := s.d.Store.FindRequests(ctx, RequestFilter{PrincipalIDs: []string{p.ID}, Statuses: []pim.Status{pim.StatusPendingApproval}})
	if err != nil {
		return nil, err
	}
	var out []MyRole
	for _, rd := range directory.Roles() {
		m := MyRole{Role: rd}
		for _, h := range elig {
			if h.RoleDefinitionID == rd.ID {
				m.Eligible = append(m.Eligible, h)
			}
		}
		for _, h := range act {
			if h.RoleDefinitionID == rd.ID {
				m.Active = append(m.Active, h)
			}
		}
		for _, r := range pending {
			if r.RoleDefinitionID == rd.ID && r.Action == pim.SelfActivate {
				r := r
				m.Pending = &r
			}
		}
		if len(m.Eligible) == 0 && len(m.Active) == 0 && m.Pending == nil {
			continue
		}
		if m.Settings, _, err = settingsFor(ctx, s.d.Store, rd.ID); err != nil {
			return nil, err
		}
		if len(m.Eligible) > 0 {
			if m.Requirement, err = s.ActivationRequirement(ctx, rd.ID); err != nil {
				return nil, err
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// PendingForMe returns the pending requests the signed-in user may decide
// (activations they approve; extensions and renewals for administrators).
func (s *Service) PendingForMe(ctx context.Context) ([]pim.Request, error) {
	p, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	rs, err := s.d.Store.FindRequests(ctx, RequestFilter{Statuses: []pim.Status{pim.StatusPendingApproval, pim.StatusPendingAdminDecision}})
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	var out []pim.Request
	for _, r := range rs {
		if pim.Expired(r, now) {
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
	slices.SortFunc(out, func(a, b pim.Request) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}
