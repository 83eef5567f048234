package capolicy

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/cagraph"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// The …InTx functions create Conditional Access objects in the caller's
// transaction, with the same rules, limits and audit events as the
// service's methods, for an import that writes many objects in one
// transaction (package caport). Like CreatePolicyInTx they bump the
// version; the caller tells the service with Changed once it commits.
// They check no permission: the caller does.

// CreateNamedLocationInTx validates l and creates it with a new id; at
// most policy.MaxNamedLocations may exist.
func CreateNamedLocationInTx(ctx context.Context, tx Tx, l policy.NamedLocation) (policy.NamedLocation, error) {
	existing, err := tx.FindNamedLocations(ctx)
	if err != nil {
		return l, err
	}
	if len(existing) >= policy.MaxNamedLocations {
		return l, apperr.Invalidf("A tenant can have at most %d named locations; delete one first.", policy.MaxNamedLocations)
	}
	now := tx.Now()
	l.ID, l.CreatedDateTime, l.ModifiedDateTime = uuid.NewString(), now, now
	if err := policy.ValidateNamedLocation(l); err != nil {
		return l, err
	}
	if _, err := tx.BumpCAVersion(ctx); err != nil {
		return l, err
	}
	if err := tx.CreateNamedLocation(ctx, l); err != nil {
		return l, err
	}
	tx.Audit(audit.New(ctx, ActivityAddNamedLocation, locationTarget(l, audit.Change("NamedLocation", nil, graphLocation(l)))))
	return l, nil
}

// CreateStrengthInTx validates a custom strength and creates it with new
// ids (its own and its combination configurations'); at most
// authn.MaxCustomStrengths may exist, with names unique among them and the
// built-ins.
func CreateStrengthInTx(ctx context.Context, tx Tx, st authn.Strength) (authn.Strength, error) {
	if authn.IsBuiltInID(strings.ToLower(st.ID)) {
		return st, errBuiltIn(strings.ToLower(st.ID))
	}
	existing, err := tx.FindAuthStrengths(ctx)
	if err != nil {
		return st, err
	}
	if len(existing) >= authn.MaxCustomStrengths {
		return st, apperr.Invalidf("A tenant can have at most %d custom authentication strengths; delete one first.", authn.MaxCustomStrengths)
	}
	now := tx.Now()
	st.ID = uuid.NewString()
	st.PolicyType = authn.PolicyTypeCustom
	st.CreatedDateTime, st.ModifiedDateTime = now, now
	st.RequirementsSatisfied = authn.RequirementsSatisfiedFor(st.AllowedCombinations)
	st = cloneStrength(st)
	for i := range st.CombinationConfigurations {
		st.CombinationConfigurations[i].ID = uuid.NewString()
	}
	if err := authn.ValidateCustom(st); err != nil {
		return st, err
	}
	if err := uniqueStrengthName(existing, st); err != nil {
		return st, err
	}
	if _, err := tx.BumpCAVersion(ctx); err != nil {
		return st, err
	}
	if err := tx.CreateAuthStrength(ctx, st); err != nil {
		return st, err
	}
	tx.Audit(audit.New(ctx, ActivityCreateStrength, strengthTarget(st, audit.Change("AuthenticationStrengthPolicy", nil, graphStrength(st)))))
	return st, nil
}

// CreateContextInTx creates the authentication context c.ID, which must
// not exist yet (an import never changes an existing context).
func CreateContextInTx(ctx context.Context, tx Tx, c policy.AuthenticationContext) (policy.AuthenticationContext, error) {
	if err := policy.ValidateAuthenticationContext(c); err != nil {
		return c, err
	}
	if _, err := tx.FindAuthContextByID(ctx, c.ID); err == nil {
		return c, apperr.Conflictf("The authentication context %s already exists.", c.ID)
	} else if !isNotFound(err) {
		return c, err
	}
	if _, err := tx.BumpCAVersion(ctx); err != nil {
		return c, err
	}
	if err := tx.SaveAuthContext(ctx, c); err != nil {
		return c, err
	}
	tx.Audit(audit.New(ctx, ActivityAddContext, audit.Target{ID: c.ID, DisplayName: c.DisplayName, Type: "Policy",
		ModifiedProperties: []audit.ModifiedProperty{audit.Change("AuthenticationContextClassReference", nil, rawJSON(cagraph.EncodeContext(c)))}}))
	return c, nil
}
