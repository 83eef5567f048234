package application

import (
	"context"
	"slices"
	"time"

	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
)

// Application is a registered application.
type Application struct {
	ID          string // object id
	AppID       string // the OAuth client id
	DisplayName string
	Description string
	// Permissions are the Graph-named application permissions its
	// client-credentials tokens carry (Entra: admin-consented app roles).
	Permissions []authz.Permission
	Passwords   []Password
	// WebRedirectURIs make a confidential client (Graph's web.redirectUris):
	// it authenticates with a secret at the token endpoint.
	WebRedirectURIs []string
	// PublicClientRedirectURIs make a public client (Graph's
	// publicClient.redirectUris): a native or command-line app that cannot
	// keep a secret and must use PKCE.
	PublicClientRedirectURIs []string
	// LogoutURL is where the app wants users sent after signing out
	// (Graph's web.logoutUrl); it is also accepted as a
	// post_logout_redirect_uri.
	LogoutURL       string
	BuiltIn         bool // shipped with Strongroom; not changeable through the API
	CreatedDateTime time.Time
}

// IsPublicClient reports whether the application is a public client: it
// has public-client redirect URIs and no web ones, so it has no secret to
// present and must prove possession of its PKCE verifier instead.
func (a Application) IsPublicClient() bool {
	return len(a.PublicClientRedirectURIs) > 0 && len(a.WebRedirectURIs) == 0
}

// SignsInUsers reports whether the application has any redirect URI, which
// is what lets it use the authorization code flow.
func (a Application) SignsInUsers() bool {
	return len(a.WebRedirectURIs) > 0 || len(a.PublicClientRedirectURIs) > 0
}

// RedirectURIs returns every registered redirect URI.
func (a Application) RedirectURIs() []string {
	return append(slices.Clone(a.WebRedirectURIs), a.PublicClientRedirectURIs...)
}

// PostLogoutRedirectURIs returns where RP-initiated logout may send the
// browser: as in Entra, any registered redirect URI, and the logout URL.
func (a Application) PostLogoutRedirectURIs() []string {
	out := a.RedirectURIs()
	if a.LogoutURL != "" && !slices.Contains(out, a.LogoutURL) {
		out = append(out, a.LogoutURL)
	}
	return out
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

// Filter selects applications, ordered by id; empty fields match all.
type Filter struct {
	IDs               []string
	AppID             string
	DisplayName       string
	DisplayNamePrefix string
	After             string // the last id of the previous page
	Limit             int
}

// Reader is the read side of application storage.
type Reader interface {
	FindApplicationByID(ctx context.Context, id string) (Application, error)
	FindApplicationByAppID(ctx context.Context, appID string) (Application, error)
}

// Lister lists applications.
type Lister interface {
	FindApplications(ctx context.Context, f Filter) ([]Application, error)
}

// Tx is application storage in a transaction.
type Tx interface {
	Reader
	Now() time.Time
	Audit(e audit.Event)
	CreateApplication(ctx context.Context, a Application) error
	AddApplicationPassword(ctx context.Context, applicationID string, p Password) error
}

// WriteTx is what changing and deleting applications needs beyond Tx.
type WriteTx interface {
	Tx
	UpdateApplication(ctx context.Context, a Application) error
	DeleteApplication(ctx context.Context, id string) error
	RemoveApplicationPassword(ctx context.Context, applicationID, keyID string) error
}

// Store is what the application service needs from storage.
type Store interface {
	Reader
	Lister
	InTx(ctx context.Context, fn func(WriteTx) error) error
}

// SecretPurpose is the keyed-hash purpose for client secrets.
const SecretPurpose = "client-secret"
