package provider

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/grant"
	"github.com/strongroom-id/strongroom/internal/signing"
)

// APIAudience is the audience of tokens for Strongroom's own API.
const APIAudience = "api://strongroom"

// APIScopePrefix starts every scope of Strongroom's own API:
// api://strongroom/.default, or api://strongroom/<permission>.
const APIScopePrefix = APIAudience + "/"

// AccessTokenLifetime is how long access tokens last (Entra's default is
// 60–90 minutes; one hour here).
const AccessTokenLifetime = grant.AccessTokenLifetime

// IDTokenLifetime is how long ID tokens last.
const IDTokenLifetime = time.Hour

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
	// PathLogin is where an authorization request goes to be signed in
	// (served by package web).
	PathLogin = "/oauth2/login"
	// PathLogoutConfirm asks the browser to confirm a sign-out requested
	// without an id_token_hint (served by package web).
	PathLogoutConfirm = "/oauth2/logout/confirm"
)

// Applications is what the provider needs to know about clients.
type Applications interface {
	application.Reader
}

// Deps are the provider's collaborators.
type Deps struct {
	Issuer       string
	Applications Applications
	Users        directory.Reader
	Grants       *grant.Service
	// Contexts says which authentication contexts clients may request;
	// AllContextsPublished when nil.
	Contexts Contexts
	Hasher   application.Hasher
	Keys     *signing.Manager
	Now      func() time.Time
	Log      *slog.Logger
	// CryptoKey encrypts the library's opaque values; derive it from the
	// secret key so every node agrees.
	CryptoKey [32]byte
	// BrowserSession returns the id of the Strongroom session of the
	// browser that sent r, if any (for RP-initiated logout).
	BrowserSession func(r *http.Request) (sessionID, userID string, ok bool)
}

// Provider wraps the OpenID Provider.
type Provider struct {
	deps    Deps
	op      *op.Provider
	storage *storage
	handler http.Handler
}

// New builds the provider.
func New(d Deps) (*Provider, error) {
	u, err := url.Parse(d.Issuer)
	if err != nil {
		return nil, err
	}
	if d.Contexts == nil {
		d.Contexts = AllContextsPublished{}
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
		SupportedScopes:          []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess, APIScopePrefix + ".default"},
		SupportedClaims:          supportedClaims,
		DefaultLogoutRedirectURI: PathLogoutConfirm,
	}
	opts := []op.Option{
		op.WithCustomEndpoints(op.NewEndpoint(PathAuthorize), op.NewEndpoint(PathToken), op.NewEndpoint(PathUserinfo),
			op.NewEndpoint(PathRevoke), op.NewEndpoint(PathLogout), op.NewEndpoint(PathKeys)),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint(PathIntrospect)),
		op.WithCustomDeviceAuthorizationEndpoint(op.NewEndpoint(PathDevice)),
		// Only ES256: a token signed with "none" or an HMAC key is refused
		// before any key lookup, at userinfo, introspection, revocation and
		// with an id_token_hint.
		op.WithAccessTokenVerifierOpts(op.WithSupportedAccessTokenSigningAlgorithms(string(jose.ES256))),
		op.WithIDTokenHintVerifierOpts(op.WithSupportedIDTokenHintSigningAlgorithms(string(jose.ES256))),
		op.WithLogger(d.Log),
	}
	if u.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure())
	}
	p, err := op.NewOpenIDProvider(d.Issuer, cfg, s, opts...)
	if err != nil {
		return nil, err
	}
	prov := &Provider{deps: d, op: p, storage: s}
	prov.handler = prov.wrap(p)
	return prov, nil
}

// supportedClaims are the claims Strongroom issues, for discovery.
var supportedClaims = []string{
	"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "acr", "amr", "azp", "client_id", "at_hash", "c_hash",
	"name", "preferred_username", "email", "acrs", "wids", "sid", "oid", "idtyp", "scp", "roles",
}

// Handler serves the provider's endpoints.
func (p *Provider) Handler() http.Handler { return p.handler }

// wrap adds what the library does not do itself: a per-request scope the
// storage methods share, the claims parameter, the raw token for userinfo
// and introspection, Strongroom's discovery document, and no unauthenticated
// callback endpoint (the login handler answers the client itself).
func (p *Provider) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc := &scope{}
		switch r.URL.Path {
		case PathDiscovery:
			p.serveDiscovery(w, r)
			return
		case PathAuthorize + "/callback", PathDevice:
			http.NotFound(w, r)
			return
		case PathAuthorize:
			if err := r.ParseForm(); err == nil {
				sc.claims = r.Form.Get("claims")
			}
		case PathUserinfo:
			if tok, ok := bearerToken(r); ok {
				sc.rawToken = tok
			} else if err := r.ParseForm(); err == nil {
				sc.rawToken = r.Form.Get("access_token")
			}
		case PathIntrospect:
			if err := r.ParseForm(); err == nil {
				sc.rawToken = r.PostForm.Get("token")
			}
		case PathLogout:
			if p.deps.BrowserSession != nil {
				sc.browserSession, sc.browserUser, _ = p.deps.BrowserSession(r)
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), scopeKey{}, sc)))
	})
}

