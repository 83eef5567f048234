package tenant

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/policy"
	"github.com/strongroom-id/strongroom/internal/tap"
)

// Tenant is the bootstrap record.
type Tenant struct {
	ID        string
	KeyCheck  string
	CreatedAt time.Time
}

// Tx is what bootstrap needs inside its transaction.
type Tx interface {
	directory.Tx
	application.Tx
	tap.Writer
	// capolicy.PolicyWriter creates the default Conditional Access policy.
	capolicy.PolicyWriter
	// ClaimTenant inserts the tenant record and reports whether this
	// transaction created it; a concurrent claimer waits and gets false.
	ClaimTenant(ctx context.Context, t Tenant) (bool, error)
}

// Store runs bootstrap transactions.
type Store interface {
	InTx(ctx context.Context, fn func(Tx) error) error
}

// Hasher hashes server-generated secrets.
type Hasher interface {
	Hash(purpose, s string) []byte
	Equal(purpose, s string, h []byte) bool
	Check() string
}

// Options configure bootstrap.
type Options struct {
	AdminUPN string
	// PassLifetime is how long the administrator's one-time pass lasts.
	PassLifetime time.Duration
	PassLength   int
}

// DefaultAdminUPN is the first administrator's name unless configured.
const DefaultAdminUPN = "admin@strongroom.local"

// Result is what bootstrap made: shown once, then only hashes remain.
type Result struct {
	TenantID                 string    `json:"tenantId"`
	AdminUserID              string    `json:"adminUserId"`
	AdminUserPrincipalName   string    `json:"adminUserPrincipalName"`
	AdminTemporaryAccessPass string    `json:"adminTemporaryAccessPass"`
	AdminPassExpires         time.Time `json:"adminTemporaryAccessPassExpires"`
	ClientID                 string    `json:"clientId"`
	ClientSecret             string    `json:"clientSecret"`
}

// Activity audited when the tenant is created.
var ActivityBootstrap = audit.Activity{Category: "DirectoryManagement", Name: "Create company", Operation: "Add", Service: "Core Directory"}

// ActivityIssueTAP is audited when a Temporary Access Pass is issued.
var ActivityIssueTAP = audit.Activity{Category: "UserManagement", Name: "Admin registered temporary access pass method for user", Operation: "Update", Service: "Authentication Methods"}

// Bootstrap creates the tenant if the database has none. It reports
// whether it did; beforeCommit runs inside the transaction with the result
// (to write the bootstrap file) and can still abort it.
func Bootstrap(ctx context.Context, s Store, h Hasher, o Options, beforeCommit func(Result) error) (Result, bool, error) {
	if o.AdminUPN == "" {
		o.AdminUPN = DefaultAdminUPN
	}
	if o.PassLifetime == 0 {
		o.PassLifetime = 8 * time.Hour
	}
	if o.PassLength == 0 {
		o.PassLength = 12
	}
	var res Result
	var created bool
	err := s.InTx(ctx, func(tx Tx) error {
		now := tx.Now()
		t := Tenant{ID: uuid.NewString(), KeyCheck: h.Check(), CreatedAt: now}
		won, err := tx.ClaimTenant(ctx, t)
		if err != nil || !won {
			return err
		}
		created = true
		tx.Audit(audit.New(ctx, ActivityBootstrap, audit.Target{ID: t.ID, DisplayName: "Strongroom tenant", Type: "Company", ModifiedProperties: []audit.ModifiedProperty{}}))

		admin := directory.User{ID: uuid.NewString(), UserPrincipalName: o.AdminUPN, DisplayName: "Emergency administrator",
			AccountEnabled: true, UserType: directory.UserTypeMember, CreatedDateTime: now, TokensValidAfter: now}
		if err := tx.CreateUser(ctx, admin); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, directory.ActivityAddUser, audit.Target{ID: admin.ID, DisplayName: admin.DisplayName, Type: "User", UserPrincipalName: admin.UserPrincipalName,
			ModifiedProperties: []audit.ModifiedProperty{audit.Change("UserPrincipalName", nil, admin.UserPrincipalName)}}))
		ga := directory.RoleAssignment{ID: uuid.NewString(), RoleDefinitionID: directory.GlobalAdministrator, PrincipalID: admin.ID, PrincipalType: directory.MemberUser,
			DirectoryScopeID: "/", Kind: directory.Active, CreatedDateTime: now, CreatedBy: "strongroom"}
		if err := tx.CreateRoleAssignment(ctx, ga); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, directory.ActivityAddRoleMember, audit.Target{ID: admin.ID, DisplayName: admin.DisplayName, Type: "User", UserPrincipalName: admin.UserPrincipalName,
			ModifiedProperties: []audit.ModifiedProperty{audit.Change("Role.DisplayName", nil, "Global Administrator"), audit.Change("Role.TemplateId", nil, directory.GlobalAdministrator)}}))

		pass, secret, err := tap.IssueInTx(ctx, tx, h, admin.ID, now, now, int(o.PassLifetime/time.Minute), o.PassLength, true)
		if err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityIssueTAP, audit.Target{ID: admin.ID, DisplayName: admin.DisplayName, Type: "User", UserPrincipalName: admin.UserPrincipalName,
			ModifiedProperties: []audit.ModifiedProperty{audit.Change("IsUsableOnce", nil, true), audit.Change("LifetimeInMinutes", nil, pass.LifetimeInMinutes)}}))

		// Secure by default: an enabled policy requires multifactor
		// authentication of every user for every application. The
		// administrator above is not excluded: their one-time pass meets it.
		if _, err := capolicy.CreatePolicyInTx(ctx, tx, capolicy.DefaultPolicy(), policy.References{}); err != nil {
			return err
		}

		app, clientSecret, err := application.CreateInTx(ctx, tx, h, "Strongroom automation", authz.All)
		if err != nil {
			return err
		}
		res = Result{TenantID: t.ID, AdminUserID: admin.ID, AdminUserPrincipalName: admin.UserPrincipalName, AdminTemporaryAccessPass: secret,
			AdminPassExpires: pass.End(), ClientID: app.AppID, ClientSecret: clientSecret}
		if beforeCommit != nil {
			return beforeCommit(res)
		}
		return nil
	})
	if err != nil {
		return Result{}, false, err
	}
	return res, created, nil
}
