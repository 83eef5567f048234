package capolicy

import (
	"context"
	"errors"
	"strings"

	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// Snapshot is the tenant's Conditional Access configuration at one
// version, with the policies compiled. It is immutable and shared.
type Snapshot struct {
	Version   int64
	Policies  []policy.Policy
	Strengths map[string]authn.Strength // custom, by lower-case id
	Locations map[string]policy.NamedLocation
	Contexts  map[string]policy.AuthenticationContext // by id (c1…)
	Set       *policy.Set
}

// Strength returns a built-in or custom strength by id.
func (s *Snapshot) Strength(id string) (authn.Strength, bool) {
	if st, ok := authn.BuiltInStrength(strings.ToLower(id)); ok {
		return st, true
	}
	st, ok := s.Strengths[strings.ToLower(id)]
	return st, ok
}

// Snapshot returns the current configuration, compiled.
//
// It never waits for the database once a configuration is loaded: sign-ins
// call it inside their transactions, and on PostgreSQL a read that needed
// another pooled connection could starve under load. Instead, when Recheck
// has passed since the version was last read (or this node's last reload
// failed), it starts one background check and answers with what it has;
// a change made on another node is therefore in force here within about
// Recheck. A change made through this Service is reloaded before the call
// that made it returns. Only the very first call loads synchronously
// (serve preloads at start); with Recheck zero every call checks the
// version synchronously.
func (s *Service) Snapshot(ctx context.Context) (*Snapshot, error) {
	cur := s.snap.Load()
	if cur != nil && s.Recheck > 0 {
		if s.stale.Load() || s.mono().UnixNano()-s.checked.Load() >= int64(s.Recheck) {
			s.refreshAsync()
		}
		return cur, nil
	}
	return s.reload(ctx)
}

// refreshAsync starts one background reload unless one is running.
func (s *Service) refreshAsync() {
	if !s.refreshing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.refreshing.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = s.reload(ctx) // on failure the snapshot stays stale and the next call retries
	}()
}

// reload reads the version and, when it moved (or this node changed
// something), everything else; one reload at a time.
func (s *Service) reload(ctx context.Context) (*Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.snap.Load()
	checkedAt := s.mono().UnixNano()
	stale := s.stale.Swap(false)
	v, err := s.store.FindCAVersion(ctx)
	if err != nil {
		s.stale.Store(true)
		return cur, err
	}
	if cur != nil && !stale && v == cur.Version {
		s.checked.Store(checkedAt)
		return cur, nil
	}
	next, err := s.load(ctx, v)
	if err != nil {
		s.stale.Store(true)
		return cur, err
	}
	s.snap.Store(next)
	s.checked.Store(checkedAt)
	return next, nil
}

// load reads everything at version v. The reads are not one transaction;
// if the version moved meanwhile they are repeated, so that a snapshot is
// never a mix of two versions.
func (s *Service) load(ctx context.Context, v int64) (*Snapshot, error) {
	for attempt := 0; ; attempt++ {
		snap, err := s.read(ctx, v)
		if err != nil {
			return nil, err
		}
		after, err := s.store.FindCAVersion(ctx)
		if err != nil {
			return nil, err
		}
		if after == v || attempt >= 4 {
			// After a few attempts under constant change, take the newer
			// version number with what was read: the next check reloads.
			return snap, nil
		}
		v = after
	}
}

