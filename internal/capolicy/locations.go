package capolicy

import (
	"context"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/cagraph"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// ListNamedLocations returns every named location, oldest first.
func (s *Service) ListNamedLocations(ctx context.Context) ([]policy.NamedLocation, error) {
	if err := authz.Require(ctx, readCA...); err != nil {
		return nil, err
	}
	return s.store.FindNamedLocations(ctx)
}

// GetNamedLocation returns one named location.
func (s *Service) GetNamedLocation(ctx context.Context, id string) (policy.NamedLocation, error) {
	if err := authz.Require(ctx, readCA...); err != nil {
		return policy.NamedLocation{}, err
	}
	l, err := s.store.FindNamedLocationByID(ctx, id)
	if isNotFound(err) {
		return l, notFound("named location", id)
	}
	return l, err
}

func graphLocation(l policy.NamedLocation) any { return rawJSON(cagraph.EncodeNamedLocation(l)) }

func locationTarget(l policy.NamedLocation, props ...audit.ModifiedProperty) audit.Target {
	return audit.Target{ID: l.ID, DisplayName: l.DisplayName, Type: "Policy", ModifiedProperties: props}
}

// CreateNamedLocation creates an IP or country named location (G-IPNL,
// G-CNL); at most policy.MaxNamedLocations may exist (CA-NET).
func (s *Service) CreateNamedLocation(ctx context.Context, l policy.NamedLocation) (policy.NamedLocation, error) {
	if err := authz.Require(ctx, writeCA...); err != nil {
		return policy.NamedLocation{}, err
	}
	err := s.writeInTx(ctx, func(tx Tx) error {
		var err error
		l, err = CreateNamedLocationInTx(ctx, tx, l)
		return err
	})
	return l, err
}

// UpdateNamedLocation changes a named location; its kind cannot change
// (Graph requires the same @odata.type).
func (s *Service) UpdateNamedLocation(ctx context.Context, id string, change func(policy.NamedLocation) (policy.NamedLocation, error)) (policy.NamedLocation, error) {
	if err := authz.Require(ctx, writeCA...); err != nil {
		return policy.NamedLocation{}, err
	}
	var out policy.NamedLocation
	err := s.write(ctx, func(tx Tx) error {
		old, err := tx.FindNamedLocationByID(ctx, id)
		if isNotFound(err) {
			return notFound("named location", id)
		} else if err != nil {
			return err
		}
		l, err := change(old)
		if err != nil {
			return err
		}
		if !strings.EqualFold(l.ODataType, old.ODataType) {
			return apperr.Invalidf("@odata.type: a named location keeps its kind; this one is %s. Create a new location instead.", old.ODataType)
		}
		l.ID, l.ODataType, l.CreatedDateTime, l.ModifiedDateTime = old.ID, old.ODataType, old.CreatedDateTime, tx.Now()
		if err := policy.ValidateNamedLocation(l); err != nil {
			return err
		}
		if err := tx.UpdateNamedLocation(ctx, l); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityUpdateNamedLocation, locationTarget(l, audit.Change("NamedLocation", graphLocation(old), graphLocation(l)))))
		out = l
		return nil
	})
	return out, err
}

// DeleteNamedLocation deletes a named location that is neither trusted
// (CA-NET: untrust it first) nor used by a policy.
func (s *Service) DeleteNamedLocation(ctx context.Context, id string) error {
	if err := authz.Require(ctx, writeCA...); err != nil {
		return err
	}
	return s.write(ctx, func(tx Tx) error {
		old, err := tx.FindNamedLocationByID(ctx, id)
		if isNotFound(err) {
			return notFound("named location", id)
		} else if err != nil {
			return err
		}
		if old.IsTrusted {
			return apperr.Conflictf("The named location '%s' is trusted; mark it as not trusted (isTrusted false) before deleting it.", old.DisplayName)
		}
		ps, err := tx.FindCAPolicies(ctx)
		if err != nil {
			return err
		}
		if users := policiesUsing(ps, func(p policy.Policy) bool { return usesLocation(p, old.ID) }); len(users) > 0 {
			return apperr.Conflictf("The named location '%s' is used by the Conditional Access policies %s; remove it from them first.", old.DisplayName, quoteNames(users))
		}
		if err := tx.DeleteNamedLocation(ctx, old.ID); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityDeleteNamedLocation, locationTarget(old, audit.Change("NamedLocation", graphLocation(old), nil))))
		return nil
	})
}

