package method

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
)

// Audited activities, named as in Entra's audit log (AUDIT).
var (
	ActivityPolicyUpdate = audit.Activity{Category: "Policy", Name: "Authentication Methods Policy Update", Operation: "Update", Service: "Authentication Methods"}
	ActivityPolicyReset  = audit.Activity{Category: "Policy", Name: "Authentication Methods Policy Reset", Operation: "Update", Service: "Authentication Methods"}
)

// Tx is what changing the policy needs inside a transaction.
type Tx interface {
	FindGroupByID(ctx context.Context, id string) (directory.Group, error)
	FindMethodPolicy(ctx context.Context) (Policy, error)
	SaveMethodConfiguration(ctx context.Context, id string, cfg any) error
	DeleteMethodConfiguration(ctx context.Context, id string) error
	Audit(e audit.Event)
}

// Store reads the policy and runs transactions.
type Store interface {
	FindMethodPolicy(ctx context.Context) (Policy, error)
	InTx(ctx context.Context, fn func(Tx) error) error
}

// Service reads and changes the authentication methods policy, one
// method configuration at a time, validated and audited.
type Service struct {
	store Store
}

// NewService returns the policy service.
func NewService(s Store) *Service { return &Service{store: s} }

// IDs lists the configuration ids Strongroom implements, in Graph's order.
func IDs() []string { return []string{Fido2ID, SoftwareOathID, TemporaryAccessPassID} }

// errUnknownConfiguration names what exists.
func errUnknownConfiguration(id string) error {
	return apperr.NotFoundf("There is no authentication method configuration %q; Strongroom has Fido2, SoftwareOath and TemporaryAccessPass.", id).WithCode("Request_ResourceNotFound")
}

// validator is a method configuration.
type validator interface {
	Validate(groupExists func(string) bool) error
}

// configuration returns a pointer to the configuration id in p.
func (p *Policy) configuration(id string) (validator, bool) {
	switch id {
	case TemporaryAccessPassID:
		return &p.TAP, true
	case Fido2ID:
		return &p.Fido2, true
	case SoftwareOathID:
		return &p.SoftwareOath, true
	}
	return nil, false
}

// Policy returns the whole policy.
func (s *Service) Policy(ctx context.Context) (Policy, error) {
	if err := authz.Require(ctx, authz.PolicyReadAuthenticationMethod, authz.PolicyReadAll); err != nil {
		return Policy{}, err
	}
	return s.store.FindMethodPolicy(ctx)
}

// Configuration returns the policy after checking that id names a
// configuration.
func (s *Service) Configuration(ctx context.Context, id string) (Policy, error) {
	p, err := s.Policy(ctx)
	if err != nil {
		return Policy{}, err
	}
	if _, ok := p.configuration(id); !ok {
		return Policy{}, errUnknownConfiguration(id)
	}
	return p, nil
}

// Update changes configuration id: change edits the stored policy (inside
// the transaction, so concurrent updates of different fields both land),
// then the configuration is validated, saved and audited with each
// property that changed. It returns the new policy.
func (s *Service) Update(ctx context.Context, id string, change func(*Policy) error) (Policy, error) {
	if err := authz.Require(ctx, authz.PolicyReadWriteAuthenticationMethod); err != nil {
		return Policy{}, err
	}
	var out Policy
	err := s.store.InTx(ctx, func(tx Tx) error {
		p, err := tx.FindMethodPolicy(ctx)
		if err != nil {
			return err
		}
		old := p.clone()
		if _, ok := p.configuration(id); !ok {
			return errUnknownConfiguration(id)
		}
		if err := change(&p); err != nil {
			return err
		}
		cfg, _ := p.configuration(id)
		var lookupErr error
		exists := func(gid string) bool {
			_, err := tx.FindGroupByID(ctx, gid)
			if err != nil && !errors.Is(err, apperr.NotFound) {
				lookupErr = err
			}
			return err == nil
		}
		if err := cfg.Validate(exists); err != nil {
			if lookupErr != nil {
				return lookupErr
			}
			return err
		}
		if lookupErr != nil {
			return lookupErr
		}
		oldCfg, _ := old.configuration(id)
		props := diff(oldCfg, cfg)
		out = p
		if len(props) == 0 {
			return nil
		}
		if err := tx.SaveMethodConfiguration(ctx, id, cfg); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityPolicyUpdate, audit.Target{ID: id, DisplayName: id, Type: "Policy", ModifiedProperties: props}))
		return nil
	})
	return out, err
}

// Reset reverts configuration id to its default, audited.
func (s *Service) Reset(ctx context.Context, id string) (Policy, error) {
	if err := authz.Require(ctx, authz.PolicyReadWriteAuthenticationMethod); err != nil {
		return Policy{}, err
	}
	var out Policy
	err := s.store.InTx(ctx, func(tx Tx) error {
		p, err := tx.FindMethodPolicy(ctx)
		if err != nil {
			return err
		}
		oldCfg, ok := p.configuration(id)
		if !ok {
			return errUnknownConfiguration(id)
		}
		props := diff(oldCfg, func() validator { d := Default(); c, _ := d.configuration(id); return c }())
		if err := tx.DeleteMethodConfiguration(ctx, id); err != nil {
			return err
		}
		out, err = tx.FindMethodPolicy(ctx)
		if err != nil {
			return err
		}
		if props == nil {
			props = []audit.ModifiedProperty{}
		}
		tx.Audit(audit.New(ctx, ActivityPolicyReset, audit.Target{ID: id, DisplayName: id, Type: "Policy", ModifiedProperties: props}))
		return nil
	})
	return out, err
}

// clone deep-copies p's slices, so that change cannot alter old.
func (p Policy) clone() Policy {
	c := p
	c.TAP.IncludeTargets, c.TAP.ExcludeTargets = slices.Clone(p.TAP.IncludeTargets), slices.Clone(p.TAP.ExcludeTargets)
	c.Fido2.IncludeTargets, c.Fido2.ExcludeTargets = slices.Clone(p.Fido2.IncludeTargets), slices.Clone(p.Fido2.ExcludeTargets)
	c.Fido2.KeyRestrictions.AAGUIDs = slices.Clone(p.Fido2.KeyRestrictions.AAGUIDs)
	c.SoftwareOath.IncludeTargets, c.SoftwareOath.ExcludeTargets = slices.Clone(p.SoftwareOath.IncludeTargets), slices.Clone(p.SoftwareOath.ExcludeTargets)
	return c
}

// diff lists the top-level JSON properties that differ between two
// configurations, with their old and new values.
func diff(old, new any) []audit.ModifiedProperty {
	o, n := fields(old), fields(new)
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []audit.ModifiedProperty
	for _, k := range keys {
		if string(o[k]) != string(n[k]) {
			out = append(out, audit.Change(k, o[k], n[k]))
		}
	}
	return out
}

func fields(v any) map[string]json.RawMessage {
	b, _ := json.Marshal(v)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	return m
}
