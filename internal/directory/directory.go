package directory

import (
	"context"
	"time"

	"github.com/strongroom-id/strongroom/internal/audit"
)

// User types, as in Entra.
const (
	UserTypeMember = "Member"
	UserTypeGuest  = "Guest"
)

// User is a person in the directory.
type User struct {
	ID                string
	UserPrincipalName string
	DisplayName       string
	Mail              string // "" when unset
	AccountEnabled    bool
	UserType          string // Member or Guest
	CreatedDateTime   time.Time
	// TokensValidAfter invalidates every session and token issued to the
	// user before it; set when the account is disabled.
	TokensValidAfter time.Time
}

// Group is a security group. Only role-assignable groups may hold roles, and
// they may not contain other groups.
type Group struct {
	ID                 string
	DisplayName        string
	Description        string
	MailNickname       string
	SecurityEnabled    bool
	MailEnabled        bool
	IsAssignableToRole bool
	CreatedDateTime    time.Time
}

// MemberType says what sort of object a group member or role principal is.
type MemberType string

// Member types.
const (
	MemberUser  MemberType = "user"
	MemberGroup MemberType = "group"
)

// Member is a direct member of a group.
type Member struct {
	ID   string
	Type MemberType
}

// AssignmentKind distinguishes a role held now from a role one may activate.
type AssignmentKind string

// Assignment kinds.
const (
	Active   AssignmentKind = "active"
	Eligible AssignmentKind = "eligible"
)

// RoleAssignment gives a principal (a user or a role-assignable group) a
// directory role at a scope ("/" is the whole tenant), actively or as an
// eligibility, from an optional start to an optional end.
type RoleAssignment struct {
	ID               string
	RoleDefinitionID string
	PrincipalID      string
	PrincipalType    MemberType
	DirectoryScopeID string
	Kind             AssignmentKind
	StartDateTime    *time.Time // nil: from creation
	EndDateTime      *time.Time // nil: permanent
	CreatedDateTime  time.Time
	CreatedBy        string
}

// InForce reports whether a is in force at now. The end is exclusive: a
// role is never usable at or after its end time.
func (a RoleAssignment) InForce(now time.Time) bool {
	if a.StartDateTime != nil && now.Before(*a.StartDateTime) {
		return false
	}
	if a.EndDateTime != nil && !now.Before(*a.EndDateTime) {
		return false
	}
	return true
}

// UserFilter selects users; empty fields match everything. Results are
// ordered by id; After is the last id of the previous page.
type UserFilter struct {
	IDs               []string
	UPN               string
	DisplayName       string
	DisplayNamePrefix string
	Mail              string
	After             string
	Limit             int
}

// GroupFilter selects groups, like UserFilter.
type GroupFilter struct {
	IDs               []string
	DisplayName       string
	DisplayNamePrefix string
	After             string
	Limit             int
}

// RoleAssignmentFilter selects role assignments, ordered by id.
type RoleAssignmentFilter struct {
	ID               string
	PrincipalIDs     []string
	RoleDefinitionID string
	Kind             AssignmentKind
	InForceAt        *time.Time
	After            string
	Limit            int
}

// Reader is the read side of the directory's storage.
type Reader interface {
	FindUserByID(ctx context.Context, id string) (User, error)
	FindUserByUPN(ctx context.Context, upn string) (User, error)
	FindUsers(ctx context.Context, f UserFilter) ([]User, error)
	FindGroupByID(ctx context.Context, id string) (Group, error)
	FindGroups(ctx context.Context, f GroupFilter) ([]Group, error)
	FindGroupMembers(ctx context.Context, groupID string, after string, limit int) ([]Member, error)
	// FindMemberOf returns the groups id is a member of: directly, or
	// through nested groups too when transitive is set.
	FindMemberOf(ctx context.Context, id string, transitive bool) ([]Group, error)
	// FindTransitiveGroupIDs returns the ids of every group id is a member
	// of, directly or through nested groups, in no particular order.
	FindTransitiveGroupIDs(ctx context.Context, id string) ([]string, error)
	FindRoleAssignments(ctx context.Context, f RoleAssignmentFilter) ([]RoleAssignment, error)
	// FindActiveRoleIDs returns the sorted template ids of the roles
	// userID holds actively at now: directly or through a role-assignable
	// group it is a direct member of.
	FindActiveRoleIDs(ctx context.Context, userID string, now time.Time) ([]string, error)
}

// Tx is the directory's storage inside one transaction.
type Tx interface {
	Reader
	Now() time.Time
	Audit(e audit.Event)
	CreateUser(ctx context.Context, u User) error
	UpdateUser(ctx context.Context, u User) error
	DeleteUser(ctx context.Context, id string) error
	CreateGroup(ctx context.Context, g Group) error
	UpdateGroup(ctx context.Context, g Group) error
	DeleteGroup(ctx context.Context, id string) error
	AddGroupMember(ctx context.Context, groupID string, m Member) error
	RemoveGroupMember(ctx context.Context, groupID, memberID string) error
	CreateRoleAssignment(ctx context.Context, a RoleAssignment) error
	DeleteRoleAssignment(ctx context.Context, id string) error
}

// Store is what the directory service needs from storage.
type Store interface {
	Reader
	InTx(ctx context.Context, fn func(Tx) error) error
}
