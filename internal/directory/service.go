package directory

import (
	"context"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
)

// Audited activities, named as in Entra's audit log.
var (
	ActivityAddUser              = audit.Activity{Category: "UserManagement", Name: "Add user", Operation: "Add", Service: "Core Directory"}
	ActivityUpdateUser           = audit.Activity{Category: "UserManagement", Name: "Update user", Operation: "Update", Service: "Core Directory"}
	ActivityDisableAccount       = audit.Activity{Category: "UserManagement", Name: "Disable account", Operation: "Update", Service: "Core Directory"}
	ActivityEnableAccount        = audit.Activity{Category: "UserManagement", Name: "Enable account", Operation: "Update", Service: "Core Directory"}
	ActivityDeleteUser           = audit.Activity{Category: "UserManagement", Name: "Delete user", Operation: "Delete", Service: "Core Directory"}
	ActivityAddGroup             = audit.Activity{Category: "GroupManagement", Name: "Add group", Operation: "Add", Service: "Core Directory"}
	ActivityUpdateGroup          = audit.Activity{Category: "GroupManagement", Name: "Update group", Operation: "Update", Service: "Core Directory"}
	ActivityDeleteGroup          = audit.Activity{Category: "GroupManagement", Name: "Delete group", Operation: "Delete", Service: "Core Directory"}
	ActivityAddMember            = audit.Activity{Category: "GroupManagement", Name: "Add member to group", Operation: "Assign", Service: "Core Directory"}
	ActivityRemoveMember         = audit.Activity{Category: "GroupManagement", Name: "Remove member from group", Operation: "Unassign", Service: "Core Directory"}
	ActivityAddRoleMember        = audit.Activity{Category: "RoleManagement", Name: "Add member to role", Operation: "Assign", Service: "Core Directory"}
	ActivityRemoveRoleMember     = audit.Activity{Category: "RoleManagement", Name: "Remove member from role", Operation: "Unassign", Service: "Core Directory"}
	ActivityAddEligibleMember    = audit.Activity{Category: "RoleManagement", Name: "Add eligible member to role", Operation: "Assign", Service: "Core Directory"}
	ActivityRemoveEligibleMember = audit.Activity{Category: "RoleManagement", Name: "Remove eligible member from role", Operation: "Unassign", Service: "Core Directory"}
)

// Service manages the directory. Every change is checked against the
// caller's permissions, validated, written and audited in one transaction.
type Service struct {
	store Store
}

// NewService returns a directory service over store.
func NewService(store Store) *Service { return &Service{store: store} }

// UserInput is what creating a user takes.
type UserInput struct {
	UserPrincipalName string
	DisplayName       string
	Mail              string
	AccountEnabled    *bool
	UserType          string
}

// UserUpdate changes the fields that are non-nil. An empty Mail clears it.
type UserUpdate struct {
	UserPrincipalName *string
	DisplayName       *string
	Mail              *string
	AccountEnabled    *bool
	UserType          *string
}

const (
	maxDisplayName = 256
	maxUPN         = 113
)

func validateUPN(upn string) error {
	if upn == "" {
		return apperr.Invalidf("userPrincipalName is required.")
	}
	if len(upn) > maxUPN {
		return apperr.Invalidf("userPrincipalName is longer than %d characters.", maxUPN)
	}
	local, domain, ok := strings.Cut(upn, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || len(local) > 64 ||
		strings.ContainsAny(upn, " \t\r\n\"<>,;:\\()[]") || !strings.Contains(domain, ".") && domain != "localhost" {
		return apperr.Invalidf("userPrincipalName %q is not valid: use the form alias@domain, for example ada@contoso.com.", upn)
	}
	return nil
}

func validateDisplayName(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return apperr.Invalidf("%s is required.", field)
	}
	if utf8.RuneCountInString(s) > maxDisplayName {
		return apperr.Invalidf("%s is longer than %d characters.", field, maxDisplayName)
	}
	return nil
}

func validateMail(m string) error {
	if m == "" {
		return nil
	}
	a, err := mail.ParseAddress(m)
	if err != nil || a.Address != m || a.Name != "" {
		return apperr.Invalidf("mail %q is not a valid email address.", m)
	}
	return nil
}

