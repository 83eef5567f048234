package application

import (
	"context"
	"time"

	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
)

// Application is a registered application.
type Application struct {
	ID              string // object id
	AppID           string // the OAuth client id
	DisplayName     string
	Permissions     []authz.Permission
	Passwords       []Password
	CreatedDateTime time.Time
}

// Password is a client secret credential; the secret itself is never kept.
type Password struct {
	KeyID         string
	DisplayName   string
	Hint          string // the first three characters, as Entra shows
	Hash          []byte
	StartDateTime time.Time
	EndDateTime   time.Time
}

// Reader is the read side of application storage.
type Reader interface {
	FindApplicationByID(ctx context.Context, id string) (Application, error)
	FindApplicationByAppID(ctx context.Context, appID string) (Application, error)
}

// Tx is application storage in a transaction.
type Tx interface {
	Reader
	Now() time.Time
	Audit(e audit.Event)
	CreateApplication(ctx context.Context, a Application) error
	AddApplicationPassword(ctx context.Context, applicationID string, p Password) error
}

// SecretPurpose is the keyed-hash purpose for client secrets.
const SecretPurpose = "client-secret"
