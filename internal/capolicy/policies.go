package capolicy

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/cagraph"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// ListPolicies returns every Conditional Access policy, oldest first.
func (s *Service) ListPolicies(ctx context.Context) ([]policy.Policy, error) {
	if err := authz.Require(ctx, readCA...); err != nil {
		return nil, err
	}
	return s.store.FindCAPolicies(ctx)
}

// GetPolicy returns one policy.
func (s *Service) GetPolicy(ctx context.Context, id string) (policy.Policy, error) {
	if err := authz.Require(ctx, readCA...); err != nil {
		return policy.Policy{}, err
	}
	p, err := s.store.FindCAPolicyByID(ctx, id)
	if isNotFound(err) {
		return p, notFound("conditional access policy", id)
	}
	return p, err
}

// StrengthLookup returns a lookup of the tenant's strengths (custom and
// built-in) by id, for expanding policies' authenticationStrength.
func (s *Service) StrengthLookup(ctx context.Context) (func(id string) (authn.Strength, bool), error) {
	list, err := s.store.FindAuthStrengths(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]authn.Strength, len(list))
	for _, st := range list {
		m[strings.ToLower(st.ID)] = st
	}
	return func(id string) (authn.Strength, bool) {
		if st, ok := authn.BuiltInStrength(id); ok {
			return st, true
		}
		st, ok := m[strings.ToLower(id)]
		return st, ok
	}, nil
}

// CreatePolicy validates p against the directory and creates it. Its id
// and times are the service's: any in p are ignored.
func (s *Service) CreatePolicy(ctx context.Context, p policy.Policy) (policy.Policy, error) {
	if err := authz.Require(ctx, writeCA...); err != nil {
		return policy.Policy{}, err
	}
	err := s.write(ctx, func(tx Tx) error {
		n, err := tx.FindCAPolicies(ctx)
		if err != nil {
			return err
		}
		if len(n) >= policy.MaxPolicies {
			return apperr.Invalidf("A tenant can have at most %d Conditional Access policies, counting every state; delete one first.", policy.MaxPolicies)
		}
		refs, err := references(ctx, tx, p)
		if err != nil {
			return err
		}
		p, err = CreatePolicyInTx(ctx, tx, p, refs)
		return err
	})
	return p, err
}

// CreatePolicyInTx validates p against refs and creates it in the caller's
// transaction (bootstrap's, or an import's), bumps the version and audits
// it. p's id and times are set here.
func CreatePolicyInTx(ctx context.Context, tx PolicyWriter, p policy.Policy, refs policy.References) (policy.Policy, error) {
	now := tx.Now()
	p.ID = uuid.NewString()
	p.CreatedDateTime, p.ModifiedDateTime = now, now
	if err := policy.Validate(p, refs); err != nil {
		return p, err
	}
	if _, err := tx.BumpCAVersion(ctx); err != nil {
		return p, err
	}
	if err := tx.CreateCAPolicy(ctx, p); err != nil {
		return p, err
	}
	tx.Audit(audit.New(ctx, ActivityAddPolicy, policyTarget(p, audit.Change("ConditionalAccessPolicy", nil, graphPolicy(p)))))
	return p, nil
}

// References builds Validate's references for p from the directory and the
// stored Conditional Access objects, in r (a transaction or the database).
func References(ctx context.Context, r Reader, p policy.Policy) (policy.References, error) {
	return references(ctx, r, p)
}

// graphPolicy is p's Graph JSON, for audit records.
func graphPolicy(p policy.Policy) any { return rawJSON(cagraph.EncodePolicy(p, nil)) }

func policyTarget(p policy.Policy, props ...audit.ModifiedProperty) audit.Target {
	if props == nil {
		props = []audit.ModifiedProperty{}
	}
	return audit.Target{ID: p.ID, DisplayName: p.DisplayName, Type: "Policy", ModifiedProperties: props}
}

// UpdatePolicy changes a policy: change receives the stored policy and
// returns the new one (its id and times are kept), which is validated as
// on create.
func (s *Service) UpdatePolicy(ctx context.Context, id string, change func(policy.Policy) (policy.Policy, error)) (policy.Policy, error) {
	if err := authz.Require(ctx, writeCA...); err != nil {
		return policy.Policy{}, err
	}
	var out policy.Policy
	err := s.write(ctx, func(tx Tx) error {
		old, err := tx.FindCAPolicyByID(ctx, id)
		if isNotFound(err) {
			return notFound("conditional access policy", id)
		} else if err != nil {
			return err
		}
		p, err := change(old)
		if err != nil {
			return err
		}
		p.ID, p.CreatedDateTime, p.ModifiedDateTime = old.ID, old.CreatedDateTime, tx.Now()
		refs, err := references(ctx, tx, p)
		if err != nil {
			return err
		}
		if err := policy.Validate(p, refs); err != nil {
			return err
		}
		if err := tx.UpdateCAPolicy(ctx, p); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityUpdatePolicy, policyTarget(p, audit.Change("ConditionalAccessPolicy", graphPolicy(old), graphPolicy(p)))))
		out = p
		return nil
	})
	return out, err
}

// DeletePolicy deletes a policy.
func (s *Service) DeletePolicy(ctx context.Context, id string) error {
	if err := authz.Require(ctx, writeCA...); err != nil {
		return err
	}
	return s.write(ctx, func(tx Tx) error {
		old, err := tx.FindCAPolicyByID(ctx, id)
		if isNotFound(err) {
			return notFound("conditional access policy", id)
		} else if err != nil {
			return err
		}
		if err := tx.DeleteCAPolicy(ctx, old.ID); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityDeletePolicy, policyTarget(old, audit.Change("ConditionalAccessPolicy", graphPolicy(old), nil))))
		return nil
	})
}

