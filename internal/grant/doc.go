// Package grant holds what the OpenID provider keeps between the browser
// and the token endpoint: authorization requests while the user signs in,
// the codes they end in, refresh-token families, and access tokens revoked
// before their expiry. It also holds the rules that turn a Strongroom
// session into token claims: amr (RFC 8176) from the methods proved, acr,
// and the authentication contexts (acrs) that may still be claimed.
//
// Everything lives in the database, so any node can continue a sign-in
// another node began. Codes and refresh tokens are random and stored only as
// keyed hashes. A code is single-use and short-lived; a code presented twice
// revokes what it issued (RFC 6749 §4.1.2). A refresh token is rotated on
// every use; presenting one that was already rotated revokes its whole
// family (OAuth 2.0 Security BCP, RFC 9700 §4.14.2). Refresh tokens are bound
// to the browser session they came from and die with it, with the user's
// account, and with the user's TokensValidAfter.
package grant
