package directory

import (
	"context"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
)

// CreateGroupInTx creates a security group in the caller's transaction,
// with CreateGroup's permission checks, validation and audit event: for
// an import of Conditional Access objects, which creates the groups its
// policies name in the same transaction as the policies.
func CreateGroupInTx(ctx context.Context, tx Tx, in GroupInput) (Group, error) {
	if err := authz.Require(ctx, authz.GroupReadWriteAll); err != nil {
		return Group{}, err
	}
	if in.IsAssignableToRole {
		if err := requireRoleGroupAdmin(ctx); err != nil {
			return Group{}, err
		}
	}
	if in.SecurityEnabled != nil && !*in.SecurityEnabled {
		return Group{}, apperr.Invalidf("Strongroom supports security groups only: securityEnabled must be true.")
	}
	if in.MailEnabled != nil && *in.MailEnabled {
		return Group{}, apperr.Invalidf("Strongroom supports security groups only: mailEnabled must be false.")
	}
	g := Group{
		ID:                 uuid.NewString(),
		DisplayName:        in.DisplayName,
		Description:        in.Description,
		MailNickname:       in.MailNickname,
		SecurityEnabled:    true,
		IsAssignableToRole: in.IsAssignableToRole,
		CreatedDateTime:    tx.Now(),
	}
	if g.MailNickname == "" {
		g.MailNickname = nicknameFrom(in.DisplayName)
	}
	if err := validateGroup(g); err != nil {
		return Group{}, err
	}
	if err := tx.CreateGroup(ctx, g); err != nil {
		return Group{}, conflictName(err, "displayName", g.DisplayName)
	}
	var p []audit.ModifiedProperty
	p = audit.Diff(p, "DisplayName", nil, g.DisplayName)
	p = audit.Diff(p, "MailNickname", nil, g.MailNickname)
	p = audit.Diff(p, "Description", nil, nilIfEmpty(g.Description))
	p = append(p, audit.Change("IsAssignableToRole", nil, g.IsAssignableToRole))
	tx.Audit(audit.New(ctx, ActivityAddGroup, groupTarget(g, p)))
	return g, nil
}
