package provider

import (
	"net/url"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/authz"
)

// delegatedScopes are the permission names a client may ask for as
// api://strongroom/<name> scopes. A user's token acts with the user's
// active roles whatever it asks; the scopes are recorded in scp.
var delegatedScopes = func() []string {
	out := make([]string, len(authz.All))
	for i, p := range authz.All {
		out[i] = string(p)
	}
	return out
}()

// client adapts an application to op.Client.
type client struct {
	app application.Application
	sc  *scope
	now func() time.Time
}

func (c *client) GetID() string                    { return c.app.AppID }
func (c *client) RedirectURIs() []string           { return c.app.RedirectURIs() }
func (c *client) PostLogoutRedirectURIs() []string { return c.app.PostLogoutRedirectURIs() }

// ApplicationType is native for public clients, so that the library
// accepts their loopback redirect URIs on any port (RFC 8252 §7.3) and
// nothing else for http.
func (c *client) ApplicationType() op.ApplicationType {
	if c.app.IsPublicClient() {
		return op.ApplicationTypeNative
	}
	return op.ApplicationTypeWeb
}

// AuthMethod is none for public clients (which must then use PKCE) and a
// client secret, in the Authorization header or the form, for the others.
func (c *client) AuthMethod() oidc.AuthMethod {
	if c.app.IsPublicClient() {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

// ResponseTypes lists what the library lets through to CreateAuthRequest,
// which accepts only code and refuses the others with
// unsupported_response_type (RFC 6749 §4.1.2.1) instead of the library's
// unauthorized_client.
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode, oidc.ResponseTypeIDToken, oidc.ResponseTypeIDTokenOnly, "token", "code id_token", "code token", "code id_token token"}
}

func (c *client) GrantTypes() []oidc.GrantType {
	var g []oidc.GrantType
	if c.app.SignsInUsers() {
		g = append(g, oidc.GrantTypeCode, oidc.GrantTypeRefreshToken)
	}
	if !c.app.IsPublicClient() {
		g = append(g, oidc.GrantTypeClientCredentials)
	}
	return g
}

// LoginURL is where the library sends the browser with a new request.
func (c *client) LoginURL(id string) string {
	return PathLogin + "?authRequestID=" + url.QueryEscape(id)
}

func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }

// IDTokenLifetime is an hour, but never beyond the sign-in session's end
// (a Temporary Access Pass's end): the storage records that cap for the
// request being answered.
func (c *client) IDTokenLifetime() time.Duration {
	d := IDTokenLifetime
	if c.sc != nil && !c.sc.idTokenCap.IsZero() {
		if left := c.sc.idTokenCap.Sub(c.now()); left < d {
			d = max(left, time.Second)
		}
	}
	return d
}

func (c *client) DevMode() bool { return false }

// IsScopeAllowed keeps Strongroom API scopes in a request; the library
// drops every other scope it does not know (RFC 6749 §3.3 lets the server
// narrow the scope).
func (c *client) IsScopeAllowed(scope string) bool { return apiScope(scope) }

// IDTokenUserinfoClaimsAssertion puts name, preferred_username and email in
// the ID token even when an access token is issued too, as Entra does.
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
