package application

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/secret"
)

// Audited activities.
var (
	ActivityAddApplication = audit.Activity{Category: "ApplicationManagement", Name: "Add application", Operation: "Add", Service: "Core Directory"}
	ActivityAddSecret      = audit.Activity{Category: "ApplicationManagement", Name: "Update application – Certificates and secrets management", Operation: "Update", Service: "Core Directory"}
)

// Hasher hashes and compares server-generated secrets.
type Hasher interface {
	Hash(purpose, s string) []byte
	Equal(purpose, s string, h []byte) bool
}

// DefaultSecretLifetime is how long a new client secret lasts unless asked
// otherwise (Entra's portal default is 180 days; two years is its maximum
// recommendation).
const DefaultSecretLifetime = 2 * 365 * 24 * time.Hour

// NewSecret returns a fresh client secret: 40 characters from the URL-safe
// alphabet, 240 bits.
func NewSecret() string { return secret.Generate(secret.URLSafe, 40) }

// CreateInTx registers an application with one client secret and returns
// the application and the secret in clear (shown once).
func CreateInTx(ctx context.Context, tx Tx, h Hasher, name string, perms []authz.Permission) (Application, string, error) {
	for _, p := range perms {
		if !authz.Known(p) {
			return Application{}, "", apperr.Invalidf("%q is not a permission Strongroom knows.", p)
		}
	}
	now := tx.Now()
	a := Application{ID: uuid.NewString(), AppID: uuid.NewString(), DisplayName: name, Permissions: perms, CreatedDateTime: now}
	if err := tx.CreateApplication(ctx, a); err != nil {
		return Application{}, "", err
	}
	s := NewSecret()
	p := Password{KeyID: uuid.NewString(), DisplayName: "Bootstrap secret", Hint: s[:3], Hash: h.Hash(SecretPurpose, s), StartDateTime: now, EndDateTime: now.Add(DefaultSecretLifetime)}
	if err := tx.AddApplicationPassword(ctx, a.ID, p); err != nil {
		return Application{}, "", err
	}
	a.Passwords = []Password{p}
	permNames := make([]string, len(perms))
	for i, p := range perms {
		permNames[i] = string(p)
	}
	tx.Audit(audit.New(ctx, ActivityAddApplication, audit.Target{ID: a.ID, DisplayName: a.DisplayName, Type: "Application", ModifiedProperties: []audit.ModifiedProperty{
		audit.Change("AppId", nil, a.AppID), audit.Change("AppRoles", nil, permNames)}}))
	tx.Audit(audit.New(ctx, ActivityAddSecret, audit.Target{ID: a.ID, DisplayName: a.DisplayName, Type: "Application", ModifiedProperties: []audit.ModifiedProperty{
		audit.Change("KeyDescription", nil, "[KeyIdentifier="+p.KeyID+",KeyType=Password,KeyUsage=Verify,DisplayName="+p.DisplayName+"]")}}))
	return a, s, nil
}

// Authenticate checks a client id and secret at now. It returns NotFound for
// an unknown client and Unauthenticated for a wrong or expired secret;
// callers must not tell the two apart to the client.
func Authenticate(ctx context.Context, r Reader, h Hasher, appID, clientSecret string, now time.Time) (Application, error) {
	a, err := r.FindApplicationByAppID(ctx, appID)
	if err != nil {
		return Application{}, err
	}
	ok := false
	for _, p := range a.Passwords {
		// Compare against every password so the time taken does not tell
		// which one matched.
		if h.Equal(SecretPurpose, clientSecret, p.Hash) && !now.Before(p.StartDateTime) && now.Before(p.EndDateTime) {
			ok = true
		}
	}
	if !ok {
		return Application{}, apperr.New(apperr.Unauthenticated, "invalid client credentials")
	}
	return a, nil
}