func validateUserType(t string) error {
	if t != UserTypeMember && t != UserTypeGuest {
		return apperr.Invalidf("userType must be Member or Guest, not %q.", t)
	}
	return nil
}

func validateUser(u User) error {
	return errors.Join(validateUPN(u.UserPrincipalName), validateDisplayName("displayName", u.DisplayName), validateMail(u.Mail), validateUserType(u.UserType))
}

// firstInvalid turns a joined validation error into the first problem, so
// that the caller gets one precise message with kind Invalid.
func firstInvalid(err error) error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		if errs := j.Unwrap(); len(errs) > 0 {
			return errs[0]
		}
	}
	return err
}

// CreateUser adds a user.
func (s *Service) CreateUser(ctx context.Context, in UserInput) (User, error) {
	if err := authz.Require(ctx, authz.UserReadWriteAll); err != nil {
		return User{}, err
	}
	u := User{
		ID:                uuid.NewString(),
		UserPrincipalName: strings.TrimSpace(in.UserPrincipalName),
		DisplayName:       in.DisplayName,
		Mail:              in.Mail,
		AccountEnabled:    true,
		UserType:          in.UserType,
	}
	if in.AccountEnabled != nil {
		u.AccountEnabled = *in.AccountEnabled
	}
	if u.UserType == "" {
		u.UserType = UserTypeMember
	}
	if err := firstInvalid(validateUser(u)); err != nil {
		return User{}, err
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		u.CreatedDateTime = tx.Now()
		if err := tx.CreateUser(ctx, u); err != nil {
			return conflictName(err, "userPrincipalName", u.UserPrincipalName)
		}
		tx.Audit(audit.New(ctx, ActivityAddUser, userTarget(u, userProps(nil, &u))))
		return nil
	})
	return u, err
}

// conflictName turns a store Conflict into a message naming the clash.
func conflictName(err error, field, value string) error {
	if errors.Is(err, apperr.Conflict) {
		return apperr.Wrap(err, apperr.Conflict, "Another object with the same value for property %s already exists: %q.", field, value).WithCode("Request_BadRequest")
	}
	return err
}

func userTarget(u User, props []audit.ModifiedProperty) audit.Target {
	if props == nil {
		props = []audit.ModifiedProperty{}
	}
	return audit.Target{ID: u.ID, DisplayName: u.DisplayName, Type: "User", UserPrincipalName: u.UserPrincipalName, ModifiedProperties: props}
}