// CheckPolicy returns every problem of p as it would be validated on
// create, with the directory's references: the pages show each next to
// its field.
func (s *Service) CheckPolicy(ctx context.Context, p policy.Policy) ([]policy.FieldError, error) {
	if err := authz.Require(ctx, readCA...); err != nil {
		return nil, err
	}
	refs, err := references(ctx, s.store, p)
	if err != nil {
		return nil, err
	}
	return policy.Check(p, refs), nil
}

// references looks up every object p names and answers Validate from the
// results. Application ids may be Strongroom's built-in applications or
// registered applications (by appId); service principals by object id or
// appId.
func references(ctx context.Context, r Reader, p policy.Policy) (policy.References, error) {
	known := map[string]bool{}
	var firstErr error
	check := func(kind, id string, find func(string) error) {
		key := kind + "\x00" + strings.ToLower(id)
		if _, done := known[key]; done || firstErr != nil {
			return
		}
		err := find(id)
		switch {
		case err == nil:
			known[key] = true
		case isNotFound(err):
			known[key] = false
		default:
			firstErr = err
		}
	}
	c := p.Conditions
	if u := c.Users; u != nil {
		for _, id := range append(append([]string{}, u.IncludeUsers...), u.ExcludeUsers...) {
			if isSpecial(id, policy.UsersAll, policy.UsersNone, policy.UsersGuestsOrExternalUsers) {
				continue
			}
			check("user", id, func(id string) error { _, err := r.FindUserByID(ctx, id); return err })
		}
		for _, id := range append(append([]string{}, u.IncludeGroups...), u.ExcludeGroups...) {
			check("group", id, func(id string) error { _, err := r.FindGroupByID(ctx, id); return err })
		}
	}
	if a := c.Applications; a != nil {
		for _, id := range append(append([]string{}, a.IncludeApplications...), a.ExcludeApplications...) {
			if isSpecial(id, policy.AppsAll, policy.AppsNone, policy.AppsOffice365, policy.AppsMicrosoftAdminPortals, policy.AdminPortalAppID, policy.MyAccountAppID) {
				continue
			}
			check("app", id, func(id string) error { _, err := r.FindApplicationByAppID(ctx, id); return err })
		}
		for _, id := range a.IncludeAuthenticationContextClassReferences {
			check("context", id, func(id string) error { _, err := r.FindAuthContextByID(ctx, strings.ToLower(id)); return err })
		}
	}
	if ca := c.ClientApplications; ca != nil {
		for _, id := range append(append([]string{}, ca.IncludeServicePrincipals...), ca.ExcludeServicePrincipals...) {
			if isSpecial(id, policy.ServicePrincipalsInMyTenant) {
				continue
			}
			check("sp", id, func(id string) error {
				if _, err := r.FindApplicationByID(ctx, id); !isNotFound(err) {
					return err
				}
				_, err := r.FindApplicationByAppID(ctx, id)
				return err
			})
		}
	}
	if l := c.Locations; l != nil {
		for _, id := range append(append([]string{}, l.IncludeLocations...), l.ExcludeLocations...) {
			if isSpecial(id, policy.LocationsAll, policy.LocationsAllTrusted) {
				continue
			}
			check("location", id, func(id string) error { _, err := r.FindNamedLocationByID(ctx, id); return err })
		}
	}
	if g := p.GrantControls; g != nil && g.AuthenticationStrength != nil && !authn.IsBuiltInID(g.AuthenticationStrength.ID) {
		check("strength", g.AuthenticationStrength.ID, func(id string) error { _, err := r.FindAuthStrengthByID(ctx, id); return err })
	}
	if firstErr != nil {
		return policy.References{}, firstErr
	}
	lookup := func(kind string) func(string) bool {
		return func(id string) bool { return known[kind+"\x00"+strings.ToLower(id)] }
	}
	return policy.References{
		User:                  lookup("user"),
		Group:                 lookup("group"),
		Role:                  func(id string) bool { _, ok := directory.Role(strings.ToLower(id)); return ok },
		Application:           lookup("app"),
		ServicePrincipal:      lookup("sp"),
		NamedLocation:         lookup("location"),
		Strength:              lookup("strength"),
		AuthenticationContext: lookup("context"),
	}, nil
}

func isSpecial(id string, special ...string) bool {
	for _, s := range special {
		if strings.EqualFold(id, s) {
			return true
		}
	}
	return false
}

// DefaultPolicyName is the display name of the policy an empty tenant
// starts with.
const DefaultPolicyName = "Require multifactor authentication for all users"

// DefaultPolicy is the policy every new tenant gets, enabled: all users,
// all resources, the mfa grant control (the built-in "Multifactor
// authentication" strength). It keeps Strongroom secure by default, like
// Entra's security defaults. The bootstrap administrator is not excluded:
// they sign in with a Temporary Access Pass, which satisfies it.
func DefaultPolicy() policy.Policy {
	return policy.Policy{
		DisplayName: DefaultPolicyName,
		State:       policy.StateEnabled,
		Conditions: policy.Conditions{
			Users:          &policy.Users{IncludeUsers: []string{policy.UsersAll}},
			Applications:   &policy.Applications{IncludeApplications: []string{policy.AppsAll}},
			ClientAppTypes: []string{policy.ClientAppAll},
		},
		GrantControls: &policy.GrantControls{Operator: policy.OperatorOR, BuiltInControls: []string{policy.ControlMFA}},
	}
}
