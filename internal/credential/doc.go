// Package credential is an administrator's view of the authentication
// methods a user has registered, across kinds (Graph's
// /users/{id}/authentication/methods): password, authenticator apps
// (softwareOath), the Temporary Access Pass and passkeys (fido2). Each
// kind's own package manages it; this one lists them together, with the
// same authorization (entra.md §1.4).
package credential