// userProps lists what changed between old and new (old nil: created).
func userProps(old, new *User) []audit.ModifiedProperty {
	var o User
	if old != nil {
		o = *old
	}
	var p []audit.ModifiedProperty
	p = audit.Diff(p, "UserPrincipalName", nilIfEmpty(o.UserPrincipalName), new.UserPrincipalName)
	p = audit.Diff(p, "DisplayName", nilIfEmpty(o.DisplayName), new.DisplayName)
	p = audit.Diff(p, "Mail", nilIfEmpty(o.Mail), nilIfEmpty(new.Mail))
	if old == nil || o.AccountEnabled != new.AccountEnabled {
		var ov any
		if old != nil {
			ov = o.AccountEnabled
		}
		p = append(p, audit.Change("AccountEnabled", ov, new.AccountEnabled))
	}
	p = audit.Diff(p, "UserType", nilIfEmpty(o.UserType), new.UserType)
	return p
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// GetUser returns a user by id or user principal name.
func (s *Service) GetUser(ctx context.Context, idOrUPN string) (User, error) {
	if err := authz.Require(ctx, authz.UserReadAll); err != nil {
		return User{}, err
	}
	return s.findUser(ctx, s.store, idOrUPN)
}

func (s *Service) findUser(ctx context.Context, r Reader, idOrUPN string) (User, error) {
	var (
		u   User
		err error
	)
	if strings.Contains(idOrUPN, "@") {
		u, err = r.FindUserByUPN(ctx, idOrUPN)
	} else {
		u, err = r.FindUserByID(ctx, idOrUPN)
	}
	if errors.Is(err, apperr.NotFound) {
		return User{}, apperr.Wrap(err, apperr.NotFound, "Resource '%s' does not exist or one of its queried reference-property objects are not present.", idOrUPN).WithCode("Request_ResourceNotFound")
	}
	return u, err
}

// ListUsers returns one page of users.
func (s *Service) ListUsers(ctx context.Context, f UserFilter) ([]User, error) {
	if err := authz.Require(ctx, authz.UserReadAll); err != nil {
		return nil, err
	}
	return s.store.FindUsers(ctx, f)
}

// UpdateUser changes a user.
func (s *Service) UpdateUser(ctx context.Context, idOrUPN string, upd UserUpdate) (User, error) {
	if err := authz.Require(ctx, authz.UserReadWriteAll); err != nil {
		return User{}, err
	}
	var out User
	err := s.store.InTx(ctx, func(tx Tx) error {
		old, err := s.findUser(ctx, tx, idOrUPN)
		if err != nil {
			return err
		}
		if err := s.requireManageUser(ctx, tx, old.ID); err != nil {
			return err
		}
		u := old
		if upd.UserPrincipalName != nil {
			u.UserPrincipalName = strings.TrimSpace(*upd.UserPrincipalName)
		}
		if upd.DisplayName != nil {
			u.DisplayName = *upd.DisplayName
		}
		if upd.Mail != nil {
			u.Mail = *upd.Mail
		}
		if upd.AccountEnabled != nil {
			u.AccountEnabled = *upd.AccountEnabled
		}
		if upd.UserType != nil {
			u.UserType = *upd.UserType
		}
		if err := firstInvalid(validateUser(u)); err != nil {
			return err
		}
		if old.AccountEnabled && !u.AccountEnabled {
			if err := s.requireNotLastEmergencyAdmin(ctx, tx, u.ID, "disable"); err != nil {
				return err
			}
			// Disabling ends every session and token the user holds.
			u.TokensValidAfter = tx.Now()
		}
		props := userProps(&old, &u)
		if len(props) == 0 {
			out = u
			return nil
		}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return conflictName(err, "userPrincipalName", u.UserPrincipalName)
		}
		act := ActivityUpdateUser
		switch {
		case old.AccountEnabled && !u.AccountEnabled:
			act = ActivityDisableAccount
		case !old.AccountEnabled && u.AccountEnabled:
			act = ActivityEnableAccount
		}
		tx.Audit(audit.New(ctx, act, userTarget(u, props)))
		out = u
		return nil
	})
	return out, err
}

// DeleteUser removes a user with their memberships and role assignments.
func (s *Service) DeleteUser(ctx context.Context, idOrUPN string) error {
	if err := authz.Require(ctx, authz.UserReadWriteAll); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		u, err := s.findUser(ctx, tx, idOrUPN)
		if err != nil {
			return err
		}
		if err := s.requireManageUser(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := s.requireNotLastEmergencyAdmin(ctx, tx, u.ID, "delete"); err != nil {
			return err
		}
		if err := tx.DeleteUser(ctx, u.ID); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityDeleteUser, userTarget(u, nil)))
		return nil
	})
}

// privilegedRoles returns the privileged roles userID holds or may activate,
// directly or through a role-assignable group, now or later.
func privilegedRoles(ctx context.Context, r Reader, userID string) ([]string, error) {
	ids := []string{userID}
	groups, err := r.FindMemberOf(ctx, userID, false)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if g.IsAssignableToRole {
			ids = append(ids, g.ID)
		}
	}
	as, err := r.FindRoleAssignments(ctx, RoleAssignmentFilter{PrincipalIDs: ids})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range as {
		if IsPrivilegedRole(a.RoleDefinitionID) && !slices.Contains(out, a.RoleDefinitionID) {
			out = append(out, a.RoleDefinitionID)
		}
	}
	return out, nil
}

// requireManageUser enforces Entra's protection of administrators: a user
// who holds (or may activate) a privileged role can only be changed by a
// Global Administrator or a Privileged Authentication Administrator.
// Applications are governed by their permissions alone.
func (s *Service) requireManageUser(ctx context.Context, r Reader, userID string) error {
	p := authz.FromContext(ctx)
	if p.Kind != authz.User || p.HasRole(GlobalAdministrator) || p.HasRole(PrivilegedAuthenticationAdministrator) {
		return nil
	}
	priv, err := privilegedRoles(ctx, r, userID)
	if err != nil {
		return err
	}
	if len(priv) > 0 {
		return apperr.Forbiddenf("This user holds a privileged role; only a Global Administrator or Privileged Authentication Administrator can change them.").WithCode("Authorization_RequestDenied")
	}
	return nil
}

