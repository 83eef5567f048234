package provider

import (
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/signing"
)

// APIAudience is the audience of tokens for Strongroom's own API.
const APIAudience = "api://strongroom"

// AccessTokenLifetime is how long access tokens last (Entra's default is
// 60–90 minutes; one hour here).
const AccessTokenLifetime = time.Hour

// Endpoint paths, relative to the issuer.
const (
	PathDiscovery  = "/.well-known/openid-configuration"
	PathKeys       = "/oauth2/keys"
	PathToken      = "/oauth2/token"
	PathAuthorize  = "/oauth2/authorize"
	PathUserinfo   = "/oauth2/userinfo"
	PathIntrospect = "/oauth2/introspect"
	PathRevoke     = "/oauth2/revoke"
	PathLogout     = "/oauth2/logout"
	PathDevice     = "/oauth2/devicecode"
)

// Applications is what the provider needs to know about clients.
type Applications interface {
	application.Reader
}

// Deps are the provider's collaborators.
type Deps struct {
	Issuer       string
	Applications Applications
	Hasher       application.Hasher
	Keys         *signing.Manager
	Now          func() time.Time
	Log          *slog.Logger
	// CryptoKey encrypts the library's opaque values; derive it from the
	// secret key so every node agrees.
	CryptoKey [32]byte
}

// Provider wraps the OpenID Provider.
type Provider struct {
	deps    Deps
	op      *op.Provider
	storage *storage
}

// New builds the provider.
func New(d Deps) (*Provider, error) {
	u, err := url.Parse(d.Issuer)
	if err != nil {
		return nil, err
	}
	s := &storage{deps: d}
	cfg := &op.Config{
		CryptoKey:                d.CryptoKey,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		AuthMethodPrivateKeyJWT:  false,
		GrantTypeRefreshToken:    true,
		RequestObjectSupported:   false,
		SupportedUILocales:       []language.Tag{language.English},
		SupportedScopes:          []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess},
		DefaultLogoutRedirectURI: "/signedout",
	}
	opts := []op.Option{
		op.WithCustomEndpoints(op.NewEndpoint(PathAuthorize), op.NewEndpoint(PathToken), op.NewEndpoint(PathUserinfo),
			op.NewEndpoint(PathRevoke), op.NewEndpoint(PathLogout), op.NewEndpoint(PathKeys)),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint(PathIntrospect)),
		op.WithCustomDeviceAuthorizationEndpoint(op.NewEndpoint(PathDevice)),
		op.WithLogger(d.Log),
	}
	if u.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure())
	}
	p, err := op.NewOpenIDProvider(d.Issuer, cfg, s, opts...)
	if err != nil {
		return nil, err
	}
	return &Provider{deps: d, op: p, storage: s}, nil
}

// Handler serves the provider's endpoints.
func (p *Provider) Handler() http.Handler { return p.op }

// FindPublic returns a published verification key (for package bearer).
func (p *Provider) FindPublic(ctx context.Context, kid string) (crypto.PublicKey, bool) {
	k, ok := p.deps.Keys.Find(ctx, kid)
	if !ok {
		return nil, false
	}
	return k.Public(), true
}

// CryptoKeyFrom derives the library's 32-byte key from a secret.
func CryptoKeyFrom(secret []byte) [32]byte {
	return sha256.Sum256(append([]byte("strongroom op crypto v1\x00"), secret...))
}

// client adapts an application to op.Client.
type client struct {
	app application.Application
}

func (c *client) GetID() string                       { return c.app.AppID }
func (c *client) RedirectURIs() []string              { return nil }
func (c *client) PostLogoutRedirectURIs() []string    { return nil }
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c *client) ResponseTypes() []oidc.ResponseType  { return nil }
func (c *client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeClientCredentials}
}
func (c *client) LoginURL(id string) string            { return "/signin?authRequestID=" + url.QueryEscape(id) }
func (c *client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeJWT }
func (c *client) IDTokenLifetime() time.Duration       { return time.Hour }
func (c *client) DevMode() bool                        { return false }
func (c *client) IsScopeAllowed(scope string) bool     { return false }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// appTokenRequest is a client-credentials token request.
type appTokenRequest struct {
	app    application.Application
	scopes []string
}

func (r *appTokenRequest) GetSubject() string    { return r.app.ID }
func (r *appTokenRequest) GetAudience() []string { return []string{APIAudience} }
func (r *appTokenRequest) GetScopes() []string   { return r.scopes }

// storage implements op.Storage over Strongroom's services.
type storage struct {
	deps Deps
}

var errNotYet = errors.New("the authorization code flow is not enabled on this server")

