package passkey

import (
	"context"
	"slices"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/method"
)

// UserKeys lists a user's keys for an administrator
// (GET /users/{id}/authentication/fido2Methods).
func (s *Service) UserKeys(ctx context.Context, idOrUPN string) ([]Credential, error) {
	u, err := method.AdminTarget(ctx, s.d.Directory, s.d.Store, idOrUPN, false)
	if err != nil {
		return nil, err
	}
	return s.d.Store.FindPasskeys(ctx, Filter{UserID: u.ID})
}

// UserKey returns one of a user's keys for an administrator.
func (s *Service) UserKey(ctx context.Context, idOrUPN, id string) (Credential, error) {
	u, err := method.AdminTarget(ctx, s.d.Directory, s.d.Store, idOrUPN, false)
	if err != nil {
		return Credential{}, err
	}
	return ownKey(ctx, s.d.Store, u.ID, id)
}

// DeleteUserKey removes a user's key for an administrator. Unlike the
// user's own deletion, it does not warn about the last method: Graph does
// not, and an administrator can issue a Temporary Access Pass.
func (s *Service) DeleteUserKey(ctx context.Context, idOrUPN, id string) error {
	return s.d.Store.InTx(ctx, func(tx Tx) error {
		u, err := method.AdminTarget(ctx, s.d.Directory, tx, idOrUPN, true)
		if err != nil {
			return err
		}
		c, err := ownKey(ctx, tx, u.ID, id)
		if err != nil {
			return err
		}
		if err := tx.DeletePasskey(ctx, c.ID); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityAdminDeleted, keyTarget(u, c, &c, nil)))
		return nil
	})
}

// KeyRestrictionsPatch changes the key restrictions' fields that are set.
type KeyRestrictionsPatch struct {
	IsEnforced      *bool
	EnforcementType *string
	AAGUIDs         *[]string
}

// PolicyPatch changes the FIDO2 configuration's fields that are set; the
// others keep their value (PATCH merges, including inside
// keyRestrictions).
type PolicyPatch struct {
	State                            *string
	IsSelfServiceRegistrationAllowed *bool
	IsAttestationEnforced            *bool
	KeyRestrictions                  *KeyRestrictionsPatch
	IncludeTargets                   *[]method.Target
	ExcludeTargets                   *[]method.Target
}

// Apply returns c with p's changes, normalized: target types default to
// group, AAGUIDs are lowercase and listed once.
func (p PolicyPatch) Apply(c method.Fido2) method.Fido2 {
	if p.State != nil {
		c.State = *p.State
	}
	if p.IsSelfServiceRegistrationAllowed != nil {
		c.IsSelfServiceRegistrationAllowed = *p.IsSelfServiceRegistrationAllowed
	}
	if p.IsAttestationEnforced != nil {
		c.IsAttestationEnforced = *p.IsAttestationEnforced
	}
	if k := p.KeyRestrictions; k != nil {
		if k.IsEnforced != nil {
			c.KeyRestrictions.IsEnforced = *k.IsEnforced
		}
		if k.EnforcementType != nil {
			c.KeyRestrictions.EnforcementType = *k.EnforcementType
		}
		if k.AAGUIDs != nil {
			c.KeyRestrictions.AAGUIDs = slices.Clone(*k.AAGUIDs)
		}
	}
	if p.IncludeTargets != nil {
		c.IncludeTargets = slices.Clone(*p.IncludeTargets)
	}
	if p.ExcludeTargets != nil {
		c.ExcludeTargets = slices.Clone(*p.ExcludeTargets)
	}
	return normalizePolicy(c)
}

func normalizePolicy(c method.Fido2) method.Fido2 {
	var ids []string
	for _, a := range c.KeyRestrictions.AAGUIDs {
		a = NormalizeAAGUID(a)
		if !slices.Contains(ids, a) {
			ids = append(ids, a)
		}
	}
	if ids == nil {
		ids = []string{}
	}
	c.KeyRestrictions.AAGUIDs = ids
	for _, ts := range []*[]method.Target{&c.IncludeTargets, &c.ExcludeTargets} {
		if *ts == nil {
			*ts = []method.Target{}
		}
		for i := range *ts {
			if (*ts)[i].TargetType == "" {
				(*ts)[i].TargetType = "group"
			}
		}
	}
	return c
}

// CheckRestrictions refuses an enforced allow list with no AAGUID, which
// would block every key, the administrator's included. (The rest is
// method.Fido2.Validate.)
func CheckRestrictions(c method.Fido2) error {
	if c.KeyRestrictions.IsEnforced && c.KeyRestrictions.EnforcementType == "allow" && len(c.KeyRestrictions.AAGUIDs) == 0 {
		return apperr.Invalidf("keyRestrictions: an enforced allow list needs at least one AAGUID; with none, every security key and passkey would be blocked.")
	}
	return nil
}
