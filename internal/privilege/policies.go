package privilege

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/pim"
)

// policyNamespace derives policy ids: the same tenant and role always give
// the same id, on every node, without storing it.
var policyNamespace = uuid.MustParse("6f1c3b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c")

// PolicyID is a role's policy id, DirectoryRole_{tenantId}_{guid}, as in
// Entra (G-RMP-RULES).
func PolicyID(tenantID, roleID string) string {
	return "DirectoryRole_" + tenantID + "_" + uuid.NewSHA1(policyNamespace, []byte(tenantID+"/"+roleID)).String()
}

func requireReadPolicies(ctx context.Context) error {
	return authz.Require(ctx, authz.RoleManagementPolicyReadDirectory, authz.RoleManagementReadDirectory)
}

// Policies returns every directory role's policy, in catalogue order.
func (s *Service) Policies(ctx context.Context) ([]Policy, error) {
	if err := requireReadPolicies(ctx); err != nil {
		return nil, err
	}
	return s.policies(ctx, s.d.Store)
}

func (s *Service) policies(ctx context.Context, r Reader) ([]Policy, error) {
	tenant, err := r.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	stored, err := r.FindPolicies(ctx)
	if err != nil {
		return nil, err
	}
	var out []Policy
	for _, rd := range directory.Roles() {
		p := Policy{ID: PolicyID(tenant, rd.ID), RoleDefinitionID: rd.ID, RoleName: rd.DisplayName, Settings: pim.Defaults()}
		p.AssignmentID = p.ID + "_" + rd.ID
		if i := slices.IndexFunc(stored, func(sp StoredPolicy) bool { return sp.RoleDefinitionID == rd.ID }); i >= 0 {
			sp := stored[i]
			p.Settings = pim.Merge(sp.Rules)
			at, by := sp.ModifiedAt, sp.ModifiedBy
			p.LastModifiedAt, p.LastModifiedBy = &at, &by
		}
		out = append(out, p)
	}
	return out, nil
}

// Policy returns one policy by id (or by role definition id).
func (s *Service) Policy(ctx context.Context, id string) (Policy, error) {
	if err := requireReadPolicies(ctx); err != nil {
		return Policy{}, err
	}
	return s.policy(ctx, s.d.Store, id)
}

func (s *Service) policy(ctx context.Context, r Reader, id string) (Policy, error) {
	ps, err := s.policies(ctx, r)
	if err != nil {
		return Policy{}, err
	}
	for _, p := range ps {
		if strings.EqualFold(p.ID, id) || p.RoleDefinitionID == id || strings.EqualFold(p.AssignmentID, id) {
			return p, nil
		}
	}
	return Policy{}, notFound(id)
}

// UpdateRules replaces rules of a role's policy (policy id or role id),
// all or nothing: each rule is validated, approvers must exist, and the
// change is audited as "Update role setting in PIM" with the old and new
// rule. It needs an active Privileged Role Administrator or Global
// Administrator (or an application with RoleManagementPolicy.ReadWrite.Directory).
func (s *Service) UpdateRules(ctx context.Context, id string, rules []pim.Rule) (Policy, error) {
	if err := authz.Require(ctx, authz.RoleManagementPolicyReadWriteDirectory); err != nil {
		return Policy{}, err
	}
	var out Policy
	err := s.d.Store.InTx(ctx, func(tx Tx) error {
		p, err := s.policy(ctx, tx, id)
		if err != nil {
			return err
		}
		settings := p.Settings
		var props []audit.ModifiedProperty
		for _, r := range rules {
			old, _ := settings.Rule(r.ID)
			if r.ID.Known() && r.Target.Caller == "" && r.Target.Level == "" {
				r.Target = old.Target
			}
			if settings, err = settings.With(r); err != nil {
				return err
			}
			if r.Approval != nil {
				if err := checkApprovers(ctx, tx, r.ID, *r.Approval); err != nil {
					return err
				}
			}
			ob, _ := json.Marshal(ruleJSON(old))
			nb, _ := json.Marshal(ruleJSON(r))
			if string(ob) != string(nb) {
				props = append(props, audit.ModifiedProperty{DisplayName: string(r.ID), OldValue: string(ob), NewValue: string(nb)})
			}
		}
		out = p
		out.Settings = settings
		if len(props) == 0 {
			return nil
		}
		now := tx.Now()
		by := identityOf(ctx)
		if err := tx.SavePolicy(ctx, StoredPolicy{RoleDefinitionID: p.RoleDefinitionID, Rules: settings.Rules, ModifiedAt: now, ModifiedBy: by}); err != nil {
			return err
		}
		out.LastModifiedAt, out.LastModifiedBy = &now, &by
		t := roleTarget(p.RoleDefinitionID)
		t.ModifiedProperties = props
		tx.Audit(audit.New(ctx, pim.ActivitySettingUpdated, t, audit.Target{ID: p.ID, DisplayName: p.RoleName, Type: "Policy", ModifiedProperties: []audit.ModifiedProperty{}}))
		return nil
	})
	return out, err
}

// ruleJSON is a rule's payload for the audit log.
func ruleJSON(r pim.Rule) any {
	switch {
	case r.Expiration != nil:
		return map[string]any{"isExpirationRequired": r.Expiration.IsExpirationRequired, "maximumDuration": pim.FormatDuration(r.Expiration.MaximumDuration)}
	case r.Enablement != nil:
		return r.Enablement
	case r.AuthenticationContext != nil:
		return r.AuthenticationContext
	case r.Approval != nil:
		return r.Approval
	case r.Notification != nil:
		return r.Notification
	}
	return nil
}

// checkApprovers refuses approvers that are not users or groups here.
func checkApprovers(ctx context.Context, r directory.Reader, id pim.RuleID, a pim.ApprovalSettings) error {
	for _, st := range a.ApprovalStages {
		for _, sub := range st.PrimaryApprovers {
			switch sub.Type {
			case pim.SubjectUser:
				if _, err := r.FindUserByID(ctx, sub.ID); err != nil {
					return apperr.Invalidf("Rule %s: approver %s is not a user in this directory.", id, sub.ID).WithCode("InvalidPolicyRule")
				}
			case pim.SubjectGroup:
				if _, err := r.FindGroupByID(ctx, sub.ID); err != nil {
					return apperr.Invalidf("Rule %s: approver group %s is not a group in this directory.", id, sub.ID).WithCode("InvalidPolicyRule")
				}
			}
		}
	}
	return nil
}