// RequireManageUser is requireManageUser for other services (for example
// authentication methods), so that the rule lives in one place.
func (s *Service) RequireManageUser(ctx context.Context, r Reader, userID string) error {
	return s.requireManageUser(ctx, r, userID)
}

// requireNotLastEmergencyAdmin refuses to disable or delete the last enabled
// user holding a permanent, direct, active Global Administrator assignment:
// that would lock every administrator out.
func (s *Service) requireNotLastEmergencyAdmin(ctx context.Context, tx Tx, userID, verb string) error {
	as, err := tx.FindRoleAssignments(ctx, RoleAssignmentFilter{RoleDefinitionID: GlobalAdministrator, Kind: Active})
	if err != nil {
		return err
	}
	holds, others := false, false
	for _, a := range as {
		if a.EndDateTime != nil || a.PrincipalType != MemberUser {
			continue
		}
		if a.PrincipalID == userID {
			holds = true
			continue
		}
		u, err := tx.FindUserByID(ctx, a.PrincipalID)
		if err == nil && u.AccountEnabled {
			others = true
		}
	}
	if holds && !others {
		return apperr.Conflictf("Cannot %s the last enabled user with a permanent Global Administrator assignment: assign the role permanently to another enabled user first.", verb)
	}
	return nil
}

// GroupInput is what creating a group takes.
type GroupInput struct {
	DisplayName        string
	Description        string
	MailNickname       string
	SecurityEnabled    *bool
	MailEnabled        *bool
	IsAssignableToRole bool
}

// GroupUpdate changes the fields that are non-nil.
type GroupUpdate struct {
	DisplayName  *string
	Description  *string
	MailNickname *string
}

func groupTarget(g Group, props []audit.ModifiedProperty) audit.Target {
	if props == nil {
		props = []audit.ModifiedProperty{}
	}
	return audit.Target{ID: g.ID, DisplayName: g.DisplayName, Type: "Group", ModifiedProperties: props}
}

func validateGroup(g Group) error {
	if err := validateDisplayName("displayName", g.DisplayName); err != nil {
		return err
	}
	if g.MailNickname == "" || len(g.MailNickname) > 64 || strings.ContainsAny(g.MailNickname, " @()\\[]\";:<>,") {
		return apperr.Invalidf("mailNickname %q is not valid: use up to 64 characters without spaces or @()\\[]\";:<>,.", g.MailNickname)
	}
	if utf8.RuneCountInString(g.Description) > 1024 {
		return apperr.Invalidf("description is longer than 1024 characters.")
	}
	return nil
}

// requireRoleAssignableGroups: only a Global Administrator or Privileged
// Role Administrator may create or manage role-assignable groups (as in
// Entra), since their members inherit roles.
func requireRoleGroupAdmin(ctx context.Context) error {
	p := authz.FromContext(ctx)
	if p.Kind == authz.User && !p.HasRole(GlobalAdministrator) && !p.HasRole(PrivilegedRoleAdministrator) {
		return apperr.Forbiddenf("Only a Global Administrator or Privileged Role Administrator can manage role-assignable groups.").WithCode("Authorization_RequestDenied")
	}
	if p.Kind == authz.App && !p.Has(authz.RoleManagementReadWriteDirectory) {
		return apperr.Forbiddenf("Managing role-assignable groups needs the RoleManagement.ReadWrite.Directory permission as well.").WithCode("Authorization_RequestDenied")
	}
	return nil
}

// CreateGroup adds a security group.
func (s *Service) CreateGroup(ctx context.Context, in GroupInput) (Group, error) {
	var g Group
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		g, err = CreateGroupInTx(ctx, tx, in)
		return err
	})
	return g, err
}

func nicknameFrom(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			b.WriteRune(r)
		}
		if b.Len() == 64 {
			break
		}
	}
	if b.Len() == 0 {
		return "group"
	}
	return b.String()
}

// GetGroup returns a group.
func (s *Service) GetGroup(ctx context.Context, id string) (Group, error) {
	if err := authz.Require(ctx, authz.GroupReadAll); err != nil {
		return Group{}, err
	}
	return findGroup(ctx, s.store, id)
}

