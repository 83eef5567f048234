package capolicy

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/cagraph"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// errBuiltIn is the answer to changing a built-in strength (G-ASP).
func errBuiltIn(id string) error {
	st, _ := authn.BuiltInStrength(id)
	return apperr.Invalidf("'%s' is a built-in authentication strength; built-in strengths cannot be changed or deleted. Create a custom strength instead.", st.DisplayName)
}

// ListStrengths returns the built-in strengths, then the custom ones
// oldest first.
func (s *Service) ListStrengths(ctx context.Context) ([]authn.Strength, error) {
	if err := authz.Require(ctx, readStrength...); err != nil {
		return nil, err
	}
	custom, err := s.store.FindAuthStrengths(ctx)
	if err != nil {
		return nil, err
	}
	return append(authn.BuiltInStrengths(), custom...), nil
}

// GetStrength returns a built-in or custom strength.
func (s *Service) GetStrength(ctx context.Context, id string) (authn.Strength, error) {
	if err := authz.Require(ctx, readStrength...); err != nil {
		return authn.Strength{}, err
	}
	return s.strength(ctx, s.store, id)
}

func (s *Service) strength(ctx context.Context, r Reader, id string) (authn.Strength, error) {
	if st, ok := authn.BuiltInStrength(strings.ToLower(id)); ok {
		return st, nil
	}
	st, err := r.FindAuthStrengthByID(ctx, id)
	if isNotFound(err) {
		return st, notFound("authentication strength", id)
	}
	return st, err
}

// CreateStrength creates a custom strength; at most
// authn.MaxCustomStrengths may exist.
func (s *Service) CreateStrength(ctx context.Context, st authn.Strength) (authn.Strength, error) {
	if err := authz.Require(ctx, writeStrength...); err != nil {
		return authn.Strength{}, err
	}
	err := s.writeInTx(ctx, func(tx Tx) error {
		var err error
		st, err = CreateStrengthInTx(ctx, tx, st)
		return err
	})
	return st, err
}

func uniqueStrengthName(existing []authn.Strength, st authn.Strength) error {
	for _, e := range append(authn.BuiltInStrengths(), existing...) {
		if e.ID != st.ID && strings.EqualFold(strings.TrimSpace(e.DisplayName), strings.TrimSpace(st.DisplayName)) {
			return apperr.Conflictf("An authentication strength named '%s' already exists; choose another name.", st.DisplayName)
		}
	}
	return nil
}

func graphStrength(st authn.Strength) any { return rawJSON(cagraph.EncodeStrength(st)) }

func strengthTarget(st authn.Strength, props ...audit.ModifiedProperty) audit.Target {
	return audit.Target{ID: st.ID, DisplayName: st.DisplayName, Type: "Policy", ModifiedProperties: props}
}

// UpdateStrength changes a custom strength: change receives the stored
// strength and returns the new one; id, policy type, times and
// requirementsSatisfied are the service's.
func (s *Service) UpdateStrength(ctx context.Context, id string, change func(authn.Strength) (authn.Strength, error)) (authn.Strength, error) {
	return s.updateStrength(ctx, id, ActivityUpdateStrength, change)
}

func (s *Service) updateStrength(ctx context.Context, id string, act audit.Activity, change func(authn.Strength) (authn.Strength, error)) (authn.Strength, error) {
	if err := authz.Require(ctx, writeStrength...); err != nil {
		return authn.Strength{}, err
	}
	if authn.IsBuiltInID(strings.ToLower(id)) {
		return authn.Strength{}, errBuiltIn(strings.ToLower(id))
	}
	var out authn.Strength
	err := s.write(ctx, func(tx Tx) error {
		old, err := tx.FindAuthStrengthByID(ctx, id)
		if isNotFound(err) {
			return notFound("authentication strength", id)
		} else if err != nil {
			return err
		}
		st, err := change(cloneStrength(old))
		if err != nil {
			return err
		}
		st.ID, st.PolicyType, st.CreatedDateTime, st.ModifiedDateTime = old.ID, authn.PolicyTypeCustom, old.CreatedDateTime, tx.Now()
		st.RequirementsSatisfied = authn.RequirementsSatisfiedFor(st.AllowedCombinations)
		for i := range st.CombinationConfigurations {
			if st.CombinationConfigurations[i].ID == "" {
				st.CombinationConfigurations[i].ID = uuid.NewString()
			}
		}
		if err := authn.ValidateCustom(st); err != nil {
			return err
		}
		existing, err := tx.FindAuthStrengths(ctx)
		if err != nil {
			return err
		}
		if err := uniqueStrengthName(existing, st); err != nil {
			return err
		}
		if err := tx.UpdateAuthStrength(ctx, st); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, act, strengthTarget(st, audit.Change("AuthenticationStrengthPolicy", graphStrength(old), graphStrength(st)))))
		out = st
		return nil
	})
	return out, err
}

