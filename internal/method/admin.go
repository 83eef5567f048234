package method

import (
	"context"
	"errors"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
)

// Guard is the directory's rule protecting administrators
// (directory.Service.RequireManageUser).
type Guard interface {
	RequireManageUser(ctx context.Context, r directory.Reader, userID string) error
}

// AdminTarget resolves the user (by id or user principal name) whose
// methods the caller in ctx wants to see (write false) or change (write
// true), and checks that the caller may (entra.md §1.4): applications need
// UserAuthenticationMethod.Read.All or .ReadWrite.All; users need a role
// granting it, and changing an administrator's methods needs Privileged
// Authentication Administrator or Global Administrator (guard's rule).
// Permissions are checked before the user is looked up, so that a caller
// without them learns nothing about who exists.
func AdminTarget(ctx context.Context, guard Guard, r directory.Reader, idOrUPN string, write bool) (directory.User, error) {
	perm := authz.UserAuthenticationMethodReadAll
	if write {
		perm = authz.UserAuthenticationMethodReadWriteAll
	}
	if err := authz.Require(ctx, perm); err != nil {
		return directory.User{}, err
	}
	var (
		u   directory.User
		err error
	)
	if strings.Contains(idOrUPN, "@") {
		u, err = r.FindUserByUPN(ctx, idOrUPN)
	} else {
		u, err = r.FindUserByID(ctx, idOrUPN)
	}
	if errors.Is(err, apperr.NotFound) {
		return directory.User{}, apperr.Wrap(err, apperr.NotFound, "Resource '%s' does not exist or one of its queried reference-property objects are not present.", idOrUPN).WithCode("Request_ResourceNotFound")
	}
	if err != nil {
		return directory.User{}, err
	}
	if write {
		if err := guard.RequireManageUser(ctx, r, u.ID); err != nil {
			return directory.User{}, err
		}
	}
	return u, nil
}

// UserGroupIDs returns the ids of every group userID is in, transitively,
// for InScope.
func UserGroupIDs(ctx context.Context, r directory.Reader, userID string) ([]string, error) {
	gs, err := r.FindMemberOf(ctx, userID, true)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	return ids, nil
}