func findGroup(ctx context.Context, r Reader, id string) (Group, error) {
	g, err := r.FindGroupByID(ctx, id)
	if errors.Is(err, apperr.NotFound) {
		return Group{}, apperr.Wrap(err, apperr.NotFound, "Resource '%s' does not exist or one of its queried reference-property objects are not present.", id).WithCode("Request_ResourceNotFound")
	}
	return g, err
}

// ListGroups returns one page of groups.
func (s *Service) ListGroups(ctx context.Context, f GroupFilter) ([]Group, error) {
	if err := authz.Require(ctx, authz.GroupReadAll); err != nil {
		return nil, err
	}
	return s.store.FindGroups(ctx, f)
}

// UpdateGroup changes a group. isAssignableToRole cannot change after
// creation, as in Entra.
func (s *Service) UpdateGroup(ctx context.Context, id string, upd GroupUpdate) (Group, error) {
	if err := authz.Require(ctx, authz.GroupReadWriteAll); err != nil {
		return Group{}, err
	}
	var out Group
	err := s.store.InTx(ctx, func(tx Tx) error {
		old, err := findGroup(ctx, tx, id)
		if err != nil {
			return err
		}
		if old.IsAssignableToRole {
			if err := requireRoleGroupAdmin(ctx); err != nil {
				return err
			}
		}
		g := old
		if upd.DisplayName != nil {
			g.DisplayName = *upd.DisplayName
		}
		if upd.Description != nil {
			g.Description = *upd.Description
		}
		if upd.MailNickname != nil {
			g.MailNickname = *upd.MailNickname
		}
		if err := validateGroup(g); err != nil {
			return err
		}
		var p []audit.ModifiedProperty
		p = audit.Diff(p, "DisplayName", old.DisplayName, g.DisplayName)
		p = audit.Diff(p, "Description", nilIfEmpty(old.Description), nilIfEmpty(g.Description))
		p = audit.Diff(p, "MailNickname", old.MailNickname, g.MailNickname)
		out = g
		if len(p) == 0 {
			return nil
		}
		if err := tx.UpdateGroup(ctx, g); err != nil {
			return conflictName(err, "displayName", g.DisplayName)
		}
		tx.Audit(audit.New(ctx, ActivityUpdateGroup, groupTarget(g, p)))
		return nil
	})
	return out, err
}

// DeleteGroup removes a group, its memberships and its role assignments.
func (s *Service) DeleteGroup(ctx context.Context, id string) error {
	if err := authz.Require(ctx, authz.GroupReadWriteAll); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		g, err := findGroup(ctx, tx, id)
		if err != nil {
			return err
		}
		if g.IsAssignableToRole {
			if err := requireRoleGroupAdmin(ctx); err != nil {
				return err
			}
		}
		if err := tx.DeleteGroup(ctx, g.ID); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityDeleteGroup, groupTarget(g, nil)))
		return nil
	})
}

// ResolveObject finds a user or group by id and tells which it is.
func ResolveObject(ctx context.Context, r Reader, id string) (MemberType, string, error) {
	if u, err := r.FindUserByID(ctx, id); err == nil {
		return MemberUser, u.DisplayName, nil
	} else if !errors.Is(err, apperr.NotFound) {
		return "", "", err
	}
	if g, err := r.FindGroupByID(ctx, id); err == nil {
		return MemberGroup, g.DisplayName, nil
	} else if !errors.Is(err, apperr.NotFound) {
		return "", "", err
	}
	return "", "", apperr.NotFoundf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id).WithCode("Request_ResourceNotFound")
}