func (s *Service) read(ctx context.Context, v int64) (*Snapshot, error) {
	ps, err := s.store.FindCAPolicies(ctx)
	if err != nil {
		return nil, err
	}
	sts, err := s.store.FindAuthStrengths(ctx)
	if err != nil {
		return nil, err
	}
	ls, err := s.store.FindNamedLocations(ctx)
	if err != nil {
		return nil, err
	}
	cs, err := s.store.FindAuthContexts(ctx)
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{Version: v, Policies: ps, Strengths: make(map[string]authn.Strength, len(sts)),
		Locations: make(map[string]policy.NamedLocation, len(ls)), Contexts: make(map[string]policy.AuthenticationContext, len(cs))}
	facts := policy.Facts{Strengths: make(map[string]authn.Strength, len(sts)), NamedLocations: snap.Locations}
	for _, st := range sts {
		snap.Strengths[strings.ToLower(st.ID)] = st
		facts.Strengths[st.ID] = st
	}
	for _, l := range ls {
		snap.Locations[l.ID] = l
	}
	for _, c := range cs {
		snap.Contexts[c.ID] = c
	}
	snap.Set = policy.Compile(ps, facts)
	return snap, nil
}

// ContextPublished reports whether the authentication context id exists
// and is published to applications (Graph's isAvailable). The OpenID
// provider accepts only published contexts in a claims request.
func (s *Service) ContextPublished(ctx context.Context, id string) (bool, error) {
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return false, err
	}
	c, ok := snap.Contexts[strings.ToLower(id)]
	return ok && c.IsAvailable, nil
}

// PublishedContexts adapts ContextPublished to a port named IsAvailable,
// such as the OpenID provider's Contexts.
type PublishedContexts struct{ *Service }

// IsAvailable reports whether the context is published; see
// ContextPublished.
func (p PublishedContexts) IsAvailable(ctx context.Context, id string) (bool, error) {
	return p.ContextPublished(ctx, id)
}

// LookupContext returns the authentication context id as sign-in
// surfaces show it (no permission needed: users see the names of the
// contexts they are asked to step up to).
func (s *Service) LookupContext(ctx context.Context, id string) (policy.AuthenticationContext, bool, error) {
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return policy.AuthenticationContext{}, false, err
	}
	c, ok := snap.Contexts[strings.ToLower(id)]
	return c, ok, nil
}

// ContextTargeted reports whether an enabled policy targets the
// authentication context id (report-only and disabled policies do not
// count). PIM falls back to requiring multifactor authentication when a
// role's settings name a context no enabled policy protects.
func (s *Service) ContextTargeted(ctx context.Context, id string) (bool, error) {
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return false, err
	}
	for _, p := range snap.Policies {
		if strings.EqualFold(p.State, policy.StateEnabled) && targetsContext(p, id) {
			return true, nil
		}
	}
	return false, nil
}

// WhatIf evaluates a hypothetical sign-in of user (an id or user principal
// name) against every policy (G-WHATIF): in gives the target and the
// conditions; the user's type, transitive groups and active roles come
// from the directory. With appliedOnly, only the policies that apply are
// returned.
func (s *Service) WhatIf(ctx context.Context, user string, in policy.SignIn, appliedOnly bool) ([]policy.WhatIfResult, error) {
	if err := authz.Require(ctx, readCA...); err != nil {
		return nil, err
	}
	u, err := s.store.FindUserByID(ctx, user)
	if errors.Is(err, apperr.NotFound) {
		u, err = s.store.FindUserByUPN(ctx, user)
	}
	if errors.Is(err, apperr.NotFound) {
		return nil, apperr.Invalidf("signInIdentity.userId: there is no user '%s'.", user)
	} else if err != nil {
		return nil, err
	}
	groups, err := s.store.FindMemberOf(ctx, u.ID, true)
	if err != nil {
		return nil, err
	}
	now := s.now()
	roles, err := directory.ActiveRoleIDs(ctx, s.store, u.ID, now)
	if err != nil {
		return nil, err
	}
	in.UserID, in.UserType, in.RoleTemplateIDs, in.Now = u.ID, u.UserType, roles, now
	if in.Country == "" && in.IPAddress.IsValid() && s.Countries != nil {
		in.Country = s.Countries.Country(in.IPAddress)
	}
	in.GroupIDs = make([]string, len(groups))
	for i, g := range groups {
		in.GroupIDs[i] = g.ID
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return snap.Set.WhatIf(in, appliedOnly), nil
}
