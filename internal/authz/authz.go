package authz

import (
	"context"
	"slices"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// Permission is a Microsoft Graph permission name.
type Permission string

// The permissions Strongroom enforces, with Graph's names. A ReadWrite
// permission implies the matching Read permission (see Implied).
const (
	UserReadAll                            Permission = "User.Read.All"
	UserReadWriteAll                       Permission = "User.ReadWrite.All"
	GroupReadAll                           Permission = "Group.Read.All"
	GroupReadWriteAll                      Permission = "Group.ReadWrite.All"
	RoleManagementReadDirectory            Permission = "RoleManagement.Read.Directory"
	RoleManagementReadWriteDirectory       Permission = "RoleManagement.ReadWrite.Directory"
	PolicyReadAll                          Permission = "Policy.Read.All"
	PolicyReadConditionalAccess            Permission = "Policy.Read.ConditionalAccess"
	PolicyReadWriteConditionalAccess       Permission = "Policy.ReadWrite.ConditionalAccess"
	PolicyReadAuthenticationMethod         Permission = "Policy.Read.AuthenticationMethod"
	PolicyReadWriteAuthenticationMethod    Permission = "Policy.ReadWrite.AuthenticationMethod"
	UserAuthenticationMethodReadAll        Permission = "UserAuthenticationMethod.Read.All"
	UserAuthenticationMethodReadWriteAll   Permission = "UserAuthenticationMethod.ReadWrite.All"
	AuditLogReadAll                        Permission = "AuditLog.Read.All"
	ApplicationReadAll                     Permission = "Application.Read.All"
	ApplicationReadWriteAll                Permission = "Application.ReadWrite.All"
	RoleManagementPolicyReadDirectory      Permission = "RoleManagementPolicy.Read.Directory"
	RoleManagementPolicyReadWriteDirectory Permission = "RoleManagementPolicy.ReadWrite.Directory"
)

// All lists every permission, in a stable order. The bootstrap automation
// client holds all of them.
var All = []Permission{
	UserReadAll, UserReadWriteAll,
	GroupReadAll, GroupReadWriteAll,
	RoleManagementReadDirectory, RoleManagementReadWriteDirectory,
	RoleManagementPolicyReadDirectory, RoleManagementPolicyReadWriteDirectory,
	PolicyReadAll, PolicyReadConditionalAccess, PolicyReadWriteConditionalAccess,
	PolicyReadAuthenticationMethod, PolicyReadWriteAuthenticationMethod,
	UserAuthenticationMethodReadAll, UserAuthenticationMethodReadWriteAll,
	AuditLogReadAll,
	ApplicationReadAll, ApplicationReadWriteAll,
}

// Known reports whether p is a permission Strongroom knows.
func Known(p Permission) bool { return slices.Contains(All, p) }

// implied maps a permission to the permissions it grants as well.
var implied = map[Permission][]Permission{
	UserReadWriteAll:                       {UserReadAll},
	GroupReadWriteAll:                      {GroupReadAll},
	RoleManagementReadWriteDirectory:       {RoleManagementReadDirectory},
	RoleManagementPolicyReadWriteDirectory: {RoleManagementPolicyReadDirectory},
	PolicyReadWriteConditionalAccess:       {PolicyReadConditionalAccess},
	PolicyReadWriteAuthenticationMethod:    {PolicyReadAuthenticationMethod},
	PolicyReadAll:                          {PolicyReadConditionalAccess, PolicyReadAuthenticationMethod, RoleManagementPolicyReadDirectory},
	UserAuthenticationMethodReadWriteAll:   {UserAuthenticationMethodReadAll},
	ApplicationReadWriteAll:                {ApplicationReadAll},
}

// Implied returns perms together with everything they imply.
func Implied(perms []Permission) map[Permission]bool {
	set := make(map[Permission]bool, len(perms)*2)
	var add func(Permission)
	add = func(p Permission) {
		if set[p] {
			return
		}
		set[p] = true
		for _, q := range implied[p] {
			add(q)
		}
	}
	for _, p := range perms {
		add(p)
	}
	return set
}

// Kind tells what sort of principal is calling.
type Kind int

// Principal kinds.
const (
	Anonymous Kind = iota
	User
	App
	System // Strongroom itself: background jobs and the CLI on the server
)

// Principal is the authenticated caller of a service.
type Principal struct {
	Kind        Kind
	ID          string   // user id, or the application's appId
	DisplayName string   // for messages and audit
	UPN         string   // users only
	RoleIDs     []string // users: template ids of directory roles active now
	perms       map[Permission]bool
}

// NewApp returns an application principal holding perms.
func NewApp(appID, name string, perms []Permission) Principal {
	return Principal{Kind: App, ID: appID, DisplayName: name, perms: Implied(perms)}
}

// NewUser returns a user principal with the permissions of the given active
// roles; rolePerms maps a role template id to the permissions it grants.
func NewUser(id, upn, name string, roleIDs []string, rolePerms func(roleID string) []Permission) Principal {
	var perms []Permission
	for _, r := range roleIDs {
		perms = append(perms, rolePerms(r)...)
	}
	return Principal{Kind: User, ID: id, UPN: upn, DisplayName: name, RoleIDs: roleIDs, perms: Implied(perms)}
}

// SystemPrincipal is Strongroom acting on its own behalf.
var SystemPrincipal = Principal{Kind: System, ID: "strongroom", DisplayName: "Strongroom"}

// Has reports whether p holds perm.
func (p Principal) Has(perm Permission) bool {
	if p.Kind == System {
		return true
	}
	return p.perms[perm]
}

// HasRole reports whether a user principal holds the role actively.
func (p Principal) HasRole(roleID string) bool { return slices.Contains(p.RoleIDs, roleID) }

// Permissions lists what p holds, sorted.
func (p Principal) Permissions() []Permission {
	out := make([]Permission, 0, len(p.perms))
	for k := range p.perms {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

type principalKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal in ctx; Anonymous when there is none.
func FromContext(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

// Require returns nil when the caller in ctx holds at least one of perms,
// and otherwise an error that names what is missing.
func Require(ctx context.Context, perms ...Permission) error {
	p := FromContext(ctx)
	if p.Kind == Anonymous {
		return apperr.New(apperr.Unauthenticated, "Sign in or present a bearer token to call this.")
	}
	for _, perm := range perms {
		if p.Has(perm) {
			return nil
		}
	}
	names := make([]string, len(perms))
	for i, perm := range perms {
		names[i] = string(perm)
	}
	if p.Kind == User {
		return apperr.Forbiddenf("Insufficient privileges to complete the operation: it needs %s, which none of your active roles grant.", strings.Join(names, " or ")).WithCode("Authorization_RequestDenied")
	}
	return apperr.Forbiddenf("Insufficient privileges to complete the operation: the application needs the %s permission.", strings.Join(names, " or ")).WithCode("Authorization_RequestDenied")
}
