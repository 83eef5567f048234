// Package method is the authentication methods policy: which methods are
// enabled, for whom (include and exclude targets: groups or all users), and
// each method's settings, with Graph's shapes, ranges and defaults
// (entra.md §1.1 for the Temporary Access Pass, §2 for FIDO2).
//
// Strongroom enables the Temporary Access Pass and FIDO2 for all users by
// default, so that the first administrator can sign in with the bootstrap
// pass and register a security key before changing anything.
package method