func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && (h[:7] == "Bearer " || h[:7] == "bearer ") {
		return h[7:], true
	}
	return "", false
}

// serveDiscovery answers /.well-known/openid-configuration with what
// Strongroom really supports: the code flow only (no implicit or hybrid
// response types), PKCE with S256 only, the claims parameter, no device
// flow and no pushed authorization requests (the library has neither
// storage for the one nor an endpoint for the other).
func (p *Provider) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	ctx := op.ContextWithIssuer(r.Context(), p.deps.Issuer)
	c := op.CreateDiscoveryConfig(ctx, p.op, p.storage)
	c.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	c.ResponseModesSupported = []string{string(oidc.ResponseModeQuery), string(oidc.ResponseModeFormPost)}
	c.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeClientCredentials}
	c.DeviceAuthorizationEndpoint = ""
	c.CheckSessionIframe = ""
	c.CodeChallengeMethodsSupported = []oidc.CodeChallengeMethod{oidc.CodeChallengeMethodS256}
	c.ClaimsParameterSupported = true
	c.ACRValuesSupported = []string{grant.ACRSingleFactor, grant.ACRMultifactor}
	c.TokenEndpointAuthMethodsSupported = []oidc.AuthMethod{oidc.AuthMethodBasic, oidc.AuthMethodPost, oidc.AuthMethodNone}
	c.RevocationEndpointAuthMethodsSupported = c.TokenEndpointAuthMethodsSupported
	c.IntrospectionEndpointAuthMethodsSupported = []oidc.AuthMethod{oidc.AuthMethodBasic, oidc.AuthMethodPost}
	c.TokenEndpointAuthSigningAlgValuesSupported = nil
	c.RevocationEndpointAuthSigningAlgValuesSupported = nil
	c.IntrospectionEndpointAuthSigningAlgValuesSupported = nil
	c.RequestObjectSigningAlgValuesSupported = nil
	b, err := json.Marshal(c)
	if err != nil {
		http.Error(w, "discovery", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(b)
}

// scope is what the storage methods of one HTTP request share: the library
// passes them the request's context but not everything they need.
type scope struct {
	app            *application.Application // the client, once read
	claims         string                   // the authorize request's claims parameter
	rawToken       string                   // the token presented to userinfo or introspection
	idTokenCap     time.Time                // ID tokens of this response expire no later
	browserSession string                   // the browser's session, at logout
	browserUser    string
	// The user tokens are being issued to, and their active roles, read
	// once for the access token and the ID token.
	user *directory.User
	wids []string
}

type scopeKey struct{}

func scopeFrom(ctx context.Context) *scope {
	if sc, ok := ctx.Value(scopeKey{}).(*scope); ok {
		return sc
	}
	return &scope{}
}

// FindPublic returns a published verification key (for package bearer).
func (p *Provider) FindPublic(ctx context.Context, kid string) (crypto.PublicKey, bool) {
	k, ok := p.deps.Keys.Find(ctx, kid)
	if !ok {
		return nil, false
	}
	return k.Public(), true
}

// IsRevoked reports whether an access token was revoked (for package
// bearer).
func (p *Provider) IsRevoked(ctx context.Context, tokenID string) (bool, error) {
	return p.deps.Grants.IsRevoked(ctx, tokenID)
}

// CryptoKeyFrom derives the library's 32-byte key from a secret.
func CryptoKeyFrom(secret []byte) [32]byte {
	return sha256.Sum256(append([]byte("strongroom op crypto v1\x00"), secret...))
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

// apiScope reports whether scope names Strongroom's own API.
func apiScope(s string) bool {
	if len(s) <= len(APIScopePrefix) || s[:len(APIScopePrefix)] != APIScopePrefix {
		return false
	}
	rest := s[len(APIScopePrefix):]
	return rest == ".default" || slices.Contains(delegatedScopes, rest)
}

// SetBrowserSession sets how the provider finds the browser's Strongroom
// session at logout (the web edge knows the cookie).
func (p *Provider) SetBrowserSession(f func(r *http.Request) (sessionID, userID string, ok bool)) {
	p.deps.BrowserSession = f
}

// SetContexts sets which authentication contexts clients may request
// (the Conditional Access service, which is built after the provider).
func (p *Provider) SetContexts(c Contexts) {
	p.deps.Contexts = c
	p.storage.deps.Contexts = c
}
