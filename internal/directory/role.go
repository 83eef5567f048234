package directory

import (
	"slices"

	"github.com/strongroom-id/strongroom/internal/authz"
)

// Built-in role template ids, as in Microsoft Entra ID.
const (
	GlobalAdministrator                   = "62e90394-69f5-4237-9190-012177145e10"
	PrivilegedRoleAdministrator           = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	SecurityAdministrator                 = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	ConditionalAccessAdministrator        = "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9"
	AuthenticationAdministrator           = "c4e39bd9-1100-46d3-8c65-fb160da0071f"
	PrivilegedAuthenticationAdministrator = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"
	AuthenticationPolicyAdministrator     = "0526716b-113d-4c15-b2c8-68e3c22b9f80"
	UserAdministrator                     = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	HelpdeskAdministrator                 = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
	SecurityReader                        = "5d6b6bb7-de71-4623-b4af-96380a352509"
	GlobalReader                          = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
	ApplicationAdministrator              = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
)

// RoleDefinition is a built-in directory role and what it lets a holder do
// in Strongroom.
type RoleDefinition struct {
	ID           string // the template id; Strongroom has built-in roles only
	DisplayName  string
	Description  string
	IsPrivileged bool
	Permissions  []authz.Permission
}

var readAll = []authz.Permission{
	authz.UserReadAll, authz.GroupReadAll, authz.RoleManagementReadDirectory,
	authz.PolicyReadAll, authz.UserAuthenticationMethodReadAll, authz.AuditLogReadAll,
	authz.ApplicationReadAll,
}

// roles is the catalogue. Permissions follow Entra's role descriptions for
// the parts Strongroom implements.
var roles = []RoleDefinition{
	{ID: GlobalAdministrator, DisplayName: "Global Administrator", IsPrivileged: true,
		Description: "Can manage all aspects of Strongroom.", Permissions: authz.All},
	{ID: PrivilegedRoleAdministrator, DisplayName: "Privileged Role Administrator", IsPrivileged: true,
		Description: "Can manage role assignments and all aspects of Privileged Identity Management.",
		Permissions: append([]authz.Permission{authz.RoleManagementReadWriteDirectory, authz.RoleManagementPolicyReadWriteDirectory, authz.GroupReadWriteAll}, readAll...)},
	{ID: SecurityAdministrator, DisplayName: "Security Administrator", IsPrivileged: true,
		Description: "Can read security information and reports, and manage Conditional Access and authentication method policies.",
		Permissions: append([]authz.Permission{authz.PolicyReadWriteConditionalAccess, authz.PolicyReadWriteAuthenticationMethod}, readAll...)},
	{ID: ConditionalAccessAdministrator, DisplayName: "Conditional Access Administrator", IsPrivileged: true,
		Description: "Can manage Conditional Access capabilities.",
		Permissions: []authz.Permission{authz.PolicyReadWriteConditionalAccess, authz.PolicyReadAll, authz.UserReadAll, authz.GroupReadAll, authz.ApplicationReadAll, authz.RoleManagementReadDirectory}},
	{ID: AuthenticationAdministrator, DisplayName: "Authentication Administrator", IsPrivileged: true,
		Description: "Can view, set and reset authentication method information for any non-admin user.",
		Permissions: []authz.Permission{authz.UserAuthenticationMethodReadWriteAll, authz.UserReadAll, authz.GroupReadAll, authz.AuditLogReadAll}},
	{ID: PrivilegedAuthenticationAdministrator, DisplayName: "Privileged Authentication Administrator", IsPrivileged: true,
		Description: "Can view, set and reset authentication method information for any user (admin or non-admin).",
		Permissions: []authz.Permission{authz.UserAuthenticationMethodReadWriteAll, authz.UserReadAll, authz.GroupReadAll, authz.AuditLogReadAll}},
	{ID: AuthenticationPolicyAdministrator, DisplayName: "Authentication Policy Administrator", IsPrivileged: false,
		Description: "Can create and manage the authentication methods policy and authentication strengths.",
		Permissions: []authz.Permission{authz.PolicyReadWriteAuthenticationMethod, authz.PolicyReadAll, authz.UserReadAll, authz.GroupReadAll}},
	{ID: UserAdministrator, DisplayName: "User Administrator", IsPrivileged: true,
		Description: "Can manage all aspects of users and groups, except users who hold privileged roles and role-assignable groups.",
		Permissions: []authz.Permission{authz.UserReadWriteAll, authz.GroupReadWriteAll, authz.RoleManagementReadDirectory, authz.ApplicationReadAll}},
	{ID: HelpdeskAdministrator, DisplayName: "Helpdesk Administrator", IsPrivileged: true,
		Description: "Can read users and groups and help non-administrators with their sign-in.",
		Permissions: []authz.Permission{authz.UserReadAll, authz.GroupReadAll, authz.UserAuthenticationMethodReadAll}},
	{ID: SecurityReader, DisplayName: "Security Reader", IsPrivileged: true,
		Description: "Can read security information, policies and reports.",
		Permissions: readAll},
	{ID: GlobalReader, DisplayName: "Global Reader", IsPrivileged: true,
		Description: "Can read everything that a Global Administrator can, but not update anything.",
		Permissions: readAll},
	{ID: ApplicationAdministrator, DisplayName: "Application Administrator", IsPrivileged: true,
		Description: "Can create and manage all aspects of app registrations.",
		Permissions: []authz.Permission{authz.ApplicationReadWriteAll, authz.UserReadAll, authz.GroupReadAll}},
}

// Roles returns the built-in role catalogue, in a stable order.
func Roles() []RoleDefinition { return slices.Clone(roles) }

// Role returns the role with template id id.
func Role(id string) (RoleDefinition, bool) {
	for _, r := range roles {
		if r.ID == id {
			return r, true
		}
	}
	return RoleDefinition{}, false
}

// RolePermissions returns what role id grants; nothing for an unknown id.
func RolePermissions(id string) []authz.Permission {
	r, _ := Role(id)
	return r.Permissions
}

// IsPrivilegedRole reports whether holding role id makes a user an admin
// that only privileged administrators may manage.
func IsPrivilegedRole(id string) bool {
	r, ok := Role(id)
	return ok && r.IsPrivileged
}
