package privilege

import (
	"context"
	"time"

	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/notify"
	"github.com/strongroom-id/strongroom/internal/pim"
)

// Identity is who changed or decided something.
type Identity struct {
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
	App               bool   `json:"app,omitempty"`
}

// StoredPolicy is a role's settings as an administrator last saved them.
type StoredPolicy struct {
	RoleDefinitionID string
	Rules            []pim.Rule
	ModifiedAt       time.Time
	ModifiedBy       Identity
}

// Policy is one directory role's settings (Graph's
// unifiedRoleManagementPolicy with scopeType DirectoryRole).
type Policy struct {
	ID               string // DirectoryRole_{tenantId}_{guid}
	AssignmentID     string // DirectoryRole_{tenantId}_{guid}_{roleDefinitionId}
	RoleDefinitionID string
	RoleName         string
	Settings         pim.Settings
	LastModifiedAt   *time.Time
	LastModifiedBy   *Identity
}

// ScheduleRecord is a role assignment as PIM sees it: the role_assignments
// row and what PIM recorded about it (nothing for assignments made outside
// PIM).
type ScheduleRecord struct {
	directory.RoleAssignment
	Activated      bool
	ActivatedUsing string
	CreatedUsing   string // the request that made it; "" outside PIM
	ModifiedAt     *time.Time
	RemovedAt      *time.Time // history only
}

// Level is the schedule's level.
func (s ScheduleRecord) Level() pim.Level {
	if s.Kind == directory.Eligible {
		return pim.Eligibility
	}
	return pim.Assignment
}

// Start is when the schedule begins.
func (s ScheduleRecord) Start() time.Time {
	if s.StartDateTime != nil {
		return *s.StartDateTime
	}
	return s.CreatedDateTime
}

// Schedule converts to the decision core's view; viaGroup says the
// principal holds it through a group.
func (s ScheduleRecord) Schedule(viaGroup bool) pim.Schedule {
	return pim.Schedule{ID: s.ID, Level: s.Level(), PrincipalID: s.PrincipalID, RoleDefinitionID: s.RoleDefinitionID, ViaGroup: viaGroup,
		Start: s.Start(), End: s.EndDateTime, Activated: s.Activated, ActivatedUsing: s.ActivatedUsing, CreatedUsing: s.CreatedUsing}
}

// ScheduleFilter selects current schedules (role_assignments rows),
// ordered by id; empty fields match everything.
type ScheduleFilter struct {
	ID               string
	PrincipalIDs     []string
	RoleDefinitionID string
	Kind             directory.AssignmentKind
	ActivatedUsing   string
	// InForceAt keeps those in force at the time (instances).
	InForceAt *time.Time
	After     string
	Limit     int
}

// RequestFilter selects requests, ordered by id.
type RequestFilter struct {
	ID               string
	Level            pim.Level
	PrincipalIDs     []string
	RoleDefinitionID string
	Statuses         []pim.Status
	After            string
	Limit            int
}

// Reader is what the service reads outside transactions.
type Reader interface {
	directory.Reader
	// TenantID is the tenant's id (for policy ids).
	TenantID(ctx context.Context) (string, error)
	FindPolicies(ctx context.Context) ([]StoredPolicy, error)
	FindSchedules(ctx context.Context, f ScheduleFilter) ([]ScheduleRecord, error)
	// FindRemovedSchedules returns a principal's schedules of a role and
	// level that ended (not removed early) since the time.
	FindRemovedSchedules(ctx context.Context, principalID, roleID string, level pim.Level, since time.Time) ([]ScheduleRecord, error)
	FindRequests(ctx context.Context, f RequestFilter) ([]pim.Request, error)
}

// Tx is what the service writes in one transaction.
type Tx interface {
	directory.Tx
	Reader
	notify.Outbox
	AfterCommit(fn func())
	// LockPrincipal serialises requests about one principal (a row lock on
	// PostgreSQL; SQLite's write transactions are exclusive already).
	LockPrincipal(ctx context.Context, id string) error
	SavePolicy(ctx context.Context, p StoredPolicy) error
	// CreateScheduleInfo records what PIM knows about a new assignment.
	CreateScheduleInfo(ctx context.Context, s ScheduleRecord) error
	// UpdateScheduleWindow changes an assignment's start and end.
	UpdateScheduleWindow(ctx context.Context, id string, start, end *time.Time, at time.Time) error
	// MarkScheduleRemoved records that an assignment went.
	MarkScheduleRemoved(ctx context.Context, id string, at time.Time) error
	CreateRequest(ctx context.Context, r pim.Request, reason string) error
	// UpdateRequest writes r if its status is still from; otherwise it
	// returns a Conflict error and writes nothing (the first decision wins).
	UpdateRequest(ctx context.Context, r pim.Request, from pim.Status, reason string) error
	// FindRequestForUpdate reads a request and locks it for the
	// transaction.
	FindRequestForUpdate(ctx context.Context, id string) (pim.Request, error)
	// ClaimEndedSchedules locks up to limit assignments that ended by now,
	// skipping those another transaction holds.
	ClaimEndedSchedules(ctx context.Context, now time.Time, limit int) ([]ScheduleRecord, error)
	// ClaimExpiredRequests locks up to limit pending approval requests
	// whose deadline passed by now, skipping those another transaction
	// holds.
	ClaimExpiredRequests(ctx context.Context, now time.Time, limit int) ([]pim.Request, error)
}

// Store runs the service's transactions.
type Store interface {
	Reader
	InTx(ctx context.Context, fn func(Tx) error) error
}

// ContextPolicies answers whether an enabled Conditional Access policy
// targets an authentication context. When none does, activation that asks
// for the context falls back to MFA (PIM-SET). The Conditional Access
// engine implements it.
type ContextPolicies interface {
	TargetsContext(ctx context.Context, contextID string) (bool, error)
}

// NoContextPolicies is the answer without Conditional Access: no policy
// targets any context.
type NoContextPolicies struct{}

// TargetsContext implements ContextPolicies.
func (NoContextPolicies) TargetsContext(context.Context, string) (bool, error) { return false, nil }

// Auth is what the caller's session or token proved, as the edge read it.
type Auth struct {
	MFA      bool
	Contexts []string // satisfied authentication contexts
}