// AddMember adds a user or group (by id) to a group. Nesting that would make
// a cycle is refused, and role-assignable groups take users only.
func (s *Service) AddMember(ctx context.Context, groupID, memberID string) error {
	if err := authz.Require(ctx, authz.GroupReadWriteAll); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		g, err := findGroup(ctx, tx, groupID)
		if err != nil {
			return err
		}
		if g.IsAssignableToRole {
			if err := requireRoleGroupAdmin(ctx); err != nil {
				return err
			}
		}
		typ, name, err := ResolveObject(ctx, tx, memberID)
		if err != nil {
			return err
		}
		if typ == MemberGroup {
			if g.IsAssignableToRole {
				return apperr.Invalidf("A role-assignable group cannot contain other groups; add the users directly.")
			}
			if memberID == groupID {
				return apperr.Invalidf("A group cannot be a member of itself.")
			}
			// Adding memberID under groupID makes a cycle when groupID is
			// already (transitively) inside memberID.
			parents, err := tx.FindMemberOf(ctx, groupID, true)
			if err != nil {
				return err
			}
			for _, p := range parents {
				if p.ID == memberID {
					return apperr.Invalidf("Adding group %q to %q would create a cycle: %q is already nested inside %q.", name, g.DisplayName, g.DisplayName, name)
				}
			}
		}
		if err := tx.AddGroupMember(ctx, groupID, Member{ID: memberID, Type: typ}); err != nil {
			if errors.Is(err, apperr.Conflict) {
				return apperr.Wrap(err, apperr.Conflict, "One or more added object references already exist for the following modified properties: 'members'.").WithCode("Request_BadRequest")
			}
			return err
		}
		t := audit.Target{ID: memberID, DisplayName: name, Type: memberTypeName(typ), ModifiedProperties: []audit.ModifiedProperty{
			audit.Change("Group.ObjectID", nil, g.ID), audit.Change("Group.DisplayName", nil, g.DisplayName)}}
		tx.Audit(audit.New(ctx, ActivityAddMember, t, groupTarget(g, nil)))
		return nil
	})
}

func memberTypeName(t MemberType) string {
	if t == MemberGroup {
		return "Group"
	}
	return "User"
}

// RemoveMember removes a direct member from a group.
func (s *Service) RemoveMember(ctx context.Context, groupID, memberID string) error {
	if err := authz.Require(ctx, authz.GroupReadWriteAll); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		g, err := findGroup(ctx, tx, groupID)
		if err != nil {
			return err
		}
		if g.IsAssignableToRole {
			if err := requireRoleGroupAdmin(ctx); err != nil {
				return err
			}
		}
		typ, name, err := ResolveObject(ctx, tx, memberID)
		if err != nil && !errors.Is(err, apperr.NotFound) {
			return err
		}
		if err := tx.RemoveGroupMember(ctx, groupID, memberID); err != nil {
			if errors.Is(err, apperr.NotFound) {
				return apperr.Wrap(err, apperr.NotFound, "'%s' is not a direct member of group '%s'.", memberID, groupID).WithCode("Request_ResourceNotFound")
			}
			return err
		}
		t := audit.Target{ID: memberID, DisplayName: name, Type: memberTypeName(typ), ModifiedProperties: []audit.ModifiedProperty{
			audit.Change("Group.ObjectID", g.ID, nil), audit.Change("Group.DisplayName", g.DisplayName, nil)}}
		tx.Audit(audit.New(ctx, ActivityRemoveMember, t, groupTarget(g, nil)))
		return nil
	})
}

// ListMembers returns one page of a group's direct members.
func (s *Service) ListMembers(ctx context.Context, groupID, after string, limit int) ([]Member, error) {
	if err := authz.Require(ctx, authz.GroupReadAll); err != nil {
		return nil, err
	}
	if _, err := findGroup(ctx, s.store, groupID); err != nil {
		return nil, err
	}
	return s.store.FindGroupMembers(ctx, groupID, after, limit)
}

// MemberOf returns the groups a user or group belongs to, directly or
// transitively.
func (s *Service) MemberOf(ctx context.Context, id string, transitive bool) ([]Group, error) {
	if err := authz.Require(ctx, authz.GroupReadAll, authz.UserReadAll); err != nil {
		return nil, err
	}
	if _, _, err := ResolveObject(ctx, s.store, id); err != nil {
		return nil, err
	}
	return s.store.FindMemberOf(ctx, id, transitive)
}

// RoleDefinitions returns the role catalogue.
func (s *Service) RoleDefinitions(ctx context.Context) ([]RoleDefinition, error) {
	if err := authz.Require(ctx, authz.RoleManagementReadDirectory); err != nil {
		return nil, err
	}
	return Roles(), nil
}

// RoleDefinition returns one role.
func (s *Service) RoleDefinition(ctx context.Context, id string) (RoleDefinition, error) {
	if err := authz.Require(ctx, authz.RoleManagementReadDirectory); err != nil {
		return RoleDefinition{}, err
	}
	r, ok := Role(id)
	if !ok {
		return RoleDefinition{}, apperr.NotFoundf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id).WithCode("Request_ResourceNotFound")
	}
	return r, nil
}