func (s *storage) CreateAuthRequest(context.Context, *oidc.AuthRequest, string) (op.AuthRequest, error) {
	return nil, oidc.ErrRequestNotSupported().WithParent(errNotYet)
}
func (s *storage) AuthRequestByID(context.Context, string) (op.AuthRequest, error) {
	return nil, errNotYet
}
func (s *storage) AuthRequestByCode(context.Context, string) (op.AuthRequest, error) {
	return nil, errNotYet
}
func (s *storage) SaveAuthCode(context.Context, string, string) error { return errNotYet }
func (s *storage) DeleteAuthRequest(context.Context, string) error    { return errNotYet }

func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	return uuid.NewString(), s.deps.Now().Add(AccessTokenLifetime), nil
}

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, oidc.ErrUnsupportedGrantType().WithDescription("refresh tokens are not issued for this grant")
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, oidc.ErrInvalidGrant().WithDescription("unknown refresh token")
}

func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

func (s *storage) RevokeToken(ctx context.Context, tokenOrID, userID, clientID string) *oidc.Error {
	// Client-credentials access tokens are self-contained and short-lived;
	// revoking one is accepted as RFC 7009 asks and has no further effect.
	return nil
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

// signingKey adapts a loaded key to op.SigningKey and op.Key.
type signingKey struct{ k signing.Loaded }

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k signingKey) Algorithm() jose.SignatureAlgorithm          { return jose.ES256 }
func (k signingKey) Key() any                                    { return k.k.Private }
func (k signingKey) ID() string                                  { return k.k.ID }
func (k signingKey) Use() string                                 { return "sig" }

type publicKey struct{ k signing.Loaded }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k publicKey) Key() any                           { return k.k.Public() }
func (k publicKey) ID() string                         { return k.k.ID }
func (k publicKey) Use() string                        { return "sig" }

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) {
	k, err := s.deps.Keys.Current()
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return signingKey{k}, nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.ES256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	var out []op.Key
	for _, k := range s.deps.Keys.Published() {
		out = append(out, publicKey{k})
	}
	return out, nil
}

func (s *storage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	a, err := s.deps.Applications.FindApplicationByAppID(ctx, clientID)
	if err != nil {
		if errors.Is(err, apperr.NotFound) {
			return nil, fmt.Errorf("unknown client %q", clientID)
		}
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return &client{app: a}, nil
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, clientID, secret string) error {
	_, err := s.authenticate(ctx, clientID, secret)
	return err
}

func (s *storage) authenticate(ctx context.Context, clientID, secret string) (application.Application, error) {
	a, err := application.Authenticate(ctx, s.deps.Applications, s.deps.Hasher, clientID, secret, s.deps.Now())
	switch {
	case err == nil:
		return a, nil
	case errors.Is(err, apperr.NotFound), errors.Is(err, apperr.Unauthenticated):
		// One message for both: an unknown client and a wrong secret look
		// the same from outside.
		return a, errors.New("client authentication failed")
	default:
		return a, oidc.ErrServerError().WithParent(err)
	}
}

func (s *storage) ClientCredentials(ctx context.Context, clientID, secret string) (op.Client, error) {
	a, err := s.authenticate(ctx, clientID, secret)
	if err != nil {
		return nil, err
	}
	return &client{app: a}, nil
}

func (s *storage) ClientCredentialsTokenRequest(ctx context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	a, err := s.deps.Applications.FindApplicationByAppID(ctx, clientID)
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	// Graph clients ask for "<resource>/.default"; Strongroom grants the
	// application's permissions whatever the scope names.
	return &appTokenRequest{app: a, scopes: scopes}, nil
}

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

func (s *storage) SetUserinfoFromToken(context.Context, *oidc.UserInfo, string, string, string) error {
	return errors.New("userinfo is available for user tokens only")
}

func (s *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	return errors.New("introspection is not available for this token")
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetPrivateClaimsFromRequest adds Strongroom's claims to access tokens.
func (s *storage) GetPrivateClaimsFromRequest(ctx context.Context, req op.TokenRequest, scopes []string) (map[string]any, error) {
	switch r := req.(type) {
	case *appTokenRequest:
		roles := make([]string, 0, len(r.app.Permissions))
		for _, p := range r.app.Permissions {
			if authz.Known(p) {
				roles = append(roles, string(p))
			}
		}
		slices.Sort(roles)
		return map[string]any{"idtyp": "app", "oid": r.app.ID, "roles": roles, "azp": r.app.AppID, "app_displayname": r.app.DisplayName}, nil
	}
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("private_key_jwt is not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("the JWT profile grant is not supported")
}

func (s *storage) Health(ctx context.Context) error { return nil }