func usesLocation(p policy.Policy, id string) bool {
	l := p.Conditions.Locations
	return l != nil && (containsFold(l.IncludeLocations, id) || containsFold(l.ExcludeLocations, id))
}

// ListContexts returns the authentication contexts in id order (c1, c2, …).
func (s *Service) ListContexts(ctx context.Context) ([]policy.AuthenticationContext, error) {
	if err := authz.Require(ctx, readCA...); err != nil {
		return nil, err
	}
	return s.store.FindAuthContexts(ctx)
}

// GetContext returns one authentication context.
func (s *Service) GetContext(ctx context.Context, id string) (policy.AuthenticationContext, error) {
	if err := authz.Require(ctx, readCA...); err != nil {
		return policy.AuthenticationContext{}, err
	}
	c, err := s.store.FindAuthContextByID(ctx, id)
	if isNotFound(err) {
		return c, notFound("authentication context", id)
	}
	return c, err
}

// SaveContext creates or updates the authentication context id (Graph's
// PATCH by id, G-ACR): change receives the stored context (the zero one,
// with exists false, when there is none) and returns the new one. It
// reports whether it created the context.
func (s *Service) SaveContext(ctx context.Context, id string, change func(c policy.AuthenticationContext, exists bool) (policy.AuthenticationContext, error)) (policy.AuthenticationContext, bool, error) {
	if err := authz.Require(ctx, writeCA...); err != nil {
		return policy.AuthenticationContext{}, false, err
	}
	if !policy.IsAuthContextID(id) {
		return policy.AuthenticationContext{}, false, apperr.Invalidf("id: '%s' is not an authentication context id; use c1 to c99.", id)
	}
	var out policy.AuthenticationContext
	var created bool
	err := s.write(ctx, func(tx Tx) error {
		old, err := tx.FindAuthContextByID(ctx, id)
		exists := err == nil
		if err != nil && !isNotFound(err) {
			return err
		}
		if !exists {
			old = policy.AuthenticationContext{ID: id}
		}
		c, err := change(old, exists)
		if err != nil {
			return err
		}
		c.ID = id
		if err := policy.ValidateAuthenticationContext(c); err != nil {
			return err
		}
		if err := tx.SaveAuthContext(ctx, c); err != nil {
			return err
		}
		act, before := ActivityAddContext, any(nil)
		if exists {
			act, before = ActivityUpdateContext, rawJSON(cagraph.EncodeContext(old))
		}
		tx.Audit(audit.New(ctx, act, audit.Target{ID: c.ID, DisplayName: c.DisplayName, Type: "Policy",
			ModifiedProperties: []audit.ModifiedProperty{audit.Change("AuthenticationContextClassReference", before, rawJSON(cagraph.EncodeContext(c)))}}))
		out, created = c, !exists
		return nil
	})
	return out, created, err
}

// DeleteContext deletes an authentication context that is neither
// published to applications nor used by a policy (G-ACR).
func (s *Service) DeleteContext(ctx context.Context, id string) error {
	if err := authz.Require(ctx, writeCA...); err != nil {
		return err
	}
	return s.write(ctx, func(tx Tx) error {
		old, err := tx.FindAuthContextByID(ctx, id)
		if isNotFound(err) {
			return notFound("authentication context", id)
		} else if err != nil {
			return err
		}
		var why []string
		if old.IsAvailable {
			why = append(why, "it is published to applications (set isAvailable to false first)")
		}
		ps, err := tx.FindCAPolicies(ctx)
		if err != nil {
			return err
		}
		if users := policiesUsing(ps, func(p policy.Policy) bool { return targetsContext(p, old.ID) }); len(users) > 0 {
			why = append(why, "the Conditional Access policies "+quoteNames(users)+" use it")
		}
		if len(why) > 0 {
			return apperr.Conflictf("The authentication context %s ('%s') cannot be deleted: %s.", old.ID, old.DisplayName, strings.Join(why, "; and "))
		}
		if err := tx.DeleteAuthContext(ctx, old.ID); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityDeleteContext, audit.Target{ID: old.ID, DisplayName: old.DisplayName, Type: "Policy",
			ModifiedProperties: []audit.ModifiedProperty{audit.Change("AuthenticationContextClassReference", rawJSON(cagraph.EncodeContext(old)), nil)}}))
		return nil
	})
}

func targetsContext(p policy.Policy, id string) bool {
	a := p.Conditions.Applications
	return a != nil && containsFold(a.IncludeAuthenticationContextClassReferences, id)
}