// RoleAssignmentInput is what assigning a role takes.
type RoleAssignmentInput struct {
	RoleDefinitionID string
	PrincipalID      string
	DirectoryScopeID string
	Kind             AssignmentKind
	StartDateTime    *time.Time
	EndDateTime      *time.Time
}

// ListRoleAssignments returns one page of role assignments.
func (s *Service) ListRoleAssignments(ctx context.Context, f RoleAssignmentFilter) ([]RoleAssignment, error) {
	if err := authz.Require(ctx, authz.RoleManagementReadDirectory); err != nil {
		return nil, err
	}
	return s.store.FindRoleAssignments(ctx, f)
}

// GetRoleAssignment returns one role assignment.
func (s *Service) GetRoleAssignment(ctx context.Context, id string) (RoleAssignment, error) {
	if err := authz.Require(ctx, authz.RoleManagementReadDirectory); err != nil {
		return RoleAssignment{}, err
	}
	return findAssignment(ctx, s.store, id)
}

func findAssignment(ctx context.Context, r Reader, id string) (RoleAssignment, error) {
	as, err := r.FindRoleAssignments(ctx, RoleAssignmentFilter{ID: id, Limit: 1})
	if err != nil {
		return RoleAssignment{}, err
	}
	if len(as) == 0 {
		return RoleAssignment{}, apperr.NotFoundf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id).WithCode("Request_ResourceNotFound")
	}
	return as[0], nil
}

// CreateRoleAssignment assigns a role to a user or a role-assignable group.
func (s *Service) CreateRoleAssignment(ctx context.Context, in RoleAssignmentInput) (RoleAssignment, error) {
	if err := authz.Require(ctx, authz.RoleManagementReadWriteDirectory); err != nil {
		return RoleAssignment{}, err
	}
	var out RoleAssignment
	err := s.store.InTx(ctx, func(tx Tx) error {
		a, err := s.AssignInTx(ctx, tx, in)
		out = a
		return err
	})
	return out, err
}

// AssignInTx validates and writes a role assignment inside tx, with its
// audit event. PIM calls it after applying its own rules.
func (s *Service) AssignInTx(ctx context.Context, tx Tx, in RoleAssignmentInput) (RoleAssignment, error) {
	role, ok := Role(in.RoleDefinitionID)
	if !ok {
		return RoleAssignment{}, apperr.Invalidf("roleDefinitionId %q is not a known role definition.", in.RoleDefinitionID)
	}
	if in.DirectoryScopeID == "" {
		in.DirectoryScopeID = "/"
	}
	if in.DirectoryScopeID != "/" {
		return RoleAssignment{}, apperr.Invalidf("directoryScopeId must be \"/\" (the whole directory); Strongroom has no administrative units.")
	}
	if in.Kind == "" {
		in.Kind = Active
	}
	if in.Kind != Active && in.Kind != Eligible {
		return RoleAssignment{}, apperr.Invalidf("kind must be active or eligible.")
	}
	if in.StartDateTime != nil && in.EndDateTime != nil && !in.EndDateTime.After(*in.StartDateTime) {
		return RoleAssignment{}, apperr.Invalidf("The end of an assignment must be after its start.")
	}
	typ, name, err := ResolveObject(ctx, tx, in.PrincipalID)
	if err != nil {
		if errors.Is(err, apperr.NotFound) {
			return RoleAssignment{}, apperr.Invalidf("principalId %q is not a user or group in this directory.", in.PrincipalID)
		}
		return RoleAssignment{}, err
	}
	if typ == MemberGroup {
		g, err := tx.FindGroupByID(ctx, in.PrincipalID)
		if err != nil {
			return RoleAssignment{}, err
		}
		if !g.IsAssignableToRole {
			return RoleAssignment{}, apperr.Invalidf("Group %q is not role-assignable; only groups created with isAssignableToRole can hold roles.", g.DisplayName)
		}
	}
	existing, err := tx.FindRoleAssignments(ctx, RoleAssignmentFilter{PrincipalIDs: []string{in.PrincipalID}, RoleDefinitionID: in.RoleDefinitionID, Kind: in.Kind})
	if err != nil {
		return RoleAssignment{}, err
	}
	now := tx.Now()
	for _, e := range existing {
		if e.EndDateTime == nil || e.EndDateTime.After(now) {
			return RoleAssignment{}, apperr.Conflictf("%s already has a %s assignment of %s.", name, in.Kind, role.DisplayName).WithCode("RoleAssignmentExists")
		}
	}
	a := RoleAssignment{
		ID:               uuid.NewString(),
		RoleDefinitionID: in.RoleDefinitionID,
		PrincipalID:      in.PrincipalID,
		PrincipalType:    typ,
		DirectoryScopeID: in.DirectoryScopeID,
		Kind:             in.Kind,
		StartDateTime:    in.StartDateTime,
		EndDateTime:      in.EndDateTime,
		CreatedDateTime:  now,
		CreatedBy:        authz.FromContext(ctx).ID,
	}
	if err := tx.CreateRoleAssignment(ctx, a); err != nil {
		return RoleAssignment{}, err
	}
	act := ActivityAddRoleMember
	if a.Kind == Eligible {
		act = ActivityAddEligibleMember
	}
	tx.Audit(audit.New(ctx, act, roleTargets(a, name, typ, true)...))
	return a, nil
}