func cloneStrength(st authn.Strength) authn.Strength {
	st.AllowedCombinations = slices.Clone(st.AllowedCombinations)
	ccs := make([]authn.CombinationConfiguration, len(st.CombinationConfigurations))
	for i, c := range st.CombinationConfigurations {
		c.AppliesToCombinations = slices.Clone(c.AppliesToCombinations)
		c.AllowedAAGUIDs = slices.Clone(c.AllowedAAGUIDs)
		c.AllowedIssuerSkis = slices.Clone(c.AllowedIssuerSkis)
		c.AllowedPolicyOIDs = slices.Clone(c.AllowedPolicyOIDs)
		ccs[i] = c
	}
	st.CombinationConfigurations = ccs
	return st
}

// DeleteStrength deletes a custom strength no policy uses; otherwise it
// answers Conflict naming the policies (AS-ADV).
func (s *Service) DeleteStrength(ctx context.Context, id string) error {
	if err := authz.Require(ctx, writeStrength...); err != nil {
		return err
	}
	if authn.IsBuiltInID(strings.ToLower(id)) {
		return errBuiltIn(strings.ToLower(id))
	}
	return s.write(ctx, func(tx Tx) error {
		old, err := tx.FindAuthStrengthByID(ctx, id)
		if isNotFound(err) {
			return notFound("authentication strength", id)
		} else if err != nil {
			return err
		}
		ps, err := tx.FindCAPolicies(ctx)
		if err != nil {
			return err
		}
		if users := policiesUsing(ps, func(p policy.Policy) bool { return usesStrength(p, old.ID) }); len(users) > 0 {
			return apperr.Conflictf("The authentication strength '%s' is used by the Conditional Access policies %s; remove it from them first.", old.DisplayName, quoteNames(users))
		}
		if err := tx.DeleteAuthStrength(ctx, old.ID); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityDeleteStrength, strengthTarget(old, audit.Change("AuthenticationStrengthPolicy", graphStrength(old), nil))))
		return nil
	})
}

func usesStrength(p policy.Policy, id string) bool {
	return p.GrantControls != nil && p.GrantControls.AuthenticationStrength != nil && strings.EqualFold(p.GrantControls.AuthenticationStrength.ID, id)
}

// StrengthUsage returns the policies that use a strength, split as Graph's
// authenticationStrengthUsage: under mfa when the strength satisfies
// multifactor authentication, else under none.
func (s *Service) StrengthUsage(ctx context.Context, id string) (mfa, none []policy.Policy, err error) {
	if err := authz.Require(ctx, readStrength...); err != nil {
		return nil, nil, err
	}
	st, err := s.strength(ctx, s.store, id)
	if err != nil {
		return nil, nil, err
	}
	ps, err := s.store.FindCAPolicies(ctx)
	if err != nil {
		return nil, nil, err
	}
	var using []policy.Policy
	for _, p := range ps {
		if usesStrength(p, st.ID) {
			using = append(using, p)
		}
	}
	if st.RequirementsSatisfied == authn.RequirementsMFA {
		return using, nil, nil
	}
	return nil, using, nil
}

// AddCombination adds a combination configuration to a custom strength.
func (s *Service) AddCombination(ctx context.Context, strengthID string, c authn.CombinationConfiguration) (authn.CombinationConfiguration, error) {
	var out authn.CombinationConfiguration
	_, err := s.updateStrength(ctx, strengthID, ActivityCreateCombination, func(st authn.Strength) (authn.Strength, error) {
		c.ID = uuid.NewString()
		out = c
		st.CombinationConfigurations = append(st.CombinationConfigurations, c)
		return st, nil
	})
	return out, err
}

// UpdateCombination changes one combination configuration.
func (s *Service) UpdateCombination(ctx context.Context, strengthID, id string, change func(authn.CombinationConfiguration) (authn.CombinationConfiguration, error)) (authn.CombinationConfiguration, error) {
	var out authn.CombinationConfiguration
	_, err := s.updateStrength(ctx, strengthID, ActivityUpdateCombination, func(st authn.Strength) (authn.Strength, error) {
		i := slices.IndexFunc(st.CombinationConfigurations, func(c authn.CombinationConfiguration) bool { return strings.EqualFold(c.ID, id) })
		if i < 0 {
			return st, notFound("combination configuration", id)
		}
		c, err := change(st.CombinationConfigurations[i])
		if err != nil {
			return st, err
		}
		c.ID = st.CombinationConfigurations[i].ID
		st.CombinationConfigurations[i] = c
		out = c
		return st, nil
	})
	return out, err
}

// DeleteCombination removes one combination configuration.
func (s *Service) DeleteCombination(ctx context.Context, strengthID, id string) error {
	_, err := s.updateStrength(ctx, strengthID, ActivityDeleteCombination, func(st authn.Strength) (authn.Strength, error) {
		i := slices.IndexFunc(st.CombinationConfigurations, func(c authn.CombinationConfiguration) bool { return strings.EqualFold(c.ID, id) })
		if i < 0 {
			return st, notFound("combination configuration", id)
		}
		st.CombinationConfigurations = slices.Delete(st.CombinationConfigurations, i, i+1)
		return st, nil
	})
	return err
}
