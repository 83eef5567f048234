// Package provider is Strongroom's OAuth 2.0 authorization server and
// OpenID Provider, built on github.com/zitadel/oidc/v3's op package: the
// library owns the protocol (parsing, validation, error forms, JWKS, token
// responses); this package supplies its storage, clients and signing keys
// from Strongroom's services (package grant keeps the requests, codes and
// refresh tokens), and adds what the library leaves to it: PKCE with S256
// only (required for public clients), the claims parameter (acrs, acr and
// amr requests), Strongroom's claims, and a discovery document that says
// only what Strongroom supports.
//
// Endpoints (relative to the issuer, which is the public URL):
//
//	/.well-known/openid-configuration   discovery
//	/oauth2/keys                        JWKS
//	/oauth2/authorize                   code flow (the user signs in at /oauth2/login, package web)
//	/oauth2/token                       authorization_code, refresh_token, client_credentials
//	/oauth2/userinfo, /oauth2/introspect, /oauth2/revoke, /oauth2/logout
//
// Access tokens are ES256 JWTs. Client-credentials tokens are for the
// audience APIAudience and carry the application's permissions in "roles",
// as Entra does, with "idtyp":"app"; issuing one touches no database
// beyond reading the client. User tokens carry amr, acr, acrs, wids, sid
// and the scopes; see docs/api.md.
package provider