func roleTargets(a RoleAssignment, principalName string, typ MemberType, added bool) []audit.Target {
	role, _ := Role(a.RoleDefinitionID)
	change := func(name, v string) audit.ModifiedProperty {
		if added {
			return audit.Change(name, nil, v)
		}
		return audit.Change(name, v, nil)
	}
	return []audit.Target{
		{ID: a.PrincipalID, DisplayName: principalName, Type: memberTypeName(typ), ModifiedProperties: []audit.ModifiedProperty{
			change("Role.ObjectID", a.RoleDefinitionID), change("Role.DisplayName", role.DisplayName), change("Role.TemplateId", a.RoleDefinitionID)}},
		{ID: a.RoleDefinitionID, DisplayName: role.DisplayName, Type: "Role", ModifiedProperties: []audit.ModifiedProperty{}},
	}
}

// DeleteRoleAssignment removes a role assignment.
func (s *Service) DeleteRoleAssignment(ctx context.Context, id string) error {
	if err := authz.Require(ctx, authz.RoleManagementReadWriteDirectory); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		a, err := findAssignment(ctx, tx, id)
		if err != nil {
			return err
		}
		return s.UnassignInTx(ctx, tx, a)
	})
}

// UnassignInTx deletes a role assignment inside tx, with its audit event,
// refusing to remove the last permanent Global Administrator.
func (s *Service) UnassignInTx(ctx context.Context, tx Tx, a RoleAssignment) error {
	if a.RoleDefinitionID == GlobalAdministrator && a.Kind == Active && a.EndDateTime == nil && a.PrincipalType == MemberUser {
		as, err := tx.FindRoleAssignments(ctx, RoleAssignmentFilter{RoleDefinitionID: GlobalAdministrator, Kind: Active})
		if err != nil {
			return err
		}
		others := false
		for _, o := range as {
			if o.ID != a.ID && o.EndDateTime == nil && o.PrincipalType == MemberUser {
				if u, err := tx.FindUserByID(ctx, o.PrincipalID); err == nil && u.AccountEnabled {
					others = true
				}
			}
		}
		if !others {
			return apperr.Conflictf("Cannot remove the last permanent Global Administrator assignment of an enabled user: assign the role permanently to another enabled user first.")
		}
	}
	typ, name, err := ResolveObject(ctx, tx, a.PrincipalID)
	if err != nil && !errors.Is(err, apperr.NotFound) {
		return err
	}
	if typ == "" {
		typ = a.PrincipalType
	}
	if err := tx.DeleteRoleAssignment(ctx, a.ID); err != nil {
		return err
	}
	act := ActivityRemoveRoleMember
	if a.Kind == Eligible {
		act = ActivityRemoveEligibleMember
	}
	tx.Audit(audit.New(ctx, act, roleTargets(a, name, typ, false)...))
	return nil
}

// ActiveRoleIDs returns the template ids of the roles userID holds actively
// at now, directly or through a role-assignable group. It is what every
// request's authorization is built from.
func ActiveRoleIDs(ctx context.Context, r Reader, userID string, now time.Time) ([]string, error) {
	return r.FindActiveRoleIDs(ctx, userID, now)
}
