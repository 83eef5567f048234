// Package bearer verifies the access tokens Strongroom issues (RFC 6750
// bearer tokens that are signed JWTs, RFC 9068 style): the signature, with
// ES256 only, so that "none" and HMAC-signed tokens are refused before any
// key is looked at; the issuer; the audience; and the validity window.
package bearer
