// Package provider is Strongroom's OAuth 2.0 authorization server and
// OpenID Provider, built on github.com/zitadel/oidc/v3's op package: the
// library owns the protocol (parsing, validation, error forms, discovery,
// JWKS, token responses); this package supplies its storage, clients and
// signing keys from Strongroom's services.
//
// Endpoints (relative to the issuer, which is the public URL):
//
//	/.well-known/openid-configuration   discovery
//	/oauth2/keys                        JWKS
//	/oauth2/token                       token (client_credentials, …)
//	/oauth2/authorize, /oauth2/userinfo, /oauth2/introspect,
//	/oauth2/revoke, /oauth2/logout      the OpenID flows
//
// Access tokens are ES256 JWTs for the audience APIAudience. Client
// credentials tokens carry the application's permissions in "roles", as
// Entra does, and "idtyp":"app".
package provider
